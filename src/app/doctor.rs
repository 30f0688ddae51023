//! `pasv doctor URL`: probe a server and explain, in plain words with the protocol lines that
//! prove it, whether passive mode, active mode and TLS work, and which flags make pasv work.
//!
//! Each check opens its own session so that one failure (a hung data connection) cannot spoil
//! the next check. The engine does the probing (`Session::probe_data`); this module decides
//! what to try, and words the findings.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use serde::Serialize;

use super::oneshot::Context;
use super::render::format_time;
use super::sanitize::{escape, write_json};
use super::settings;
use super::target::{Target, redact_url};
use crate::cli::DoctorArgs;
use crate::engine::{
    Config, Credentials, DataMethod, DataProbe, Error, Session, TicketSupply, TlsInfo, TlsMode, TlsVersion,
};
use crate::proto::ReplyCode;

#[derive(Debug, Default, Serialize)]
struct Report {
    url: String,
    reachable: bool,
    peer: Option<String>,
    connect_ms: Option<u128>,
    banner: Vec<String>,
    login: Option<String>,
    login_error: Option<String>,
    features: Vec<String>,
    supports: Supports,
    data: Vec<ProbeReport>,
    tls: Option<TlsReport>,
    clock_skew_seconds: Option<i64>,
    findings: Vec<String>,
    verdict: String,
    suggested: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Supports {
    utf8: bool,
    mlsd: bool,
    mfmt: bool,
    hash: Option<String>,
    size: bool,
    mdtm: bool,
    rest_stream: bool,
    auth_tls: bool,
}

#[derive(Debug, Serialize)]
struct ProbeReport {
    method: DataMethod,
    ok: bool,
    reply: Option<String>,
    announced: Option<String>,
    port: Option<u16>,
    target: Option<String>,
    bytes: Option<u64>,
    error: Option<String>,
    ms: u128,
}

#[derive(Debug, Default, Serialize)]
struct TlsReport {
    offered: bool,
    trusted: Option<bool>,
    control: Option<TlsInfo>,
    data_resumed: Option<bool>,
    /// The TLS sessions the control connection handed out for its data connections to resume.
    session_supply: Option<TicketSupply>,
    requires_reuse: Option<bool>,
    versions: Vec<String>,
    error: Option<String>,
}

pub async fn doctor(ctx: &Context, args: DoctorArgs) -> Result<()> {
    // A bookmark as anywhere else, with its pins and password variable; a remembered
    // certificate (known_hosts) is the one expected.
    let target = super::config_file::resolve(&args.url)?;
    let global = super::config_file::effective_args(&ctx.args, &target);
    let mut base = settings::config_for(&global, &target)?;
    super::known_hosts::apply(&mut base.tls, &target.endpoint.host, target.endpoint.port);
    let credentials = settings::credentials_for(&global, &target)?;
    let mut report = Report { url: redact_url(&args.url), ..Report::default() };
    let wait = Duration::from_secs(5).min(base.timeout);
    let mut say = Say { json: ctx.out.json() };

    say.head(&format!("Diagnosing {}", report.url));
    // 1. Reachability, banner, login, features.
    let started = Instant::now();
    let mut session = Session::connect(Arc::new(base.clone()), &target.endpoint, &credentials, ctx.trace.clone()).await;
    if let Err(Error::TlsHandshake { pin: Some(pin), .. }) = &session {
        // Diagnose the rest anyway, without verification; the TLS section reports the trust.
        let text =
            format!("the certificate is not trusted here (key pin {pin}); continuing unverified to diagnose the rest");
        say.warn(&text);
        report.findings.push(text);
        base.tls.insecure = true;
        session = Session::connect(Arc::new(base.clone()), &target.endpoint, &credentials, ctx.trace.clone()).await;
    }
    let mut session = match session {
        Ok(s) => s,
        Err(e) => {
            report.reachable = !matches!(e.class(), crate::engine::ErrorClass::Unreachable);
            let verdict = explain_connect_failure(&e, &target, &credentials);
            if matches!(e, Error::Login { .. }) {
                report.login_error = Some(e.to_string());
            }
            say.bad(&format!("cannot get in: {}", escape(&chain(&e))));
            report.verdict = verdict.clone();
            say.verdict(&verdict, None);
            say.json(&report)?;
            return Err(anyhow::Error::new(e).context("doctor: the server could not be used"));
        }
    };
    report.reachable = true;
    report.connect_ms = Some(started.elapsed().as_millis());
    report.peer = Some(session.peer().to_string());
    report.banner = session.greeting().lines.clone();
    report.login = Some(credentials.user.clone());
    say.good(&format!(
        "reached {} in {} ms; banner: {}",
        session.peer(),
        started.elapsed().as_millis(),
        escape(&report.banner.join(" / "))
    ));
    say.good(&format!("logged in as {}", credentials.user));
    let features = session.features().clone();
    report.features = features.lines.clone();
    report.supports = Supports {
        utf8: features.utf8,
        mlsd: features.mlst,
        mfmt: features.mfmt,
        hash: features.hash.clone(),
        size: features.size,
        mdtm: features.mdtm,
        rest_stream: features.rest_stream,
        auth_tls: features.offers_auth_tls(),
    };
    let s = &report.supports;
    say.info(&format!(
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

    // 2. Data connections: EPSV, PASV, active, each for real with a listing.
    say.head("Data connections (each tried with a real listing)");
    for method in [DataMethod::ExtendedPassive, DataMethod::Passive, DataMethod::Active] {
        let probe = session.probe_data(method, wait).await;
        let probe_report = describe_probe(&probe, &mut say, &mut report.findings);
        report.data.push(probe_report);
        if probe.outcome.is_err() {
            // A failed probe can leave the session confused; start the next one afresh.
            let _ = session.quit().await;
            session =
                Session::connect(Arc::new(base.clone()), &target.endpoint, &credentials, ctx.trace.clone()).await?;
        }
    }

    // 3. Clock skew, only when allowed to write.
    if args.write_probe {
        report.clock_skew_seconds = clock_skew(&mut session).await;
        match report.clock_skew_seconds {
            Some(skew) if skew.abs() > 120 => {
                say.warn(&format!("the server's clock is {skew} s off ours: --newer/mirror comparisons may misjudge"))
            }
            Some(skew) => say.good(&format!("server clock within {} s of ours", skew.abs())),
            None => say.info("could not measure the clock skew (upload or MDTM refused)"),
        }
    }
    let _ = session.quit().await;

    // 4. TLS.
    say.head("TLS");
    report.tls =
        Some(probe_tls(ctx, &target, &base, &credentials, &report.supports, &mut say, &mut report.findings).await);

    // 5. Verdict.
    let (verdict, suggested) = verdict(&report, &target);
    say.verdict(&verdict, suggested.as_deref());
    report.verdict = verdict;
    report.suggested = suggested;
    say.json(&report)?;
    if report.data.iter().any(|p| p.ok) {
        return Ok(());
    }
    let addr = session_peer(&report).unwrap_or_else(|| ([127, 0, 0, 1], 0).into());
    let source = std::io::Error::other("no data-connection method (EPSV, PASV, active) works with this server");
    Err(anyhow::Error::new(Error::DataConnect { addr, source }))
}

fn session_peer(report: &Report) -> Option<std::net::SocketAddr> {
    report.peer.as_deref()?.parse().ok()
}

fn describe_probe(probe: &DataProbe, say: &mut Say, findings: &mut Vec<String>) -> ProbeReport {
    let name = match probe.method {
        DataMethod::ExtendedPassive => "EPSV",
        DataMethod::Passive => "PASV",
        DataMethod::Active => "active (EPRT/PORT)",
    };
    if let Some(reply) = &probe.reply {
        say.proof(&format!("< {}", escape(&reply.to_string())));
    }
    if let (Some(announced), Some(target)) = (probe.announced, probe.target) {
        let port = target.port();
        say.proof(&format!("227 -> data port {}*256+{} = {port}", port / 256, port % 256));
        if announced.ip() != target.ip() && !announced.ip().is_unspecified() {
            let text = format!(
                "the 227 reply names {} but the server is {}: a NAT/masquerade mismatch. pasv ignores the reply's \
                 address and works; other clients may not. Fix on the server: vsftpd pasv_address={}, ProFTPD \
                 MasqueradeAddress {}, pure-ftpd -P {}, FileZilla Server \"public IP\".",
                announced.ip(),
                target.ip(),
                target.ip(),
                target.ip(),
                target.ip()
            );
            say.warn(&text);
            findings.push(text);
        }
    }
    let ms = probe.elapsed.as_millis();
    match &probe.outcome {
        Ok(bytes) => {
            let port = probe.port.map(|p| format!(" via port {p}")).unwrap_or_default();
            say.good(&format!("{name} works{port} ({bytes} bytes of listing in {ms} ms)"));
        }
        Err(e) => {
            let text = format!("{name} fails: {}", chain(e));
            say.bad(&escape(&text));
            if e.is_data_connection_failure() {
                let hint = match probe.method {
                    DataMethod::Active => {
                        "the server cannot connect back to us (a firewall or NAT on our side)".to_string()
                    }
                    _ => format!(
                        "the server's passive port{} is not reachable: open the server's passive port range in the firewall",
                        probe.port.map(|p| format!(" {p}")).unwrap_or_default()
                    ),
                };
                say.info(&hint);
                findings.push(format!("{text}; {hint}"));
            } else {
                findings.push(text);
            }
        }
    }
    ProbeReport {
        method: probe.method,
        ok: probe.outcome.is_ok(),
        reply: probe.reply.as_ref().map(|r| r.to_string()),
        announced: probe.announced.map(|a| a.to_string()),
        port: probe.port,
        target: probe.target.map(|t| t.to_string()),
        bytes: probe.outcome.as_ref().ok().copied(),
        error: probe.outcome.as_ref().err().map(|e| chain(e)),
        ms,
    }
}

async fn probe_tls(
    ctx: &Context,
    target: &Target,
    base: &Config,
    credentials: &Credentials,
    supports: &Supports,
    say: &mut Say,
    findings: &mut Vec<String>,
) -> TlsReport {
    let mut tls = TlsReport::default();
    let mut config = base.clone();
    config.tls.insecure = ctx.args.insecure;
    if config.tls.mode == TlsMode::Off {
        if !supports.auth_tls {
            say.info("the server does not list AUTH TLS in FEAT; trying anyway");
        }
        config.tls.mode = TlsMode::Explicit;
    }
    let connect = |config: Config| {
        let trace = ctx.trace.clone();
        async move { Session::connect(Arc::new(config), &target.endpoint, credentials, trace).await }
    };
    // Verified first, as a user would connect.
    let mut session = match connect(config.clone()).await {
        Ok(s) => {
            tls.offered = true;
            tls.trusted = Some(true);
            s
        }
        Err(Error::TlsHandshake { pin, .. }) => {
            tls.offered = true;
            tls.trusted = Some(false);
            let pin = pin.unwrap_or_default();
            let text = format!(
                "TLS is offered but its certificate is not trusted here; pin it with --pin '{pin}' or use --ca-file"
            );
            say.warn(&text);
            findings.push(text);
            config.tls.insecure = true;
            match connect(config.clone()).await {
                Ok(s) => s,
                Err(e) => {
                    tls.error = Some(chain(&e));
                    say.bad(&format!("TLS fails even unverified: {}", escape(&chain(&e))));
                    return tls;
                }
            }
        }
        Err(e) => {
            tls.error = Some(chain(&e));
            if matches!(e, Error::TlsRefused { .. }) {
                say.info(&format!("TLS is not available: {}", escape(&chain(&e))));
            } else {
                say.bad(&format!("TLS fails: {}", escape(&chain(&e))));
            }
            return tls;
        }
    };
    if let Some(info) = session.control_tls().cloned() {
        let expiry = info.not_after.map(format_time).unwrap_or_else(|| "unknown".into());
        say.good(&format!(
            "TLS {} ({}), certificate {} expires {expiry} UTC",
            info.version,
            info.cipher,
            info.subject.as_deref().unwrap_or("?")
        ));
        say.proof(&format!("key pin {}", info.pin.as_deref().unwrap_or("?")));
        if let Some(not_after) = info.not_after {
            let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
            if not_after < now {
                let text = "the server's certificate has EXPIRED".to_string();
                say.bad(&text);
                findings.push(text);
            } else if not_after - now < 14 * 86_400 {
                say.warn("the server's certificate expires within 14 days");
            }
        }
        tls.control = Some(info);
    }
    let probe = session.probe_data(DataMethod::ExtendedPassive, Duration::from_secs(5)).await;
    let probe = if probe.outcome.is_err() {
        session.probe_data(DataMethod::Passive, Duration::from_secs(5)).await
    } else {
        probe
    };
    if let Some(supply) = session.ticket_supply() {
        say.proof(&format!(
            "TLS session supply: {} TLS 1.3 ticket(s) and {} TLS 1.2 session from the control connection; \
             every data connection offers it again ({} so far)",
            supply.control_tickets,
            if supply.tls12_session { "a" } else { "no" },
            supply.offered
        ));
        if supply.control_tickets == 0 && !supply.tls12_session {
            say.warn("the server handed out no TLS session to resume: servers that require reuse will refuse data connections");
        }
        tls.session_supply = Some(supply);
    }
    match &probe.outcome {
        Ok(_) => {
            // The probe's data connection offered the control connection's session.
            tls.data_resumed = Some(true);
            say.good("an encrypted listing works (PROT P), the data connection resuming the control session");
        }
        Err(e) => {
            say.bad(&format!("an encrypted listing fails: {}", escape(&chain(e))));
            findings.push(format!("encrypted data connection fails: {}", chain(e)));
        }
    }
    let _ = session.quit().await;
    // Does the server insist on session reuse? Try a data connection that cannot resume.
    let mut fresh = config.clone();
    fresh.tls.fresh_data_sessions = true;
    if let Ok(mut s) = connect(fresh).await {
        let p = s.probe_data(DataMethod::ExtendedPassive, Duration::from_secs(5)).await;
        let p = if p.outcome.is_err() && p.reply.as_ref().is_some_and(|r| r.code != ReplyCode::EXTENDED_PASSIVE) {
            s.probe_data(DataMethod::Passive, Duration::from_secs(5)).await
        } else {
            p
        };
        tls.requires_reuse = Some(p.outcome.is_err());
        if p.outcome.is_err() {
            say.info("the server requires data connections to reuse the TLS session (vsftpd require_ssl_reuse); pasv does this");
        } else {
            say.info("the server accepts data connections without TLS session reuse");
        }
        let _ = s.quit().await;
    }
    for (name, min, max) in
        [("TLS 1.2", TlsVersion::Tls12, TlsVersion::Tls12), ("TLS 1.3", TlsVersion::Tls13, TlsVersion::Tls13)]
    {
        let mut c = config.clone();
        c.tls.min_version = Some(min);
        c.tls.max_version = Some(max);
        c.tls.insecure = true;
        if let Ok(s) = connect(c).await {
            tls.versions.push(name.to_string());
            let _ = s.quit().await;
        }
    }
    say.info(&format!(
        "TLS versions accepted: {}",
        if tls.versions.is_empty() { "none".into() } else { tls.versions.join(", ") }
    ));
    tls
}

/// Uploads a tiny file, reads its MDTM and compares it with our clock.
async fn clock_skew(session: &mut Session) -> Option<i64> {
    let name = format!(".pasv-doctor-{}", std::process::id());
    let mut data: &[u8] = b"pasv doctor clock probe\n";
    let before = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs() as i64;
    let mut progress = crate::engine::NoProgress;
    session.upload(&mut data, &name, crate::engine::UploadMode::Replace, None, &mut progress).await.ok()?;
    let remote = session.modified(&name).await.ok();
    let _ = session.remove(&name).await;
    Some(remote? - before)
}

fn verdict(report: &Report, target: &Target) -> (String, Option<String>) {
    let ok = |m: DataMethod| report.data.iter().any(|p| p.method == m && p.ok);
    let url = &report.url;
    let tls_flag = match (&report.tls, target.tls) {
        (_, TlsMode::Implicit | TlsMode::Explicit) => "",
        (Some(t), TlsMode::Off) if t.offered && t.control.is_some() => " --tls",
        _ => "",
    };
    let pin = match &report.tls {
        Some(t) if t.trusted == Some(false) => {
            t.control.as_ref().and_then(|c| c.pin.clone()).map(|p| format!(" --pin '{p}'")).unwrap_or_default()
        }
        _ => String::new(),
    };
    let (text, flags) = if ok(DataMethod::ExtendedPassive) {
        ("passive mode works (EPSV); pasv's defaults are right for this server".to_string(), String::new())
    } else if ok(DataMethod::Passive) {
        (
            "EPSV does not work here but PASV does; pasv falls back by itself, --no-epsv saves the attempt".to_string(),
            " --no-epsv".to_string(),
        )
    } else if ok(DataMethod::Active) {
        (
            "passive mode is blocked (the passive port range is not reachable) but active mode works".to_string(),
            " --active".to_string(),
        )
    } else {
        (
            "no data connection can be opened: open the server's passive port range in the firewall".to_string(),
            String::new(),
        )
    };
    let suggested =
        if report.data.iter().any(|p| p.ok) { Some(format!("pasv{flags}{tls_flag}{pin} ls {url}")) } else { None };
    (text, suggested)
}

fn explain_connect_failure(e: &Error, target: &Target, credentials: &Credentials) -> String {
    match e.class() {
        crate::engine::ErrorClass::Unreachable => format!(
            "the server {}:{} cannot be reached: check the host name, the port, and that a firewall lets the control connection through",
            target.endpoint.host, target.endpoint.port
        ),
        crate::engine::ErrorClass::Login => {
            format!("the server rejected the login of {:?}: check the credentials", credentials.user)
        }
        crate::engine::ErrorClass::Tls => {
            "TLS could not be set up; see the error above (try without TLS to diagnose the rest)".into()
        }
        _ => format!("the session failed before any data connection: {}", chain(e)),
    }
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Prints the human report (nothing with --json, which prints the whole report at the end).
struct Say {
    json: bool,
}

impl Say {
    fn line(&self, text: &str) {
        if !self.json {
            println!("{text}");
        }
    }
    fn head(&mut self, text: &str) {
        self.line(&format!("\n== {text}"));
    }
    fn good(&mut self, text: &str) {
        self.line(&format!("  ok    {text}"));
    }
    fn bad(&mut self, text: &str) {
        self.line(&format!("  FAIL  {text}"));
    }
    fn warn(&mut self, text: &str) {
        self.line(&format!("  WARN  {text}"));
    }
    fn info(&mut self, text: &str) {
        self.line(&format!("        {text}"));
    }
    fn proof(&mut self, text: &str) {
        self.line(&format!("          | {text}"));
    }
    fn verdict(&mut self, text: &str, suggested: Option<&str>) {
        self.head("Verdict");
        self.line(&format!("  {text}"));
        if let Some(cmd) = suggested {
            self.line(&format!("  works: {cmd}"));
        }
    }
    fn json<T: Serialize>(&self, report: &T) -> Result<()> {
        if self.json {
            let mut out = std::io::stdout().lock();
            write_json(&mut out, report)?;
            std::io::Write::write_all(&mut out, b"\n")?;
        }
        Ok(())
    }
}
