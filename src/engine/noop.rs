//! NOOPs on the control connection while a long transfer keeps it silent
//! (`--noop-interval`), for firewalls and NAT boxes that drop an FTP control connection they
//! consider idle even though TCP keepalive probes pass.
//!
//! Servers answer such NOOPs at different times: some at once, in the middle of the transfer,
//! others (vsftpd) only after the transfer's own 226. So the replies are not read while the
//! data flows; they are counted, and [`ControlChannel::owed_noops`] replies are matched before
//! the session sends anything else. RFC 959 section 4.1.3 gives NOOP the single reply 200; a
//! server that refuses commands during a transfer may answer 500-503 instead.

use std::future::Future;
use std::time::Duration;

use super::control::ControlChannel;
use crate::proto::{Command, Reply};

/// Runs `work` (a transfer's data phase) and sends a NOOP every `interval` until it ends.
/// A NOOP that cannot be sent is not an error here: the transfer decides, and the control
/// connection's next read reports a broken connection.
pub(super) async fn while_sending<F: Future>(
    control: &mut ControlChannel,
    interval: Option<Duration>,
    work: F,
) -> F::Output {
    let Some(interval) = interval else {
        return work.await;
    };
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sending = true;
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = ticks.tick(), if sending => {
                if control.send(&Command::Noop).await.is_ok() {
                    control.owed_noops += 1;
                } else {
                    sending = false;
                }
            }
        }
    }
}

/// Whether `reply`, read while NOOPs are owed, answers one of them rather than the transfer.
/// A transfer's final reply (after its 150) is 226/250 or 4xx/5xx other than these.
pub(super) fn answers_noop(reply: &Reply) -> bool {
    matches!(reply.code.0, 200 | 500..=503)
}
