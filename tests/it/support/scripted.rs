//! A scripted, in-process FTP server for integration tests.
//!
//! Unlike a real FTP server, [`ScriptedServer`] knows nothing about FTP: it plays a fixed
//! script of [`Step`]s against one (or several sequential) control connections. This lets a
//! test send *exact* replies, including malformed, hostile or badly timed ones (multi-line
//! replies split across packets, replies dripped one byte at a time, bogus passive ports,
//! stalled data connections, early disconnects, ...), and then assert on exactly what the
//! client sent.
//!
//! The server listens on `127.0.0.1:0` only. Every wait inside it has a timeout (10 s for a
//! command, 5 s for a data connection), so a buggy client never hangs a test: a script that
//! does not play out is reported by [`ScriptedServer::finish`] as an `Err` naming the session,
//! the step index, the step, what went wrong and the transcript so far.
//!
//! Every test must check that its script was used up: [`ScriptedServer::finish`] and
//! [`ScriptedServer::heard`] fail when a step was not played, and dropping a server that was
//! never checked panics (unless the test is already failing) with the steps left over. A
//! script therefore says exactly what the client does, no more: a step the client never
//! reaches is a test failure, not a harmless extra.
//!
//! Example script for an anonymous download over EPSV:
//!
//! ```text
//! let server = ScriptedServer::start(vec![
//!     Step::Reply("220 hi".into()),
//!     Step::Expect("USER anonymous".into()),
//!     Step::Reply("331 pw".into()),
//!     Step::ExpectPrefix("PASS ".into()),
//!     Step::Reply("230 ok".into()),
//!     Step::Expect("TYPE I".into()),
//!     Step::Reply("200 binary".into()),
//!     Step::ExpectPrefix("EPSV".into()),
//!     Step::ListenData,
//!     Step::Reply("229 Entering Extended Passive Mode (|||{port}|)".into()),
//!     Step::Expect("RETR f.txt".into()),
//!     Step::Reply("150 go".into()),
//!     Step::DataSend(b"hello".to_vec()),
//!     Step::Reply("226 done".into()),
//! ])
//! .await;
//! // ... run the client against format!("{}/f.txt", server.url()) ...
//! let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
//! assert!(transcript.commands.contains(&"RETR f.txt".to_string()));
//! ```
//!
//! After the last step (unless it was [`Step::Close`]) the control connection stays open until
//! the client closes it or 10 s pass; commands received then are recorded but are not a
//! failure, and a `QUIT` is answered with `221 Bye` and the connection is closed.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, timeout, timeout_at};

/// How long the server waits for the next command line.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a data step waits for the client to open the data connection.
const DATA_ACCEPT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `ExpectClose` waits for the client to close the control connection.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `Stall` waits, silent, for the client to give up and close the control connection.
const STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the control connection is kept open after the script is consumed.
const LINGER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a single write (control or data) may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `DataReceive` waits for more bytes (or EOF) from the client.
const DATA_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server waits for the client to open the next control connection.
const CONTROL_ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a closed data connection is drained in the background (avoids an RST that could
/// discard data the client has not read yet).
const DATA_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `Step::ExpectAlone` watches for a command sent right after the expected one.
const ALONE_WINDOW: Duration = Duration::from_millis(100);
/// A command line longer than this (without a line ending) is a script failure.
const MAX_LINE: usize = 64 * 1024;

/// One step of a script played on a control connection.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send these exact bytes on the control connection (no CRLF added). Placeholders are replaced first:
    /// "{p1}" "{p2}" -> the current data listener port's high and low byte (port / 256, port % 256),
    /// "{port}" -> the data listener's port in decimal.
    Send(String),
    /// Same as Send but appends "\r\n".
    Reply(String),
    /// Send these exact bytes on the control connection, no placeholders: replies that are not
    /// valid UTF-8.
    SendBytes(Vec<u8>),
    /// Send this text on the control connection again and again for this long (an endless
    /// stream of replies); a client that goes away ends it early, which is not a failure.
    Flood(String, std::time::Duration),
    /// Read one command line (up to CRLF or LF) from the client and require that it equals this text
    /// exactly (without the line ending). On mismatch, the script fails with an error naming expected and actual.
    Expect(String),
    /// Read one command line and require that it starts with this prefix (e.g. "PASS ", "RETR ").
    ExpectPrefix(String),
    /// As `Expect`, and require that the client sent nothing after it before its reply: no
    /// bytes with it, none within [`ALONE_WINDOW`] after it (a client that waits for each
    /// reply sends nothing more; one that pipelines has its next command on the way).
    ExpectAlone(String),
    /// Require that the client closes the control connection (read returns EOF or a reset) within 5 s.
    /// Command lines received meanwhile are recorded and allowed; a "QUIT" is answered with "221 Bye".
    ExpectClose,
    /// Say nothing more and wait (up to 30 s) for the client to give up and close the control
    /// connection (EOF or a reset): a server that stops answering. Command lines received
    /// meanwhile are recorded, never answered. Ends the scripts of timeout tests, so that a
    /// client that does not give up fails the script instead of a sleep that nobody waits for.
    Stall,
    /// Bind a new data listener on 127.0.0.1:0 (it becomes the "current" one for placeholders).
    ListenData,
    /// Accept one connection on the current data listener (timeout 5 s -> script error), write these bytes, then close it (shutdown + drop).
    DataSend(Vec<u8>),
    /// Accept, write these bytes, then keep the connection open without writing anything more until the script ends
    /// (simulates a stalled transfer).
    DataSendThenStall(Vec<u8>),
    /// Write these bytes on the data connection the last `DataSendThenStall` kept open, then
    /// close it like `DataSend`: a transfer that waits for something on the control
    /// connection (a NOOP sent during it) and then ends.
    DataFinish(Vec<u8>),
    /// Accept, read until the client closes (EOF), record the received bytes (see `received_data`).
    DataReceive,
    /// Send these bytes on the control connection one byte at a time with the given delay between bytes.
    /// Placeholders are replaced as for `Send`. A client that hangs up ends it early, which is
    /// not a failure (a later step then fails; a `Stall` after it does not).
    Drip(String, std::time::Duration),
    /// Sleep this long (e.g. to simulate a stall), doing nothing.
    Sleep(std::time::Duration),
    /// Close the control connection now (the script ends).
    Close,
    /// TLS handshake on the control connection (after the script sent "234"); bytes the client
    /// sent before are kept.
    StartTls,
    /// Like `StartTls`, but the client must present a certificate signed by
    /// [`client_auth_tls`]'s CA.
    StartTlsClientAuth,
    /// Like `StartTlsClientAuth` for a client that has no certificate to present: the
    /// handshake must fail (a failure if it succeeds); the control connection is closed then.
    StartTlsClientAuthRefused,
    /// Accept a data connection, TLS handshake, send these bytes, close_notify, close.
    DataSendTls(Vec<u8>),
    /// Accept, TLS handshake, send these bytes, then close the TCP connection WITHOUT close_notify
    /// (a truncation attack looks like this).
    DataSendTlsNoCloseNotify(Vec<u8>),
    /// Accept, write this chunk the given number of times, then close like `DataSend`: a large
    /// body (a huge listing) without holding all of it in memory. A write that fails because
    /// the client gave up is not a script failure.
    DataSendRepeat(Vec<u8>, usize),
    /// Accept, write these bytes one at a time with the given delay between bytes, then close
    /// like `DataSend` (a server trickling data). A client that closes the data connection
    /// ends it early, which is not a failure: the next step says what the client must do then.
    DataDrip(Vec<u8>, std::time::Duration),
}

/// `Step::Reply` of a string: the shorthand every script uses.
pub fn r(text: &str) -> Step {
    Step::Reply(text.into())
}

/// `Step::Expect` of a string.
pub fn e(text: &str) -> Step {
    Step::Expect(text.into())
}

/// The FEAT reply of a plain server with SIZE and EPSV.
pub const FEAT_SIZE_EPSV: &str = "211-Features:\r\n SIZE\r\n EPSV\r\n211 End";

/// Greeting, anonymous login, and `feat` as the reply to FEAT.
pub fn anon_login(feat: &str) -> Vec<Step> {
    vec![
        r("220 scripted server"),
        e("USER anonymous"),
        r("331 Password please"),
        Step::ExpectPrefix("PASS ".into()),
        r("230 Logged in"),
        e("FEAT"),
        r(feat),
    ]
}

/// Script parts joined in order.
pub fn steps(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.concat()
}

/// EPSV, a data listener, then `RETR path` answered with 150: a download up to its data.
pub fn epsv_retr(path: &str) -> Vec<Step> {
    vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e(&format!("RETR {path}")), r("150 go")]
}

/// EPSV, a data listener, the listing command and its body.
pub fn listing(command: &str, body: &str) -> Vec<Step> {
    vec![
        e("EPSV"),
        Step::ListenData,
        r(EPSV_OK),
        e(command),
        r("150 Here comes the listing"),
        Step::DataSend(body.as_bytes().to_vec()),
        r("226 Listing sent"),
    ]
}

/// The usual 229 reply, with the current data listener's port filled in.
pub const EPSV_OK: &str = "229 Entering Extended Passive Mode (|||{port}|)";

/// What the client sent, as recorded by the server.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// Every command line the client sent, in order, without line endings (across all sessions).
    pub commands: Vec<String>,
    /// Bytes received by each DataReceive step, in order.
    pub received_data: Vec<Vec<u8>>,
}

/// A running scripted server; dropping it aborts its tasks and closes its sockets. A server
/// dropped without [`ScriptedServer::finish`] or [`ScriptedServer::heard`] fails the test.
pub struct ScriptedServer {
    addr: SocketAddr,
    state: Arc<watch::Sender<State>>,
    task: JoinHandle<()>,
    /// Set by `finish`/`heard`: the script's end was checked, so dropping is fine.
    checked: bool,
}

/// Shared progress of all sessions.
#[derive(Debug, Default)]
struct State {
    commands: Vec<String>,
    received_data: Vec<Vec<u8>>,
    /// Every failure, first one first.
    failures: Vec<String>,
    /// What each session is doing right now (for timeout messages).
    status: Vec<String>,
    /// Each session's script, described step by step (for the steps left over).
    scripts: Vec<Vec<String>>,
    /// Per session, the index of the first step not yet played to its end.
    played: Vec<usize>,
    /// Sessions whose script was played to the end.
    consumed: usize,
    /// Sessions that are completely done (script consumed and control connection closed).
    finished: usize,
    total: usize,
}

impl State {
    fn transcript(&self) -> Transcript {
        Transcript { commands: self.commands.clone(), received_data: self.received_data.clone() }
    }

    fn describe_transcript(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "transcript so far ({} command line(s)):", self.commands.len());
        for c in &self.commands {
            let _ = writeln!(out, "  > {c:?}");
        }
        let sizes: Vec<usize> = self.received_data.iter().map(Vec::len).collect();
        let _ = write!(out, "DataReceive uploads so far: {} (sizes in bytes: {sizes:?})", sizes.len());
        out
    }

    /// The failure message for scripts still running after `within`.
    fn not_consumed(&self, within: Duration) -> String {
        let mut msg = format!("scripted server: script(s) not finished within {within:?}:");
        for (i, st) in self.status.iter().enumerate() {
            let _ = write!(msg, "\n  session {i}: {st}");
        }
        format!("{msg}\n{}{}", self.describe_left_over(), self.describe_transcript())
    }

    /// The steps not played to their end, session by session.
    fn describe_left_over(&self) -> String {
        let mut out = String::new();
        for (i, script) in self.scripts.iter().enumerate() {
            let played = self.played[i];
            if played == script.len() {
                continue;
            }
            let _ = writeln!(out, "session {i}: {} of {} step(s) not played:", script.len() - played, script.len());
            for (n, step) in script.iter().enumerate().skip(played) {
                let _ = writeln!(out, "  step {n}: {step}");
            }
        }
        out
    }
}

impl ScriptedServer {
    /// Bind 127.0.0.1:0 and start serving ONE control connection with `steps` in a spawned tokio task.
    pub async fn start(steps: Vec<Step>) -> ScriptedServer {
        Self::start_sessions(vec![steps]).await
    }

    /// Same with multiple sequential control connections: each inner Vec is the script for the next accepted connection.
    ///
    /// Sessions run concurrently once accepted (a session that is lingering after its script does not
    /// block the next connection). A control connection beyond the scripted ones is a failure.
    pub async fn start_sessions(sessions: Vec<Vec<Step>>) -> ScriptedServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("scripted server: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("scripted server: local_addr of the control listener");
        let state = Arc::new(watch::Sender::new(State {
            status: vec!["waiting for the client to open the control connection".into(); sessions.len()],
            scripts: sessions.iter().map(|steps| steps.iter().map(describe).collect()).collect(),
            played: vec![0; sessions.len()],
            total: sessions.len(),
            ..State::default()
        }));
        let task = tokio::spawn(serve(listener, sessions, state.clone()));
        ScriptedServer { addr, state, task, checked: false }
    }

    /// A server the client must not contact (it refuses before connecting): any control
    /// connection is a failure that `finish` reports.
    pub async fn expecting_no_connection() -> ScriptedServer {
        Self::start_sessions(Vec::new()).await
    }

    /// The control listener's address, for tests that drive the engine directly.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// "ftp://127.0.0.1:PORT" (no trailing slash), convenient for building URLs.
    pub fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.addr.port())
    }

    /// Wait (at most `within`) for the script(s) to finish; Err(String) describing the first failure
    /// (unexpected command with expected/actual, timeout waiting for a command or a data connection,
    /// script not fully consumed because the client disconnected early: at which step index and what
    /// the step was), followed by the transcript so far.
    ///
    /// Returns `Ok` as soon as every session is completely done (script consumed and the client
    /// closed the control connection). If `within` passes while every script is consumed but a
    /// session is still lingering (the client keeps the control connection open), that is `Ok` too.
    pub async fn finish(mut self, within: Duration) -> Result<Transcript, String> {
        self.checked = true;
        self.settle(within).await;
        let s = self.state.borrow();
        if let Some(first) = s.failures.first() {
            let more = match s.failures.len() {
                1 => String::new(),
                n => format!(" (and {} more failure(s): {:?})", n - 1, &s.failures[1..]),
            };
            return Err(format!("scripted server: {first}{more}\n{}", s.describe_transcript()));
        }
        if s.consumed == s.total {
            return Ok(s.transcript());
        }
        Err(s.not_consumed(within))
    }

    /// Every command heard, once every script was played to its end (waiting up to `within`
    /// for the client to get there); a failed step or a step left over fails the test.
    pub async fn heard(self, within: Duration) -> Vec<String> {
        self.finish(within).await.unwrap_or_else(|e| panic!("{e}")).commands
    }

    /// Drops the server without checking its script, for a test that skips itself because a
    /// tool it needs (tmux, script) is missing: nothing was tested, so nothing is checked.
    pub fn skipped(mut self) {
        self.checked = true;
    }

    /// Waits up to `within` for every script to end or one to fail.
    async fn settle(&self, within: Duration) {
        let mut rx = self.state.subscribe();
        let _ = timeout(within, async {
            let _ = rx.wait_for(|s| !s.failures.is_empty() || s.finished == s.total).await.map(|_| ());
        })
        .await;
    }

    /// Waits until `sessions` scripts have been played to the end (a final `Close` done), for
    /// tests whose next step needs that server state; fails the test with what each session
    /// is doing when it takes longer than `within` or a script fails.
    pub async fn wait_consumed(&self, sessions: usize, within: Duration) {
        let mut rx = self.state.subscribe();
        // A bool, not the `Ref` that `wait_for` returns: holding that read lock while borrowing
        // again deadlocks once a session waits to write (the lock prefers writers).
        let reached = matches!(
            timeout(within, rx.wait_for(|s| s.consumed >= sessions || !s.failures.is_empty())).await,
            Ok(Ok(_))
        );
        let s = self.state.borrow();
        if let Some(first) = s.failures.first() {
            panic!("scripted server: {first}\n{}", s.describe_transcript());
        }
        if !reached {
            panic!(
                "scripted server: {sessions} script(s) not played to the end within {within:?}: {:?}\n{}",
                s.status,
                s.describe_transcript()
            );
        }
    }

    /// Command lines received so far, for a test that acts while the client runs (the end of
    /// the test still checks the script with `finish` or `heard`).
    pub fn received(&self) -> Vec<String> {
        self.state.borrow().commands.clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        // Aborting the accept task drops its JoinSet, which aborts every session task.
        self.task.abort();
        // A test that never asked whether its script was used up could pass with a step the
        // client skipped; make that impossible to forget. Not while unwinding: the test has
        // failed already, and a second panic would abort the process.
        if !self.checked && !std::thread::panicking() {
            let s = self.state.borrow();
            panic!(
                "scripted server dropped without finish() or heard(): end the test by checking \
                 that the script was used up\n{}{}",
                s.describe_left_over(),
                s.describe_transcript()
            );
        }
    }
}

impl std::fmt::Debug for ScriptedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedServer").field("addr", &self.addr).finish_non_exhaustive()
    }
}

fn fail(state: &watch::Sender<State>, msg: String) {
    state.send_modify(|s| s.failures.push(msg));
}

/// Accepts the control connections and runs one session task per script.
async fn serve(listener: TcpListener, sessions: Vec<Vec<Step>>, state: Arc<watch::Sender<State>>) {
    let total = sessions.len();
    let mut scripts = sessions.into_iter().enumerate();
    let mut accepted = 0usize;
    let mut running = JoinSet::new();
    let mut deadline = Instant::now() + CONTROL_ACCEPT_TIMEOUT;
    loop {
        // Without any script the listener stays open, so that a connection is reported.
        if total > 0 && accepted == total && running.is_empty() {
            break;
        }
        tokio::select! {
            res = listener.accept() => match res {
                Ok((stream, _peer)) => match scripts.next() {
                    Some((idx, steps)) => {
                        accepted += 1;
                        deadline = Instant::now() + CONTROL_ACCEPT_TIMEOUT;
                        running.spawn(run_session(idx, stream, steps, state.clone()));
                    }
                    None => {
                        fail(
                            &state,
                            format!(
                                "unexpected extra control connection: only {total} session(s) scripted"
                            ),
                        );
                        drop(stream);
                    }
                },
                Err(e) => {
                    fail(&state, format!("accepting a control connection failed: {e}"));
                    break;
                }
            },
            Some(joined) = running.join_next(), if !running.is_empty() => report_panic(&state, joined),
            _ = tokio::time::sleep_until(deadline), if accepted < total => {
                fail(
                    &state,
                    format!(
                        "session {accepted}: timed out after {CONTROL_ACCEPT_TIMEOUT:?} waiting for \
                         the client to open the control connection"
                    ),
                );
                break;
            }
        }
    }
    // Let already-running sessions finish (they have their own timeouts).
    while let Some(joined) = running.join_next().await {
        report_panic(&state, joined);
    }
}

fn report_panic(state: &watch::Sender<State>, joined: Result<(), tokio::task::JoinError>) {
    match joined {
        Err(e) if e.is_panic() => fail(state, format!("a session task panicked: {e}")),
        _ => {}
    }
}

async fn run_session(idx: usize, stream: TcpStream, steps: Vec<Step>, state: Arc<watch::Sender<State>>) {
    let _ = stream.set_nodelay(true);
    let mut session = Session {
        idx,
        ctrl: Some(Box::new(stream)),
        buf: Vec::new(),
        data_listener: None,
        held: Vec::new(),
        draining: JoinSet::new(),
        state,
    };
    match session.run_script(&steps).await {
        Ok(()) => {
            session.set_status("script consumed; waiting for the client to close the control connection".into());
            session.state.send_modify(|s| s.consumed += 1);
            session.linger().await;
            session.set_status("done".into());
            session.state.send_modify(|s| s.finished += 1);
        }
        Err(msg) => {
            session.set_status(format!("failed: {msg}"));
            fail(&session.state, format!("session {idx}: {msg}"));
        }
    }
    // Dropping `session` closes the control connection, the data listener and any stalled data connection.
}

/// The control connection: plain TCP, or TLS after a `StartTls` step.
trait CtrlIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> CtrlIo for T {}
type Ctrl = Box<dyn CtrlIo>;

/// The certificate the scripted server presents for TLS steps (self-signed, made once).
pub struct ScriptedTls {
    pub config: Arc<rustls::ServerConfig>,
    /// `sha256//BASE64` pin for the client's `--pin`.
    pub pin: String,
}

pub fn tls() -> &'static ScriptedTls {
    static TLS: std::sync::OnceLock<ScriptedTls> = std::sync::OnceLock::new();
    TLS.get_or_init(|| {
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        let der = certified.cert.der().clone();
        let pin = pasv::engine::pin_of_der(der.as_ref()).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der], key)
            .unwrap();
        ScriptedTls { config: Arc::new(config), pin }
    })
}

/// A TLS setup that requires a client certificate signed by its own CA, and that client
/// certificate and key as PEM files for `--client-cert`/`--client-key`.
pub struct ClientAuthTls {
    pub config: Arc<rustls::ServerConfig>,
    /// `sha256//BASE64` pin of the server certificate.
    pub pin: String,
    pub client_cert: std::path::PathBuf,
    pub client_key: std::path::PathBuf,
}

pub fn client_auth_tls() -> &'static ClientAuthTls {
    static TLS: std::sync::OnceLock<ClientAuthTls> = std::sync::OnceLock::new();
    TLS.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let client_key = rcgen::KeyPair::generate().unwrap();
        let client_cert = rcgen::CertificateParams::new(vec!["pasv client".to_string()])
            .unwrap()
            .signed_by(&client_key, &issuer)
            .unwrap();
        let server = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca_cert.der().clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(server.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server.cert.der().clone()], key)
            .unwrap();
        let dir = std::env::temp_dir().join(format!("pasv-client-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert_path, key_path) = (dir.join("client.pem"), dir.join("client.key"));
        std::fs::write(&cert_path, client_cert.pem()).unwrap();
        std::fs::write(&key_path, client_key.serialize_pem()).unwrap();
        ClientAuthTls {
            config: Arc::new(config),
            pin: pasv::engine::pin_of_der(server.cert.der().as_ref()).unwrap(),
            client_cert: cert_path,
            client_key: key_path,
        }
    })
}

async fn tls_accept<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    io: S,
) -> Result<tokio_rustls::server::TlsStream<S>, String> {
    tls_accept_with(io, tls().config.clone()).await
}

async fn tls_accept_with<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    io: S,
    config: Arc<rustls::ServerConfig>,
) -> Result<tokio_rustls::server::TlsStream<S>, String> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    match timeout(DATA_ACCEPT_TIMEOUT, acceptor.accept(io)).await {
        Err(_) => Err("timed out waiting for the client's TLS handshake".to_string()),
        Ok(Err(e)) => Err(format!("TLS handshake failed: {e}")),
        Ok(Ok(s)) => Ok(s),
    }
}

/// Why reading a command line did not produce a line.
enum LineError {
    Timeout,
    /// The client closed the connection; any bytes of an unterminated line are included.
    Eof(Vec<u8>),
    Reset(std::io::Error),
    TooLong,
    NoConnection,
}

struct Session {
    idx: usize,
    ctrl: Option<Ctrl>,
    /// Bytes read from the control connection but not yet consumed as a line.
    buf: Vec<u8>,
    data_listener: Option<TcpListener>,
    /// Data connections kept open by `DataSendThenStall`.
    held: Vec<TcpStream>,
    /// Closed data connections being drained so that closing them never sends an RST.
    draining: JoinSet<()>,
    state: Arc<watch::Sender<State>>,
}

impl Session {
    fn set_status(&self, status: String) {
        let idx = self.idx;
        self.state.send_modify(|s| {
            if let Some(slot) = s.status.get_mut(idx) {
                *slot = status;
            }
        });
    }

    async fn run_script(&mut self, steps: &[Step]) -> Result<(), String> {
        let n = steps.len();
        for (i, step) in steps.iter().enumerate() {
            let what = format!("step {i} of {n} ({})", describe(step));
            self.set_status(format!("{what}: {}", activity(step)));
            let result = self.run_step(step).await;
            if result.is_ok() {
                let idx = self.idx;
                self.state.send_modify(|s| s.played[idx] = i + 1);
            }
            match result {
                Ok(true) => {}
                Ok(false) => {
                    // Close: the script ends here.
                    if i + 1 < n {
                        return Err(format!(
                            "{what}: the script continues after Close ({} step(s) left, next: {})",
                            n - i - 1,
                            describe(&steps[i + 1])
                        ));
                    }
                    return Ok(());
                }
                Err(e) => {
                    let left = if i + 1 < n {
                        format!(" [script not consumed: {} later step(s) not played]", n - i - 1)
                    } else {
                        String::new()
                    };
                    return Err(format!("{what}: {e}{left}"));
                }
            }
        }
        Ok(())
    }

    /// Plays one step; Ok(false) means the control connection was closed by a `Close` step.
    async fn run_step(&mut self, step: &Step) -> Result<bool, String> {
        match step {
            Step::Send(text) => {
                let text = self.expand(text)?;
                self.ctrl_write(text.as_bytes()).await?;
            }
            Step::Reply(text) => {
                let mut text = self.expand(text)?;
                text.push_str("\r\n");
                self.ctrl_write(text.as_bytes()).await?;
            }
            Step::SendBytes(bytes) => self.ctrl_write(bytes).await?,
            Step::Flood(text, duration) => {
                let end = Instant::now() + *duration;
                while Instant::now() < end {
                    if self.ctrl_write(text.as_bytes()).await.is_err() {
                        break;
                    }
                }
            }
            Step::Expect(expected) => {
                let line = self.expect_line().await?;
                if line != *expected {
                    return Err(format!("expected command {expected:?}, got {line:?}"));
                }
            }
            Step::ExpectAlone(expected) => {
                let line = self.expect_line().await?;
                if line != *expected {
                    return Err(format!("expected command {expected:?}, got {line:?}"));
                }
                let deadline = Instant::now() + ALONE_WINDOW;
                if !self.buf.is_empty() || self.read_line(deadline).await.is_ok() || !self.buf.is_empty() {
                    let after = String::from_utf8_lossy(&self.buf).into_owned();
                    return Err(format!(
                        "{expected:?} came with more commands before its reply (pipelined): {after:?}"
                    ));
                }
            }
            Step::ExpectPrefix(prefix) => {
                let line = self.expect_line().await?;
                if !line.starts_with(prefix.as_str()) {
                    return Err(format!("expected a command starting with {prefix:?}, got {line:?}"));
                }
            }
            Step::ExpectClose => self.wait_for_close(CLOSE_TIMEOUT, true).await?,
            Step::Stall => self.wait_for_close(STALL_TIMEOUT, false).await?,
            Step::ListenData => {
                let listener = TcpListener::bind(("127.0.0.1", 0))
                    .await
                    .map_err(|e| format!("binding a data listener on 127.0.0.1:0 failed: {e}"))?;
                self.data_listener = Some(listener);
            }
            Step::DataSend(bytes) => {
                let mut conn = self.accept_data().await?;
                data_write(&mut conn, bytes).await?;
                self.close_data(conn).await;
            }
            Step::DataSendThenStall(bytes) => {
                let mut conn = self.accept_data().await?;
                data_write(&mut conn, bytes).await?;
                self.held.push(conn);
            }
            Step::DataFinish(bytes) => {
                let Some(mut conn) = self.held.pop() else {
                    return Err("DataFinish: no data connection kept open by DataSendThenStall".into());
                };
                data_write(&mut conn, bytes).await?;
                self.close_data(conn).await;
            }
            Step::DataReceive => {
                let mut conn = self.accept_data().await?;
                let mut got = Vec::new();
                let mut chunk = vec![0u8; 64 * 1024];
                loop {
                    match timeout(DATA_READ_TIMEOUT, conn.read(&mut chunk)).await {
                        Err(_) => {
                            return Err(format!(
                                "timed out after {DATA_READ_TIMEOUT:?} waiting for data or EOF on the \
                                 data connection ({} byte(s) received so far)",
                                got.len()
                            ));
                        }
                        Ok(Ok(0)) => break,
                        Ok(Ok(n)) => got.extend_from_slice(&chunk[..n]),
                        Ok(Err(e)) => {
                            return Err(format!("reading the data connection failed after {} byte(s): {e}", got.len()));
                        }
                    }
                }
                self.state.send_modify(|s| s.received_data.push(got));
            }
            Step::Drip(text, delay) => {
                let text = self.expand(text)?;
                let bytes = text.as_bytes();
                for (i, b) in bytes.iter().enumerate() {
                    if i > 0 && !self.pause_while_connected(*delay).await {
                        break;
                    }
                    if self.ctrl_write(std::slice::from_ref(b)).await.is_err() {
                        // The client hung up (see `Step::Drip`).
                        self.ctrl = None;
                        break;
                    }
                }
            }
            Step::Sleep(d) => tokio::time::sleep(*d).await,
            Step::StartTls => {
                let ctrl = self.ctrl.take().ok_or_else(|| "the control connection is already closed".to_string())?;
                let tls = tls_accept(ctrl).await?;
                self.ctrl = Some(Box::new(tls));
            }
            Step::StartTlsClientAuth => {
                let ctrl = self.ctrl.take().ok_or_else(|| "the control connection is already closed".to_string())?;
                let tls = tls_accept_with(ctrl, client_auth_tls().config.clone()).await?;
                self.ctrl = Some(Box::new(tls));
            }
            Step::StartTlsClientAuthRefused => {
                let ctrl = self.ctrl.take().ok_or_else(|| "the control connection is already closed".to_string())?;
                if tls_accept_with(ctrl, client_auth_tls().config.clone()).await.is_ok() {
                    return Err("the TLS handshake succeeded without a client certificate".to_string());
                }
            }
            Step::DataSendTls(bytes) => {
                let conn = self.accept_data().await?;
                let mut tls = tls_accept(conn).await?;
                let write = async {
                    tls.write_all(bytes).await?;
                    tls.shutdown().await
                };
                timeout(WRITE_TIMEOUT, write)
                    .await
                    .map_err(|_| "timed out writing TLS data".to_string())?
                    .map_err(|e| format!("writing TLS data failed: {e}"))?;
            }
            Step::DataSendTlsNoCloseNotify(bytes) => {
                let conn = self.accept_data().await?;
                let mut tls = tls_accept(conn).await?;
                let write = async {
                    tls.write_all(bytes).await?;
                    tls.flush().await
                };
                timeout(WRITE_TIMEOUT, write)
                    .await
                    .map_err(|_| "timed out writing TLS data".to_string())?
                    .map_err(|e| format!("writing TLS data failed: {e}"))?;
                let (mut tcp, _) = tls.into_inner();
                let _ = tcp.shutdown().await;
            }
            Step::DataSendRepeat(chunk, times) => {
                let mut conn = self.accept_data().await?;
                for _ in 0..*times {
                    if data_write(&mut conn, chunk).await.is_err() {
                        break;
                    }
                }
                self.close_data(conn).await;
            }
            Step::DataDrip(bytes, delay) => {
                let mut conn = self.accept_data().await?;
                for (i, b) in bytes.iter().enumerate() {
                    if i > 0 && !data_pause_while_open(&mut conn, *delay).await {
                        // The client closed the data connection (see `Step::DataDrip`).
                        break;
                    }
                    if data_write(&mut conn, std::slice::from_ref(b)).await.is_err() {
                        break;
                    }
                }
                self.close_data(conn).await;
            }
            Step::Close => {
                if let Some(mut ctrl) = self.ctrl.take() {
                    let _ = timeout(WRITE_TIMEOUT, ctrl.shutdown()).await;
                }
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Replaces "{p1}", "{p2}" and "{port}" with the current data listener's port.
    fn expand(&self, text: &str) -> Result<String, String> {
        if !(text.contains("{p1}") || text.contains("{p2}") || text.contains("{port}")) {
            return Ok(text.to_string());
        }
        let listener = self.data_listener.as_ref().ok_or_else(|| {
            "the text uses a {p1}/{p2}/{port} placeholder but there is no data listener \
             (add a ListenData step before it)"
                .to_string()
        })?;
        let port = listener.local_addr().map_err(|e| format!("local_addr of the data listener failed: {e}"))?.port();
        Ok(text
            .replace("{p1}", &(port / 256).to_string())
            .replace("{p2}", &(port % 256).to_string())
            .replace("{port}", &port.to_string()))
    }

    /// Waits `delay`, reading what the client sends meanwhile into the line buffer; false (and
    /// the control connection dropped) when the client hangs up during the wait.
    async fn pause_while_connected(&mut self, delay: Duration) -> bool {
        let end = Instant::now() + delay;
        let Some(ctrl) = self.ctrl.as_mut() else { return false };
        let mut chunk = [0u8; 4096];
        loop {
            match timeout_at(end, ctrl.read(&mut chunk)).await {
                Err(_) => return true,
                Ok(Ok(n)) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                Ok(_) => {
                    self.ctrl = None;
                    return false;
                }
            }
        }
    }

    async fn ctrl_write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let ctrl = self.ctrl.as_mut().ok_or_else(|| "the control connection is already closed".to_string())?;
        match timeout(WRITE_TIMEOUT, async {
            ctrl.write_all(bytes).await?;
            ctrl.flush().await
        })
        .await
        {
            Err(_) => Err(format!("timed out after {WRITE_TIMEOUT:?} writing to the control connection")),
            Ok(Err(e)) => Err(format!("writing to the control connection failed (client gone?): {e}")),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// Reads one line (up to LF, a preceding CR stripped) before `deadline`; records it.
    async fn read_line(&mut self, deadline: Instant) -> Result<String, LineError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut raw: Vec<u8> = self.buf.drain(..=pos).collect();
                raw.pop();
                if raw.last() == Some(&b'\r') {
                    raw.pop();
                }
                let line = String::from_utf8_lossy(&raw).into_owned();
                let recorded = line.clone();
                self.state.send_modify(|s| s.commands.push(recorded));
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(LineError::TooLong);
            }
            let Some(ctrl) = self.ctrl.as_mut() else {
                return Err(LineError::NoConnection);
            };
            let mut chunk = [0u8; 4096];
            match timeout_at(deadline, ctrl.read(&mut chunk)).await {
                Err(_) => return Err(LineError::Timeout),
                Ok(Ok(0)) => {
                    self.ctrl = None;
                    return Err(LineError::Eof(std::mem::take(&mut self.buf)));
                }
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => {
                    self.ctrl = None;
                    return Err(LineError::Reset(e));
                }
            }
        }
    }

    /// Reads the command line an `Expect*` step checks; errors are described for the failure message.
    async fn expect_line(&mut self) -> Result<String, String> {
        match self.read_line(Instant::now() + COMMAND_TIMEOUT).await {
            Ok(line) => Ok(line),
            Err(LineError::Timeout) => {
                Err(format!("timed out after {COMMAND_TIMEOUT:?} waiting for a command from the client"))
            }
            Err(LineError::Eof(partial)) if partial.is_empty() => {
                Err("the client closed the control connection instead of sending a command".to_string())
            }
            Err(LineError::Eof(partial)) => Err(format!(
                "the client closed the control connection after sending an unterminated line {:?}",
                String::from_utf8_lossy(&partial)
            )),
            Err(LineError::Reset(e)) => Err(format!("reading a command failed (client reset the connection?): {e}")),
            Err(LineError::TooLong) => Err(format!("the client sent more than {MAX_LINE} bytes without a line ending")),
            Err(LineError::NoConnection) => Err("the control connection is already closed".to_string()),
        }
    }

    /// Records command lines until the client closes the control connection (`answer_quit`:
    /// a QUIT gets its 221, else the server stays silent).
    async fn wait_for_close(&mut self, within: Duration, answer_quit: bool) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            match self.read_line(deadline).await {
                Ok(line) => {
                    if answer_quit && line.trim().eq_ignore_ascii_case("QUIT") {
                        let _ = self.ctrl_write(b"221 Bye\r\n").await;
                    }
                }
                Err(LineError::Eof(_) | LineError::Reset(_)) => return Ok(()),
                Err(LineError::Timeout) => {
                    return Err(format!("the client did not close the control connection within {within:?}"));
                }
                Err(LineError::TooLong) => {
                    return Err(format!("the client sent more than {MAX_LINE} bytes without a line ending"));
                }
                Err(LineError::NoConnection) => {
                    return Err("the control connection is already closed".to_string());
                }
            }
        }
    }

    /// After the script: keep the control connection open, record further commands, answer QUIT.
    async fn linger(&mut self) {
        let deadline = Instant::now() + LINGER_TIMEOUT;
        while self.ctrl.is_some() {
            match self.read_line(deadline).await {
                Ok(line) => {
                    if line.trim().eq_ignore_ascii_case("QUIT") {
                        let _ = self.ctrl_write(b"221 Bye\r\n").await;
                        if let Some(mut ctrl) = self.ctrl.take() {
                            let _ = timeout(WRITE_TIMEOUT, ctrl.shutdown()).await;
                        }
                    }
                }
                Err(_) => break,
            }
        }
    }

    async fn accept_data(&mut self) -> Result<TcpStream, String> {
        let listener = self
            .data_listener
            .as_ref()
            .ok_or_else(|| "no data listener: add a ListenData step before data steps".to_string())?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        match timeout(DATA_ACCEPT_TIMEOUT, listener.accept()).await {
            Err(_) => Err(format!(
                "timed out after {DATA_ACCEPT_TIMEOUT:?} waiting for the client to open a data \
                 connection to 127.0.0.1:{port}"
            )),
            Ok(Err(e)) => Err(format!("accepting a data connection failed: {e}")),
            Ok(Ok((conn, _peer))) => {
                let _ = conn.set_nodelay(true);
                Ok(conn)
            }
        }
    }

    /// Sends FIN, then drains the connection in the background until the client closes it, so the
    /// final close never turns into an RST that could discard data the client has not read yet.
    async fn close_data(&mut self, mut conn: TcpStream) {
        let _ = timeout(WRITE_TIMEOUT, conn.shutdown()).await;
        self.draining.spawn(async move {
            let mut sink = [0u8; 4096];
            let _ = timeout(DATA_DRAIN_TIMEOUT, async {
                while let Ok(n) = conn.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        });
    }
}

async fn data_write(conn: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    match timeout(WRITE_TIMEOUT, async {
        conn.write_all(bytes).await?;
        conn.flush().await
    })
    .await
    {
        Err(_) => Err(format!(
            "timed out after {WRITE_TIMEOUT:?} writing {} byte(s) to the data connection \
             (client not reading?)",
            bytes.len()
        )),
        Ok(Err(e)) => Err(format!("writing {} byte(s) to the data connection failed: {e}", bytes.len())),
        Ok(Ok(())) => Ok(()),
    }
}

/// Waits `delay` on an open data connection; false when the client closes it meanwhile (bytes
/// it sends are discarded: a download's data connection carries nothing from the client).
async fn data_pause_while_open(conn: &mut TcpStream, delay: Duration) -> bool {
    let end = Instant::now() + delay;
    let mut sink = [0u8; 4096];
    loop {
        match timeout_at(end, conn.read(&mut sink)).await {
            Err(_) => return true,
            Ok(Ok(n)) if n > 0 => {}
            Ok(_) => return false,
        }
    }
}

/// What a step is waiting for, for the status shown when `finish` times out.
fn activity(step: &Step) -> &'static str {
    match step {
        Step::Send(_) | Step::Reply(_) | Step::SendBytes(_) | Step::Flood(..) => "writing to the control connection",
        Step::Expect(_) | Step::ExpectPrefix(_) | Step::ExpectAlone(_) => "waiting for a command from the client",
        Step::ExpectClose => "waiting for the client to close the control connection",
        Step::Stall => "silent, waiting for the client to give up and close the control connection",
        Step::ListenData => "binding a data listener",
        Step::DataSend(_) | Step::DataSendThenStall(_) | Step::DataFinish(_) => {
            "waiting for a data connection / writing data"
        }
        Step::DataReceive => "waiting for a data connection / reading data until EOF",
        Step::Drip(..) => "dripping bytes on the control connection",
        Step::Sleep(_) => "sleeping",
        Step::Close => "closing the control connection",
        Step::StartTls | Step::StartTlsClientAuth | Step::StartTlsClientAuthRefused => {
            "TLS handshake on the control connection"
        }
        Step::DataSendTls(_) | Step::DataSendTlsNoCloseNotify(_) => "TLS data connection",
        Step::DataSendRepeat(..) | Step::DataDrip(..) => "waiting for a data connection / writing data",
    }
}

/// A short, readable description of a step for error messages.
fn describe(step: &Step) -> String {
    fn text(s: &str) -> String {
        const MAX: usize = 80;
        if s.chars().count() > MAX {
            let cut: String = s.chars().take(MAX).collect();
            format!("{cut:?}...")
        } else {
            format!("{s:?}")
        }
    }
    fn bytes(b: &[u8]) -> String {
        const MAX: usize = 40;
        let shown = b[..b.len().min(MAX)].escape_ascii().to_string();
        let more = if b.len() > MAX { "..." } else { "" };
        format!("{} byte(s): b\"{shown}\"{more}", b.len())
    }
    match step {
        Step::Send(s) => format!("Send({})", text(s)),
        Step::Reply(s) => format!("Reply({})", text(s)),
        Step::SendBytes(b) => format!("SendBytes({})", bytes(b)),
        Step::Flood(s, d) => format!("Flood({}, {d:?})", text(s)),
        Step::Expect(s) => format!("Expect({})", text(s)),
        Step::ExpectPrefix(s) => format!("ExpectPrefix({})", text(s)),
        Step::ExpectAlone(s) => format!("ExpectAlone({})", text(s)),
        Step::ExpectClose => "ExpectClose".to_string(),
        Step::Stall => "Stall".to_string(),
        Step::ListenData => "ListenData".to_string(),
        Step::DataSend(b) => format!("DataSend({})", bytes(b)),
        Step::DataSendThenStall(b) => format!("DataSendThenStall({})", bytes(b)),
        Step::DataFinish(b) => format!("DataFinish({})", bytes(b)),
        Step::DataReceive => "DataReceive".to_string(),
        Step::Drip(s, d) => format!("Drip({}, {d:?})", text(s)),
        Step::Sleep(d) => format!("Sleep({d:?})"),
        Step::Close => "Close".to_string(),
        Step::StartTls => "StartTls".to_string(),
        Step::StartTlsClientAuth => "StartTlsClientAuth".to_string(),
        Step::StartTlsClientAuthRefused => "StartTlsClientAuthRefused".to_string(),
        Step::DataSendTls(b) => format!("DataSendTls({})", bytes(b)),
        Step::DataSendTlsNoCloseNotify(b) => format!("DataSendTlsNoCloseNotify({})", bytes(b)),
        Step::DataSendRepeat(b, n) => format!("DataSendRepeat({}, {n} times)", bytes(b)),
        Step::DataDrip(b, d) => format!("DataDrip({}, {d:?})", bytes(b)),
    }
}
