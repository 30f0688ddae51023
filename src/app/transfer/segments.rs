//! `pasv get --segments N URL`: one big file over N sessions at once, each fetching its own
//! byte range (REST offsets, RFC 3659 section 5) straight into its place in one part file.
//!
//! Files under [`SEGMENT_THRESHOLD`] go over one connection: splitting small files costs
//! more round trips than it saves. The part file is `.NAME.pasv-part` beside the target, as
//! for any download, made as long as the file at the start; `.NAME.pasv-segments` beside it
//! records how many bytes of each range have been written (only ever bytes already written,
//! so after a crash a range is fetched again from a point at or before where it stopped).
//! An interrupted run keeps both, and `-c` (or a retry within the run) resumes each range
//! after the server has sent again the last bytes we have (the proof that it honoured REST).
//! The file is renamed into place once every range has exactly its byte count.

use std::io::{Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use super::copy::Copy;
use super::job::{Direction, FileJob, SyncOptions, Tree};
use super::pool::{Done, Pool, Work};
use super::run::retry_note;
use crate::app::local;
use crate::app::sanitize::escape;
use crate::app::tally::{FileEvent, Tally};
use crate::engine::{Error, Inline, Session};

/// Below this size a file is downloaded over one connection.
pub const SEGMENT_THRESHOLD: u64 = 16 * 1024 * 1024;

/// The state file is rewritten after this many bytes of a range.
const SAVE_EVERY: u64 = 8 * 1024 * 1024;

/// Byte ranges `[start, end)` splitting `size` into `n` nearly equal parts.
pub fn ranges(size: u64, n: usize) -> Vec<(u64, u64)> {
    let n = n.max(1) as u64;
    (0..n).map(|i| (size * i / n, size * (i + 1) / n)).collect()
}

fn state_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    target.with_file_name(format!(".{name}.pasv-segments"))
}

/// How far each range has got, shared by the sessions and saved to the state file.
struct Progress {
    path: PathBuf,
    total: u64,
    done: Vec<AtomicU64>,
}

impl Progress {
    /// The saved state when it belongs to this file and split, else a fresh one.
    fn load(path: PathBuf, total: u64, count: usize, resume: bool) -> Self {
        let fresh = || (0..count).map(|_| AtomicU64::new(0)).collect();
        let saved = resume.then(|| std::fs::read_to_string(&path).ok()).flatten().and_then(|text| {
            let mut lines = text.lines();
            let header = lines.next()?;
            if header != format!("pasv-segments 1 {total} {count}") {
                return None;
            }
            let done: Vec<AtomicU64> =
                lines.map(|l| l.trim().parse().ok().map(AtomicU64::new)).collect::<Option<_>>()?;
            (done.len() == count).then_some(done)
        });
        let done = saved.unwrap_or_else(fresh);
        Self { path, total, done }
    }

    fn save(&self) -> std::io::Result<()> {
        let mut text = format!("pasv-segments 1 {} {}\n", self.total, self.done.len());
        for done in &self.done {
            text.push_str(&format!("{}\n", done.load(Ordering::Relaxed)));
        }
        std::fs::write(&self.path, text)
    }
}

/// Writes a range into its place in the part file and counts what is written.
struct RangeWriter {
    file: std::fs::File,
    progress: Arc<Progress>,
    index: usize,
    unsaved: u64,
}

impl std::io::Write for RangeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.progress.done[self.index].fetch_add(n as u64, Ordering::Relaxed);
        self.unsaved += n as u64;
        if self.unsaved >= SAVE_EVERY {
            self.unsaved = 0;
            self.progress.save()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Segments<'a> {
    remote: String,
    total: u64,
    ranges: Vec<(u64, u64)>,
    part: PathBuf,
    progress: Arc<Progress>,
    tally: &'a Tally<'a>,
}

impl Segments<'_> {
    /// Opens the part file at `at` and reads the `overlap` bytes before it.
    fn open_at(&self, at: u64, overlap: u64) -> std::io::Result<(std::fs::File, Vec<u8>)> {
        let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&self.part)?;
        let mut tail = vec![0; overlap as usize];
        file.seek(std::io::SeekFrom::Start(at - overlap))?;
        file.read_exact(&mut tail)?;
        Ok((file, tail))
    }
}

impl Work for Segments<'_> {
    type Job = usize;

    async fn run(&self, session: &mut Session, index: &usize, _attempt: u32, _slot: usize) -> Result<Done<usize>> {
        let index = *index;
        let (start, end) = self.ranges[index];
        let have = self.progress.done[index].load(Ordering::Relaxed).min(end - start);
        self.progress.done[index].store(have, Ordering::Relaxed);
        let at = start + have;
        let overlap = have.min(local::RESUME_OVERLAP);
        let (file, tail) =
            self.open_at(at, overlap).map_err(|source| Error::Local { path: self.part.clone(), source })?;
        // Written in place (engine::Inline): the page cache is cheaper than the blocking pool.
        let mut writer = Inline(RangeWriter { file, progress: self.progress.clone(), index, unsaved: 0 });
        let mut progress = self.tally.transfer();
        progress.start(&format!("part {}/{}", index + 1, self.ranges.len()), Some(end - start), have);
        let result =
            session.download_range(&self.remote, &mut writer, at, &tail, end, self.total, progress.as_mut()).await;
        progress.finish();
        let saved = self.progress.save();
        result?;
        saved.map_err(|source| Error::Local { path: self.progress.path.clone(), source })?;
        let done = self.progress.done[index].load(Ordering::Relaxed);
        if done != end - start {
            bail!(Error::Truncated { received: start + done, expected: end });
        }
        // The range may not be used again on this session if it was cut short: the engine
        // has drained the aborted transfer, so the session is in step.
        Ok(Done::nothing())
    }

    fn describe(&self, index: &usize) -> String {
        escape(&self.part(*index)).into_owned()
    }

    fn retrying(&self, index: &usize, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, &self.part(*index), error, delay);
    }
}

impl Segments<'_> {
    /// The file and which of its parts, as the notes name them (unescaped).
    fn part(&self, index: usize) -> String {
        format!("{} (part {} of {})", self.remote, index + 1, self.ranges.len())
    }
}

/// True when `get --segments count` splits a file of `size` bytes; smaller files, and files
/// of unknown size, go over one connection.
pub fn splits(size: Option<u64>, count: usize) -> bool {
    count > 1 && size.is_some_and(|size| size >= SEGMENT_THRESHOLD)
}

/// Downloads `job` (`tree.remote` to `tree.local`, its size known, see [`splits`]) in `count`
/// segments over `pool`; the caller has made the --no-clobber and --if-changed decisions.
pub async fn get(
    pool: &mut Pool<'_>,
    tree: &Tree,
    count: usize,
    job: &FileJob,
    opts: &SyncOptions,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let Some(total) = job.size else { bail!("the size of {} is unknown: cannot split it", tree.shown_url("")) };
    // Through a link to the file it names: the part and state files go beside that file.
    let local::Destination::File(real) = local::destination(&tree.local)? else {
        bail!("{} is not a regular file: cannot write it in segments", tree.local.display())
    };
    let part = local::part_path(&real);
    let state = state_path(&real);
    let progress = Arc::new(Progress::load(state.clone(), total, count, opts.resume));
    let resumed: u64 = progress.done.iter().map(|d| d.load(Ordering::Relaxed)).sum();
    let fresh = resumed == 0;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(fresh)
        .open(&part)
        .with_context(|| format!("cannot create {}", part.display()))?;
    file.set_len(total).with_context(|| format!("cannot size {}", part.display()))?;
    drop(file);
    progress.save().with_context(|| format!("cannot write {}", state.display()))?;
    let started = std::time::Instant::now();
    let work = Segments {
        remote: tree.remote.clone(),
        total,
        ranges: ranges(total, count),
        part: part.clone(),
        progress: progress.clone(),
        tally: &*tally,
    };
    let failures = pool.run(&work, (0..count).collect()).await;
    tally.finish_quietly();
    if let Some(first) = failures.into_iter().next() {
        return Err(first.error.context(format!(
            "partial data kept in {} (progress in {}); run again with -c to resume",
            part.display(),
            state.display()
        )));
    }
    let mut verified = Some("size");
    if opts.verify {
        let copy = Copy::new(tree, opts, Direction::Down, tally, pool.temporaries());
        let mut session = pool.take().await?;
        let checked = copy.verify(&mut session, &tree.remote, &part).await;
        pool.put_back(session);
        match checked {
            Ok(Some(algorithm)) => verified = Some(algorithm),
            Ok(None) => {}
            Err(e) => {
                let _ = std::fs::remove_file(&state);
                return Err(e.context(format!("the download stays in {}", part.display())));
            }
        }
    }
    local::commit(&part, &real, None, opts.no_clobber(), job.mtime)?;
    let _ = std::fs::remove_file(&state);
    tally.file_done(&FileEvent {
        action: "get",
        path: &tree.local.to_string_lossy(),
        url: &tree.shown_url(""),
        bytes: total - resumed,
        offset: resumed,
        total: Some(total),
        seconds: started.elapsed().as_secs_f64(),
        verified: verified.into(),
        passive: None,
        tls: None,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_ranges() {
        assert_eq!(ranges(10, 3), vec![(0, 3), (3, 6), (6, 10)]);
        assert_eq!(ranges(20 << 20, 4).iter().map(|(s, e)| e - s).sum::<u64>(), 20 << 20);
        assert_eq!(state_path(Path::new("/x/big.iso")), PathBuf::from("/x/.big.iso.pasv-segments"));
    }

    #[test]
    fn state_files_belong_to_one_file_and_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".f.pasv-segments");
        let progress = Progress::load(path.clone(), 100, 2, true);
        progress.done[1].store(7, Ordering::Relaxed);
        progress.save().unwrap();
        let again = Progress::load(path.clone(), 100, 2, true);
        assert_eq!(again.done[1].load(Ordering::Relaxed), 7);
        assert_eq!(Progress::load(path.clone(), 100, 3, true).done[1].load(Ordering::Relaxed), 0);
        assert_eq!(Progress::load(path, 100, 2, false).done[1].load(Ordering::Relaxed), 0);
    }
}
