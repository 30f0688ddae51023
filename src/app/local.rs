//! Local files for downloads: write to a part file beside the target, rename on success.
//!
//! A failed or interrupted download never leaves a file that looks complete: the data lives in
//! `.NAME.pasv-part` until the transfer is proven complete (226 and the byte count), and stays
//! there after a failure so `-c` can resume it. A resume that the server does not honour, or
//! whose remote file changed, is rolled back to the bytes we started from, and the user is
//! told that `-c` cannot help.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::settings::usage;
use crate::engine::{Error, Inline, Progress, Session, TransferSummary};

/// How much already-downloaded data the server must send again on resume, proving it
/// honoured REST.
pub(super) const RESUME_OVERLAP: u64 = 64 * 1024;

/// Where a download of `name` goes, given `-o`.
pub fn download_path(output: Option<&Path>, name: &str, several: bool) -> Result<PathBuf> {
    // The name comes from the URL the user typed: one that cannot be a local file name
    // ("x%2F..") is a usage error (exit 2), not a local I/O failure.
    let name =
        crate::proto::name::local_component(name).map_err(|e| usage(format!("cannot save {name:?} locally: {e}")))?;
    match output {
        None => Ok(PathBuf::from(name)),
        Some(dir) if dir.is_dir() || dir.as_os_str().to_string_lossy().ends_with('/') => Ok(dir.join(name)),
        Some(_) if several => Err(usage("-o must be an existing directory when downloading several files")),
        Some(path) => Ok(path.to_path_buf()),
    }
}

pub fn part_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    target.with_file_name(format!(".{name}.pasv-part"))
}

/// Downloads `remote` to `target` through its part file.
pub async fn download_file(
    session: &mut Session,
    remote: &str,
    target: &Path,
    resume: bool,
    no_clobber: bool,
    progress: &mut dyn Progress,
) -> Result<TransferSummary> {
    refuse_clobber(target, no_clobber)?;
    // The server's time goes to the local copy, as in get -r and mirror; asked with SIZE in
    // one round trip. (A refused SIZE is asked once more by `fetch`: on a failing path.)
    let (size, modified) = session.size_and_modified(remote).await?;
    let fetched = fetch(session, remote, target, resume, no_clobber, size, progress).await?;
    fetched.commit(target, no_clobber, modified)
}

/// `--no-clobber`: an existing target is an error before anything is asked or written.
fn refuse_clobber(target: &Path, no_clobber: bool) -> Result<()> {
    if no_clobber && target.exists() {
        bail!(usage(format!("{} exists; refusing to overwrite it (--no-clobber)", target.display())));
    }
    Ok(())
}

/// A finished download: complete (226 and the byte count), not yet in place.
pub struct Fetched {
    pub summary: TransferSummary,
    /// Where the data is; `None` when it went straight to a device or pipe.
    pub part: Option<PathBuf>,
}

impl Fetched {
    /// Puts the data in place (see [`commit`]); a device or pipe has it already.
    pub fn commit(self, target: &Path, no_clobber: bool, mtime: Option<i64>) -> Result<TransferSummary> {
        if let Some(part) = &self.part {
            commit(part, target, None, no_clobber, mtime)?;
        }
        Ok(self.summary)
    }
}

/// Downloads `remote` into the part file of `target` (resuming it with `resume`); the caller
/// checks it further if it likes and then [commits](Fetched::commit) it. `size` from a
/// listing saves the SIZE round trip.
pub async fn fetch(
    session: &mut Session,
    remote: &str,
    target: &Path,
    resume: bool,
    no_clobber: bool,
    size: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Fetched> {
    refuse_clobber(target, no_clobber)?;
    if let Ok(meta) = std::fs::metadata(target)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let summary = download_to_special(session, remote, target, resume, size, progress).await?;
        return Ok(Fetched { summary, part: None });
    }
    let part = part_path(target);
    let local = |source| Error::Local { path: part.clone(), source };
    if resume && !part.exists() && target.is_file() {
        // Resume a file some other tool left behind: it becomes our part file until done.
        tokio::fs::rename(target, &part).await.map_err(local)?;
    }
    let (file, offset) = if resume && part.exists() {
        let file = std::fs::OpenOptions::new().append(true).open(&part).map_err(local)?;
        let len = file.metadata().map_err(local)?.len();
        (file, len)
    } else {
        (std::fs::File::create(&part).map_err(local)?, 0)
    };
    let overlap = if offset > 0 { read_tail(&part, offset).await.map_err(local)? } else { Vec::new() };
    // Written in place (engine::Inline): a page-cache write is cheaper than the blocking pool.
    let mut file = Inline(file);
    let mut result = session.fetch(remote, &mut file, offset, &overlap, size, progress).await;
    if offset > 0 && result.as_ref().is_err_and(|e| e.is_not_implemented("REST")) {
        // A server without REST (twisted): nothing was written; the whole file again.
        file.0.set_len(0).map_err(local)?;
        result = session.fetch(remote, &mut file, 0, &[], size, progress).await;
    }
    let flushed = file.flush().await;
    drop(file);
    match result {
        Ok(summary) => {
            flushed.map_err(local)?;
            Ok(Fetched { summary, part: Some(part) })
        }
        Err(e) => {
            let unresumable = matches!(e, Error::RestIgnored { .. } | Error::RemoteChanged { .. });
            if unresumable {
                // Whatever arrived does not continue our data: back to where we started.
                if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&part) {
                    let _ = f.set_len(offset);
                }
            }
            let kept = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            // -c would fail the same way again: the part file has to go.
            let note = if matches!(e, Error::RemoteChanged { .. }) {
                format!(
                    "the remote file changed since {} was written (or the server ignored REST): -c cannot resume \
                     it; delete that file, or download again without -c",
                    part.display()
                )
            } else if matches!(e, Error::RestIgnored { .. }) {
                format!(
                    "this server cannot resume the download; delete {}, or download again without -c",
                    part.display()
                )
            } else if kept > 0 {
                format!("partial data ({kept} bytes) kept in {}; run again with -c to resume", part.display())
            } else {
                let _ = std::fs::remove_file(&part);
                format!("nothing was saved to {}", target.display())
            };
            Err(anyhow::Error::new(e).context(note))
        }
    }
}

/// The last step of every download to a regular file, once its data is complete and checked:
/// the part file gets the server's modification time (through `opened`, its handle, if the
/// caller still has it) and then the target's name. With `no_clobber` a target that appeared
/// during the download is left alone and the data stays in the part file.
pub fn commit(
    part: &Path,
    target: &Path,
    opened: Option<std::fs::File>,
    no_clobber: bool,
    mtime: Option<i64>,
) -> Result<()> {
    if let Some(unix) = mtime {
        let cannot = |source| Error::Local { path: part.to_path_buf(), source };
        let file = match opened {
            Some(file) => file,
            None => std::fs::OpenOptions::new().write(true).open(part).map_err(cannot)?,
        };
        file.set_modified(system_time(unix)).map_err(cannot)?;
    }
    if no_clobber && target.exists() {
        bail!(usage(format!("{} appeared meanwhile; the download stays in {}", target.display(), part.display())));
    }
    std::fs::rename(part, target).map_err(|source| Error::Local { path: target.to_path_buf(), source })?;
    Ok(())
}

/// Seconds since the epoch (MDTM, MLSD) as a file time; before 1970 too.
pub fn system_time(unix: i64) -> std::time::SystemTime {
    use std::time::{Duration, UNIX_EPOCH};
    if unix >= 0 {
        UNIX_EPOCH + Duration::from_secs(unix as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(unix.unsigned_abs())
    }
}

/// `-o /dev/null`, `-o /dev/stdout`, a FIFO: written as it is, like curl does. A part file
/// renamed over it would replace the device or pipe with a regular file.
async fn download_to_special(
    session: &mut Session,
    remote: &str,
    target: &Path,
    resume: bool,
    size: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<TransferSummary> {
    if resume {
        bail!(usage(format!("{} is not a regular file: there is nothing to resume (-c)", target.display())));
    }
    let local = |source| Error::Local { path: target.to_path_buf(), source };
    // Through the blocking pool: a pipe's reader may be slow, and must not stall the runtime.
    let mut file = tokio::fs::OpenOptions::new().write(true).open(target).await.map_err(local)?;
    let summary = session.fetch(remote, &mut file, 0, &[], size, progress).await?;
    file.flush().await.map_err(local)?;
    Ok(summary)
}

async fn read_tail(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    let take = len.min(RESUME_OVERLAP);
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(std::io::SeekFrom::Start(len - take)).await?;
    let mut buf = vec![0; take as usize];
    file.read_exact(&mut buf).await?;
    Ok(buf)
}
