//! Probes for `pasv doctor`: try one data-connection method for real and report everything
//! seen on the way, instead of applying the session's fallback policy.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::data::{self, PendingData};
use super::{DataMethod, Error, Session};
use crate::proto::{Command, Reply, parse_227};

/// What one probe saw.
#[derive(Debug)]
pub struct DataProbe {
    pub method: DataMethod,
    /// The reply to EPSV/PASV/EPRT.
    pub reply: Option<Reply>,
    /// For PASV: the address inside the 227 reply.
    pub announced: Option<SocketAddr>,
    /// The port the server handed out (passive) or we listened on (active).
    pub port: Option<u16>,
    /// Where the data connection went.
    pub target: Option<SocketAddr>,
    /// Bytes of an NLST listing over that connection, or why it failed.
    pub outcome: Result<u64, Error>,
    pub elapsed: Duration,
}

impl Session {
    /// Opens a data connection with exactly `method` and lists the current directory over it.
    /// The data connection goes to the control peer, as in normal operation.
    pub async fn probe_data(&mut self, method: DataMethod, wait: Duration) -> DataProbe {
        let started = Instant::now();
        let mut probe = DataProbe {
            method,
            reply: None,
            announced: None,
            port: None,
            target: None,
            outcome: Ok(0),
            elapsed: Duration::ZERO,
        };
        probe.outcome = self.probe_inner(&mut probe, wait).await;
        probe.elapsed = started.elapsed();
        probe
    }

    async fn probe_inner(&mut self, probe: &mut DataProbe, wait: Duration) -> Result<u64, Error> {
        self.ensure_binary().await?;
        let peer = self.control.peer;
        let pending = match probe.method {
            DataMethod::ExtendedPassive => {
                let reply = self.control.command(&Command::ExtendedPassive).await?;
                probe.reply = Some(reply.clone());
                let reply = super::control::check(&Command::ExtendedPassive, reply, &[229])?;
                let target = data::extended_target(&self.control, &reply)?;
                (probe.port, probe.target) = (Some(target.port()), Some(target));
                PendingData::Connected(data::connect(target, wait).await?)
            }
            DataMethod::Passive => {
                let reply = self.control.command(&Command::Passive).await?;
                probe.reply = Some(reply.clone());
                let reply = super::control::check(&Command::Passive, reply, &[227])?;
                let decoded = parse_227(&reply.text())?;
                let target = SocketAddr::new(peer.ip(), decoded.addr.port());
                (probe.announced, probe.port, probe.target) =
                    (Some(SocketAddr::V4(decoded.addr)), Some(decoded.addr.port()), Some(target));
                PendingData::Connected(data::connect(target, wait).await?)
            }
            DataMethod::Active => {
                let pending = data::prepare_active(&mut self.control).await?;
                if let PendingData::Listening(listener) = &pending {
                    probe.port = listener.local_addr().ok().map(|a| a.port());
                }
                pending
            }
        };
        let mut body = Vec::new();
        let command = Command::NameList(None);
        let Some((stream, _)) = self.open_transfer(&command, pending).await? else {
            return Ok(0);
        };
        let check = super::pump::DownloadCheck { overlap: &[], max_bytes: None, offset: 0 };
        let received = self.receive_data(stream, &mut body, &mut super::NoProgress, check).await?;
        self.finish_transfer(&command).await?;
        Ok(received.bytes)
    }
}
