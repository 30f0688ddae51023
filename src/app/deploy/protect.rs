//! `--protect`: paths a deploy never deletes nor overwrites, besides pasv's own names in the
//! target (the state file, its temporary, the staging directory) and `.well-known/**`.

use anyhow::Result;

use crate::app::filter::Filter;

/// The directory (in the target) where `--atomic` stages changed files.
pub const STAGING: &str = ".pasv-deploy-staging";

/// The temporary name a new state file is written under before it is renamed into place.
pub fn state_temp(state_file: &str) -> String {
    format!("{state_file}.pasv-part")
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
        all.extend(globs.iter().cloned());
        Ok(Self { patterns: Filter::new(&[], &all)?, custom: !globs.is_empty() })
    }

    /// Protected paths may be below the top level (`--protect` was given).
    pub fn is_custom(&self) -> bool {
        self.custom
    }

    /// pasv's own names at the top of a target: the state file, its temporary, the staging
    /// directory.
    pub fn is_pasv_own(rel: &str, state_file: &str) -> bool {
        rel == state_file || rel == state_temp(state_file) || rel == STAGING
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
