//! Passwords never leak: not through `-u USER:PASSWORD` (curl's habit), and not through a
//! script's failing line.

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
