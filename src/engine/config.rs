//! Policy: everything the engine needs to know, as plain typed values. The app builds it from
//! flags, config files, netrc and the environment; the engine never looks at those itself.

use std::path::PathBuf;
use std::time::Duration;

use super::Secret;
use crate::proto::reply::ReplyLimits;

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

/// Who to log in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: Secret,
}

impl Credentials {
    /// RFC 1635 anonymous login.
    pub fn anonymous() -> Self {
        Self { user: "anonymous".into(), password: Secret::new("pasv@") }
    }
}

/// Which IP the data connection goes to in PASV mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasvAddress {
    /// The control connection's peer (safe default: the 227 address is untrusted).
    #[default]
    Peer,
    /// The address the server wrote in its 227 reply (opt-in, for odd multi-homed setups).
    Server,
}

/// How TLS is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    #[default]
    Off,
    /// AUTH TLS on the plain control connection (RFC 4217), `ftpes://` or `--tls`.
    Explicit,
    /// TLS from the first byte (`ftps://`, port 990).
    Implicit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// TLS policy. Verification is on unless `insecure` is set.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    pub mode: TlsMode,
    /// Extra trust anchors (PEM), added to the system store.
    pub ca_file: Option<PathBuf>,
    /// Skip certificate verification (`--insecure`). Handshake signatures are still checked.
    pub insecure: bool,
    /// `sha256//BASE64` pins of the server's public key (any one must match).
    pub pins: Vec<String>,
    /// Send files and listings in the clear after a TLS login (PROT C).
    pub clear_data: bool,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Diagnostic only (`pasv doctor`): data connections do not resume the control
    /// connection's TLS session, to find out whether the server insists on it.
    pub fresh_data_sessions: bool,
}

/// Everything that steers a session.
#[derive(Debug, Clone)]
pub struct Config {
    pub connect_timeout: Duration,
    /// Every wait after connecting: each reply, each data read or write.
    pub timeout: Duration,
    /// How long an EPSV data connection may take before PASV is tried instead.
    pub epsv_connect_timeout: Duration,
    /// Try EPSV first (RFC 2428); off means PASV only.
    pub epsv: bool,
    pub pasv_address: PasvAddress,
    /// Active mode (EPRT/PORT) instead of passive.
    pub active: bool,
    pub tls: TlsConfig,
    pub reply_limits: ReplyLimits,
    /// Bytes per read/write on data connections.
    pub buffer_size: usize,
    /// A bandwidth cap shared by every session given the same limiter (`--limit-rate`).
    pub rate_limit: Option<super::RateLimit>,
    /// Send NOOP on the control connection this often while a transfer runs (`--noop-interval`).
    pub noop_interval: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            epsv_connect_timeout: Duration::from_secs(3),
            epsv: true,
            pasv_address: PasvAddress::Peer,
            active: false,
            tls: TlsConfig::default(),
            reply_limits: ReplyLimits::default(),
            buffer_size: 1024 * 1024,
            rate_limit: None,
            noop_interval: None,
        }
    }
}
