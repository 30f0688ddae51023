//! TLS session memory of one FTP session: every data connection resumes the control
//! connection's TLS session (RFC 4217 section 10.2 leaves this to the server, and the common
//! servers require it: vsftpd `require_ssl_reuse=YES`, ProFTPD's mod_tls by default, FileZilla
//! Server, pure-ftpd with `ONLY_ACCEPT_REUSED_SSL_SESSIONS`). The server uses resumption to know
//! that the data connection comes from the client that logged in on the control connection.
//!
//! rustls's own cache hands out each TLS 1.3 ticket once, as RFC 8446 section C.4 advises to
//! keep connections from being linked by a passive observer. For FTP that advice does not fit:
//! the data connections are already linked to the control connection by the server's passive
//! port and by their timing, and a server hands out a couple of tickets per handshake while an
//! upload (which never reads its data connection) consumes one per file. A tree upload ran out
//! after two or three files and the server refused the rest. So the control connection's newest
//! session is kept and offered again on every data connection, as OpenSSL-based clients (curl,
//! lftp) do with `SSL_set_session`. Tickets and sessions that data connections receive are not
//! kept: they belong to the data connection's session, which the server may not accept as the
//! control connection's.
//!
//! One `SessionMemory` per `Session`: sessions of a pool never see each other's tickets.
//! `Tls13ClientSessionValue: Clone` comes from the patch in vendor/rustls/PASV-PATCH.md.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustls::NamedGroup;
use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;

/// What the control connection's handshakes left for the data connections.
#[derive(Debug, Default)]
struct Remembered {
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: Option<Tls13ClientSessionValue>,
}

/// The shared memory behind the two stores of one session.
#[derive(Debug, Default)]
pub(crate) struct SessionMemory {
    remembered: Mutex<Remembered>,
    /// TLS 1.3 tickets the control connection received, for `pasv doctor`.
    tickets: AtomicU64,
    /// Times a data connection was offered the control connection's session.
    offered: AtomicU64,
}

/// The ticket supply one session observed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TicketSupply {
    /// TLS 1.3 tickets received on the control connection.
    pub control_tickets: u64,
    /// Whether a TLS 1.2 session (ID or ticket) was kept from the control connection.
    pub tls12_session: bool,
    /// Data connection handshakes that offered the control connection's session.
    pub offered: u64,
}

impl SessionMemory {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The store for the control connection: it keeps what the server hands out and never
    /// resumes (a control connection starts a session).
    pub(crate) fn control_store(self: &Arc<Self>) -> Arc<dyn ClientSessionStore> {
        Arc::new(Store { memory: self.clone(), role: Role::Control })
    }

    /// The store for data connections: each one is offered the control connection's session.
    pub(crate) fn data_store(self: &Arc<Self>) -> Arc<dyn ClientSessionStore> {
        Arc::new(Store { memory: self.clone(), role: Role::Data })
    }

    pub(crate) fn supply(&self) -> TicketSupply {
        let tls12_session = self.remembered.lock().map(|r| r.tls12.is_some()).unwrap_or(false);
        TicketSupply {
            control_tickets: self.tickets.load(Ordering::Relaxed),
            tls12_session,
            offered: self.offered.load(Ordering::Relaxed),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Remembered) -> T) -> Option<T> {
        self.remembered.lock().ok().map(|mut r| f(&mut r))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Control,
    Data,
}

#[derive(Debug)]
struct Store {
    memory: Arc<SessionMemory>,
    role: Role,
}

impl ClientSessionStore for Store {
    fn set_kx_hint(&self, _: ServerName<'static>, group: NamedGroup) {
        self.memory.with(|r| r.kx_hint = Some(group));
    }

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        self.memory.with(|r| r.kx_hint).flatten()
    }

    fn set_tls12_session(&self, _: ServerName<'static>, value: Tls12ClientSessionValue) {
        if self.role == Role::Control {
            self.memory.with(|r| r.tls12 = Some(value));
        }
    }

    fn tls12_session(&self, _: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        match self.role {
            Role::Control => None,
            Role::Data => {
                let session = self.memory.with(|r| r.tls12.clone()).flatten();
                if session.is_some() {
                    self.memory.offered.fetch_add(1, Ordering::Relaxed);
                }
                session
            }
        }
    }

    /// rustls forgets a TLS 1.2 session the server would not resume. The control connection's
    /// session is the only one a data connection may use, so it is kept: a server that stops
    /// resuming it fails the transfer with a reply that names session reuse.
    fn remove_tls12_session(&self, _: &ServerName<'static>) {}

    fn insert_tls13_ticket(&self, _: ServerName<'static>, value: Tls13ClientSessionValue) {
        if self.role == Role::Control {
            self.memory.tickets.fetch_add(1, Ordering::Relaxed);
            // The newest ticket lives longest (its lifetime counts from now).
            self.memory.with(|r| r.tls13 = Some(value));
        }
    }

    fn take_tls13_ticket(&self, _: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        match self.role {
            Role::Control => None,
            Role::Data => {
                let ticket = self.memory.with(|r| r.tls13.clone()).flatten();
                if ticket.is_some() {
                    self.memory.offered.fetch_add(1, Ordering::Relaxed);
                }
                ticket
            }
        }
    }
}
