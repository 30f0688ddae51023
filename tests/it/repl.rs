//! The interactive shell and its script mode. Terminal behaviour (completion, history, Ctrl-C,
//! the prompt) is driven through a real pseudo-terminal: the binary runs inside a private tmux
//! server, keys go in with send-keys and the screen comes back with capture-pane. Scripts run
//! the binary with commands on stdin or in a file, against the same servers as the one-shot
//! tests, and must give the same output and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::scripted::{ScriptedServer, Step, e, r};
use crate::support::{Pasv, TestServer, pasv, patterned, within};

/// The real binary in a pseudo-terminal of its own tmux server (socket in a temp dir).
struct Term {
    socket: PathBuf,
    status: PathBuf,
    _dir: tempfile::TempDir,
}

const SESSION: &str = "pasv";
const WAIT: Duration = Duration::from_secs(20);

impl Term {
    /// Starts `pasv` as `run` would, in a 150x40 terminal. `None` (after printing SKIPPED)
    /// when tmux is missing locally; under CI a missing tmux fails the test.
    fn start(pasv: &Pasv) -> Option<Term> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "tmux is missing: scripts/install-test-deps installs it"
            );
            eprintln!("SKIPPED: tmux is not installed (apt-get install tmux)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tmux dir");
        let socket = dir.path().join("socket");
        let conf = dir.path().join("tmux.conf");
        // The pane stays after pasv exits, so its exit status and last screen can be read.
        std::fs::write(&conf, "set -g remain-on-exit on\nset -g history-limit 5000\n").expect("tmux.conf");
        let cmd = pasv.command();
        // env(1) wants its -u options before the assignments.
        let mut argv: Vec<String> = vec!["env".into()];
        let mut assignments = Vec::new();
        for (key, value) in cmd.get_envs() {
            let key = key.to_string_lossy();
            match value {
                Some(value) => assignments.push(format!("{key}={}", value.to_string_lossy())),
                None => argv.extend(["-u".to_string(), key.into_owned()]),
            }
        }
        argv.extend(assignments);
        argv.push(cmd.get_program().to_string_lossy().into_owned());
        argv.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
        // A small sh records the exit status (tmux 3.3 does not always keep it). Its trap is
        // a handler, not an ignore, so pasv starts with the default SIGINT disposition.
        let status_file = dir.path().join("status");
        let mut wrapper: Vec<String> = vec![
            "sh".into(),
            "-c".into(),
            "trap : INT; \"$@\"; echo $? > \"$0.tmp\" && mv \"$0.tmp\" \"$0\"".into(),
            status_file.to_string_lossy().into_owned(),
        ];
        wrapper.extend(argv);
        let cwd = cmd.get_current_dir().map(Path::to_path_buf).unwrap_or_else(|| dir.path().to_path_buf());
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .arg("-f")
            .arg(&conf)
            .args(["new-session", "-d", "-s", SESSION, "-x", "150", "-y", "40", "-c"])
            .arg(&cwd)
            .args(&wrapper)
            .env_remove("TMUX")
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed: {status}");
        Some(Term { socket, status: status_file, _dir: dir })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().expect("run tmux");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", SESSION, "-l", text]);
    }

    /// Presses keys by tmux name: Enter, Tab, C-c, C-d, Up.
    fn press(&self, key: &str) {
        self.tmux(&["send-keys", "-t", SESSION, key]);
    }

    /// Types a line and presses Enter.
    fn line(&self, text: &str) {
        self.type_text(text);
        self.press("Enter");
    }

    /// Everything on the screen and in the scrollback, trailing blank lines dropped.
    fn screen(&self) -> String {
        let text = self.tmux(&["capture-pane", "-p", "-J", "-t", SESSION, "-S", "-5000"]);
        text.trim_end().to_string()
    }

    /// Waits until the screen shows `needle`; fails with the screen when it does not.
    #[track_caller]
    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(&format!("{needle:?}"), |screen| screen.contains(needle))
    }

    /// Waits until `ready` holds for one capture of the screen (`what` names it for the failure
    /// message). Everything a test asserts about one screen goes into `ready`: parts of the
    /// screen are drawn at different moments.
    #[track_caller]
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("the screen never showed {what} within {WAIT:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` (may be empty: just Enter) and waits until the shell has run it and shows
    /// `prompt` on a new line. (Waiting for the new prompt, not just any prompt, matters: keys
    /// typed while the editor is still finishing the previous line are lost, as in rustyline.)
    #[track_caller]
    fn submit(&self, text: &str, prompt: &str) -> String {
        let before = prompts(&self.screen(), prompt);
        if !text.is_empty() {
            self.type_text(text);
        }
        self.press("Enter");
        self.wait_for_prompt_after(prompt, before)
    }

    /// Waits until the last line of the screen is `prompt` (the shell is idle).
    #[track_caller]
    fn wait_for_prompt(&self, prompt: &str) -> String {
        self.wait_for_prompt_after(prompt, 0)
    }

    #[track_caller]
    fn wait_for_prompt_after(&self, prompt: &str, seen: usize) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if screen.lines().last().is_some_and(|l| l.trim_end() == prompt.trim_end())
                && prompts(&screen, prompt) > seen
            {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("the shell never came back to the prompt {prompt:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for pasv to exit and returns its exit status.
    #[track_caller]
    fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(code) = std::fs::read_to_string(&self.status) {
                return code.trim().parse().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                panic!("pasv did not exit:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// How many lines of `screen` start with `prompt`.
fn prompts(screen: &str, prompt: &str) -> usize {
    screen.lines().filter(|l| l.starts_with(prompt.trim_end())).count()
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.socket).arg("kill-server").status();
    }
}

/// Runs blocking terminal work off the async test's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("terminal thread")
}

/// Greeting, anonymous login, no features, PWD: what the shell does before its first prompt.
fn shell_login(pwd: &str) -> Vec<Step> {
    vec![
        r("220 hi"),
        e("USER anonymous"),
        r("331 pw"),
        Step::ExpectPrefix("PASS ".into()),
        r("230 ok"),
        e("FEAT"),
        r("500 no"),
        e("PWD"),
        r(&format!("257 \"{pwd}\" is the current directory")),
    ]
}

/// The same login when the shell logs in again: it returns to its directory instead of PWD.
fn relogin(cwd: &str) -> Vec<Step> {
    vec![
        r("220 hi again"),
        e("USER anonymous"),
        r("331 pw"),
        Step::ExpectPrefix("PASS ".into()),
        r("230 ok"),
        e("FEAT"),
        r("500 no"),
        e(&format!("CWD {cwd}")),
        r("250 ok"),
    ]
}

/// A home, config and data directory shared by several runs.
fn shared_home(p: Pasv, home: &Path) -> Pasv {
    p.shared_home(home)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tab_completes_remote_paths_and_the_completed_command_runs() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("report-2024.txt"), "the report").unwrap();
        std::fs::create_dir(server.path("My Documents")).unwrap();
        std::fs::write(server.path("My Documents/notes.txt"), "notes").unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let url = server.url("/");
        let dir = cwd.path().to_path_buf();
        blocking(move || {
            let Some(term) = Term::start(&pasv([url.as_str()]).cwd(&dir)) else { return };
            term.wait_for_prompt("pasv anonymous@127.0.0.1:/>");
            term.type_text("get rep");
            term.press("Tab");
            term.wait_for("> get report-2024.txt");
            term.submit("", "pasv anonymous@127.0.0.1:/>");
            assert_eq!(std::fs::read_to_string(dir.join("report-2024.txt")).unwrap(), "the report");

            // A name with a space is quoted; the quote stays open inside a directory.
            term.type_text("cd My");
            term.press("Tab");
            term.wait_for("> cd \"My Documents/");
            term.submit("", "pasv anonymous@127.0.0.1:/My Documents>");
            term.type_text("cat no");
            term.press("Tab");
            term.wait_for("> cat notes.txt");
            let screen = term.submit("", "pasv anonymous@127.0.0.1:/My Documents>");
            assert!(screen.contains("\nnotes\n"), "{screen}");
            term.line("quit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_persists_across_two_runs() {
    within(async {
        let home = tempfile::tempdir().unwrap();
        let home_path = home.path().to_path_buf();
        blocking(move || {
            let Some(term) = Term::start(&shared_home(pasv(Vec::<String>::new()), &home_path)) else { return };
            term.wait_for_prompt("pasv>");
            term.submit("lpwd", "pasv>");
            term.submit("help mget", "pasv>");
            term.press("C-d");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
            drop(term);

            let history = std::fs::read_to_string(home_path.join(".local/share/pasv/history")).unwrap();
            assert!(history.lines().any(|l| l == "lpwd") && history.lines().any(|l| l == "help mget"), "{history}");

            let Some(term) = Term::start(&shared_home(pasv(Vec::<String>::new()), &home_path)) else { return };
            term.wait_for_prompt("pasv>");
            term.press("Up");
            term.wait_for("pasv> help mget");
            term.press("Up");
            term.wait_for("pasv> lpwd");
            // Ctrl-C clears the line and the shell goes on; Ctrl-R finds older lines.
            term.press("C-c");
            term.wait_for_prompt("pasv>");
            term.press("C-r");
            term.type_text("mg");
            term.wait_for("`mg': help mget");
            let screen = term.submit("", "pasv>");
            assert!(screen.contains("Download the remote files that match patterns"), "{screen}");
            term.line("exit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_aborts_a_stalled_download_and_the_prompt_returns() {
    within(async {
        let mut script = shell_login("/");
        script.extend([
            e("TYPE I"),
            r("200 binary"),
            e("SIZE big.bin"),
            r("213 1000000"),
            e("EPSV"),
            Step::ListenData,
            r("229 Entering Extended Passive Mode (|||{port}|)"),
            e("RETR big.bin"),
            r("150 here it comes"),
            Step::DataSendThenStall(patterned(1000)),
            // RFC 959 4.1.3: 426 for the transfer cut short, 226 for ABOR itself.
            e("ABOR"),
            r("426 Transfer aborted"),
            r("226 ABOR successful"),
            e("NOOP"),
            r("200 still here"),
            e("SYST"),
            r("215 UNIX Type: L8"),
        ]);
        let server = ScriptedServer::start(script).await;
        let cwd = tempfile::tempdir().unwrap();
        let url = server.url();
        let dir = cwd.path().to_path_buf();
        let started = blocking(move || {
            let term = Term::start(&pasv([url.as_str()]).cwd(&dir))?;
            term.wait_for_prompt("pasv anonymous@127.0.0.1:/>");
            term.line("get big.bin");
            Some(term)
        })
        .await;
        let Some(term) = started else { return server.skipped() };
        // Interrupt only once the server is stalling in the middle of the transfer: its first
        // 1000 bytes are in the part file.
        let part = cwd.path().join(".big.bin.pasv-part");
        let deadline = Instant::now() + WAIT;
        while std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) < 1000 {
            let heard = server.received();
            assert!(
                Instant::now() < deadline,
                "1000 bytes never reached {part:?} (server heard {heard:?}):\n{}",
                term.screen()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let dir = cwd.path().to_path_buf();
        let term = blocking(move || {
            let before = prompts(&term.screen(), "pasv anonymous@127.0.0.1:/>");
            term.press("C-c");
            term.wait_for("pasv: interrupted; partial data (1000 bytes) kept in");
            term.wait_for_prompt_after("pasv anonymous@127.0.0.1:/>", before);
            assert_eq!(std::fs::read(dir.join(".big.bin.pasv-part")).unwrap(), patterned(1000));
            assert!(!dir.join("big.bin").exists(), "an interrupted download must not look complete");
            // The same session answers the next command.
            let screen = term.submit("quote SYST", "pasv anonymous@127.0.0.1:/>");
            assert!(screen.contains("215 UNIX Type: L8"), "{screen}");
            term.line("quit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
            term
        })
        .await;
        let transcript =
            server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{e}\n{}", term.screen()));
        assert_eq!(transcript.commands.iter().filter(|c| c.starts_with("USER")).count(), 1, "no new login needed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_idle_session_is_reopened_in_the_same_directory() {
    within(async {
        let mut first = shell_login("/");
        first.extend([e("CWD pub"), r("250 ok"), e("PWD"), r("257 \"/pub\""), Step::Close]);
        let mut second = relogin("/pub");
        second.extend([
            e("TYPE I"),
            r("200 binary"),
            e("EPSV"),
            Step::ListenData,
            r("229 Entering Extended Passive Mode (|||{port}|)"),
            e("LIST"),
            r("150 listing"),
            Step::DataSend(b"-rw-r--r-- 1 ftp ftp 5 Jan 01 2024 file.txt\r\n".to_vec()),
            r("226 done"),
        ]);
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let url = server.url();
        let term = blocking(move || {
            let term = Term::start(&pasv([url.as_str()]))?;
            term.wait_for_prompt("pasv anonymous@127.0.0.1:/>");
            term.submit("cd pub", "pasv anonymous@127.0.0.1:/pub>");
            Some(term)
        })
        .await;
        let Some(term) = term else { return server.skipped() };
        // The server closes the connection while the shell sits at the prompt.
        server.wait_consumed(1, Duration::from_secs(10)).await;
        let term = blocking(move || {
            let screen = term.submit("ls", "pasv anonymous@127.0.0.1:/pub>");
            assert!(screen.contains("\nfile.txt\n"), "{screen}");
            assert!(!screen.contains("error"), "{screen}");
            term.line("quit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
            term
        })
        .await;
        server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{e}\n{}", term.screen()));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_421_idle_timeout_is_retried_after_a_new_login_in_scripts_too() {
    within(async {
        let mut first = shell_login("/srv");
        first.extend([r("421 Timeout: closing control connection."), Step::Close]);
        let mut second = relogin("/srv");
        second.extend([e("MKD new"), r("257 \"/srv/new\" created")]);
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        // The script's first command comes only after the server sent its 421 and closed.
        let mut running = pasv([server.url().as_str()]).spawn();
        server.wait_consumed(1, Duration::from_secs(10)).await;
        running.write_stdin("mkdir new\n");
        running.close_stdin();
        running.finish().await.assert_code(0);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_on_stdin_gives_the_results_and_exit_codes_of_one_shot_commands() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir(server.path("pub")).unwrap();
        std::fs::write(server.path("pub/a.txt"), "alpha").unwrap();
        std::fs::write(server.path("pub/b file.txt"), "beta").unwrap();
        let local = tempfile::tempdir().unwrap();
        let upload = write(local.path(), "up.txt", "uploaded");

        let one_shot = pasv(["ls", &server.url("pub/")]).run().await;
        one_shot.assert_code(0);
        let script = format!(
            "# a comment, then a blank line\n\nls pub\ncd pub\nget a.txt\nput {} -o up.txt\nmkdir sub\nls\n",
            upload.display()
        );
        let run = pasv([server.url("/").as_str()]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(0);
        let (first, rest) = run.stdout.split_at(one_shot.stdout.len());
        assert_eq!(first, one_shot.stdout);
        assert_eq!(rest, "a.txt\nb file.txt\nsub\nup.txt\n");
        assert_eq!(std::fs::read_to_string(local.path().join("a.txt")).unwrap(), "alpha");
        assert_eq!(std::fs::read_to_string(server.path("pub/up.txt")).unwrap(), "uploaded");
        assert_eq!(run.stderr, "");

        // A failing line stops the script with the one-shot exit code.
        let one_shot = pasv(["get", &server.url("pub/missing.txt")]).cwd(local.path()).run().await;
        one_shot.assert_code(5);
        let run =
            pasv([server.url("pub/").as_str()]).stdin("get missing.txt\nmkdir never\n").cwd(local.path()).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("stdin line 1: get missing.txt"), "{}", run.stderr);
        assert!(!server.path("pub/never").exists(), "the script went on after a failure");

        // Usage errors are exit 2 in both.
        pasv(["get", "--no-such-flag", &server.url("pub/a.txt")]).run().await.assert_code(2);
        let run = pasv([server.url("pub/").as_str()]).stdin("get --no-such-flag a.txt\n").run().await;
        run.assert_code(2);
        let run = pasv([server.url("pub/").as_str()]).stdin("put -\nthis line is data, not a command\n").run().await;
        run.assert_code(2);
        let run = pasv(Vec::<String>::new()).stdin("ls\n").run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("not connected"), "{}", run.stderr);

        // -f SCRIPT, with `open` inside it.
        let file = write(local.path(), "script.pasv", &format!("open {}\ncat a.txt\n", server.url("pub/")));
        let run = pasv(["-f", file.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "alpha");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dash_prefix_lets_a_script_continue_after_an_error() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::write(server.path("a.txt"), "alpha").unwrap();
        let local = tempfile::tempdir().unwrap();
        let script = "-rm missing.txt\n- get missing.txt\nget a.txt\nmkdir made\nquit\nmkdir after-quit\n";
        let run = pasv([server.url("/").as_str()]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(0);
        assert_eq!(run.stderr.matches("(ignored)").count(), 2, "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(local.path().join("a.txt")).unwrap(), "alpha");
        assert_eq!((server.path("made").is_dir(), server.path("after-quit").exists()), (true, false));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mget_and_mput_expand_patterns_with_parallel_sessions() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir(server.path("logs")).unwrap();
        for name in ["a.log", "b.log", "c.txt", ".hidden.log"] {
            std::fs::write(server.path(&format!("logs/{name}")), name).unwrap();
        }
        let local = tempfile::tempdir().unwrap();
        for name in ["x.csv", "y.csv", "z.txt"] {
            write(local.path(), name, name);
        }
        let out = local.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let script = format!(
            "set parallel 2\nmget -o {} logs/*.log\nmkdir up\nmput -o up *.csv\nset parallel 1\nmget logs/[c]*\n",
            out.display()
        );
        let run = pasv([server.url("/").as_str()]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(0);
        let mut got: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        got.sort();
        assert_eq!(got, ["a.log", "b.log"]);
        assert_eq!(std::fs::read_to_string(server.path("up/x.csv")).unwrap(), "x.csv");
        assert_eq!(std::fs::read_to_string(server.path("up/y.csv")).unwrap(), "y.csv");
        assert!(!server.path("up/z.txt").exists());
        assert_eq!(std::fs::read_to_string(local.path().join("c.txt")).unwrap(), "c.txt");

        let run = pasv([server.url("/").as_str()]).stdin("mget logs/*.zip\n").run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("no remote file matches \"logs/*.zip\""), "{}", run.stderr);

        // Parallel sessions start in the login directory but follow the shell's `cd`;
        // --no-clobber holds for them (exit 2, the file kept), and a missing file fails alone
        // (exit 5) while the others arrive.
        let again = local.path().join("again");
        std::fs::create_dir(&again).unwrap();
        write(&again, "b.log", "mine");
        let script = format!("cd logs\nset parallel 3\nget --no-clobber -o {} a.log b.log\n", again.display());
        let run = pasv([server.url("/").as_str()]).stdin(script).run().await;
        run.assert_code(2);
        assert_eq!(std::fs::read_to_string(again.join("b.log")).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(again.join("a.log")).unwrap(), "a.log");
        let script = format!("cd logs\nset parallel 3\nmget -o {} c.txt missing.log .hidden.log\n", again.display());
        let run = pasv(["--json", server.url("/").as_str()]).stdin(script).run().await;
        run.assert_code(5);
        assert_eq!(std::fs::read_to_string(again.join("c.txt")).unwrap(), "c.txt");
        assert_eq!(std::fs::read_to_string(again.join(".hidden.log")).unwrap(), ".hidden.log");
        assert!(run.stderr.contains("missing.log"), "{}", run.stderr);
        // One JSON event per file copied, then the summary.
        let events: Vec<serde_json::Value> =
            run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
        assert_eq!(events.iter().filter(|e| e["action"] == "get").count(), 2, "{}", run.stdout);
        let summary = events.last().unwrap();
        assert_eq!(summary["action"], "summary", "{}", run.stdout);
        assert_eq!(summary["files"], 2, "{}", run.stdout);
        assert_eq!(summary["failed"], 1, "{}", run.stdout);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_put_copy_trees_relative_to_the_remote_directory() {
    within(async {
        let server = TestServer::start_with(|o| {
            o.writable = true;
            o.login = Some(("ci".into(), "s3cret".into()));
        })
        .await;
        std::fs::create_dir_all(server.path("site/docs/img")).unwrap();
        std::fs::write(server.path("site/docs/index.html"), "<h1>hi</h1>").unwrap();
        std::fs::write(server.path("site/docs/img/logo.svg"), "<svg/>").unwrap();
        std::fs::write(server.path("site/docs/notes.tmp"), "scratch").unwrap();
        let local = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(local.path().join("build/css")).unwrap();
        write(&local.path().join("build"), "app.js", "js");
        write(&local.path().join("build/css"), "app.css", "css");
        let script = "cd site\nget -r --exclude '*.tmp' docs -o copy\nmkdir out\nput -r build -o out/\n\
                      put --atomic --verify build/app.js -o out/single.js\n";
        let url = format!("ftp://ci@127.0.0.1:{}/", server.server.addr().port());
        let run = pasv(["-v", url.as_str(), "--password-env", "PW"])
            .env("PW", "s3cret")
            .stdin(script)
            .cwd(local.path())
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(local.path().join("copy/index.html")).unwrap(), "<h1>hi</h1>");
        assert_eq!(std::fs::read_to_string(local.path().join("copy/img/logo.svg")).unwrap(), "<svg/>");
        assert!(!local.path().join("copy/notes.tmp").exists());
        assert_eq!(std::fs::read_to_string(server.path("site/out/build/app.js")).unwrap(), "js");
        assert_eq!(std::fs::read_to_string(server.path("site/out/build/css/app.css")).unwrap(), "css");
        assert_eq!(std::fs::read_to_string(server.path("site/out/single.js")).unwrap(), "js");
        // The password never shows, even in the URLs the shell builds for the tree code.
        assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
    })
    .await;
}

/// The shell hands its transfers to the same front end as `pasv get`/`pasv put`, lending it
/// its own session: a checked copy, an atomic upload and a tree (`-j 1`) in the shell's remote
/// directory need no login of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checked_copies_and_trees_run_on_the_shells_own_session() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir_all(server.path("site/docs/img")).unwrap();
        std::fs::write(server.path("site/a.txt"), "alpha").unwrap();
        std::fs::write(server.path("site/docs/index.html"), "<h1>hi</h1>").unwrap();
        std::fs::write(server.path("site/docs/img/logo.svg"), "<svg/>").unwrap();
        let local = tempfile::tempdir().unwrap();
        write(local.path(), "up.txt", "uploaded");
        let script = "cd site\nget --verify a.txt\nput --atomic up.txt\nget -r docs -o copy\n";
        let run = pasv(["-v", "-j", "1", server.url("/").as_str()]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(local.path().join("a.txt")).unwrap(), "alpha");
        assert_eq!(std::fs::read_to_string(server.path("site/up.txt")).unwrap(), "uploaded");
        assert_eq!(std::fs::read_to_string(local.path().join("copy/img/logo.svg")).unwrap(), "<svg/>");
        assert_eq!(run.stderr.matches("> USER").count(), 1, "one login, the shell's:\n{}", run.stderr);
    })
    .await;
}

/// `mget` expands a pattern as the one-shot commands expand a URL's: a listed name that cannot
/// be a local file name is left out with a note (escaped), and the other files arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mget_leaves_out_a_listed_name_that_cannot_be_a_local_file() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::create_dir(server.path("logs")).unwrap();
        std::fs::write(server.path("logs/a.log"), "a").unwrap();
        std::fs::write(server.path("logs/b\x1b[2J.log"), "b").unwrap();
        let local = tempfile::tempdir().unwrap();
        let run = pasv([server.url("/").as_str()]).stdin("mget logs/*.log\n").cwd(local.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(local.path().join("a.log")).unwrap(), "a");
        assert_eq!(std::fs::read_dir(local.path()).unwrap().count(), 1);
        assert!(run.stderr.contains("left out"), "{}", run.stderr);
        assert!(!run.stderr.contains('\x1b'), "the name reaches the terminal escaped: {:?}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookmarks_are_saved_without_the_password_and_used_by_one_shot_commands() {
    within(async {
        let server = TestServer::start_with(|o| o.login = Some(("ci".into(), "s3cret".into()))).await;
        std::fs::create_dir(server.path("releases")).unwrap();
        std::fs::write(server.path("releases/v1.txt"), "one").unwrap();
        let home = tempfile::tempdir().unwrap();
        let port = server.server.addr().port();
        let url = format!("ftp://ci:s3cret@127.0.0.1:{port}/");
        let script = "cd releases\nbookmark add rel --password-env REL_PW\nbookmark add root ftp://ci@127.0.0.1:1/\nbookmark list\n";
        let run = shared_home(pasv([url.as_str()]), home.path()).stdin(script).run().await;
        run.assert_code(0);
        assert_eq!(
            run.stdout,
            format!("rel   ftp://ci@127.0.0.1:{port}/releases/\nroot  ftp://ci@127.0.0.1:1/\n")
        );
        let config = std::fs::read_to_string(home.path().join(".config/pasv/config.toml")).unwrap();
        assert!(!config.contains("s3cret"), "{config}");
        assert!(config.contains("password_env = \"REL_PW\""), "{config}");

        // One-shot commands take the bookmark wherever they take a URL.
        let run = shared_home(pasv(["ls", "rel"]), home.path()).env("REL_PW", "s3cret").run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "v1.txt\n");
        let out = tempfile::tempdir().unwrap();
        let run = shared_home(pasv(["get", "rel/v1.txt", "-o", out.path().to_str().unwrap()]), home.path())
            .env("REL_PW", "s3cret")
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(out.path().join("v1.txt")).unwrap(), "one");
        // Also where the tree code takes over (-r, --retries, --verify, ...).
        let tree = tempfile::tempdir().unwrap();
        let run = shared_home(pasv(["get", "-r", "rel", "-o", tree.path().to_str().unwrap()]), home.path())
            .env("REL_PW", "s3cret")
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(tree.path().join("releases/v1.txt")).unwrap(), "one");
        // And `pasv doctor NAME` diagnoses the bookmark's server.
        let run = shared_home(pasv(["doctor", "--json", "rel"]), home.path()).env("REL_PW", "s3cret").run().await;
        run.assert_code(0);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(report["login"], "ci", "{report}");
        // Without the variable there is no password: the login fails.
        shared_home(pasv(["ls", "rel"]), home.path()).run().await.assert_code(7);
        // `pasv NAME` opens the shell there.
        let run = shared_home(pasv(["rel"]), home.path()).env("REL_PW", "s3cret").stdin("pwd\n").run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "/releases\n");
        // Unknown names are usage errors; removed bookmarks are gone.
        shared_home(pasv(["ls", "nosuch"]), home.path()).run().await.assert_code(2);
        shared_home(pasv(Vec::<String>::new()), home.path()).stdin("bookmark rm root\n").run().await.assert_code(0);
        let run = shared_home(pasv(Vec::<String>::new()), home.path()).stdin("bookmark list\n").run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, format!("rel  ftp://ci@127.0.0.1:{port}/releases/\n"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_certificate_is_trusted_on_first_use_after_asking_once() {
    within(async {
        let server = TestServer::start_with(|o| o.tls = true).await;
        std::fs::write(server.path("secret.txt"), "over tls").unwrap();
        let pin = server.server.certificate().unwrap().pin.clone();
        let home = tempfile::tempdir().unwrap();
        let url = server.url("/");
        let home_path = home.path().to_path_buf();
        let first_pin = pin.clone();
        blocking(move || {
            let Some(term) = Term::start(&shared_home(pasv([url.as_str()]), &home_path)) else { return };
            let screen = term.wait_for("Trust this key");
            assert!(screen.contains(&first_pin), "the key pin is shown: {screen}");
            term.line("y");
            term.wait_for_prompt("pasv anonymous@127.0.0.1:/>");
            let screen = term.submit("cat secret.txt", "pasv anonymous@127.0.0.1:/>");
            assert!(screen.contains("\nover tls\n"), "{screen}");
            term.line("quit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());

            // The second time it does not ask: the key is known.
            let Some(term) = Term::start(&shared_home(pasv([url.as_str()]), &home_path)) else { return };
            let screen = term.wait_for_prompt("pasv anonymous@127.0.0.1:/>");
            assert!(!screen.contains("Trust this key"), "{screen}");
            term.line("quit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
        })
        .await;
        let known = std::fs::read_to_string(home.path().join(".local/share/pasv/known_hosts")).unwrap();
        assert!(known.contains(&pin), "{known}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_on_a_terminal_shows_a_progress_bar() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("slow.bin"), patterned(3_000_000)).unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let url = server.url("slow.bin");
        let dir = cwd.path().to_path_buf();
        blocking(move || {
            // Rate-limited so the bar is on screen long enough to be seen.
            let p = pasv(["get", "--limit-rate", "1M", url.as_str()]).cwd(&dir);
            let Some(term) = Term::start(&p) else { return };
            // The overall bar (with the ETA) is drawn before the file's own bar (with its name).
            term.wait_until("a progress bar with an ETA, byte counts and the file's name", |screen| {
                screen.contains("ETA")
                    && screen.contains("slow.bin")
                    && (screen.contains("MiB") || screen.contains("KiB"))
            });
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
            assert_eq!(std::fs::read(dir.join("slow.bin")).unwrap(), patterned(3_000_000));
        })
        .await;
    })
    .await;
}

/// Issue #14: one password, given every way a user gives one (a URL, `-u USER:PASSWORD`, a URL
/// typed in the shell, a script whose line fails), looked for in every channel pasv writes to:
/// stdout, stderr, `--json` results, `-v` traces, script errors, the terminal and the history
/// file; and no URL ever reaches a server as a path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_reaches_any_output_the_history_or_a_server() {
    use crate::secrets::{PASSWORD, alice_server, alice_url};
    within(async {
        let other = alice_server().await;
        std::fs::write(other.path("b.txt"), "bravo").unwrap();
        let own = TestServer::start(false).await;
        std::fs::write(own.path("a.txt"), "alpha").unwrap();
        let local = tempfile::tempdir().unwrap();
        write(local.path(), "up.txt", "uploaded");
        let home = tempfile::tempdir().unwrap();
        let b = |path: &str| alice_url(&other, path);
        let plain = format!("ftp://127.0.0.1:{}/", other.server.addr().port());
        let user = format!("alice:{PASSWORD}");
        let mut seen: Vec<(String, String)> = Vec::new();

        // One-shot commands: -v traces on stderr, --json results on stdout, a failing one.
        let one_shots: Vec<(Vec<String>, i32)> = vec![
            (vec!["get".into(), b("b.txt"), "-o".into(), "x1".into()], 0),
            (vec!["-u".into(), user.clone(), "get".into(), format!("{plain}b.txt"), "-o".into(), "x2".into()], 0),
            (vec!["-u".into(), user.clone(), "put".into(), "up.txt".into(), plain.clone()], 0),
            (vec!["-u".into(), user.clone(), "ls".into(), "-l".into(), plain.clone()], 0),
            (vec!["mirror".into(), b(""), "m".into()], 0),
            (vec!["get".into(), b("missing.txt")], 5),
            (vec!["-u".into(), user.clone(), "stat".into(), format!("{plain}missing.txt")], 5),
        ];
        for (args, code) in one_shots {
            let mut all = vec!["-v".to_string(), "--json".into()];
            all.extend(args);
            let run = pasv(all.clone()).cwd(local.path()).run().await;
            run.assert_code(code);
            seen.push((format!("stdout of {all:?}"), run.stdout));
            seen.push((format!("stderr of {all:?}"), run.stderr));
        }

        // Script mode: `open -u`, URLs in shell commands, and a failing line at the end.
        let script = format!(
            "open -u {user} {plain}\nget {} -o s1\nget {} -o s2\ncat {}\nls {}\nget {}\n",
            b("b.txt"),
            own.url("a.txt"),
            b("b.txt"),
            b(""),
            b("missing.txt")
        );
        let run = pasv(["-v", "--json"]).stdin(script).cwd(local.path()).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("stdin line 6: get ftp://alice:****@"), "{}", run.stderr);
        seen.push(("script stdout".into(), run.stdout));
        seen.push(("script stderr".into(), run.stderr));

        // At a terminal, where the history file is written.
        let (dir, home_dir, user_flag, plain_url) =
            (local.path().to_path_buf(), home.path().to_path_buf(), user, plain);
        let (get_b, get_a, missing, open_b) = (b("b.txt"), own.url("a.txt"), b("missing.txt"), b(""));
        let terminal = blocking(move || {
            let p = shared_home(pasv(["-v", "--json", "-u", &user_flag, &plain_url]), &home_dir).cwd(&dir);
            let term = Term::start(&p)?;
            let prompt = "pasv alice@127.0.0.1:/>";
            term.wait_for_prompt(prompt);
            term.submit(&format!("get {get_b} -o t1"), prompt);
            term.submit(&format!("get {get_a} -o t2"), prompt);
            term.submit(&format!("cat {get_b}"), prompt);
            term.submit(&format!("open {open_b}"), prompt);
            term.submit(&format!("get {missing}"), prompt);
            term.line("quit");
            assert_eq!(term.wait_exit(), 0, "{}", term.screen());
            // What pasv wrote, without the lines the user typed (the terminal echoes those).
            let screen = term.screen();
            let written: Vec<&str> = screen.lines().filter(|l| !l.starts_with(prompt)).collect();
            assert!(screen.contains("bravo"), "{screen}");
            Some(written.join("\n"))
        })
        .await;
        if let Some(terminal) = terminal {
            seen.push(("the terminal".into(), terminal));
            let history = std::fs::read_to_string(home.path().join(".local/share/pasv/history")).unwrap();
            assert!(history.contains("get ftp://alice:****@"), "{history}");
            seen.push(("the history file".into(), history));
            for name in ["t1", "t2"] {
                assert!(local.path().join(name).is_file(), "{name} was not downloaded");
            }
        }

        for name in ["x1", "x2", "s1", "s2", "m/b.txt"] {
            assert!(local.path().join(name).is_file(), "{name} was not downloaded");
        }
        assert_eq!(std::fs::read_to_string(other.path("up.txt")).unwrap(), "uploaded");
        for (channel, text) in &seen {
            assert!(!text.contains(PASSWORD), "{channel} shows the password:\n{text}");
            let urls_sent: Vec<&str> = text.lines().filter(|l| l.starts_with("> ") && l.contains("://")).collect();
            assert_eq!(urls_sent, Vec::<&str>::new(), "{channel}: a URL went to a server");
        }
    })
    .await;
}
