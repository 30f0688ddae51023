//! What a sync will do, as a plain value: directories to create, files to copy, what to
//! delete. `--dry-run` prints it.

use anyhow::Result;
use serde::Serialize;

use crate::app::render::Output;
use crate::app::transfer::job::{Direction, FileJob};
use crate::app::transfer::pool::Failure;

#[derive(Default)]
pub(crate) struct Plan {
    /// Directories to create in the target, parents first (relative paths).
    pub(crate) dirs: Vec<String>,
    pub(crate) files: Vec<FileJob>,
    pub(crate) delete_files: Vec<String>,
    pub(crate) delete_dirs: Vec<String>,
    /// Remote directories that cannot be emptied (unparsed or refused names in them).
    pub(crate) undeletable: Vec<String>,
    pub(crate) skipped: u64,
    pub(crate) failures: Vec<Failure>,
}

#[derive(Serialize)]
pub(crate) struct PlanLine<'a> {
    pub(crate) action: &'static str,
    pub(crate) op: &'static str,
    pub(crate) path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<&'a str>,
}

pub(crate) fn print_plan(out: &Output, plan: &Plan, direction: Direction) -> Result<()> {
    let copy = match direction {
        Direction::Down => "get",
        Direction::Up => "put",
    };
    let mut lines = Vec::new();
    for dir in &plan.dirs {
        lines.push(("mkdir", dir.as_str(), None, None));
    }
    for file in &plan.files {
        lines.push((copy, file.rel.as_str(), file.size, Some(file.reason)));
    }
    for file in &plan.delete_files {
        lines.push(("delete", file.as_str(), None, None));
    }
    for dir in &plan.delete_dirs {
        lines.push(("rmdir", dir.as_str(), None, None));
    }
    for (op, path, bytes, reason) in lines {
        let shown = if path.is_empty() { "." } else { path };
        if out.json() {
            out.json_line(&PlanLine { action: "plan", op, path: shown, bytes, reason })?;
        } else {
            let detail = match (bytes, reason) {
                (Some(b), Some(r)) => format!(" ({}, {r})", indicatif::BinaryBytes(b)),
                _ => String::new(),
            };
            out.line(&format!("{op} {}{detail}", out.text(shown)))?;
        }
    }
    Ok(())
}
