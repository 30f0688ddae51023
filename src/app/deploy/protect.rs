//! `--protect`: paths a deploy never deletes nor overwrites, besides pasv's own names in the
//! target (the state file, its temporary, the staging directory, the lock) and `.well-known/**`.

use anyhow::Result;

use crate::app::filter::Filter;

/// The directory (in the target) where `--atomic` stages changed files.
pub const STAGING: &str = ".pasv-deploy-staging";

/// The temporary name a new state file is written under before it is renamed into place.
pub fn state_temp(state_file: &str) -> String {
    format!("{state_file}.pasv-part")
}

/// The deploy lock's directory, beside the state file: made (MKD) by a run that changes the
/// target, removed when it ends (see `lock`).
pub fn lock_name(state_file: &str) -> String {
    format!("{state_file}.lock")
}

/// Always protected, besides the state file and the staging directory (RFC 8615: ACME
/// challenges, security.txt and friends that the hosting adds, not the build).
pub const ALWAYS: &[&str] = &[".well-known/**"];

/// `--protect GLOB` (repeatable) with the defaults: the same pattern language as
/// `--exclude` (a pattern without `/` matches a name at any depth).
#[derive(Debug, Clone, Default)]
pub struct Protect {
    patterns: Filter,
    /// `--protect` was given: protected paths may be anywhere, not only under `.well-known`.
    custom: bool,
    /// Dot names the patterns name literally (`.well-known`, `.htaccess`), and whether only
    /// at the top (a pattern with `/`): some servers list no dot entries (vsftpd), so these
    /// are asked for by name.
    dot_names: Vec<(String, bool)>,
}

impl Protect {
    pub fn new(globs: &[String], state_file: &str) -> Result<Self> {
        let mut all: Vec<String> = ALWAYS.iter().map(|s| s.to_string()).collect();
        // Names without a `/` match at any depth (filter.rs): pasv's own names are safe
        // everywhere.
        all.push(state_file.to_string());
        all.push(state_temp(state_file));
        all.push(STAGING.to_string());
        all.push(format!("{}/**", STAGING));
        // The lock, and the names a run gives a stale one it takes over and its clock file.
        let lock = lock_name(state_file);
        all.extend([format!("{lock}/**"), format!("{lock}.*/**"), format!("{lock}.*"), lock]);
        all.extend(globs.iter().cloned());
        let dot_names = ALWAYS
            .iter()
            .map(|s| s.to_string())
            .chain(globs.iter().cloned())
            .filter_map(|glob| {
                let glob = glob.trim_start_matches('/');
                let (first, anchored) = match glob.split_once('/') {
                    Some((first, _)) => (first, true),
                    None => (glob, false),
                };
                let literal = !first.contains(['*', '?', '[', '\\']);
                (first.starts_with('.') && literal).then(|| (first.to_string(), anchored))
            })
            .collect();
        Ok(Self { patterns: Filter::new(&[], &all)?, custom: !globs.is_empty(), dot_names })
    }

    /// The dot names to ask for by name in the directory `dir` ("" is the top) when its
    /// listing does not show them.
    pub fn dot_names(&self, dir: &str) -> impl Iterator<Item = &str> {
        self.dot_names.iter().filter(move |(_, top)| !top || dir.is_empty()).map(|(name, _)| name.as_str())
    }

    /// Protected paths may be below the top level (`--protect` was given).
    pub fn is_custom(&self) -> bool {
        self.custom
    }

    /// pasv's own names at the top of a target: the state file, its temporary, the staging
    /// directory, the lock (and the names that go with it).
    pub fn is_pasv_own(rel: &str, state_file: &str) -> bool {
        let lock = lock_name(state_file);
        rel == state_file
            || rel == state_temp(state_file)
            || rel == STAGING
            || rel.strip_prefix(lock.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }

    /// `rel` (a file) is never deleted nor overwritten.
    pub fn covers(&self, rel: &str) -> bool {
        !self.patterns.takes_file(rel)
    }

    /// The directory `rel` may hold protected files (so it is never removed), or is one.
    pub fn covers_dir(&self, rel: &str) -> bool {
        // A name no literal pattern names: what only wildcards reach under `rel`.
        self.patterns.skips_dir(rel) || self.covers(&format!("{rel}/\u{1}"))
    }
}
