//! Phase 1 of a sync: list the remote directories (in parallel) and compare each with its
//! local counterpart, deciding per file: copy, skip (unchanged) or delete.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::Metadata;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};

use super::plan::Plan;
use crate::app::part_names::is_part_file;
use crate::app::sanitize::escape;
use crate::app::tally::Tally;
use crate::app::transfer::job::{Compare, Direction, FileJob, SyncOptions, Tree, join_rel, local_mtime};
use crate::app::transfer::pool::{Done, Failure, Work};
use crate::app::transfer::run::retry_note;
use crate::engine::{DirListing, Error, MAX_DEPTH, Session};
use crate::proto::ReplyClass;

/// Local names that are not UTF-8 cannot be sent: each becomes a reported failure.
pub(crate) fn unusable_names(rel: &str, names: Vec<String>) -> impl Iterator<Item = Failure> + '_ {
    names.into_iter().map(move |name| {
        let error = anyhow!("the local name {:?} is not UTF-8 and cannot be sent", name);
        Failure { what: join_rel(rel, &name), error }
    })
}

/// Size and time of the file on the other side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Existing {
    pub(crate) size: u64,
    pub(crate) mtime: Option<i64>,
}

/// Why `source` must be copied over `target`, or `None` when it need not.
pub(crate) fn decide(compare: Compare, source: Existing, target: Existing, tolerance: i64) -> Option<&'static str> {
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
pub(crate) fn read_local_dir(dir: &Path) -> Result<(BTreeMap<String, Metadata>, Vec<String>)> {
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
pub(crate) fn too_deep(rel: &str) -> anyhow::Error {
    anyhow!("the local directory tree is deeper than {MAX_DEPTH} levels at {}: stopped there", escape(rel))
}

/// The server's tree deeper than [`MAX_DEPTH`]: a protocol failure (exit 8), most likely a
/// server that lists a directory inside every directory.
pub(crate) fn remote_too_deep(rel: &str) -> anyhow::Error {
    anyhow::Error::new(Error::TreeTooDeep { limit: MAX_DEPTH })
        .context(format!("stopped at {} (does the server list a directory inside every directory?)", escape(rel)))
}

/// Kinds of entries, as [`entries`] tells them apart.
pub(crate) const FILE: u8 = 0;
pub(crate) const DIR: u8 = 1;
pub(crate) const LINK: u8 = 2;
pub(crate) const OTHER: u8 = 3;
pub(crate) const REFUSED: u8 = 4;

/// Every entry of a listing by kind and name: two listings agree when these are equal.
pub(crate) fn entries(listing: &DirListing) -> BTreeSet<(u8, &str)> {
    let kinds = [(FILE, &listing.files), (DIR, &listing.dirs), (LINK, &listing.links), (OTHER, &listing.others)];
    let named = kinds.into_iter().flat_map(|(kind, list)| list.iter().map(move |e| (kind, e.name.as_str())));
    named.chain(listing.refused.iter().map(|r| (REFUSED, r.shown.as_str()))).collect()
}

/// Every name a listing has (refused ones as shown).
pub(crate) fn entry_names(listing: &DirListing) -> HashSet<&str> {
    entries(listing).into_iter().map(|(_, name)| name).collect()
}

pub(crate) enum ScanJob {
    /// List this directory (relative to the remote root) and compare it with the local one.
    Dir { rel: String, depth: usize },
    /// List a remote directory that is to be deleted, to delete what is in it first.
    Doomed { rel: String, depth: usize },
}

pub(crate) struct Scan<'a> {
    pub(crate) tree: &'a Tree,
    pub(crate) opts: &'a SyncOptions,
    pub(crate) direction: Direction,
    pub(crate) plan: RefCell<Plan>,
    pub(crate) tally: &'a Tally<'a>,
    /// Files seen in listings so far (for `get -r`, every one of them will be copied); for
    /// `put -r`, the local files counted before the scan (up to the pool's width), so that
    /// the sessions to upload them log in while the first one lists the server.
    pub(crate) listed: Cell<usize>,
}

impl Scan<'_> {
    pub(crate) fn refuse(&self, listing: &DirListing, rel: &str) {
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
    pub(crate) async fn precise_times(&self, session: &mut Session, rel: &str, listing: &mut DirListing) -> Result<()> {
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

    pub(crate) fn tolerance(listing: &DirListing) -> i64 {
        if listing.precise_times { 1 } else { 60 }
    }

    pub(crate) async fn scan_down(&self, session: &mut Session, rel: &str, depth: usize) -> Result<Done<ScanJob>> {
        let shown = self.tree.shown_url(rel);
        let mut listing =
            session.list_dir(&self.tree.remote_path(rel)).await.with_context(|| format!("listing {shown}"))?;
        let local_dir = self.tree.local_path(rel);
        let (local, _) = read_local_dir(&local_dir)?;
        // --delete: a name the server's listing lacks is deleted only if a second listing
        // lacks it too and the two agree on everything (a listing cut at a line end looks
        // whole). A second listing that fails holds the deletes back as well.
        // Times first: a second listing that fails (below) leaves the session unusable.
        self.precise_times(session, rel, &mut listing).await.with_context(|| format!("listing {shown}"))?;
        let mut deletes = self.opts.delete && listing.unparsed.is_empty();
        let mut keep = true;
        if deletes {
            let listed = entry_names(&listing);
            let doomed = |(name, meta): (&String, &std::fs::Metadata)| {
                !listed.contains(name.as_str())
                    && !is_part_file(name)
                    && self.may_delete(&join_rel(rel, name), meta.is_dir())
            };
            if local.iter().any(doomed) {
                deletes = match self.list_again(session, rel, &mut keep).await {
                    Some(again) if again.unparsed.is_empty() && entries(&again) == entries(&listing) => true,
                    Some(_) => {
                        self.held_back(rel, "nothing deleted there");
                        false
                    }
                    None => false,
                };
            }
        }
        self.listed.set(self.listed.get() + listing.files.len());
        self.refuse(&listing, rel);
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
        if deletes {
            let remote_names = entry_names(&listing);
            for (name, meta) in &local {
                if remote_names.contains(name.as_str()) || is_part_file(name) {
                    continue;
                }
                let lrel = join_rel(rel, name);
                if meta.is_dir() {
                    if !self.opts.filter.skips_dir(&lrel) && self.local_doomed(&lrel, depth + 1, &mut plan)? {
                        plan.delete_dirs.push(lrel);
                    }
                } else if self.opts.filter.takes_file(&lrel) {
                    plan.delete_files.push(lrel);
                }
            }
        }
        Ok(Done { more, keep_session: keep, handed_on: None })
    }

    pub(crate) async fn scan_up(&self, session: &mut Session, rel: &str, depth: usize) -> Result<Done<ScanJob>> {
        let shown = self.tree.shown_url(rel);
        // (An empty LIST of a missing path, vsftpd's answer, is already a 550 from list_dir.)
        let path = self.tree.remote_path(rel);
        let listed = if rel.is_empty() && !self.opts.dry_run {
            // The root is made either way (MakeDirs leaves one that exists alone), so an empty
            // listing needs no probe to tell a missing root from an empty one. A dry run's
            // plan says which it is.
            session.list_dir_if_any(&path).await
        } else {
            session.list_dir(&path).await.map(Some)
        };
        let listing = match listed {
            Ok(listing) => listing,
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
            return Ok(Done::nothing());
        };
        let local_dir = self.tree.local_path(rel);
        let (local, unusable) = read_local_dir(&local_dir)?;
        // --delete: what the server has and the local tree does not is deleted only if a
        // second listing has it too (the same kind of entry). A second listing that fails
        // confirms nothing: the deletes there are held back.
        // Times first: a second listing that fails (below) leaves the session unusable.
        if self.opts.compare != Compare::Always {
            self.precise_times(session, rel, &mut listing).await.with_context(|| format!("listing {shown}"))?;
        }
        let mut keep = true;
        let again = match self.opts.delete {
            true if entries(&listing).iter().any(|(kind, name)| {
                !local.contains_key(*name) && self.may_delete(&join_rel(rel, name), *kind == DIR)
            }) =>
            {
                self.list_again(session, rel, &mut keep).await
            }
            _ => None,
        };
        let relisted = again.is_some();
        let again = again.as_ref().map(entries);
        let confirmed = |kind: u8, name: &str| again.as_ref().is_some_and(|again| again.contains(&(kind, name)));
        let mut unconfirmed = 0;
        self.refuse(&listing, rel);
        let tolerance = Self::tolerance(&listing);
        let files: BTreeMap<&str, _> = listing.files.iter().map(|f| (f.name.as_str(), f)).collect();
        let dirs: HashSet<&str> = listing.dirs.iter().map(|d| d.name.as_str()).collect();
        let mut more = Vec::new();
        let mut new_dirs = Vec::new();
        {
            let mut plan = self.plan.borrow_mut();
            plan.failures.extend(unusable_names(rel, unusable));
            for (name, meta, lrel) in self.taken(rel, &local) {
                if meta.is_dir() {
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
                for (kind, entries) in [(FILE, &listing.files), (LINK, &listing.links)] {
                    for entry in entries {
                        let erel = join_rel(rel, &entry.name);
                        if local.contains_key(&entry.name) || !self.opts.filter.takes_file(&erel) {
                            continue;
                        }
                        match confirmed(kind, &entry.name) {
                            true => plan.delete_files.push(erel),
                            false => unconfirmed += 1,
                        }
                    }
                }
                for dir in &listing.dirs {
                    let drel = join_rel(rel, &dir.name);
                    if local.contains_key(&dir.name) || self.opts.filter.skips_dir(&drel) {
                        continue;
                    }
                    match confirmed(DIR, &dir.name) {
                        true => more.push(ScanJob::Doomed { rel: drel, depth: depth + 1 }),
                        false => unconfirmed += 1,
                    }
                }
            }
        }
        if unconfirmed > 0 && relisted {
            self.held_back(rel, &format!("{unconfirmed} entr(y/ies) only one of them shows: not deleted"));
        }
        for dir in new_dirs {
            self.plan_new_local(&dir, depth + 1)?;
        }
        Ok(Done { more, keep_session: keep, handed_on: None })
    }

    /// Whether `--delete` may delete the entry at `rel` (a directory when `dir`): never what
    /// the filter leaves out, so such an entry is no reason to list its directory again.
    fn may_delete(&self, rel: &str, dir: bool) -> bool {
        if dir { !self.opts.filter.skips_dir(rel) } else { self.opts.filter.takes_file(rel) }
    }

    /// The directory listed a second time, before `--delete` acts on what the first listing
    /// lacks (downloads) or has (uploads). `None` when that listing fails (a 4xx, a cut data
    /// connection): it confirms nothing, so `--delete` holds back there, said and counted as
    /// when two listings disagree, and the directory's copies go on. `keep` turns false when
    /// the failure left the session unusable (the pool then lets it go).
    pub(crate) async fn list_again(&self, session: &mut Session, rel: &str, keep: &mut bool) -> Option<DirListing> {
        match session.list_dir(&self.tree.remote_path(rel)).await {
            Ok(listing) => Some(listing),
            Err(e) => {
                *keep = e.leaves_session_in_step();
                self.tally.held_back();
                self.tally.note(&format!(
                    "pasv: warning: {}: listing it again before deleting failed ({}); nothing deleted there",
                    self.tree.shown_url(rel),
                    escape(&e.to_string())
                ));
                None
            }
        }
    }

    /// Two listings of `rel` disagreed: `--delete` held back there; said and counted.
    pub(crate) fn held_back(&self, rel: &str, what: &str) {
        self.tally.held_back();
        self.tally.note(&format!(
            "pasv: warning: {}: two listings disagree (a listing cut short?); {what}",
            self.tree.shown_url(rel)
        ));
    }

    /// The entries of the local directory `rel` that the tree takes, with their relative
    /// paths: links are skipped (with a note), and directories the filter leaves out.
    fn taken<'l>(&self, rel: &str, local: &'l BTreeMap<String, Metadata>) -> Vec<(&'l String, &'l Metadata, String)> {
        local
            .iter()
            .map(|(name, meta)| (name, meta, join_rel(rel, name)))
            .filter(|(_, meta, lrel)| {
                !(self.skips_link(lrel, meta) || meta.is_dir() && self.opts.filter.skips_dir(lrel))
            })
            .collect()
    }

    /// Local symbolic links are reported and never followed: true for one (it is skipped).
    pub(crate) fn skips_link(&self, lrel: &str, meta: &std::fs::Metadata) -> bool {
        let link = meta.file_type().is_symlink();
        if link {
            self.tally.note(&format!("pasv: skipping symbolic link {} (links are not followed)", escape(lrel)));
        }
        link
    }

    /// Everything under the local directory `rel` is new on the server: no listing needed.
    pub(crate) fn plan_new_local(&self, rel: &str, depth: usize) -> Result<()> {
        let (local, unusable) = read_local_dir(&self.tree.local_path(rel))?;
        let mut subdirs = Vec::new();
        {
            let mut plan = self.plan.borrow_mut();
            plan.failures.extend(unusable_names(rel, unusable));
            for (_, meta, lrel) in self.taken(rel, &local) {
                if meta.is_dir() {
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

    /// A local directory the server no longer has (`--delete` downloading): `true` when all
    /// of it goes (the caller deletes it whole). When the filter leaves something in it out
    /// (an excluded file or directory, at any depth), that stays, and so does every directory
    /// above it: what the filter takes is planned for deletion piece by piece instead.
    fn local_doomed(&self, rel: &str, depth: usize, plan: &mut Plan) -> Result<bool> {
        if self.opts.filter.is_empty() {
            return Ok(true);
        }
        if depth > MAX_DEPTH {
            // Not walked, so not known to hold nothing excluded: kept.
            return Ok(false);
        }
        let (local, unusable) = match read_local_dir(&self.tree.local_path(rel)) {
            Ok(read) => read,
            // Not known to hold nothing excluded: kept, and the rest of the scan goes on.
            Err(e) => {
                self.tally.held_back();
                // "cannot read DIR: why".
                self.tally.note(&format!("pasv: warning: {}: nothing deleted there", escape(&format!("{e:#}"))));
                return Ok(false);
            }
        };
        // A name that is not UTF-8 cannot be matched against the patterns: kept.
        let mut whole = unusable.is_empty();
        let (mut files, mut dirs) = (Vec::new(), Vec::new());
        for (name, meta) in &local {
            let lrel = join_rel(rel, name);
            if meta.is_dir() {
                match !self.opts.filter.skips_dir(&lrel) && self.local_doomed(&lrel, depth + 1, plan)? {
                    true => dirs.push(lrel),
                    false => whole = false,
                }
            } else if self.opts.filter.takes_file(&lrel) {
                files.push(lrel);
            } else {
                whole = false;
            }
        }
        if !whole {
            plan.delete_files.append(&mut files);
            plan.delete_dirs.append(&mut dirs);
        }
        Ok(whole)
    }

    /// A remote directory to delete: list it and delete what it holds first. What the filter
    /// leaves out stays, and so does the directory (and those above it: `undeletable`).
    pub(crate) async fn scan_doomed(&self, session: &mut Session, rel: &str, depth: usize) -> Result<Vec<ScanJob>> {
        let shown = self.tree.shown_url(rel);
        let listing =
            session.list_dir(&self.tree.remote_path(rel)).await.with_context(|| format!("listing {shown}"))?;
        let mut plan = self.plan.borrow_mut();
        let mut whole = true;
        if !listing.unparsed.is_empty() || !listing.refused.is_empty() {
            self.tally.note(&format!(
                "pasv: warning: not deleting {shown}: its listing has names pasv could not parse or use"
            ));
            whole = false;
        }
        for entry in listing.files.iter().chain(&listing.links).chain(&listing.others) {
            let erel = join_rel(rel, &entry.name);
            if self.opts.filter.takes_file(&erel) {
                plan.delete_files.push(erel);
            } else {
                whole = false;
            }
        }
        if whole {
            plan.delete_dirs.push(rel.to_string());
        } else {
            plan.undeletable.push(rel.to_string());
        }
        let mut more = Vec::new();
        for dir in &listing.dirs {
            let drel = join_rel(rel, &dir.name);
            if self.opts.filter.skips_dir(&drel) {
                plan.undeletable.push(drel);
            } else if depth + 1 > MAX_DEPTH {
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
        match (job, self.direction) {
            (ScanJob::Dir { rel, depth }, Direction::Down) => self.scan_down(session, rel, *depth).await,
            (ScanJob::Dir { rel, depth }, Direction::Up) => self.scan_up(session, rel, *depth).await,
            (ScanJob::Doomed { rel, depth }, _) => Ok(Done::more(self.scan_doomed(session, rel, *depth).await?)),
        }
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
}
