//! The protocol trace: what went over the control connection, and why the engine chose what
//! it chose. The app decides whether and how to show it (`-v`).

use std::net::SocketAddr;

use crate::proto::Reply;

/// One thing worth tracing. Commands arrive already redacted (PASS shows as `****`).
#[derive(Debug, Clone)]
pub enum TraceEvent {
    Connecting {
        addr: SocketAddr,
    },
    Connected {
        peer: SocketAddr,
    },
    Sent {
        line: String,
    },
    Received {
        reply: Reply,
    },
    /// A 227 decoded: `p1 * 256 + p2 = port`, and where the data connection goes.
    PassiveDecoded {
        p1: u8,
        p2: u8,
        port: u16,
        announced: SocketAddr,
        target: SocketAddr,
    },
    /// A 229 decoded.
    ExtendedPassiveDecoded {
        port: u16,
        target: SocketAddr,
    },
    /// A choice or fallback the engine made, in words.
    Note {
        text: String,
    },
    /// TLS negotiated on the control or a data connection.
    Tls {
        channel: &'static str,
        version: String,
        cipher: String,
        resumed: bool,
        /// SHA-256 of the server's certificate.
        fingerprint: Option<String>,
    },
}

/// Receives trace events. Must be cheap: it runs on the engine's task.
pub trait Trace: Send + Sync {
    fn event(&self, event: &TraceEvent);
}
