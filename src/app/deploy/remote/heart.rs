//! The deploy lock's heartbeat while the pool works (behind [`super::Remote`]'s door: it opens a
//! session of its own). A run is heard from at every checkpoint of the state, between two
//! batches of uploads; one upload (or one stretch of deletes) can take longer than the lock's
//! `STALE`, so while the lock is held the pool's work goes with a beat every minute.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::lease::Lease;
use crate::app::context::Context;
use crate::app::sanitize::escape;
use crate::app::tally::Tally;
use crate::app::target::Target;
use crate::app::transfer::pool::{Connector, Failure as Problem, Seat};

/// A run that holds the deploy lock is heard from ([`super::Remote::hear_from`]) at least this
/// often, also while one long stretch of work keeps every session of the pool busy (one
/// large upload, thousands of deletes): far within the lock's `STALE`.
const BEAT: Duration = Duration::from_secs(60);

/// The deploy lock's heartbeat while the pool works: its owner file written again every
/// [`BEAT`], on a session of its own (opened the first time one is needed, closed when the
/// work ends), so that a lock whose run is alive never looks stale to the next run, however
/// long one upload takes.
pub(super) struct Heart<'a> {
    connector: Connector<'a>,
    lease: Option<Lease<'a>>,
    /// The owner file's server path and contents, while the lock is held.
    owner: Option<(String, Vec<u8>)>,
    every: Duration,
    /// When the next beat is due: [`BEAT`] after the last one (or after the lock was taken),
    /// whichever stretch of work it falls in. A scan hands out its files in lots, and a
    /// timer started afresh for each would never run out.
    due: Instant,
    /// A failure was said (once a run: the checkpoints say theirs).
    warned: bool,
    /// The owner file turned out another run's: nothing more is written to it.
    pub(super) lost: bool,
}

impl<'a> Heart<'a> {
    pub(super) fn new(ctx: &'a Context, target: &Target) -> Self {
        // Debug builds only: the tests' runs are heard from more often than once a minute.
        #[cfg(debug_assertions)]
        let every = std::env::var("PASV_TEST_LOCK_BEAT_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(BEAT, Duration::from_millis);
        #[cfg(not(debug_assertions))]
        let every = BEAT;
        let connector = Connector::new(ctx, target.clone(), None);
        Self { connector, lease: None, owner: None, every, due: Instant::now(), warned: false, lost: false }
    }

    /// From now on the lock's owner file is `owner` (`None`: no lock held), first beat
    /// [`BEAT`] from now.
    pub(super) async fn hear_from(&mut self, owner: Option<(String, Vec<u8>)>) {
        self.lost = false;
        self.owner = owner;
        self.due = Instant::now() + self.every;
        if self.owner.is_none() {
            self.close().await;
        }
    }

    /// `work`, with the owner file written again every [`BEAT`] until it ends. A write under
    /// way when it ends is finished first: a cut owner file would look like another's. A beat
    /// that finds the lock another run's stops the work there (dropped, as Ctrl-C drops it:
    /// the pool removes its upload temporaries when it closes), with a problem that names no
    /// file, so that nothing of it counts as done.
    pub(super) async fn beating<T>(&mut self, tally: &Tally<'_>, work: impl Future<Output = T>) -> Result<T, Problem> {
        if self.owner.is_none() {
            return Ok(work.await);
        }
        let mut work = std::pin::pin!(work);
        let out = loop {
            let (writing, lost) = (Cell::new(false), Cell::new(false));
            let mut beat = std::pin::pin!(async {
                tokio::time::sleep_until(self.due.into()).await;
                writing.set(true);
                self.beat(tally).await;
                self.due = Instant::now() + self.every;
                lost.set(self.lost);
            });
            let done = tokio::select! {
                out = &mut work => Some(out),
                () = &mut beat => None,
            };
            if let Some(out) = done {
                if writing.get() {
                    beat.await;
                }
                break Ok(out);
            }
            if lost.get() {
                let error = anyhow::anyhow!("stopped: another deploy took the lock over while this run worked");
                break Err(Problem { what: "the deploy lock".into(), error });
            }
        };
        // Not left idle until the next long stretch (a server ends idle sessions).
        self.close().await;
        out
    }

    async fn beat(&mut self, tally: &Tally<'_>) {
        let Some((path, bytes)) = &self.owner else { return };
        let written = async {
            let lease = match &mut self.lease {
                Some(lease) => lease,
                None => self.lease.insert(Lease::new(Seat::own(self.connector.connect().await?))),
            };
            lease.store_if_same(path, bytes).await
        };
        match written.await {
            Ok(true) => {}
            // Taken over by another run: its owner file is not written over.
            Ok(false) => {
                self.owner = None;
                self.lost = true;
            }
            Err(e) => {
                // Perhaps out of step: the next beat opens another.
                self.lease = None;
                if !std::mem::replace(&mut self.warned, true) {
                    let e = escape(&format!("{e:#}")).into_owned();
                    tally.note(&format!("pasv: warning: could not refresh the deploy lock: {e}"));
                }
            }
        }
    }

    pub(super) async fn close(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.seat.leave().await;
        }
    }
}
