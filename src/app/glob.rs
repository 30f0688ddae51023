//! Shell-style wildcards, shared by the shell's `mget`/`mput`, the wildcards of one-shot URLs
//! (`app::url_glob`) and the tree filters (`--exclude`/`--include`): `*`, `?`, `[abc]`,
//! `[a-z]`, `[!x]` (or `[^x]`), and `\` to take the next character literally; an unclosed `[`
//! is a literal. [`component`] matches one name, [`name`] one name as a shell does (no
//! leading dot by a wildcard); [`path`] matches a `/`-separated path component by component,
//! where a `**` component matches any number of components, none included, except at the
//! end, where it matches what is inside (elsewhere `**` is a `*`).
//!
//! Both run the same matcher: a wildcard that remembers only its last star and lets it
//! swallow one more element on a mismatch. That is enough for patterns whose only variable
//! part is the star, and it is linear in practice: no pattern, however many stars it has,
//! makes it exponential.

/// True when `name` (one path component) matches `pattern`.
pub fn component(pattern: &str, name: &str) -> bool {
    let tokens = tokens(pattern);
    let name: Vec<char> = name.chars().collect();
    wildcard(&tokens, &name, |t| matches!(t, Token::Star), Token::accepts)
}

/// Like [`component`], as a shell matches a file name: `*`, `?` and `[...]` do not match a
/// leading `.` unless the pattern starts with one (`*` leaves out `.hidden`, `.*` takes it).
pub fn name(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    component(pattern, name)
}

/// The one name `pattern` stands for, its escapes resolved, when it has no wildcard (an
/// unclosed `[` is no wildcard); `None` when it is a pattern.
pub fn literal(pattern: &str) -> Option<String> {
    tokens(pattern)
        .into_iter()
        .map(|t| match t {
            Token::Char(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// `text` with its wildcard characters escaped: a pattern that matches exactly `text`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// True when the `/`-separated `path` matches `pattern`, component by component.
pub fn path(pattern: &str, path: &str) -> bool {
    let parts: Vec<Vec<Token>> =
        pattern.split('/').map(|p| if p == "**" { vec![Token::Star, Token::Star] } else { tokens(p) }).collect();
    let names: Vec<Vec<char>> = path.split('/').map(|n| n.chars().collect()).collect();
    let is_globstar = |p: &Vec<Token>| matches!(p.as_slice(), [Token::Star, Token::Star]);
    // A trailing `/**` is what is inside: "build/**" matches "build/x", not "build".
    if parts.len() > 1 && parts.last().is_some_and(is_globstar) && names.len() < parts.len() {
        return false;
    }
    wildcard(&parts, &names, is_globstar, |part, name| {
        wildcard(part, name, |t| matches!(t, Token::Star), Token::accepts)
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Star,
    Any,
    Char(char),
    Class { negated: bool, ranges: Vec<(char, char)> },
}

impl Token {
    fn accepts(&self, c: &char) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Char(x) => x == c,
            Token::Class { negated, ranges } => ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated,
        }
    }
}

/// The pattern as tokens; runs of `*` are one star, except that a whole `**` stays two (see
/// [`path`]; [`component`] treats it as one star all the same).
fn tokens(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Token::Any);
                i += 1;
            }
            '\\' if i + 1 < chars.len() => {
                out.push(Token::Char(chars[i + 1]));
                i += 2;
            }
            '[' => match class(&chars, i) {
                Some((token, next)) => {
                    out.push(token);
                    i = next;
                }
                None => {
                    out.push(Token::Char('['));
                    i += 1;
                }
            },
            c => {
                out.push(Token::Char(c));
                i += 1;
            }
        }
    }
    out
}

/// The bracket expression at `chars[start]` (a `[`) and where the pattern continues after
/// it, or `None` when it is never closed. A `]` right after `[` or `[!` is a member.
fn class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start + 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
            ranges.push((c, chars[i + 2]));
            i += 3;
        } else {
            ranges.push((c, c));
            i += 1;
        }
    }
}

/// Matches `subject` against `pattern`, where `is_star` elements match any run of subject
/// elements and the others one element each, when `one` accepts it.
fn wildcard<P, S>(pattern: &[P], subject: &[S], is_star: impl Fn(&P) -> bool, one: impl Fn(&P, &S) -> bool) -> bool {
    let (mut p, mut s) = (0, 0);
    // The last star seen: its position in the pattern, and how much of the subject it has.
    let mut star: Option<(usize, usize)> = None;
    while s < subject.len() {
        if let Some(token) = pattern.get(p) {
            if is_star(token) {
                star = Some((p, s));
                p += 1;
                continue;
            }
            if one(token, &subject[s]) {
                p += 1;
                s += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                star = Some((sp, ss + 1));
                p = sp + 1;
                s = ss + 1;
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(is_star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_components_like_a_shell() {
        let cases = [
            ("*.txt", "a.txt", true),
            ("*.txt", "a.txt.gz", false),
            ("*", "anything at all", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[abc]*", "banana", true),
            ("[!abc]*", "banana", false),
            ("[^abc]*", "kiwi", true),
            ("[a-c]x", "bx", true),
            ("[a-c]x", "dx", false),
            ("[]]", "]", true),
            ("x[", "x[", true),
            ("[", "[", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("a\\", "a\\", true),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxaxxcxxbxx", false),
            ("a**b", "axyb", true),
            ("ü*", "über", true),
            ("", "", true),
            ("", "a", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(component(pattern, name), expected, "{pattern:?} vs {name:?}");
        }
        let long = "a".repeat(200);
        assert!(component(&"*a".repeat(30), &long));
        assert!(!component(&"*a".repeat(30), &format!("{long}b")));
    }

    #[test]
    fn names_need_a_dot_in_the_pattern_for_a_leading_dot() {
        assert!(name("*.txt", "a.txt"));
        assert!(!name("*", ".hidden"));
        assert!(!name("?hidden", ".hidden"));
        assert!(!name("[.]hidden", ".hidden"));
        assert!(name(".*", ".hidden"));
        assert!(name(".h*", ".hidden"));
    }

    #[test]
    fn literals_and_quoting() {
        assert_eq!(literal("plain.txt").as_deref(), Some("plain.txt"));
        assert_eq!(literal("a\\*b\\?\\[c]").as_deref(), Some("a*b?[c]"));
        assert_eq!(literal("x[").as_deref(), Some("x["));
        assert_eq!(literal("a\\").as_deref(), Some("a\\"));
        for pattern in ["*.txt", "a?", "[ab]", "[!a]x", "a\\**"] {
            assert_eq!(literal(pattern), None, "{pattern:?}");
        }
        for text in ["a*b?c[d]e\\f", "[", "*", "plain"] {
            assert_eq!(literal(&quote(text)).as_deref(), Some(text), "{text:?}");
            assert!(component(&quote(text), text), "{text:?}");
        }
        assert!(!component(&quote("a*"), "ab"));
    }

    #[test]
    fn matches_paths_with_globstars() {
        let cases = [
            ("docs/*.pdf", "docs/a.pdf", true),
            ("docs/*.pdf", "docs/x/a.pdf", false),
            ("docs/**", "docs/x/a.pdf", true),
            ("docs/**", "docs", false),
            ("docs/**/*.pdf", "docs/a.pdf", true),
            ("docs/**/*.pdf", "docs/x/y/a.pdf", true),
            ("docs/**/*.pdf", "other/x/a.pdf", false),
            ("**/cache", "a/b/cache", true),
            ("**/cache", "cache", true),
            ("a/*/c", "a/b/c", true),
            ("a/*/c", "a/b/x/c", false),
            ("a?b", "a/b", false),
        ];
        for (pattern, p, expected) in cases {
            assert_eq!(path(pattern, p), expected, "{pattern:?} vs {p:?}");
        }
        let deep = vec!["x"; 60].join("/");
        assert!(!path(&"**/y/".repeat(20), &deep));
    }
}
