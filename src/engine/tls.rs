//! TLS for control and data connections (RFC 4217), with rustls.
//!
//! Two parts with different lifetimes. A [`TlsClient`] is the policy made ready: the trust
//! (system roots plus `--ca-file`, pins, or `--insecure`), the versions and the client
//! certificate. It is built once per run and server from the [`TlsConfig`] (`Settings`) and
//! shared by every session: `-j 8` reads and checks no file eight times. A [`TlsContext`] is
//! one session's: made from the client cheaply, it holds the session's own `SessionMemory`
//! (engine/tls_reuse.rs), so that the data connections resume that session's control
//! connection and sessions of a pool never hand each other tickets. Servers such as vsftpd with
//! `require_ssl_reuse=YES` refuse data connections that do not resume.
//!
//! Verification is the default: system roots plus `--ca-file`, host name checked. Pins
//! (`sha256//BASE64` of the SubjectPublicKeyInfo) replace chain verification when given, as a
//! CI can pin a self-signed server. The only way to skip verification is `insecure`, kept in
//! `mod danger`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::tls_reuse::{SessionMemory, TicketSupply};
use super::{Error, TlsConfig, TlsVersion};

/// What a TLS connection negotiated, for `-v` and `--json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TlsInfo {
    pub version: String,
    pub cipher: String,
    pub resumed: bool,
    /// `sha256//BASE64` of the server's public key.
    pub pin: Option<String>,
    /// SHA-256 of the whole certificate, hex with colons.
    pub fingerprint: Option<String>,
    /// The certificate's subject and its expiry (Unix seconds).
    pub subject: Option<String>,
    pub not_after: Option<i64>,
}

/// Why a TLS handshake failed, as far as a hint to the user tells the cases apart: read from
/// the typed rustls error (and the pin check's own verdict), never from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// The certificate does not name the host connected to (RFC 6125).
    WrongName,
    Expired,
    /// `--pin` was given and the server's key is another.
    PinMismatch,
    /// A CA certificate presented as the server's own: the self-signed certificate that FTPS
    /// tutorials make (webpki's `CaUsedAsEndEntity`).
    CaAsEndEntity,
    /// Any other certificate problem: an unknown issuer, a bad signature, none at all.
    Untrusted,
    /// Not about the certificate: a protocol error, an alert, the connection lost.
    Other,
}

impl HandshakeFailure {
    /// The failure behind `source`, the error of a handshake; `pin_refused` when the pin check
    /// refused the key.
    fn of(source: &std::io::Error, pin_refused: bool) -> Self {
        use rustls::CertificateError as C;
        let Some(error) = source.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
            return Self::Other;
        };
        match error {
            rustls::Error::General(_) if pin_refused => Self::PinMismatch,
            rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => Self::WrongName,
            rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => Self::Expired,
            rustls::Error::InvalidCertificate(C::Other(other))
                if other.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity) =>
            {
                Self::CaAsEndEntity
            }
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::InvalidCertRevocationList(_) => Self::Untrusted,
            _ => Self::Other,
        }
    }
}

/// The TLS policy of one server, ready to use and shared by every session that connects
/// there with the same settings. It holds nothing a session changes.
#[derive(Clone)]
pub(crate) struct TlsClient(Arc<ClientShared>);

struct ClientShared {
    /// Versions and client certificate. No session store, and a stand-in verifier: each
    /// session sets its own of both (`TlsClient::session`).
    config: ClientConfig,
    trust: Trust,
    server_name: ServerName<'static>,
    host: String,
}

impl TlsClient {
    /// Reads `--ca-file` and the client certificate, and checks the versions and the host
    /// name: every failure of the TLS setup shows here, before any connection.
    pub(crate) fn new(tls: &TlsConfig, host: &str) -> Result<Self, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = protocol_versions(tls)?;
        let trust = if tls.insecure {
            Trust::Insecure { provider: provider.clone() }
        } else {
            let named = ca_file_certificates(tls)?;
            let mut roots = system_roots().clone();
            for cert in &named {
                // A self-signed certificate without CA:TRUE cannot be a trust anchor: it is
                // still honoured as a named certificate (`PinningVerifier::named`).
                let _ = roots.add(cert.clone());
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| setup(format!("certificate verifier: {e}")))?;
            Trust::Verified { webpki, named: named.into(), pins: tls.pins.clone().into() }
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .map_err(|e| setup(format!("TLS versions: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(trust.verifier(Arc::default(), Arc::default()));
        let config = match (&tls.client_cert, &tls.client_key) {
            (Some(cert_path), Some(key_path)) => {
                let certs = CertificateDer::pem_file_iter(cert_path)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| setup(format!("client certificate {}: {e}", cert_path.display())))?;
                if certs.is_empty() {
                    return Err(setup(format!(
                        "client certificate {}: no certificate in it (expected a PEM \"BEGIN CERTIFICATE\" block)",
                        cert_path.display()
                    )));
                }
                // pki-types says only "no items found": name the file and what belongs in it.
                let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
                    setup(match e {
                        rustls::pki_types::pem::Error::NoItemsFound => format!(
                            "client key {}: no private key in it (expected a PEM \"BEGIN PRIVATE KEY\", \
                             \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\" block)",
                            key_path.display()
                        ),
                        e => format!("client key {}: {e}", key_path.display()),
                    })
                })?;
                builder.with_client_auth_cert(certs, key).map_err(|e| {
                    setup(match e {
                        rustls::Error::InconsistentKeys(_) => format!(
                            "client key {} is not the private key of the certificate in {}",
                            key_path.display(),
                            cert_path.display()
                        ),
                        e => format!("client certificate {} with key {}: {e}", cert_path.display(), key_path.display()),
                    })
                })?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(setup("--client-cert and --client-key go together".into())),
        };
        let server_name = ServerName::try_from(host.to_string())
            .map_err(|e| setup(format!("host name {host:?} cannot be checked against a certificate: {e}")))?;
        Ok(Self(Arc::new(ClientShared { config, trust, server_name, host: host.to_string() })))
    }

    /// The TLS state of one new session: its own session memory, and its own note of the
    /// certificate its handshakes saw. Only the client's immutable parts are shared.
    pub(crate) fn session(&self) -> TlsContext {
        let seen_pin = Arc::new(Mutex::new(None));
        let pin_refused = Arc::new(AtomicBool::new(false));
        let mut base = self.0.config.clone();
        // One verifier for the session's connections: rustls resumes a session only under the
        // verifier that checked it (`compatible_config` compares the two), so the control and
        // data configurations below share this one, and no other session's do.
        base.dangerous().set_certificate_verifier(self.0.trust.verifier(seen_pin.clone(), pin_refused.clone()));
        let memory = SessionMemory::new();
        let mut control = base.clone();
        control.resumption = Resumption::store(memory.control_store());
        let mut data = base.clone();
        data.resumption = Resumption::store(memory.data_store());
        let mut fresh = base;
        fresh.resumption = Resumption::disabled();
        TlsContext(Arc::new(SessionTls {
            client: self.clone(),
            control: TlsConnector::from(Arc::new(control)),
            data: TlsConnector::from(Arc::new(data)),
            fresh: TlsConnector::from(Arc::new(fresh)),
            memory,
            seen_pin,
            pin_refused,
        }))
    }

    /// Whether two clients are one (the sessions of a pool share theirs).
    pub(crate) fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The TLS state of one session, cloned cheaply for each of its data connections.
#[derive(Clone)]
pub(crate) struct TlsContext(Arc<SessionTls>);

struct SessionTls {
    client: TlsClient,
    control: TlsConnector,
    /// Data connections: the same policy, offered the control connection's session.
    data: TlsConnector,
    /// The same policy without a session cache: data connections that cannot resume
    /// (`TlsConfig::fresh_data_sessions`, for `pasv doctor`).
    fresh: TlsConnector,
    memory: Arc<SessionMemory>,
    /// The pin of the last certificate this session's handshakes saw, so a failure can say
    /// which `--pin` would have accepted it.
    seen_pin: Arc<Mutex<Option<String>>>,
    /// Whether the pin check refused the last certificate.
    pin_refused: Arc<AtomicBool>,
}

impl TlsContext {
    /// The shared client this session's TLS was made from.
    pub(crate) fn client(&self) -> &TlsClient {
        &self.0.client
    }

    /// The control connection's handshake: a new TLS session, remembered for the data
    /// connections.
    pub(crate) async fn connect_control(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        self.handshake(&self.0.control, tcp).await
    }

    /// A data connection's handshake, resuming the control connection's session.
    pub(crate) async fn connect_data(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        self.handshake(&self.0.data, tcp).await
    }

    /// The tickets and sessions this session's control connection handed its data connections.
    pub(crate) fn supply(&self) -> TicketSupply {
        self.0.memory.supply()
    }

    /// A handshake that cannot resume an earlier session.
    pub(crate) async fn connect_fresh(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        self.handshake(&self.0.fresh, tcp).await
    }

    async fn handshake(&self, connector: &TlsConnector, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        let client = &self.0.client.0;
        connector.connect(client.server_name.clone(), tcp).await.map_err(|source| Error::TlsHandshake {
            host: client.host.clone(),
            pin: self.0.seen_pin.lock().ok().and_then(|p| p.clone()),
            failure: HandshakeFailure::of(&source, self.0.pin_refused.load(Ordering::Relaxed)),
            source,
        })
    }
}

/// Version, cipher, resumption and certificate identity of an established connection.
pub(crate) fn info(stream: &TlsStream<TcpStream>) -> TlsInfo {
    let conn = stream.get_ref().1;
    let version = conn.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        other => format!("{other:?}"),
    });
    let cipher = conn.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite()));
    let resumed = matches!(conn.handshake_kind(), Some(rustls::HandshakeKind::Resumed));
    let end_entity = conn.peer_certificates().and_then(|c| c.first());
    let parsed = end_entity.and_then(|c| x509_parser::parse_x509_certificate(c.as_ref()).ok().map(|(_, cert)| cert));
    TlsInfo {
        version: version.unwrap_or_default(),
        cipher: cipher.unwrap_or_default(),
        resumed,
        pin: parsed.as_ref().map(|c| pin_of_spki(c.tbs_certificate.subject_pki.raw)),
        fingerprint: end_entity.map(|c| fingerprint(c.as_ref())),
        subject: parsed.as_ref().map(|c| c.subject().to_string()),
        not_after: parsed.as_ref().map(|c| c.validity().not_after.timestamp()),
    }
}

/// `sha256//BASE64` of a DER certificate's SubjectPublicKeyInfo (curl's `--pinnedpubkey`
/// format), or `None` when the certificate cannot be parsed.
pub fn pin_of_der(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(pin_of_spki(cert.tbs_certificate.subject_pki.raw))
}

/// The pin of an already parsed certificate's SubjectPublicKeyInfo bytes.
fn pin_of_spki(spki: &[u8]) -> String {
    format!("sha256//{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki)))
}

fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn protocol_versions(tls: &TlsConfig) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, Error> {
    let min = tls.min_version.unwrap_or(TlsVersion::Tls12);
    let max = tls.max_version.unwrap_or(TlsVersion::Tls13);
    let mut versions = Vec::new();
    if min <= TlsVersion::Tls12 && TlsVersion::Tls12 <= max {
        versions.push(&rustls::version::TLS12);
    }
    if min <= TlsVersion::Tls13 && TlsVersion::Tls13 <= max {
        versions.push(&rustls::version::TLS13);
    }
    if versions.is_empty() {
        return Err(setup("--tls-min is above --tls-max".into()));
    }
    Ok(versions)
}

/// The system's trust roots, read and parsed once per process: `-j 8` opens eight sessions,
/// and each would otherwise read the whole bundle again.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: std::sync::OnceLock<RootCertStore> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots
    })
}

/// The certificates of `--ca-file` (none without it). A file that has none is an error, as
/// is one that cannot be read: a typo must not silently mean "system roots only".
fn ca_file_certificates(tls: &TlsConfig) -> Result<Vec<CertificateDer<'static>>, Error> {
    let Some(path) = &tls.ca_file else { return Ok(Vec::new()) };
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| setup(format!("--ca-file {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(setup(format!("--ca-file {}: no certificates found", path.display())));
    }
    Ok(certs)
}

/// The check for a server that presents exactly a certificate the user named with `--ca-file`:
/// the self-signed certificate every FTPS tutorial makes (`openssl req -x509 ...`) carries
/// `CA:TRUE` and often no subjectAltName, and webpki refuses it as an end entity. Naming the
/// very certificate vouches for its key (the handshake signature still proves the server holds
/// it); what stays checked is what the user did not vouch for: the time and the host name.
/// Names follow RFC 6125: subjectAltName when present (DNS with a left-most `*` label, IP),
/// else the subject's common name, as curl and lftp accept.
fn check_named(der: &CertificateDer<'_>, server_name: &ServerName<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    use rustls::CertificateError;
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let secs = |t: x509_parser::time::ASN1Time| {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.timestamp().max(0) as u64))
    };
    let (not_before, not_after) = (secs(cert.validity().not_before), secs(cert.validity().not_after));
    if now.as_secs() > not_after.as_secs() {
        return Err(rustls::Error::InvalidCertificate(CertificateError::ExpiredContext { time: now, not_after }));
    }
    if now.as_secs() < not_before.as_secs() {
        return Err(rustls::Error::InvalidCertificate(CertificateError::NotValidYetContext { time: now, not_before }));
    }
    let mut presented = Vec::new();
    let matches = match cert.subject_alternative_name().ok().flatten() {
        Some(san) => san.value.general_names.iter().any(|name| match name {
            GeneralName::DNSName(dns) => {
                presented.push(dns.to_string());
                dns_matches(dns, server_name)
            }
            GeneralName::IPAddress(bytes) => {
                let ip = match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes).ok().map(std::net::IpAddr::from),
                    16 => <[u8; 16]>::try_from(*bytes).ok().map(std::net::IpAddr::from),
                    _ => None,
                };
                presented.extend(ip.map(|ip| ip.to_string()));
                ip.is_some_and(|ip| ip.to_string() == server_name.to_str())
            }
            _ => false,
        }),
        None => cert.subject().iter_common_name().filter_map(|cn| cn.as_str().ok()).any(|cn| {
            presented.push(cn.to_string());
            match server_name {
                ServerName::IpAddress(_) => cn == server_name.to_str(),
                _ => dns_matches(cn, server_name),
            }
        }),
    };
    if matches {
        Ok(())
    } else {
        Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: server_name.to_owned(),
            presented,
        }))
    }
}

/// A DNS name from a certificate against the host pasv connected to (case-insensitive; a
/// left-most `*` label stands for exactly one label, RFC 6125 section 6.4.3).
fn dns_matches(presented: &str, server_name: &ServerName<'_>) -> bool {
    let ServerName::DnsName(host) = server_name else { return false };
    let (presented, host) = (presented.trim_end_matches('.').to_ascii_lowercase(), host.as_ref().to_ascii_lowercase());
    match presented.strip_prefix("*.") {
        Some(rest) => host.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
        None => presented == host,
    }
}

fn setup(detail: String) -> Error {
    Error::TlsSetup { detail }
}

/// What the client trusts, built once; each session's verifier is made from it.
enum Trust {
    /// Chain and host name against the system roots and `--ca-file`, or the pins instead.
    Verified {
        /// The roots, parsed once for every session.
        webpki: Arc<WebPkiServerVerifier>,
        named: Arc<[CertificateDer<'static>]>,
        pins: Arc<[String]>,
    },
    /// `--insecure`.
    Insecure { provider: Arc<CryptoProvider> },
}

impl Trust {
    /// A verifier for one session, noting in `seen_pin` the certificates it is shown.
    fn verifier(
        &self,
        seen_pin: Arc<Mutex<Option<String>>>,
        pin_refused: Arc<AtomicBool>,
    ) -> Arc<dyn ServerCertVerifier> {
        match self {
            Self::Verified { webpki, named, pins } => Arc::new(PinningVerifier {
                webpki: webpki.clone(),
                named: named.clone(),
                pins: pins.clone(),
                seen_pin,
                pin_refused,
            }),
            Self::Insecure { provider } => {
                Arc::new(danger::AcceptAnyCertificate { provider: provider.clone(), seen_pin })
            }
        }
    }
}

/// Chain and host-name verification, or, when pins are given, the pin instead.
#[derive(Debug)]
struct PinningVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// `--ca-file`'s certificates: one presented as it is passes by `check_named`.
    named: Arc<[CertificateDer<'static>]>,
    pins: Arc<[String]>,
    seen_pin: Arc<Mutex<Option<String>>>,
    pin_refused: Arc<AtomicBool>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let pin = pin_of_der(end_entity.as_ref());
        if let Ok(mut seen) = self.seen_pin.lock() {
            seen.clone_from(&pin);
        }
        if self.pins.is_empty() {
            let verified = self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
            if verified.is_err() && self.named.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
                return check_named(end_entity, server_name, now).map(|()| ServerCertVerified::assertion());
            }
            return verified;
        }
        let pinned = pin.is_some_and(|pin| self.pins.contains(&pin));
        self.pin_refused.store(!pinned, Ordering::Relaxed);
        if pinned {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("the server's public key does not match --pin".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

mod danger {
    use super::*;

    /// `--insecure`: any certificate is accepted, but handshake signatures are still checked,
    /// so the connection is at least bound to the key the server presented.
    #[derive(Debug)]
    pub(super) struct AcceptAnyCertificate {
        pub(super) provider: Arc<CryptoProvider>,
        pub(super) seen_pin: Arc<Mutex<Option<String>>>,
    }

    impl ServerCertVerifier for AcceptAnyCertificate {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            if let Ok(mut seen) = self.seen_pin.lock() {
                *seen = pin_of_der(end_entity.as_ref());
            }
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider.signature_verification_algorithms.supported_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError as C;

    fn io(error: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, error)
    }

    #[test]
    fn tells_handshake_failures_apart_by_their_type() {
        let webpki = |e: webpki::Error| rustls::Error::InvalidCertificate(C::Other(rustls::OtherError(Arc::new(e))));
        let cases = [
            (io(C::NotValidForName.into()), false, HandshakeFailure::WrongName),
            (io(C::Expired.into()), false, HandshakeFailure::Expired),
            (
                io(rustls::Error::General("the server's public key does not match --pin".into())),
                true,
                HandshakeFailure::PinMismatch,
            ),
            (io(rustls::Error::General("something else".into())), false, HandshakeFailure::Other),
            (io(webpki(webpki::Error::CaUsedAsEndEntity)), false, HandshakeFailure::CaAsEndEntity),
            (io(webpki(webpki::Error::UnknownIssuer)), false, HandshakeFailure::Untrusted),
            (io(C::UnknownIssuer.into()), false, HandshakeFailure::Untrusted),
            (io(rustls::Error::NoCertificatesPresented), false, HandshakeFailure::Untrusted),
            (io(rustls::Error::HandshakeNotComplete), false, HandshakeFailure::Other),
            (std::io::Error::from(std::io::ErrorKind::ConnectionReset), false, HandshakeFailure::Other),
        ];
        for (source, pin_refused, expected) in cases {
            assert_eq!(HandshakeFailure::of(&source, pin_refused), expected, "{source}");
        }
    }
}
