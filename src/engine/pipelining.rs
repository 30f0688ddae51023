//! Sending ahead: a transfer command in one write with its EPSV, commands before the replies
//! to earlier ones (RFC 959 lets a client send a command before the previous reply has come;
//! the server reads it when it is done), a file's data before the 1xx. Many files in a row
//! use it: downloads in [`super::download_sequence`], uploads in [`super::upload_sequence`].
//!
//! All of this is an optimisation, never a requirement: [`Pipelining`] is the switch that a
//! server which does not play along turns off, for every session that shares it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::control::rejection;
use super::data::{self, PendingData};
use super::{Error, Session};
use crate::proto::{Command, Reading};

/// Whether sessions may send a transfer command ahead of its data connection (STOR or RETR
/// with its EPSV, or with the previous file's replies outstanding) and a file's data before
/// the 1xx. On until a server shows it does not take them; then off for every session given
/// the same value ([`Session::share_pipelining`]): a pool's sessions, for the rest of the run.
/// Twisted's FTP server, for one, reads no command while its passive port waits for a
/// connection, then takes a STOR that was waiting before its data connection is ready for
/// it, and answers 426 without a 1xx.
///
/// It also carries whether EPSV has worked on one of them: the others then send their first
/// transfer command with its EPSV too (same server, same network), a round trip less for each
/// new session of a pool.
#[derive(Debug, Clone, Default)]
pub struct Pipelining {
    stopped: Arc<AtomicBool>,
    epsv_worked: Arc<AtomicBool>,
}

impl Pipelining {
    pub fn allowed(&self) -> bool {
        !self.stopped.load(Ordering::Relaxed)
    }

    /// Off from now on; true when this call turned it off.
    fn stop(&self) -> bool {
        !self.stopped.swap(true, Ordering::Relaxed)
    }
}

impl Session {
    /// True when a transfer command may go out in one write with its EPSV: once this session
    /// has seen EPSV work, while the server plays along. (Under TLS too: the handshake starts
    /// as soon as the data connection is up, engine/opening.rs.)
    pub(super) fn sends_request_with_epsv(&self) -> bool {
        let works = self.spread_epsv();
        let worked_beside = self.data.epsv_untried() && self.pipelining.epsv_worked.load(Ordering::Relaxed);
        (works || worked_beside) && self.pipelining.allowed()
    }

    /// Whether EPSV works on this session; once it does, the sessions sharing its
    /// [`Pipelining`] are told.
    pub(super) fn spread_epsv(&self) -> bool {
        let works = self.data.epsv_works();
        if works {
            self.pipelining.epsv_worked.store(true, Ordering::Relaxed);
        }
        works
    }

    /// True when commands may go out in one write, their replies read in turn: to servers
    /// whose greeting names one known to answer in order (vsftpd, pure-ftpd, ProFTPD,
    /// [`Reading`]), and to others that do not offer MLST. Not to the rest: libunftp, for one,
    /// offers MLST and answers SIZE, time commands, RNFR, DELE and MKD from separate tasks,
    /// in any order. Nor to a server that has shown it does not play along.
    pub(super) fn answers_in_order(&self) -> bool {
        (self.reading != Reading::Unknown || !self.features.mlst) && self.pipelining.allowed()
    }

    /// Shares what this session finds out about pipelining with every session given the same
    /// value (the sessions of a pool): once one of them stops, all of them do.
    pub fn share_pipelining(&mut self, pipelining: Pipelining) {
        if !self.pipelining.allowed() {
            pipelining.stop();
        }
        self.pipelining = pipelining;
        self.spread_epsv();
    }

    /// False once the server showed that it does not take pipelined transfers.
    pub fn pipelines(&self) -> bool {
        self.pipelining.allowed()
    }

    /// A transfer command sent ahead got `refusal`, one that may mean the server was not ready
    /// for it: no more pipelining here, nor on the sessions sharing [`Pipelining`].
    pub(super) fn stop_pipelining(&mut self, refusal: &Error) {
        let again = "sending it again the classic way";
        if self.pipelining.stop() {
            self.control.note(format!("{refusal} (sent ahead); {again}, and no more pipelining with this server"));
        } else {
            self.control.note(format!("{refusal} (sent ahead); {again}"));
        }
    }

    /// The 229 to an EPSV sent together with a transfer command, and the connection to its
    /// port. A refused EPSV leaves the session out of step ([`Error::PassiveRefusedAhead`]).
    pub(super) async fn read_sent_passive(&mut self) -> Result<PendingData, Error> {
        match self.read_extended_passive().await {
            Ok(data) => Ok(data),
            Err(Error::Rejected { code, text, .. } | Error::Unexpected { code, text, .. }) => {
                Err(Error::PassiveRefusedAhead { code, text })
            }
            Err(e) => Err(e),
        }
    }

    /// The 229 to an EPSV sent ahead, and the data connection to its port.
    pub(super) async fn read_extended_passive(&mut self) -> Result<PendingData, Error> {
        let reply = self.control.read_reply().await?;
        if reply.code.0 != 229 {
            return Err(rejection(&Command::ExtendedPassive, reply));
        }
        let target = data::extended_target(&self.control, &reply)?;
        let connected = data::connect(target, self.config.timeout).await?;
        self.data.epsv_worked();
        Ok(PendingData::Connected(connected))
    }
}
