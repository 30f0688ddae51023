//! What a deploy tells the user: which state it goes by, the plan (`--dry-run`, as text or as
//! one JSON object), and what it found (drift, protected paths, files it will not delete).
//! Paths are escaped in text; `--json` keeps them exact.

use anyhow::Result;
use serde::Serialize;

use super::layout::{Rename, Step, Switch};
use super::plan::{Basis, Plan};
use super::settings::{Settings, shown_url};
use crate::app::render::Output;
use crate::app::sanitize::{escape, named};
use crate::app::tally::Tally;

/// Says which state the run goes by, when it is not a trusted one (or an interrupted one).
pub fn basis(tally: &Tally<'_>, basis: &Basis, settings: &Settings) {
    let file = escape(&settings.state_file);
    let target = shown_url(settings);
    match basis {
        Basis::Trusted(state) if !state.complete => {
            tally.note("pasv: note: the last deploy stopped before it finished: resuming it");
        }
        Basis::Trusted(_) => {}
        Basis::Missing => tally.note(&format!(
            "pasv: note: no state file ({file}) in {target}: comparing with the server's listings; nothing is \
             deleted this run{}",
            if settings.rules.adopt { "" } else { " (--adopt keeps the files already there that match)" }
        )),
        Basis::Unreadable(why) => tally.note(&format!(
            "pasv: warning: the state file {file} in {target} cannot be used: {}; comparing with the server's \
             listings instead, and nothing is deleted this run",
            escape(why)
        )),
        Basis::Foreign(other) => tally.note(&format!(
            "pasv: warning: the state file {file} in {target} belongs to another source tree ({:?}, this one is \
             {:?}); comparing with the server's listings instead, nothing is deleted this run, and the state \
             file is replaced by this tree's",
            escape(other),
            escape(&settings.identity)
        )),
    }
}

/// Drift, protected paths, and what is not deleted for want of a trusted state.
pub fn findings(tally: &Tally<'_>, plan: &Plan) {
    for drift in &plan.drift {
        let fix = if plan.protected.contains(&drift.path) { "protected: left as it is" } else { "uploading it again" };
        tally.note(&format!("pasv: drift: {}: {}; {fix}", escape(&drift.path), escape(&drift.detail)));
    }
    let unfixed: Vec<&String> = plan.protected.iter().filter(|p| !plan.drift.iter().any(|d| &d.path == *p)).collect();
    if !unfixed.is_empty() {
        tally.note(&format!("pasv: note: protected, left as they are: {}", named(&unfixed)));
    }
    if !plan.not_deleted.is_empty() {
        let all: Vec<&String> = plan.not_deleted.iter().collect();
        tally.note(&format!(
            "pasv: note: {} path(s) on the server are not in the source and were not deleted (no trusted state \
             says pasv put them there): {}",
            all.len(),
            named(&all)
        ));
    }
}

#[derive(Serialize)]
struct PlanLine<'a> {
    action: &'static str,
    state: &'static str,
    #[serde(flatten)]
    plan: &'a Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'a Switch>,
}

/// One rename of `--release-dir` or `--rollback`, as the dry run prints it.
pub fn rename_line(out: &Output, rename: &Rename) -> std::io::Result<()> {
    let verb = if rename.step == Step::Carry { "move" } else { "rename" };
    out.line(&format!("{verb} {} -> {} ({})", out.text(&rename.from), out.text(&rename.to), rename.step.text()))
}

#[derive(Serialize)]
struct RollbackLine<'a> {
    action: &'static str,
    release: &'a Switch,
}

/// `--rollback --dry-run`: its renames (and repairs, and protected paths carried), or one
/// JSON object.
pub fn rollback_plan(out: &Output, switch: &Switch) -> Result<()> {
    if out.json() {
        out.json_line(&RollbackLine { action: "plan", release: switch })?;
        return Ok(());
    }
    for rename in switch.repairs.iter().chain(&switch.carried).chain(&switch.renames) {
        rename_line(out, rename)?;
    }
    Ok(())
}

/// `--dry-run`: the plan on stdout, one line per change (or one JSON object), then the
/// findings on stderr. With `--release-dir`, the paths of the plan are in the release
/// directory, and the renames around it come before and after.
pub fn plan(tally: &mut Tally<'_>, plan: &Plan, basis: &Basis, release: Option<&Switch>) -> Result<()> {
    let out = tally.output();
    if out.json() {
        out.json_line(&PlanLine { action: "plan", state: basis.name(), plan, release })?;
    } else {
        if let Some(release) = release {
            for rename in &release.repairs {
                rename_line(out, rename)?;
            }
            let how = if release.resumed { "resumed" } else { "new: the whole source goes up" };
            out.line(&format!("release {} ({how}; the paths below are in it)", out.text(&release.dir)))?;
        }
        for rel in &plan.first {
            out.line(&format!("delete {} (first: the source has another kind of entry there)", out.text(rel)))?;
        }
        for dir in &plan.mkdirs {
            out.line(&format!("mkdir {}", out.text(if dir.is_empty() { "." } else { dir })))?;
        }
        for upload in &plan.uploads {
            let how = if upload.staged { ", staged already".to_string() } else { String::new() };
            out.line(&format!(
                "upload {} ({}, {}{how})",
                out.text(&upload.path),
                indicatif::BinaryBytes(upload.bytes),
                upload.reason.text()
            ))?;
        }
        for rel in plan.chmods.iter().chain(&plan.chmod_dirs) {
            out.line(&format!("chmod {}", out.text(rel)))?;
        }
        for rel in plan.deletes.iter().chain(&plan.rmdirs).filter(|r| !plan.first.contains(r)) {
            out.line(&format!("delete {}", out.text(rel)))?;
        }
        if let Some(release) = release {
            for rename in release.carried.iter().chain(&release.renames) {
                rename_line(out, rename)?;
            }
            for dir in &release.removed {
                out.line(&format!("remove {} (the files pasv put there)", out.text(dir)))?;
            }
        }
    }
    findings(tally, plan);
    let basis = match release {
        Some(release) if release.resumed => "resumed release".to_string(),
        Some(_) => "new release".to_string(),
        None => format!("{} state", basis.name()),
    };
    tally.note(&format!(
        "pasv: deploy plan ({basis}): {} to upload ({}), {} to delete, {} unchanged{}",
        plan.uploads.len(),
        indicatif::BinaryBytes(plan.bytes),
        plan.deletes.len(),
        plan.unchanged,
        if plan.adopted > 0 { format!(", {} adopted", plan.adopted) } else { String::new() }
    ));
    tally.planned(plan.uploads.len() as u64, plan.bytes);
    tally.skipped(plan.unchanged + plan.adopted);
    tally.deleted(plan.deletes.len() as u64);
    Ok(())
}
