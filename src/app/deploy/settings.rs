//! What the command line settles before any connection.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::guards::DeleteLimit;
use super::plan::Rules;
use super::protect::{Protect, STAGING};
use super::state::Mode;
use crate::app::filter::Filter;
use crate::app::settings::usage;
use crate::app::target::redact_url;
use crate::cli::DeployArgs;
use crate::proto::name::local_component;

/// Everything the command line settles before any connection.
pub struct Settings {
    pub source: PathBuf,
    /// The source tree's identity in the state file: the directory's name.
    pub identity: String,
    pub url: String,
    pub state_file: String,
    pub rules: Rules,
    pub limit: DeleteLimit,
    pub dry_run: bool,
    pub atomic: bool,
    /// `--release-dir`: a new directory beside the target, switched in with renames.
    pub release_dir: bool,
    /// `--break-lock`: the lock a killed run left is removed first.
    pub break_lock: bool,
}

impl Settings {
    /// `source` is the local directory, `url` the target (see [`paths`]).
    pub fn new(args: &DeployArgs, source: &str, url: &str) -> Result<Self> {
        let source = PathBuf::from(source);
        match std::fs::metadata(&source) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => bail!(usage(format!("{} is not a directory", source.display()))),
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {}", source.display()))),
        }
        check_state_file(&args.state_file)?;
        let (file_mode, dir_mode) = match args.chmod.as_deref() {
            None => (None, None),
            Some(text) => parse_chmod(text)?,
        };
        let rules = Rules {
            filter: Filter::new(&args.tree.include, &args.tree.exclude)?,
            protect: Protect::new(&args.protect, &args.state_file)?,
            adopt: args.adopt,
            verify_remote: args.verify_remote,
            file_mode,
            dir_mode,
            staging: args.atomic.then(|| STAGING.to_string()),
        };
        Ok(Self {
            identity: identity(&source),
            source,
            url: url.to_string(),
            state_file: args.state_file.clone(),
            rules,
            limit: DeleteLimit::parse(args.max_delete.as_deref())?,
            dry_run: args.dry_run,
            atomic: args.atomic,
            release_dir: args.release_dir,
            break_lock: args.break_lock,
        })
    }
}

/// The local directory (none with `--rollback`) and the target URL: clap lets `--rollback`
/// go without DIR, so its one positional argument lands in DIR's place.
pub fn paths(args: &DeployArgs) -> Result<(Option<&str>, &str)> {
    match (args.source.as_deref(), args.target.as_deref(), args.rollback) {
        (Some(source), Some(url), false) => Ok((Some(source), url)),
        (Some(url), None, true) => Ok((None, url)),
        (Some(_), Some(_), true) => {
            bail!(usage("--rollback takes only the target URL: pasv deploy --rollback URL"))
        }
        _ => bail!(usage("pasv deploy needs DIR and URL (or --rollback URL)")),
    }
}

pub(crate) fn check_state_file(name: &str) -> Result<()> {
    if let Err(e) = local_component(name) {
        bail!(usage(format!("--state-file {name:?}: a plain file name in the target, please ({e})")));
    }
    Ok(())
}

/// `644` or `644,755`.
pub(crate) fn parse_chmod(text: &str) -> Result<(Option<Mode>, Option<Mode>)> {
    let bad = || usage(format!("--chmod {text:?}: use octal modes, FILE_MODE or FILE_MODE,DIR_MODE (644,755)"));
    let (file, dir) = match text.split_once(',') {
        Some((f, d)) => (f, Some(d)),
        None => (text, None),
    };
    let file = Mode::parse(file).ok_or_else(bad)?;
    let dir = dir.map(|d| Mode::parse(d).ok_or_else(bad)).transpose()?;
    Ok((Some(file), dir))
}

/// The source directory's name ("public" for ./public, /ci/work/public or `.` there): the
/// same in every fresh checkout, different for another tree.
pub(crate) fn identity(source: &Path) -> String {
    std::fs::canonicalize(source)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "/".to_string())
}

/// The target URL without its password, for messages.
pub fn shown_url(settings: &Settings) -> String {
    redact_url(&settings.url)
}
