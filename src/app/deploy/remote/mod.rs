//! The one door from `deploy` to the rest of pasv: the session pool (`-j`, `--retries`),
//! `mirror`'s pipelined uploads (each file under a temporary name, renamed once its size is
//! confirmed), and the few single commands a deploy needs (listings, SIZE, checksums, SITE
//! CHMOD, renames, deletes), a [`Lease`] of one session for the deploy lock's commands, and
//! the lock's heartbeat while the pool works ([`heart`]). Nothing else in `deploy` names
//! `mirror`, `pool`, `tree` or the engine's session, so that machinery can change shape
//! behind this module. What it uses:
//! `tree::{open_pool, parallel, parse_rate}`, `Pool::{take, put_back, run, close}` with
//! `Work`/`Done`/`Failure`, and `transfer::{Copy, Tree, SyncOptions, FileJob, upload_files,
//! rename_into_place, hash_file, retry_note, wrap_up}`.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use super::plan::Listed;
use super::state::{Digest, Mode};
use crate::app::context::Context;
use crate::app::filter::Filter;
use crate::app::sanitize::escape;
use crate::app::tally::{Summary, Tally};
use crate::app::target::Target;
use crate::app::transfer::copy::{Copy, hash_file, rename_into_place};
use crate::app::transfer::job::{Compare, Direction, FileJob, Fresh, SyncOptions, Tree};
use crate::app::transfer::lanes::upload_files;
use crate::app::transfer::pool::{Done, Pool, Work};
use crate::app::transfer::run::{retry_note, wrap_up};
use crate::engine::{DirListing, HashAlgorithm, RateLimit, Session, join_remote};
use crate::proto::{ReplyClass, Verb};

pub use crate::app::transfer::pool::Failure as Problem;

mod heart;
mod lease;

use heart::Heart;
pub use lease::Lease;
use lease::{Confirm, read_small, store};

/// Up to this many jobs run one after another on one session (see `few_first`).
const FEW: usize = 16;
/// A job this slow waits on a far server's round trips (loopback and a LAN take a
/// millisecond or so): [`few_first`] may then spread the rest over more sessions.
const SLOW_JOB: Duration = Duration::from_millis(20);
/// A login that took this long (five round trips or so) says the server is far: a session
/// opened for the deploy lock's eight round trips then saves more than it costs.
const FAR_LOGIN: Duration = Duration::from_millis(50);

/// Where [`Remote::upload`] puts files (made by [`Remote::destination`]).
pub struct Destination {
    tree: Tree,
    opts: SyncOptions,
}

/// How many sessions (`-j`) and how fast (`--limit-rate`), checked before connecting.
pub struct Sessions {
    limit: usize,
    rate: Option<RateLimit>,
}

impl Sessions {
    pub fn new(ctx: &Context, limit_rate: Option<&str>) -> Result<Self> {
        let rate = limit_rate.map(crate::app::transfers::parse_rate).transpose()?.map(RateLimit::new);
        Ok(Self { limit: crate::app::transfers::parallel(ctx)?, rate })
    }
}

/// Sessions to the server, rooted at the target directory.
pub struct Remote<'a> {
    pool: Pool<'a>,
    root: String,
    heart: Heart<'a>,
    /// How long a job took on one session the last time some ran one after another (see
    /// `few_first`).
    pace: Option<Duration>,
}

/// One command (or two) on a path relative to the target.
#[derive(Debug, Clone)]
pub enum Op {
    List(String),
    Size(String),
    /// CWD there and back: a directory, whatever a listing showed.
    IsDir(String),
    /// The server's checksum compared with the local file's (`sha256`, or the file at
    /// `local` hashed with the server's algorithm).
    Checksum {
        rel: String,
        local: PathBuf,
        sha256: Digest,
    },
    Chmod(String, Mode),
    /// RNFR/RNTO, replacing what is at `to`.
    Rename {
        from: String,
        to: String,
    },
    /// RNFR/RNTO of a directory (or anything) to a free name: nothing is ever removed to
    /// make room.
    Move {
        from: String,
        to: String,
    },
    Delete(String),
    Rmdir(String),
}

impl Op {
    pub fn rel(&self) -> &str {
        match self {
            Op::List(rel) | Op::Size(rel) | Op::IsDir(rel) | Op::Chmod(rel, _) | Op::Delete(rel) | Op::Rmdir(rel) => {
                rel
            }
            Op::Checksum { rel, .. } => rel,
            Op::Rename { to, .. } | Op::Move { to, .. } => to,
        }
    }
}

/// How an [`Op`] ended, when it did not fail.
#[derive(Debug, Clone)]
pub enum Outcome {
    Listed(Listed),
    /// SIZE: `None` when the server has no such file.
    Size(Option<u64>),
    IsDir(bool),
    /// `None`: the server offers no checksum.
    Same(Option<bool>),
    /// SITE CHMOD: false when the server does not implement it.
    Chmod(bool),
    Done,
    /// DELE of a file that was already gone; RMD refused (the directory is not empty).
    Gone,
    Kept(String),
}

impl<'a> Remote<'a> {
    /// Connects the first session (a wrong password fails here, before anything else).
    pub async fn open(ctx: &'a Context, target: &Target, sessions: Sessions) -> Result<Self> {
        let pool = crate::app::transfers::open_pool(ctx, target, sessions.rate, sessions.limit).await?;
        Ok(Self { pool, root: target.path.clone(), heart: Heart::new(ctx, target), pace: None })
    }

    /// While the deploy lock is held (`owner`: its owner file's server path and contents),
    /// the pool's work writes that file again every minute (`None`: released).
    pub async fn hear_from(&mut self, owner: Option<(String, Vec<u8>)>) {
        self.heart.hear_from(owner).await;
    }

    /// The heartbeat found the lock's owner file another run's (taken over).
    pub fn lock_lost(&self) -> bool {
        self.heart.lost
    }

    /// Roots the paths of what follows at `root` (a server path): `--release-dir` works in
    /// the target's parent directory and in a release directory beside the target.
    pub fn set_root(&mut self, root: String) {
        self.root = root;
    }

    /// The server path of `rel` ("" is the target itself).
    pub fn path(&self, rel: &str) -> String {
        if rel.is_empty() { self.root.clone() } else { join_remote(&self.root, rel) }
    }

    /// A small file's contents, `None` when the server has no such file (550).
    pub async fn read_small(&mut self, rel: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        self.read(rel, cap, false).await
    }

    /// [`Remote::read_small`] of the state file at a deploy's start; far from the server, with
    /// sessions to spare, one more session starts logging in, beside this read and the scan's
    /// waits ([`Remote::heard_from_during`], [`Pool::start_warming`]): the deploy lock, taken at
    /// the scan's first change on a session of its own ([`Remote::leased_beside`]), then starts
    /// without a login of five round trips, and a run that changes nothing waits for no login.
    /// A server that refuses it (a limit per host) leaves the lock on the first session, as
    /// without.
    pub async fn read_state_warming(&mut self, rel: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        self.read(rel, cap, true).await
    }

    /// Far from the server and with `warm`, the session starts logging in once the read's own
    /// session is taken (taking one gives up a session still logging in).
    async fn read(&mut self, rel: &str, cap: u64, warm: bool) -> Result<Option<Vec<u8>>> {
        let path = self.path(rel);
        let mut session = self.pool.take().await?;
        if warm && self.far() && self.pool.limit() > 1 {
            self.pool.start_warming();
        }
        let result = self.pool.beside_warming(read_small(&mut session, &path, cap)).await;
        self.pool.put_back(session);
        result.with_context(|| format!("reading {}", escape(&path)))
    }

    /// The first login took [`FAR_LOGIN`] or longer.
    fn far(&self) -> bool {
        self.pool.login_time().is_some_and(|login| login >= FAR_LOGIN)
    }

    /// Writes `data` to `rel` atomically: to `temp` first, then renamed over `rel`.
    pub async fn write_atomic(&mut self, rel: &str, temp: &str, data: &[u8]) -> Result<()> {
        let (path, temp) = (self.path(rel), self.path(temp));
        let mut session = self.pool.take().await?;
        let result = write_atomic(&mut session, &path, &temp, data).await;
        match &result {
            Ok(()) => self.pool.put_back(session),
            // A session that failed may be out of step: the pool opens another.
            Err(_) => drop(session),
        }
        result.with_context(|| format!("writing {}", escape(&path)))
    }

    /// Creates the directories `rels` (parents first); one that exists already is fine.
    pub async fn make_dirs(&mut self, rels: &[String]) -> Result<()> {
        let mut session = self.pool.take().await?;
        let mut result = Ok(());
        for rel in rels {
            let path = self.path(rel);
            let made = if rel.is_empty() { session.mkdir_all(&path).await } else { session.mkdir(&path).await };
            if let Err(e) = made {
                let exists = e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative)
                    && session.is_dir(&path).await.unwrap_or(false);
                if !exists {
                    result = Err(anyhow::Error::new(e).context(format!("creating {}", escape(&path))));
                    break;
                }
            }
        }
        self.pool.put_back(session);
        result
    }

    /// Makes the directory `rel`, renames it to `renamed` and removes it, on one session:
    /// whether this server renames directories. The outer error: the directory could not be
    /// made (or the server could not be reached); the inner one: the rename was refused.
    pub async fn probe_dir_rename(&mut self, rel: &str, renamed: &str) -> Result<Result<()>> {
        let (path, new) = (self.path(rel), self.path(renamed));
        let mut session = self.pool.take().await?;
        if let Err(e) = session.mkdir(&path).await {
            self.pool.put_back(session);
            return Err(anyhow::Error::new(e).context(format!("creating {}", escape(&path))));
        }
        let renaming = session.rename(&path, &new).await;
        let left = if renaming.is_ok() { &new } else { &path };
        let removed = session.rmdir(left).await;
        self.pool.put_back(session);
        if let Err(e) = renaming {
            return Ok(Err(anyhow::Error::new(e).context(format!(
                "renaming the directory {} to {}",
                escape(&path),
                escape(&new)
            ))));
        }
        removed.with_context(|| format!("removing {}", escape(left)))?;
        Ok(Ok(()))
    }

    /// `work` on one session of the pool, with server paths (not under the root): the deploy
    /// lock's few commands, one after another. A session that failed is not given back (it
    /// may be out of step: the pool opens another).
    pub async fn leased<T>(&mut self, work: impl AsyncFnOnce(&mut Lease<'a>) -> Result<T>) -> Result<T> {
        let mut lease = Lease::new(self.pool.take().await?);
        let result = work(&mut lease).await;
        if !broken(&result) {
            self.pool.put_back(lease.seat);
        }
        result
    }

    /// `work` (the deploy lock's commands) on a session of its own (one waiting in the pool
    /// since [`Remote::read_state_warming`], else one opened for it), while `ops` run on the
    /// pool's sessions, as [`Remote::run`]: far from the server neither waits for the other.
    /// One after the other instead near it (a login quicker than [`FAR_LOGIN`]: there a login
    /// costs more than the round trips it would hide), where the pool may have only one
    /// session (`-j 1`, or a server found to allow no more), or where the server refuses the
    /// extra one. `ops` that failed beside `work` are run again once its session is back: the
    /// server may have refused the pool the session the lease took.
    pub async fn leased_beside<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Lease<'a>) -> Result<T>,
        ops: Vec<Op>,
        tally: &Tally<'_>,
    ) -> (Result<T>, Vec<(Op, Outcome)>, Vec<Problem>) {
        let beside = self.far() && self.pool.limit() > 1 && !ops.is_empty();
        let opened = if beside { self.pool.spare_or_another().await.ok() } else { None };
        let Some(seat) = opened else {
            let result = self.leased(work).await;
            let (done, failures) = self.run(ops, tally).await;
            return (result, done, failures);
        };
        let mut lease = Lease::new(seat);
        let listing = Ops::new(&self.root, tally);
        let (pool, pace) = (&mut self.pool, &mut self.pace);
        let asked = ops.clone();
        let (result, failures) = tokio::join!(work(&mut lease), async {
            let rest = few_first(pool, &listing, ops, pace).await;
            pool.run(&listing, rest).await
        });
        if !broken(&result) {
            self.pool.put_back(lease.seat);
        }
        let mut done = listing.done.into_inner();
        if failures.is_empty() {
            return (result, done, failures);
        }
        let again = asked.into_iter().filter(|op| !done.iter().any(|(ok, _)| ok.rel() == op.rel())).collect();
        let (more, failures) = self.run(again, tally).await;
        done.extend(more);
        (result, done, failures)
    }

    /// Runs `ops` on the pool's sessions; returns how each ended, and the failures.
    pub async fn run(&mut self, ops: Vec<Op>, tally: &Tally<'_>) -> (Vec<(Op, Outcome)>, Vec<Problem>) {
        if ops.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let work = Ops::new(&self.root, tally);
        let (pool, pace) = (&mut self.pool, &mut self.pace);
        let failures = self
            .heart
            .beating(tally, async {
                let rest = few_first(pool, &work, ops, pace).await;
                pool.run(&work, rest).await
            })
            .await
            .unwrap_or_else(|lost| vec![lost]);
        (work.done.into_inner(), failures)
    }

    /// `work` (which does not use the server), with the deploy lock heard from while it runs
    /// when this run holds it: a scan of a large or slow source tree can outlast the lock's
    /// `STALE`. `Err`: another run took the lock over meanwhile.
    pub async fn heard_from_during<T>(
        &mut self,
        tally: &Tally<'_>,
        work: impl Future<Output = T>,
    ) -> Result<T, Problem> {
        self.pool.beside_warming(self.heart.beating(tally, work)).await
    }

    /// Where uploads from `local` go: into `dir` (relative to the target) under their own
    /// paths; with `temporary`, each to a temporary name beside its target first, renamed
    /// once the server confirmed its size. `url` names the target in messages.
    pub fn destination(&self, url: &str, local: &Path, dir: &str, temporary: bool) -> Destination {
        let tree = Tree { url: url.to_string(), remote: self.path(dir), local: local.to_path_buf() };
        let opts = SyncOptions {
            action: "deploy",
            compare: Compare::Always,
            delete: false,
            dry_run: false,
            filter: Filter::default(),
            atomic: temporary,
            verify: false,
            verify_strict: false,
            resume: false,
            refuse_larger_remote: false,
        };
        Destination { tree, opts }
    }

    /// Uploads `files` (relative path, size) with `mirror`'s machinery (pipelined where the
    /// server allows, retried with resume); returns the failures, each named by its path.
    pub async fn upload(&mut self, to: &Destination, files: &[(&str, u64)], tally: &Tally<'_>) -> Vec<Problem> {
        let jobs = files
            .iter()
            .map(|(rel, size)| FileJob {
                rel: rel.to_string(),
                size: Some(*size),
                mtime: None,
                reason: "changed",
                retry: false,
            })
            .collect();
        // Straight to their names only where nothing was before the run (see `destination`).
        let fresh = if to.opts.atomic { Fresh::None } else { Fresh::All };
        let copy = Copy::new(&to.tree, &to.opts, Direction::Up, tally, self.pool.temporaries()).with_fresh(fresh);
        let (pool, pace) = (&mut self.pool, &mut self.pace);
        let work = async {
            let rest = few_first(pool, &copy, jobs, pace).await;
            if rest.is_empty() {
                return Vec::new();
            }
            upload_files(pool, &copy, rest).await
        };
        self.heart.beating(tally, work).await.unwrap_or_else(|lost| vec![lost])
    }

    /// The end of the run: the summary, then every failure reported and made the error.
    pub fn finish(&self, tally: &mut Tally<'_>, failures: Vec<Problem>) -> Result<Summary> {
        wrap_up(&self.pool, tally, "deploy", failures)
    }

    pub async fn close(mut self) {
        self.heart.close().await;
        self.pool.close().await;
    }
}

/// Whether `result` failed with the session out of step (an error the server did not
/// answer): it is not given back to the pool.
fn broken<T>(result: &Result<T>) -> bool {
    result.as_ref().err().is_some_and(|e| {
        e.chain().any(|c| c.downcast_ref::<crate::engine::Error>().is_some_and(|e| e.reply_code().is_none()))
    })
}

/// A few jobs go one after another on one session while that is the quicker way: near the
/// server (loopback, a LAN) a job takes a millisecond or so and a login for another session
/// costs more than it would save. Far from it, every job waits for a few round trips: once
/// the jobs left would take one session longer than two logins (as long as the pool's last),
/// at a pace of at least [`SLOW_JOB`] each, they go to the pool, which opens sessions for
/// them. The `pace` seen last time decides before the first job: a server found far while
/// listing is far for the uploads too. Returns what is left for the pool: everything when
/// there are many, else the jobs not done yet (after a failure: the failed one and those
/// after it, which the pool retries).
async fn few_first<W: Work>(
    pool: &mut Pool<'_>,
    work: &W,
    jobs: Vec<W::Job>,
    pace: &mut Option<Duration>,
) -> Vec<W::Job> {
    let (login, wide) = (pool.login_time(), pool.limit() > 1);
    let spread = |per_job, left| wide && sessions_pay(per_job, left, login);
    if jobs.len() > FEW || pace.is_some_and(|pace| spread(pace, jobs.len().saturating_sub(1))) {
        return jobs;
    }
    let Ok(mut session) = pool.take().await else { return jobs };
    let started = Instant::now();
    let mut jobs = jobs.into_iter();
    let mut done = 0;
    while let Some(job) = jobs.next() {
        if work.run(&mut session, &job, 0, 0).await.is_err() {
            // The session may be out of step: the pool takes it from here, afresh.
            return std::iter::once(job).chain(jobs).collect();
        }
        done += 1;
        *pace = Some(started.elapsed() / done);
        if pace.is_some_and(|pace| spread(pace, jobs.len())) {
            pool.put_back(session);
            return jobs.collect();
        }
    }
    pool.put_back(session);
    Vec::new()
}

/// Whether `left` jobs at `per_job` each are worth opening sessions for, a login costing
/// `login` (unknown: no).
fn sessions_pay(per_job: Duration, left: usize, login: Option<Duration>) -> bool {
    let Some(login) = login else { return false };
    let left = u32::try_from(left).unwrap_or(u32::MAX);
    per_job >= SLOW_JOB && per_job.saturating_mul(left) > login.saturating_mul(2)
}

async fn write_atomic(session: &mut Session, path: &str, temp: &str, data: &[u8]) -> Result<()> {
    store(session, temp, data, Confirm::Size).await?;
    rename_into_place(session, temp, path).await
}

/// [`Op`]s on the pool.
struct Ops<'a, 't> {
    root: &'a str,
    tally: &'a Tally<'t>,
    done: RefCell<Vec<(Op, Outcome)>>,
    /// SITE CHMOD answered "not implemented": the rest are not sent.
    chmod_missing: Cell<bool>,
}

impl<'a, 't> Ops<'a, 't> {
    fn new(root: &'a str, tally: &'a Tally<'t>) -> Self {
        Self { root, tally, done: RefCell::default(), chmod_missing: Cell::new(false) }
    }

    fn path(&self, rel: &str) -> String {
        if rel.is_empty() { self.root.to_string() } else { join_remote(self.root, rel) }
    }

    async fn one(&self, session: &mut Session, op: &Op) -> Result<Outcome> {
        let permanent =
            |e: &crate::engine::Error| e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative);
        let path = self.path(op.rel());
        let shown = escape(&path).into_owned();
        Ok(match op {
            Op::List(_) => {
                Outcome::Listed(self.list(session, &path).await.with_context(|| format!("listing {shown}"))?)
            }
            Op::Size(_) => match session.size(&path).await {
                Ok(size) => Outcome::Size(Some(size)),
                Err(e) if permanent(&e) => Outcome::Size(None),
                Err(e) => return Err(anyhow::Error::new(e).context(format!("SIZE of {shown}"))),
            },
            Op::IsDir(_) => Outcome::IsDir(session.is_dir(&path).await.with_context(|| format!("checking {shown}"))?),
            Op::Checksum { local, sha256, .. } => {
                let theirs = session.checksum(&path).await.with_context(|| format!("checksum of {shown}"))?;
                Outcome::Same(match theirs {
                    None => None,
                    Some(sum) if sum.algorithm == HashAlgorithm::Sha256 => Some(sum.hex == sha256.to_string()),
                    Some(sum) => Some(hash_file(local, sum.algorithm).await? == sum.hex),
                })
            }
            Op::Chmod(_, mode) => {
                if self.chmod_missing.get() {
                    return Ok(Outcome::Chmod(false));
                }
                match session.chmod(&path, mode.0).await {
                    Ok(()) => Outcome::Chmod(true),
                    Err(e) if e.is_not_implemented(Verb::Site) => {
                        self.chmod_missing.set(true);
                        Outcome::Chmod(false)
                    }
                    Err(e) => return Err(anyhow::Error::new(e).context(format!("setting the mode of {shown}"))),
                }
            }
            Op::Rename { from, to } => {
                rename_into_place(session, &self.path(from), &self.path(to)).await?;
                Outcome::Done
            }
            Op::Move { from, to } => {
                let (from, to) = (self.path(from), self.path(to));
                session
                    .rename(&from, &to)
                    .await
                    .with_context(|| format!("renaming {} to {}", escape(&from), escape(&to)))?;
                Outcome::Done
            }
            Op::Delete(_) => match session.remove(&path).await {
                Ok(()) => Outcome::Done,
                // Gone already (an earlier run deleted it before it stopped)? Only when SIZE
                // agrees: a refusal for another reason must not drop it from the state.
                Err(e) if permanent(&e) => match session.size(&path).await {
                    Err(gone) if permanent(&gone) => Outcome::Gone,
                    _ => return Err(anyhow::Error::new(e).context(format!("deleting {shown}"))),
                },
                Err(e) => return Err(anyhow::Error::new(e).context(format!("deleting {shown}"))),
            },
            Op::Rmdir(_) => match session.rmdir(&path).await {
                Ok(()) => Outcome::Done,
                Err(e) if permanent(&e) => Outcome::Kept(e.to_string()),
                Err(e) => return Err(anyhow::Error::new(e).context(format!("removing {shown}"))),
            },
        })
    }

    /// A directory's listing; one that does not exist is `exists: false`.
    async fn list(&self, session: &mut Session, path: &str) -> Result<Listed> {
        let listing = match session.list_dir(path).await {
            Ok(listing) => listing,
            Err(e) if e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative) => {
                return Ok(Listed::default());
            }
            // Some servers answer a listing of a missing directory with a 4xx (ftp-srv's
            // "451 ENOENT"): missing when CWD cannot enter it either.
            Err(e) if e.reply_code().is_some_and(|c| c.class() == ReplyClass::TransientNegative) => {
                if session.is_dir(path).await? {
                    return Err(e.into());
                }
                return Ok(Listed::default());
            }
            Err(e) => return Err(e.into()),
        };
        Ok(self.listed(path, listing))
    }

    fn listed(&self, path: &str, listing: DirListing) -> Listed {
        for line in &listing.unparsed {
            self.tally.note(&format!(
                "pasv: warning: {}: listing line not understood (nothing it names is deleted): {}",
                escape(path),
                escape(line)
            ));
        }
        let mut listed = Listed { exists: true, complete: listing.unparsed.is_empty(), ..Listed::default() };
        listed.files = listing.files.into_iter().map(|f| (f.name, f.size)).collect();
        listed.dirs = listing.dirs.into_iter().map(|d| d.name).collect();
        listed.others = listing.links.into_iter().chain(listing.others).map(|e| e.name).collect();
        listed.others.extend(listing.refused.into_iter().map(|r| r.shown));
        listed
    }
}

impl Work for Ops<'_, '_> {
    type Job = Op;

    async fn run(&self, session: &mut Session, op: &Op, _attempt: u32, _slot: usize) -> Result<Done<Op>> {
        let outcome = self.one(session, op).await?;
        self.done.borrow_mut().push((op.clone(), outcome));
        Ok(Done::nothing())
    }

    fn describe(&self, op: &Op) -> String {
        op.rel().to_string()
    }

    fn retrying(&self, op: &Op, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, op.rel(), error, delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn sessions_pay_only_for_slow_jobs_that_outlast_two_logins() {
        let login = Some(115 * MS);
        // A 20 ms link: a STOR, its SIZE and rename take about 130 ms, a login about 115.
        assert!(sessions_pay(130 * MS, 9, login));
        assert!(sessions_pay(130 * MS, 2, login));
        // One left: a login would take as long as doing it here.
        assert!(!sessions_pay(130 * MS, 1, login));
        // Loopback: a job of a millisecond is never worth a login, however many are left.
        assert!(!sessions_pay(MS, 15, Some(MS)));
        assert!(!sessions_pay(19 * MS, 15, Some(MS)));
        // A login as long as the work left, twice over: no.
        assert!(!sessions_pay(100 * MS, 3, Some(150 * MS)));
        // No login seen (a session lent to the pool): as before, one session.
        assert!(!sessions_pay(Duration::from_secs(1), 15, None));
        assert!(!sessions_pay(Duration::from_secs(1), 0, login));
    }
}
