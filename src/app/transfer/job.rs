//! What a transfer is about: the two roots ([`Tree`]), which way ([`Direction`]), what the
//! user asked for ([`SyncOptions`]) and one file to copy ([`FileJob`]).

use std::collections::HashSet;
use std::fs::Metadata;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use crate::app::filter::Filter;
use crate::app::target::redact_url;
use crate::engine::join_remote;

/// Which way the files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server to local disk.
    Down,
    /// Local disk to server.
    Up,
}

/// When a file that exists on both sides is copied again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Always (`get -r`, `put -r`).
    Always,
    /// When size or time differ, the source being newer (`mirror`, `--if-changed`).
    Changed,
    /// Only when the source is newer (`mirror --newer`); size decides when a time is unknown.
    Newer,
    /// Only when the target has no such file (`get -r --no-clobber`).
    Missing,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// "get", "put" or "mirror", for messages and `--json`.
    pub action: &'static str,
    pub compare: Compare,
    pub delete: bool,
    pub dry_run: bool,
    pub filter: Filter,
    pub atomic: bool,
    pub verify: bool,
    /// With `verify`: a server without a checksum fails the file instead of a size check.
    pub verify_strict: bool,
    pub resume: bool,
    /// With `resume`: a remote file larger than the local one is an error (`put -c`: the
    /// server's copy is not ours to cut) instead of being replaced (mirrors, retries).
    pub refuse_larger_remote: bool,
}

impl SyncOptions {
    /// `get --no-clobber`: never replace a local file, even one that appeared meanwhile.
    pub fn no_clobber(&self) -> bool {
        self.compare == Compare::Missing
    }
}

/// The two roots: a path on the server ("" for the login directory) and a local path.
#[derive(Debug, Clone)]
pub struct Tree {
    pub url: String,
    pub remote: String,
    pub local: PathBuf,
}

impl Tree {
    pub(crate) fn remote_path(&self, rel: &str) -> String {
        if rel.is_empty() { self.remote.clone() } else { join_remote(&self.remote, rel) }
    }

    pub(crate) fn local_path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() { self.local.clone() } else { self.local.join(rel) }
    }

    pub fn shown_url(&self, rel: &str) -> String {
        let base = redact_url(&self.url);
        if rel.is_empty() { base } else { format!("{}/{rel}", base.trim_end_matches('/')) }
    }
}

pub(crate) fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        return name.to_string();
    }
    // Once per file of a tree (a deploy's scan of 20,000): built directly, not formatted.
    let mut rel = String::with_capacity(dir.len() + 1 + name.len());
    rel.push_str(dir);
    rel.push('/');
    rel.push_str(name);
    rel
}

/// The directories of an upload that held nothing before the run (relative, "" for the
/// top). Their listings show the run's files alone (a listing of one that holds much else
/// can cost more than the SIZEs it saves, so only these confirm uploads: `confirm`), and
/// whatever is at a file's name there is this run's own (a retry may replace it).
#[derive(Clone, Copy)]
pub(crate) enum Fresh<'a> {
    None,
    /// Every directory: a deploy into a target that is missing or empty.
    All,
    /// These: the directories a mirror or `put -r` creates.
    Dirs(&'a HashSet<String>),
}

impl Fresh<'_> {
    pub(crate) fn contains(&self, dir: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Dirs(dirs) => dirs.contains(dir),
        }
    }
}

/// The directory part of a relative path ("" for the root).
pub fn parent(path: &str) -> &str {
    last_slash(path).map_or("", |at| &path[..at])
}

/// The last component of a relative path.
pub fn base(path: &str) -> &str {
    last_slash(path).map_or(path, |at| &path[at + 1..])
}

/// Where the last `/` is (bytes, not chars: a plan asks this of every path several times).
fn last_slash(path: &str) -> Option<usize> {
    path.bytes().rposition(|b| b == b'/')
}

/// One file to copy.
#[derive(Debug, Clone)]
pub struct FileJob {
    pub rel: String,
    /// The source's size (from the listing or the local file); `None` when the listing had
    /// none, so the download asks SIZE rather than expect an empty file.
    pub size: Option<u64>,
    /// The source's modification time, to give the copy.
    pub mtime: Option<i64>,
    pub reason: &'static str,
    /// A pipelined transfer of this file failed transiently: its facts are asked again, and
    /// what that attempt wrote is continued (only that: [`super::written::Written`]).
    pub retry: bool,
}

impl FileJob {
    /// A file named on the command line (or in the shell): nothing known of it yet.
    pub fn named() -> Self {
        Self { rel: String::new(), size: None, mtime: None, reason: "new", retry: false }
    }
}

pub fn local_mtime(meta: &Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    Some(match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    })
}
