//! A blocking writer used as an async sink, written on the runtime's own thread.
//!
//! For a sink that never waits long (a file in the page cache, memory), a write is a memory
//! copy, cheaper than the hand-over to tokio's blocking pool and back: a 1 GiB download to
//! vsftpd on loopback took 0.49 s instead of 0.77 s on ext4, 0.63 s instead of 0.82 s on
//! tmpfs, with a third less system time. Not for pipes or devices, whose reader may stall.

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

/// `W` behind [`AsyncWrite`]: every call completes at once.
pub struct Inline<W>(pub W);

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
