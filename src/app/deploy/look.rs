//! What a plan needs from the server beyond the state file: listings of the directories it
//! touches, SIZE for dot files a listing may hide, and checksums for `--adopt` and
//! `--verify-remote`. Used by a deploy (which starts listing while the source is scanned) and
//! by the resume of a `--release-dir` release.

use std::collections::HashSet;

use anyhow::Result;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::mpsc::error::TryRecvError;

use super::lock::Lock;
use super::plan::{self, Basis, Listed, Seen, Source};
use super::protect::STAGING;
use super::remote::{Op, Outcome, Problem, Remote};
use super::scan::Batch;
use super::settings::Settings;
use super::state::{State, base, parent};
use crate::app::tally::Tally;
use crate::app::transfer::run::report_failures;

/// What the scan found, and what the server showed while it ran.
pub struct Early {
    pub files: Batch,
    pub seen: Seen,
    pub failures: Vec<Problem>,
    /// Why the deploy lock could not be taken (another run holds it, the state file
    /// changed): the deploy stops with it once the scan is over.
    pub lock_refused: Option<anyhow::Error>,
}

/// Takes the scan's files as they come (`hashed` ends with the scan) and, with a trusted
/// `state`, lists each directory where one differs from it while the rest is still being
/// hashed: on a redeploy these are the listings the plan waits for, and the connection is
/// otherwise idle during the scan. With `lock_on_change`, the first difference takes the
/// deploy lock too, on a session of its own beside those listings ([`Lock::take_beside`]):
/// the run will change the server, and far from it the lock's eight round trips (MKD, the
/// owner file, the checks) then cost no time of their own.
pub async fn while_scanning(
    remote: &mut Remote<'_>,
    state: Option<&State>,
    mut lock_on_change: Option<&mut Lock>,
    hashed: &mut UnboundedReceiver<Batch>,
    tally: &Tally<'_>,
) -> Early {
    let mut early = Early { files: Vec::new(), seen: Seen::default(), failures: Vec::new(), lock_refused: None };
    let mut asked = HashSet::new();
    let mut due = Vec::new();
    loop {
        // A listing at a time, taking in between whatever the scan has hashed meanwhile.
        let batch = match hashed.try_recv() {
            Ok(batch) => batch,
            Err(TryRecvError::Disconnected) => break,
            // Every directory due so far, at once (a far server's may go on several sessions,
            // see `few_first`). After a failure nothing more is asked: the deploy stops once
            // the scan is over.
            Err(TryRecvError::Empty)
                if !due.is_empty() && early.failures.is_empty() && early.lock_refused.is_none() =>
            {
                list(remote, lock_on_change.take(), due.drain(..).map(Op::List).collect(), &mut early, tally).await;
                continue;
            }
            // The lock, once taken, is heard from while the scan goes on.
            Err(TryRecvError::Empty) => match remote.heard_from_during(tally, hashed.recv()).await {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                Err(lost) => {
                    early.lock_refused = Some(lost.error);
                    continue;
                }
            },
        };
        if let Some(state) = state {
            for (rel, local) in &batch {
                let dir = parent(rel);
                if !plan::recorded(state.files.get(rel), local) && !asked.contains(dir) {
                    asked.insert(dir.to_string());
                    due.push(dir.to_string());
                }
            }
        }
        early.files.extend(batch);
    }
    // The scan was over before the connection was free (a small site, a quick disk): the lock
    // and the listings its changes ask for, as they would have gone during it.
    if !due.is_empty() && early.failures.is_empty() && early.lock_refused.is_none() {
        list(remote, lock_on_change, due.into_iter().map(Op::List).collect(), &mut early, tally).await;
    }
    early
}

/// `ops` on the pool, with `lock` taken beside them when given.
async fn list(remote: &mut Remote<'_>, lock: Option<&mut Lock>, ops: Vec<Op>, early: &mut Early, tally: &Tally<'_>) {
    let (listed, failures) = match lock {
        Some(lock) => {
            let (taken, listed, failures) = lock.take_beside(remote, ops, tally).await;
            early.lock_refused = taken.err();
            (listed, failures)
        }
        None => remote.run(ops, tally).await,
    };
    early.failures.extend(failures);
    for (op, outcome) in listed {
        if let Outcome::Listed(listed) = outcome {
            early.seen.dirs.insert(op.rel().to_string(), listed);
        }
    }
}

/// What the plan needs from the server beyond the state and what `seen` has already (the
/// directories listed while the scan ran): listings of the other touched directories, SIZE
/// for dot files a listing may hide (vsftpd lists them only with `-a`), and checksums for
/// `--adopt` and `--verify-remote`.
pub async fn look(
    remote: &mut Remote<'_>,
    source: &Source,
    basis: &Basis,
    settings: &Settings,
    mut seen: Seen,
    tally: &Tally<'_>,
) -> Result<Seen> {
    let rules = &settings.rules;
    let touched = plan::touched_dirs(source, basis, rules);
    let ops = touched.into_iter().filter(|dir| !seen.dirs.contains_key(dir)).map(Op::List).collect();
    let (listed, failures) = remote.run(ops, tally).await;
    report_failures(failures)?;
    for (op, outcome) in listed {
        if let Outcome::Listed(listed) = outcome {
            seen.dirs.insert(op.rel().to_string(), listed);
        }
    }
    let state = basis.trusted();
    let hides = |rel: &str| {
        base(rel).starts_with('.')
            && seen.dirs.get(parent(rel)).is_some_and(|d: &Listed| d.exists && !d.files.contains_key(base(rel)))
    };
    // Every path of the source and the state is looked at: only those that need a SIZE are
    // copied.
    let expected = source.files.keys().chain(state.iter().flat_map(|s| s.files.keys().chain(&s.pending)));
    let staged = state.iter().flat_map(|s| s.staged.keys()).map(|rel| format!("{STAGING}/{rel}"));
    let hidden: Vec<Op> =
        expected.filter(|rel| hides(rel)).cloned().chain(staged.filter(|rel| hides(rel))).map(Op::Size).collect();
    let (sizes, failures) = remote.run(hidden, tally).await;
    report_failures(failures)?;
    for (op, outcome) in sizes {
        if let (Outcome::Size(Some(size)), Some(dir)) = (outcome, seen.dirs.get_mut(parent(op.rel()))) {
            dir.files.insert(base(op.rel()).to_string(), Some(size));
        }
    }
    let checks: Vec<Op> = source
        .files
        .iter()
        .filter(|(rel, local)| {
            let wanted = match state {
                None => rules.adopt,
                Some(state) => {
                    rules.verify_remote
                        && state.files.get(*rel).is_some_and(|r| r.sha256 == local.sha256 && r.size == local.size)
                }
            };
            wanted && seen.dirs.get(parent(rel)).and_then(|d| d.files.get(base(rel))) == Some(&Some(local.size))
        })
        .map(|(rel, local)| Op::Checksum { rel: rel.clone(), local: settings.source.join(rel), sha256: local.sha256 })
        .collect();
    let asked = checks.len();
    let (sums, failures) = remote.run(checks, tally).await;
    report_failures(failures)?;
    for (op, outcome) in sums {
        if let Outcome::Same(Some(same)) = outcome {
            seen.checksums.insert(op.rel().to_string(), same);
        }
    }
    if asked > 0 && seen.checksums.is_empty() {
        tally.note("pasv: note: the server offers no checksum (HASH, XSHA256, ...): files compared by size only");
    }
    Ok(seen)
}
