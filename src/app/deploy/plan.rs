//! The deploy plan: a plain value computed from the scanned source tree, the state file (or
//! why there is none to trust) and what the listings of a few directories showed. No I/O:
//! the same inputs always give the same plan, which `--dry-run` prints and `run` carries out.
//!
//! With a trusted state, a file is unchanged when its SHA-256 and size are the state's, and
//! only the directories where something changes are listed ([`touched_dirs`]): there a file
//! the state knows but the server lists with another size, or not at all, is drift and goes
//! up again. Deletes are the state's files that left the source: pasv deletes only what it
//! put there. Without a trusted state (missing, unreadable, another source tree) every
//! directory of the source is listed, nothing is deleted, and the server's files that the
//! source lacks are only reported; files already there are uploaded again unless `--adopt`
//! keeps those of the same size (and checksum, where the server has one).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::protect::Protect;
use super::state::{Digest, DirRecord, FileRecord, Mode, State, base, parent};
use crate::app::filter::Filter;
use crate::app::part_names::is_part_file;

/// A file of the source tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalFile {
    pub size: u64,
    pub sha256: Digest,
}

/// The source tree, scanned: files by relative path, and every directory ("" is the root).
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub files: BTreeMap<String, LocalFile>,
    pub dirs: BTreeSet<String>,
}

/// One directory of the target as the server listed it.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub exists: bool,
    /// Files by name, with the size the listing gave.
    pub files: BTreeMap<String, Option<u64>>,
    pub dirs: BTreeSet<String>,
    /// Links, devices and names pasv refused: never touched.
    pub others: BTreeSet<String>,
    /// Every line was understood: a name it lacks is not there. (Else a missing name may
    /// be hiding in a line nobody could read.)
    pub complete: bool,
}

/// What the server showed beyond the state file.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Listed directories, by path relative to the target ("" is the target itself).
    pub dirs: BTreeMap<String, Listed>,
    /// The server's checksum compared with the local file's: true when they match.
    pub checksums: BTreeMap<String, bool>,
}

/// The state file as read, or why there is none to go by.
#[derive(Debug, Clone)]
pub enum Basis {
    Trusted(State),
    Missing,
    Unreadable(String),
    /// Written for another source tree (its name).
    Foreign(String),
}

impl Basis {
    pub fn name(&self) -> &'static str {
        match self {
            Basis::Trusted(_) => "trusted",
            Basis::Missing => "missing",
            Basis::Unreadable(_) => "unreadable",
            Basis::Foreign(_) => "foreign",
        }
    }

    pub fn trusted(&self) -> Option<&State> {
        match self {
            Basis::Trusted(state) => Some(state),
            _ => None,
        }
    }
}

/// What the user asked for, as far as the plan is concerned.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// `--exclude`/`--include`: the state's files they leave out are neither deleted nor
    /// forgotten.
    pub filter: Filter,
    pub protect: Protect,
    pub adopt: bool,
    pub verify_remote: bool,
    /// `--chmod FILE_MODE[,DIR_MODE]`.
    pub file_mode: Option<Mode>,
    pub dir_mode: Option<Mode>,
    /// `--atomic`: the staging directory (relative to the target) where a file may already
    /// wait, complete, from an interrupted run.
    pub staging: Option<String>,
}

/// Why a file goes up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Not in the state, not on the server.
    New,
    /// The state has other content for it.
    Changed,
    /// The state has this content, the server does not (changed or deleted by someone else).
    Drift,
    /// In flight when an earlier run stopped.
    Unconfirmed,
    /// No trusted state and the server has a file of that name: not known to match.
    Unknown,
    /// `--adopt`: the server's file differs in size or checksum.
    Differs,
}

impl Reason {
    pub fn text(self) -> &'static str {
        match self {
            Reason::New => "new",
            Reason::Changed => "changed",
            Reason::Drift => "drift",
            Reason::Unconfirmed => "unconfirmed",
            Reason::Unknown => "not known to match",
            Reason::Differs => "differs",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upload {
    pub path: String,
    pub bytes: u64,
    pub reason: Reason,
    /// `--atomic`: complete in the staging directory already; only the rename is left.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub staged: bool,
    #[serde(skip)]
    pub sha256: Digest,
}

/// A file the server has otherwise than the state says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    pub path: String,
    pub detail: String,
}

/// Everything a run will do, and what it leaves alone.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub uploads: Vec<Upload>,
    /// Files to delete (the state's, gone from the source), after every upload succeeded.
    pub deletes: Vec<String>,
    /// Directories to create, parents first ("" is the target itself).
    pub mkdirs: Vec<String>,
    /// Directories pasv kept that the source no longer has, deepest first (only if empty).
    pub rmdirs: Vec<String>,
    /// Deletes and rmdirs that must come before the uploads: the source has a directory
    /// where the server has a file, or the other way round. Also in `deletes`/`rmdirs`.
    pub first: Vec<String>,
    /// Unchanged files whose mode `--chmod` must still set.
    pub chmods: Vec<String>,
    /// Directories whose mode `--chmod` must set.
    pub chmod_dirs: Vec<String>,
    pub unchanged: u64,
    /// `--adopt`: files already on the server, taken into the state without an upload.
    pub adopted: u64,
    /// Bytes to upload.
    pub bytes: u64,
    pub drift: Vec<Drift>,
    /// Protected paths that the source would have overwritten or deleted.
    pub protected: Vec<String>,
    /// On the server, not in the source, not deleted: there is no trusted state to say that
    /// pasv put them there.
    pub not_deleted: Vec<String>,
    /// What the state will say about everything the run does not touch.
    #[serde(skip)]
    pub keep: BTreeMap<String, FileRecord>,
    #[serde(skip)]
    pub keep_dirs: BTreeMap<String, DirRecord>,
    /// Paths owned but of unknown content that this run neither uploads nor deletes
    /// (left out by `--exclude`).
    #[serde(skip)]
    pub keep_pending: BTreeSet<String>,
    /// Staged files still valid (`--atomic`).
    #[serde(skip)]
    pub staged: BTreeMap<String, FileRecord>,
    /// The target is missing or empty and no state says pasv was there: nothing there is a
    /// site yet (see [`is_new_target`]).
    #[serde(skip)]
    pub new_target: bool,
}

impl Plan {
    /// Nothing on the server changes.
    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty()
            && self.deletes.is_empty()
            && self.mkdirs.is_empty()
            && self.rmdirs.is_empty()
            && self.chmods.is_empty()
            && self.chmod_dirs.is_empty()
    }
}

/// What a listing says about one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// Its directory was not listed (or the listing had lines nobody could read).
    Unknown,
    Absent,
    File(Option<u64>),
    /// A directory, link or something else pasv does not touch.
    NotFile,
}

fn presence(seen: &Seen, rel: &str) -> Presence {
    let Some(dir) = seen.dirs.get(parent(rel)) else { return Presence::Unknown };
    if !dir.exists {
        return Presence::Absent;
    }
    let name = base(rel);
    match dir.files.get(name) {
        Some(size) => Presence::File(*size),
        None if dir.dirs.contains(name) || dir.others.contains(name) => Presence::NotFile,
        None if dir.complete => Presence::Absent,
        None => Presence::Unknown,
    }
}

fn dir_exists(seen: &Seen, rel: &str) -> Option<bool> {
    if let Some(listed) = seen.dirs.get(rel) {
        return Some(listed.exists);
    }
    if rel.is_empty() {
        return None;
    }
    let up = seen.dirs.get(parent(rel))?;
    Some(up.exists && up.dirs.contains(base(rel)))
}

fn staged_path(staging: &str, rel: &str) -> String {
    format!("{staging}/{rel}")
}

/// The files of the source and of the state side by side, in path order (both maps sort
/// their paths the same way): one pass over the two instead of a lookup per file, which is
/// most of the planning of a large site.
fn side_by_side<'a>(
    source: &'a BTreeMap<String, LocalFile>,
    state: &'a BTreeMap<String, FileRecord>,
) -> impl Iterator<Item = (&'a String, Option<&'a LocalFile>, Option<&'a FileRecord>)> {
    let (mut local, mut recorded) = (source.iter().peekable(), state.iter().peekable());
    std::iter::from_fn(move || {
        let order = match (local.peek(), recorded.peek()) {
            (None, None) => return None,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((a, _)), Some((b, _))) => a.cmp(b),
        };
        Some(match order {
            std::cmp::Ordering::Less => local.next().map(|(rel, file)| (rel, Some(file), None))?,
            std::cmp::Ordering::Greater => recorded.next().map(|(rel, record)| (rel, None, Some(record)))?,
            std::cmp::Ordering::Equal => {
                let (rel, file) = local.next()?;
                (rel, Some(file), recorded.next().map(|(_, record)| record))
            }
        })
    })
}

/// The state records this very content for a file.
pub fn recorded(record: Option<&FileRecord>, local: &LocalFile) -> bool {
    record.is_some_and(|r| r.sha256 == local.sha256 && r.size == local.size)
}

/// The directories to list before planning: with a trusted state those where something
/// changes (and everything with `--verify-remote`), without one every directory of the
/// source.
pub fn touched_dirs(source: &Source, basis: &Basis, rules: &Rules) -> BTreeSet<String> {
    let Some(state) = basis.trusted() else {
        return source.dirs.iter().cloned().chain([String::new()]).collect();
    };
    let mut dirs = BTreeSet::new();
    if rules.verify_remote {
        dirs.extend(source.dirs.iter().cloned());
        dirs.extend(state.dirs.keys().cloned());
        dirs.insert(String::new());
    }
    let gone = |rel: &str| rules.filter.takes_file(rel) && !rules.protect.covers(rel);
    for (rel, local, record) in side_by_side(&source.files, &state.files) {
        let Some(local) = local else {
            if gone(rel) {
                dirs.insert(parent(rel).to_string());
            }
            continue;
        };
        if recorded(record, local) {
            continue;
        }
        dirs.insert(parent(rel).to_string());
        if let (Some(staging), Some(staged)) = (&rules.staging, state.staged.get(rel))
            && staged.sha256 == local.sha256
        {
            dirs.insert(parent(&staged_path(staging, rel)).to_string());
        }
    }
    for rel in &state.pending {
        if !source.files.contains_key(rel) && gone(rel) {
            dirs.insert(parent(rel).to_string());
        }
    }
    for dir in &source.dirs {
        if !state.dirs.contains_key(dir) {
            dirs.insert(dir.clone());
        }
    }
    dirs
}

/// The plan for `source` over `basis`, given what the listings of [`touched_dirs`] showed.
pub fn plan(source: &Source, basis: &Basis, seen: &Seen, rules: &Rules) -> Plan {
    let mut plan = Plan::default();
    let empty = State::new("");
    let state = basis.trusted().unwrap_or(&empty);
    // What the state keeps, in path order: built into a map at once, not inserted 20,000 times.
    let mut keep = Vec::new();
    for (rel, local, record) in side_by_side(&source.files, &state.files) {
        let kept = match (local, record) {
            (Some(local), _) => file(&mut plan, rel, local, record, basis, seen, rules),
            // The state's files that left the source.
            (None, Some(record)) => gone_file(&mut plan, rel, Some(record), seen, rules),
            (None, None) => None,
        };
        keep.extend(kept.map(|record| (rel.clone(), record)));
    }
    plan.keep = keep.into_iter().collect();
    if basis.trusted().is_some() {
        // And its pending paths that did (in flight when a run stopped).
        for rel in state.pending.iter().filter(|rel| !state.files.contains_key(*rel)) {
            if !source.files.contains_key(rel) {
                gone_file(&mut plan, rel, None, seen, rules);
            }
        }
    } else {
        unknown_files(&mut plan, source, seen, rules);
    }
    dirs(&mut plan, source, state, seen, rules);
    conflicts(&mut plan, source);
    plan.new_target = is_new_target(basis, seen);
    plan.protected.sort();
    plan.bytes = plan.uploads.iter().filter(|u| !u.staged).map(|u| u.bytes).sum();
    plan
}

/// Without a trusted state, the target's listing showed it missing, or empty (every line
/// understood). Uploads may then go straight to their names: there is no site yet whose
/// visitors could see a half file, and the state saved before the first upload marks every
/// path pending until the server confirmed its size, so a run stopped mid-file leaves a path
/// the next run uploads again (that run sees a target that is not empty, and uses temporary
/// names). Two commands fewer per file (RNFR, RNTO) on the costliest run of a site.
fn is_new_target(basis: &Basis, seen: &Seen) -> bool {
    basis.trusted().is_none()
        && seen.dirs.get("").is_some_and(|root| {
            !root.exists || (root.complete && root.files.is_empty() && root.dirs.is_empty() && root.others.is_empty())
        })
}

/// One file of the source; `record` is the state's for it. Returns what the state keeps for
/// it when the run does not upload it.
fn file(
    plan: &mut Plan,
    rel: &str,
    local: &LocalFile,
    record: Option<&FileRecord>,
    basis: &Basis,
    seen: &Seen,
    rules: &Rules,
) -> Option<FileRecord> {
    let here = presence(seen, rel);
    let staged_record = basis.trusted().and_then(|state| state.staged.get(rel));
    let same_as_state = recorded(record, local);
    let protected = || rules.protect.covers(rel);
    let upload = |plan: &mut Plan, reason| {
        let staged = rules.staging.as_ref().is_some_and(|staging| {
            staged_record.is_some_and(|s| {
                s.sha256 == local.sha256
                    && s.size == local.size
                    && presence(seen, &staged_path(staging, rel)) == Presence::File(Some(s.size))
            })
        });
        if staged && let Some(record) = staged_record {
            plan.staged.insert(rel.to_string(), *record);
        }
        plan.uploads.push(Upload { path: rel.to_string(), bytes: local.size, reason, staged, sha256: local.sha256 });
    };
    if same_as_state && let Some(record) = record {
        let drift = match here {
            Presence::Absent => Some("missing on the server".to_string()),
            Presence::NotFile => Some("not a file on the server".to_string()),
            Presence::File(Some(size)) if size != record.size => {
                Some(format!("{size} bytes on the server, {} in the state", record.size))
            }
            _ if seen.checksums.get(rel) == Some(&false) => Some("the server's checksum differs".to_string()),
            _ => None,
        };
        match drift {
            None => {
                plan.unchanged += 1;
                if rules.file_mode.is_some() && record.mode != rules.file_mode {
                    plan.chmods.push(rel.to_string());
                }
                return Some(*record);
            }
            Some(detail) => {
                plan.drift.push(Drift { path: rel.to_string(), detail });
                if protected() {
                    plan.protected.push(rel.to_string());
                } else {
                    upload(plan, Reason::Drift);
                }
            }
        }
        return None;
    }
    let on_server = matches!(here, Presence::File(_)) || record.is_some();
    if on_server && protected() {
        plan.protected.push(rel.to_string());
        return record.copied();
    }
    let reason = match (basis, here) {
        (Basis::Trusted(state), _) if state.pending.contains(rel) => Reason::Unconfirmed,
        (Basis::Trusted(_), _) if record.is_some() => Reason::Changed,
        (Basis::Trusted(_), _) => Reason::New,
        (_, Presence::File(size)) if rules.adopt => {
            if size == Some(local.size) && seen.checksums.get(rel) != Some(&false) {
                plan.adopted += 1;
                if rules.file_mode.is_some() {
                    plan.chmods.push(rel.to_string());
                }
                return Some(FileRecord { sha256: local.sha256, size: local.size, mode: None });
            }
            Reason::Differs
        }
        (_, Presence::File(_)) => Reason::Unknown,
        _ => Reason::New,
    };
    upload(plan, reason);
    None
}

/// A file (`record`: the state has its content) or pending path of the state that left the
/// source. Returns what the state keeps for it (a file `--exclude` leaves out).
fn gone_file(
    plan: &mut Plan,
    rel: &str,
    record: Option<&FileRecord>,
    seen: &Seen,
    rules: &Rules,
) -> Option<FileRecord> {
    if !rules.filter.takes_file(rel) {
        if record.is_none() {
            plan.keep_pending.insert(rel.to_string());
        }
        return record.copied();
    }
    if rules.protect.covers(rel) {
        plan.protected.push(rel.to_string());
        return None;
    }
    match presence(seen, rel) {
        // Already gone: forgotten. Something else now: not ours.
        Presence::Absent | Presence::NotFile => {}
        Presence::File(_) | Presence::Unknown => plan.deletes.push(rel.to_string()),
    }
    None
}

/// No trusted state: what the listed directories hold that the source lacks is reported.
fn unknown_files(plan: &mut Plan, source: &Source, seen: &Seen, rules: &Rules) {
    for (dir, listed) in &seen.dirs {
        if !source.dirs.contains(dir) {
            continue;
        }
        let join = |name: &str| if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") };
        for name in listed.files.keys() {
            let rel = join(name);
            if !source.files.contains_key(&rel)
                && rules.filter.takes_file(&rel)
                && !rules.protect.covers(&rel)
                && !is_ours(&rel, rules)
            {
                plan.not_deleted.push(rel);
            }
        }
        for name in &listed.dirs {
            let rel = join(name);
            if !source.dirs.contains(&rel) && !rules.filter.skips_dir(&rel) && !rules.protect.covers_dir(&rel) {
                plan.not_deleted.push(format!("{rel}/"));
            }
        }
    }
}

/// pasv's own files in the target (temporaries of interrupted uploads).
fn is_ours(rel: &str, rules: &Rules) -> bool {
    is_part_file(base(rel)) || rules.staging.as_deref() == Some(rel)
}

fn dirs(plan: &mut Plan, source: &Source, state: &State, seen: &Seen, rules: &Rules) {
    for dir in &source.dirs {
        let exists = dir_exists(seen, dir).unwrap_or_else(|| state.dirs.contains_key(dir));
        let record = state.dirs.get(dir).copied().filter(|_| exists).unwrap_or_default();
        if exists {
            plan.keep_dirs.insert(dir.clone(), record);
        } else {
            plan.mkdirs.push(dir.clone());
        }
        if rules.dir_mode.is_some() && record.mode != rules.dir_mode && !dir.is_empty() {
            plan.chmod_dirs.push(dir.clone());
        }
    }
    for (dir, record) in &state.dirs {
        if source.dirs.contains(dir) || dir.is_empty() {
            continue;
        }
        // Files that stay (left out by --exclude, or protected) keep their directory.
        let prefix = format!("{dir}/");
        let occupied = plan.keep.range(prefix.clone()..).next().is_some_and(|(p, _)| p.starts_with(&prefix))
            || plan.keep_pending.range(prefix.clone()..).next().is_some_and(|p| p.starts_with(&prefix))
            || plan.protected.iter().any(|p| p.starts_with(&prefix));
        if rules.filter.skips_dir(dir) || rules.protect.covers_dir(dir) || occupied {
            plan.keep_dirs.insert(dir.clone(), *record);
        } else if dir_exists(seen, dir) != Some(false) {
            plan.rmdirs.push(dir.clone());
        }
    }
    let depth = |d: &String| if d.is_empty() { 0 } else { d.matches('/').count() + 1 };
    plan.mkdirs.sort_by_key(|d| (depth(d), d.clone()));
    plan.rmdirs.sort_by_key(|d| (std::cmp::Reverse(depth(d)), d.clone()));
}

/// A file of the state where the source now has a directory (or a file where the state has a
/// directory) must go before the uploads that need its name, with what is under it.
fn conflicts(plan: &mut Plan, source: &Source) {
    // The source has a file at `rel` or at one of its parent directories.
    let file_at_or_above = |rel: &str| {
        let mut path = rel;
        loop {
            if source.files.contains_key(path) {
                return true;
            }
            if path.is_empty() {
                return false;
            }
            path = parent(path);
        }
    };
    let mut first = Vec::new();
    for rel in &plan.deletes {
        if source.dirs.contains(rel) || (!parent(rel).is_empty() && file_at_or_above(parent(rel))) {
            first.push(rel.clone());
        }
    }
    for dir in &plan.rmdirs {
        if file_at_or_above(dir) {
            first.push(dir.clone());
        }
    }
    plan.first = first;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(n: u8) -> Digest {
        Digest([n; 32])
    }

    fn source(files: &[(&str, u8, u64)]) -> Source {
        let mut source = Source::default();
        source.dirs.insert(String::new());
        for (rel, content, size) in files {
            source.files.insert(rel.to_string(), LocalFile { size: *size, sha256: digest(*content) });
            let mut dir = parent(rel);
            while !dir.is_empty() {
                source.dirs.insert(dir.to_string());
                dir = parent(dir);
            }
        }
        source
    }

    /// The state a finished run over `source` leaves.
    fn state_of(source: &Source) -> State {
        let mut state = State::new("public");
        state.complete = true;
        for (rel, f) in &source.files {
            state.files.insert(rel.clone(), FileRecord { sha256: f.sha256, size: f.size, mode: None });
        }
        for dir in &source.dirs {
            state.dirs.insert(dir.clone(), DirRecord::default());
        }
        state
    }

    /// The server holding exactly the files of `source` (as a full listing).
    fn listing_of(source: &Source) -> Seen {
        let mut seen = Seen::default();
        for dir in &source.dirs {
            seen.dirs.insert(dir.clone(), Listed { exists: true, complete: true, ..Listed::default() });
        }
        for (rel, f) in &source.files {
            seen.dirs.get_mut(parent(rel)).unwrap().files.insert(base(rel).to_string(), Some(f.size));
        }
        for dir in source.dirs.iter().filter(|d| !d.is_empty()) {
            seen.dirs.get_mut(parent(dir)).unwrap().dirs.insert(base(dir).to_string());
        }
        seen
    }

    fn make(source: &Source, basis: &Basis, seen: &Seen, rules: &Rules) -> Plan {
        plan(source, basis, seen, rules)
    }

    fn rules() -> Rules {
        Rules { protect: Protect::new(&[], ".pasv-deploy.json").unwrap(), ..Rules::default() }
    }

    fn paths(uploads: &[Upload]) -> Vec<&str> {
        uploads.iter().map(|u| u.path.as_str()).collect()
    }

    fn site() -> Source {
        source(&[("index.html", 1, 10), ("css/site.css", 2, 20), ("img/a.png", 3, 30), ("img/b.png", 4, 40)])
    }

    #[test]
    fn a_first_deploy_uploads_everything_and_deletes_nothing() {
        let src = site();
        let basis = Basis::Missing;
        let touched = touched_dirs(&src, &basis, &rules());
        assert_eq!(touched, ["", "css", "img"].map(String::from).into());
        let seen = Seen { dirs: [(String::new(), Listed::default())].into(), ..Seen::default() };
        let plan = make(&src, &basis, &seen, &rules());
        assert_eq!(paths(&plan.uploads), ["css/site.css", "img/a.png", "img/b.png", "index.html"]);
        assert!(plan.uploads.iter().all(|u| u.reason == Reason::New));
        assert_eq!(plan.mkdirs, ["", "css", "img"]);
        assert_eq!(plan.bytes, 100);
        assert!(plan.deletes.is_empty() && plan.not_deleted.is_empty());
    }

    #[test]
    fn only_a_missing_or_empty_target_is_new() {
        let src = site();
        let root = |listed: Listed| Seen { dirs: [(String::new(), listed)].into(), ..Seen::default() };
        let empty = Listed { exists: true, complete: true, ..Listed::default() };
        assert!(make(&src, &Basis::Missing, &root(Listed::default()), &rules()).new_target);
        assert!(make(&src, &Basis::Missing, &root(empty.clone()), &rules()).new_target);
        let mut one = empty.clone();
        one.files.insert("index.html".into(), Some(1));
        assert!(!make(&src, &Basis::Missing, &root(one), &rules()).new_target);
        let mut sub = empty.clone();
        sub.dirs.insert("img".into());
        assert!(!make(&src, &Basis::Unreadable("x".into()), &root(sub), &rules()).new_target);
        let unread = Listed { complete: false, ..empty.clone() };
        assert!(!make(&src, &Basis::Missing, &root(unread), &rules()).new_target);
        assert!(!make(&src, &Basis::Trusted(state_of(&src)), &root(empty), &rules()).new_target);
    }

    #[test]
    fn nothing_changed_lists_nothing_and_plans_nothing() {
        let src = site();
        let basis = Basis::Trusted(state_of(&src));
        assert!(touched_dirs(&src, &basis, &rules()).is_empty());
        let plan = make(&src, &basis, &Seen::default(), &rules());
        assert!(plan.is_empty(), "{plan:?}");
        assert_eq!(plan.unchanged, 4);
        assert_eq!(plan.keep.len(), 4);
        assert_eq!(plan.keep_dirs.len(), 3);
    }

    #[test]
    fn three_changed_and_one_removed_are_exactly_what_happens() {
        let old = site();
        let basis = Basis::Trusted(state_of(&old));
        let new = source(&[("index.html", 9, 11), ("css/site.css", 8, 20), ("img/a.png", 7, 30), ("new.txt", 6, 5)]);
        let touched = touched_dirs(&new, &basis, &rules());
        assert_eq!(touched, ["", "css", "img"].map(String::from).into());
        let plan = make(&new, &basis, &listing_of(&old), &rules());
        assert_eq!(paths(&plan.uploads), ["css/site.css", "img/a.png", "index.html", "new.txt"]);
        let reasons: Vec<Reason> = plan.uploads.iter().map(|u| u.reason).collect();
        assert_eq!(reasons, [Reason::Changed, Reason::Changed, Reason::Changed, Reason::New]);
        assert_eq!(plan.deletes, ["img/b.png"]);
        assert_eq!(plan.unchanged, 0);
        assert!(plan.mkdirs.is_empty() && plan.rmdirs.is_empty() && plan.first.is_empty());
    }

    #[test]
    fn drift_in_a_listed_directory_goes_up_again() {
        let src = site();
        let basis = Basis::Trusted(state_of(&src));
        let changed =
            source(&[("index.html", 1, 10), ("css/site.css", 2, 20), ("img/a.png", 9, 31), ("img/b.png", 4, 40)]);
        let mut seen = listing_of(&src);
        seen.dirs.get_mut("img").unwrap().files.insert("b.png".into(), Some(41));
        seen.dirs.get_mut("img").unwrap().files.remove("a.png");
        let plan = make(&changed, &basis, &seen, &rules());
        assert_eq!(paths(&plan.uploads), ["img/a.png", "img/b.png"]);
        assert_eq!(plan.uploads[1].reason, Reason::Drift);
        assert_eq!(
            plan.drift,
            [Drift { path: "img/b.png".into(), detail: "41 bytes on the server, 40 in the state".into() }]
        );

        // A listing with lines nobody understood proves no absence.
        let mut seen = listing_of(&src);
        let img = seen.dirs.get_mut("img").unwrap();
        img.files.clear();
        img.complete = false;
        let plan = make(&src, &basis, &seen, &rules());
        assert!(plan.drift.is_empty() && plan.uploads.is_empty(), "{plan:?}");

        // A checksum that differs is drift too (--verify-remote).
        let mut seen = listing_of(&src);
        seen.checksums.insert("index.html".into(), false);
        let plan = make(&src, &basis, &seen, &Rules { verify_remote: true, ..rules() });
        assert_eq!(paths(&plan.uploads), ["index.html"]);
    }

    #[test]
    fn protected_paths_are_never_deleted_nor_overwritten() {
        let old = source(&[("index.html", 1, 10), (".well-known/security.txt", 2, 5), ("keep.cfg", 3, 3)]);
        let basis = Basis::Trusted(state_of(&old));
        let protect = Protect::new(&["*.cfg".to_string()], ".pasv-deploy.json").unwrap();
        let rules = Rules { protect, ..rules() };
        let new = source(&[("index.html", 1, 10), ("keep.cfg", 4, 3)]);
        let plan = make(&new, &basis, &listing_of(&old), &rules);
        assert!(plan.uploads.is_empty() && plan.deletes.is_empty(), "{plan:?}");
        assert_eq!(plan.protected, [".well-known/security.txt", "keep.cfg"]);
        assert!(plan.rmdirs.is_empty(), "{:?}", plan.rmdirs);
        // A protected name the server does not have yet goes up.
        let fresh = source(&[(".well-known/security.txt", 2, 5)]);
        let seen = Seen {
            dirs: [(String::new(), Listed { exists: true, complete: true, ..Listed::default() })].into(),
            ..Seen::default()
        };
        let plan = make(&fresh, &Basis::Missing, &seen, &rules);
        assert_eq!(paths(&plan.uploads), [".well-known/security.txt"]);
    }

    #[test]
    fn without_a_trusted_state_nothing_is_deleted_and_extras_are_reported() {
        let old = site();
        let new = source(&[("index.html", 1, 10), ("css/site.css", 5, 20)]);
        for basis in [Basis::Missing, Basis::Unreadable("x".into()), Basis::Foreign("other".into())] {
            let touched = touched_dirs(&new, &basis, &rules());
            assert_eq!(touched, ["", "css"].map(String::from).into());
            let mut seen = listing_of(&old);
            seen.dirs.retain(|d, _| touched.contains(d));
            seen.dirs.get_mut("").unwrap().files.insert(".pasv-deploy.json".into(), Some(99));
            let plan = make(&new, &basis, &seen, &rules());
            assert!(plan.deletes.is_empty() && plan.rmdirs.is_empty());
            assert_eq!(plan.not_deleted, ["img/"]);
            assert_eq!(paths(&plan.uploads), ["css/site.css", "index.html"]);
            assert!(plan.uploads.iter().all(|u| u.reason == Reason::Unknown));
        }
    }

    #[test]
    fn adopt_keeps_matching_files() {
        let src = site();
        let mut seen = listing_of(&src);
        seen.dirs.get_mut("img").unwrap().files.insert("b.png".into(), Some(7));
        seen.checksums.insert("img/a.png".into(), false);
        let plan = make(&src, &Basis::Missing, &seen, &Rules { adopt: true, ..rules() });
        assert_eq!(plan.adopted, 2);
        assert_eq!(paths(&plan.uploads), ["img/a.png", "img/b.png"]);
        assert!(plan.uploads.iter().all(|u| u.reason == Reason::Differs));
        assert_eq!(plan.keep.keys().collect::<Vec<_>>(), ["css/site.css", "index.html"]);
    }

    #[test]
    fn an_interrupted_run_is_resumed_from_its_pending_paths() {
        let src = site();
        let mut state = state_of(&src);
        state.files.remove("img/a.png");
        state.pending.insert("img/a.png".into());
        state.pending.insert("old.txt".into());
        let basis = Basis::Trusted(state);
        let plan = make(&src, &basis, &listing_of(&src), &rules());
        assert_eq!(paths(&plan.uploads), ["img/a.png"]);
        assert_eq!(plan.uploads[0].reason, Reason::Unconfirmed);
        // old.txt was deleted before the run stopped: the listing says so, nothing to do.
        assert!(plan.deletes.is_empty());
        let plan = make(&src, &basis, &Seen::default(), &rules());
        assert_eq!(plan.deletes, ["old.txt"]);
    }

    #[test]
    fn excluded_files_of_the_state_stay_as_they_are() {
        let src = site();
        let basis = Basis::Trusted(state_of(&src));
        let filter = Filter::new(&[], &["*.png".to_string()]).unwrap();
        let without = source(&[("index.html", 1, 10), ("css/site.css", 2, 20)]);
        let plan = make(&without, &basis, &listing_of(&src), &Rules { filter, ..rules() });
        assert!(plan.deletes.is_empty(), "{plan:?}");
        assert!(plan.keep.contains_key("img/a.png"));
        assert!(plan.keep_dirs.contains_key("img"));
    }

    #[test]
    fn removed_directories_go_deepest_first_and_conflicts_go_first() {
        let old = source(&[("a/b/c.txt", 1, 1), ("x", 2, 2)]);
        let basis = Basis::Trusted(state_of(&old));
        let new = source(&[("a", 3, 3), ("x/y.txt", 4, 4)]);
        let plan = make(&new, &basis, &listing_of(&old), &rules());
        assert_eq!(plan.rmdirs, ["a/b", "a"]);
        assert_eq!(plan.deletes, ["a/b/c.txt", "x"]);
        assert_eq!(plan.first, ["a/b/c.txt", "x", "a/b", "a"]);
        assert_eq!(plan.mkdirs, ["x"]);
    }

    #[test]
    fn chmod_is_planned_where_the_mode_is_not_the_asked_one() {
        let src = site();
        let mut state = state_of(&src);
        state.files.get_mut("index.html").unwrap().mode = Some(Mode(0o644));
        let rules = Rules { file_mode: Some(Mode(0o644)), dir_mode: Some(Mode(0o755)), ..rules() };
        let plan = make(&src, &Basis::Trusted(state), &Seen::default(), &rules);
        assert_eq!(plan.chmods, ["css/site.css", "img/a.png", "img/b.png"]);
        assert_eq!(plan.chmod_dirs, ["css", "img"]);
        assert!(plan.uploads.is_empty());
    }

    #[test]
    fn a_staged_file_that_is_still_there_is_only_renamed() {
        let old = site();
        let new = source(&[("index.html", 9, 11), ("css/site.css", 2, 20), ("img/a.png", 3, 30), ("img/b.png", 4, 40)]);
        let mut state = state_of(&old);
        state.files.remove("index.html");
        state.pending.insert("index.html".into());
        state.staged.insert("index.html".into(), FileRecord { sha256: digest(9), size: 11, mode: None });
        let rules = Rules { staging: Some(".pasv-deploy-staging".into()), ..rules() };
        let basis = Basis::Trusted(state);
        let touched = touched_dirs(&new, &basis, &rules);
        assert_eq!(touched, ["", ".pasv-deploy-staging"].map(String::from).into());
        let mut seen = listing_of(&old);
        let mut staging = Listed { exists: true, complete: true, ..Listed::default() };
        staging.files.insert("index.html".into(), Some(11));
        seen.dirs.insert(".pasv-deploy-staging".into(), staging);
        let planned = make(&new, &basis, &seen, &rules);
        assert_eq!(paths(&planned.uploads), ["index.html"]);
        assert!(planned.uploads[0].staged);
        assert_eq!(planned.bytes, 0);
        // Gone from the staging directory (renamed before the run stopped): sent again.
        seen.dirs.get_mut(".pasv-deploy-staging").unwrap().files.clear();
        let planned = make(&new, &basis, &seen, &rules);
        assert!(!planned.uploads[0].staged);
    }
}
