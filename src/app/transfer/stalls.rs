//! When a run stops early: every attempt hangs. A firewall or NAT that takes connections to
//! the server's passive ports and forwards nothing makes each transfer wait out `--timeout`
//! (1,000 files on 8 sessions: an hour at the default 30 s) while the control connection works
//! and new sessions log in. When two more attempts in a row than there are sessions hung or
//! lost their data connection, nothing succeeding in between, some session stalled twice
//! after every one had its turn: the pool then stops and what is queued is not attempted
//! ([`Stalled`]). A server that hiccups for one timeout stalls each session once, and the
//! run goes on. The count carries from one run of a pool to the next: the pipelined lanes
//! hand a stalled lane's files to the one-by-one phase, and their stalls count there (a dead
//! data path then costs one timeout per session in each phase, not two in the second).

use std::cell::Cell;

use crate::engine::{Error, ErrorClass};

/// Why a run stopped before its queue was done, put on the failure that stopped it (the
/// exit's hint looks for it).
#[derive(Debug, thiserror::Error)]
#[error("{stalls} attempts in a row hung or lost their data connection and none got through: stopped")]
pub struct Stalled {
    pub stalls: usize,
}

/// The attempts in a row that stalled, for one run of a pool (started from what the last run
/// of the same pool left: [`Stalls::new`], [`Stalls::in_a_row`]).
pub(super) struct Stalls {
    in_a_row: Cell<usize>,
    /// More than this many stop the run.
    limit: usize,
}

impl Stalls {
    /// For a run on `sessions` sessions, after `in_a_row` stalls carried from the last.
    pub(super) fn new(sessions: usize, in_a_row: usize) -> Self {
        Self { in_a_row: Cell::new(in_a_row), limit: sessions + 1 }
    }

    pub(super) fn in_a_row(&self) -> usize {
        self.in_a_row.get()
    }

    /// An attempt ended (`failed`: how, when it failed); true when the stalls in a row now
    /// stop the run.
    pub(super) fn count(&self, failed: Option<&anyhow::Error>) -> bool {
        match failed {
            None => self.in_a_row.set(0),
            Some(error) if stalls(error) => self.in_a_row.set(self.in_a_row.get() + 1),
            // Refused by the server, say: it answered, which says nothing either way.
            Some(_) => {}
        }
        self.in_a_row.get() > self.limit
    }

    /// Why the jobs the stop left in the queue were not attempted.
    pub(super) fn not_attempted(&self) -> String {
        format!("{} attempts in a row hung or lost their data connection", self.in_a_row.get())
    }

    /// The failure that stopped the run, saying so.
    pub(super) fn stopped_by(&self, error: anyhow::Error) -> anyhow::Error {
        error.context(Stalled { stalls: self.in_a_row.get() })
    }
}

/// A transfer that hung until the timeout, or whose data connection failed: what every
/// transfer does when the server's data connections do not get through.
/// (The engine error found as `pool::engine_error` finds it; calling that would make pool and
/// this module import each other.)
fn stalls(err: &anyhow::Error) -> bool {
    let engine = err.chain().find_map(|c| c.downcast_ref::<Error>());
    engine.is_some_and(|e| e.class() == ErrorClass::Timeout || e.is_data_connection_failure())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::proto::ReplyCode;

    fn timeout() -> anyhow::Error {
        Error::Timeout { waiting_for: "a reply", after: Duration::from_secs(1) }.into()
    }

    /// Two sessions: the fourth stall in a row stops the run; a success, and only a success,
    /// starts the count again.
    #[test]
    fn stops_at_two_more_stalls_in_a_row_than_sessions() {
        let stalls = Stalls::new(2, 0);
        let refused: anyhow::Error =
            Error::Rejected { command: "STOR f".into(), code: ReplyCode(550), text: "No.".into() }.into();
        assert!(!stalls.count(Some(&timeout())));
        assert!(!stalls.count(Some(&refused)));
        assert!(!stalls.count(Some(&timeout())));
        assert!(!stalls.count(None));
        for _ in 0..3 {
            assert!(!stalls.count(Some(&timeout())));
        }
        assert!(stalls.count(Some(&timeout())));
        let shown = format!("{:#}", stalls.stopped_by(timeout()));
        assert!(shown.starts_with("4 attempts in a row hung"), "{shown}");
    }
}
