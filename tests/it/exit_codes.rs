//! One test per row of the exit-code table (DESIGN.md, `pasv --help`).

use std::time::Duration;

use crate::support::scripted::{ScriptedServer, Step, anon_login, e, r};
use crate::support::{TestServer, closed_port, pasv, within};

fn logged_in() -> Vec<Step> {
    anon_login("500 no")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_0_on_success() {
    within(async {
        let server = TestServer::start(false).await;
        pasv(["ls", &server.url("/")]).run().await.assert_code(0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_1_on_local_io_failure() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("f"), "x").unwrap();
        let run = pasv(["get", &server.url("f"), "-o", "/nonexistent-dir/sub/f"]).run().await;
        run.assert_code(1);
        assert!(run.stderr.contains("/nonexistent-dir/sub/.f.pasv-part"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn exit_2_on_usage_errors() {
    within(async {
        pasv(["get", "--no-such-flag", "ftp://127.0.0.1/x"]).run().await.assert_code(2);
        let run = pasv(["get", "http://127.0.0.1/x"]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("unsupported scheme"), "{}", run.stderr);
        pasv(["ls", "--timeout", "-3", "ftp://127.0.0.1/"]).run().await.assert_code(2);
        pasv(["ls", "--pin", "sha256//x", "ftp://127.0.0.1/"]).run().await.assert_code(2);
        // A --password-env naming a variable that is not set: the command line's fault.
        for args in [
            vec!["cat", "--user", "bob", "--password-env", "PASV_TEST_UNSET_PW", "ftp://127.0.0.1:9/x"],
            vec!["serve", "--port", "0", "--user", "bob", "--password-env", "PASV_TEST_UNSET_PW"],
        ] {
            let run = pasv(args).run().await;
            run.assert_code(2);
            assert!(run.stderr.contains("the environment variable PASV_TEST_UNSET_PW is not set"), "{}", run.stderr);
        }
    })
    .await;
}

#[tokio::test]
async fn exit_3_when_the_server_cannot_be_reached() {
    within(async {
        let held = closed_port();
        let port = held.port;
        let run = pasv(["ls", &format!("ftp://127.0.0.1:{port}/")]).run().await;
        run.assert_code(3);
        assert!(run.stderr.contains("cannot connect to 127.0.0.1"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn exit_4_when_the_server_answers_4xx() {
    within(async {
        let server = ScriptedServer::start(vec![r("421 Too many connections, try later")]).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(4);
        assert!(run.stderr.contains("421 Too many connections"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exit_5_when_the_server_answers_5xx() {
    within(async {
        let mut script = logged_in();
        script.extend([
            e("TYPE I"),
            r("200 ok"),
            e("SIZE missing"),
            r("550 No such file"),
            e("EPSV"),
            Step::ListenData,
            r("229 Entering Extended Passive Mode (|||{port}|)"),
            e("RETR missing"),
            r("550 No such file or directory"),
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/missing", server.url())]).cwd(out.path()).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("answered 550 to RETR missing: No such file or directory"), "{}", run.stderr);
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "no file, not even a part file");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exit_6_when_tls_is_refused_and_no_credentials_are_sent() {
    within(async {
        let server =
            ScriptedServer::start(vec![r("220 hi"), e("AUTH TLS"), r("502 AUTH not supported"), Step::ExpectClose])
                .await;
        let run = pasv(["--tls", "--user", "bob", "ls", &server.url()]).env("PASV_PASSWORD", "pw").run().await;
        run.assert_code(6);
        assert!(run.stderr.contains("never falls back to plain text"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
        assert_eq!(transcript.commands, vec!["AUTH TLS".to_string()]);
    })
    .await;
}

#[tokio::test]
async fn exit_7_when_login_is_rejected() {
    within(async {
        let server = ScriptedServer::start(vec![
            r("220 hi"),
            e("USER anonymous"),
            r("331 pw"),
            Step::ExpectPrefix("PASS ".into()),
            r("530 Login incorrect."),
        ])
        .await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(7);
        assert!(run.stderr.contains("login rejected: 530 Login incorrect."), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exit_8_on_a_malformed_passive_reply() {
    within(async {
        let mut script = logged_in();
        script.extend([
            e("TYPE I"),
            r("200 ok"),
            e("EPSV"),
            r("500 no"),
            e("PASV"),
            r("227 Entering Passive Mode (127,0,0,1,256,1)"),
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("no h1,h2,h3,h4,p1,p2 address"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exit_9_when_the_server_stops_answering() {
    within(async {
        let mut script = logged_in();
        script.extend([e("TYPE I"), Step::Stall]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["--timeout", "1", "ls", &server.url()]).run().await;
        run.assert_code(9);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn exit_130_when_interrupted() {
    within(async {
        let mut script = logged_in();
        script.extend([e("TYPE I"), Step::Stall]);
        let server = ScriptedServer::start(script).await;
        let running = pasv(["ls", &server.url()]).spawn();
        // Interrupt once pasv is connected and waiting for the server (its handler is set).
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !server.received().iter().any(|c| c == "TYPE I") {
            assert!(std::time::Instant::now() < deadline, "pasv never sent TYPE I: {:?}", server.received());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = std::process::Command::new("kill").args(["-INT", &running.id().to_string()]).status();
        running.finish().await.assert_code(130);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}
