//! Opening a transfer's data connection once its command (RETR, STOR, LIST...) is sent:
//! the 1xx read, the connection taken, and on protected data connections (PROT P, RFC 4217
//! section 9) the TLS handshake.
//!
//! The handshake starts as soon as a passive connection is up, while the 1xx is still on its
//! way, rather than after it. RFC 4217 section 7 has the server send its 1xx and then take
//! the handshake, but a server's socket already holds the ClientHello when it gets there
//! (vsftpd, ProFTPD), so a round trip per file is saved; and a server that takes the
//! handshake before sending its 1xx (ftp-srv) is not left waiting for a client that waits for
//! the 1xx. A refusal (550, say) drops the handshake in progress.

use tokio::net::TcpStream;

use super::connect::trace_tls;
use super::control::rejection;
use super::data::PendingData;
use super::stream::Stream;
use super::tls::{self, TlsContext, TlsInfo};
use super::{Error, Session};
use crate::proto::{Command, Reply, ReplyClass, ReplyCode};

/// How long the reply to a transfer command is waited for once its data connection failed
/// ([`Session::open_sent`]): a server that refused the command has answered within a round trip.
const REFUSAL_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// A data connection ready for the transfer, with its TLS facts when protected.
type Opened = Option<(Stream, Option<TlsInfo>)>;

impl Session {
    /// Sends the transfer command and opens the data stream. `None` when the server finished
    /// without a data connection (a 226 straight away, as some servers do for empty listings).
    pub(super) async fn open_transfer(&mut self, command: &Command, pending: PendingData) -> Result<Opened, Error> {
        self.control.send(command).await?;
        self.open_requested(command, pending).await
    }

    /// A single transfer's command, its data connection and 1xx. Once this session has seen
    /// EPSV work, and while the server plays along, EPSV and the command go out in one write
    /// (RFC 959 lets a client send a command before the previous reply): a round trip less
    /// per `get`, `put` and deploy state or lock file. It degrades, never fails for it:
    /// - the command refused before any 1xx in words of the data connection (425, 426, 503:
    ///   the server may not have been ready for it; Twisted answers 426): the classic way,
    ///   and no more pipelining;
    /// - the data connection refused: the command's reply is read ([`Session::open_sent`]),
    ///   and a refusal of the command is the error, the session in step, as it would be the
    ///   classic way;
    /// - the EPSV refused: the command's own reply is read (a server refuses a transfer with
    ///   no passive address set), then the classic way, which tries PASV after EPSV. Only a
    ///   server that started the transfer all the same leaves the session out of step.
    pub(super) async fn open_single(&mut self, command: &Command) -> Result<Opened, Error> {
        if self.sends_request_with_epsv() {
            self.control.send_batch(&[Command::ExtendedPassive, command.clone()]).await?;
            match self.read_sent_passive().await {
                Err(refused @ Error::PassiveRefusedAhead { .. }) => {
                    let reply = self.control.read_reply().await?;
                    if reply.class() == ReplyClass::Preliminary {
                        return Err(refused);
                    }
                    self.stop_pipelining(&refused);
                }
                connected => match self.open_sent(command, connected).await {
                    Err(e) if e.reply_code().is_some_and(ReplyCode::speaks_of_the_data_connection) => {
                        self.stop_pipelining(&e)
                    }
                    opened => return opened,
                },
            }
        }
        let pending = super::data::prepare(&mut self.control, &self.config, &mut self.data).await?;
        self.spread_epsv();
        self.open_transfer(command, pending).await
    }

    /// The reply to a transfer command sent with its EPSV, whose data connection was tried
    /// (`connected`). When that connection failed, the server may have refused the command at
    /// once and closed its port before the connection came (ProFTPD, for a RETR of a missing
    /// file, or of a file deleted since it was listed): the command's reply says, and a
    /// refusal is the error with the session in step. After a 1xx the server waits for a
    /// connection that failed: the connection's error, the session out of step.
    pub(super) async fn open_sent(
        &mut self,
        command: &Command,
        connected: Result<PendingData, Error>,
    ) -> Result<Opened, Error> {
        match connected {
            Ok(pending) => self.open_requested(command, pending).await,
            // A refusal comes at once. A server that reads no command until the data connection
            // comes (Twisted) sends nothing: after a short wait the session is given up, as it
            // would be without the wait.
            Err(failed) if failed.is_data_connection_failure() => {
                let wait = REFUSAL_WAIT.min(self.config.timeout);
                match self.control.read_reply_for("the reply to a transfer without its data connection", wait).await {
                    Ok(reply) => preliminary(command, reply)?.ok_or(failed),
                    Err(Error::Timeout { .. }) => Err(failed),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The reply to a transfer command already sent (with its EPSV, or by
    /// [`Session::open_transfer`]), and the data connection.
    pub(super) async fn open_requested(&mut self, command: &Command, pending: PendingData) -> Result<Opened, Error> {
        let tls = if self.protect_data { self.tls.clone() } else { None };
        match (tls, pending) {
            (Some(ctx), PendingData::Connected(tcp)) => self.secure_while_replying(command, ctx, tcp).await,
            (tls, pending) => {
                let reply = self.control.read_reply().await?;
                if let Some(done) = preliminary(command, reply)? {
                    return Ok(done);
                }
                let tcp = pending.establish(&self.control, self.config.timeout).await?;
                self.no_delay(command, &tcp);
                match tls {
                    None => Ok(Some((Stream::Plain(tcp), None))),
                    Some(ctx) => {
                        let handshake = self.handshake(ctx, tcp);
                        let stream = handshake.await?;
                        Ok(Some(self.secured(stream)))
                    }
                }
            }
        }
    }

    /// A passive TLS data connection: its handshake and the command's 1xx, both at once.
    async fn secure_while_replying(
        &mut self,
        command: &Command,
        ctx: TlsContext,
        tcp: TcpStream,
    ) -> Result<Opened, Error> {
        self.no_delay(command, &tcp);
        let handshake = self.handshake(ctx, tcp);
        tokio::pin!(handshake);
        let mut shaken = None;
        let reply = {
            let replying = self.control.read_reply();
            tokio::pin!(replying);
            loop {
                tokio::select! {
                    reply = &mut replying => break reply?,
                    stream = &mut handshake, if shaken.is_none() => shaken = Some(stream),
                }
            }
        };
        if let Some(done) = preliminary(command, reply)? {
            return Ok(done);
        }
        let stream = match shaken {
            Some(stream) => stream?,
            None => handshake.await?,
        };
        Ok(Some(self.secured(stream)))
    }

    /// The TLS handshake on a data connection, within the session's timeout; it resumes the
    /// control connection's session unless the configuration asks for fresh ones (`doctor`).
    fn handshake(
        &self,
        ctx: TlsContext,
        tcp: TcpStream,
    ) -> impl std::future::Future<Output = Result<tokio_rustls::client::TlsStream<TcpStream>, Error>> + use<> {
        let timeout = self.config.timeout;
        let fresh = self.config.tls.fresh_data_sessions;
        async move {
            let handshake = async { if fresh { ctx.connect_fresh(tcp).await } else { ctx.connect_data(tcp).await } };
            tokio::time::timeout(timeout, handshake)
                .await
                .map_err(|_| Error::Timeout { waiting_for: "the data connection's TLS handshake", after: timeout })?
        }
    }

    /// Records and traces a finished data handshake (`finish_transfer` names a refused
    /// connection that did not resume).
    fn secured(&mut self, stream: tokio_rustls::client::TlsStream<TcpStream>) -> (Stream, Option<TlsInfo>) {
        let info = tls::info(&stream);
        trace_tls(&self.control, "data", &info);
        self.data_resumed = Some(info.resumed);
        (Stream::Tls(Box::new(stream)), Some(info))
    }

    /// Nagle only delays a sender's small writes: the TLS handshake's and an upload's tail. A
    /// plain download writes nothing, and the call is a system call per file.
    fn no_delay(&self, command: &Command, tcp: &TcpStream) {
        if self.protect_data || matches!(command, Command::Store(_) | Command::Append(_)) {
            let _ = tcp.set_nodelay(true);
        }
    }
}

/// The command's first reply: a 1xx lets the transfer go on (`None`); a 226 or 250 straight
/// away finishes it without data (`Some(None)`); anything else refuses it.
fn preliminary(command: &Command, reply: Reply) -> Result<Option<Opened>, Error> {
    if reply.class() == ReplyClass::Preliminary {
        return Ok(None);
    }
    match reply.code {
        ReplyCode::TRANSFER_COMPLETE | ReplyCode::FILE_ACTION_OK => Ok(Some(None)),
        _ => Err(rejection(command, reply)),
    }
}
