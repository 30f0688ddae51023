//! Keeping an idle control connection alive through firewalls during long transfers: TCP
//! keepalive, below FTP and with no reply to account for. (NOOPs during transfers, when asked
//! for, are in [`super::noop`].)

use std::time::Duration;

use super::{Error, Session};

impl Session {
    /// Turns on TCP keepalive on the control connection: after `idle` without traffic the
    /// kernel probes every 10 s, so a NAT box or firewall does not forget the connection
    /// while a long transfer keeps it quiet.
    pub fn set_keepalive(&mut self, idle: Duration) -> Result<(), Error> {
        let tcp = self.control.stream()?.tcp();
        set_keepalive(tcp, idle).map_err(Error::ControlIo)
    }
}

/// Keepalive probes after `idle` without traffic, then every 10 s.
pub(super) fn set_keepalive(tcp: &tokio::net::TcpStream, idle: Duration) -> std::io::Result<()> {
    let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(Duration::from_secs(10));
    socket2::SockRef::from(tcp).set_tcp_keepalive(&keepalive)
}
