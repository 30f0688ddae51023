//! Setting modification times on the server after an upload: MFMT (draft-somers-ftp-mfxx),
//! SITE UTIME, or vsftpd's two-argument MDTM, whichever the server takes.

use super::control::{check, unreadable};
use super::{Error, Session};
use crate::proto::{Arg, Command, MtimeMethod, Reply, facts};

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
}

/// Whether `reply` confirms the time-setting `command`.
pub(super) fn stamped(command: &Command, method: MtimeMethod, reply: Reply) -> Result<(), Error> {
    let reply = check(command, reply, &[200, 213, 250])?;
    // A server without the two-argument form reads it as a query for a file named
    // "TIME PATH"; should that exist, the reply is a time, not a confirmation.
    if method == MtimeMethod::MdtmWrite && facts::stated_time(&reply).is_some() {
        return Err(unreadable(command, &reply));
    }
    Ok(())
}
