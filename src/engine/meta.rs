//! File metadata on the server (setting modification times after an upload: MFMT, SITE
//! UTIME, or vsftpd's two-argument MDTM; permissions with SITE CHMOD) and keeping an idle control connection alive
//! through firewalls during long transfers: TCP keepalive here, below FTP and with no reply to
//! account for; NOOPs during transfers, when asked for, in [`super::noop`].

use std::time::Duration;

use super::control::check;
use super::{Error, Session};
use crate::proto::listing::parse_timestamp;
use crate::proto::{Arg, Command, MtimeMethod, Reply};

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
        let command = Command::SetModificationTime { method, unix, path: Arg::new(remote)? };
        let reply = self.control.command(&command).await?;
        stamped(&command, method, reply)
    }

    /// Sets the permissions of `remote` to `mode` with SITE CHMOD. A server without it
    /// answers 500/502/504 ([`Error::is_not_implemented`] with "SITE").
    pub async fn chmod(&mut self, remote: &str, mode: u32) -> Result<(), Error> {
        let command = Command::SetPermissions { mode, path: Arg::new(remote)? };
        self.control.expect(&command, &[200, 250]).await.map(drop)
    }

    /// Turns on TCP keepalive on the control connection: after `idle` without traffic the
    /// kernel probes every 10 s, so a NAT box or firewall does not forget the connection
    /// while a long transfer keeps it quiet.
    pub fn set_keepalive(&mut self, idle: Duration) -> Result<(), Error> {
        let tcp = self.control.stream()?.tcp();
        set_keepalive(tcp, idle).map_err(Error::ControlIo)
    }
}

/// Whether `reply` confirms the time-setting `command`.
pub(super) fn stamped(command: &Command, method: MtimeMethod, reply: Reply) -> Result<(), Error> {
    let reply = check(command, reply, &[200, 213, 250])?;
    // A server without the two-argument form reads it as a query for a file named
    // "TIME PATH"; should that exist, the reply is a time, not a confirmation.
    if method == MtimeMethod::MdtmWrite && parse_timestamp(reply.first_line().trim()).is_some() {
        return Err(Error::Unexpected { command: command.to_string(), code: reply.code, text: reply.text() });
    }
    Ok(())
}

/// Keepalive probes after `idle` without traffic, then every 10 s.
pub(super) fn set_keepalive(tcp: &tokio::net::TcpStream, idle: Duration) -> std::io::Result<()> {
    let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(Duration::from_secs(10));
    socket2::SockRef::from(tcp).set_tcp_keepalive(&keepalive)
}
