//! `doctor`'s probes: each check on a session of its own (so that one failure, a hung data
//! connection say, cannot spoil the next), filling the findings. No words, no printing.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::findings::{ProbeReport, Report, Supports, TlsFailure, TlsReport};
use super::verdict::chain;
use crate::app::target::Target;
use crate::engine::{Config, Credentials, DataMethod, DataProbe, Error, Session, TlsMode, TlsVersion, Trace};
use crate::proto::ReplyCode;

/// How every probe connects: the resolved settings of the run.
pub struct Prober<'a> {
    pub target: &'a Target,
    pub credentials: &'a Credentials,
    pub trace: Option<Arc<dyn Trace>>,
    /// The settings as the user would connect; changed to unverified once the certificate
    /// turned out untrusted (the TLS section reports the trust).
    pub config: Config,
    /// `--insecure` as given (the TLS probe verifies unless the user said not to).
    pub insecure: bool,
}

impl Prober<'_> {
    async fn connect_with(&self, config: Config) -> Result<Session, Error> {
        Session::connect(Arc::new(config), &self.target.endpoint, self.credentials, self.trace.clone()).await
    }

    /// A fresh session with the run's settings.
    pub async fn connect(&self) -> Result<Session, Error> {
        self.connect_with(self.config.clone()).await
    }

    /// Reach, log in, read FEAT. An untrusted certificate does not stop the diagnosis: the
    /// session is opened again unverified and the pin recorded.
    pub async fn open(&mut self, report: &mut Report) -> Result<Session, Error> {
        let started = Instant::now();
        let mut session = self.connect().await;
        if let Err(Error::TlsHandshake { pin: Some(pin), .. }) = &session {
            report.untrusted_pin = Some(pin.clone());
            self.config.tls.insecure = true;
            session = self.connect().await;
        }
        let session = match session {
            Ok(s) => s,
            Err(e) => {
                report.reachable = !matches!(e.class(), crate::engine::ErrorClass::Unreachable);
                if matches!(e, Error::Login { .. }) {
                    report.login_error = Some(e.to_string());
                }
                return Err(e);
            }
        };
        report.reachable = true;
        report.connect_ms = Some(started.elapsed().as_millis());
        report.peer = Some(session.peer().to_string());
        report.banner = session.greeting().lines.clone();
        report.login = Some(self.credentials.user.clone());
        let features = session.features();
        report.features = features.lines.clone();
        report.supports = Supports {
            utf8: features.utf8,
            mlsd: features.mlst,
            mfmt: features.mfmt,
            hash: features.hash.clone(),
            size: features.size,
            mdtm: features.mdtm,
            rest_stream: features.rest_stream,
            auth_tls: features.offers_auth_tls(),
        };
        Ok(session)
    }

    /// One data-connection method, for real with a listing. A failed probe can leave the
    /// session confused: it is replaced by a fresh one.
    pub async fn data(&self, session: &mut Session, method: DataMethod, wait: Duration) -> Result<ProbeReport, Error> {
        let probe = session.probe_data(method, wait).await;
        let report = probe_report(&probe);
        if probe.outcome.is_err() {
            let old = std::mem::replace(session, self.connect().await?);
            let _ = old.quit().await;
        }
        Ok(report)
    }

    /// TLS: verified first, as a user would connect; then what the server requires of data
    /// connections, and which versions it takes.
    pub async fn tls(&self, supports: &Supports) -> TlsReport {
        let mut tls = TlsReport::default();
        let mut config = self.config.clone();
        config.tls.insecure = self.insecure;
        if config.tls.mode == TlsMode::Off {
            tls.unlisted = !supports.auth_tls;
            config.tls.mode = TlsMode::Explicit;
        }
        let mut session = match self.connect_with(config.clone()).await {
            Ok(s) => {
                tls.offered = true;
                tls.trusted = Some(true);
                s
            }
            Err(Error::TlsHandshake { pin, .. }) => {
                tls.offered = true;
                tls.trusted = Some(false);
                tls.untrusted_pin = Some(pin.unwrap_or_default());
                config.tls.insecure = true;
                match self.connect_with(config.clone()).await {
                    Ok(s) => s,
                    Err(e) => {
                        tls.error = Some(chain(&e));
                        tls.failure = Some(TlsFailure::FailedUnverified);
                        return tls;
                    }
                }
            }
            Err(e) => {
                tls.error = Some(chain(&e));
                tls.failure = Some(if matches!(e, Error::TlsRefused { .. }) {
                    TlsFailure::NotOffered
                } else {
                    TlsFailure::Failed
                });
                return tls;
            }
        };
        tls.checked_at =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        tls.control = session.control_tls().cloned();
        let wait = Duration::from_secs(5);
        let mut probe = session.probe_data(DataMethod::ExtendedPassive, wait).await;
        if probe.outcome.is_err() {
            probe = session.probe_data(DataMethod::Passive, wait).await;
        }
        tls.session_supply = session.ticket_supply();
        match &probe.outcome {
            // The probe's data connection offered the control connection's session.
            Ok(_) => tls.data_resumed = Some(true),
            Err(e) => tls.data_error = Some(chain(e)),
        }
        let _ = session.quit().await;
        // Does the server insist on session reuse? Try a data connection that cannot resume.
        let mut fresh = config.clone();
        fresh.tls.fresh_data_sessions = true;
        if let Ok(mut s) = self.connect_with(fresh).await {
            let mut p = s.probe_data(DataMethod::ExtendedPassive, wait).await;
            if p.outcome.is_err() && p.reply.as_ref().is_some_and(|r| r.code != ReplyCode::EXTENDED_PASSIVE) {
                p = s.probe_data(DataMethod::Passive, wait).await;
            }
            tls.requires_reuse = Some(p.outcome.is_err());
            let _ = s.quit().await;
        }
        for (name, version) in [("TLS 1.2", TlsVersion::Tls12), ("TLS 1.3", TlsVersion::Tls13)] {
            let mut c = config.clone();
            c.tls.min_version = Some(version);
            c.tls.max_version = Some(version);
            c.tls.insecure = true;
            if let Ok(s) = self.connect_with(c).await {
                tls.versions.push(name.to_string());
                let _ = s.quit().await;
            }
        }
        tls
    }
}

fn probe_report(probe: &DataProbe) -> ProbeReport {
    ProbeReport {
        method: probe.method,
        ok: probe.outcome.is_ok(),
        reply: probe.reply.as_ref().map(|r| r.to_string()),
        announced: probe.announced,
        port: probe.port,
        target: probe.target,
        bytes: probe.outcome.as_ref().ok().copied(),
        error: probe.outcome.as_ref().err().map(|e| chain(e)),
        ms: probe.elapsed.as_millis(),
        data_failure: probe.outcome.as_ref().err().is_some_and(Error::is_data_connection_failure),
    }
}

/// Uploads a tiny file, reads its MDTM and compares it with our clock.
pub async fn clock_skew(session: &mut Session) -> Option<i64> {
    let name = format!(".pasv-doctor-{}", std::process::id());
    let mut data: &[u8] = b"pasv doctor clock probe\n";
    let before = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs() as i64;
    let mut progress = crate::engine::NoProgress;
    session.upload(&mut data, &name, crate::engine::UploadMode::Replace, None, &mut progress).await.ok()?;
    let remote = session.modified(&name).await.ok();
    let _ = session.remove(&name).await;
    Some(remote? - before)
}
