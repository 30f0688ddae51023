//! Passwords never leak: not through `-u USER:PASSWORD` (curl's habit), not through a script's
//! failing line, and not through a URL typed in the shell where a remote path goes (it is
//! taken as lftp takes it, never sent to a server as a path). The test that reads every output
//! channel at once, the shell's history file included, is in `repl.rs` (it needs a terminal).

use crate::support::{TestServer, pasv, within};

pub const PASSWORD: &str = "TopSecret99";

/// A writable server where alice logs in with [`PASSWORD`].
pub async fn alice_server() -> TestServer {
    TestServer::start_with(|o| {
        o.writable = true;
        o.login = Some(("alice".into(), PASSWORD.into()));
    })
    .await
}

/// `ftp://alice:PASSWORD@127.0.0.1:PORT/path`.
pub fn alice_url(server: &TestServer, path: &str) -> String {
    format!("ftp://alice:{PASSWORD}@127.0.0.1:{}/{path}", server.server.addr().port())
}

/// Lines of a `-v` trace that went to a server.
fn sent(trace: &str) -> Vec<&str> {
    trace.lines().filter(|l| l.starts_with("> ")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_colon_password_logs_in_as_the_user_and_never_shows_the_password() {
    within(async {
        let server = alice_server().await;
        std::fs::write(server.path("b.txt"), "bravo").unwrap();
        let out = tempfile::tempdir().unwrap();
        let url = format!("ftp://127.0.0.1:{}/b.txt", server.server.addr().port());
        let run = pasv(["-v", "--json", "-u", &format!("alice:{PASSWORD}"), "get", &url]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(out.path().join("b.txt")).unwrap(), "bravo");
        assert!(sent(&run.stderr).contains(&"> USER alice"), "{}", run.stderr);
        assert!(run.stderr.contains("--password-env NAME is safer"), "{}", run.stderr);
        assert!(!run.stderr.contains(PASSWORD) && !run.stdout.contains(PASSWORD), "{}\n{}", run.stdout, run.stderr);
        // -q: only errors, so no note either.
        let run = pasv(["-q", "-u", &format!("alice:{PASSWORD}"), "cat", &url]).run().await;
        run.assert_code(0);
        assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("bravo", ""));

        // A URL where a flag's value goes: clap's error quotes it, without the password.
        let run = pasv(["--timeout", &format!("ftp://alice:{PASSWORD}@h/"), "ls", &url]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("'ftp://alice:****@h/'"), "{}", run.stderr);
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
        // A wrong password: the login is refused for alice, and the password is not shown.
        let run = pasv(["-v", "--user", "alice:Wrong:Pass77", "ls", &server.url("/")]).run().await;
        run.assert_code(7);
        assert!(run.stderr.contains("as alice"), "{}", run.stderr);
        assert!(!run.stderr.contains("Pass77"), "{}", run.stderr);
        // The shell's `open -u USER:PASSWORD` does the same.
        let script = format!("open -u alice:{PASSWORD} {}\ncat b.txt\n", server.url("/"));
        let run = pasv(["-v"]).stdin(script).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "bravo");
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_shows_its_failing_line_without_passwords() {
    within(async {
        let local = tempfile::tempdir().unwrap();
        // Nothing listens on port 1: the `open` fails (exit 3) and the line is echoed.
        let run = pasv(Vec::<String>::new()).stdin(format!("open ftp://alice:{PASSWORD}@127.0.0.1:1/\n")).run().await;
        run.assert_code(3);
        assert!(run.stderr.contains("stdin line 1: open ftp://alice:****@127.0.0.1:1/"), "{}", run.stderr);
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
        let file = local.path().join("session.pasv");
        std::fs::write(
            &file,
            format!("-open -u alice:{PASSWORD} ftp://127.0.0.1:1/\nopen 'ftp://alice:{PASSWORD}@127.0.0.1:1/a b'\n"),
        )
        .unwrap();
        let run = pasv(["-f", file.to_str().unwrap()]).run().await;
        run.assert_code(3);
        assert!(run.stderr.contains("line 1: open -u alice:**** ftp://127.0.0.1:1/ (ignored)"), "{}", run.stderr);
        assert!(run.stderr.contains("line 2: open \"ftp://alice:****@127.0.0.1:1/a b\""), "{}", run.stderr);
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
        // A URL where a command expected something else, or nothing.
        for line in [format!("set epsv ftp://alice:{PASSWORD}@h/"), format!("pwd ftp://alice:{PASSWORD}@h/")] {
            let run = pasv(Vec::<String>::new()).stdin(format!("{line}\n")).run().await;
            run.assert_code(2);
            assert!(run.stderr.contains("ftp://alice:****@h/"), "{}", run.stderr);
            assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_commands_take_urls_and_never_send_them_to_a_server_as_paths() {
    within(async {
        let home = TestServer::start(true).await;
        std::fs::create_dir(home.path("logs")).unwrap();
        std::fs::write(home.path("a.txt"), "alpha").unwrap();
        let other = alice_server().await;
        std::fs::create_dir(other.path("logs")).unwrap();
        std::fs::write(other.path("b.txt"), "bravo").unwrap();
        std::fs::write(other.path("logs/1.log"), "one").unwrap();
        std::fs::write(other.path("logs/2.log"), "two").unwrap();
        let local = tempfile::tempdir().unwrap();
        std::fs::write(local.path().join("up.txt"), "uploaded").unwrap();
        let b = |path: &str| alice_url(&other, path);
        let script = [
            "cd logs".to_string(),
            format!("get {}", b("b.txt")),
            format!("cat {}", b("b.txt")),
            format!("ls {}", b("logs/")),
            "lcd mget-dir".into(),
            format!("mget {}", b("logs/*.log")),
            "lcd ..".into(),
            format!("put up.txt {}", b("")),
            format!("mkdir {}", b("made")),
            // The shell's own site by URL: its session, from the login directory (not /logs).
            format!("get {} -o same.txt", home.url("a.txt")),
            "pwd".into(),
        ]
        .join("\n");
        std::fs::create_dir(local.path().join("mget-dir")).unwrap();
        let run = pasv(["-v", &home.url("/")]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "bravo1.log\n2.log\n/logs\n");
        assert_eq!(std::fs::read_to_string(local.path().join("b.txt")).unwrap(), "bravo");
        assert_eq!(std::fs::read_to_string(local.path().join("mget-dir/2.log")).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(other.path("up.txt")).unwrap(), "uploaded");
        assert!(other.path("made").is_dir());
        assert_eq!(std::fs::read_to_string(local.path().join("same.txt")).unwrap(), "alpha");
        let to_server: Vec<&str> = sent(&run.stderr).into_iter().filter(|l| l.contains("://")).collect();
        assert_eq!(to_server, Vec::<&str>::new(), "URLs went to a server");
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
        let home_port = format!("connected to 127.0.0.1:{}", home.server.addr().port());
        assert_eq!(run.stderr.matches(&home_port).count(), 1, "the shell's own site was logged in to again");

        // Not connected, and `cd` to another site (which opens it, as in lftp).
        let script = format!("get {} -o nc.txt\ncd {}\npwd\nget 1.log\n", b("b.txt"), b("logs/"));
        let run = pasv(["-v"]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "/logs\n");
        assert_eq!(std::fs::read_to_string(local.path().join("nc.txt")).unwrap(), "bravo");
        assert_eq!(std::fs::read_to_string(local.path().join("1.log")).unwrap(), "one");
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);

        // Mistakes are usage errors that show no password: two sites in one command, a URL
        // where a local path goes, a remote path beside another site's URL.
        let mistakes = [
            format!("get {} {}", b("b.txt"), home.url("a.txt")),
            format!("get a.txt -o {}", b("x")),
            format!("put {} -o x", b("up.txt")),
            format!("rm a.txt {}", b("b.txt")),
        ];
        for line in mistakes {
            let run = pasv([home.url("/").as_str()]).stdin(format!("{line}\n")).cwd(local.path()).run().await;
            run.assert_code(2);
            assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
        }
        // A failing command on the other site: its exit code, the URL redacted.
        let run =
            pasv([home.url("/").as_str()]).stdin(format!("get {}\n", b("missing.txt"))).cwd(local.path()).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("get ftp://alice:****@127.0.0.1"), "{}", run.stderr);
        assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_pass_that_times_out_is_shown_without_its_password() {
    use crate::support::scripted::{FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, steps};
    within(async {
        for shell in [false, true] {
            let script = steps(vec![
                anon_login(FEAT_SIZE_EPSV),
                // The shell asks where it is first.
                if shell { vec![Step::Expect("PWD".into()), Step::Reply("257 \"/\"".into())] } else { vec![] },
                vec![Step::Expect(format!("PASS {PASSWORD}")), Step::Stall],
            ]);
            let server = ScriptedServer::start(script).await;
            let run = if shell {
                pasv(["--timeout", "1", server.url().as_str()]).stdin(format!("quote PASS {PASSWORD}\n")).run().await
            } else {
                pasv(["--timeout", "1", "quote", &server.url(), &format!("PASS {PASSWORD}")]).run().await
            };
            run.assert_code(9);
            assert!(run.stderr.contains("sending \"PASS ****\""), "{}", run.stderr);
            assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);
            server.finish(std::time::Duration::from_secs(10)).await.unwrap();
        }
    })
    .await;
}
