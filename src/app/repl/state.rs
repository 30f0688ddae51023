//! What the shell remembers between commands: the flags, the open connection, the terminal,
//! the names completion offers, and the transfer in flight (so Ctrl-C can say what it left
//! behind).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use super::connection::Connection;
use super::listing::Screen;
use crate::app::context::Context;
use crate::app::local;
use crate::app::progress::ProgressMode;
use crate::app::render::Output;
use crate::app::transfers::Moving;
use crate::cli::GlobalArgs;
use crate::engine::Trace;
use crate::proto::listing::{Entry, EntryKind};

/// A remote name offered by completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteName {
    pub name: String,
    pub dir: bool,
}

pub struct Shell {
    /// The command line's flags, with `set` changes: what the next `open` uses.
    pub base: GlobalArgs,
    pub out: Output,
    pub progress: ProgressMode,
    pub trace: Option<Arc<dyn Trace>>,
    /// A person at a terminal (not a script).
    pub interactive: bool,
    pub screen: Screen,
    pub conn: Option<Connection>,
    /// Listings of remote directories for completion, by the path as typed ("" = current).
    pub names: HashMap<String, Vec<RemoteName>>,
    /// The file a transfer is moving now, for what Ctrl-C says it left behind.
    pub inflight: Cell<Option<Moving>>,
    /// The shell's own connection while a command runs on another site's (a URL of another
    /// site, `repl::urls`); back in `conn` when that command ends or is cut short.
    pub parked: Option<Option<Connection>>,
}

impl Shell {
    pub fn new(ctx: Context, interactive: bool) -> Self {
        Self {
            base: ctx.args,
            out: ctx.out,
            progress: ctx.progress,
            trace: ctx.trace,
            interactive,
            screen: Screen::detect(),
            conn: None,
            names: HashMap::new(),
            inflight: Cell::new(None),
            parked: None,
        }
    }

    /// `pasv user@host:/dir> `, or `pasv> ` when not connected.
    pub fn prompt(&self) -> String {
        match &self.conn {
            Some(conn) => format!(
                "pasv {}@{}:{}> ",
                crate::app::escape(conn.user()),
                crate::app::escape(conn.host()),
                crate::app::escape(&conn.cwd)
            ),
            None => "pasv> ".to_string(),
        }
    }

    /// Sessions used at once by mget/mput (`set parallel`, `-j`; one by default).
    pub fn parallel(&self) -> usize {
        self.base.parallel.unwrap_or(1).max(1)
    }

    pub fn note(&self, text: &str) {
        if !self.base.quiet && !self.base.json {
            eprintln!("{text}");
        }
    }

    /// Remembers a directory's entries for completion.
    pub fn remember_names(&mut self, dir: &str, entries: &[Entry]) {
        let names = entries
            .iter()
            .map(|e| RemoteName { name: e.name.clone(), dir: matches!(e.kind, EntryKind::Dir | EntryKind::Link) })
            .collect();
        self.names.insert(dir.to_string(), names);
    }

    /// Names in a remote directory for completion: cached, else listed now. Empty when not
    /// connected or the listing fails (completion must never print or fail loudly).
    pub async fn remote_names(&mut self, dir: &str) -> Vec<RemoteName> {
        if let Some(names) = self.names.get(dir) {
            return names.clone();
        }
        let Some(conn) = self.conn.as_mut() else { return Vec::new() };
        let path = if dir.is_empty() { None } else { Some(dir) };
        let mut listing = None;
        for _ in 0..2 {
            let Ok(session) = conn.session().await else { return Vec::new() };
            match session.list(path).await {
                Ok(l) => {
                    listing = Some(l);
                    break;
                }
                Err(e) => {
                    let e = anyhow::Error::new(e);
                    if super::connection::is_lost(&e) || super::connection::is_out_of_step(&e) {
                        conn.drop_session();
                        continue;
                    }
                    break;
                }
            }
        }
        let Some(listing) = listing else { return Vec::new() };
        self.remember_names(dir, &listing.entries);
        self.names.get(dir).cloned().unwrap_or_default()
    }

    /// After Ctrl-C dropped a command half-way: gets the session back in step (or drops it
    /// for a new login with the next command) and says what happened to the transfer.
    pub async fn after_cancel(&mut self) {
        if let Some(conn) = self.conn.as_mut()
            && let Some(session) = conn.current()
        {
            let recovered = tokio::time::timeout(std::time::Duration::from_secs(8), session.abort_after_cancel()).await;
            if !matches!(recovered, Ok(Ok(()))) {
                // Out of step for good: a new login with the next command is cheaper than
                // guessing which reply belongs to what.
                conn.drop_session();
            }
        }
        self.names.clear();
        match self.inflight.take() {
            Some(Moving::Download { target }) => {
                let part = match local::destination(&target) {
                    Ok(local::Destination::File(file)) => local::part_path(&file),
                    _ => local::part_path(&target),
                };
                let kept = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
                if kept > 0 {
                    eprintln!(
                        "pasv: interrupted; partial data ({kept} bytes) kept in {}; `get -c` resumes it",
                        part.display()
                    );
                } else {
                    let _ = std::fs::remove_file(&part);
                    eprintln!("pasv: interrupted; nothing was saved to {}", target.display());
                }
            }
            Some(Moving::Upload { remote }) => {
                eprintln!(
                    "pasv: interrupted; the remote {} may be incomplete; `put -c` resumes it",
                    crate::app::escape(&remote)
                );
            }
            None => eprintln!("pasv: interrupted"),
        }
        // A command on another site's connection, cut short: the shell's own comes back.
        self.unpark().await;
    }

    /// Puts `other` in place of the shell's connection for one command (see [`Shell::unpark`]).
    pub fn park(&mut self, other: Connection) {
        let own = self.conn.replace(other);
        self.parked = Some(own);
        // Completion's names belong to the shell's own site.
        self.names.clear();
    }

    /// Closes the connection a command borrowed from another site and brings the shell's own
    /// back; nothing to do when no command borrowed one.
    pub async fn unpark(&mut self) {
        let Some(own) = self.parked.take() else { return };
        if let Some(other) = std::mem::replace(&mut self.conn, own) {
            other.close().await;
        }
        self.names.clear();
    }

    /// Closes the connection (QUIT).
    pub async fn close(&mut self) {
        self.unpark().await;
        if let Some(conn) = self.conn.take() {
            conn.close().await;
        }
        self.names.clear();
    }
}
