//! Shell-like wildcard patterns for `mget` and `mput`: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`, and
//! `\` to take the next character literally. A pattern matches one path component; the
//! caller lists the directory (remote or local) and matches each name. Like a shell, `*` and
//! `?` do not match a leading `.` unless the pattern starts with one.

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
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pattern, &name)
}

/// Iterative matcher with one backtracking point for the last `*`: linear in practice, and
/// never exponential however many stars a pattern has.
fn match_from(pattern: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => {
                p += 1;
                n += 1;
                continue;
            }
            Some('[') => {
                if let Some((matched, next)) = class(pattern, p, name[n])
                    && matched
                {
                    p = next;
                    n += 1;
                    continue;
                }
                if class(pattern, p, name[n]).is_none() && name[n] == '[' {
                    // An unclosed `[` is a literal.
                    p += 1;
                    n += 1;
                    continue;
                }
            }
            Some('\\') if p + 1 < pattern.len() && pattern[p + 1] == name[n] => {
                p += 2;
                n += 1;
                continue;
            }
            // An escape that does not match falls through to the mismatch below.
            Some('\\') if p + 1 < pattern.len() => {}
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        // Mismatch: let the last star swallow one more character, or fail.
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Evaluates the bracket expression at `pattern[start]` (a `[`) against `c`: whether it
/// matched and where the pattern continues, or `None` when the bracket is never closed.
fn class(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(pattern.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *pattern.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|&e| e != ']') {
            let end = pattern[i + 2];
            matched |= ch <= c && c <= end;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_a_shell() {
        let cases = [
            ("*.txt", "a.txt", true),
            ("*.txt", "a.txt.gz", false),
            ("*", "anything at all", true),
            ("*", ".hidden", false),
            (".*", ".hidden", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[abc]*", "banana", true),
            ("[!abc]*", "banana", false),
            ("[a-c]x", "bx", true),
            ("[a-c]x", "dx", false),
            ("[]]", "]", true),
            ("x[", "x[", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxaxxcxxbxx", false),
            ("report-202?-*.csv", "report-2024-q1.csv", true),
            ("my file*", "my file.txt", true),
            ("", "", true),
            ("", "a", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(matches(pattern, name), expected, "{pattern:?} vs {name:?}");
        }
        let long = "a".repeat(200);
        assert!(matches(&"*a".repeat(30), &long));
        assert!(!matches(&"*a".repeat(30), &format!("{long}b")));
    }

    #[test]
    fn splits_directories_from_patterns() {
        assert_eq!(split("*.txt"), ("", "*.txt"));
        assert_eq!(split("logs/2024-*.gz"), ("logs", "2024-*.gz"));
        assert_eq!(split("/*.txt"), ("/", "*.txt"));
        assert_eq!((is_pattern("a[1].txt"), is_pattern("plain.txt")), (true, false));
    }
}
