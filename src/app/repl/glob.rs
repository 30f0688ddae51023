//! Wildcard patterns for `mget` and `mput` (the wildcards of [`crate::app::glob`]). A pattern
//! matches one path component; the caller lists the directory (remote or local) and matches
//! each name. Like a shell, `*` and `?` do not match a leading `.` unless the pattern starts
//! with one.

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

/// Matches `name` against `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    crate::app::glob::component(pattern, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_dots_need_a_dot_in_the_pattern() {
        // The wildcards themselves are tested in app::glob.
        assert!(matches("*.txt", "a.txt"));
        assert!(!matches("*", ".hidden"));
        assert!(!matches("?hidden", ".hidden"));
        assert!(matches(".*", ".hidden"));
        assert!(matches(".h*", ".hidden"));
    }

    #[test]
    fn splits_directories_from_patterns() {
        assert_eq!(split("*.txt"), ("", "*.txt"));
        assert_eq!(split("logs/2024-*.gz"), ("logs", "2024-*.gz"));
        assert_eq!(split("/*.txt"), ("/", "*.txt"));
        assert_eq!((is_pattern("a[1].txt"), is_pattern("plain.txt")), (true, false));
    }
}
