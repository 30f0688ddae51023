//! What is beside the target for `--release-dir` and `--rollback`: the parent directory's
//! entries and the state of each release in it ([`survey`]), the renames there (one after
//! another, undone on a failure; each said, and a `--json` event), the repair of a stopped
//! switch, the removal of old releases, which deletes only the files their state file
//! lists, and of the probes stopped runs left. Which renames, in which order, is
//! [`layout`](super::layout)'s.

use anyhow::{Result, bail};
use serde::Serialize;

use super::layout::{self, Kind, Layout, Names, Rename, Step, Switch};
use super::plan::Listed;
use super::protect::state_temp;
use super::remote::{Op, Outcome, Remote};
use super::run;
use super::state::State;
use crate::app::sanitize::{escape, named};
use crate::app::tally::Tally;
use crate::app::transfer::job::join_rel;
use crate::app::transfer::run::report_failures;
use crate::engine::join_remote;

/// What the release directories are called on this server and where they are.
pub(super) struct Around<'n> {
    pub(super) names: &'n Names,
    pub(super) state_file: String,
    pub(super) dry_run: bool,
}

impl Around<'_> {
    /// A server path for a name of the parent directory.
    pub(super) fn path(&self, name: &str) -> String {
        join_remote(self.names.parent(), name)
    }

    pub(super) fn shown(&self, rename: &Rename) -> Rename {
        Rename { from: self.path(&rename.from), to: self.path(&rename.to), step: rename.step }
    }
}

/// A `--json` event for one rename done.
#[derive(Serialize)]
struct Renamed<'a> {
    action: &'static str,
    from: &'a str,
    to: &'a str,
    step: Step,
}

/// A `--json` event for a directory removed after a switch.
#[derive(Serialize)]
struct Removed<'a> {
    action: &'static str,
    path: &'a str,
    files: usize,
    /// Left in place: it holds something pasv did not put there.
    kept: bool,
}

/// The parent directory's entries that belong to the target, and what the state file of
/// each release (retired release, and the previous one, which a switch retires) says.
pub(super) async fn survey(remote: &mut Remote<'_>, around: &Around<'_>, tally: &Tally<'_>) -> Result<Layout> {
    let (listed, failures) = remote.run(vec![Op::List(String::new())], tally).await;
    report_failures(failures)?;
    let listed = match listed.into_iter().next() {
        Some((_, Outcome::Listed(listed))) => listed,
        _ => Listed::default(),
    };
    let parent = around.path("");
    if listed.exists && !listed.complete {
        bail!(
            "the listing of {} has lines pasv cannot read, so it cannot tell which releases are there",
            escape(if parent.is_empty() { "the login directory" } else { &parent })
        );
    }
    let mut layout = Layout::from_listing(around.names, &listed);
    let live = around.names.live();
    if layout.has(live) && !layout.is_dir(live) {
        bail!(
            "{} on the server is not a directory (a file or a link): releases switch directories only",
            escape(&around.path(live))
        );
    }
    for name in layout.of(around.names, |k| matches!(k, Kind::Release(_) | Kind::Retired(_) | Kind::Previous)) {
        let state = read_state(remote, &format!("{name}/{}", around.state_file)).await?;
        if let Some(entry) = layout.entries.get_mut(&name) {
            entry.state = state;
        }
    }
    Ok(layout)
}

/// Puts back what a stopped run left half-switched.
pub(super) async fn repair(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    layout: &mut Layout,
    switch: &mut Switch,
    tally: &Tally<'_>,
) -> Result<()> {
    let Some((rename, why)) = layout::repair(layout, around.names) else { return Ok(()) };
    tally.note(&format!("pasv: {why}"));
    // A dry run prints it with the rest of its plan.
    if !around.dry_run {
        rename_all(remote, around, std::slice::from_ref(&rename), tally).await.map_err(|s| s.error)?;
    }
    layout.apply(&rename);
    switch.repairs.push(around.shown(&rename));
    Ok(())
}

/// A state file, when there is one pasv can read (whatever tree it is of).
pub(super) async fn read_state(remote: &mut Remote<'_>, rel: &str) -> Result<Option<State>> {
    let bytes = remote.read_small(rel, super::state::MAX_BYTES).await?;
    Ok(bytes.and_then(|b| super::state_file::parse(&b).ok()))
}

/// A burst of renames that stopped at one that failed.
pub(super) struct Stopped {
    pub(super) error: anyhow::Error,
    /// The renames done before it were all undone: the names are as they were.
    pub(super) undone: bool,
}

/// Renames one after another (each needs the one before). On a failure the renames done are
/// undone, newest first, so the names are as they were (unless one of those fails too).
pub(super) async fn rename_all(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    renames: &[Rename],
    tally: &Tally<'_>,
) -> Result<(), Stopped> {
    for (i, rename) in renames.iter().enumerate() {
        if let Err(error) = rename_one(remote, around, rename, tally).await {
            let mut undone = true;
            for done in renames[..i].iter().rev() {
                let back = Rename { from: done.to.clone(), to: done.from.clone(), step: Step::Repair };
                if rename_one(remote, around, &back, tally).await.is_err() {
                    undone = false;
                    break;
                }
            }
            let error = error.context("the renames were undone; the next run repairs what is still out of place");
            return Err(Stopped { error, undone });
        }
    }
    Ok(())
}

pub(super) async fn rename_one(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    rename: &Rename,
    tally: &Tally<'_>,
) -> Result<()> {
    let op = Op::Move { from: rename.from.clone(), to: rename.to.clone() };
    let (_, mut failures) = remote.run(vec![op], tally).await;
    if let Some(failure) = failures.pop() {
        return Err(failure.error);
    }
    let shown = around.shown(rename);
    let out = tally.output();
    if out.json() {
        let event = Renamed { action: "rename", from: &shown.from, to: &shown.to, step: shown.step };
        let _ = out.json_line(&event);
    }
    let verb = if matches!(shown.step, Step::Carry | Step::CarryBack) { "moved" } else { "renamed" };
    tally.note(&format!("pasv: {verb} {} -> {} ({})", escape(&shown.from), escape(&shown.to), shown.step.text()));
    Ok(())
}

/// The directories beside the site that a switch to `release` removes, and those it leaves.
/// Removed: what this deployment owns and no run will use again ([`owned`]): the finished
/// releases of `source` (this source tree) that are not `release`, retired or not. Left:
/// another tree's releases, unfinished ones (another run's, under way or stopped), and ones
/// without a readable state file. (The release this switch retires is the caller's to weigh
/// the same way; probes are [`stale_probes`]'.)
pub(super) fn leftovers(layout: &Layout, names: &Names, release: &str, source: &str) -> (Vec<String>, Vec<String>) {
    let (gone, left) = layout
        .of(names, |k| matches!(k, Kind::Retired(_) | Kind::Release(_)))
        .into_iter()
        .filter(|name| name != release)
        .partition(|name| owned(layout.entries[name].state.as_ref(), source));
    (gone, left)
}

/// A release directory this deployment owns, by its state file: finished, from the source
/// tree `source`.
pub(super) fn owned(state: Option<&State>, source: &str) -> bool {
    state.is_some_and(|s| s.complete && s.source == source)
}

/// The probes (`www.pasv-probe-ID`) runs that were stopped left beside the target, out of the
/// layout and removed: with the deploy lock held no other run is under way, so none is in use
/// (this run's own is gone already). A dry run only says so. One that will not go is said.
pub(super) async fn stale_probes(remote: &mut Remote<'_>, around: &Around<'_>, layout: &mut Layout, tally: &Tally<'_>) {
    let probes = layout.of(around.names, |k| matches!(k, Kind::Probe(_)));
    if probes.is_empty() {
        return;
    }
    for name in &probes {
        layout.entries.remove(name);
    }
    let shown = |names: &[String]| named(&names.iter().map(|name| around.path(name)).collect::<Vec<_>>());
    if around.dry_run {
        tally.note(&format!("pasv: note: a run would remove {} (left by stopped runs)", shown(&probes)));
        return;
    }
    let (removed, failures) = run::remove_dirs(remote, probes, tally).await;
    if !removed.is_empty() {
        tally.note(&format!(
            "pasv: note: removed {} (left by stopped runs: the check that the server renames directories)",
            shown(&removed)
        ));
    }
    for problem in failures {
        tally.note(&format!("pasv: warning: {}: {}", escape(&problem.what), escape(&format!("{:#}", problem.error))));
    }
}

/// Says which directories beside the site a switch leaves (see [`leftovers`]).
pub(super) fn say_left(around: &Around<'_>, left: &[String], tally: &Tally<'_>) {
    if left.is_empty() {
        return;
    }
    let shown: Vec<String> = left.iter().map(|name| around.path(name)).collect();
    tally.note(&format!(
        "pasv: note: left {} (another source tree's, unfinished, or without a pasv state file: not this deploy's to \
         remove)",
        named(&shown)
    ));
}

/// Deletes what pasv put in `name` (its state file lists it: `known` when read already), then
/// the directory; anything else in it stays, and so does the directory, with a warning.
pub(super) async fn remove_release(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    name: &str,
    known: Option<State>,
    tally: &Tally<'_>,
) {
    let shown = around.path(name);
    let state = match known {
        Some(state) => Some(state),
        None => read_state(remote, &format!("{name}/{}", around.state_file)).await.unwrap_or_default(),
    };
    let mut files = 0;
    let mut problems = Vec::new();
    if let Some(state) = &state {
        let ops = state.files.keys().chain(&state.pending).map(|rel| Op::Delete(join_rel(name, rel))).collect();
        let (done, failures) = remote.run(ops, tally).await;
        files = done.iter().filter(|(_, o)| matches!(o, Outcome::Done)).count();
        problems.extend(failures);
        if problems.is_empty() {
            let dirs: Vec<String> = state.dirs.keys().filter(|d| !d.is_empty()).map(|d| join_rel(name, d)).collect();
            let (_, failures) = run::remove_dirs(remote, dirs, tally).await;
            problems.extend(failures);
            let own = [state_temp(&around.state_file), around.state_file.clone()];
            let (_, failures) = remote.run(own.iter().map(|f| Op::Delete(join_rel(name, f))).collect(), tally).await;
            problems.extend(failures);
        }
    }
    let (done, failures) = remote.run(vec![Op::Rmdir(name.to_string())], tally).await;
    problems.extend(failures);
    let kept = !matches!(done.first(), Some((_, Outcome::Done)));
    let out = tally.output();
    if out.json() {
        let _ = out.json_line(&Removed { action: "remove", path: &shown, files, kept });
    }
    for problem in &problems {
        tally.note(&format!("pasv: warning: {}: {}", escape(&problem.what), escape(&format!("{:#}", problem.error))));
    }
    if kept {
        let why = if state.is_some() { "it holds files pasv did not put there" } else { "it has no pasv state file" };
        tally.note(&format!(
            "pasv: warning: kept {} ({why}; pasv deleted the {files} file(s) it put there): check it and remove it \
             yourself",
            escape(&shown)
        ));
    } else {
        tally.note(&format!("pasv: removed {} ({files} file(s))", escape(&shown)));
    }
}
