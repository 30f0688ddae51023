//! DOS / IIS style LIST lines: `MM-DD-YY  HH:MMAM  <DIR>|size name`.

use super::{Entry, EntryKind, Field, is_field_separator};
use crate::proto::calendar::civil_to_unix;
use crate::proto::digits::{parse_digits, parse_small};

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

/// Recognizes "MM-DD-YY" / "MM-DD-YYYY" (also with '/'); two-digit years below
/// 70 are 20xx, the rest 19xx, as IIS and MS-DOS `dir` intend.
pub(super) fn dos_date(text: &str) -> Option<(i64, u32, u32)> {
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

pub(super) fn parse_dos(line: &str, fields: &[Field<'_>]) -> Option<Entry> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::listing::parse_list_line;
    use crate::proto::listing::tests::*;

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
}
