//! The end of a multi-file run, and its notes: retries on the terminal, the summary, every
//! failure reported and turned into the command's error.

use std::time::Duration;

use anyhow::Result;

use super::pool::{Failure, NotAttempted, Pool, engine_error};
use crate::app::progress::say;
use crate::app::sanitize::{escape, named};
use crate::app::tally::{Summary, Tally};

pub(crate) fn retry_note(tally: &Tally<'_>, what: &str, error: &anyhow::Error, delay: Duration) {
    let cause = engine_error(error).map(|e| e.to_string()).unwrap_or_else(|| format!("{error:#}"));
    tally.note(&format!("pasv: {}: {} (retrying in {}s)", escape(what), escape(&cause), delay.as_secs()));
}

/// The end of a multi-file run on `pool`: see [`finish`].
pub(crate) fn wrap_up(
    pool: &Pool<'_>,
    tally: &mut Tally<'_>,
    action: &'static str,
    failures: Vec<Failure>,
) -> Result<Summary> {
    finish(tally, action, false, pool.backed_off, failures)
}

/// The end of a multi-file run (one summary for all its trees): the summary, a note when
/// the server took fewer sessions than asked (`backed_off`), then every failure reported and
/// turned into the command's error.
pub(crate) fn finish(
    tally: &mut Tally<'_>,
    action: &'static str,
    dry_run: bool,
    backed_off: Option<usize>,
    failures: Vec<Failure>,
) -> Result<Summary> {
    tally.failed(failures.len() as u64);
    let summary = tally.finish(action, dry_run);
    if let Some(n) = backed_off {
        tally.note(&format!("pasv: note: the server accepted only {n} parallel session(s)"));
    }
    conclude(failures, summary)
}

/// Reports every failure and turns them into the command's error (the first one's class
/// decides the exit code).
pub(crate) fn conclude(failures: Vec<Failure>, summary: Summary) -> Result<Summary> {
    report_failures(failures).map(|()| summary)
}

/// Prints every failure but the first, which becomes the error (the others named in it).
/// Jobs a stopped run never attempted get one line for each reason, naming a few: a run
/// stopped with 20,000 files queued says so in a line, not 20,000.
pub(crate) fn report_failures(failures: Vec<Failure>) -> Result<()> {
    let total = failures.len();
    let mut failures = failures.into_iter();
    let Some(first) = failures.next() else {
        return Ok(());
    };
    let mut skipped: Vec<(String, Vec<String>)> = Vec::new();
    for other in failures {
        match other.error.downcast_ref::<NotAttempted>() {
            Some(NotAttempted { why }) => match skipped.iter_mut().find(|(reason, _)| reason == why) {
                Some((_, whats)) => whats.push(other.what),
                None => skipped.push((why.clone(), vec![other.what])),
            },
            None => say(&format!("pasv: error: {}: {}", escape(&other.what), escape(&format!("{:#}", other.error)))),
        }
    }
    for (why, whats) in skipped {
        say(&format!("pasv: error: {} not attempted ({}): {}", whats.len(), named(&whats), escape(&why)));
    }
    if total > 1 {
        return Err(first.error.context(format!("{total} problems (the others are listed above); the first")));
    }
    Err(first.error)
}
