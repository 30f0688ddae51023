//! What a server's greeting (the 220 reply, RFC 959 section 5.4) tells about how it reads
//! commands, where nothing in FEAT (RFC 2389) does.

use super::Reply;

/// How a server reads the control connection while a transfer is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Only between commands: what a client sends during a transfer waits in the socket until
    /// the transfer's reply (226) has gone out, then is read in order. vsftpd serves each
    /// session from one process with blocking I/O; during a transfer it looks at the control
    /// connection only for urgent data (ABOR with Telnet IP/Synch, RFC 959 section 4.1.3,
    /// signalled by SIGURG), which a client's ordinary commands never carry.
    BetweenTransfers,
    /// One command at a time, each answered before the next is read, in the order sent:
    /// pure-ftpd and ProFTPD serve each session from one process that reads a command, carries
    /// it out and replies (RFC 959 section 4.2 orders replies after their commands). They
    /// offer MLST, which alone does not tell them from libunftp (see `Session::answers_in_order`).
    /// Nothing is known of what they do with a command sent during a transfer: nothing is sent
    /// then.
    InTurn,
    /// Not known: commands may be answered as they arrive, even mid-transfer (libunftp,
    /// ftp-srv and pyftpdlib serve a session from concurrent tasks).
    Unknown,
}

impl Reading {
    /// From the greeting's text, by the servers' default banners: vsftpd's `220 (vsFTPd
    /// 3.0.3)`, pure-ftpd's `220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------`
    /// (a banner it has no setting for) and ProFTPD's `220 ProFTPD Server (NAME) [ADDRESS]`,
    /// with its version where `ServerIdent` shows it. A server whose banner was changed
    /// (vsftpd's `ftpd_banner`, ProFTPD's `ServerIdent on "..."`) is `Unknown`, which costs
    /// only speed.
    pub fn from_greeting(greeting: &Reply) -> Self {
        let first = greeting.first_line().trim();
        let vsftpd = first.strip_prefix("(vsFTPd ").is_some_and(|rest| {
            rest.strip_suffix(')').is_some_and(|version| !version.is_empty() && is_version(version))
        });
        let pure_ftpd = first.trim_matches('-').trim().starts_with("Welcome to Pure-FTPd");
        let proftpd = first.strip_prefix("ProFTPD ").is_some_and(|rest| {
            let rest = rest.split_once(' ').filter(|(version, _)| is_version(version)).map_or(rest, |(_, rest)| rest);
            rest.starts_with("Server (")
        });
        if vsftpd {
            Self::BetweenTransfers
        } else if pure_ftpd || proftpd {
            Self::InTurn
        } else {
            Self::Unknown
        }
    }
}

/// `3.0.3`, `1.3.8b`, `1.3.9rc1`: a version as the banners write it.
fn is_version(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting(first_line: &str) -> Reply {
        Reply::of(220, &[first_line])
    }

    #[test]
    fn default_banners_tell_how_the_server_reads() {
        for (wire, reading) in [
            ("(vsFTPd 3.0.3)", Reading::BetweenTransfers),
            ("(vsFTPd 3.0.5)", Reading::BetweenTransfers),
            ("ProFTPD Server (Debian) [::ffff:127.0.0.1]", Reading::InTurn),
            ("ProFTPD 1.3.8b Server (pasv interop proftpd) [127.0.0.1]", Reading::InTurn),
            ("--------- Welcome to Pure-FTPd [privsep] ----------", Reading::InTurn),
            ("---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", Reading::InTurn),
            ("ProFTPD", Reading::Unknown),
            ("ProFTPD FTP gateway", Reading::Unknown),
            ("Welcome to the libunftp FTP server", Reading::Unknown),
            ("FTP server (ProFTPD Server (x)) ready", Reading::Unknown),
            ("pyftpdlib 1.5.10 ready.", Reading::Unknown),
            ("Welcome to vsFTPd service.", Reading::Unknown),
            ("(vsFTPd 3.0.3) and friends", Reading::Unknown),
            ("(vsFTPd )", Reading::Unknown),
            ("(vsFTPd x.y)", Reading::Unknown),
            ("", Reading::Unknown),
        ] {
            assert_eq!(Reading::from_greeting(&greeting(wire)), reading, "{wire:?}");
        }
    }
}
