//! One byte range of a remote file over its own session, for segmented downloads: REST to the
//! range's start (RFC 3659 section 5), read exactly the range, then end the session.
//!
//! A range that stops before the end of the file cuts the transfer short: the data connection
//! is closed and ABOR sent (RFC 959 section 4.1.3). Servers answer that with one or two
//! replies (426 then 226, or 226 then 225, or only 225), so a SYST goes right behind it and
//! everything up to SYST's 215 is the aftermath of the cut. The session is then ready for
//! the next command.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

use super::ratelimit::Limited;
use super::{Error, Progress, Session};
use crate::proto::{Arg, Command, ReplyCode};

/// Writes at most `remaining` bytes, then refuses with [`RangeFull`].
struct RangeSink<'a, W: ?Sized> {
    inner: &'a mut W,
    remaining: u64,
    written: u64,
}

#[derive(Debug)]
struct RangeFull;

impl std::fmt::Display for RangeFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the range is complete")
    }
}

impl std::error::Error for RangeFull {}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWrite for RangeSink<'_, W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(Err(io::Error::other(RangeFull)));
        }
        let take = buf.len().min(usize::try_from(this.remaining).unwrap_or(usize::MAX));
        let result = Pin::new(&mut *this.inner).poll_write(cx, &buf[..take]);
        if let Poll::Ready(Ok(n)) = &result {
            this.remaining -= *n as u64;
            this.written += *n as u64;
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Counts what the transfer reported, so the bytes of a cut-short last chunk can be reported too.
struct Counting<'a> {
    inner: &'a mut dyn Progress,
    advanced: u64,
}

impl Progress for Counting<'_> {
    fn start(&mut self, name: &str, total: Option<u64>, offset: u64) {
        self.inner.start(name, total, offset);
    }

    fn advance(&mut self, bytes: u64) {
        self.advanced += bytes;
        self.inner.advance(bytes);
    }

    fn finish(&mut self) {
        self.inner.finish();
    }
}

impl Session {
    /// Downloads bytes `offset..end` of `remote` (whose size is `total`) into `sink`. `overlap` holds bytes just before `offset` that the caller already has;
    /// the server must send them again first, proving it honoured REST. Returns the bytes
    /// written, which is exactly `end - offset` or an error.
    #[allow(clippy::too_many_arguments)]
    pub async fn download_range<W: AsyncWrite + Unpin + Send + ?Sized>(
        &mut self,
        remote: &str,
        sink: &mut W,
        offset: u64,
        overlap: &[u8],
        end: u64,
        total: u64,
        progress: &mut dyn Progress,
    ) -> Result<u64, Error> {
        if end > total || offset > end {
            return Err(Error::RestIgnored {
                offset,
                detail: format!("range {offset}..{end} lies outside the file ({total} bytes)"),
            });
        }
        if offset == end {
            return Ok(0);
        }
        let command = Command::Retrieve(Arg::new(remote)?);
        let mut limited = Limited::new(sink, self.config.rate_limit.clone());
        if end == total {
            // The last range runs to the end of the file: an ordinary resumed transfer that
            // the server confirms with 226 and whose byte count is checked. The caller has
            // started the progress for this range already.
            let (bytes, ..) = self.transfer_in(command, &mut limited, offset, overlap, Some(total), progress).await?;
            return Ok(bytes);
        }
        let mut range = RangeSink { inner: &mut limited, remaining: end - offset, written: 0 };
        let mut counting = Counting { inner: progress, advanced: 0 };
        let result = self.transfer_in(command, &mut range, offset, overlap, None, &mut counting).await;
        let written = range.written;
        if written > counting.advanced {
            counting.inner.advance(written - counting.advanced);
        }
        match result {
            Err(Error::Sink(e)) if range.remaining == 0 && e.get_ref().is_some_and(|inner| inner.is::<RangeFull>()) => {
                self.abort_transfer().await?;
                Ok(written)
            }
            Ok(_) if range.remaining == 0 => Ok(written),
            Ok(_) => Err(Error::Truncated { received: offset + written, expected: end }),
            Err(e) => Err(e),
        }
    }

    /// After the data connection of a running transfer was closed: ABOR, then SYST as a
    /// marker, discarding every reply up to the marker's 215.
    async fn abort_transfer(&mut self) -> Result<(), Error> {
        self.control.send(&Command::Abort).await?;
        self.control.send(&Command::System).await?;
        // Replies to NOOPs sent during the transfer (--noop-interval) are among those skipped.
        for _ in 0..8 + self.control.owed_noops {
            let reply = self.control.read_reply().await?;
            if reply.code == ReplyCode(215) {
                self.control.owed_noops = 0;
                return Ok(());
            }
        }
        Err(Error::NoCompletion)
    }
}
