//! The upload temporaries (`.NAME.pasv-part` on the server) that this run created and has
//! not renamed into place. When pasv gives up on files (their retries spent, a fatal error,
//! Ctrl-C), the pool deletes what is left here ([`super::pool::Pool::close`]), so the server
//! keeps no half files under names nobody comes back for. Only what this run created: a
//! temporary is listed when a STOR that replaces it is about to go out, never when an upload
//! only appends to one an earlier run left (`-c`); such a one is left as it was found.
//! Downloads keep their local part files for `get -c`: they are not listed here.
//!
//! Beside them, the pool's jobs keep what this run wrote for files not finished yet
//! ([`Written`]), so that their retries continue only that.

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::written::Written;
use crate::app::interrupt::Pending;

#[derive(Default)]
pub struct Temporaries {
    paths: RefCell<BTreeSet<String>>,
    /// Held while `paths` is not empty: Ctrl-C then waits for them to be deleted.
    pending: RefCell<Option<Pending>>,
    written: Written,
}

impl Temporaries {
    /// What this run wrote for the files it has not finished (what a retry may continue).
    pub fn written(&self) -> &Written {
        &self.written
    }

    /// A STOR to `path` is about to go out: from now on the file there is this run's.
    pub fn created(&self, path: &str) {
        let mut paths = self.paths.borrow_mut();
        if paths.insert(path.to_string()) && paths.len() == 1 {
            *self.pending.borrow_mut() = Some(Pending::new());
        }
    }

    /// `path` took its real name (or is gone): nothing left to delete.
    pub fn settled(&self, path: &str) {
        let mut paths = self.paths.borrow_mut();
        if paths.remove(path) && paths.is_empty() {
            self.pending.borrow_mut().take();
        }
    }

    /// What is left, in order.
    pub fn left(&self) -> Vec<String> {
        self.paths.borrow().iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_what_is_created_and_not_settled() {
        let t = Temporaries::default();
        t.created("d/.b.pasv-part");
        t.created("d/.a.pasv-part");
        t.created("d/.a.pasv-part");
        t.settled("d/.b.pasv-part");
        t.settled("d/.never.pasv-part");
        assert_eq!(t.left(), ["d/.a.pasv-part"]);
        assert!(t.pending.borrow().is_some());
        t.settled("d/.a.pasv-part");
        assert!(t.left().is_empty());
        assert!(t.pending.borrow().is_none());
    }
}
