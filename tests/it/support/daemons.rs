//! Real FTP daemons on loopback for the interop tests: vsftpd, ProFTPD (+mod_tls), pure-ftpd
//! and pyftpdlib, each started as scripts/daemon-recipes.md says (foreground, 127.0.0.1, a free
//! control port and a passive port range of its own, a fresh root directory), and killed by PID
//! when the [`Daemon`] is dropped, panicking test or not.
//!
//! The daemons come from scripts/install-test-deps (under /opt/pasv-daemons, plus pip's
//! pyftpdlib). When one is missing, [`Daemon::start`] returns [`Unavailable`] and the caller
//! reports it through [`unavailable`]: `SKIPPED` on a developer machine, a failure when
//! `CI=true`.

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where scripts/install-test-deps unpacks the daemons.
fn prefix() -> PathBuf {
    std::env::var_os("PASV_DAEMONS_PREFIX").map(PathBuf::from).unwrap_or_else(|| "/opt/pasv-daemons".into())
}

/// The local account for user logins (scripts/install-test-deps creates it with this password;
/// pure-ftpd and pyftpdlib get a virtual user of the same name and password).
pub const USER: &str = "pasvftp";
pub const PASSWORD: &str = "pasvftp";
/// The system account anonymous sessions run as.
const ANON_ACCOUNT: &str = "ftp";
const PAM_SERVICE: &str = "/etc/pam.d/pasv-ftp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Vsftpd,
    Proftpd,
    PureFtpd,
    Pyftpdlib,
    /// Twisted's `twisted.protocols.ftp` (PyPI): reads no command until a passive connection
    /// is used, answers STOR without a 1xx when the data came first.
    Twisted,
    /// ftp-srv (npm), the common Node.js server.
    FtpSrv,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Vsftpd => "vsftpd",
            Kind::Proftpd => "proftpd",
            Kind::PureFtpd => "pure-ftpd",
            Kind::Pyftpdlib => "pyftpdlib",
            Kind::Twisted => "twisted",
            Kind::FtpSrv => "ftp-srv",
        }
    }

    /// Whether the server offers MLSD (RFC 3659); vsftpd 3.0.3 has LIST only.
    pub fn has_mlsd(self) -> bool {
        matches!(self, Kind::Proftpd | Kind::PureFtpd | Kind::Pyftpdlib)
    }

    /// Servers that run as root and serve files as root: no system accounts involved.
    fn runs_as_root(self) -> bool {
        matches!(self, Kind::Pyftpdlib | Kind::Twisted | Kind::FtpSrv)
    }

    /// The daemon's version, as installed (for the matrix header).
    pub fn version(self) -> String {
        let python_version = |expression: &str| {
            python()
                .ok()
                .and_then(|py| {
                    let out = Command::new(py).args(["-c", expression]).output().ok()?;
                    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
                })
                .unwrap_or_else(|| "?".into())
        };
        match self {
            Kind::Pyftpdlib => python_version("import pyftpdlib; print(pyftpdlib.__ver__)"),
            Kind::Twisted => python_version("import twisted; print(twisted.__version__)"),
            Kind::FtpSrv => fs::read_to_string(ftp_srv_modules().join("ftp-srv/package.json"))
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|json| json["version"].as_str().map(str::to_string))
                .unwrap_or_else(|| "?".into()),
            _ => {
                let stamp = fs::read_to_string(prefix().join(self.name()).join(".pasv-installed")).unwrap_or_default();
                // "package=version" lines: the first package is the daemon itself.
                stamp.lines().next().and_then(|l| l.split_once('=')).map(|(_, v)| v.to_string()).unwrap_or("?".into())
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Off,
    /// AUTH TLS on the control connection (RFC 4217), required for login and data.
    Explicit,
    /// TLS from the first byte (`ftps://`).
    Implicit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// What to start.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub kind: Kind,
    pub tls: Tls,
    /// Pin the server to one TLS version (vsftpd through OPENSSL_CONF, ProFTPD by TLSProtocol).
    pub tls_version: Option<TlsVersion>,
    /// Advertise this address in 227 replies instead of the real one.
    pub masquerade: Option<Ipv4Addr>,
    /// Refuse EPSV (ProFTPD `<Limit EPSV> DenyAll`).
    pub deny_epsv: bool,
    /// Refuse PASV (ProFTPD `<Limit PASV> DenyAll`).
    pub deny_pasv: bool,
    /// Serve the certificate FTPS tutorials make (`tutorial_certificate`) instead of one
    /// signed by the test CA.
    pub tutorial_cert: bool,
    /// At most this many connections from one address, as shared hosts configure (vsftpd
    /// `max_per_ip`, ProFTPD `MaxClientsPerHost`, pure-ftpd `-C`; not the others).
    pub max_per_host: Option<u32>,
    /// Refuse a STOR over an existing file (ProFTPD `AllowOverwrite off`, its compiled
    /// default; not the others).
    pub no_overwrite: bool,
    /// vsftpd without `allow_writeable_chroot`: a login into a root the user can write ends
    /// in vsftpd's fatal "500 OOPS: vsftpd: refusing to run with writable root inside
    /// chroot()", the error every vsftpd tutorial meets (not the others).
    pub refuse_writable_root: bool,
}

impl Spec {
    pub const fn plain(kind: Kind) -> Self {
        Self {
            kind,
            tls: Tls::Off,
            tls_version: None,
            masquerade: None,
            deny_epsv: false,
            deny_pasv: false,
            tutorial_cert: false,
            max_per_host: None,
            no_overwrite: false,
            refuse_writable_root: false,
        }
    }
}

/// Why a daemon cannot run on this machine (not installed, not root, ...).
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

/// Reports a daemon that cannot run: `SKIPPED` normally, a test failure when `CI=true`.
pub fn unavailable(what: &str, why: &Unavailable) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is required in CI (CI=true) but cannot run: {}", why.0);
    }
    eprintln!("SKIPPED {what}: {}", why.0);
}

/// A running daemon, killed (SIGTERM, then SIGKILL) when dropped.
pub struct Daemon {
    pub spec: Spec,
    pub port: u16,
    /// The user's root directory (chrooted: the user sees it as `/`).
    pub root: PathBuf,
    /// The directory anonymous may write to, on disk, and as anonymous names it (relative to
    /// the anonymous login directory).
    pub anon_dir: PathBuf,
    pub anon_path: String,
    child: Child,
    /// Kills the daemon if this test process dies without dropping it (Ctrl-C, SIGKILL).
    watchdog: Option<Child>,
    log: PathBuf,
    /// pure-ftpd's anonymous directory lives under the `ftp` account's home: removed on drop.
    anon_outside: Option<PathBuf>,
    owner: Option<(u32, u32)>,
    anon_owner: Option<(u32, u32)>,
    _root: tempfile::TempDir,
    _work: tempfile::TempDir,
}

impl Daemon {
    /// Starts the daemon and waits until it accepts connections.
    ///
    /// `Err` when the daemon (or what it needs) is not installed; a daemon that is installed
    /// but does not come up is a panic with its error output.
    pub fn start(spec: Spec) -> Result<Daemon, Unavailable> {
        let limits = matches!(spec.kind, Kind::Vsftpd | Kind::Proftpd | Kind::PureFtpd);
        assert!(spec.max_per_host.is_none() || limits, "{} is started without a limit per host", spec.kind.name());
        check_available(&spec)?;
        let mut last_error = String::new();
        // A control port found free can be taken by someone else before the daemon binds it:
        // try again with another.
        for _ in 0..3 {
            match Self::start_on(spec, free_port())? {
                Ok(daemon) => return Ok(daemon),
                Err(e) => last_error = e,
            }
        }
        panic!("{} did not start: {last_error}", spec.kind.name());
    }

    /// The daemon on control port `port`: `Ok(Err(why))` when it did not come up there.
    fn start_on(spec: Spec, port: u16) -> Result<Result<Daemon, String>, Unavailable> {
        let root_dir = tempfile::Builder::new().prefix("pasv-interop-root.").tempdir().expect("temp root");
        let work_dir = tempfile::Builder::new().prefix("pasv-interop-work.").tempdir().expect("temp work dir");
        let root = root_dir.path().to_path_buf();
        let work = work_dir.path().to_path_buf();
        set_mode(&root, 0o755);
        set_mode(&work, 0o755);
        let passive_ports = passive_range();
        let log = work.join("daemon.log");

        // Pyftpdlib runs as root and serves files as root: no accounts involved.
        let owner = if spec.kind.runs_as_root() { None } else { Some(account(USER)?) };
        let anon_owner = if spec.kind.runs_as_root() { None } else { Some(account(ANON_ACCOUNT)?) };
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&root, Some(uid), Some(gid)).expect("chown root");
        }
        // Anonymous must not be able to write its chroot root (vsftpd refuses to run then):
        // it writes into a subdirectory it owns.
        let (anon_dir, anon_path, anon_outside) = if spec.kind == Kind::PureFtpd {
            // pure-ftpd chroots anonymous sessions into the ftp account's home, whatever we say.
            let home = account_home(ANON_ACCOUNT)?;
            let dir = tempfile::Builder::new()
                .prefix("pasv-interop-anon.")
                .tempdir_in(&home)
                .map_err(|e| Unavailable(format!("cannot create a directory in {}: {e}", home.display())))?
                .keep();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            (dir.clone(), name, Some(dir))
        } else {
            let dir = root.join("pub");
            fs::create_dir(&dir).expect("create pub");
            (dir, "pub".to_string(), None)
        };
        set_mode(&anon_dir, 0o755);
        if let Some((uid, gid)) = anon_owner {
            std::os::unix::fs::chown(&anon_dir, Some(uid), Some(gid)).expect("chown anonymous directory");
        }

        let mut command = match spec.kind {
            Kind::Vsftpd => vsftpd_command(&spec, &root, &work, port, passive_ports)?,
            Kind::Proftpd => proftpd_command(&spec, &root, &work, port, passive_ports)?,
            Kind::PureFtpd => pure_ftpd_command(&spec, &root, &work, port, passive_ports, owner)?,
            Kind::Pyftpdlib => pyftpdlib_command(&spec, &root, &work, port, passive_ports)?,
            Kind::Twisted => twisted_command(&spec, &root, &work, port, passive_ports)?,
            Kind::FtpSrv => ftp_srv_command(&spec, &root, &work, port, passive_ports)?,
        };
        let log_file = fs::OpenOptions::new().create(true).append(true).open(&log).expect("daemon log");
        // vsftpd writes its start-up errors ("500 OOPS: ...") to file descriptor 0.
        let stdin =
            if spec.kind == Kind::Vsftpd { Stdio::from(log_file.try_clone().expect("log")) } else { Stdio::null() };
        command.stdin(stdin).stdout(log_file.try_clone().expect("log")).stderr(log_file);
        let child = command.spawn().map_err(|e| Unavailable(format!("cannot run {:?}: {e}", command.get_program())))?;
        let watchdog = Command::new("sh")
            .args([
                "-c",
                r#"while kill -0 "$1" && kill -0 "$2"; do sleep 1; done 2>/dev/null; kill "$2" 2>/dev/null"#,
                "pasv-interop-watchdog",
            ])
            .arg(std::process::id().to_string())
            .arg(child.id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        let mut daemon = Daemon {
            spec,
            port,
            root,
            anon_dir,
            anon_path,
            child,
            watchdog,
            log,
            anon_outside,
            owner,
            anon_owner,
            _root: root_dir,
            _work: work_dir,
        };
        match daemon.wait_ready() {
            Ok(()) => Ok(Ok(daemon)),
            Err(e) => Ok(Err(e)),
        }
    }

    /// Ready = the daemon's own process listens on its port and a TCP connect succeeds; the
    /// PID must stay alive meanwhile (a bad configuration makes the daemons exit at once).
    ///
    /// A connect alone is not proof: the port was found free, then released, and on a busy
    /// machine another test's server can take it while this daemon still starts (Python's take
    /// a second). The connect then reached that server, this daemon failed to bind and exited,
    /// and the tests talked to a stranger (one CI run: a pyftpdlib row's upload landed in
    /// another row's root). The daemon, finding its port taken, exits: started again on another.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Err(format!("exited with {status} on port {}; its output:\n{}", self.port, self.log_tail()));
            }
            if listens(self.child.id(), self.port)
                && TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, self.port).into(), Duration::from_millis(200))
                    .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "not listening on port {} after 10 s; its output:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The end of what the daemon wrote (its log, stderr, and vsftpd's fd 0).
    pub fn log_tail(&self) -> String {
        let text = fs::read(&self.log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        let start = text.len().saturating_sub(3000);
        let start = (start..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        text[start..].to_string()
    }

    /// `ftp://`, `ftpes://` or `ftps://` with the user's credentials (`user = true`) or none
    /// (anonymous), and `path` (already percent-encoded) after the host.
    pub fn url(&self, user: bool, path: &str) -> String {
        let scheme = match self.spec.tls {
            Tls::Off => "ftp",
            Tls::Explicit => "ftpes",
            Tls::Implicit => "ftps",
        };
        let login = if user { format!("{USER}:{PASSWORD}@") } else { String::new() };
        format!("{scheme}://{login}127.0.0.1:{}/{}", self.port, path.trim_start_matches('/'))
    }

    /// Makes what a test put under the user's root look as if the user had made it (owner,
    /// 0755 directories, 0644 files), and the same for anonymous's directory with its account.
    pub fn fix_ownership(&self) {
        walk(&self.root, &mut |path, is_dir| {
            let owner = if path.starts_with(&self.anon_dir) { self.anon_owner } else { self.owner };
            set_mode(path, if is_dir { 0o755 } else { 0o644 });
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
            }
        });
        if self.anon_outside.is_some() {
            walk(&self.anon_dir, &mut |path, is_dir| {
                set_mode(path, if is_dir { 0o755 } else { 0o644 });
                if let Some((uid, gid)) = self.anon_owner {
                    std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
                }
            });
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // The watchdog first, so that it never signals a PID that is no longer the daemon's.
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let pid = self.child.id();
        if matches!(self.child.try_wait(), Ok(None)) {
            // SIGTERM (the shell's own kill: no dependency on procps), SIGKILL if that fails.
            let _ = Command::new("sh")
                .args(["-c", r#"kill -TERM "$1""#, "sh", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                let _ = self.child.kill();
            }
            let _ = self.child.wait();
        }
        if let Some(dir) = &self.anon_outside {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path, bool)) {
    f(dir, true);
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, f),
            Ok(t) if t.is_file() => f(&path, false),
            _ => {}
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A port nothing listens on right now.
/// Whether process `pid` holds a socket listening on TCP `port` (any address, IPv4 or IPv6):
/// the socket inodes that /proc/net/tcp{,6} list in state LISTEN (0A) on that port, against
/// the `socket:[inode]` links of the process's file descriptors.
fn listens(pid: u32, port: u16) -> bool {
    let port = format!("{port:04X}");
    let listening: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| fs::read_to_string(table).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let (local_port, state, inode) =
                        (fields.get(1)?.rsplit(':').next()?, fields.get(3)?, fields.get(9)?);
                    (local_port == port && *state == "0A").then(|| format!("socket:[{inode}]"))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if listening.is_empty() {
        return false;
    }
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.filter_map(Result::ok)
        .filter_map(|fd| fs::read_link(fd.path()).ok())
        .any(|link| listening.iter().any(|socket| link.as_os_str() == socket.as_str()))
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0").local_addr().unwrap().port()
}

/// A passive port range of its own for each daemon: 40-port slots below Linux's ephemeral
/// range, starting at a slot chosen by the PID so that two test runs side by side differ.
fn passive_range() -> (u16, u16) {
    const FIRST: u32 = 20_000;
    const SLOT: u32 = 40;
    const SLOTS: u32 = 300;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(u32::MAX, std::process::id() * 7 % SLOTS, Ordering::SeqCst, Ordering::SeqCst);
    loop {
        let slot = NEXT.fetch_add(1, Ordering::SeqCst) % SLOTS;
        let low = (FIRST + slot * SLOT) as u16;
        let high = low + SLOT as u16 - 1;
        // Skip a slot with any port taken, on any address (another run, another program, a
        // proxy on 127.0.0.2): Twisted binds its passive ports on 0.0.0.0, which fails beside
        // a listener on any loopback address.
        if (low..=high).all(|port| TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()) {
            return (low, high);
        }
    }
}

/// uid and gid of a local account.
fn account(name: &str) -> Result<(u32, u32), Unavailable> {
    let fields = passwd_entry(name)?;
    let uid = fields[2].parse().map_err(|_| Unavailable(format!("bad uid for {name}")))?;
    let gid = fields[3].parse().map_err(|_| Unavailable(format!("bad gid for {name}")))?;
    Ok((uid, gid))
}

fn account_home(name: &str) -> Result<PathBuf, Unavailable> {
    Ok(PathBuf::from(&passwd_entry(name)?[5]))
}

fn passwd_entry(name: &str) -> Result<Vec<String>, Unavailable> {
    let out = Command::new("getent")
        .args(["passwd", name])
        .output()
        .map_err(|e| Unavailable(format!("cannot run getent: {e}")))?;
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let fields: Vec<String> = line.split(':').map(str::to_string).collect();
    if !out.status.success() || fields.len() < 7 {
        return Err(Unavailable(format!("no local account {name:?} (run scripts/install-test-deps)")));
    }
    Ok(fields)
}

fn require_file(path: &Path) -> Result<(), Unavailable> {
    if path.is_file() {
        Ok(())
    } else {
        Err(Unavailable(format!("{} not found (run scripts/install-test-deps)", path.display())))
    }
}

fn check_available(spec: &Spec) -> Result<(), Unavailable> {
    let uid = fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
    if uid != 0 {
        return Err(Unavailable("the daemons run as root (chroot, PAM, privilege drop); this is not root".into()));
    }
    match spec.kind {
        Kind::Vsftpd => {
            require_file(&prefix().join("vsftpd/usr/sbin/vsftpd"))?;
            require_file(Path::new(PAM_SERVICE))?;
            if !prefix().join("vsftpd/empty").is_dir() {
                return Err(Unavailable(format!("{} missing", prefix().join("vsftpd/empty").display())));
            }
        }
        Kind::Proftpd => {
            require_file(&prefix().join("proftpd/usr/sbin/proftpd"))?;
            if spec.tls != Tls::Off {
                require_file(&prefix().join("proftpd/usr/lib/proftpd/mod_tls.so"))?;
            }
        }
        Kind::PureFtpd => {
            require_file(&prefix().join("pure-ftpd/usr/sbin/pure-ftpd"))?;
            require_file(&prefix().join("pure-ftpd/usr/bin/pure-pw"))?;
        }
        Kind::Pyftpdlib => {
            let py = python()?;
            let modules = if spec.tls == Tls::Off { "import pyftpdlib" } else { "import pyftpdlib, OpenSSL" };
            let ok = Command::new(py).args(["-c", modules]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
            if !ok {
                return Err(Unavailable(format!("python3 cannot `{modules}` (pip install pyftpdlib pyopenssl)")));
            }
        }
        Kind::Twisted => {
            let ok = Command::new(python()?)
                .args(["-c", "import twisted.protocols.ftp"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err(Unavailable("python3 cannot `import twisted.protocols.ftp` (pip install twisted)".into()));
            }
        }
        Kind::FtpSrv => {
            node()?;
            require_file(&ftp_srv_modules().join("ftp-srv/package.json"))?;
        }
    }
    if !spec.kind.runs_as_root() {
        account(USER)?;
        account(ANON_ACCOUNT)?;
    }
    if spec.tls != Tls::Off {
        served_certificate(spec)?;
    }
    Ok(())
}

/// The real python3 interpreter (not a pyenv shim, which costs start-up time and a PID that is
/// not the server's).
fn python() -> Result<&'static Path, Unavailable> {
    static PYTHON: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let out = Command::new("python3")
                .args(["-c", "import sys; print(sys.executable)"])
                .output()
                .map_err(|e| Unavailable(format!("no python3: {e}")))?;
            let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if out.status.success() && path.is_file() {
                Ok(path)
            } else {
                Err(Unavailable("python3 does not say where it is".into()))
            }
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

/// A CA and a leaf certificate for 127.0.0.1, ::1 and localhost signed by it, made once per
/// test run with the openssl CLI (a self-signed certificate is a CA, which rustls refuses as an
/// end entity).
pub struct Certificates {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn certificates() -> Result<&'static Certificates, Unavailable> {
    static CERTS: OnceLock<Result<Certificates, Unavailable>> = OnceLock::new();
    CERTS.get_or_init(make_certificates).as_ref().map_err(Clone::clone)
}

/// The certificate every FTPS tutorial makes, made the same way: `openssl req -x509 -nodes
/// -days 365 -newkey rsa:2048 -keyout F -out F`, key and certificate in one file, self-signed,
/// `CA:TRUE`, the address only as its common name (no subjectAltName). The client is given the
/// same file with `--ca-file`.
pub fn tutorial_certificate() -> Result<&'static Path, Unavailable> {
    static TUTORIAL: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    TUTORIAL
        .get_or_init(|| {
            let dir = certificates()?.ca.parent().expect("certificate folder").to_path_buf();
            let out = Command::new("openssl")
                .args(["req", "-x509", "-nodes", "-days", "365", "-newkey", "rsa:2048"])
                .args(["-keyout", "tutorial.pem", "-out", "tutorial.pem", "-subj", "/CN=127.0.0.1"])
                .current_dir(&dir)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| Unavailable(format!("cannot run openssl: {e}")))?;
            if !out.status.success() {
                return Err(Unavailable(format!("openssl req -x509 failed: {}", String::from_utf8_lossy(&out.stderr))));
            }
            let path = dir.join("tutorial.pem");
            set_mode(&path, 0o644);
            Ok(path)
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

/// The certificate and key files a daemon of `spec` serves.
fn served_certificate(spec: &Spec) -> Result<(PathBuf, PathBuf), Unavailable> {
    if spec.tutorial_cert {
        let path = tutorial_certificate()?.to_path_buf();
        return Ok((path.clone(), path));
    }
    let certs = certificates()?;
    Ok((certs.cert.clone(), certs.key.clone()))
}

/// What a client gives `--ca-file` to trust a daemon of `spec`.
pub fn client_ca(spec: &Spec) -> Result<PathBuf, Unavailable> {
    if spec.tutorial_cert { tutorial_certificate().map(Path::to_path_buf) } else { Ok(certificates()?.ca.clone()) }
}

fn make_certificates() -> Result<Certificates, Unavailable> {
    // Under the target directory, one folder per test process; folders of finished runs go.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-certs");
    fs::create_dir_all(&base).expect("certificate folder");
    if let Ok(entries) = fs::read_dir(&base) {
        for entry in entries.flatten() {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok();
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(std::process::id().to_string());
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("certificate folder");
    let openssl = |args: &[&str]| -> Result<(), Unavailable> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Unavailable(format!("cannot run openssl: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Unavailable(format!("openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr))))
        }
    };
    fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\n\
         subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n",
    )
    .expect("leaf.ext");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=pasv interop test CA",
    ])?;
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ])?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "30",
        "-extfile",
        "leaf.ext",
    ])?;
    Ok(Certificates { ca: dir.join("ca.pem"), cert: dir.join("server.pem"), key: dir.join("server.key") })
}

fn write_config(path: &Path, text: &str) {
    let mut f = fs::File::create(path).expect("config file");
    f.write_all(text.as_bytes()).expect("write config");
    // vsftpd insists on a config file owned by root and not writable by others.
    set_mode(path, 0o644);
}

fn vsftpd_command(spec: &Spec, root: &Path, work: &Path, port: u16, pasv: (u16, u16)) -> Result<Command, Unavailable> {
    let root = root.display();
    let empty = prefix().join("vsftpd/empty");
    let mut conf = format!(
        "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
         seccomp_sandbox=NO\nsecure_chroot_dir={empty}\nxferlog_enable=NO\n\
         pasv_enable=YES\npasv_min_port={}\npasv_max_port={}\n\
         write_enable=YES\nlocal_enable=YES\npam_service_name=pasv-ftp\nlocal_root={root}\n\
         chroot_local_user=YES\nallow_writeable_chroot={writable_root}\nlocal_umask=022\n\
         anonymous_enable=YES\nno_anon_password=YES\nftp_username={ANON_ACCOUNT}\nanon_root={root}\n\
         anon_upload_enable=YES\nanon_mkdir_write_enable=YES\nanon_other_write_enable=YES\nanon_umask=022\n",
        pasv.0,
        pasv.1,
        empty = empty.display(),
        writable_root = if spec.refuse_writable_root { "NO" } else { "YES" },
    );
    if let Some(addr) = spec.masquerade {
        conf.push_str(&format!("pasv_address={addr}\n"));
    }
    if let Some(n) = spec.max_per_host {
        conf.push_str(&format!("max_per_ip={n}\n"));
    }
    if spec.tls != Tls::Off {
        let (cert, key) = served_certificate(spec)?;
        conf.push_str(&format!(
            "ssl_enable=YES\nrsa_cert_file={}\nrsa_private_key_file={}\nssl_ciphers=HIGH\n\
             allow_anon_ssl=YES\nforce_local_logins_ssl=YES\nforce_local_data_ssl=YES\n\
             force_anon_logins_ssl=YES\nforce_anon_data_ssl=YES\nrequire_ssl_reuse=YES\n",
            cert.display(),
            key.display()
        ));
        if spec.tls == Tls::Implicit {
            conf.push_str("implicit_ssl=YES\n");
        }
    }
    let conf_path = work.join("vsftpd.conf");
    write_config(&conf_path, &conf);
    let mut command = Command::new(prefix().join("vsftpd/usr/sbin/vsftpd"));
    command.arg(&conf_path);
    // This vsftpd has no ssl_tlsv1_2/1_3 options: pin the version through OpenSSL's own
    // configuration, read from the environment.
    if let Some(version) = spec.tls_version {
        let bound = match version {
            TlsVersion::Tls12 => "MaxProtocol = TLSv1.2",
            TlsVersion::Tls13 => "MinProtocol = TLSv1.3",
        };
        let openssl_conf = work.join("openssl.cnf");
        write_config(
            &openssl_conf,
            &format!(
                "openssl_conf = pasv_conf\n[pasv_conf]\nssl_conf = pasv_ssl\n[pasv_ssl]\n\
                 system_default = pasv_tls\n[pasv_tls]\n{bound}\n"
            ),
        );
        command.env("OPENSSL_CONF", openssl_conf);
    }
    Ok(command)
}

fn proftpd_command(spec: &Spec, root: &Path, work: &Path, port: u16, pasv: (u16, u16)) -> Result<Command, Unavailable> {
    let root = root.display();
    let w = work.display();
    let modules = prefix().join("proftpd/usr/lib/proftpd");
    let mut limits = String::new();
    if spec.deny_epsv {
        limits.push_str("<Limit EPSV>\n  DenyAll\n</Limit>\n");
    }
    if spec.deny_pasv {
        limits.push_str("<Limit PASV>\n  DenyAll\n</Limit>\n");
    }
    let mut conf = format!(
        "ServerType standalone\nServerName \"pasv interop proftpd\"\nDefaultAddress 127.0.0.1\n\
         SocketBindTight on\nPort {port}\nPassivePorts {} {}\nUseIPv6 off\nUser nobody\nGroup nogroup\n\
         PidFile {w}/proftpd.pid\nScoreboardFile {w}/proftpd.scoreboard\nSystemLog {w}/proftpd.log\n\
         TransferLog none\nWtmpLog off\nDelayEngine off\nUseReverseDNS off\nModulePath {modules}\n\
         AuthOrder mod_auth_unix.c\nRequireValidShell off\nDefaultRoot {root}\nUmask 022\nAllowOverwrite {overwrite}\nAllowStoreRestart on\n\
         {limits}\
         <Anonymous {root}>\n  User {ANON_ACCOUNT}\n  Group {ANON_ACCOUNT}\n  UserAlias anonymous {ANON_ACCOUNT}\n\
         RequireValidShell off\n{limits}  <Directory pub>\n    <Limit WRITE>\n      AllowAll\n    </Limit>\n\
         </Directory>\n</Anonymous>\n",
        pasv.0,
        pasv.1,
        modules = modules.display(),
        overwrite = if spec.no_overwrite { "off" } else { "on" },
    );
    if let Some(addr) = spec.masquerade {
        conf.push_str(&format!("MasqueradeAddress {addr}\n"));
    }
    if let Some(n) = spec.max_per_host {
        conf.push_str(&format!("MaxClientsPerHost {n}\n"));
    }
    if spec.tls != Tls::Off {
        let (cert, key) = served_certificate(spec)?;
        let protocols = match spec.tls_version {
            None => "TLSv1.2 TLSv1.3",
            Some(TlsVersion::Tls12) => "TLSv1.2",
            Some(TlsVersion::Tls13) => "TLSv1.3",
        };
        conf.push_str(&format!(
            "LoadModule mod_tls.c\n<IfModule mod_tls.c>\n  TLSEngine on\n  TLSRequired on\n  TLSProtocol {protocols}\n\
             TLSRSACertificateFile {}\n  TLSRSACertificateKeyFile {}\n  TLSVerifyClient off\n  TLSLog {w}/tls.log\n{}\
             </IfModule>\n",
            cert.display(),
            key.display(),
            if spec.tls == Tls::Implicit { "  TLSOptions UseImplicitSSL\n" } else { "" },
        ));
    }
    let conf_path = work.join("proftpd.conf");
    write_config(&conf_path, &conf);
    let mut command = Command::new(prefix().join("proftpd/usr/sbin/proftpd"));
    command.arg("-n").arg("-q").arg("-c").arg(&conf_path);
    Ok(command)
}

fn pure_ftpd_command(
    spec: &Spec,
    root: &Path,
    work: &Path,
    port: u16,
    pasv: (u16, u16),
    owner: Option<(u32, u32)>,
) -> Result<Command, Unavailable> {
    let (uid, gid) = owner.expect("pure-ftpd maps its virtual user to a local account");
    // A SHA-512 crypt hash: pure-pw's own argon2id costs seconds per login.
    let hash = Command::new("openssl")
        .args(["passwd", "-6", PASSWORD])
        .output()
        .map_err(|e| Unavailable(format!("cannot run openssl: {e}")))?;
    let hash = String::from_utf8_lossy(&hash.stdout).trim().to_string();
    let passwd = work.join("pureftpd.passwd");
    // `ROOT/./`: chroot into ROOT.
    fs::write(&passwd, format!("{USER}:{hash}:{uid}:{gid}::{}/./::::::::::::\n", root.display())).expect("passwd");
    let pdb = work.join("pureftpd.pdb");
    let out = Command::new(prefix().join("pure-ftpd/usr/bin/pure-pw"))
        .arg("mkdb")
        .arg(&pdb)
        .arg("-f")
        .arg(&passwd)
        .output()
        .map_err(|e| Unavailable(format!("cannot run pure-pw: {e}")))?;
    assert!(out.status.success(), "pure-pw mkdb failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut command = Command::new(prefix().join("pure-ftpd/usr/sbin/pure-ftpd"));
    command
        .arg("-S")
        .arg(format!("127.0.0.1,{port}"))
        .arg("-p")
        .arg(format!("{}:{}", pasv.0, pasv.1))
        .arg("-l")
        .arg(format!("puredb:{}", pdb.display()))
        // chroot everyone, no reverse DNS, no syslog, anonymous may create directories.
        .args(["-A", "-H", "-f", "none", "-M"]);
    if let Some(addr) = spec.masquerade {
        command.arg("-P").arg(addr.to_string());
    }
    if let Some(n) = spec.max_per_host {
        command.arg("-C").arg(n.to_string());
    }
    if spec.tls != Tls::Off {
        assert_eq!(spec.tls, Tls::Explicit, "pure-ftpd has no implicit FTPS");
        let (cert, key) = served_certificate(spec)?;
        // -Y 3: TLS required for the control connection and for data.
        command.args(["-Y", "3", "-2"]).arg(format!("{},{}", cert.display(), key.display()));
    }
    Ok(command)
}

const PYFTPDLIB_SERVER: &str = r#"
import logging, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.servers import FTPServer

port, root, low, high, masquerade, cert, key, user, password = sys.argv[1:10]
logging.basicConfig(level=logging.INFO)
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, root, perm="elradfmwMT")
authorizer.add_anonymous(root, perm="elradfmwMT")
if cert != "-":
    from pyftpdlib.handlers import TLS_FTPHandler as Handler
    Handler.certfile, Handler.keyfile = cert, key
    Handler.tls_control_required = True
    Handler.tls_data_required = True
else:
    from pyftpdlib.handlers import FTPHandler as Handler
Handler.authorizer = authorizer
Handler.passive_ports = range(int(low), int(high) + 1)
if masquerade != "-":
    Handler.masquerade_address = masquerade
FTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
"#;

const TWISTED_SERVER: &str = r#"
import sys
from zope.interface import implementer
from twisted.cred.checkers import AllowAnonymousAccess, InMemoryUsernamePasswordDatabaseDontUse
from twisted.cred.portal import IRealm, Portal
from twisted.internet import reactor
from twisted.protocols.ftp import FTPFactory, FTPShell, IFTPShell
from twisted.python.filepath import FilePath

port, root, low, high, user, password = sys.argv[1:7]

@implementer(IRealm)
class Realm:
    # The user and anonymous both get a writable shell on the root (Twisted's own FTPRealm
    # gives anonymous a read-only one).
    def requestAvatar(self, avatar_id, mind, *interfaces):
        if IFTPShell in interfaces:
            return IFTPShell, FTPShell(FilePath(root)), lambda: None
        raise NotImplementedError(interfaces)

users = InMemoryUsernamePasswordDatabaseDontUse()
users.addUser(user, password)
factory = FTPFactory(Portal(Realm(), [AllowAnonymousAccess(), users]))
factory.allowAnonymous = True
factory.passivePortRange = range(int(low), int(high) + 1)
factory.welcomeMessage = "pasv interop twisted"
reactor.listenTCP(int(port), factory, interface="127.0.0.1")
reactor.run()
"#;

fn twisted_command(spec: &Spec, root: &Path, work: &Path, port: u16, pasv: (u16, u16)) -> Result<Command, Unavailable> {
    assert_eq!(spec.tls, Tls::Off, "twisted.protocols.ftp has no FTPS");
    assert!(spec.masquerade.is_none(), "twisted.protocols.ftp cannot masquerade");
    let script = work.join("twisted_ftpd.py");
    fs::write(&script, TWISTED_SERVER).expect("server script");
    let mut command = Command::new(python()?);
    command.arg("-u").arg(&script).args([
        port.to_string(),
        root.display().to_string(),
        pasv.0.to_string(),
        pasv.1.to_string(),
        USER.to_string(),
        PASSWORD.to_string(),
    ]);
    Ok(command)
}

const FTP_SRV_SERVER: &str = r#"
const FtpSrv = require('ftp-srv');
const bunyan = require('bunyan');
const fs = require('fs');
const [port, root, low, high, masquerade, cert, key, user, password] = process.argv.slice(2);
const options = {
  url: `ftp://127.0.0.1:${port}`,
  pasv_url: masquerade === '-' ? '127.0.0.1' : masquerade,
  pasv_min: Number(low),
  pasv_max: Number(high),
  anonymous: true,
  greeting: 'pasv interop ftp-srv',
  log: bunyan.createLogger({ name: 'ftp-srv', level: 'fatal' }),
};
if (cert !== '-') options.tls = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
const server = new FtpSrv(options);
server.on('login', ({ username, password: given }, resolve, reject) => {
  if (username === 'anonymous' || (username === user && given === password)) resolve({ root });
  else reject(new Error('login incorrect'));
});
server.listen();
"#;

/// Where scripts/install-test-deps puts ftp-srv and its dependencies.
fn ftp_srv_modules() -> PathBuf {
    prefix().join("ftp-srv/node_modules")
}

fn node() -> Result<PathBuf, Unavailable> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|p| p.is_file())
        .ok_or_else(|| Unavailable("node not found (run scripts/install-test-deps)".into()))
}

fn ftp_srv_command(spec: &Spec, root: &Path, work: &Path, port: u16, pasv: (u16, u16)) -> Result<Command, Unavailable> {
    assert_ne!(spec.tls, Tls::Implicit, "the matrix runs ftp-srv with explicit FTPS only");
    let script = work.join("ftp_srv.js");
    fs::write(&script, FTP_SRV_SERVER).expect("server script");
    let (cert, key) = match spec.tls {
        Tls::Off => ("-".to_string(), "-".to_string()),
        _ => {
            let (cert, key) = served_certificate(spec)?;
            (cert.display().to_string(), key.display().to_string())
        }
    };
    let mut command = Command::new(node()?);
    command.env("NODE_PATH", ftp_srv_modules()).arg(&script).args([
        port.to_string(),
        root.display().to_string(),
        pasv.0.to_string(),
        pasv.1.to_string(),
        spec.masquerade.map(|a| a.to_string()).unwrap_or("-".into()),
        cert,
        key,
        USER.to_string(),
        PASSWORD.to_string(),
    ]);
    Ok(command)
}

fn pyftpdlib_command(
    spec: &Spec,
    root: &Path,
    work: &Path,
    port: u16,
    pasv: (u16, u16),
) -> Result<Command, Unavailable> {
    let script = work.join("pyftpd.py");
    fs::write(&script, PYFTPDLIB_SERVER).expect("server script");
    let (cert, key) = match spec.tls {
        Tls::Off => ("-".to_string(), "-".to_string()),
        Tls::Explicit => {
            let (cert, key) = served_certificate(spec)?;
            (cert.display().to_string(), key.display().to_string())
        }
        Tls::Implicit => panic!("pyftpdlib has no implicit FTPS"),
    };
    let mut command = Command::new(python()?);
    command.arg("-u").arg(&script).args([
        port.to_string(),
        root.display().to_string(),
        pasv.0.to_string(),
        pasv.1.to_string(),
        spec.masquerade.map(|a| a.to_string()).unwrap_or("-".into()),
        cert,
        key,
        USER.to_string(),
        PASSWORD.to_string(),
    ]);
    Ok(command)
}

/// A daemon whose port another server took while it started is not taken for ready: it
/// exits (the port is in use) and the start fails there, to be tried on another port. Before,
/// a connect to the stranger counted as the daemon being ready.
#[test]
fn a_daemon_whose_port_is_taken_is_not_ready_on_it() {
    let stranger = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = stranger.local_addr().unwrap().port();
    match Daemon::start_on(Spec::plain(Kind::Pyftpdlib), port) {
        Err(why) => unavailable("pyftpdlib", &why),
        Ok(Ok(daemon)) => panic!("ready on port {port}, which another listener holds: {}", daemon.log_tail()),
        Ok(Err(why)) => assert!(why.contains("exited"), "{why}"),
    }
}

/// A port held by this process is this process's, not another's (a daemon must not take a
/// stranger's listener for its own).
#[test]
fn a_listener_is_told_apart_from_anothers() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut other = Command::new("sleep").arg("30").spawn().unwrap();
    assert!(listens(std::process::id(), port), "this process's listener on {port} not found");
    assert!(!listens(other.id(), port), "another process taken for the listener on {port}");
    drop(listener);
    assert!(!listens(std::process::id(), port), "a closed listener on {port} still found");
    let _ = other.kill();
    let _ = other.wait();
}
