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
//! never removed. Symbolic links on the server, and local ones an upload meets, are reported
//! and never followed; a local link where a download lands is followed to the file it names
//! (`local::destination`), as for a single `get`. A tree deeper than
//! [`MAX_DEPTH`] stops there with an error.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail};
use serde::Serialize;
use tokio::io::AsyncReadExt as _;

use super::filter::Filter;
use super::local;
use super::pool::{Done, Failure, Pool, Work, engine_error, is_transient};
use super::sanitize::escape;
use super::settings::usage;
use super::tally::{FileEvent, Summary, Tally, Verified};
use super::target::redact_url;
use crate::engine::{
    DirListing, Error, Inline, LocalHasher, MAX_DEPTH, MtimeMethod, Sequence, Session, SizeCheck, TransferSummary,
    Upload, UploadMode, UploadSequence, Uploaded, join_remote,
};
use crate::proto::ReplyClass;

/// Which way the files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server to local disk.
    Down,
    /// Local disk to server.
    Up,
}

/// When a file that exists on both sides is copied again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Always (`get -r`, `put -r`).
    Always,
    /// When size or time differ, the source being newer (`mirror`, `--if-changed`).
    Changed,
    /// Only when the source is newer (`mirror --newer`); size decides when a time is unknown.
    Newer,
    /// Only when the target has no such file (`get -r --no-clobber`).
    Missing,
}

/// `--verify=strict` against a server without a checksum command: the file fails (exit 5, as
/// for any command the server does not have) instead of being checked by its size alone.
#[derive(Debug, thiserror::Error)]
#[error("the server offers no checksum (HASH, XSHA256, SITE MD5, ...) and --verify=strict needs one")]
pub struct NoChecksum;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// "get", "put" or "mirror", for messages and `--json`.
    pub action: &'static str,
    pub compare: Compare,
    pub delete: bool,
    pub dry_run: bool,
    pub filter: Filter,
    pub atomic: bool,
    pub verify: bool,
    /// With `verify`: a server without a checksum fails the file instead of a size check.
    pub verify_strict: bool,
    pub resume: bool,
    /// With `resume`: a remote file larger than the local one is an error (`put -c`: the
    /// server's copy is not ours to cut) instead of being replaced (mirrors, retries).
    pub refuse_larger_remote: bool,
}

impl SyncOptions {
    /// `get --no-clobber`: never replace a local file, even one that appeared meanwhile.
    pub fn no_clobber(&self) -> bool {
        self.compare == Compare::Missing
    }
}

/// The two roots: a path on the server ("" for the login directory) and a local path.
#[derive(Debug, Clone)]
pub struct Tree {
    pub url: String,
    pub remote: String,
    pub local: PathBuf,
}

impl Tree {
    fn remote_path(&self, rel: &str) -> String {
        if rel.is_empty() { self.remote.clone() } else { join_remote(&self.remote, rel) }
    }

    fn local_path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() { self.local.clone() } else { self.local.join(rel) }
    }

    pub fn shown_url(&self, rel: &str) -> String {
        let base = redact_url(&self.url);
        if rel.is_empty() { base } else { format!("{}/{rel}", base.trim_end_matches('/')) }
    }
}

/// Local names that are not UTF-8 cannot be sent: each becomes a reported failure.
fn unusable_names(rel: &str, names: Vec<String>) -> impl Iterator<Item = Failure> + '_ {
    names.into_iter().map(move |name| {
        let error = anyhow!("the local name {:?} is not UTF-8 and cannot be sent", name);
        Failure { what: join_rel(rel, &name), error }
    })
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// One file to copy.
#[derive(Debug, Clone)]
pub struct FileJob {
    pub rel: String,
    /// The source's size (from the listing or the local file); `None` when the listing had
    /// none, so the download asks SIZE rather than expect an empty file.
    pub size: Option<u64>,
    /// The source's modification time, to give the copy.
    pub mtime: Option<i64>,
    pub reason: &'static str,
    /// A pipelined download of this file failed transiently: resume its part file.
    pub retry: bool,
}

#[derive(Default)]
struct Plan {
    /// Directories to create in the target, parents first (relative paths).
    dirs: Vec<String>,
    files: Vec<FileJob>,
    delete_files: Vec<String>,
    delete_dirs: Vec<String>,
    /// Remote directories that cannot be emptied (unparsed or refused names in them).
    undeletable: Vec<String>,
    skipped: u64,
    failures: Vec<Failure>,
}

/// Size and time of the file on the other side.
#[derive(Debug, Clone, Copy)]
struct Existing {
    size: u64,
    mtime: Option<i64>,
}

pub fn local_mtime(meta: &Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    Some(match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    })
}

/// Why `source` must be copied over `target`, or `None` when it need not.
fn decide(compare: Compare, source: Existing, target: Existing, tolerance: i64) -> Option<&'static str> {
    let newer = match (source.mtime, target.mtime) {
        (Some(s), Some(t)) => Some(s > t + tolerance),
        _ => None,
    };
    match compare {
        Compare::Always => Some("replace"),
        Compare::Changed if source.size != target.size => Some("size differs"),
        Compare::Changed => newer.unwrap_or(false).then_some("newer"),
        Compare::Newer => match newer {
            Some(newer) => newer.then_some("newer"),
            None => (source.size != target.size).then_some("size differs"),
        },
        Compare::Missing => None,
    }
}

/// Local directory entries by name; names that are not UTF-8 cannot travel over FTP as
/// typed text and are reported.
fn read_local_dir(dir: &Path) -> Result<(BTreeMap<String, Metadata>, Vec<String>)> {
    let mut entries = BTreeMap::new();
    let mut unusable = Vec::new();
    let reader = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((entries, unusable)),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {}", dir.display()))),
    };
    for entry in reader {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let meta = entry.metadata().with_context(|| format!("cannot read {}", entry.path().display()))?;
        match entry.file_name().into_string() {
            Ok(name) => {
                entries.insert(name, meta);
            }
            Err(name) => unusable.push(name.to_string_lossy().into_owned()),
        }
    }
    Ok((entries, unusable))
}

/// A local tree deeper than [`MAX_DEPTH`] (an upload's source, or a loop of bind mounts).
fn too_deep(rel: &str) -> anyhow::Error {
    anyhow!("the local directory tree is deeper than {MAX_DEPTH} levels at {}: stopped there", escape(rel))
}

/// The server's tree deeper than [`MAX_DEPTH`]: a protocol failure (exit 8), most likely a
/// server that lists a directory inside every directory.
fn remote_too_deep(rel: &str) -> anyhow::Error {
    anyhow::Error::new(Error::TreeTooDeep { limit: MAX_DEPTH })
        .context(format!("stopped at {} (does the server list a directory inside every directory?)", escape(rel)))
}

/// Tells apart our own part files, which are never deleted by `--delete` while in use.
fn is_part_file(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".pasv-part")
}

// ------------------------------------------------------------------------------------------
// Phase 1: scan

enum ScanJob {
    /// List this directory (relative to the remote root) and compare it with the local one.
    Dir { rel: String, depth: usize },
    /// List a remote directory that is to be deleted, to delete what is in it first.
    Doomed { rel: String, depth: usize },
}

struct Scan<'a> {
    tree: &'a Tree,
    opts: &'a SyncOptions,
    direction: Direction,
    plan: RefCell<Plan>,
    tally: &'a Tally<'a>,
    /// Files seen in listings so far (for `get -r`, every one of them will be copied).
    listed: Cell<usize>,
}

impl Scan<'_> {
    fn refuse(&self, listing: &DirListing, rel: &str) {
        let mut plan = self.plan.borrow_mut();
        for refused in &listing.refused {
            let error = anyhow::Error::new(Error::UnsafeName(refused.reason.clone())).context(format!(
                "refusing the server's name \"{}\" in {}",
                refused.shown,
                self.tree.shown_url(rel)
            ));
            plan.failures.push(Failure { what: join_rel(rel, &refused.shown), error });
        }
        self.tally.unparsed(listing.unparsed.len() as u64);
        for line in &listing.unparsed {
            self.tally.note(&format!(
                "pasv: warning: {}: listing line not understood, skipped: {}",
                self.tree.shown_url(rel),
                escape(line)
            ));
        }
        for link in &listing.links {
            let to = link.link_target.as_deref().map(|t| format!(" -> {}", escape(t))).unwrap_or_default();
            self.tally.note(&format!(
                "pasv: skipping symbolic link {}{to} (links are not followed)",
                escape(&join_rel(rel, &link.name))
            ));
        }
    }

    /// Precise times for files whose decision or copy needs them, when the listing's are
    /// rounded (LIST) and the server has MDTM: one pipelined batch per directory.
    async fn precise_times(&self, session: &mut Session, rel: &str, listing: &mut DirListing) -> Result<()> {
        if listing.precise_times || !session.features().mdtm || listing.files.is_empty() {
            return Ok(());
        }
        let paths: Vec<String> = listing.files.iter().map(|f| self.tree.remote_path(&join_rel(rel, &f.name))).collect();
        let times = session.modified_many(&paths).await?;
        for (file, time) in listing.files.iter_mut().zip(times) {
            if time.is_some() {
                file.modified = time;
            }
        }
        listing.precise_times = true;
        Ok(())
    }

    fn tolerance(listing: &DirListing) -> i64 {
        if listing.precise_times { 1 } else { 60 }
    }

    async fn scan_down(&self, session: &mut Session, rel: &str, depth: usize) -> Result<Vec<ScanJob>> {
        let shown = self.tree.shown_url(rel);
        let mut listing =
            session.list_dir(&self.tree.remote_path(rel)).await.with_context(|| format!("listing {shown}"))?;
        self.listed.set(self.listed.get() + listing.files.len());
        self.refuse(&listing, rel);
        let local_dir = self.tree.local_path(rel);
        let (local, _) = read_local_dir(&local_dir)?;
        self.precise_times(session, rel, &mut listing).await.with_context(|| format!("listing {shown}"))?;
        let tolerance = Self::tolerance(&listing);
        let mut more = Vec::new();
        let mut plan = self.plan.borrow_mut();
        for file in &listing.files {
            let frel = join_rel(rel, &file.name);
            if !self.opts.filter.takes_file(&frel) {
                continue;
            }
            let source = Existing { size: file.size.unwrap_or(0), mtime: file.modified };
            let reason = match local.get(&file.name) {
                None => Some("new"),
                Some(meta) if meta.is_dir() => {
                    let error = anyhow!(
                        "{} is a directory locally but a file on the server",
                        local_dir.join(&file.name).display()
                    );
                    plan.failures.push(Failure { what: frel, error });
                    continue;
                }
                Some(meta) => {
                    // A local link to a file stands for that file (downloads write through
                    // links): compared with it, not with the link itself.
                    let linked = meta.file_type().is_symlink().then(|| std::fs::metadata(local_dir.join(&file.name)));
                    let meta = match &linked {
                        Some(Ok(followed)) if followed.is_file() => followed,
                        _ => meta,
                    };
                    decide(
                        self.opts.compare,
                        source,
                        Existing { size: meta.len(), mtime: local_mtime(meta) },
                        tolerance,
                    )
                }
            };
            match reason {
                Some(reason) => {
                    plan.files.push(FileJob { rel: frel, size: file.size, mtime: file.modified, reason, retry: false })
                }
                None => plan.skipped += 1,
            }
        }
        for dir in &listing.dirs {
            let drel = join_rel(rel, &dir.name);
            if self.opts.filter.skips_dir(&drel) {
                continue;
            }
            match local.get(&dir.name) {
                Some(meta) if !meta.is_dir() => {
                    let error = anyhow!(
                        "{} is a file locally but a directory on the server",
                        local_dir.join(&dir.name).display()
                    );
                    plan.failures.push(Failure { what: drel, error });
                    continue;
                }
                Some(_) => {}
                None => plan.dirs.push(drel.clone()),
            }
            if depth + 1 > MAX_DEPTH {
                plan.failures.push(Failure { what: drel.clone(), error: remote_too_deep(&drel) });
            } else {
                more.push(ScanJob::Dir { rel: drel, depth: depth + 1 });
            }
        }
        if self.opts.delete && listing.unparsed.is_empty() {
            let mut remote_names: HashSet<&str> = HashSet::new();
            for entry in listing.files.iter().chain(&listing.dirs).chain(&listing.links).chain(&listing.others) {
                remote_names.insert(entry.name.as_str());
            }
            let refused: HashSet<&str> = listing.refused.iter().map(|r| r.shown.as_str()).collect();
            for (name, meta) in &local {
                if remote_names.contains(name.as_str()) || refused.contains(name.as_str()) || is_part_file(name) {
                    continue;
                }
                let lrel = join_rel(rel, name);
                if meta.is_dir() {
                    if !self.opts.filter.skips_dir(&lrel) {
                        plan.delete_dirs.push(lrel);
                    }
                } else if self.opts.filter.takes_file(&lrel) {
                    plan.delete_files.push(lrel);
                }
            }
        }
        Ok(more)
    }

    async fn scan_up(&self, session: &mut Session, rel: &str, depth: usize) -> Result<Vec<ScanJob>> {
        let shown = self.tree.shown_url(rel);
        // (An empty LIST of a missing path, vsftpd's answer, is already a 550 from list_dir.)
        let path = self.tree.remote_path(rel);
        let listing = match session.list_dir(&path).await {
            Ok(listing) => Some(listing),
            // The root may not exist yet: then everything is new.
            Err(e) if rel.is_empty() && e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative) => {
                None
            }
            // Some servers answer a listing of a missing directory with a 4xx (ftp-srv: "451
            // ENOENT"): a root that CWD cannot enter is missing; one that it can, failed.
            Err(e) if rel.is_empty() && e.reply_code().is_some_and(|c| c.class() == ReplyClass::TransientNegative) => {
                let exists = session.is_dir(&path).await.with_context(|| format!("listing {shown}"))?;
                if exists {
                    return Err(anyhow::Error::new(e).context(format!("listing {shown}")));
                }
                None
            }
            Err(e) => return Err(anyhow::Error::new(e).context(format!("listing {shown}"))),
        };
        let Some(mut listing) = listing else {
            let mut plan = self.plan.borrow_mut();
            plan.dirs.push(String::new());
            drop(plan);
            self.plan_new_local(rel, depth)?;
            return Ok(Vec::new());
        };
        self.refuse(&listing, rel);
        let local_dir = self.tree.local_path(rel);
        let (local, unusable) = read_local_dir(&local_dir)?;
        if self.opts.compare != Compare::Always {
            self.precise_times(session, rel, &mut listing).await.with_context(|| format!("listing {shown}"))?;
        }
        let tolerance = Self::tolerance(&listing);
        let files: BTreeMap<&str, _> = listing.files.iter().map(|f| (f.name.as_str(), f)).collect();
        let dirs: HashSet<&str> = listing.dirs.iter().map(|d| d.name.as_str()).collect();
        let mut more = Vec::new();
        let mut new_dirs = Vec::new();
        {
            let mut plan = self.plan.borrow_mut();
            plan.failures.extend(unusable_names(rel, unusable));
            for (name, meta) in &local {
                let lrel = join_rel(rel, name);
                if self.skips_link(&lrel, meta) {
                    continue;
                }
                if meta.is_dir() {
                    if self.opts.filter.skips_dir(&lrel) {
                        continue;
                    }
                    if files.contains_key(name.as_str()) {
                        let error = anyhow!("{} is a directory locally but a file on the server", escape(&lrel));
                        plan.failures.push(Failure { what: lrel, error });
                    } else if depth + 1 > MAX_DEPTH {
                        plan.failures.push(Failure { what: lrel.clone(), error: too_deep(&lrel) });
                    } else if dirs.contains(name.as_str()) {
                        more.push(ScanJob::Dir { rel: lrel, depth: depth + 1 });
                    } else {
                        plan.dirs.push(lrel.clone());
                        new_dirs.push(lrel);
                    }
                    continue;
                }
                if !meta.is_file() || !self.opts.filter.takes_file(&lrel) {
                    continue;
                }
                let source = Existing { size: meta.len(), mtime: local_mtime(meta) };
                let reason = if dirs.contains(name.as_str()) {
                    let error = anyhow!("{} is a file locally but a directory on the server", escape(&lrel));
                    plan.failures.push(Failure { what: lrel, error });
                    continue;
                } else {
                    match files.get(name.as_str()) {
                        None => Some("new"),
                        Some(remote) => decide(
                            self.opts.compare,
                            source,
                            Existing { size: remote.size.unwrap_or(u64::MAX), mtime: remote.modified },
                            tolerance,
                        ),
                    }
                };
                match reason {
                    Some(reason) => plan.files.push(FileJob {
                        rel: lrel,
                        size: Some(source.size),
                        mtime: source.mtime,
                        reason,
                        retry: false,
                    }),
                    None => plan.skipped += 1,
                }
            }
            if self.opts.delete {
                for entry in listing.files.iter().chain(&listing.links) {
                    let erel = join_rel(rel, &entry.name);
                    if !local.contains_key(&entry.name) && self.opts.filter.takes_file(&erel) {
                        plan.delete_files.push(erel);
                    }
                }
                for dir in &listing.dirs {
                    let drel = join_rel(rel, &dir.name);
                    if !local.contains_key(&dir.name) && !self.opts.filter.skips_dir(&drel) {
                        more.push(ScanJob::Doomed { rel: drel, depth: depth + 1 });
                    }
                }
            }
        }
        for dir in new_dirs {
            self.plan_new_local(&dir, depth + 1)?;
        }
        Ok(more)
    }

    /// Local symbolic links are reported and never followed: true for one (it is skipped).
    fn skips_link(&self, lrel: &str, meta: &std::fs::Metadata) -> bool {
        let link = meta.file_type().is_symlink();
        if link {
            self.tally.note(&format!("pasv: skipping symbolic link {} (links are not followed)", escape(lrel)));
        }
        link
    }

    /// Everything under the local directory `rel` is new on the server: no listing needed.
    fn plan_new_local(&self, rel: &str, depth: usize) -> Result<()> {
        let (local, unusable) = read_local_dir(&self.tree.local_path(rel))?;
        let mut subdirs = Vec::new();
        {
            let mut plan = self.plan.borrow_mut();
            plan.failures.extend(unusable_names(rel, unusable));
            for (name, meta) in &local {
                let lrel = join_rel(rel, name);
                if self.skips_link(&lrel, meta) {
                    continue;
                }
                if meta.is_dir() {
                    if self.opts.filter.skips_dir(&lrel) {
                        continue;
                    }
                    if depth + 1 > MAX_DEPTH {
                        plan.failures.push(Failure { what: lrel.clone(), error: too_deep(&lrel) });
                        continue;
                    }
                    plan.dirs.push(lrel.clone());
                    subdirs.push(lrel);
                } else if meta.is_file() && self.opts.filter.takes_file(&lrel) {
                    plan.files.push(FileJob {
                        rel: lrel,
                        size: Some(meta.len()),
                        mtime: local_mtime(meta),
                        reason: "new",
                        retry: false,
                    });
                }
            }
        }
        for dir in subdirs {
            self.plan_new_local(&dir, depth + 1)?;
        }
        Ok(())
    }

    /// A remote directory to delete: list it and delete what it holds first.
    async fn scan_doomed(&self, session: &mut Session, rel: &str, depth: usize) -> Result<Vec<ScanJob>> {
        let shown = self.tree.shown_url(rel);
        let listing =
            session.list_dir(&self.tree.remote_path(rel)).await.with_context(|| format!("listing {shown}"))?;
        let mut plan = self.plan.borrow_mut();
        if !listing.unparsed.is_empty() || !listing.refused.is_empty() {
            self.tally.note(&format!(
                "pasv: warning: not deleting {shown}: its listing has names pasv could not parse or use"
            ));
            plan.undeletable.push(rel.to_string());
        } else {
            plan.delete_dirs.push(rel.to_string());
        }
        for entry in listing.files.iter().chain(&listing.links).chain(&listing.others) {
            plan.delete_files.push(join_rel(rel, &entry.name));
        }
        let mut more = Vec::new();
        for dir in &listing.dirs {
            let drel = join_rel(rel, &dir.name);
            if depth + 1 > MAX_DEPTH {
                plan.undeletable.push(drel.clone());
                plan.failures.push(Failure { what: drel.clone(), error: remote_too_deep(&drel) });
            } else {
                more.push(ScanJob::Doomed { rel: drel, depth: depth + 1 });
            }
        }
        Ok(more)
    }
}

impl Work for Scan<'_> {
    type Job = ScanJob;

    async fn run(&self, session: &mut Session, job: &ScanJob, _attempt: u32, _slot: usize) -> Result<Done<ScanJob>> {
        let more = match (job, self.direction) {
            (ScanJob::Dir { rel, depth }, Direction::Down) => self.scan_down(session, rel, *depth).await?,
            (ScanJob::Dir { rel, depth }, Direction::Up) => self.scan_up(session, rel, *depth).await?,
            (ScanJob::Doomed { rel, depth }, _) => self.scan_doomed(session, rel, *depth).await?,
        };
        Ok(Done::more(more))
    }

    fn anticipated(&self) -> usize {
        match (self.opts.dry_run, self.opts.compare) {
            (true, _) => 0,
            // Everything listed will be copied: start opening sessions before the times are in.
            (false, Compare::Always) => self.listed.get().max(self.plan.borrow().files.len()),
            (false, _) => self.plan.borrow().files.len(),
        }
    }

    fn describe(&self, job: &ScanJob) -> String {
        match job {
            ScanJob::Dir { rel, .. } | ScanJob::Doomed { rel, .. } => rel.clone(),
        }
    }

    fn retrying(&self, job: &ScanJob, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, &self.describe(job), error, delay);
    }
}

pub(super) fn retry_note(tally: &Tally<'_>, what: &str, error: &anyhow::Error, delay: Duration) {
    let cause = engine_error(error).map(|e| e.to_string()).unwrap_or_else(|| format!("{error:#}"));
    tally.note(&format!("pasv: {}: {} (retrying in {}s)", escape(what), escape(&cause), delay.as_secs()));
}

// ------------------------------------------------------------------------------------------
// Phase 2: copy

/// Copies files, one per job.
pub struct Copy<'a> {
    pub tree: &'a Tree,
    pub opts: &'a SyncOptions,
    pub direction: Direction,
    pub tally: &'a Tally<'a>,
    /// How this server lets us set modification times: unknown yet (`None`), not at all
    /// (`Some(None)`), or with this method.
    mtime_method: Cell<Option<Option<MtimeMethod>>>,
    /// "no checksum on this server" was said once.
    checksum_noted: Cell<bool>,
}

impl<'a> Copy<'a> {
    pub fn new(tree: &'a Tree, opts: &'a SyncOptions, direction: Direction, tally: &'a Tally<'a>) -> Self {
        Self { tree, opts, direction, tally, mtime_method: Cell::new(None), checksum_noted: Cell::new(false) }
    }

    async fn download(&self, session: &mut Session, job: &FileJob, attempt: u32) -> Result<()> {
        let remote = self.tree.remote_path(&job.rel);
        let local_path = self.tree.local_path(&job.rel);
        let mut progress = self.tally.transfer();
        // The listing's size saves a SIZE; a retry asks again in case the file changed.
        let retry = attempt > 0 || job.retry;
        let size = if retry { None } else { job.size };
        let resume = self.opts.resume || retry;
        let fetched =
            local::fetch(session, &remote, &local_path, resume, self.opts.no_clobber(), size, progress.as_mut())
                .await?;
        let mut verified = fetched.summary.total.map(|_| "size");
        if self.opts.verify
            && let Some(part) = &fetched.part
        {
            // Checked before it takes the target's name: a copy that does not match never
            // replaces the local file, not even for a moment.
            match self.verify(session, &remote, part).await {
                Ok(Some(algorithm)) => verified = Some(algorithm),
                Ok(None) => {}
                Err(e) => return Err(e.context(format!("the download stays in {}", part.display()))),
            }
        }
        let mtime = match job.mtime {
            Some(t) if !retry => Some(t),
            _ => session.modified(&remote).await.ok().or(job.mtime),
        };
        let summary = fetched.commit(self.opts.no_clobber(), mtime)?;
        self.report(job, &summary, verified.into());
        Ok(())
    }

    async fn upload(&self, session: &mut Session, job: &FileJob, attempt: u32) -> Result<()> {
        let remote = self.tree.remote_path(&job.rel);
        let local_path = self.tree.local_path(&job.rel);
        let destination = if self.opts.atomic { temp_name(&remote) } else { remote.clone() };
        // Read in place (engine::Inline), as downloads are written: for many small files the
        // blocking pool's hand-overs (open, size, two reads) cost more than the reads.
        let file = std::fs::File::open(&local_path).with_context(|| format!("cannot open {}", local_path.display()))?;
        let len = file.metadata().with_context(|| format!("cannot read {}", local_path.display()))?.len();
        let mut file = Inline(file);
        let mut mode = UploadMode::Replace;
        if self.opts.resume || attempt > 0 || job.retry {
            // Continue what an earlier attempt left on the server (APPE after its size);
            // `put -c` refuses a larger remote file, as for a single file.
            let refuse_larger = self.opts.refuse_larger_remote && attempt == 0;
            mode = super::oneshot::resume_point(session, &destination, &mut file, len, refuse_larger).await?;
        }
        let remaining = match mode {
            UploadMode::Append { offset } => len - offset,
            UploadMode::Replace => len,
        };
        let mut progress = self.tally.transfer();
        // Once a method is known to work, the time goes out with the size check, so a file
        // whose size turns out wrong has the local time already. Not with --verify (the time
        // is set once the checksum matches) nor --newer (later runs would trust that time
        // alone); the other comparisons look at the size too.
        let stamp = match (job.mtime, self.mtime_method.get()) {
            (Some(t), Some(Some(method))) if !self.opts.verify && self.opts.compare != Compare::Newer => {
                Some((t, method))
            }
            _ => None,
        };
        let (summary, stamped) = if remaining == 0 && matches!(mode, UploadMode::Append { .. }) {
            let summary = TransferSummary {
                bytes: 0,
                offset: len,
                total: Some(len),
                elapsed: Duration::ZERO,
                tls: None,
                size_check: SizeCheck::None,
            };
            (summary, None)
        } else {
            let mut uploaded =
                session.upload_stamped(&mut file, &destination, mode, Some(remaining), stamp, progress.as_mut()).await;
            // A temporary name left by an interrupted run, on a server that will not overwrite
            // (ProFTPD's default): it is ours to delete, then the upload goes again.
            // A server without APPE (twisted): the whole file again, in place of the rest.
            if let Err(e) = &uploaded
                && matches!(mode, UploadMode::Append { .. })
                && e.is_not_implemented("APPE")
            {
                use std::io::Seek as _;
                file.0.rewind().with_context(|| format!("cannot read {}", local_path.display()))?;
                mode = UploadMode::Replace;
                uploaded =
                    session.upload_stamped(&mut file, &destination, mode, Some(len), stamp, progress.as_mut()).await;
            }
            if let Err(e) = &uploaded
                && self.opts.atomic
                && mode == UploadMode::Replace
                && e.is_refused_store()
                && session.remove(&destination).await.is_ok()
            {
                use std::io::Seek as _;
                file.0.rewind().with_context(|| format!("cannot read {}", local_path.display()))?;
                uploaded = session
                    .upload_stamped(&mut file, &destination, mode, Some(remaining), stamp, progress.as_mut())
                    .await;
            }
            uploaded
                .with_context(|| format!("uploading {} to {}", local_path.display(), self.tree.shown_url(&job.rel)))?
        };
        drop(progress);
        if summary.size_check == SizeCheck::Gone {
            if self.opts.atomic || self.opts.verify {
                return Err(self.moved_away(job, destination));
            }
            self.report(job, &summary, self.upload_verified(job, &summary));
            return Ok(());
        }
        let mut verified = self.upload_verified(job, &summary);
        if self.opts.verify
            && let Some(algorithm) = self.verify(session, &destination, &local_path).await?
        {
            verified = Verified::By(algorithm);
        }
        match (job.mtime, stamped) {
            (_, Some(Ok(()))) => {}
            // Refused after working for earlier files: this file keeps the upload's time.
            (_, Some(Err(_))) => {}
            (Some(t), None) => self.set_remote_mtime(session, &destination, t).await?,
            (None, None) => {}
        }
        if self.opts.atomic {
            rename_into_place(session, &destination, &remote).await?;
        }
        self.report(job, &summary, verified);
        Ok(())
    }

    /// How an upload was checked, from its size check. A file the server took away as soon
    /// as it confirmed it (a drop-box directory) is a success all the same, said on stderr.
    fn upload_verified(&self, job: &FileJob, summary: &TransferSummary) -> Verified<'static> {
        if summary.size_check == SizeCheck::Gone {
            let shown = self.tree.shown_url(&job.rel);
            self.tally.note(&format!("pasv: note: {}: accepted, no longer listed: not verified", escape(&shown)));
        }
        size_verified(summary.size_check)
    }

    /// The error for an upload the server moved away at once when `--atomic` or `--verify`
    /// has to find it again: their guarantee cannot be kept.
    fn moved_away(&self, job: &FileJob, path: String) -> anyhow::Error {
        let local_path = self.tree.local_path(&job.rel);
        let why = if self.opts.atomic { "--atomic cannot rename it into place" } else { "--verify cannot check it" };
        anyhow::Error::new(Error::MovedAway { path }).context(format!(
            "uploading {} to {} ({why})",
            local_path.display(),
            self.tree.shown_url(&job.rel)
        ))
    }

    /// Gives `remote` the time `unix` with the first method this server accepts, remembered
    /// for the files after it.
    async fn set_remote_mtime(&self, session: &mut Session, remote: &str, unix: i64) -> Result<()> {
        let methods = match self.mtime_method.get() {
            Some(None) => return Ok(()),
            Some(Some(method)) => vec![method],
            None => session.mtime_methods(),
        };
        for method in methods {
            match session.set_modified(remote, unix, method).await {
                Ok(()) => {
                    self.learn_mtime_method(Some(method));
                    return Ok(());
                }
                Err(e) if e.reply_code().is_some() => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.learn_mtime_method(None);
        Ok(())
    }

    /// Remembers how this server takes modification times (`None`: not at all, said once).
    fn learn_mtime_method(&self, method: Option<MtimeMethod>) {
        let known = self.mtime_method.replace(Some(method));
        if method.is_none() && known.is_none() {
            self.tally
                .note("pasv: note: the server does not let clients set modification times (MFMT, SITE UTIME, MDTM)");
        }
    }

    /// Compares the server's checksum of `remote` with the local file's; returns the
    /// algorithm on a match, `None` when the server offers no checksum.
    pub(super) async fn verify(
        &self,
        session: &mut Session,
        remote: &str,
        local_path: &Path,
    ) -> Result<Option<&'static str>> {
        let Some(theirs) = session.checksum(remote).await.with_context(|| format!("checksum of {remote}"))? else {
            if self.opts.verify_strict {
                return Err(NoChecksum.into());
            }
            if !self.checksum_noted.replace(true) {
                self.tally.note(
                    "pasv: note: the server offers no checksum (HASH, XSHA256, SITE MD5, ...): verified by size \
                     only (--verify=strict fails instead)",
                );
            }
            return Ok(None);
        };
        let ours = hash_file(local_path, theirs.algorithm).await?;
        if ours != theirs.hex {
            bail!(
                "{} checksum mismatch for {}: the server has {}, the local copy {ours}",
                theirs.algorithm.name(),
                escape(remote),
                theirs.hex
            );
        }
        Ok(Some(theirs.algorithm.name()))
    }

    fn report(&self, job: &FileJob, summary: &crate::engine::TransferSummary, verified: Verified<'_>) {
        let action = match self.direction {
            Direction::Down => "get",
            Direction::Up => "put",
        };
        let path = if job.rel.is_empty() { self.tree.local.to_string_lossy().into_owned() } else { job.rel.clone() };
        self.tally.file_done(&FileEvent {
            action,
            path: &path,
            url: &self.tree.shown_url(&job.rel),
            bytes: summary.bytes,
            offset: summary.offset,
            total: summary.total,
            seconds: summary.elapsed.as_secs_f64(),
            verified,
        });
    }
}

impl Work for Copy<'_> {
    type Job = FileJob;

    async fn run(&self, session: &mut Session, job: &FileJob, attempt: u32, _slot: usize) -> Result<Done<FileJob>> {
        match self.direction {
            Direction::Down => self.download(session, job, attempt).await?,
            Direction::Up => self.upload(session, job, attempt).await?,
        }
        Ok(Done::nothing())
    }

    fn describe(&self, job: &FileJob) -> String {
        if job.rel.is_empty() { self.tree.shown_url("") } else { job.rel.clone() }
    }

    fn retrying(&self, job: &FileJob, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, &self.describe(job), error, delay);
    }
}

/// Copies without `--verify` or `-c`: every session works through one shared list of files
/// as a single pipelined sequence ([`Session::fetch_sequence`] down,
/// [`Session::store_sequence`] up). Files that fail transiently, or that were in flight when
/// a session broke, are left for the one-by-one path, which resumes them.
struct Lanes<'a> {
    copy: &'a Copy<'a>,
    retries: u32,
    queue: RefCell<VecDeque<FileJob>>,
    later: RefCell<Vec<FileJob>>,
    failures: RefCell<Vec<Failure>>,
    /// Atomic uploads stored whole whose rename the server refused: renamed afterwards the
    /// one-by-one way (which deletes the old file first where the server insists).
    unrenamed: RefCell<Vec<(FileJob, TransferSummary)>>,
}

struct Lane<'l, 'a> {
    lanes: &'l Lanes<'a>,
    /// Handed out by `next`, not finished yet (at most two: the one in flight and the next).
    inflight: VecDeque<FileJob>,
    progress: Box<dyn crate::engine::Progress>,
}

impl Sequence for Lane<'_, '_> {
    type Sink = Inline<std::fs::File>;

    fn next(&mut self) -> Option<(String, u64)> {
        let job = self.lanes.queue.borrow_mut().pop_front()?;
        let item = (self.lanes.copy.tree.remote_path(&job.rel), job.size.unwrap_or(0));
        self.inflight.push_back(job);
        Some(item)
    }

    async fn open(&mut self, _remote: &str) -> Result<Inline<std::fs::File>, Error> {
        let Some(job) = self.inflight.front() else {
            return Err(Error::Cancelled);
        };
        let part = local::part_path(&self.lanes.copy.tree.local_path(&job.rel));
        // Created in place too, not on the blocking pool: 2000 x 4 KiB with -j 8 on loopback
        // took 0.27 s of pasv CPU instead of 0.36 s, on tmpfs and on ext4 alike.
        let file = std::fs::File::create(&part).map_err(|source| Error::Local { path: part, source })?;
        Ok(Inline(file))
    }

    fn progress(&mut self) -> &mut dyn crate::engine::Progress {
        self.progress.as_mut()
    }

    async fn finish(
        &mut self,
        remote: &str,
        sink: Option<Inline<std::fs::File>>,
        result: Result<TransferSummary, Error>,
    ) {
        let Some(job) = self.inflight.pop_front() else { return };
        let copy = self.lanes.copy;
        let target = copy.tree.local_path(&job.rel);
        let part = local::part_path(&target);
        let outcome = match (result, sink) {
            (Ok(summary), Some(Inline(file))) => {
                local::commit(&part, &target, Some(file), copy.opts.no_clobber(), job.mtime).map(|()| summary)
            }
            (Ok(_), None) => Err(anyhow::Error::new(Error::Cancelled)),
            (Err(e), _) => Err(anyhow::Error::new(e)),
        };
        match outcome {
            Ok(summary) => copy.report(&job, &summary, Verified::By("size")),
            Err(error) => {
                let Some(error) = self.lanes.retry_later(job.clone(), error) else { return };
                if std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) == 0 {
                    let _ = std::fs::remove_file(&part);
                }
                let error = error.context(format!("downloading {}", escape(remote)));
                self.lanes.failures.borrow_mut().push(Failure { what: job.rel, error });
            }
        }
    }
}

impl Lanes<'_> {
    /// A file that failed in a lane: kept for the one-by-one path when the failure is
    /// transient and retries are allowed, else the error is handed back.
    fn retry_later(&self, job: FileJob, error: anyhow::Error) -> Option<anyhow::Error> {
        if self.retries == 0 || !is_transient(&error) {
            return Some(error);
        }
        let cause = engine_error(&error).map(|e| e.to_string()).unwrap_or_else(|| format!("{error:#}"));
        self.copy.tally.note(&format!("pasv: {}: {} (will be retried)", escape(&job.rel), escape(&cause)));
        self.later.borrow_mut().push(FileJob { retry: true, ..job });
        None
    }
}

impl UploadSequence for Lane<'_, '_> {
    type Source = Inline<std::fs::File>;

    fn next(&mut self) -> Option<Upload<Inline<std::fs::File>>> {
        let copy = self.lanes.copy;
        loop {
            let job = self.lanes.queue.borrow_mut().pop_front()?;
            let local_path = copy.tree.local_path(&job.rel);
            // Read in place, as in Copy::upload.
            let opened = std::fs::File::open(&local_path).and_then(|file| Ok((file.metadata()?.len(), file)));
            let (len, file) = match opened {
                Ok(opened) => opened,
                Err(e) => {
                    let error = anyhow::Error::new(e).context(format!("cannot open {}", local_path.display()));
                    self.lanes.failures.borrow_mut().push(Failure { what: job.rel, error });
                    continue;
                }
            };
            let remote = copy.tree.remote_path(&job.rel);
            // Unknown yet (`None`): the engine tries this server's methods.
            let stamp = match (job.mtime, copy.mtime_method.get()) {
                (Some(t), Some(method)) => method.map(|m| (t, Some(m))),
                (Some(t), None) => Some((t, None)),
                (None, _) => None,
            };
            let (destination, rename_to) =
                if copy.opts.atomic { (temp_name(&remote), Some(remote)) } else { (remote, None) };
            self.inflight.push_back(job);
            return Some(Upload { source: Inline(file), remote: destination, len, stamp, rename_to });
        }
    }

    fn progress(&mut self) -> &mut dyn crate::engine::Progress {
        self.progress.as_mut()
    }

    async fn finish(&mut self, result: Result<Uploaded, Error>) {
        let Some(job) = self.inflight.pop_front() else { return };
        let copy = self.lanes.copy;
        if let Ok(Uploaded { stamped: Some(stamped), .. }) = &result {
            copy.learn_mtime_method(stamped.as_ref().ok().copied());
        }
        match result {
            Ok(Uploaded { summary, renamed: Some(Err(_)), .. }) => {
                self.lanes.unrenamed.borrow_mut().push((job, summary));
            }
            Ok(uploaded) => copy.report(&job, &uploaded.summary, copy.upload_verified(&job, &uploaded.summary)),
            // Maybe a temporary name left by an interrupted run: the one-by-one way deletes it.
            Err(e) if copy.opts.atomic && e.is_refused_store() => self.lanes.later.borrow_mut().push(job),
            Err(Error::MovedAway { path }) => {
                let error = copy.moved_away(&job, path);
                self.lanes.failures.borrow_mut().push(Failure { what: job.rel, error });
            }
            Err(e) => {
                let Some(error) = self.lanes.retry_later(job.clone(), anyhow::Error::new(e)) else { return };
                let local_path = copy.tree.local_path(&job.rel);
                let error =
                    error.context(format!("uploading {} to {}", local_path.display(), copy.tree.shown_url(&job.rel)));
                self.lanes.failures.borrow_mut().push(Failure { what: job.rel, error });
            }
        }
    }
}

impl Work for Lanes<'_> {
    type Job = ();

    async fn run(&self, session: &mut Session, _job: &(), _attempt: u32, _slot: usize) -> Result<Done<()>> {
        let mut lane = Lane { lanes: self, inflight: VecDeque::new(), progress: self.copy.tally.transfer() };
        let ended = match self.copy.direction {
            Direction::Down => session.fetch_sequence(&mut lane).await,
            Direction::Up => session.store_sequence(&mut lane).await,
        };
        match ended {
            Ok(()) => Ok(Done::nothing()),
            Err(e) => {
                // The session is out of step: what it had in hand goes the one-by-one way.
                let e = escape(&e.to_string()).into_owned();
                self.copy.tally.note(&format!("pasv: warning: {e}; continuing on another connection"));
                let mut later = self.later.borrow_mut();
                later.extend(lane.inflight.drain(..).map(|job| FileJob { retry: true, ..job }));
                Ok(Done { more: Vec::new(), keep_session: false })
            }
        }
    }

    fn describe(&self, _job: &()) -> String {
        match self.copy.direction {
            Direction::Down => "downloads".into(),
            Direction::Up => "uploads".into(),
        }
    }

    fn retrying(&self, _job: &(), _error: &anyhow::Error, _delay: Duration) {}
}

/// Phase 2 for downloads: pipelined lanes, then the one-by-one path for what is left.
async fn download_files(pool: &mut Pool<'_>, copy: &Copy<'_>, files: Vec<FileJob>) -> Vec<Failure> {
    if copy.opts.verify || copy.opts.resume {
        return pool.run(copy, files).await;
    }
    // A pipelined RETR needs the size to check the byte count; the others ask SIZE first.
    // Targets that are links, devices or pipes go one by one too: `local::fetch` follows the
    // links and writes through the rest, where a lane would rename a part file over them.
    let (sized, unsized_): (Vec<FileJob>, Vec<FileJob>) =
        files.into_iter().partition(|f| f.size.is_some() && local::is_plain(&copy.tree.local_path(&f.rel)));
    let mut failures = run_lanes(pool, copy, sized).await;
    if !unsized_.is_empty() {
        failures.append(&mut pool.run(copy, unsized_).await);
    }
    failures
}

/// Phase 2 for uploads: pipelined lanes, then the one-by-one path for what is left.
/// `--newer` stays one by one: pipelined, a file's time goes out with its size check, and a
/// later `--newer` run would trust the time of a file whose size turned out wrong.
pub(crate) async fn upload_files(pool: &mut Pool<'_>, copy: &Copy<'_>, files: Vec<FileJob>) -> Vec<Failure> {
    if copy.opts.verify || copy.opts.resume || copy.opts.compare == Compare::Newer {
        return pool.run(copy, files).await;
    }
    run_lanes(pool, copy, files).await
}

/// `files` through pipelined lanes on up to the pool's limit of sessions; what they leave
/// (transient failures, files in flight when a session broke) goes the one-by-one way.
async fn run_lanes(pool: &mut Pool<'_>, copy: &Copy<'_>, files: Vec<FileJob>) -> Vec<Failure> {
    let lanes = Lanes {
        copy,
        retries: pool.retries(),
        queue: RefCell::new(files.into()),
        later: RefCell::default(),
        failures: RefCell::default(),
        unrenamed: RefCell::default(),
    };
    let count = lanes.queue.borrow().len().min(pool.limit());
    let pipelined = pool.pipelines();
    let mut failures = pool.run(&lanes, vec![(); count]).await;
    if pipelined && !pool.pipelines() {
        copy.tally.note("pasv: note: the server did not take transfers sent ahead; the files went one at a time");
    }
    failures.append(&mut lanes.failures.into_inner());
    let unrenamed = lanes.unrenamed.into_inner();
    if !unrenamed.is_empty() {
        failures.append(&mut rename_later(pool, copy, unrenamed).await);
    }
    let mut rest: Vec<FileJob> = lanes.queue.into_inner().into();
    rest.append(&mut lanes.later.into_inner());
    if !rest.is_empty() {
        failures.append(&mut pool.run(copy, rest).await);
    }
    failures
}

/// How an upload was checked, as its size check found it.
pub(super) fn size_verified(check: SizeCheck) -> Verified<'static> {
    match check {
        SizeCheck::Matched => Verified::By("size"),
        SizeCheck::None => Verified::Unchecked,
        SizeCheck::Gone => Verified::Gone,
    }
}

/// Renames atomic uploads whose pipelined rename the server refused, with the one-by-one
/// fallback (the old file deleted first).
async fn rename_later(
    pool: &mut Pool<'_>,
    copy: &Copy<'_>,
    unrenamed: Vec<(FileJob, TransferSummary)>,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut session = match pool.take().await {
        Ok(session) => session,
        Err(error) => {
            return unrenamed
                .into_iter()
                .map(|(job, ..)| Failure { what: job.rel, error: anyhow!("{error:#}") })
                .collect();
        }
    };
    for (job, summary) in unrenamed {
        let remote = copy.tree.remote_path(&job.rel);
        match rename_into_place(&mut session, &temp_name(&remote), &remote).await {
            Ok(()) => copy.report(&job, &summary, copy.upload_verified(&job, &summary)),
            Err(error) => failures.push(Failure { what: job.rel, error }),
        }
    }
    pool.put_back(session);
    failures
}

/// `.NAME.pasv-part` beside `remote`: where an atomic upload goes until it is verified.
fn temp_name(remote: &str) -> String {
    match remote.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.pasv-part"),
        None => format!(".{remote}.pasv-part"),
    }
}

/// The file a transfer is for, as progress shows it: the NAME of an atomic upload's
/// temporary `.NAME.pasv-part` (the engine reports the name it stores to).
pub(super) fn shown_name(name: &str) -> &str {
    name.strip_prefix('.').and_then(|n| n.strip_suffix(".pasv-part")).filter(|n| !n.is_empty()).unwrap_or(name)
}

/// RNFR/RNTO; servers that will not rename over an existing file get it deleted first
/// (readers then see no file for a moment, never a partial one).
pub(crate) async fn rename_into_place(session: &mut Session, from: &str, to: &str) -> Result<()> {
    match session.rename(from, to).await {
        Ok(()) => Ok(()),
        Err(e) if e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative) => {
            if session.remove(to).await.is_err() {
                return Err(anyhow::Error::new(e).context(format!("renaming {from} to {to}")));
            }
            session.rename(from, to).await.with_context(|| format!("renaming {from} to {to}"))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("renaming {from} to {to}"))),
    }
}

pub async fn hash_file(path: &Path, algorithm: crate::engine::HashAlgorithm) -> Result<String> {
    let mut file = tokio::fs::File::open(path).await.with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = LocalHasher::new(algorithm);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await.with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish())
}

// ------------------------------------------------------------------------------------------
// Phase 3: delete

struct Delete<'a> {
    tree: &'a Tree,
    tally: &'a Tally<'a>,
    dirs: bool,
}

impl Work for Delete<'_> {
    type Job = String;

    async fn run(&self, session: &mut Session, rel: &String, _attempt: u32, _slot: usize) -> Result<Done<String>> {
        let remote = self.tree.remote_path(rel);
        let shown = self.tree.shown_url(rel);
        if self.dirs {
            session.rmdir(&remote).await.with_context(|| format!("removing {shown}"))?;
        } else {
            session.remove(&remote).await.with_context(|| format!("deleting {shown}"))?;
        }
        self.tally.deleted(1);
        Ok(Done::nothing())
    }

    fn describe(&self, rel: &String) -> String {
        rel.clone()
    }

    fn retrying(&self, rel: &String, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, rel, error, delay);
    }
}

// ------------------------------------------------------------------------------------------
// The whole run

#[derive(Serialize)]
struct PlanLine<'a> {
    action: &'static str,
    op: &'static str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn print_plan(out: &super::render::Output, plan: &Plan, direction: Direction) -> Result<()> {
    let copy = match direction {
        Direction::Down => "get",
        Direction::Up => "put",
    };
    let mut lines = Vec::new();
    for dir in &plan.dirs {
        lines.push(("mkdir", dir.as_str(), None, None));
    }
    for file in &plan.files {
        lines.push((copy, file.rel.as_str(), file.size, Some(file.reason)));
    }
    for file in &plan.delete_files {
        lines.push(("delete", file.as_str(), None, None));
    }
    for dir in &plan.delete_dirs {
        lines.push(("rmdir", dir.as_str(), None, None));
    }
    for (op, path, bytes, reason) in lines {
        let shown = if path.is_empty() { "." } else { path };
        if out.json() {
            out.json_line(&PlanLine { action: "plan", op, path: shown, bytes, reason })?;
        } else {
            let detail = match (bytes, reason) {
                (Some(b), Some(r)) => format!(" ({}, {r})", indicatif::BinaryBytes(b)),
                _ => String::new(),
            };
            out.line(&format!("{op} {}{detail}", out.text(shown)))?;
        }
    }
    Ok(())
}

/// Syncs `tree` in `direction` on `pool`; the pool stays open for the caller.
pub async fn sync(
    pool: &mut Pool<'_>,
    tree: &Tree,
    direction: Direction,
    opts: &SyncOptions,
    tally: &mut Tally<'_>,
) -> Result<Summary> {
    if direction == Direction::Down && !opts.dry_run {
        std::fs::create_dir_all(&tree.local).with_context(|| format!("cannot create {}", tree.local.display()))?;
    }
    // Phase 1: scan.
    let scan = Scan { tree, opts, direction, plan: RefCell::default(), tally: &*tally, listed: Cell::new(0) };
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
        tally.failed(failures.len() as u64);
        tally.planned(plan.files.len() as u64, plan.files.iter().filter_map(|f| f.size).sum());
        tally.deleted((plan.delete_files.len() + plan.delete_dirs.len()) as u64);
        let summary = tally.finish(opts.action, true);
        return conclude(failures, summary);
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
            let mut session = pool.take().await?;
            for dir in &plan.dirs {
                let remote = tree.remote_path(dir);
                let made = if dir.is_empty() { session.mkdir_all(&remote).await } else { session.mkdir(&remote).await };
                if let Err(e) = made {
                    pool.put_back(session);
                    return Err(anyhow::Error::new(e).context(format!("creating {}", tree.shown_url(dir))));
                }
            }
            pool.put_back(session);
        }
        Direction::Up => {}
    }
    let bytes: u64 = plan.files.iter().filter_map(|f| f.size).sum();
    tally.begin(plan.files.len() as u64, bytes);
    let copy = Copy::new(tree, opts, direction, &*tally);
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
    wrap_up(pool, tally, opts.action, failures)
}

/// The end of a multi-file run: the summary, a note when the server took fewer sessions than
/// asked, then every failure reported and turned into the command's error.
pub(super) fn wrap_up(
    pool: &Pool<'_>,
    tally: &mut Tally<'_>,
    action: &'static str,
    failures: Vec<Failure>,
) -> Result<Summary> {
    tally.failed(failures.len() as u64);
    let summary = tally.finish(action, false);
    if let Some(n) = pool.backed_off {
        tally.note(&format!("pasv: note: the server accepted only {n} parallel session(s)"));
    }
    conclude(failures, summary)
}

/// Reports every failure and turns them into the command's error (the first one's class
/// decides the exit code).
fn conclude(failures: Vec<Failure>, summary: Summary) -> Result<Summary> {
    let total = failures.len();
    let mut failures = failures.into_iter();
    let Some(first) = failures.next() else {
        return Ok(summary);
    };
    for other in failures {
        eprintln!("pasv: error: {}: {}", escape(&other.what), escape(&format!("{:#}", other.error)));
    }
    if total > 1 {
        return Err(first.error.context(format!("{total} problems (the others are listed above); the first")));
    }
    Err(first.error)
}

/// Local trees given on the command line must exist and be directories.
pub fn local_dir(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(usage(format!("{} is not a directory", path.display()))),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_what_to_copy() {
        let f = |size, mtime| Existing { size, mtime };
        assert_eq!(decide(Compare::Always, f(1, Some(5)), f(1, Some(5)), 1), Some("replace"));
        assert_eq!(decide(Compare::Changed, f(1, Some(5)), f(1, Some(5)), 1), None);
        assert_eq!(decide(Compare::Changed, f(2, Some(5)), f(1, Some(5)), 1), Some("size differs"));
        assert_eq!(decide(Compare::Changed, f(1, Some(100)), f(1, Some(5)), 1), Some("newer"));
        // The target is newer and the same size: a copy made earlier, left alone.
        assert_eq!(decide(Compare::Changed, f(1, Some(5)), f(1, Some(100)), 1), None);
        assert_eq!(decide(Compare::Newer, f(2, Some(5)), f(1, Some(100)), 1), None);
        assert_eq!(decide(Compare::Newer, f(2, None), f(1, Some(100)), 1), Some("size differs"));
        assert_eq!(decide(Compare::Changed, f(1, Some(50)), f(1, Some(5)), 60), None);
        assert_eq!(decide(Compare::Missing, f(2, Some(100)), f(1, Some(5)), 1), None);
    }

    #[test]
    fn names_temporary_uploads() {
        assert_eq!(temp_name("dir/a.zip"), "dir/.a.zip.pasv-part");
        assert_eq!(temp_name("a.zip"), ".a.zip.pasv-part");
        assert!(is_part_file(".a.zip.pasv-part"));
        assert_eq!(shown_name(".a.zip.pasv-part"), "a.zip");
        assert_eq!(shown_name("a.zip"), "a.zip");
        assert_eq!(shown_name("..pasv-part"), "..pasv-part");
        assert!(!is_part_file("a.zip"));
    }
}
