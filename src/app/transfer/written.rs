//! What this run wrote for files it has not finished, so that a retry continues only that.
//!
//! A retry (`--retries`, or a file handed from a broken pipelined session to the one-by-one
//! path) continues where its earlier attempt stopped. What is already there is not
//! necessarily that attempt's: a download's part file may be an earlier run's, of an older
//! version of the file, and the target itself is the old copy; an upload's remote file (or
//! temporary) may be an older version that this run never touched, when its STOR was refused
//! or never reached the server. Continuing those gives old bytes followed by new ones. So a
//! retry continues only what is listed here; anything else starts from zero. `-c` is the
//! user's own request to continue whatever is there, and does not look here.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Written {
    /// Local part files that this run created (from empty) and has not put in place.
    parts: RefCell<HashSet<PathBuf>>,
    /// Remote files that an upload of this run started from their first byte (a STOR the
    /// server accepted), with how many bytes of the local file it read at most: the server
    /// cannot have more of this run's bytes than that.
    sent: RefCell<HashMap<String, u64>>,
}

impl Written {
    /// A download is about to create (or empty) the part file `part`.
    pub fn part_created(&self, part: &Path) {
        self.parts.borrow_mut().insert(part.to_path_buf());
    }

    /// Whether `part` holds only this run's bytes.
    pub fn part_is_ours(&self, part: &Path) -> bool {
        self.parts.borrow().contains(part)
    }

    /// `part` was put in place (or removed).
    pub fn part_done(&self, part: &Path) {
        self.parts.borrow_mut().remove(part);
    }

    /// An upload that began `remote` from its first byte had read up to `upto` bytes of the
    /// local file when it failed.
    pub fn sent(&self, remote: &str, upto: u64) {
        self.sent.borrow_mut().insert(remote.to_string(), upto);
    }

    /// How many bytes at most this run has sent to `remote` from its first byte; `None`
    /// when what is there is not known to be this run's.
    pub fn sent_to(&self, remote: &str) -> Option<u64> {
        self.sent.borrow().get(remote).copied()
    }

    /// `remote` is complete (or given up): nothing of it to continue.
    pub fn upload_done(&self, remote: &str) {
        self.sent.borrow_mut().remove(remote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_only_what_this_run_wrote() {
        let w = Written::default();
        assert!(!w.part_is_ours(Path::new("d/.a.pasv-part")));
        w.part_created(Path::new("d/.a.pasv-part"));
        assert!(w.part_is_ours(Path::new("d/.a.pasv-part")));
        w.part_done(Path::new("d/.a.pasv-part"));
        assert!(!w.part_is_ours(Path::new("d/.a.pasv-part")));
        assert_eq!(w.sent_to("up/a"), None);
        w.sent("up/a", 4096);
        assert_eq!(w.sent_to("up/a"), Some(4096));
        w.upload_done("up/a");
        assert_eq!(w.sent_to("up/a"), None);
    }
}
