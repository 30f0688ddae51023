//! The control connection: send a command, read a reply, each under a timeout, with the
//! reply decoder's size caps. Every line in either direction goes to the trace.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::stream::Stream;
use super::{Error, Trace, TraceEvent};
use crate::proto::reply::ReplyLimits;
use crate::proto::{Command, Reply, ReplyClass, ReplyDecoder};

pub(crate) struct ControlChannel {
    stream: Option<Stream>,
    buf: Vec<u8>,
    decoder: ReplyDecoder,
    limits: ReplyLimits,
    timeout: Duration,
    trace: Option<Arc<dyn Trace>>,
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    /// NOOPs sent during a transfer whose replies have not been read yet (engine/noop.rs).
    pub(crate) owed_noops: u32,
    /// A reply read before its turn, handed out by the next read (engine/download_sequence.rs).
    pub(crate) early: Option<Reply>,
}

impl ControlChannel {
    pub(crate) fn new(
        stream: Stream,
        limits: ReplyLimits,
        timeout: Duration,
        trace: Option<Arc<dyn Trace>>,
    ) -> Result<Self, Error> {
        let peer = stream.tcp().peer_addr().map_err(Error::ControlIo)?;
        let local = stream.tcp().local_addr().map_err(Error::ControlIo)?;
        Ok(Self {
            stream: Some(stream),
            buf: Vec::with_capacity(1024),
            decoder: ReplyDecoder::new(limits),
            limits,
            timeout,
            trace,
            peer,
            local,
            owed_noops: 0,
            early: None,
        })
    }

    pub(crate) fn trace(&self, event: TraceEvent) {
        if let Some(trace) = &self.trace {
            trace.event(&event);
        }
    }

    pub(crate) fn note(&self, text: impl Into<String>) {
        self.trace(TraceEvent::Note { text: text.into() });
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn stream(&mut self) -> Result<&mut Stream, Error> {
        self.stream.as_mut().ok_or(Error::ControlClosed)
    }

    pub(crate) async fn send(&mut self, command: &Command) -> Result<(), Error> {
        self.send_batch(std::slice::from_ref(command)).await
    }

    /// Sends several commands in one write: pipelined commands (RFC 959 lets a client send
    /// before the previous reply has come) then cost one system call and one segment, on
    /// both ends, instead of one each.
    pub(crate) async fn send_batch(&mut self, commands: &[Command]) -> Result<(), Error> {
        let mut wire = Vec::with_capacity(64 * commands.len());
        for command in commands {
            self.trace(TraceEvent::Sent { line: command.to_string() });
            wire.extend_from_slice(&command.encode());
        }
        let timeout = self.timeout;
        let stream = self.stream()?;
        let write = async {
            stream.write_all(&wire).await?;
            stream.flush().await
        };
        match tokio::time::timeout(timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::ControlIo(e)),
            Err(_) => Err(Error::Timeout { waiting_for: "the server to accept a command", after: timeout }),
        }
    }

    /// Reads one complete reply. `waiting_for` names the wait in a timeout error.
    pub(crate) async fn read_reply_for(
        &mut self,
        waiting_for: &'static str,
        timeout: Duration,
    ) -> Result<Reply, Error> {
        self.read_reply_until(waiting_for, tokio::time::Instant::now() + timeout, timeout).await
    }

    /// Reads one complete reply before `deadline`; `timeout` is the wait the deadline stands
    /// for, as the error reports it.
    pub(crate) async fn read_reply_until(
        &mut self,
        waiting_for: &'static str,
        deadline: tokio::time::Instant,
        timeout: Duration,
    ) -> Result<Reply, Error> {
        if let Some(reply) = self.early.take() {
            return Ok(reply);
        }
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(reply) = self.decoder.decode(&mut self.buf)? {
                self.trace(TraceEvent::Received { reply: reply.clone() });
                return Ok(reply);
            }
            let stream = self.stream()?;
            let n = match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => return Err(Error::ControlIo(e)),
                Err(_) => return Err(Error::Timeout { waiting_for, after: timeout }),
            };
            if n == 0 {
                self.stream = None;
                return Err(Error::ControlClosed);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    pub(crate) async fn read_reply(&mut self) -> Result<Reply, Error> {
        self.read_reply_for("a reply", self.timeout).await
    }

    /// Sends `command` and returns the first reply that is not a 1xx preliminary one.
    pub(crate) async fn command(&mut self, command: &Command) -> Result<Reply, Error> {
        self.send(command).await?;
        // One deadline for all of them: a server sending 1xx replies without end must not hold
        // the client longer than the timeout.
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let reply = self.read_reply_until("a reply", deadline, self.timeout).await?;
            if reply.class() != ReplyClass::Preliminary {
                return Ok(reply);
            }
        }
    }

    /// Sends `command` and requires a reply whose code is in `accepted`; any other reply
    /// becomes [`Error::Rejected`] (4xx/5xx) or [`Error::Unexpected`].
    pub(crate) async fn expect(&mut self, command: &Command, accepted: &[u16]) -> Result<Reply, Error> {
        let reply = self.command(command).await?;
        check(command, reply, accepted)
    }

    /// Drops everything received but not yet decoded: after AUTH TLS (RFC 4217 section 4),
    /// bytes that arrived before the handshake are not trustworthy and must not be acted on.
    pub(crate) fn discard_buffered(&mut self) -> usize {
        let n = self.buf.len();
        self.buf.clear();
        self.decoder = ReplyDecoder::new(self.limits);
        n
    }

    pub(crate) fn take_stream(&mut self) -> Option<Stream> {
        self.stream.take()
    }

    pub(crate) fn put_stream(&mut self, stream: Stream) {
        self.stream = Some(stream);
    }

    pub(crate) async fn shutdown(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.shutdown()).await;
        }
    }
}

pub(crate) fn check(command: &Command, reply: Reply, accepted: &[u16]) -> Result<Reply, Error> {
    if accepted.contains(&reply.code.0) {
        return Ok(reply);
    }
    Err(rejection(command, reply))
}

/// The error for an accepted reply whose content cannot be read (a SIZE without a number,
/// a 257 naming a path that cannot be sent back): the server's protocol violation.
pub(crate) fn unreadable(command: &Command, reply: &Reply) -> Error {
    Error::Unexpected { command: command.into(), code: reply.code, text: reply.text() }
}

/// The error for a reply that is not what `command` needed.
pub(crate) fn rejection(command: &Command, reply: Reply) -> Error {
    let text = reply.text();
    let command = command.into();
    match reply.class() {
        ReplyClass::TransientNegative | ReplyClass::PermanentNegative => {
            Error::Rejected { command, code: reply.code, text }
        }
        _ => Error::Unexpected { command, code: reply.code, text },
    }
}
