//! Directory-listing and timestamp parsing for the sans-IO protocol layer.
//!
//! This module owns turning server listing text into [`Entry`] values:
//!
//! * MLSD / MLST fact lines (RFC 3659 section 7),
//! * Unix `ls -l` style `LIST` output,
//! * DOS / IIS style `LIST` output,
//! * `MDTM` reply values and the MLSD `modify` fact (RFC 3659 sections 2.3 and 3),
//! * the civil-date arithmetic those need (proleptic Gregorian, UTC).
//!
//! It must not do I/O, read a clock or consult the environment: callers hand in
//! the bytes and, where a year has to be inferred, the current time. Everything
//! here parses hostile server output, so no input may make it panic. Names are
//! returned exactly as the server sent them; sanitizing them for a terminal or a
//! local path belongs to the layers that do those things.

use std::borrow::Cow;

const SECS_PER_DAY: i64 = 86_400;

/// `ls` prints "Mon DD HH:MM" only for recent files; a date that would lie further
/// than this in the future must belong to the previous year.
const RECENT_WINDOW_SECS: i64 = 183 * SECS_PER_DAY;

/// Around New Year a server whose clock or time zone is ahead of ours already
/// lists files from the next year; a yearless date that lands at most this far
/// ahead of now when placed in the next year is taken to be there.
const CLOCK_SKEW_SECS: i64 = SECS_PER_DAY;

/// `ls -l` puts the date after at most perms, links, owner, group, size and a
/// couple of oddities (split device numbers, owners with spaces); searching
/// further would start matching month names inside file names.
const MAX_DATE_FIELD: usize = 10;

/// Error values carry at most this much of the offending line.
const MAX_ERROR_LINE_CHARS: usize = 200;

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

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

/// Parse one MLSD/MLST line ("fact=value;fact=value; name"). Fact names are case-insensitive.
///
/// Understood facts: `type` (file, dir, cdir, pdir, `OS.unix=slink:TARGET`,
/// `OS.unix=symlink`), `size`, `sizd`, `modify`, `unix.mode`, `perm`; others are
/// ignored. A fact with an empty or invalid value is treated as absent. A single
/// leading space, as MLST replies put before the fact line, is dropped.
///
/// Returns `Ok(None)` for `cdir` and `pdir` entries and for the names "." and "..".
///
/// # Errors
///
/// [`ListingError::Malformed`] when the line is not an MLSD entry: no "; " between
/// facts and name, no fact, a fact without "=" or with an empty name, or an empty name.
pub fn parse_mlsx_line(line: &str) -> Result<Option<Entry>, ListingError> {
    mlsx_entry(strip_line_end(line)).map_err(|()| ListingError::malformed(line))
}

fn mlsx_entry(text: &str) -> Result<Option<Entry>, ()> {
    // RFC 3659 7.2: an MLST reply indents the fact line by one space.
    let text = text.strip_prefix(' ').unwrap_or(text);
    // RFC 3659 7.2: entry = [facts] SP pathname, and fact values cannot contain
    // SP, so the first space ends the facts and the pathname is everything after
    // it, leading spaces included.
    let (facts, name) = text.split_once(' ').ok_or(())?;
    if facts.is_empty() || !facts.ends_with(';') || name.is_empty() {
        return Err(());
    }

    let mut kind = EntryKind::Other;
    let mut link_target = None;
    let mut size = None;
    let mut sizd = None;
    let mut modified = None;
    let mut mode = None;
    let mut perm = None;
    let mut fact_count = 0usize;
    let mut self_or_parent = false;

    for fact in facts.split(';').filter(|f| !f.is_empty()) {
        let (key, value) = fact.split_once('=').ok_or(())?;
        if key.is_empty() {
            return Err(());
        }
        fact_count += 1;
        if value.is_empty() {
            continue;
        }
        // RFC 3659 7.1: fact names are case-insensitive.
        match key.to_ascii_lowercase().as_str() {
            "type" => match mlsx_type(value) {
                Some((k, target)) => {
                    kind = k;
                    link_target = target;
                    self_or_parent = false;
                }
                None => self_or_parent = true,
            },
            "size" => size = parse_digits(value),
            "sizd" => sizd = parse_digits(value),
            "modify" => modified = parse_timestamp(value),
            "unix.mode" => mode = parse_unix_mode(value),
            "perm" => perm = Some(value.to_owned()),
            _ => {}
        }
    }

    // Lone separators ("; name") leave nothing that marks the line as MLSD.
    if fact_count == 0 {
        return Err(());
    }
    if self_or_parent || is_dot_name(name) {
        return Ok(None);
    }
    Ok(Some(Entry {
        name: name.to_owned(),
        kind,
        size: size.or(sizd),
        modified,
        permissions: mode.map(render_mode).or(perm),
        link_target,
    }))
}

/// Maps a `type` fact value; `None` means cdir/pdir, which name the listed
/// directory and its parent rather than an entry (RFC 3659 7.5.1).
fn mlsx_type(value: &str) -> Option<(EntryKind, Option<String>)> {
    // RFC 3659 7.5.1: type values are case-insensitive tokens.
    if value.eq_ignore_ascii_case("file") {
        return Some((EntryKind::File, None));
    }
    if value.eq_ignore_ascii_case("dir") {
        return Some((EntryKind::Dir, None));
    }
    if value.eq_ignore_ascii_case("cdir") || value.eq_ignore_ascii_case("pdir") {
        return None;
    }
    // RFC 3659 7.5.1 leaves OS-specific types to "OS.name=type"; servers spell
    // Unix symlinks "OS.unix=slink:TARGET" or "OS.unix=symlink".
    let Some(unix_type) = strip_prefix_ignore_case(value, "os.unix=") else {
        return Some((EntryKind::Other, None));
    };
    for link in ["slink", "symlink"] {
        if let Some(rest) = strip_prefix_ignore_case(unix_type, link) {
            if rest.is_empty() {
                return Some((EntryKind::Link, None));
            }
            if let Some(target) = rest.strip_prefix(':') {
                let target = (!target.is_empty()).then(|| target.to_owned());
                return Some((EntryKind::Link, target));
            }
        }
    }
    Some((EntryKind::Other, None))
}

/// `unix.mode` is octal permission bits, three digits or four with the
/// setuid/setgid/sticky digit in front; proftpd always adds a leading 0, so
/// "02775" carries four significant digits in five.
fn parse_unix_mode(value: &str) -> Option<u32> {
    if !(3..=5).contains(&value.len()) {
        return None;
    }
    let mode = value.bytes().try_fold(0u32, |acc, b| match b {
        b'0'..=b'7' => Some(acc * 8 + u32::from(b - b'0')),
        _ => None,
    })?;
    (mode <= 0o7777).then_some(mode)
}

/// Renders mode bits the way `ls -l` does, special bits folded into the
/// execute columns (s/S, t/T).
fn render_mode(mode: u32) -> String {
    let mut out = String::with_capacity(9);
    for (shift, special_bit, special) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 0o7;
        out.push(if bits & 4 != 0 { 'r' } else { '-' });
        out.push(if bits & 2 != 0 { 'w' } else { '-' });
        let exec = bits & 1 != 0;
        out.push(match (mode & special_bit != 0, exec) {
            (true, true) => special,
            (true, false) => special.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    out
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
struct Field<'a> {
    text: &'a str,
    end: usize,
}

fn is_field_separator(b: u8) -> bool {
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

/// Splits "drwxr-xr-x" into its type character and the nine permission
/// characters; a trailing ACL / security-context marker (+ @ .) is dropped.
fn unix_permissions(field: &str) -> Option<(u8, &str)> {
    let bytes = field.as_bytes();
    match bytes.len() {
        10 => {}
        11 if matches!(bytes.get(10), Some(b'+' | b'@' | b'.')) => {}
        _ => return None,
    }
    let type_char = *bytes.first()?;
    if !matches!(type_char, b'd' | b'-' | b'l' | b'b' | b'c' | b'p' | b's') {
        return None;
    }
    let perms = field.get(1..10)?;
    perms.bytes().all(|b| b"rwxsStTlL-".contains(&b)).then_some((type_char, perms))
}

/// The time column of a Unix listing: a clock time for recent files, a year
/// for older ones, or libunftp's "--:--" placeholder for an unknown time.
#[derive(Clone, Copy)]
enum UnixWhen {
    Time(u32, u32),
    Year(i64),
    Unknown,
}

struct UnixDate {
    month: u32,
    day: u32,
    when: UnixWhen,
}

/// Recognizes "Mon DD HH:MM" / "Mon DD YYYY" starting at field `i`.
fn unix_date_at(fields: &[Field<'_>], i: usize) -> Option<UnixDate> {
    let month_text = fields.get(i)?.text;
    let day_text = fields.get(i + 1)?.text;
    let when_text = fields.get(i + 2)?.text;
    if month_text == "---" && day_text == "--" && when_text == "--:--" {
        return Some(UnixDate { month: 0, day: 0, when: UnixWhen::Unknown });
    }
    let month = month_number(month_text)?;
    let day = parse_small(day_text, 1, 2)?;
    if !(1..=31).contains(&day) {
        return None;
    }
    let when = if let Some((h, m)) = when_text.split_once(':') {
        let hour = parse_small(h, 1, 2)?;
        let minute = parse_small(m, 2, 2)?;
        if hour > 23 || minute > 59 {
            return None;
        }
        UnixWhen::Time(hour, minute)
    } else {
        UnixWhen::Year(i64::from(parse_small(when_text, 4, 4)?))
    };
    Some(UnixDate { month, day, when })
}

fn month_number(text: &str) -> Option<u32> {
    let index = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(text))?;
    u32::try_from(index + 1).ok()
}

fn parse_unix(line: &str, fields: &[Field<'_>], now: i64) -> Option<Entry> {
    let (type_char, perms) = unix_permissions(fields.first()?.text)?;
    let device = matches!(type_char, b'b' | b'c');
    let kind = match type_char {
        b'd' => EntryKind::Dir,
        b'-' => EntryKind::File,
        b'l' => EntryKind::Link,
        _ => EntryKind::Other,
    };

    // The owner/group columns vary (group missing on some servers, numeric
    // ids elsewhere), so anchor on the date: the first month name followed by
    // a day and a time or year, with the size right before it. Device files
    // show "major, minor" there instead of a size.
    let (date_index, date) = (3..=MAX_DATE_FIELD).find_map(|i| {
        let size_text = fields.get(i - 1)?.text;
        if !device && !is_all_digits(size_text) {
            return None;
        }
        unix_date_at(fields, i).map(|date| (i, date))
    })?;

    let size = if device {
        None
    } else {
        // Digits that overflow u64 mean the line is not what it seems.
        Some(parse_digits(fields.get(date_index - 1)?.text)?)
    };

    let modified = match date.when {
        UnixWhen::Year(year) => civil_to_unix(year, date.month, date.day, 0, 0, 0),
        UnixWhen::Time(hour, minute) => infer_recent(now, date.month, date.day, hour, minute),
        UnixWhen::Unknown => None,
    };

    // `ls` separates the name from the date by one space; anything after that
    // space belongs to the name.
    let date_end = fields.get(date_index + 2)?.end;
    let name = line.get(date_end..)?.get(1..)?;
    if name.bytes().all(is_field_separator) {
        return None;
    }

    let (name, link_target) = match name.split_once(" -> ") {
        Some((link, target)) if kind == EntryKind::Link && !link.is_empty() => {
            (link, (!target.is_empty()).then(|| target.to_owned()))
        }
        _ => (name, None),
    };

    Some(Entry { name: name.to_owned(), kind, size, modified, permissions: Some(perms.to_owned()), link_target })
}

/// Year inference for "Mon DD HH:MM": `ls` uses that form for files from the
/// last six months, so pick the year that puts the date within that window of
/// `now` (see [`parse_list_line`]).
fn infer_recent(now: i64, month: u32, day: u32, hour: u32, minute: u32) -> Option<i64> {
    let (year, ..) = unix_to_civil(now);
    if let Some(t) = year.checked_add(1).and_then(|next| civil_to_unix(next, month, day, hour, minute, 0))
        && t <= now.saturating_add(CLOCK_SKEW_SECS)
    {
        return Some(t);
    }
    let latest = now.saturating_add(RECENT_WINDOW_SECS);
    // Going back several years lets Feb 29 reach the last leap year (at most
    // eight years back, across a non-leap century year).
    (0..=8).find_map(|back| {
        let t = civil_to_unix(year.checked_sub(back)?, month, day, hour, minute, 0)?;
        (t <= latest).then_some(t)
    })
}

/// Recognizes "MM-DD-YY" / "MM-DD-YYYY" (also with '/'); two-digit years below
/// 70 are 20xx, the rest 19xx, as IIS and MS-DOS `dir` intend.
fn dos_date(text: &str) -> Option<(i64, u32, u32)> {
    let mut parts = text.split(['-', '/']);
    let month = parse_small(parts.next()?, 1, 2)?;
    let day = parse_small(parts.next()?, 1, 2)?;
    let year_text = parts.next()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let year = match year_text.len() {
        2 => {
            let yy = i64::from(parse_small(year_text, 2, 2)?);
            if yy < 70 { 2000 + yy } else { 1900 + yy }
        }
        4 => i64::from(parse_small(year_text, 4, 4)?),
        _ => return None,
    };
    Some((year, month, day))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
}

fn meridiem(text: &str) -> Option<Meridiem> {
    if text.eq_ignore_ascii_case("am") {
        Some(Meridiem::Am)
    } else if text.eq_ignore_ascii_case("pm") {
        Some(Meridiem::Pm)
    } else {
        None
    }
}

/// "03:04PM", "3:04pm", "13:04" -> (hour, minute, meridiem if attached).
fn dos_time(text: &str) -> Option<(u32, u32, Option<Meridiem>)> {
    let (h, rest) = text.split_once(':')?;
    let hour = parse_small(h, 1, 2)?;
    let minute = parse_small(rest.get(..2)?, 2, 2)?;
    let suffix = rest.get(2..)?;
    let attached = if suffix.is_empty() { None } else { Some(meridiem(suffix)?) };
    Some((hour, minute, attached))
}

fn parse_dos(line: &str, fields: &[Field<'_>]) -> Option<Entry> {
    let (year, month, day) = dos_date(fields.first()?.text)?;
    let (hour, minute, attached) = dos_time(fields.get(1)?.text)?;
    let mut next = 2;
    let meridiem = attached.or_else(|| {
        let detached = fields.get(2).and_then(|f| meridiem(f.text));
        if detached.is_some() {
            next = 3;
        }
        detached
    });
    let hour = match meridiem {
        // 12-hour clock: 12:xxAM is just after midnight, 12:xxPM just after noon.
        Some(m) if (1..=12).contains(&hour) => (hour % 12) + if m == Meridiem::Pm { 12 } else { 0 },
        Some(_) => return None,
        None => hour,
    };
    if hour > 23 || minute > 59 {
        return None;
    }

    let size_field = fields.get(next)?;
    let (kind, size, name) = if size_field.text.eq_ignore_ascii_case("<DIR>") {
        // Directories pad "<DIR>" to the width of the size column.
        let rest = line.get(size_field.end..)?;
        (EntryKind::Dir, None, rest.trim_start_matches([' ', '\t']))
    } else {
        // Files end the right-aligned size column with a single space.
        let size = parse_grouped(size_field.text)?;
        let rest = line.get(size_field.end..)?.get(1..)?;
        (EntryKind::File, Some(size), rest)
    };
    if name.bytes().all(is_field_separator) {
        return None;
    }

    Some(Entry {
        name: name.to_owned(),
        kind,
        size,
        modified: civil_to_unix(year, month, day, hour, minute, 0),
        permissions: None,
        link_target: None,
    })
}

/// Sizes with thousands separators ("1,234,567", or "1.234.567" in some
/// locales); groups after the first must have exactly three digits.
fn parse_grouped(text: &str) -> Option<u64> {
    let Some(sep) = text.bytes().find(|b| !b.is_ascii_digit()) else {
        return parse_digits(text);
    };
    if sep != b',' && sep != b'.' {
        return None;
    }
    let mut groups = text.split(char::from(sep));
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut value = parse_digits(first)?;
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        value = value.checked_mul(1000)?.checked_add(parse_digits(group)?)?;
    }
    Some(value)
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

/// Parse an MDTM reply value or MLSD modify fact "YYYYMMDDHHMMSS" with optional ".fraction"
/// (ignored). Surrounding ASCII whitespace is tolerated. Validates ranges (month 1-12, day within
/// the month, hour < 24, min < 60, sec <= 60). None when malformed.
///
/// RFC 3659 2.3: time-val = 14DIGIT [ "." 1*DIGIT ], always UTC.
#[must_use]
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let (main, fraction) = match s.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (s, None),
    };
    if let Some(fraction) = fraction
        && !is_all_digits(fraction)
    {
        return None;
    }
    if main.len() != 14 || !is_all_digits(main) {
        return None;
    }
    let year = parse_small(main.get(0..4)?, 4, 4)?;
    let month = parse_small(main.get(4..6)?, 2, 2)?;
    let day = parse_small(main.get(6..8)?, 2, 2)?;
    let hour = parse_small(main.get(8..10)?, 2, 2)?;
    let minute = parse_small(main.get(10..12)?, 2, 2)?;
    let second = parse_small(main.get(12..14)?, 2, 2)?;
    civil_to_unix(i64::from(year), month, day, hour, minute, second)
}

/// The inverse of [`parse_timestamp`]: `YYYYMMDDHHMMSS` in UTC (RFC 3659 section 2.3), as
/// MFMT, SITE UTIME and a two-argument MDTM take it.
#[must_use]
pub fn format_timestamp(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = unix_to_civil(unix);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

/// Days-from-civil style conversion (proleptic Gregorian, UTC). None when a field is out of range
/// (month 1-12, day within the month, hour < 24, min < 60, sec <= 60, a leap second counting as
/// the first second of the next minute) or the result does not fit an i64.
#[must_use]
pub fn civil_to_unix(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    // i128 holds every i64 year's day count times 86400 with room to spare,
    // so only the final narrowing can fail.
    let days = days_from_civil(i128::from(year), i128::from(month), i128::from(day));
    let secs = days * i128::from(SECS_PER_DAY) + i128::from(hour) * 3600 + i128::from(min) * 60 + i128::from(sec);
    i64::try_from(secs).ok()
}

/// Inverse of [`civil_to_unix`]: (year, month, day, hour, min, sec), UTC. Total over all of i64.
#[must_use]
pub fn unix_to_civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(SECS_PER_DAY);
    let secs = t.rem_euclid(SECS_PER_DAY);
    // |days| <= 1.1e14, so none of the arithmetic below can overflow an i64.
    // Eras are 400-year cycles starting on March 1st, 0000.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, narrow(month), narrow(day), narrow(secs / 3600), narrow(secs % 3600 / 60), narrow(secs % 60))
}

/// Narrows values already proven to be small and non-negative.
fn narrow(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    // Count from March so the leap day is the last day of the (shifted) year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap_year(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Strict unsigned decimal: digits only (no sign, no spaces), None on overflow.
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// A decimal field of `min..=max` digits (at most 4, so it fits any u32).
fn parse_small(s: &str, min: usize, max: usize) -> Option<u32> {
    if !(min..=max).contains(&s.len()) || max > 4 || !is_all_digits(s) {
        return None;
    }
    Some(s.bytes().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| s.get(prefix.len()..)).flatten()
}

fn strip_line_end(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// "." and ".." name the directory itself and its parent, never a child;
/// passing them on would send recursive walks in circles.
fn is_dot_name(name: &str) -> bool {
    name == "." || name == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    type Civil = (i64, u32, u32, u32, u32, u32);

    /// 2025-11-25 12:00:00 UTC: "Nov 21 10:00" is four days old.
    const NOW: i64 = 1_764_072_000;

    fn ts(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
        civil_to_unix(year, month, day, hour, min, sec).expect("valid test date")
    }

    fn entry(
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

    fn check_list(cases: &[(&str, Option<Entry>)], now: i64) {
        for (line, expected) in cases {
            assert_eq!(&parse_list_line(line, now), expected, "line {line:?}");
        }
    }

    fn check_mlsx(cases: &[(&str, Option<Entry>)]) {
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
    fn unix_vsftpd() {
        use EntryKind::*;
        check_list(
            &[
                (
                    "-rw-r--r--    1 1000     1000         4096 Nov 21 10:00 file.txt",
                    Some(entry(
                        "file.txt",
                        File,
                        Some(4096),
                        Some(ts(2025, 11, 21, 10, 0, 0)),
                        Some("rw-r--r--"),
                        None,
                    )),
                ),
                (
                    "drwxr-xr-x    2 0        0            4096 Jan 01  2024 pub",
                    Some(entry("pub", Dir, Some(4096), Some(1_704_067_200), Some("rwxr-xr-x"), None)),
                ),
                (
                    "lrwxrwxrwx    1 0        0               7 Nov 21 10:00 bin -> usr/bin",
                    Some(entry(
                        "bin",
                        Link,
                        Some(7),
                        Some(ts(2025, 11, 21, 10, 0, 0)),
                        Some("rwxrwxrwx"),
                        Some("usr/bin"),
                    )),
                ),
                (
                    "drwxrwxrwt    2 0        0            4096 Nov  1 09:05 tmp",
                    Some(entry("tmp", Dir, Some(4096), Some(ts(2025, 11, 1, 9, 5, 0)), Some("rwxrwxrwt"), None)),
                ),
            ],
            NOW,
        );
    }

    #[test]
    fn unix_proftpd_pureftpd_filezilla_libunftp() {
        use EntryKind::*;
        let nov21 = Some(ts(2025, 11, 21, 10, 0, 0));
        check_list(
            &[
                // ProFTPD
                (
                    "-rw-r--r--   1 ftp      ftp          1234 Nov 21 10:00 a b.txt",
                    Some(entry("a b.txt", File, Some(1234), nov21, Some("rw-r--r--"), None)),
                ),
                (
                    "drwxr-xr-x   3 ftp      ftp          4096 Mar  3  2023 archive",
                    Some(entry("archive", Dir, Some(4096), Some(ts(2023, 3, 3, 0, 0, 0)), Some("rwxr-xr-x"), None)),
                ),
                // pure-ftpd
                ("drwxr-xr-x    2 1000       1000             4096 Nov 21 10:00 .", None),
                ("drwxr-xr-x    5 1000       1000             4096 Nov 21 10:00 ..", None),
                (
                    "-rw-r--r--    1 1000       1000               12 Nov 21 10:00 notes.md",
                    Some(entry("notes.md", File, Some(12), nov21, Some("rw-r--r--"), None)),
                ),
                // FileZilla Server
                (
                    "-rw-r--r-- 1 ftp ftp         123 Nov 21 10:00 file",
                    Some(entry("file", File, Some(123), nov21, Some("rw-r--r--"), None)),
                ),
                (
                    "drwxr-xr-x 1 ftp ftp           0 Feb 02  2021 My Documents",
                    Some(entry("My Documents", Dir, Some(0), Some(ts(2021, 2, 2, 0, 0, 0)), Some("rwxr-xr-x"), None)),
                ),
                // libunftp: wide right-aligned columns, year padded to the time's width
                (
                    "-rw-r--r--            1         1000         1000           1234 Nov 21 10:00 file.txt",
                    Some(entry("file.txt", File, Some(1234), nov21, Some("rw-r--r--"), None)),
                ),
                (
                    "drwxr-xr-x            2         1000         1000           4096  Jan 01 2024 dir",
                    Some(entry("dir", Dir, Some(4096), Some(1_704_067_200), Some("rwxr-xr-x"), None)),
                ),
                (
                    "-rw-r--r--            1         1000         1000              5 --- -- --:-- notime",
                    Some(entry("notime", File, Some(5), None, Some("rw-r--r--"), None)),
                ),
            ],
            NOW,
        );
    }

    #[test]
    fn unix_column_variants() {
        use EntryKind::*;
        let nov21 = Some(ts(2025, 11, 21, 10, 0, 0));
        let jan1 = Some(1_704_067_200);
        check_list(
            &[
                // group column missing
                (
                    "-rw-r--r--   1 ftp  1234 Jan 01 2024 name",
                    Some(entry("name", File, Some(1234), jan1, Some("rw-r--r--"), None)),
                ),
                // link count missing as well
                ("-rw-r--r-- ftp 99 Nov 21 10:00 x", Some(entry("x", File, Some(99), nov21, Some("rw-r--r--"), None))),
                // owner and group that look like months
                (
                    "-rw-r--r-- 1 may dec 5 Nov 21 10:00 f",
                    Some(entry("f", File, Some(5), nov21, Some("rw-r--r--"), None)),
                ),
                // ACL and SELinux markers after the mode
                (
                    "drwxr-xr-x+ 3 u g 4096 Nov 21 10:00 acl",
                    Some(entry("acl", Dir, Some(4096), nov21, Some("rwxr-xr-x"), None)),
                ),
                (
                    "-rw-r--r--. 1 u g 1 Nov 21 10:00 ctx",
                    Some(entry("ctx", File, Some(1), nov21, Some("rw-r--r--"), None)),
                ),
                // device: "major, minor" instead of a size
                (
                    "crw-rw-rw-   1 0 0 1,   3 Nov 21 10:00 null",
                    Some(entry("null", Other, None, nov21, Some("rw-rw-rw-"), None)),
                ),
                (
                    "prw-------   1 u g 0 Nov 21 10:00 fifo",
                    Some(entry("fifo", Other, Some(0), nov21, Some("rw-------"), None)),
                ),
                (
                    "srwxr-xr-x   1 u g 0 Nov 21 10:00 sock",
                    Some(entry("sock", Other, Some(0), nov21, Some("rwxr-xr-x"), None)),
                ),
                (
                    "-rwsr-sr-T   1 u g 0 Nov 21 10:00 special",
                    Some(entry("special", File, Some(0), nov21, Some("rwsr-sr-T"), None)),
                ),
                // upper-case month, tab separators
                (
                    "-rw-r--r--\t1\tu\tg\t7\tNOV\t21\t10:00\ttabbed",
                    Some(entry("tabbed", File, Some(7), nov21, Some("rw-r--r--"), None)),
                ),
                (
                    "-rw-r--r-- 1 u g 18446744073709551615 Nov 21 10:00 max",
                    Some(entry("max", File, Some(u64::MAX), nov21, Some("rw-r--r--"), None)),
                ),
                // an impossible calendar date keeps the entry, loses the time
                (
                    "-rw-r--r-- 1 u g 5 Feb 30 2024 feb30",
                    Some(entry("feb30", File, Some(5), None, Some("rw-r--r--"), None)),
                ),
            ],
            NOW,
        );
    }

    #[test]
    fn unix_names() {
        use EntryKind::*;
        let nov21 = Some(ts(2025, 11, 21, 10, 0, 0));
        let file = |name: &str| Some(entry(name, File, Some(5), nov21, Some("rw-r--r--"), None));
        check_list(
            &[
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 my file.txt", file("my file.txt")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 two  spaces   inside", file("two  spaces   inside")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00  leading space", file(" leading space")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 trailing ", file("trailing ")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 2024 report", file("2024 report")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 123", file("123")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 Jan 01 10:00 x", file("Jan 01 10:00 x")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 Dec", file("Dec")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 résumé 日本語.txt", file("résumé 日本語.txt")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 a -> b", file("a -> b")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 evil\u{1b}[31mred\u{7}\u{0}", file("evil\u{1b}[31mred\u{7}\u{0}")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 ...", file("...")),
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 .hidden", file(".hidden")),
                (
                    "lrwxrwxrwx 1 u g 5 Nov 21 10:00 x -> y -> z",
                    Some(entry("x", Link, Some(5), nov21, Some("rwxrwxrwx"), Some("y -> z"))),
                ),
                (
                    "lrwxrwxrwx 1 u g 5 Nov 21 10:00 dangling -> ",
                    Some(entry("dangling", Link, Some(5), nov21, Some("rwxrwxrwx"), None)),
                ),
                (
                    "lrwxrwxrwx 1 u g 5 Nov 21 10:00 no arrow",
                    Some(entry("no arrow", Link, Some(5), nov21, Some("rwxrwxrwx"), None)),
                ),
                (
                    "lrwxrwxrwx 1 u g 5 Nov 21 10:00 ünï -> 目標",
                    Some(entry("ünï", Link, Some(5), nov21, Some("rwxrwxrwx"), Some("目標"))),
                ),
                // the CR of a CRLF line end is not part of the name
                ("-rw-r--r-- 1 u g 5 Nov 21 10:00 crlf\r\n", file("crlf")),
            ],
            NOW,
        );
    }

    #[test]
    fn unix_rejects() {
        let forty = "1234567890123456789012345678901234567890";
        let lines = [
            String::new(),
            "   ".to_owned(),
            "\t \t".to_owned(),
            "total 12".to_owned(),
            "total 1.5K".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21 10:00".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21 10:00 ".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21 10:00   ".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 32 10:00 day32".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 0 10:00 day0".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21 24:00 hour24".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21 10:60 min60".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21 202 year3".to_owned(),
            "-rw-r--r-- 1 u g 5 Foo 21 10:00 nomonth".to_owned(),
            "-rw-r--r-- 1 u g five Nov 21 10:00 nosize".to_owned(),
            "-rw-r--r-- 1 u g -5 Nov 21 10:00 negative".to_owned(),
            "-rw-r--r-- 1 u g +5 Nov 21 10:00 plus".to_owned(),
            "-rw-r--r-- 1 u g 18446744073709551616 Nov 21 10:00 overflow".to_owned(),
            format!("-rw-r--r-- 1 u g {forty} Nov 21 10:00 huge"),
            format!("-rw-r--r-- {forty} {forty} {forty} {forty} Nov {forty} 10:00 x"),
            format!("-rw-r--r-- 1 u g 5 Nov 21 {forty}:00 x"),
            "xrw-r--r-- 1 u g 5 Nov 21 10:00 badtype".to_owned(),
            "-rw-r--r-x9 1 u g 5 Nov 21 10:00 badmarker".to_owned(),
            "-rw-r--rZ- 1 u g 5 Nov 21 10:00 badperm".to_owned(),
            "-rw-r--r-- 1 u g 5 Nov 21".to_owned(),
            "-rw-r--r--".to_owned(),
            "drwxr-xr-x 2 u g 5 Nov 21 10:00 .".to_owned(),
            "lrwxrwxrwx 1 u g 5 Nov 21 10:00 .. -> /".to_owned(),
            "-rw-r--r-- é é é é é é é é é é".to_owned(),
            "-rw-r--r-- 1 2 3 4 5 6 7 8 9 10 Nov 21 10:00 date too far right".to_owned(),
            "Nov 21 10:00 file".to_owned(),
            "garbage line".to_owned(),
        ];
        for line in &lines {
            assert_eq!(parse_list_line(line, NOW), None, "line {line:?}");
        }
    }

    #[test]
    fn unix_year_inference() {
        // (now, "Mon DD HH:MM", expected)
        let cases = [
            // across New Year: December is last year, early January this year
            (ts(2026, 1, 5, 12, 0, 0), "Dec 30 23:59", ts(2025, 12, 30, 23, 59, 0)),
            (ts(2026, 1, 5, 12, 0, 0), "Jan 03 10:00", ts(2026, 1, 3, 10, 0, 0)),
            (ts(2026, 1, 1, 0, 0, 30), "Dec 31 23:59", ts(2025, 12, 31, 23, 59, 0)),
            // up to 183 days ahead stays in now's year, beyond goes back a year
            (ts(2026, 1, 5, 12, 0, 0), "Jul 01 10:00", ts(2026, 7, 1, 10, 0, 0)),
            (ts(2026, 1, 5, 12, 0, 0), "Jul 10 10:00", ts(2025, 7, 10, 10, 0, 0)),
            (ts(2025, 6, 15, 0, 0, 0), "Dec 14 10:00", ts(2025, 12, 14, 10, 0, 0)),
            (ts(2025, 6, 15, 0, 0, 0), "Dec 15 10:00", ts(2024, 12, 15, 10, 0, 0)),
            // a server already in next year's first day
            (ts(2025, 12, 31, 23, 0, 0), "Jan 01 00:30", ts(2026, 1, 1, 0, 30, 0)),
            (ts(2025, 12, 31, 23, 0, 0), "Dec 31 22:00", ts(2025, 12, 31, 22, 0, 0)),
            (ts(2025, 12, 30, 0, 0, 0), "Jan 02 10:00", ts(2025, 1, 2, 10, 0, 0)),
            // servers that show times for the whole current year
            (ts(2025, 11, 25, 0, 0, 0), "Feb 10 10:00", ts(2025, 2, 10, 10, 0, 0)),
            // Feb 29 falls back to the last leap year
            (ts(2025, 3, 1, 0, 0, 0), "Feb 29 10:00", ts(2024, 2, 29, 10, 0, 0)),
            (ts(2024, 3, 1, 0, 0, 0), "Feb 29 10:00", ts(2024, 2, 29, 10, 0, 0)),
            (ts(2101, 3, 1, 0, 0, 0), "Feb 29 10:00", ts(2096, 2, 29, 10, 0, 0)),
            // before the epoch
            (ts(1969, 12, 1, 0, 0, 0), "Nov 21 10:00", ts(1969, 11, 21, 10, 0, 0)),
        ];
        for (now, date, expected) in cases {
            let line = format!("-rw-r--r-- 1 u g 5 {date} f");
            let got = parse_list_line(&line, now).and_then(|e| e.modified);
            assert_eq!(got, Some(expected), "now {now} date {date:?}");
        }
    }

    #[test]
    fn unix_extreme_now_does_not_panic() {
        for now in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            let got = parse_list_line("-rw-r--r-- 1 u g 5 Feb 29 10:00 f", now);
            assert_eq!(got.map(|e| e.name), Some("f".to_owned()), "now {now}");
        }
    }

    #[test]
    fn dos_iis() {
        use EntryKind::*;
        check_list(
            &[
                (
                    "01-15-24  03:04PM       <DIR>          Some Dir",
                    Some(entry("Some Dir", Dir, None, Some(ts(2024, 1, 15, 15, 4, 0)), None, None)),
                ),
                (
                    "11-21-2026  10:00AM             1234 file name.txt",
                    Some(entry("file name.txt", File, Some(1234), Some(ts(2026, 11, 21, 10, 0, 0)), None, None)),
                ),
                (
                    "12-31-99  12:00AM            1,234,567 old.bin",
                    Some(entry("old.bin", File, Some(1_234_567), Some(ts(1999, 12, 31, 0, 0, 0)), None, None)),
                ),
                (
                    "06-01-69  12:30PM                    5 noon",
                    Some(entry("noon", File, Some(5), Some(ts(2069, 6, 1, 12, 30, 0)), None, None)),
                ),
                (
                    "01-02-70  11:59pm                    5 late",
                    Some(entry("late", File, Some(5), Some(ts(1970, 1, 2, 23, 59, 0)), None, None)),
                ),
                (
                    "03-04-2024  13:04                   42 twenty-four.txt",
                    Some(entry("twenty-four.txt", File, Some(42), Some(ts(2024, 3, 4, 13, 4, 0)), None, None)),
                ),
                (
                    "03-04-2024  00:00                    0 midnight",
                    Some(entry("midnight", File, Some(0), Some(ts(2024, 3, 4, 0, 0, 0)), None, None)),
                ),
                (
                    "01-15-24  03:04 PM                   1 spaced meridiem",
                    Some(entry("spaced meridiem", File, Some(1), Some(ts(2024, 1, 15, 15, 4, 0)), None, None)),
                ),
                (
                    "1/5/2024  9:07AM                 1.024 dotted",
                    Some(entry("dotted", File, Some(1024), Some(ts(2024, 1, 5, 9, 7, 0)), None, None)),
                ),
                (
                    "01-15-24  03:04PM                    7  leading",
                    Some(entry(" leading", File, Some(7), Some(ts(2024, 1, 15, 15, 4, 0)), None, None)),
                ),
                (
                    "01-15-24  03:04PM                    7 ファイル.txt",
                    Some(entry("ファイル.txt", File, Some(7), Some(ts(2024, 1, 15, 15, 4, 0)), None, None)),
                ),
                (
                    "02-30-24  03:04PM                    7 no such day",
                    Some(entry("no such day", File, Some(7), None, None, None)),
                ),
                ("01-15-24  03:04PM       <DIR>          .", None),
                ("01-15-24  03:04PM       <DIR>          ..", None),
            ],
            NOW,
        );
    }

    #[test]
    fn dos_rejects() {
        let lines = [
            "13-01-24  03:04PM 5 month13",
            "00-01-24  03:04PM 5 month0",
            "01-32-24  03:04PM 5 day32",
            "01-15-245  03:04PM 5 year3",
            "01-15  03:04PM 5 nodate",
            "01-15-24-1  03:04PM 5 extra",
            "01-15-24  13:04PM 5 pm13",
            "01-15-24  00:04AM 5 am0",
            "01-15-24  24:00 5 hour24",
            "01-15-24  03:60PM 5 min60",
            "01-15-24  03:04XM 5 suffix",
            "01-15-24  3PM 5 nocolon",
            "01-15-24  03:04PM 1,23 badgroup",
            "01-15-24  03:04PM 12,345,6789 badgroup2",
            "01-15-24  03:04PM 1234,567 badgroup3",
            "01-15-24  03:04PM ,123 leadingcomma",
            "01-15-24  03:04PM 1,234. trailingsep",
            "01-15-24  03:04PM 1,234.567 mixedsep",
            "01-15-24  03:04PM 99999999999999999999999 overflow",
            "01-15-24  03:04PM 18,446,744,073,709,551,616 overflow2",
            "01-15-24  03:04PM <FILE> what",
            "01-15-24  03:04PM 5",
            "01-15-24  03:04PM <DIR>",
            "01-15-24  03:04PM <DIR>    ",
            "01-15-24  03:04PM",
            "01-15-24",
            "01-15-24  03:0é 5 x",
        ];
        for line in lines {
            assert_eq!(parse_list_line(line, NOW), None, "line {line:?}");
        }
    }

    #[test]
    fn mlsd_examples() {
        use EntryKind::*;
        let t = Some(1_705_322_096); // 2024-01-15 12:34:56
        check_mlsx(&[
            (
                "type=file;size=1024;modify=20240115123456;perm=adfrw; report.pdf",
                Some(entry("report.pdf", File, Some(1024), t, Some("adfrw"), None)),
            ),
            (
                "Type=dir;Modify=20240101000000; sub dir",
                Some(entry("sub dir", Dir, None, Some(1_704_067_200), None, None)),
            ),
            (
                "type=OS.unix=slink:/etc;modify=20240115123456; link",
                Some(entry("link", Link, None, t, None, Some("/etc"))),
            ),
            ("type=cdir;sizd=4096;modify=20240115123456; .", None),
            ("type=pdir;sizd=4096;modify=20240115123456; ..", None),
            ("type=cdir; /home/user", None),
            ("TYPE=PDIR; ..", None),
            // a dot name is never a child, whatever its type says
            ("type=dir;modify=20240115123456; .", None),
            ("type=dir; ..", None),
        ]);
    }

    #[test]
    fn mlsd_servers() {
        use EntryKind::*;
        let t = Some(1_705_322_096);
        check_mlsx(&[
            // ProFTPD (mod_facts): unix.mode wins over perm
            (
                "modify=20240115123456;perm=adfrw;size=1024;type=file;unique=FD00U2A4B;UNIX.group=1000;UNIX.groupname=ftp;UNIX.mode=0644;UNIX.owner=1000;UNIX.ownername=ftp; report.pdf",
                Some(entry("report.pdf", File, Some(1024), t, Some("rw-r--r--"), None)),
            ),
            (
                "modify=20240115123456;perm=adfr;size=11;type=OS.unix=symlink;unique=FD00U2A4C;UNIX.mode=0777; latest",
                Some(entry("latest", Link, Some(11), t, Some("rwxrwxrwx"), None)),
            ),
            (
                "modify=20240115123456;perm=flcdmpe;type=dir;unique=FD00U2A4D;UNIX.mode=02775; shared",
                Some(entry("shared", Dir, None, t, Some("rwxrwsr-x"), None)),
            ),
            // pure-ftpd
            (
                "type=dir;sizd=4096;modify=20240115123456;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2b1; docs",
                Some(entry("docs", Dir, Some(4096), t, Some("rwxr-xr-x"), None)),
            ),
            (
                "type=file;size=12;modify=20240115123456;UNIX.mode=0600;UNIX.uid=1000;UNIX.gid=1000;unique=803g2b2; .netrc",
                Some(entry(".netrc", File, Some(12), t, Some("rw-------"), None)),
            ),
            (
                "type=cdir;sizd=4096;modify=20240115123456;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2b0; .",
                None,
            ),
            // libunftp
            (
                "type=file;size=1234;modify=20240115123456;unix.uid=1000;unix.gid=1000; file.txt",
                Some(entry("file.txt", File, Some(1234), t, None, None)),
            ),
            ("type=dir;size=4096;modify=20240115123456; a dir", Some(entry("a dir", Dir, Some(4096), t, None, None))),
            // FileZilla Server
            (
                "type=dir;modify=20240115123456;perm=flcdmpe; My Folder",
                Some(entry("My Folder", Dir, None, t, Some("flcdmpe"), None)),
            ),
            (
                "type=file;modify=20240115123456.123;size=0;perm=awrfd; empty.bin",
                Some(entry("empty.bin", File, Some(0), t, Some("awrfd"), None)),
            ),
            // vsftpd implements no MLSD; MLST replies (any server) indent the line
            (
                " type=file;size=5;modify=20240115123456; /pub/file",
                Some(entry("/pub/file", File, Some(5), t, None, None)),
            ),
        ]);
    }

    #[test]
    fn mlsd_edge_cases() {
        use EntryKind::*;
        let t = Some(1_705_322_096);
        check_mlsx(&[
            // empty values are absent values
            (
                "type=file;size=;modify=;perm=;unix.mode=; empty facts",
                Some(entry("empty facts", File, None, None, None, None)),
            ),
            ("type=;size=1; no type", Some(entry("no type", Other, Some(1), None, None, None))),
            ("size=1; untyped", Some(entry("untyped", Other, Some(1), None, None, None))),
            // the name is everything after the first space
            ("type=file;  two leading", Some(entry(" two leading", File, None, None, None, None))),
            ("type=file; a; b=c; d", Some(entry("a; b=c; d", File, None, None, None, None))),
            ("type=file; trailing ", Some(entry("trailing ", File, None, None, None, None))),
            ("type=file; a -> b", Some(entry("a -> b", File, None, None, None, None))),
            ("type=file; 日本語 ファイル", Some(entry("日本語 ファイル", File, None, None, None, None))),
            ("type=file; bell\u{7}\u{1b}[0m", Some(entry("bell\u{7}\u{1b}[0m", File, None, None, None, None))),
            ("type=file; crlf\r\n", Some(entry("crlf", File, None, None, None, None))),
            ("type=file;; double semicolon", Some(entry("double semicolon", File, None, None, None, None))),
            // fact names and type values are case-insensitive, the rest is kept
            (
                "TYPE=FILE;SIZE=7;MODIFY=20240115123456;PERM=R; Upper",
                Some(entry("Upper", File, Some(7), t, Some("R"), None)),
            ),
            ("type=os.UNIX=SLINK:/Target; l", Some(entry("l", Link, None, None, None, Some("/Target")))),
            ("type=OS.unix=slink:; l", Some(entry("l", Link, None, None, None, None))),
            ("type=OS.unix=slink; l", Some(entry("l", Link, None, None, None, None))),
            ("type=OS.unix=symlink:../x; l", Some(entry("l", Link, None, None, None, Some("../x")))),
            ("type=OS.unix=slinky; l", Some(entry("l", Other, None, None, None, None))),
            ("type=OS.unix=chr-13/29; tty", Some(entry("tty", Other, None, None, None, None))),
            ("type=OS.unix=é; x", Some(entry("x", Other, None, None, None, None))),
            ("type=é; x", Some(entry("x", Other, None, None, None, None))),
            // sizd fills in only when size is absent
            ("type=dir;sizd=10;size=20; d", Some(entry("d", Dir, Some(20), None, None, None))),
            // invalid values are dropped, the entry stays
            (
                "type=file;size=1234567890123456789012345678901234567890;modify=20241315000000;unix.mode=0999; bad values",
                Some(entry("bad values", File, None, None, None, None)),
            ),
            ("type=file;size=-1;modify=2024; neg", Some(entry("neg", File, None, None, None, None))),
            ("type=file;size=18446744073709551615; max", Some(entry("max", File, Some(u64::MAX), None, None, None))),
            ("type=file;size=18446744073709551616; over", Some(entry("over", File, None, None, None, None))),
            // unix.mode: 3 or 4 octal digits, special bits as ls shows them
            ("type=file;unix.mode=755; m3", Some(entry("m3", File, None, None, Some("rwxr-xr-x"), None))),
            ("type=file;unix.mode=4755; suid", Some(entry("suid", File, None, None, Some("rwsr-xr-x"), None))),
            ("type=file;unix.mode=2644; sgid", Some(entry("sgid", File, None, None, Some("rw-r-Sr--"), None))),
            ("type=dir;unix.mode=1777; sticky", Some(entry("sticky", Dir, None, None, Some("rwxrwxrwt"), None))),
            ("type=dir;unix.mode=1770; sticky2", Some(entry("sticky2", Dir, None, None, Some("rwxrwx--T"), None))),
            ("type=file;unix.mode=0000; none", Some(entry("none", File, None, None, Some("---------"), None))),
            ("type=file;unix.mode=7777; all", Some(entry("all", File, None, None, Some("rwsrwsrwt"), None))),
            ("type=file;unix.mode=12345;perm=r; m5", Some(entry("m5", File, None, None, Some("r"), None))),
            ("type=file;unix.mode=75; m2", Some(entry("m2", File, None, None, None, None))),
            ("type=file;unix.mode=00644; m5zero", Some(entry("m5zero", File, None, None, Some("rw-r--r--"), None))),
            ("type=file;unix.mode=000644; m6", Some(entry("m6", File, None, None, None, None))),
            ("type=file;unix.mode=07a5; hex", Some(entry("hex", File, None, None, None, None))),
            ("type=file;unix.mode=07é; mb", Some(entry("mb", File, None, None, None, None))),
            // unknown facts, and facts whose values contain '='
            ("type=file;x.custom=a=b;media-type=text/plain; odd", Some(entry("odd", File, None, None, None, None))),
        ]);
    }

    #[test]
    fn mlsd_malformed() {
        let lines = [
            "",
            " ",
            "  ",
            "\r\n",
            "name-only",
            " name-only",
            "type=file;name",
            "type=file;",
            "type=file; ",
            "type=file; \r\n",
            "type=file name",
            "type=file;size=1 name",
            " name",
            "; name",
            "garbage; name",
            "type=file;garbage; name",
            "=x; name",
            "type=file;=x; name",
            "1234567890123456789012345678901234567890",
            "日本語; name",
        ];
        for line in lines {
            assert_eq!(parse_mlsx_line(line), Err(ListingError::Malformed { line: line.to_owned() }), "line {line:?}");
        }
    }

    #[test]
    fn mlsd_error_is_bounded_and_readable() {
        let long = "x".repeat(1000);
        assert_eq!(parse_mlsx_line(&long), Err(ListingError::Malformed { line: "x".repeat(200) }));
        let wide = "é".repeat(300);
        assert_eq!(parse_mlsx_line(&wide), Err(ListingError::Malformed { line: "é".repeat(200) }));
        let err = parse_mlsx_line("bad").expect_err("malformed");
        assert_eq!(err.to_string(), r#"malformed MLSD line: "bad""#);
        let err = parse_mlsx_line("bad\u{1b}").expect_err("malformed");
        assert_eq!(err.to_string(), r#"malformed MLSD line: "bad\u{1b}""#);
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
    fn timestamps() {
        let cases: &[(&str, Option<i64>)] = &[
            ("20240115123456", Some(1_705_322_096)),
            ("20240115123456.789", Some(1_705_322_096)),
            ("20240115123456.0", Some(1_705_322_096)),
            ("20240115123456.123456789012345678901234567890", Some(1_705_322_096)),
            (" 20240115123456\r\n", Some(1_705_322_096)),
            ("19700101000000", Some(0)),
            ("19691231235959", Some(-1)),
            ("20000229000000", Some(951_782_400)),
            ("20380119031408", Some(2_147_483_648)),
            ("99991231235959", Some(253_402_300_799)),
            ("00010101000000", Some(-62_135_596_800)),
            ("19000101000000", Some(-2_208_988_800)),
            // a leap second reads as the next minute's first second
            ("20161231235960", Some(1_483_228_800)),
            ("20241315123456", None),
            ("20240015123456", None),
            ("20240100123456", None),
            ("20240132123456", None),
            ("20240230000000", None),
            ("20230229000000", None),
            ("19000229000000", None),
            ("20240115243456", None),
            ("20240115126056", None),
            ("20240115123461", None),
            ("2024", None),
            ("", None),
            (" ", None),
            (".", None),
            ("2024011512345", None),
            ("202401151234567", None),
            ("2024011512345a", None),
            ("abcdefghijklmn", None),
            ("20240115123456.", None),
            ("20240115123456.12a", None),
            ("20240115123456.1.2", None),
            ("20240115123456..1", None),
            (".20240115123456", None),
            ("+2024011512345", None),
            ("-2024011512345", None),
            ("2024-01-15 12:34:56", None),
            ("2024011512345é", None),
            ("２０２４０１１５１２３４５６", None),
            ("20240115 123456", None),
            ("1234567890123456789012345678901234567890", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_timestamp(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn civil_anchors() {
        let cases: &[(Civil, i64)] = &[
            ((1970, 1, 1, 0, 0, 0), 0),
            ((1969, 12, 31, 23, 59, 59), -1),
            ((2024, 1, 15, 12, 34, 56), 1_705_322_096),
            ((2000, 2, 29, 0, 0, 0), 951_782_400),
            ((2038, 1, 19, 3, 14, 8), 2_147_483_648),
            ((9999, 12, 31, 23, 59, 59), 253_402_300_799),
            ((1, 1, 1, 0, 0, 0), -62_135_596_800),
            ((1900, 1, 1, 0, 0, 0), -2_208_988_800),
            ((1600, 3, 1, 0, 0, 0), -11_670_912_000),
            ((1960, 6, 15, 8, 30, 0), -301_246_200),
        ];
        for &((y, mo, d, h, mi, s), t) in cases {
            assert_eq!(civil_to_unix(y, mo, d, h, mi, s), Some(t), "{y}-{mo}-{d}");
            assert_eq!(unix_to_civil(t), (y, mo, d, h, mi, s), "{t}");
        }
    }

    #[test]
    fn civil_rejects() {
        let cases: &[Civil] = &[
            (2024, 0, 1, 0, 0, 0),
            (2024, 13, 1, 0, 0, 0),
            (2024, 1, 0, 0, 0, 0),
            (2024, 1, 32, 0, 0, 0),
            (2024, 4, 31, 0, 0, 0),
            (2023, 2, 29, 0, 0, 0),
            (1900, 2, 29, 0, 0, 0),
            (2024, 1, 1, 24, 0, 0),
            (2024, 1, 1, 0, 60, 0),
            (2024, 1, 1, 0, 0, 61),
            (2024, u32::MAX, u32::MAX, u32::MAX, u32::MAX, u32::MAX),
            (i64::MAX, 12, 31, 23, 59, 59),
            (i64::MIN, 1, 1, 0, 0, 0),
            (292_277_026_597, 1, 1, 0, 0, 0),
        ];
        for &(y, mo, d, h, mi, s) in cases {
            assert_eq!(civil_to_unix(y, mo, d, h, mi, s), None, "{y}-{mo}-{d} {h}:{mi}:{s}");
        }
        assert_eq!(civil_to_unix(2024, 2, 29, 0, 0, 0), Some(1_709_164_800));
        assert_eq!(civil_to_unix(2000, 2, 29, 0, 0, 0), Some(951_782_400));
        assert_eq!(civil_to_unix(-4, 2, 29, 0, 0, 0).map(unix_to_civil), Some((-4, 2, 29, 0, 0, 0)));
    }

    #[test]
    fn civil_round_trips() {
        let fixed = [
            i64::MIN,
            i64::MIN + 1,
            -62_135_596_801,
            -2_208_988_801,
            -86_401,
            -86_400,
            -1,
            0,
            1,
            86_399,
            951_868_799,
            2_147_483_647,
            2_147_483_648,
            4_102_444_800,
            253_402_300_800,
            i64::MAX - 1,
            i64::MAX,
        ];
        // a coarse sweep from ~ -3000 to ~ +5000 with an odd step, hitting all times of day
        let sweep = (0..20_000).map(|i| -157_766_400_000 + i * 12_623_411);
        for t in fixed.into_iter().chain(sweep) {
            let (y, mo, d, h, mi, s) = unix_to_civil(t);
            assert!((1..=12).contains(&mo) && (1..=days_in_month(y, mo)).contains(&d), "{t}");
            assert!(h < 24 && mi < 60 && s < 60, "{t}");
            assert_eq!(civil_to_unix(y, mo, d, h, mi, s), Some(t), "{t} -> {y}-{mo}-{d} {h}:{mi}:{s}");
        }
        // consecutive days walk the calendar without gaps across leap and century years
        let mut prev = unix_to_civil(ts(1899, 12, 31, 0, 0, 0));
        for day in 1..(400 * 366) {
            let t = ts(1899, 12, 31, 0, 0, 0) + day * SECS_PER_DAY;
            let cur = unix_to_civil(t);
            let next_expected = if prev.2 < days_in_month(prev.0, prev.1) {
                (prev.0, prev.1, prev.2 + 1)
            } else if prev.1 < 12 {
                (prev.0, prev.1 + 1, 1)
            } else {
                (prev.0 + 1, 1, 1)
            };
            assert_eq!((cur.0, cur.1, cur.2), next_expected, "{t}");
            prev = cur;
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
