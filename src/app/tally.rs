//! Progress and results of a run's files, in one of two [`Style`]s. Counted: on a TTY one
//! overall bar (files done/total, bytes, rate, ETA) with a line per active transfer under it
//! (indicatif MultiProgress); plain lines for CI logs (a lone file's start, periodic lines
//! while a file runs, each file's end, the summary); with `--json` one event per finished file
//! and a summary event. Own: each file with its own bar or lines, as a lone `get` or `put`
//! shows it.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{BinaryBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::progress::{PlainLines, ProgressMode, say};
use super::render::Output;
use super::sanitize::escape;
use crate::engine::{DataMethod, Progress, TlsInfo};

/// How the files of a run are shown (scripts and logs read each as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Under an overall bar; each file ends with a count line (`pasv: [2/5] get ...`) once it
    /// is confirmed; `--json` has an event per file ([`FileEvent`]) and the summary.
    Counted,
    /// One at a time, each with its own bar or plain lines, which end with the transfer
    /// (`pasv: done ...`), as for a lone `pasv get URL`. With `events`, `--json` has that
    /// command's result line per file (with the data connection and TLS in it).
    Own { events: bool },
}

/// Counts and display for one run.
pub struct Tally<'a> {
    mode: ProgressMode,
    style: Style,
    out: &'a Output,
    quiet: bool,
    started: Instant,
    multi: Option<MultiProgress>,
    overall: Option<ProgressBar>,
    counts: Arc<Counts>,
    /// The summary was printed (by [`Tally::finish`]).
    summarized: bool,
    /// Notes said once though they came again ([`Tally::note_recurring`]), with how often.
    recurring: Mutex<Vec<(String, u64)>>,
}

#[derive(Default)]
struct Counts {
    files_total: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
    skipped: AtomicU64,
    deleted: AtomicU64,
    failed: AtomicU64,
    unparsed: AtomicU64,
    held_back: AtomicU64,
}

/// One finished file, for `--json`.
#[derive(Serialize)]
pub struct FileEvent<'a> {
    pub action: &'a str,
    pub path: &'a str,
    pub url: &'a str,
    pub bytes: u64,
    pub offset: u64,
    pub total: Option<u64>,
    pub seconds: f64,
    pub verified: Verified<'a>,
    /// How the data connection was opened (for the [`Style::Own`] result line).
    #[serde(skip)]
    pub passive: Option<DataMethod>,
    /// The data connection's TLS (for the [`Style::Own`] result line).
    #[serde(skip)]
    pub tls: Option<&'a TlsInfo>,
}

/// The result line of a lone `get` or `put` in `--json` ([`Style::Own`]).
#[derive(Serialize)]
struct ResultLine<'a> {
    action: &'a str,
    url: &'a str,
    path: &'a str,
    bytes: u64,
    offset: u64,
    total: Option<u64>,
    seconds: f64,
    passive: Option<DataMethod>,
    tls: Option<&'a TlsInfo>,
    /// Uploads: how the server's copy was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<Verified<'a>>,
}

/// How a copy was checked, in `--json`: "size" or a checksum algorithm; `null` when the
/// server offers no check; `false` when the server accepted an upload and at once no longer
/// had it (a drop-box directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified<'a> {
    By(&'a str),
    Unchecked,
    Gone,
}

impl<'a> From<Option<&'a str>> for Verified<'a> {
    fn from(how: Option<&'a str>) -> Self {
        how.map_or(Self::Unchecked, Self::By)
    }
}

impl Serialize for Verified<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::By(how) => serializer.serialize_str(how),
            Self::Unchecked => serializer.serialize_none(),
            Self::Gone => serializer.serialize_bool(false),
        }
    }
}

/// The end-of-run summary (`--json`: the last line, `"action": "summary"`).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Summary {
    pub operation: &'static str,
    pub files: u64,
    pub bytes: u64,
    pub skipped: u64,
    pub deleted: u64,
    pub failed: u64,
    /// Listing lines the parser could not read: whatever they named was not copied.
    pub unparsed_lines: u64,
    /// Directories where `--delete` held deletes back because two listings of it disagreed
    /// (or the second failed).
    pub delete_held_back: u64,
    pub seconds: f64,
    pub bytes_per_second: f64,
    pub dry_run: bool,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl<'a> Tally<'a> {
    pub fn new(mode: ProgressMode, out: &'a Output, quiet: bool) -> Self {
        Self::with_style(mode, Style::Counted, out, quiet)
    }

    pub fn with_style(mode: ProgressMode, style: Style, out: &'a Output, quiet: bool) -> Self {
        Self {
            mode,
            style,
            out,
            quiet,
            started: Instant::now(),
            multi: None,
            overall: None,
            counts: Arc::default(),
            summarized: false,
            recurring: Mutex::default(),
        }
    }

    /// The transfers start: `files` files, `bytes` bytes in all.
    pub fn begin(&mut self, files: u64, bytes: u64) {
        self.counts.files_total.store(files, Ordering::Relaxed);
        if self.mode == ProgressMode::Bar && self.style == Style::Counted && files > 0 {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(bytes).with_style(style(
                "{msg:>15} {bar:30.cyan/blue} {binary_bytes:>10}/{binary_total_bytes:<10} {binary_bytes_per_sec:>12} ETA {eta}",
            )));
            overall.set_message(format!("0/{files} files"));
            self.overall = Some(overall);
            self.multi = Some(multi);
        }
    }

    /// Progress for one transfer (a worker's current file).
    pub fn transfer(&self) -> Box<dyn Progress> {
        if let Style::Own { .. } = self.style {
            return self.mode.reporter();
        }
        let many = self.counts.files_total.load(Ordering::Relaxed) > 1;
        let plain = match self.mode {
            ProgressMode::Plain { every } if many => Some(PlainLines::unannounced(every)),
            ProgressMode::Plain { every } => Some(PlainLines::new(every)),
            _ => None,
        };
        Box::new(TransferProgress {
            multi: self.multi.clone(),
            overall: self.overall.clone(),
            bar: None,
            plain,
            counts: self.counts.clone(),
        })
    }

    /// A file was copied.
    pub fn file_done(&self, event: &FileEvent<'_>) {
        if let Style::Own { events } = self.style {
            // Its own progress said the rest; the bytes were not counted on the way.
            self.counts.files.fetch_add(1, Ordering::Relaxed);
            self.counts.bytes.fetch_add(event.bytes, Ordering::Relaxed);
            if events && self.out.json() {
                let _ = self.out.json_line(&ResultLine {
                    action: event.action,
                    url: event.url,
                    path: event.path,
                    bytes: event.bytes,
                    offset: event.offset,
                    total: event.total,
                    seconds: event.seconds,
                    passive: event.passive,
                    tls: event.tls,
                    verified: (event.action == "put").then_some(event.verified),
                });
            }
            return;
        }
        let done = self.counts.files.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.counts.files_total.load(Ordering::Relaxed);
        if let Some(overall) = &self.overall {
            overall.set_message(format!("{done}/{total} files"));
        }
        if self.out.json() {
            let _ = self.out.json_line(event);
        }
        // Progress goes to stderr whatever stdout carries: `--json --progress plain` has both.
        if self.mode.is_plain() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "pasv: [{done}/{total}] {} {} ({} in {:.1}s)",
                event.action,
                escape(event.path),
                BinaryBytes(event.bytes + event.offset),
                event.seconds
            );
        }
    }

    pub fn output(&self) -> &Output {
        self.out
    }

    /// A dry run: what would have been copied.
    pub fn planned(&self, files: u64, bytes: u64) {
        self.counts.files.store(files, Ordering::Relaxed);
        self.counts.bytes.store(bytes, Ordering::Relaxed);
    }

    pub fn skipped(&self, n: u64) {
        self.counts.skipped.fetch_add(n, Ordering::Relaxed);
    }

    pub fn deleted(&self, n: u64) {
        self.counts.deleted.fetch_add(n, Ordering::Relaxed);
    }

    pub fn failed(&self, n: u64) {
        self.counts.failed.fetch_add(n, Ordering::Relaxed);
    }

    /// Listing lines that were not understood (each also a warning of its own).
    pub fn unparsed(&self, n: u64) {
        self.counts.unparsed.fetch_add(n, Ordering::Relaxed);
    }

    /// A directory whose two listings disagreed (or whose second listing failed), so
    /// `--delete` held back there (each also a warning of its own).
    pub fn held_back(&self) {
        self.counts.held_back.fetch_add(1, Ordering::Relaxed);
    }

    /// A note that can come again and again in a run (a session given up for the same reason
    /// each time: a server short of passive ports refuses an EPSV every few thousand files):
    /// said the first time; at the end of the run, how often in all.
    pub fn note_recurring(&self, text: &str) {
        let mut recurring = self.recurring.lock().unwrap_or_else(|e| e.into_inner());
        match recurring.iter_mut().find(|(said, _)| said == text) {
            Some((_, times)) => *times += 1,
            None => {
                recurring.push((text.to_string(), 1));
                self.note(text);
            }
        }
    }

    /// The recurring notes that came more than once, with how often (once: they are
    /// forgotten).
    fn recurred(&mut self) -> Vec<String> {
        let recurring = std::mem::take(self.recurring.get_mut().unwrap_or_else(|e| e.into_inner()));
        recurring
            .into_iter()
            .filter(|(_, times)| *times > 1)
            .map(|(text, times)| format!("{text} ({times} times in all)"))
            .collect()
    }

    /// A message that must not tear the bars.
    pub fn note(&self, text: &str) {
        if self.quiet || self.out.json() {
            return;
        }
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => say(text),
        }
    }

    /// Clears the bars without a summary (single-file commands).
    pub fn finish_quietly(&mut self) {
        for line in self.recurred() {
            self.note(&line);
        }
        if let Some(overall) = self.overall.take() {
            overall.finish_and_clear();
        }
        if let Some(multi) = self.multi.take() {
            let _ = multi.clear();
        }
    }

    /// The end of a run of single files (no tree, so no [`Tally::finish`]): plain lines end
    /// with the summary, as a CI log should; elsewhere a one-file summary would only repeat
    /// the file's own line. Only on stderr: what `--json` prints does not depend on the
    /// progress mode.
    pub fn conclude(&mut self, action: &'static str) {
        self.finish_quietly();
        if self.mode.is_plain() && !self.summarized {
            say(&self.summary(action, false).line());
        }
    }

    /// Clears the bars and prints (and returns) the summary: as JSON with `--json`, as a line
    /// on stderr unless `-q` (or always, with plain progress asked for).
    pub fn finish(&mut self, action: &'static str, dry_run: bool) -> Summary {
        self.finish_quietly();
        let summary = self.summary(action, dry_run);
        self.summarized = true;
        if self.out.json() {
            let _ = self.out.json_line(&SummaryLine { action: "summary", summary: &summary });
        }
        if self.mode.is_plain() || (!self.quiet && !self.out.json()) {
            say(&summary.line());
        }
        summary
    }

    fn summary(&self, action: &'static str, dry_run: bool) -> Summary {
        let seconds = self.started.elapsed().as_secs_f64();
        let c = &self.counts;
        let bytes = c.bytes.load(Ordering::Relaxed);
        Summary {
            operation: action,
            files: c.files.load(Ordering::Relaxed),
            bytes,
            skipped: c.skipped.load(Ordering::Relaxed),
            deleted: c.deleted.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            unparsed_lines: c.unparsed.load(Ordering::Relaxed),
            delete_held_back: c.held_back.load(Ordering::Relaxed),
            seconds,
            bytes_per_second: if seconds > 0.0 { bytes as f64 / seconds } else { 0.0 },
            dry_run,
        }
    }
}

impl Summary {
    /// `pasv: mirror: copied 3 file(s), 1.00 MiB in 0.52s (1.92 MiB/s); 0 unchanged, 0 deleted, 0 failed`
    fn line(&self) -> String {
        let (verb, deleted) = if self.dry_run { ("would copy", "to delete") } else { ("copied", "deleted") };
        // "0 failed" must not hide what a listing named in lines nobody could read.
        let unparsed = match self.unparsed_lines {
            0 => String::new(),
            n => format!("; {n} listing line(s) not understood: not copied"),
        };
        let held_back = match self.delete_held_back {
            0 => String::new(),
            n => format!("; deletes held back in {n} director(y/ies) not listed the same way twice"),
        };
        format!(
            "pasv: {}: {verb} {} file(s), {} in {:.2}s ({}/s); {} unchanged, {} {deleted}, {} failed{unparsed}{held_back}",
            self.operation,
            self.files,
            BinaryBytes(self.bytes),
            self.seconds,
            BinaryBytes(self.bytes_per_second as u64),
            self.skipped,
            self.deleted,
            self.failed
        )
    }
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    action: &'static str,
    #[serde(flatten)]
    summary: &'a Summary,
}

struct TransferProgress {
    multi: Option<MultiProgress>,
    overall: Option<ProgressBar>,
    bar: Option<ProgressBar>,
    /// Plain progress: the start and periodic lines (the end line is [`Tally::file_done`]'s).
    plain: Option<PlainLines>,
    counts: Arc<Counts>,
}

impl Progress for TransferProgress {
    fn start(&mut self, name: &str, total: Option<u64>, offset: u64) {
        let name = super::part_names::shown_name(name);
        if let Some(multi) = &self.multi {
            let bar = multi.add(ProgressBar::new(total.unwrap_or(0)).with_style(style(
                "  {msg:28!} {bar:20.green/white} {binary_bytes:>10}/{binary_total_bytes:<10} {binary_bytes_per_sec:>12}",
            )));
            bar.set_message(escape(name).into_owned());
            bar.set_position(offset);
            self.bar = Some(bar);
        }
        if let Some(overall) = &self.overall {
            overall.inc(offset);
        }
        if let Some(plain) = &mut self.plain {
            plain.start(name, total, offset);
        }
    }

    fn advance(&mut self, bytes: u64) {
        self.counts.bytes.fetch_add(bytes, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
        if let Some(overall) = &self.overall {
            overall.inc(bytes);
        }
        if let Some(plain) = &mut self.plain {
            plain.advance(bytes);
        }
    }

    fn finish(&mut self) {
        if let (Some(bar), Some(multi)) = (self.bar.take(), &self.multi) {
            bar.finish_and_clear();
            multi.remove(&bar);
        }
        if let Some(plain) = &mut self.plain {
            plain.end_quietly();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recurring_note_is_said_once_and_counted_at_the_end() {
        let out = Output::new(false);
        let mut tally = Tally::with_style(ProgressMode::None, Style::Counted, &out, true);
        for text in ["lane given up: 425", "lane given up: out of turn", "lane given up: 425", "lane given up: 425"] {
            tally.note_recurring(text);
        }
        assert_eq!(tally.recurred(), ["lane given up: 425 (3 times in all)"]);
        // Said at the end once: a second end says nothing more.
        assert!(tally.recurred().is_empty());
    }
}
