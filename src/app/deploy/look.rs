//! What a plan needs from the server beyond the state file: listings of the directories it
//! touches, SIZE for dot files a listing may hide, and checksums for `--adopt` and
//! `--verify-remote`. Used by a deploy and by the resume of a `--release-dir` release.

use anyhow::Result;

use super::plan::{self, Basis, Listed, Seen, Source};
use super::protect::STAGING;
use super::remote::{Op, Outcome, Remote};
use super::settings::Settings;
use super::state::{base, parent};
use crate::app::tally::Tally;
use crate::app::transfer::run::report_failures;

/// What the plan needs from the server beyond the state: listings of the touched
/// directories, SIZE for dot files a listing may hide (vsftpd lists them only with `-a`),
/// and checksums for `--adopt` and `--verify-remote`.
pub async fn look(
    remote: &mut Remote<'_>,
    source: &Source,
    basis: &Basis,
    settings: &Settings,
    tally: &Tally<'_>,
) -> Result<Seen> {
    let rules = &settings.rules;
    let touched = plan::touched_dirs(source, basis, rules);
    let mut seen = Seen::default();
    let (listed, failures) = remote.run(touched.into_iter().map(Op::List).collect(), tally).await;
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
