//! `pasv deploy DIR URL`: publishes a build directory, uploading only what changed by
//! content, resumable, with bounded and protected deletes (issue 16).
//!
//! One job per file: [`scan`] reads and hashes the source tree; [`state`] is the state
//! file's content and [`state_file`] its bytes; [`free`] frees large values off the critical
//! path; [`plan`] decides, without I/O, what to upload, delete and leave; [`guards`]
//! bound the deletes and protect paths; [`run`] carries a plan out with checkpoints;
//! [`show`] prints plans and notes; [`remote`] is the only door to the session pool and
//! `mirror`'s uploads; [`look`] asks the server what a plan needs; [`layout`] names the
//! release directories of `--release-dir` and plans their renames, which [`release`] carries
//! out (and `--rollback`'s) with [`beside`] (the target's parent directory) and [`site`]
//! (the site's protected paths); [`lock`] keeps a second run off a target that one is
//! changing. This file resolves the command line and puts the steps in order: scan (on
//! threads) while connecting, reading the state file and listing the directories where the
//! files hashed so far changed; list what else the plan needs, plan, check the guards, then
//! print (`--dry-run`) or run. The lock is taken at the first change the scan finds, beside
//! the listings that change asks for (or, where nothing changed in a file the state lists,
//! once the run is about to change something), and removed when the deploy ends.

mod beside;
mod free;
mod guards;
mod layout;
mod lock;
mod look;
mod plan;
mod protect;
mod release;
mod remote;
mod run;
mod scan;
mod settings;
mod show;
mod site;
mod state;
mod state_file;

use std::time::Instant;

use anyhow::{Context as _, Result};

use self::free::drop_later;
use self::lock::{Lock, StateRead};
use self::plan::{Basis, Seen};
use self::protect::{Protect, STAGING, lock_name, state_temp};
use self::remote::Remote;
use self::settings::Settings;
use self::state::Unreadable;
use super::context::Context;
use super::interrupt::or_interrupted;
use super::tally::Tally;
use super::target::Target;
use super::transfer::run::report_failures;
use crate::cli::DeployArgs;

pub async fn deploy(ctx: &Context, args: DeployArgs) -> Result<()> {
    let (source, url) = settings::paths(&args)?;
    let target = super::config_file::resolve(url)?;
    let sessions = remote::Sessions::new(ctx, args.limit_rate.as_deref())?;
    let Some(source) = source else { return rollback(ctx, &args, &target, sessions).await };
    let settings = Settings::new(&args, source, url)?;
    let names = settings.release_dir.then(|| release::names(&target.path)).transpose()?;

    // Hash the source on threads while the first session logs in, reads the state and lists
    // the directories where the files hashed so far changed.
    let (root, filter, state_file) =
        (settings.source.clone(), settings.rules.filter.clone(), settings.state_file.clone());
    let (found, mut hashed) = tokio::sync::mpsc::unbounded_channel();
    let scanning = tokio::task::spawn_blocking(move || {
        let (temp, lock) = (state_temp(&state_file), lock_name(&state_file));
        let reserved = [state_file.as_str(), temp.as_str(), lock.as_str(), STAGING];
        // The receiver gone (the deploy failed), the files are of no use.
        scan::scan_to(&root, &filter, &reserved, &|batch| drop(found.send(batch)))
    });
    let mut remote = Remote::open(ctx, &target, sessions).await?;
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    if let Some(names) = names {
        // A release starts empty: nothing to list while the scan runs.
        let early = look::while_scanning(&mut remote, None, None, &mut hashed, &tally).await;
        let scanned = scanned(scanning, early.files, &tally).await?;
        let result = release::deploy(&mut remote, &settings, &names, scanned, &mut tally).await;
        remote.close().await;
        return result;
    }
    let read = read_state(&mut remote, &settings).await;
    let mut lock = Lock::new(remote.path(&lock_name(&settings.state_file)));
    // `--release-dir`'s lock beside the target (none for a target at the server's root).
    if let Ok(names) = release::names(&target.path) {
        lock.exclude(names.lock_path(&settings.state_file));
    }
    let basis = read.map(|(basis, read)| {
        lock.expect(read);
        basis
    });
    // Under Ctrl-C's watch from here: the lock may be taken while the scan runs.
    let result = or_interrupted(async {
        let trusted = basis.as_ref().ok().and_then(Basis::trusted);
        // Taken at the first change the scan finds (`--break-lock` breaks the old one first,
        // once the scan is over; a dry run takes none).
        let lock_on_change = (!settings.dry_run && !settings.break_lock).then_some(&mut lock);
        let early = look::while_scanning(&mut remote, trusted, lock_on_change, &mut hashed, &tally).await;
        let scanned = scanned(scanning, early.files, &tally).await?;
        let basis = basis?;
        show::basis(&tally, &basis, &settings);
        report_failures(early.failures)?;
        if let Some(refused) = early.lock_refused {
            return Err(refused);
        }
        if settings.break_lock {
            lock.break_old(&mut remote, &tally).await?;
        }
        plan_and_run(&mut remote, &settings, basis, scanned, early.seen, &mut tally, &mut lock).await
    })
    .await;
    lock.release(&mut remote, &tally).await;
    remote.close().await;
    result
}

/// The scan's result once it is over, with the `files` it handed out; its notes said.
async fn scanned(
    scanning: tokio::task::JoinHandle<scan::Scanned>,
    files: scan::Batch,
    tally: &Tally<'_>,
) -> Result<scan::Scanned> {
    let mut scanned = scanning.await.context("scanning the source")?;
    scanned.add_files(files);
    for note in &scanned.notes {
        tally.note(note);
    }
    Ok(scanned)
}

/// `deploy --rollback URL`.
async fn rollback(ctx: &Context, args: &DeployArgs, target: &Target, sessions: remote::Sessions) -> Result<()> {
    settings::check_state_file(&args.state_file)?;
    let names = release::names(&target.path)?;
    let protect = Protect::new(&args.protect, &args.state_file)?;
    let mut remote = Remote::open(ctx, target, sessions).await?;
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    let (state_file, dry_run) = (&args.state_file, args.dry_run);
    let result =
        release::rollback(&mut remote, &names, state_file, &protect, dry_run, args.break_lock, &mut tally).await;
    remote.close().await;
    result
}

async fn plan_and_run(
    remote: &mut Remote<'_>,
    settings: &Settings,
    basis: Basis,
    scanned: scan::Scanned,
    seen: Seen,
    tally: &mut Tally<'_>,
    lock: &mut Lock,
) -> Result<()> {
    let source = scanned.source;
    let seen = look::look(remote, &source, &basis, settings, seen, tally).await?;
    let mut plan = plan::plan(&source, &basis, &seen, &settings.rules);
    drop_later(source);
    let problems = scanned.problems;
    let deletes = !plan.deletes.is_empty() || !plan.rmdirs.is_empty();
    if !problems.is_empty() && deletes {
        tally.note("pasv: warning: not deleting anything because some source files could not be read");
        plan.deletes.clear();
        plan.rmdirs.clear();
        plan.first.clear();
    }
    let guarded = match basis.trusted() {
        Some(state) => guards::check_deletes(&plan, (state.files.len() + state.pending.len()) as u64, settings.limit),
        None => Ok(()),
    };
    if settings.dry_run {
        // The plan is printed even when the guard stops it: that is what a review needs.
        show::plan(tally, &plan, &basis, None)?;
        tally.failed(problems.len() as u64);
        tally.finish("deploy", true);
        guarded?;
        return report_failures(problems);
    }
    guarded?;
    show::findings(tally, &plan);
    let result = run::run(remote, plan, basis.trusted(), settings, lock, tally, problems).await;
    drop_later(basis);
    result
}

/// The state file, or why there is none to trust, and what was read (the lock checks it is
/// still there as read). Only a failure to reach it is an error.
async fn read_state(remote: &mut Remote<'_>, settings: &Settings) -> Result<(Basis, StateRead)> {
    let started = Instant::now();
    let bytes = remote.read_state_warming(&settings.state_file, state::MAX_BYTES).await?;
    let Some(bytes) = bytes else {
        return Ok((Basis::Missing, StateRead { path: remote.path(&settings.state_file), bytes: None, started }));
    };
    let basis = match state_file::parse(&bytes) {
        Ok(state) if state.source != settings.identity => Basis::Foreign(state.source),
        Ok(state) => Basis::Trusted(state),
        Err(why @ (Unreadable::Json(_) | Unreadable::Format(_) | Unreadable::Version(_) | Unreadable::Path(_))) => {
            Basis::Unreadable(why.to_string())
        }
    };
    Ok((basis, StateRead { path: remote.path(&settings.state_file), bytes: Some(bytes), started }))
}
