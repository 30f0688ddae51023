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
    /// Not known: commands may be answered as they arrive, even mid-transfer (libunftp,
    /// ftp-srv and pyftpdlib serve a session from concurrent tasks).
    Unknown,
}

impl Reading {
    /// From the greeting's text. vsftpd's default banner is `220 (vsFTPd 3.0.3)`; a server
    /// whose banner was changed (`ftpd_banner`) is `Unknown`, which costs only speed.
    pub fn from_greeting(greeting: &Reply) -> Self {
        let vsftpd = greeting.first_line().trim().strip_prefix("(vsFTPd ").is_some_and(|rest| {
            rest.strip_suffix(')')
                .is_some_and(|version| !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.'))
        });
        if vsftpd { Self::BetweenTransfers } else { Self::Unknown }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting(first_line: &str) -> Reply {
        Reply::of(220, &[first_line])
    }

    #[test]
    fn only_vsftpds_default_banner_reads_between_transfers() {
        for (wire, reading) in [
            ("(vsFTPd 3.0.3)", Reading::BetweenTransfers),
            ("(vsFTPd 3.0.5)", Reading::BetweenTransfers),
            ("ProFTPD Server (Debian) [::ffff:127.0.0.1]", Reading::Unknown),
            ("--------- Welcome to Pure-FTPd [privsep] ----------", Reading::Unknown),
            ("pyftpdlib 1.5.10 ready.", Reading::Unknown),
            ("Welcome to vsFTPd service.", Reading::Unknown),
            ("(vsFTPd 3.0.3) and friends", Reading::Unknown),
            ("(vsFTPd )", Reading::Unknown),
            ("", Reading::Unknown),
        ] {
            assert_eq!(Reading::from_greeting(&greeting(wire)), reading, "{wire:?}");
        }
    }
}
