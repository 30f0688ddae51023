//! TLS for control and data connections (RFC 4217), with rustls.
//!
//! One `Arc<ClientConfig>` per session, shared by the control connection and every data
//! connection: rustls keeps its session cache in the config, so each data connection resumes
//! the control connection's TLS session (TLS 1.2 session IDs/tickets, TLS 1.3 tickets).
//! Servers such as vsftpd with `require_ssl_reuse=YES` refuse data connections that do not.
//!
//! Verification is the default: system roots plus `--ca-file`, host name checked. Pins
//! (`sha256//BASE64` of the SubjectPublicKeyInfo) replace chain verification when given, as a
//! CI can pin a self-signed server. The only way to skip verification is `insecure`, kept in
//! `mod danger`.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

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

/// The shared TLS setup of one session.
#[derive(Clone)]
pub(crate) struct TlsContext {
    connector: TlsConnector,
    /// The same policy without a session cache: data connections that cannot resume
    /// (`TlsConfig::fresh_data_sessions`, for `pasv doctor`).
    fresh: TlsConnector,
    server_name: ServerName<'static>,
    host: String,
    /// The pin of the last certificate the verifier saw, so a failure can say which `--pin`
    /// would have accepted it.
    seen_pin: Arc<Mutex<Option<String>>>,
}

impl TlsContext {
    pub(crate) fn new(tls: &TlsConfig, host: &str) -> Result<Self, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = protocol_versions(tls)?;
        let seen_pin = Arc::new(Mutex::new(None));
        let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure {
            Arc::new(danger::AcceptAnyCertificate { provider: provider.clone(), seen_pin: seen_pin.clone() })
        } else {
            let roots = root_store(tls)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| setup(format!("certificate verifier: {e}")))?;
            Arc::new(PinningVerifier { webpki, pins: tls.pins.clone(), seen_pin: seen_pin.clone() })
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .map_err(|e| setup(format!("TLS versions: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match (&tls.client_cert, &tls.client_key) {
            (Some(cert), Some(key)) => {
                let certs = CertificateDer::pem_file_iter(cert)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| setup(format!("client certificate {}: {e}", cert.display())))?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| setup(format!("client key {}: {e}", key.display())))?;
                builder.with_client_auth_cert(certs, key).map_err(|e| setup(format!("client certificate: {e}")))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(setup("--client-cert and --client-key go together".into())),
        };
        let server_name = ServerName::try_from(host.to_string())
            .map_err(|e| setup(format!("host name {host:?} cannot be checked against a certificate: {e}")))?;
        let mut fresh = config.clone();
        fresh.resumption = rustls::client::Resumption::disabled();
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
            fresh: TlsConnector::from(Arc::new(fresh)),
            server_name,
            host: host.to_string(),
            seen_pin,
        })
    }

    pub(crate) async fn connect(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        self.handshake(&self.connector, tcp).await
    }

    /// A handshake that cannot resume an earlier session.
    pub(crate) async fn connect_fresh(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        self.handshake(&self.fresh, tcp).await
    }

    async fn handshake(&self, connector: &TlsConnector, tcp: TcpStream) -> Result<TlsStream<TcpStream>, Error> {
        connector.connect(self.server_name.clone(), tcp).await.map_err(|source| Error::TlsHandshake {
            host: self.host.clone(),
            pin: self.seen_pin.lock().ok().and_then(|p| p.clone()),
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

fn root_store(tls: &TlsConfig) -> Result<RootCertStore, Error> {
    let mut roots = system_roots().clone();
    if let Some(path) = &tls.ca_file {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| setup(format!("--ca-file {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(setup(format!("--ca-file {}: no certificates found", path.display())));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| setup(format!("--ca-file {}: {e}", path.display())))?;
        }
    }
    Ok(roots)
}

fn setup(detail: String) -> Error {
    Error::TlsSetup { detail }
}

/// Chain and host-name verification, or, when pins are given, the pin instead.
#[derive(Debug)]
struct PinningVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    pins: Vec<String>,
    seen_pin: Arc<Mutex<Option<String>>>,
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
            return self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        }
        match pin {
            Some(pin) if self.pins.iter().any(|p| p == &pin) => Ok(ServerCertVerified::assertion()),
            _ => Err(rustls::Error::General("the server's public key does not match --pin".into())),
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
