//! `pasv doctor` against scripted servers: a NAT mismatch, EPSV refused, unreachable ports.

use std::time::Duration;

use crate::support::scripted::{FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, r};
use crate::support::{TestServer, closed_port, pasv, within};

fn login() -> Vec<Step> {
    anon_login(FEAT_SIZE_EPSV)
}

fn with(mut a: Vec<Step>, b: Vec<Step>) -> Vec<Step> {
    a.extend(b);
    a
}

fn active_refused() -> Vec<Step> {
    vec![
        Step::ExpectPrefix("EPRT ".into()),
        r("500 EPRT not understood"),
        Step::ExpectPrefix("PORT ".into()),
        r("500 no"),
    ]
}

fn tls_refused() -> Vec<Step> {
    vec![r("220 scripted"), e("AUTH TLS"), r("502 AUTH not supported"), Step::ExpectClose]
}

#[tokio::test]
async fn doctor_explains_a_nat_mismatch_and_a_refused_epsv() {
    within(async {
        let sessions = vec![
            with(login(), vec![e("TYPE I"), r("200 ok"), e("EPSV"), r("502 EPSV not implemented")]),
            with(
                login(),
                [
                    vec![
                        e("TYPE I"),
                        r("200 ok"),
                        e("PASV"),
                        Step::ListenData,
                        r("227 Entering Passive Mode (127,0,0,9,{p1},{p2})"),
                        e("NLST"),
                        r("150 here"),
                        Step::DataSend(b"file.txt\r\n".to_vec()),
                        r("226 done"),
                    ],
                    active_refused(),
                ]
                .concat(),
            ),
            login(),
            tls_refused(),
        ];
        let server = ScriptedServer::start_sessions(sessions).await;
        let run = pasv(["doctor", &format!("{}/", server.url())]).run().await;
        run.assert_code(0);
        assert!(run.stdout.contains("FAIL  EPSV fails"), "{}", run.stdout);
        assert!(run.stdout.contains("ok    PASV works"), "{}", run.stdout);
        assert!(run.stdout.contains("NAT/masquerade mismatch"), "{}", run.stdout);
        assert!(run.stdout.contains("pasv_address=127.0.0.1"), "{}", run.stdout);
        assert!(run.stdout.contains("MasqueradeAddress"), "{}", run.stdout);
        assert!(run.stdout.contains("-> data port"), "{}", run.stdout);
        assert!(run.stdout.contains("works: pasv --no-epsv ls"), "{}", run.stdout);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn doctor_finds_unreachable_passive_ports_and_fails() {
    within(async {
        let held = closed_port();
        let closed = held.port;
        let sessions = vec![
            with(login(), vec![e("TYPE I"), r("200 ok"), e("EPSV"), r("229 Entering Extended Passive Mode (|||1|)")]),
            with(
                login(),
                vec![
                    e("TYPE I"),
                    r("200 ok"),
                    e("PASV"),
                    Step::Reply(format!("227 Entering Passive Mode (127,0,0,1,{},{})", closed / 256, closed % 256)),
                ],
            ),
            with(login(), [vec![e("TYPE I"), r("200 ok")], active_refused()].concat()),
            login(),
            tls_refused(),
        ];
        let server = ScriptedServer::start_sessions(sessions).await;
        let run = pasv(["doctor", "--json", &format!("{}/", server.url())]).run().await;
        run.assert_code(4);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        let methods: Vec<(&str, bool)> = report["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["method"].as_str().unwrap(), p["ok"].as_bool().unwrap()))
            .collect();
        assert_eq!(methods, vec![("EPSV", false), ("PASV", false), ("active", false)]);
        assert_eq!(report["data"][1]["port"], closed);
        assert!(
            report["verdict"].as_str().unwrap().contains("open the server's passive port range"),
            "{}",
            report["verdict"]
        );
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_tls_trust_and_session_reuse_on_the_embedded_server() {
    within(async {
        let server = TestServer::start_with(|o| o.tls = true).await;
        let pin = server.server.certificate().unwrap().pin.clone();
        let run = pasv(["doctor", "--json", &server.url("/")]).run().await;
        run.assert_code(0);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(report["tls"]["trusted"], false);
        assert_eq!(report["tls"]["control"]["pin"], pin.as_str());
        assert_eq!(report["tls"]["data_resumed"], true);
        assert!(report["suggested"].as_str().unwrap().contains(&format!("--pin '{pin}'")), "{}", report["suggested"]);

        // A certificate the shell was told to trust (known_hosts) is trusted here too.
        let trusting = pasv(["doctor", "--json", &server.url("/")]);
        let known = trusting.home().join(".local/share/pasv/known_hosts");
        std::fs::create_dir_all(known.parent().unwrap()).unwrap();
        std::fs::write(&known, format!("127.0.0.1:{} {pin}\n", server.server.addr().port())).unwrap();
        let run = trusting.run().await;
        run.assert_code(0);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(report["tls"]["trusted"], true, "{report}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_on_vsftpd_finds_the_masquerade_address_and_the_required_tls_reuse() {
    use crate::support::daemons::{Daemon, Kind, Spec, Tls, certificates, unavailable};
    within(async {
        let spec = Spec { tls: Tls::Explicit, masquerade: Some([127, 0, 0, 9].into()), ..Spec::plain(Kind::Vsftpd) };
        let daemon = match tokio::task::spawn_blocking(move || Daemon::start(spec)).await.unwrap() {
            Ok(d) => d,
            Err(why) => return unavailable("vsftpd for doctor", &why),
        };
        let ca = certificates().unwrap().ca.to_string_lossy().into_owned();
        let run = pasv(["doctor", "--json", "--ca-file", &ca, &daemon.url(true, "/")]).run().await;
        run.assert_code(0);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(report["tls"]["trusted"], true, "{report}");
        assert_eq!(report["tls"]["requires_reuse"], true, "vsftpd require_ssl_reuse=YES: {report}");
        assert_eq!(report["tls"]["data_resumed"], true, "{report}");
        // The session the data connections resumed: vsftpd's OpenSSL hands out TLS 1.3 tickets.
        let supply = &report["tls"]["session_supply"];
        assert!(supply["control_tickets"].as_u64().unwrap_or(0) >= 1, "{report}");
        assert!(supply["offered"].as_u64().unwrap_or(0) >= 1, "{report}");
        let pasv_probe = &report["data"][1];
        assert_eq!(pasv_probe["method"], "PASV");
        assert_eq!(pasv_probe["ok"], true, "{report}");
        assert!(pasv_probe["announced"].as_str().unwrap().starts_with("127.0.0.9:"), "{report}");
        let findings = report["findings"].to_string();
        assert!(findings.contains("pasv_address=127.0.0.1"), "{findings}");
    })
    .await;
}
