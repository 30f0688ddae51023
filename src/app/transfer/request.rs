//! What a `get` or `put` asks for, settled once before anything connects: by the one-shot
//! command from its flags and the config file's `[defaults]`, by the shell from its words and
//! `set`. A plain value, whoever asked; the front end (`app::transfers`) turns it and the list
//! of what to copy into jobs on a pool.

use std::path::PathBuf;

use super::job::{Compare, Direction, SyncOptions};
use crate::app::filter::Filter;
use crate::engine::RateLimit;

/// `--verify`: how each copy is checked after its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verify {
    /// By the size the server confirms (what every copy gets).
    #[default]
    Size,
    /// By the server's checksum when it offers one, else by size.
    Checksum,
    /// By the server's checksum, or the file fails.
    Strict,
}

/// What the user asked of a copy.
#[derive(Clone, Default)]
pub struct Options {
    /// Directories are trees to copy (`-r`).
    pub recursive: bool,
    /// Continue partial copies (`-c`).
    pub resume: bool,
    /// Create the missing directories above each target first (`--create-dirs`).
    pub create_dirs: bool,
    /// Leave files alone whose target is already like them (`--if-changed`).
    pub if_changed: bool,
    pub verify: Verify,
    /// `--limit-rate`, for all the sessions together.
    pub rate: Option<RateLimit>,
    /// Which files of a tree take part (`--include`, `--exclude`).
    pub filter: Filter,
    /// Sessions at once for a tree (`-j`).
    pub sessions: usize,
    /// Tries after a transient failure (`--retries`).
    pub retries: u32,
    /// Downloads: the target file or directory (`-o`; `-` is stdout).
    pub output: Option<PathBuf>,
    /// Downloads: never replace a local file (`--no-clobber`).
    pub no_clobber: bool,
    /// Downloads: one big file over this many sessions (`--segments`).
    pub segments: Option<usize>,
    /// Uploads: to a temporary name first, renamed into place (`--atomic`).
    pub atomic: bool,
    /// `retries` and `verify` that came from the config file's [defaults] or the shell's
    /// `set`, not from the command: they give way where they cannot apply ([`Options::for_stream`]).
    pub defaulted: Defaulted,
}

/// See [`Options::defaulted`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defaulted {
    pub retries: bool,
    pub verify: bool,
}

impl Options {
    /// Single files copied as they are: no tree, no segments, nothing compared before or
    /// checked after, no rate limit. Such a copy asks the server only what the transfer needs,
    /// and reads from stdin or a pipe as well as from a file.
    pub fn plain(&self) -> bool {
        !self.recursive
            && self.segments.is_none()
            && !self.if_changed
            && self.verify == Verify::Size
            && self.rate.is_none()
            && !self.atomic
    }

    /// For stdin, a pipe or a device, which can be read only once: without the `retries` and
    /// `verify` that the settings (not the command) asked for, when they are all that stand
    /// in the way of a [plain](Options::plain) copy; `None` when the command itself asked for
    /// more.
    pub fn for_stream(&self) -> Option<Self> {
        let mut plain = self.clone();
        if self.defaulted.retries {
            plain.retries = 0;
        }
        if self.defaulted.verify {
            plain.verify = Verify::Size;
        }
        (plain.plain() && plain.retries == 0).then_some(plain)
    }

    /// The options of the jobs, for `direction`.
    pub fn sync(&self, direction: Direction) -> SyncOptions {
        let compare = match direction {
            Direction::Down if self.no_clobber => Compare::Missing,
            _ if self.if_changed => Compare::Changed,
            _ => Compare::Always,
        };
        SyncOptions {
            action: match direction {
                Direction::Down => "get",
                Direction::Up => "put",
            },
            compare,
            delete: false,
            dry_run: false,
            filter: self.filter.clone(),
            atomic: self.atomic && direction == Direction::Up,
            verify: self.verify != Verify::Size,
            verify_strict: self.verify == Verify::Strict,
            resume: self.resume,
            // `put -c`: the server's larger copy is not ours to cut.
            refuse_larger_remote: direction == Direction::Up,
        }
    }
}
