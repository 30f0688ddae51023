//! Transfers on a session: downloads (RETR, with resume and the checks that catch a short
//! file), uploads (STOR/APPE, then the size check and the time, RFC 3659), and reading each
//! transfer's end (RFC 959 section 4.2: the 226 after the data connection closes). The bytes
//! themselves move in [`super::pump`]; many files in a row in [`super::download_sequence`] and
//! [`super::upload_sequence`].

use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};

use super::control::{check, unreadable};
use super::data;
use super::noop;
use super::pump::{self, DownloadCheck};
use super::ratelimit::Limited;
use super::session::{Session, size_in};
use super::stream::Stream;
use super::tls::TlsInfo;
use super::{Error, Progress};
use crate::proto::command::TransferType;
use crate::proto::{Arg, Command, MtimeMethod, Reply, ReplyCode, facts};

/// What a finished transfer did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TransferSummary {
    /// Bytes moved by this transfer (not counting a resumed prefix).
    pub bytes: u64,
    /// Bytes that were already there (resume).
    pub offset: u64,
    /// The full size, when the server told it.
    pub total: Option<u64>,
    #[serde(serialize_with = "serialize_secs")]
    pub elapsed: Duration,
    /// TLS of the data connection.
    pub tls: Option<TlsInfo>,
    /// Uploads: what the size check after the 226 found.
    pub size_check: SizeCheck,
}

/// What the size check after an upload's 226 found (SIZE, RFC 3659 section 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub enum SizeCheck {
    /// Not checked: a download, a length not known in advance (stdin), a server without SIZE.
    #[default]
    None,
    /// The server has the file, at the size sent.
    Matched,
    /// The server confirmed the file (226), then answered 550 to SIZE: a drop-box directory
    /// (incoming, EDI) that moves or hides what it accepted at once. Accepted, not verified.
    Gone,
}

fn serialize_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// How an upload treats an existing remote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadMode {
    Replace,
    /// Append to the remote file, which has `offset` bytes already (APPE).
    Append {
        offset: u64,
    },
}

/// An upload's size check and time: the SIZE's outcome and the first accepted way of setting
/// the time (else the last refusal), each when asked.
pub(super) type Confirmed = (Option<Result<u64, Error>>, Option<Result<MtimeMethod, Error>>);

/// The commands that confirm an upload: SIZE (RFC 3659 section 4) when asked, and the ways of
/// giving it a time. Where the server answers in order every way goes out at once and the
/// first it accepts is the one learned: the others set the same time or are refused, and a
/// way found out like this costs no round trip of its own.
pub(super) struct UploadChecks {
    size: Option<Command>,
    stamps: Vec<(Command, MtimeMethod)>,
}

impl UploadChecks {
    /// For `remote`: SIZE when `size`, and the time `stamp` (Unix seconds) by each method.
    pub(super) fn new(remote: &str, size: bool, stamp: Option<(i64, &[MtimeMethod])>) -> Result<Self, Error> {
        let size = if size { Some(Command::Size(Arg::new(remote)?)) } else { None };
        let stamps = match stamp {
            Some((unix, methods)) => methods
                .iter()
                .map(|&method| Ok((Command::SetModificationTime { method, unix, path: Arg::new(remote)? }, method)))
                .collect::<Result<Vec<_>, Error>>()?,
            None => Vec::new(),
        };
        Ok(Self { size, stamps })
    }

    /// The checks, then `after`, as one write.
    pub(super) fn wire(&self, after: &[Command]) -> Vec<Command> {
        self.size.iter().chain(self.stamps.iter().map(|(c, _)| c)).chain(after).cloned().collect()
    }
}

/// The first accepted method, else the last refusal.
fn first_accepted(outcomes: Vec<Result<MtimeMethod, Error>>) -> Option<Result<MtimeMethod, Error>> {
    let mut last = None;
    for outcome in outcomes {
        match outcome {
            Ok(method) => return Some(Ok(method)),
            refused => last = Some(refused),
        }
    }
    last
}

/// What the size check after an upload's 226 says about a file of `expected` bytes: matched,
/// not asked (`None`), or gone (550: the server moved the file away once it accepted it). A
/// different size is a truncation; any other refusal is the error.
pub fn judge_size(actual: Option<Result<u64, Error>>, expected: u64) -> Result<SizeCheck, Error> {
    match actual {
        None => Ok(SizeCheck::None),
        Some(Ok(actual)) if actual == expected => Ok(SizeCheck::Matched),
        Some(Ok(actual)) => Err(Error::Truncated { received: actual, expected }),
        Some(Err(e)) if e.reply_code() == Some(ReplyCode::FILE_UNAVAILABLE) => Ok(SizeCheck::Gone),
        // A 213 without a number (ftp-srv says "213 File status" for an empty file): the
        // server confirmed the upload and gave no size to check it against.
        Some(Err(Error::Unexpected { code: ReplyCode(213), .. })) => Ok(SizeCheck::None),
        Some(Err(e)) => Err(e),
    }
}

impl Session {
    /// Downloads `remote` into `sink`. With `offset > 0` the transfer resumes there: `overlap`
    /// holds the last bytes before `offset` that the caller already has, and the server must
    /// send them again first (REST at `offset - overlap.len()`), which proves it honoured
    /// REST; they are compared, not written. The transfer succeeds only with a 226/250 and,
    /// when SIZE answered, the exact byte count.
    pub async fn download<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        remote: &str,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        progress: &mut dyn Progress,
    ) -> Result<TransferSummary, Error> {
        self.fetch(remote, sink, offset, overlap, None, progress).await
    }

    /// [`Session::download`] with the size already known when `size` is given (from a
    /// listing), which saves the SIZE round trip; the byte count is checked against it
    /// either way. Both honour the session's rate limit (none unless one was set).
    pub async fn fetch<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        remote: &str,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        size: Option<u64>,
        progress: &mut dyn Progress,
    ) -> Result<TransferSummary, Error> {
        let total = match size {
            Some(size) => Some(size),
            None if self.features.size || !self.features.mlst => match self.size(remote).await {
                Ok(size) => Some(size),
                Err(e) if e.reply_code().is_some() => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        if let Some(total) = total {
            if offset > total {
                return Err(Error::RemoteChanged {
                    offset,
                    detail: format!("the local file ({offset} bytes) is larger than the remote one ({total} bytes)"),
                });
            }
            if offset == total && offset > 0 {
                return Ok(TransferSummary {
                    bytes: 0,
                    offset,
                    total: Some(total),
                    elapsed: Duration::ZERO,
                    tls: None,
                    size_check: SizeCheck::None,
                });
            }
        }
        let name = crate::proto::name::remote_basename(remote).unwrap_or(remote).to_string();
        progress.start(&name, total, offset);
        let command = Command::Retrieve(Arg::new(remote)?);
        let mut limited = Limited::new(sink, self.config.rate_limit.clone());
        let result = self.transfer_in(command, &mut limited, offset, overlap, total, progress).await;
        progress.finish();
        let (received, elapsed, tls) = result?;
        Ok(TransferSummary { bytes: received, offset, total, elapsed, tls, size_check: SizeCheck::None })
    }

    /// RETR of a whole small file without asking its SIZE first: a round trip less, for a file
    /// whose contents the caller checks itself (the deploy lock's owner file, compared byte for
    /// byte). No byte count to hold the data to: `sink` should take no more than such a file
    /// may hold.
    pub async fn fetch_unsized<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        remote: &str,
        sink: &mut W,
    ) -> Result<u64, Error> {
        let command = Command::Retrieve(Arg::new(remote)?);
        let (received, _, _) = self.transfer_in(command, sink, 0, &[], None, &mut super::NoProgress).await?;
        Ok(received)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn transfer_in<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        command: Command,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        total: Option<u64>,
        progress: &mut dyn Progress,
    ) -> Result<(u64, Duration, Option<TlsInfo>), Error> {
        self.ensure_binary().await?;
        let started = Instant::now();
        let overlap = &overlap[..overlap.len().min(offset as usize)];
        let opened = if offset > 0 {
            let pending = data::prepare(&mut self.control, &self.config, &mut self.data).await?;
            let restart_at = offset - overlap.len() as u64;
            let reply = self.control.expect(&Command::Restart(restart_at), &[350]).await?;
            if !facts::restart_honoured(&reply, restart_at) {
                let detail = format!("its reply was \"350 {}\"", reply.first_line());
                return Err(Error::RestIgnored { offset: restart_at, detail });
            }
            self.open_transfer(&command, pending).await?
        } else {
            self.open_single(&command).await?
        };
        let (stream, tls) = match opened {
            Some(opened) => opened,
            // A 226 without any data connection is an empty listing, but not the download of
            // a file whose SIZE promised bytes: accepting it would leave an empty "complete" file.
            None => match total.map(|t| t - offset) {
                Some(expected) if expected > 0 => {
                    return Err(Error::Truncated { received: offset, expected: expected + offset });
                }
                _ => return Ok((0, started.elapsed(), None)),
            },
        };
        let max_bytes = total.map(|t| t - offset);
        let check = DownloadCheck { overlap, max_bytes, offset };
        let received = self.receive_data(stream, sink, progress, check).await?;
        self.finish_transfer(&command).await?;
        if let Some(expected) = max_bytes
            && received.bytes != expected
        {
            return Err(Error::Truncated { received: received.bytes + offset, expected: expected + offset });
        }
        if !received.clean_eof && max_bytes.is_none() {
            return Err(Error::TlsTruncated { received: received.bytes });
        }
        Ok((received.bytes, started.elapsed(), tls))
    }

    /// The data of an open transfer, received into `sink` (with NOOPs on the control
    /// connection meanwhile, if configured), and the data connection closed after it (see
    /// [`pump::close_received`]). Reading the final reply is left to the caller.
    pub(super) async fn receive_data<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        mut stream: Stream,
        sink: &mut W,
        progress: &mut dyn Progress,
        check: DownloadCheck<'_>,
    ) -> Result<pump::Received, Error> {
        let timeout = self.config.timeout;
        let receiving = pump::receive(&mut stream, sink, &mut self.buffer, timeout, progress, check);
        let received = noop::while_sending(&mut self.control, self.config.noop_interval, receiving).await;
        pump::close_received(stream, &received);
        received
    }

    /// Uploads `source` to `remote` under the session's rate limit. The transfer succeeds only
    /// with a 226/250 and, when the server supports SIZE and `length` is known, a remote size
    /// that matches, or a 550 to SIZE: the server moved the file away once it accepted it
    /// ([`SizeCheck::Gone`]; the caller decides what that means for it).
    pub async fn upload<R: AsyncRead + Unpin + Send + ?Sized>(
        &mut self,
        source: &mut R,
        remote: &str,
        mode: UploadMode,
        length: Option<u64>,
        progress: &mut dyn Progress,
    ) -> Result<TransferSummary, Error> {
        self.upload_stamped(source, remote, mode, length, None, progress).await.map(|(summary, _)| summary)
    }

    /// As [`Session::upload`], then gives the file the modification time `stamp` (Unix
    /// seconds, with a method this server is known to accept). The size check and the time go
    /// out in one write, where the server answers commands in order. The stamp's own outcome
    /// is returned beside the summary: a refused time does not fail the upload.
    pub async fn upload_stamped<R: AsyncRead + Unpin + Send + ?Sized>(
        &mut self,
        source: &mut R,
        remote: &str,
        mode: UploadMode,
        length: Option<u64>,
        stamp: Option<(i64, MtimeMethod)>,
        progress: &mut dyn Progress,
    ) -> Result<(TransferSummary, Option<Result<(), Error>>), Error> {
        self.ensure_binary().await?;
        let started = Instant::now();
        let (command, offset) = match mode {
            UploadMode::Replace => (Command::Store(Arg::new(remote)?), 0),
            UploadMode::Append { offset } => (Command::Append(Arg::new(remote)?), offset),
        };
        let name = crate::proto::name::remote_basename(remote).unwrap_or(remote).to_string();
        let total = length.map(|l| l + offset);
        progress.start(&name, total, offset);
        let mut limited = Limited::new(source, self.config.rate_limit.clone());
        let result = self.transfer_out(&command, &mut limited, progress).await;
        progress.finish();
        let (bytes, tls) = result?;
        let expected = total.filter(|_| self.features.size);
        let methods = stamp.map(|(unix, method)| (unix, [method]));
        let stamp = methods.as_ref().map(|(unix, method)| (*unix, method.as_slice()));
        let checks = UploadChecks::new(remote, expected.is_some(), stamp)?;
        let (actual, stamped) = self.confirm_upload(&checks, &[]).await?;
        let stamped = stamped.map(|outcome| outcome.map(drop));
        let size_check = match expected {
            Some(expected) => judge_size(actual, expected)?,
            None => SizeCheck::None,
        };
        // A time refused for a file that is gone says nothing about the method.
        let stamped = stamped.filter(|_| size_check != SizeCheck::Gone);
        Ok((TransferSummary { bytes, offset, total, elapsed: started.elapsed(), tls, size_check }, stamped))
    }

    /// After an upload: its [`UploadChecks`], then `after` (commands whose replies the caller
    /// reads: the next file's EPSV and STOR), in one write where the server answers commands
    /// in order. One at a time elsewhere ([`Session::answers_in_order`]), where `after` must
    /// be empty: libunftp, for one, answers SIZE and a time command from separate tasks, in
    /// either order. The size and the time come back as their own outcomes (no time after a refused
    /// SIZE there); only a broken session is an `Err`.
    pub(super) async fn confirm_upload(
        &mut self,
        checks: &UploadChecks,
        after: &[Command],
    ) -> Result<Confirmed, Error> {
        if !self.answers_in_order() {
            debug_assert!(after.is_empty(), "nothing is pipelined to this server");
            let actual = match &checks.size {
                Some(command) => Some(size_in(command, self.control.command(command).await?)),
                None => None,
            };
            if let Some(Err(_)) = actual {
                return Ok((actual, None));
            }
            let mut outcomes = Vec::with_capacity(checks.stamps.len());
            for (command, method) in &checks.stamps {
                let reply = self.control.command(command).await?;
                let outcome = super::mtime::stamped(command, *method, reply).map(|()| *method);
                let accepted = outcome.is_ok();
                outcomes.push(outcome);
                if accepted {
                    break;
                }
            }
            return Ok((actual, first_accepted(outcomes)));
        }
        let wire = checks.wire(after);
        if !wire.is_empty() {
            self.control.send_batch(&wire).await?;
        }
        self.read_checks(checks).await
    }

    /// The replies to `checks`, sent earlier in one write (by [`Session::confirm_upload`], or
    /// before the transfer's end where the server reads commands only between transfers).
    pub(super) async fn read_checks(&mut self, checks: &UploadChecks) -> Result<Confirmed, Error> {
        let actual = match &checks.size {
            Some(command) => Some(size_in(command, self.control.read_reply().await?)),
            None => None,
        };
        let mut outcomes = Vec::with_capacity(checks.stamps.len());
        for (command, method) in &checks.stamps {
            outcomes.push(super::mtime::stamped(command, *method, self.control.read_reply().await?).map(|()| *method));
        }
        Ok((actual, first_accepted(outcomes)))
    }

    pub(super) async fn transfer_out<R: AsyncRead + Unpin + Send + ?Sized>(
        &mut self,
        command: &Command,
        source: &mut R,
        progress: &mut dyn Progress,
    ) -> Result<(u64, Option<TlsInfo>), Error> {
        let Some((mut stream, tls)) = self.open_single(command).await? else {
            return Err(Error::NoCompletion);
        };
        let timeout = self.config.timeout;
        let sending = pump::send(source, &mut stream, &mut self.buffer, timeout, progress);
        let sent = noop::while_sending(&mut self.control, self.config.noop_interval, sending).await;
        if sent.is_ok() {
            pump::drain_tls(&mut stream, &mut self.buffer, timeout).await;
        }
        drop(stream);
        let sent = sent?;
        self.finish_transfer(command).await?;
        Ok((sent, tls))
    }

    /// Waits for the final reply of a transfer: 226 or 250, anything else fails it.
    pub(super) async fn finish_transfer(&mut self, command: &Command) -> Result<(), Error> {
        self.finish_transfer_ahead(command, false).await
    }

    /// As `finish_transfer`, with an EPSV for the next transfer already sent
    /// (`epsv_ahead`, engine/download_sequence.rs).
    pub(super) async fn finish_transfer_ahead(&mut self, command: &Command, epsv_ahead: bool) -> Result<(), Error> {
        let mut early = None;
        let outcome = self.read_transfer_end(command, epsv_ahead, &mut early).await;
        // After this transfer's replies, whatever happened to them, the 229 is next.
        if early.is_some() {
            self.control.early = early;
        }
        outcome
    }

    async fn read_transfer_end(
        &mut self,
        command: &Command,
        epsv_ahead: bool,
        early: &mut Option<Reply>,
    ) -> Result<(), Error> {
        let timeout = self.config.timeout;
        let reply = loop {
            let reply = match self.control.read_reply_for("the end-of-transfer reply (226)", timeout).await {
                Ok(reply) => reply,
                Err(Error::ControlClosed) => return Err(Error::NoCompletion),
                Err(e) => return Err(e),
            };
            // A NOOP sent during the transfer, answered before the transfer's own reply.
            if self.control.owed_noops > 0 && noop::answers_noop(&reply) {
                self.control.owed_noops -= 1;
                continue;
            }
            // The 229 to the EPSV sent ahead, answered before this transfer's 226 by a server
            // that replies to commands as it reads them (libunftp sends its 226 from the data
            // task): no transfer ends with a 229, so it waits for its turn.
            if epsv_ahead && reply.code.0 == 229 && early.is_none() {
                *early = Some(reply);
                continue;
            }
            break reply;
        };
        // The rest come after it (servers that read commands only between transfers).
        while self.control.owed_noops > 0 {
            let late = self.control.read_reply_for("the reply to a NOOP sent during the transfer", timeout).await?;
            self.control.owed_noops -= 1;
            if !noop::answers_noop(&late) {
                return Err(unreadable(&Command::Noop, &late));
            }
        }
        // 425/426 (RFC 959), 522 (vsftpd's "session reuse required"): the replies of servers
        // that refuse a data connection whose TLS session is not the control connection's.
        let new_session = self.data_resumed.take() == Some(false);
        if new_session && matches!(reply.code.0, 425 | 426 | 522) {
            return Err(Error::DataSessionRefused { command: command.into(), code: reply.code, text: reply.text() });
        }
        check(command, reply, &[226, 250]).map(drop)
    }

    pub(super) async fn ensure_binary(&mut self) -> Result<(), Error> {
        if !self.binary {
            self.control.expect(&Command::Type(TransferType::Image), &[200]).await?;
            self.binary = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_size_after_an_upload_is_not_checked_and_a_550_is_a_drop_box() {
        let unexpected =
            |code| Error::Unexpected { command: "SIZE f".into(), code: ReplyCode(code), text: "File status".into() };
        assert!(matches!(judge_size(Some(Err(unexpected(213))), 0), Ok(SizeCheck::None)));
        assert!(matches!(judge_size(Some(Err(unexpected(200))), 0), Err(Error::Unexpected { .. })));
        let gone = Error::Rejected { command: "SIZE f".into(), code: ReplyCode(550), text: "No such file".into() };
        assert!(matches!(judge_size(Some(Err(gone)), 4), Ok(SizeCheck::Gone)));
        assert!(matches!(judge_size(Some(Ok(3)), 4), Err(Error::Truncated { .. })));
        assert!(matches!(judge_size(Some(Ok(4)), 4), Ok(SizeCheck::Matched)));
    }
}
