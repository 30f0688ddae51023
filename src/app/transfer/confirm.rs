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
use super::job::FileJob;
use super::pool::{Done, Pool, Work};
use super::run::retry_note;
use crate::engine::{Error, Session, SizeCheck, TransferSummary, judge_size};

/// A directory receives at least this many files of a run before a listing confirms them:
/// a listing costs about what an upload does (a data connection), ten or so SIZEs.
pub(crate) const LISTING_PAYS: usize = 16;

/// The directories (relative, "" for the top) of `files` that get [`LISTING_PAYS`] or more.
pub(crate) fn listed_dirs(files: &[FileJob]) -> HashSet<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for file in files {
        *counts.entry(dir_of(&file.rel)).or_default() += 1;
    }
    counts.into_iter().filter(|&(_, n)| n >= LISTING_PAYS).map(|(dir, _)| dir.to_string()).collect()
}

/// The relative directory of a relative path.
pub(crate) fn dir_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |at| &rel[..at])
}

fn name_of(rel: &str) -> &str {
    rel.rfind('/').map_or(rel, |at| &rel[at + 1..])
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
        uploaded.iter().map(|(job, _)| dir_of(&job.rel).to_string()).collect::<HashSet<_>>().into_iter().collect();
    let listings = Listings { copy, sizes: RefCell::default() };
    // A listing that failed leaves its files to SIZE: nothing of it is reported.
    let _ = pool.run(&listings, dirs).await;
    let sizes = listings.sizes.into_inner();
    let mut confirmed = Confirmed { whole: Vec::new(), short: Vec::new() };
    let mut unseen = Vec::new();
    for (job, mut summary) in uploaded {
        let expected = summary.total.unwrap_or(summary.bytes);
        match sizes.get(dir_of(&job.rel)).and_then(|names| names.get(name_of(&job.rel))) {
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
        broken = asked.as_ref().is_err_and(|e| e.reply_code().is_none());
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
