//! Engine errors: typed, with the fields a caller needs to decide what to do, and a
//! [`ErrorClass`] that the app maps to an exit code. Messages never contain a password.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::tls::HandshakeFailure;
use crate::proto::{ArgError, PassiveError, ReplyClass, ReplyCode, ReplyError, SentCommand, Verb, name::UnsafeName};

/// What went wrong, in classes that scripts can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// DNS, refused, connect timeout.
    Unreachable,
    /// The server answered 4xx: a retry may help.
    Transient,
    /// The server answered 5xx.
    Permanent,
    Tls,
    Login,
    /// Malformed reply, bad 227/229, truncated transfer.
    Protocol,
    /// The server stopped answering after the connection was made.
    Timeout,
    /// Local file system trouble.
    Local,
    /// The caller asked for something that cannot be sent (bad name).
    Usage,
    Cancelled,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot resolve host {host:?}")]
    Resolve { host: String, source: io::Error },
    #[error("host {host:?} has no address")]
    NoAddress { host: String },
    #[error("cannot connect to {addr}")]
    Connect { addr: SocketAddr, source: io::Error },
    #[error("timed out connecting to {addr} after {after:?}")]
    ConnectTimeout { addr: SocketAddr, after: Duration },
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout { waiting_for: &'static str, after: Duration },
    /// The connection was accepted but no greeting came. `implicit_tls` says whether the
    /// handshake ran first: a plain connection to an implicit-TLS port (RFC 4217 section 1
    /// leaves port 990 to it) looks like this, the server waiting for a ClientHello.
    #[error("timed out after {after:?} waiting for the server's greeting")]
    NoGreeting { after: Duration, implicit_tls: bool },
    #[error("the server closed the control connection")]
    ControlClosed,
    #[error("control connection I/O failed")]
    ControlIo(#[source] io::Error),
    #[error("the server answered {code} to {command}: {text}")]
    Rejected { command: SentCommand, code: ReplyCode, text: String },
    /// A transfer refused after its data connection's TLS handshake started a new session
    /// instead of resuming the control connection's (RFC 4217 section 10.2).
    #[error(
        "the server answered {code} to {command}: {text} (the data connection's TLS session was new, not a \
         resumption of the control connection's; this server requires TLS session reuse)"
    )]
    DataSessionRefused { command: SentCommand, code: ReplyCode, text: String },
    #[error("the server is not available: {code} {text}")]
    Unavailable { code: ReplyCode, text: String },
    #[error("login rejected: {code} {text}")]
    Login { code: ReplyCode, text: String },
    #[error("unexpected reply {code} to {command}: {text}")]
    Unexpected { command: SentCommand, code: ReplyCode, text: String },
    /// A greeting that is neither 220 nor 120 then 220, nor 421 (RFC 959 section 5.4).
    #[error("unexpected reply {code} to (greeting): {text}")]
    Greeting { code: ReplyCode, text: String },
    #[error("malformed reply from the server")]
    Reply(#[from] ReplyError),
    #[error("unusable passive-mode reply")]
    Passive(#[from] PassiveError),
    #[error("cannot open the data connection to {addr}")]
    DataConnect { addr: SocketAddr, source: io::Error },
    #[error("timed out opening the data connection to {addr} after {after:?}")]
    DataConnectTimeout { addr: SocketAddr, after: Duration },
    #[error("the server did not connect to our active-mode port within {after:?}")]
    ActiveAcceptTimeout { after: Duration },
    #[error("data connection I/O failed")]
    DataIo(#[source] io::Error),
    /// PASV failed on an IPv6 control connection: a 227 reply can only carry an IPv4 address
    /// (RFC 2428 section 1), so servers refuse PASV there or drop the connection. The class
    /// is the underlying failure's.
    #[error("PASV failed on an IPv6 connection to {peer}")]
    PassiveOverIpv6 { peer: SocketAddr, epsv_disabled: bool, source: Box<Error> },
    #[error("cannot connect to {announced}, the address in the 227 reply (the server itself is {peer})")]
    PassiveAddressUnusable { announced: SocketAddr, peer: SocketAddr },
    #[error("transfer incomplete: received {received} bytes, expected {expected}")]
    Truncated { received: u64, expected: u64 },
    #[error("transfer ended without the server's confirmation (no 226)")]
    NoCompletion,
    /// The server confirmed an upload (226), then answered 550 to its size check: it moved
    /// the file away at once (a drop-box directory). Only a caller that must find the file
    /// again (a rename into place, a checksum) fails for it.
    #[error("the server accepted {path} (226), then answered 550 to SIZE: it moved the file away")]
    MovedAway { path: String },
    /// EPSV refused after a transfer command went out with it: what the server does with
    /// that command is unknown (ProFTPD tries an active connection and answers much later),
    /// so the session is given up.
    #[error("the server answered {code} to EPSV ({text}) with the transfer command already sent")]
    PassiveRefusedAhead { code: ReplyCode, text: String },
    /// With commands sent before a transfer's end (to a server known to read them only after
    /// it, `proto::Reading`), the reply read as the transfer's own was not one a transfer ends
    /// with: the server answered out of turn, and the session is given up.
    #[error("the server answered {code} where the reply ending {command} was due: it answered commands out of turn")]
    OutOfTurn { command: SentCommand, code: ReplyCode },
    #[error("the server did not honour REST {offset}: {detail}")]
    RestIgnored { offset: u64, detail: String },
    /// A resume whose local part does not fit the remote file: its size or the bytes sent
    /// again before the offset disagree with the part. The remote file changed since the part
    /// was written (or the server restarted elsewhere without saying so); resuming again
    /// cannot work.
    #[error("the remote file does not continue the local part at byte {offset}: {detail}")]
    RemoteChanged { offset: u64, detail: String },
    #[error("the TLS connection ended without close_notify after {received} bytes (possible truncation)")]
    TlsTruncated { received: u64 },
    /// `failure` says why, as far as the app's hint can use it (from the typed rustls error,
    /// not from its text).
    #[error("TLS handshake with {host} failed")]
    TlsHandshake { host: String, pin: Option<String>, failure: HandshakeFailure, source: io::Error },
    #[error("the server refused {command}: {code} {text}")]
    TlsRefused { command: SentCommand, code: ReplyCode, text: String },
    #[error("TLS setup failed: {detail}")]
    TlsSetup { detail: String },
    #[error("invalid name for the server")]
    Argument(#[from] ArgError),
    #[error("refusing server-supplied name")]
    UnsafeName(#[from] UnsafeName),
    #[error("reading the local data failed")]
    Source(#[source] io::Error),
    #[error("writing the local data failed")]
    Sink(#[source] io::Error),
    #[error("local file {path}")]
    Local { path: PathBuf, source: io::Error },
    #[error("the listing is larger than {limit} bytes")]
    ListingTooLarge { limit: u64 },
    /// Every line of a listing ends in CRLF (RFC 959 section 4.1.3, RFC 3659 section 7.2); one
    /// whose last line had none was cut short, every time it was asked.
    #[error("the listing from {command} was cut short (its last line has no line end) {attempts} times")]
    ListingCut { command: SentCommand, attempts: u32 },
    /// A server that lists a directory inside every directory never ends; a walk stops here.
    #[error("the server's directory tree is deeper than {limit} levels")]
    TreeTooDeep { limit: usize },
    #[error("cancelled")]
    Cancelled,
}

fn is_tls_alert(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>())
}

/// A record that is not TLS where TLS was due (RFC 8446 section 5: its first byte is no
/// content type): the server wrote plain text into the session. vsftpd does so with its
/// fatal errors ("500 OOPS: ..."), then ends the session.
fn is_plain_text(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| matches!(e, rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)))
}

impl Error {
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::PassiveOverIpv6 { source, .. } => source.class(),
            Self::Resolve { .. } | Self::NoAddress { .. } | Self::Connect { .. } | Self::ConnectTimeout { .. } => {
                ErrorClass::Unreachable
            }
            Self::Timeout { .. }
            | Self::NoGreeting { .. }
            | Self::ActiveAcceptTimeout { .. }
            | Self::DataConnectTimeout { .. } => ErrorClass::Timeout,
            Self::Rejected { code, .. }
            | Self::DataSessionRefused { code, .. }
            | Self::Unavailable { code, .. }
            | Self::Unexpected { code, .. }
            | Self::Greeting { code, .. } => match code.class() {
                ReplyClass::TransientNegative => ErrorClass::Transient,
                ReplyClass::PermanentNegative => ErrorClass::Permanent,
                _ => ErrorClass::Protocol,
            },
            Self::MovedAway { .. } => ErrorClass::Permanent,
            Self::Login { code, .. } if code.class() == ReplyClass::TransientNegative => ErrorClass::Transient,
            // ProFTPD's "530 Sorry, the maximum number of clients (N) from your host are already
            // connected": the login itself was fine, the host is full for now.
            Self::Login { code, text } if code.refuses_another_session(text) => ErrorClass::Transient,
            Self::Login { .. } => ErrorClass::Login,
            // A TLS alert after the handshake (TLS 1.3 servers check client certificates
            // then) surfaces as an I/O error on the next read: still a TLS failure.
            // Plain text in the TLS control session is no TLS failure: the server ended the
            // session (vsftpd's fatal errors), as when it closes the connection. (On a data
            // connection it is: data the server should have encrypted.)
            Self::ControlIo(e) if is_plain_text(e) => ErrorClass::Protocol,
            Self::ControlIo(e) | Self::DataIo(e) if is_tls_alert(e) => ErrorClass::Tls,
            Self::ControlClosed
            | Self::ControlIo(_)
            | Self::Reply(_)
            | Self::Passive(_)
            | Self::DataIo(_)
            | Self::Truncated { .. }
            | Self::NoCompletion
            | Self::RestIgnored { .. }
            | Self::RemoteChanged { .. }
            | Self::TlsTruncated { .. }
            | Self::ListingTooLarge { .. }
            | Self::TreeTooDeep { .. } => ErrorClass::Protocol,
            // Could not open the data connection: the classic passive-mode firewall problem.
            Self::DataConnect { .. } | Self::PassiveRefusedAhead { .. } | Self::OutOfTurn { .. } => {
                ErrorClass::Transient
            }
            // A middlebox dropping data connections: a later run may get through.
            Self::ListingCut { .. } => ErrorClass::Transient,
            Self::PassiveAddressUnusable { .. } => ErrorClass::Protocol,
            Self::TlsHandshake { .. } | Self::TlsRefused { .. } | Self::TlsSetup { .. } => ErrorClass::Tls,
            Self::Argument(_) => ErrorClass::Usage,
            Self::UnsafeName(_) => ErrorClass::Protocol,
            Self::Local { .. } | Self::Source(_) | Self::Sink(_) => ErrorClass::Local,
            Self::Cancelled => ErrorClass::Cancelled,
        }
    }

    /// The reply code behind this error, if the server sent one.
    pub fn reply_code(&self) -> Option<ReplyCode> {
        match self {
            Self::Rejected { code, .. }
            | Self::DataSessionRefused { code, .. }
            | Self::Unavailable { code, .. }
            | Self::Login { code, .. }
            | Self::Unexpected { code, .. }
            | Self::Greeting { code, .. }
            | Self::TlsRefused { code, .. } => Some(*code),
            Self::MovedAway { .. } => Some(ReplyCode::FILE_UNAVAILABLE),
            Self::PassiveOverIpv6 { source, .. } => source.reply_code(),
            _ => None,
        }
    }

    /// True for a reply of the 5xx class: the server refused for good (RFC 959 section 4.2.1).
    pub fn is_permanent_refusal(&self) -> bool {
        self.reply_code().is_some_and(|code| code.class() == ReplyClass::PermanentNegative)
    }

    /// The server wrote plain text into the TLS control connection ([`is_plain_text`]).
    pub fn is_plain_text_in_tls(&self) -> bool {
        matches!(self, Self::ControlIo(e) if is_plain_text(e))
    }

    /// True for a STOR the server refused for good (5xx): the name is not writable, or a file
    /// is there that the server will not overwrite.
    pub fn is_refused_store(&self) -> bool {
        self.is_refused(Verb::Stor)
    }

    /// True for `verb` refused for good (5xx). For a rename, which of its two commands: RNFR
    /// (nothing there to rename, or no renames allowed) or RNTO (the new name refused: some
    /// servers will not rename over an existing file).
    pub fn is_refused(&self, verb: Verb) -> bool {
        matches!(self, Self::Rejected { command, code, .. }
            if command.verb() == verb && code.class() == ReplyClass::PermanentNegative)
    }

    /// True when the server does not implement `verb`, an optional command such as REST or
    /// APPE (RFC 959 section 5.1 leaves both out of the minimum): 500, 502 or 504 to it.
    /// Resuming is an optimisation; the caller sends the whole file instead.
    pub fn is_not_implemented(&self, verb: Verb) -> bool {
        matches!(self, Self::Rejected { command, code, .. }
            if code.means_not_implemented() && command.verb() == verb)
    }

    /// The server answered the command cleanly and the session may go on: a reply, but not
    /// 421, with which the server closes the control connection (RFC 959 section 4.2).
    pub fn leaves_session_in_step(&self) -> bool {
        self.reply_code().is_some_and(|code| code != ReplyCode::NOT_AVAILABLE)
            && !matches!(self, Self::Unavailable { .. })
    }

    /// True when the server refused one more session (a per-user or per-host limit), as
    /// opposed to refusing us altogether ([`ReplyCode::refuses_another_session`]).
    pub fn refuses_another_session(&self) -> bool {
        match self {
            Self::Unavailable { .. } => true,
            Self::Login { code, text } | Self::Rejected { code, text, .. } => code.refuses_another_session(text),
            _ => false,
        }
    }

    /// True when the data connection could not be made: the passive-mode firewall case.
    pub fn is_data_connection_failure(&self) -> bool {
        matches!(self, Self::DataConnect { .. } | Self::DataConnectTimeout { .. } | Self::ActiveAcceptTimeout { .. })
            || matches!(self, Self::Rejected { code, .. } if *code == ReplyCode::CANT_OPEN_DATA)
    }
}
