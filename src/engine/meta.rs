//! File metadata on the server (setting modification times after an upload: MFMT, SITE
//! UTIME, or vsftpd's two-argument MDTM) and keeping an idle control connection alive
//! through firewalls during long transfers.
//!
//! No NOOPs are sent while a transfer runs: their replies would arrive interleaved with the
//! transfer's own and would have to be accounted for before the final 226. TCP keepalive does
//! the job below FTP instead, without any reply to account for.

use std::time::Duration;

use super::{Error, Session};
use crate::proto::listing::{parse_timestamp, unix_to_civil};
use crate::proto::{Arg, Command};

/// `YYYYMMDDHHMMSS` in UTC (RFC 3659 section 2.3).
pub fn time_val(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = unix_to_civil(unix);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

/// A way of setting a file's modification time on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtimeMethod {
    /// `MFMT time path` (draft-somers-ftp-mfxx), announced in FEAT.
    Mfmt,
    /// `SITE UTIME path atime mtime ctime UTC` (pure-ftpd, ProFTPD mod_site_misc).
    SiteUtime,
    /// `MDTM time path`, the two-argument MDTM of vsftpd (`mdtm_write`).
    MdtmWrite,
}

impl Session {
    /// The methods worth trying on this server, most standard first.
    pub fn mtime_methods(&self) -> Vec<MtimeMethod> {
        let mut methods = Vec::with_capacity(3);
        if self.features.mfmt {
            methods.push(MtimeMethod::Mfmt);
        }
        methods.push(MtimeMethod::SiteUtime);
        if self.features.mdtm {
            methods.push(MtimeMethod::MdtmWrite);
        }
        methods
    }

    /// Sets the modification time of `remote` with `method`; a refusal comes back as the
    /// server's reply (the caller tries the next method, or remembers that none works).
    pub async fn set_modified(&mut self, remote: &str, unix: i64, method: MtimeMethod) -> Result<(), Error> {
        let time = time_val(unix);
        let line = match method {
            MtimeMethod::Mfmt => format!("MFMT {time} {remote}"),
            MtimeMethod::SiteUtime => format!("SITE UTIME {remote} {time} {time} {time} UTC"),
            MtimeMethod::MdtmWrite => format!("MDTM {time} {remote}"),
        };
        let command = Command::Raw(Arg::new(line)?);
        let reply = self.control.expect(&command, &[200, 213, 250]).await?;
        // A server without the two-argument form reads it as a query for a file named
        // "TIME PATH"; should that exist, the reply is a time, not a confirmation.
        if method == MtimeMethod::MdtmWrite && parse_timestamp(reply.first_line().trim()).is_some() {
            return Err(Error::Unexpected { command: command.to_string(), code: reply.code, text: reply.text() });
        }
        Ok(())
    }

    /// Turns on TCP keepalive on the control connection: after `idle` without traffic the
    /// kernel probes every 10 s, so a NAT box or firewall does not forget the connection
    /// while a long transfer keeps it quiet.
    pub fn set_keepalive(&mut self, idle: Duration) -> Result<(), Error> {
        let Some(stream) = self.control.take_stream() else {
            return Err(Error::ControlClosed);
        };
        let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(Duration::from_secs(10));
        let result = socket2::SockRef::from(stream.tcp()).set_tcp_keepalive(&keepalive);
        self.control.put_stream(stream);
        result.map_err(Error::ControlIo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_time_vals() {
        assert_eq!(time_val(0), "19700101000000");
        assert_eq!(time_val(1_700_000_000), "20231114221320");
    }
}
