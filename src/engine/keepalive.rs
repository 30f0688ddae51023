//! Keeping an idle control connection alive through firewalls during long transfers: TCP
//! keepalive, below FTP and with no reply to account for. (NOOPs during transfers, when asked
//! for, are in [`super::noop`].)

use std::time::Duration;

/// Keepalive probes after `idle` without traffic (`Config::keepalive`), then every 10 s.
pub(super) fn set_keepalive(tcp: &tokio::net::TcpStream, idle: Duration) -> std::io::Result<()> {
    let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(Duration::from_secs(10));
    socket2::SockRef::from(tcp).set_tcp_keepalive(&keepalive)
}
