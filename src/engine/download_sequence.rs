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
//! Some servers answer the EPSV sent ahead before the 226 (libunftp replies to commands as it
//! reads them and sends the 226 from its data task); a 229 that arrives in the 226's place
//! waits for its turn.
//!
//! The next RETR goes out with that EPSV (the server waits for the data connection after
//! RETR, RFC 959 section 3.2), saving a second round trip, on TLS data connections too (their
//! handshake overlaps the 1xx, engine/opening.rs). Only once this session has seen EPSV work;
//! PASV and active mode prepare each data connection as usual. Uploads in a row: engine/upload_sequence.rs.
//!
//! All of this is an optimisation, never a requirement. A server that answers a RETR sent
//! ahead of its data connection with a refusal that may only mean it was not ready
//! ([`ReplyCode::may_mean_not_ready`], before any 1xx) gets the file again the classic way,
//! and [`super::Pipelining`] stops for every session that shares it. A RETR sent ahead whose
//! data connection fails is judged by its own reply: ProFTPD refuses a file deleted since it
//! was listed and closes the passive port before the connection comes, and that 550 is the
//! file's failure, the sequence going on.

use std::time::Instant;

use tokio::io::AsyncWrite;

use super::data::{self, PendingData};
use super::pump::DownloadCheck;
use super::ratelimit::Limited;
use super::{Error, Progress, Session, SizeCheck, TransferSummary};
use crate::proto::{Arg, Command, ReplyCode};

/// What a sequence of downloads reads from and writes to: the caller hands out the files one
/// at a time and is told how each ended.
// The futures need not be `Send`: the app drives sessions on one thread.
#[allow(async_fn_in_trait)]
pub trait DownloadSequence {
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

/// How far the next transfer was set up while the previous one finished.
enum Ahead {
    /// Nothing yet.
    Nothing,
    /// EPSV went out before the previous 226; its 229 follows that reply.
    Passive,
    /// EPSV and RETR both went out: the 229, then RETR's 150.
    Request(Command),
}

impl Session {
    /// Downloads every file `sequence` hands out, in order, overlapping round trips as the
    /// module explains. A failure of one file (a refusal, a short transfer) goes to
    /// `finish` and the sequence goes on; an error that leaves the session out of step
    /// (control connection lost, timeout) ends it and is returned, the file in flight not
    /// finished.
    pub async fn fetch_sequence<S: DownloadSequence>(&mut self, sequence: &mut S) -> Result<(), Error> {
        self.ensure_binary().await?;
        let mut ahead = Ahead::Nothing;
        let mut item = sequence.next();
        while let Some((remote, size)) = item.take() {
            let (data, requested) = match std::mem::replace(&mut ahead, Ahead::Nothing) {
                Ahead::Nothing => (Ok(data::prepare(&mut self.control, &self.config, &mut self.data).await?), None),
                Ahead::Passive => (Ok(self.read_extended_passive().await?), None),
                // A failed data connection is the file's to judge: its RETR's reply says
                // whether the server refused it (a file deleted since it was listed).
                Ahead::Request(command) => match self.read_sent_passive().await {
                    Err(e) if !e.is_data_connection_failure() => return Err(e),
                    connected => (connected, Some(command)),
                },
            };
            let sink = match sequence.open(&remote).await {
                Ok(sink) => sink,
                Err(e) => {
                    if let Some(command) = requested {
                        // RETR is on its way: let it run into the void, then carry on.
                        self.discard_request(&command, data).await?;
                    }
                    sequence.finish(&remote, None, Err(e)).await;
                    item = sequence.next();
                    continue;
                }
            };
            let (outcome, sink, next, sent) = self.fetch_one(sequence, &remote, size, data, requested, sink).await?;
            item = next;
            ahead = sent;
            sequence.finish(&remote, Some(sink), outcome).await;
        }
        Ok(())
    }

    /// One file of a sequence: the file's outcome, the sink, the next item and what was sent
    /// ahead for it; `Err` only when the session is out of step.
    #[allow(clippy::type_complexity)]
    async fn fetch_one<S: DownloadSequence>(
        &mut self,
        sequence: &mut S,
        remote: &str,
        size: u64,
        data: Result<PendingData, Error>,
        requested: Option<Command>,
        mut sink: S::Sink,
    ) -> Result<(Result<TransferSummary, Error>, S::Sink, Option<(String, u64)>, Ahead), Error> {
        let started = Instant::now();
        let name = crate::proto::name::remote_basename(remote).unwrap_or(remote).to_string();
        let (command, opened) = match requested {
            Some(command) => {
                let opened = match self.open_sent(&command, data).await {
                    // Refused before any 1xx in a way that may only mean the server was not
                    // ready for a RETR sent ahead: the classic way, and no more pipelining.
                    Err(e) if e.reply_code().is_some_and(ReplyCode::may_mean_not_ready) => {
                        self.stop_pipelining(&e);
                        match data::prepare(&mut self.control, &self.config, &mut self.data).await {
                            Ok(pending) => self.open_transfer(&command, pending).await,
                            Err(e) => Err(e),
                        }
                    }
                    opened => opened,
                };
                (command, opened)
            }
            None => {
                let command = match Arg::new(remote) {
                    Ok(arg) => Command::Retrieve(arg),
                    Err(e) => return Ok((Err(e.into()), sink, sequence.next(), Ahead::Nothing)),
                };
                let opened = self.open_transfer(&command, data?).await;
                (command, opened)
            }
        };
        sequence.progress().start(&name, Some(size), 0);
        let (stream, tls) = match opened {
            Ok(Some(opened)) => opened,
            // Finished without a data connection (an empty file, on some servers).
            Ok(None) => {
                sequence.progress().finish();
                let result = if size == 0 {
                    Ok(TransferSummary {
                        bytes: 0,
                        offset: 0,
                        total: Some(0),
                        elapsed: started.elapsed(),
                        tls: None,
                        size_check: SizeCheck::None,
                    })
                } else {
                    Err(Error::Truncated { received: 0, expected: size })
                };
                return Ok((result, sink, sequence.next(), Ahead::Nothing));
            }
            // A clean refusal (550 no such file): the session is still in step.
            Err(e) if e.reply_code().is_some() => {
                sequence.progress().finish();
                return Ok((Err(e), sink, sequence.next(), Ahead::Nothing));
            }
            Err(e) => return Err(e),
        };
        let mut limited = Limited::new(&mut sink, self.config.rate_limit.clone());
        let check = DownloadCheck { overlap: &[], max_bytes: Some(size), offset: 0 };
        let received = self.receive_data(stream, &mut limited, sequence.progress(), check).await;
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
                return Ok((Err(e), sink, sequence.next(), Ahead::Nothing));
            }
        };
        let next = sequence.next();
        let sent = self.send_ahead(next.as_ref().map(|(path, _)| path.as_str())).await?;
        let epsv_ahead = !matches!(sent, Ahead::Nothing);
        let result = match self.finish_transfer_ahead(&command, epsv_ahead).await {
            Ok(()) if received.bytes != size => Err(Error::Truncated { received: received.bytes, expected: size }),
            Ok(()) => Ok(TransferSummary {
                bytes: received.bytes,
                offset: 0,
                total: Some(size),
                elapsed: started.elapsed(),
                tls,
                size_check: SizeCheck::None,
            }),
            Err(e) if e.reply_code().is_some() => Err(e),
            Err(e) => return Err(e),
        };
        Ok((result, sink, next, sent))
    }

    /// Sends EPSV for the next file before this one's 226 is read, and its RETR too (the
    /// server waits for the data connection after RETR).
    async fn send_ahead(&mut self, next: Option<&str>) -> Result<Ahead, Error> {
        let Some(next) = next else { return Ok(Ahead::Nothing) };
        if !self.data.epsv_works() || !self.pipelining.allowed() {
            return Ok(Ahead::Nothing);
        }
        match Arg::new(next) {
            Ok(arg) => {
                let batch = [Command::ExtendedPassive, Command::Retrieve(arg)];
                self.control.send_batch(&batch).await?;
                let [_, command] = batch;
                Ok(Ahead::Request(command))
            }
            Err(_) => {
                self.control.send(&Command::ExtendedPassive).await?;
                Ok(Ahead::Passive)
            }
        }
    }

    /// A RETR sent ahead whose file cannot be written locally: drain its transfer.
    async fn discard_request(&mut self, command: &Command, data: Result<PendingData, Error>) -> Result<(), Error> {
        match self.open_sent(command, data).await {
            Ok(Some((stream, _))) => {
                let check = DownloadCheck { overlap: &[], max_bytes: None, offset: 0 };
                let _ = self.receive_data(stream, &mut tokio::io::sink(), &mut super::NoProgress, check).await;
                match self.finish_transfer(command).await {
                    Err(e) if e.reply_code().is_none() => Err(e),
                    _ => Ok(()),
                }
            }
            Ok(None) => Ok(()),
            Err(e) if e.reply_code().is_some() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
