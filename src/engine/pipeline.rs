//! Many downloads in a row on one session, each transfer's final reply overlapped with the
//! next transfer's EPSV.
//!
//! RFC 959 lets a client send a command before the reply to the previous one has arrived;
//! the server reads it when it is done. Sending EPSV for the next file right after the data
//! of this one has arrived, and only then reading this file's 226, saves a round trip per
//! file wherever the 226 comes late: vsftpd, for one, answers only after the client has
//! closed the data connection. Files stay separate transfers with their own checks (150,
//! byte count against the size, 226).
//!
//! Only EPSV is sent ahead, and only once this session has seen it work; PASV and active
//! mode prepare each data connection as usual.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::AsyncWrite;

use super::control::rejection;
use super::data::{self, PassiveChoice, PendingData};
use super::ratelimit::Limited;
use super::transfer::{self, DownloadCheck};
use super::{Error, Progress, Session, TraceEvent, TransferSummary};
use crate::proto::{Arg, Command, parse_229};

/// What a sequence of downloads reads from and writes to: the caller hands out the files one
/// at a time and is told how each ended.
// The futures need not be `Send`: the app drives sessions on one thread.
#[allow(async_fn_in_trait)]
pub trait Sequence {
    type Sink: AsyncWrite + Unpin + Send;

    /// The next file: its remote path and size (from a listing). Asked one file ahead.
    fn next(&mut self) -> Option<(String, u64)>;

    /// A fresh sink for the file last returned by `next` (called just before its transfer).
    async fn open(&mut self, remote: &str) -> Result<Self::Sink, Error>;

    /// Progress for the file being transferred.
    fn progress(&mut self) -> &mut dyn Progress;

    /// The transfer of `remote` ended; `sink` is handed back (None when it was never opened).
    async fn finish(&mut self, remote: &str, sink: Option<Self::Sink>, result: Result<TransferSummary, Error>);
}

impl Session {
    /// Downloads every file `sequence` hands out, in order, overlapping round trips as the
    /// module explains. A failure of one file (a refusal, a short transfer) goes to
    /// `finish` and the sequence goes on; an error that leaves the session out of step
    /// (control connection lost, timeout) ends it and is returned, the file in flight not
    /// finished.
    pub async fn fetch_sequence<S: Sequence>(&mut self, sequence: &mut S) -> Result<(), Error> {
        self.ensure_binary().await?;
        let mut pending: Option<PendingData> = None;
        let mut item = sequence.next();
        while let Some((remote, size)) = item.take() {
            let data = match pending.take() {
                Some(data) => data,
                None => data::prepare(&mut self.control, &self.config, &mut self.passive).await?,
            };
            let sink = match sequence.open(&remote).await {
                Ok(sink) => sink,
                Err(e) => {
                    sequence.finish(&remote, None, Err(e)).await;
                    item = sequence.next();
                    continue;
                }
            };
            let (outcome, sink, next) = self.fetch_one(sequence, &remote, size, data, sink).await?;
            item = next;
            let next_data = match &outcome {
                // EPSV went out ahead: its 229 follows this transfer's 226.
                Ok((_, true)) | Err((_, true)) => Some(self.read_extended_passive().await?),
                _ => None,
            };
            pending = next_data;
            match outcome {
                Ok((summary, _)) => sequence.finish(&remote, Some(sink), Ok(summary)).await,
                Err((e, _)) => sequence.finish(&remote, Some(sink), Err(e)).await,
            }
        }
        Ok(())
    }

    /// One file of a sequence. Returns the file's outcome (with whether the next EPSV was
    /// sent ahead), the sink, and the next item; `Err` only when the session is out of step.
    #[allow(clippy::type_complexity)]
    async fn fetch_one<S: Sequence>(
        &mut self,
        sequence: &mut S,
        remote: &str,
        size: u64,
        data: PendingData,
        mut sink: S::Sink,
    ) -> Result<(Result<(TransferSummary, bool), (Error, bool)>, S::Sink, Option<(String, u64)>), Error> {
        let started = Instant::now();
        let command = match Arg::new(remote) {
            Ok(arg) => Command::Retrieve(arg),
            Err(e) => return Ok((Err((e.into(), false)), sink, sequence.next())),
        };
        let name = crate::proto::name::remote_basename(remote).unwrap_or(remote).to_string();
        sequence.progress().start(&name, Some(size), 0);
        let opened = self.open_transfer(&command, data).await;
        let (mut stream, tls) = match opened {
            Ok(Some(opened)) => opened,
            // Finished without a data connection (an empty file, on some servers).
            Ok(None) => {
                sequence.progress().finish();
                let next = sequence.next();
                let result = if size == 0 {
                    Ok((
                        TransferSummary { bytes: 0, offset: 0, total: Some(0), elapsed: started.elapsed(), tls: None },
                        false,
                    ))
                } else {
                    Err((Error::Truncated { received: 0, expected: size }, false))
                };
                return Ok((result, sink, next));
            }
            // A clean refusal (550 no such file): the session is still in step.
            Err(e) if e.reply_code().is_some() => {
                sequence.progress().finish();
                return Ok((Err((e, false)), sink, sequence.next()));
            }
            Err(e) => return Err(e),
        };
        let mut limited = Limited::new(&mut sink, self.config.rate_limit.clone());
        let check = DownloadCheck { overlap: &[], max_bytes: Some(size), offset: 0 };
        let timeout = self.config.timeout;
        let received =
            transfer::receive(&mut stream, &mut limited, &mut self.buffer, timeout, sequence.progress(), check).await;
        drop(stream);
        sequence.progress().finish();
        let received = match received {
            Ok(received) => received,
            // The data connection broke: the 226 (or 426) still has to be read.
            Err(e) => {
                if let Err(after) = self.finish_transfer(&command).await
                    && after.reply_code().is_none()
                {
                    return Err(e);
                }
                return Ok((Err((e, false)), sink, sequence.next()));
            }
        };
        let next = sequence.next();
        let ahead = next.is_some() && !self.config.active && self.passive == PassiveChoice::Extended;
        if ahead {
            self.control.send(&Command::ExtendedPassive).await?;
        }
        let result = match self.finish_transfer(&command).await {
            Ok(()) if received.bytes != size => Err(Error::Truncated { received: received.bytes, expected: size }),
            Ok(()) => Ok(TransferSummary {
                bytes: received.bytes,
                offset: 0,
                total: Some(size),
                elapsed: started.elapsed(),
                tls,
            }),
            Err(e) if e.reply_code().is_some() => Err(e),
            Err(e) => return Err(e),
        };
        Ok((result.map(|s| (s, ahead)).map_err(|e| (e, ahead)), sink, next))
    }

    /// The 229 to an EPSV sent ahead, and the data connection to its port.
    async fn read_extended_passive(&mut self) -> Result<PendingData, Error> {
        let reply = self.control.read_reply().await?;
        if reply.code.0 != 229 {
            return Err(rejection(&Command::ExtendedPassive, reply));
        }
        let port = parse_229(&reply.text())?;
        let target = SocketAddr::new(self.control.peer.ip(), port);
        self.control.trace(TraceEvent::ExtendedPassiveDecoded { port, target });
        Ok(PendingData::Connected(data::connect(target, self.config.timeout).await?))
    }
}
