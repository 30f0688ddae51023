//! `doctor`'s words for a person: one section at a time, as the probes come in, with the
//! protocol lines that prove each finding. Nothing with `--json`, which prints the whole
//! report at the end. Server text is escaped here.

use anyhow::Result;

use super::findings::{ProbeReport, Report, Supports, TlsFailure, TlsReport};
use super::verdict;
use crate::app::render::format_time;
use crate::app::sanitize::{escape, write_json};

pub struct Say {
    json: bool,
}

impl Say {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    fn line(&self, text: &str) {
        if !self.json {
            println!("{text}");
        }
    }
    pub fn head(&self, text: &str) {
        self.line(&format!("\n== {text}"));
    }
    fn good(&self, text: &str) {
        self.line(&format!("  ok    {text}"));
    }
    fn bad(&self, text: &str) {
        self.line(&format!("  FAIL  {text}"));
    }
    fn warn(&self, text: &str) {
        self.line(&format!("  WARN  {text}"));
    }
    fn info(&self, text: &str) {
        self.line(&format!("        {text}"));
    }
    fn proof(&self, text: &str) {
        self.line(&format!("          | {text}"));
    }

    pub fn untrusted_first(&self, pin: &str) {
        self.warn(&verdict::untrusted_first(pin));
    }

    pub fn cannot_get_in(&self, error: &str) {
        self.bad(&format!("cannot get in: {}", escape(error)));
    }

    /// Reached, logged in, and what FEAT says.
    pub fn session(&self, report: &Report) {
        let peer = report.peer.as_deref().unwrap_or("?");
        let ms = report.connect_ms.unwrap_or(0);
        self.good(&format!("reached {peer} in {ms} ms; banner: {}", escape(&report.banner.join(" / "))));
        self.good(&format!("logged in as {}", report.login.as_deref().unwrap_or("?")));
        let s: &Supports = &report.supports;
        self.info(&format!(
            "features: UTF8 {}, MLSD {}, SIZE {}, MDTM {}, REST STREAM {}, MFMT {}, HASH {}, AUTH TLS {}",
            yes(s.utf8),
            yes(s.mlsd),
            yes(s.size),
            yes(s.mdtm),
            yes(s.rest_stream),
            yes(s.mfmt),
            s.hash.as_deref().unwrap_or("no"),
            yes(s.auth_tls)
        ));
    }

    /// One data-connection method.
    pub fn probe(&self, probe: &ProbeReport) {
        if let Some(reply) = &probe.reply {
            self.proof(&format!("< {}", escape(reply)));
        }
        if let Some(target) = probe.target.filter(|_| probe.announced.is_some()) {
            let port = target.port();
            self.proof(&format!("227 -> data port {}*256+{} = {port}", port / 256, port % 256));
        }
        if let Some((announced, target)) = probe.mismatch() {
            self.warn(&verdict::nat_mismatch(announced, target));
        }
        if probe.ok {
            let port = probe.port.map(|p| format!(" via port {p}")).unwrap_or_default();
            let bytes = probe.bytes.unwrap_or(0);
            self.good(&format!("{} works{port} ({bytes} bytes of listing in {} ms)", probe.name(), probe.ms));
        } else if let Some(failure) = verdict::probe_failure(probe) {
            self.bad(&escape(&failure));
            if let Some(hint) = verdict::probe_hint(probe) {
                self.info(&hint);
            }
        }
    }

    pub fn clock_skew(&self, skew: Option<i64>) {
        match skew {
            Some(skew) if skew.abs() > 120 => {
                self.warn(&format!("the server's clock is {skew} s off ours: --newer/mirror comparisons may misjudge"))
            }
            Some(skew) => self.good(&format!("server clock within {} s of ours", skew.abs())),
            None => self.info("could not measure the clock skew (upload or MDTM refused)"),
        }
    }

    /// The TLS section, in the order the checks ran.
    pub fn tls(&self, tls: &TlsReport) {
        if tls.unlisted {
            self.info("the server does not list AUTH TLS in FEAT; trying anyway");
        }
        if let Some(pin) = &tls.untrusted_pin {
            self.warn(&verdict::untrusted_tls(pin));
        }
        let error = escape(tls.error.as_deref().unwrap_or_default());
        match tls.failure {
            Some(TlsFailure::NotOffered) => return self.info(&format!("TLS is not available: {error}")),
            Some(TlsFailure::Failed) => return self.bad(&format!("TLS fails: {error}")),
            Some(TlsFailure::FailedUnverified) => return self.bad(&format!("TLS fails even unverified: {error}")),
            None => {}
        }
        if let Some(info) = &tls.control {
            let expiry = info.not_after.map(format_time).unwrap_or_else(|| "unknown".into());
            self.good(&format!(
                "TLS {} ({}), certificate {} expires {expiry} UTC",
                info.version,
                info.cipher,
                info.subject.as_deref().unwrap_or("?")
            ));
            self.proof(&format!("key pin {}", info.pin.as_deref().unwrap_or("?")));
            match verdict::expiry(tls) {
                Some(true) => self.bad(verdict::EXPIRED),
                Some(false) => self.warn("the server's certificate expires within 14 days"),
                None => {}
            }
        }
        if let Some(supply) = &tls.session_supply {
            self.proof(&format!(
                "TLS session supply: {} TLS 1.3 ticket(s) and {} TLS 1.2 session from the control connection; \
                 every data connection offers it again ({} so far)",
                supply.control_tickets,
                if supply.tls12_session { "a" } else { "no" },
                supply.offered
            ));
            if supply.control_tickets == 0 && !supply.tls12_session {
                self.warn(
                    "the server handed out no TLS session to resume: servers that require reuse will refuse data connections",
                );
            }
        }
        match (&tls.data_error, tls.data_resumed) {
            (Some(e), _) => self.bad(&format!("an encrypted listing fails: {}", escape(e))),
            (None, Some(true)) => {
                self.good("an encrypted listing works (PROT P), the data connection resuming the control session")
            }
            _ => {}
        }
        match tls.requires_reuse {
            Some(true) => self.info(
                "the server requires data connections to reuse the TLS session (vsftpd require_ssl_reuse); pasv does this",
            ),
            Some(false) => self.info("the server accepts data connections without TLS session reuse"),
            None => {}
        }
        self.info(&format!(
            "TLS versions accepted: {}",
            if tls.versions.is_empty() { "none".into() } else { tls.versions.join(", ") }
        ));
    }

    pub fn verdict(&self, text: &str, suggested: Option<&str>) {
        self.head("Verdict");
        self.line(&format!("  {text}"));
        if let Some(cmd) = suggested {
            self.line(&format!("  works: {cmd}"));
        }
    }

    /// `--json`: the whole report, one line.
    pub fn json(&self, report: &Report) -> Result<()> {
        if self.json {
            let mut out = std::io::stdout().lock();
            write_json(&mut out, report)?;
            std::io::Write::write_all(&mut out, b"\n")?;
        }
        Ok(())
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
