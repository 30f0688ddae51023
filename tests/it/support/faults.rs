//! A seeded, fault-injecting TCP proxy between pasv and an FTP server, for the control
//! connection and every passive data connection.
//!
//! The proxy forwards the control connection line by line. It rewrites each 229 (EPSV) and
//! 227 (PASV) reply to a data port of its own, and forwards the connection pasv opens there
//! to the port the server named. From a seed it plans a fixed number of faults of one kind:
//!
//! - [`Kind::Reset`]: a data connection is reset (RST both ways) after some bytes;
//! - [`Kind::Stall`]: a data connection stops moving after some bytes, longer than pasv's
//!   `--timeout`, and is then reset;
//! - [`Kind::DropControl`]: a control connection is closed (reset or FIN) at some command,
//!   with the command forwarded to the server first or not;
//! - [`Kind::Refuse`]: for a while, connections are refused: the control port is closed, and
//!   passive replies name a port nobody listens on.
//!
//! A fault planned at the n-th data connection (or command, or passive reply) fires on the
//! first one at or after it that carries enough bytes; parallel sessions make the exact
//! order vary from run to run, the plan (what, how many, roughly when) does not.
//! [`FaultProxy::fail`] adds a targeted fault instead: every data connection of a transfer
//! command naming a given file is cut after some bytes (a file that keeps failing): closed
//! towards the server, which keeps what came (a half file), and reset towards pasv.
//! [`FaultProxy::refuse`] answers a given command itself with a refusal (the server never
//! sees it, nor the data connection of a refused transfer), in turn: after the server's
//! replies to every command before it, as pasv sends commands ahead (EPSV with its STOR);
//! [`FaultProxy::cut`] closes the control connection at it, and [`FaultProxy::hold`] keeps it
//! until the test lets it go (to change the server's files at that very moment).
//!
//! Every wait has a deadline; dropping the proxy aborts all its tasks and closes its sockets.
//! [`FaultProxy::describe`] names the seed and what was injected, for failure messages.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};

/// How long the proxy waits for pasv to open a data connection it announced.
const DATA_ACCEPT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long any one read or write may take before the proxy gives the connection up.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a data connection waits to learn which transfer command it belongs to (only
/// when targeted faults or refusals are set).
const PAIRING_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the proxy keeps trying to listen on its control port again after a refusal.
const REBIND_TIMEOUT: Duration = Duration::from_secs(10);
/// A line longer than this is forwarded as it is, unparsed.
const MAX_LINE: usize = 64 * 1024;

/// What the faults of a run are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reset,
    Stall,
    DropControl,
    Refuse,
}

/// The plan of one run: `count` faults of `kind`, chosen from `seed`.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub kind: Kind,
    pub seed: u64,
    pub count: usize,
    /// How long a stalled data connection stays silent (longer than pasv's `--timeout`).
    pub stall: Duration,
}

impl Faults {
    /// No planned faults: a proxy for its targeted ones only (`refuse`, `cut`, `hold`, ...).
    pub const NONE: Faults = Faults { kind: Kind::Reset, seed: 0, count: 0, stall: Duration::from_secs(1) };
}

/// One planned fault.
#[derive(Debug, Clone, Copy)]
struct Planned {
    /// The data connection, command or passive reply (by number, from 0) it waits for.
    at: usize,
    /// Bytes a data connection carries before the fault.
    offset: u64,
    /// DropControl: close before forwarding the command (else after); with a reset or a FIN.
    before: bool,
    reset: bool,
    /// Refuse: for how long.
    window: Duration,
}

/// SplitMix64: a small, good enough generator for test plans.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

impl Faults {
    fn plan(&self) -> VecDeque<Planned> {
        let mut rng = Rng(self.seed);
        let mut plan: Vec<Planned> = (0..self.count)
            .map(|_| {
                let at = match self.kind {
                    Kind::Reset | Kind::Stall => rng.below(40),
                    Kind::DropControl => 6 + rng.below(90),
                    Kind::Refuse => 2 + rng.below(30),
                } as usize;
                Planned {
                    at,
                    offset: 1 + rng.below(4000),
                    before: rng.below(2) == 0,
                    reset: rng.below(2) == 0,
                    window: Duration::from_millis(500 + rng.below(1000)),
                }
            })
            .collect();
        plan.sort_by_key(|p| p.at);
        plan.into()
    }
}

/// A data connection of a transfer command naming `name` is cut after `offset` bytes, the
/// first `times` times.
#[derive(Debug, Clone)]
struct Target {
    name: String,
    offset: u64,
    times: usize,
}

/// A command (the whole line, without CRLF) answered by the proxy with `reply`, or, without
/// one, the control connection closed at it (not forwarded), the first `times` times.
#[derive(Debug, Clone)]
struct CommandTarget {
    command: String,
    reply: Option<String>,
    times: usize,
}

struct State {
    pending: VecDeque<Planned>,
    injected: Vec<String>,
    data_connections: usize,
    /// Control connections accepted from pasv.
    sessions: usize,
    commands: usize,
    passive_replies: usize,
    refusing_until: Option<Instant>,
    targets: Vec<Target>,
    commands_targeted: Vec<CommandTarget>,
    /// [`FaultProxy::hold`]: the command, and whether it arrived.
    hold: Option<(String, bool)>,
    /// The ports passive replies named in a refusal window, held until the proxy goes.
    closed: Vec<super::ClosedPort>,
    /// [`FaultProxy::swallow`]: what the commands whose data connections are held contain.
    swallow: Vec<String>,
}

impl State {
    /// The next planned fault, when event `n` (a data connection, command or passive reply)
    /// is at or past it.
    fn due(&mut self, n: usize) -> Option<Planned> {
        if self.pending.front()?.at <= n { self.pending.pop_front() } else { None }
    }
}

struct Shared {
    upstream: SocketAddr,
    faults: Faults,
    state: Mutex<State>,
    /// A refusal window started: the accept loop closes the control port.
    refuse: Notify,
    /// [`FaultProxy::release`]: the held command goes on.
    released: Notify,
    tasks: Mutex<JoinSet<()>>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn(self: &Arc<Self>, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).spawn(task);
    }

    fn injected(&self, what: String) {
        self.state().injected.push(what);
    }
}

/// A running proxy; dropping it stops everything.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream` (the server's control port).
    pub async fn start(upstream: SocketAddr, faults: Faults) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("fault proxy: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fault proxy: local_addr");
        let shared = Arc::new(Shared {
            upstream,
            faults,
            state: Mutex::new(State {
                pending: faults.plan(),
                injected: Vec::new(),
                data_connections: 0,
                sessions: 0,
                commands: 0,
                passive_replies: 0,
                refusing_until: None,
                targets: Vec::new(),
                commands_targeted: Vec::new(),
                hold: None,
                closed: Vec::new(),
                swallow: Vec::new(),
            }),
            refuse: Notify::new(),
            released: Notify::new(),
            tasks: Mutex::new(JoinSet::new()),
        });
        shared.spawn(accept_loop(shared.clone(), listener, addr));
        Self { addr, shared }
    }

    /// Also: every data connection of a transfer command naming `name` (STOR, APPE, RETR,
    /// ...) is cut after `offset` bytes, the first `times` times: closed towards the server
    /// (a server then keeps the bytes that came, as after a short upload), reset towards pasv.
    /// A reset both ways can leave a server waiting for the data connection it lost.
    pub fn fail(&self, name: &str, offset: u64, times: usize) {
        self.shared.state().targets.push(Target { name: name.to_string(), offset, times });
    }

    /// Also: the command `command` (the whole line) is answered with `reply` by the proxy,
    /// never reaching the server, the first `times` times (a refusal, like "550 No."). The
    /// reply goes out once the server's replies to every command forwarded before it have
    /// (RFC 959 section 4.2: replies come in the order of the commands).
    pub fn refuse(&self, command: &str, reply: &str, times: usize) {
        let target = CommandTarget { command: command.to_string(), reply: Some(reply.to_string()), times };
        self.shared.state().commands_targeted.push(target);
    }

    /// Also: the control connection is closed (FIN both ways) when pasv sends `command` (the
    /// whole line), before it reaches the server, the first `times` times.
    pub fn cut(&self, command: &str, times: usize) {
        let target = CommandTarget { command: command.to_string(), reply: None, times };
        self.shared.state().commands_targeted.push(target);
    }

    /// Also: the command `command` (the whole line), the first time, waits at the proxy until
    /// [`FaultProxy::release`] (at most 60 s) before it goes on to the server.
    pub fn hold(&self, command: &str) {
        self.shared.state().hold = Some((command.to_string(), false));
    }

    /// The held command arrived, and waits (false again once it went on).
    pub fn holding(&self) -> bool {
        self.shared.state().hold.as_ref().is_some_and(|(_, arrived)| *arrived)
    }

    /// Also: every data connection of a transfer command that contains `text` ("STOR ", say)
    /// is accepted and held, never forwarded (until the proxy goes, at most 60 s): what a
    /// firewall or NAT that lets connections to the server's passive ports open and carries
    /// nothing does to every transfer (the server never sees them). Adds to earlier calls.
    pub fn swallow(&self, text: &str) {
        self.shared.state().swallow.push(text.to_string());
    }

    /// The held command goes on (or will, when it arrives).
    pub fn release(&self) {
        self.shared.released.notify_one();
    }

    /// `ftp://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.addr.port())
    }

    /// How many control connections pasv opened through the proxy so far.
    pub fn sessions(&self) -> usize {
        self.shared.state().sessions
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> usize {
        self.shared.state().injected.len()
    }

    /// The seed, the plan and what was injected: for failure messages.
    pub fn describe(&self) -> String {
        let state = self.shared.state();
        let f = &self.shared.faults;
        format!(
            "fault proxy: seed {:#x}, {:?} x{} (stall {:?}); seen {} command(s), {} passive repl(y/ies), {} data \
             connection(s); not fired yet: {:?}; injected {}: {:#?}",
            f.seed,
            f.kind,
            f.count,
            f.stall,
            state.commands,
            state.passive_replies,
            state.data_connections,
            state.pending,
            state.injected.len(),
            state.injected
        )
    }
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner()).abort_all();
    }
}

/// Accepts control connections; during a refusal window the port is closed (connections
/// are refused by the kernel), then listened on again.
async fn accept_loop(shared: Arc<Shared>, mut listener: TcpListener, addr: SocketAddr) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((client, _)) = accepted {
                    shared.state().sessions += 1;
                    shared.spawn(control(shared.clone(), client));
                }
            }
            () = shared.refuse.notified() => {
                drop(listener);
                loop {
                    let until = shared.state().refusing_until;
                    match until {
                        Some(until) if Instant::now() < until => tokio::time::sleep_until(until).await,
                        _ => break,
                    }
                }
                let deadline = Instant::now() + REBIND_TIMEOUT;
                listener = loop {
                    match TcpListener::bind(addr).await {
                        Ok(listener) => break listener,
                        Err(e) if Instant::now() > deadline => {
                            panic!("fault proxy: cannot listen on {addr} again after a refusal window: {e}")
                        }
                        Err(_) => sleep(Duration::from_millis(20)).await,
                    }
                };
            }
        }
    }
}

/// Passive commands (their reply names the port of the next transfer's data connection).
fn passive_command(line: &str) -> bool {
    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
    matches!(verb.as_str(), "PASV" | "EPSV")
}

/// Transfer commands (they use the data connection opened after a passive reply).
fn transfer_command(line: &str) -> bool {
    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
    matches!(verb.as_str(), "STOR" | "APPE" | "STOU" | "RETR" | "LIST" | "NLST" | "MLSD")
}

/// Per control connection: transfer commands not yet matched with a data connection, each
/// under the passive command it follows (RFC 959 section 3.2: a passive reply's port serves
/// the next transfer), with whether the proxy refused it. Not by the order data connections
/// are accepted in: on a busy machine the task of an earlier, already closed one can come
/// after the next one's.
#[derive(Default)]
struct Pairing {
    commands: Mutex<HashMap<usize, (String, bool)>>,
    arrived: Notify,
    /// Forwarded transfer commands (by number) and the passive command each follows.
    transfers: Mutex<HashMap<usize, usize>>,
    /// Passive commands whose transfer the server has given its final reply (226, 550...).
    /// Locked by a data connection from its check to the end of its connect upstream, and by
    /// the server's final reply before it goes on to pasv (see [`Pairing::finish`]).
    finished: tokio::sync::Mutex<HashSet<usize>>,
}

impl Pairing {
    /// Transfer command `command` (by number) was forwarded after passive command `passive`.
    fn transfer(&self, command: usize, passive: usize) {
        self.transfers.lock().unwrap_or_else(|e| e.into_inner()).insert(command, passive);
    }

    /// The server's final reply to command `command` is about to go on to pasv: when it ends
    /// a transfer, a data connection of that transfer not yet made upstream never will be.
    ///
    /// Such a connection is late: pasv connected for a RETR the server refused (vsftpd, 550
    /// for a missing file), and the proxy's task connected upstream only now, on a busy
    /// machine. After the reply pasv asks for the next passive port, and vsftpd, picking from
    /// a range of 40, may listen on the same port again: the late connection would be taken
    /// as the next transfer's, with none of its data (seen: a state file stored empty, caught
    /// by its SIZE check). The server listens again only after pasv saw this reply, so the
    /// lock makes it one step: a connect that began before it reaches the old listener.
    async fn finish(&self, command: usize) {
        let passive = self.transfers.lock().unwrap_or_else(|e| e.into_inner()).remove(&command);
        if let Some(passive) = passive {
            self.finished.lock().await.insert(passive);
        }
    }

    /// The transfer command that follows passive command `passive` (by number among the
    /// commands forwarded, the greeting being 0).
    async fn of(&self, passive: usize) -> Option<(String, bool)> {
        let deadline = Instant::now() + PAIRING_TIMEOUT;
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(command) = self.commands.lock().unwrap_or_else(|e| e.into_inner()).remove(&passive) {
                return Some(command);
            }
            if timeout(deadline.saturating_duration_since(Instant::now()), arrived).await.is_err() {
                return None;
            }
        }
    }
}

/// The server's replies on a control connection, line by line: which lines end a final reply
/// (not a 1xx; the last line of a multi-line reply, RFC 959 section 4.2).
#[derive(Default)]
struct Replies {
    /// The code of the multi-line reply under way.
    open: Option<[u8; 3]>,
}

impl Replies {
    /// Whether `line` ends a final reply (the greeting's too).
    fn ends_final(&mut self, line: &[u8]) -> bool {
        let code: Option<[u8; 3]> =
            line.get(..3).and_then(|c| c.try_into().ok()).filter(|c: &[u8; 3]| c.iter().all(u8::is_ascii_digit));
        let Some(code) = code else { return false };
        let after = line.get(3).copied();
        match self.open {
            // Inside a multi-line reply only "code " (its own code) ends it.
            Some(open) if open != code || after != Some(b' ') => false,
            Some(_) => {
                self.open = None;
                code[0] != b'1'
            }
            None if after == Some(b'-') => {
                self.open = Some(code);
                false
            }
            None => code[0] != b'1',
        }
    }
}

/// One control connection, forwarded line by line in both directions.
async fn control(shared: Arc<Shared>, client: TcpStream) {
    let Ok(Ok(server)) = timeout(IO_TIMEOUT, TcpStream::connect(shared.upstream)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let pairing = Arc::new(Pairing::default());
    let (mut client_read, client_write) = client.into_split();
    // Both directions write to pasv: the server's replies, and the proxy's own refusals.
    let client_write = tokio::sync::Mutex::new(client_write);
    let (mut server_read, mut server_write) = server.into_split();
    // Final replies passed on to pasv, and commands forwarded to the server (the greeting
    // counts as one): a reply of the proxy's own waits until the two are equal.
    let (answered_tx, mut answered) = tokio::sync::watch::channel(0usize);
    let mut forwarded = 1usize;
    // The last passive command forwarded (by number), until a transfer command uses it.
    let mut passive = None;
    let dropped = {
        // Client to server: count commands, maybe drop the connection at one.
        let upward = async {
            let mut buf = Vec::new();
            while let Some(line) = read_line(&mut client_read, &mut buf).await {
                let text = String::from_utf8_lossy(&line).trim_end().to_string();
                let (n, planned, targeted, held) = {
                    let mut state = shared.state();
                    let n = state.commands;
                    state.commands += 1;
                    let targeted = state.commands_targeted.iter_mut().find(|t| t.times > 0 && t.command == text);
                    let targeted = targeted.map(|t| {
                        t.times -= 1;
                        t.reply.clone()
                    });
                    let held = state.hold.as_mut().filter(|(command, arrived)| !arrived && *command == text);
                    let held = held.map(|(_, arrived)| *arrived = true).is_some();
                    (n, if shared.faults.kind == Kind::DropControl { state.due(n) } else { None }, targeted, held)
                };
                // Refused too: pasv opens the data connection on the passive reply before it
                // reads the transfer command's reply, so a refused command has one as well.
                let of_transfer = if transfer_command(&text) { passive.take() } else { None };
                if let Some(passive) = of_transfer {
                    let refused = matches!(targeted, Some(Some(_)));
                    pairing.commands.lock().unwrap_or_else(|e| e.into_inner()).insert(passive, (text.clone(), refused));
                    pairing.arrived.notify_waiters();
                }
                if held {
                    shared.injected(format!("command #{n} {text:?} held"));
                    let _ = timeout(IO_TIMEOUT, shared.released.notified()).await;
                    // Gone on: no longer held (unless the test named another command since).
                    let mut state = shared.state();
                    if state.hold.as_ref().is_some_and(|(command, arrived)| *arrived && *command == text) {
                        state.hold = None;
                    }
                }
                match targeted {
                    Some(Some(reply)) => {
                        // In turn: after the replies to the commands sent ahead of it.
                        let late = match timeout(IO_TIMEOUT, answered.wait_for(|&n| n >= forwarded)).await {
                            Ok(Ok(_)) => "",
                            _ => " (earlier replies missing)",
                        };
                        shared.injected(format!("command #{n} {text:?} answered {reply:?} by the proxy{late}"));
                        let reply = format!("{reply}\r\n");
                        if write_all(&mut *client_write.lock().await, reply.as_bytes()).await.is_err() {
                            break;
                        }
                        continue;
                    }
                    Some(None) => {
                        shared.injected(format!("control connection closed before forwarding command #{n} {text:?}"));
                        return Some(false);
                    }
                    None => {}
                }
                if planned.is_none_or(|p| !p.before) {
                    if passive_command(&text) {
                        passive = Some(forwarded);
                    }
                    if let Some(passive) = of_transfer {
                        pairing.transfer(forwarded, passive);
                    }
                    forwarded += 1;
                }
                if let Some(planned) = planned {
                    if !planned.before {
                        let _ = write_all(&mut server_write, &line).await;
                    }
                    let how = if planned.reset { "reset" } else { "closed" };
                    let when = if planned.before { "before forwarding" } else { "after forwarding" };
                    shared.injected(format!("control connection {how} {when} command #{n} {text:?}"));
                    return Some(planned.reset);
                }
                if write_all(&mut server_write, &line).await.is_err() {
                    break;
                }
            }
            let _ = server_write.shutdown().await;
            None
        };
        // Server to client: passive replies rewritten to ports of the proxy.
        let downward = async {
            let mut buf = Vec::new();
            let mut replies = Replies::default();
            while let Some(line) = read_line(&mut server_read, &mut buf).await {
                let ends_final = replies.ends_final(&line);
                // Replies come in the order of the commands: this one answers command number
                // `answered` (the greeting being 0).
                let command = *answered_tx.borrow();
                let line = passive_reply(&shared, &pairing, command, &line).await.unwrap_or(line);
                if ends_final {
                    pairing.finish(command).await;
                }
                if write_all(&mut *client_write.lock().await, &line).await.is_err() {
                    break;
                }
                if ends_final {
                    answered_tx.send_modify(|n| *n += 1);
                }
            }
            let _ = client_write.lock().await.shutdown().await;
        };
        tokio::pin!(upward, downward);
        let mut down_done = false;
        let dropped = loop {
            tokio::select! {
                dropped = &mut upward => break dropped,
                () = &mut downward, if !down_done => down_done = true,
            }
        };
        if dropped.is_none() && !down_done {
            // pasv closed its side: the server's last replies still go through.
            let _ = timeout(IO_TIMEOUT, downward).await;
        }
        dropped
    };
    if let Some(reset) = dropped {
        let streams = [client_read.reunite(client_write.into_inner()).ok(), server_read.reunite(server_write).ok()];
        for stream in streams.into_iter().flatten() {
            if reset {
                let _ = stream.set_zero_linger();
            }
            drop(stream);
        }
    }
}

/// One line (up to LF, kept) from `read`, `buf` holding what came after it; `None` at the end.
/// A line longer than [`MAX_LINE`] comes out in pieces.
async fn read_line(read: &mut (impl AsyncReadExt + Unpin), buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
            return Some(buf.drain(..=pos).collect());
        }
        if buf.len() > MAX_LINE {
            return Some(std::mem::take(buf));
        }
        let mut chunk = [0u8; 8192];
        match timeout(IO_TIMEOUT, read.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ if buf.is_empty() => return None,
            _ => return Some(std::mem::take(buf)),
        }
    }
}

async fn write_all(write: &mut (impl AsyncWriteExt + Unpin), bytes: &[u8]) -> std::io::Result<()> {
    match timeout(IO_TIMEOUT, write.write_all(bytes)).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::other("fault proxy: write timed out")),
    }
}

/// The server's data port in a 229 or 227 reply.
fn passive_port(text: &str) -> Option<u16> {
    if text.starts_with("229 ") {
        text.split_once("(|||")?.1.split_once('|')?.0.parse().ok()
    } else if text.starts_with("227 ") {
        let inner = text.split_once('(')?.1.split_once(')')?.0;
        let numbers: Vec<u16> = inner.split(',').map(|n| n.trim().parse().ok()).collect::<Option<_>>()?;
        let [.., p1, p2] = numbers[..] else { return None };
        Some(p1 * 256 + p2)
    } else {
        None
    }
}

/// A 229 or 227 reply rewritten to a data port of the proxy (or, in a refusal window, to a
/// port nobody listens on); `None` for other lines.
async fn passive_reply(shared: &Arc<Shared>, pairing: &Arc<Pairing>, command: usize, line: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(line).ok()?;
    let port = passive_port(text)?;
    let refused = {
        let mut state = shared.state();
        let n = state.passive_replies;
        state.passive_replies += 1;
        let now = Instant::now();
        match if shared.faults.kind == Kind::Refuse { state.due(n) } else { None } {
            Some(planned) => {
                state.refusing_until = Some(now + planned.window);
                state.injected.push(format!("connections refused for {:?} from passive reply #{n}", planned.window));
                shared.refuse.notify_one();
                true
            }
            None => state.refusing_until.is_some_and(|until| now < until),
        }
    };
    let ours = if refused {
        // Held, never listened on: a connection to it is refused (see `closed_port`).
        let closed = super::closed_port();
        let port = closed.port;
        shared.state().closed.push(closed);
        port
    } else {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.ok()?;
        let ours = listener.local_addr().ok()?.port();
        let upstream = SocketAddr::new(shared.upstream.ip(), port);
        shared.spawn(data(shared.clone(), pairing.clone(), command, listener, upstream));
        ours
    };
    let rewritten = if text.starts_with("229 ") {
        format!("229 Entering Extended Passive Mode (|||{ours}|)\r\n")
    } else {
        format!("227 Entering Passive Mode (127,0,0,1,{},{})\r\n", ours / 256, ours % 256)
    };
    Some(rewritten.into_bytes())
}

/// What a data connection does to its bytes.
struct DataFault {
    offset: u64,
    stall: bool,
    /// Closed towards the server rather than reset.
    cut: bool,
    /// A planned fault (put back when the connection ends before its offset).
    planned: Option<Planned>,
    what: String,
}

/// The fault data connection `n` carries, if any: a targeted one for its command, else the
/// next planned one that is due.
fn data_fault(shared: &Shared, n: usize, command: Option<&str>) -> Option<DataFault> {
    let mut state = shared.state();
    if let Some(command) = command
        && let Some(target) = state.targets.iter_mut().find(|t| t.times > 0 && command.contains(&t.name))
    {
        target.times -= 1;
        let what = format!("data connection of {command:?} cut after {} byte(s)", target.offset);
        return Some(DataFault { offset: target.offset, stall: false, cut: true, planned: None, what });
    }
    let stall = match shared.faults.kind {
        Kind::Reset => false,
        Kind::Stall => true,
        Kind::DropControl | Kind::Refuse => return None,
    };
    let planned = state.due(n)?;
    let how = if stall { format!("stalled for {:?}, then reset", shared.faults.stall) } else { "reset".into() };
    let what = format!("data connection #{n} ({command:?}) {how} after {} byte(s)", planned.offset);
    Some(DataFault { offset: planned.offset, stall, cut: false, planned: Some(planned), what })
}

/// One data connection: accepted from pasv, forwarded to the server's port.
async fn data(shared: Arc<Shared>, pairing: Arc<Pairing>, passive: usize, listener: TcpListener, upstream: SocketAddr) {
    let Ok(Ok((mut client, _))) = timeout(DATA_ACCEPT_TIMEOUT, listener.accept()).await else {
        return;
    };
    drop(listener);
    let (n, paired, swallow) = {
        let mut state = shared.state();
        state.data_connections += 1;
        let targeted = !state.targets.is_empty() || !state.commands_targeted.is_empty() || !state.swallow.is_empty();
        (state.data_connections - 1, targeted, state.swallow.clone())
    };
    let (command, refused) = match if paired { pairing.of(passive).await } else { None } {
        Some((command, refused)) => (Some(command), refused),
        None => (None, false),
    };
    if let Some(command) = &command
        && swallow.iter().any(|text| command.contains(text.as_str()))
    {
        shared.injected(format!("data connection #{n} of {command:?} swallowed"));
        sleep(IO_TIMEOUT).await;
        drop(client);
        return;
    }
    if refused {
        // The server never saw the command: a connection to its port would be one it never
        // asked for, and libunftp hands the next passive reply's transfer to whichever data
        // connection it accepts first (seen as a hung test on a busy machine). Closed here, as
        // a server that refuses a transfer closes its data connection.
        shared.injected(format!("data connection #{n} of refused {:?} closed", command.unwrap_or_default()));
        return;
    }
    // A connection late for its transfer (the server gave that one its final reply) is
    // closed, as the server would have refused it ([`Pairing::finish`]).
    let connected = {
        let finished = pairing.finished.lock().await;
        if finished.contains(&passive) {
            return;
        }
        timeout(IO_TIMEOUT, TcpStream::connect(upstream)).await
    };
    let Ok(Ok(mut server)) = connected else {
        return;
    };
    let fault = data_fault(&shared, n, command.as_deref());
    let mut moved = 0u64;
    let fired = {
        let (mut client_read, mut client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        let (mut up, mut down) = (vec![0u8; 16384], vec![0u8; 16384]);
        let (mut client_done, mut server_done) = (false, false);
        loop {
            if client_done && server_done {
                break false;
            }
            let (read, upward) = tokio::select! {
                read = timeout(IO_TIMEOUT, client_read.read(&mut up)), if !client_done => (read, true),
                read = timeout(IO_TIMEOUT, server_read.read(&mut down)), if !server_done => (read, false),
            };
            let Ok(Ok(n)) = read else { break false };
            if n == 0 {
                if upward {
                    client_done = true;
                    let _ = server_write.shutdown().await;
                } else {
                    server_done = true;
                    let _ = client_write.shutdown().await;
                }
                continue;
            }
            let (send, fire) = match &fault {
                Some(f) if moved + n as u64 >= f.offset => ((f.offset - moved) as usize, true),
                _ => (n, false),
            };
            let written = if upward {
                write_all(&mut server_write, &up[..send]).await
            } else {
                write_all(&mut client_write, &down[..send]).await
            };
            moved += send as u64;
            if fire {
                break true;
            }
            if written.is_err() {
                break false;
            }
        }
    };
    let Some(fault) = fault else { return };
    if !fired {
        // Over before its offset: the next data connection carries it.
        if let Some(planned) = fault.planned {
            shared.state().pending.push_front(planned);
        }
        return;
    }
    shared.injected(fault.what);
    if fault.stall {
        sleep(shared.faults.stall).await;
    }
    if fault.cut {
        let _ = timeout(IO_TIMEOUT, server.shutdown()).await;
    } else {
        let _ = server.set_zero_linger();
    }
    let _ = client.set_zero_linger();
    drop((client, server));
}

/// A data connection is late once the server gave its transfer a final reply, and only
/// then: not for a passive command no transfer followed, nor for another transfer's reply.
#[tokio::test]
async fn a_transfer_finished_makes_its_data_connections_late() {
    let pairing = Pairing::default();
    // EPSV (1), RETR (2) refused; EPSV (3), STOR (4) under way; EPSV (5) with nothing after.
    pairing.transfer(2, 1);
    pairing.transfer(4, 3);
    for command in [1, 2, 3, 5] {
        pairing.finish(command).await;
    }
    let finished = pairing.finished.lock().await;
    assert!(finished.contains(&1));
    assert!(!finished.contains(&3) && !finished.contains(&5), "{finished:?}");
}
