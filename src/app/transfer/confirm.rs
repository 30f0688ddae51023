//! Uploads confirmed by one listing of their directory instead of a SIZE each.
//!
//! After a 226 the size check (SIZE, RFC 3659 section 4) is what proves the server holds the
//! whole file: a middlebox can end the data connection early towards the server and still
//! take every byte from pasv. For a directory receiving many files, one listing (MLSD or
//! LIST, one data connection) shows all their sizes: a command per file less for the server,
//! which near it is most of what a small file costs (4,000 files of 1-8 KiB to vsftpd on
//! loopback: 10% of the wall time). A file is reported (and, in a deploy, recorded) only
//! once its size is confirmed, as before.
//!
//! A file the listing does not show (a listing that hides dot files, a name it renders
//! otherwise, a listing that failed) gets its SIZE after all; one whose size differs is
//! uploaded again (a retry, when allowed) or fails as a truncation.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::Result;

use super::copy::Copy;
use super::job::{FileJob, Fresh, base, parent};
use super::pool::{Done, Pool, Work};
use super::run::retry_note;
use crate::engine::{Error, Session, SizeCheck, TransferSummary, judge_size};

/// A directory receives at least this many files of a run before a listing confirms them:
/// a listing costs about what an upload does (a data connection), ten or so SIZEs.
pub(crate) const LISTING_PAYS: usize = 16;
/// Only near the server, within this round trip (a LAN, a data centre): there its work per
/// command is much of what a small file costs, and a listing's round trips are nothing. Far
/// from it a SIZE costs no time (it goes with the next file's STOR) while the listings' round
/// trips at the end of each batch would: a first deploy of 2,000 files at 10 ms each way took
/// 11.9 s instead of 11.2 s.
const NEAR: Duration = Duration::from_millis(5);

/// The fresh directories (relative, "" for the top) of `files` that get [`LISTING_PAYS`] of
/// them or more, when the server is near ([`NEAR`]: its round trip measured when there are
/// any).
pub(crate) async fn listed_dirs(pool: &mut Pool<'_>, files: &[FileJob], fresh: Fresh<'_>) -> HashSet<String> {
    let dirs = many_in_fresh(files, fresh);
    if dirs.is_empty() || !pool.within(near()).await {
        return HashSet::new();
    }
    dirs
}

/// [`NEAR`]. Debug builds only: the tests that need a near server (a loopback one) say so,
/// since on a machine busy enough every NOOP can take longer than 5 ms.
fn near() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("PASV_TEST_NEAR_MS").ok().and_then(|ms| ms.parse().ok()) {
        return Duration::from_millis(ms);
    }
    NEAR
}

fn many_in_fresh(files: &[FileJob], fresh: Fresh<'_>) -> HashSet<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for file in files {
        *counts.entry(parent(&file.rel)).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|&(dir, n)| n >= LISTING_PAYS && fresh.contains(dir))
        .map(|(dir, _)| dir.to_string())
        .collect()
}

/// The listings of the directories, as name and size of each plain file.
struct Listings<'c, 'a> {
    copy: &'c Copy<'a>,
    sizes: RefCell<HashMap<String, HashMap<String, u64>>>,
}

impl Work for Listings<'_, '_> {
    type Job = String;

    async fn run(&self, session: &mut Session, dir: &String, _: u32, _: usize) -> Result<Done<String>> {
        let listing = session.list_dir(&self.copy.tree.remote_path(dir)).await?;
        let sizes = listing.files.into_iter().filter_map(|e| Some((e.name, e.size?))).collect();
        self.sizes.borrow_mut().insert(dir.clone(), sizes);
        Ok(Done::nothing())
    }

    fn describe(&self, dir: &String) -> String {
        self.copy.tree.shown_url(dir)
    }

    fn retrying(&self, dir: &String, error: &anyhow::Error, delay: Duration) {
        retry_note(self.copy.tally, &self.describe(dir), error, delay);
    }
}

/// What became of uploads whose size was left to a listing.
pub(crate) struct Confirmed {
    /// Whole on the server: their size check is done, for the caller to report.
    pub(crate) whole: Vec<(FileJob, TransferSummary)>,
    /// Not whole (the error says how): to upload again or to fail.
    pub(crate) short: Vec<(FileJob, anyhow::Error)>,
}

/// Confirms `uploaded` (each stored whole as far as the transfer went: a 226 for all its
/// bytes) by listing their directories on the pool, and by SIZE where a listing does not
/// show a file.
pub(crate) async fn confirm(
    pool: &mut Pool<'_>,
    copy: &Copy<'_>,
    uploaded: Vec<(FileJob, TransferSummary)>,
) -> Confirmed {
    let dirs: Vec<String> =
        uploaded.iter().map(|(job, _)| parent(&job.rel).to_string()).collect::<HashSet<_>>().into_iter().collect();
    let listings = Listings { copy, sizes: RefCell::default() };
    // A listing that failed leaves its files to SIZE: nothing of it is reported.
    let _ = pool.run(&listings, dirs).await;
    let sizes = listings.sizes.into_inner();
    let mut confirmed = Confirmed { whole: Vec::new(), short: Vec::new() };
    let mut unseen = Vec::new();
    for (job, mut summary) in uploaded {
        let expected = summary.total.unwrap_or(summary.bytes);
        match sizes.get(parent(&job.rel)).and_then(|names| names.get(base(&job.rel))) {
            Some(&listed) => match judge_size(Some(Ok(listed)), expected) {
                Ok(check) => {
                    summary.size_check = check;
                    confirmed.whole.push((job, summary));
                }
                Err(e) => confirmed
                    .short
                    .push((job, anyhow::Error::new(e).context("confirming its size by the directory's listing"))),
            },
            None => unseen.push((job, summary)),
        }
    }
    if !unseen.is_empty() {
        size_each(pool, copy, unseen, &mut confirmed).await;
    }
    confirmed
}

/// SIZE of each file, on one session (they are few: names a listing did not show).
async fn size_each(
    pool: &mut Pool<'_>,
    copy: &Copy<'_>,
    unseen: Vec<(FileJob, TransferSummary)>,
    confirmed: &mut Confirmed,
) {
    let mut session = match pool.take().await {
        Ok(session) => session,
        Err(error) => {
            let why = format!("{error:#}");
            confirmed
                .short
                .extend(unseen.into_iter().map(|(job, _)| (job, anyhow::anyhow!("checking its size: {why}"))));
            return;
        }
    };
    let mut broken = false;
    for (job, mut summary) in unseen {
        if broken {
            confirmed.short.push((job, anyhow::Error::new(Error::ControlClosed).context("checking its size")));
            continue;
        }
        let expected = summary.total.unwrap_or(summary.bytes);
        let asked = session.size(&copy.tree.remote_path(&job.rel)).await;
        broken = asked.as_ref().is_err_and(|e| !e.leaves_session_in_step());
        match judge_size(Some(asked), expected) {
            Ok(check) => {
                summary.size_check = check;
                confirmed.whole.push((job, summary));
            }
            Err(e) => confirmed.short.push((job, anyhow::Error::new(e).context("checking its size"))),
        }
    }
    if !broken {
        pool.put_back(session);
    }
}

/// Whether `summary` still waits for its size: none was asked after the 226.
pub(crate) fn unchecked(summary: &TransferSummary) -> bool {
    summary.size_check == SizeCheck::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(dir: &str, count: usize) -> impl Iterator<Item = FileJob> {
        let dir = dir.to_string();
        (0..count).map(move |i| FileJob {
            rel: if dir.is_empty() { format!("f{i}") } else { format!("{dir}/f{i}") },
            size: Some(1),
            mtime: None,
            reason: "new",
            retry: false,
        })
    }

    fn sorted(dirs: HashSet<String>) -> Vec<String> {
        let mut dirs: Vec<String> = dirs.into_iter().collect();
        dirs.sort();
        dirs
    }

    /// Fresh directories with [`LISTING_PAYS`] files or more.
    #[test]
    fn lists_fresh_directories_of_many_files() {
        let files: Vec<FileJob> = jobs("a", 20).chain(jobs("a/b", 15)).chain(jobs("", 16)).collect();
        assert_eq!(sorted(many_in_fresh(&files, Fresh::All)), ["", "a"]);
        let made: HashSet<String> = HashSet::from(["a".to_string(), "a/b".to_string()]);
        assert_eq!(sorted(many_in_fresh(&files, Fresh::Dirs(&made))), ["a"]);
        assert!(many_in_fresh(&files, Fresh::None).is_empty());
    }
}
