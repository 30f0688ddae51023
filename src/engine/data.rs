//! Opening data connections: EPSV/PASV negotiation (RFC 2428, RFC 959 section 4.1.2) and
//! active mode (EPRT/PORT).
//!
//! Passive policy ([`DataConnection::Passive`]): EPSV first; PASV when EPSV is refused, and
//! also when the EPSV port cannot be reached within `epsv_connect_timeout` (some NAT boxes
//! forward only the PASV range); the choice is remembered for the session ([`DataState`]).
//! The data connection goes to the control connection's peer; the address inside a 227 is
//! used only with `PasvAddress::Server`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use super::control::{ControlChannel, check, rejection};
use super::{Config, DataConnection, DataMethod, Error, PasvAddress, TraceEvent};
use crate::proto::{Command, Reply, parse_227, parse_229};

/// Which passive command works with this server, once known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum PassiveChoice {
    #[default]
    Untried,
    Extended,
    Classic,
}

/// One session's data connections: the policy in force (the settings', or what the shell's
/// `set` made it since) and what the session found out about the server under it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataState {
    policy: DataConnection,
    choice: PassiveChoice,
}

impl DataState {
    pub(crate) fn new(policy: DataConnection) -> Self {
        Self { policy, choice: PassiveChoice::Untried }
    }

    /// A new policy from the next transfer on. EPSV switched back on is tried again: PASV may
    /// have been chosen because EPSV was off, not because the server refused it.
    pub(crate) fn set_policy(&mut self, policy: DataConnection) {
        if policy.tries_epsv() && !self.policy.tries_epsv() {
            self.choice = PassiveChoice::Untried;
        }
        self.policy = policy;
    }

    pub(crate) fn is_active(&self) -> bool {
        self.policy == DataConnection::Active
    }

    /// Passive mode with EPSV known to work: what pipelining relies on.
    pub(crate) fn epsv_works(&self) -> bool {
        !self.is_active() && self.choice == PassiveChoice::Extended
    }

    /// Passive mode with EPSV to be tried and not tried yet by this session.
    pub(crate) fn epsv_untried(&self) -> bool {
        self.policy.tries_epsv() && self.choice == PassiveChoice::Untried
    }

    /// An EPSV sent ahead got its 229 and its connection: what the classic way learns.
    pub(crate) fn epsv_worked(&mut self) {
        self.choice = PassiveChoice::Extended;
    }

    /// The method this session settled on, once a data connection was made (at once for
    /// active mode, which has one).
    pub(crate) fn method(&self) -> Option<DataMethod> {
        match (self.policy, self.choice) {
            (DataConnection::Active, _) => Some(DataMethod::Active),
            (_, PassiveChoice::Extended) => Some(DataMethod::ExtendedPassive),
            (_, PassiveChoice::Classic) => Some(DataMethod::Passive),
            (_, PassiveChoice::Untried) => None,
        }
    }
}

/// A data connection that is set up but not yet usable: passive mode has connected already,
/// active mode waits for the server to connect after the transfer command.
pub(crate) enum PendingData {
    Connected(TcpStream),
    Listening(TcpListener),
}

impl PendingData {
    /// Turns the pending connection into a TCP stream (accepting in active mode).
    pub(crate) async fn establish(self, control: &ControlChannel, timeout: Duration) -> Result<TcpStream, Error> {
        match self {
            Self::Connected(stream) => Ok(stream),
            Self::Listening(listener) => {
                let (stream, from) = match tokio::time::timeout(timeout, listener.accept()).await {
                    Ok(Ok(accepted)) => accepted,
                    Ok(Err(e)) => return Err(Error::DataIo(e)),
                    Err(_) => return Err(Error::ActiveAcceptTimeout { after: timeout }),
                };
                // Only the server may connect to our active-mode port (no third-party
                // injection of data, RFC 2577 section 3).
                if from.ip() != control.peer.ip() {
                    return Err(Error::DataIo(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        format!("active-mode data connection from {from}, not from the server {}", control.peer),
                    )));
                }
                Ok(stream)
            }
        }
    }
}

/// Where the data connection of a 229 reply goes: the announced port on the control
/// connection's peer (EPSV names no address, RFC 2428 section 3).
pub(crate) fn extended_target(control: &ControlChannel, reply: &Reply) -> Result<SocketAddr, Error> {
    let port = parse_229(&reply.text())?;
    let target = SocketAddr::new(control.peer.ip(), port);
    control.trace(TraceEvent::ExtendedPassiveDecoded { port, target });
    Ok(target)
}

/// EPSV or PASV, asked again (twice at most) after a 425: ProFTPD, for one, answers "425
/// Address already in use" when the passive port it picked is taken by another session's
/// listener at that moment, and picks another port next time.
async fn ask_passive(control: &mut ControlChannel, command: &Command) -> Result<Reply, Error> {
    let mut reply = control.command(command).await?;
    for _ in 0..2 {
        if reply.code.0 != 425 {
            break;
        }
        control.note(format!("{command} answered {} {}; asking again", reply.code, reply.first_line()));
        reply = control.command(command).await?;
    }
    Ok(reply)
}

/// The data connection for the next transfer, by the session's policy: EPSV first where it
/// may work, else PASV (passive), or a listener for EPRT/PORT (active).
///
/// A port the server just announced and refuses has no listener (yet): the server's, or a
/// firewall's in front of it, said no to this one port. Each EPSV or PASV makes the server
/// listen afresh (RFC 959 section 4.1.1, RFC 2428 section 3), so the command is asked once more
/// before the transfer fails.
pub(crate) async fn prepare(
    control: &mut ControlChannel,
    config: &Config,
    state: &mut DataState,
) -> Result<PendingData, Error> {
    let (epsv, address) = match state.policy {
        DataConnection::Active => return prepare_active(control).await,
        DataConnection::Passive { epsv, address } => (epsv, address),
    };
    let mut asked_again = false;
    if epsv && state.choice != PassiveChoice::Classic {
        if let Some(connected) = extended(control, config, &mut state.choice, &mut asked_again).await? {
            return Ok(connected);
        }
        state.choice = PassiveChoice::Classic;
    }
    classic(control, config, &mut state.choice, (epsv, address), asked_again).await
}

/// EPSV and its data connection; `None` when PASV is to be tried instead (EPSV refused, or
/// its port unreachable before EPSV ever worked on this session).
async fn extended(
    control: &mut ControlChannel,
    config: &Config,
    choice: &mut PassiveChoice,
    asked_again: &mut bool,
) -> Result<Option<PendingData>, Error> {
    loop {
        let reply = ask_passive(control, &Command::ExtendedPassive).await?;
        if reply.code.0 != 229 {
            if matches!(reply.code.0, 500..=504 | 522) {
                control.note(format!("EPSV refused ({} {}); using PASV", reply.code, reply.first_line()));
                return Ok(None);
            }
            return Err(rejection(&Command::ExtendedPassive, reply));
        }
        let target = extended_target(control, &reply)?;
        // Once EPSV has worked, give it the full timeout; on first use only a short one.
        let wait = if *choice == PassiveChoice::Extended {
            config.timeout
        } else {
            config.epsv_connect_timeout.min(config.timeout)
        };
        match connect(target, wait).await {
            Ok(stream) => {
                *choice = PassiveChoice::Extended;
                return Ok(Some(PendingData::Connected(stream)));
            }
            Err(e) if *choice == PassiveChoice::Untried => {
                control.note(format!("EPSV data port {target} unreachable ({e}); trying PASV"));
                return Ok(None);
            }
            Err(e) if refused(&e) && !*asked_again => {
                control.note(format!("EPSV data port {target} refused the connection; asking again"));
                *asked_again = true;
            }
            Err(e) => return Err(e),
        }
    }
}

/// PASV and its data connection: to the control connection's peer, or with
/// `PasvAddress::Server` to the address the 227 names (`policy`: whether EPSV was allowed, and
/// that address policy).
async fn classic(
    control: &mut ControlChannel,
    config: &Config,
    choice: &mut PassiveChoice,
    (epsv, address): (bool, PasvAddress),
    mut asked_again: bool,
) -> Result<PendingData, Error> {
    loop {
        let decoded = match ask_227(control).await {
            Ok(decoded) => decoded,
            // The failure is most likely the address family (servers refuse PASV, or drop the
            // connection, over IPv6): say so, the reply alone rarely does.
            Err(e) if control.peer.is_ipv6() => {
                return Err(Error::PassiveOverIpv6 { peer: control.peer, epsv_disabled: !epsv, source: Box::new(e) });
            }
            Err(e) => return Err(e),
        };
        let announced = SocketAddr::V4(decoded.addr);
        let target = match address {
            PasvAddress::Peer => SocketAddr::new(control.peer.ip(), decoded.addr.port()),
            PasvAddress::Server => announced,
        };
        control.trace(TraceEvent::PassiveDecoded {
            p1: decoded.p1,
            p2: decoded.p2,
            port: decoded.addr.port(),
            announced,
            target,
        });
        if announced.ip() != control.peer.ip() && !announced.ip().is_unspecified() {
            match address {
                PasvAddress::Peer => control.note(format!(
                    "227 names {}, but the server is {}; connecting to the server (use --pasv-address server to trust \
                     the reply)",
                    announced.ip(),
                    control.peer.ip()
                )),
                PasvAddress::Server => control.note(format!("227 names {}; connecting there as asked", announced.ip())),
            }
        }
        if *choice == PassiveChoice::Untried {
            *choice = PassiveChoice::Classic;
        }
        match connect(target, config.connect_timeout).await {
            Ok(stream) => return Ok(PendingData::Connected(stream)),
            Err(e) if address == PasvAddress::Server && target != SocketAddr::new(control.peer.ip(), target.port()) => {
                control.note(format!("{e}"));
                return Err(Error::PassiveAddressUnusable { announced, peer: control.peer });
            }
            Err(e) if refused(&e) && !asked_again => {
                control.note(format!("PASV data port {target} refused the connection; asking again"));
                asked_again = true;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A data connection refused outright (nothing listening there), as opposed to one that
/// timed out (a firewall dropping it: asking again would wait as long again).
fn refused(error: &Error) -> bool {
    matches!(error, Error::DataConnect { source, .. } if source.kind() == std::io::ErrorKind::ConnectionRefused)
}

async fn ask_227(control: &mut ControlChannel) -> Result<crate::proto::passive::PassiveAddress, Error> {
    let reply = check(&Command::Passive, ask_passive(control, &Command::Passive).await?, &[227])?;
    Ok(parse_227(&reply.text())?)
}

pub(crate) async fn prepare_active(control: &mut ControlChannel) -> Result<PendingData, Error> {
    // Listen on the address the control connection uses: the one the server can reach us on.
    let listener = TcpListener::bind(SocketAddr::new(control.local.ip(), 0)).await.map_err(Error::DataIo)?;
    let addr = listener.local_addr().map_err(Error::DataIo)?;
    let reply = control.command(&Command::ExtendedPort(addr)).await?;
    if reply.code.0 == 200 {
        return Ok(PendingData::Listening(listener));
    }
    match addr {
        // RFC 2428 section 2: a server that does not take EPRT may take PORT (IPv4 only).
        SocketAddr::V4(v4) => {
            control.note(format!("EPRT refused ({}); trying PORT", reply.code));
            control.expect(&Command::Port(v4), &[200]).await?;
            Ok(PendingData::Listening(listener))
        }
        _ => Err(rejection(&Command::ExtendedPort(addr), reply)),
    }
}

pub(crate) async fn connect(target: SocketAddr, wait: Duration) -> Result<TcpStream, Error> {
    match tokio::time::timeout(wait, TcpStream::connect(target)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(source)) => Err(Error::DataConnect { addr: target, source }),
        Err(_) => Err(Error::DataConnectTimeout { addr: target, after: wait }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_reports_the_method_it_settled_on_and_tries_epsv_again_when_switched_back_on() {
        let mut state = DataState::new(DataConnection::Passive { epsv: false, address: PasvAddress::Peer });
        assert_eq!(state.method(), None);
        // After a PASV transfer with EPSV off.
        state.choice = PassiveChoice::Classic;
        assert_eq!(state.method(), Some(DataMethod::Passive));
        state.set_policy(DataConnection::Active);
        assert_eq!((state.method(), state.epsv_works(), state.is_active()), (Some(DataMethod::Active), false, true));
        state.set_policy(DataConnection::default());
        assert_eq!(state.method(), None, "EPSV is tried again");
        state.choice = PassiveChoice::Extended;
        assert!(state.epsv_works());
        // A policy that still tries EPSV keeps what the session found out.
        state.set_policy(DataConnection::Passive { epsv: true, address: PasvAddress::Server });
        assert_eq!(state.method(), Some(DataMethod::ExtendedPassive));
    }
}
