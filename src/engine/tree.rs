//! Walking remote trees: a directory listing with every server-supplied name checked, and
//! modification times for many files at once. (The files themselves move with
//! [`Session::fetch`], which takes the size from the listing.)
//!
//! The caller decides what to walk and how deep; [`MAX_DEPTH`] is the limit the app uses for
//! servers whose tree never ends.

use super::{Error, Session};
use crate::proto::listing::{self, Entry, EntryKind};
use crate::proto::name::{UnsafeName, local_component};
use crate::proto::{Arg, Command, facts};

/// How deep a recursive walk goes before it stops with an error (a server that lists a
/// subdirectory in every directory would otherwise never end).
pub const MAX_DEPTH: usize = 64;

/// MDTM commands sent back to back before their replies are read (RFC 959 allows a client to
/// send the next command before the reply; the batch stays far below any socket buffer).
const MDTM_BATCH: usize = 200;

/// A name from a listing that cannot become a local file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedName {
    /// The name with control characters escaped, safe to print.
    pub shown: String,
    pub reason: UnsafeName,
}

/// One directory's entries, split by kind, with every name checked by
/// [`local_component`] so it is safe as one local path component.
#[derive(Debug, Clone, Default)]
pub struct DirListing {
    pub files: Vec<Entry>,
    pub dirs: Vec<Entry>,
    /// Symbolic links: reported, never followed.
    pub links: Vec<Entry>,
    /// Devices, pipes and whatever else is neither a file nor a directory.
    pub others: Vec<Entry>,
    pub refused: Vec<RefusedName>,
    /// Lines that were not understood (their names are unknown, so nothing may be done to them).
    pub unparsed: Vec<String>,
    /// Times came from MLSD facts (RFC 3659 section 2.3: UTC, to the second). LIST times are
    /// local to the server and often rounded to the minute or the day.
    pub precise_times: bool,
}

impl DirListing {
    fn from_listing(listing: listing::Listing, precise_times: bool) -> Self {
        let mut out = Self { unparsed: listing.unparsed, precise_times, ..Self::default() };
        for entry in listing.entries {
            if let Err(reason) = local_component(&entry.name) {
                out.refused.push(RefusedName { shown: entry.name.escape_debug().to_string(), reason });
                continue;
            }
            match entry.kind {
                EntryKind::File => out.files.push(entry),
                EntryKind::Dir => out.dirs.push(entry),
                EntryKind::Link => out.links.push(entry),
                EntryKind::Other => out.others.push(entry),
            }
        }
        for list in [&mut out.files, &mut out.dirs, &mut out.links, &mut out.others] {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        out
    }
}

/// `dir/name` for remote paths, where `dir` is "" for the login directory.
pub fn join_remote(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        "/" => format!("/{name}"),
        _ => format!("{}/{name}", dir.trim_end_matches('/')),
    }
}

/// A path argument that a server cannot mistake for `ls` options.
fn list_argument(path: &str) -> String {
    if path.starts_with('-') { format!("./{path}") } else { path.to_string() }
}

impl Session {
    /// Lists `path` ("" for the login directory) for a recursive walk: MLSD when offered, LIST
    /// when not (or when MLSD is refused).
    pub async fn list_dir(&mut self, path: &str) -> Result<DirListing, Error> {
        let (arg, named) =
            if path.is_empty() { (None, None) } else { (Some(Arg::new(list_argument(path))?), Some(path)) };
        let (listing, precise) = self.list_parsed(arg, named).await?;
        Ok(DirListing::from_listing(listing, precise))
    }

    /// As [`Session::list_dir`], for a caller to whom a missing directory and an empty one
    /// mean the same (an upload's target, created either way): `None` when the server listed
    /// nothing, without the CWD probe that tells the two apart on servers answering LIST of a
    /// missing path with an empty listing (two round trips). A refusal is still an `Err`.
    pub async fn list_dir_if_any(&mut self, path: &str) -> Result<Option<DirListing>, Error> {
        let arg = if path.is_empty() { None } else { Some(Arg::new(list_argument(path))?) };
        let (listing, precise) = self.list_parsed(arg, None).await?;
        let listing = DirListing::from_listing(listing, precise);
        let empty = [&listing.files, &listing.dirs, &listing.links, &listing.others].iter().all(|l| l.is_empty())
            && listing.refused.is_empty()
            && listing.unparsed.is_empty();
        Ok(if empty { None } else { Some(listing) })
    }

    /// MDTM for many paths, pipelined in batches: one round trip per batch instead of one
    /// per file (one command at a time to a server that has shown it does not play along).
    /// A path the server has no time for gets `None`.
    pub async fn modified_many(&mut self, paths: &[String]) -> Result<Vec<Option<i64>>, Error> {
        let mut out = Vec::with_capacity(paths.len());
        let batch = if self.answers_in_order() { MDTM_BATCH } else { 1 };
        for batch in paths.chunks(batch) {
            let commands = batch
                .iter()
                .map(|p| Ok(Command::ModificationTime(Arg::new(p.as_str())?)))
                .collect::<Result<Vec<_>, Error>>()?;
            self.control.send_batch(&commands).await?;
            for _ in &commands {
                let reply = self.control.read_reply().await?;
                out.push(facts::modified(&reply));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_checks_listings() {
        let body = b"type=dir;modify=20240101000000; sub\r\n\
type=file;size=3;modify=20240101000000; a b.txt\r\n\
type=file;size=1; ..\r\n\
type=file;size=1; a\\b\r\n\
type=file;size=1; evil\x1b[2J\r\n\
type=OS.unix=slink:/etc; link\r\n\
garbage\r\n";
        let listing = DirListing::from_listing(listing::parse_listing(body, true, 0), true);
        let names = |v: &[Entry]| v.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&listing.files), ["a b.txt"]);
        assert_eq!(names(&listing.dirs), ["sub"]);
        assert_eq!(names(&listing.links), ["link"]);
        assert_eq!(listing.refused.len(), 2, "{:?}", listing.refused);
        assert_eq!(listing.unparsed, ["garbage"]);
    }

    #[test]
    fn joins_remote_paths() {
        assert_eq!(join_remote("", "a"), "a");
        assert_eq!(join_remote("/", "a"), "/a");
        assert_eq!(join_remote("pub/x/", "a"), "pub/x/a");
        assert_eq!(list_argument("-rf"), "./-rf");
    }
}
