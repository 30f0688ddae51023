//! Test support: run the real `pasv` binary in an isolated environment, start the in-process
//! FTP server (libunftp through `pasv::server`), and the scripted server for exact replies.

pub mod daemons;
pub mod faults;
pub mod scripted;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pasv::server::{RunningServer, ServerOptions};

/// Every async test body runs under this limit.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `body` under [`TEST_TIMEOUT`], failing the test instead of hanging.
pub async fn within<F: std::future::Future<Output = T>, T>(body: F) -> T {
    tokio::time::timeout(TEST_TIMEOUT, body).await.expect("test exceeded its time limit")
}

/// A loopback port nothing listens on: a connection to it is refused. The port is held
/// (bound, never listened on, without SO_REUSEADDR) for as long as the value lives: a port
/// merely let go can be taken by another test's socket a moment later (a passive listener
/// picks its port at random in a range the kernel also hands out), and then it answers.
pub struct ClosedPort {
    _socket: socket2::Socket,
    pub port: u16,
}

pub fn closed_port() -> ClosedPort {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("a TCP socket");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("an address");
    socket.bind(&SockAddr::from(any)).expect("bind 127.0.0.1:0");
    let port = socket.local_addr().ok().and_then(|a| a.as_socket()).expect("local_addr").port();
    ClosedPort { _socket: socket, port }
}

/// What a finished `pasv` run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Asserts the exit code, printing everything the run said when it differs.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }
}

/// A `pasv` invocation with HOME, NETRC and credentials isolated from the developer's machine.
pub struct Pasv {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
    open_files: Option<u32>,
    home: tempfile::TempDir,
}

pub fn pasv<I, S>(args: I) -> Pasv
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    Pasv {
        args: args.into_iter().map(|s| s.as_ref().to_string()).collect(),
        stdin: None,
        env: Vec::new(),
        cwd: None,
        open_files: None,
        home: tempfile::tempdir().expect("temp home"),
    }
}

impl Pasv {
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn cwd(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// Runs pasv under `ulimit -n limit` (through `sh`, which execs pasv: the same process,
    /// so [`Running`]'s deadline kills pasv itself).
    pub fn open_files(mut self, limit: u32) -> Self {
        self.open_files = Some(limit);
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// HOME (and the config, data and netrc paths under it) at `home`, for runs that share one.
    pub fn shared_home(self, home: &Path) -> Self {
        let at = |rel: &str| home.join(rel).to_str().expect("UTF-8 temp path").to_string();
        self.env("HOME", &at(""))
            .env("XDG_CONFIG_HOME", &at(".config"))
            .env("XDG_DATA_HOME", &at(".local/share"))
            .env("NETRC", &at(".netrc"))
    }

    pub fn command(&self) -> Command {
        let pasv = env!("CARGO_BIN_EXE_pasv");
        let mut cmd = match self.open_files {
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.arg("-c").arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\"")).arg(pasv);
                sh
            }
            None => Command::new(pasv),
        };
        cmd.args(&self.args)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_DATA_HOME", self.home.path().join(".local/share"))
            .env("NETRC", self.home.path().join(".netrc"))
            .env("NO_COLOR", "1")
            .env_remove("PASV_PASSWORD")
            .env_remove("CI");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Runs to completion (killed after 45 s) on a blocking thread.
    pub async fn run(self) -> Run {
        tokio::task::spawn_blocking(move || self.run_blocking()).await.expect("runner thread")
    }

    pub fn run_blocking(self) -> Run {
        let data = self.stdin.clone();
        let mut running = self.start(data.is_some());
        if let Some(data) = data {
            let mut stdin = running.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&data);
            });
        }
        running.wait_blocking()
    }

    /// Starts pasv in the background with its stdin open, for tests that act while it runs:
    /// write a script line once the server is in some state, send a signal.
    pub fn spawn(self) -> Running {
        self.start(true)
    }

    fn start(self, piped_stdin: bool) -> Running {
        let mut cmd = self.command();
        cmd.stdin(if piped_stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("spawn pasv");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        Running {
            stdin,
            out_reader: std::thread::spawn(move || read_all(stdout)),
            err_reader: std::thread::spawn(move || read_all(stderr)),
            child,
            started,
            args: self.args,
            _home: self.home,
        }
    }
}

/// A `pasv` process started by [`Pasv::spawn`].
pub struct Running {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    out_reader: std::thread::JoinHandle<Vec<u8>>,
    err_reader: std::thread::JoinHandle<Vec<u8>>,
    started: Instant,
    args: Vec<String>,
    _home: tempfile::TempDir,
}

impl Running {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Writes `text` to pasv's stdin (a pipe: small writes do not block).
    pub fn write_stdin(&mut self, text: &str) {
        use std::io::Write;
        self.stdin.as_mut().expect("stdin is open").write_all(text.as_bytes()).expect("write to pasv's stdin");
    }

    /// End of input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Whether pasv has exited already (without waiting).
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_some()
    }

    /// SIGKILL to pasv's process (by its PID), as a CI job's time limit does; false when it
    /// had exited already.
    pub fn kill(&mut self) -> bool {
        !self.exited() && self.child.kill().is_ok()
    }

    /// Waits for pasv to exit (killed 45 s after it started) on a blocking thread.
    pub async fn finish(self) -> Run {
        tokio::task::spawn_blocking(move || self.wait_blocking()).await.expect("runner thread")
    }

    fn wait_blocking(mut self) -> Run {
        let deadline = self.started + Duration::from_secs(45);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("pasv {:?} did not finish within 45 s", self.args);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let elapsed = self.started.elapsed();
        let stdout_bytes = self.out_reader.join().expect("stdout reader");
        let stderr = String::from_utf8_lossy(&self.err_reader.join().expect("stderr reader")).into_owned();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout_bytes).into_owned(),
            stdout_bytes,
            stderr,
            elapsed,
        }
    }
}

fn read_all(mut r: impl std::io::Read) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = r.read_to_end(&mut v);
    v
}

/// A libunftp server on 127.0.0.1:0 serving a fresh temporary folder.
pub struct TestServer {
    pub server: RunningServer,
    pub root: tempfile::TempDir,
}

impl TestServer {
    pub async fn start(writable: bool) -> Self {
        Self::start_with(|o| o.writable = writable).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut ServerOptions)) -> Self {
        let root = tempfile::tempdir().expect("server root");
        let mut options = ServerOptions::new(root.path());
        configure(&mut options);
        let server = RunningServer::start(options).await.expect("start server");
        Self { server, root }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.server.url(), path.trim_start_matches('/'))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }
}

/// Bytes whose value depends on their position, so shifted data never compares equal.
pub fn patterned(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 251) as u8).collect()
}

/// The relative paths of the files under `root` while a run may be changing it: a file or
/// directory that goes between its listing and a look at it (a temporary renamed into place)
/// is left out, not an error.
pub fn files_now(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => stack.push(entry.path()),
                Ok(_) => out.push(entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned()),
                Err(_) => {}
            }
        }
    }
    out
}
