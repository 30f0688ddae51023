//! `-v`: the protocol trace on stderr, passwords already redacted by the engine, server text
//! escaped, and the passive decoding spelled out.

use std::io::Write;

use super::sanitize::escape;
use crate::engine::{Trace, TraceEvent};

/// Writes trace events to stderr (`-v`) or stdout (the demo), one line each.
pub struct TraceWriter {
    stdout: bool,
    indent: &'static str,
}

impl TraceWriter {
    pub fn stderr() -> Self {
        Self { stdout: false, indent: "" }
    }

    pub fn stdout_indented() -> Self {
        Self { stdout: true, indent: "    " }
    }
}

impl Trace for TraceWriter {
    fn event(&self, event: &TraceEvent) {
        let text = match event {
            TraceEvent::Connecting { addr } => format!("* connecting to {addr}"),
            TraceEvent::Connected { peer } => format!("* connected to {peer}"),
            TraceEvent::Sent { line } => format!("> {}", escape(line)),
            TraceEvent::Received { reply } => {
                let mut out = String::new();
                for (i, line) in reply.to_string().lines().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str("< ");
                    out.push_str(&escape(line));
                }
                out
            }
            TraceEvent::PassiveDecoded { p1, p2, port, announced, target } => {
                let mut out = format!("* 227 -> data port {p1}*256+{p2} = {port}; connecting to {target}");
                if announced.ip() != target.ip() {
                    out.push_str(&format!(" (the reply named {})", announced.ip()));
                }
                out
            }
            TraceEvent::ExtendedPassiveDecoded { port, target } => {
                format!("* 229 -> data port {port}; connecting to {target}")
            }
            TraceEvent::Note { text } => format!("* {}", escape(text)),
            TraceEvent::Tls { channel, version, cipher, resumed, fingerprint } => {
                let resumed = if *resumed { "resumed" } else { "new session" };
                let mut line = format!("* TLS on {channel} connection: {version}, {cipher}, {resumed}");
                if let (Some(fp), "control") = (fingerprint, *channel) {
                    line.push_str(&format!("; certificate SHA-256 {fp}"));
                }
                line
            }
        };
        let text: String = text.lines().map(|l| format!("{}{l}\n", self.indent)).collect();
        if self.stdout {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        } else {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }
}
