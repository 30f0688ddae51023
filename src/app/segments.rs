//! `pasv get --segments N URL`: one big file over N sessions at once, each fetching its own
//! byte range (REST offsets, RFC 3659 section 5) into its own part file, joined when every
//! range has exactly its byte count.
//!
//! Files under [`SEGMENT_THRESHOLD`] go over one connection: splitting small files costs
//! more round trips than it saves. The part files are `.NAME.pasv-segKofN` beside the
//! target; an interrupted run keeps them, and `-c` (or a retry within the run) resumes each
//! range where it stopped, after the server has sent again the last bytes we have (the proof
//! that it honoured REST).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use super::mirror::{self, Copy, Direction, FileJob, SyncOptions, Tree};
use super::pool::{Done, Pool, Work};
use super::sanitize::escape;
use super::tally::{FileEvent, Tally};
use crate::engine::{Error, Session};

/// Below this size a file is downloaded over one connection.
pub const SEGMENT_THRESHOLD: u64 = 16 * 1024 * 1024;

/// How much of a range we already have the server sends again on resume.
const RESUME_OVERLAP: u64 = 64 * 1024;

/// Byte ranges `[start, end)` splitting `size` into `n` nearly equal parts.
pub fn ranges(size: u64, n: usize) -> Vec<(u64, u64)> {
    let n = n.max(1) as u64;
    (0..n).map(|i| (size * i / n, size * (i + 1) / n)).collect()
}

fn segment_path(target: &Path, index: usize, count: usize) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    target.with_file_name(format!(".{name}.pasv-seg{}of{count}", index + 1))
}

struct Segments<'a> {
    remote: String,
    total: u64,
    ranges: Vec<(u64, u64)>,
    paths: Vec<PathBuf>,
    tally: &'a Tally<'a>,
}

impl Work for Segments<'_> {
    type Job = usize;

    async fn run(&self, session: &mut Session, index: &usize, _attempt: u32, _slot: usize) -> Result<Done<usize>> {
        let (start, end) = self.ranges[*index];
        let path = &self.paths[*index];
        let local = |source| Error::Local { path: path.clone(), source };
        let mut file = tokio::fs::OpenOptions::new().create(true).append(true).open(path).await.map_err(local)?;
        let mut have = file.metadata().await.map_err(local)?.len();
        if have > end - start {
            // Not a part of this range (another split?): start the range again.
            file.set_len(0).await.map_err(local)?;
            have = 0;
        }
        let overlap = read_tail(path, have).await.map_err(local)?;
        let mut progress = self.tally.transfer();
        progress.start(&format!("part {}/{}", index + 1, self.ranges.len()), Some(end - start), have);
        let result = session
            .download_range(&self.remote, &mut file, start + have, &overlap, end, self.total, progress.as_mut())
            .await;
        progress.finish();
        file.flush().await.map_err(local)?;
        result?;
        let len = file.metadata().await.map_err(local)?.len();
        if len != end - start {
            bail!(Error::Truncated { received: start + len, expected: end });
        }
        Ok(Done::nothing())
    }

    fn describe(&self, index: &usize) -> String {
        format!("{} (part {} of {})", escape(&self.remote), index + 1, self.ranges.len())
    }

    fn retrying(&self, index: &usize, error: &anyhow::Error, delay: Duration) {
        self.tally.note(&format!(
            "pasv: {}: {} (retrying in {}s)",
            self.describe(index),
            escape(&format!("{error:#}")),
            delay.as_secs()
        ));
    }
}

async fn read_tail(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    let take = len.min(RESUME_OVERLAP);
    if take == 0 {
        return Ok(Vec::new());
    }
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(std::io::SeekFrom::Start(len - take)).await?;
    let mut buf = vec![0; take as usize];
    file.read_exact(&mut buf).await?;
    Ok(buf)
}

/// Downloads `tree.remote` to `tree.local` in `count` segments over `pool`.
pub async fn get(
    pool: &mut Pool<'_>,
    tree: &Tree,
    count: usize,
    opts: &SyncOptions,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let mut session = pool.take().await?;
    let stat = session.stat(&tree.remote).await;
    pool.put_back(session);
    let stat = stat.with_context(|| format!("downloading {}", tree.shown_url("")))?;
    let Some(total) = stat.size else {
        bail!("the server does not tell the size of {}: cannot split it", tree.shown_url(""));
    };
    let job = FileJob { rel: String::new(), size: total, mtime: stat.modified, reason: "new", retry: false };
    tally.begin(1, total);
    if total < SEGMENT_THRESHOLD || count <= 1 {
        let copy = Copy::new(tree, opts, Direction::Down, tally);
        let failures = pool.run(&copy, vec![job]).await;
        tally.finish_quietly();
        return failures.into_iter().next().map_or(Ok(()), |f| Err(f.error));
    }
    let ranges = ranges(total, count);
    let paths: Vec<PathBuf> = (0..count).map(|i| segment_path(&tree.local, i, count)).collect();
    if !opts.resume {
        for path in &paths {
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        }
    }
    let started = std::time::Instant::now();
    let work = Segments { remote: tree.remote.clone(), total, ranges, paths: paths.clone(), tally: &*tally };
    let failures = pool.run(&work, (0..count).collect()).await;
    tally.finish_quietly();
    if let Some(first) = failures.into_iter().next() {
        return Err(first.error.context(format!(
            "partial data kept in {} and the other parts; run again with -c to resume",
            paths[0].display()
        )));
    }
    join(&paths, &tree.local, total).await?;
    if let Some(t) = stat.modified {
        mirror::set_local_mtime(&tree.local, t)?;
    }
    tally.file_done(&FileEvent {
        action: "get",
        path: &tree.local.to_string_lossy(),
        url: &tree.shown_url(""),
        bytes: total,
        offset: 0,
        total: Some(total),
        seconds: started.elapsed().as_secs_f64(),
        verified: Some("size"),
    });
    Ok(())
}

/// Appends parts 2..N to part 1 and renames it to `target` once the length is right.
async fn join(paths: &[PathBuf], target: &Path, total: u64) -> Result<()> {
    let Some((first, rest)) = paths.split_first() else { bail!("no parts") };
    let mut out = tokio::fs::OpenOptions::new()
        .append(true)
        .open(first)
        .await
        .with_context(|| format!("cannot open {}", first.display()))?;
    for part in rest {
        let mut input = tokio::fs::File::open(part).await.with_context(|| format!("cannot read {}", part.display()))?;
        tokio::io::copy(&mut input, &mut out).await.with_context(|| format!("cannot join {}", part.display()))?;
    }
    out.flush().await?;
    let len = out.metadata().await?.len();
    drop(out);
    if len != total {
        bail!(Error::Truncated { received: len, expected: total });
    }
    tokio::fs::rename(first, target).await.with_context(|| format!("cannot rename to {}", target.display()))?;
    for part in rest {
        let _ = tokio::fs::remove_file(part).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_ranges() {
        assert_eq!(ranges(10, 3), vec![(0, 3), (3, 6), (6, 10)]);
        assert_eq!(ranges(20 << 20, 4).iter().map(|(s, e)| e - s).sum::<u64>(), 20 << 20);
        assert_eq!(segment_path(Path::new("/x/big.iso"), 0, 4), PathBuf::from("/x/.big.iso.pasv-seg1of4"));
    }
}
