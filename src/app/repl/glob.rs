//! Wildcard patterns for `mget` and `mput` (the wildcards of [`crate::app::glob`]). A pattern
//! matches one path component; the caller lists the directory (remote or local) and matches
//! each name. Like a shell, `*` and `?` do not match a leading `.` unless the pattern starts
//! with one ([`crate::app::glob::name`]).

/// Matches `name` against `pattern` as a whole.
pub use crate::app::glob::name as matches;

/// True when `pattern` has a wildcard, i.e. is not just a name.
pub fn is_pattern(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// Splits `dir/pattern` into the directory to list ("" for the current one) and the pattern.
pub fn split(pattern: &str) -> (&str, &str) {
    match pattern.rfind('/') {
        Some(0) => ("/", &pattern[1..]),
        Some(i) => (&pattern[..i], &pattern[i + 1..]),
        None => ("", pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_directories_from_patterns() {
        assert_eq!(split("*.txt"), ("", "*.txt"));
        assert_eq!(split("logs/2024-*.gz"), ("logs", "2024-*.gz"));
        assert_eq!(split("/*.txt"), ("/", "*.txt"));
        assert_eq!((is_pattern("a[1].txt"), is_pattern("plain.txt")), (true, false));
    }
}
