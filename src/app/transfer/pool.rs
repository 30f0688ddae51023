//! Parallel sessions for multi-file work (`-j N`): up to N sessions of the engine, one control
//! connection each, kept open from job to job and from phase to phase (no reconnect per file).
//!
//! Sessions are opened only when queued work is waiting for them. A server that refuses
//! another connection (421, or 530 "too many") lowers the number of sessions to those already
//! open instead of failing the job. Transient failures (4xx, dropped connections, timeouts)
//! are retried `--retries` times with exponential backoff on a fresh session when the old one
//! may be out of step; permanent failures (5xx) are reported at once. Either way the other
//! jobs go on, and the caller gets the list of failures. Closing the pool deletes the upload
//! temporaries its jobs created and did not rename ([`Temporaries`]).
//!
//! A run whose transfers all hang stops early, its queue not attempted ([`Stalls`]); a retry
//! waiting out its backoff then is not made.
//!
//! The first session may come from the caller ([`Seat`]): one it opened already (to expand a
//! wildcard), or one it lends (the shell's own), so a copy costs no login of its own.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use tokio::sync::{Notify, watch};

use super::stalls::Stalls;
use super::temporaries::Temporaries;
use crate::app::context::Context;
use crate::app::progress::say;
use crate::app::sanitize::escape;
use crate::app::target::Target;
use crate::engine::{Error, ErrorClass, Pipelining, RateLimit, Session, Settings};
use crate::proto::ReplyCode;

/// First retry after this long, doubling each time up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How sessions of the pool are opened: every one, and every reconnect, on one `Settings`
/// (the server's, resolved once by the context, with this pool's rate limit).
pub struct Connector<'a> {
    pub ctx: &'a Context,
    pub target: Target,
    pub rate: Option<RateLimit>,
    /// Whether this server takes pipelined transfers, as the sessions find out: once one of
    /// them finds it does not, the others and every later one go one command at a time.
    pub pipelining: Pipelining,
    /// The server's settings last seen, and the pool's made from them.
    settings: Mutex<Option<(Arc<Settings>, Arc<Settings>)>>,
    /// How long the last session took to open, in microseconds (0: none opened here yet).
    login_micros: AtomicU64,
}

impl<'a> Connector<'a> {
    pub fn new(ctx: &'a Context, target: Target, rate: Option<RateLimit>) -> Self {
        Self {
            ctx,
            target,
            rate,
            pipelining: Pipelining::default(),
            settings: Mutex::new(None),
            login_micros: AtomicU64::new(0),
        }
    }

    pub async fn connect(&self) -> Result<Session> {
        let started = Instant::now();
        let mut session = self.ctx.connect_via(&self.target, |site| self.settings_on(site)).await?;
        session.share_pipelining(self.pipelining.clone());
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX).max(1);
        self.login_micros.store(micros, Ordering::Relaxed);
        Ok(session)
    }

    /// How long opening a session (connect, TLS, login) took the last time, if one was.
    pub fn login_time(&self) -> Option<Duration> {
        let micros = self.login_micros.load(Ordering::Relaxed);
        (micros > 0).then(|| Duration::from_micros(micros))
    }

    /// Whether a session opened elsewhere can serve this pool: it has the server's own
    /// settings, so not when the pool adds a rate limit of its own.
    pub fn takes_others(&self) -> bool {
        self.rate.is_none()
    }

    /// The pool's settings: the server's with the rate limit, made once (and again only when
    /// trust on first use replaced the server's).
    fn settings_on(&self, site: &Arc<Settings>) -> Result<Arc<Settings>, Error> {
        if self.rate.is_none() {
            return Ok(site.clone());
        }
        let mut made = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((base, ours)) = made.as_ref()
            && Arc::ptr_eq(base, site)
        {
            return Ok(ours.clone());
        }
        let ours = site.adjusted(|config| config.rate_limit = self.rate.clone())?;
        *made = Some((site.clone(), ours.clone()));
        Ok(ours)
    }
}

/// The engine error behind an app error, if any.
pub fn engine_error(err: &anyhow::Error) -> Option<&Error> {
    err.chain().find_map(|c| c.downcast_ref::<Error>())
}

/// Worth another try: the server said 4xx, the connection dropped or went silent.
pub fn is_transient(err: &anyhow::Error) -> bool {
    let Some(e) = engine_error(err) else {
        return false;
    };
    matches!(e.class(), ErrorClass::Transient | ErrorClass::Timeout | ErrorClass::Unreachable)
        || matches!(
            e,
            Error::ControlClosed
                | Error::ControlIo(_)
                | Error::DataIo(_)
                | Error::Truncated { .. }
                | Error::NoCompletion
                | Error::TlsTruncated { .. }
        )
}

/// The session is still in step after this error: the server answered the command cleanly.
fn keeps_session(err: &anyhow::Error) -> bool {
    engine_error(err).is_none_or(Error::leaves_session_in_step)
}

/// The server refuses one more connection (a per-user or per-host limit), as opposed to
/// refusing us altogether.
pub fn refuses_more(err: &anyhow::Error) -> bool {
    engine_error(err).is_some_and(Error::refuses_another_session)
}

fn backoff(attempt: u32) -> Duration {
    BASE_BACKOFF.saturating_mul(1 << attempt.min(6)).min(MAX_BACKOFF)
}

/// What a job asks of the pool when it succeeds.
pub struct Done<J> {
    /// More jobs it found (a listing finds files and subdirectories).
    pub more: Vec<J>,
    /// False when the session is out of step and must not be used again.
    pub keep_session: bool,
    /// How the attempt failed when it handed its work on rather than failing it (a pipelined
    /// lane whose session broke): counted as a failed attempt ([`Stalls`]), reported by none.
    pub handed_on: Option<anyhow::Error>,
}

impl<J> Done<J> {
    pub fn nothing() -> Self {
        Self::more(Vec::new())
    }

    pub fn more(more: Vec<J>) -> Self {
        Self { more, keep_session: true, handed_on: None }
    }
}

/// A kind of job the pool can run.
pub trait Work {
    type Job;
    /// Runs `job` on `session`; `attempt` is 0 the first time, `slot` names the worker (for
    /// its progress line).
    async fn run(&self, session: &mut Session, job: &Self::Job, attempt: u32, slot: usize) -> Result<Done<Self::Job>>;
    /// For messages: which file or directory the job is about.
    fn describe(&self, job: &Self::Job) -> String;
    /// A retry is about to happen (for a note on the terminal).
    fn retrying(&self, job: &Self::Job, error: &anyhow::Error, delay: Duration);
    /// Jobs that the next phase will bring (files found by a scan): sessions for them are
    /// opened while this phase still runs, so the next one starts at full width.
    fn anticipated(&self) -> usize {
        0
    }
}

/// A job that did not succeed.
pub struct Failure {
    pub what: String,
    pub error: anyhow::Error,
}

/// The failure of a job left in the queue when the run could not go on: `why` it stopped.
/// The report names a few of them and counts the rest ([`super::run::report_failures`]).
#[derive(Debug, thiserror::Error)]
#[error("not attempted: {why}")]
pub struct NotAttempted {
    pub why: String,
}

/// A session of the pool: its own, or one lent to it for a while.
pub enum Seat<'a> {
    Own(Box<Session>),
    /// Another's session (the shell's): given back as it is when the pool is done with it, or
    /// taken from its owner when the pool finds it out of step ([`Seat::discard`]). It holds
    /// a session from the time it is lent until it is discarded.
    Lent(&'a mut Option<Session>),
}

impl<'a> Seat<'a> {
    pub fn own(session: Session) -> Self {
        Self::Own(Box::new(session))
    }

    /// Lends the session in `slot`, if there is one.
    pub fn lend(slot: &'a mut Option<Session>) -> Option<Self> {
        slot.is_some().then_some(Self::Lent(slot))
    }

    /// The session is out of step: it goes (without QUIT), from its owner too.
    fn discard(self) {
        if let Self::Lent(slot) = self {
            slot.take();
        }
    }

    /// QUIT on the pool's own session; a lent one goes back to its owner open.
    pub async fn leave(self) {
        if let Self::Own(session) = self {
            let _ = (*session).quit().await;
        }
    }
}

impl Deref for Seat<'_> {
    type Target = Session;

    fn deref(&self) -> &Session {
        match self {
            Self::Own(session) => session,
            Self::Lent(slot) => slot.as_ref().expect("a lent seat holds a session until it is discarded"),
        }
    }
}

impl DerefMut for Seat<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        match self {
            Self::Own(session) => session,
            Self::Lent(slot) => slot.as_mut().expect("a lent seat holds a session until it is discarded"),
        }
    }
}

/// A session logging in beside other work ([`Pool::start_warming`]).
type Warming<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Seat<'a>>> + 'a>>;

/// Up to `limit` sessions to one server.
pub struct Pool<'a> {
    /// Shared with sessions still logging in outside the pool's calls ([`Pool::warm_another`]).
    connector: Rc<Connector<'a>>,
    limit: usize,
    retries: u32,
    idle: Vec<Seat<'a>>,
    /// Told to the user once: how many sessions the server allowed.
    pub backed_off: Option<usize>,
    /// Upload temporaries created on this server and not renamed yet.
    temporaries: Rc<Temporaries>,
    /// One more session logging in beside other work ([`Pool::start_warming`]).
    warming: Option<Warming<'a>>,
    /// The attempts in a row that stalled when the last run ended, carried into the next:
    /// the pipelined lanes' stalls count in the one-by-one phase after them.
    stalled: usize,
    /// The round trip [`Pool::within`] measured.
    round_trip: Option<Duration>,
}

struct Shared<J> {
    queue: RefCell<VecDeque<J>>,
    /// Workers that have not taken their first job yet (still connecting).
    starting: Cell<usize>,
    failures: RefCell<Vec<Failure>>,
    changed: Notify,
    stalls: Stalls,
    /// The run stopped for stalls: the failure that stopped it (an index in `failures`).
    stopped: Cell<Option<usize>>,
    /// Why the queue was given up ([`Shared::give_up`]): what the jobs not attempted say.
    given_up: RefCell<Option<String>>,
    /// True once the run stops: wakes the workers waiting to retry or to log in
    /// ([`Shared::halted`]).
    halt: watch::Sender<bool>,
}

impl<J> Shared<J> {
    fn new(jobs: Vec<J>, stalls: Stalls) -> Self {
        Self {
            queue: RefCell::new(jobs.into()),
            starting: Cell::new(0),
            failures: RefCell::default(),
            changed: Notify::new(),
            stalls,
            stopped: Cell::new(None),
            given_up: RefCell::default(),
            halt: watch::Sender::new(false),
        }
    }

    /// An attempt ended: `Some(error)` when it failed. True when the run must stop (the
    /// caller records the failure, then [`Shared::stop`]).
    fn count(&self, failed: Option<&anyhow::Error>) -> bool {
        self.stalls.count(failed) && self.stopped.get().is_none()
    }

    fn stopping(&self) -> bool {
        self.stopped.get().is_some()
    }

    /// Stops the run at the failure just recorded: what is queued is not attempted.
    fn stop<W: Work<Job = J>>(&self, work: &W) {
        self.stopped.set(Some(self.failures.borrow().len().saturating_sub(1)));
        self.give_up(work, self.stalls.not_attempted());
        self.halt.send_replace(true);
    }

    /// Resolves once the run stops (at once if it has).
    async fn halted(&self) {
        let _ = self.halt.subscribe().wait_for(|&stopped| stopped).await;
    }

    /// Waits out a retry's backoff `delay`; true when the run stopped meanwhile (at once if it
    /// had). The retry is then not made: with the data path dead it would hang for another
    /// `--timeout` (the backoff reaches a minute), only to fail as the rest did.
    async fn stopped_within(&self, delay: Duration) -> bool {
        tokio::select! {
            () = self.halted() => true,
            () = tokio::time::sleep(delay) => self.stopping(),
        }
    }

    /// `opening` (a login: nothing sent for the job yet, so it can be dropped), or `None`
    /// when the run stops first.
    async fn unless_stopped<T>(&self, opening: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.halted() => None,
            out = opening => Some(out),
        }
    }

    /// Every queued job fails, not attempted because of `why`.
    fn give_up<W: Work<Job = J>>(&self, work: &W, why: String) {
        let jobs: Vec<J> = self.queue.borrow_mut().drain(..).collect();
        let mut failures = self.failures.borrow_mut();
        for job in &jobs {
            failures.push(Failure { what: work.describe(job), error: NotAttempted { why: why.clone() }.into() });
        }
        *self.given_up.borrow_mut() = Some(why);
    }

    /// The failure of a job the stop took before it began (one logging in, say).
    fn not_attempted(&self) -> anyhow::Error {
        let why = self.given_up.borrow().clone().unwrap_or_else(|| self.stalls.not_attempted());
        NotAttempted { why }.into()
    }

    /// The failures, the one that stopped the run first and saying so.
    fn into_failures(self) -> Vec<Failure> {
        let mut failures = self.failures.into_inner();
        if let Some(at) = self.stopped.get()
            && at < failures.len()
        {
            let mut stopper = failures.remove(at);
            stopper.error = self.stalls.stopped_by(stopper.error);
            failures.insert(0, stopper);
        }
        failures
    }
}

enum Exit<'a> {
    /// No more jobs; here is the session back (if it is still good).
    Done(Option<Seat<'a>>),
    /// Could not open a session because the server refuses more.
    Refused(anyhow::Error),
    /// Could not open a session for another reason.
    Failed(anyhow::Error),
}

impl<'a> Pool<'a> {
    /// Opens the first session (retrying transient failures), so that a wrong password or
    /// an unreachable server fails before any work is planned.
    pub async fn open(connector: Connector<'a>, limit: usize, retries: u32) -> Result<Self> {
        let mut attempt = 0;
        let first = loop {
            match connector.connect().await {
                Ok(session) => break session,
                Err(e) if attempt < retries && is_transient(&e) => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        Ok(Self::seated(connector, Seat::own(first), limit, retries))
    }

    /// A pool whose first session is `first` (see [`Connector::takes_others`]).
    pub fn seated(connector: Connector<'a>, mut first: Seat<'a>, limit: usize, retries: u32) -> Self {
        first.share_pipelining(connector.pipelining.clone());
        Self {
            connector: Rc::new(connector),
            limit: limit.max(1),
            retries,
            idle: vec![first],
            backed_off: None,
            temporaries: Rc::default(),
            warming: None,
            stalled: 0,
            round_trip: None,
        }
    }

    /// Where jobs list the upload temporaries they create (and strike the renamed ones).
    pub fn temporaries(&self) -> Rc<Temporaries> {
        self.temporaries.clone()
    }

    /// A session for sequential work between phases (listing the root, say); give it back
    /// with [`Pool::put_back`].
    pub async fn take(&mut self) -> Result<Seat<'a>> {
        self.settle_warming();
        match self.idle.pop() {
            Some(session) => Ok(session),
            None => self.connector.connect().await.map(Seat::own),
        }
    }

    /// A session opened now, not one of the idle ones (those stay for the pool's own work);
    /// given back with [`Pool::put_back`], it joins them.
    pub async fn open_another(&self) -> Result<Seat<'a>> {
        self.connector.connect().await.map(Seat::own)
    }

    /// Starts one more session logging in while the caller goes on with other work: polled by
    /// [`Pool::beside_warming`], it joins the idle sessions once in. The connector is shared,
    /// so the login borrows nothing of the pool.
    pub fn start_warming(&mut self) {
        if self.warming.is_none() {
            let connector = self.connector.clone();
            self.warming = Some(Box::pin(async move { connector.connect().await.map(Seat::own) }));
        }
    }

    /// `work` (which does not use the pool), with the session of [`Pool::start_warming`]
    /// logging in meanwhile: once in, it joins the idle ones (one refused is dropped).
    pub async fn beside_warming<T>(&mut self, work: impl Future<Output = T>) -> T {
        let Some(mut warming) = self.warming.take() else { return work.await };
        tokio::pin!(work);
        tokio::select! {
            out = &mut work => {
                self.warming = Some(warming);
                out
            }
            opened = &mut warming => {
                if let Ok(seat) = opened {
                    self.idle.push(seat);
                }
                work.await
            }
        }
    }

    /// Before the pool opens sessions of its own: the warming session joins the idle ones if
    /// it is in, else it is given up, never waited for. Left halfway, its connection would
    /// count against a host's limit while the pool's logins are refused for it; waited for,
    /// it would hold the work up by what is left of its login.
    fn settle_warming(&mut self) {
        if let Some(warming) = self.warming.take()
            && let Some(Ok(seat)) = warming.now_or_never()
        {
            self.idle.push(seat);
        }
    }

    /// A session for work beside the pool's: the warming one (waited for: it was started for
    /// this), else an idle one when more than one waits (one stays for the pool's own work),
    /// else one opened now ([`Pool::open_another`]).
    pub async fn spare_or_another(&mut self) -> Result<Seat<'a>> {
        if let Some(warming) = self.warming.take() {
            return warming.await;
        }
        match self.idle.len() {
            2.. => Ok(self.idle.pop().expect("two idle sessions")),
            _ => self.open_another().await,
        }
    }

    pub fn put_back(&mut self, session: Seat<'a>) {
        self.idle.push(session);
    }

    /// How many sessions it may open (lower after a server refused more).
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// `--retries`.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// How long opening one more session costs, as the last one opened took (`None` when
    /// the pool opened none: its first session was lent to it).
    pub fn login_time(&self) -> Option<Duration> {
        self.connector.login_time()
    }

    /// Whether the server is within `near` (a round trip), measured once with NOOPs on an
    /// idle session: the first answered within `near`, else the quickest of three (a busy
    /// moment does not make a near server look far). Through the whole path: a login can be
    /// slow on purpose (ProFTPD's mod_delay), and a proxy in between answers the TCP
    /// handshake itself, however far the server is. False while no session is idle (none is
    /// opened for this) or a NOOP fails.
    pub async fn within(&mut self, near: Duration) -> bool {
        if self.round_trip.is_none() {
            let Some(mut seat) = self.idle.pop() else { return false };
            let mut quickest = Duration::MAX;
            for _ in 0..3 {
                let started = Instant::now();
                if let Err(e) = seat.noop().await {
                    if e.leaves_session_in_step() {
                        self.put_back(seat);
                    } else {
                        seat.discard();
                    }
                    return false;
                }
                quickest = quickest.min(started.elapsed());
                if quickest < near {
                    break;
                }
            }
            self.put_back(seat);
            self.round_trip = Some(quickest);
        }
        self.round_trip.is_some_and(|rtt| rtt < near)
    }

    /// False once a session found that this server does not take pipelined transfers.
    pub fn pipelines(&self) -> bool {
        self.connector.pipelining.allowed()
    }

    /// Runs `jobs` (and every job they add) on up to `limit` sessions; returns the failures.
    pub async fn run<W: Work>(&mut self, work: &W, jobs: Vec<W::Job>) -> Vec<Failure> {
        self.settle_warming();
        let shared = Shared::new(jobs, Stalls::new(self.limit, self.stalled));
        let mut workers = FuturesUnordered::new();
        let mut warming = FuturesUnordered::new();
        let mut free_slots: Vec<usize> = (0..self.limit).rev().collect();
        loop {
            let queued = shared.queue.borrow().len();
            // Open (or reuse) one more session only for queued work that no starting worker
            // is about to take.
            while workers.len() < self.limit && queued > shared.starting.get() {
                let Some(slot) = free_slots.pop() else { break };
                let session = self.idle.pop();
                shared.starting.set(shared.starting.get() + 1);
                workers.push(worker(&shared, work, &self.connector, session, self.retries, slot));
            }
            // Sessions for the next phase, opened in the background (never more than it needs).
            let open = workers.len() + self.idle.len() + warming.len();
            let wanted = work.anticipated().min(self.limit);
            if self.backed_off.is_none() && open < wanted {
                for _ in open..wanted {
                    warming.push(self.connector.connect());
                }
            }
            if workers.is_empty() {
                break;
            }
            tokio::select! {
                Some(opened) = warming.next() => match opened {
                    Ok(session) => self.idle.push(Seat::own(session)),
                    Err(e) if refuses_more(&e) => {
                        let open = workers.len() + self.idle.len() + warming.len();
                        self.limit = open.max(1);
                        self.backed_off = Some(self.limit);
                    }
                    // Not needed yet; the next phase will try again if it must.
                    Err(_) => {}
                },
                Some((slot, exit)) = workers.next() => {
                    free_slots.push(slot);
                    match exit {
                        Exit::Done(session) => self.idle.extend(session),
                        Exit::Refused(error) => {
                            let open = workers.len() + self.idle.len();
                            if open == 0 {
                                fail_all(&shared, work, error);
                            } else if open < self.limit {
                                self.limit = open;
                                self.backed_off = Some(open);
                            }
                        }
                        Exit::Failed(error) => {
                            if workers.is_empty() && self.idle.is_empty() {
                                fail_all(&shared, work, error);
                            } else {
                                self.limit = (workers.len() + self.idle.len()).max(1);
                                self.backed_off = Some(self.limit);
                            }
                        }
                    }
                }
                _ = shared.changed.notified() => {}
            }
        }
        drop(workers);
        // Sessions still being opened for the next phase are wanted there.
        while let Some(opened) = warming.next().await {
            match opened {
                Ok(session) => self.idle.push(Seat::own(session)),
                Err(e) if refuses_more(&e) => {
                    self.limit = self.idle.len().max(1);
                    self.backed_off = Some(self.limit);
                }
                Err(_) => {}
            }
        }
        self.stalled = shared.stalls.in_a_row();
        shared.into_failures()
    }

    /// Deletes the upload temporaries left (files pasv gave up on), then QUIT on every idle
    /// session, all at once.
    pub async fn close(mut self) {
        // Still logging in: not needed after all.
        self.warming = None;
        // Boxed: most pools have nothing to tidy, and need not carry its state along.
        if !self.temporaries.left().is_empty() {
            Box::pin(self.tidy()).await;
        }
        let mut quitting: FuturesUnordered<_> = self.idle.into_iter().map(Seat::leave).collect();
        while quitting.next().await.is_some() {}
    }
}

impl Pool<'_> {
    /// Deletes the upload temporaries this run created and did not rename, best effort: on
    /// an idle session or a new one, reconnecting within `--retries` (one budget for all of
    /// them) as for any job. A 550 means there is nothing to delete (the STOR was refused
    /// before the file was made, or the server moved it away); other refusals are reported.
    async fn tidy(&mut self) {
        let left = self.temporaries.left();
        if left.is_empty() {
            return;
        }
        let mut session = self.idle.pop();
        let mut attempt = 0;
        let mut deleted = 0;
        let mut kept = Vec::new();
        'paths: for (i, path) in left.iter().enumerate() {
            loop {
                let result = match session.as_mut() {
                    Some(s) => s.remove(path).await.map_err(anyhow::Error::new),
                    None => match self.connector.connect().await {
                        Ok(s) => session.insert(Seat::own(s)).remove(path).await.map_err(anyhow::Error::new),
                        Err(e) => Err(e),
                    },
                };
                let Err(e) = result else {
                    deleted += 1;
                    break;
                };
                if !keeps_session(&e) {
                    discard(&mut session);
                }
                if attempt < self.retries && is_transient(&e) {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                if session.is_none() {
                    // No session to be had within the budget: the rest stays too.
                    kept.extend(left[i..].iter().map(|p| (p.clone(), format!("{e:#}"))));
                    break 'paths;
                }
                // 550: nothing there (the STOR was refused before the file was made).
                if engine_error(&e).and_then(Error::reply_code) != Some(ReplyCode::FILE_UNAVAILABLE) {
                    kept.push((path.clone(), format!("{e:#}")));
                }
                break;
            }
        }
        for path in &left {
            self.temporaries.settled(path);
        }
        self.idle.extend(session);
        if self.connector.ctx.args.quiet {
            return;
        }
        if deleted > 0 {
            say(&format!(
                "pasv: note: deleted {deleted} upload temporary file(s) (.NAME.pasv-part) of files not copied"
            ));
        }
        for (path, error) in kept {
            say(&format!(
                "pasv: warning: the upload temporary {} is left on the server: {}",
                escape(&path),
                escape(&error)
            ));
        }
    }
}

/// Lets go of a session found out of step.
fn discard(session: &mut Option<Seat<'_>>) {
    if let Some(seat) = session.take() {
        seat.discard();
    }
}

/// No session can be opened: every queued job fails, the first with the real error.
fn fail_all<W: Work>(shared: &Shared<W::Job>, work: &W, error: anyhow::Error) {
    let Some(first) = shared.queue.borrow_mut().pop_front() else { return };
    let why = format!("{error:#}");
    shared.failures.borrow_mut().push(Failure { what: work.describe(&first), error });
    shared.give_up(work, why);
}

/// One session working through the queue until it is empty.
async fn worker<'a, W: Work>(
    shared: &Shared<W::Job>,
    work: &W,
    connector: &Connector<'_>,
    mut session: Option<Seat<'a>>,
    retries: u32,
    slot: usize,
) -> (usize, Exit<'a>) {
    let started = || shared.starting.set(shared.starting.get() - 1);
    // A connection refused, reset or timed out is as transient as a 4xx: a server restarting
    // in the middle of a run refuses connections for a while, and the run goes on after it.
    let mut attempt = 0;
    while session.is_none() {
        match connector.connect().await {
            Ok(s) => session = Some(Seat::own(s)),
            Err(e) if attempt < retries && !refuses_more(&e) && is_transient(&e) => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) => {
                started();
                return (slot, if refuses_more(&e) { Exit::Refused(e) } else { Exit::Failed(e) });
            }
        }
    }
    started();
    loop {
        let Some(job) = shared.queue.borrow_mut().pop_front() else {
            shared.changed.notify_one();
            return (slot, Exit::Done(session));
        };
        let mut attempt = 0;
        // The failure of the attempt before a retry: the job's, if the run stops before it.
        let mut earlier: Option<anyhow::Error> = None;
        loop {
            let result = match session.as_mut() {
                Some(s) => work.run(s, &job, attempt, slot).await,
                // A stall lost the session (a timeout, say): the job starts with a login. When
                // the other sessions' stalls, due at the same moment, stop the run meanwhile,
                // the login is dropped and the job is not attempted; else it would hang for a
                // `--timeout` of its own once the run had stopped.
                None => match shared.unless_stopped(connector.connect()).await {
                    Some(Ok(s)) => work.run(session.insert(Seat::own(s)), &job, attempt, slot).await,
                    Some(Err(e)) => Err(e),
                    None => {
                        let error = earlier.take().unwrap_or_else(|| shared.not_attempted());
                        shared.failures.borrow_mut().push(Failure { what: work.describe(&job), error });
                        break;
                    }
                },
            };
            match result {
                Ok(done) => {
                    // Work handed on is not stopped here: it is queued where it went.
                    shared.count(done.handed_on.as_ref());
                    if !done.keep_session {
                        discard(&mut session);
                    }
                    shared.queue.borrow_mut().extend(done.more);
                    break;
                }
                Err(error) => {
                    if !keeps_session(&error) {
                        discard(&mut session);
                    }
                    let stop = shared.count(Some(&error));
                    if attempt < retries && is_transient(&error) && !stop && !shared.stopping() {
                        let delay = backoff(attempt);
                        work.retrying(&job, &error, delay);
                        if !shared.stopped_within(delay).await {
                            earlier = Some(error);
                            attempt += 1;
                            continue;
                        }
                    }
                    shared.failures.borrow_mut().push(Failure { what: work.describe(&job), error });
                    if stop {
                        shared.stop(work);
                    }
                    break;
                }
            }
        }
        shared.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::GlobalArgs;
    use crate::server::{RunningServer, ServerOptions};

    fn flags() -> GlobalArgs {
        GlobalArgs { no_netrc: true, ..GlobalArgs::default() }
    }

    #[tokio::test]
    async fn a_pool_of_four_sessions_shares_one_settings_value_and_one_tls_client() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("f.txt"), b"pasv").unwrap();
        let server =
            RunningServer::start(ServerOptions { tls: true, ..ServerOptions::new(root.path()) }).await.unwrap();
        let pin = server.certificate().unwrap().pin.clone();
        let target = Target::parse(&format!("{}/", server.url())).unwrap();
        let ctx = Context::new(GlobalArgs { pin: vec![pin], ..flags() });
        tokio::time::timeout(Duration::from_secs(60), async {
            let connector = Connector::new(&ctx, target.clone(), Some(RateLimit::new(1 << 30)));
            let mut pool = Vec::new();
            for _ in 0..4 {
                pool.push(connector.connect().await.unwrap());
            }
            // The shell's own session, beside its pool.
            let single = ctx.connect(&target).await.unwrap();
            let site = ctx.site(&target).unwrap().settings;
            assert!(site.used_by(&single));
            let ours = pool[0].config().clone();
            assert!(ours.rate_limit.is_some() && !Arc::ptr_eq(&ours, site.config()), "the pool's own rate limit");
            for session in &pool {
                assert!(Arc::ptr_eq(session.config(), &ours));
                assert!(session.tls_client().unwrap().ptr_eq(site.tls().unwrap()), "one TLS client for all");
            }
            assert!(Arc::ptr_eq(&ctx.site(&target).unwrap().settings, &site), "resolved once");
            // What is per session stays so: a listing on one session offers its own control
            // connection's TLS session; the others, which listed nothing, offered none.
            pool[0].list(None).await.unwrap();
            assert!(pool[0].ticket_supply().unwrap().offered > 0);
            for session in &pool[1..] {
                assert_eq!(session.ticket_supply().unwrap().offered, 0);
            }
            for session in pool.into_iter().chain([single]) {
                let _ = session.quit().await;
            }
        })
        .await
        .unwrap();
    }

    /// Jobs that play a stopped run in a set order: "busy" is refused with a 450 (worth a
    /// retry, no stall); a job named "hung..." stalls (a timeout) once the event `waits` names
    /// for it happened; any other job succeeds. What happened is in `log`, in order.
    struct Scripted {
        waits: &'static [(&'static str, &'static str)],
        log: RefCell<Vec<String>>,
        moved: Notify,
    }

    impl Scripted {
        fn new(waits: &'static [(&'static str, &'static str)]) -> Self {
            Self { waits, log: RefCell::default(), moved: Notify::new() }
        }

        fn event(&self, what: String) {
            self.log.borrow_mut().push(what);
            self.moved.notify_waiters();
        }

        /// Until `what` happened. (One task runs the pool: nothing happens between the look
        /// and the wait.)
        async fn until(&self, what: &str) {
            while !self.log.borrow().iter().any(|e| e == what) {
                self.moved.notified().await;
            }
        }

        fn happened(&self) -> Vec<String> {
            self.log.borrow().clone()
        }
    }

    impl Work for Scripted {
        type Job = &'static str;

        async fn run(&self, _: &mut Session, job: &&'static str, _: u32, _: usize) -> Result<Done<&'static str>> {
            self.event(format!("{job} tried"));
            if *job == "busy" {
                return Err(Error::Rejected {
                    command: "STOR busy".into(),
                    code: ReplyCode(450),
                    text: "Busy.".into(),
                }
                .into());
            }
            if let Some((_, after)) = self.waits.iter().find(|(which, _)| which == job) {
                self.until(after).await;
            }
            if !job.starts_with("hung") {
                return Ok(Done::nothing());
            }
            self.event(format!("{job} failing"));
            Err(Error::Timeout { waiting_for: "the data connection", after: Duration::from_secs(30) }.into())
        }

        fn describe(&self, job: &&'static str) -> String {
            job.to_string()
        }

        fn retrying(&self, job: &&'static str, _: &anyhow::Error, _: Duration) {
            self.event(format!("{job} waits to retry"));
        }
    }

    /// Runs `jobs` on a pool of two sessions to a fresh server, after `stalled` stalls of an
    /// earlier run (three stop a run on two sessions at the next); the failures as shown.
    async fn run_scripted(work: &Scripted, jobs: Vec<&'static str>, stalled: usize, retries: u32) -> Vec<String> {
        let root = tempfile::tempdir().unwrap();
        let server = RunningServer::start(ServerOptions::new(root.path())).await.unwrap();
        let target = Target::parse(&format!("{}/", server.url())).unwrap();
        let ctx = Context::new(flags());
        tokio::time::timeout(Duration::from_secs(60), async {
            let mut pool = Pool::open(Connector::new(&ctx, target, None), 2, retries).await.unwrap();
            let second = pool.open_another().await.unwrap();
            pool.put_back(second);
            pool.stalled = stalled;
            let failures = pool.run(work, jobs).await;
            pool.close().await;
            failures.iter().map(|f| format!("{}: {:#}", f.what, f.error)).collect()
        })
        .await
        .unwrap()
    }

    /// While "busy" waits a second to be retried, "hung" stalls and stops the run. The wait
    /// ends there and "busy" is not tried again (before, it was, a second later: on a dead
    /// data path, one more `--timeout` for the run).
    #[tokio::test]
    async fn a_stop_ends_the_wait_for_a_retry_and_the_retry_is_not_made() {
        let work = Scripted::new(&[("hung", "busy waits to retry")]);
        let shown = run_scripted(&work, vec!["busy", "hung"], 3, 1).await;
        let happened = work.happened();
        assert_eq!(happened.iter().filter(|e| *e == "busy tried").count(), 1, "{happened:?}");
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(shown[0].starts_with("hung: 4 attempts in a row hung"), "{shown:?}");
        assert!(shown[1].starts_with("busy: ") && shown[1].contains("450"), "{shown:?}");
    }

    /// "hung1" stalls first: its session is lost, and its worker logs in again for "next".
    /// "hung2" stalls meanwhile and stops the run: the login is dropped and "next" is not
    /// attempted (before, it went out once the login was done, and hung for a `--timeout` of
    /// its own after the stop).
    #[tokio::test]
    async fn a_stop_drops_a_login_for_the_next_job_and_the_job_is_not_attempted() {
        let work = Scripted::new(&[("hung1", "hung2 tried"), ("hung2", "hung1 failing")]);
        let shown = run_scripted(&work, vec!["hung1", "hung2", "next"], 2, 0).await;
        let happened = work.happened();
        assert!(!happened.iter().any(|e| e == "next tried"), "{happened:?}");
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown[0].starts_with("hung2: 4 attempts in a row hung"), "{shown:?}");
        assert!(shown.contains(&"next: not attempted: 4 attempts in a row hung or lost their data connection".into()));
    }

    fn err(e: Error) -> anyhow::Error {
        anyhow::Error::new(e).context("doing something")
    }

    #[test]
    fn classifies_failures() {
        let rejected = |code, text: &str| {
            err(Error::Rejected { command: "RETR x".into(), code: ReplyCode(code), text: text.into() })
        };
        assert!(is_transient(&rejected(450, "busy")));
        assert!(!is_transient(&rejected(550, "no such file")));
        assert!(is_transient(&err(Error::DataIo(std::io::Error::other("reset")))));
        assert!(is_transient(&err(Error::ControlClosed)));
        assert!(!is_transient(&err(Error::Login { code: ReplyCode(530), text: "bad password".into() })));
        assert!(!is_transient(&anyhow::anyhow!("local trouble")));

        assert!(refuses_more(&err(Error::Unavailable { code: ReplyCode(421), text: "Too many users".into() })));
        assert!(refuses_more(&err(Error::Login { code: ReplyCode(530), text: "Too many connections".into() })));
        assert!(!refuses_more(&err(Error::Login { code: ReplyCode(530), text: "Login incorrect".into() })));

        assert!(keeps_session(&rejected(550, "no")));
        assert!(!keeps_session(&err(Error::ControlClosed)));
    }

    #[test]
    fn backs_off_exponentially() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(20), MAX_BACKOFF);
    }
}
