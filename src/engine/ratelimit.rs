//! Bandwidth caps (`--limit-rate`): one token bucket shared by every session that was given
//! the same [`RateLimit`] in its `Config`, so N parallel sessions together stay under the cap.
//!
//! The bucket runs on debt: a transfer takes the bytes it moved and, when that overdraws the
//! bucket, sleeps until the debt is paid. Chunks are kept small (a tenth of a second's worth)
//! so the flow is smooth and no single wait comes near the I/O timeout.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A shared cap in bytes per second.
#[derive(Clone)]
pub struct RateLimit {
    rate: u64,
    bucket: Arc<Mutex<Bucket>>,
}

struct Bucket {
    /// May go negative: that is the debt still to be slept off.
    tokens: f64,
    last: Instant,
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RateLimit({} B/s)", self.rate)
    }
}

impl RateLimit {
    /// A cap of `bytes_per_second` (at least 1).
    pub fn new(bytes_per_second: u64) -> Self {
        let rate = bytes_per_second.max(1);
        Self { rate, bucket: Arc::new(Mutex::new(Bucket { tokens: 0.0, last: Instant::now() })) }
    }

    /// The largest piece moved at once: a tenth of a second's worth, between 1 KiB and 256 KiB.
    pub fn chunk(&self) -> usize {
        (self.rate / 10).clamp(1024, 256 * 1024) as usize
    }

    /// Books `bytes` and returns how long the caller must wait before moving them.
    fn reserve(&self, bytes: usize) -> Duration {
        let Ok(mut bucket) = self.bucket.lock() else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let burst = self.chunk() as f64;
        let refill = now.saturating_duration_since(bucket.last).as_secs_f64() * self.rate as f64;
        bucket.tokens = (bucket.tokens + refill).min(burst);
        bucket.last = now;
        bucket.tokens -= bytes as f64;
        if bucket.tokens >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-bucket.tokens / self.rate as f64) }
    }
}

/// A reader or writer whose throughput is capped by a [`RateLimit`] (none: untouched).
pub(crate) struct Limited<T> {
    inner: T,
    limit: Option<RateLimit>,
    wait: Option<Pin<Box<Sleep>>>,
}

impl<T> Limited<T> {
    pub(crate) fn new(inner: T, limit: Option<RateLimit>) -> Self {
        Self { inner, limit, wait: None }
    }

    /// Finishes a pending wait; `Ready` when the next piece may move.
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(wait) = self.wait.as_mut() {
            if wait.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.wait = None;
        }
        Poll::Ready(())
    }

    /// Books `moved` bytes; the wait (if any) is served before the next piece.
    fn book(&mut self, moved: usize) {
        if let Some(limit) = &self.limit {
            let delay = limit.reserve(moved);
            if !delay.is_zero() {
                self.wait = Some(Box::pin(tokio::time::sleep(delay)));
            }
        }
    }

    fn cap(&self, len: usize) -> usize {
        self.limit.as_ref().map_or(len, |l| len.min(l.chunk()))
    }
}

use std::future::Future as _;

impl<T: AsyncRead + Unpin> AsyncRead for Limited<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.poll_wait(cx).is_pending() {
            return Poll::Pending;
        }
        let cap = this.cap(buf.remaining());
        if cap == buf.remaining() {
            let before = buf.filled().len();
            let result = Pin::new(&mut this.inner).poll_read(cx, buf);
            if let Poll::Ready(Ok(())) = &result {
                this.book(buf.filled().len() - before);
            }
            return result;
        }
        // A smaller piece: read into an initialized window of the caller's buffer.
        let mut piece = ReadBuf::new(buf.initialize_unfilled_to(cap));
        let result = Pin::new(&mut this.inner).poll_read(cx, &mut piece);
        let filled = piece.filled().len();
        if let Poll::Ready(Ok(())) = &result {
            buf.advance(filled);
            this.book(filled);
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Limited<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.poll_wait(cx).is_pending() {
            return Poll::Pending;
        }
        let cap = this.cap(data.len());
        let result = Pin::new(&mut this.inner).poll_write(cx, &data[..cap]);
        if let Poll::Ready(Ok(n)) = &result {
            this.book(*n);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn caps_the_rate_across_writers() {
        let limit = RateLimit::new(200_000);
        let started = Instant::now();
        let mut a = Limited::new(Vec::new(), Some(limit.clone()));
        let mut b = Limited::new(Vec::new(), Some(limit));
        let data = vec![7u8; 100_000];
        let (ra, rb) = tokio::join!(a.write_all(&data), b.write_all(&data));
        ra.unwrap();
        rb.unwrap();
        let secs = started.elapsed().as_secs_f64();
        // 200 kB at 200 kB/s; the wait for each writer's last chunk would come before its
        // next one, so 40 kB go unpaid.
        assert!((0.6..1.2).contains(&secs), "took {secs} s");
        assert_eq!(a.inner.len() + b.inner.len(), 200_000);
    }

    #[test]
    fn chunks_are_a_tenth_of_a_second() {
        assert_eq!(RateLimit::new(500_000).chunk(), 50_000);
        assert_eq!(RateLimit::new(10).chunk(), 1024);
        assert_eq!(RateLimit::new(1 << 40).chunk(), 256 * 1024);
    }
}
