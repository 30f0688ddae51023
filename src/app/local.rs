//! Local files for downloads: write to a part file beside the target, rename on success.
//!
//! A failed or interrupted download never leaves a file that looks complete: the data lives in
//! `.NAME.pasv-part` until the transfer is proven complete (226 and the byte count), and stays
//! there after a failure so `-c` can resume it. A resume that the server does not honour, or
//! whose remote file changed, is rolled back to the bytes we started from, and the user is
//! told that `-c` cannot help.
//!
//! A target that is a symbolic link is followed (chains and relative links too): the part
//! file goes beside the file it points to and replaces that file, never the link. Devices,
//! pipes and the paths that stand for our own descriptors (`/dev/stdout`, `/dev/fd/N`,
//! `/proc/self/fd/N`) are written through, and `-o -` is stdout, as in curl.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::settings::usage;
use crate::engine::{Error, Inline, Progress, Session, TransferSummary};
use crate::proto::Verb;

/// How much already-downloaded data the server must send again on resume, proving it
/// honoured REST.
pub(super) const RESUME_OVERLAP: u64 = 64 * 1024;

/// Where a download of `name` goes, given `-o` (`-o -` is stdout, for every file).
pub fn download_path(output: Option<&Path>, name: &str, several: bool) -> Result<PathBuf> {
    // The name comes from the URL the user typed: one that cannot be a local file name
    // ("x%2F..") is a usage error (exit 2), not a local I/O failure.
    let name =
        crate::proto::name::local_component(name).map_err(|e| usage(format!("cannot save {name:?} locally: {e}")))?;
    match output {
        Some(out) if out.as_os_str() == STDOUT => Ok(PathBuf::from(STDOUT)),
        // Only the user's own `-o -` means stdout: a remote file named "-" is saved as one.
        None if name == STDOUT => Ok(Path::new(".").join(name)),
        None => Ok(PathBuf::from(name)),
        Some(dir) if dir.is_dir() || dir.as_os_str().to_string_lossy().ends_with('/') => Ok(dir.join(name)),
        Some(_) if several => Err(usage("-o must be an existing directory when downloading several files")),
        Some(path) => Ok(path.to_path_buf()),
    }
}

/// `-o -`: the data goes to stdout.
pub const STDOUT: &str = "-";

/// What a download target is, its symbolic links followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A regular file, or nothing yet (a dangling link's target is created, as curl does): the
    /// data goes to a part file beside this path and is renamed over it when complete.
    File(PathBuf),
    /// `-o -`, `/dev/stdout`, `/dev/fd/1`: this process's standard output, written through the
    /// descriptor itself, so `>>` appends and a file opened by the shell is not truncated.
    Stdout,
    /// A device, pipe, FIFO or socket, or another of our own descriptors (`/dev/stderr`,
    /// `/dev/fd/N`): written as it is. A part file renamed over it would replace it.
    Through(PathBuf),
}

/// Links followed before giving up, as the kernel's own limit (ELOOP).
const MAX_LINKS: usize = 40;

/// Follows `target`'s symbolic links to what a download must write (see [`Destination`]).
pub fn destination(target: &Path) -> Result<Destination, Error> {
    if target.as_os_str() == STDOUT {
        return Ok(Destination::Stdout);
    }
    let mut path = target.to_path_buf();
    for _ in 0..=MAX_LINKS {
        // Checked before the link is read: /proc/self/fd/1 reads as "pipe:[1234]" or as the
        // file stdout was opened on, and either must be written through the descriptor.
        if let Some(stdout) = descriptor(&path) {
            return Ok(if stdout { Destination::Stdout } else { Destination::Through(path) });
        }
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Destination::File(path)),
            Err(source) => return Err(Error::Local { path, source }),
        };
        if !meta.file_type().is_symlink() {
            // A directory stays a "file": renaming over it fails with a clear error.
            return Ok(if meta.is_file() || meta.is_dir() {
                Destination::File(path)
            } else {
                Destination::Through(path)
            });
        }
        let to = std::fs::read_link(&path).map_err(|source| Error::Local { path: path.clone(), source })?;
        path = match path.parent() {
            Some(dir) if to.is_relative() => dir.join(to),
            _ => to,
        };
    }
    Err(Error::Local { path: target.to_path_buf(), source: std::io::Error::other("too many levels of symbolic links") })
}

/// For a path that names an open descriptor (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`,
/// `/proc/PID/fd/N`): whether it is our own stdout. `None` for any other path.
fn descriptor(path: &Path) -> Option<bool> {
    let text = path.to_str()?;
    if let Some(name) = text.strip_prefix("/dev/")
        && matches!(name, "stdin" | "stdout" | "stderr")
    {
        return Some(name == "stdout");
    }
    let (owner, number) = match text.strip_prefix("/dev/fd/") {
        Some(number) => ("self", number),
        None => text.strip_prefix("/proc/")?.split_once("/fd/")?,
    };
    let ours = owner == "self" || owner == "thread-self" || owner == std::process::id().to_string();
    if !ours && owner.parse::<u32>().is_err() {
        return None;
    }
    let fd: u32 = number.parse().ok()?;
    Some(ours && fd == 1)
}

/// True when a download to `target` can go the fast way: nothing there yet, or a regular file
/// (no link to follow, nothing to write through).
pub fn is_plain(target: &Path) -> bool {
    match std::fs::symlink_metadata(target) {
        Ok(meta) => meta.is_file(),
        Err(e) => {
            e.kind() == std::io::ErrorKind::NotFound && descriptor(target).is_none() && target.as_os_str() != STDOUT
        }
    }
}

/// `.NAME.pasv-part` beside `target` (which should have its links followed: [`destination`]).
pub fn part_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    target.with_file_name(format!(".{name}.pasv-part"))
}

/// `--no-clobber` for a download to `target` (its links followed): an existing file is an
/// error before anything is asked or written.
pub fn refuse_existing(target: &Path, no_clobber: bool) -> Result<()> {
    if !no_clobber {
        return Ok(());
    }
    match destination(target)? {
        Destination::File(file) => refuse_clobber(&file, no_clobber),
        Destination::Stdout | Destination::Through(_) => Ok(()),
    }
}

fn refuse_clobber(target: &Path, no_clobber: bool) -> Result<()> {
    if no_clobber && target.exists() {
        bail!(usage(format!("{} exists; refusing to overwrite it (--no-clobber)", target.display())));
    }
    Ok(())
}

/// A finished download: complete (226 and the byte count), not yet in place.
pub struct Fetched {
    pub summary: TransferSummary,
    /// Where the data is; `None` when it went straight to stdout, a device or a pipe.
    pub part: Option<PathBuf>,
    /// The file the part file replaces: the target with its links followed.
    file: PathBuf,
}

impl Fetched {
    /// Puts the data in place (see [`commit`]); stdout, a device or a pipe has it already.
    pub fn commit(self, no_clobber: bool, mtime: Option<i64>) -> Result<TransferSummary> {
        if let Some(part) = &self.part {
            commit(part, &self.file, None, no_clobber, mtime)?;
        }
        Ok(self.summary)
    }
}

/// What a download continues from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Nothing: the part file starts empty.
    No,
    /// The part file, when there is one (a retry within the run, of a part file this run
    /// wrote); never the target.
    Part,
    /// `-c`: the part file, or else the target itself (a partial download another tool
    /// left).
    Any,
}

/// The part file a download to `target` writes (its links followed); `None` for stdout, a
/// device or a pipe, written through.
pub fn part_of(target: &Path) -> Result<Option<PathBuf>, Error> {
    Ok(match destination(target)? {
        Destination::File(file) => Some(part_path(&file)),
        Destination::Stdout | Destination::Through(_) => None,
    })
}

/// Downloads `remote` into the part file of `target` (continuing it as `resume` says); the
/// caller checks it further if it likes and then [commits](Fetched::commit) it. `size` from
/// a listing saves the SIZE round trip.
pub async fn fetch(
    session: &mut Session,
    remote: &str,
    target: &Path,
    resume: Resume,
    no_clobber: bool,
    size: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Fetched> {
    fetch_to(session, remote, destination(target)?, resume, no_clobber, size, progress).await
}

async fn fetch_to(
    session: &mut Session,
    remote: &str,
    destination: Destination,
    resume: Resume,
    no_clobber: bool,
    size: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Fetched> {
    let target = match destination {
        Destination::File(file) => file,
        Destination::Stdout => {
            let summary = download_through(session, remote, None, resume != Resume::No, size, progress).await?;
            return Ok(Fetched { summary, part: None, file: PathBuf::from(STDOUT) });
        }
        Destination::Through(path) => {
            let summary = download_through(session, remote, Some(&path), resume != Resume::No, size, progress).await?;
            return Ok(Fetched { summary, part: None, file: path });
        }
    };
    let target = target.as_path();
    refuse_clobber(target, no_clobber)?;
    let part = part_path(target);
    let local = |source| Error::Local { path: part.clone(), source };
    if resume == Resume::Any && !part.exists() && target.is_file() {
        // Resume a file some other tool left behind: it becomes our part file until done.
        tokio::fs::rename(target, &part).await.map_err(local)?;
    }
    let (file, offset) = if resume != Resume::No && part.exists() {
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
    if offset > 0 && result.as_ref().is_err_and(|e| e.is_not_implemented(Verb::Rest)) {
        // A server without REST (twisted): nothing was written; the whole file again.
        file.0.set_len(0).map_err(local)?;
        result = session.fetch(remote, &mut file, 0, &[], size, progress).await;
    }
    let flushed = file.flush().await;
    drop(file);
    match result {
        Ok(summary) => {
            flushed.map_err(local)?;
            Ok(Fetched { summary, part: Some(part), file: target.to_path_buf() })
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

/// `-o -` (`path` = `None`: stdout), `-o /dev/null`, a FIFO: written as it is, like curl
/// does. A part file renamed over it would replace the device or pipe with a regular file.
async fn download_through(
    session: &mut Session,
    remote: &str,
    path: Option<&Path>,
    resume: bool,
    size: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<TransferSummary> {
    let shown = path.map(|p| p.display().to_string()).unwrap_or_else(|| "standard output".into());
    if resume {
        bail!(usage(format!("{shown} is not a regular file: there is nothing to resume (-c)")));
    }
    let local = |source| Error::Local { path: path.unwrap_or(Path::new(STDOUT)).to_path_buf(), source };
    let Some(path) = path else {
        let mut stdout = tokio::io::stdout();
        let summary = session.fetch(remote, &mut stdout, 0, &[], size, progress).await?;
        stdout.flush().await.map_err(local)?;
        return Ok(summary);
    };
    // A regular file behind a descriptor path (`/dev/fd/3` of `3>>log`) is appended to, as
    // the shell that opened it meant; a block device must not be (its end is its size).
    let append = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    // Through the blocking pool: a pipe's reader may be slow, and must not stall the runtime.
    let mut file = tokio::fs::OpenOptions::new().write(true).append(append).open(path).await.map_err(local)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn destinations_follow_links_and_spot_descriptors() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("file"), "x").unwrap();
        symlink("file", d.join("link")).unwrap();
        symlink(d.join("link"), d.join("chain")).unwrap();
        symlink("missing", d.join("dangling")).unwrap();
        symlink("/proc/self/fd/1", d.join("out")).unwrap();
        symlink("loop-b", d.join("loop-a")).unwrap();
        symlink("loop-a", d.join("loop-b")).unwrap();
        let file = |p: PathBuf| Ok(Destination::File(p));
        assert_eq!(destination(&d.join("chain")).map_err(|e| e.to_string()), file(d.join("file")));
        assert_eq!(destination(&d.join("dangling")).map_err(|e| e.to_string()), file(d.join("missing")));
        assert_eq!(destination(&d.join("new")).map_err(|e| e.to_string()), file(d.join("new")));
        for stdout in ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            assert_eq!(destination(Path::new(stdout)).map_err(|e| e.to_string()), Ok(Destination::Stdout), "{stdout}");
        }
        assert_eq!(destination(&d.join("out")).map_err(|e| e.to_string()), Ok(Destination::Stdout));
        assert_eq!(
            destination(Path::new("/dev/null")).map_err(|e| e.to_string()),
            Ok(Destination::Through("/dev/null".into()))
        );
        assert_eq!(
            destination(Path::new("/dev/fd/2")).map_err(|e| e.to_string()),
            Ok(Destination::Through("/dev/fd/2".into()))
        );
        assert!(destination(&d.join("loop-a")).is_err());
        assert!(is_plain(&d.join("file")) && is_plain(&d.join("new")));
        assert!(!is_plain(&d.join("link")) && !is_plain(Path::new("-")) && !is_plain(Path::new("/dev/null")));
        assert_eq!(download_path(None, "-", false).unwrap(), Path::new("./-"));
        assert_eq!(download_path(Some(Path::new("-")), "a", true).unwrap(), Path::new("-"));
    }
}
