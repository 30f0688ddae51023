//! The real binary against the in-process libunftp server: the everyday commands.

use std::time::Duration;

use crate::support::scripted::{EPSV_OK, FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, r, steps};
use crate::support::{TestServer, pasv, patterned, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_saves_the_file_in_the_current_directory_with_the_servers_time() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::create_dir(server.path("dir")).unwrap();
        std::fs::write(server.path("dir/file.bin"), patterned(300_000)).unwrap();
        let served = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        std::fs::File::options().write(true).open(server.path("dir/file.bin")).unwrap().set_modified(served).unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "get", &server.url("dir/file.bin")]).cwd(cwd.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(cwd.path().join("file.bin")).unwrap(), patterned(300_000));
        assert_eq!(std::fs::metadata(cwd.path().join("file.bin")).unwrap().modified().unwrap(), served);
        // Size and time from one MLST, then the transfer: nothing asked twice.
        assert_eq!(run.stderr.matches("> MLST").count(), 1, "{}", run.stderr);
        assert_eq!(run.stderr.matches("> SIZE").count(), 0, "{}", run.stderr);
        assert_eq!(run.stderr.matches("> MDTM").count(), 0, "{}", run.stderr);
        // Nothing else is left behind (no part file).
        assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_several_urls_share_one_connection_and_fill_a_directory() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("a.txt"), "alpha").unwrap();
        std::fs::write(server.path("b.txt"), "beta").unwrap();
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "get", &server.url("a.txt"), &server.url("b.txt"), "-o", out.path().to_str().unwrap()])
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(out.path().join("a.txt")).unwrap(), "alpha");
        assert_eq!(std::fs::read_to_string(out.path().join("b.txt")).unwrap(), "beta");
        assert_eq!(run.stderr.matches("* connected to").count(), 1, "{}", run.stderr);
        assert_eq!(run.stderr.matches("> USER").count(), 1, "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_with_output_file_and_no_clobber() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("a.txt"), "new").unwrap();
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("renamed.txt");
        pasv(["get", &server.url("a.txt"), "-o", target.to_str().unwrap()]).run().await.assert_code(0);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        std::fs::write(&target, "mine").unwrap();
        let run = pasv(["get", "--no-clobber", &server.url("a.txt"), "-o", target.to_str().unwrap()]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("refusing to overwrite"), "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_into_a_fifo_writes_through_it_and_leaves_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt as _;
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("a.bin"), patterned(200_000)).unwrap();
        let out = tempfile::tempdir().unwrap();
        // Like -o /dev/null or -o /dev/stdout: a part file renamed over it would replace it.
        let fifo = out.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let run = pasv(["get", &server.url("a.bin"), "-o", fifo.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(reader.join().unwrap(), patterned(200_000));
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1, "a part file was left behind");
        // Nothing to resume in a pipe.
        let run = pasv(["get", "-c", &server.url("a.bin"), "-o", fifo.to_str().unwrap()]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_from_a_fifo_uploads_what_it_carries() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir(server.path("up")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Like `pasv put <(tar c dir) URL`: the length is unknown until the pipe ends.
        let fifo = dir.path().join("stream.tar");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, patterned(150_000)).unwrap())
        };
        let run = pasv(["put", fifo.to_str().unwrap(), &server.url("up/")]).run().await;
        run.assert_code(0);
        writer.join().unwrap();
        assert_eq!(std::fs::read(server.path("up/stream.tar")).unwrap(), patterned(150_000));
        let run = pasv(["put", "--atomic", fifo.to_str().unwrap(), &server.url("up/")]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cat_writes_to_stdout() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("hello.txt"), "hello, world\n").unwrap();
        let run = pasv(["cat", &server.url("hello.txt")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "hello, world\n");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_uploads_files_into_a_directory_and_from_stdin() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir(server.path("in")).unwrap();
        let local = tempfile::tempdir().unwrap();
        let a = local.path().join("a.bin");
        let b = local.path().join("b b.txt");
        std::fs::write(&a, patterned(200_000)).unwrap();
        std::fs::write(&b, "spaces").unwrap();
        pasv(["put", a.to_str().unwrap(), b.to_str().unwrap(), &server.url("in/")]).run().await.assert_code(0);
        assert_eq!(std::fs::read(server.path("in/a.bin")).unwrap(), patterned(200_000));
        assert_eq!(std::fs::read_to_string(server.path("in/b b.txt")).unwrap(), "spaces");

        pasv(["put", "-", &server.url("in/piped.txt")]).stdin("from stdin").run().await.assert_code(0);
        assert_eq!(std::fs::read_to_string(server.path("in/piped.txt")).unwrap(), "from stdin");

        let run = pasv(["put", a.to_str().unwrap(), b.to_str().unwrap(), &server.url("in/x")]).run().await;
        run.assert_code(2);

        // A directory URL needs a file name to put under it: stdin and `..` have none.
        let run = pasv(["put", "-", &server.url("in/")]).stdin("x").run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("uploading stdin needs a URL that names the remote file"), "{}", run.stderr);
        for args in [vec!["put", ".."], vec!["put", "-r", ".."]] {
            let url = server.url("in/");
            let run = pasv([&args[..], &[url.as_str()]].concat()).cwd(local.path()).run().await;
            run.assert_code(2);
            assert!(run.stderr.contains("\"..\" has no file name"), "{args:?}: {}", run.stderr);
        }
        assert_eq!(std::fs::read_dir(server.path("in")).unwrap().count(), 3);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_is_refused_by_a_read_only_server() {
    within(async {
        let server = TestServer::start(false).await;
        let local = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(local.path(), "x").unwrap();
        let run = pasv(["put", local.path().to_str().unwrap(), &server.url("x.txt")]).run().await;
        run.assert_code(5);
        assert!(!server.path("x.txt").exists());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ls_prints_names_long_format_and_json() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::create_dir(server.path("sub")).unwrap();
        std::fs::write(server.path("a file.txt"), "12345").unwrap();
        let run = pasv(["ls", &server.url("/")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "a file.txt\nsub\n");

        let run = pasv(["ls", "-l", &server.url("/")]).run().await;
        run.assert_code(0);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{}", run.stdout);
        let first: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!((first[0], first[1]), ("-", "5"), "{}", lines[0]);
        assert!(lines[0].ends_with(" a file.txt"), "{}", lines[0]);
        assert!(lines[1].starts_with("d ") && lines[1].ends_with(" sub"), "{}", lines[1]);

        let run = pasv(["ls", "--json", &server.url("/")]).run().await;
        run.assert_code(0);
        let entries: Vec<serde_json::Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(entries[0]["name"], "a file.txt");
        assert_eq!(entries[0]["type"], "file");
        assert_eq!(entries[0]["size"], 5);
        assert_eq!(entries[1]["type"], "dir");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mkdir_rm_rmdir_mv_stat_quote() {
    within(async {
        let server = TestServer::start(true).await;
        pasv(["mkdir", "-p", &server.url("a/b/c")]).run().await.assert_code(0);
        assert!(server.path("a/b/c").is_dir());
        pasv(["mkdir", "-p", &server.url("a/b/c")]).run().await.assert_code(0);
        pasv(["mkdir", &server.url("a/b/c")]).run().await.assert_code(5);

        std::fs::write(server.path("a/f.txt"), "0123456789").unwrap();
        let run = pasv(["stat", "--json", &server.url("a/f.txt")]).run().await;
        run.assert_code(0);
        let stat: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!((stat["kind"].as_str(), stat["size"].as_u64()), (Some("file"), Some(10)));

        pasv(["mv", &server.url("a/f.txt"), "a/g.txt"]).run().await.assert_code(0);
        assert!(server.path("a/g.txt").is_file() && !server.path("a/f.txt").exists());
        pasv(["rm", &server.url("a/g.txt")]).run().await.assert_code(0);
        assert!(!server.path("a/g.txt").exists());
        pasv(["rmdir", &server.url("a/b/c")]).run().await.assert_code(0);
        assert!(!server.path("a/b/c").exists());
        pasv(["rm", &server.url("a/missing")]).run().await.assert_code(5);

        let run = pasv(["quote", &server.url("/"), "NOOP", "SYST"]).run().await;
        run.assert_code(0);
        assert!(run.stdout.starts_with("200"), "{}", run.stdout);
        let run = pasv(["quote", &server.url("/"), "RMD /definitely-missing"]).run().await;
        run.assert_code(5);
        assert!(run.stdout.starts_with("550"), "{}", run.stdout);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_download_continues_a_part_file() {
    within(async {
        let server = TestServer::start(false).await;
        let data = patterned(500_000);
        std::fs::write(server.path("big.bin"), &data).unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join(".big.bin.pasv-part"), &data[..123_456]).unwrap();
        let run = pasv(["-v", "get", "-c", &server.url("big.bin")]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(out.path().join("big.bin")).unwrap(), data);
        assert!(!out.path().join(".big.bin.pasv-part").exists());
        // REST went back by the 64 KiB overlap that proves the server honoured it.
        assert!(run.stderr.contains(&format!("> REST {}", 123_456 - 65_536)), "{}", run.stderr);
    })
    .await;
}

/// A part file from an older version of the remote file: -c cannot resume it, and the message
/// says so (it used to blame REST and advise -c again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_of_a_changed_remote_file_says_to_drop_the_part_file() {
    within(async {
        let server = TestServer::start(false).await;
        let old = patterned(300_000);
        let new: Vec<u8> = old.iter().map(|b| b.wrapping_add(1)).collect();
        let out = tempfile::tempdir().unwrap();
        let part = out.path().join(".big.bin.pasv-part");
        for (remote, what) in [(&new, "bytes differ"), (&new[..100_000].to_vec(), "remote shorter")] {
            std::fs::write(server.path("big.bin"), remote).unwrap();
            std::fs::write(&part, &old[..200_000]).unwrap();
            let run = pasv(["get", "-c", &server.url("big.bin")]).cwd(out.path()).run().await;
            run.assert_code(8);
            assert!(run.stderr.contains("the remote file changed since"), "{what}: {}", run.stderr);
            assert!(run.stderr.contains("download again without -c"), "{what}: {}", run.stderr);
            assert!(!run.stderr.contains("did not honour REST"), "{what}: {}", run.stderr);
            assert!(!run.stderr.contains("run again with -c"), "{what}: {}", run.stderr);
            // The advice works: without -c the whole file comes again.
            pasv(["get", &server.url("big.bin")]).cwd(out.path()).run().await.assert_code(0);
            assert_eq!(&std::fs::read(out.path().join("big.bin")).unwrap(), remote, "{what}");
            std::fs::remove_file(out.path().join("big.bin")).unwrap();
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_upload_appends_the_rest() {
    within(async {
        let server = TestServer::start(true).await;
        let data = patterned(400_000);
        std::fs::write(server.path("up.bin"), &data[..100_000]).unwrap();
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("up.bin");
        std::fs::write(&file, &data).unwrap();
        let run = pasv(["-v", "put", "-c", file.to_str().unwrap(), &server.url("up.bin")]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("> APPE up.bin"), "{}", run.stderr);
        assert_eq!(std::fs::read(server.path("up.bin")).unwrap(), data);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_user_from_url_env_and_netrc() {
    within(async {
        let server = TestServer::start_with(|o| o.login = Some(("bob".into(), "s3cret".into()))).await;
        std::fs::write(server.path("f.txt"), "ok").unwrap();
        let port = server.server.addr().port();
        let url = format!("ftp://127.0.0.1:{port}/f.txt");
        pasv(["cat", &format!("ftp://bob:s3cret@127.0.0.1:{port}/f.txt")]).run().await.assert_code(0);
        pasv(["cat", "--user", "bob", "--password-env", "MY_PW", &url])
            .env("MY_PW", "s3cret")
            .run()
            .await
            .assert_code(0);
        pasv(["cat", "--user", "bob", &url]).env("PASV_PASSWORD", "s3cret").run().await.assert_code(0);
        let with_netrc = pasv(["cat", &url]);
        std::fs::write(with_netrc.home().join(".netrc"), "machine 127.0.0.1 login bob password s3cret\n").unwrap();
        let run = with_netrc.run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "ok");
        // Wrong password: exit 7, and the password is nowhere in the output.
        let run = pasv(["-v", "cat", &format!("ftp://bob:wrong-pw@127.0.0.1:{port}/f.txt")]).run().await;
        run.assert_code(7);
        assert!(!run.stderr.contains("wrong-pw"), "{}", run.stderr);
        assert!(run.stderr.contains("> PASS ****"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_passive_decoding() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("f.txt"), "x").unwrap();
        let run = pasv(["-v", "--no-epsv", "cat", &server.url("f.txt")]).run().await;
        run.assert_code(0);
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("* 227 -> data port"))
            .unwrap_or_else(|| panic!("{}", run.stderr));
        // "* 227 -> data port P1*256+P2 = PORT; connecting to 127.0.0.1:PORT"
        let numbers: Vec<u32> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        assert_eq!((numbers[0], numbers[2]), (227, 256), "{line}");
        assert_eq!(numbers[1] * 256 + numbers[3], numbers[4], "{line}");
        assert!(!run.stderr.contains("> EPSV"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_results_for_transfers() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("f.bin"), patterned(1000)).unwrap();
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--json", "get", &server.url("f.bin")]).cwd(out.path()).run().await;
        run.assert_code(0);
        let event: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(
            (event["action"].as_str(), event["bytes"].as_u64(), event["total"].as_u64()),
            (Some("get"), Some(1000), Some(1000))
        );
        assert_eq!(event["passive"], "EPSV");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_progress_lines_for_ci_logs() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("f.bin"), patterned(100_000)).unwrap();
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--progress", "plain", "get", &server.url("f.bin")]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("pasv: start f.bin"), "{}", run.stderr);
        assert!(run.stderr.contains("pasv: done f.bin 97.66 KiB of 97.66 KiB (100%)"), "{}", run.stderr);
        // Quiet and no TTY: nothing on stderr.
        let run = pasv(["get", "-o", out.path().join("again").to_str().unwrap(), &server.url("f.bin")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stderr, "");
    })
    .await;
}

/// The index of the first line of `text` that starts with `prefix`, failing with the text.
#[track_caller]
fn line_index(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?}:\n{text}"))
}

/// Plain progress in the order a CI log needs it: the start, at least one line while the
/// transfer runs (bytes, percent, rate, ETA), the end, the summary.
#[track_caller]
fn assert_plain_progress(stderr: &str, name: &str, done: &str, summary: &str) {
    let start = line_index(stderr, &format!("pasv: start {name} ("));
    let periodic = line_index(stderr, &format!("pasv: progress {name} "));
    let line = stderr.lines().nth(periodic).unwrap();
    assert!(line.contains("%), ") && line.contains("/s, ETA "), "{line}");
    let end = line_index(stderr, done);
    let last = line_index(stderr, summary);
    assert!(start < periodic && periodic < end && end < last, "out of order:\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_progress_prints_a_start_periodic_lines_the_end_and_a_summary() {
    within(async {
        let server = TestServer::start(true).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("big.bin");
        std::fs::write(&file, patterned(400_000)).unwrap();
        // The rate limit makes each transfer last (about 2 s), so lines every 0.1 s must come;
        // nothing here depends on how long anything takes.
        let limited = |quiet: &[&str], command: &[&str]| {
            let mut args = quiet.to_vec();
            args.extend(["--progress", "plain", "--progress-interval", "0.1"]);
            args.extend(command);
            args.extend(["--limit-rate", "200K"]);
            pasv(args).run()
        };
        let url = server.url("/");
        let run = limited(&[], &["put", file.to_str().unwrap(), &url]).await;
        run.assert_code(0);
        assert_plain_progress(&run.stderr, "big.bin", "pasv: [1/1] put ", "pasv: put: copied 1 file(s), 390.62 KiB");
        assert!(run.stderr.contains("pasv: start big.bin (390.62 KiB)"), "{}", run.stderr);
        // libunftp cannot set times: a note, which -q drops below.
        assert!(run.stderr.contains("pasv: note: "), "{}", run.stderr);

        // -q silences everything but plain progress asked for by name.
        let run = limited(&["-q"], &["put", file.to_str().unwrap(), &url]).await;
        run.assert_code(0);
        assert_plain_progress(&run.stderr, "big.bin", "pasv: [1/1] put ", "pasv: put: copied 1 file(s), 390.62 KiB");
        assert!(!run.stderr.contains("pasv: note: "), "{}", run.stderr);
        let out = local.path().join("back.bin");
        let run = limited(&["-q"], &["get", &server.url("big.bin"), "-o", out.to_str().unwrap()]).await;
        run.assert_code(0);
        assert_plain_progress(&run.stderr, "big.bin", "pasv: [1/1] get ", "pasv: get: copied 1 file(s), 390.62 KiB");
        assert_eq!(std::fs::read(&out).unwrap(), patterned(400_000));

        // --progress-interval wants a positive number of seconds.
        let run = pasv(["--progress", "plain", "--progress-interval", "0", "ls", &server.url("/")]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("positive number of seconds"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ci_selects_plain_progress_and_q_alone_prints_nothing() {
    within(async {
        let server = TestServer::start(true).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("f.bin");
        std::fs::write(&file, patterned(50_000)).unwrap();
        for atomic in [false, true] {
            // Without a terminal, CI=true selects plain lines (--progress auto), on the plain
            // one-shot path and on the pool's (--atomic).
            let url = server.url("/");
            let mut args = vec!["put", file.to_str().unwrap(), &url];
            if atomic {
                args.insert(1, "--atomic");
            }
            let run = pasv(&args).env("CI", "true").run().await;
            run.assert_code(0);
            line_index(&run.stderr, "pasv: start f.bin (48.83 KiB)");
            line_index(&run.stderr, if atomic { "pasv: [1/1] put " } else { "pasv: done f.bin 48.83 KiB" });
            line_index(&run.stderr, "pasv: put: copied 1 file(s), 48.83 KiB");
            // -q alone silences it all, CI or not.
            let quiet: Vec<&str> = std::iter::once("-q").chain(args.iter().copied()).collect();
            let run = pasv(&quiet).env("CI", "true").run().await;
            run.assert_code(0);
            assert_eq!(run.stderr, "");
            let run = pasv(&quiet).run().await;
            run.assert_code(0);
            assert_eq!(run.stderr, "");
        }
    })
    .await;
}

/// A tree in a CI log: a line per file once it is copied, naming it by its whole path, and
/// no start line (by its name alone: `index.html` of every directory reads the same, and a
/// log of 20,000 small files would be twice as long); a file that lasts still gets its
/// periodic lines, so a long upload is never silent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_progress_of_a_tree_names_each_file_once_and_a_long_one_while_it_runs() {
    within(async {
        let server = TestServer::start(true).await;
        let local = tempfile::tempdir().unwrap();
        let tree = local.path().join("site");
        for dir in ["a", "b", "c"] {
            std::fs::create_dir_all(tree.join(dir)).unwrap();
            std::fs::write(tree.join(dir).join("index.html"), patterned(2_000)).unwrap();
        }
        // About 2 s at the rate limit: its periodic lines must come (nothing here depends on
        // how long anything takes).
        std::fs::write(tree.join("big.bin"), patterned(400_000)).unwrap();
        let args = ["--progress", "plain", "--progress-interval", "0.1", "put", "-r", "--limit-rate", "200K"];
        let run = pasv(args.iter().copied().chain([tree.to_str().unwrap(), &server.url("/")])).run().await;
        run.assert_code(0);
        assert!(!run.stderr.contains("pasv: start "), "{}", run.stderr);
        for rel in ["a/index.html", "b/index.html", "c/index.html", "big.bin"] {
            let lines = run.stderr.lines().filter(|l| l.starts_with("pasv: [") && l.contains(&format!(" put {rel} (")));
            assert_eq!(lines.count(), 1, "{rel}:\n{}", run.stderr);
        }
        let periodic = line_index(&run.stderr, "pasv: progress big.bin ");
        assert!(periodic < line_index(&run.stderr, "pasv: put: copied 4 file(s)"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn plain_progress_of_a_slow_plain_download_has_periodic_lines() {
    within(async {
        // Ten bytes, a tenth of a second apart: the server makes the transfer last.
        let script = steps(vec![
            anon_login(FEAT_SIZE_EPSV),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE slow"),
                r("213 10"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR slow"),
                r("150 go"),
                Step::DataDrip(b"0123456789".to_vec(), Duration::from_millis(100)),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let url = format!("{}/slow", server.url());
        let run = pasv(["--progress", "plain", "--progress-interval", "0.05", "get", &url]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_plain_progress(
            &run.stderr,
            "slow",
            "pasv: done slow 10 B of 10 B (100%)",
            "pasv: get: copied 1 file(s), 10 B",
        );
        assert_eq!(std::fs::read(out.path().join("slow")).unwrap(), b"0123456789");
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_stdout_pipe_is_success() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("big.bin"), patterned(8_000_000)).unwrap();
        let url = server.url("big.bin");
        let status = tokio::task::spawn_blocking(move || {
            let bin = env!("CARGO_BIN_EXE_pasv");
            std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("set -o pipefail; '{bin}' cat '{url}' | head -c 10 > /dev/null"))
                .env("HOME", "/nonexistent")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(status.status.success());
        let script_stderr = String::from_utf8_lossy(&status.stderr);
        assert!(!script_stderr.contains("error"), "{script_stderr}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_mode_works_when_asked() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::write(server.path("f.txt"), "active data").unwrap();
        let run = pasv(["-v", "--active", "cat", &server.url("f.txt")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "active data");
        assert!(
            run.stderr.contains("> EPRT |1|127.0.0.1|") || run.stderr.contains("> PORT 127,0,0,1,"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("> EPSV") && !run.stderr.contains("> PASV"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_loopback_works_over_epsv() {
    within(async {
        let Ok(probe) = std::net::TcpListener::bind("[::1]:0") else {
            eprintln!("SKIPPED: no IPv6 loopback on this machine");
            return;
        };
        drop(probe);
        let server = TestServer::start_with(|o| o.bind = "::1".parse().unwrap()).await;
        std::fs::write(server.path("six.txt"), "over ipv6").unwrap();
        let url = format!("ftp://[::1]:{}/six.txt", server.server.addr().port());
        let run = pasv(["-v", "cat", &url]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "over ipv6");
        assert!(run.stderr.contains("connecting to [::1]:"), "{}", run.stderr);
    })
    .await;
}

/// A 227 has room for IPv4 only: `--no-epsv` over IPv6 fails (libunftp drops the connection)
/// and the hint says why and what to drop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_epsv_over_ipv6_says_pasv_cannot_carry_it() {
    within(async {
        let Ok(probe) = std::net::TcpListener::bind("[::1]:0") else {
            eprintln!("SKIPPED: no IPv6 loopback on this machine");
            return;
        };
        drop(probe);
        let server = TestServer::start_with(|o| o.bind = "::1".parse().unwrap()).await;
        std::fs::write(server.path("six.txt"), "over ipv6").unwrap();
        let url = format!("ftp://[::1]:{}/six.txt", server.server.addr().port());
        let run = pasv(["--no-epsv", "--timeout", "5", "cat", &url]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("PASV failed on an IPv6 connection"), "{}", run.stderr);
        assert!(run.stderr.contains("PASV cannot carry an IPv6 address (RFC 2428): drop --no-epsv"), "{}", run.stderr);
    })
    .await;
}

/// One reply of a raw control connection (its last line), after sending `command` when there
/// is one.
async fn ask(control: &mut tokio::io::BufReader<tokio::net::TcpStream>, command: Option<&str>) -> String {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
    if let Some(command) = command {
        control.get_mut().write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
    }
    loop {
        let mut line = String::new();
        assert_ne!(control.read_line(&mut line).await.unwrap(), 0, "the server closed after {command:?}");
        if line.len() > 3 && line.as_bytes()[3] == b' ' {
            return line.trim_end().to_string();
        }
    }
}

/// A raw control connection to `server`, logged in as anonymous, TYPE I.
async fn raw_login(server: &TestServer) -> tokio::io::BufReader<tokio::net::TcpStream> {
    let addr = server.url("").trim_start_matches("ftp://").trim_end_matches('/').to_string();
    let mut control = tokio::io::BufReader::new(tokio::net::TcpStream::connect(&addr).await.unwrap());
    assert!(ask(&mut control, None).await.starts_with("220"));
    assert!(ask(&mut control, Some("USER anonymous")).await.starts_with("331"));
    assert!(ask(&mut control, Some("PASS x")).await.starts_with("230"));
    assert!(ask(&mut control, Some("TYPE I")).await.starts_with("200"));
    control
}

/// CWD into a directory while files in it are deleted and made again (another session
/// replacing them): the embedded server looks at the directory, not at a listing of it, which
/// fails when a file goes away in the middle. lftp's `mirror -R -P 8 --only-newer` got "550
/// File not found" there for directories that were there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_server_changes_into_a_directory_whose_files_are_being_replaced() {
    use std::sync::atomic::{AtomicBool, Ordering};
    within(async {
        let server = TestServer::start(true).await;
        let busy = server.path("busy");
        std::fs::create_dir(&busy).unwrap();
        // Stops the churn however the test ends.
        struct Stop(std::sync::Arc<AtomicBool>);
        impl Drop for Stop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let stop = Stop(std::sync::Arc::new(AtomicBool::new(false)));
        let churn = std::thread::spawn({
            let (stopped, busy) = (stop.0.clone(), busy.clone());
            move || {
                while !stopped.load(Ordering::Relaxed) {
                    for n in 0..50 {
                        let file = busy.join(format!("f{n}"));
                        let _ = std::fs::write(&file, b"x");
                        let _ = std::fs::remove_file(&file);
                    }
                }
            }
        });
        let mut control = raw_login(&server).await;
        for _ in 0..300 {
            let reply = ask(&mut control, Some("CWD /busy")).await;
            assert!(reply.starts_with("250"), "{reply}");
        }
        ask(&mut control, Some("QUIT")).await;
        drop(stop);
        churn.join().unwrap();
    })
    .await;
}

/// The embedded server (`pasv serve`, libunftp) puts a file where the STOR names it from the
/// working directory of the STOR, not of the PASV before it: a client that changes directory
/// between the two (lftp does, with `mirror -R -P 8`) got its file written into the old
/// directory, and a later command there "550 File not found". Listings and downloads the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_server_resolves_a_transfer_in_the_directory_of_its_command() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, BufReader};
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir(server.path("sub")).unwrap();
        std::fs::write(server.path("sub/there.txt"), "in sub\n").unwrap();
        let mut control = raw_login(&server).await;
        // PASV, its data connection made, then CWD to `dir`: the data connection is the
        // server's before the command that uses it names a path.
        async fn data_then_cwd(control: &mut BufReader<tokio::net::TcpStream>, dir: &str) -> tokio::net::TcpStream {
            let reply = ask(control, Some("PASV")).await;
            let numbers: Vec<u16> = reply[reply.find('(').unwrap() + 1..reply.find(')').unwrap()]
                .split(',')
                .map(|n| n.parse().unwrap())
                .collect();
            let data = tokio::net::TcpStream::connect(("127.0.0.1", numbers[4] * 256 + numbers[5])).await.unwrap();
            assert!(ask(control, Some(&format!("CWD {dir}"))).await.starts_with("250"));
            data
        }
        let mut data = data_then_cwd(&mut control, "/sub").await;
        assert!(ask(&mut control, Some("STOR new.txt")).await.starts_with("150"));
        data.write_all(b"stored\n").await.unwrap();
        drop(data);
        assert!(ask(&mut control, None).await.starts_with("226"));
        assert_eq!(std::fs::read(server.path("sub/new.txt")).unwrap(), b"stored\n");
        assert!(!server.path("new.txt").exists(), "written into the directory of the PASV");

        let mut data = data_then_cwd(&mut control, "/").await;
        assert!(ask(&mut control, Some("RETR sub/there.txt")).await.starts_with("150"));
        let mut got = Vec::new();
        data.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"in sub\n");
        assert!(ask(&mut control, None).await.starts_with("226"));

        let mut data = data_then_cwd(&mut control, "/sub").await;
        assert!(ask(&mut control, Some("NLST")).await.starts_with("150"));
        let mut names = String::new();
        data.read_to_string(&mut names).await.unwrap();
        assert!(names.contains("there.txt") && names.contains("new.txt"), "{names}");
        assert!(ask(&mut control, None).await.starts_with("226"));
        ask(&mut control, Some("QUIT")).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_its_url_and_is_read_only_unless_writable() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shared.txt"), "shared").unwrap();
        let (mut child, url) = tokio::task::spawn_blocking({
            let dir = dir.path().to_path_buf();
            move || {
                let mut child = pasv(["serve", "--port", "0", dir.to_str().unwrap()])
                    .command()
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                let mut line = String::new();
                std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line)
                    .unwrap();
                (child, line.trim().to_string())
            }
        })
        .await
        .unwrap();
        assert!(url.starts_with("ftp://127.0.0.1:") && url.ends_with('/'), "{url}");
        let run = pasv(["cat", &format!("{url}shared.txt")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "shared");
        let local = tempfile::NamedTempFile::new().unwrap();
        pasv(["put", local.path().to_str().unwrap(), &format!("{url}new.txt")]).run().await.assert_code(5);
        assert!(!dir.path().join("new.txt").exists());
        child.kill().unwrap();
        child.wait().unwrap();
    })
    .await;
}

#[tokio::test]
async fn demo_runs_end_to_end() {
    within(async {
        let run = pasv(["demo", "--size", "1"]).run().await;
        run.assert_code(0);
        assert!(run.stdout.contains("227 Entering Passive Mode"), "{}", run.stdout);
        assert!(run.stdout.contains("-> data port"), "{}", run.stdout);
        assert!(run.stdout.contains("byte-identical"), "{}", run.stdout);
        assert!(!run.stdout.contains("demo-password"), "{}", run.stdout);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_dirs_makes_the_missing_remote_and_local_directories() {
    within(async {
        let server = TestServer::start(true).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("build.zip");
        std::fs::write(&file, patterned(50_000)).unwrap();
        let file = file.to_str().unwrap();
        // Without the flag: the server's refusal, and a hint at the flag.
        let run = pasv(["put", file, &server.url("releases/1.4.2/")]).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("--create-dirs"), "{}", run.stderr);
        assert!(!server.path("releases").exists());
        // The one-by-one path and the pooled one (--retries) both create each level once.
        let run = pasv(["-v", "put", "--create-dirs", file, &server.url("releases/1.4.2/")]).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(server.path("releases/1.4.2/build.zip")).unwrap(), patterned(50_000));
        let run =
            pasv(["--retries", "1", "put", "--create-dirs", file, &server.url("releases/1.4.3/b.zip")]).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(server.path("releases/1.4.3/b.zip")).unwrap(), patterned(50_000));

        // Downloads: -o into a directory that does not exist yet.
        let out = local.path().join("new/deeper/");
        let out = format!("{}/", out.display());
        let run = pasv(["get", &server.url("releases/1.4.2/build.zip"), "-o", &out]).run().await;
        assert_ne!(run.code, 0, "{}", run.stderr);
        let run = pasv(["get", "--create-dirs", &server.url("releases/1.4.2/build.zip"), "-o", &out]).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(local.path().join("new/deeper/build.zip")).unwrap(), patterned(50_000));
    })
    .await;
}
