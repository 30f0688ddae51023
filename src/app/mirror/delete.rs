//! Phase 3 of a sync (`--delete`): what the source no longer has, after every copy succeeded.

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::app::tally::Tally;
use crate::app::transfer::job::Tree;
use crate::app::transfer::pool::{Done, Work};
use crate::app::transfer::run::retry_note;
use crate::engine::Session;

pub(crate) struct Delete<'a> {
    pub(crate) tree: &'a Tree,
    pub(crate) tally: &'a Tally<'a>,
    pub(crate) dirs: bool,
}

impl Work for Delete<'_> {
    type Job = String;

    async fn run(&self, session: &mut Session, rel: &String, _attempt: u32, _slot: usize) -> Result<Done<String>> {
        let remote = self.tree.remote_path(rel);
        let shown = self.tree.shown_url(rel);
        if self.dirs {
            session.rmdir(&remote).await.with_context(|| format!("removing {shown}"))?;
        } else {
            session.remove(&remote).await.with_context(|| format!("deleting {shown}"))?;
        }
        self.tally.deleted(1);
        Ok(Done::nothing())
    }

    fn describe(&self, rel: &String) -> String {
        rel.clone()
    }

    fn retrying(&self, rel: &String, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, rel, error, delay);
    }
}
