//! Many uploads in a row on one session: each file's checks and the next file's transfer
//! command in one write.
//!
//! After a file's 226, its size check (SIZE, RFC 3659 section 4) and its modification time go
//! out together with the next file's EPSV and STOR. RFC 959 lets a client send commands
//! before the replies to earlier ones; the server reads them in turn. That is a round trip
//! per file less than checking first, on top of the one saved by sending STOR with its EPSV
//! (the server waits for the data connection after STOR, RFC 959 section 3.2). An atomic
//! upload's rename (RNFR, RNTO) waits for its size check and then carries the next file's
//! EPSV and STOR instead, so no file takes its name before its size is confirmed.
//!
//! To a server known to read commands only between transfers (vsftpd, `proto::Reading`) all
//! of that goes out as soon as the file's data has, before its 226: another round trip per
//! file. A reply out of turn there (one that cannot end a transfer where the 226 was due,
//! `ReplyCode::may_end_failed_transfer`) gives the session up ([`Error::OutOfTurn`]) and stops
//! sending ahead for the run; the files in flight go again on another connection.
//!
//! Nothing is sent ahead to servers that offer MLST, unless their greeting names one known to
//! answer in order (pure-ftpd, ProFTPD: [`crate::proto::Reading::InTurn`]): libunftp, for one,
//! answers SIZE, time commands and RNFR from separate tasks, in any order. There the files go
//! one at a time.
//!
//! A STOR sent ahead of its data connection, or whose data went out before the 1xx, that the
//! server refuses before any 1xx in a way that may only mean it was not ready (Twisted
//! answers 426; [`crate::proto::ReplyCode::may_mean_not_ready`]) is sent again the classic
//! way (EPSV, STOR, the 1xx waited for, then the data), and pipelining stops
//! ([`super::Pipelining`]): it is an optimisation, and no file fails for it.

use std::time::Instant;

use tokio::io::{AsyncRead, AsyncSeek, AsyncSeekExt as _};

use super::control::rejection;
use super::ratelimit::Limited;
use super::stream::Stream;
use super::transfer::{UploadChecks, judge_size};
use super::{Error, Progress, Session, SizeCheck, TlsInfo, TransferSummary, data, noop, pump};
use crate::proto::{Arg, Command, MtimeMethod, Reading, ReplyClass};

/// One file of an upload sequence, opened.
pub struct Upload<R> {
    pub source: R,
    /// Where the data goes (a temporary name when `rename_to` is set).
    pub remote: String,
    /// Bytes to send.
    pub len: u64,
    /// A time to give the file (Unix seconds), with the method this server accepts, or with
    /// `None` to try this session's methods in turn ([`Session::mtime_methods`]).
    pub stamp: Option<(i64, Option<MtimeMethod>)>,
    /// Atomic uploads: the name the file takes once its size is confirmed.
    pub rename_to: Option<String>,
    /// False: no SIZE after the 226, the caller confirms the size itself (from one listing of
    /// the directory for many files: a command per file less). Never with `rename_to`, which
    /// waits for the size.
    pub check_size: bool,
}

/// A file of the sequence that the server accepted (its size check in `summary.size_check`).
pub struct Uploaded {
    pub summary: TransferSummary,
    /// The time's outcome, when one was asked for and the file is still there: the method
    /// that worked, or the refusal (a refused time does not fail the file).
    pub stamped: Option<Result<MtimeMethod, Error>>,
    /// The rename's outcome, when one was asked for. Refused, the file stays whole under its
    /// temporary name, for the caller to deal with.
    pub renamed: Option<Result<(), Error>>,
}

/// What a sequence of uploads reads: the caller hands out the files one at a time and is told
/// how each ended.
// The futures need not be `Send`: the app drives sessions on one thread.
#[allow(async_fn_in_trait)]
pub trait UploadSequence {
    /// Seekable: a file the server was not ready for is sent again from its start.
    type Source: AsyncRead + AsyncSeek + Unpin + Send;

    /// The next file, opened; asked one file ahead.
    fn next(&mut self) -> Option<Upload<Self::Source>>;

    /// Progress for the file being sent.
    fn progress(&mut self) -> &mut dyn Progress;

    /// The upload of the oldest file handed out and not finished yet ended.
    async fn finish(&mut self, result: Result<Uploaded, Error>);

    /// The server confirmed the data of the oldest file not finished yet (its 226: it has
    /// all `bytes`); its checks (and rename) follow. A session that breaks before `finish`
    /// leaves a file the server is known to have whole.
    fn stored(&mut self, _bytes: u64) {}
}

/// How a file's data goes out.
#[derive(Clone, Copy)]
struct Sending {
    /// EPSV and STOR were sent ahead, with the previous file's checks.
    requested: bool,
    /// EPSV and STOR go out in one write (servers known to answer in order; a refused EPSV
    /// then gives the session up, as the STOR's fate is unknown).
    pipelined: bool,
    /// The data goes out as soon as the data connection is up (plain passive connections,
    /// no NOOPs to interleave).
    early: bool,
}

impl Sending {
    /// EPSV, STOR, the 1xx waited for, then the data.
    const CLASSIC: Self = Self { requested: false, pipelined: false, early: false };

    /// STOR went out before its data connection was up, or the data before the 1xx.
    fn ahead(self) -> bool {
        self.requested || self.pipelined || self.early
    }
}

/// How sending a file's data ended: with the data sent (or failing), or with the STOR
/// refused while it went out.
enum Sent {
    Data(Result<u64, Error>),
    Refused(Error),
}

/// How a file's STOR ended, with the session in step.
enum Stored {
    /// Confirmed: the bytes sent and the data connection's TLS.
    Done(u64, Option<TlsInfo>),
    /// This file failed.
    Failed(Error),
    /// Refused before any 1xx, having gone ahead of its data connection or with its data
    /// early, in a way that may only mean the server was not ready for it.
    NotReady(Error),
}

/// What goes out before a transfer's 226 to a server that reads commands only between
/// transfers: the file's checks, and the next file's STOR (with its EPSV) when there is one.
#[derive(Clone, Copy)]
struct BeforeEnd<'a> {
    checks: &'a UploadChecks,
    next: Option<&'a Command>,
}

/// The STOR of `next`, when its name can be sent.
fn store_of<R>(next: Option<&Upload<R>>) -> Option<Command> {
    next.and_then(|next| Arg::new(&next.remote).ok()).map(Command::Store)
}

/// A file's outcome, the next file, and whether its EPSV and STOR are already sent.
type Step<R> = (Result<Uploaded, Error>, Option<Upload<R>>, bool);

impl Session {
    /// Uploads every file `sequence` hands out, in order, overlapping round trips as the
    /// module explains. A failure of one file (a refusal, a size that does not match) goes to
    /// `finish` and the sequence goes on; an error that leaves the session out of step ends
    /// it and is returned, the files in flight not finished.
    pub async fn store_sequence<S: UploadSequence>(&mut self, sequence: &mut S) -> Result<(), Error> {
        self.ensure_binary().await?;
        let mut item = sequence.next();
        let mut requested = false;
        // What the last time set in this sequence found out, for files handed out before the
        // caller heard of it: the method that works, or `Some(None)` after a refusal.
        let mut learned: Option<Option<MtimeMethod>> = None;
        while let Some(mut upload) = item.take() {
            if let (Some((unix, _)), Some(known)) = (upload.stamp, learned) {
                upload.stamp = known.map(|m| (unix, Some(m)));
            }
            let (outcome, next, sent) = self.store_one(sequence, &mut upload, requested).await?;
            if let Ok(Uploaded { stamped: Some(stamped), .. }) = &outcome {
                learned = Some(stamped.as_ref().ok().copied());
            }
            sequence.finish(outcome).await;
            (item, requested) = (next, sent);
        }
        Ok(())
    }

    async fn store_one<S: UploadSequence>(
        &mut self,
        sequence: &mut S,
        upload: &mut Upload<S::Source>,
        requested: bool,
    ) -> Result<Step<S::Source>, Error> {
        let started = Instant::now();
        let command = match Arg::new(&upload.remote) {
            Ok(arg) => Command::Store(arg),
            Err(e) => return Ok((Err(e.into()), sequence.next(), false)),
        };
        let name = crate::proto::name::remote_basename(&upload.remote).unwrap_or(&upload.remote).to_string();
        let in_order = self.answers_in_order();
        let how = Sending {
            requested,
            pipelined: in_order && self.sends_request_with_epsv(),
            early: !self.data.is_active()
                && !self.protect_data
                && self.config.noop_interval.is_none()
                && self.pipelining.allowed(),
        };
        // The time goes with the size check: with its method once known, else every method
        // this server may take (`confirm_upload` learns the first it accepts).
        let methods = match upload.stamp {
            Some((unix, Some(method))) => Some((unix, vec![method])),
            Some((unix, None)) => Some((unix, self.mtime_methods())),
            None => None,
        };
        let stamp = methods.as_ref().map(|(unix, methods)| (*unix, methods.as_slice()));
        let size = self.features.size && (upload.check_size || upload.rename_to.is_some());
        let checks = match UploadChecks::new(&upload.remote, size, stamp) {
            Ok(checks) => checks,
            Err(e) => return Ok((Err(e), sequence.next(), false)),
        };
        // Where the server reads commands only between transfers, the checks (and the next
        // file's EPSV and STOR) go out as soon as the data has, before the 226 (see
        // `Reading::BetweenTransfers`): a round trip per file less. The next file is asked
        // for before the transfer then; otherwise after it, so that a session given up
        // mid-transfer leaves as few files in flight as can be.
        let overlap = in_order
            && self.config.noop_interval.is_none()
            && self.pipelining.allowed()
            && self.reading == Reading::BetweenTransfers;
        let early_next = overlap.then(|| sequence.next());
        let early_store = early_next.as_ref().and_then(|next| store_of(next.as_ref()));
        let before_end = overlap.then_some(BeforeEnd {
            checks: &checks,
            next: early_store.as_ref().filter(|_| upload.rename_to.is_none()),
        });
        let (mut stored, mut checked) =
            self.store_data(&command, how, upload, &name, sequence.progress(), before_end).await?;
        if let Stored::NotReady(refusal) = stored {
            self.stop_pipelining(&refusal);
            if let Err(e) = upload.source.rewind().await {
                return Ok((Err(Error::Source(e)), early_next.unwrap_or_else(|| sequence.next()), false));
            }
            (stored, checked) =
                self.store_data(&command, Sending::CLASSIC, upload, &name, sequence.progress(), None).await?;
        }
        let next = early_next.unwrap_or_else(|| sequence.next());
        let (bytes, tls) = match stored {
            Stored::Done(bytes, tls) => {
                sequence.stored(bytes);
                (bytes, tls)
            }
            Stored::Failed(e) | Stored::NotReady(e) => {
                // Checks that went out before the transfer's end are answered all the same,
                // and the next file's EPSV and STOR may have gone with them.
                if let Some(sent_ahead) = checked {
                    self.read_checks(&checks).await?;
                    return Ok((Err(e), next, sent_ahead));
                }
                return Ok((Err(e), next, false));
            }
        };
        let mut summary = TransferSummary {
            bytes,
            offset: 0,
            total: Some(upload.len),
            elapsed: started.elapsed(),
            tls,
            size_check: SizeCheck::None,
        };
        // The next file's STOR goes with the checks, or with the rename.
        let next_store = store_of(next.as_ref());
        let with_checks = if upload.rename_to.is_none() { next_store.as_ref() } else { None };
        let ahead = self.ahead(with_checks);
        let ((size, stamped), sent_ahead) = match checked {
            Some(sent_ahead) => (self.read_checks(&checks).await?, sent_ahead),
            None => (self.confirm_upload(&checks, &ahead).await?, !ahead.is_empty()),
        };
        summary.size_check = match judge_size(size, upload.len) {
            Ok(check) => check,
            Err(e) => return Ok((Err(e), next, sent_ahead)),
        };
        if summary.size_check == SizeCheck::Gone {
            // Accepted and taken away at once (a drop-box directory): a time refused for a file
            // that is not there says nothing about the method, and no rename can find it.
            let outcome = match upload.rename_to {
                Some(_) => Err(Error::MovedAway { path: upload.remote.clone() }),
                None => Ok(Uploaded { summary, stamped: None, renamed: None }),
            };
            return Ok((outcome, next, sent_ahead));
        }
        let Some(to) = &upload.rename_to else {
            return Ok((Ok(Uploaded { summary, stamped, renamed: None }), next, sent_ahead));
        };
        // The size is confirmed: the rename, with the next file's EPSV and STOR.
        let ahead = self.ahead(next_store.as_ref());
        let renamed = match self.rename_then(&upload.remote, to, &ahead).await {
            Ok(()) => Ok(()),
            Err(e) if e.reply_code().is_some() => Err(e),
            Err(e) => return Err(e),
        };
        Ok((Ok(Uploaded { summary, stamped, renamed: Some(renamed) }), next, sent_ahead || !ahead.is_empty()))
    }

    /// One file's data. With `early`, it goes out as soon as the data connection is up, the
    /// server's 150 read meanwhile rather than waited for: RFC 959 orders the replies on the
    /// control connection, not the data on its own connection, and a server accepts a
    /// connection only once the client's last handshake packet has arrived, so a small file
    /// arrives with it, a round trip per file sooner. A refusal of the STOR drops what was
    /// sent. Otherwise the classic way: the 150 waited for, then the data (with NOOPs when
    /// configured). `Err`: the session is out of step.
    async fn store_data<R: AsyncRead + Unpin + Send>(
        &mut self,
        command: &Command,
        how: Sending,
        upload: &mut Upload<R>,
        name: &str,
        progress: &mut dyn Progress,
        before_end: Option<BeforeEnd<'_>>,
    ) -> Result<(Stored, Option<bool>), Error> {
        // A refusal before any 1xx: a file that went ahead gets another chance when the server
        // may only not have been ready for it.
        let refused = |e: Error| match e.reply_code() {
            Some(code) if how.ahead() && code.may_mean_not_ready() => Stored::NotReady(e),
            _ => Stored::Failed(e),
        };
        let timeout = self.config.timeout;
        let pending = if how.requested {
            self.read_sent_passive().await
        } else if how.pipelined {
            self.control.send_batch(&[Command::ExtendedPassive, command.clone()]).await?;
            self.read_sent_passive().await
        } else {
            data::prepare(&mut self.control, &self.config, &mut self.data).await
        };
        let sent_with_passive = how.requested || how.pipelined;
        let opened = match pending {
            Ok(pending) if how.early => {
                if !sent_with_passive {
                    self.control.send(command).await?;
                }
                let tcp = pending.establish(&self.control, timeout).await?;
                // Nagle would hold back an upload's tail.
                let _ = tcp.set_nodelay(true);
                Ok(Some((Stream::Plain(tcp), None)))
            }
            Ok(pending) if sent_with_passive => self.open_requested(command, pending).await,
            Ok(pending) => self.open_transfer(command, pending).await,
            Err(e) => Err(e),
        };
        let (mut stream, tls) = match opened {
            Ok(Some(opened)) => opened,
            // A 226 before any data connection: nothing was stored.
            Ok(None) if sent_with_passive => return Ok((Stored::NotReady(Error::NoCompletion), None)),
            Ok(None) => return Ok((Stored::Failed(Error::NoCompletion), None)),
            Err(e) if e.reply_code().is_some() => return Ok((refused(e), None)),
            Err(e) => return Err(e),
        };
        progress.start(name, Some(upload.len), 0);
        let mut limited = Limited::new(&mut upload.source, self.config.rate_limit.clone());
        let sending = pump::send(&mut limited, &mut stream, &mut self.buffer, timeout, &mut *progress);
        let sent = if how.early {
            // The STOR's reply, read while the data goes out.
            let replying = self.control.read_reply();
            tokio::pin!(sending, replying);
            let mut sent = None;
            let reply = loop {
                tokio::select! {
                    biased;
                    reply = &mut replying => break reply,
                    result = &mut sending, if sent.is_none() => sent = Some(result),
                }
            };
            match reply {
                Ok(reply) if reply.class() == ReplyClass::Preliminary => Ok(Sent::Data(match sent {
                    Some(sent) => sent,
                    None => sending.await,
                })),
                // Done before any 1xx: the server did not wait for the data that went early.
                Ok(reply) if reply.class() == ReplyClass::Completion => Ok(Sent::Refused(Error::NoCompletion)),
                // A refusal: what was sent goes nowhere, and no 226 follows.
                Ok(reply) => Ok(Sent::Refused(rejection(command, reply))),
                Err(e) => Err(e),
            }
        } else {
            Ok(Sent::Data(noop::while_sending(&mut self.control, self.config.noop_interval, sending).await))
        };
        progress.finish();
        let sent = sent?;
        // The checks go out as soon as close_notify and FIN have: before the TLS drain, which
        // waits a round trip for the server's close.
        let mut checked = None;
        if let (Sent::Data(Ok(_)), Some(before_end)) = (&sent, before_end) {
            let ahead = self.ahead(before_end.next);
            // Nothing to send (no SIZE, no time, no next file): the 226 is read as usual.
            let wire = before_end.checks.wire(&ahead);
            if !wire.is_empty() {
                self.control.send_batch(&wire).await?;
                checked = Some(!ahead.is_empty());
            }
        }
        if let Sent::Data(Ok(_)) = &sent {
            pump::drain_tls(&mut stream, &mut self.buffer, timeout).await;
        }
        drop(stream);
        match sent {
            Sent::Data(sent) => {
                let stored = match self.end_of_store(command, sent).await? {
                    Ok(bytes) => Stored::Done(bytes, tls),
                    // A reply that cannot end a transfer (a positive one other than its own,
                    // or a refusal such as 500 or 550), with commands sent before its end: the
                    // server answered them out of turn, and which reply answers what is
                    // unknown from here on.
                    Err(e) => match e.reply_code().filter(|c| checked.is_some() && !c.may_end_failed_transfer()) {
                        Some(code) => {
                            self.stop_pipelining(&e);
                            return Err(Error::OutOfTurn { command: command.into(), code });
                        }
                        None => Stored::Failed(e),
                    },
                };
                Ok((stored, checked))
            }
            Sent::Refused(Error::NoCompletion) => Ok((Stored::NotReady(Error::NoCompletion), None)),
            Sent::Refused(e) => Ok((refused(e), None)),
        }
    }

    /// The next file's EPSV and `store`, to go out with a file's checks or its rename, where
    /// the server answers in order and has taken a STOR with its EPSV (decided when they go
    /// out: the current file's transfer may just have shown either).
    fn ahead(&self, store: Option<&Command>) -> Vec<Command> {
        match store {
            Some(store) if self.answers_in_order() && self.sends_request_with_epsv() => {
                vec![Command::ExtendedPassive, store.clone()]
            }
            _ => Vec::new(),
        }
    }

    /// The 226 after a file's data (also when sending failed: a 426 keeps the session in step).
    async fn end_of_store(&mut self, command: &Command, sent: Result<u64, Error>) -> Result<Result<u64, Error>, Error> {
        match sent {
            Err(e) => match self.finish_transfer(command).await {
                Err(after) if after.reply_code().is_none() => Err(e),
                _ => Ok(Err(e)),
            },
            Ok(bytes) => match self.finish_transfer(command).await {
                Ok(()) => Ok(Ok(bytes)),
                Err(e) if e.reply_code().is_some() => Ok(Err(e)),
                Err(e) => Err(e),
            },
        }
    }
}
