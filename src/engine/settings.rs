//! Settings: where to connect, as whom, and the [`Config`] with its TLS client built, checked
//! and made ready once. The app resolves them once per run and server and hands the same
//! `Arc<Settings>` to every session it opens there (a pool's, their reconnects, the shell's):
//! no session reads a file or checks a flag again.
//!
//! What is shared is immutable. A session's own state (its TLS session memory, engine/tls.rs;
//! what it found out about EPSV, engine/data.rs) is made per session from these settings.

use std::sync::Arc;

use super::tls::TlsClient;
use super::{Config, Credentials, Endpoint, Error, TlsMode};

/// Everything a session needs before it connects, shared by the sessions made from it.
pub struct Settings {
    endpoint: Endpoint,
    credentials: Credentials,
    config: Arc<Config>,
    /// Built from `config.tls` for `endpoint.host` when TLS is on.
    tls: Option<TlsClient>,
}

impl Settings {
    /// Checks the configuration and builds its TLS client (reading `--ca-file` and the client
    /// certificate): every TLS setup error shows here, before anything connects.
    pub fn new(endpoint: Endpoint, credentials: Credentials, config: Config) -> Result<Arc<Self>, Error> {
        let tls = match config.tls.mode {
            TlsMode::Off => None,
            TlsMode::Explicit | TlsMode::Implicit => Some(TlsClient::new(&config.tls, &endpoint.host)?),
        };
        Ok(Arc::new(Self { endpoint, credentials, config: Arc::new(config), tls }))
    }

    /// These settings with `change` made to the configuration, as a new value: the TLS client
    /// is kept unless the TLS policy changed (a pool's rate limit does not touch it; a pin
    /// trusted on first use does).
    pub fn adjusted(&self, change: impl FnOnce(&mut Config)) -> Result<Arc<Self>, Error> {
        let mut config = Config::clone(&self.config);
        change(&mut config);
        if config.tls != self.config.tls {
            return Self::new(self.endpoint.clone(), self.credentials.clone(), config);
        }
        Ok(Arc::new(Self {
            endpoint: self.endpoint.clone(),
            credentials: self.credentials.clone(),
            config: Arc::new(config),
            tls: self.tls.clone(),
        }))
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The policy, shared with every session made from these settings.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    pub(crate) fn tls(&self) -> Option<&TlsClient> {
        self.tls.as_ref()
    }

    /// Whether `session` runs on these settings: their configuration and, with TLS, their TLS
    /// client (its own session memory aside).
    pub fn used_by(&self, session: &super::Session) -> bool {
        let tls = match (self.tls(), session.tls_client()) {
            (Some(ours), Some(its)) => ours.ptr_eq(its),
            (None, None) => true,
            _ => false,
        };
        Arc::ptr_eq(&self.config, session.config()) && tls
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("config", &self.config)
            .field("tls_client", &self.tls.is_some())
            .finish()
    }
}
