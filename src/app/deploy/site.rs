//! The site as a `--release-dir` switch or a `--rollback` finds it: its state, its protected
//! paths (carried from the outgoing directory into the incoming one, so that what the hosting
//! or the site's users put there survives every switch), and what pasv did not put in it.

use std::collections::BTreeSet;

use anyhow::Result;

use super::beside::{Around, read_state, rename_one};
use super::guards;
use super::layout::{Layout, Rename, Step};
use super::plan::Source;
use super::protect::Protect;
use super::remote::{Op, Outcome, Problem, Remote};
use super::settings::Settings;
use super::state::{State, ancestors};
use crate::app::part_names::is_part_file;
use crate::app::sanitize::{escape, named};
use crate::app::tally::Tally;
use crate::app::transfer::job::join_rel;
use crate::app::transfer::run::report_failures;
use crate::engine::MAX_DEPTH;

/// The site as it is: its state, its protected paths (carried into the next release) and
/// the top-level entries pasv did not put there.
pub(super) struct Site {
    exists: bool,
    /// Its state file, when readable.
    state: Option<State>,
    /// Protected paths (relative to the site), moved into the release before the switch.
    pub(super) carried: Vec<String>,
    /// Top-level names the state does not list (`None`: there is no state to tell).
    strangers: Option<Vec<String>>,
}

impl Site {
    /// Looks at `live` (a name in the parent directory) when it is there: the top level, and
    /// every directory when `--protect` may reach below it.
    pub(super) async fn look(
        remote: &mut Remote<'_>,
        around: &Around<'_>,
        live: &str,
        layout: &Layout,
        protect: &Protect,
        tally: &Tally<'_>,
    ) -> Result<Self> {
        let mut site = Site { exists: layout.is_dir(live), state: None, carried: Vec::new(), strangers: None };
        if !site.exists {
            return Ok(site);
        }
        // Read by the survey when a repair just put a release in the site's place.
        site.state = match layout.entries.get(live).and_then(|e| e.state.clone()) {
            Some(state) => Some(state),
            None => read_state(remote, &format!("{live}/{}", around.state_file)).await?,
        };
        let mut level = vec![String::new()];
        let mut top = None;
        for _ in 0..MAX_DEPTH {
            if level.is_empty() {
                break;
            }
            let ops = level.iter().map(|rel| Op::List(join_rel(live, rel))).collect();
            let (listed, failures) = remote.run(ops, tally).await;
            report_failures(failures)?;
            let mut next = Vec::new();
            let mut unlisted = Vec::new();
            for (op, outcome) in listed {
                let Outcome::Listed(listed) = outcome else { continue };
                let dir = op.rel().strip_prefix(live).unwrap_or_default().trim_start_matches('/').to_string();
                let shown =
                    |n: &str| listed.files.contains_key(n) || listed.dirs.contains(n) || listed.others.contains(n);
                let own = |n: &str| dir.is_empty() && Protect::is_pasv_own(n, &around.state_file);
                unlisted.extend(protect.dot_names(&dir).filter(|n| !shown(n) && !own(n)).map(|n| join_rel(&dir, n)));
                for (name, is_dir) in listed
                    .dirs
                    .iter()
                    .map(|n| (n, true))
                    .chain(listed.files.keys().chain(&listed.others).map(|n| (n, false)))
                {
                    let rel = join_rel(&dir, name);
                    if dir.is_empty() && Protect::is_pasv_own(&rel, &around.state_file) {
                        continue;
                    }
                    let whole = if is_dir { protect.covers_dir(&rel) } else { protect.covers(&rel) };
                    if whole {
                        site.carried.push(rel);
                    } else if is_dir && protect.is_custom() {
                        next.push(rel);
                    }
                }
                if dir.is_empty() {
                    top = Some(listed);
                }
            }
            site.carried.extend(hidden(remote, live, unlisted, protect, tally).await?);
            level = next;
        }
        site.carried.sort();
        if let (Some(state), Some(top)) = (&site.state, top) {
            let owned = |rel: &String| state.files.contains_key(rel) || state.pending.contains(rel);
            let mut strangers: Vec<String> = top
                .files
                .keys()
                .chain(&top.others)
                .filter(|n| !owned(n) && !is_part_file(n))
                .cloned()
                .chain(top.dirs.iter().filter(|d| !state.dirs.contains_key(*d)).map(|d| format!("{d}/")))
                .filter(|n| {
                    let rel = n.trim_end_matches('/');
                    !Protect::is_pasv_own(rel, &around.state_file) && !site.carried.iter().any(|c| c == rel)
                })
                .collect();
            strangers.sort();
            site.strangers = Some(strangers);
        }
        Ok(site)
    }

    /// `rel` is a carried path or under one.
    fn carries(&self, rel: &str) -> bool {
        self.carried.iter().any(|c| rel.strip_prefix(c.as_str()).is_some_and(|r| r.is_empty() || r.starts_with('/')))
    }

    /// The source without what the site's protected paths replace (never overwritten, as
    /// in the site itself).
    pub(super) fn without_carried(&self, mut source: Source, tally: &Tally<'_>) -> Source {
        let before = source.files.len();
        source.files.retain(|rel, _| !self.carries(rel));
        source.dirs.retain(|rel| !self.carries(rel));
        if source.files.len() < before {
            tally.note(&format!(
                "pasv: note: {} file(s) of the source are under protected paths the site has: the site's copies are \
                 carried into the release instead",
                before - source.files.len()
            ));
        }
        source
    }

    /// `--max-delete` for a release: the files of the site's state (this source tree's) that
    /// the new release lacks leave the site with the switch.
    pub(super) fn check_vanishing(&self, source: &Source, settings: &Settings) -> Result<()> {
        let Some(state) = self.state.as_ref().filter(|s| s.source == settings.identity) else { return Ok(()) };
        let vanishing =
            state.files.keys().filter(|rel| !source.files.contains_key(*rel) && !self.carries(rel)).count() as u64;
        let owned = (state.files.len() + state.pending.len()) as u64;
        guards::check_count(vanishing, owned, settings.limit).map_err(|e| {
            anyhow::Error::new(e)
                .context("the new release would leave out files the site has (they stay in the previous release)")
        })
    }

    /// Says what the site has that pasv did not put there: it stays with the previous
    /// release, out of the new one.
    pub(super) fn say_strangers(&self, around: &Around<'_>, tally: &Tally<'_>) {
        let live = escape(&around.path(around.names.live())).into_owned();
        let previous = escape(&around.path(&around.names.previous())).into_owned();
        match &self.strangers {
            _ if !self.exists => {}
            None => tally.note(&format!(
                "pasv: note: {live} has no pasv state file: it is kept whole as {previous}, and the new release holds \
                 only the source"
            )),
            Some(strangers) if strangers.is_empty() => {}
            Some(strangers) => tally.note(&format!(
                "pasv: warning: {live} holds {} entr(y/ies) pasv did not put there: {}; they stay in {previous} and \
                 are not in the new release (--protect carries paths from release to release)",
                strangers.len(),
                named(strangers),
            )),
        }
    }
}

/// Which of the protected dot names `rels` (relative to `live`) a listing did not show are
/// there all the same (vsftpd lists no dot entries): SIZE finds a file, CWD a directory.
async fn hidden(
    remote: &mut Remote<'_>,
    live: &str,
    rels: Vec<String>,
    protect: &Protect,
    tally: &Tally<'_>,
) -> Result<Vec<String>> {
    let (sized, failures) = remote.run(rels.iter().map(|rel| Op::Size(join_rel(live, rel))).collect(), tally).await;
    report_failures(failures)?;
    let files: BTreeSet<&str> =
        sized.iter().filter(|(_, o)| matches!(o, Outcome::Size(Some(_)))).map(|(op, _)| op.rel()).collect();
    let mut found: Vec<String> =
        rels.iter().filter(|rel| files.contains(join_rel(live, rel).as_str())).cloned().collect();
    found.retain(|rel| protect.covers(rel));
    let rest: Vec<Op> = rels
        .iter()
        .filter(|rel| !files.contains(join_rel(live, rel).as_str()))
        .map(|rel| Op::IsDir(join_rel(live, rel)))
        .collect();
    let (dirs, failures) = remote.run(rest, tally).await;
    report_failures(failures)?;
    for (op, outcome) in dirs {
        let rel = op.rel().strip_prefix(live).unwrap_or_default().trim_start_matches('/');
        if matches!(outcome, Outcome::IsDir(true)) && protect.covers_dir(rel) {
            found.push(rel.to_string());
        }
    }
    Ok(found)
}

pub(super) fn carry_rename(from: &str, to: &str, rel: &str) -> Rename {
    Rename { from: join_rel(from, rel), to: join_rel(to, rel), step: Step::Carry }
}

/// What [`carry`] moved, and what it could not (left where it was, reported).
pub(super) struct Carried {
    pub(super) moved: Vec<String>,
    pub(super) failures: Vec<Problem>,
}

/// The protected paths `carried` moved from `from` into `to` (both names in the parent),
/// with the directories they need. A failure leaves the path where it was (nothing is lost)
/// and is reported.
pub(super) async fn carry(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    from: &str,
    to: &str,
    carried: &[String],
    tally: &Tally<'_>,
) -> Carried {
    move_all(remote, around, (from, to), carried, Step::Carry, tally).await
}

/// After a switch or rollback whose renames failed: when they were all `undone`, the
/// protected paths [`carry`] moved into `to` go back into `site`, which is still the site, so
/// that it lacks nothing. What stays in `to` is said (when the renames were not all undone,
/// nothing is moved: the names are not what they were, and the next run repairs them).
pub(super) async fn carry_back(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    (to, site): (&str, &str),
    moved: &[String],
    undone: bool,
    tally: &Tally<'_>,
) -> Vec<Problem> {
    let back = match undone {
        true => move_all(remote, around, (to, site), moved, Step::CarryBack, tally).await,
        false => Carried { moved: Vec::new(), failures: Vec::new() },
    };
    let left: Vec<&String> = moved.iter().filter(|rel| !back.moved.contains(rel)).collect();
    if !left.is_empty() {
        tally.note(&format!(
            "pasv: warning: protected path(s) of the site are in {} (the renames did not happen): {}",
            escape(&around.path(to)),
            named(&left)
        ));
    }
    back.failures
}

async fn move_all(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    (from, to): (&str, &str),
    carried: &[String],
    step: Step,
    tally: &Tally<'_>,
) -> Carried {
    let dirs = ancestors(to, carried.iter().map(String::as_str));
    let mut done = Carried { moved: Vec::new(), failures: Vec::new() };
    if let Err(error) = remote.make_dirs(&dirs).await {
        done.failures.push(Problem { what: to.to_string(), error });
        return done;
    }
    let why = if step == Step::Carry { "carrying a protected path" } else { "putting a protected path back" };
    for rel in carried {
        let rename = Rename { step, ..carry_rename(from, to, rel) };
        match rename_one(remote, around, &rename, tally).await {
            Ok(()) => done.moved.push(rel.clone()),
            Err(error) => done.failures.push(Problem { what: rel.clone(), error: error.context(why) }),
        }
    }
    done
}
