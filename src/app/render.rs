//! Listings and results on stdout: plain names, a long table, or JSON lines. Server text is
//! escaped in every human-readable form, terminal or not: a listing piped to a file or a CI log
//! is read in a terminal later, where raw escape sequences would still run. `--json` keeps the
//! exact names, as JSON escapes (`sanitize::write_json`).

use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::sanitize::{escape, write_json};
use crate::engine::FileStat;
use crate::proto::calendar::unix_to_civil;
use crate::proto::listing::{Entry, EntryKind};

pub struct Output {
    color: bool,
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self { color, json }
    }

    pub fn json(&self) -> bool {
        self.json
    }

    /// Server-supplied text, escaped for human-readable output (see the module doc).
    pub fn text<'a>(&self, s: &'a str) -> std::borrow::Cow<'a, str> {
        escape(s)
    }

    pub fn line(&self, s: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{s}")
    }

    /// Server text of several lines (a multi-line reply): each line escaped on its own, so
    /// its line breaks stay line breaks and nothing else gets through raw.
    pub fn server_lines(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        for line in text.lines() {
            writeln!(out, "{}", escape(line))?;
        }
        Ok(())
    }

    pub fn json_line<T: Serialize>(&self, value: &T) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        write_json(&mut out, value)?;
        writeln!(out)
    }

    pub fn entries(&self, entries: &[Entry], long: bool) -> std::io::Result<()> {
        if self.json {
            for e in entries {
                self.json_line(&JsonEntry::from(e))?;
            }
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        if !long {
            for e in entries {
                writeln!(out, "{}", self.colored(e))?;
            }
            return Ok(());
        }
        let width = entries.iter().map(|e| e.size.map(|s| s.to_string().len()).unwrap_or(1)).max().unwrap_or(1);
        for e in entries {
            let kind = match e.kind {
                EntryKind::Dir => 'd',
                EntryKind::File => '-',
                EntryKind::Link => 'l',
                EntryKind::Other => '?',
            };
            let size = e.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
            let time = e.modified.map(format_time).unwrap_or_else(|| "-".repeat(16));
            let mut name = self.colored(e);
            if let Some(target) = &e.link_target {
                name.push_str(" -> ");
                name.push_str(&self.text(target));
            }
            writeln!(out, "{kind} {size:>width$} {time} {name}")?;
        }
        Ok(())
    }

    fn colored(&self, e: &Entry) -> String {
        let name = self.text(&e.name);
        if !self.color {
            return name.into_owned();
        }
        match e.kind {
            EntryKind::Dir => format!("\x1b[1;34m{name}\x1b[0m"),
            EntryKind::Link => format!("\x1b[36m{name}\x1b[0m"),
            _ => name.into_owned(),
        }
    }

    pub fn stat(&self, stat: &FileStat) -> std::io::Result<()> {
        if self.json {
            return self.json_line(stat);
        }
        let kind = match stat.kind {
            EntryKind::Dir => "directory",
            EntryKind::File => "file",
            EntryKind::Link => "symlink",
            EntryKind::Other => "other",
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "path:     {}", self.text(&stat.path))?;
        writeln!(out, "type:     {kind}")?;
        if let Some(size) = stat.size {
            writeln!(out, "size:     {size}")?;
        }
        if let Some(t) = stat.modified {
            writeln!(out, "modified: {} UTC", format_time(t))?;
        }
        Ok(())
    }
}

/// `YYYY-MM-DD HH:MM`, UTC.
pub fn format_time(t: i64) -> String {
    let (y, mo, d, h, mi, _) = unix_to_civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: EntryKind,
    size: Option<u64>,
    modified: Option<i64>,
    permissions: Option<&'a str>,
    link_target: Option<&'a str>,
}

impl<'a> From<&'a Entry> for JsonEntry<'a> {
    fn from(e: &'a Entry) -> Self {
        Self {
            name: &e.name,
            kind: e.kind,
            size: e.size,
            modified: e.modified,
            permissions: e.permissions.as_deref(),
            link_target: e.link_target.as_deref(),
        }
    }
}
