//! A logged-in FTP session: the API both front ends use.
//!
//! A transfer borrows `&mut Session`, so only one data connection can be open at a time and no
//! flag has to remember it. Paths are remote paths as the user wrote them (relative to the
//! login directory unless they start with `/`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::control::{ControlChannel, check};
use super::data::{self, DataState};
use super::noop;
use super::ratelimit::Limited;
use super::stream::Stream;
use super::tls::{self, TlsClient, TlsContext, TlsInfo};
use super::transfer::{self, DownloadCheck};
use super::{Config, Credentials, DataMethod, Endpoint, Error, Progress, Settings, TlsMode, Trace, TraceEvent};
use crate::proto::command::{ProtectionLevel, TransferType};
use crate::proto::listing::{self, EntryKind, Listing};
use crate::proto::{Arg, Command, Features, MtimeMethod, Reply, ReplyClass, ReplyCode, facts};

/// What a finished transfer did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TransferSummary {
    /// Bytes moved by this transfer (not counting a resumed prefix).
    pub bytes: u64,
    /// Bytes that were already there (resume).
    pub offset: u64,
    /// The full size, when the server told it.
    pub total: Option<u64>,
    #[serde(serialize_with = "serialize_secs")]
    pub elapsed: Duration,
    /// TLS of the data connection.
    pub tls: Option<TlsInfo>,
    /// Uploads: what the size check after the 226 found.
    pub size_check: SizeCheck,
}

/// What the size check after an upload's 226 found (SIZE, RFC 3659 section 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub enum SizeCheck {
    /// Not checked: a download, a length not known in advance (stdin), a server without SIZE.
    #[default]
    None,
    /// The server has the file, at the size sent.
    Matched,
    /// The server confirmed the file (226), then answered 550 to SIZE: a drop-box directory
    /// (incoming, EDI) that moves or hides what it accepted at once. Accepted, not verified.
    Gone,
}

fn serialize_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// How an upload treats an existing remote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadMode {
    Replace,
    /// Append to the remote file, which has `offset` bytes already (APPE).
    Append {
        offset: u64,
    },
}

/// Type, size and time of one remote path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileStat {
    pub path: String,
    pub kind: EntryKind,
    pub size: Option<u64>,
    pub modified: Option<i64>,
}

/// Refuses listings larger than this many bytes: memory stays bounded.
const LISTING_LIMIT: u64 = 64 * 1024 * 1024;
/// How many times a listing that was cut short is asked for (`Session::read_whole_listing`).
const LISTING_ATTEMPTS: u32 = 3;

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
    pub(super) control_tls: Option<TlsInfo>,
    /// `OPTS HASH` was accepted on this connection: HASH uses that algorithm from now on.
    pub(super) hash_selected: bool,
    /// The server answered 500/502/504 to its checksum command: not asked again.
    pub(super) checksum_refused: bool,
    /// Whether the last data connection's TLS handshake resumed the control connection's
    /// session, until its transfer's final reply is read.
    pub(super) data_resumed: Option<bool>,
    /// Whether transfers may be pipelined (engine/pipeline.rs), maybe shared with a pool.
    pub(super) pipelining: super::Pipelining,
}

impl Session {
    /// A session on its own: checks `config` and builds its TLS setup for this one session,
    /// then connects as [`Session::open`] does. Sessions that should share their settings (a
    /// pool's) are opened from one [`Settings`] instead.
    pub async fn connect(
        config: Arc<Config>,
        endpoint: &Endpoint,
        credentials: &Credentials,
        trace: Option<Arc<dyn Trace>>,
    ) -> Result<Self, Error> {
        let settings = Settings::new(endpoint.clone(), credentials.clone(), Arc::unwrap_or_clone(config))?;
        Self::open(&settings, trace).await
    }

    /// Connects, upgrades to TLS when asked, logs in and reads the server's features, with
    /// settings that other sessions may share: nothing in them is read or checked again.
    pub async fn open(settings: &Settings, trace: Option<Arc<dyn Trace>>) -> Result<Self, Error> {
        let config = settings.config().clone();
        let tls = settings.tls().map(TlsClient::session);
        let endpoint = settings.endpoint();
        let tcp = connect_any(endpoint, &config, trace.as_deref()).await?;
        let mut control_tls = None;
        let stream = match (&tls, config.tls.mode) {
            (Some(ctx), TlsMode::Implicit) => {
                let stream = tokio::time::timeout(config.timeout, ctx.connect_control(tcp))
                    .await
                    .map_err(|_| Error::Timeout { waiting_for: "the TLS handshake", after: config.timeout })??;
                control_tls = Some(tls::info(&stream));
                Stream::Tls(Box::new(stream))
            }
            _ => Stream::Plain(tcp),
        };
        let mut control = ControlChannel::new(stream, config.reply_limits, config.timeout, trace)?;
        if let Some(info) = &control_tls {
            trace_tls(&control, "control", info);
        }
        let greeting = read_greeting(&mut control, config.tls.mode == TlsMode::Implicit).await?;
        let mut session = Self {
            control,
            protect_data: tls.is_some() && !config.tls.clear_data,
            tls,
            features: Features::default(),
            data: DataState::new(config.data),
            binary: false,
            buffer: vec![0; buffer_len(&config)],
            config,
            greeting,
            control_tls,
            hash_selected: false,
            checksum_refused: false,
            data_resumed: None,
            pipelining: super::Pipelining::default(),
        };
        if session.config.tls.mode == TlsMode::Explicit {
            session.upgrade_control().await?;
        }
        session.login(settings.credentials()).await?;
        if session.tls.is_some() {
            session.protect().await?;
        }
        let feat = session.control.command(&Command::Features).await?;
        session.features = Features::parse(&feat);
        if session.features.utf8 {
            // RFC 2640 section 3.1; a refusal changes nothing, names are bytes either way.
            let _ = session.control.command(&Command::OptsUtf8).await?;
        }
        Ok(session)
    }

    /// AUTH TLS (RFC 4217 section 4). A refusal stops the session before USER/PASS: never a
    /// silent fallback to plain text.
    async fn upgrade_control(&mut self) -> Result<(), Error> {
        let reply = self.control.command(&Command::AuthTls).await?;
        if reply.code != ReplyCode::AUTH_OK {
            return Err(Error::TlsRefused {
                command: (&Command::AuthTls).into(),
                code: reply.code,
                text: reply.text(),
            });
        }
        let dropped = self.control.discard_buffered();
        if dropped > 0 {
            self.control.note(format!("discarded {dropped} bytes the server sent before the TLS handshake"));
        }
        let Some(ctx) = self.tls.clone() else {
            return Err(Error::TlsSetup { detail: "no TLS context".into() });
        };
        let Some(Stream::Plain(tcp)) = self.control.take_stream() else {
            return Err(Error::ControlClosed);
        };
        let timeout = self.config.timeout;
        let stream = tokio::time::timeout(timeout, ctx.connect_control(tcp))
            .await
            .map_err(|_| Error::Timeout { waiting_for: "the TLS handshake", after: timeout })??;
        let info = tls::info(&stream);
        trace_tls(&self.control, "control", &info);
        self.control_tls = Some(info);
        self.control.put_stream(Stream::Tls(Box::new(stream)));
        Ok(())
    }

    /// PBSZ 0 and PROT P (RFC 4217 sections 8 and 9): a refusal of PROT P stops the session
    /// before any data connection, unless clear data was asked for.
    async fn protect(&mut self) -> Result<(), Error> {
        let pbsz = Command::ProtectionBufferSize;
        let reply = self.control.command(&pbsz).await?;
        if reply.class() != ReplyClass::Completion {
            return Err(Error::TlsRefused { command: (&pbsz).into(), code: reply.code, text: reply.text() });
        }
        let level = if self.protect_data { ProtectionLevel::Private } else { ProtectionLevel::Clear };
        let command = Command::Protection(level);
        let reply = self.control.command(&command).await?;
        if reply.class() != ReplyClass::Completion {
            return Err(Error::TlsRefused { command: (&command).into(), code: reply.code, text: reply.text() });
        }
        Ok(())
    }

    async fn login(&mut self, credentials: &Credentials) -> Result<(), Error> {
        let user = Command::User(Arg::new(credentials.user.clone())?);
        let reply = self.control.command(&user).await?;
        let reply = match reply.code.0 {
            230 => return Ok(()),
            331 | 332 => {
                let pass = Command::Password(Arg::new(credentials.password.expose().to_string())?);
                self.control.command(&pass).await?
            }
            _ => reply,
        };
        match reply.code.0 {
            230 | 202 => Ok(()),
            421 => Err(Error::Unavailable { code: reply.code, text: reply.text() }),
            _ => Err(Error::Login { code: reply.code, text: reply.text() }),
        }
    }

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
    /// [`Settings`]).
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
            return Err(Error::Unexpected {
                command: (&Command::PrintDir).into(),
                code: reply.code,
                text: reply.text(),
            });
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
        if !self.features.mlst && prefixes.len() > 1 {
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
        let Some((last, _)) = refused.last().filter(|(p, _)| Some(*p) == prefixes.last()) else {
            return Ok(());
        };
        if self.is_dir(last).await? {
            return Ok(());
        }
        for (prefix, e) in refused {
            if !e.is_permanent_refusal() || !self.is_dir(prefix).await? {
                return Err(e);
            }
        }
        Ok(())
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

    /// RNFR and RNTO (RFC 959 section 4.1.3).
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), Error> {
        self.rename_then(from, to, &[]).await
    }

    /// RNFR and RNTO, then `after` (commands whose replies the caller reads), in one write
    /// where the server answers commands in order; one at a time to servers offering MLST
    /// (see `confirm_upload`), where `after` must be empty. A refused RNFR makes the server
    /// refuse the RNTO after it too (503): RNFR's refusal is the error.
    pub(super) async fn rename_then(&mut self, from: &str, to: &str, after: &[Command]) -> Result<(), Error> {
        let [from, to] = [Command::RenameFrom(Arg::new(from)?), Command::RenameTo(Arg::new(to)?)];
        if self.features.mlst {
            debug_assert!(after.is_empty(), "nothing is pipelined to MLST servers");
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
        facts::modified(&reply).ok_or_else(|| Error::Unexpected {
            command: (&command).into(),
            code: reply.code,
            text: reply.text(),
        })
    }

    /// Size and modification time of a file about to be downloaded, in one round trip: MLST
    /// where offered (RFC 3659 section 7), else SIZE and MDTM sent together (sections 4 and
    /// 3). Never both pipelined to an MLST server: libunftp, for one, answers them out of
    /// order. A refused or unreadable answer is `None` (`fetch` then asks SIZE itself); only
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
        let commands = [Command::Size(arg.clone()), Command::ModificationTime(arg)];
        self.control.send_batch(&commands).await?;
        let size = self.control.read_reply().await?;
        let modified = self.control.read_reply().await?;
        Ok((facts::size(&size), facts::modified(&modified)))
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

    /// A parsed directory listing: MLSD when the server offers MLST, else LIST.
    pub async fn list(&mut self, path: Option<&str>) -> Result<Listing, Error> {
        let arg = path.map(Arg::new).transpose()?;
        self.list_parsed(arg, path).await.map(|(listing, _)| listing)
    }

    /// MLSD when offered (and not refused), else LIST, parsed; true when from MLSD. `named` is
    /// the path being listed, to check an empty LIST against.
    pub(super) async fn list_parsed(
        &mut self,
        arg: Option<Arg>,
        named: Option<&str>,
    ) -> Result<(Listing, bool), Error> {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        if self.features.mlst {
            match self.read_whole_listing(Command::MachineListDir(arg.clone())).await {
                Ok(body) => return Ok((listing::parse_listing(&body, true, now), true)),
                Err(e) if matches!(e.reply_code(), Some(ReplyCode(500..=504))) => {
                    self.control.note("MLSD refused; falling back to LIST");
                }
                Err(e) => return Err(e),
            }
        }
        let command = Command::List(arg);
        let body = self.read_whole_listing(command.clone()).await?;
        // Some servers (vsftpd) answer LIST of a missing path with an empty listing and 226;
        // an empty listing of a named path is only believed when the path is a directory.
        if body.is_empty()
            && let Some(path) = named
            && !self.is_dir(path).await?
        {
            return Err(Error::Rejected {
                command: (&command).into(),
                code: ReplyCode::FILE_UNAVAILABLE,
                text: "no such directory (the server listed nothing and CWD failed)".into(),
            });
        }
        Ok((listing::parse_listing(&body, false, now), false))
    }

    /// A listing with every line whole. One whose last line has no line end was cut short (a
    /// middlebox or NAT dropped the data connection while the server, whose last write had
    /// already left, still said 226): parsing it would skip that line and take the rest of the
    /// directory for absent. It is asked again, [`LISTING_ATTEMPTS`] times in all.
    async fn read_whole_listing(&mut self, command: Command) -> Result<Vec<u8>, Error> {
        let mut attempts = 0;
        loop {
            let body = self.read_listing(command.clone()).await?;
            attempts += 1;
            if body.is_empty() || body.ends_with(b"\n") {
                return Ok(body);
            }
            if attempts >= LISTING_ATTEMPTS {
                return Err(Error::ListingCut { command: (&command).into(), attempts });
            }
            self.control.note(format!(
                "the listing from {command} ends without a line end after {} bytes: cut short, asking again",
                body.len()
            ));
        }
    }

    /// The server's LIST text, unparsed.
    pub async fn list_raw(&mut self, path: Option<&str>) -> Result<Vec<u8>, Error> {
        let arg = path.map(Arg::new).transpose()?;
        self.read_listing(Command::List(arg)).await
    }

    /// NLST: names only (RFC 959 section 4.1.3).
    pub async fn name_list(&mut self, path: Option<&str>) -> Result<Vec<String>, Error> {
        let arg = path.map(Arg::new).transpose()?;
        let body = self.read_listing(Command::NameList(arg)).await?;
        Ok(String::from_utf8_lossy(&body)
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .filter(|l| !l.is_empty())
            .collect())
    }

    pub(super) async fn read_listing(&mut self, command: Command) -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        let mut sink = super::Inline(LimitedSink { out: &mut body, limit: LISTING_LIMIT });
        let mut progress = super::NoProgress;
        self.ensure_ascii_or_binary_for_listing().await?;
        match self.transfer_in(command, &mut sink, 0, &[], None, &mut progress).await {
            Ok(_) => Ok(body),
            Err(Error::Sink(_)) => Err(Error::ListingTooLarge { limit: LISTING_LIMIT }),
            Err(e) => Err(e),
        }
    }

    async fn ensure_ascii_or_binary_for_listing(&mut self) -> Result<(), Error> {
        // Listings are read in whatever type is set; binary keeps line endings as sent.
        self.ensure_binary().await
    }

    /// Downloads `remote` into `sink`. With `offset > 0` the transfer resumes there: `overlap`
    /// holds the last bytes before `offset` that the caller already has, and the server must
    /// send them again first (REST at `offset - overlap.len()`), which proves it honoured
    /// REST; they are compared, not written. The transfer succeeds only with a 226/250 and,
    /// when SIZE answered, the exact byte count.
    pub async fn download<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        remote: &str,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        progress: &mut dyn Progress,
    ) -> Result<TransferSummary, Error> {
        self.fetch(remote, sink, offset, overlap, None, progress).await
    }

    /// [`Session::download`] with the size already known when `size` is given (from a
    /// listing), which saves the SIZE round trip; the byte count is checked against it
    /// either way. Both honour the session's rate limit (none unless one was set).
    pub async fn fetch<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        remote: &str,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        size: Option<u64>,
        progress: &mut dyn Progress,
    ) -> Result<TransferSummary, Error> {
        let total = match size {
            Some(size) => Some(size),
            None if self.features.size || !self.features.mlst => match self.size(remote).await {
                Ok(size) => Some(size),
                Err(e) if e.reply_code().is_some() => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        if let Some(total) = total {
            if offset > total {
                return Err(Error::RemoteChanged {
                    offset,
                    detail: format!("the local file ({offset} bytes) is larger than the remote one ({total} bytes)"),
                });
            }
            if offset == total && offset > 0 {
                return Ok(TransferSummary {
                    bytes: 0,
                    offset,
                    total: Some(total),
                    elapsed: Duration::ZERO,
                    tls: None,
                    size_check: SizeCheck::None,
                });
            }
        }
        let name = crate::proto::name::remote_basename(remote).unwrap_or(remote).to_string();
        progress.start(&name, total, offset);
        let command = Command::Retrieve(Arg::new(remote)?);
        let mut limited = Limited::new(sink, self.config.rate_limit.clone());
        let result = self.transfer_in(command, &mut limited, offset, overlap, total, progress).await;
        progress.finish();
        let (received, elapsed, tls) = result?;
        Ok(TransferSummary { bytes: received, offset, total, elapsed, tls, size_check: SizeCheck::None })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn transfer_in<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        command: Command,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        total: Option<u64>,
        progress: &mut dyn Progress,
    ) -> Result<(u64, Duration, Option<TlsInfo>), Error> {
        self.ensure_binary().await?;
        let started = Instant::now();
        let overlap = &overlap[..overlap.len().min(offset as usize)];
        let pending = data::prepare(&mut self.control, &self.config, &mut self.data).await?;
        if offset > 0 {
            let restart_at = offset - overlap.len() as u64;
            let reply = self.control.expect(&Command::Restart(restart_at), &[350]).await?;
            if !facts::restart_honoured(&reply, restart_at) {
                let detail = format!("its reply was \"350 {}\"", reply.first_line());
                return Err(Error::RestIgnored { offset: restart_at, detail });
            }
        }
        let (stream, tls) = match self.open_transfer(&command, pending).await? {
            Some(opened) => opened,
            // A 226 without any data connection is an empty listing, but not the download of
            // a file whose SIZE promised bytes: accepting it would leave an empty "complete" file.
            None => match total.map(|t| t - offset) {
                Some(expected) if expected > 0 => {
                    return Err(Error::Truncated { received: offset, expected: expected + offset });
                }
                _ => return Ok((0, started.elapsed(), None)),
            },
        };
        let max_bytes = total.map(|t| t - offset);
        let check = DownloadCheck { overlap, max_bytes, offset };
        let received = self.receive_data(stream, sink, progress, check).await?;
        self.finish_transfer(&command).await?;
        if let Some(expected) = max_bytes
            && received.bytes != expected
        {
            return Err(Error::Truncated { received: received.bytes + offset, expected: expected + offset });
        }
        if !received.clean_eof && max_bytes.is_none() {
            return Err(Error::TlsTruncated { received: received.bytes });
        }
        Ok((received.bytes, started.elapsed(), tls))
    }

    /// The data of an open transfer, received into `sink` (with NOOPs on the control
    /// connection meanwhile, if configured), and the data connection closed after it (see
    /// [`transfer::close_received`]). Reading the final reply is left to the caller.
    pub(super) async fn receive_data<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        mut stream: Stream,
        sink: &mut W,
        progress: &mut dyn Progress,
        check: DownloadCheck<'_>,
    ) -> Result<transfer::Received, Error> {
        let timeout = self.config.timeout;
        let receiving = transfer::receive(&mut stream, sink, &mut self.buffer, timeout, progress, check);
        let received = noop::while_sending(&mut self.control, self.config.noop_interval, receiving).await;
        transfer::close_received(stream, &received);
        received
    }

    /// Uploads `source` to `remote` under the session's rate limit. The transfer succeeds only
    /// with a 226/250 and, when the server supports SIZE and `length` is known, a remote size
    /// that matches, or a 550 to SIZE: the server moved the file away once it accepted it
    /// ([`SizeCheck::Gone`]; the caller decides what that means for it).
    pub async fn upload<R: AsyncRead + Unpin + Send + ?Sized>(
        &mut self,
        source: &mut R,
        remote: &str,
        mode: UploadMode,
        length: Option<u64>,
        progress: &mut dyn Progress,
    ) -> Result<TransferSummary, Error> {
        self.upload_stamped(source, remote, mode, length, None, progress).await.map(|(summary, _)| summary)
    }

    /// As [`Session::upload`], then gives the file the modification time `stamp` (Unix
    /// seconds, with a method this server is known to accept). The size check and the time go
    /// out in one write, where the server answers commands in order. The stamp's own outcome
    /// is returned beside the summary: a refused time does not fail the upload.
    pub async fn upload_stamped<R: AsyncRead + Unpin + Send + ?Sized>(
        &mut self,
        source: &mut R,
        remote: &str,
        mode: UploadMode,
        length: Option<u64>,
        stamp: Option<(i64, MtimeMethod)>,
        progress: &mut dyn Progress,
    ) -> Result<(TransferSummary, Option<Result<(), Error>>), Error> {
        self.ensure_binary().await?;
        let started = Instant::now();
        let (command, offset) = match mode {
            UploadMode::Replace => (Command::Store(Arg::new(remote)?), 0),
            UploadMode::Append { offset } => (Command::Append(Arg::new(remote)?), offset),
        };
        let name = crate::proto::name::remote_basename(remote).unwrap_or(remote).to_string();
        let total = length.map(|l| l + offset);
        progress.start(&name, total, offset);
        let mut limited = Limited::new(source, self.config.rate_limit.clone());
        let result = self.transfer_out(&command, &mut limited, progress).await;
        progress.finish();
        let (bytes, tls) = result?;
        let expected = total.filter(|_| self.features.size);
        let methods = stamp.map(|(unix, method)| (unix, [method]));
        let stamp = methods.as_ref().map(|(unix, method)| (*unix, method.as_slice()));
        let checks = UploadChecks::new(remote, expected.is_some(), stamp)?;
        let (actual, stamped) = self.confirm_upload(&checks, &[]).await?;
        let stamped = stamped.map(|outcome| outcome.map(drop));
        let size_check = match expected {
            Some(expected) => judge_size(actual, expected)?,
            None => SizeCheck::None,
        };
        // A time refused for a file that is gone says nothing about the method.
        let stamped = stamped.filter(|_| size_check != SizeCheck::Gone);
        Ok((TransferSummary { bytes, offset, total, elapsed: started.elapsed(), tls, size_check }, stamped))
    }

    /// After an upload: its [`UploadChecks`], then `after` (commands whose replies the caller
    /// reads: the next file's EPSV and STOR), in one write where the server answers commands
    /// in order. One at a time to servers offering MLST, where `after` must be empty:
    /// libunftp, for one, answers SIZE and a time command from separate tasks, in either
    /// order. The size and the time come back as their own outcomes (no time after a refused
    /// SIZE there); only a broken session is an `Err`.
    pub(super) async fn confirm_upload(
        &mut self,
        checks: &UploadChecks,
        after: &[Command],
    ) -> Result<Confirmed, Error> {
        if self.features.mlst {
            debug_assert!(after.is_empty(), "nothing is pipelined to MLST servers");
            let actual = match &checks.size {
                Some(command) => Some(size_in(command, self.control.command(command).await?)),
                None => None,
            };
            if let Some(Err(_)) = actual {
                return Ok((actual, None));
            }
            let mut outcomes = Vec::with_capacity(checks.stamps.len());
            for (command, method) in &checks.stamps {
                let reply = self.control.command(command).await?;
                let outcome = super::mtime::stamped(command, *method, reply).map(|()| *method);
                let accepted = outcome.is_ok();
                outcomes.push(outcome);
                if accepted {
                    break;
                }
            }
            return Ok((actual, first_accepted(outcomes)));
        }
        let wire = checks.wire(after);
        if !wire.is_empty() {
            self.control.send_batch(&wire).await?;
        }
        self.read_checks(checks).await
    }

    /// The replies to `checks`, sent earlier in one write (by [`Session::confirm_upload`], or
    /// before the transfer's end where the server reads commands only between transfers).
    pub(super) async fn read_checks(&mut self, checks: &UploadChecks) -> Result<Confirmed, Error> {
        let actual = match &checks.size {
            Some(command) => Some(size_in(command, self.control.read_reply().await?)),
            None => None,
        };
        let mut outcomes = Vec::with_capacity(checks.stamps.len());
        for (command, method) in &checks.stamps {
            outcomes.push(super::mtime::stamped(command, *method, self.control.read_reply().await?).map(|()| *method));
        }
        Ok((actual, first_accepted(outcomes)))
    }

    pub(super) async fn transfer_out<R: AsyncRead + Unpin + Send + ?Sized>(
        &mut self,
        command: &Command,
        source: &mut R,
        progress: &mut dyn Progress,
    ) -> Result<(u64, Option<TlsInfo>), Error> {
        let pending = data::prepare(&mut self.control, &self.config, &mut self.data).await?;
        let Some((mut stream, tls)) = self.open_transfer(command, pending).await? else {
            return Err(Error::NoCompletion);
        };
        let timeout = self.config.timeout;
        let sending = transfer::send(source, &mut stream, &mut self.buffer, timeout, progress);
        let sent = noop::while_sending(&mut self.control, self.config.noop_interval, sending).await;
        drop(stream);
        let sent = sent?;
        self.finish_transfer(command).await?;
        Ok((sent, tls))
    }

    /// Waits for the final reply of a transfer: 226 or 250, anything else fails it.
    pub(super) async fn finish_transfer(&mut self, command: &Command) -> Result<(), Error> {
        self.finish_transfer_ahead(command, false).await
    }

    /// As `finish_transfer`, with an EPSV for the next transfer already sent
    /// (`epsv_ahead`, engine/pipeline.rs).
    pub(super) async fn finish_transfer_ahead(&mut self, command: &Command, epsv_ahead: bool) -> Result<(), Error> {
        let mut early = None;
        let outcome = self.read_transfer_end(command, epsv_ahead, &mut early).await;
        // After this transfer's replies, whatever happened to them, the 229 is next.
        if early.is_some() {
            self.control.early = early;
        }
        outcome
    }

    async fn read_transfer_end(
        &mut self,
        command: &Command,
        epsv_ahead: bool,
        early: &mut Option<Reply>,
    ) -> Result<(), Error> {
        let timeout = self.config.timeout;
        let reply = loop {
            let reply = match self.control.read_reply_for("the end-of-transfer reply (226)", timeout).await {
                Ok(reply) => reply,
                Err(Error::ControlClosed) => return Err(Error::NoCompletion),
                Err(e) => return Err(e),
            };
            // A NOOP sent during the transfer, answered before the transfer's own reply.
            if self.control.owed_noops > 0 && noop::answers_noop(&reply) {
                self.control.owed_noops -= 1;
                continue;
            }
            // The 229 to the EPSV sent ahead, answered before this transfer's 226 by a server
            // that replies to commands as it reads them (libunftp sends its 226 from the data
            // task): no transfer ends with a 229, so it waits for its turn.
            if epsv_ahead && reply.code.0 == 229 && early.is_none() {
                *early = Some(reply);
                continue;
            }
            break reply;
        };
        // The rest come after it (servers that read commands only between transfers).
        while self.control.owed_noops > 0 {
            let late = self.control.read_reply_for("the reply to a NOOP sent during the transfer", timeout).await?;
            self.control.owed_noops -= 1;
            if !noop::answers_noop(&late) {
                return Err(Error::Unexpected { command: (&Command::Noop).into(), code: late.code, text: late.text() });
            }
        }
        // 425/426 (RFC 959), 522 (vsftpd's "session reuse required"): the replies of servers
        // that refuse a data connection whose TLS session is not the control connection's.
        let new_session = self.data_resumed.take() == Some(false);
        if new_session && matches!(reply.code.0, 425 | 426 | 522) {
            return Err(Error::DataSessionRefused { command: command.into(), code: reply.code, text: reply.text() });
        }
        check(command, reply, &[226, 250]).map(drop)
    }

    pub(super) async fn ensure_binary(&mut self) -> Result<(), Error> {
        if !self.binary {
            self.control.expect(&Command::Type(TransferType::Image), &[200]).await?;
            self.binary = true;
        }
        Ok(())
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

/// An upload's size check and time: the SIZE's outcome and the first accepted way of setting
/// the time (else the last refusal), each when asked.
pub(super) type Confirmed = (Option<Result<u64, Error>>, Option<Result<MtimeMethod, Error>>);

/// The commands that confirm an upload: SIZE (RFC 3659 section 4) when asked, and the ways of
/// giving it a time. Where the server answers in order every way goes out at once and the
/// first it accepts is the one learned: the others set the same time or are refused, and a
/// way found out like this costs no round trip of its own.
pub(super) struct UploadChecks {
    size: Option<Command>,
    stamps: Vec<(Command, MtimeMethod)>,
}

impl UploadChecks {
    /// For `remote`: SIZE when `size`, and the time `stamp` (Unix seconds) by each method.
    pub(super) fn new(remote: &str, size: bool, stamp: Option<(i64, &[MtimeMethod])>) -> Result<Self, Error> {
        let size = if size { Some(Command::Size(Arg::new(remote)?)) } else { None };
        let stamps = match stamp {
            Some((unix, methods)) => methods
                .iter()
                .map(|&method| Ok((Command::SetModificationTime { method, unix, path: Arg::new(remote)? }, method)))
                .collect::<Result<Vec<_>, Error>>()?,
            None => Vec::new(),
        };
        Ok(Self { size, stamps })
    }

    /// The checks, then `after`, as one write.
    pub(super) fn wire(&self, after: &[Command]) -> Vec<Command> {
        self.size.iter().chain(self.stamps.iter().map(|(c, _)| c)).chain(after).cloned().collect()
    }
}

/// The first accepted method, else the last refusal.
fn first_accepted(outcomes: Vec<Result<MtimeMethod, Error>>) -> Option<Result<MtimeMethod, Error>> {
    let mut last = None;
    for outcome in outcomes {
        match outcome {
            Ok(method) => return Some(Ok(method)),
            refused => last = Some(refused),
        }
    }
    last
}

/// The byte count in a reply to SIZE.
fn size_in(command: &Command, reply: Reply) -> Result<u64, Error> {
    let reply = check(command, reply, &[213])?;
    facts::size(&reply).ok_or_else(|| Error::Unexpected {
        command: command.into(),
        code: reply.code,
        text: reply.text(),
    })
}

/// What the size check after an upload's 226 says about a file of `expected` bytes: matched,
/// not asked (`None`), or gone (550: the server moved the file away once it accepted it). A
/// different size is a truncation; any other refusal is the error.
pub(super) fn judge_size(actual: Option<Result<u64, Error>>, expected: u64) -> Result<SizeCheck, Error> {
    match actual {
        None => Ok(SizeCheck::None),
        Some(Ok(actual)) if actual == expected => Ok(SizeCheck::Matched),
        Some(Ok(actual)) => Err(Error::Truncated { received: actual, expected }),
        Some(Err(e)) if e.reply_code() == Some(ReplyCode::FILE_UNAVAILABLE) => Ok(SizeCheck::Gone),
        // A 213 without a number (ftp-srv says "213 File status" for an empty file): the
        // server confirmed the upload and gave no size to check it against.
        Some(Err(Error::Unexpected { code: ReplyCode(213), .. })) => Ok(SizeCheck::None),
        Some(Err(e)) => Err(e),
    }
}

async fn read_greeting(control: &mut ControlChannel, implicit_tls: bool) -> Result<Reply, Error> {
    let timeout = control.timeout();
    // One deadline for the greeting, however many 120 replies come first: a server repeating
    // them without end must not hold the client.
    let deadline = tokio::time::Instant::now() + timeout;
    let mut first = true;
    loop {
        let reply = match control.read_reply_until("the server's greeting", deadline, timeout).await {
            // Nothing at all: typed, so the app can suggest the other kind of TLS.
            Err(Error::Timeout { after, .. }) if first => return Err(Error::NoGreeting { after, implicit_tls }),
            other => other?,
        };
        first = false;
        match reply.code.0 {
            // 120: "service ready in nnn minutes", the real greeting follows (RFC 959 section 5.4).
            120 => continue,
            220 => return Ok(reply),
            421 => return Err(Error::Unavailable { code: reply.code, text: reply.text() }),
            _ => return Err(Error::Greeting { code: reply.code, text: reply.text() }),
        }
    }
}

/// Bytes per read or write on data connections: a rate limit's chunk when capped, so a
/// single read never waits long (engine/ratelimit.rs).
fn buffer_len(config: &Config) -> usize {
    let len = config.buffer_size.max(4096);
    match &config.rate_limit {
        Some(limit) => len.min(limit.chunk().max(4096)),
        None => len,
    }
}

/// Resolves the host and tries every address in turn (RFC 1123 section 2.3: multi-homed
/// hosts), each with the connect timeout.
async fn connect_any(endpoint: &Endpoint, config: &Config, trace: Option<&dyn Trace>) -> Result<TcpStream, Error> {
    let timeout = config.connect_timeout;
    let host = endpoint.host.as_str();
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((host, endpoint.port))).await;
    let addrs: Vec<SocketAddr> = match lookup {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(source)) => return Err(Error::Resolve { host: host.to_string(), source }),
        Err(_) => {
            return Err(Error::Resolve {
                host: host.to_string(),
                source: std::io::Error::new(std::io::ErrorKind::TimedOut, "name lookup timed out"),
            });
        }
    };
    let mut last = None;
    for addr in addrs {
        if let Some(trace) = trace {
            trace.event(&TraceEvent::Connecting { addr });
        }
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                // A long transfer leaves the control connection silent; keepalive probes stop
                // NAT boxes and firewalls from forgetting it before the 226 arrives.
                let _ = super::keepalive::set_keepalive(&stream, config.keepalive);
                if let Some(trace) = trace {
                    trace.event(&TraceEvent::Connected { peer: addr });
                }
                return Ok(stream);
            }
            Ok(Err(source)) => last = Some(Error::Connect { addr, source }),
            Err(_) => last = Some(Error::ConnectTimeout { addr, after: timeout }),
        }
    }
    Err(last.unwrap_or(Error::NoAddress { host: host.to_string() }))
}

pub(super) fn trace_tls(control: &ControlChannel, channel: &'static str, info: &TlsInfo) {
    control.trace(TraceEvent::Tls {
        channel,
        version: info.version.clone(),
        cipher: info.cipher.clone(),
        resumed: info.resumed,
        fingerprint: info.fingerprint.clone(),
    });
}

/// An in-memory sink that refuses to grow past `limit`.
struct LimitedSink<'a> {
    out: &'a mut Vec<u8>,
    limit: u64,
}

impl std::io::Write for LimitedSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.limit {
            return Err(std::io::Error::other("listing too large"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_size_after_an_upload_is_not_checked_and_a_550_is_a_drop_box() {
        let unexpected =
            |code| Error::Unexpected { command: "SIZE f".into(), code: ReplyCode(code), text: "File status".into() };
        assert!(matches!(judge_size(Some(Err(unexpected(213))), 0), Ok(SizeCheck::None)));
        assert!(matches!(judge_size(Some(Err(unexpected(200))), 0), Err(Error::Unexpected { .. })));
        let gone = Error::Rejected { command: "SIZE f".into(), code: ReplyCode(550), text: "No such file".into() };
        assert!(matches!(judge_size(Some(Err(gone)), 4), Ok(SizeCheck::Gone)));
        assert!(matches!(judge_size(Some(Ok(3)), 4), Err(Error::Truncated { .. })));
        assert!(matches!(judge_size(Some(Ok(4)), 4), Ok(SizeCheck::Matched)));
    }
}
