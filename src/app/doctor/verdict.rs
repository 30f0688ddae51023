//! Judging what `doctor` found: pure functions of the findings (no I/O), so every verdict can
//! be tested without a server. The words of advice live here; `render` prints them.

use std::net::SocketAddr;

use super::findings::{ProbeReport, Report, TlsReport};
use crate::app::settings;
use crate::engine::{Credentials, DataMethod, Error, ErrorClass, TlsMode};

/// Certificates closer than this to their expiry get a warning.
pub const EXPIRY_WARNING_SECONDS: i64 = 14 * 86_400;

pub fn untrusted_first(pin: &str) -> String {
    format!("the certificate is not trusted here (key pin {pin}); continuing unverified to diagnose the rest")
}

pub fn untrusted_tls(pin: &str) -> String {
    format!("TLS is offered but its certificate is not trusted here; pin it with --pin '{pin}' or use --ca-file")
}

pub const EXPIRED: &str = "the server's certificate has EXPIRED";

/// A 227 reply that names another address than the server's own.
pub fn nat_mismatch(announced: SocketAddr, target: SocketAddr) -> String {
    let (announced, target) = (announced.ip(), target.ip());
    format!(
        "the 227 reply names {announced} but the server is {target}: a NAT/masquerade mismatch. pasv ignores the \
         reply's address and works; other clients may not. Fix on the server: vsftpd pasv_address={target}, \
         ProFTPD MasqueradeAddress {target}, pure-ftpd -P {target}, FileZilla Server \"public IP\"."
    )
}

/// "EPSV fails: ..." for a failed probe.
pub fn probe_failure(probe: &ProbeReport) -> Option<String> {
    let error = probe.error.as_deref()?;
    Some(format!("{} fails: {error}", probe.name()))
}

/// Where to look when the data connection itself could not be opened.
pub fn probe_hint(probe: &ProbeReport) -> Option<String> {
    if probe.ok || !probe.data_failure {
        return None;
    }
    Some(match probe.method {
        DataMethod::Active => "the server cannot connect back to us (a firewall or NAT on our side)".to_string(),
        _ => format!(
            "the server's passive port{} is not reachable: open the server's passive port range in the firewall",
            probe.port.map(|p| format!(" {p}")).unwrap_or_default()
        ),
    })
}

/// Whether the certificate has expired, or expires soon (`Some(false)`), judged at the time
/// the probe looked at it.
pub fn expiry(tls: &TlsReport) -> Option<bool> {
    let not_after = tls.control.as_ref()?.not_after?;
    if not_after < tls.checked_at {
        Some(true)
    } else if not_after - tls.checked_at < EXPIRY_WARNING_SECONDS {
        Some(false)
    } else {
        None
    }
}

/// Everything that needs the user's attention, in the order the checks ran.
pub fn findings(report: &Report) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(pin) = &report.untrusted_pin {
        found.push(untrusted_first(pin));
    }
    for probe in &report.data {
        if let Some((announced, target)) = probe.mismatch() {
            found.push(nat_mismatch(announced, target));
        }
        if let Some(failure) = probe_failure(probe) {
            found.push(match probe_hint(probe) {
                Some(hint) => format!("{failure}; {hint}"),
                None => failure,
            });
        }
    }
    if let Some(tls) = &report.tls {
        if let Some(pin) = &tls.untrusted_pin {
            found.push(untrusted_tls(pin));
        }
        if expiry(tls) == Some(true) {
            found.push(EXPIRED.to_string());
        }
        if let Some(e) = &tls.data_error {
            found.push(format!("encrypted data connection fails: {e}"));
        }
    }
    found
}

/// The verdict and, when something works, the command line that does.
pub fn judge(report: &Report, url_tls: TlsMode) -> (String, Option<String>) {
    let ok = |m: DataMethod| report.data.iter().any(|p| p.method == m && p.ok);
    let url = &report.url;
    let tls_flag = match (&report.tls, url_tls) {
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
    // The first method that works, in the order pasv tries them; the advice is the policy
    // that uses it first, as flags.
    let working = DataMethod::ALL.into_iter().find(|&m| ok(m));
    let text = match working {
        Some(DataMethod::ExtendedPassive) => "passive mode works (EPSV); pasv's defaults are right for this server",
        Some(DataMethod::Passive) => {
            "EPSV does not work here but PASV does; pasv falls back by itself, --no-epsv saves the attempt"
        }
        Some(DataMethod::Active) => {
            "passive mode is blocked (the passive port range is not reachable) but active mode works"
        }
        None => "no data connection can be opened: open the server's passive port range in the firewall",
    };
    let flags: String = working
        .map(|m| settings::data_connection_flags(m.policy()))
        .unwrap_or_default()
        .iter()
        .map(|flag| format!(" {flag}"))
        .collect();
    let suggested = works(report).then(|| format!("pasv{flags}{tls_flag}{pin} ls {url}"));
    (text.to_string(), suggested)
}

/// At least one data-connection method works.
pub fn works(report: &Report) -> bool {
    report.data.iter().any(|p| p.ok)
}

/// The verdict when the session could not even be opened.
pub fn connect_failure(e: &Error, host: &str, port: u16, credentials: &Credentials) -> String {
    match e.class() {
        ErrorClass::Unreachable => format!(
            "the server {host}:{port} cannot be reached: check the host name, the port, and that a firewall lets the control connection through"
        ),
        ErrorClass::Login => format!("the server rejected the login of {:?}: check the credentials", credentials.user),
        ErrorClass::Tls => "TLS could not be set up; see the error above (try without TLS to diagnose the rest)".into(),
        _ => format!("the session failed before any data connection: {}", chain(e)),
    }
}

/// An error with its causes, one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TlsInfo;

    fn probe(method: DataMethod, ok: bool) -> ProbeReport {
        ProbeReport {
            method,
            ok,
            reply: None,
            announced: None,
            port: Some(40000),
            target: None,
            bytes: ok.then_some(10),
            error: (!ok).then(|| "timed out".to_string()),
            ms: 1,
            data_failure: !ok,
        }
    }

    fn report(data: Vec<ProbeReport>) -> Report {
        Report { url: "ftp://h/".into(), data, ..Report::default() }
    }

    #[test]
    fn the_first_working_method_decides() {
        let all = |ok: [bool; 3]| {
            report(vec![
                probe(DataMethod::ExtendedPassive, ok[0]),
                probe(DataMethod::Passive, ok[1]),
                probe(DataMethod::Active, ok[2]),
            ])
        };
        let (text, cmd) = judge(&all([true, true, true]), TlsMode::Off);
        assert!(text.contains("pasv's defaults are right"), "{text}");
        assert_eq!(cmd.as_deref(), Some("pasv ls ftp://h/"));
        let (_, cmd) = judge(&all([false, true, false]), TlsMode::Off);
        assert_eq!(cmd.as_deref(), Some("pasv --no-epsv ls ftp://h/"));
        let (_, cmd) = judge(&all([false, false, true]), TlsMode::Off);
        assert_eq!(cmd.as_deref(), Some("pasv --active ls ftp://h/"));
        let (text, cmd) = judge(&all([false, false, false]), TlsMode::Off);
        assert!(text.contains("open the server's passive port range"), "{text}");
        assert_eq!(cmd, None);
    }

    #[test]
    fn suggests_tls_and_the_pin_when_tls_works_untrusted() {
        let mut r = report(vec![probe(DataMethod::ExtendedPassive, true)]);
        let control = TlsInfo {
            version: "TLSv1.3".into(),
            cipher: "x".into(),
            resumed: false,
            pin: Some("sha256//AAA".into()),
            fingerprint: None,
            subject: None,
            not_after: Some(100),
        };
        r.tls = Some(TlsReport {
            offered: true,
            trusted: Some(false),
            control: Some(control),
            untrusted_pin: Some("sha256//AAA".into()),
            checked_at: 200,
            ..TlsReport::default()
        });
        let (_, cmd) = judge(&r, TlsMode::Off);
        assert_eq!(cmd.as_deref(), Some("pasv --tls --pin 'sha256//AAA' ls ftp://h/"));
        let (_, cmd) = judge(&r, TlsMode::Explicit);
        assert_eq!(cmd.as_deref(), Some("pasv --pin 'sha256//AAA' ls ftp://h/"));
        let found = findings(&r);
        assert_eq!(found, vec![untrusted_tls("sha256//AAA"), EXPIRED.to_string()]);
    }

    #[test]
    fn findings_name_the_mismatch_and_the_unreachable_port() {
        let mut pasv = probe(DataMethod::Passive, true);
        pasv.announced = Some("10.0.0.5:40000".parse().unwrap());
        pasv.target = Some("192.0.2.7:40000".parse().unwrap());
        let r = report(vec![probe(DataMethod::ExtendedPassive, false), pasv]);
        let found = findings(&r);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("EPSV fails: timed out; the server's passive port 40000 is not reachable"));
        assert!(found[1].contains("vsftpd pasv_address=192.0.2.7"), "{}", found[1]);
        // An unspecified address (0.0.0.0) is the server saying "use my address": no mismatch.
        let mut any = probe(DataMethod::Passive, true);
        any.announced = Some("0.0.0.0:40000".parse().unwrap());
        any.target = Some("192.0.2.7:40000".parse().unwrap());
        assert!(findings(&report(vec![any])).is_empty());
    }

    #[test]
    fn a_certificate_close_to_its_end_is_not_yet_expired() {
        let tls = |not_after| TlsReport {
            control: Some(TlsInfo {
                version: String::new(),
                cipher: String::new(),
                resumed: false,
                pin: None,
                fingerprint: None,
                subject: None,
                not_after: Some(not_after),
            }),
            checked_at: 1_000_000,
            ..TlsReport::default()
        };
        assert_eq!(expiry(&tls(999_999)), Some(true));
        assert_eq!(expiry(&tls(1_000_000 + 86_400)), Some(false));
        assert_eq!(expiry(&tls(1_000_000 + 30 * 86_400)), None);
    }
}
