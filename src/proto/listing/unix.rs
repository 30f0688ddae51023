//! Unix `ls -l` style LIST lines, the format of vsftpd, ProFTPD, pure-ftpd and most others:
//! permissions, links, owner, group, size, a date without a year for recent files, the name.

use super::{Entry, EntryKind, Field, is_field_separator};
use crate::proto::calendar::{SECS_PER_DAY, civil_to_unix, unix_to_civil};
use crate::proto::digits::{is_all_digits, parse_digits, parse_small};

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

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Splits "drwxr-xr-x" into its type character and the nine permission
/// characters; a trailing ACL / security-context marker (+ @ .) is dropped.
pub(super) fn unix_permissions(field: &str) -> Option<(u8, &str)> {
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

pub(super) fn parse_unix(line: &str, fields: &[Field<'_>], now: i64) -> Option<Entry> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::listing::parse_list_line;
    use crate::proto::listing::tests::*;

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
}
