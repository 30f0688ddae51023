//! `--exclude GLOB` / `--include GLOB` for tree transfers.
//!
//! A pattern without `/` matches a name at any depth (`*.tmp`, `.git`); a pattern with `/`
//! matches the path relative to the tree's root (`docs/*.pdf`, `build/**`). `*` and `?` stop
//! at `/`, `**` does not, `[abc]`, `[a-z]` and `[!x]` are classes, `\` escapes. An excluded
//! directory is not entered. With any `--include`, only files that match one are copied
//! (directories are still walked). Excluded files are never deleted by `--delete`.

use anyhow::{Result, bail};

use super::settings::usage;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: Vec<char>,
    /// Matches the whole relative path rather than the last name.
    anchored: bool,
}

impl Pattern {
    fn new(text: &str) -> Result<Self> {
        if text.is_empty() {
            bail!(usage("an empty --include/--exclude pattern matches nothing"));
        }
        let trimmed = text.trim_start_matches('/').trim_end_matches('/');
        Ok(Self { glob: trimmed.chars().collect(), anchored: trimmed.contains('/') })
    }

    fn matches(&self, rel: &str) -> bool {
        let subject = if self.anchored { rel } else { rel.rsplit('/').next().unwrap_or(rel) };
        let subject: Vec<char> = subject.chars().collect();
        glob_match(&self.glob, &subject)
    }
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self> {
        Ok(Self {
            include: include.iter().map(|p| Pattern::new(p)).collect::<Result<_>>()?,
            exclude: exclude.iter().map(|p| Pattern::new(p)).collect::<Result<_>>()?,
        })
    }

    /// The directory at `rel` (relative to the root) is skipped entirely.
    pub fn skips_dir(&self, rel: &str) -> bool {
        self.exclude.iter().any(|p| p.matches(rel))
    }

    /// The file at `rel` takes part in the transfer.
    pub fn takes_file(&self, rel: &str) -> bool {
        !self.exclude.iter().any(|p| p.matches(rel))
            && (self.include.is_empty() || self.include.iter().any(|p| p.matches(rel)))
    }
}

/// Shell-style matching with `**`; backtracking is bounded by the pattern's stars.
fn glob_match(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => {
            let after = &p[2..];
            // `**/` may also match nothing at all: "a/**/b" matches "a/b".
            (after.first() == Some(&'/') && glob_match(&after[1..], s))
                || (0..=s.len()).any(|i| glob_match(after, &s[i..]))
        }
        Some('*') => (0..=s.len()).take_while(|&i| i == 0 || s[i - 1] != '/').any(|i| glob_match(&p[1..], &s[i..])),
        Some('?') => s.first().is_some_and(|&c| c != '/') && glob_match(&p[1..], &s[1..]),
        Some('[') => match (class_match(&p[1..], s.first().copied()), s.first()) {
            (Some((true, used)), Some(_)) => glob_match(&p[1 + used..], &s[1..]),
            (Some((false, _)), _) | (_, None) => false,
            (None, Some(&c)) => c == '[' && glob_match(&p[1..], &s[1..]),
        },
        Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && glob_match(&p[2..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && glob_match(&p[1..], &s[1..]),
    }
}

/// Matches `c` against the class starting after `[`; returns (matched, pattern chars used
/// including the closing `]`), or `None` when the class is not closed (a literal `[`).
fn class_match(p: &[char], c: Option<char>) -> Option<(bool, usize)> {
    let negated = matches!(p.first(), Some('!') | Some('^'));
    let mut i = usize::from(negated);
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negated && c.is_some_and(|c| c != '/'), i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= c.is_some_and(|c| p[i] <= c && c <= p[i + 2]);
            i += 3;
        } else {
            matched |= c == Some(p[i]);
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Pattern::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn matches_globs() {
        let cases = [
            ("*.tmp", "a/b/c.tmp", true),
            ("*.tmp", "a/b/c.tmpx", false),
            ("c.?mp", "c.tmp", true),
            ("docs/*.pdf", "docs/a.pdf", true),
            ("docs/*.pdf", "docs/x/a.pdf", false),
            ("docs/**", "docs/x/a.pdf", true),
            ("docs/**/*.pdf", "docs/a.pdf", true),
            ("docs/**/*.pdf", "docs/x/y/a.pdf", true),
            ("**/cache", "a/b/cache", true),
            ("[ab]*", "apple", true),
            ("[!ab]*", "apple", false),
            ("[a-c].txt", "b.txt", true),
            ("[a-c].txt", "d.txt", false),
            ("\\*", "*", true),
            ("[", "[", true),
            ("my file*", "dir/my file.txt", true),
            ("ü*", "über", true),
            (".git", "src/.git", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(m(pattern, path), expected, "{pattern} vs {path}");
        }
    }

    #[test]
    fn include_and_exclude() {
        let f = Filter::new(&["*.txt".into()], &["secret*".into(), "build".into()]).unwrap();
        assert!(f.takes_file("a/b.txt"));
        assert!(!f.takes_file("a/b.bin"));
        assert!(!f.takes_file("secret.txt"));
        assert!(f.skips_dir("x/build"));
        assert!(!f.skips_dir("x/src"));
        assert!(Filter::new(&[], &["".into()]).is_err());
    }
}
