//! Directory listings for the sans-IO protocol layer: server listing text in, [`Entry`]
//! values out. One file per format:
//!
//! * [`mlsx`]: MLSD / MLST fact lines (RFC 3659 section 7),
//! * [`unix`]: Unix `ls -l` style `LIST` output,
//! * [`dos`]: DOS / IIS style `LIST` output;
//!
//! times go through [`crate::proto::calendar`]. No I/O, no clock, no environment: callers hand
//! in the bytes and, where a year has to be inferred, the current time. Everything here parses
//! hostile server output, so no input may make it panic. Names are returned exactly as the
//! server sent them; sanitizing them for a terminal or a local path belongs to the layers
//! that do those things.

mod dos;
mod mlsx;
mod unix;

use std::borrow::Cow;

use dos::{dos_date, parse_dos};
use mlsx::mlsx_entry;
pub use mlsx::parse_mlsx_line;
use unix::{parse_unix, unix_permissions};

/// Error values carry at most this much of the offending line.
const MAX_ERROR_LINE_CHARS: usize = 200;

/// What kind of directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Dir,
    File,
    Link,
    Other,
}

/// One parsed directory entry. `name` is exactly as the server sent it (no sanitizing here).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
    pub size: Option<u64>,
    /// Modification time, seconds since the Unix epoch, UTC.
    pub modified: Option<i64>,
    /// Unix permission string like "rwxr-xr-x" (LIST) or MLSD `unix.mode` rendered as such,
    /// or MLSD `perm` fact raw; None when unknown.
    pub permissions: Option<String>,
    /// Target of a symlink when the listing shows it ("name -> target").
    pub link_target: Option<String>,
}

/// A whole parsed listing: the entries, plus the text of every line that was
/// neither an entry nor a known non-entry line (so callers can report them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub unparsed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    #[error("malformed MLSD line: {line:?}")]
    Malformed { line: String },
}

impl ListingError {
    /// Bounded so a hostile multi-megabyte line does not end up copied into logs.
    fn malformed(line: &str) -> Self {
        Self::Malformed { line: line.chars().take(MAX_ERROR_LINE_CHARS).collect() }
    }
}

/// Outcome of one line, before the public API collapses it.
enum Line {
    Entry(Entry),
    /// Not an entry by design: blank, "total N", ".", "..", cdir, pdir.
    Skip,
    Unparsed,
}

/// Parse one LIST line in Unix or DOS/IIS format. `now` is the current time (unix seconds) used only
/// to infer the year of Unix entries that show "Mon DD HH:MM": now's year, unless that date would
/// be more than 183 days in the future (then the previous year). Exception: when the same date in
/// the next year is at most one day after `now`, that year is taken, since around New Year a server
/// whose clock or zone is ahead of ours already lists files from the new year.
///
/// LIST times carry no zone; they are taken as UTC.
///
/// Returns None for lines that are not entries ("total 12", blank lines, "." and ".." entries) and
/// for lines it cannot parse.
#[must_use]
pub fn parse_list_line(line: &str, now: i64) -> Option<Entry> {
    match list_entry(strip_line_end(line), now) {
        Line::Entry(entry) => Some(entry),
        Line::Skip | Line::Unparsed => None,
    }
}

fn list_entry(line: &str, now: i64) -> Line {
    let fields = split_fields(line);
    let Some(first) = fields.first() else {
        return Line::Skip;
    };
    // `ls -l` opens a directory listing with "total N" (N may carry a unit with -h).
    if fields.len() == 2 && first.text.eq_ignore_ascii_case("total") {
        return Line::Skip;
    }
    let parsed = if unix_permissions(first.text).is_some() {
        parse_unix(line, &fields, now)
    } else if dos_date(first.text).is_some() {
        parse_dos(line, &fields)
    } else {
        None
    };
    match parsed {
        Some(entry) if is_dot_name(&entry.name) => Line::Skip,
        Some(entry) => Line::Entry(entry),
        None => Line::Unparsed,
    }
}

/// One whitespace-separated field of a LIST line; `end` is its byte offset in
/// the line so the name can be cut from the original text, spaces intact.
pub(super) struct Field<'a> {
    pub(super) text: &'a str,
    pub(super) end: usize,
}

pub(super) fn is_field_separator(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn split_fields(line: &str) -> Vec<Field<'_>> {
    let mut fields = Vec::new();
    let mut start = None;
    // Separators are ASCII, so every offset taken here is a char boundary.
    for (i, b) in line.bytes().enumerate() {
        match (is_field_separator(b), start) {
            (true, Some(s)) => {
                if let Some(text) = line.get(s..i) {
                    fields.push(Field { text, end: i });
                }
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start
        && let Some(text) = line.get(s..)
    {
        fields.push(Field { text, end: line.len() });
    }
    fields
}

/// Parse a whole listing body (bytes, lines split on LF with an optional CR stripped; invalid UTF-8
/// decoded lossily). `mlsd` selects the format. Blank lines, "total N", ".", ".." and cdir/pdir
/// entries are dropped; other unparseable lines are collected (as their text) rather than failing
/// the whole listing.
#[must_use]
pub fn parse_listing(body: &[u8], mlsd: bool, now: i64) -> Listing {
    let mut listing = Listing::default();
    for raw in body.split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|&b| is_field_separator(b)) {
            continue;
        }
        let text: Cow<'_, str> = String::from_utf8_lossy(raw);
        let outcome = if mlsd {
            match mlsx_entry(&text) {
                Ok(Some(entry)) => Line::Entry(entry),
                Ok(None) => Line::Skip,
                Err(()) => Line::Unparsed,
            }
        } else {
            list_entry(&text, now)
        };
        match outcome {
            Line::Entry(entry) => listing.entries.push(entry),
            Line::Skip => {}
            Line::Unparsed => listing.unparsed.push(text.into_owned()),
        }
    }
    listing
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| s.get(prefix.len()..)).flatten()
}

pub(super) fn strip_line_end(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// "." and ".." name the directory itself and its parent, never a child;
/// passing them on would send recursive walks in circles.
pub(super) fn is_dot_name(name: &str) -> bool {
    name == "." || name == ".."
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    pub(crate) use crate::proto::calendar::{civil_to_unix, format_timestamp, parse_timestamp, unix_to_civil};

    /// 2025-11-25 12:00:00 UTC: "Nov 21 10:00" is four days old.
    pub(crate) const NOW: i64 = 1_764_072_000;

    pub(crate) fn ts(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
        civil_to_unix(year, month, day, hour, min, sec).expect("valid test date")
    }

    pub(crate) fn entry(
        name: &str,
        kind: EntryKind,
        size: Option<u64>,
        modified: Option<i64>,
        permissions: Option<&str>,
        link_target: Option<&str>,
    ) -> Entry {
        Entry {
            name: name.to_owned(),
            kind,
            size,
            modified,
            permissions: permissions.map(str::to_owned),
            link_target: link_target.map(str::to_owned),
        }
    }

    pub(crate) fn check_list(cases: &[(&str, Option<Entry>)], now: i64) {
        for (line, expected) in cases {
            assert_eq!(&parse_list_line(line, now), expected, "line {line:?}");
        }
    }

    pub(crate) fn check_mlsx(cases: &[(&str, Option<Entry>)]) {
        for (line, expected) in cases {
            assert_eq!(&parse_mlsx_line(line), &Ok(expected.clone()), "line {line:?}");
        }
    }

    #[test]
    fn now_constant_is_what_it_claims() {
        assert_eq!(unix_to_civil(NOW), (2025, 11, 25, 12, 0, 0));
        assert_eq!(format_timestamp(0), "19700101000000");
        assert_eq!(format_timestamp(1_700_000_000), "20231114221320");
        assert_eq!(parse_timestamp(&format_timestamp(NOW)), Some(NOW));
    }

    #[test]
    fn listing_list_body() {
        use EntryKind::*;
        let body = b"total 12\r\n\
drwxr-xr-x    2 1000     1000         4096 Nov 21 10:00 .\r\n\
drwxr-xr-x    5 1000     1000         4096 Nov 21 10:00 ..\r\n\
-rw-r--r--    1 1000     1000         4096 Nov 21 10:00 file.txt\r\n\
\r\n\
   \r\n\
this is not a listing line\r\n\
lrwxrwxrwx    1 1000     1000            3 Jan 01  2024 l -> f\n\
-rw-r--r--    1 1000     1000            1 Nov 21 10:00 caf\xe9\r\n\
01-15-24  03:04PM       <DIR>          Mixed Dir\n\
-rw-r--r--    1 1000     1000            1 Nov 21 10:00 no newline at end";
        let listing = parse_listing(body, false, NOW);
        let nov21 = Some(ts(2025, 11, 21, 10, 0, 0));
        assert_eq!(
            listing,
            Listing {
                entries: vec![
                    entry("file.txt", File, Some(4096), nov21, Some("rw-r--r--"), None),
                    entry("l", Link, Some(3), Some(1_704_067_200), Some("rwxrwxrwx"), Some("f")),
                    entry("caf\u{FFFD}", File, Some(1), nov21, Some("rw-r--r--"), None),
                    entry("Mixed Dir", Dir, None, Some(ts(2024, 1, 15, 15, 4, 0)), None, None),
                    entry("no newline at end", File, Some(1), nov21, Some("rw-r--r--"), None),
                ],
                unparsed: vec!["this is not a listing line".to_owned()],
            }
        );
    }

    #[test]
    fn listing_mlsd_body() {
        use EntryKind::*;
        let body = b"type=cdir;modify=20240115123456; .\r\n\
type=pdir;modify=20240115123456; ..\r\n\
type=file;size=1024;modify=20240115123456;perm=adfrw; report.pdf\r\n\
not an mlsd line\r\n\
\r\n\
type=dir;modify=20240115123456; sub dir\r\n\
type=file;size=1; \xff\xfe\r\n\
type=file;size=2; keep\rinner\r\n";
        let listing = parse_listing(body, true, NOW);
        let t = Some(1_705_322_096);
        assert_eq!(
            listing,
            Listing {
                entries: vec![
                    entry("report.pdf", File, Some(1024), t, Some("adfrw"), None),
                    entry("sub dir", Dir, None, t, None, None),
                    entry("\u{FFFD}\u{FFFD}", File, Some(1), None, None, None),
                    entry("keep\rinner", File, Some(2), None, None, None),
                ],
                unparsed: vec!["not an mlsd line".to_owned()],
            }
        );
    }

    #[test]
    fn listing_trivial_bodies() {
        for mlsd in [false, true] {
            for body in [&b""[..], b"\n", b"\r\n", b"\r\n\r\n\n", b"   \n\t\n", b"\r"] {
                assert_eq!(parse_listing(body, mlsd, NOW), Listing::default(), "{body:?} mlsd={mlsd}");
            }
        }
        assert_eq!(parse_listing(b"\r\r\n", false, NOW), Listing { entries: vec![], unparsed: vec!["\r".to_owned()] });
    }

    /// Deterministic garbage: an LCG, so the test needs no dependency.
    fn garbage(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed;
        let alphabet: &[u8] = b"-rwxdl 0123456789:,.;=<DIR>JanNovAMPM\t\r\n";
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let [byte, ..] = state.to_be_bytes();
                if byte < 128 { alphabet[usize::from(byte) % alphabet.len()] } else { byte }
            })
            .collect()
    }

    #[test]
    fn hostile_garbage_never_panics() {
        for seed in 0..16 {
            let body = garbage(10 * 1024, seed);
            for mlsd in [false, true] {
                let listing = parse_listing(&body, mlsd, NOW);
                let lines = body.split(|&b| b == b'\n').count();
                assert!(listing.entries.len() + listing.unparsed.len() <= lines);
            }
            let text = String::from_utf8_lossy(&body);
            let _ = parse_list_line(&text, NOW);
            let _ = parse_mlsx_line(&text);
            let _ = parse_timestamp(&text);
        }
        // one 10 KB line of plausible-looking tokens
        let tokens = "Jan 1 10:00 12 ".repeat(700);
        let line = format!("-rw-r--r-- {tokens}");
        let _ = parse_list_line(&line, NOW);
        let facts = format!("{}; name", "type=file;".repeat(1000));
        assert_eq!(parse_mlsx_line(&facts).map(|e| e.map(|e| e.kind)), Ok(Some(EntryKind::File)));
    }

    #[test]
    fn hostile_every_prefix_and_suffix_never_panics() {
        let samples = [
            "lrwxrwxrwx    1 0        0               7 Nov 21 10:00 bïn -> ûsr/bin",
            "-rw-r--r--   1 ftp  1234 Jan 01 2024 名前 with spaces",
            "01-15-24  03:04PM       <DIR>          Sóme Dir",
            "11-21-2026  10:00AM        1,234,567 fïle name.txt",
            "type=OS.unix=slink:/étc;size=1;modify=20240115123456.5;unix.mode=4755; lïnk",
            "20240115123456.789",
        ];
        for sample in samples {
            for (i, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
                for part in [&sample[..i], &sample[i..]] {
                    let _ = parse_list_line(part, NOW);
                    let _ = parse_mlsx_line(part);
                    let _ = parse_timestamp(part);
                    let _ = parse_listing(part.as_bytes(), false, NOW);
                    let _ = parse_listing(part.as_bytes(), true, NOW);
                }
            }
            // and every byte split, which leaves broken UTF-8 behind
            for i in 0..=sample.len() {
                let _ = parse_listing(&sample.as_bytes()[..i], false, NOW);
                let _ = parse_listing(&sample.as_bytes()[i..], true, NOW);
            }
        }
    }

    #[test]
    fn entry_kind_is_copy_and_comparable() {
        let kinds = [EntryKind::Dir, EntryKind::File, EntryKind::Link, EntryKind::Other];
        for (i, a) in kinds.iter().enumerate() {
            for (j, b) in kinds.iter().enumerate() {
                assert_eq!(a == b, i == j);
            }
        }
    }
}
