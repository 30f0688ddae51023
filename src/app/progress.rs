//! Progress on stderr: an indicatif bar on a TTY, periodic plain lines for CI logs, or
//! nothing. Decided once, at the edge, from `--progress`, `--progress-interval`, `-q`, `--json`,
//! `CI` and the terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{BinaryBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::sanitize::escape;
use crate::cli::{GlobalArgs, ProgressArg};
use crate::engine::Progress;

/// Seconds between two plain lines of one running transfer, unless `--progress-interval` says.
pub(super) const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    /// Lines for logs: a transfer's start, one every `every` while it runs, its end, and the
    /// run's summary.
    Plain {
        every: Duration,
    },
    None,
}

impl ProgressMode {
    /// auto: a bar when stderr is a TTY, plain lines under CI (`CI` set), else nothing; `-q`
    /// and `--json` silence auto, not a mode asked for by name.
    pub fn resolve(args: &GlobalArgs) -> Self {
        let plain = Self::Plain { every: args.progress_interval.map_or(PLAIN_INTERVAL, Duration::from_secs_f64) };
        match args.progress {
            Some(ProgressArg::Bar) => Self::Bar,
            Some(ProgressArg::Plain) => plain,
            Some(ProgressArg::None) => Self::None,
            Some(ProgressArg::Auto) | None if args.quiet || args.json => Self::None,
            Some(ProgressArg::Auto) | None => {
                if std::io::stderr().is_terminal() {
                    Self::Bar
                } else if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
                    plain
                } else {
                    Self::None
                }
            }
        }
    }

    pub fn is_plain(self) -> bool {
        matches!(self, Self::Plain { .. })
    }

    pub fn reporter(self) -> Box<dyn Progress> {
        match self {
            Self::Bar => Box::new(BarProgress { bar: None }),
            Self::Plain { every } => Box::new(PlainProgress { lines: PlainLines::new(every) }),
            Self::None => Box::new(crate::engine::NoProgress),
        }
    }
}

struct BarProgress {
    bar: Option<ProgressBar>,
}

impl Progress for BarProgress {
    fn start(&mut self, name: &str, total: Option<u64>, offset: u64) {
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg:20!} {bar:30.cyan/blue} {binary_bytes:>10}/{binary_total_bytes:<10} {binary_bytes_per_sec:>12} ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg:20!} {spinner} {binary_bytes:>10} {binary_bytes_per_sec:>12}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(escape(name).into_owned());
        bar.set_position(offset);
        bar.reset_eta();
        self.bar = Some(bar);
    }

    fn advance(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The plain lines of one transfer at a time: one when it starts and one every `every` while
/// it runs (bytes, percent, rate, ETA), so a long upload in CI is never silent. At its end a
/// lone transfer says itself whether all its bytes came ([`PlainProgress`]); the pool prints
/// its own line once the file is confirmed (`Tally::file_done`).
pub(super) struct PlainLines {
    every: Duration,
    /// A line when the transfer starts. In a run of many files the count line at each file's
    /// end names it by its whole path, and a start line (by its name alone: `index.html` of
    /// every directory looks the same) would double a CI log of 20,000 small files: there a
    /// file's first line is its first periodic one, once it has run for `every`.
    announce: bool,
    name: String,
    total: Option<u64>,
    /// Bytes present, counting a resumed start.
    done: u64,
    /// Bytes moved by this transfer (the rate's numerator).
    moved: u64,
    started: Instant,
    last: Instant,
    running: bool,
}

impl PlainLines {
    pub(super) fn new(every: Duration) -> Self {
        let now = Instant::now();
        Self {
            every,
            announce: true,
            name: String::new(),
            total: None,
            done: 0,
            moved: 0,
            started: now,
            last: now,
            running: false,
        }
    }

    /// Lines for one of many files: none at its start (see [`PlainLines::announce`]).
    pub(super) fn unannounced(every: Duration) -> Self {
        Self { announce: false, ..Self::new(every) }
    }

    pub(super) fn start(&mut self, name: &str, total: Option<u64>, offset: u64) {
        let now = Instant::now();
        *self = Self {
            every: self.every,
            announce: self.announce,
            name: escape(name).into_owned(),
            total,
            done: offset,
            moved: 0,
            started: now,
            last: now,
            running: true,
        };
        if !self.announce {
            return;
        }
        let mut text = format!("pasv: start {}", self.name);
        match (total, offset) {
            (Some(total), 0) => text.push_str(&format!(" ({})", BinaryBytes(total))),
            (Some(total), offset) => {
                text.push_str(&format!(" ({}, resuming at {})", BinaryBytes(total), BinaryBytes(offset)))
            }
            (None, 0) => {}
            (None, offset) => text.push_str(&format!(" (resuming at {})", BinaryBytes(offset))),
        }
        say(&text);
    }

    pub(super) fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        self.moved += bytes;
        if self.running && self.last.elapsed() >= self.every {
            self.last = Instant::now();
            let rate = self.rate();
            let mut text = format!("pasv: progress {} {}", self.name, self.amount());
            text.push_str(&format!(", {}/s", BinaryBytes(rate as u64)));
            if let Some(total) = self.total
                && rate > 0.0
            {
                let left = total.saturating_sub(self.done) as f64 / rate;
                text.push_str(&format!(", ETA {}", clock(Duration::from_secs_f64(left.min(1e9)))));
            }
            say(&text);
        }
    }

    /// The transfer's own end line (`pasv: done ...`); `None` when no transfer was running.
    fn end_line(&mut self) -> Option<String> {
        if !std::mem::take(&mut self.running) {
            return None;
        }
        // Short of its size the transfer failed; the error follows.
        let verb = match self.total {
            Some(total) if self.done < total => "stopped",
            _ => "done",
        };
        let elapsed = self.started.elapsed().as_secs_f64();
        Some(format!(
            "pasv: {verb} {} {}, {}/s, {elapsed:.1}s",
            self.name,
            self.amount(),
            BinaryBytes(self.rate() as u64)
        ))
    }

    /// Ends the transfer without a line: the caller prints what became of the file.
    pub(super) fn end_quietly(&mut self) {
        self.running = false;
    }

    /// `1.00 MiB of 2.86 MiB (35%)`, or just the bytes when the size is unknown.
    fn amount(&self) -> String {
        match self.total {
            Some(total) => {
                let percent = if total == 0 { 100.0 } else { self.done as f64 * 100.0 / total as f64 };
                format!("{} of {} ({percent:.0}%)", BinaryBytes(self.done), BinaryBytes(total))
            }
            None => BinaryBytes(self.done).to_string(),
        }
    }

    /// Bytes per second since the start.
    fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 { self.moved as f64 / secs } else { 0.0 }
    }
}

/// `42s`, `3m05s`, `1h02m`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// One whole line on stderr (a line at a time, so parallel transfers never interleave within
/// a line). A stderr that is gone (a log pipe closed) loses the line, never the run: a
/// deploy still finishes and removes its lock.
pub(crate) fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Plain lines for a single transfer outside a [`super::tally::Tally`]: the end line is the
/// transfer's own.
struct PlainProgress {
    lines: PlainLines,
}

impl Progress for PlainProgress {
    fn start(&mut self, name: &str, total: Option<u64>, offset: u64) {
        self.lines.start(name, total, offset);
    }

    fn advance(&mut self, bytes: u64) {
        self.lines.advance(bytes);
    }

    fn finish(&mut self) {
        if let Some(line) = self.lines.end_line() {
            say(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_like_a_duration() {
        assert_eq!(clock(Duration::from_secs(0)), "0s");
        assert_eq!(clock(Duration::from_secs(59)), "59s");
        assert_eq!(clock(Duration::from_secs(185)), "3m05s");
        assert_eq!(clock(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn a_short_transfer_ends_as_stopped() {
        let mut lines = PlainLines::new(Duration::from_secs(60));
        lines.running = true;
        lines.name = "f".into();
        lines.total = Some(10);
        lines.done = 4;
        assert!(lines.end_line().unwrap().starts_with("pasv: stopped f 4 B of 10 B (40%)"));
        assert_eq!(lines.end_line(), None);
    }
}
