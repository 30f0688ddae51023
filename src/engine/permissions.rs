//! Setting permissions on the server after an upload: SITE CHMOD (a de facto extension that
//! vsftpd, ProFTPD and pure-ftpd share; not in any RFC).

use super::{Error, Session};
use crate::proto::{Arg, Command};

impl Session {
    /// Sets the permissions of `remote` to `mode` with SITE CHMOD. A server without it
    /// answers 500/502/504 ([`Error::is_not_implemented`]).
    pub async fn chmod(&mut self, remote: &str, mode: u32) -> Result<(), Error> {
        let command = Command::SetPermissions { mode, path: Arg::new(remote)? };
        self.control.expect(&command, &[200, 250]).await.map(drop)
    }
}
