//! `deploy --release-dir` and `deploy --rollback`: the renames in the target's parent
//! directory (the names and the order are [`layout`]'s), and what goes with them.
//!
//! A release is uploaded whole into a new directory beside the target (FTP cannot copy the
//! unchanged files on the server, so nothing of the site is reused), with its own state file
//! describing it; a run that stops is resumed into the same directory by the next. Only a
//! complete release is switched in: the protected paths of the site (`.well-known/**`,
//! `--protect`) are moved into it first, then the release before the previous one steps out
//! of the way, the site becomes the previous release and the new one the site. What pasv put
//! in the release before the previous one (its state file lists it) is then deleted; anything
//! else in it is left where it is, with a warning. `--rollback` swaps the previous release
//! and the site the same way. Every run first puts back what a stopped run left
//! half-switched ([`layout::repair`]). Both take the deploy lock beside the target before
//! they change anything (a dry run takes none), so probes other runs left are stale and go.
//! A release is removed only when its state file says this deployment owns it (finished,
//! from this source tree): the release a switch retires too.

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, Result};

use super::beside::{Around, leftovers, owned, remove_release, rename_all, repair, say_left, stale_probes, survey};
use super::layout::{self, Names, Rename, Step, Switch};
use super::lock::Lock;
use super::look;
use super::plan::{self, Basis, Listed, Seen, Source};
use super::protect::Protect;
use super::remote::{Problem, Remote};
use super::run;
use super::scan::Scanned;
use super::settings::Settings;
use super::show;
use super::site::{Site, carry, carry_back, carry_rename};
use crate::app::interrupt::or_interrupted;
use crate::app::sanitize::escape;
use crate::app::settings::usage;
use crate::app::tally::Tally;
use crate::app::transfer::run::report_failures;

/// `deploy --release-dir`: the remote is open at the target; `scanned` is the source.
pub async fn deploy(
    remote: &mut Remote<'_>,
    settings: &Settings,
    names: &Names,
    scanned: Scanned,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let problems = scanned.problems;
    if !problems.is_empty() {
        tally.note("pasv: error: some source files cannot be read: no release is made, nothing on the server changed");
        return report_failures(problems);
    }
    let mut lock = Lock::new(names.lock_path(&settings.state_file));
    lock.exclude(names.plain_lock_path(&settings.state_file));
    let result = or_interrupted(release(remote, settings, names, scanned.source, tally, &mut lock)).await;
    lock.release(remote, tally).await;
    result
}

/// [`deploy`] with the source read whole; `lock` is taken before anything changes.
async fn release(
    remote: &mut Remote<'_>,
    settings: &Settings,
    names: &Names,
    source: Source,
    tally: &mut Tally<'_>,
    lock: &mut Lock,
) -> Result<()> {
    let around = Around { names, state_file: settings.state_file.clone(), dry_run: settings.dry_run };
    let id = layout::new_id(SystemTime::now(), std::process::id());
    remote.set_root(names.parent().to_string());
    if !settings.dry_run {
        if !names.parent().is_empty() {
            remote.make_dirs(&[String::new()]).await?;
        }
        if settings.break_lock {
            lock.break_old(remote, tally).await?;
        }
        lock.take(remote, tally).await?;
        probe(remote, &around, &id).await?;
    }
    let mut layout = survey(remote, &around, tally).await?;
    stale_probes(remote, &around, &mut layout, tally).await;
    let mut switch = Switch::default();
    repair(remote, &around, &mut layout, &mut switch, tally).await?;

    let site = Site::look(remote, &around, names.live(), &layout, &settings.rules.protect, tally).await?;
    let (release, basis) = match layout.resumable(names, &settings.identity) {
        Some(name) => {
            // Read by the survey (no one else needs it: it is neither removed nor the site).
            let state = layout.entries.get_mut(&name).and_then(|e| e.state.take());
            (name, state.map_or(Basis::Missing, Basis::Trusted))
        }
        None => (names.release(&id), Basis::Missing),
    };
    switch.resumed = basis.trusted().is_some();
    switch.dir = around.path(&release);
    let source = site.without_carried(source, tally);
    // A dry run prints the plan first, then fails the same way (as without --release-dir).
    let guarded = site.check_vanishing(&source, settings);
    if guarded.is_err() && !settings.dry_run {
        return guarded;
    }
    site.say_strangers(&around, tally);

    let renames = layout::switch(&layout, names, &release, &id);
    switch.carried = site.carried.iter().map(|rel| around.shown(&carry_rename(names.live(), &release, rel))).collect();
    switch.renames = renames.iter().map(|r| around.shown(r)).collect();
    let (mut gone, mut left) = leftovers(&layout, names, &release, &settings.identity);
    // The release this switch retires (the previous one, whose state the survey read): removed
    // on the same terms, else left under its retired name and said once it has that name.
    let mut retired = None;
    if renames.iter().any(|r| r.step == Step::Retire) {
        let state = layout.entries.get_mut(&names.previous()).and_then(|e| e.state.take());
        let name = names.retired(&id);
        match owned(state.as_ref(), &settings.identity) {
            true => gone.push(name.clone()),
            false if settings.dry_run => left.push(name.clone()),
            false => {}
        }
        retired = Some((name, state));
    }
    say_left(&around, &left, tally);
    switch.removed = gone.iter().map(|name| around.path(name)).collect();

    remote.set_root(around.path(&release));
    let seen = match &basis {
        Basis::Trusted(_) => look::look(remote, &source, &basis, settings, Seen::default(), tally).await?,
        _ => fresh(&source),
    };
    let plan = plan::plan(&source, &basis, &seen, &settings.rules);
    if settings.dry_run {
        show::plan(tally, &plan, &basis, Some(&switch))?;
        tally.finish("deploy", true);
        return guarded;
    }
    if switch.resumed {
        tally.note(&format!("pasv: resuming the unfinished release {}", escape(&switch.dir)));
    } else {
        tally.note(&format!(
            "pasv: new release {}: the whole source goes up ({} file(s), {}); FTP cannot copy the site's unchanged \
             files on the server",
            escape(&switch.dir),
            plan.uploads.len(),
            indicatif::BinaryBytes(plan.bytes)
        ));
    }
    show::findings(tally, &plan);
    let mut failures = run::execute(remote, plan, basis.trusted(), settings, lock, tally, Vec::new()).await?;
    remote.set_root(names.parent().to_string());
    if failures.is_empty() {
        failures = switch_in(remote, &around, &release, &site, &renames, tally).await;
        if failures.is_empty() {
            for name in gone {
                let known = match &mut retired {
                    Some((retired, state)) if *retired == name => state.take(),
                    _ => layout.entries.get_mut(&name).and_then(|e| e.state.take()),
                };
                remove_release(remote, &around, &name, known, tally).await;
            }
            if let Some((name, _)) = retired.filter(|(name, _)| !switch.removed.contains(&around.path(name))) {
                say_left(&around, &[name], tally);
            }
        }
    } else {
        tally.note(&format!(
            "pasv: warning: the release {} is not complete, so it was not switched in: the site is unchanged, and \
             the next run resumes the release",
            escape(&switch.dir)
        ));
    }
    remote.finish(tally, failures).map(drop)
}

/// The complete `release` becomes the site: the site's protected paths carried into it,
/// then `renames` in one burst.
async fn switch_in(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    release: &str,
    site: &Site,
    renames: &[Rename],
    tally: &Tally<'_>,
) -> Vec<Problem> {
    let names = around.names;
    let stop = (around.path(release), "switching the release in");
    let (failures, started) = match swap(remote, around, release, &site.carried, renames, stop, tally).await {
        Ok(swapped) => swapped,
        Err(stopped) => return stopped,
    };
    let kept = match renames.iter().any(|r| r.step == Step::Previous) {
        true => format!(
            "; the site it replaced is {} (pasv deploy --rollback URL brings it back)",
            escape(&around.path(&names.previous()))
        ),
        false => String::new(),
    };
    tally.note(&format!(
        "pasv: switched {} to the new release in {:.2}s{kept}",
        escape(&around.path(names.live())),
        started.elapsed().as_secs_f64(),
    ));
    failures
}

/// The site's protected paths `carried` moved into `into` (a name in the parent), then
/// `renames` in one burst (a switch or a rollback). Ok: what could not be carried (it stays
/// in the site, said) and when the burst began. When the renames stop, what was carried goes
/// back ([`carry_back`]); the error holds every problem, the stop first, named by `stop`
/// (the path, and what was under way).
async fn swap(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    into: &str,
    carried: &[String],
    renames: &[Rename],
    stop: (String, &'static str),
    tally: &Tally<'_>,
) -> Result<(Vec<Problem>, Instant), Vec<Problem>> {
    let live = around.names.live();
    let carried = carry(remote, around, live, into, carried, tally).await;
    let started = Instant::now();
    match rename_all(remote, around, renames, tally).await {
        Ok(()) => Ok((carried.failures, started)),
        Err(stopped) => {
            let (what, doing) = stop;
            let mut problems = vec![Problem { what, error: stopped.error.context(doing) }];
            problems.extend(carry_back(remote, around, (into, live), &carried.moved, stopped.undone, tally).await);
            problems.extend(carried.failures);
            Err(problems)
        }
    }
}

/// `deploy --rollback`: the remote is open at the target; `break_lock`: `--break-lock`.
pub async fn rollback(
    remote: &mut Remote<'_>,
    names: &Names,
    state_file: &str,
    protect: &Protect,
    dry_run: bool,
    break_lock: bool,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let mut lock = Lock::new(names.lock_path(state_file));
    lock.exclude(names.plain_lock_path(state_file));
    let around = Around { names, state_file: state_file.to_string(), dry_run };
    let result = or_interrupted(async {
        remote.set_root(names.parent().to_string());
        if !dry_run {
            if break_lock {
                lock.break_old(remote, tally).await?;
            }
            lock.take(remote, tally).await?;
        }
        roll_back(remote, &around, protect, tally).await
    })
    .await;
    lock.release(remote, tally).await;
    result
}

/// [`rollback`] once it holds the lock (or is a dry run).
async fn roll_back(
    remote: &mut Remote<'_>,
    around: &Around<'_>,
    protect: &Protect,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let (names, dry_run) = (around.names, around.dry_run);
    let mut layout = survey(remote, around, tally).await?;
    stale_probes(remote, around, &mut layout, tally).await;
    let mut switch = Switch::default();
    repair(remote, around, &mut layout, &mut switch, tally).await?;
    let id = layout::new_id(SystemTime::now(), std::process::id());
    let renames = layout::rollback(&layout, names, &id)?;
    let previous = names.previous();
    let carried = Site::look(remote, around, names.live(), &layout, protect, tally).await?.carried;
    if dry_run {
        switch.dir = around.path(&previous);
        switch.carried = carried.iter().map(|rel| around.shown(&carry_rename(names.live(), &previous, rel))).collect();
        switch.renames = renames.iter().map(|r| around.shown(r)).collect();
        show::rollback_plan(tally.output(), &switch)?;
        summary(tally, true);
        return Ok(());
    }
    let stop = (around.path(names.live()), "rolling back");
    let failures = match swap(remote, around, &previous, &carried, &renames, stop, tally).await {
        Ok((failures, _)) => failures,
        Err(stopped) => {
            tally.failed(stopped.len() as u64);
            summary(tally, false);
            return report_failures(stopped);
        }
    };
    let swapped = renames.len() > 1;
    tally.note(&format!(
        "pasv: rolled back: {} is the previous release again{}",
        escape(&around.path(names.live())),
        if swapped {
            format!("; the one it replaced is {} (roll back again to return to it)", escape(&around.path(&previous)))
        } else {
            String::new()
        }
    ));
    tally.failed(failures.len() as u64);
    summary(tally, false);
    report_failures(failures)
}

/// A rollback's summary, for `--json`; elsewhere the notes said it all (no file is copied).
fn summary(tally: &mut Tally<'_>, dry_run: bool) {
    if tally.output().json() {
        tally.finish("rollback", dry_run);
    } else {
        tally.finish_quietly();
    }
}

/// Makes a directory beside the target, renames it and removes it: a server that cannot
/// rename directories stops the deploy here, before anything is uploaded.
async fn probe(remote: &mut Remote<'_>, around: &Around<'_>, id: &str) -> Result<()> {
    let probe = around.names.probe(id);
    let parent = if around.names.parent().is_empty() { "the login directory" } else { around.names.parent() };
    let renamed = remote.probe_dir_rename(&probe, &format!("{probe}-renamed")).await.with_context(|| {
        format!("--release-dir makes its releases beside the target, in {}, and cannot", escape(parent))
    })?;
    renamed.context(
        "the server cannot rename a directory, which --release-dir needs to switch releases (checked with a probe \
         directory; nothing was uploaded, nothing changed). --atomic switches file by file instead",
    )
}

/// What a new, empty release directory holds: nothing (so nothing is listed).
fn fresh(source: &Source) -> Seen {
    let dirs: BTreeMap<String, Listed> = source.dirs.iter().map(|d| (d.clone(), Listed::default())).collect();
    Seen { dirs, ..Seen::default() }
}

/// `--rollback`'s and `--release-dir`'s usage errors, from the target's path.
pub fn names(target: &str) -> Result<Names> {
    Names::new(target).map_err(|e| usage(e.to_string()))
}
