//! Steering a session that is already open, for the interactive shell: bringing the control
//! connection back in step after the caller dropped a command half-way (Ctrl-C), and changing
//! the data-connection policy between commands without logging in again.
//!
//! Like the rest of the engine this never prints and never decides for the user: it reports
//! whether the session is usable, and the caller reconnects when it is not.

use std::time::{Duration, Instant};

use super::{DataConnection, Error, Session};
use crate::proto::{Command, ReplyCode};

/// After ABOR, the replies for the aborted transfer and for ABOR itself arrive back to back;
/// once nothing more has come for this long, the queue is taken as drained.
const ABORT_QUIET: Duration = Duration::from_millis(250);
/// The whole recovery is bounded by this (or the session timeout, if shorter).
const ABORT_LIMIT: Duration = Duration::from_secs(5);

impl Session {
    /// Resynchronises the control connection after a command future was dropped before it
    /// finished (the data connection, if any, is already closed by the drop).
    ///
    /// RFC 959 section 4.1.3: ABOR makes the server close the data connection and answer 426
    /// for the transfer it cut short, then 226 (or 225) for ABOR; a transfer that had already
    /// ended gets its 226 and ABOR its own reply. Replies of the dropped command may also be
    /// still queued. So every reply is read until the server falls quiet, and a NOOP then
    /// proves the next reply belongs to the next command. The Telnet IP/Synch prelude is not
    /// sent: servers read the control connection during transfers, and urgent data is not
    /// something every path between here and the server keeps.
    ///
    /// An `Err` means the session cannot be trusted any more: drop it and connect again.
    pub async fn abort_after_cancel(&mut self) -> Result<(), Error> {
        let limit = self.config.timeout.min(ABORT_LIMIT);
        let deadline = Instant::now() + limit;
        let mut seen = 0usize;
        self.control.send(&Command::Abort).await?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // A server that never falls quiet is not one we can get back in step with.
                return Err(Error::Timeout { waiting_for: "the server to finish answering ABOR", after: limit });
            }
            let wait = if seen == 0 { left } else { ABORT_QUIET.min(left) };
            match self.control.read_reply_for("the reply to ABOR", wait).await {
                Ok(reply) if reply.code == ReplyCode::NOT_AVAILABLE => {
                    return Err(Error::Unavailable { code: reply.code, text: reply.text() });
                }
                Ok(_) => seen += 1,
                Err(Error::Timeout { .. }) if seen > 0 => break,
                Err(e) => return Err(e),
            }
        }
        // Whatever NOOPs the transfer owed were among the replies read above.
        self.control.owed_noops = 0;
        self.control.expect(&Command::Noop, &[200]).await.map(drop)
    }

    /// Changes how data connections are opened, from the next transfer on; the settings the
    /// session was opened with (shared with others) stay as they are. Timeouts and TLS are
    /// fixed for the life of a control connection: those need a new session.
    pub fn set_data_connection(&mut self, policy: DataConnection) {
        self.data.set_policy(policy);
    }
}
