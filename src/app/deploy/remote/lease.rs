//! A [`Lease`]: one session of the pool for the deploy lock's few commands on server paths,
//! and the small reads and writes the state file and the lock share.

use anyhow::{Context as _, Result, bail};

use crate::app::sanitize::escape;
use crate::app::transfer::pool::Seat;
use crate::engine::{NoProgress, Session, UploadMode};
use crate::proto::ReplyClass;

/// One session for a few commands on server paths, each answered as a value where the server
/// refuses it (5xx): the deploy lock's MKD, STOR, MDTM, DELE, RMD, RNFR/RNTO.
pub struct Lease<'a> {
    pub(super) seat: Seat<'a>,
    /// Sizes and times asked ahead ([`Lease::look_ahead`]), by path.
    pub(super) looked: Vec<(String, SizeAndTime)>,
}

/// A path's size and modification time (Unix seconds), each where the server gives it.
type SizeAndTime = (Option<u64>, Option<i64>);

impl<'a> Lease<'a> {
    pub(super) fn new(seat: Seat<'a>) -> Self {
        Self { seat, looked: Vec::new() }
    }

    /// MKD; the inner error is the server's refusal (the directory is there, or may not be made).
    pub async fn make_dir(&mut self, path: &str) -> Result<Result<()>> {
        refusal(self.seat.mkdir(path).await, || format!("creating {}", escape(path)))
    }

    /// `data` stored at `path`, replacing what is there; a lock file's, confirmed by the 226
    /// alone ([`Confirm::Reply`]).
    pub async fn store(&mut self, path: &str, data: &[u8]) -> Result<()> {
        store(&mut self.seat, path, data, Confirm::Reply).await.with_context(|| format!("writing {}", escape(path)))
    }

    /// `data` written at `path` again unless `path` holds something else (another run's owner
    /// file): then false, and nothing written. One that cannot be read (a drop box's) is
    /// taken for `data`.
    pub async fn store_if_same(&mut self, path: &str, data: &[u8]) -> Result<bool> {
        let cap = (2 * data.len() as u64).max(4096);
        if self.read(path, cap).await?.is_some_and(|there| there != data) {
            return Ok(false);
        }
        self.store(path, data).await?;
        Ok(true)
    }

    /// A small file's contents read whole, without asking its size first (the lock's owner
    /// file, and the state file once its size is known: both compared byte for byte); `None`
    /// when there is no such file. More than `cap` bytes fail the read.
    pub async fn read(&mut self, path: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        read_whole(&mut self.seat, path, cap).await.with_context(|| format!("reading {}", escape(path)))
    }

    /// SIZE; `None` when there is no such file.
    pub async fn size(&mut self, path: &str) -> Result<Option<u64>> {
        Ok(refusal(self.seat.size(path).await, || format!("SIZE of {}", escape(path)))?.ok())
    }

    /// The modification time by the server's clock (MLST or MDTM, Unix seconds); `None` when
    /// the server gives none (or has no such file).
    pub async fn modified(&mut self, path: &str) -> Result<Option<i64>> {
        if let Some((_, modified)) = self.looked(path) {
            return Ok(modified);
        }
        let (_, modified) =
            self.seat.size_and_modified(path).await.with_context(|| format!("the time of {}", escape(path)))?;
        Ok(modified)
    }

    /// The size and the modification time in one round trip where the server allows (MLST,
    /// or SIZE and MDTM sent together); either `None` when the server gives none (or has no
    /// such file).
    pub async fn size_and_modified(&mut self, path: &str) -> Result<SizeAndTime> {
        if let Some(facts) = self.looked(path) {
            return Ok(facts);
        }
        self.seat.size_and_modified(path).await.with_context(|| format!("the size and time of {}", escape(path)))
    }

    /// The sizes and times of `paths`, asked now in one round trip where the server allows
    /// ([`Session::sizes_and_times_at_once`]): [`Lease::size_and_modified`] and
    /// [`Lease::modified`] of them answer from what came back until [`Lease::forget`].
    /// Elsewhere nothing is asked, and they ask as before.
    pub async fn look_ahead(&mut self, paths: Vec<String>) -> Result<()> {
        let facts =
            self.seat.sizes_and_times_at_once(&paths).await.context("the sizes and times of the lock's files")?;
        self.looked = paths.into_iter().zip(facts.unwrap_or_default()).collect();
        Ok(())
    }

    /// What [`Lease::look_ahead`] found, no longer taken for now.
    pub fn forget(&mut self) {
        self.looked.clear();
    }

    fn looked(&self, path: &str) -> Option<SizeAndTime> {
        self.looked.iter().find(|(looked, _)| looked == path).map(|(_, facts)| *facts)
    }

    /// Whether the server gives modification times (MLST or MDTM).
    pub fn gives_times(&self) -> bool {
        let features = self.seat.features();
        features.mlst || features.mdtm
    }

    /// DELE; false when the server refused (there is no such file, most likely).
    pub async fn remove(&mut self, path: &str) -> Result<bool> {
        Ok(refusal(self.seat.remove(path).await, || format!("deleting {}", escape(path)))?.is_ok())
    }

    /// DELE of `file` (a refusal: not there, most likely) and RMD of `dir`, in one round trip
    /// where the server answers in order; the inner error is the RMD's refusal (not there, or
    /// not empty).
    pub async fn remove_with_dir(&mut self, file: &str, dir: &str) -> Result<Result<()>> {
        let [removed, gone] =
            self.seat.remove_with_dir(file, dir).await.with_context(|| format!("removing {}", escape(dir)))?;
        let _ = refusal(removed, || format!("deleting {}", escape(file)))?;
        refusal(gone, || format!("removing {}", escape(dir)))
    }

    /// RMD; the inner error is the server's refusal (not there, or not empty).
    pub async fn remove_dir(&mut self, path: &str) -> Result<Result<()>> {
        refusal(self.seat.rmdir(path).await, || format!("removing {}", escape(path)))
    }

    /// RNFR/RNTO; false when the server refused (`from` is not there, most likely).
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<bool> {
        let renamed = self.seat.rename(from, to).await;
        Ok(refusal(renamed, || format!("renaming {} to {}", escape(from), escape(to)))?.is_ok())
    }

    pub async fn is_dir(&mut self, path: &str) -> Result<bool> {
        self.seat.is_dir(path).await.with_context(|| format!("checking {}", escape(path)))
    }
}

/// A sink for [`read_whole`] that takes at most `cap` bytes: a larger file (a hostile server's)
/// fails the read instead of filling memory.
struct Capped {
    data: Vec<u8>,
    cap: usize,
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.data.len().saturating_add(buf.len()) > self.cap {
            return std::task::Poll::Ready(Err(std::io::ErrorKind::FileTooLarge.into()));
        }
        self.data.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// A command's result: the server's refusal (5xx) as the inner error, anything else (a
/// session out of step, a 4xx) as the outer; each with `what` as its context.
pub(super) fn refusal<T>(result: Result<T, crate::engine::Error>, what: impl Fn() -> String) -> Result<Result<T>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if e.is_permanent_refusal() => Ok(Err(anyhow::Error::new(e).context(what()))),
        Err(e) => Err(anyhow::Error::new(e).context(what())),
    }
}

/// SIZE first (to refuse a huge file before it comes, and to check the bytes that came), then
/// RETR. A refused SIZE is not "no such file": RFC 3659 section 4.2 gives 550 also where the
/// size cannot be determined (z/OS for files it cannot size). The RETR says (not a second SIZE).
pub(super) async fn read_small(session: &mut Session, path: &str, cap: u64) -> Result<Option<Vec<u8>>> {
    let size = match session.size(path).await {
        Ok(size) => size,
        Err(e) if e.reply_code().is_some() => return read_whole(session, path, cap).await,
        Err(e) => return Err(e.into()),
    };
    if size > cap {
        bail!("it is {size} bytes, more than the {cap} a state file may have");
    }
    let mut data = Vec::new();
    match session.fetch(path, &mut data, 0, &[], Some(size), &mut NoProgress).await {
        Ok(_) => Ok(Some(data)),
        Err(e) if e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A small file read whole without asking its size ([`Session::fetch_unsized`]); `None` when
/// there is no such file. More than `cap` bytes fail the read.
async fn read_whole(session: &mut Session, path: &str, cap: u64) -> Result<Option<Vec<u8>>> {
    let mut sink = Capped { data: Vec::new(), cap: usize::try_from(cap).unwrap_or(usize::MAX) };
    match session.fetch_unsized(path, &mut sink).await {
        Ok(_) => Ok(Some(sink.data)),
        Err(e) if e.is_permanent_refusal() => Ok(None),
        // Only the cap fails the sink. The engine's error stays in the chain: the session is
        // out of step (the transfer's end unread), and is not given back to the pool.
        Err(e @ crate::engine::Error::Sink(_)) => {
            Err(anyhow::Error::new(e).context(format!("it has more than the {cap} bytes this file may have")))
        }
        Err(e) => Err(e.into()),
    }
}

/// How a [`store`] is confirmed.
#[derive(Clone, Copy)]
pub(super) enum Confirm {
    /// Its size asked after the 226 (SIZE, RFC 3659 section 4): the state file.
    Size,
    /// The 226 alone: a lock file, read back and compared byte for byte wherever its
    /// contents matter (a round trip less while the lock is taken).
    Reply,
}

/// STOR of `data`, over what is at `path`.
pub(super) async fn store(session: &mut Session, path: &str, data: &[u8], confirm: Confirm) -> Result<()> {
    let len = matches!(confirm, Confirm::Size).then_some(data.len() as u64);
    let mut stored = session.upload(&mut &data[..], path, UploadMode::Replace, len, &mut NoProgress).await;
    // A file left by a run that was stopped, on a server that will not overwrite.
    if let Err(e) = &stored
        && e.is_refused_store()
        && session.remove(path).await.is_ok()
    {
        stored = session.upload(&mut &data[..], path, UploadMode::Replace, len, &mut NoProgress).await;
    }
    stored?;
    Ok(())
}
