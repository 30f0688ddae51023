//! Many files and big files: recursive get/put, mirror both ways, parallel sessions and
//! back-off, segmented downloads, hostile and endless trees, atomic uploads, retries.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::support::scripted::{EPSV_OK, FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, listing, r};
use crate::support::{TestServer, closed_port, files_now, pasv, patterned, within};

/// Greeting, anonymous login and a FEAT with MLST (so listings are MLSD).
fn login_mlst(extra_features: &str) -> Vec<Step> {
    anon_login(&format!("211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n EPSV\r\n{extra_features}211 End"))
}

fn retrieve(path: &str, data: &[u8]) -> Vec<Step> {
    vec![
        e("EPSV"),
        Step::ListenData,
        r(EPSV_OK),
        e(&format!("RETR {path}")),
        r("150 Sending"),
        Step::DataSend(data.to_vec()),
        r("226 Done"),
    ]
}

pub(crate) fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn set_mtime(path: &Path, unix: u64) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(unix)).unwrap();
}

fn mtime(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().modified().unwrap().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

/// Every file under `root`, as (relative path, contents), sorted.
pub(crate) fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

pub(crate) fn names(snapshot: &[(String, Vec<u8>)]) -> Vec<&str> {
    snapshot.iter().map(|(n, _)| n.as_str()).collect()
}

/// A three-level tree with spaces and UTF-8 in its names.
fn make_tree(root: &Path) {
    write(&root.join("top.txt"), b"top level\n");
    write(&root.join("with space.txt"), b"spaces\n");
    write(&root.join("level one/ünïcödé.txt"), "ünïcödé\n".as_bytes());
    write(&root.join("level one/level two/deep file.bin"), &patterned(300_000));
    write(&root.join("level one/level two/日本.txt"), "日本\n".as_bytes());
    std::fs::create_dir_all(root.join("level one/empty dir")).unwrap();
    set_mtime(&root.join("top.txt"), 1_600_000_000);
}

#[tokio::test]
async fn recursive_get_and_put_copy_a_three_level_tree() {
    within(async {
        let server = TestServer::start(true).await;
        make_tree(&server.path("tree"));
        let work = tempfile::tempdir().unwrap();
        let out = work.path().join("copy");

        let run = pasv(["get", "-r", &server.url("tree/"), "-o", out.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(snapshot(&out), snapshot(&server.path("tree")));
        assert!(out.join("level one/empty dir").is_dir());
        // MLSD times are kept.
        assert_eq!(mtime(&out.join("top.txt")), 1_600_000_000);

        // -o naming an existing directory puts the tree inside it, like cp -r.
        let run = pasv(["get", "-r", "-q", &server.url("tree"), "-o", work.path().to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(snapshot(&work.path().join("tree")), snapshot(&server.path("tree")));

        // Upload the copy into a new directory ("into" because of the trailing slash).
        let run = pasv(["put", "-r", out.to_str().unwrap(), &server.url("uploads/")]).run().await;
        run.assert_code(0);
        assert_eq!(snapshot(&server.path("uploads/copy")), snapshot(&out));
        assert!(server.path("uploads/copy/level one/empty dir").is_dir());
        assert!(run.stderr.contains("copied 5 file(s)"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn recursive_get_with_no_clobber_keeps_existing_files() {
    within(async {
        let server = TestServer::start(false).await;
        make_tree(&server.path("tree"));
        let work = tempfile::tempdir().unwrap();
        // An existing directory: the tree goes into it, as copy/tree.
        let out = work.path().join("copy");
        let copy = out.join("tree");
        write(&copy.join("top.txt"), b"mine, not the server's\n");
        write(&copy.join("level one/level two/deep file.bin"), b"also mine\n");

        let run = pasv(["get", "-r", "--no-clobber", &server.url("tree"), "-o", out.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(copy.join("top.txt")).unwrap(), b"mine, not the server's\n");
        assert_eq!(std::fs::read(copy.join("level one/level two/deep file.bin")).unwrap(), b"also mine\n");
        // Everything else arrived.
        assert_eq!(std::fs::read(copy.join("with space.txt")).unwrap(), b"spaces\n");
        assert_eq!(std::fs::read(copy.join("level one/level two/日本.txt")).unwrap(), "日本\n".as_bytes());
        assert_eq!(names(&snapshot(&copy)).len(), 5);
        assert!(run.stderr.contains("copied 3 file(s)"), "{}", run.stderr);

        // Without the flag the same command replaces them.
        let run = pasv(["get", "-r", "-q", &server.url("tree"), "-o", out.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(snapshot(&copy), snapshot(&server.path("tree")));
    })
    .await;
}

#[tokio::test]
async fn mirror_down_with_delete_newer_exclude_and_dry_run() {
    within(async {
        let server = TestServer::start(false).await;
        let src = server.path("src");
        write(&src.join("a.txt"), b"a from the server");
        write(&src.join("b.txt"), b"b from the server");
        write(&src.join("sub/c.txt"), b"c");
        write(&src.join("junk.tmp"), b"excluded");
        for f in ["a.txt", "b.txt", "sub/c.txt", "junk.tmp"] {
            set_mtime(&src.join(f), 1_500_000_000);
        }
        let out = tempfile::tempdir().unwrap();
        let dst = out.path().join("dst");
        write(&dst.join("b.txt"), b"b edited locally, newer");
        write(&dst.join("old.txt"), b"gone from the server");
        write(&dst.join("olddir/x.txt"), b"x");

        let url = server.url("src");
        let before = snapshot(&dst);
        let run =
            pasv(["mirror", "--dry-run", "--delete", "--newer", "--exclude", "*.tmp", &url, dst.to_str().unwrap()])
                .run()
                .await;
        run.assert_code(0);
        assert_eq!(snapshot(&dst), before, "a dry run changes nothing");
        let plan: Vec<&str> = run.stdout.lines().collect();
        for expected in
            ["mkdir sub", "get a.txt (17 B, new)", "get sub/c.txt (1 B, new)", "delete old.txt", "rmdir olddir"]
        {
            assert!(plan.contains(&expected), "missing {expected:?} in plan:\n{}", run.stdout);
        }
        assert!(!run.stdout.contains("b.txt") && !run.stdout.contains("junk"), "{}", run.stdout);

        let run =
            pasv(["mirror", "--delete", "--newer", "--exclude", "*.tmp", &url, dst.to_str().unwrap()]).run().await;
        run.assert_code(0);
        let now = snapshot(&dst);
        assert_eq!(names(&now), ["a.txt", "b.txt", "sub/c.txt"]);
        assert_eq!(std::fs::read(dst.join("b.txt")).unwrap(), b"b edited locally, newer");
        assert_eq!(mtime(&dst.join("a.txt")), 1_500_000_000);
        assert!(run.stderr.contains("copied 2 file(s)") && run.stderr.contains("2 deleted"), "{}", run.stderr);

        // Nothing left to do; --json ends with a summary.
        let run = pasv(["mirror", "--json", "--newer", "--exclude", "*.tmp", &url, dst.to_str().unwrap()]).run().await;
        run.assert_code(0);
        let last: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(last["action"], "summary");
        assert_eq!((last["files"].as_u64(), last["skipped"].as_u64()), (Some(0), Some(3)), "{last}");
    })
    .await;
}

#[tokio::test]
async fn mirror_up_with_delete_and_dry_run() {
    within(async {
        let server = TestServer::start(true).await;
        write(&server.path("site/stale.txt"), b"old");
        write(&server.path("site/keep.log"), b"excluded, kept");
        write(&server.path("site/olddir/inner/z.txt"), b"z");
        let local = tempfile::tempdir().unwrap();
        write(&local.path().join("index.html"), b"<h1>hi</h1>");
        write(&local.path().join("css/site.css"), b"body{}");
        write(&local.path().join("css/fonts/ä b.woff"), &patterned(10_000));

        let url = server.url("site");
        let before = snapshot(&server.path("site"));
        let run = pasv(["mirror", "--dry-run", "--delete", "--exclude", "*.log", local.path().to_str().unwrap(), &url])
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(snapshot(&server.path("site")), before);
        for expected in ["put index.html (11 B, new)", "delete stale.txt", "delete olddir/inner/z.txt", "rmdir olddir"]
        {
            assert!(run.stdout.lines().any(|l| l == expected), "missing {expected:?} in plan:\n{}", run.stdout);
        }

        let run = pasv(["mirror", "--delete", "--exclude", "*.log", local.path().to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        let mut expected = snapshot(local.path());
        expected.push(("keep.log".into(), b"excluded, kept".to_vec()));
        expected.sort();
        assert_eq!(snapshot(&server.path("site")), expected);
        assert!(!server.path("site/olddir").exists());

        // A second run finds nothing to copy (the server's times are newer than ours).
        let run = pasv(["mirror", "--exclude", "*.log", local.path().to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("copied 0 file(s)") && run.stderr.contains("3 unchanged"), "{}", run.stderr);
    })
    .await;
}

/// Local symbolic links are reported and never followed: not in a directory the server has
/// (compared with its listing), not in one it lacks (planned without a listing).
#[tokio::test]
async fn mirror_up_reports_local_symbolic_links_and_does_not_follow_them() {
    within(async {
        let server = TestServer::start(true).await;
        std::fs::create_dir_all(server.path("site")).unwrap();
        let local = tempfile::tempdir().unwrap();
        write(&local.path().join("a.txt"), b"a");
        write(&local.path().join("new/b.txt"), b"b");
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("secret.txt"), b"not for the server");
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), local.path().join("top-link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), local.path().join("new/dir-link")).unwrap();
        let run = pasv(["mirror", local.path().to_str().unwrap(), &server.url("site")]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("skipping symbolic link top-link"), "{}", run.stderr);
        assert!(run.stderr.contains("skipping symbolic link new/dir-link"), "{}", run.stderr);
        assert_eq!(
            snapshot(&server.path("site")),
            vec![("a.txt".into(), b"a".to_vec()), ("new/b.txt".into(), b"b".to_vec())]
        );
    })
    .await;
}

#[tokio::test]
async fn parallel_sessions_give_the_same_result_as_one() {
    within(async {
        let server = TestServer::start(false).await;
        for i in 0..40 {
            let dir = ["", "a/", "a/b/", "c/"][i % 4];
            write(&server.path(&format!("many/{dir}file {i:02}.dat")), &patterned(1000 + i * 517));
        }
        let out = tempfile::tempdir().unwrap();
        let one = out.path().join("one");
        let four = out.path().join("four");
        let run = pasv(["-j", "1", "get", "-r", &server.url("many"), "-o", one.to_str().unwrap()]).run().await;
        run.assert_code(0);
        let run =
            pasv(["get", "-r", "-j", "4", "--json", &server.url("many"), "-o", four.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(snapshot(&one), snapshot(&server.path("many")));
        assert_eq!(snapshot(&four), snapshot(&one));
        // One JSON event per file, then the summary.
        assert_eq!(run.stdout.lines().count(), 41, "{}", run.stdout);
    })
    .await;
}

#[tokio::test]
async fn a_server_that_refuses_more_connections_gets_fewer() {
    within(async {
        let files: Vec<(String, Vec<u8>)> = (1..=4).map(|i| (format!("f{i}"), patterned(100 * i))).collect();
        let body: String =
            files.iter().map(|(n, d)| format!("type=file;size={};modify=20240101000000; {n}\r\n", d.len())).collect();
        let mut first = login_mlst("");
        first.extend([e("TYPE I"), r("200 ok")]);
        first.extend(listing("MLSD d", &body));
        for (name, data) in &files {
            first.extend(retrieve(&format!("d/{name}"), data));
        }
        first.extend([e("QUIT"), r("221 Bye")]);
        let refuse = vec![r("421 Too many connections from your address, try later"), Step::Close];
        let server = ScriptedServer::start_sessions(vec![first, refuse.clone(), refuse.clone(), refuse.clone()]).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv([
            "-j",
            "4",
            "get",
            "-r",
            &format!("{}/d", server.url()),
            "-o",
            out.path().join("d").to_str().unwrap(),
        ])
        .run()
        .await;
        run.assert_code(0);
        for (name, data) in &files {
            assert_eq!(&std::fs::read(out.path().join("d").join(name)).unwrap(), data);
        }
        assert!(run.stderr.contains("accepted only 1 parallel session"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn segments_download_a_big_file_and_resume() {
    within(async {
        let server = TestServer::start(false).await;
        let data = patterned(20 * 1024 * 1024 + 12_345);
        write(&server.path("big.bin"), &data);
        set_mtime(&server.path("big.bin"), 1_400_000_000);
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", "--segments", "4", &server.url("big.bin")]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(std::fs::read(out.path().join("big.bin")).unwrap() == data, "segmented copy differs");
        assert_eq!(mtime(&out.path().join("big.bin")), 1_400_000_000);
        let leftovers: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");

        // The file is there: --no-clobber refuses (before any transfer), --if-changed skips.
        let local = out.path().join("big.bin");
        std::fs::write(&local, b"mine").unwrap();
        let run = pasv(["get", "--segments", "4", "--no-clobber", &server.url("big.bin")]).cwd(out.path()).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("--no-clobber"), "{}", run.stderr);
        assert_eq!(std::fs::read(&local).unwrap(), b"mine");
        assert_eq!(names(&snapshot(out.path())), ["big.bin"]);
        std::fs::write(&local, &data).unwrap();
        set_mtime(&local, 1_400_000_000);
        let run = pasv(["get", "--segments", "4", "--if-changed", &server.url("big.bin")]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("is unchanged"), "{}", run.stderr);

        // An interrupted run wrote the first third of every range and recorded it: -c
        // fetches only the rest (the part file's other bytes are garbage that must go).
        let again = tempfile::tempdir().unwrap();
        let mut part = vec![0xEE; data.len()];
        let mut state = format!("pasv-segments 1 {} 4\n", data.len());
        let mut kept = 0;
        for i in 0..4 {
            let (start, end) = (data.len() * i / 4, data.len() * (i + 1) / 4);
            let have = (end - start) / 3;
            part[start..start + have].copy_from_slice(&data[start..start + have]);
            state.push_str(&format!("{have}\n"));
            kept += have;
        }
        write(&again.path().join(".big.bin.pasv-part"), &part);
        write(&again.path().join(".big.bin.pasv-segments"), state.as_bytes());
        let run =
            pasv(["get", "-c", "--json", "--segments", "4", &server.url("big.bin")]).cwd(again.path()).run().await;
        run.assert_code(0);
        let event: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(event["offset"].as_u64(), Some(kept as u64), "{event}");
        assert_eq!(names(&snapshot(again.path())), ["big.bin"]);
        assert!(std::fs::read(again.path().join("big.bin")).unwrap() == data, "resumed segmented copy differs");
    })
    .await;
}

#[tokio::test]
async fn hostile_names_are_refused_and_the_rest_is_copied() {
    within(async {
        let body = "type=file;size=4;modify=20240101000000; good.txt\r\n\
                    type=file;size=4; ..\r\n\
                    type=file;size=4; /etc/x\r\n\
                    type=file;size=4; a\\b\r\n\
                    type=file;size=4; evil\x1b[31mred\r\n\
                    type=dir; ../up\r\n\
                    type=file;size=4; nul\0byte\r\n";
        let mut script = login_mlst("");
        script.extend([e("TYPE I"), r("200 ok")]);
        script.extend(listing("MLSD d", body));
        script.extend(retrieve("d/good.txt", b"good"));
        script.extend([e("QUIT"), r("221 Bye")]);
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("inside/target");
        let run =
            pasv(["-j", "1", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()]).run().await;
        run.assert_code(8);
        assert_eq!(names(&snapshot(work.path())), ["inside/target/good.txt"]);
        for shown in ["/etc/x", "a\\\\b", "evil\\u{1b}[31mred", "../up"] {
            assert!(run.stderr.contains(shown), "{shown} not reported:\n{}", run.stderr);
        }
        assert!(!run.stderr.contains('\x1b'), "an escape sequence reached the terminal");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn hostile_names_in_a_unix_list_are_refused() {
    within(async {
        let body = "-rw-r--r-- 1 u g 4 Jan 01  2024 ok.txt\r\n\
                    drwxr-xr-x 2 u g 0 Jan 01  2024 ..\r\n\
                    -rw-r--r-- 1 u g 4 Jan 01  2024 ../../escape.txt\r\n\
                    lrwxrwxrwx 1 u g 4 Jan 01  2024 link -> /etc/passwd\r\n";
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            listing("LIST d", body),
            retrieve("d/ok.txt", b"okay"),
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        let run =
            pasv(["-j", "1", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()]).run().await;
        run.assert_code(8);
        assert_eq!(names(&snapshot(work.path())), ["t/ok.txt"]);
        assert!(run.stderr.contains("../../escape.txt"), "{}", run.stderr);
        assert!(run.stderr.contains("skipping symbolic link link -> /etc/passwd"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_listed_file_without_a_size_is_downloaded_after_asking_size() {
    within(async {
        let script = [
            login_mlst(""),
            vec![e("TYPE I"), r("200 ok")],
            listing("MLSD d", "type=file;modify=20240101000000; nosize.txt\r\n"),
            // Not the listing's (missing) size taken as 0: the server is asked.
            vec![e("SIZE d/nosize.txt"), r("213 5")],
            retrieve("d/nosize.txt", b"hello"),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        let run =
            pasv(["-j", "1", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(target.join("nosize.txt")).unwrap(), "hello");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_endless_tree_stops_at_the_depth_limit() {
    within(async {
        let mut script = login_mlst("");
        script.extend([e("TYPE I"), r("200 ok")]);
        let mut path = String::from("d");
        for _ in 0..=64 {
            script.extend(listing(&format!("MLSD {path}"), "type=dir;modify=20240101000000; a\r\n"));
            path.push_str("/a");
        }
        script.extend([e("QUIT"), r("221 Bye")]);
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        let run =
            pasv(["-j", "1", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("deeper than 64 levels"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn atomic_upload_goes_to_a_temporary_name_then_is_renamed() {
    within(async {
        let data = patterned(50_000);
        let script = [
            login_mlst(" MFMT\r\n"),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("STOR rel/.app.zip.pasv-part"),
                r("150 Send it"),
                Step::DataReceive,
                r("226 Stored"),
                e("SIZE rel/.app.zip.pasv-part"),
                r("213 50000"),
                Step::ExpectPrefix("MFMT ".into()),
                r("213 Modify=20240101000000; rel/.app.zip.pasv-part"),
                e("RNFR rel/.app.zip.pasv-part"),
                r("350 Ready for RNTO"),
                e("RNTO rel/app.zip"),
                r("250 Renamed"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("app.zip");
        write(&file, &data);
        set_mtime(&file, 1_700_000_000);
        let run = pasv(["put", "--atomic", file.to_str().unwrap(), &format!("{}/rel/", server.url())]).run().await;
        run.assert_code(0);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, vec![data]);
        assert!(transcript.commands.contains(&"MFMT 20231114221320 rel/.app.zip.pasv-part".to_string()));
        assert!(!transcript.commands.iter().any(|c| c == "STOR rel/app.zip"), "{:?}", transcript.commands);
    })
    .await;
}

#[tokio::test]
async fn atomic_upload_to_a_real_server_leaves_no_temporary_file() {
    within(async {
        let server = TestServer::start(true).await;
        write(&server.path("out/app.bin"), b"the old version");
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("app.bin");
        write(&file, &patterned(123_456));
        let run = pasv(["put", "--atomic", "--verify", file.to_str().unwrap(), &server.url("out/")]).run().await;
        run.assert_code(0);
        assert_eq!(names(&snapshot(&server.path("out"))), ["app.bin"]);
        assert!(std::fs::read(server.path("out/app.bin")).unwrap() == patterned(123_456));
    })
    .await;
}

#[tokio::test]
async fn retries_resume_a_download_after_the_data_connection_drops() {
    within(async {
        let data = patterned(200_000);
        let script = [
            anon_login("211-Features:\r\n SIZE\r\n MDTM\r\n EPSV\r\n REST STREAM\r\n211 End"),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f.bin"),
                r("213 200000"),
                e("MDTM f.bin"),
                r("213 20240101000000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR f.bin"),
                r("150 Sending"),
                // Half the file, then the connection drops.
                Step::DataSend(data[..100_000].to_vec()),
                r("426 Connection closed; transfer aborted"),
                // The retry: REST proves the server resends the last 64 KiB we already have.
                e("SIZE f.bin"),
                r("213 200000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("REST 34464"),
                r("350 Restarting at 34464"),
                e("RETR f.bin"),
                r("150 Sending the rest"),
                Step::DataSend(data[34_464..].to_vec()),
                r("226 Done"),
                e("MDTM f.bin"),
                r("213 20240101000000"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--retries", "2", "get", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(std::fs::read(out.path().join("f.bin")).unwrap() == data, "resumed copy differs");
        assert!(run.stderr.contains("retrying in 1s"), "{}", run.stderr);
        assert_eq!(mtime(&out.path().join("f.bin")), 1_704_067_200);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn limit_rate_caps_the_bandwidth() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server.path("r/a.bin"), &patterned(300_000));
        write(&server.path("r/b.bin"), &patterned(300_000));
        let out = tempfile::tempdir().unwrap();
        let run =
            pasv(["get", "-r", "--limit-rate", "400K", &server.url("r"), "-o", out.path().join("r").to_str().unwrap()])
                .run()
                .await;
        run.assert_code(0);
        assert_eq!(snapshot(&out.path().join("r")), snapshot(&server.path("r")));
        // 600 kB at 400 KiB/s over two sessions sharing the cap: about 1.3 s, never 0.
        assert!(run.elapsed >= Duration::from_millis(900), "took {:?}", run.elapsed);
    })
    .await;
}

#[tokio::test]
async fn usage_errors_for_tree_options() {
    within(async {
        let run = pasv(["mirror", "./a", "./b"]).run().await;
        run.assert_code(2);
        let run = pasv(["get", "--segments", "0", "ftp://127.0.0.1:1/x"]).run().await;
        run.assert_code(2);
        let run = pasv(["get", "--limit-rate", "fast", "-r", "ftp://127.0.0.1:1/x"]).run().await;
        run.assert_code(2);
        let dir = tempfile::tempdir().unwrap();
        let run = pasv(["put", dir.path().to_str().unwrap(), "--atomic", "ftp://127.0.0.1:1/x/"]).run().await;
        run.assert_code(2);
    })
    .await;
}

/// `pasv -j 1 put -r` of a.txt, b.txt and c.txt (all from 2023-11-14 22:13:20 UTC) to the
/// directory x of a scripted server playing `sessions`: the run, and the files' bytes as the
/// server received them.
async fn put_three_files(sessions: Vec<Vec<Step>>) -> (crate::support::Run, Vec<Vec<u8>>) {
    let server = ScriptedServer::start_sessions(sessions).await;
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("x");
    for (name, text) in [("a.txt", "hello\n"), ("b.txt", "world!\n"), ("c.txt", "goodbye\n")] {
        write(&dir.join(name), text.as_bytes());
        set_mtime(&dir.join(name), 1_700_000_000);
    }
    let run = pasv(["-j", "1", "put", "-r", dir.to_str().unwrap(), &format!("{}/x", server.url())]).run().await;
    let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
    (run, transcript.received_data)
}

/// A server without MLST, with SIZE, MDTM (vsftpd's two-argument form sets a time) and EPSV.
const FEAT_MDTM: &str = "211-Features:\r\n SIZE\r\n MDTM\r\n EPSV\r\n211 End";

/// `put -r` into a directory that exists (its LIST names another file).
fn upload_tree_start() -> Vec<Step> {
    upload_tree_start_with(FEAT_MDTM)
}

fn upload_tree_start_with(feat: &str) -> Vec<Step> {
    [
        anon_login(feat),
        vec![e("TYPE I"), r("200 ok")],
        vec![
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e("LIST x"),
            r("150 Here comes the listing"),
            Step::DataSend(b"-rw-r--r-- 1 u g 1 Jan 01 2024 z.txt\r\n".to_vec()),
            r("226 Listing sent"),
        ],
    ]
    .concat()
}

/// EPSV and STOR arrive together (the script reads both before it answers either).
fn stor_with_epsv(path: &str) -> Vec<Step> {
    vec![
        e("EPSV"),
        e(&format!("STOR {path}")),
        Step::ListenData,
        r(EPSV_OK),
        r("150 Send it"),
        Step::DataReceive,
        r("226 Stored"),
    ]
}

/// Uploads to a server without MLST: STOR goes out with its EPSV; the first file's size
/// check goes out with every way of setting a time and the next file's EPSV and STOR (the
/// first accepted way is learned); after that each file's size check and time go out with the
/// next file's EPSV and STOR, and the data goes out once connected, before the 150. Each
/// group is read in full before the script answers, so a client that waits in between fails
/// here.
#[tokio::test]
async fn an_upload_tree_sends_each_files_checks_with_the_next_files_stor() {
    within(async {
        let script = [
            upload_tree_start(),
            stor_with_epsv("x/a.txt"),
            vec![
                e("SIZE x/a.txt"),
                Step::ExpectPrefix("SITE UTIME x/a.txt ".into()),
                e("MDTM 20231114221320 x/a.txt"),
                e("EPSV"),
                e("STOR x/b.txt"),
                r("213 6"),
                r("500 Unknown SITE command"),
                r("213 File modification time set."),
                Step::ListenData,
                r(EPSV_OK),
                Step::DataReceive,
                r("150 Send it"),
                r("226 Stored"),
            ],
            vec![
                e("SIZE x/b.txt"),
                e("MDTM 20231114221320 x/b.txt"),
                e("EPSV"),
                e("STOR x/c.txt"),
                r("213 7"),
                r("213 File modification time set."),
                Step::ListenData,
                r(EPSV_OK),
                // The data comes without waiting for the 150.
                Step::DataReceive,
                r("150 Send it"),
                r("226 Stored"),
                e("SIZE x/c.txt"),
                e("MDTM 20231114221320 x/c.txt"),
                r("213 8"),
                r("213 File modification time set."),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let (run, received) = put_three_files(vec![script]).await;
        run.assert_code(0);
        assert_eq!(received, [&b"hello\n"[..], b"world!\n", b"goodbye\n"]);
    })
    .await;
}

/// A server without SIZE: the time goes out alone with the next file's STOR, and once the
/// server refuses a time, the files after it are not given one.
#[tokio::test]
async fn without_size_a_refused_time_stops_the_times_for_the_next_files() {
    within(async {
        let script = [
            upload_tree_start_with("211-Features:\r\n MDTM\r\n EPSV\r\n211 End"),
            stor_with_epsv("x/a.txt"),
            vec![
                Step::ExpectPrefix("SITE UTIME x/a.txt ".into()),
                r("500 Unknown SITE command"),
                e("MDTM 20231114221320 x/a.txt"),
                r("213 File modification time set."),
            ],
            stor_with_epsv("x/b.txt"),
            vec![
                e("MDTM 20231114221320 x/b.txt"),
                e("EPSV"),
                e("STOR x/c.txt"),
                r("550 Could not set file modification time."),
                Step::ListenData,
                r(EPSV_OK),
                Step::DataReceive,
                r("150 Send it"),
                r("226 Stored"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        put_three_files(vec![script]).await.0.assert_code(0);
    })
    .await;
}

/// An atomic upload whose temporary name is taken by a file an interrupted run left, on a
/// server that will not overwrite (ProFTPD's default): that file is deleted and the upload
/// goes again, on the same session.
#[tokio::test]
async fn an_atomic_upload_deletes_a_leftover_temporary_file_the_server_will_not_overwrite() {
    let refused = "550 x/.a.txt.pasv-part: Overwrite permission denied";
    let script = [
        upload_tree_start_with(FEAT_SIZE_EPSV),
        // The pipelined lane: refused while the data went out.
        vec![e("EPSV"), e("STOR x/.a.txt.pasv-part"), Step::ListenData, r(EPSV_OK), r(refused)],
        // The one-by-one way: refused again, the leftover deleted, stored.
        vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR x/.a.txt.pasv-part"), r(refused)],
        vec![e("DELE x/.a.txt.pasv-part"), r("250 Delete command successful")],
        vec![
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e("STOR x/.a.txt.pasv-part"),
            r("150 Send it"),
            Step::DataReceive,
            r("226 Stored"),
            e("SIZE x/.a.txt.pasv-part"),
            r("213 6"),
            Step::ExpectPrefix("SITE UTIME x/.a.txt.pasv-part ".into()),
            r("500 Unknown SITE command"),
            e("RNFR x/.a.txt.pasv-part"),
            e("RNTO x/a.txt"),
            r("350 Ready for RNTO."),
            r("250 Rename successful."),
            e("QUIT"),
            r("221 Bye"),
        ],
    ]
    .concat();
    within(async {
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        write(&dir.join("a.txt"), b"hello\n");
        let url = format!("{}/x", server.url());
        let run = pasv(["-j", "1", "put", "-r", "--atomic", dir.to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data.last().unwrap(), b"hello\n");
    })
    .await;
}

/// `mkdir -p` (and a mirror's new target): to a server that answers in order, an MKD for
/// every level in one write (read in full before any is answered), a level that exists being
/// fine; to one offering MLST (not known to answer in order), the whole path first, and when
/// that is refused the components one by one.
#[tokio::test]
async fn mkdir_parents_sends_every_level_at_once_or_tries_the_whole_path_first() {
    within(async {
        const FEAT_MLST: &str = "211-Features:\r\n SIZE\r\n EPSV\r\n MLST type*;size*;modify*;\r\n211 End";
        let quit = vec![e("QUIT"), r("221 Bye")];
        let at_once = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("MKD a"), e("MKD a/b"), r("550 Create directory operation failed."), r("257 \"/a/b\" created")],
        ]
        .concat();
        let quick = [anon_login(FEAT_MLST), vec![e("MKD a/b"), r("257 \"/a/b\" created")]].concat();
        let walk = [
            anon_login(FEAT_MLST),
            vec![
                e("MKD a/b"),
                r("550 Create directory operation failed."),
                e("MKD a"),
                r("257 \"/a\" created"),
                e("MKD a/b"),
                r("257 \"/a/b\" created"),
            ],
        ]
        .concat();
        for script in [at_once, quick, walk] {
            let server = ScriptedServer::start([script, quit.clone()].concat()).await;
            pasv(["mkdir", "-p", &format!("{}/a/b", server.url())]).run().await.assert_code(0);
            server.finish(Duration::from_secs(10)).await.unwrap();
        }
    })
    .await;
}

/// `mkdir -p` whose last level is refused, to a server that answers in order: a last level
/// that is a directory already is fine; otherwise the first level that is not a directory is
/// the error.
#[tokio::test]
async fn mkdir_parents_with_the_last_level_refused_checks_what_is_there() {
    within(async {
        let quit = vec![e("QUIT"), r("221 Bye")];
        let levels = |first: &str, last: &str| vec![e("MKD a"), e("MKD a/b"), r(first), r(last)];
        let exists = [
            anon_login(FEAT_SIZE_EPSV),
            levels("550 a: File exists", "550 a/b: File exists"),
            vec![e("PWD"), r("257 \"/\""), e("CWD a/b"), r("250 ok"), e("CWD /"), r("250 ok")],
        ]
        .concat();
        let blocked = [
            anon_login(FEAT_SIZE_EPSV),
            levels("550 a: not a directory here", "550 a/b: No such file or directory"),
            vec![e("PWD"), r("257 \"/\""), e("CWD a/b"), r("550 no")],
            vec![e("PWD"), r("257 \"/\""), e("CWD a"), r("550 no")],
        ]
        .concat();
        // A failed one-shot command closes the connection without QUIT.
        for (script, code) in [([exists, quit].concat(), 0), (blocked, 5)] {
            let server = ScriptedServer::start(script).await;
            let run = pasv(["mkdir", "-p", &format!("{}/a/b", server.url())]).run().await;
            run.assert_code(code);
            if code != 0 {
                assert!(run.stderr.contains("a: not a directory here"), "{}", run.stderr);
            }
            server.finish(Duration::from_secs(10)).await.unwrap();
        }
    })
    .await;
}

/// `put -r` into a directory that does not exist yet, on a server that lists a missing path
/// as empty with 226 (vsftpd): the root is made either way, so the empty listing is not probed
/// with PWD and CWD; every level goes out in one write.
#[tokio::test]
async fn an_upload_to_a_missing_root_makes_it_without_probing_the_empty_listing() {
    within(async {
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        write(&dir.join("a.txt"), b"hello\n");
        set_mtime(&dir.join("a.txt"), 1_700_000_000);
        let script = [
            anon_login(FEAT_MDTM),
            vec![e("TYPE I"), r("200 ok")],
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("LIST new/x"),
                r("150 Here comes the listing"),
                Step::DataSend(Vec::new()),
                r("226 Transfer done (but failed to open directory)."),
                e("MKD new"),
                e("MKD new/x"),
                r("257 \"/new\" created"),
                r("257 \"/new/x\" created"),
            ],
            stor_with_epsv("new/x/a.txt"),
            vec![
                e("SIZE new/x/a.txt"),
                Step::ExpectPrefix("SITE UTIME new/x/a.txt ".into()),
                e("MDTM 20231114221320 new/x/a.txt"),
                r("213 6"),
                r("500 Unknown SITE command"),
                r("213 File modification time set."),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let url = format!("{}/new/x", server.url());
        pasv(["-j", "1", "put", "-r", dir.to_str().unwrap(), &url]).run().await.assert_code(0);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, [&b"hello\n"[..]]);
    })
    .await;
}

/// Pipelined uploads send a file's data as soon as the data connection is up, before the
/// 150 arrives (a round trip less); a STOR refused after that fails that file only, and the
/// next file goes on on the same session.
#[tokio::test]
async fn an_upload_refused_after_its_data_was_sent_fails_that_file_only() {
    within(async {
        let script = [
            upload_tree_start_with(FEAT_SIZE_EPSV),
            vec![e("EPSV"), e("STOR x/a.txt"), Step::ListenData, r(EPSV_OK), r("553 Could not create file.")],
            stor_with_epsv("x/b.txt"),
            vec![
                e("SIZE x/b.txt"),
                r("213 7"),
                Step::ExpectPrefix("SITE UTIME x/b.txt ".into()),
                r("500 Unknown SITE command"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        write(&dir.join("a.txt"), b"hello\n");
        write(&dir.join("b.txt"), b"world!\n");
        let url = format!("{}/x", server.url());
        let run = pasv(["-j", "1", "put", "-r", dir.to_str().unwrap(), &url]).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("answered 553 to STOR x/a.txt"), "{}", run.stderr);
        assert!(run.stderr.contains("copied 1 file"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, vec![b"world!\n".to_vec()]);
    })
    .await;
}

/// After `start`, the lane stores a.txt, then sends EPSV and STOR x/b.txt together: the
/// EPSV is refused (a server out of passive ports) and pasv gives the session up.
fn lane_broken_at_b(start: Vec<Step>) -> Vec<Step> {
    [
        start,
        vec![
            e("EPSV"),
            e("STOR x/a.txt"),
            Step::ListenData,
            r(EPSV_OK),
            Step::DataReceive,
            r("150 Send it"),
            r("226 Stored"),
            e("SIZE x/a.txt"),
            r("213 6"),
            Step::ExpectPrefix("SITE UTIME x/a.txt ".into()),
            r("500 Unknown SITE command"),
            e("MDTM 20231114221320 x/a.txt"),
            r("213 File modification time set."),
            e("EPSV"),
            e("STOR x/b.txt"),
            r("425 EPSV: Address already in use"),
            Step::ExpectClose,
        ],
    ]
    .concat()
}

/// x/`name` stored the one-by-one way (EPSV answered first), its size `size` and time set.
fn stored_one_by_one(name: &str, size: &str) -> Vec<Step> {
    vec![
        e("EPSV"),
        Step::ListenData,
        r(EPSV_OK),
        e(&format!("STOR x/{name}")),
        r("150 Send it"),
        Step::DataReceive,
        r("226 Stored"),
        e(&format!("SIZE x/{name}")),
        r(size),
        e(&format!("MDTM 20231114221320 x/{name}")),
        r("213 File modification time set."),
    ]
}

/// EPSV refused while its STOR was already sent with it: what the server does with that STOR
/// is unknown, so the session is given up rather than waited on, and the file goes again on
/// a new session, the one-by-one way (asking SIZE first to resume), with the rest.
#[tokio::test]
async fn a_refused_epsv_with_a_pipelined_stor_gives_the_session_up_and_the_file_goes_again() {
    within(async {
        let first = lane_broken_at_b(upload_tree_start());
        // The files no lane took first, then the ones to try again: b's STOR went out, its
        // fate unknown, so b goes again from its first byte (nothing asked of what is there).
        let second = [
            anon_login(FEAT_MDTM),
            vec![e("TYPE I"), r("200 ok")],
            stored_one_by_one("c.txt", "213 8"),
            stored_one_by_one("b.txt", "213 7"),
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let (run, received) = put_three_files(vec![first, second]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("answered 425 to EPSV"), "{}", run.stderr);
        assert_eq!(received, [&b"hello\n"[..], b"goodbye\n", b"world!\n"]);
    })
    .await;
}

/// A retried upload into a directory this run made, to a server that will not overwrite
/// (ProFTPD's default, AllowOverwrite off): what is at the file's name is this run's own first
/// attempt (its STOR went out with an EPSV the server refused, and ProFTPD made the file), so
/// it is deleted and the upload goes again. Into a directory that held files before the run,
/// the same refusal is the server's word about a file that may not be pasv's: nothing is
/// deleted and the file fails.
#[tokio::test]
async fn a_retried_upload_into_a_directory_this_run_made_replaces_its_own_first_attempt() {
    within(async {
        let made = vec![
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e("LIST x"),
            r("150 Here comes the listing"),
            Step::DataSend(Vec::new()),
            r("226 Transfer done (but failed to open directory)."),
            e("MKD x"),
            r("257 \"/x\" created"),
        ];
        let refused = vec![
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e("STOR x/b.txt"),
            r("550 x/b.txt: Overwrite permission denied"),
        ];
        let second = |retry: Vec<Step>| {
            [
                anon_login(FEAT_MDTM),
                vec![e("TYPE I"), r("200 ok")],
                stored_one_by_one("c.txt", "213 8"),
                retry,
                vec![e("QUIT"), r("221 Bye")],
            ]
            .concat()
        };
        let start = [anon_login(FEAT_MDTM), vec![e("TYPE I"), r("200 ok")], made].concat();
        let again = [
            refused.clone(),
            vec![e("DELE x/b.txt"), r("250 DELE command successful")],
            stored_one_by_one("b.txt", "213 7"),
        ]
        .concat();
        let (run, received) = put_three_files(vec![lane_broken_at_b(start), second(again)]).await;
        run.assert_code(0);
        assert_eq!(received, [&b"hello\n"[..], b"goodbye\n", b"world!\n"]);

        // Into x as it was (z.txt in it): no DELE (the script would fail on one).
        let (run, received) = put_three_files(vec![lane_broken_at_b(upload_tree_start()), second(refused)]).await;
        run.assert_code(5);
        assert!(run.stderr.contains("Overwrite permission denied"), "{}", run.stderr);
        assert_eq!(received, [&b"hello\n"[..], b"goodbye\n"]);
    })
    .await;
}

/// A LIST of one file, z.txt, on the data connection just announced, then QUIT.
fn listing_of_z() -> Vec<Step> {
    vec![
        e("LIST"),
        r("150 Here comes the listing"),
        Step::DataSend(b"-rw-r--r-- 1 u g 1 Jan 01 2024 z.txt\r\n".to_vec()),
        r("226 Listing sent"),
        e("QUIT"),
        r("221 Bye"),
    ]
}

/// A 425 to EPSV (a server whose chosen passive port was taken at that moment) is asked
/// again rather than failing the command.
#[tokio::test]
async fn a_425_to_epsv_is_asked_again() {
    within(async {
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                r("425 EPSV: Address already in use"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
            ],
            listing_of_z(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout.trim(), "z.txt");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// A passive port the server announced but refuses (its listener not up yet, or a firewall
/// refusing that one port) is asked for again, once, rather than failing the transfer.
#[tokio::test]
async fn a_refused_passive_port_is_asked_for_again() {
    within(async {
        let held = closed_port();
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("PASV"),
                Step::Reply(format!("227 Entering Passive Mode (127,0,0,1,{},{})", held.port / 256, held.port % 256)),
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (127,0,0,1,{p1},{p2})"),
            ],
            listing_of_z(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let run = pasv(["-v", "--no-epsv", "ls", &server.url()]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout.trim(), "z.txt");
        let note = format!("PASV data port 127.0.0.1:{} refused the connection; asking again", held.port);
        assert!(run.stderr.contains(&note), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// Atomic uploads to a server without MLST: a file's rename goes out once its size is
/// confirmed, with the next file's EPSV and STOR. A refused rename is tried again the
/// one-by-one way; when RNFR is refused again, the file fails with RNFR's refusal, neither
/// the old file nor the temporary is deleted (the server renames nothing: deleting would lose
/// data), and the others are in place.
#[tokio::test]
async fn atomic_uploads_send_the_rename_with_the_next_stor_and_retry_a_refused_one() {
    within(async {
        let rename = |from: &str, to: &str| vec![e(&format!("RNFR {from}")), e(&format!("RNTO {to}"))];
        let script = [
            upload_tree_start(),
            stor_with_epsv("x/.a.txt.pasv-part"),
            vec![
                e("SIZE x/.a.txt.pasv-part"),
                r("213 6"),
                Step::ExpectPrefix("SITE UTIME ".into()),
                r("500 Unknown SITE command"),
                Step::ExpectPrefix("MDTM ".into()),
                r("550 Could not set file modification time."),
            ],
            rename("x/.a.txt.pasv-part", "x/a.txt"),
            vec![r("350 Ready for RNTO."), r("250 Rename successful.")],
            stor_with_epsv("x/.b.txt.pasv-part"),
            vec![e("SIZE x/.b.txt.pasv-part"), r("213 7")],
            rename("x/.b.txt.pasv-part", "x/b.txt"),
            vec![
                e("EPSV"),
                e("STOR x/.c.txt.pasv-part"),
                r("550 RNFR command failed."),
                r("503 RNFR required first."),
                Step::ListenData,
                r(EPSV_OK),
                r("150 Send it"),
                Step::DataReceive,
                r("226 Stored"),
                e("SIZE x/.c.txt.pasv-part"),
                r("213 8"),
            ],
            rename("x/.c.txt.pasv-part", "x/c.txt"),
            vec![r("350 Ready for RNTO."), r("250 Rename successful.")],
            // b again, the one-by-one way; given up on, b's upload stays where it is.
            rename("x/.b.txt.pasv-part", "x/b.txt"),
            vec![r("550 RNFR command failed."), r("503 RNFR required first.")],
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        write(&dir.join("a.txt"), b"hello\n");
        write(&dir.join("b.txt"), b"world!\n");
        write(&dir.join("c.txt"), b"goodbye\n");
        let url = format!("{}/x", server.url());
        let run = pasv(["-j", "1", "put", "-r", "--atomic", dir.to_str().unwrap(), &url]).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("answered 550 to RNFR x/.b.txt.pasv-part"), "{}", run.stderr);
        assert!(run.stderr.contains("kept on the server as x/.b.txt.pasv-part"), "{}", run.stderr);
        assert!(run.stderr.contains("copied 2 file"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// An atomic, verified upload to a server offering HASH: renamed only when the checksum matches.
fn verified_upload_script(hash_reply: &str, renamed: bool) -> Vec<Step> {
    let mut script = [
        login_mlst(" HASH SHA-256*;MD5\r\n"),
        vec![
            e("TYPE I"),
            r("200 ok"),
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e("STOR .f.bin.pasv-part"),
            r("150 Send it"),
            Step::DataReceive,
            r("226 Stored"),
            e("SIZE .f.bin.pasv-part"),
            r("213 4096"),
            e("HASH .f.bin.pasv-part"),
            Step::Reply(format!("213 SHA-256 0-4095 {hash_reply} .f.bin.pasv-part")),
        ],
    ]
    .concat();
    if renamed {
        script.extend([
            Step::ExpectPrefix("SITE UTIME .f.bin.pasv-part ".into()),
            r("500 Unknown SITE command"),
            e("RNFR .f.bin.pasv-part"),
            r("350 Ready"),
            e("RNTO f.bin"),
            r("250 Renamed"),
        ]);
    } else {
        // Given up on: the temporary this run made is deleted.
        script.extend([e("DELE .f.bin.pasv-part"), r("250 Deleted")]);
    }
    script.extend([e("QUIT"), r("221 Bye")]);
    script
}

#[tokio::test]
async fn verify_compares_the_servers_checksum_before_the_rename() {
    within(async {
        let data = patterned(4096);
        let mut hasher = pasv::engine::LocalHasher::new(pasv::engine::HashAlgorithm::Sha256);
        hasher.update(&data);
        let good = hasher.finish();
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("f.bin");
        write(&file, &data);

        let server = ScriptedServer::start(verified_upload_script(&good, true)).await;
        let run =
            pasv(["put", "--atomic", "--verify", "--json", file.to_str().unwrap(), &format!("{}/", server.url())])
                .run()
                .await;
        run.assert_code(0);
        let event: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(event["verified"], "SHA-256", "{event}");
        server.finish(Duration::from_secs(10)).await.unwrap();

        let bad = "0".repeat(64);
        let server = ScriptedServer::start(verified_upload_script(&bad, false)).await;
        let run =
            pasv(["put", "--atomic", "--verify", file.to_str().unwrap(), &format!("{}/", server.url())]).run().await;
        run.assert_code(1);
        assert!(run.stderr.contains("checksum mismatch"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert!(!transcript.commands.iter().any(|c| c.starts_with("RNFR")), "{:?}", transcript.commands);
    })
    .await;
}

#[tokio::test]
async fn a_download_that_fails_verify_never_replaces_the_local_file() {
    within(async {
        let data = patterned(4096);
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("f.bin");
        write(&local, b"the old copy");
        let script = [
            login_mlst(" HASH SHA-256*;MD5\r\n"),
            vec![
                e("MLST f.bin"),
                r("250-Listing f.bin\r\n type=file;size=4096;modify=20240101000000; f.bin\r\n250 End"),
                e("TYPE I"),
                r("200 ok"),
            ],
            retrieve("f.bin", &data),
            vec![
                e("HASH f.bin"),
                Step::Reply(format!("213 SHA-256 0-4095 {} f.bin", "0".repeat(64))),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let run =
            pasv(["get", "--verify", &format!("{}/f.bin", server.url()), "-o", local.to_str().unwrap()]).run().await;
        run.assert_code(1);
        assert!(run.stderr.contains("checksum mismatch"), "{}", run.stderr);
        assert!(run.stderr.contains(".f.bin.pasv-part"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(std::fs::read(&local).unwrap(), b"the old copy");
        assert!(std::fs::read(dir.path().join(".f.bin.pasv-part")).unwrap() == data);
    })
    .await;
}

#[tokio::test]
async fn pipelined_downloads_leave_a_broken_file_to_a_resumed_retry() {
    within(async {
        let (a, b, c) = (patterned(3000), patterned(100_000), patterned(5000));
        let body = format!(
            "type=file;size={};modify=20240101000000; a\r\ntype=file;size={};modify=20240101000000; b\r\n\
             type=file;size={};modify=20240101000000; c\r\n",
            a.len(),
            b.len(),
            c.len()
        );
        let script = [
            login_mlst(""),
            vec![e("TYPE I"), r("200 ok")],
            listing("MLSD d", &body),
            // One pipelined sequence: each EPSV is sent before the previous 226 is read.
            retrieve("d/a", &a),
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR d/b"),
                r("150 Sending"),
                Step::DataSend(b[..80_000].to_vec()),
                r("426 Connection closed; transfer aborted"),
            ],
            retrieve("d/c", &c),
            // b again, on its own, resumed after the 64 KiB the server must send again.
            vec![
                e("SIZE d/b"),
                r("213 100000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("REST 14464"),
                r("350 Restarting at 14464"),
                e("RETR d/b"),
                r("150 Sending the rest"),
                Step::DataSend(b[14_464..].to_vec()),
                r("226 Done"),
                e("MDTM d/b"),
                r("213 20240101000000"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("d");
        let run = pasv([
            "-j",
            "1",
            "--retries",
            "1",
            "get",
            "-r",
            &format!("{}/d", server.url()),
            "-o",
            target.to_str().unwrap(),
        ])
        .run()
        .await;
        run.assert_code(0);
        assert_eq!(snapshot(&target), vec![("a".into(), a), ("b".into(), b), ("c".into(), c)]);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// A server that answers the EPSV sent ahead before the previous transfer's 226 (libunftp
/// can): the 229 is kept for its turn, not taken for the end of the transfer.
#[tokio::test]
async fn a_229_answered_before_the_previous_226_is_kept_for_its_turn() {
    within(async {
        let (a, b) = (patterned(3000), patterned(5000));
        let body = format!(
            "type=file;size={};modify=20240101000000; a\r\ntype=file;size={};modify=20240101000000; b\r\n",
            a.len(),
            b.len()
        );
        let script = [
            login_mlst(""),
            vec![e("TYPE I"), r("200 ok")],
            listing("MLSD d", &body),
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR d/a"),
                r("150 Sending"),
                Step::DataSend(a.clone()),
                // The EPSV (and, on plain connections, the RETR) for b arrive before a's 226.
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                r("226 Done with a"),
                e("RETR d/b"),
                r("150 Sending"),
                Step::DataSend(b.clone()),
                r("226 Done with b"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("d");
        let run =
            pasv(["-j", "1", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(snapshot(&target), vec![("a".into(), a), ("b".into(), b)]);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn if_changed_skips_files_that_already_match() {
    within(async {
        let server = TestServer::start(true).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("report.csv");
        write(&file, b"a,b\n1,2\n");
        set_mtime(&file, 1_600_000_000);
        let url = server.url("out/");
        std::fs::create_dir_all(server.path("out")).unwrap();

        let put = |extra: &'static [&'static str]| {
            let mut args = vec!["put", "--if-changed"];
            args.extend_from_slice(extra);
            args.extend([file.to_str().unwrap(), url.as_str()]);
            pasv(args).run()
        };
        put(&[]).await.assert_code(0);
        assert_eq!(std::fs::read(server.path("out/report.csv")).unwrap(), b"a,b\n1,2\n");
        let run = put(&[]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("is unchanged"), "{}", run.stderr);
        write(&file, b"a,b\n1,2\n3,4\n");
        let run = put(&[]).await;
        run.assert_code(0);
        assert!(!run.stderr.contains("is unchanged"), "{}", run.stderr);
        assert_eq!(std::fs::read(server.path("out/report.csv")).unwrap(), b"a,b\n1,2\n3,4\n");

        // Downloads: the copy keeps the server's time, so a second run has nothing to do.
        let down = tempfile::tempdir().unwrap();
        let get = || pasv(["get", "--if-changed", &server.url("out/report.csv")]).cwd(down.path()).run();
        get().await.assert_code(0);
        let run = get().await;
        run.assert_code(0);
        assert!(run.stderr.contains("is unchanged"), "{}", run.stderr);
        assert_eq!(std::fs::read(down.path().join("report.csv")).unwrap(), b"a,b\n1,2\n3,4\n");
    })
    .await;
}

#[tokio::test]
async fn retries_resume_an_upload_with_appe() {
    within(async {
        let data = patterned(60_000);
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("STOR up.bin"),
                r("150 Go ahead"),
                Step::DataReceive,
                r("451 Local error in processing; transfer aborted"),
                // The retry asks how much arrived and appends the rest.
                e("SIZE up.bin"),
                r("213 30000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("APPE up.bin"),
                r("150 Go ahead"),
                Step::DataReceive,
                r("226 Done"),
                e("SIZE up.bin"),
                r("213 60000"),
                Step::ExpectPrefix("SITE UTIME up.bin ".into()),
                r("500 Unknown SITE command"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("up.bin");
        write(&file, &data);
        let run =
            pasv(["--retries", "1", "put", file.to_str().unwrap(), &format!("{}/up.bin", server.url())]).run().await;
        run.assert_code(0);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data.len(), 2);
        assert!(transcript.received_data[1] == data[30_000..], "the retry must send only the rest");
    })
    .await;
}

#[tokio::test]
async fn put_continue_refuses_a_larger_remote_file_with_or_without_retries() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server.path("up.bin"), &patterned(5000));
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("up.bin");
        write(&file, &patterned(3000));
        for extra in [&[][..], &["--retries", "1"][..]] {
            let mut args = extra.to_vec();
            args.extend(["put", "-c", file.to_str().unwrap()]);
            let url = server.url("up.bin");
            args.push(&url);
            let run = pasv(args).run().await;
            run.assert_code(1);
            assert!(run.stderr.contains("not a partial upload"), "{extra:?}: {}", run.stderr);
            assert!(std::fs::read(server.path("up.bin")).unwrap() == patterned(5000), "{extra:?}: remote changed");
        }
    })
    .await;
}

/// `put -r DIR URL/`: a failure names the remote path that was sent (URL/DIR/FILE), not the
/// URL with the file glued on.
#[tokio::test]
async fn an_upload_error_names_the_remote_path_that_was_sent() {
    within(async {
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            listing("LIST up/x", "-rw-r--r-- 1 u g 1 Jan 01 2024 z.txt\r\n"),
            vec![
                e("EPSV"),
                e("STOR up/x/a.txt"),
                Step::ListenData,
                r(EPSV_OK),
                r("553 Could not create file."),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        write(&dir.join("a.txt"), b"hello\n");
        let run = pasv(["-j", "1", "put", "-r", dir.to_str().unwrap(), &format!("{}/up/", server.url())]).run().await;
        run.assert_code(5);
        let shown = format!("a.txt to {}/up/x/a.txt\n", server.url());
        assert!(run.stderr.contains(&shown), "{}", run.stderr);
        assert!(run.stderr.contains("answered 553 to STOR up/x/a.txt"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

// ------------------------------------------------------------------------------------------
// Servers that do not take pipelined transfers (issue 13.6)

/// The protocol lines of a `-v` trace, in the order the client sent and read them.
fn wire(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("> ") || l.starts_with("< ")).collect()
}

/// Asserts that from the first line starting with `from` on, every `> {verb} ...` line the
/// client sent comes right after it read a 229: each transfer command waited for its data
/// connection, nothing went ahead.
#[track_caller]
fn assert_one_by_one_from(stderr: &str, from: &str, verb: &str) {
    let lines = wire(stderr);
    let start = lines.iter().position(|l| l.starts_with(from)).unwrap_or_else(|| panic!("no {from:?}:\n{stderr}"));
    let sent = format!("> {verb} ");
    let mut seen = 0;
    for i in start..lines.len() {
        if lines[i].starts_with(&sent) {
            seen += 1;
            assert!(lines[i - 1].starts_with("< 229"), "{} went out before its 229:\n{stderr}", lines[i]);
        }
    }
    assert!(seen > 0, "no {verb} after {from:?}:\n{stderr}");
}

/// A STOR the classic way: EPSV answered, then STOR, its 1xx, the data, 226.
fn stor_classic(path: &str) -> Vec<Step> {
    vec![
        e("EPSV"),
        Step::ListenData,
        r(EPSV_OK),
        e(&format!("STOR {path}")),
        r("125 Data connection already open, starting transfer"),
        Step::DataReceive,
        r("226 Transfer Complete."),
    ]
}

/// Twisted's FTP server reads no command while its passive port waits, then takes a STOR
/// that came with the EPSV before its data connection is ready, and answers 426 without a
/// 1xx. The file goes again the classic way, and so do the files after it: every byte
/// arrives, nothing fails.
#[tokio::test]
async fn a_server_that_refuses_a_pipelined_stor_gets_the_files_one_by_one() {
    within(async {
        let script = [
            upload_tree_start_with(FEAT_SIZE_EPSV),
            vec![
                e("EPSV"),
                e("STOR x/a.txt"),
                Step::ListenData,
                r(EPSV_OK),
                r("426 Transfer aborted.  Data connection closed."),
            ],
            stor_classic("x/a.txt"),
            vec![
                e("SIZE x/a.txt"),
                r("213 6"),
                Step::ExpectPrefix("SITE UTIME x/a.txt ".into()),
                r("502 Command 'SITE' not implemented"),
            ],
            stor_classic("x/b.txt"),
            vec![e("SIZE x/b.txt"), r("213 7")],
            stor_classic("x/c.txt"),
            vec![e("SIZE x/c.txt"), r("213 8"), e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        for (name, text) in [("a.txt", "hello\n"), ("b.txt", "world!\n"), ("c.txt", "goodbye\n")] {
            write(&dir.join(name), text.as_bytes());
        }
        let run =
            pasv(["-v", "-j", "1", "put", "-r", dir.to_str().unwrap(), &format!("{}/x", server.url())]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("copied 3 file(s)") && run.stderr.contains("0 failed"), "{}", run.stderr);
        assert!(run.stderr.contains("did not take transfers sent ahead"), "{}", run.stderr);
        assert_one_by_one_from(&run.stderr, "< 426", "STOR");
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, [&b"hello\n"[..], b"world!\n", b"goodbye\n"]);
    })
    .await;
}

/// What one session found out holds for the run: a session the pool opens later (here after
/// the first one broke) starts one by one, for the next tree too.
#[tokio::test]
async fn pipelining_stays_off_for_the_sessions_a_pool_opens_later() {
    within(async {
        let z = "-rw-r--r-- 1 u g 1 Jan 01 2024 z.txt\r\n";
        let first = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            listing("LIST up/one", z),
            vec![e("EPSV"), e("STOR up/one/a.txt"), Step::ListenData, r(EPSV_OK), r("426 Data connection closed.")],
            stor_classic("up/one/a.txt"),
            // The session breaks: a is finished on a new one.
            vec![e("SIZE up/one/a.txt"), Step::Close],
        ]
        .concat();
        let second = [
            anon_login(FEAT_SIZE_EPSV),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE up/one/a.txt"),
                r("213 6"),
                Step::ExpectPrefix("SITE UTIME up/one/a.txt ".into()),
                r("502 Command 'SITE' not implemented"),
            ],
            listing("LIST up/two", z),
            stor_classic("up/two/c.txt"),
            vec![
                e("SIZE up/two/c.txt"),
                r("213 8"),
                Step::ExpectPrefix("SITE UTIME up/two/c.txt ".into()),
                r("502 Command 'SITE' not implemented"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let local = tempfile::tempdir().unwrap();
        let (one, two) = (local.path().join("one"), local.path().join("two"));
        write(&one.join("a.txt"), b"hello\n");
        write(&two.join("c.txt"), b"goodbye\n");
        let url = format!("{}/up/", server.url());
        let run = pasv(["-v", "-j", "1", "put", "-r", one.to_str().unwrap(), two.to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        assert_one_by_one_from(&run.stderr, "> LIST up/two", "STOR");
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, [&b"hello\n"[..], b"goodbye\n"]);
    })
    .await;
}

/// The download lanes likewise: a RETR sent ahead with its EPSV that is refused before any
/// 1xx (425) goes again the classic way, and the files after it go one by one.
#[tokio::test]
async fn a_server_that_refuses_a_pipelined_retr_gets_the_files_one_by_one() {
    within(async {
        let body = "-rw-r--r-- 1 u g 5 Jan 01 2024 a\r\n-rw-r--r-- 1 u g 6 Jan 01 2024 b\r\n\
                    -rw-r--r-- 1 u g 7 Jan 01 2024 c\r\n";
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            listing("LIST d", body),
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR d/a"),
                r("150 Sending"),
                Step::DataSend(b"aaaaa".to_vec()),
                e("EPSV"),
                e("RETR d/b"),
                r("226 Done"),
                Step::ListenData,
                r(EPSV_OK),
                r("425 Can't open data connection."),
            ],
            retrieve("d/b", b"bbbbbb"),
            retrieve("d/c", b"ccccccc"),
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "-j", "1", "get", "-r", &format!("{}/d", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_one_by_one_from(&run.stderr, "< 425", "RETR");
        for (name, data) in [("a", &b"aaaaa"[..]), ("b", b"bbbbbb"), ("c", b"ccccccc")] {
            assert_eq!(std::fs::read(out.path().join("d").join(name)).unwrap(), data, "{name}");
        }
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

// ------------------------------------------------------------------------------------------
// Drop-box directories: the server moves a file away once it accepted it (issue 13.3)

/// A single-file upload into `in/`, confirmed with 226, then gone (`SIZE` answers 550).
fn drop_box_put(stored: &str) -> Vec<Step> {
    [
        anon_login(FEAT_SIZE_EPSV),
        vec![
            e("TYPE I"),
            r("200 ok"),
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e(&format!("STOR {stored}")),
            r("150 Ok to send data."),
            Step::DataReceive,
            r("226 Transfer complete."),
            e(&format!("SIZE {stored}")),
            r(&format!("550 {stored}: No such file or directory")),
        ],
    ]
    .concat()
}

/// A drop-box directory moves what it accepted at once: the 226 counts, the upload succeeds
/// with a note, and `--json` says it is not verified.
#[tokio::test]
async fn an_upload_the_server_accepted_then_moved_away_succeeds_unverified() {
    within(async {
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("a.txt");
        write(&file, b"hello\n");
        for json in [false, true] {
            let server =
                ScriptedServer::start([drop_box_put("in/a.txt"), vec![e("QUIT"), r("221 Bye")]].concat()).await;
            let url = format!("{}/in/", server.url());
            let mut args = vec!["put", file.to_str().unwrap(), &url];
            if json {
                args.insert(0, "--json");
            }
            let run = pasv(args).run().await;
            run.assert_code(0);
            if json {
                let event: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
                assert_eq!(event["verified"], serde_json::Value::Bool(false), "{}", run.stdout);
            } else {
                assert!(run.stderr.contains("in/a.txt: accepted, no longer listed: not verified"), "{}", run.stderr);
            }
            server.finish(Duration::from_secs(10)).await.unwrap();
        }
    })
    .await;
}

/// The same in the pipelined lanes of `put -r`: each file is a success, not verified, and a
/// time refused for a file that is gone teaches nothing (the next file is given one again).
#[tokio::test]
async fn a_tree_upload_into_a_drop_box_succeeds_unverified() {
    within(async {
        let local = tempfile::tempdir().unwrap();
        let dir = local.path().join("x");
        write(&dir.join("a.txt"), b"hello\n");
        write(&dir.join("b.txt"), b"world!\n");
        for json in [false, true] {
            let script = [
                upload_tree_start_with(FEAT_SIZE_EPSV),
                stor_with_epsv("x/a.txt"),
                vec![
                    e("SIZE x/a.txt"),
                    Step::ExpectPrefix("SITE UTIME x/a.txt ".into()),
                    r("550 x/a.txt: No such file or directory"),
                    r("550 x/a.txt: No such file or directory"),
                ],
                stor_with_epsv("x/b.txt"),
                vec![
                    e("SIZE x/b.txt"),
                    Step::ExpectPrefix("SITE UTIME x/b.txt ".into()),
                    r("550 x/b.txt: No such file or directory"),
                    r("550 x/b.txt: No such file or directory"),
                    e("QUIT"),
                    r("221 Bye"),
                ],
            ]
            .concat();
            let server = ScriptedServer::start(script).await;
            let url = format!("{}/x", server.url());
            let mut args = vec!["-j", "1", "put", "-r", dir.to_str().unwrap(), &url];
            if json {
                args.insert(0, "--json");
            }
            let run = pasv(args).run().await;
            run.assert_code(0);
            if json {
                let events: Vec<serde_json::Value> =
                    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
                let files: Vec<_> = events.iter().filter(|e| e["action"] == "put").collect();
                assert_eq!(files.len(), 2, "{}", run.stdout);
                for file in files {
                    assert_eq!(file["verified"], serde_json::Value::Bool(false), "{}", run.stdout);
                }
            } else {
                assert_eq!(run.stderr.matches("accepted, no longer listed: not verified").count(), 2, "{}", run.stderr);
                assert!(run.stderr.contains("copied 2 file(s)"), "{}", run.stderr);
            }
            let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
            assert_eq!(transcript.received_data, [&b"hello\n"[..], b"world!\n"]);
        }
    })
    .await;
}

/// `--atomic` and `--verify` promise what a drop box makes impossible (a rename into place,
/// a checksum of the server's copy): they fail, saying the server moved the file away, one
/// file at a time and in the pipelined lanes alike; no rename is tried.
#[tokio::test]
async fn atomic_and_verify_uploads_fail_clearly_when_the_server_moves_the_file_away() {
    within(async {
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("a.txt");
        write(&file, b"hello\n");
        let tree = local.path().join("x");
        write(&tree.join("a.txt"), b"hello\n");
        let quit = vec![e("QUIT"), r("221 Bye")];
        let lanes = [upload_tree_start_with(FEAT_SIZE_EPSV), stor_with_epsv("x/.a.txt.pasv-part")].concat();
        let cases = [
            ("--atomic", drop_box_put("in/.a.txt.pasv-part"), vec!["put", "--atomic", file.to_str().unwrap()], "in/"),
            ("--verify", drop_box_put("in/a.txt"), vec!["put", "--verify", file.to_str().unwrap()], "in/"),
            (
                "--atomic",
                [
                    lanes,
                    vec![
                        e("SIZE x/.a.txt.pasv-part"),
                        Step::ExpectPrefix("SITE UTIME x/.a.txt.pasv-part ".into()),
                        r("550 No such file"),
                        r("550 No such file"),
                    ],
                ]
                .concat(),
                vec!["-j", "1", "put", "-r", "--atomic", tree.to_str().unwrap()],
                "x",
            ),
        ];
        for (flag, script, args, path) in cases {
            let server = ScriptedServer::start([script, quit.clone()].concat()).await;
            let url = format!("{}/{path}", server.url());
            let mut args = args;
            args.push(&url);
            let run = pasv(args.clone()).run().await;
            run.assert_code(5);
            assert!(run.stderr.contains("then answered 550 to SIZE: it moved the file away"), "{}", run.stderr);
            let why =
                if flag == "--atomic" { "--atomic cannot rename it into place" } else { "--verify cannot check it" };
            assert!(run.stderr.contains(why), "{args:?}: {}", run.stderr);
            let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
            assert!(!transcript.commands.iter().any(|c| c.starts_with("RNFR")), "{:?}", transcript.commands);
        }
    })
    .await;
}

/// A listing cut short by a middlebox (the last line has no line end; the server still said
/// 226) is asked again: here the second answer is whole, and every file is copied.
#[tokio::test]
async fn a_listing_cut_short_is_asked_again() {
    within(async {
        let whole = "type=file;size=4;modify=20240101000000; a.txt\r\n\
                     type=file;size=4;modify=20240101000000; b.txt\r\n";
        let cut = &whole[..whole.len() - 12];
        let mut script = login_mlst("");
        script.extend([e("TYPE I"), r("200 ok")]);
        script.extend(listing("MLSD d", cut));
        script.extend(listing("MLSD d", whole));
        script.extend(retrieve("d/a.txt", b"aaaa"));
        script.extend(retrieve("d/b.txt", b"bbbb"));
        script.extend([e("QUIT"), r("221 Bye")]);
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        let run = pasv(["-j", "1", "-v", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()])
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(names(&snapshot(work.path())), ["t/a.txt", "t/b.txt"]);
        assert!(run.stderr.contains("cut short, asking again"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// A listing that stays cut fails its directory: a non-zero exit that names it, never a
/// "0 failed" run with the rest of the directory silently missing.
#[tokio::test]
async fn a_listing_that_stays_cut_fails_the_directory() {
    within(async {
        let cut = "type=file;size=4;modify=20240101000000; a.txt\r\ntype=file;size=4;modi";
        let mut script = login_mlst("");
        script.extend([e("TYPE I"), r("200 ok")]);
        for _ in 0..3 {
            script.extend(listing("MLSD d", cut));
        }
        script.push(Step::ExpectClose);
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        let run =
            pasv(["-j", "1", "get", "-r", &format!("{}/d", server.url()), "-o", target.to_str().unwrap()]).run().await;
        assert_ne!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("cut short"), "{}", run.stderr);
        assert!(!run.stderr.contains("0 failed"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// `mirror --delete` down (with `--json` or not), with `d`'s two listings as given (MLSD
/// bodies) and a local copy of a.txt, b.txt and c.txt that is up to date: what the run says,
/// what is left locally, and whether the server's script played out.
async fn mirror_down_delete(
    json: bool,
    first: &str,
    second: &str,
) -> (crate::support::Run, Vec<String>, Result<(), String>) {
    let mut script = login_mlst("");
    script.extend([e("TYPE I"), r("200 ok")]);
    script.extend(listing("MLSD d", first));
    script.extend(listing("MLSD d", second));
    script.extend([e("QUIT"), r("221 Bye")]);
    let server = ScriptedServer::start(script).await;
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("t");
    for name in ["a.txt", "b.txt", "c.txt"] {
        write(&target.join(name), b"same");
        set_mtime(&target.join(name), 1_704_067_200);
    }
    let url = format!("{}/d", server.url());
    let mut args = vec!["-j", "1", "mirror", "--delete", &url, target.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    let run = pasv(args).run().await;
    let left = names(&snapshot(&target)).into_iter().map(String::from).collect();
    (run, left, server.finish(Duration::from_secs(10)).await.map(drop))
}

const MLSD_A: &str = "type=file;size=4;modify=20240101000000; a.txt\r\n";
const MLSD_B: &str = "type=file;size=4;modify=20240101000000; b.txt\r\n";
const MLSD_C: &str = "type=file;size=4;modify=20240101000000; c.txt\r\n";

/// A listing cut exactly at a line end looks whole. Before `--delete` removes what a listing
/// lacks, the directory is listed again; here the second listing has c.txt, the two disagree,
/// and nothing is deleted in that directory: said, and counted in the summary.
#[tokio::test]
async fn mirror_delete_lists_again_and_deletes_nothing_when_the_listings_disagree() {
    within(async {
        let (cut, whole) = ([MLSD_A, MLSD_B].concat(), [MLSD_A, MLSD_B, MLSD_C].concat());
        let (run, left, played) = mirror_down_delete(true, &cut, &whole).await;
        assert_eq!(left, ["a.txt", "b.txt", "c.txt"], "{}", run.stderr);
        played.unwrap();
        run.assert_code(0);
        let summary: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(
            (summary["deleted"].as_u64(), summary["delete_held_back"].as_u64()),
            (Some(0), Some(1)),
            "{summary}"
        );

        // Without --json the warning names the directory and the summary line counts it.
        let (run, left, played) = mirror_down_delete(false, &cut, &whole).await;
        assert_eq!(left, ["a.txt", "b.txt", "c.txt"], "{}", run.stderr);
        played.unwrap();
        run.assert_code(0);
        assert!(run.stderr.contains("/d: two listings disagree"), "{}", run.stderr);
        assert!(run.stderr.contains("0 deleted, 0 failed; deletes held back in 1 director"), "{}", run.stderr);
    })
    .await;
}

/// Two listings that agree: what both lack is deleted, as before.
#[tokio::test]
async fn mirror_delete_deletes_what_two_listings_agree_is_gone() {
    within(async {
        let both = [MLSD_A, MLSD_B].concat();
        let (run, left, played) = mirror_down_delete(true, &both, &both).await;
        assert_eq!(left, ["a.txt", "b.txt"], "{}", run.stderr);
        played.unwrap();
        run.assert_code(0);
        let summary: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(
            (summary["deleted"].as_u64(), summary["delete_held_back"].as_u64()),
            (Some(1), Some(0)),
            "{summary}"
        );
    })
    .await;
}

/// Uploading, `--delete` removes from the server only what two listings both show and the
/// local tree lacks: x.txt, in the first listing only, stays (said and counted); y.txt, in
/// both, goes.
#[tokio::test]
async fn mirror_up_delete_deletes_only_what_both_listings_show() {
    within(async {
        let y = "type=file;size=1;modify=20240101000000; y.txt\r\n";
        let x = "type=file;size=1;modify=20240101000000; x.txt\r\n";
        let mut script = login_mlst("");
        script.extend([e("TYPE I"), r("200 ok")]);
        script.extend(listing("MLSD d", &[MLSD_A, x, y].concat()));
        script.extend(listing("MLSD d", &[MLSD_A, y].concat()));
        script.extend([e("DELE d/y.txt"), r("250 Deleted"), e("QUIT"), r("221 Bye")]);
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let local = work.path().join("d");
        write(&local.join("a.txt"), b"same");
        set_mtime(&local.join("a.txt"), 1_704_067_200);
        let url = format!("{}/d", server.url());
        let run = pasv(["-j", "1", "mirror", "--delete", local.to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("two listings disagree"), "{}", run.stderr);
        assert!(run.stderr.contains("1 deleted"), "{}", run.stderr);
        assert!(run.stderr.contains("deletes held back in 1 director"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// 40 files of about 20 KB in four directories under `dir`.
fn forty_files(dir: &Path) {
    for i in 0..40 {
        write(&dir.join(format!("d{}/f{i:02}.bin", i % 4)), &patterned(20_000 + i * 101));
    }
}

/// Serves `root` and runs pasv with `-j 2 --retries 8 --limit-rate 300K` (so the run lasts)
/// and `args(url)`. Once `arrived()` counts three files, the server stops (every session
/// dropped, connections refused), stays down for 2 s, and starts again on the same port.
async fn run_across_a_restart(
    root: &Path,
    writable: bool,
    args: impl FnOnce(&str) -> Vec<String>,
    arrived: impl Fn() -> usize,
) -> crate::support::Run {
    let start = |port: u16| async move {
        // The port was free a moment ago, but the range is shared: another test's socket (a
        // passive listener, a connection's own end) may hold it for a while. Tried again
        // until it is free, as a restarting daemon would.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mut options = pasv::server::ServerOptions::new(root);
            options.port = port;
            options.writable = writable;
            match pasv::server::RunningServer::start(options).await {
                Ok(server) => break server,
                Err(e) if port != 0 && std::time::Instant::now() < deadline => {
                    assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse, "starting the server again: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("the server cannot listen on port {port} (within 20 s): {e}"),
            }
        }
    };
    let server = start(0).await;
    let port = server.addr().port();
    let mut all: Vec<String> = ["-j", "2", "--retries", "8"].map(String::from).to_vec();
    all.extend(args(&server.url()));
    let running = pasv(all).spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while arrived() < 3 {
        assert!(std::time::Instant::now() < deadline, "no file arrived within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop();
    // Down for a while, as in a restart: this sleep is the outage, not a wait for a state.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _server = start(port).await;
    running.finish().await
}

/// A server restart in the middle of a run (every session dropped, connections refused for a
/// while, then back on the same port) is ridden out within `--retries`: the run goes on where
/// it stopped and the copy is complete, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_download_rides_out_a_server_restart() {
    within(async {
        let root = tempfile::tempdir().unwrap();
        forty_files(&root.path().join("src"));
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("copy");
        let target_arg = target.to_str().unwrap().to_string();
        let run = run_across_a_restart(
            root.path(),
            false,
            |url| {
                ["get", "-r", "--limit-rate", "300K", &format!("{url}/src"), "-o", &target_arg]
                    .map(String::from)
                    .to_vec()
            },
            || files_now(out.path()).len(),
        )
        .await;
        run.assert_code(0);
        assert_eq!(snapshot(&target), snapshot(&root.path().join("src")), "{}", run.stderr);
    })
    .await;
}

/// The same for an atomic tree upload: every file arrives whole under its name, and no
/// temporary name is left on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_atomic_tree_upload_rides_out_a_server_restart() {
    within(async {
        let local = tempfile::tempdir().unwrap();
        let source = local.path().join("up");
        forty_files(&source);
        let served = tempfile::tempdir().unwrap();
        let source_arg = source.to_str().unwrap().to_string();
        let run = run_across_a_restart(
            served.path(),
            true,
            |url| {
                ["mirror", "--atomic", "--limit-rate", "300K", &source_arg, &format!("{url}/up")]
                    .map(String::from)
                    .to_vec()
            },
            || files_now(served.path()).iter().filter(|n| !n.contains(".pasv-part")).count(),
        )
        .await;
        run.assert_code(0);
        assert_eq!(snapshot(&served.path().join("up")), snapshot(&source), "{}", run.stderr);
    })
    .await;
}

/// Lines a listing parser cannot read stay warnings, but the summary and its JSON count them:
/// "0 failed" never hides files a listing named in lines nobody could read.
#[tokio::test]
async fn unreadable_listing_lines_are_counted_in_the_summary() {
    within(async {
        let body = "-rw-r--r-- 1 u g 4 Jan 01  2024 ok.txt\r\n\
                    this line names a file in a format nobody knows\r\n";
        for json in [false, true] {
            let mut script = [
                anon_login(FEAT_SIZE_EPSV),
                vec![e("TYPE I"), r("200 ok")],
                listing("LIST d", body),
                retrieve("d/ok.txt", b"okay"),
            ]
            .concat();
            script.extend([e("QUIT"), r("221 Bye")]);
            let server = ScriptedServer::start(script).await;
            let work = tempfile::tempdir().unwrap();
            let target = work.path().join("t");
            let url = format!("{}/d", server.url());
            let mut args = vec!["-j", "1", "get", "-r", &url, "-o", target.to_str().unwrap()];
            if json {
                args.insert(0, "--json");
            }
            let run = pasv(args).run().await;
            run.assert_code(0);
            if json {
                let summary = run.stdout.lines().last().unwrap_or_default();
                let summary: serde_json::Value = serde_json::from_str(summary).unwrap();
                assert_eq!(summary["unparsed_lines"], 1, "{}", run.stdout);
            } else {
                assert!(
                    run.stderr.contains("0 failed; 1 listing line(s) not understood: not copied"),
                    "{}",
                    run.stderr
                );
            }
            server.finish(Duration::from_secs(10)).await.unwrap();
        }
    })
    .await;
}

/// `--verify` against libunftp: it lists SITE MD5 in FEAT and answers it for accounts, with
/// 502 for anonymous users. Logged in, files are checked by MD5; anonymous, by size, said once
/// on stderr and as `"verified": "size"` in `--json`; `--verify=strict` fails then (exit 5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_uses_site_md5_falls_back_to_size_out_loud_and_strict_fails() {
    within(async {
        let server = TestServer::start_with(|o| {
            o.login = Some(("bob".into(), "s3cret".into()));
            o.writable = true;
        })
        .await;
        std::fs::create_dir(server.path("d")).unwrap();
        write(&server.path("d/a.bin"), &patterned(70_000));
        write(&server.path("d/b.bin"), &patterned(1_000));
        let port = server.server.addr().port();
        let out = tempfile::tempdir().unwrap();

        let url = format!("ftp://bob:s3cret@127.0.0.1:{port}/d/a.bin");
        let run = pasv(["-v", "--json", "get", "--verify", &url]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("> SITE MD5 d/a.bin"), "{}", run.stderr);
        let event: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(event["verified"], "MD5", "{event}");
        let up = out.path().join("a.bin");
        let url = format!("ftp://bob:s3cret@127.0.0.1:{port}/d/up.bin");
        let run = pasv(["--json", "put", "--verify=strict", up.to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        let event: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(event["verified"], "MD5", "{event}");

        // Anonymous: SITE MD5 refused (502), asked once per session, the note printed once.
        let anonymous = TestServer::start(false).await;
        std::fs::create_dir(anonymous.path("d")).unwrap();
        write(&anonymous.path("d/a.bin"), &patterned(70_000));
        write(&anonymous.path("d/b.bin"), &patterned(1_000));
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "-j", "1", "get", "-r", "--verify", &anonymous.url("d")]).cwd(out.path()).run().await;
        run.assert_code(0);
        let note = "the server offers no checksum (HASH, XSHA256, SITE MD5, ...): verified by size only";
        assert_eq!(run.stderr.matches(note).count(), 1, "{}", run.stderr);
        assert_eq!(run.stderr.matches("> SITE MD5").count(), 1, "{}", run.stderr);
        assert_eq!(std::fs::read(out.path().join("d/b.bin")).unwrap(), patterned(1_000));

        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--json", "get", "--verify", &anonymous.url("d/a.bin")]).cwd(out.path()).run().await;
        run.assert_code(0);
        let event: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(event["verified"], "size", "{event}");

        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", "--verify=strict", &anonymous.url("d/a.bin")]).cwd(out.path()).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("--verify=strict needs one"), "{}", run.stderr);
        assert!(!out.path().join("a.bin").exists());
    })
    .await;
}

/// XSHA512 is used when FEAT lists it, before XSHA256.
#[tokio::test]
async fn verify_prefers_xsha512() {
    within(async {
        let data = patterned(3000);
        let mut hasher = pasv::engine::LocalHasher::new(pasv::engine::HashAlgorithm::Sha512);
        hasher.update(&data);
        let digest = hasher.finish();
        let script = [
            anon_login("211-Features:\r\n SIZE\r\n EPSV\r\n XSHA256\r\n XSHA512\r\n211 End"),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f.bin"),
                r("213 3000"),
                e("MDTM f.bin"),
                r("550 no time"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR f.bin"),
                r("150 go"),
                Step::DataSend(data.clone()),
                r("226 done"),
                e("XSHA512 f.bin"),
                Step::Reply(format!("250 {digest}")),
                e("MDTM f.bin"),
                r("550 no time"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run =
            pasv(["--json", "get", "--verify=strict", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        server.finish(Duration::from_secs(10)).await.unwrap();
        run.assert_code(0);
        let event: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(event["verified"], "SHA-512", "{event}");
        assert_eq!(std::fs::read(out.path().join("f.bin")).unwrap(), data);
    })
    .await;
}

/// The round trip under which pasv confirms uploads by a listing (5 ms), raised for the tests
/// about that: on a machine busy enough every NOOP to a loopback server can take longer (a run
/// of `scripts/stress-tests` judged one far).
pub(crate) const NEAR_ON_A_BUSY_MACHINE: &str = "1000";

/// `put -r` into a directory it creates: many files there are confirmed by one listing of it,
/// not a SIZE each. Into a directory that held files already, each gets its SIZE: a listing
/// of all that was there could cost more than the commands it saves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_upload_confirms_a_new_directory_by_its_listing_and_an_old_one_file_by_file() {
    within(async {
        let server = TestServer::start(true).await;
        let work = tempfile::tempdir().unwrap();
        let site = work.path().join("site");
        for dir in ["new", "old"] {
            twenty_files(&site, dir);
        }
        std::fs::create_dir_all(server.path("up/site/old")).unwrap();
        std::fs::write(server.path("up/site/old/there.txt"), b"there before").unwrap();
        let run = pasv(["-v", "-j", "2", "put", "-r", site.to_str().unwrap(), &server.url("up/")])
            .env("PASV_TEST_NEAR_MS", NEAR_ON_A_BUSY_MACHINE)
            .run()
            .await;
        run.assert_code(0);
        for dir in ["new", "old"] {
            for i in 0..20 {
                let rel = format!("{dir}/f{i:02}.txt");
                assert_eq!(
                    std::fs::read(server.path(&format!("up/site/{rel}"))).unwrap(),
                    patterned(100 + i * 31),
                    "{rel}"
                );
            }
        }
        let sized = |dir: &str| run.stderr.lines().filter(|l| l.starts_with(&format!("> SIZE up/site/{dir}/"))).count();
        assert_eq!((sized("new"), sized("old")), (0, 20), "{}", run.stderr);
        assert!(run.stderr.contains("> MLSD up/site/new"), "{}", run.stderr);
    })
    .await;
}

/// A server that will not list the new directory (550 to its MLSD): the uploads there are
/// confirmed by a SIZE each after all, and the tree arrives whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_confirming_listing_falls_back_to_a_size_each() {
    within(async {
        let (server, proxy, run) =
            twenty_new_files_with_a_refusal("MLSD up/site/new", "550 Listing not allowed.").await;
        let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
        run.assert_code(0);
        // The refusal, and the refused listing's data connection closed.
        assert_eq!(proxy.injected(), 2, "{context}");
        assert_whole_and_sized_each(&server, &run, &context);
    })
    .await;
}

/// A server that refuses the NOOP of the nearness probe: not known to be near, so the uploads
/// are confirmed by a SIZE each (no listing), on the same session, and the tree arrives whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_nearness_probe_confirms_each_upload_by_its_size() {
    within(async {
        let (server, proxy, run) = twenty_new_files_with_a_refusal("NOOP", "502 Command not implemented.").await;
        let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
        run.assert_code(0);
        assert_eq!(proxy.injected(), 1, "{context}");
        assert!(!run.stderr.contains("> MLSD up/site/new"), "{context}");
        assert_whole_and_sized_each(&server, &run, &context);
    })
    .await;
}

/// `put -r -j 2` of [`twenty_files`] into a new directory, near the server (the tests'
/// threshold), through a fault proxy that answers `command` with `reply` the first time.
async fn twenty_new_files_with_a_refusal(
    command: &str,
    reply: &str,
) -> (TestServer, crate::support::faults::FaultProxy, crate::support::Run) {
    use crate::support::faults::{FaultProxy, Faults};
    let server = TestServer::start(true).await;
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    twenty_files(&site, "new");
    let proxy = FaultProxy::start(server.server.addr(), Faults::NONE).await;
    proxy.refuse(command, reply, 1);
    let url = format!("{}/up/", proxy.url());
    let run = pasv(["-v", "-j", "2", "put", "-r", site.to_str().unwrap(), &url])
        .env("PASV_TEST_NEAR_MS", NEAR_ON_A_BUSY_MACHINE)
        .run()
        .await;
    (server, proxy, run)
}

/// The twenty files whole on the server, each confirmed by its SIZE.
#[track_caller]
fn assert_whole_and_sized_each(server: &TestServer, run: &crate::support::Run, context: &str) {
    for i in 0..20 {
        let rel = format!("up/site/new/f{i:02}.txt");
        assert_eq!(std::fs::read(server.path(&rel)).unwrap(), nth(i), "{rel}\n{context}");
    }
    let sized = run.stderr.lines().filter(|l| l.starts_with("> SIZE up/site/new/")).count();
    assert_eq!(sized, 20, "{context}");
}

/// `dir/f00.txt` .. `dir/f19.txt` under `site`, file `i` holding [`nth`]`(i)`: enough for a
/// directory's uploads to be confirmed by its listing.
fn twenty_files(site: &Path, dir: &str) {
    std::fs::create_dir_all(site.join(dir)).unwrap();
    for i in 0..20 {
        std::fs::write(site.join(format!("{dir}/f{i:02}.txt")), nth(i)).unwrap();
    }
}

fn nth(i: usize) -> Vec<u8> {
    patterned(100 + i * 31)
}
