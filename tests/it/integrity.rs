//! Data integrity where a transfer goes wrong half-way: a retry continues only what this run
//! wrote (never an older version of the file, local or remote), a server that forbids renames
//! loses neither the old file nor the new upload, and mirror's deletes are held back when it
//! cannot be sure (a relist that fails) and never touch excluded paths.

use std::time::Duration;

use crate::support::scripted::{EPSV_OK, FEAT_SIZE_EPSV, ScriptedServer, Step, Transcript, anon_login, e, listing, r};
use crate::support::{Run, TestServer, pasv, patterned, within};
use crate::tree::{snapshot, write};

/// Greeting, anonymous login and a FEAT with MLST (listings are MLSD), SIZE, MDTM, EPSV and
/// REST STREAM.
fn login_mlst() -> Vec<Step> {
    anon_login("211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n MDTM\r\n EPSV\r\n REST STREAM\r\n211 End")
}

/// FEAT of a plain server with SIZE, MDTM, EPSV and REST STREAM.
const FEAT_REST: &str = "211-Features:\r\n SIZE\r\n MDTM\r\n EPSV\r\n REST STREAM\r\n211 End";

/// The script, played to its end by a run that succeeded: what the server heard.
async fn played(run: &Run, server: ScriptedServer) -> Transcript {
    let transcript = server.finish(Duration::from_secs(10)).await;
    match transcript {
        Ok(transcript) if run.code == 0 => transcript,
        _ => panic!(
            "exit code {}
--- stderr
{}
--- server
{transcript:?}",
            run.code, run.stderr
        ),
    }
}

/// EPSV and a data listener, then `command` answered with 150.
fn opened(command: &str) -> Vec<Step> {
    vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e(command), r("150 Go ahead")]
}

/// `get -r -j 1 --retries 1` of d (a and b) into a directory where both files exist with
/// other (older) content. The session breaks after a's data arrived short, with b's RETR
/// sent ahead: both go again one by one. a continues the part file this run wrote; b's part
/// file was never opened, so b starts from zero: the old b is neither renamed into a part
/// file nor continued (its old bytes followed by the server's).
#[tokio::test]
async fn a_retried_download_never_continues_the_old_target() {
    within(async {
        let (a, b) = (patterned(3000), patterned(100_000).iter().map(|x| x ^ 0x5a).collect::<Vec<u8>>());
        let body = format!(
            "type=file;size={};modify=20240101000000; a\r\ntype=file;size={};modify=20240101000000; b\r\n",
            a.len(),
            b.len()
        );
        let first = [
            login_mlst(),
            vec![e("TYPE I"), r("200 ok")],
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("MLSD d"),
                r("150 Listing"),
                Step::DataSend(body.into_bytes()),
                r("226 Listed"),
            ],
            opened("RETR d/a"),
            // Cut short: 2000 of its 3000 bytes, then the control connection drops.
            vec![Step::DataSend(a[..2000].to_vec()), e("EPSV"), e("RETR d/b"), Step::Close],
        ]
        .concat();
        let second = [
            login_mlst(),
            vec![e("TYPE I"), r("200 ok"), e("SIZE d/a"), r("213 3000")],
            // a: the 2000 bytes this run has, sent again to prove REST, then the rest.
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("REST 0"), r("350 Restarting at 0")],
            vec![e("RETR d/a"), r("150 Sending"), Step::DataSend(a.clone()), r("226 Done")],
            vec![e("MDTM d/a"), r("213 20240101000000")],
            // b: from its first byte.
            vec![e("SIZE d/b"), r("213 100000")],
            opened("RETR d/b"),
            vec![Step::DataSend(b.clone()), r("226 Done"), e("MDTM d/b"), r("213 20240101000000")],
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("d");
        // The old copies: b's last 64 KiB are the server's (what a resume checks), its first
        // bytes are not.
        let mut old_b = b[..80_000].to_vec();
        old_b[..1000].fill(b'#');
        write(&target.join("a"), b"the old a");
        write(&target.join("b"), &old_b);
        let run = pasv([
            "-j",
            "1",
            "--retries",
            "1",
            "get",
            "-r",
            &format!("{}/d", server.url()),
            "-o",
            out.path().to_str().unwrap(),
        ])
        .run()
        .await;
        played(&run, server).await;
        let got = snapshot(&target);
        let sizes: Vec<(&str, usize)> = got.iter().map(|(n, d)| (n.as_str(), d.len())).collect();
        assert!(got == vec![("a".into(), a), ("b".into(), b)], "a copy differs: {sizes:?}\n{}", run.stderr);
    })
    .await;
}

/// `get --retries 1 URL` over an existing local file with other content, the first attempt
/// cut before any data (the control connection drops at EPSV): the retry downloads the whole
/// file; the old file is never taken for a partial download of it.
#[tokio::test]
async fn a_retried_single_download_starts_from_zero() {
    within(async {
        let data = patterned(200_000);
        let first = [
            anon_login(FEAT_REST),
            vec![e("TYPE I"), r("200 ok"), e("SIZE f.bin"), r("213 200000"), e("MDTM f.bin")],
            vec![r("213 20240101000000"), e("EPSV"), Step::Close],
        ]
        .concat();
        let second = [
            anon_login(FEAT_REST),
            vec![e("TYPE I"), r("200 ok"), e("SIZE f.bin"), r("213 200000")],
            opened("RETR f.bin"),
            vec![Step::DataSend(data.clone()), r("226 Done"), e("MDTM f.bin"), r("213 20240101000000")],
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let out = tempfile::tempdir().unwrap();
        // The old copy: its last 64 KiB match the server's file, its start does not.
        let mut old = data[..150_000].to_vec();
        old[..1000].fill(b'#');
        write(&out.path().join("f.bin"), &old);
        let run = pasv(["--retries", "1", "get", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        played(&run, server).await;
        assert!(std::fs::read(out.path().join("f.bin")).unwrap() == data, "the copy differs\n{}", run.stderr);
    })
    .await;
}

/// `get --retries 1 URL`, the control connection dropped while the file's size and time are
/// looked at (before its copy): the look is retried on a new connection like the copy.
#[tokio::test]
async fn a_look_before_the_copy_cut_off_is_retried() {
    within(async {
        let first = [anon_login(FEAT_REST), vec![e("TYPE I"), r("200 ok"), e("SIZE f.bin"), Step::Close]].concat();
        let second = [
            anon_login(FEAT_REST),
            vec![e("TYPE I"), r("200 ok"), e("SIZE f.bin"), r("213 5"), e("MDTM f.bin")],
            vec![r("213 20240101000000")],
            opened("RETR f.bin"),
            vec![Step::DataSend(b"hello".to_vec()), r("226 Done"), e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--retries", "1", "get", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        played(&run, server).await;
        assert_eq!(std::fs::read(out.path().join("f.bin")).unwrap(), b"hello");
        assert!(run.stderr.contains("retrying in"), "{}", run.stderr);
    })
    .await;
}

/// `put --retries 1 FILE URL` over an older, shorter remote file, the first STOR lost (the
/// control connection drops before its 1xx: the server never took it): the retry stores the
/// whole file again. Appending to what the server has would give the old file's bytes
/// followed by the new file's tail.
#[tokio::test]
async fn a_retried_upload_never_appends_to_a_file_this_run_did_not_write() {
    within(async {
        let data = patterned(60_000);
        let first = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok"), e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR up.bin"), Step::Close],
        ]
        .concat();
        let second = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            opened("STOR up.bin"),
            vec![Step::DataReceive, r("226 Done"), e("SIZE up.bin"), r("213 60000")],
            vec![Step::ExpectPrefix("SITE UTIME up.bin ".into()), r("500 Unknown SITE command")],
            vec![e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("up.bin");
        write(&file, &data);
        let run =
            pasv(["--retries", "1", "put", file.to_str().unwrap(), &format!("{}/up.bin", server.url())]).run().await;
        let transcript = played(&run, server).await;
        assert!(!transcript.commands.iter().any(|c| c.starts_with("APPE")), "{:?}", transcript.commands);
        assert_eq!(transcript.received_data.len(), 1);
        assert!(transcript.received_data[0] == data, "the server must get the whole file");
    })
    .await;
}

/// `put --atomic f.bin URL/` (5000 bytes) to a plain server whose replies to the rename (and
/// to what follows it) are `rename`: the run, checked to fail with exit 5, and the commands
/// the server heard.
async fn put_atomic_renamed_by(rename: Vec<Step>) -> (Run, Vec<String>) {
    let script = [
        anon_login(FEAT_SIZE_EPSV),
        vec![e("TYPE I"), r("200 ok")],
        opened("STOR .f.bin.pasv-part"),
        vec![Step::DataReceive, r("226 Stored"), e("SIZE .f.bin.pasv-part"), r("213 5000")],
        vec![Step::ExpectPrefix("SITE UTIME .f.bin.pasv-part ".into()), r("500 Unknown SITE command")],
        rename,
        vec![e("QUIT"), r("221 Bye")],
    ]
    .concat();
    let server = ScriptedServer::start(script).await;
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("f.bin");
    write(&file, &patterned(5000));
    let run = pasv(["put", "--atomic", file.to_str().unwrap(), &format!("{}/", server.url())]).run().await;
    let transcript = server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{e}\n{}", run.stderr));
    run.assert_code(5);
    assert!(run.stderr.contains("kept on the server as .f.bin.pasv-part"), "{}", run.stderr);
    (run, transcript.commands)
}

/// A server that forbids renames (550 to RNFR): the old file is not deleted to make room
/// (that cannot help, and would lose it), and the upload is not deleted either: it stays
/// under its temporary name, and the error says so.
#[tokio::test]
async fn a_refused_rnfr_deletes_neither_the_old_file_nor_the_upload() {
    within(async {
        let (run, commands) = put_atomic_renamed_by(vec![
            e("RNFR .f.bin.pasv-part"),
            e("RNTO f.bin"),
            r("550 Renaming is not allowed here"),
            r("503 RNFR required first"),
        ])
        .await;
        assert!(!commands.iter().any(|c| c.starts_with("DELE")), "{commands:?}");
        assert!(run.stderr.contains("answered 550 to RNFR .f.bin.pasv-part"), "{}", run.stderr);
        assert!(run.stderr.contains("the old file is unchanged"), "{}", run.stderr);
    })
    .await;
}

/// A server that will not rename over a file (550 to RNTO) gets the old file deleted first;
/// when the rename fails even then, the upload under its temporary name is the only copy
/// left: it is not deleted when pasv gives up, and the error says where it is.
#[tokio::test]
async fn an_upload_whose_rename_fails_after_the_old_file_went_is_kept() {
    within(async {
        let rename = || vec![e("RNFR .f.bin.pasv-part"), e("RNTO f.bin"), r("350 Ready for RNTO")];
        let (run, commands) = put_atomic_renamed_by(
            [
                rename(),
                vec![r("550 File exists"), e("DELE f.bin"), r("250 Deleted")],
                rename(),
                vec![r("553 Not allowed now")],
            ]
            .concat(),
        )
        .await;
        assert!(!commands.iter().any(|c| c == "DELE .f.bin.pasv-part"), "{commands:?}");
        assert!(run.stderr.contains("the old file was deleted"), "{}", run.stderr);
    })
    .await;
}

/// `retries` or `verify` in the config file's [defaults] do not stop `put -` (stdin) from
/// working: a pipe cannot be read twice or checked against a checksum, so stdin goes once and
/// unchecked, and a note says so. On the command line they remain usage errors for stdin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_for_retries_and_verify_leave_a_stdin_upload_working() {
    within(async {
        let server = TestServer::start(true).await;
        for (n, defaults) in ["retries = 3", "verify = \"auto\"", "retries = 2\nverify = \"strict\""].iter().enumerate()
        {
            let home = tempfile::tempdir().unwrap();
            let config = home.path().join(".config/pasv/config.toml");
            write(&config, format!("[defaults]\n{defaults}\n").as_bytes());
            let name = format!("in{n}.txt");
            let run =
                pasv(["put", "-", &server.url(&name)]).shared_home(home.path()).stdin("from a pipe\n").run().await;
            run.assert_code(0);
            assert_eq!(std::fs::read(server.path(&name)).unwrap(), b"from a pipe\n", "{defaults}");
            assert!(run.stderr.contains("standard input"), "{defaults}: {}", run.stderr);
        }
        // A pipe named by its path (here stdin's, a pipe too) is read once as well.
        let home = tempfile::tempdir().unwrap();
        write(&home.path().join(".config/pasv/config.toml"), b"[defaults]\nretries = 3\n");
        let run = pasv(["put", "/dev/stdin", &server.url("pipe.txt")]).shared_home(home.path()).stdin("piped\n");
        let run = run.run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(server.path("pipe.txt")).unwrap(), b"piped\n");
        assert!(run.stderr.contains("/dev/stdin is read once"), "{}", run.stderr);
        // Asked for on the command line, they are refused for stdin as before.
        let refused = "need files, not stdin";
        let run = pasv(["--retries", "1", "put", "-", &server.url("flag.txt")]).stdin("x").run().await;
        run.assert_code(2);
        assert!(run.stderr.contains(refused), "{}", run.stderr);
        let run =
            pasv(["put", "--verify", "-", &server.url("flag.txt")]).shared_home(home.path()).stdin("x").run().await;
        run.assert_code(2);
        assert!(run.stderr.contains(refused), "{}", run.stderr);
        assert!(!server.path("flag.txt").exists(), "nothing sent");
    })
    .await;
}

/// An MLSD listing of `d` with `body`, its data connection opened.
fn mlsd_d(body: &str) -> Vec<Step> {
    [opened("MLSD d"), vec![Step::DataSend(body.as_bytes().to_vec()), r("226 Listed")]].concat()
}

const MLSD_A: &str = "type=file;size=5;modify=20240101000000; a.txt\r\n";
const MLSD_X: &str = "type=file;size=1;modify=20240101000000; x.txt\r\n";

/// `mirror --delete` down, the second listing of `d` (asked before deleting what the first
/// lacks) refused with a 450: that directory's deletes are held back, said and counted,
/// and its copy still happens; the run succeeds.
#[tokio::test]
async fn a_failed_second_listing_holds_deletes_back_downloading() {
    within(async {
        let script = [
            login_mlst(),
            vec![e("TYPE I"), r("200 ok")],
            mlsd_d(MLSD_A),
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("MLSD d"), r("450 Directory busy")],
            opened("RETR d/a.txt"),
            vec![Step::DataSend(b"hello".to_vec()), r("226 Done"), e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        write(&target.join("x.txt"), b"only here");
        let url = format!("{}/d", server.url());
        let run = pasv(["-j", "1", "mirror", "--delete", "--json", &url, target.to_str().unwrap()]).run().await;
        played(&run, server).await;
        let left = snapshot(&target);
        assert!(
            left == vec![("a.txt".into(), b"hello".to_vec()), ("x.txt".into(), b"only here".to_vec())],
            "{left:?}\n{}",
            run.stdout
        );
        // (--json: the warning is in the summary's count, stderr stays quiet.)
        let summary: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
        let counts = ["files", "deleted", "delete_held_back", "failed"].map(|k| summary[k].as_u64());
        assert_eq!(counts, [Some(1), Some(0), Some(1), Some(0)], "{summary}");
    })
    .await;
}

/// The same down from a server without MLST (LIST listings, times by MDTM), the second
/// listing answered 421: the times were asked before it, on the connection that still
/// worked, and a.txt is copied on a new one (before, the MDTM went to the closed connection
/// and the whole directory failed).
#[tokio::test]
async fn a_failed_second_listing_comes_after_the_times() {
    within(async {
        let first = [
            anon_login(FEAT_REST),
            vec![e("TYPE I"), r("200 ok")],
            listing("LIST d", "-rw-r--r-- 1 u g 5 Jan 01  2024 a.txt\r\n"),
            vec![e("MDTM d/a.txt"), r("213 20240101000000")],
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("LIST d"), r("421 Closing"), Step::Close],
        ]
        .concat();
        let second = [
            anon_login(FEAT_REST),
            vec![e("TYPE I"), r("200 ok")],
            opened("RETR d/a.txt"),
            vec![Step::DataSend(b"hello".to_vec()), r("226 Done"), e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        write(&target.join("x.txt"), b"only here");
        let url = format!("{}/d", server.url());
        let run = pasv(["-j", "1", "mirror", "--delete", &url, target.to_str().unwrap()]).run().await;
        played(&run, server).await;
        let left = snapshot(&target);
        assert!(
            left == vec![("a.txt".into(), b"hello".to_vec()), ("x.txt".into(), b"only here".to_vec())],
            "{left:?}\n{}",
            run.stderr
        );
        assert!(run.stderr.contains("deletes held back in 1 director"), "{}", run.stderr);
    })
    .await;
}

/// The same uploading, the second listing answered 421 (the server closes the connection):
/// x.txt, only on the server, is not deleted; a.txt goes up on a new connection.
#[tokio::test]
async fn a_failed_second_listing_holds_deletes_back_uploading() {
    within(async {
        let first = [
            login_mlst(),
            vec![e("TYPE I"), r("200 ok")],
            mlsd_d(MLSD_X),
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("MLSD d"), r("421 Closing"), Step::Close],
        ]
        .concat();
        let second = [
            login_mlst(),
            vec![e("TYPE I"), r("200 ok")],
            opened("STOR d/a.txt"),
            vec![Step::DataReceive, r("226 Stored"), e("SIZE d/a.txt"), r("213 5")],
            vec![Step::ExpectPrefix("SITE UTIME d/a.txt ".into()), r("500 Unknown SITE command")],
            vec![Step::ExpectPrefix("MDTM ".into()), r("550 Not allowed"), e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start_sessions(vec![first, second]).await;
        let work = tempfile::tempdir().unwrap();
        let local = work.path().join("d");
        write(&local.join("a.txt"), b"hello");
        let url = format!("{}/d", server.url());
        let run = pasv(["-j", "1", "mirror", "--delete", local.to_str().unwrap(), &url]).run().await;
        let transcript = played(&run, server).await;
        assert!(!transcript.commands.iter().any(|c| c.starts_with("DELE")), "{:?}", transcript.commands);
        assert_eq!(transcript.received_data, [b"hello".to_vec()]);
        assert!(run.stderr.contains("listing it again before deleting failed"), "{}", run.stderr);
        assert!(run.stderr.contains("copied 1 file"), "{}", run.stderr);
        assert!(run.stderr.contains("deletes held back in 1 director"), "{}", run.stderr);
    })
    .await;
}

/// `mirror --delete --exclude`: an entry only one side has that the filter leaves out is
/// never deleted, so it is no reason to list its directory a second time (the scripts allow
/// one MLSD of `d` each way).
#[tokio::test]
async fn entries_the_filter_leaves_out_do_not_make_delete_list_again() {
    within(async {
        let down = [
            login_mlst(),
            vec![e("TYPE I"), r("200 ok")],
            mlsd_d(MLSD_A),
            opened("RETR d/a.txt"),
            vec![Step::DataSend(b"hello".to_vec()), r("226 Done"), e("QUIT"), r("221 Bye")],
        ]
        .concat();
        let server = ScriptedServer::start(down).await;
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("t");
        write(&target.join("x.log"), b"only here");
        let url = format!("{}/d", server.url());
        let run =
            pasv(["-j", "1", "mirror", "--delete", "--exclude", "*.log", &url, target.to_str().unwrap()]).run().await;
        played(&run, server).await;
        assert_eq!(snapshot(&target), [("a.txt".into(), b"hello".to_vec()), ("x.log".into(), b"only here".to_vec())]);

        // Up: the server's x.log, left out, is all that differs.
        let x_log = "type=file;size=1;modify=20240101000000; x.log\r\n";
        let up = [login_mlst(), vec![e("TYPE I"), r("200 ok")], mlsd_d(x_log), vec![e("QUIT"), r("221 Bye")]].concat();
        let server = ScriptedServer::start(up).await;
        let local = work.path().join("d");
        std::fs::create_dir(&local).unwrap();
        let url = format!("{}/d", server.url());
        let run =
            pasv(["-j", "1", "mirror", "--delete", "--exclude", "*.log", local.to_str().unwrap(), &url]).run().await;
        played(&run, server).await;
    })
    .await;
}

/// A tree of what `mirror --delete --exclude '*.tmp' --exclude cache` must delete, under
/// `root`: `old/` (gone from the source) holds excluded entries (`notes.tmp`, `cache/c.bin`)
/// beside others (`a.txt`, `sub/b.txt`); `gone/` holds none; `x.tmp` sits at the top.
fn doomed_tree(root: &std::path::Path) {
    for rel in ["old/a.txt", "old/notes.tmp", "old/sub/b.txt", "old/cache/c.bin", "gone/d.txt", "gone/e/f.txt", "x.tmp"]
    {
        write(&root.join(rel), rel.as_bytes());
    }
}

/// What is left of [`doomed_tree`] after the mirror: only what the patterns exclude, and the
/// directories holding it; nothing excluded was deleted.
fn left_of_doomed_tree() -> Vec<String> {
    ["keep.txt", "old/cache/c.bin", "old/notes.tmp", "x.tmp"].map(String::from).to_vec()
}

/// `mirror --delete --exclude '*.tmp' --exclude cache` where the target (the server's copy
/// uploading, the local one downloading) holds [`doomed_tree`] and both sides `keep.txt`:
/// what is left of the target, checked against [`left_of_doomed_tree`].
async fn mirror_delete_excluded(up: bool) {
    let server = TestServer::start(true).await;
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("site");
    let target = if up { server.path("site") } else { local.clone() };
    doomed_tree(&target);
    write(&server.path("site/keep.txt"), b"same");
    write(&local.join("keep.txt"), b"same");
    let url = server.url("site");
    let (from, to) = if up { (local.to_str().unwrap(), url.as_str()) } else { (url.as_str(), local.to_str().unwrap()) };
    let run = pasv(["-j", "2", "mirror", "--delete", "--exclude", "*.tmp", "--exclude", "cache", from, to]).run().await;
    run.assert_code(0);
    let left: Vec<String> = snapshot(&target).into_iter().map(|(name, _)| name).collect();
    assert_eq!(left, left_of_doomed_tree(), "{}", run.stderr);
    assert!(!target.join("gone").exists() && !target.join("old/sub").exists(), "{}", run.stderr);
}

/// `mirror --delete --exclude` never deletes what it excludes in a directory that is itself
/// to be deleted: uploading, on the server. A directory left holding excluded entries stays;
/// one without any goes whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_up_delete_never_deletes_excluded_paths_in_doomed_directories() {
    within(mirror_delete_excluded(true)).await;
}

/// The same downloading, on the local disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_down_delete_never_deletes_excluded_paths_in_doomed_directories() {
    within(mirror_delete_excluded(false)).await;
}
