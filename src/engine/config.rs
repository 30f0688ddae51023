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

/// How data connections are opened: the one form of the passive/active policy. The app maps
/// `--active`, `--no-epsv` and `--pasv-address` (and the shell's `set`) onto it; `doctor` and
/// the session's report name the [`DataMethod`]s it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataConnection {
    /// The client connects to a port the server opened (RFC 959 PASV, RFC 2428 EPSV).
    Passive {
        /// EPSV first, PASV when it is refused or its port cannot be reached; off: PASV only.
        epsv: bool,
        /// Where a PASV (227) data connection goes.
        address: PasvAddress,
    },
    /// The server connects back to us (EPRT, and PORT when EPRT is refused over IPv4).
    Active,
}

impl Default for DataConnection {
    /// EPSV first, to the control connection's peer.
    fn default() -> Self {
        Self::Passive { epsv: true, address: PasvAddress::Peer }
    }
}

impl DataConnection {
    /// The methods this policy tries, in order; a session remembers the one that worked.
    pub fn methods(self) -> &'static [DataMethod] {
        match self {
            Self::Passive { epsv: true, .. } => &[DataMethod::ExtendedPassive, DataMethod::Passive],
            Self::Passive { epsv: false, .. } => &[DataMethod::Passive],
            Self::Active => &[DataMethod::Active],
        }
    }

    /// Whether EPSV is tried at all.
    pub fn tries_epsv(self) -> bool {
        matches!(self, Self::Passive { epsv: true, .. })
    }
}

/// One way to open a data connection: what a session settled on under its [`DataConnection`]
/// policy (`Session::passive_mode`, the `passive` of `--json`), and what a `doctor` probe tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DataMethod {
    #[serde(rename = "EPSV")]
    ExtendedPassive,
    #[serde(rename = "PASV")]
    Passive,
    #[serde(rename = "active")]
    Active,
}

impl DataMethod {
    /// Every method, in the order pasv would try them.
    pub const ALL: [Self; 3] = [Self::ExtendedPassive, Self::Passive, Self::Active];

    /// The name `--json` and the messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExtendedPassive => "EPSV",
            Self::Passive => "PASV",
            Self::Active => "active",
        }
    }

    /// The policy that uses this method first: what to ask for once this method is known to
    /// be the one that works (`doctor`'s advice).
    pub fn policy(self) -> DataConnection {
        match self {
            Self::ExtendedPassive => DataConnection::default(),
            Self::Passive => DataConnection::Passive { epsv: false, address: PasvAddress::Peer },
            Self::Active => DataConnection::Active,
        }
    }
}

impl std::fmt::Display for DataMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Passive (EPSV/PASV) or active (EPRT/PORT) data connections.
    pub data: DataConnection,
    pub tls: TlsConfig,
    pub reply_limits: ReplyLimits,
    /// Bytes per read/write on data connections.
    pub buffer_size: usize,
    /// A bandwidth cap shared by every session given the same limiter (`--limit-rate`).
    pub rate_limit: Option<super::RateLimit>,
    /// Send NOOP on the control connection this often while a transfer runs (`--noop-interval`).
    pub noop_interval: Option<Duration>,
    /// TCP keepalive on the control connection: probes after this long without traffic, so
    /// that a NAT box or firewall does not forget it while a long transfer keeps it quiet.
    pub keepalive: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            epsv_connect_timeout: Duration::from_secs(3),
            data: DataConnection::default(),
            tls: TlsConfig::default(),
            reply_limits: ReplyLimits::default(),
            buffer_size: 1024 * 1024,
            rate_limit: None,
            noop_interval: None,
            keepalive: Duration::from_secs(60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_is_the_first_its_policy_tries() {
        for method in DataMethod::ALL {
            assert_eq!(method.policy().methods()[0], method);
            assert_eq!(serde_json::to_value(method).unwrap(), serde_json::json!(method.as_str()));
        }
        assert_eq!(DataConnection::default().methods(), [DataMethod::ExtendedPassive, DataMethod::Passive]);
    }
}
