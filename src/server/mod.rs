//! `pasv serve` and `pasv demo`: a local FTP(S) server for trying pasv, testing upload
//! scripts, and the integration tests. A thin wrapper over the libunftp server library (never
//! a home-made server): it adds a read-only mode, a single-user login, a self-signed TLS
//! certificate, and an accept loop that can bind port 0 and report the port it got.

mod auth;
mod readonly;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;

use libunftp::ServerBuilder;
use libunftp::options::{ActivePassiveMode, FtpsRequired};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use unftp_sbe_fs::Filesystem;

use self::auth::SingleUser;
use self::readonly::ReadOnly;
use crate::engine::pin_of_der;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub passive_ports: RangeInclusive<u16>,
    pub writable: bool,
    /// `Some((user, password))` requires that login; `None` accepts any (anonymous).
    pub login: Option<(String, String)>,
    /// Explicit FTPS with a certificate generated at start.
    pub tls: bool,
    /// Explicit FTPS with this certificate and key (PEM files; they may be one file) instead
    /// of a generated one.
    pub certificate_files: Option<(PathBuf, PathBuf)>,
    pub greeting: &'static str,
}

impl ServerOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            passive_ports: 49152..=65535,
            writable: false,
            login: None,
            tls: false,
            certificate_files: None,
            greeting: "pasv serve ready",
        }
    }
}

/// The self-signed certificate of a TLS server.
#[derive(Debug, Clone)]
pub struct ServerCertificate {
    pub pem: String,
    pub pem_path: PathBuf,
    /// `sha256//BASE64` for `pasv --pin`.
    pub pin: String,
}

/// A server running on the current tokio runtime; dropped or stopped, it stops accepting.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    accept_loop: JoinHandle<()>,
    certificate: Option<ServerCertificate>,
    _cert_dir: Option<tempfile::TempDir>,
}

impl RunningServer {
    pub async fn start(options: ServerOptions) -> io::Result<Self> {
        let root = std::fs::canonicalize(&options.root)?;
        if !root.is_dir() {
            return Err(io::Error::new(io::ErrorKind::NotADirectory, format!("{} is not a directory", root.display())));
        }
        let (certificate, cert_dir, key_path) = match (&options.certificate_files, options.tls) {
            (Some((cert, key)), _) => (Some(read_certificate(cert)?), None, Some(key.clone())),
            (None, true) => generate_certificate()?,
            (None, false) => (None, None, None),
        };
        let listener = TcpListener::bind(SocketAddr::new(options.bind, options.port)).await?;
        let addr = listener.local_addr()?;
        let settings =
            Arc::new(Settings { options: options.clone(), root, certificate: certificate.clone(), key_path });
        let accept_loop = tokio::spawn(async move {
            // The sessions belong to the accept loop: stopping the server ends them too, as a
            // restart of a real server does.
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    Some(_) = sessions.join_next(), if !sessions.is_empty() => continue,
                };
                let Ok((stream, _)) = accepted else {
                    continue;
                };
                // Replies are small writes in quick succession; Nagle would hold the second one
                // back until the client's delayed ACK (40 ms per command on Linux).
                let _ = stream.set_nodelay(true);
                let settings = settings.clone();
                sessions.spawn(async move {
                    if let Ok(server) = settings.build() {
                        let _ = server.service(stream).await;
                    }
                });
            }
        });
        Ok(Self { addr, accept_loop, certificate, _cert_dir: cert_dir })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ftp://127.0.0.1:PORT` (or `ftpes://` with TLS), no trailing slash.
    pub fn url(&self) -> String {
        let scheme = if self.certificate.is_some() { "ftpes" } else { "ftp" };
        match self.addr {
            SocketAddr::V4(a) => format!("{scheme}://{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("{scheme}://[{}]:{}", a.ip(), a.port()),
        }
    }

    pub fn certificate(&self) -> Option<&ServerCertificate> {
        self.certificate.as_ref()
    }

    /// Stops accepting and ends every session (dropping the server does the same).
    pub fn stop(self) {
        self.accept_loop.abort();
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

struct Settings {
    options: ServerOptions,
    root: PathBuf,
    certificate: Option<ServerCertificate>,
    key_path: Option<PathBuf>,
}

impl Settings {
    /// libunftp serves one control connection per `Server` value, so one is built per
    /// connection; building is cheap (the storage is opened lazily by the generator).
    fn build(&self) -> Result<libunftp::Server<ReadOnly, unftp_core::auth::DefaultUser>, libunftp::ServerError> {
        let root = self.root.clone();
        let writable = self.options.writable;
        let storage =
            Box::new(move || ReadOnly::new(Filesystem::new(root.clone()).expect("served root exists"), writable));
        let authenticator: Arc<dyn unftp_core::auth::Authenticator + Send + Sync> = match &self.options.login {
            Some((user, password)) => Arc::new(SingleUser::new(user.clone(), password.clone())),
            None => Arc::new(libunftp::auth::AnonymousAuthenticator),
        };
        let mut builder = ServerBuilder::with_authenticator(storage, authenticator)
            .greeting(self.options.greeting)
            .passive_ports(self.options.passive_ports.clone())
            .idle_session_timeout(600)
            .active_passive_mode(ActivePassiveMode::ActiveAndPassive);
        if let (Some(cert), Some(key)) = (&self.certificate, &self.key_path) {
            builder =
                builder.ftps(cert.pem_path.clone(), key.clone()).ftps_required(FtpsRequired::None, FtpsRequired::None);
        }
        builder.build()
    }
}

type Generated = (Option<ServerCertificate>, Option<tempfile::TempDir>, Option<PathBuf>);

fn read_certificate(path: &std::path::Path) -> io::Result<ServerCertificate> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read_to_string(path)?;
    let der = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
    let pin = pin_of_der(der.as_ref())
        .ok_or_else(|| io::Error::other(format!("{}: unreadable certificate", path.display())))?;
    Ok(ServerCertificate { pem, pem_path: path.to_path_buf(), pin })
}

fn generate_certificate() -> io::Result<Generated> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    let pem = certified.cert.pem();
    let key = certified.signing_key.serialize_pem();
    let pin = pin_of_der(certified.cert.der()).ok_or_else(|| io::Error::other("generated certificate unreadable"))?;
    let dir = tempfile::Builder::new().prefix("pasv-serve-tls").tempdir()?;
    let pem_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&pem_path, &pem)?;
    std::fs::write(&key_path, key)?;
    Ok((Some(ServerCertificate { pem, pem_path, pin }), Some(dir), Some(key_path)))
}
