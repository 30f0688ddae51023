//! Progress on stderr: an indicatif bar on a TTY, periodic plain lines for CI logs, or
//! nothing. Decided once, at the edge, from `--progress`, `-q`, `--json` and the terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{BinaryBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::sanitize::escape;
use crate::cli::{GlobalArgs, ProgressArg};
use crate::engine::Progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    Plain,
    None,
}

impl ProgressMode {
    /// auto: a bar when stderr is a TTY, plain lines under CI (`CI` set), else nothing.
    pub fn resolve(args: &GlobalArgs) -> Self {
        match args.progress {
            Some(ProgressArg::Bar) => Self::Bar,
            Some(ProgressArg::Plain) => Self::Plain,
            Some(ProgressArg::None) => Self::None,
            Some(ProgressArg::Auto) | None if args.quiet || args.json => Self::None,
            Some(ProgressArg::Auto) | None => {
                if std::io::stderr().is_terminal() {
                    Self::Bar
                } else if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
                    Self::Plain
                } else {
                    Self::None
                }
            }
        }
    }

    pub fn reporter(self) -> Box<dyn Progress> {
        match self {
            Self::Bar => Box::new(BarProgress { bar: None }),
            Self::Plain => Box::new(PlainProgress::default()),
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

/// One line at the start, one every few seconds, one at the end: readable in CI logs.
#[derive(Default)]
struct PlainProgress {
    name: String,
    total: Option<u64>,
    done: u64,
    moved: u64,
    started: Option<Instant>,
    last: Option<Instant>,
}

const PLAIN_INTERVAL: Duration = Duration::from_secs(2);

impl PlainProgress {
    fn line(&self, verb: &str) {
        let elapsed = self.started.map(|s| s.elapsed()).unwrap_or_default();
        let rate = if elapsed.as_secs_f64() > 0.0 { self.moved as f64 / elapsed.as_secs_f64() } else { 0.0 };
        let mut text = format!("pasv: {verb} {} {}", self.name, BinaryBytes(self.done));
        if let Some(total) = self.total {
            let percent = if total == 0 { 100.0 } else { self.done as f64 * 100.0 / total as f64 };
            text.push_str(&format!(" of {} ({percent:.0}%)", BinaryBytes(total)));
        }
        text.push_str(&format!(", {}/s, {:.1}s", BinaryBytes(rate as u64), elapsed.as_secs_f64()));
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

impl Progress for PlainProgress {
    fn start(&mut self, name: &str, total: Option<u64>, offset: u64) {
        *self = Self {
            name: escape(name).into_owned(),
            total,
            done: offset,
            moved: 0,
            started: Some(Instant::now()),
            last: Some(Instant::now()),
        };
        self.line("start");
    }

    fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        self.moved += bytes;
        if self.last.is_some_and(|l| l.elapsed() >= PLAIN_INTERVAL) {
            self.last = Some(Instant::now());
            self.line("progress");
        }
    }

    fn finish(&mut self) {
        if self.started.is_some() {
            self.line("done");
            self.started = None;
        }
    }
}
