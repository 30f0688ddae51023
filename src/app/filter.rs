//! `--exclude GLOB` / `--include GLOB` for tree transfers.
//!
//! A pattern without `/` matches a name at any depth (`*.tmp`, `.git`); a pattern with `/`
//! matches the path relative to the tree's root (`docs/*.pdf`, `build/**`), with the
//! wildcards of [`super::glob`]: `*` and `?` stop at `/`, a `**` component does not. An excluded
//! directory is not entered. With any `--include`, only files that match one are copied
//! (directories are still walked). Excluded files are never deleted by `--delete`, nor the
//! directories that hold them (lftp's rule: what is excluded is neither copied nor deleted).

use anyhow::{Result, bail};

use super::settings::usage;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
    /// Matches the whole relative path rather than the last name.
    anchored: bool,
}

impl Pattern {
    fn new(text: &str) -> Result<Self> {
        if text.is_empty() {
            bail!(usage("an empty --include/--exclude pattern matches nothing"));
        }
        let trimmed = text.trim_start_matches('/').trim_end_matches('/');
        Ok(Self { glob: trimmed.to_string(), anchored: trimmed.contains('/') })
    }

    fn matches(&self, rel: &str) -> bool {
        if self.anchored {
            super::glob::path(&self.glob, rel)
        } else {
            super::glob::component(&self.glob, rel.rsplit('/').next().unwrap_or(rel))
        }
    }
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self> {
        Ok(Self {
            include: include.iter().map(|p| Pattern::new(p)).collect::<Result<_>>()?,
            exclude: exclude.iter().map(|p| Pattern::new(p)).collect::<Result<_>>()?,
        })
    }

    /// No `--include` or `--exclude`: every file takes part.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
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
