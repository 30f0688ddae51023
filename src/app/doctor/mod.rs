//! `pasv doctor URL`: probe a server and explain, in plain words with the protocol lines that
//! prove it, whether passive mode, active mode and TLS work, and which flags make pasv work.
//!
//! Four parts, one job each: [`probe`] runs the checks on the engine and fills the
//! [`findings`] (plain values, printed whole by `--json`); [`verdict`] judges them (pure
//! functions, tested without a server); [`render`] words them, one section as soon as its
//! probes are in.

mod findings;
mod probe;
mod render;
mod verdict;

use std::time::Duration;

use anyhow::Result;

pub use findings::NoDataConnection;

use super::context::Context;
use super::target::redact_url;
use crate::cli::DoctorArgs;
use crate::engine::DataMethod;
use findings::Report;
use probe::Prober;
use render::Say;

pub async fn doctor(ctx: &Context, args: DoctorArgs) -> Result<()> {
    // A bookmark as anywhere else, with its pins and password variable; a remembered
    // certificate (known_hosts) is the one expected.
    let target = super::config_file::resolve(&args.url)?;
    let site = ctx.site_config(&target)?;
    let (config, credentials) = (site.config, ctx.credentials(&site.args, &target)?);
    let wait = Duration::from_secs(5).min(config.timeout);
    let mut prober = Prober {
        target: &target,
        credentials: &credentials,
        trace: ctx.trace.clone(),
        config,
        insecure: ctx.args.insecure,
    };
    let mut report = Report { url: redact_url(&args.url), ..Report::default() };
    let say = Say::new(ctx.out.json());

    say.head(&format!("Diagnosing {}", report.url));
    // 1. Reachability, banner, login, features.
    let opened = prober.open(&mut report).await;
    if let Some(pin) = &report.untrusted_pin {
        say.untrusted_first(pin);
    }
    let mut session = match opened {
        Ok(session) => session,
        Err(e) => {
            let verdict = verdict::connect_failure(&e, &target.endpoint.host, target.endpoint.port, &credentials);
            say.cannot_get_in(&verdict::chain(&e));
            report.findings = verdict::findings(&report);
            report.verdict = verdict;
            say.verdict(&report.verdict, None);
            say.json(&report)?;
            return Err(anyhow::Error::new(e).context("doctor: the server could not be used"));
        }
    };
    say.session(&report);

    // 2. Data connections: EPSV, PASV, active, each for real with a listing.
    say.head("Data connections (each tried with a real listing)");
    for method in DataMethod::ALL {
        let probe = prober.data(&mut session, method, wait).await?;
        say.probe(&probe);
        report.data.push(probe);
    }

    // 3. Clock skew, only when allowed to write.
    if args.write_probe {
        report.clock_skew_seconds = probe::clock_skew(&mut session).await;
        say.clock_skew(report.clock_skew_seconds);
    }
    let _ = session.quit().await;

    // 4. TLS.
    say.head("TLS");
    let tls = prober.tls(&report.supports).await;
    say.tls(&tls);
    report.tls = Some(tls);

    // 5. Verdict.
    report.findings = verdict::findings(&report);
    let (text, suggested) = verdict::judge(&report, target.tls);
    say.verdict(&text, suggested.as_deref());
    report.verdict = text;
    report.suggested = suggested;
    say.json(&report)?;
    if verdict::works(&report) { Ok(()) } else { Err(NoDataConnection.into()) }
}
