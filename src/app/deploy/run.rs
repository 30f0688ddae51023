//! Carries out a [`Plan`], keeping the state file true at every moment a run can stop.
//!
//! Order: the intent (the state with every path this run changes moved to `pending`: owned,
//! content unknown), conflicting deletes, directories, uploads in batches (each file under a
//! temporary name, renamed once its size is confirmed, or straight to its name where nothing
//! is a site yet: a `--release-dir` release, a new or empty target; the state saved every few
//! seconds with what was confirmed), with `--atomic` the renames out of the staging directory
//! in one burst, modes, and only when every upload succeeded the deletes; then the final state.
//!
//! Nothing changes before the deploy lock is taken ([`Lock::take`]: a run with nothing to do
//! takes none); every checkpoint of the state is the lock's heartbeat too.
//!
//! The state is written to a temporary name and renamed over the old one (RNFR/RNTO), so a
//! reader finds the old state or the new, never half of one. A run killed anywhere leaves a
//! state that says nothing false: a file is recorded only after the server confirmed it
//! whole under its real name, and whatever was in flight is `pending`, which the next run
//! uploads again (or deletes, if the source no longer has it).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::free::drop_later;
use super::lock::Lock;
use super::plan::{Plan, Upload};
use super::protect::{STAGING, state_temp};
use super::remote::{Op, Outcome, Problem, Remote};
use super::settings::Settings;
use super::state::{FileRecord, Mode, State, ancestors};
use super::state_file;
use crate::app::sanitize::escape;
use crate::app::tally::Tally;

/// While files go up the state is saved every few seconds ([`checkpoint_every`]): this
/// often at most,
const CHECKPOINT: Duration = Duration::from_secs(3);
/// and less often when a save takes long, so that saves take at most a tenth of the time
/// (the state of 20,000 files is 2.3 MB: 2.3 s each over a 1 MB/s link, every 3 s would be
/// nearly half of the run),
const SAVE_SHARE: u32 = 9;
/// but at least this often: a run killed on a slow link uploads no more again than this.
const MAX_CHECKPOINT: Duration = Duration::from_secs(600);
/// Uploads go in batches of about this long: the state is saved between two, as often as
/// [`CHECKPOINT`] asks. A batch ends with its lanes drained (and, near the server, the
/// listings that confirm it), which costs what a file or two does per session: on a server
/// slow per file (ftp-srv, 45 ms a transfer) batches of a second made a first deploy of 2,000
/// files 18% slower than a `mirror` of them.
const BATCH_TIME: Duration = CHECKPOINT;
const FIRST_BATCH: usize = 64;
const MAX_BATCH: usize = 4096;

/// The working state and where it is saved.
struct Book<'s> {
    state: State,
    settings: &'s Settings,
    lock: &'s mut Lock,
    /// When the state was last saved, and how long that took.
    saved: Instant,
    save_took: Duration,
    /// SITE CHMOD turned out missing on this server (said once, not tried again).
    no_chmod: bool,
    /// SITE CHMOD worked once on this server.
    chmod_works: bool,
}

impl Book<'_> {
    async fn save(&mut self, remote: &mut Remote<'_>) -> Result<()> {
        let started = Instant::now();
        let json = state_file::write(&self.state);
        let name = &self.settings.state_file;
        remote.write_atomic(name, &state_temp(name), &json).await?;
        self.saved = Instant::now();
        self.save_took = self.saved - started;
        Ok(())
    }

    /// A checkpoint: the lock hears from the run, then the state is saved. A failure to
    /// save is said and the run goes on (the state on the server is only older, which the
    /// next run copes with); the error: another run took the lock over (see [`Lock::keep`]).
    async fn checkpoint(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>) -> Result<(), Problem> {
        self.keep(remote, tally, true).await?;
        if let Err(e) = self.save(remote).await {
            tally.note(&format!("pasv: warning: could not save the deploy state: {}", escape(&format!("{e:#}"))));
        }
        Ok(())
    }

    /// The lock was found another run's: at a checkpoint, or by the heartbeat during the
    /// pool's work (the next [`Book::keep`] says so).
    fn taken_over(&self, remote: &Remote<'_>) -> bool {
        self.lock.lost() || remote.lock_lost()
    }

    /// [`Lock::keep`] (with `beat`) or [`Lock::check`]: `Err` holds the problem to report
    /// when the lock was taken over.
    async fn keep(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>, beat: bool) -> Result<(), Problem> {
        let kept = if beat { self.lock.keep(remote, tally).await } else { self.lock.check(remote, tally).await };
        kept.map_err(|error| Problem { what: self.lock.dir().to_string(), error })
    }
}

pub async fn run(
    remote: &mut Remote<'_>,
    plan: Plan,
    loaded: Option<&State>,
    settings: &Settings,
    lock: &mut Lock,
    tally: &mut Tally<'_>,
    failures: Vec<Problem>,
) -> Result<()> {
    let failures = execute(remote, plan, loaded, settings, lock, tally, failures).await?;
    remote.finish(tally, failures).map(drop)
}

/// Carries `plan` out, up to and including the final state; returns what failed (the
/// summary is the caller's: `--release-dir` switches the release in first). `lock` is taken
/// before anything changes (held already with `--release-dir`); removing it is the caller's.
pub async fn execute(
    remote: &mut Remote<'_>,
    mut plan: Plan,
    loaded: Option<&State>,
    settings: &Settings,
    lock: &mut Lock,
    tally: &mut Tally<'_>,
    mut failures: Vec<Problem>,
) -> Result<Vec<Problem>> {
    // The plan's records of what stays become the state's (moved: 20,000 paths on a large site).
    let mut state = State::new(&settings.identity);
    state.files = std::mem::take(&mut plan.keep);
    state.dirs = std::mem::take(&mut plan.keep_dirs);
    state.pending = std::mem::take(&mut plan.keep_pending);
    state.pending.extend(plan.uploads.iter().map(|u| u.path.clone()));
    state.pending.extend(plan.deletes.iter().cloned());
    state.staged = std::mem::take(&mut plan.staged);
    tally.skipped(plan.unchanged + plan.adopted);
    let mut book = Book {
        state,
        settings,
        lock,
        saved: Instant::now(),
        save_took: Duration::ZERO,
        no_chmod: false,
        chmod_works: false,
    };
    if plan.is_empty() {
        book.state.complete = failures.is_empty();
        if loaded != Some(&book.state) {
            book.lock.take(remote, tally).await?;
            book.save(remote).await?;
        }
        return Ok(failures);
    }
    // The target itself first, for the lock and the state file to go in.
    if plan.mkdirs.first().is_some_and(|d| d.is_empty()) {
        remote.make_dirs(&plan.mkdirs[..1]).await?;
    }
    // The intent: from here on the server may change, and the state says which paths may.
    book.lock.take(remote, tally).await?;
    book.save(remote).await?;

    let first: HashSet<&str> = plan.first.iter().map(String::as_str).collect();
    if !first.is_empty() {
        for rel in &plan.first {
            let op = if plan.deletes.contains(rel) { Op::Delete(rel.clone()) } else { Op::Rmdir(rel.clone()) };
            let (done, problems) = remote.run(vec![op], tally).await;
            record_deletes(&mut book.state, tally, &done);
            if !problems.is_empty() {
                failures.extend(problems);
                return Ok(finish(remote, book, tally, failures).await);
            }
        }
    }
    if let Err(e) = remote.make_dirs(&plan.mkdirs).await {
        failures.push(Problem { what: "directories".into(), error: e });
        return Ok(finish(remote, book, tally, failures).await);
    }
    for dir in &plan.mkdirs {
        book.state.dirs.entry(dir.clone()).or_default();
    }

    let sending: Vec<&Upload> = plan.uploads.iter().filter(|u| !u.staged).collect();
    tally.begin(sending.len() as u64, plan.bytes);
    let problems = upload(remote, &mut book, &plan, &sending, tally).await;
    failures.extend(problems);
    // Taken over (found at a checkpoint, or by the heartbeat): nothing more changes here.
    if book.taken_over(remote) {
        return Ok(finish(remote, book, tally, failures).await);
    }

    if settings.atomic {
        if failures.is_empty() {
            let problems = switch(remote, &mut book, &plan, tally).await;
            failures.extend(problems);
        } else if !plan.uploads.is_empty() {
            tally.note(
                "pasv: warning: nothing renamed into place because some uploads failed; the staged files wait for \
                 the next run",
            );
        }
        if book.taken_over(remote) {
            return Ok(finish(remote, book, tally, failures).await);
        }
    }
    let problems = modes(remote, &mut book, &plan, tally).await;
    failures.extend(problems);

    if !(plan.deletes.is_empty() && plan.rmdirs.is_empty()) {
        if failures.is_empty() {
            // Still this run's lock: else the deletes are the other run's to decide.
            match book.keep(remote, tally, false).await {
                Ok(()) => failures.extend(delete(remote, &mut book, &plan, &first, tally).await),
                Err(lost) => failures.push(lost),
            }
        } else {
            tally.note("pasv: warning: not deleting anything because some files failed");
        }
    }
    Ok(finish(remote, book, tally, failures).await)
}

/// The final state, once the lock is known to be still this run's (else the state file is
/// the other run's); a failure to save it is one more failure.
async fn finish(
    remote: &mut Remote<'_>,
    mut book: Book<'_>,
    tally: &Tally<'_>,
    mut failures: Vec<Problem>,
) -> Vec<Problem> {
    if !book.lock.lost()
        && let Err(lost) = book.keep(remote, tally, false).await
    {
        failures.push(lost);
    }
    if !book.lock.lost() {
        book.state.complete = failures.is_empty() && book.state.pending.is_empty();
        if let Err(error) = book.save(remote).await {
            failures.push(Problem { what: book.settings.state_file.clone(), error });
        }
    }
    drop_later(book.state);
    failures
}

/// How long after the last save the next checkpoint comes, the last one having taken
/// `save_took`.
fn checkpoint_every(save_took: Duration) -> Duration {
    save_took.saturating_mul(SAVE_SHARE).clamp(CHECKPOINT, MAX_CHECKPOINT)
}

/// Uploads `files` in batches; what the server confirmed goes into the state.
async fn upload(
    remote: &mut Remote<'_>,
    book: &mut Book<'_>,
    plan: &Plan,
    files: &[&Upload],
    tally: &Tally<'_>,
) -> Vec<Problem> {
    let settings = book.settings;
    let atomic = settings.atomic;
    let mut failures = Vec::new();
    if files.is_empty() {
        return failures;
    }
    // With --atomic the files go to the staging directory under their own names (nothing
    // there is a real name); so do they into a release directory or a new target (nothing
    // there is a site yet, and the state's pending paths say what may be half there:
    // `plan::is_new_target`); otherwise each to a temporary name beside its target.
    let root = if atomic { STAGING } else { "" };
    let temporary = !atomic && !settings.release_dir && !plan.new_target;
    let destination = remote.destination(&settings.url, &settings.source, root, temporary);
    if atomic {
        let mut dirs: Vec<String> = vec![STAGING.to_string()];
        dirs.extend(ancestors(STAGING, files.iter().map(|u| u.path.as_str())));
        if let Err(error) = remote.make_dirs(&dirs).await {
            failures.push(Problem { what: STAGING.into(), error });
            return failures;
        }
    }
    let mut rest = files;
    let mut size = FIRST_BATCH;
    while !rest.is_empty() {
        let (batch, after) = rest.split_at(size.min(rest.len()));
        rest = after;
        let started = Instant::now();
        let files: Vec<(&str, u64)> = batch.iter().map(|u| (u.path.as_str(), u.bytes)).collect();
        let problems = remote.upload(&destination, &files, tally).await;
        // A failure that names no file of the batch (a pool that could not connect at all)
        // leaves every file of it unconfirmed.
        let failed: HashSet<&str> = problems.iter().map(|p| p.what.as_str()).collect();
        let certain = failed.iter().all(|f| batch.iter().any(|u| u.path == *f));
        let confirmed: Vec<&Upload> = if certain {
            batch.iter().copied().filter(|u| !failed.contains(u.path.as_str())).collect()
        } else {
            Vec::new()
        };
        let at = |rel: &str| if atomic { format!("{STAGING}/{rel}") } else { rel.to_string() };
        let modes = match settings.rules.file_mode {
            Some(mode) => book.chmod(remote, confirmed.iter().map(|u| at(&u.path)), mode, tally, &mut failures).await,
            None => BTreeMap::new(),
        };
        for upload in confirmed {
            let record =
                FileRecord { sha256: upload.sha256, size: upload.bytes, mode: modes.get(&at(&upload.path)).copied() };
            if atomic {
                book.state.staged.insert(upload.path.clone(), record);
            } else {
                book.state.pending.remove(&upload.path);
                book.state.files.insert(upload.path.clone(), record);
            }
        }
        failures.extend(problems);
        // The heartbeat found the lock taken over: the checkpoint says so and stops the run.
        if !rest.is_empty()
            && (book.saved.elapsed() >= checkpoint_every(book.save_took) || remote.lock_lost())
            && let Err(lost) = book.checkpoint(remote, tally).await
        {
            failures.push(lost);
            return failures;
        }
        let per_file = started.elapsed().as_secs_f64() / batch.len() as f64;
        size = ((BATCH_TIME.as_secs_f64() / per_file.max(1e-6)) as usize).clamp(FIRST_BATCH / 4, MAX_BATCH);
    }
    failures
}

impl Book<'_> {
    /// `--chmod` on `rels`: the paths whose mode it set (a note, once, when the server has
    /// no SITE CHMOD; then nothing more is tried).
    async fn chmod(
        &mut self,
        remote: &mut Remote<'_>,
        rels: impl Iterator<Item = String>,
        mode: Mode,
        tally: &Tally<'_>,
        failures: &mut Vec<Problem>,
    ) -> BTreeMap<String, Mode> {
        if self.no_chmod {
            return BTreeMap::new();
        }
        let mut ops: Vec<Op> = rels.map(|rel| Op::Chmod(rel, mode)).collect();
        let mut done = Vec::new();
        if !self.chmod_works && !ops.is_empty() {
            // The first alone: a server without SITE CHMOD hears it once, not once a session.
            let rest = ops.split_off(1);
            let (first, problems) = remote.run(ops, tally).await;
            failures.extend(problems);
            self.chmod_works = first.iter().any(|(_, o)| matches!(o, Outcome::Chmod(true)));
            done = first;
            ops = if self.chmod_works { rest } else { Vec::new() };
        }
        let (more, problems) = remote.run(ops, tally).await;
        failures.extend(problems);
        done.extend(more);
        let mut set = BTreeMap::new();
        for (op, outcome) in done {
            match outcome {
                Outcome::Chmod(true) => {
                    set.insert(op.rel().to_string(), mode);
                }
                _ if !self.no_chmod => {
                    self.no_chmod = true;
                    tally.note(
                        "pasv: note: the server does not support SITE CHMOD: --chmod cannot set permissions there",
                    );
                }
                _ => {}
            }
        }
        set
    }
}

/// `--atomic`: every staged file renamed into place, in one burst; then the staging
/// directory removed.
async fn switch(remote: &mut Remote<'_>, book: &mut Book<'_>, plan: &Plan, tally: &Tally<'_>) -> Vec<Problem> {
    let ops: Vec<Op> = plan
        .uploads
        .iter()
        .filter(|u| book.state.staged.contains_key(&u.path))
        .map(|u| Op::Rename { from: format!("{STAGING}/{}", u.path), to: u.path.clone() })
        .collect();
    let started = Instant::now();
    let count = ops.len();
    let (done, failures) = remote.run(ops, tally).await;
    for (op, _) in &done {
        let rel = op.rel();
        if let Some(record) = book.state.staged.remove(rel) {
            book.state.pending.remove(rel);
            book.state.files.insert(rel.to_string(), record);
        }
    }
    tally.note(&format!(
        "pasv: renamed {} of {count} file(s) into place in {:.2}s (--atomic)",
        done.len(),
        started.elapsed().as_secs_f64()
    ));
    if failures.is_empty() {
        if let Err(lost) = book.checkpoint(remote, tally).await {
            return vec![lost];
        }
        let mut dirs = ancestors(STAGING, plan.uploads.iter().map(|u| u.path.as_str()));
        dirs.push(STAGING.to_string());
        remove_dirs(remote, dirs, tally).await;
    }
    failures
}

/// Empty directories removed deepest first, one level at a time; one that will not go
/// (not empty) is said and left.
pub(super) async fn remove_dirs(
    remote: &mut Remote<'_>,
    mut dirs: Vec<String>,
    tally: &Tally<'_>,
) -> (Vec<String>, Vec<Problem>) {
    dirs.sort_by_key(|d| (std::cmp::Reverse(d.matches('/').count()), d.clone()));
    dirs.dedup();
    let mut removed = Vec::new();
    let mut failures = Vec::new();
    while let Some(first) = dirs.first() {
        let level = first.matches('/').count();
        let split = dirs.iter().position(|d| d.matches('/').count() != level).unwrap_or(dirs.len());
        let batch: Vec<Op> = dirs.drain(..split).map(Op::Rmdir).collect();
        let (done, problems) = remote.run(batch, tally).await;
        failures.extend(problems);
        for (op, outcome) in done {
            match outcome {
                Outcome::Kept(why) => {
                    tally.note(&format!("pasv: note: kept {}: {}", escape(op.rel()), escape(&why)));
                }
                _ => removed.push(op.rel().to_string()),
            }
        }
    }
    (removed, failures)
}

/// `--chmod` on the unchanged files and the directories that do not have the mode yet.
async fn modes(remote: &mut Remote<'_>, book: &mut Book<'_>, plan: &Plan, tally: &Tally<'_>) -> Vec<Problem> {
    let rules = &book.settings.rules;
    let mut failures = Vec::new();
    if let Some(mode) = rules.file_mode.filter(|_| !plan.chmods.is_empty()) {
        let set = book.chmod(remote, plan.chmods.iter().cloned(), mode, tally, &mut failures).await;
        for (rel, mode) in set {
            if let Some(record) = book.state.files.get_mut(&rel) {
                record.mode = Some(mode);
            }
        }
    }
    if let Some(mode) = rules.dir_mode.filter(|_| !plan.chmod_dirs.is_empty()) {
        let set = book.chmod(remote, plan.chmod_dirs.iter().cloned(), mode, tally, &mut failures).await;
        for (rel, mode) in set {
            if let Some(record) = book.state.dirs.get_mut(&rel) {
                record.mode = Some(mode);
            }
        }
    }
    failures
}

/// The deletes and then the directories, deepest first.
async fn delete(
    remote: &mut Remote<'_>,
    book: &mut Book<'_>,
    plan: &Plan,
    first: &HashSet<&str>,
    tally: &Tally<'_>,
) -> Vec<Problem> {
    let ops = plan.deletes.iter().filter(|r| !first.contains(r.as_str())).map(|r| Op::Delete(r.clone())).collect();
    let (done, mut failures) = remote.run(ops, tally).await;
    record_deletes(&mut book.state, tally, &done);
    if failures.is_empty() {
        let dirs = plan.rmdirs.iter().filter(|d| !first.contains(d.as_str())).cloned().collect();
        let (removed, problems) = remove_dirs(remote, dirs, tally).await;
        tally.deleted(removed.len() as u64);
        // One that would not go (not empty: something not pasv's is in it) is not pasv's
        // to keep either; one that failed otherwise is tried again next time.
        let failed: HashSet<&str> = problems.iter().map(|p| p.what.as_str()).collect();
        for dir in plan.rmdirs.iter().filter(|d| !failed.contains(d.as_str())) {
            book.state.dirs.remove(dir);
        }
        failures.extend(problems);
    }
    failures
}

fn record_deletes(state: &mut State, tally: &Tally<'_>, done: &[(Op, Outcome)]) {
    for (op, outcome) in done {
        match op {
            Op::Delete(rel) => {
                state.pending.remove(rel);
                state.files.remove(rel);
                if matches!(outcome, Outcome::Done) {
                    tally.deleted(1);
                }
            }
            Op::Rmdir(rel) => {
                state.dirs.remove(rel);
                if matches!(outcome, Outcome::Done) {
                    tally.deleted(1);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_leave_nine_tenths_of_the_time_to_the_files() {
        let ms = Duration::from_millis;
        // Quick saves (loopback, a small state): every 3 s.
        assert_eq!(checkpoint_every(Duration::ZERO), CHECKPOINT);
        assert_eq!(checkpoint_every(ms(20)), CHECKPOINT);
        // 2.3 MB at 1 MB/s: every 20.7 s, not every 3 s.
        assert_eq!(checkpoint_every(ms(2300)), ms(20_700));
        // A crawl: still every 10 minutes.
        assert_eq!(checkpoint_every(Duration::from_secs(230)), MAX_CHECKPOINT);
    }
}
