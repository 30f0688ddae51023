//! Opening a session: TCP to the first address that answers, the greeting (RFC 959 section
//! 5.4), TLS on the control connection (AUTH TLS or implicit, RFC 4217 section 4), PBSZ and
//! PROT for the data connections (section 8), the login (USER/PASS) and FEAT (RFC 2389).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpStream;

use super::control::ControlChannel;
use super::data::DataState;
use super::session::Session;
use super::stream::Stream;
use super::tls::{self, TlsClient, TlsInfo};
use super::{Config, Credentials, Endpoint, Error, Settings, TlsMode, Trace, TraceEvent};
use crate::proto::command::{ProtectionLevel, TransferType};
use crate::proto::{Arg, Command, Features, Reading, Reply, ReplyClass, ReplyCode};

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
            reading: Reading::from_greeting(&greeting),
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
        // What follows the login goes out with PASS to a server known to answer in order
        // (`Reading`): three round trips less per session. OPTS UTF8 ON (RFC 2640 section 3.1)
        // then goes before FEAT says UTF8 (vsftpd, pure-ftpd and ProFTPD all do; a refusal
        // changes nothing, names are bytes either way), and TYPE I before the first transfer
        // needs it.
        let ordered = session.reading != Reading::Unknown;
        let after = if ordered { session.after_login() } else { Vec::new() };
        let mut sent = session.login(settings.credentials(), &after).await?;
        if ordered && !sent {
            session.control.send_batch(&after).await?;
            sent = true;
        }
        if session.tls.is_some() {
            session.protect(sent).await?;
        }
        let feat = session.answer(&Command::Features, sent).await?;
        session.features = Features::parse(&feat);
        if ordered {
            let _ = session.control.read_reply().await?;
            session.binary = session.control.read_reply().await?.code.0 == 200;
        } else if session.features.utf8 {
            let _ = session.control.command(&Command::OptsUtf8).await?;
        }
        Ok(session)
    }

    /// The commands after a login, for a server known to answer in order: PBSZ and PROT
    /// under TLS, FEAT, OPTS UTF8 ON and TYPE I.
    fn after_login(&self) -> Vec<Command> {
        let mut after = Vec::new();
        if self.tls.is_some() {
            let level = if self.protect_data { ProtectionLevel::Private } else { ProtectionLevel::Clear };
            after.extend([Command::ProtectionBufferSize, Command::Protection(level)]);
        }
        after.extend([Command::Features, Command::OptsUtf8, Command::Type(TransferType::Image)]);
        after
    }

    /// The reply to `command`: sent now, or read when it was `sent` already.
    async fn answer(&mut self, command: &Command, sent: bool) -> Result<Reply, Error> {
        if sent { self.control.read_reply().await } else { self.control.command(command).await }
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
    /// Both were `sent` already with the login, or go out now.
    async fn protect(&mut self, sent: bool) -> Result<(), Error> {
        let pbsz = Command::ProtectionBufferSize;
        let reply = self.answer(&pbsz, sent).await?;
        if reply.class() != ReplyClass::Completion {
            return Err(Error::TlsRefused { command: (&pbsz).into(), code: reply.code, text: reply.text() });
        }
        let level = if self.protect_data { ProtectionLevel::Private } else { ProtectionLevel::Clear };
        let command = Command::Protection(level);
        let reply = self.answer(&command, sent).await?;
        if reply.class() != ReplyClass::Completion {
            return Err(Error::TlsRefused { command: (&command).into(), code: reply.code, text: reply.text() });
        }
        Ok(())
    }

    /// USER, and PASS when asked for, with `ahead` in the same write: true when `ahead` went
    /// out (its replies are the caller's to read). A refused login leaves them unread: the
    /// session ends there.
    async fn login(&mut self, credentials: &Credentials, ahead: &[Command]) -> Result<bool, Error> {
        let user = Command::User(Arg::new(credentials.user.clone())?);
        let reply = self.control.command(&user).await?;
        let reply = match reply.code.0 {
            230 => return Ok(false),
            331 | 332 => {
                let pass = Command::Password(Arg::new(credentials.password.expose().to_string())?);
                let wire: Vec<Command> = std::iter::once(pass).chain(ahead.iter().cloned()).collect();
                self.control.send_batch(&wire).await?;
                self.control.read_reply().await?
            }
            _ => reply,
        };
        match reply.code.0 {
            230 | 202 => Ok(!ahead.is_empty()),
            421 => Err(Error::Unavailable { code: reply.code, text: reply.text() }),
            _ => Err(Error::Login { code: reply.code, text: reply.text() }),
        }
    }
}
