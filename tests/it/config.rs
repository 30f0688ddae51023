//! Settings that last: the config file's [defaults] under the command line (and under a
//! bookmark's own TLS mode), its errors with file and line, `pasv config`, the shell's
//! `set --save`, and the warning about a netrc that others can read.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::{TestServer, pasv, within};

fn config_path(home: &Path) -> PathBuf {
    home.join(".config/pasv/config.toml")
}

fn write_config(home: &Path, text: &str) {
    let path = config_path(home);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `pasv config list --json` as key -> (value, origin).
fn listed(home: &Path, flags: &[&str]) -> BTreeMap<String, (serde_json::Value, String)> {
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["config", "list", "--json"]);
    let run = pasv(args).shared_home(home).run_blocking();
    run.assert_code(0);
    run.stdout
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (v["key"].as_str().unwrap().to_string(), (v["value"].clone(), v["origin"].as_str().unwrap().to_string()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_apply_under_the_command_line_and_a_bookmarks_own_tls() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("f.txt"), "hello").unwrap();
        let port = server.server.addr().port();
        let home = tempfile::tempdir().unwrap();
        write_config(
            home.path(),
            &format!(
                "# mine\n[defaults]\nprogress = \"plain\"\nparallel = 3\ntls = true\n\n\
                 [bookmarks.plain]\nurl = \"ftp://127.0.0.1:{port}/\"\ntls = \"off\"\n"
            ),
        );
        let h = home.path().to_path_buf();
        let (defaults, flagged) =
            tokio::task::spawn_blocking(move || (listed(&h, &[]), listed(&h, &["-j", "5", "--progress", "none"])))
                .await
                .unwrap();
        assert_eq!(defaults["parallel"], (serde_json::json!(3), "defaults".to_string()));
        assert_eq!(defaults["progress"], (serde_json::json!("plain"), "defaults".to_string()));
        assert_eq!(defaults["retries"], (serde_json::json!(0), "built-in".to_string()));
        assert_eq!(flagged["parallel"], (serde_json::json!(5), "flag".to_string()));
        assert_eq!(flagged["progress"], (serde_json::json!("none"), "flag".to_string()));

        // `tls = true` asks this plain server for TLS, which it refuses: no silent plain login.
        let out = tempfile::tempdir().unwrap();
        let url = server.url("f.txt");
        let run = pasv(["get", url.as_str()]).shared_home(home.path()).cwd(out.path()).run().await;
        run.assert_code(6);
        // --no-tls wins over it; `progress = "plain"` prints the lines for logs...
        let run = pasv(["--no-tls", "get", url.as_str()]).shared_home(home.path()).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("pasv: done f.txt"), "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(out.path().join("f.txt")).unwrap(), "hello");
        // ...unless the command line says otherwise.
        let run = pasv(["--no-tls", "--progress", "none", "get", "-o", "again.txt", url.as_str()])
            .shared_home(home.path())
            .cwd(out.path())
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(run.stderr, "");
        // A bookmark that names its TLS mode stands over [defaults].
        let run = pasv(["ls", "plain"]).shared_home(home.path()).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "f.txt\n");

        // `verify = "strict"` fails a file this server has no checksum for; --no-verify undoes it.
        // TLS options in [defaults] wait for a TLS site: no error on a plain one.
        write_config(home.path(), "[defaults]\nverify = \"strict\"\nca-file = \"missing.pem\"\ntls-min = \"1.3\"\n");
        let run = pasv(["get", "-o", "v1.txt", url.as_str()]).shared_home(home.path()).cwd(out.path()).run().await;
        run.assert_code(5);
        let run = pasv(["get", "--no-verify", "-o", "v2.txt", url.as_str()])
            .shared_home(home.path())
            .cwd(out.path())
            .run()
            .await;
        run.assert_code(0);
    })
    .await;
}

#[test]
fn config_file_errors_name_the_file_and_the_line_and_exit_2() {
    let cases = [
        ("[defaults]\nretries = 2\nretires = 3\n", 3, "unknown key `retires` in [defaults]; the keys are: "),
        ("# mine\n\n[default]\nretries = 3\n", 3, "unknown key `default`"),
        ("[defaults]\nparallel = \"8\"\n", 2, "parallel = \"8\": expected a whole number from 1 to 64"),
        ("[defaults]\nprogress = \"fancy\"\n", 2, "expected one of \"auto\", \"bar\", \"plain\", \"none\""),
        ("[bookmarks.w]\nurl = \"ftp://h/\"\npasword_env = \"X\"\n", 3, "unknown key `pasword_env`"),
        ("[defaults]\ntimeout = \n", 2, ""),
    ];
    for (text, line, message) in cases {
        let run = pasv(["ls", "ftp://127.0.0.1:1/"]);
        write_config(run.home(), text);
        let place = format!("{}:{line}: ", config_path(run.home()).display());
        let run = run.run_blocking();
        run.assert_code(2);
        assert!(run.stderr.contains(&place), "{text:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{text:?}: {}", run.stderr);
        if message.contains("the keys are") {
            assert!(run.stderr.contains("connect-timeout, timeout,"), "{}", run.stderr);
        }
    }
    // `pasv config path` still answers, to find the file and fix it.
    let run = pasv(["config", "path"]);
    write_config(run.home(), "[nonsense]\n");
    let expected = format!("{}\n", config_path(run.home()).display());
    let run = run.run_blocking();
    run.assert_code(0);
    assert_eq!(run.stdout, expected);
    // A file with bookmarks only reads as before.
    let run = pasv(["config", "get", "retries"]);
    write_config(run.home(), "[bookmarks.w]\nurl = \"ftp://h/\"\ntls = \"off\"\npins = []\n");
    let run = run.run_blocking();
    run.assert_code(0);
    assert_eq!(run.stdout, "0\n");
}

#[test]
fn config_set_checks_the_value_and_keeps_comments_bookmarks_and_links() {
    let home = tempfile::tempdir().unwrap();
    let config = config_path(home.path());
    let run = |args: &[&str]| pasv(args).shared_home(home.path()).run_blocking();
    // A new file (and its directory) is the owner's only.
    run(&["config", "set", "retries", "4"]).assert_code(0);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "[defaults]\nretries = 4\n");
    assert_eq!(std::fs::metadata(&config).unwrap().permissions().mode() & 0o777, 0o600);

    // A config file kept elsewhere behind a relative link is edited there, comments and all.
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    let original = "# top\n[defaults]\nretries = 1 # flaky server\n\n# work\n[bookmarks.work]\nurl = \"ftp://h/\"\n";
    std::fs::write(dotfiles.join("pasv.toml"), original).unwrap();
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink("../../dotfiles/pasv.toml", &config).unwrap();
    run(&["config", "set", "retries", "5"]).assert_code(0);
    run(&["config", "set", "timeout", "2.5"]).assert_code(0);
    assert!(std::fs::symlink_metadata(&config).unwrap().file_type().is_symlink());
    let edited = std::fs::read_to_string(dotfiles.join("pasv.toml")).unwrap();
    assert_eq!(
        edited,
        "# top\n[defaults]\nretries = 5 # flaky server\ntimeout = 2.5\n\n# work\n[bookmarks.work]\nurl = \"ftp://h/\"\n"
    );
    let got = run(&["config", "get", "retries"]);
    got.assert_code(0);
    assert_eq!(got.stdout, "5\n");
    let got = run(&["--retries", "9", "config", "get", "retries"]);
    assert_eq!(got.stdout, "9\n");

    // A bad value, or an unknown key, changes nothing.
    let bad = run(&["config", "set", "parallel", "0"]);
    bad.assert_code(2);
    assert!(bad.stderr.contains("expected a whole number from 1 to 64"), "{}", bad.stderr);
    run(&["config", "set", "retires", "1"]).assert_code(2);
    assert_eq!(std::fs::read_to_string(dotfiles.join("pasv.toml")).unwrap(), edited);

    // unset: back to pasv's own value; the bookmark is still there.
    run(&["config", "unset", "retries"]).assert_code(0);
    assert_eq!(run(&["config", "get", "retries"]).stdout, "0\n");
    let text = std::fs::read_to_string(dotfiles.join("pasv.toml")).unwrap();
    assert!(!text.contains("retries") && text.contains("[bookmarks.work]\nurl = \"ftp://h/\"\n"), "{text}");
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(&dotfiles).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["pasv.toml"]);
}

/// A [defaults] value that does not read can be repaired with `config set` or `unset` of its
/// key; any other edit leaves the file alone and names the bad line.
#[test]
fn config_set_and_unset_repair_a_bad_value() {
    let home = tempfile::tempdir().unwrap();
    let config = config_path(home.path());
    let run = |args: &[&str]| pasv(args).shared_home(home.path()).run_blocking();
    let bad = "# mine\n[defaults]\ntimeout = \"banana\"\nretries = 2\n";
    write_config(home.path(), bad);
    let other = run(&["config", "set", "parallel", "4"]);
    other.assert_code(2);
    assert!(other.stderr.contains(":3: timeout = \"banana\""), "{}", other.stderr);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), bad);
    run(&["config", "set", "timeout", "10"]).assert_code(0);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n[defaults]\ntimeout = 10\nretries = 2\n");
    assert_eq!(run(&["config", "get", "timeout"]).stdout, "10\n");

    write_config(home.path(), bad);
    run(&["config", "unset", "timeout"]).assert_code(0);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n[defaults]\nretries = 2\n");
}

#[test]
fn set_save_in_the_shell_writes_defaults_and_set_shows_origins() {
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "# keep me\n");
    let shell = |script: &str| pasv(Vec::<String>::new()).shared_home(home.path()).stdin(script).run_blocking();
    let run = shell("set --save retries 4\nset parallel 2\nset --save passive off\nset\n");
    run.assert_code(0);
    let text = std::fs::read_to_string(config_path(home.path())).unwrap();
    assert_eq!(text, "# keep me\n\n[defaults]\nretries = 4\nactive = true\n");
    let row = |name: &str, value: &str, origin: &str| format!("{name:<18} {value:<10} ({origin})\n");
    assert!(run.stdout.contains(&row("retries", "4", "set")), "{}", run.stdout);
    assert!(run.stdout.contains(&row("parallel", "2", "set")), "{}", run.stdout);
    assert!(run.stdout.contains(&row("passive", "off", "set")), "{}", run.stdout);
    assert!(run.stdout.contains(&row("timeout", "30s", "built-in")), "{}", run.stdout);

    // The next run starts with them; what was only `set` is gone.
    let run = shell("set\n");
    run.assert_code(0);
    assert!(run.stdout.contains(&row("retries", "4", "defaults")), "{}", run.stdout);
    assert!(run.stdout.contains(&row("passive", "off", "defaults")), "{}", run.stdout);
    assert!(run.stdout.contains(&row("parallel", "1", "built-in")), "{}", run.stdout);
    let list = listed(home.path(), &[]);
    assert_eq!(list["active"], (serde_json::json!(true), "defaults".to_string()));

    // A bad value is refused before anything is written.
    shell("set --save parallel 0\n").assert_code(2);
    shell("set --save tls implicit\n").assert_code(2);
    assert_eq!(std::fs::read_to_string(config_path(home.path())).unwrap(), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_netrc_with_passwords_that_others_can_read_is_warned_about_once() {
    within(async {
        let server = TestServer::start_with(|o| o.login = Some(("bob".into(), "n3trc-secret".into()))).await;
        std::fs::write(server.path("f.txt"), "x").unwrap();
        let url = server.url("/");
        for (mode, warned) in [(0o644, true), (0o600, false)] {
            // Two logins in one run: the warning comes once.
            let run = pasv(Vec::<String>::new()).stdin(format!("open {url}\nls\nopen {url}\nls\n"));
            let netrc = run.home().join(".netrc");
            std::fs::write(&netrc, "machine 127.0.0.1 login bob password n3trc-secret\n").unwrap();
            std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(mode)).unwrap();
            let run = run.run().await;
            run.assert_code(0);
            assert_eq!(run.stdout, "f.txt\nf.txt\n");
            let warning = format!("pasv: warning: {} holds passwords", netrc.display());
            assert_eq!(run.stderr.matches(&warning).count(), usize::from(warned), "mode {mode:o}: {}", run.stderr);
            assert_eq!(run.stderr.contains("chmod 600"), warned, "{}", run.stderr);
            assert!(!run.stderr.contains("n3trc-secret"), "{}", run.stderr);
        }
    })
    .await;
}
