//! Copying and synchronising whole trees, in either direction: `pasv mirror`, and the
//! machinery behind `get -r` and `put -r`.
//!
//! Three phases, all on one [`Pool`] of sessions:
//! 1. scan: list the remote directories (in parallel) and compare each with its local
//!    counterpart, deciding per file: copy, skip (unchanged) or delete;
//! 2. copy: create the missing directories, then transfer the files;
//! 3. delete (`--delete`): what the source no longer has, after the copies succeeded.
//!
//! `--dry-run` stops after the scan and prints the plan.
//!
//! Safety: every server-supplied name passed `proto::name::local_component` in the engine's
//! listing before it names a local path, so nothing is written or deleted outside the
//! target; refused names are reported and the rest goes on. Deletes on the server touch only
//! names from listings the engine parsed, and a directory with lines it could not parse is
//! never removed. `--delete` acts on what a listing lacks (or has) only when a second listing
//! of that directory says the same: a listing cut exactly at a line end looks whole.
//! Symbolic links on the server, and local ones an upload meets, are reported
//! and never followed; a local link where a download lands is followed to the file it names
//! (`local::destination`), as for a single `get`. A tree deeper than
//! [`MAX_DEPTH`] stops there with an error.

mod delete;
mod plan;
mod scan;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::app::settings::usage;
use crate::app::tally::{Summary, Tally};
use crate::app::transfer::copy::Copy;
use crate::app::transfer::job::{Compare, Direction, Fresh, SyncOptions, Tree};
use crate::app::transfer::lanes::{download_files, upload_files};
use crate::app::transfer::pool::{Done, Failure, Pool, Work};
use crate::app::transfer::run::{finish, retry_note};
use crate::engine::Session;
use crate::proto::ReplyClass;
use delete::Delete;
use plan::print_plan;
use scan::{Scan, ScanJob};

/// Phase 2 for uploads, first: the missing directories, parents first, as one job on the
/// pool, so that a dropped connection is retried within `--retries` like any job, going on
/// from the directory it stopped at.
struct MakeDirs<'a> {
    pub(crate) tree: &'a Tree,
    pub(crate) dirs: &'a [String],
    /// How many of `dirs` exist now.
    pub(crate) made: Cell<usize>,
    pub(crate) tally: &'a Tally<'a>,
}

impl Work for MakeDirs<'_> {
    type Job = ();

    async fn run(&self, session: &mut Session, _job: &(), attempt: u32, _slot: usize) -> Result<Done<()>> {
        while let Some(dir) = self.dirs.get(self.made.get()) {
            let remote = self.tree.remote_path(dir);
            let made = if dir.is_empty() { session.mkdir_all(&remote).await } else { session.mkdir(&remote).await };
            match made {
                Ok(()) => {}
                // Again after a dropped connection: the MKD whose reply was lost may have made it.
                Err(e)
                    if attempt > 0
                        && e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative)
                        && session.is_dir(&remote).await? => {}
                Err(e) => return Err(anyhow::Error::new(e).context(format!("creating {}", self.tree.shown_url(dir)))),
            }
            self.made.set(self.made.get() + 1);
        }
        Ok(Done::nothing())
    }

    fn describe(&self, _job: &()) -> String {
        "directories".into()
    }

    fn retrying(&self, _job: &(), error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, "creating directories", error, delay);
    }
}

/// Syncs `tree` in `direction` on `pool`, with its summary; the pool stays open for the
/// caller.
pub async fn sync(
    pool: &mut Pool<'_>,
    tree: &Tree,
    direction: Direction,
    opts: &SyncOptions,
    tally: &mut Tally<'_>,
) -> Result<Summary> {
    let failures = sync_tree(pool, tree, direction, opts, tally).await?;
    finish(tally, opts.action, opts.dry_run, pool.backed_off, failures)
}

/// [`sync`] without the summary, for a command that copies several trees and ends with one
/// ([`finish`]): the failures of single files, counted on `tally` only as copies.
pub async fn sync_tree(
    pool: &mut Pool<'_>,
    tree: &Tree,
    direction: Direction,
    opts: &SyncOptions,
    tally: &mut Tally<'_>,
) -> Result<Vec<Failure>> {
    if direction == Direction::Down && !opts.dry_run {
        std::fs::create_dir_all(&tree.local).with_context(|| format!("cannot create {}", tree.local.display()))?;
    }
    // Phase 1: scan.
    let listed = match (direction, opts.compare) {
        (Direction::Up, Compare::Always) if !opts.dry_run => local_files(&tree.local, pool.limit()),
        _ => 0,
    };
    let scan = Scan { tree, opts, direction, plan: RefCell::default(), tally: &*tally, listed: Cell::new(listed) };
    let mut failures = pool.run(&scan, vec![ScanJob::Dir { rel: String::new(), depth: 0 }]).await;
    let mut plan = scan.plan.into_inner();
    failures.append(&mut plan.failures);
    tally.skipped(plan.skipped);
    // Parents before children; deletes children before parents.
    plan.dirs.sort_by_key(|d| (d.matches('/').count() + usize::from(!d.is_empty()), d.clone()));
    plan.dirs.dedup();
    plan.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    let undeletable = std::mem::take(&mut plan.undeletable);
    plan.delete_dirs.retain(|d| !undeletable.iter().any(|u| u == d || u.starts_with(&format!("{d}/"))));
    plan.delete_dirs.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    if opts.dry_run {
        print_plan(tally.output(), &plan, direction)?;
        tally.planned(plan.files.len() as u64, plan.files.iter().filter_map(|f| f.size).sum());
        tally.deleted((plan.delete_files.len() + plan.delete_dirs.len()) as u64);
        return Ok(failures);
    }
    // Phase 2: directories, then files.
    match direction {
        Direction::Down => {
            for dir in &plan.dirs {
                let path = tree.local_path(dir);
                std::fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
            }
        }
        Direction::Up if !plan.dirs.is_empty() => {
            let make = MakeDirs { tree, dirs: &plan.dirs, made: Cell::new(0), tally: &*tally };
            if let Some(failure) = pool.run(&make, vec![()]).await.into_iter().next() {
                return Err(failure.error);
            }
        }
        Direction::Up => {}
    }
    let bytes: u64 = plan.files.iter().filter_map(|f| f.size).sum();
    tally.begin(plan.files.len() as u64, bytes);
    // Made by this run: their listings hold its files alone, and what is at a file's name
    // there is this run's own.
    let made: HashSet<String> = plan.dirs.iter().cloned().collect();
    let copy = Copy::new(tree, opts, direction, &*tally, pool.temporaries()).with_fresh(Fresh::Dirs(&made));
    let files = std::mem::take(&mut plan.files);
    let mut copy_failures = match direction {
        Direction::Down => download_files(pool, &copy, files).await,
        Direction::Up => upload_files(pool, &copy, files).await,
    };
    let copied_all = copy_failures.is_empty() && failures.is_empty();
    failures.append(&mut copy_failures);
    // Phase 3: delete, only when everything before went well.
    if opts.delete && !(plan.delete_files.is_empty() && plan.delete_dirs.is_empty()) {
        if !copied_all {
            tally.note("pasv: warning: not deleting anything because some files failed");
        } else {
            match direction {
                Direction::Down => {
                    for rel in plan.delete_files.iter().chain(&plan.delete_dirs) {
                        let path = tree.local_path(rel);
                        let meta = std::fs::symlink_metadata(&path);
                        let removed = match meta {
                            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
                            Ok(_) => std::fs::remove_file(&path),
                            Err(e) => Err(e),
                        };
                        match removed {
                            Ok(()) => tally.deleted(1),
                            Err(e) => failures.push(Failure {
                                what: rel.clone(),
                                error: anyhow::Error::new(e).context(format!("cannot delete {}", path.display())),
                            }),
                        }
                    }
                }
                Direction::Up => {
                    let files = Delete { tree, tally: &*tally, dirs: false };
                    failures.extend(pool.run(&files, std::mem::take(&mut plan.delete_files)).await);
                    let dirs = Delete { tree, tally: &*tally, dirs: true };
                    // One directory level at a time, deepest first.
                    let mut remaining = std::mem::take(&mut plan.delete_dirs);
                    while let Some(first) = remaining.first() {
                        let level = first.matches('/').count();
                        let split =
                            remaining.iter().position(|d| d.matches('/').count() != level).unwrap_or(remaining.len());
                        let batch: Vec<String> = remaining.drain(..split).collect();
                        failures.extend(pool.run(&dirs, batch).await);
                    }
                }
            }
        }
    }
    Ok(failures)
}

/// Files under the local directory `root`, counted up to `limit` (a walk that stops early).
fn local_files(root: &Path, limit: usize) -> usize {
    let mut found = 0;
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => dirs.push(entry.path()),
                Ok(t) if t.is_file() => found += 1,
                _ => {}
            }
            if found >= limit {
                return found;
            }
        }
    }
    found
}

/// Local trees given on the command line must exist and be directories.
pub fn local_dir(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(usage(format!("{} is not a directory", path.display()))),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display()))),
    }
}
