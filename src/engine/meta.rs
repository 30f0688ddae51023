//! File metadata on the server (setting modification times after an upload) and keeping an
//! idle control connection alive through firewalls during long transfers.
//!
//! No NOOPs are sent while a transfer runs: their replies would arrive interleaved with the
//! transfer's own and would have to be accounted for before the final 226. TCP keepalive does
//! the job below FTP instead, without any reply to account for.

use std::time::Duration;

use super::{Error, Session};
use crate::proto::listing::unix_to_civil;
use crate::proto::{Arg, Command};

/// `YYYYMMDDHHMMSS` in UTC (RFC 3659 section 2.3).
pub fn time_val(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = unix_to_civil(unix);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

impl Session {
    /// Sets the modification time of `remote`: MFMT when FEAT offers it
    /// (draft-somers-ftp-mfxx), else `SITE UTIME` in its five-argument form (pure-ftpd,
    /// ProFTPD mod_site_misc). Fails with the server's refusal when neither works; the
    /// caller decides whether that matters.
    pub async fn set_modified(&mut self, remote: &str, unix: i64) -> Result<(), Error> {
        let time = time_val(unix);
        let line = if self.features.mfmt {
            format!("MFMT {time} {remote}")
        } else {
            format!("SITE UTIME {remote} {time} {time} {time} UTC")
        };
        let command = Command::Raw(Arg::new(line)?);
        self.control.expect(&command, &[200, 213, 250]).await.map(drop)
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
