//! A blocking file used as an async sink or source, read and written on the runtime's own
//! thread.
//!
//! For a file that never waits long (in the page cache, or memory), a read or write is a
//! memory copy, cheaper than the hand-over to tokio's blocking pool and back: a 1 GiB download
//! to vsftpd on loopback took 0.49 s instead of 0.77 s on ext4, 0.63 s instead of 0.82 s on
//! tmpfs, with a third less system time; uploading 2000 files of 4 KiB cost half the system
//! time. Not for pipes or devices, whose other end may stall.

use std::io::{Read, Seek, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// `W` behind [`AsyncWrite`], [`AsyncRead`] and [`AsyncSeek`]: every call completes at once.
pub struct Inline<W>(pub W);

impl<R: Read + Unpin> AsyncRead for Inline<R> {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let read = self.get_mut().0.read(buf.initialize_unfilled())?;
        buf.advance(read);
        Poll::Ready(Ok(()))
    }
}

impl<S: Seek + Unpin> AsyncSeek for Inline<S> {
    fn start_seek(self: Pin<&mut Self>, position: std::io::SeekFrom) -> std::io::Result<()> {
        self.get_mut().0.seek(position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
        Poll::Ready(self.get_mut().0.stream_position())
    }
}

impl<W: Write + Unpin> AsyncWrite for Inline<W> {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.get_mut().0.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}
