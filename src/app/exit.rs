//! The exit-code table (DESIGN.md "Exit codes") and the one place errors are printed:
//! `pasv: error: ...` with the cause chain and, where it helps, a hint.

use std::process::ExitCode;

use super::doctor::NoDataConnection;
use super::sanitize::escape;
use super::settings::UsageError;
use super::target::UrlError;
use super::transfer::copy::NoChecksum;
use super::transfer::pool::engine_error;
use super::transfer::stalls::Stalled;
use super::url_glob::NoMatch;
use crate::engine::{Error, ErrorClass, HandshakeFailure};
use crate::proto::Verb;

pub const SUCCESS: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREACHABLE: u8 = 3;
pub const TRANSIENT: u8 = 4;
pub const PERMANENT: u8 = 5;
pub const TLS: u8 = 6;
pub const LOGIN: u8 = 7;
pub const PROTOCOL: u8 = 8;
pub const TIMEOUT: u8 = 9;
pub const INTERRUPTED: u8 = 130;

/// The exit code for an error anywhere in the chain.
pub fn code_for(err: &anyhow::Error) -> u8 {
    // A closed stdout pipe (`pasv cat URL | head`) is success, wherever it surfaced.
    if err
        .chain()
        .any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
    {
        return SUCCESS;
    }
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            return code_for_class(e.class());
        }
        if cause.is::<UsageError>() || cause.is::<UrlError>() {
            return USAGE;
        }
        if cause.is::<NoChecksum>() || cause.is::<NoMatch>() {
            return PERMANENT;
        }
        if cause.is::<NoDataConnection>() {
            return TRANSIENT;
        }
    }
    FAILURE
}

pub fn code_for_class(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Unreachable => UNREACHABLE,
        ErrorClass::Transient => TRANSIENT,
        ErrorClass::Permanent => PERMANENT,
        ErrorClass::Tls => TLS,
        ErrorClass::Login => LOGIN,
        ErrorClass::Protocol => PROTOCOL,
        ErrorClass::Timeout => TIMEOUT,
        ErrorClass::Local => FAILURE,
        ErrorClass::Usage => USAGE,
        ErrorClass::Cancelled => INTERRUPTED,
    }
}

/// Prints the error (unless it is a closed stdout pipe) and returns the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    let code = code_for(err);
    if code == SUCCESS {
        return ExitCode::SUCCESS;
    }
    let mut message = format!("pasv: error: {}", escape(&err.to_string()));
    for cause in err.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {}", escape(&cause.to_string())));
    }
    if let Some(hint) = hint(err) {
        message.push_str(&format!("\n  hint: {hint}"));
    }
    super::progress::say(&message);
    ExitCode::from(code)
}

/// A server that turned the connection away for now: a full host (a limit per address or
/// user, which every family words its own way) or a 421 for another reason.
fn refused_session_hint(e: &Error) -> String {
    let limit = matches!(e, Error::Unavailable { code, text } | Error::Login { code, text }
        if code.refuses_another_session(text));
    if limit {
        "the server takes only so many connections from one address or user, and they are all in use (by another \
         client, or by a run that just ended and that the server still counts). --retries N waits and tries \
         again; with -j N pasv uses only the sessions the server accepts."
            .into()
    } else {
        "the server is not taking connections just now; --retries N waits and tries again.".into()
    }
}

/// A server gone silent (two hints begin with it).
const STOPPED_ANSWERING: &str = "the server stopped answering; raise --timeout if it is just slow.";

/// What to try when data connections do not get through (two hints end with it).
const PASSIVE_ADVICE: &str = "Try `pasv doctor URL` with -v to see the port, --no-epsv if only PASV is forwarded, or \
                              --active if the server can reach you.";

fn hint(err: &anyhow::Error) -> Option<String> {
    // Context on the failure that stopped the run, found through the contexts above it.
    if err.downcast_ref::<Stalled>().is_some() {
        return Some(format!(
            "no transfer got through: each one hung or lost its data connection. The control connection works, \
                 so the data connections most likely do not reach the server: a firewall, NAT or proxy may take \
                 connections to its passive ports and forward nothing. {PASSIVE_ADVICE} If the server is only slow, \
                 raise --timeout."
        ));
    }
    let engine = engine_error(err)?;
    if engine.is_data_connection_failure() {
        return Some(format!(
            "the data connection could not be opened. In passive mode the client connects to a second port \
                 the server picks from its passive port range; a firewall or NAT in between must allow that range \
                 (vsftpd pasv_min_port/pasv_max_port, ProFTPD PassivePorts). {PASSIVE_ADVICE}"
        ));
    }
    match engine {
        e if e.is_plain_text_in_tls() => Some(
            "the server wrote plain text into the encrypted control connection and ended the session: vsftpd \
             sends its fatal errors that way (\"500 OOPS: ...\"), and its log says which. Two common ones: \
             \"refusing to run with writable root inside chroot()\" (the login directory must not be writable by \
             the user, or set allow_writeable_chroot=YES) and \"vsf_sysutil_bind\" (no free port in its passive \
             range just then: --retries N tries again)."
                .into(),
        ),
        e if e.is_refused_store() => Some(
            "if the remote directory does not exist yet, add --create-dirs to create it first. A server that will \
             not overwrite files (ProFTPD AllowOverwrite off) takes a new version by rename: --atomic uploads it \
             under a temporary name and renames it into place."
                .into(),
        ),
        Error::DataSessionRefused { .. } => Some(
            "pasv offers the control connection's TLS session on every data connection; a server that still \
             refuses has lost it from its session cache (ProFTPD TLSSessionCache, vsftpd require_ssl_reuse). \
             `pasv doctor URL` shows the sessions the server handed out."
                .into(),
        ),
        Error::TlsHandshake { failure: HandshakeFailure::WrongName, .. } => Some(
            "the certificate does not name the host in the URL: connect by a name or address it lists (see above)."
                .into(),
        ),
        Error::TlsHandshake { failure: HandshakeFailure::Expired, .. } => Some(
            "the server's certificate has expired; its administrator must renew it (--insecure skips verification entirely)."
                .into(),
        ),
        Error::TlsHandshake { pin: Some(pin), failure: HandshakeFailure::PinMismatch, .. } => {
            Some(format!(
                "the server's public key is not the one pinned: its pin is '{pin}'. If its key changed for a \
                 known reason (a new certificate), pin that one; otherwise the connection may be intercepted."
            ))
        }
        Error::TlsHandshake { pin: Some(pin), failure: HandshakeFailure::CaAsEndEntity, .. } => {
            Some(format!(
                "the server presents a self-signed certificate. If you trust it, give that very certificate to \
                 --ca-file (the PEM file the server was set up with), or pin its key with --pin '{pin}'."
            ))
        }
        Error::TlsHandshake { pin: Some(pin), failure: HandshakeFailure::Untrusted, .. } => Some(format!(
            "the server's certificate is not trusted. If you know this server, pin its key with --pin '{pin}', \
             or trust its CA with --ca-file CA.pem (--insecure skips verification entirely)."
        )),
        Error::TlsRefused { command, .. } if command.verb() == Verb::Auth => {
            Some("the server does not offer TLS; pasv never falls back to plain text. Use ftp:// without --tls to connect unencrypted.".into())
        }
        e if e.refuses_another_session() => Some(refused_session_hint(e)),
        Error::Login { .. } => Some("check the user name and password (URL, --user, --password-env, PASV_PASSWORD or ~/.netrc).".into()),
        Error::NoGreeting { implicit_tls: false, .. } => Some(
            "the server accepted the connection but said nothing: this port may expect implicit TLS (port 990 \
             usually): try ftps://. If the server is just slow, raise --timeout."
                .into(),
        ),
        Error::NoGreeting { .. } => Some(STOPPED_ANSWERING.into()),
        Error::Timeout { .. } => Some(format!(
            "{STOPPED_ANSWERING} If commands get answers but every listing or transfer hangs like this, the data \
             connections do not get through (a firewall or NAT that holds the server's passive ports): `pasv doctor \
             URL` shows where."
        )),
        Error::PassiveOverIpv6 { epsv_disabled: true, .. } => Some(
            "PASV cannot carry an IPv6 address (RFC 2428): drop --no-epsv, and pasv uses EPSV, which can.".into(),
        ),
        Error::PassiveOverIpv6 { .. } => Some(
            "the server refused EPSV, and PASV cannot carry an IPv6 address (RFC 2428): connect to the server's \
             IPv4 address instead."
                .into(),
        ),
        Error::PassiveAddressUnusable { .. } => {
            Some("drop --pasv-address server: by default pasv connects to the server's own address, ignoring the one in the 227 reply.".into())
        }
        Error::Argument(_) => Some("names with CR, LF or NUL cannot be sent over FTP.".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ReplyCode;

    /// `--help` and the man page print `cli::EXIT_CODES`: it lists exactly these codes.
    #[test]
    fn the_documented_table_is_this_one() {
        let documented: Vec<u8> = crate::cli::EXIT_CODES.iter().map(|(code, _)| *code).collect();
        assert_eq!(
            documented,
            [SUCCESS, FAILURE, USAGE, UNREACHABLE, TRANSIENT, PERMANENT, TLS, LOGIN, PROTOCOL, TIMEOUT, INTERRUPTED]
        );
    }

    #[test]
    fn maps_every_class() {
        let rejected = |code| {
            anyhow::Error::new(Error::Rejected { command: "RETR x".into(), code: ReplyCode(code), text: String::new() })
        };
        assert_eq!(code_for(&rejected(421)), TRANSIENT);
        assert_eq!(code_for(&rejected(550)), PERMANENT);
        assert_eq!(code_for(&anyhow::Error::new(Error::Login { code: ReplyCode(530), text: String::new() })), LOGIN);
        // ProFTPD's MaxClientsPerHost: the host is full for now, the password was fine.
        let full = "Sorry, the maximum number of clients (1) from your host are already connected.";
        let full = anyhow::Error::new(Error::Login { code: ReplyCode(530), text: full.into() });
        assert_eq!(code_for(&full), TRANSIENT);
        assert!(hint(&full).is_some_and(|h| h.contains("--retries") && !h.contains("password")));
        assert_eq!(code_for(&anyhow::Error::new(Error::NoCompletion)), PROTOCOL);
        assert_eq!(code_for(&anyhow::Error::new(UsageError("x".into()))), USAGE);
        let broken = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(code_for(&broken), SUCCESS);
        assert_eq!(code_for(&anyhow::anyhow!("other")), FAILURE);
        assert_eq!(code_for(&anyhow::Error::new(Error::Cancelled).context("downloading")), INTERRUPTED);
    }

    /// The TLS hints follow the typed failure, and the refused command's verb, not any text.
    #[test]
    fn hints_follow_the_typed_failure() {
        let handshake = |failure, pin: Option<&str>| {
            anyhow::Error::new(Error::TlsHandshake {
                host: "h".into(),
                pin: pin.map(String::from),
                failure,
                source: std::io::Error::other("any text at all"),
            })
        };
        let pin = Some("sha256//P");
        let cases = [
            (HandshakeFailure::WrongName, None, Some("does not name the host")),
            (HandshakeFailure::Expired, None, Some("has expired")),
            (HandshakeFailure::PinMismatch, pin, Some("its pin is 'sha256//P'")),
            (HandshakeFailure::CaAsEndEntity, pin, Some("self-signed certificate")),
            (HandshakeFailure::Untrusted, pin, Some("is not trusted")),
            (HandshakeFailure::Untrusted, None, None),
            (HandshakeFailure::Other, pin, None),
        ];
        for (failure, pin, expected) in cases {
            let shown = hint(&handshake(failure, pin));
            match expected {
                Some(text) => assert!(shown.as_deref().is_some_and(|h| h.contains(text)), "{failure:?}: {shown:?}"),
                None => assert_eq!(shown, None, "{failure:?}"),
            }
        }
        let refused = |line: &str| {
            anyhow::Error::new(Error::TlsRefused { command: line.into(), code: ReplyCode(502), text: String::new() })
        };
        assert!(hint(&refused("AUTH TLS")).is_some_and(|h| h.contains("never falls back to plain text")));
        assert_eq!(hint(&refused("PBSZ 0")), None);
    }

    /// A run stopped for stalls says so in its hint, below the contexts a run puts on top,
    /// and keeps the timeout's exit code.
    #[test]
    fn a_run_stopped_for_stalls_hints_at_the_data_connections() {
        use std::time::Duration;
        let timeout = || anyhow::Error::new(Error::Timeout { waiting_for: "a reply", after: Duration::from_secs(30) });
        let stalled = timeout()
            .context("uploading f to ftp://h/f")
            .context(Stalled { stalls: 10 })
            .context("12 problems (the others are listed above); the first");
        assert!(hint(&stalled).is_some_and(|h| h.contains("no transfer got through")), "{:?}", hint(&stalled));
        assert_eq!(code_for(&stalled), TIMEOUT);
        assert!(hint(&timeout()).is_some_and(|h| h.contains("stopped answering")));
    }
}
