//! Listings in the shell: on a terminal, short listings are laid out in columns like ls(1)
//! and coloured by type (unless NO_COLOR is set); long listings, pipes and `--json` print
//! exactly what the one-shot `pasv ls` prints, so scripts see the same output. Server names
//! are escaped before they reach the terminal. Also lists local directories for `lls`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::app::render::Output;
use crate::app::sanitize::escape;
use crate::proto::listing::{Entry, EntryKind};

/// How the terminal looks, decided once per shell.
#[derive(Debug, Clone, Copy)]
pub struct Screen {
    pub tty: bool,
    pub color: bool,
    /// Columns, when the line editor knows them.
    pub width: usize,
}

impl Screen {
    pub fn detect() -> Self {
        let tty = std::io::stdout().is_terminal();
        let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self { tty, color, width: 80 }
    }
}

/// Prints entries sorted by name.
pub fn print(out: &Output, screen: Screen, entries: &mut [Entry], long: bool) -> Result<()> {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    if long || !screen.tty || out.json() {
        return Ok(out.entries(entries, long)?);
    }
    let cells: Vec<(String, usize)> = entries
        .iter()
        .map(|e| {
            let name = escape(&e.name);
            let width = name.chars().count();
            (paint(&name, e.kind, screen.color), width)
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    for line in columns(&cells, screen.width) {
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

fn paint(name: &str, kind: EntryKind, color: bool) -> String {
    match (color, kind) {
        (true, EntryKind::Dir) => format!("\x1b[1;34m{name}\x1b[0m"),
        (true, EntryKind::Link) => format!("\x1b[36m{name}\x1b[0m"),
        (true, EntryKind::Other) => format!("\x1b[33m{name}\x1b[0m"),
        _ => name.to_string(),
    }
}

/// Lays `cells` (text, visible width) out column by column, as many columns as fit.
fn columns(cells: &[(String, usize)], width: usize) -> Vec<String> {
    const GAP: usize = 2;
    if cells.is_empty() {
        return Vec::new();
    }
    let mut best = 1;
    for cols in (1..=cells.len()).rev() {
        let rows = cells.len().div_ceil(cols);
        let used: usize =
            (0..cols).map(|c| cells.iter().skip(c * rows).take(rows).map(|(_, w)| *w).max().unwrap_or(0) + GAP).sum();
        if used <= width.max(1) + GAP {
            best = cols;
            break;
        }
    }
    let rows = cells.len().div_ceil(best);
    let widths: Vec<usize> =
        (0..best).map(|c| cells.iter().skip(c * rows).take(rows).map(|(_, w)| *w).max().unwrap_or(0)).collect();
    (0..rows)
        .map(|r| {
            let mut line = String::new();
            for (c, col_width) in widths.iter().enumerate() {
                let Some((text, w)) = cells.get(c * rows + r) else { continue };
                line.push_str(text);
                let last = c + 1 == best || cells.get((c + 1) * rows + r).is_none();
                if !last {
                    line.push_str(&" ".repeat(col_width - w + GAP));
                }
            }
            line
        })
        .collect()
}

/// The entries of a local directory, in the listing's terms.
pub fn local_entries(dir: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for item in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let item = item.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = item.file_name().to_string_lossy().into_owned();
        let meta = std::fs::symlink_metadata(item.path()).ok();
        let file_type = meta.as_ref().map(|m| m.file_type());
        let kind = match file_type {
            Some(t) if t.is_dir() => EntryKind::Dir,
            Some(t) if t.is_symlink() => EntryKind::Link,
            Some(t) if t.is_file() => EntryKind::File,
            _ => EntryKind::Other,
        };
        let modified = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        let link_target = if kind == EntryKind::Link {
            std::fs::read_link(item.path()).ok().map(|t| t.to_string_lossy().into_owned())
        } else {
            None
        };
        entries.push(Entry {
            name,
            kind,
            size: meta.as_ref().filter(|m| m.is_file()).map(|m| m.len()),
            modified,
            permissions: None,
            link_target,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(names: &[&str]) -> Vec<(String, usize)> {
        names.iter().map(|n| (n.to_string(), n.len())).collect()
    }

    #[test]
    fn lays_out_columns_top_to_bottom() {
        let names = cells(&["alpha", "beta", "gamma", "delta", "epsilon"]);
        assert_eq!(columns(&names, 80), vec!["alpha  beta  gamma  delta  epsilon"]);
        assert_eq!(columns(&names, 20), vec!["alpha  delta", "beta   epsilon", "gamma"]);
        assert_eq!(columns(&names, 3), vec!["alpha", "beta", "gamma", "delta", "epsilon"]);
        assert_eq!(columns(&[], 80), Vec::<String>::new());
    }
}
