//! Strict decimal fields, as FTP replies and listings carry them: digits only, no sign, no
//! spaces, overflow refused.

pub(crate) fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Strict unsigned decimal: digits only (no sign, no spaces), None on overflow.
pub(crate) fn parse_digits(s: &str) -> Option<u64> {
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
pub(crate) fn parse_small(s: &str, min: usize, max: usize) -> Option<u32> {
    if !(min..=max).contains(&s.len()) || max > 4 || !is_all_digits(s) {
        return None;
    }
    Some(s.bytes().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')))
}
