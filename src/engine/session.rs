//! A logged-in FTP session: the API both front ends use. This file holds the value, what it
//! tells about the server and the one-command operations (directories, names, sizes, times,
//! QUIT); opening a session is in [`super::connect`], its transfers in [`super::transfer`],
//! listings in [`super::listing`], and many files in a row in [`super::download_sequence`]
//! and [`super::upload_sequence`].
//!
//! A transfer borrows `&mut Session`, so only one data connection can be open at a time and no
//! flag has to remember it. Paths are remote paths as the user wrote them (relative to the
//! login directory unless they start with `/`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::control::{ControlChannel, check, unreadable};
use super::data::DataState;
use super::tls::{TlsClient, TlsContext, TlsInfo};
use super::{Config, DataMethod, Error};
use crate::proto::listing::EntryKind;
use crate::proto::{Arg, Command, Features, Reading, Reply, facts};

/// Type, size and time of one remote path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileStat {
    pub path: String,
    pub kind: EntryKind,
    pub size: Option<u64>,
    pub modified: Option<i64>,
}

/// Fields are visible to the rest of the engine so that features can live in their own files
/// (`impl Session` blocks in sibling modules) without growing this one.
pub struct Session {
    pub(super) control: ControlChannel,
    pub(super) config: Arc<Config>,
    pub(super) tls: Option<TlsContext>,
    pub(super) protect_data: bool,
    pub(super) features: Features,
    /// How this session opens data connections, and what it learned about EPSV.
    pub(super) data: DataState,
    pub(super) binary: bool,
    pub(super) buffer: Vec<u8>,
    pub(super) greeting: Reply,
    /// How the server reads commands during a transfer, as its greeting tells.
    pub(super) reading: Reading,
    pub(super) control_tls: Option<TlsInfo>,
    /// `OPTS HASH` was accepted on this connection: HASH uses that algorithm from now on.
    pub(super) hash_selected: bool,
    /// The server answered 500/502/504 to its checksum command: not asked again.
    pub(super) checksum_refused: bool,
    /// Whether the last data connection's TLS handshake resumed the control connection's
    /// session, until its transfer's final reply is read.
    pub(super) data_resumed: Option<bool>,
    /// Whether transfers may be pipelined (engine/pipelining.rs), maybe shared with a pool.
    pub(super) pipelining: super::Pipelining,
}

impl Session {
    pub fn features(&self) -> &Features {
        &self.features
    }

    pub fn greeting(&self) -> &Reply {
        &self.greeting
    }

    pub fn peer(&self) -> SocketAddr {
        self.control.peer
    }

    pub fn control_tls(&self) -> Option<&TlsInfo> {
        self.control_tls.as_ref()
    }

    /// The TLS sessions the control connection handed its data connections (`None` without
    /// TLS), for `pasv doctor`.
    pub fn ticket_supply(&self) -> Option<super::TicketSupply> {
        self.tls.as_ref().map(|t| t.supply())
    }

    /// Which method this session settled on (EPSV or PASV once a data connection was made;
    /// active mode at once), for `-v` and `--json`.
    pub fn passive_mode(&self) -> Option<DataMethod> {
        self.data.method()
    }

    /// The policy this session was opened with (shared with the sessions opened from the same
    /// [`super::Settings`]).
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    pub(crate) fn tls_client(&self) -> Option<&TlsClient> {
        self.tls.as_ref().map(TlsContext::client)
    }

    pub async fn pwd(&mut self) -> Result<String, Error> {
        let reply = self.control.expect(&Command::PrintDir, &[257]).await?;
        let path = facts::directory(&reply);
        // A directory with CR, LF or NUL cannot be sent back in a CWD: that is the server's
        // protocol violation (exit 8), not a bad name from the user (exit 2).
        if path.contains(['\r', '\n', '\0']) {
            return Err(unreadable(&Command::PrintDir, &reply));
        }
        Ok(path)
    }

    pub async fn cwd(&mut self, path: &str) -> Result<(), Error> {
        self.control.expect(&Command::ChangeDir(Arg::new(path)?), &[250, 200]).await.map(drop)
    }

    pub async fn cdup(&mut self) -> Result<(), Error> {
        self.control.expect(&Command::ChangeDirUp, &[250, 200]).await.map(drop)
    }

    pub async fn mkdir(&mut self, path: &str) -> Result<(), Error> {
        self.control.expect(&Command::MakeDir(Arg::new(path)?), &[257, 250]).await.map(drop)
    }

    /// `mkdir -p`: creates each missing component; components that exist are fine.
    pub async fn mkdir_all(&mut self, path: &str) -> Result<(), Error> {
        let absolute = path.starts_with('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let prefixes: Vec<String> =
            (0..parts.len()).map(|i| format!("{}{}", if absolute { "/" } else { "" }, parts[..=i].join("/"))).collect();
        if self.answers_in_order() && prefixes.len() > 1 {
            return self.mkdir_levels(&prefixes).await;
        }
        // Most often only the last component is missing (a mirror's new target): one MKD does
        // it. A refusal (a missing parent, or the path exists) walks the components.
        if parts.len() > 1 {
            match self.mkdir(path).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_permanent_refusal() => {}
                Err(e) => return Err(e),
            }
        }
        for prefix in &prefixes {
            if let Err(e) = self.mkdir(prefix).await
                && (!e.is_permanent_refusal() || !self.is_dir(prefix).await?)
            {
                return Err(e);
            }
        }
        Ok(())
    }

    /// `mkdir -p` where the server answers in order: an MKD for every level in one write,
    /// one round trip whichever levels exist (RFC 959 lets a client send commands before the
    /// replies to earlier ones). Levels that were refused are looked at only when the last one
    /// was: the first that is not a directory is the error.
    async fn mkdir_levels(&mut self, prefixes: &[String]) -> Result<(), Error> {
        let commands =
            prefixes.iter().map(|p| Ok(Command::MakeDir(Arg::new(p.as_str())?))).collect::<Result<Vec<_>, Error>>()?;
        self.control.send_batch(&commands).await?;
        let mut refused = Vec::new();
        for (command, prefix) in commands.iter().zip(prefixes) {
            if let Err(e) = check(command, self.control.read_reply().await?, &[257, 250]) {
                refused.push((prefix, e));
            }
        }
        // The last level made: the refusals were levels that exist.
        let Some((last, last_error)) = refused.pop().filter(|(p, _)| Some(*p) == prefixes.last()) else {
            return Ok(());
        };
        if self.is_dir(last).await? {
            return Ok(());
        }
        // The first level that is not a directory is the cause; else the last level's refusal.
        for (prefix, e) in refused {
            if !e.is_permanent_refusal() || !self.is_dir(prefix).await? {
                return Err(e);
            }
        }
        Err(last_error)
    }

    /// True when `path` is a directory we can enter (CWD there and back).
    pub async fn is_dir(&mut self, path: &str) -> Result<bool, Error> {
        let here = self.pwd().await?;
        match self.cwd(path).await {
            Ok(()) => {
                self.cwd(&here).await?;
                Ok(true)
            }
            Err(e) if e.is_permanent_refusal() => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn remove(&mut self, path: &str) -> Result<(), Error> {
        self.control.expect(&Command::Delete(Arg::new(path)?), &[250, 200]).await.map(drop)
    }

    pub async fn rmdir(&mut self, path: &str) -> Result<(), Error> {
        self.control.expect(&Command::RemoveDir(Arg::new(path)?), &[250, 200]).await.map(drop)
    }

    /// DELE of `file`, then RMD of `dir` (the file's directory, once empty): in one write
    /// where the server answers in order, a round trip less; one after the other elsewhere.
    /// Each command's outcome; `Err` only when the session broke.
    pub async fn remove_with_dir(&mut self, file: &str, dir: &str) -> Result<[Result<(), Error>; 2], Error> {
        if !self.answers_in_order() {
            let removed = self.remove(file).await;
            if let Err(e) = &removed
                && !e.leaves_session_in_step()
            {
                return Err(removed.unwrap_err());
            }
            let gone = self.rmdir(dir).await;
            if let Err(e) = &gone
                && !e.leaves_session_in_step()
            {
                return Err(gone.unwrap_err());
            }
            return Ok([removed, gone]);
        }
        let commands = [Command::Delete(Arg::new(file)?), Command::RemoveDir(Arg::new(dir)?)];
        self.control.send_batch(&commands).await?;
        let (removed, gone) = (self.control.read_reply().await?, self.control.read_reply().await?);
        let [delete, remove_dir] = &commands;
        Ok([check(delete, removed, &[250, 200]).map(drop), check(remove_dir, gone, &[250, 200]).map(drop)])
    }

    /// RNFR and RNTO (RFC 959 section 4.1.3).
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), Error> {
        self.rename_then(from, to, &[]).await
    }

    /// RNFR and RNTO, then `after` (commands whose replies the caller reads), in one write
    /// where the server answers commands in order; one at a time elsewhere
    /// ([`Session::answers_in_order`]), where `after` must be empty. A refused RNFR makes the server
    /// refuse the RNTO after it too (503): RNFR's refusal is the error.
    pub(super) async fn rename_then(&mut self, from: &str, to: &str, after: &[Command]) -> Result<(), Error> {
        let [from, to] = [Command::RenameFrom(Arg::new(from)?), Command::RenameTo(Arg::new(to)?)];
        if !self.answers_in_order() {
            debug_assert!(after.is_empty(), "nothing is pipelined to this server");
            self.control.expect(&from, &[350]).await?;
            return self.control.expect(&to, &[250, 200]).await.map(drop);
        }
        let wire: Vec<Command> = [from.clone(), to.clone()].into_iter().chain(after.iter().cloned()).collect();
        self.control.send_batch(&wire).await?;
        let from_reply = self.control.read_reply().await?;
        let to_reply = self.control.read_reply().await?;
        check(&from, from_reply, &[350])?;
        check(&to, to_reply, &[250, 200]).map(drop)
    }

    /// SIZE (RFC 3659 section 4), in binary mode so the count is in bytes.
    pub async fn size(&mut self, path: &str) -> Result<u64, Error> {
        self.ensure_binary().await?;
        let command = Command::Size(Arg::new(path)?);
        let reply = self.control.command(&command).await?;
        size_in(&command, reply)
    }

    /// MDTM (RFC 3659 section 3), as Unix seconds.
    pub async fn modified(&mut self, path: &str) -> Result<i64, Error> {
        let command = Command::ModificationTime(Arg::new(path)?);
        let reply = self.control.expect(&command, &[213]).await?;
        facts::modified(&reply).ok_or_else(|| unreadable(&command, &reply))
    }

    /// Size and modification time of a file about to be downloaded, in one round trip: MLST
    /// where offered (RFC 3659 section 7), else SIZE and MDTM sent together (sections 4 and
    /// 3) where the server answers in order ([`Session::answers_in_order`]), one after the
    /// other elsewhere. A refused or unreadable answer is `None` (`fetch` then asks SIZE itself); only
    /// a broken session is an error.
    pub async fn size_and_modified(&mut self, path: &str) -> Result<(Option<u64>, Option<i64>), Error> {
        if self.features.mlst {
            return match self.machine_stat(path).await {
                Ok(stat) => Ok(stat.map_or((None, None), |s| (s.size, s.modified))),
                Err(e) if e.reply_code().is_some() => Ok((None, None)),
                Err(e) => Err(e),
            };
        }
        if !self.features.mdtm {
            return Ok((None, None));
        }
        self.ensure_binary().await?;
        let arg = Arg::new(path)?;
        let [size, modified] = [Command::Size(arg.clone()), Command::ModificationTime(arg)];
        let (size, modified) = if self.answers_in_order() {
            self.control.send_batch(&[size, modified]).await?;
            (self.control.read_reply().await?, self.control.read_reply().await?)
        } else {
            (self.control.command(&size).await?, self.control.command(&modified).await?)
        };
        Ok((facts::size(&size), facts::modified(&modified)))
    }

    /// [`Session::size_and_modified`] of each of `paths` in one round trip: MLSTs sent in one
    /// write, where the server offers MLST and answers in order. `None` (nothing sent) where
    /// it would take a round trip per path anyway: the caller asks as it needs.
    pub async fn sizes_and_times_at_once(
        &mut self,
        paths: &[String],
    ) -> Result<Option<Vec<(Option<u64>, Option<i64>)>>, Error> {
        if !self.features.mlst || !self.answers_in_order() {
            return Ok(None);
        }
        let commands = paths
            .iter()
            .map(|path| Ok(Command::MachineList(Some(Arg::new(path)?))))
            .collect::<Result<Vec<_>, Error>>()?;
        self.control.send_batch(&commands).await?;
        let mut facts = Vec::with_capacity(commands.len());
        for _ in &commands {
            let reply = self.control.read_reply().await?;
            let entry = if reply.code.0 == 250 { facts::machine_facts(&reply) } else { None };
            facts.push(entry.map_or((None, None), |entry| (entry.size, entry.modified)));
        }
        Ok(Some(facts))
    }

    /// MLST's facts for one path; `None` when the reply carries none.
    async fn machine_stat(&mut self, path: &str) -> Result<Option<FileStat>, Error> {
        let command = Command::MachineList(Some(Arg::new(path)?));
        let reply = self.control.expect(&command, &[250]).await?;
        Ok(facts::machine_facts(&reply).map(|entry| FileStat {
            path: path.to_string(),
            kind: entry.kind,
            size: entry.size,
            modified: entry.modified,
        }))
    }

    /// Type, size and time: MLST when offered (RFC 3659 section 7), else SIZE and MDTM.
    pub async fn stat(&mut self, path: &str) -> Result<FileStat, Error> {
        if self.features.mlst
            && let Some(stat) = self.machine_stat(path).await?
        {
            return Ok(stat);
        }
        let size = self.size(path).await;
        let modified = if self.features.mdtm || !self.features.mlst { self.modified(path).await.ok() } else { None };
        match size {
            Ok(size) => Ok(FileStat { path: path.to_string(), kind: EntryKind::File, size: Some(size), modified }),
            Err(e) if e.is_permanent_refusal() && self.is_dir(path).await? => {
                Ok(FileStat { path: path.to_string(), kind: EntryKind::Dir, size: None, modified })
            }
            Err(e) => Err(e),
        }
    }

    /// Sends one raw command line and returns the final reply, whatever its code.
    pub async fn quote(&mut self, line: &str) -> Result<Reply, Error> {
        let command = Command::Raw(Arg::new(line)?);
        self.control.command(&command).await
    }

    /// NOOP: keeps the session alive and proves it still is.
    pub async fn noop(&mut self) -> Result<(), Error> {
        self.control.expect(&Command::Noop, &[200]).await.map(drop)
    }

    /// QUIT, politely and briefly: the session is over either way.
    pub async fn quit(mut self) -> Result<(), Error> {
        let result = async {
            self.control.send(&Command::Quit).await?;
            self.control.read_reply_for("the reply to QUIT", Duration::from_secs(2)).await
        }
        .await;
        self.control.shutdown().await;
        result.map(drop)
    }
}

/// The byte count in a reply to SIZE.
pub(super) fn size_in(command: &Command, reply: Reply) -> Result<u64, Error> {
    let reply = check(command, reply, &[213])?;
    facts::size(&reply).ok_or_else(|| unreadable(command, &reply))
}
