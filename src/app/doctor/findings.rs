//! What `doctor` found: plain values. `probe` fills them, `verdict` judges them, `render`
//! words them for a person, and `--json` prints them whole.

use std::net::SocketAddr;

use serde::Serialize;

use crate::engine::{DataMethod, TicketSupply, TlsInfo};

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub url: String,
    pub reachable: bool,
    pub peer: Option<String>,
    pub connect_ms: Option<u128>,
    pub banner: Vec<String>,
    pub login: Option<String>,
    pub login_error: Option<String>,
    pub features: Vec<String>,
    pub supports: Supports,
    pub data: Vec<ProbeReport>,
    pub tls: Option<TlsReport>,
    pub clock_skew_seconds: Option<i64>,
    /// What needs the user's attention, in the order it was found (`verdict::findings`).
    pub findings: Vec<String>,
    pub verdict: String,
    pub suggested: Option<String>,
    /// The first connection did not trust the certificate (this is its pin): the rest of the
    /// diagnosis ran unverified.
    #[serde(skip)]
    pub untrusted_pin: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Supports {
    pub utf8: bool,
    pub mlsd: bool,
    pub mfmt: bool,
    pub hash: Option<String>,
    pub size: bool,
    pub mdtm: bool,
    pub rest_stream: bool,
    pub auth_tls: bool,
}

/// One data-connection method, tried with a real listing.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub method: DataMethod,
    pub ok: bool,
    pub reply: Option<String>,
    /// The address inside a 227 reply.
    pub announced: Option<SocketAddr>,
    pub port: Option<u16>,
    /// Where the data connection went.
    pub target: Option<SocketAddr>,
    pub bytes: Option<u64>,
    pub error: Option<String>,
    pub ms: u128,
    /// The failure was the data connection itself (a firewall), not a reply.
    #[serde(skip)]
    pub data_failure: bool,
}

impl ProbeReport {
    /// The method as a person reads it.
    pub fn name(&self) -> &'static str {
        match self.method {
            DataMethod::ExtendedPassive => "EPSV",
            DataMethod::Passive => "PASV",
            DataMethod::Active => "active (EPRT/PORT)",
        }
    }

    /// A 227 that names another address than the server's: a NAT or masquerade mismatch.
    pub fn mismatch(&self) -> Option<(SocketAddr, SocketAddr)> {
        let (announced, target) = (self.announced?, self.target?);
        (announced.ip() != target.ip() && !announced.ip().is_unspecified()).then_some((announced, target))
    }
}

#[derive(Debug, Default, Serialize)]
pub struct TlsReport {
    pub offered: bool,
    pub trusted: Option<bool>,
    pub control: Option<TlsInfo>,
    pub data_resumed: Option<bool>,
    /// The TLS sessions the control connection handed out for its data connections to resume.
    pub session_supply: Option<TicketSupply>,
    pub requires_reuse: Option<bool>,
    pub versions: Vec<String>,
    pub error: Option<String>,
    /// Tried although FEAT does not list AUTH TLS.
    #[serde(skip)]
    pub unlisted: bool,
    /// The pin of a certificate that was not trusted (the rest ran unverified).
    #[serde(skip)]
    pub untrusted_pin: Option<String>,
    /// How setting up TLS failed, when it did (`error` has the words).
    #[serde(skip)]
    pub failure: Option<TlsFailure>,
    /// Why an encrypted listing failed.
    #[serde(skip)]
    pub data_error: Option<String>,
    /// When the certificate was looked at (Unix seconds), to judge its expiry.
    #[serde(skip)]
    pub checked_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The server does not offer TLS (AUTH TLS refused).
    NotOffered,
    /// The handshake or the login over TLS failed.
    Failed,
    /// Even without verifying the certificate.
    FailedUnverified,
}

/// No data-connection method works: `doctor` fails with the transient class (exit 4), as a
/// transfer that cannot open its data connection would.
#[derive(Debug, thiserror::Error)]
#[error("no data-connection method (EPSV, PASV, active) works with this server")]
pub struct NoDataConnection;
