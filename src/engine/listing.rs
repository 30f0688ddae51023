//! Directory listings on a session: MLSD (RFC 3659 section 7) where offered, LIST and NLST
//! (RFC 959) otherwise, read whole (a listing cut short is asked again) and bounded in size.

use std::time::SystemTime;

use super::Error;
use super::session::Session;
use crate::proto::listing::{self, Listing};
use crate::proto::{Arg, Command, ReplyCode};

/// Refuses listings larger than this many bytes: memory stays bounded.
const LISTING_LIMIT: u64 = 64 * 1024 * 1024;

/// How many times a listing that was cut short is asked for (`Session::read_whole_listing`).
const LISTING_ATTEMPTS: u32 = 3;

/// An in-memory sink that refuses to grow past `limit`.
struct LimitedSink<'a> {
    out: &'a mut Vec<u8>,
    limit: u64,
}

impl std::io::Write for LimitedSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.limit {
            return Err(std::io::Error::other("listing too large"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Session {
    /// A parsed directory listing: MLSD when the server offers MLST, else LIST.
    pub async fn list(&mut self, path: Option<&str>) -> Result<Listing, Error> {
        let arg = path.map(Arg::new).transpose()?;
        self.list_parsed(arg, path).await.map(|(listing, _)| listing)
    }

    /// MLSD when offered (and not refused), else LIST, parsed; true when from MLSD. `named` is
    /// the path being listed, to check an empty LIST against.
    pub(super) async fn list_parsed(
        &mut self,
        arg: Option<Arg>,
        named: Option<&str>,
    ) -> Result<(Listing, bool), Error> {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        if self.features.mlst {
            match self.read_whole_listing(Command::MachineListDir(arg.clone())).await {
                Ok(body) => return Ok((listing::parse_listing(&body, true, now), true)),
                Err(e) if matches!(e.reply_code(), Some(ReplyCode(500..=504))) => {
                    self.control.note("MLSD refused; falling back to LIST");
                }
                Err(e) => return Err(e),
            }
        }
        let command = Command::List(arg);
        let body = self.read_whole_listing(command.clone()).await?;
        // Some servers (vsftpd) answer LIST of a missing path with an empty listing and 226;
        // an empty listing of a named path is only believed when the path is a directory.
        if body.is_empty()
            && let Some(path) = named
            && !self.is_dir(path).await?
        {
            return Err(Error::Rejected {
                command: (&command).into(),
                code: ReplyCode::FILE_UNAVAILABLE,
                text: "no such directory (the server listed nothing and CWD failed)".into(),
            });
        }
        Ok((listing::parse_listing(&body, false, now), false))
    }

    /// A listing with every line whole. One whose last line has no line end was cut short (a
    /// middlebox or NAT dropped the data connection while the server, whose last write had
    /// already left, still said 226): parsing it would skip that line and take the rest of the
    /// directory for absent. It is asked again, [`LISTING_ATTEMPTS`] times in all.
    async fn read_whole_listing(&mut self, command: Command) -> Result<Vec<u8>, Error> {
        let mut attempts = 0;
        loop {
            let body = self.read_listing(command.clone()).await?;
            attempts += 1;
            if body.is_empty() || body.ends_with(b"\n") {
                return Ok(body);
            }
            if attempts >= LISTING_ATTEMPTS {
                return Err(Error::ListingCut { command: (&command).into(), attempts });
            }
            self.control.note(format!(
                "the listing from {command} ends without a line end after {} bytes: cut short, asking again",
                body.len()
            ));
        }
    }

    /// The server's LIST text, unparsed.
    pub async fn list_raw(&mut self, path: Option<&str>) -> Result<Vec<u8>, Error> {
        let arg = path.map(Arg::new).transpose()?;
        self.read_listing(Command::List(arg)).await
    }

    /// NLST: names only (RFC 959 section 4.1.3).
    pub async fn name_list(&mut self, path: Option<&str>) -> Result<Vec<String>, Error> {
        let arg = path.map(Arg::new).transpose()?;
        let body = self.read_listing(Command::NameList(arg)).await?;
        Ok(String::from_utf8_lossy(&body)
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .filter(|l| !l.is_empty())
            .collect())
    }

    pub(super) async fn read_listing(&mut self, command: Command) -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        let mut sink = super::Inline(LimitedSink { out: &mut body, limit: LISTING_LIMIT });
        let mut progress = super::NoProgress;
        self.ensure_ascii_or_binary_for_listing().await?;
        match self.transfer_in(command, &mut sink, 0, &[], None, &mut progress).await {
            Ok(_) => Ok(body),
            Err(Error::Sink(_)) => Err(Error::ListingTooLarge { limit: LISTING_LIMIT }),
            Err(e) => Err(e),
        }
    }

    async fn ensure_ascii_or_binary_for_listing(&mut self) -> Result<(), Error> {
        // Listings are read in whatever type is set; binary keeps line endings as sent.
        self.ensure_binary().await
    }
}
