//! Calendar arithmetic for FTP times (proleptic Gregorian, UTC): the `YYYYMMDDHHMMSS` values
//! of MDTM, MFMT and the MLSD `modify` fact (RFC 3659 sections 2.3 and 3), and the civil dates
//! that LIST parsers and the terminal need. One module, shared by the listing parsers, the
//! engine and the app. No clock is read here: callers pass the time in.

use super::digits::{is_all_digits, parse_small};

pub(crate) const SECS_PER_DAY: i64 = 86_400;

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

#[cfg(test)]
mod tests {
    use super::*;

    type Civil = (i64, u32, u32, u32, u32, u32);

    fn ts(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
        civil_to_unix(year, month, day, hour, min, sec).expect("valid test date")
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
}
