//! `--release-dir` and `--rollback` on paper: the names of the directories pasv keeps beside
//! the target, what a listing of the target's parent says about them, and the renames that
//! repair an interrupted switch, switch a release in, or roll back. No I/O.
//!
//! For the target `www` the names are: `www` (the site), `www.pasv-previous` (the release it
//! replaced, for `--rollback`), `www.pasv-release-ID` (a release being uploaded, or complete
//! and about to be switched in), `www.pasv-rollback-ID` (the site for the moment of a
//! rollback's three renames), `www.pasv-retired-ID` (the release before the previous one,
//! being removed), `www.pasv-probe-ID` (the check that the server renames directories) and
//! `www.pasv-deploy.json.lock` (the deploy lock, which is none of these kinds).
//! FTP has no symbolic links and no server-side copy, so a switch is renames: a run stopped
//! between two of them leaves the site missing, and [`repair`] says which rename puts it back.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::plan::Listed;
use super::protect::lock_name;
use super::state::State;
use crate::engine::join_remote;
use crate::proto::calendar::unix_to_civil;
use crate::proto::name::local_component;

/// The names around one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The parent directory's server path ("" for the login directory).
    parent: String,
    /// The target's own name in it.
    base: String,
}

/// Why a target cannot have releases beside it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--release-dir and --rollback need a target directory with a name inside a parent directory (like \
     ftp://host/www/), not {0:?}"
)]
pub struct NoParent(pub String);

/// What a name beside the target is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Live,
    Previous,
    Release(String),
    Rollback(String),
    Retired(String),
    Probe(String),
}

const RELEASE: &str = "pasv-release-";
const ROLLBACK: &str = "pasv-rollback-";
const RETIRED: &str = "pasv-retired-";
const PROBE: &str = "pasv-probe-";

impl Names {
    /// `target` is the target's server path, as the URL gave it (without a trailing `/`).
    pub fn new(target: &str) -> Result<Self, NoParent> {
        let trimmed = target.trim_end_matches('/');
        let (parent, base) = match trimmed.rsplit_once('/') {
            Some(("", base)) => ("/", base),
            Some((parent, base)) => (parent, base),
            None => ("", trimmed),
        };
        if local_component(base).is_err() {
            return Err(NoParent(target.to_string()));
        }
        Ok(Self { parent: parent.to_string(), base: base.to_string() })
    }

    pub fn parent(&self) -> &str {
        &self.parent
    }

    pub fn live(&self) -> &str {
        &self.base
    }

    pub fn previous(&self) -> String {
        format!("{}.pasv-previous", self.base)
    }

    pub fn release(&self, id: &str) -> String {
        format!("{}.{RELEASE}{id}", self.base)
    }

    pub fn rollback(&self, id: &str) -> String {
        format!("{}.{ROLLBACK}{id}", self.base)
    }

    pub fn retired(&self, id: &str) -> String {
        format!("{}.{RETIRED}{id}", self.base)
    }

    pub fn probe(&self, id: &str) -> String {
        format!("{}.{PROBE}{id}", self.base)
    }

    /// The deploy lock of `--release-dir` and `--rollback`, beside the target (inside it, it
    /// would move with the site at a switch): `www.pasv-deploy.json.lock` for the state file
    /// `.pasv-deploy.json`.
    pub fn lock(&self, state_file: &str) -> String {
        format!("{}.{}", self.base, lock_name(state_file).trim_start_matches('.'))
    }

    /// [`Names::lock`]'s server path.
    pub fn lock_path(&self, state_file: &str) -> String {
        join_remote(&self.parent, &self.lock(state_file))
    }

    /// The server path of a plain deploy's lock, in the target: the other mode's, for
    /// `--release-dir` and `--rollback` (see `Lock::take`).
    pub fn plain_lock_path(&self, state_file: &str) -> String {
        join_remote(&join_remote(&self.parent, &self.base), &lock_name(state_file))
    }

    /// What `name` (an entry of the parent directory) is to this target, if anything.
    pub fn kind(&self, name: &str) -> Option<Kind> {
        if name == self.base {
            return Some(Kind::Live);
        }
        let rest = name.strip_prefix(&self.base)?.strip_prefix('.')?;
        if rest == "pasv-previous" {
            return Some(Kind::Previous);
        }
        let id = |prefix: &str| rest.strip_prefix(prefix).filter(|id| !id.is_empty()).map(String::from);
        id(RELEASE)
            .map(Kind::Release)
            .or_else(|| id(ROLLBACK).map(Kind::Rollback))
            .or_else(|| id(RETIRED).map(Kind::Retired))
            .or_else(|| id(PROBE).map(Kind::Probe))
    }
}

/// A new release's id: the time in UTC and the process, so that names sort by age
/// (`20250314-093000-4711`).
pub fn new_id(now: SystemTime, pid: u32) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let (year, month, day, hour, min, sec) = unix_to_civil(secs);
    format!("{year:04}{month:02}{day:02}-{hour:02}{min:02}{sec:02}-{pid}")
}

/// One entry of the parent directory that belongs to this target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// A directory (else a file, a link or something else pasv does not rename).
    pub dir: bool,
    /// Its state file, when read and readable (a release's and a retired release's are read
    /// once, by `beside::survey`, and go with the entry through [`Layout::apply`]).
    pub state: Option<State>,
}

/// The target's entries in its parent directory, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub entries: BTreeMap<String, Entry>,
}

impl Layout {
    /// The entries of `listed` (the parent's listing) that belong to the target.
    pub fn from_listing(names: &Names, listed: &Listed) -> Self {
        let mut entries = BTreeMap::new();
        let dirs = listed.dirs.iter().map(|n| (n, true));
        let others = listed.files.keys().chain(&listed.others).map(|n| (n, false));
        for (name, dir) in dirs.chain(others) {
            if names.kind(name).is_some() {
                entries.insert(name.clone(), Entry { dir, state: None });
            }
        }
        Self { entries }
    }

    pub fn has(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    pub fn is_dir(&self, name: &str) -> bool {
        self.entries.get(name).is_some_and(|e| e.dir)
    }

    /// The names of one kind, oldest first (ids sort by time).
    pub fn of(&self, names: &Names, kind: fn(&Kind) -> bool) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(name, entry)| entry.dir && names.kind(name).as_ref().is_some_and(kind))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The newest release directory uploaded from `source` (complete or not): the one a
    /// deploy resumes.
    pub fn resumable(&self, names: &Names, source: &str) -> Option<String> {
        self.of(names, |k| matches!(k, Kind::Release(_)))
            .into_iter()
            .rev()
            .find(|name| self.entries[name].state.as_ref().is_some_and(|s| s.source == source))
    }

    pub fn apply(&mut self, rename: &Rename) {
        if let Some(entry) = self.entries.remove(&rename.from) {
            self.entries.insert(rename.to.clone(), entry);
        }
    }
}

/// What a rename is for (in `--json` events and the dry run's plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Puts back what a stopped run left half-switched.
    Repair,
    /// The release before the previous one leaves the previous name, to be removed.
    Retire,
    /// The site becomes the previous release.
    Previous,
    /// The new release becomes the site.
    Switch,
    /// `--rollback`: the site steps aside for a moment.
    Aside,
    /// `--rollback`: the previous release becomes the site.
    Restore,
    /// A protected path of the site moves into the release that replaces it.
    Carry,
    /// A carried path goes back into the site: the renames failed and were undone.
    CarryBack,
}

impl Step {
    pub fn text(self) -> &'static str {
        match self {
            Step::Repair => "repair",
            Step::Retire => "the release before the previous one, removed after the switch",
            Step::Previous => "kept for --rollback",
            Step::Switch => "the switch",
            Step::Aside => "aside for a moment",
            Step::Restore => "the previous release back in place",
            Step::Carry => "protected: carried into the release",
            Step::CarryBack => "protected: back into the site (the renames did not happen)",
        }
    }
}

/// One RNFR/RNTO in the target's parent directory (names relative to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rename {
    pub from: String,
    pub to: String,
    pub step: Step,
}

impl Rename {
    fn new(from: impl Into<String>, to: impl Into<String>, step: Step) -> Self {
        Self { from: from.into(), to: to.into(), step }
    }
}

/// A rename that puts back a site a stopped run left half-switched, and what to tell the
/// user; `None` when nothing is half-switched.
///
/// - The site is missing and a rollback's aside directory is there: the rollback stopped
///   after its first rename; the site goes back where it was.
/// - The site is missing and a complete release is there: a deploy stopped between its two
///   renames; the release goes in, as that run meant.
/// - The site is there, the previous name is free and a rollback's aside directory is there:
///   the rollback stopped before its last rename; the aside directory becomes the previous.
pub fn repair(layout: &Layout, names: &Names) -> Option<(Rename, &'static str)> {
    let live = names.live();
    let aside = layout.of(names, |k| matches!(k, Kind::Rollback(_))).pop();
    if !layout.has(live) {
        if let Some(aside) = aside {
            return Some((
                Rename::new(aside, live, Step::Repair),
                "the site was missing: a --rollback stopped after moving it aside; putting it back",
            ));
        }
        let complete = layout
            .of(names, |k| matches!(k, Kind::Release(_)))
            .into_iter()
            .rev()
            .find(|name| layout.entries[name].state.as_ref().is_some_and(|s| s.complete));
        if let Some(release) = complete {
            return Some((
                Rename::new(release, live, Step::Repair),
                "the site was missing: a deploy stopped between its two renames; switching its complete release in",
            ));
        }
        return None;
    }
    match aside {
        Some(aside) if !layout.has(&names.previous()) => Some((
            Rename::new(aside, names.previous(), Step::Repair),
            "a --rollback stopped before its last rename; finishing it",
        )),
        _ => None,
    }
}

/// The renames that switch the complete release `release` in: the release before the
/// previous one out of the way (to `retired`), the site to the previous name, the release to
/// the site's name.
pub fn switch(layout: &Layout, names: &Names, release: &str, id: &str) -> Vec<Rename> {
    let mut renames = Vec::new();
    let previous = names.previous();
    if layout.has(&previous) && layout.has(names.live()) {
        renames.push(Rename::new(previous.clone(), names.retired(id), Step::Retire));
    }
    if layout.has(names.live()) {
        renames.push(Rename::new(names.live(), previous, Step::Previous));
    }
    renames.push(Rename::new(release, names.live(), Step::Switch));
    renames
}

/// `--rollback` without a previous release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no previous release to roll back to ({0} is not there; --release-dir leaves one)")]
pub struct NoPrevious(pub String);

/// The renames of `--rollback`: the site aside, the previous release in, the site to the
/// previous name (so a second rollback undoes the first). Without a site, only the middle one.
pub fn rollback(layout: &Layout, names: &Names, id: &str) -> Result<Vec<Rename>, NoPrevious> {
    let previous = names.previous();
    if !layout.is_dir(&previous) {
        return Err(NoPrevious(previous));
    }
    let live = names.live();
    if !layout.has(live) {
        return Ok(vec![Rename::new(previous, live, Step::Restore)]);
    }
    let aside = names.rollback(id);
    Ok(vec![
        Rename::new(live, aside.clone(), Step::Aside),
        Rename::new(previous.clone(), live, Step::Restore),
        Rename::new(aside, previous, Step::Previous),
    ])
}

/// The plan of the renames around a release (the dry run prints it; `--json` as the plan's
/// `release`). Paths are the server's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Switch {
    /// The release directory.
    pub dir: String,
    /// An unfinished release of this source tree, resumed.
    pub resumed: bool,
    /// Renames that put back a site a stopped run left half-switched (done first).
    pub repairs: Vec<Rename>,
    /// Protected paths moved from the site into the release before the switch.
    pub carried: Vec<Rename>,
    pub renames: Vec<Rename>,
    /// Directories whose files pasv put there are removed after the switch.
    pub removed: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names::new("sites/www").unwrap()
    }

    fn layout(entries: &[(&str, Option<(bool, &str)>)]) -> Layout {
        let entries = entries
            .iter()
            .map(|(name, state)| {
                let state = state.map(|(complete, source)| State { complete, ..State::new(source) });
                (name.to_string(), Entry { dir: true, state })
            })
            .collect();
        Layout { entries }
    }

    #[test]
    fn names_the_siblings_and_knows_them_again() {
        let n = names();
        assert_eq!((n.parent(), n.live()), ("sites", "www"));
        assert_eq!(Names::new("www").unwrap().parent(), "");
        assert_eq!(Names::new("/www").unwrap().parent(), "/");
        assert_eq!(Names::new("/a/www/").unwrap(), Names { parent: "/a".into(), base: "www".into() });
        for bad in ["", "/", "..", "a/.."] {
            assert!(Names::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(n.previous(), "www.pasv-previous");
        assert_eq!(n.kind("www"), Some(Kind::Live));
        assert_eq!(n.kind("www.pasv-previous"), Some(Kind::Previous));
        assert_eq!(n.kind(&n.release("1")), Some(Kind::Release("1".into())));
        assert_eq!(n.kind(&n.rollback("2")), Some(Kind::Rollback("2".into())));
        assert_eq!(n.kind(&n.retired("3")), Some(Kind::Retired("3".into())));
        assert_eq!(n.kind(&n.probe("4")), Some(Kind::Probe("4".into())));
        assert_eq!(n.lock(".pasv-deploy.json"), "www.pasv-deploy.json.lock");
        assert_eq!(n.kind(&n.lock(".pasv-deploy.json")), None);
        assert_eq!(n.lock_path(".pasv-deploy.json"), "sites/www.pasv-deploy.json.lock");
        assert_eq!(n.plain_lock_path(".pasv-deploy.json"), "sites/www/.pasv-deploy.json.lock");
        for other in ["www2", "www.pasv-release-", "www.old", "www.pasv-previous2", "ww", "www.pasv-part"] {
            assert_eq!(n.kind(other), None, "{other}");
        }
    }

    #[test]
    fn ids_are_times_that_sort() {
        let at = |secs: u64| new_id(UNIX_EPOCH + std::time::Duration::from_secs(secs), 42);
        assert_eq!(at(0), "19700101-000000-42");
        assert_eq!(at(951_782_400 + 3_723), "20000229-010203-42");
        assert_eq!(at(1_741_944_600), "20250314-093000-42");
        assert!(at(1_741_944_600) < at(1_741_944_601));
    }

    #[test]
    fn the_layout_keeps_only_the_targets_entries() {
        let mut listed = Listed { exists: true, complete: true, ..Listed::default() };
        listed.dirs.extend(["www", "www.pasv-previous", "other", "www.pasv-release-1"].map(String::from));
        listed.files.insert("www.pasv-retired-2".into(), Some(1));
        let layout = Layout::from_listing(&names(), &listed);
        let kept: Vec<(&str, bool)> = layout.entries.iter().map(|(n, e)| (n.as_str(), e.dir)).collect();
        assert_eq!(
            kept,
            [("www", true), ("www.pasv-previous", true), ("www.pasv-release-1", true), ("www.pasv-retired-2", false)]
        );
        // Only directories count as releases.
        assert!(layout.of(&names(), |k| matches!(k, Kind::Retired(_))).is_empty());
    }

    #[test]
    fn a_switch_retires_the_oldest_and_keeps_the_previous() {
        let n = names();
        let both = layout(&[("www", None), ("www.pasv-previous", None)]);
        let renames = switch(&both, &n, "www.pasv-release-9", "9");
        let steps: Vec<(&str, &str, Step)> = renames.iter().map(|r| (r.from.as_str(), r.to.as_str(), r.step)).collect();
        assert_eq!(
            steps,
            [
                ("www.pasv-previous", "www.pasv-retired-9", Step::Retire),
                ("www", "www.pasv-previous", Step::Previous),
                ("www.pasv-release-9", "www", Step::Switch),
            ]
        );
        // The first release onto nothing: one rename. Onto a site without a previous: two.
        assert_eq!(switch(&Layout::default(), &n, "www.pasv-release-9", "9").len(), 1);
        assert_eq!(switch(&layout(&[("www", None)]), &n, "www.pasv-release-9", "9").len(), 2);
        // A previous without a site (someone removed it) stays the previous.
        let steps = switch(&layout(&[("www.pasv-previous", None)]), &n, "www.pasv-release-9", "9");
        assert_eq!(steps, [Rename::new("www.pasv-release-9", "www", Step::Switch)]);
    }

    #[test]
    fn a_rollback_swaps_and_refuses_without_a_previous() {
        let n = names();
        let renames = rollback(&layout(&[("www", None), ("www.pasv-previous", None)]), &n, "5").unwrap();
        let mut after = layout(&[("www", Some((true, "new"))), ("www.pasv-previous", Some((true, "old")))]);
        for r in &renames {
            after.apply(r);
        }
        assert_eq!(after.entries["www"].state.as_ref().unwrap().source, "old");
        assert_eq!(after.entries["www.pasv-previous"].state.as_ref().unwrap().source, "new");
        assert_eq!(after.entries.len(), 2);
        assert_eq!(rollback(&layout(&[("www", None)]), &n, "5"), Err(NoPrevious("www.pasv-previous".into())));
        assert_eq!(rollback(&layout(&[("www.pasv-previous", None)]), &n, "5").unwrap().len(), 1);
    }

    #[test]
    fn repairs_every_point_where_a_switch_or_rollback_can_stop() {
        let n = names();
        // A deploy stopped between its two renames.
        let stopped = layout(&[
            ("www.pasv-previous", Some((true, "public"))),
            ("www.pasv-release-1", Some((false, "public"))),
            ("www.pasv-release-2", Some((true, "public"))),
            ("www.pasv-release-3", Some((false, "public"))),
        ]);
        let (rename, _) = repair(&stopped, &n).unwrap();
        assert_eq!(rename, Rename::new("www.pasv-release-2", "www", Step::Repair));
        // Nothing complete to switch in: left as it is (the deploy's own switch puts a site there).
        assert_eq!(repair(&layout(&[("www.pasv-previous", None), ("www.pasv-release-1", None)]), &n), None);
        // Every point of a rollback.
        let start = layout(&[("www", Some((true, "b"))), ("www.pasv-previous", Some((true, "a")))]);
        let renames = rollback(&start, &n, "7").unwrap();
        for stop in 1..renames.len() {
            let mut cut = start.clone();
            for r in &renames[..stop] {
                cut.apply(r);
            }
            let (rename, _) = repair(&cut, &n).unwrap_or_else(|| panic!("stopped after {stop}: {cut:?}"));
            cut.apply(&rename);
            assert!(cut.has("www") && cut.has("www.pasv-previous") && cut.entries.len() == 2, "{stop}: {cut:?}");
            assert_eq!(repair(&cut, &n), None);
        }
        // Every point of a switch: the site is never left missing.
        let start = layout(&[
            ("www", Some((true, "b"))),
            ("www.pasv-previous", Some((true, "a"))),
            ("www.pasv-release-9", Some((true, "c"))),
        ]);
        let renames = switch(&start, &n, "www.pasv-release-9", "9");
        for stop in 1..renames.len() {
            let mut cut = start.clone();
            for r in &renames[..stop] {
                cut.apply(r);
            }
            if let Some((rename, _)) = repair(&cut, &n) {
                cut.apply(&rename);
            }
            assert!(cut.has("www"), "stopped after {stop}: {cut:?}");
        }
        assert_eq!(repair(&start, &n), None);
    }
}
