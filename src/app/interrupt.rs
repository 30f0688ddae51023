//! Ctrl-C while upload temporaries of this run are on the server. Without any, Ctrl-C ends a
//! one-shot command at once (and the shell's command), as before. With some, the interrupt is
//! handed to the running command instead ([`or_interrupted`]): it stops its transfers, deletes
//! the temporaries it created, and ends with `Error::Cancelled` (exit 130). The caller of
//! [`fire`] gives it a bounded time for that ([`TIDY_GRACE`]); a second Ctrl-C ends it at once.
//!
//! Process-wide, as SIGINT is; a one-shot command takes SIGTERM the same way ([`signal`]).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::engine::Error;

/// How long an interrupted command may take to delete its upload temporaries: long enough
/// for a reconnect on a slow link, short enough that Ctrl-C still feels like Ctrl-C.
pub const TIDY_GRACE: Duration = Duration::from_secs(10);

static FIRED: AtomicBool = AtomicBool::new(false);
static WAKE: Notify = Notify::const_new();
/// Registries ([`super::transfer::temporaries::Temporaries`]) holding temporaries not yet renamed or
/// deleted.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Ctrl-C was pressed while `run` (the command) ran: tells it, and when it has upload
/// temporaries to delete, waits for it to finish for [`TIDY_GRACE`] at most, or until
/// `again` (a second Ctrl-C).
pub async fn let_tidy<F: Future>(run: Pin<&mut F>, again: impl Future) {
    fire();
    if !tidying() {
        return;
    }
    let tidy = async {
        tokio::select! {
            _ = run => {}
            _ = again => {}
        }
    };
    let _ = tokio::time::timeout(TIDY_GRACE, tidy).await;
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM: what CI runners send a job they cancel or that ran
/// out of time (GitLab and `docker stop` send only SIGTERM before SIGKILL), so that a one-shot
/// command tidies up there too (a deploy removes its lock).
pub async fn signal() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Wakes every [`or_interrupted`].
fn fire() {
    FIRED.store(true, Ordering::SeqCst);
    WAKE.notify_waiters();
}

/// A new command of the shell starts: an earlier Ctrl-C is not for it.
pub fn reset() {
    FIRED.store(false, Ordering::SeqCst);
}

/// Whether some command has upload temporaries to delete, and so wants the interrupt.
pub fn tidying() -> bool {
    PENDING.load(Ordering::SeqCst) > 0
}

/// Held by a registry while it holds temporaries.
pub struct Pending(());

impl Pending {
    pub fn new() -> Self {
        PENDING.fetch_add(1, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        PENDING.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn fired() {
    loop {
        let woken = WAKE.notified();
        tokio::pin!(woken);
        // Registered before the flag is read: a `fire` in between still wakes this one.
        woken.as_mut().enable();
        if FIRED.load(Ordering::SeqCst) {
            return;
        }
        woken.await;
    }
}

/// `work`, or `Error::Cancelled` once Ctrl-C is pressed (`work` is dropped then: its
/// transfers stop, and the caller tidies up).
pub async fn or_interrupted<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        result = work => result,
        () = fired() => Err(anyhow::Error::new(Error::Cancelled)),
    }
}
