//! `pasv deploy`: content-based change detection through the state file, resuming a run that
//! was killed, bounded and protected deletes, and the CI recipes of the README, with the real
//! binary against the in-process server (and vsftpd for SITE CHMOD).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::support::daemons::{self, Daemon, Kind, Spec};
use crate::support::{Run, Running, TestServer, pasv, patterned, within};

const STATE: &str = ".pasv-deploy.json";
/// The deploy lock's directory in the target (beside the target: `www` + this without its dot).
const LOCK: &str = ".pasv-deploy.json.lock";

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// Every file under `root` by relative path, with its contents.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// The server's copy of the site: everything but the state file (a lock left there is not
/// left out: a run that ended leaves none).
fn published(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = tree(root);
    files.remove(STATE);
    files
}

/// The files of `files` that are not the deploy lock's (a killed run leaves it).
fn without_lock(mut files: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    files.retain(|rel, _| !rel.starts_with(&format!("{LOCK}/")));
    files
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

fn state(root: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(root.join(STATE)).expect("the state file")).expect("state JSON")
}

/// The commands pasv sent (from `-v`), e.g. "STOR www/a.html".
fn sent(run: &Run) -> Vec<String> {
    run.stderr.lines().filter_map(|l| l.strip_prefix("> ")).map(String::from).collect()
}

/// Commands of `verb` that were sent (state file writes left out).
fn sent_of(run: &Run, verb: &str) -> Vec<String> {
    sent(run)
        .into_iter()
        .filter(|c| c.starts_with(&format!("{verb} ")) && !c.contains(STATE))
        .map(|c| c[verb.len() + 1..].to_string())
        .collect()
}

/// The `i`th file of [`make_site`]: at the top, in css/ or in img/deep/.
fn page(i: usize) -> String {
    format!("{}file{i:03}.dat", ["", "css/", "img/deep/"][i % 3])
}

/// A small site: a few pages, a stylesheet, images in a subdirectory.
fn make_site(root: &Path, count: usize) {
    for i in 0..count {
        write(&root.join(page(i)), format!("content of file {i}\n").as_bytes());
    }
}

async fn deploy(source: &Path, url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["-v".to_string(), "deploy".to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(source.to_str().unwrap().to_string());
    args.push(url.to_string());
    pasv(args).run().await
}

struct Site {
    server: TestServer,
    work: tempfile::TempDir,
}

impl Site {
    async fn new() -> Self {
        Self { server: TestServer::start(true).await, work: tempfile::tempdir().unwrap() }
    }

    fn source(&self) -> PathBuf {
        self.work.path().join("public")
    }

    fn www(&self) -> PathBuf {
        self.server.path("www")
    }

    fn url(&self) -> String {
        self.server.url("www/")
    }

    async fn deploy(&self, extra: &[&str]) -> Run {
        deploy(&self.source(), &self.url(), extra).await
    }
}

/// A site wider than the descriptors a process may open (300 sibling directories, one file
/// each, under `ulimit -n 128`) is hashed whole: the scan does not hold every directory of a
/// level open at once.
#[tokio::test]
async fn a_wide_site_is_scanned_within_few_file_descriptors() {
    within(async {
        let site = Site::new().await;
        for i in 0..300 {
            write(&site.source().join(format!("posts/p{i:03}/index.html")), format!("post {i}").as_bytes());
        }
        // Run and waited for as every other: a hang is killed at 45 s and fails the test
        // (not a blocking thread the runtime would wait for past the test's time limit).
        let run =
            pasv(["deploy", "--dry-run", site.source().to_str().unwrap(), &site.url()]).open_files(128).run().await;
        run.assert_code(0);
        assert!(!run.stderr.contains("cannot read"), "{}", run.stderr);
        assert!(run.stdout.contains("p299/index.html"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn a_first_deploy_uploads_everything_and_writes_the_state() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 12);
        std::fs::create_dir_all(site.source().join("empty")).unwrap();
        write(&site.source().join("with space/ünïcödé page.html"), "ü\n".as_bytes());
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert!(site.www().join("empty").is_dir());
        assert!(run.stderr.contains("no state file"), "{}", run.stderr);
        // A new target holds no site yet: each file straight to its name (the state marks it
        // pending until the server confirmed its size).
        assert_eq!(sent_of(&run, "STOR").len(), 13);
        assert!(sent_of(&run, "STOR").iter().all(|p| !p.ends_with(".pasv-part")), "{:?}", sent_of(&run, "STOR"));
        // Where something is already, each under a temporary name first, renamed once its
        // size matched.
        write(&site.server.path("www2/old.html"), b"a site without a state file\n");
        let run = deploy(&site.source(), &site.server.url("www2/"), &[]).await;
        run.assert_code(0);
        assert_eq!(sent_of(&run, "STOR").len(), 13);
        assert!(sent_of(&run, "STOR").iter().all(|p| p.ends_with(".pasv-part")), "{:?}", sent_of(&run, "STOR"));
        let state = state(&site.www());
        assert_eq!(state["format"], "pasv-deploy");
        assert_eq!(state["version"], 1);
        assert_eq!(state["source"], "public");
        assert_eq!(state["complete"], true);
        let files = state["files"].as_object().unwrap();
        assert_eq!(files.len(), 13);
        assert!(files.contains_key("with space/ünïcödé page.html"));
        let css = &files["css/file001.dat"];
        assert_eq!(css["size"], 18);
        assert_eq!(css["sha256"], sha256(b"content of file 1\n").as_str());
    })
    .await;
}

#[tokio::test]
async fn a_redeploy_of_the_same_content_sends_nothing_even_with_new_mtimes() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 9);
        site.deploy(&[]).await.assert_code(0);
        let before: Vec<SystemTime> = published(&site.www()).keys().map(|f| mtime(&site.www().join(f))).collect();
        let state_before = std::fs::read(site.www().join(STATE)).unwrap();

        let run = site.deploy(&[]).await;
        run.assert_code(0);
        let commands = sent(&run);
        for verb in ["STOR", "MLSD", "LIST", "DELE", "RNFR", "MKD"] {
            assert!(!commands.iter().any(|c| c.starts_with(verb)), "{verb} sent: {commands:?}");
        }
        assert!(run.stderr.contains("0 file(s)") && run.stderr.contains("9 unchanged"), "{}", run.stderr);

        // A fresh checkout: every local time new, the same bytes.
        let later = SystemTime::now() + Duration::from_secs(3600);
        for file in tree(&site.source()).keys() {
            std::fs::File::options().write(true).open(site.source().join(file)).unwrap().set_modified(later).unwrap();
        }
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert!(sent_of(&run, "STOR").is_empty(), "{:?}", sent(&run));
        let after: Vec<SystemTime> = published(&site.www()).keys().map(|f| mtime(&site.www().join(f))).collect();
        assert_eq!(before, after, "the server's files were not touched");
        assert_eq!(std::fs::read(site.www().join(STATE)).unwrap(), state_before, "nor the state file");
    })
    .await;
}

#[tokio::test]
async fn three_changed_and_one_removed_are_exactly_what_is_sent() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 20);
        site.deploy(&[]).await.assert_code(0);
        for i in [0, 4, 8] {
            write(&site.source().join(page(i)), b"changed\n");
        }
        std::fs::remove_file(site.source().join("css/file010.dat")).unwrap();

        let run = site.deploy(&[]).await;
        run.assert_code(0);
        let mut stored = sent_of(&run, "STOR");
        stored.sort();
        assert_eq!(
            stored,
            ["www/.file000.dat.pasv-part", "www/css/.file004.dat.pasv-part", "www/img/deep/.file008.dat.pasv-part"]
        );
        assert_eq!(sent_of(&run, "DELE"), ["www/css/file010.dat"]);
        // The directories where something changes, each listed once (most while the source
        // was still being scanned), and no other.
        let mut listed: Vec<String> = ["MLSD", "LIST"].iter().flat_map(|verb| sent_of(&run, verb)).collect();
        listed.sort();
        assert_eq!(listed, ["www", "www/css", "www/img/deep"]);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert!(run.stderr.contains("copied 3 file(s)") && run.stderr.contains("1 deleted"), "{}", run.stderr);
        let state = state(&site.www());
        assert!(state["files"].get("css/file010.dat").is_none());
        assert!(state.get("pending").is_none(), "{state}");
    })
    .await;
}

/// A redeploy of a few changed files to a far server (here: slow uploads, `--limit-rate`)
/// does not send them one after another on one session: once the first shows that each takes
/// far longer than a login, the rest go up on more sessions. Near the server (every other
/// test here) a few files stay on one session.
#[tokio::test]
async fn a_few_slow_uploads_go_up_on_several_sessions() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 12);
        site.deploy(&[]).await.assert_code(0);
        // 60 KB at 100K: 0.6 s each, against a login of a few milliseconds.
        for i in [0, 3, 6, 9] {
            write(&site.source().join(page(i)), &patterned(60_000));
        }
        let run = site.deploy(&["-j", "4", "--limit-rate", "100K"]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("copied 4 file(s)"), "{}", run.stderr);
        let sessions = run.stderr.matches("* connected to").count();
        assert!(sessions >= 2, "the uploads stayed on {sessions} session(s):\n{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert!(state(&site.www()).get("pending").is_none());
    })
    .await;
}

/// The site the kill test publishes: `version` 1 or 2 (2 changes two thirds of the files,
/// removes some and adds some). Files are 20-60 KiB, so a rate limit makes a run last long
/// enough to be cut anywhere.
fn versioned_site(root: &Path, version: u32) {
    let _ = std::fs::remove_dir_all(root);
    for i in 0..45u32 {
        if version == 2 && i % 9 == 4 {
            continue;
        }
        let size = 20_000 + (i as usize * 997) % 40_000;
        let mut data = patterned(size);
        if version == 2 && i % 3 != 0 {
            data[size / 2] ^= 0x5a;
            data.extend_from_slice(b"v2");
        }
        write(&root.join(format!("d{}/f{i:02}.bin", i % 4)), &data);
    }
    if version == 2 {
        for i in 0..5 {
            write(&root.join(format!("new/n{i}.txt")), format!("new {i}\n").as_bytes());
        }
    }
}

/// Kills a deploy at points chosen by `seed` and checks, each time, that the site holds only
/// whole files and that the state says nothing false; then a rerun completes the site and the
/// next one has nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_deploy_leaves_whole_files_and_a_state_the_rerun_trusts() {
    within(async {
        for seed in 0..6u64 {
            // Seeds 3 to 5 with --atomic: killed while staging, or in the burst of renames.
            let atomic = seed >= 3;
            let flags: &[&str] = if atomic { &["--atomic"] } else { &[] };
            let site = Site::new().await;
            // Another checkout of the same tree (the same directory name).
            let v1 = site.work.path().join("v1/public");
            versioned_site(&v1, 1);
            deploy(&v1, &site.url(), &[]).await.assert_code(0);
            let v1_files = published(&site.www());
            versioned_site(&site.source(), 2);
            let v2_files = tree(&site.source());

            // v2's new content: 30 files changed or added.
            let changed: BTreeMap<&String, &Vec<u8>> =
                v2_files.iter().filter(|(k, v)| v1_files.get(*k) != Some(*v)).collect();
            assert_eq!(changed.len(), 30);
            // Kill once `wait` of them are in place (0: at once), two runs in a row; the second
            // removes the lock the first left (a killed run leaves it). At 500K the files not
            // yet in place (at least 17, most 20-60 KB) take a second or more: the kill comes
            // before the end on a busy machine too.
            for round in 0..2u64 {
                let wait = ((seed * 7 + round * 5) % 14) as usize;
                let mut args = vec!["deploy", "--break-lock", "-j", "2", "--limit-rate", "500K"];
                args.extend(flags);
                let running = pasv(args.into_iter().chain([site.source().to_str().unwrap(), &site.url()])).spawn();
                // Staged files count too: an --atomic run is killed while it stages.
                let in_place = || {
                    published(&site.www())
                        .iter()
                        .filter(|(k, v)| {
                            changed.get(*k) == Some(v) || staged(k).is_some_and(|k| changed.get(&k) == Some(v))
                        })
                        .count()
                };
                let what = format!("seed {seed}, round {round}: {wait} changed file(s) in place");
                kill_when(running, &what, || in_place() >= wait).await;
                check_consistent(&site.www(), &v1_files, &v2_files, seed);
            }
            // The rerun sends exactly what the state does not record as v2's already.
            let recorded = state(&site.www());
            let missing = v2_files
                .iter()
                .filter(|(rel, data)| {
                    recorded["files"].get(rel.as_str()).map(|r| r["sha256"].clone()) != Some(Value::from(sha256(data)))
                })
                .count();
            let run = site.deploy(&[flags, &["--break-lock"]].concat()).await;
            run.assert_code(0);
            assert!(!run.stderr.contains("no state file") && !run.stderr.contains("cannot be used"), "{}", run.stderr);
            let sent = sent_of(&run, "STOR").len();
            if atomic {
                // Files staged whole are only renamed.
                assert!(sent <= missing, "seed {seed}: {sent} sent, {missing} missing: {}", run.stderr);
            } else {
                assert_eq!(sent, missing, "seed {seed}: {}", run.stderr);
            }
            let differ = differences(&published(&site.www()), &v2_files);
            assert!(differ.is_empty(), "seed {seed}: the site is not v2 exactly: {differ:?}\n{}", run.stderr);
            let again = site.deploy(&[]).await;
            again.assert_code(0);
            assert!(sent_of(&again, "STOR").is_empty() && sent_of(&again, "DELE").is_empty(), "{}", again.stderr);
        }
    })
    .await;
}

/// The path a file of the staging directory (`--atomic`) will take.
fn staged(rel: &str) -> Option<String> {
    rel.strip_prefix(".pasv-deploy-staging/").map(String::from)
}

/// The paths where two trees differ.
fn differences(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

/// Every file under a real name is whole (v1's or v2's content), and every file the state
/// records is on the server with exactly the recorded content.
fn check_consistent(www: &Path, v1: &BTreeMap<String, Vec<u8>>, v2: &BTreeMap<String, Vec<u8>>, seed: u64) {
    let files = without_lock(published(www));
    for (rel, data) in &files {
        if rel.rsplit('/').next().unwrap().ends_with(".pasv-part") || staged(rel).is_some() {
            continue;
        }
        assert!(v1.get(rel) == Some(data) || v2.get(rel) == Some(data), "seed {seed}: {rel} is not whole");
    }
    let Ok(bytes) = std::fs::read(www.join(STATE)) else { return };
    let state: Value = serde_json::from_slice(&bytes).expect("the state file is always whole JSON");
    for (rel, record) in state["files"].as_object().unwrap() {
        let data = files.get(rel).unwrap_or_else(|| panic!("seed {seed}: the state lists {rel}, the server lacks it"));
        assert_eq!(record["sha256"], sha256(data).as_str(), "seed {seed}: the state is wrong about {rel}");
    }
    // A staged file is whole in the staging directory, or already renamed into place.
    for (rel, record) in state.get("staged").and_then(Value::as_object).into_iter().flatten() {
        let there = [files.get(&format!(".pasv-deploy-staging/{rel}")), files.get(rel)];
        assert!(
            there.iter().flatten().any(|data| record["sha256"] == sha256(data).as_str()),
            "seed {seed}: the state is wrong about staged {rel}"
        );
    }
}

#[tokio::test]
async fn max_delete_stops_before_changing_anything() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 30);
        site.deploy(&[]).await.assert_code(0);
        let before = published(&site.www());
        for i in 0..20 {
            std::fs::remove_file(site.source().join(page(i))).unwrap();
        }
        write(&site.source().join("file029.dat"), b"changed too\n");

        let run = site.deploy(&[]).await;
        run.assert_code(1);
        assert!(run.stderr.contains("would delete 20 of the 30 files"), "{}", run.stderr);
        assert!(run.stderr.contains("stopped before changing anything"), "{}", run.stderr);
        assert!(sent_of(&run, "STOR").is_empty() && sent_of(&run, "DELE").is_empty(), "{:?}", sent(&run));
        assert_eq!(published(&site.www()), before);

        // A dry run shows the plan all the same, and fails the same way.
        let run = site.deploy(&["--dry-run"]).await;
        run.assert_code(1);
        assert_eq!(run.stdout.lines().filter(|l| l.starts_with("delete ")).count(), 20, "{}", run.stdout);
        assert!(run.stderr.contains("would delete 20 of the 30 files"), "{}", run.stderr);

        let run = site.deploy(&["--max-delete", "19"]).await;
        run.assert_code(1);
        assert!(run.stderr.contains("--max-delete 19"), "{}", run.stderr);
        let run = site.deploy(&["--max-delete", "70%"]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));

        // An empty build never wipes a site, however small, unless --max-delete says so.
        for rel in tree(&site.source()).keys() {
            std::fs::remove_file(site.source().join(rel)).unwrap();
        }
        let run = site.deploy(&[]).await;
        run.assert_code(1);
        assert!(run.stderr.contains("would delete 11 of the 11 files"), "{}", run.stderr);
        assert_eq!(published(&site.www()).len(), 11);
    })
    .await;
}

#[tokio::test]
async fn protected_paths_and_well_known_are_never_deleted_nor_overwritten() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 3);
        write(&site.source().join(".well-known/security.txt"), b"Contact: a@example.org\n");
        write(&site.source().join("config.php"), b"<?php // from the build\n");
        site.deploy(&[]).await.assert_code(0);
        // The hosting adds its own files; the site's admin edits the configuration.
        write(&site.www().join(".well-known/acme-challenge/token"), b"acme\n");
        write(&site.www().join("config.php"), b"<?php // edited on the server\n");

        std::fs::remove_dir_all(site.source().join(".well-known")).unwrap();
        write(&site.source().join("config.php"), b"<?php // changed in the build\n");
        std::fs::remove_file(site.source().join("file000.dat")).unwrap();
        let run = site.deploy(&["--protect", "*.php"]).await;
        run.assert_code(0);
        assert_eq!(sent_of(&run, "DELE"), ["www/file000.dat"]);
        assert!(sent_of(&run, "STOR").is_empty(), "{:?}", sent(&run));
        assert_eq!(std::fs::read(site.www().join("config.php")).unwrap(), b"<?php // edited on the server\n");
        assert!(site.www().join(".well-known/security.txt").is_file());
        assert!(site.www().join(".well-known/acme-challenge/token").is_file());
        assert!(run.stderr.contains("protected, left as they are"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn a_missing_or_unusable_state_deletes_nothing_and_says_so() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 12);
        site.deploy(&[]).await.assert_code(0);
        for i in 0..6 {
            std::fs::remove_file(site.source().join(page(i))).unwrap();
        }
        let removed = ["file000.dat", "css/file001.dat", "img/deep/file002.dat"];

        std::fs::remove_file(site.www().join(STATE)).unwrap();
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("no state file (.pasv-deploy.json)"), "{}", run.stderr);
        assert!(run.stderr.contains("6 path(s) on the server are not in the source and were not deleted"), "{}", run.stderr);
        assert!(sent_of(&run, "DELE").is_empty());
        for rel in removed {
            assert!(site.www().join(rel).is_file(), "{rel}");
        }

        // Unreadable, and one that names a path outside the target: the same.
        for text in [
            "{not json".to_string(),
            format!(
                r#"{{"format":"pasv-deploy","version":1,"source":"public","files":{{"../outside":{{"sha256":"{}","size":1}}}}}}"#,
                "0".repeat(64)
            ),
        ] {
            write(&site.www().join(STATE), text.as_bytes());
            write(&site.server.path("outside"), b"not pasv's\n");
            let run = site.deploy(&[]).await;
            run.assert_code(0);
            assert!(run.stderr.contains("cannot be used") && run.stderr.contains("nothing is deleted"), "{}", run.stderr);
            assert!(sent_of(&run, "DELE").is_empty(), "{:?}", sent(&run));
            assert!(site.server.path("outside").is_file());
        }
        // Another tree's state.
        let other = site.work.path().join("other");
        make_site(&other, 1);
        let run = deploy(&other, &site.url(), &[]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("belongs to another source tree"), "{}", run.stderr);
        assert!(sent_of(&run, "DELE").is_empty());
    })
    .await;
}

#[tokio::test]
async fn adopt_keeps_the_files_already_there_that_match() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 10);
        // The site as another tool left it, one file out of date.
        for (rel, data) in tree(&site.source()) {
            write(&site.www().join(rel), &data);
        }
        write(&site.www().join("css/file004.dat"), b"old\n");
        let run = site.deploy(&["--adopt"]).await;
        run.assert_code(0);
        assert_eq!(sent_of(&run, "STOR"), ["www/css/.file004.dat.pasv-part"]);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert_eq!(state(&site.www())["files"].as_object().unwrap().len(), 10);
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert!(sent_of(&run, "STOR").is_empty());
    })
    .await;
}

#[tokio::test]
async fn dry_run_json_prints_the_plan_and_changes_nothing() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        site.deploy(&[]).await.assert_code(0);
        write(&site.source().join("file000.dat"), b"twelve bytes");
        write(&site.source().join("added/new.txt"), b"new\n");
        std::fs::remove_file(site.source().join("css/file001.dat")).unwrap();
        let before = tree(&site.www());

        let run = pasv(["--json", "deploy", "--dry-run", site.source().to_str().unwrap(), &site.url()]).run().await;
        run.assert_code(0);
        assert_eq!(tree(&site.www()), before);
        let lines: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let plan = &lines[0];
        assert_eq!(plan["action"], "plan");
        assert_eq!(plan["state"], "trusted");
        assert_eq!(
            plan["uploads"],
            serde_json::json!([
                {"path": "added/new.txt", "bytes": 4, "reason": "new"},
                {"path": "file000.dat", "bytes": 12, "reason": "changed"},
            ])
        );
        assert_eq!(plan["deletes"], serde_json::json!(["css/file001.dat"]));
        assert_eq!(plan["mkdirs"], serde_json::json!(["added"]));
        assert_eq!(plan["unchanged"], 4);
        assert_eq!(plan["bytes"], 16);
        assert_eq!(lines[1]["action"], "summary");
        assert_eq!(lines[1]["dry_run"], true);

        let text = pasv(["deploy", "--dry-run", site.source().to_str().unwrap(), &site.url()]).run().await;
        text.assert_code(0);
        assert!(text.stdout.contains("upload file000.dat (12 B, changed)"), "{}", text.stdout);
        assert!(text.stdout.contains("delete css/file001.dat"), "{}", text.stdout);
        assert!(text.stderr.contains("2 to upload (16 B), 1 to delete, 4 unchanged"), "{}", text.stderr);
    })
    .await;
}

#[tokio::test]
async fn atomic_switches_in_one_burst_and_leaves_no_temporaries() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 12);
        site.deploy(&[]).await.assert_code(0);
        for i in [1, 2, 3, 7] {
            write(&site.source().join(page(i)), format!("version 2 of {i}\n").as_bytes());
        }
        write(&site.source().join("brand/new.txt"), b"new\n");
        let run = site.deploy(&["--atomic"]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
        let commands = sent(&run);
        let last_store = commands.iter().rposition(|c| c.starts_with("STOR") && !c.contains(STATE)).unwrap();
        let renames: Vec<usize> = commands
            .iter()
            .enumerate()
            .filter(|(_, c)| c.starts_with("RNTO") && !c.contains(STATE))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(renames.len(), 5, "{commands:?}");
        assert!(renames[0] > last_store, "every rename after every upload: {commands:?}");
        assert!(!site.www().join(".pasv-deploy-staging").exists());
        assert!(published(&site.www()).keys().all(|k| !k.ends_with(".pasv-part")));
        assert!(run.stderr.contains("renamed 5 of 5 file(s) into place"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn drift_is_reported_and_fixed_and_verify_remote_finds_it_anywhere() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 9);
        site.deploy(&[]).await.assert_code(0);
        // Someone edits two files on the server; the build changes a third, in the first's
        // directory (which the next run lists).
        write(&site.www().join("css/file001.dat"), b"edited on the server\n");
        write(&site.www().join("img/deep/file002.dat"), b"edited too\n");
        write(&site.source().join("css/file004.dat"), b"changed\n");
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("pasv: drift: css/file001.dat"), "{}", run.stderr);
        let mut stored = sent_of(&run, "STOR");
        stored.sort();
        assert_eq!(stored, ["www/css/.file001.dat.pasv-part", "www/css/.file004.dat.pasv-part"]);
        // The other directory was not listed; --verify-remote looks everywhere.
        let run = site.deploy(&["--verify-remote"]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("pasv: drift: img/deep/file002.dat"), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()));
    })
    .await;
}

#[tokio::test]
async fn chmod_on_a_server_without_site_chmod_says_so() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 4);
        let run = site.deploy(&["--chmod", "640,750"]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
        let notes = run.stderr.matches("does not support SITE CHMOD").count();
        assert_eq!(notes, 1, "{}", run.stderr);
        assert_eq!(sent(&run).iter().filter(|c| c.starts_with("SITE CHMOD")).count(), 1, "asked once");
        let bad = site.deploy(&["--chmod", "rw-r--r--"]).await;
        bad.assert_code(2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chmod_sets_modes_where_the_server_has_site_chmod() {
    let daemon = match tokio::task::spawn_blocking(|| Daemon::start(Spec::plain(Kind::Vsftpd))).await.unwrap() {
        Ok(daemon) => daemon,
        Err(why) => return daemons::unavailable("vsftpd", &why),
    };
    within(async {
        use std::os::unix::fs::PermissionsExt as _;
        let work = tempfile::tempdir().unwrap();
        let source = work.path().join("public");
        make_site(&source, 6);
        write(&source.join(".htaccess"), b"Options -Indexes\n");
        let url = daemon.url(true, "www/");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let run = deploy(&source, &url, &["--chmod", "640,750"]).await;
        run.assert_code(0);
        let www = daemon.root.join("www");
        assert_eq!(published(&www), tree(&source));
        for file in tree(&source).keys() {
            assert_eq!(mode(&www.join(file)), 0o640, "{file}");
        }
        assert_eq!(mode(&www.join("img/deep")), 0o750);
        // vsftpd lists no dot files: .htaccess is found by SIZE, not uploaded again.
        let run = deploy(&source, &url, &["--chmod", "640,750"]).await;
        run.assert_code(0);
        assert!(sent(&run).iter().all(|c| !c.starts_with("SITE CHMOD") && !c.starts_with("STOR")), "{}", run.stderr);
        // Another mode: set, nothing uploaded.
        let run = deploy(&source, &url, &["--chmod", "604"]).await;
        run.assert_code(0);
        assert!(sent_of(&run, "STOR").is_empty(), "{}", run.stderr);
        assert_eq!(mode(&www.join("css/file001.dat")), 0o604);
    })
    .await;
}

#[tokio::test]
async fn the_state_file_holds_no_secret() {
    within(async {
        const PASSWORD: &str = "s3cret-Deploy-pw";
        let server = TestServer::start_with(|o| {
            o.writable = true;
            o.login = Some(("deployer".into(), PASSWORD.into()));
        })
        .await;
        let work = tempfile::tempdir().unwrap();
        make_site(&work.path().join("public"), 3);
        let url = format!("{}/www/", server.server.url().replace("ftp://", &format!("ftp://deployer:{PASSWORD}@")));
        let run = pasv(["deploy", work.path().join("public").to_str().unwrap(), &url]).run().await;
        run.assert_code(0);
        let text = std::fs::read_to_string(server.path("www").join(STATE)).unwrap();
        let port = server.server.addr().port().to_string();
        for secret in [PASSWORD, "deployer", "127.0.0.1", port.as_str(), "ftp://"] {
            assert!(!text.contains(secret), "{secret:?} in the state file: {text}");
        }
        assert!(!run.stderr.contains(PASSWORD) && !run.stdout.contains(PASSWORD));
    })
    .await;
}

/// A password login leaves no trace of the password in anything a deploy writes: what it
/// says (plain, `--json`, `--release-dir --json`, `--rollback --json`, a run stopped by a held
/// lock) names at most the URL with the password masked; the lock's owner file while a run
/// holds it and the state files name neither the password nor the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_login_appears_nowhere_a_deploy_writes() {
    use crate::support::faults::{FaultProxy, Faults};
    within(async {
        // With characters a URL carries percent-encoded: neither form may show.
        const PASSWORD: &str = "Pw:4711@deploy-s3cret";
        const ENCODED: &str = "Pw%3A4711%40deploy-s3cret";
        const SECRETS: [&str; 3] = [PASSWORD, ENCODED, "deployer"];
        let server = TestServer::start_with(|o| {
            o.writable = true;
            o.login = Some(("deployer".into(), PASSWORD.into()));
        })
        .await;
        let with_login = |base: &str, path: &str| {
            format!("{}/{path}", base.replace("ftp://", &format!("ftp://deployer:{ENCODED}@")))
        };
        let (www, releases) = (with_login(&server.server.url(), "www/"), with_login(&server.server.url(), "site/"));
        let work = tempfile::tempdir().unwrap();
        let source = work.path().join("public");
        let src = source.to_str().unwrap();
        let clean = |what: &str, text: &str| {
            for secret in SECRETS {
                assert!(!text.contains(secret), "{secret:?} in {what}:\n{text}");
            }
        };
        // What a run says may name the URL's user, with the password masked, and nothing more.
        let said = |what: &str, run: &Run| {
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                for secret in [PASSWORD, ENCODED] {
                    assert!(!text.contains(secret), "{secret:?} in {what}: {stream}:\n{text}");
                }
                let masked = text.matches("ftp://deployer:****@").count();
                assert_eq!(text.matches("deployer").count(), masked, "the user unmasked in {what}: {stream}:\n{text}");
            }
        };

        make_site(&source, 4);
        let run = pasv(["deploy", src, &www]).run().await;
        said("a plain deploy", run.assert_code(0));
        write(&source.join(page(0)), b"version 2\n");
        let run = pasv(["--json", "deploy", src, &www]).run().await;
        said("a --json deploy", run.assert_code(0));
        assert!(run.stdout.contains("file000.dat"), "{}", run.stdout);
        clean("the state file", &std::fs::read_to_string(server.path("www").join(STATE)).unwrap());

        for round in 0..2 {
            write(&source.join(page(1)), format!("release {round}\n").as_bytes());
            let run = pasv(["--json", "deploy", "--release-dir", src, &releases]).run().await;
            said("a --release-dir --json deploy", run.assert_code(0));
            assert!(run.stdout.contains("\"rename\""), "{}", run.stdout);
        }
        for dir in ["site", "site.pasv-previous"] {
            let state = std::fs::read_to_string(server.path(dir).join(STATE)).unwrap();
            clean(&format!("the release state file in {dir}"), &state);
        }
        let run = pasv(["--json", "deploy", "--rollback", &releases]).run().await;
        said("a --rollback --json", run.assert_code(0));
        assert!(run.stdout.contains("\"rename\""), "{}", run.stdout);

        // Stopped by a lock another run holds.
        let owner = server.path("www").join(LOCK).join("owner");
        write(&owner, OTHER_OWNER);
        write(&source.join(page(2)), b"version 3\n");
        let run = pasv(["deploy", src, &www]).run().await;
        run.assert_code(1);
        assert!(run.stderr.contains("another deploy holds the lock"), "{}", run.stderr);
        said("a run stopped by a held lock", &run);
        std::fs::remove_dir_all(server.path("www").join(LOCK)).unwrap();

        // The owner file of this run's own lock, read while the run holds it (its removal
        // held at the proxy).
        let proxy = FaultProxy::start(server.server.addr(), Faults::NONE).await;
        proxy.hold("DELE www/.pasv-deploy.json.lock/owner");
        let running = pasv(["-v", "deploy", src, &with_login(&proxy.url(), "www/")]).spawn();
        let running = wait_for(running, "the lock's owner file removed", || proxy.holding()).await;
        let held = std::fs::read_to_string(&owner).expect("the owner file of the run under way");
        assert!(held.contains("\"pid\""), "{held}");
        clean("the lock's owner file", &held);
        proxy.release();
        let run = running.finish().await;
        run.assert_code(0);
        // -v traces the commands: the USER line names the user, the password never shows.
        for secret in [PASSWORD, ENCODED] {
            assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret), "{secret:?}: {}", run.stderr);
        }
        assert!(run.stderr.contains("> PASS "), "the trace shows the PASS line, masked: {}", run.stderr);
        assert!(!owner.exists(), "{}", run.stderr);
        clean("the state file", &std::fs::read_to_string(server.path("www").join(STATE)).unwrap());
    })
    .await;
}

/// The README's CI jobs (GitHub Actions and GitLab CI): every `pasv deploy` line of their
/// YAML, run as the CI would run it (sh, secrets in the environment, CI=true) against a local
/// FTPS server whose key is pinned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_ci_jobs_run_as_written() {
    within(async {
        let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
        let jobs = ci_commands(&readme);
        let names: Vec<&str> = jobs.iter().map(|(system, _)| system.as_str()).collect();
        assert_eq!(names, ["GitHub Actions", "GitHub Actions", "GitLab CI", "GitLab CI"], "{jobs:?}");
        const PASSWORD: &str = "from-the-secret-store";
        let server = TestServer::start_with(|o| {
            o.writable = true;
            o.tls = true;
            o.login = Some(("ci".into(), PASSWORD.into()));
        })
        .await;
        std::fs::create_dir_all(server.path("www")).unwrap();
        let pin = server.server.certificate().unwrap().pin.clone();
        let checkout = tempfile::tempdir().unwrap();
        make_site(&checkout.path().join("public"), 5);
        let home = tempfile::tempdir().unwrap();
        let bin = Path::new(env!("CARGO_BIN_EXE_pasv")).parent().unwrap().to_path_buf();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        for (i, (system, command)) in jobs.iter().enumerate() {
            let dry_run = command.contains("--dry-run");
            let before = tree(&server.path("www"));
            let command = command.clone();
            let (env_home, env_path, pin, port) =
                (home.path().to_path_buf(), path.clone(), pin.clone(), server.server.addr().port());
            let dir = checkout.path().to_path_buf();
            let out = tokio::task::spawn_blocking(move || {
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(&command)
                    .current_dir(dir)
                    .env_clear()
                    .env("PATH", env_path)
                    .env("HOME", &env_home)
                    .env("XDG_CONFIG_HOME", env_home.join(".config"))
                    .env("XDG_DATA_HOME", env_home.join(".local/share"))
                    .env("NETRC", env_home.join(".netrc"))
                    .env("CI", "true")
                    .env("FTP_HOST", format!("127.0.0.1:{port}"))
                    .env("FTP_USER", "ci")
                    .env("FTP_PASSWORD", PASSWORD)
                    .env("FTP_PIN", pin)
                    .output()
                    .unwrap()
            })
            .await
            .unwrap();
            let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "{system} job {i} failed:\n{stdout}\n{stderr}");
            assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
            if dry_run {
                assert_eq!(tree(&server.path("www")), before, "{system}: a dry run changed the server");
                if i == 0 {
                    assert!(stdout.contains("upload file000.dat"), "{stdout}");
                }
            } else {
                assert_eq!(published(&server.path("www")), tree(&checkout.path().join("public")));
            }
        }
    })
    .await;
}

/// The `pasv deploy` command lines of the README's "GitHub Actions" and "GitLab CI" YAML
/// blocks, each with the name of its CI system.
fn ci_commands(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut system = None;
    let mut in_yaml = false;
    for line in readme.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            system = ["GitHub Actions", "GitLab CI"].into_iter().find(|s| heading.contains(s)).map(String::from);
        }
        if line.trim_start().starts_with("```") {
            in_yaml = line.trim() == "```yaml";
            continue;
        }
        if let (true, Some(system), Some(at)) = (in_yaml, &system, line.find("pasv deploy")) {
            out.push((system.clone(), line[at..].to_string()));
        }
    }
    out
}

#[tokio::test]
async fn exclude_and_json_events_work_as_for_mirror() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 4);
        write(&site.source().join("css/site.css.map"), b"{}\n");
        let run =
            pasv(["--json", "deploy", "--exclude", "*.map", site.source().to_str().unwrap(), &site.url()]).run().await;
        run.assert_code(0);
        let events: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let mut put: Vec<&str> =
            events.iter().filter(|e| e["action"] == "put").map(|e| e["path"].as_str().unwrap()).collect();
        put.sort();
        assert_eq!(put, ["css/file001.dat", "file000.dat", "file003.dat", "img/deep/file002.dat"]);
        let summary = events.last().unwrap();
        assert_eq!((summary["action"].as_str(), summary["operation"].as_str()), (Some("summary"), Some("deploy")));
        assert_eq!(summary["files"], 4);
        assert!(!site.www().join("css/site.css.map").exists());
        // Without the exclusion the map goes up; excluded again and gone from the source, it stays.
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert_eq!(sent_of(&run, "STOR"), ["www/css/.site.css.map.pasv-part"]);
        std::fs::remove_file(site.source().join("css/site.css.map")).unwrap();
        let run = site.deploy(&["--exclude", "*.map"]).await;
        run.assert_code(0);
        assert!(sent_of(&run, "DELE").is_empty(), "{}", run.stderr);
        assert!(site.www().join("css/site.css.map").is_file());
    })
    .await;
}

/// The names beside the site in the server's root (the site's own and its releases').
fn siblings(site: &Site) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.server.root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The one sibling whose name starts with `prefix`.
fn sibling(site: &Site, prefix: &str) -> PathBuf {
    let found: Vec<String> = siblings(site).into_iter().filter(|n| n.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "{prefix}: {:?}", siblings(site));
    site.server.path(&found[0])
}

/// `--json` rename events: (from, to, step).
fn renames(run: &Run) -> Vec<(String, String, String)> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "rename")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("from"), s("to"), s("step"))
        })
        .collect()
}

#[tokio::test]
async fn release_dir_uploads_whole_releases_and_switches_them_in_with_renames() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 9);
        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert_eq!(siblings(&site), ["www"]);
        let state = state(&site.www());
        assert_eq!((state["complete"].clone(), state["files"].as_object().unwrap().len()), (Value::from(true), 9));
        // Straight to their names in the release (nothing there is the site yet), and the
        // server's ability to rename a directory checked first, with a probe.
        let stored = sent_of(&run, "STOR");
        assert_eq!(stored.len(), 9, "{stored:?}");
        assert!(stored.iter().all(|p| p.starts_with("www.pasv-release-") && !p.ends_with(".pasv-part")), "{stored:?}");
        let commands = sent(&run);
        let position = |prefix: &str| commands.iter().position(|c| c.starts_with(prefix)).unwrap();
        assert!(position("RNFR www.pasv-probe-") < position("STOR www.pasv-release-"), "{commands:?}");
        // The deploy lock beside the site, taken first and removed at the end.
        assert!(position("MKD www.pasv-deploy.json.lock") < position("MKD www.pasv-probe-"), "{commands:?}");
        // Last before the sessions' QUITs (one, or one per session where the uploads were slow
        // enough, on a busy machine, to go on several).
        let last = commands.iter().rev().find(|c| *c != "QUIT");
        assert_eq!(last.map(String::as_str), Some("RMD www.pasv-deploy.json.lock"), "{commands:?}");
        let switch = commands.iter().rposition(|c| c.starts_with("RNTO www")).unwrap();
        assert!(commands[switch].starts_with("RNTO www") && commands[switch].ends_with("www"), "{commands:?}");
        assert!(switch > commands.iter().rposition(|c| c.starts_with("STOR")).unwrap(), "{commands:?}");
        let v1 = published(&site.www());

        // The plan of the next one: renames, and nothing changes.
        write(&site.source().join(page(0)), b"version 2\n");
        let before = tree(site.server.root.path());
        let run =
            pasv(["--json", "deploy", "--dry-run", "--release-dir", site.source().to_str().unwrap(), &site.url()])
                .run()
                .await;
        run.assert_code(0);
        assert_eq!(tree(site.server.root.path()), before);
        let plan: Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(plan["uploads"].as_array().unwrap().len(), 9, "the whole source: {plan}");
        let steps: Vec<&str> =
            plan["release"]["renames"].as_array().unwrap().iter().map(|r| r["step"].as_str().unwrap()).collect();
        assert_eq!(steps, ["previous", "switch"]);
        let text =
            pasv(["deploy", "--dry-run", "--release-dir", site.source().to_str().unwrap(), &site.url()]).run().await;
        assert!(text.stdout.contains("rename www -> www.pasv-previous (kept for --rollback)"), "{}", text.stdout);

        // The second keeps the first as the previous release.
        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert_eq!(published(&site.server.path("www.pasv-previous")), v1);
        assert_eq!(sent_of(&run, "STOR").len(), 9);
        assert!(run.stderr.contains("renamed www -> www.pasv-previous"), "{}", run.stderr);
        let v2 = published(&site.www());

        // The hosting adds a token to the site, someone drops a file in it.
        write(&site.www().join(".well-known/acme-challenge/token"), b"acme\n");
        write(&site.www().join("stray.txt"), b"not pasv's\n");
        write(&site.source().join(page(1)), b"version 3\n");
        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(0);
        let mut expected = tree(&site.source());
        expected.insert(".well-known/acme-challenge/token".into(), b"acme\n".to_vec());
        assert_eq!(published(&site.www()), expected, "protected paths are carried into the new release");
        let mut previous = v2.clone();
        previous.insert("stray.txt".into(), b"not pasv's\n".to_vec());
        assert_eq!(published(&site.server.path("www.pasv-previous")), previous);
        assert!(run.stderr.contains("pasv did not put there: stray.txt"), "{}", run.stderr);
        // The release before the previous one (v1) is gone.
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"]);
        assert!(run.stderr.contains("removed www.pasv-retired-"), "{}", run.stderr);

        // Once more: the release with the stray file is retired; pasv deletes only its own files.
        write(&site.source().join(page(2)), b"version 4\n");
        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("kept www.pasv-retired-"), "{}", run.stderr);
        let retired = sibling(&site, "www.pasv-retired-");
        assert_eq!(tree(&retired).into_keys().collect::<Vec<_>>(), ["stray.txt"]);
        assert_eq!(published(&site.www()).len(), 10);
    })
    .await;
}

#[tokio::test]
async fn rollback_brings_the_previous_release_back_and_a_second_one_undoes_it() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 5);
        site.deploy(&["--release-dir"]).await.assert_code(0);
        let v1 = published(&site.www());
        let run = pasv(["deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(1);
        assert!(run.stderr.contains("there is no previous release to roll back to"), "{}", run.stderr);
        assert_eq!(siblings(&site), ["www"]);

        write(&site.source().join(page(3)), b"version 2\n");
        site.deploy(&["--release-dir"]).await.assert_code(0);
        let v2 = published(&site.www());

        let before = tree(site.server.root.path());
        let dry = pasv(["deploy", "--rollback", "--dry-run", &site.url()]).run().await;
        dry.assert_code(0);
        assert_eq!(tree(site.server.root.path()), before);
        assert!(
            dry.stdout.contains("rename www.pasv-previous -> www (the previous release back in place)"),
            "{}",
            dry.stdout
        );

        let run = pasv(["-v", "deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), v1);
        assert_eq!(published(&site.server.path("www.pasv-previous")), v2);
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"]);
        assert!(sent_of(&run, "STOR").is_empty() && sent_of(&run, "DELE").is_empty(), "{}", run.stderr);
        // Each release's state describes it.
        assert_eq!(state(&site.www())["files"][page(3)]["sha256"], sha256(v1[&page(3)].as_slice()).as_str());

        let run = pasv(["--json", "deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(0);
        let steps: Vec<String> = renames(&run).into_iter().map(|(_, _, step)| step).collect();
        assert_eq!(steps, ["aside", "restore", "previous"]);
        let summary: Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(summary["operation"], "rollback");
        assert_eq!(published(&site.www()), v2);
        assert_eq!(published(&site.server.path("www.pasv-previous")), v1);
        // A normal deploy goes on from the release that is the site.
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert!(sent_of(&run, "STOR").is_empty() && run.stderr.contains("5 unchanged"), "{}", run.stderr);

        pasv(["deploy", "--rollback", site.source().to_str().unwrap(), &site.url()]).run().await.assert_code(2);
    })
    .await;
}

#[tokio::test]
async fn a_switch_or_rollback_stopped_between_its_renames_is_repaired_by_the_next_run() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 4);
        site.deploy(&["--release-dir"]).await.assert_code(0);
        let v1 = published(&site.www());
        write(&site.source().join(page(0)), b"version 2\n");
        site.deploy(&["--release-dir"]).await.assert_code(0);
        let v2 = published(&site.www());

        // A switch cut between its two renames: the site moved to the previous name, the
        // complete new release not yet in its place.
        std::fs::rename(site.www(), site.server.path("www.pasv-release-20990101-000000-1")).unwrap();
        let before = tree(site.server.root.path());
        let dry = site.deploy(&["--release-dir", "--dry-run"]).await;
        dry.assert_code(0);
        assert!(
            dry.stderr.contains("the site was missing: a deploy stopped between its two renames"),
            "{}",
            dry.stderr
        );
        assert!(dry.stdout.contains("rename www.pasv-release-20990101-000000-1 -> www (repair)"), "{}", dry.stdout);
        assert_eq!(tree(site.server.root.path()), before, "a dry run repairs nothing");
        write(&site.source().join(page(1)), b"version 3\n");
        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(0);
        assert!(
            run.stderr.contains("the site was missing: a deploy stopped between its two renames"),
            "{}",
            run.stderr
        );
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert_eq!(published(&site.server.path("www.pasv-previous")), v2);
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"], "v1 retired and removed");
        let v3 = published(&site.www());

        // A rollback cut after its first rename (the site aside): put back, then rolled back.
        std::fs::rename(site.www(), site.server.path("www.pasv-rollback-20990101-000000-2")).unwrap();
        let run = pasv(["deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("a --rollback stopped after moving it aside"), "{}", run.stderr);
        assert_eq!(
            (published(&site.www()), published(&site.server.path("www.pasv-previous"))),
            (v2.clone(), v3.clone())
        );

        // A rollback cut before its last rename: finished by the next run, whatever it is.
        std::fs::rename(site.www(), site.server.path("www.pasv-rollback-20990101-000000-3")).unwrap();
        std::fs::rename(site.server.path("www.pasv-previous"), site.www()).unwrap();
        let run = pasv(["deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("a --rollback stopped before its last rename"), "{}", run.stderr);
        // The interrupted rollback (to v3) finished, then this one: v2 again.
        assert_eq!((published(&site.www()), published(&site.server.path("www.pasv-previous"))), (v2, v3));
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"]);
        assert_ne!(published(&site.www()), v1);
    })
    .await;
}

/// 300 files of about 4 KB: at `--limit-rate 100K` a run takes about 12 s, long after the
/// first checkpoint of the state (3 s in), so it can be killed between the two.
fn slow_site(root: &Path) {
    for i in 0..300 {
        let mut data = patterned(4000);
        data.extend_from_slice(page(i).as_bytes());
        write(&root.join(page(i)), &data);
    }
}

/// How many files the state file at `path` records, when it is there and whole.
fn recorded(path: &Path) -> Option<usize> {
    let state: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    Some(state["files"].as_object()?.len())
}

/// `deploy -j 2 --limit-rate 100K` (with `extra` flags) of the site's source, in the
/// background: a [`slow_site`] takes it about 12 s.
fn slow_deploy(site: &Site, extra: &[&str]) -> Running {
    let args = ["deploy"].iter().chain(extra).chain(&["-j", "2", "--limit-rate", "100K"]);
    pasv(args.copied().chain([site.source().to_str().unwrap(), &site.url()])).spawn()
}

/// `deploy -j 1 --limit-rate 100K` of the site's source (after the `global` flags), in the
/// background, its lock heard from every 200 ms instead of every minute.
fn beating_deploy(site: &Site, global: &[&str]) -> Running {
    let (source, url) = (site.source(), site.url());
    let tail = ["deploy", "-j", "1", "--limit-rate", "100K", source.to_str().unwrap(), &url];
    pasv(global.iter().chain(&tail).copied().collect::<Vec<_>>()).env("PASV_TEST_LOCK_BEAT_MS", "200").spawn()
}

/// Polls `reached` every 25 ms while pasv runs; fails the test, with what pasv said, when
/// pasv ends first or 30 s pass.
async fn wait_for(mut running: Running, what: &str, mut reached: impl FnMut() -> bool) -> Running {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reached() {
        if running.exited() {
            let run = running.finish().await;
            panic!("pasv ended (exit {}) before {what}: {}", run.code, run.stderr);
        }
        if Instant::now() > deadline {
            running.kill();
            let run = running.finish().await;
            panic!("not within 30 s: {what}: {}", run.stderr);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    running
}

/// [`wait_for`] `reached`, then kills pasv (SIGKILL, by its PID) and checks that it was
/// killed, not finished: the test then knows where the run was cut.
async fn kill_when(running: Running, what: &str, reached: impl FnMut() -> bool) -> Run {
    let mut running = wait_for(running, what, reached).await;
    let killed = running.kill();
    let run = running.finish().await;
    assert!(killed && run.code == -1, "pasv was not killed by the signal (exit {}): {}", run.code, run.stderr);
    run
}

/// No file under a real name is cut short: each is the source's, or one the state still
/// calls pending (sent straight to its name, where nothing was a site yet).
fn check_whole(there: &BTreeMap<String, Vec<u8>>, files: &BTreeMap<String, Vec<u8>>, state: &Value) {
    let pending: Vec<&str> = state["pending"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    for (rel, data) in there {
        if rel.rsplit('/').next().unwrap().ends_with(".pasv-part") {
            continue;
        }
        assert!(files.get(rel) == Some(data) || pending.contains(&rel.as_str()), "{rel} is not whole nor pending");
    }
    for (rel, record) in state["files"].as_object().unwrap() {
        assert_eq!(record["sha256"], sha256(&there[rel]).as_str(), "the state is wrong about {rel}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_release_deploy_leaves_the_site_alone_and_the_next_run_resumes_it() {
    within(async {
        let site = Site::new().await;
        let v1 = site.work.path().join("v1/public");
        make_site(&v1, 12);
        deploy(&v1, &site.url(), &["--release-dir"]).await.assert_code(0);
        let v1_files = published(&site.www());
        slow_site(&site.source());
        let v2_files = tree(&site.source());
        let running = slow_deploy(&site, &["--release-dir"]);
        let release_state = || {
            let release = siblings(&site).into_iter().find(|n| n.starts_with("www.pasv-release-"))?;
            recorded(&site.server.path(&release).join(STATE))
        };
        kill_when(running, "the release's state records a file", || release_state().unwrap_or(0) >= 1).await;
        // Its lock is beside the site (a switch renames the site).
        assert!(site.server.path("www.pasv-deploy.json.lock/owner").is_file(), "{:?}", siblings(&site));
        assert_eq!(published(&site.www()), v1_files, "the site is v1 until the switch");
        let release = sibling(&site, "www.pasv-release-");
        let state = state(&release);
        assert_eq!(state["complete"], false);
        // Files go straight to their names in a release (one may be cut short there), but
        // what its state records is there, whole.
        check_whole(&published(&release), &v2_files, &state);
        let missing = v2_files
            .iter()
            .filter(|(rel, data)| {
                state["files"].get(rel.as_str()).map(|r| r["sha256"].clone()) != Some(Value::from(sha256(data)))
            })
            .count();
        assert!(missing < v2_files.len(), "{missing}");

        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(1);
        assert!(run.stderr.contains("another deploy holds the lock www.pasv-deploy.json.lock ("), "{}", run.stderr);
        let run = site.deploy(&["--release-dir", "--break-lock"]).await;
        run.assert_code(0);
        assert!(run.stderr.contains("resuming the unfinished release"), "{}", run.stderr);
        assert_eq!(sent_of(&run, "STOR").len(), missing, "only what the release's state lacks: {}", run.stderr);
        assert_eq!(published(&site.www()), v2_files);
        assert_eq!(published(&site.server.path("www.pasv-previous")), v1_files);
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"]);
    })
    .await;
}

#[tokio::test]
async fn release_dir_guards_deletes_and_carries_protected_paths() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 30);
        let protect = ["--release-dir", "--protect", "uploads/**", "--protect", "*.cfg"];
        site.deploy(&protect).await.assert_code(0);
        // The site's users upload files; the admin keeps a local setting deep in it.
        write(&site.www().join("uploads/2024/photo.jpg"), b"jpeg\n");
        write(&site.www().join("img/deep/local.cfg"), b"setting\n");
        let before = tree(site.server.root.path());

        // An incomplete build would leave out 20 of the 30 files: stopped.
        for i in 0..20 {
            std::fs::remove_file(site.source().join(page(i))).unwrap();
        }
        let run = site.deploy(&protect).await;
        run.assert_code(1);
        assert!(run.stderr.contains("would delete 20 of the 30 files"), "{}", run.stderr);
        assert!(sent_of(&run, "STOR").is_empty(), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before);

        let mut with_limit = protect.to_vec();
        with_limit.extend(["--max-delete", "100%"]);
        let run = site.deploy(&with_limit).await;
        run.assert_code(0);
        let mut expected = tree(&site.source());
        expected.insert("uploads/2024/photo.jpg".into(), b"jpeg\n".to_vec());
        expected.insert("img/deep/local.cfg".into(), b"setting\n".to_vec());
        assert_eq!(published(&site.www()), expected);
        let previous = published(&site.server.path("www.pasv-previous"));
        assert!(!previous.contains_key("uploads/2024/photo.jpg") && !previous.contains_key("img/deep/local.cfg"));
    })
    .await;
}

/// A switch that does not happen (a rename refused, the connection cut) leaves the site as it
/// was, protected paths included: they were moved into the release before the renames, and
/// go back. The same for a rollback. The next run switches the release in, with them.
#[tokio::test]
async fn a_switch_that_fails_puts_the_protected_paths_back_into_the_site() {
    use crate::support::faults::{FaultProxy, Faults};
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        let flags = ["--release-dir", "--protect", "*.cfg"];
        site.deploy(&flags).await.assert_code(0);
        write(&site.www().join(".well-known/acme-challenge/token"), b"acme\n");
        write(&site.www().join("img/deep/local.cfg"), b"setting\n");
        let hosted = [".well-known/acme-challenge/token", "img/deep/local.cfg"];
        for (round, cut) in [false, true].into_iter().enumerate() {
            let live = published(&site.www());
            write(&site.source().join(page(round)), format!("version {round}\n").as_bytes());
            // The site's rename to the previous name (the first of this switch), every time.
            let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
            if cut {
                proxy.cut("RNTO www.pasv-previous", usize::MAX);
            } else {
                proxy.refuse("RNTO www.pasv-previous", "550 Permission denied.", usize::MAX);
            }
            let run = deploy(&site.source(), &format!("{}/www/", proxy.url()), &flags).await;
            let how = if cut { "cut" } else { "refused" };
            assert_ne!(run.code, 0, "{how}: {}", run.stderr);
            assert!(run.stderr.contains("switching the release in"), "{how}: {}", run.stderr);
            assert!(proxy.injected() > 0, "{how}: {}", proxy.describe());
            assert_eq!(published(&site.www()), live, "{how}: the site as it was: {}", run.stderr);
            let release = sibling(&site, "www.pasv-release-");
            for rel in hosted {
                assert!(!release.join(rel).exists(), "{how}: {rel} left in the release: {}", run.stderr);
            }
        }

        let run = site.deploy(&flags).await;
        run.assert_code(0);
        let mut expected = tree(&site.source());
        for rel in hosted {
            expected.insert(rel.to_string(), std::fs::read(site.www().join(rel)).unwrap());
        }
        assert_eq!(published(&site.www()), expected, "{}", run.stderr);
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"]);

        // A rollback whose restoring rename is refused: the site as it was, again.
        let live = published(&site.www());
        let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
        proxy.refuse("RNFR www.pasv-previous", "550 Permission denied.", usize::MAX);
        let url = format!("{}/www/", proxy.url());
        let run = pasv(["-v", "deploy", "--rollback", "--protect", "*.cfg", &url]).run().await;
        assert_ne!(run.code, 0, "{}", run.stderr);
        assert!(proxy.injected() > 0, "{}", proxy.describe());
        assert_eq!(published(&site.www()), live, "{}", run.stderr);
        let previous = site.server.path("www.pasv-previous");
        assert!(hosted.iter().all(|rel| !previous.join(rel).exists()), "{}", run.stderr);
        pasv(["deploy", "--rollback", "--protect", "*.cfg", &site.url()]).run().await.assert_code(0);
        assert!(hosted.iter().all(|rel| site.www().join(rel).is_file()));
    })
    .await;
}

/// A release directory's state file: `files` (path, content) of the tree `source`.
fn release_state(source: &str, complete: bool, files: &[(&str, &[u8])]) -> Vec<u8> {
    let files: serde_json::Map<String, Value> = files
        .iter()
        .map(|(rel, data)| (rel.to_string(), serde_json::json!({"sha256": sha256(data), "size": data.len()})))
        .collect();
    let state = serde_json::json!({
        "format": "pasv-deploy", "version": 1, "source": source, "complete": complete, "files": files, "dirs": {"": {}}
    });
    serde_json::to_vec(&state).unwrap()
}

/// A switch removes only what this deployment owns beside the site: a finished release of
/// this source tree that will never be switched in, and the release it retires (its own
/// too). Another tree's releases, unfinished ones (another run's) and directories without a
/// state file stay as they are. A probe a stopped run left goes: with the lock held, no
/// other run is under way.
#[tokio::test]
async fn a_switch_removes_only_the_releases_this_deployment_owns() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 3);
        site.deploy(&["--release-dir"]).await.assert_code(0);
        write(&site.source().join(page(0)), b"version 2\n");
        site.deploy(&["--release-dir"]).await.assert_code(0);
        let dir = |id: &str| site.server.path(&format!("www.pasv-{id}"));
        let make = |id: &str, state: Option<Vec<u8>>| {
            let at = dir(id);
            std::fs::create_dir_all(&at).unwrap();
            write(&at.join("a.txt"), b"a\n");
            if let Some(state) = state {
                write(&at.join(STATE), &state);
            }
        };
        let mine: &[(&str, &[u8])] = &[("a.txt", b"a\n")];
        make("release-20000101-000000-1", Some(release_state("public", true, mine)));
        make("release-20000101-000000-2", Some(release_state("public", false, mine)));
        make("release-20000101-000000-3", Some(release_state("public", false, &[])));
        std::fs::remove_file(dir("release-20000101-000000-3").join("a.txt")).unwrap();
        make("release-20000101-000000-4", Some(release_state("other", true, mine)));
        make("release-20000101-000000-5", None);
        make("retired-20000101-000000-7", Some(release_state("other", true, mine)));
        std::fs::create_dir_all(dir("probe-20000101-000000-6")).unwrap();
        std::fs::create_dir_all(dir("probe-20000101-000000-8-renamed")).unwrap();
        let untouched = ["release-20000101-000000-2", "release-20000101-000000-4", "release-20000101-000000-5"];
        let untouched = untouched.into_iter().chain(["retired-20000101-000000-7"]);
        let before: Vec<(String, BTreeMap<String, Vec<u8>>)> =
            untouched.map(|id| (id.to_string(), tree(&dir(id)))).collect();

        let plan =
            pasv(["--json", "deploy", "--dry-run", "--release-dir", site.source().to_str().unwrap(), &site.url()])
                .run()
                .await;
        plan.assert_code(0);
        let plan: Value = serde_json::from_str(plan.stdout.lines().next().unwrap()).unwrap();
        assert_eq!(plan["release"]["dir"], "www.pasv-release-20000101-000000-3", "the newest of this tree resumed");
        let removed: Vec<&str> =
            plan["release"]["removed"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert_eq!(removed[0], "www.pasv-release-20000101-000000-1");
        assert!(removed[1].starts_with("www.pasv-retired-2"), "{removed:?}");

        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
        for (id, files) in before {
            assert!(dir(&id).is_dir(), "{id} removed: {}", run.stderr);
            assert_eq!(tree(&dir(&id)), files, "{id}: {}", run.stderr);
        }
        assert!(!dir("release-20000101-000000-1").exists(), "{}", run.stderr);
        assert!(run.stderr.contains("not this deploy's to remove"), "{}", run.stderr);
        let probes = "pasv: note: removed www.pasv-probe-20000101-000000-6, www.pasv-probe-20000101-000000-8-renamed \
                      (left by stopped runs";
        assert!(run.stderr.contains(probes), "{}", run.stderr);
        assert!(!dir("probe-20000101-000000-6").exists() && !dir("probe-20000101-000000-8-renamed").exists());
        assert_eq!(siblings(&site).len(), 6, "{:?}", siblings(&site));
    })
    .await;
}

/// The release a switch retires (the previous one) is removed only when this deployment owns
/// it, as every other release beside the site: finished, from this source tree. Another
/// tree's, or an unfinished one, stays under its retired name, and is named.
#[tokio::test]
async fn a_switch_leaves_the_release_it_retires_when_this_deployment_does_not_own_it() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 3);
        site.deploy(&["--release-dir"]).await.assert_code(0);
        for (round, (source, complete)) in [("other", true), ("public", false)].into_iter().enumerate() {
            write(&site.source().join(page(0)), format!("version {round}\n").as_bytes());
            site.deploy(&["--release-dir"]).await.assert_code(0);
            // The previous release, as another tree's deploy (or a stopped one) left it.
            let previous = site.server.path("www.pasv-previous");
            let files = published(&previous);
            let listed: Vec<(&str, &[u8])> = files.iter().map(|(rel, data)| (rel.as_str(), data.as_slice())).collect();
            write(&previous.join(STATE), &release_state(source, complete, &listed));
            let kept = tree(&previous);

            let (dir, url) = (site.source(), site.url());
            let plan =
                pasv(["--json", "deploy", "--dry-run", "--release-dir", dir.to_str().unwrap(), &url]).run().await;
            plan.assert_code(0);
            let line: Value = serde_json::from_str(plan.stdout.lines().next().unwrap()).unwrap();
            assert_eq!(line["release"]["removed"], serde_json::json!([]), "{source}: {}", plan.stdout);
            let text = pasv(["deploy", "--dry-run", "--release-dir", dir.to_str().unwrap(), &url]).run().await;
            assert!(text.stderr.contains("pasv: note: left www.pasv-retired-"), "{source}: {}", text.stderr);

            write(&site.source().join(page(1)), format!("version {round}\n").as_bytes());
            let run = site.deploy(&["--release-dir"]).await;
            run.assert_code(0);
            let retired = sibling(&site, "www.pasv-retired-");
            assert_eq!(tree(&retired), kept, "{source}: its files are all there: {}", run.stderr);
            let name = retired.file_name().unwrap().to_string_lossy().into_owned();
            let note = format!("pasv: note: left {name} (another source tree's, unfinished, or without a pasv state");
            assert!(run.stderr.contains(&note), "{source}: {}", run.stderr);
            assert_eq!(published(&site.www()), tree(&site.source()));
            std::fs::remove_dir_all(&retired).unwrap();
        }
    })
    .await;
}

/// `--rollback` changes the site: it takes the lock beside it, as `--release-dir` does.
#[tokio::test]
async fn rollback_takes_the_lock_too() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 3);
        site.deploy(&["--release-dir"]).await.assert_code(0);
        write(&site.source().join(page(0)), b"version 2\n");
        site.deploy(&["--release-dir"]).await.assert_code(0);
        write(&site.server.path("www.pasv-deploy.json.lock/owner"), OTHER_OWNER);
        let before = tree(site.server.root.path());
        let run = pasv(["deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(1);
        let held = format!("pasv: error: another deploy holds the lock www.pasv-deploy.json.lock ({OTHER}; ");
        assert!(run.stderr.contains(&held), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before);
        pasv(["deploy", "--rollback", "--dry-run", &site.url()]).run().await.assert_code(0);
        let run = pasv(["deploy", "--rollback", "--break-lock", &site.url()]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
        assert_eq!(siblings(&site), ["www", "www.pasv-previous"]);
    })
    .await;
}

/// A review needs the plan most when a guard stops the release: the dry run prints it, then
/// fails as the dry run without `--release-dir` does.
#[tokio::test]
async fn release_dir_dry_run_prints_the_plan_when_a_guard_stops_it() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 30);
        site.deploy(&["--release-dir"]).await.assert_code(0);
        for i in 0..20 {
            std::fs::remove_file(site.source().join(page(i))).unwrap();
        }
        let before = tree(site.server.root.path());
        let plain = site.deploy(&["--dry-run"]).await;
        plain.assert_code(1);
        assert!(plain.stderr.contains("would delete 20 of the 30 files"), "{}", plain.stderr);

        let run = site.deploy(&["--release-dir", "--dry-run"]).await;
        run.assert_code(plain.code);
        assert!(run.stderr.contains("would delete 20 of the 30 files"), "{}", run.stderr);
        assert!(run.stdout.contains("release www.pasv-release-"), "{}", run.stdout);
        assert_eq!(run.stdout.lines().filter(|l| l.starts_with("upload ")).count(), 10, "{}", run.stdout);
        assert!(run.stdout.contains("rename www -> www.pasv-previous (kept for --rollback)"), "{}", run.stdout);
        assert!(run.stderr.contains("10 to upload"), "{}", run.stderr);

        let (source, url) = (site.source(), site.url());
        let json = pasv(["--json", "deploy", "--dry-run", "--release-dir", source.to_str().unwrap(), &url]).run().await;
        json.assert_code(plain.code);
        let plan: Value = serde_json::from_str(json.stdout.lines().next().unwrap_or_default()).expect("a JSON plan");
        assert_eq!((plan["action"].as_str(), plan["uploads"].as_array().map(Vec::len)), (Some("plan"), Some(10)));
        assert!(plan["release"]["dir"].as_str().unwrap().starts_with("www.pasv-release-"), "{plan}");
        assert!(json.stderr.contains("would delete 20 of the 30 files"), "{}", json.stderr);
        assert_eq!(tree(site.server.root.path()), before, "a dry run changes nothing");
    })
    .await;
}

#[tokio::test]
async fn release_dir_stops_before_uploading_when_the_server_cannot_rename_a_directory() {
    use crate::support::scripted::{FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, r, steps};
    within(async {
        let lock = "www.pasv-deploy.json.lock";
        let script = steps(vec![
            anon_login(FEAT_SIZE_EPSV),
            // The deploy lock first: made, its owner file written (confirmed by its 226), and
            // removed at the end, when the run stops.
            vec![
                e(&format!("MKD {lock}")),
                r("257 created"),
                e("TYPE I"),
                r("200 binary"),
                e("EPSV"),
                Step::ListenData,
                r("229 Entering Extended Passive Mode (|||{port}|)"),
                e(&format!("STOR {lock}/owner")),
                r("150 go"),
                Step::DataReceive,
                r("226 stored"),
                // No plain deploy's lock in the target (a server without MLST and MDTM: SIZE).
                e("SIZE www/.pasv-deploy.json.lock/owner"),
                r("550 not here"),
            ],
            vec![
                Step::ExpectPrefix("MKD www.pasv-probe-".into()),
                r("257 created"),
                Step::ExpectPrefix("RNFR www.pasv-probe-".into()),
                r("350 ready"),
                Step::ExpectPrefix("RNTO www.pasv-probe-".into()),
                r("550 Directories cannot be renamed"),
                Step::ExpectPrefix("RMD www.pasv-probe-".into()),
                r("250 removed"),
                // Still this run's (a drop box's cannot be read: taken for it), then removed.
                // Read whole, without a SIZE first: it is compared byte for byte.
                e("EPSV"),
                Step::ListenData,
                r("229 Entering Extended Passive Mode (|||{port}|)"),
                e(&format!("RETR {lock}/owner")),
                r("550 Permission denied"),
                e(&format!("DELE {lock}/owner")),
                r("250 deleted"),
                e(&format!("RMD {lock}")),
                r("250 removed"),
                Step::ExpectClose,
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let work = tempfile::tempdir().unwrap();
        make_site(&work.path().join("public"), 3);
        let url = format!("{}/www/", server.url());
        let run = deploy(&work.path().join("public"), &url, &["--release-dir"]).await;
        run.assert_code(5);
        assert!(run.stderr.contains("the server cannot rename a directory"), "{}", run.stderr);
        assert!(run.stderr.contains("Directories cannot be renamed"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
        let stored = |c: &&String| c.starts_with("STOR") && !c.starts_with(&format!("STOR {lock}/"));
        assert_eq!(transcript.commands.iter().find(stored), None, "{:?}", transcript.commands);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_first_deploy_into_a_new_target_is_completed_by_the_next_run() {
    within(async {
        let site = Site::new().await;
        slow_site(&site.source());
        let files = tree(&site.source());
        let running = slow_deploy(&site, &[]);
        let pid = running.id();
        let state_file = site.www().join(STATE);
        kill_when(running, "the state records a file", || recorded(&state_file).unwrap_or(0) >= 1).await;
        // Straight to their names (a new target), so one may be cut short; the state, saved
        // before the first upload, says every path is pending until confirmed.
        let state = state(&site.www());
        assert_eq!(state["complete"], false);
        check_whole(&without_lock(published(&site.www())), &files, &state);
        let recorded = state["files"].as_object().unwrap();
        let pending = state["pending"].as_array().unwrap();
        assert!(!recorded.is_empty() && !pending.is_empty(), "killed between the first checkpoint and the end");
        assert_eq!(pending.len() + recorded.len(), files.len());

        // The killed run left its lock, which says whose it is and nothing of the URL or user.
        let owner = std::fs::read_to_string(site.www().join(LOCK).join("owner")).expect("the killed run's lock");
        assert_eq!(serde_json::from_str::<Value>(&owner).unwrap()["pid"], pid, "{owner}");
        assert!(!owner.contains("127.0.0.1") && !owner.contains("anonymous") && !owner.contains("www"), "{owner}");
        // It is fresh: the next run stops before changing anything, and says how to go on.
        let before = tree(site.server.root.path());
        let run = site.deploy(&[]).await;
        run.assert_code(1);
        let held = "pasv: error: another deploy holds the lock www/.pasv-deploy.json.lock (started ";
        assert!(run.stderr.contains(held), "{}", run.stderr);
        assert!(run.stderr.contains(&format!(", process {pid}; last heard from ")), "{}", run.stderr);
        assert!(run.stderr.contains("stopped before changing anything"), "{}", run.stderr);
        assert!(run.stderr.contains("run again with --break-lock to remove it"), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before, "nothing on the server changed");
        // --break-lock removes it (saying whose it was), and the run goes on.
        let run = site.deploy(&["--break-lock"]).await;
        run.assert_code(0);
        let removed = "pasv: note: removed the deploy lock www/.pasv-deploy.json.lock (--break-lock; started ";
        assert!(run.stderr.contains(removed), "{}", run.stderr);
        assert_eq!(sent_of(&run, "STOR").len(), pending.len(), "{}", run.stderr);
        assert!(sent_of(&run, "STOR").iter().all(|p| p.ends_with(".pasv-part")), "not a new target any more");
        assert_eq!(published(&site.www()), files, "every file whole, no temporary left: {}", run.stderr);
        assert_eq!(self::state(&site.www())["complete"], true);
    })
    .await;
}

/// A run is heard from while one upload keeps its only session busy far longer than a beat
/// (in a real run: a minute, against the lock's 10; here shortened to 200 ms): the owner file
/// is written again, on a session of its own, while the file is still going up; so a lock
/// whose run is alive never looks stale, however long one file takes.
#[tokio::test]
async fn a_long_upload_keeps_the_lock_heard_from() {
    within(async {
        let site = Site::new().await;
        // 600 KB at 100 KB/s: about 6 s on one session, one batch, no checkpoint in it.
        write(&site.source().join("big.bin"), &patterned(600_000));
        let running = beating_deploy(&site, &[]);
        let owner = site.www().join(LOCK).join("owner");
        let written = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let running = wait_for(running, "the lock taken", || written(&owner).is_some()).await;
        let first = written(&owner).unwrap();
        let big = site.www().join("big.bin");
        let running =
            wait_for(running, "the owner file written again", || written(&owner).is_some_and(|t| t > first)).await;
        let sent = std::fs::metadata(&big).map_or(0, |m| m.len());
        assert!(sent < 600_000, "written again only once the upload was done ({sent} bytes there)");
        let run = running.finish().await;
        run.assert_code(0);
        assert!(!run.stderr.contains("could not refresh"), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()), "the lock removed at the end: {}", run.stderr);
    })
    .await;
}

/// A run whose lock another run took over (it judged this one killed: here, the owner file
/// replaced while the run uploads) finds out at its next checkpoint and stops: no more
/// uploads, no deletes, no final state, and the other run's lock is left in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_lock_was_taken_over_stops_and_leaves_it() {
    within(async {
        let site = Site::new().await;
        slow_site(&site.source());
        write(&site.source().join("gone.html"), b"to be deleted\n");
        site.deploy(&[]).await.assert_code(0);
        std::fs::remove_file(site.source().join("gone.html")).unwrap();
        for i in 0..300 {
            write(&site.source().join(page(i)), format!("version 2 of {i}\n").repeat(200).as_bytes());
        }
        let run = taken_over(&site, slow_deploy(&site, &[])).await;
        assert!(site.www().join("gone.html").exists(), "no deletes: {}", run.stderr);
        let state: Value = serde_json::from_slice(&std::fs::read(site.www().join(STATE)).unwrap()).unwrap();
        assert_ne!(state["complete"], Value::Bool(true), "no final state: {state}");
        let sent =
            (0..300).filter(|&i| std::fs::read(site.www().join(page(i))).unwrap().starts_with(b"version 2")).count();
        assert!(sent < 300, "stopped before uploading everything: {}", run.stderr);
    })
    .await;
}

/// The heartbeat that finds the lock taken over during one long stretch of work (here two
/// 600 KB files on one session at 100K: no checkpoint in between) stops that work there: the
/// second file never goes up, and the run ends as at a checkpoint (exit 1, no final state, the
/// other run's lock left).
#[tokio::test]
async fn the_heartbeat_stops_the_work_of_a_run_whose_lock_was_taken_over() {
    within(async {
        let site = Site::new().await;
        // 600 KB at 100K: the beat (200 ms, and a login) has seconds to come before a.bin ends.
        write(&site.source().join("a.bin"), &patterned(600_000));
        write(&site.source().join("b.bin"), &patterned(600_001));
        let run = taken_over(&site, beating_deploy(&site, &["-v"])).await;
        let uploaded: Vec<String> = sent_of(&run, "STOR").into_iter().filter(|c| c.ends_with(".bin")).collect();
        assert_eq!(uploaded, ["www/a.bin"], "b.bin never started: {}", run.stderr);
        let state: Value = serde_json::from_slice(&std::fs::read(site.www().join(STATE)).unwrap()).unwrap();
        assert!(state["files"].as_object().is_none_or(|f| f.is_empty()), "nothing recorded: {state}");
    })
    .await;
}

/// A log that goes away (stderr a pipe whose reader is gone, as with `pasv -v deploy ... 2>&1
/// | head`) loses lines, not the run: the deploy finishes, removes its lock and exits 0 (it
/// used to panic at its next line and leave the lock for 10 minutes).
#[tokio::test]
async fn a_deploy_whose_stderr_is_gone_finishes_and_removes_its_lock() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 40);
        let (source, url) = (site.source(), site.url());
        let mut cmd = pasv(["-v", "deploy", source.to_str().unwrap(), &url]).command();
        cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        drop(child.stderr.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("pasv did not end within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        assert_eq!(status.code(), Some(0));
        assert!(!site.www().join(LOCK).exists(), "the lock removed");
        assert_eq!(published(&site.www()), tree(&site.source()));
    })
    .await;
}

/// A redeploy whose lock's owner file cannot be written (every upload's data connection taken
/// and never forwarded, as a firewall can do) stops with the timeout, changes nothing, and
/// removes its lock directory without reading the owner file back over the same dead data
/// path: the lock it made would otherwise stop every deploy for 10 minutes.
#[tokio::test]
async fn a_lock_whose_owner_file_cannot_be_written_is_removed_all_the_same() {
    use crate::support::faults::{FaultProxy, Faults};
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        assert_eq!(site.deploy(&[]).await.code, 0);
        let before = published(&site.www());
        write(&site.source().join(page(1)), b"changed\n");
        let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
        // Every upload, and the owner file's read back (the state file's read goes through).
        proxy.swallow("STOR ");
        proxy.swallow(&format!("{LOCK}/owner"));
        let url = format!("{}/www/", proxy.url());
        // Long enough for the listings through the proxy on a busy machine.
        let run = deploy(&site.source(), &url, &["--timeout", "3"]).await;
        let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
        assert_eq!(run.code, 9, "{context}");
        assert!(proxy.injected() >= 1, "{context}");
        assert!(!run.stderr.contains("could not remove the deploy lock"), "{context}");
        assert!(!site.www().join(LOCK).exists(), "the lock left behind\n{context}");
        assert_eq!(published(&site.www()), before, "{context}");
    })
    .await;
}

/// Another run takes the lock of the deploy `running` over once it holds it (its owner file
/// replaced); the deploy then stops with exit 1, says so, and leaves that run's lock in place.
/// "Holds": the run is past taking the lock (its intent, the state with pending paths, is
/// saved), not between its STOR of the owner file and the size check of that write.
async fn taken_over(site: &Site, running: Running) -> Run {
    let owner = site.www().join(LOCK).join("owner");
    let state = site.www().join(STATE);
    let intent_saved = || {
        let saved = std::fs::read(&state).ok().and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        saved.is_some_and(|state| state["pending"].as_array().is_some_and(|p| !p.is_empty()))
    };
    let running = wait_for(running, "the lock taken", || owner_written(&owner) && intent_saved()).await;
    write(&owner, OTHER_OWNER);
    let run = running.finish().await;
    run.assert_code(1);
    let said = format!(
        "another deploy took the lock www/.pasv-deploy.json.lock over ({OTHER}): this run was not heard from for 10 \
         minutes and stopped"
    );
    assert!(run.stderr.contains(&said), "{}", run.stderr);
    assert_eq!(std::fs::read(&owner).unwrap(), OTHER_OWNER, "the other run's lock left in place: {}", run.stderr);
    run
}

/// The owner file at `path` is there and whole (pasv's STOR of it is over): replacing it then
/// is a takeover, not a race with that STOR.
fn owner_written(path: &Path) -> bool {
    let whole = std::fs::read(path).ok().and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    whole.is_some_and(|owner| owner["pid"].is_number())
}

/// The owner file of a lock another machine's run holds (a killed run's, or one under way).
const OTHER_OWNER: &[u8] = br#"{"host":"ci-runner-7","pid":4242,"started":"2026-01-01 00:00:00 UTC"}"#;
const OTHER: &str = "started 2026-01-01 00:00:00 UTC on host ci-runner-7, process 4242";

/// The two modes lock in different places (a plain deploy in the target, `--release-dir`
/// and `--rollback` beside it, since they rename the target). Each also looks at the other's
/// lock once it holds its own: a fresh one stops it before it changes anything, a stale one
/// (a killed run's) is said and passed, and `--break-lock` passes it.
#[tokio::test]
async fn a_run_of_the_other_mode_holding_its_lock_stops_a_deploy() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        site.deploy(&[]).await.assert_code(0);
        let beside = site.server.path("www.pasv-deploy.json.lock");
        write(&beside.join("owner"), OTHER_OWNER);
        write(&site.source().join(page(0)), b"version 2\n");

        // A plain deploy while a --release-dir run holds its lock beside the target.
        let before = tree(site.server.root.path());
        let run = site.deploy(&[]).await;
        run.assert_code(1);
        let held =
            format!("pasv: error: a deploy of the other mode holds the lock www.pasv-deploy.json.lock ({OTHER}; last heard from ");
        assert!(run.stderr.contains(&held), "{}", run.stderr);
        assert!(run.stderr.contains("Stopped before changing anything"), "{}", run.stderr);
        assert!(run.stderr.contains("run again with --break-lock to go on regardless"), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before, "nothing changed, its own lock removed: {}", run.stderr);

        // A --release-dir run (and a rollback) while a plain run holds its lock in the target.
        std::fs::remove_dir_all(&beside).unwrap();
        write(&site.www().join(LOCK).join("owner"), OTHER_OWNER);
        let before = tree(site.server.root.path());
        let run = site.deploy(&["--release-dir"]).await;
        run.assert_code(1);
        let held = format!("a deploy of the other mode holds the lock www/.pasv-deploy.json.lock ({OTHER}; last heard");
        assert!(run.stderr.contains(&held), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before, "no release made, nothing renamed: {}", run.stderr);
        let run = pasv(["-v", "deploy", "--rollback", &site.url()]).run().await;
        run.assert_code(1);
        assert!(run.stderr.contains(&held), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before, "{}", run.stderr);

        // A killed run's (heard from 20 minutes ago): said, and the deploy goes on; it is left
        // for its own mode to take over.
        written_ago(&site.www().join(LOCK).join("owner"), Duration::from_secs(20 * 60));
        std::fs::rename(site.www().join(LOCK), &beside).unwrap();
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        let note = "pasv: note: the deploy lock www.pasv-deploy.json.lock (of the other mode: plain deploys lock in \
                    the target, --release-dir beside it) was last heard from 20 min ago";
        assert!(run.stderr.contains(note), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()));
        assert!(beside.join("owner").exists());

        // A fresh one, passed with --break-lock (no other deploy runs, says the user).
        write(&beside.join("owner"), OTHER_OWNER);
        write(&site.source().join(page(1)), b"version 3\n");
        site.deploy(&["--break-lock"]).await.assert_code(0);
        assert_eq!(published(&site.www()), tree(&site.source()));
    })
    .await;
}

/// The file at `path` last written `ago`, as the server's clock sees it (the in-process
/// server gives the file's own time, as every server does).
fn written_ago(path: &Path, ago: Duration) {
    std::fs::File::open(path).unwrap().set_modified(SystemTime::now() - ago).unwrap();
}

/// A lock another run holds stops a deploy before it changes anything (a dry run does not
/// look at it); once its owner was last heard from more than 10 minutes ago by the server's
/// clock, a run takes it over; `--break-lock` removes it whatever its age.
#[tokio::test]
async fn a_lock_another_run_holds_stops_a_deploy_until_it_is_stale_or_broken() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        site.deploy(&[]).await.assert_code(0);
        let owner = site.www().join(LOCK).join("owner");
        write(&owner, OTHER_OWNER);
        write(&site.source().join(page(0)), b"version 2\n");

        let before = tree(site.server.root.path());
        let run = site.deploy(&[]).await;
        run.assert_code(1);
        let held =
            format!("pasv: error: another deploy holds the lock www/.pasv-deploy.json.lock ({OTHER}; last heard");
        assert!(run.stderr.contains(&held), "{}", run.stderr);
        assert!(
            run.stderr.contains(" s ago by the server's clock): stopped before changing anything"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("expires 10 minutes after its owner was last heard from"), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before, "nothing changed: {}", run.stderr);
        let dry = site.deploy(&["--dry-run"]).await;
        dry.assert_code(0);
        assert!(sent(&dry).iter().all(|c| !c.contains(LOCK)), "{:?}", sent(&dry));
        assert!(dry.stdout.contains("upload file000.dat"), "{}", dry.stdout);

        // Heard from 20 minutes ago: a killed run's. Taken over, with a note, and removed at the end.
        written_ago(&owner, Duration::from_secs(20 * 60));
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        let note = format!(
            "pasv: note: taking over the deploy lock www/.pasv-deploy.json.lock: last heard from 20 min ago by the \
             server's clock, more than 10 minutes, so its run ({OTHER}) was killed or lost"
        );
        assert!(run.stderr.contains(&note), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()), "no lock, aside or clock file left");

        // --break-lock removes one however fresh, says whose it was, and the run goes on.
        write(&owner, OTHER_OWNER);
        write(&site.source().join(page(1)), b"version 3\n");
        let run = site.deploy(&["--break-lock"]).await;
        run.assert_code(0);
        let note = format!("pasv: note: removed the deploy lock www/.pasv-deploy.json.lock (--break-lock; {OTHER})");
        assert!(run.stderr.contains(&note), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()));
        let run = site.deploy(&["--break-lock"]).await;
        run.assert_code(0);
        assert!(
            run.stderr.contains("--break-lock: there is no deploy lock www/.pasv-deploy.json.lock"),
            "{}",
            run.stderr
        );
        site.deploy(&["--break-lock", "--dry-run"]).await.assert_code(2);

        // A run killed between its MKD and its first write leaves a lock without an owner
        // file: the directory's own time tells its age.
        std::fs::create_dir(site.www().join(LOCK)).unwrap();
        write(&site.source().join(page(2)), b"version 4\n");
        let run = site.deploy(&[]).await;
        run.assert_code(1);
        let held = "lock www/.pasv-deploy.json.lock (no owner file; last heard from ";
        assert!(run.stderr.contains(held), "{}", run.stderr);
        written_ago(&site.www().join(LOCK), Duration::from_secs(20 * 60));
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        let note = "20 min ago by the server's clock, more than 10 minutes, so its run (no owner file) was killed";
        assert!(run.stderr.contains(note), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()));
    })
    .await;
}

/// The lock's owner file is read whole, without a SIZE first; one larger than any run writes
/// (4 KiB at most: a broken or hostile server's) is not read into memory past that: the run
/// stops and says so, having changed nothing, the file left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_file_larger_than_any_run_writes_stops_the_run_unread() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 3);
        site.deploy(&[]).await.assert_code(0);
        let before = published(&site.www());
        write(&site.source().join(page(0)), b"version 2\n");
        let lock = site.www().join(LOCK);
        std::fs::create_dir(&lock).unwrap();
        write(&lock.join("owner"), &vec![b'x'; 1 << 20]);
        let run = site.deploy(&[]).await;
        run.assert_code(1);
        assert!(run.stderr.contains("more than the 4096 bytes this file may have"), "{}", run.stderr);
        assert_eq!(std::fs::metadata(lock.join("owner")).unwrap().len(), 1 << 20);
        std::fs::remove_dir_all(&lock).unwrap();
        assert_eq!(published(&site.www()), before, "{}", run.stderr);
    })
    .await;
}

/// The lock costs a run that changes something a few commands, and one with nothing to do
/// none; a run removes it when it ends, whether it succeeded or failed.
#[tokio::test]
async fn a_run_removes_its_lock_when_it_ends_and_one_with_nothing_to_do_takes_none() {
    use crate::support::faults::{FaultProxy, Faults};
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        let first = site.deploy(&[]).await;
        first.assert_code(0);
        // No state file yet: its SIZE refused and a RETR to confirm (no second SIZE: a 550 to
        // SIZE may also mean a size the server cannot give); once the lock is taken, still none
        // (MLST, SIZE, RETR); then the intent and the final state.
        let state_commands: Vec<String> =
            sent(&first).into_iter().filter(|c| c.ends_with(&format!(" www/{STATE}"))).collect();
        let on_state = |verb: &str| format!("{verb} www/{STATE}");
        assert_eq!(
            state_commands,
            ["SIZE", "RETR", "MLST", "SIZE", "RETR", "RNTO", "RNTO"].map(on_state),
            "{:?}",
            sent(&first)
        );
        // A state written long ago: its time says it is the one read, no second read.
        written_ago(&site.www().join(STATE), Duration::from_secs(3600));
        write(&site.source().join(page(0)), b"version 2\n");
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        let locking: Vec<String> = sent(&run).into_iter().filter(|c| c.contains(LOCK)).collect();
        let owner = "www/.pasv-deploy.json.lock/owner";
        assert_eq!(
            locking,
            [
                "MKD www/.pasv-deploy.json.lock".to_string(),
                // Confirmed by its 226: it is read back and compared wherever it matters.
                format!("STOR {owner}"),
                // No `--release-dir` run holds its lock beside the target.
                "MLST www.pasv-deploy.json.lock/owner".to_string(),
                format!("MLST {owner}"),
                // Still this run's before the final state, and before it goes: read whole,
                // without a SIZE first (it is compared byte for byte).
                format!("RETR {owner}"),
                format!("RETR {owner}"),
                format!("DELE {owner}"),
                "RMD www/.pasv-deploy.json.lock".to_string()
            ],
            "{:?}",
            sent(&run)
        );
        let reads = sent(&run).into_iter().filter(|c| c == "RETR www/.pasv-deploy.json").count();
        assert_eq!(reads, 1, "{:?}", sent(&run));
        // Its size and time checked in one MLST, after the SIZE of the first read.
        let checks = |c: &String| ["SIZE ", "MLST ", "MDTM "].iter().any(|v| c.starts_with(v));
        let state_checks: Vec<String> =
            sent(&run).into_iter().filter(|c| c.ends_with(" www/.pasv-deploy.json") && checks(c)).collect();
        assert_eq!(state_checks, ["SIZE www/.pasv-deploy.json", "MLST www/.pasv-deploy.json"], "{:?}", sent(&run));
        assert_eq!(published(&site.www()), tree(&site.source()));

        // Nothing to do: not a command for the lock.
        let run = site.deploy(&[]).await;
        run.assert_code(0);
        assert!(sent(&run).iter().all(|c| !c.contains(LOCK) && !c.starts_with("MKD")), "{:?}", sent(&run));

        // A run that fails (an upload refused) removes its lock too.
        write(&site.source().join(page(1)), b"version 3\n");
        write(&site.source().join(page(2)), b"version 3\n");
        let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
        proxy.refuse("STOR www/css/.file001.dat.pasv-part", "550 Permission denied.", usize::MAX);
        let run = deploy(&site.source(), &format!("{}/www/", proxy.url()), &[]).await;
        run.assert_code(5);
        assert!(proxy.injected() > 0, "{}", proxy.describe());
        assert!(sent(&run).contains(&"RMD www/.pasv-deploy.json.lock".to_string()), "{:?}", sent(&run));
        assert!(!site.www().join(LOCK).exists(), "{}", run.stderr);
        assert_eq!(state(&site.www())["files"]["img/deep/file002.dat"]["size"], 10, "the rest went up");
    })
    .await;
}

/// A redeploy of one changed page through a proxy that answers the state file's SIZE with
/// `refusal`: it succeeds, sends that one file, and leaves the target as the source, no lock.
async fn redeploy_with_the_state_size_refused(refusal: &str) -> Run {
    use crate::support::faults::{FaultProxy, Faults};
    let site = Site::new().await;
    make_site(&site.source(), 4);
    site.deploy(&[]).await.assert_code(0);
    write(&site.source().join(page(0)), b"version 2\n");
    let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
    proxy.refuse(&format!("SIZE www/{STATE}"), refusal, usize::MAX);
    let run = deploy(&site.source(), &format!("{}/www/", proxy.url()), &[]).await;
    run.assert_code(0);
    assert!(proxy.injected() >= 1, "the state's SIZE was not asked: {}", proxy.describe());
    assert!(run.stderr.contains("copied 1 file(s)"), "{}", run.stderr);
    assert_eq!(published(&site.www()), tree(&site.source()));
    assert!(!site.www().join(LOCK).exists(), "{}", run.stderr);
    run
}

/// A server without SIZE for the state file: the lock's check that the state did not change
/// reads the file itself (it took every run for "changed" and stopped it, exit 1). The state
/// read asked its SIZE; the check takes the size from MLST and reads the file without asking
/// SIZE again.
#[tokio::test]
async fn the_state_check_works_on_a_server_without_size() {
    within(redeploy_with_the_state_size_refused("502 SIZE not implemented.")).await;
}

/// A 550 to SIZE is not "no such file": RFC 3659 section 4.2 gives it also where the size
/// cannot be determined (z/OS for files it cannot size). The state file is still read, and
/// trusted: one file sent, no "no state file" fallback to listings.
#[tokio::test]
async fn a_state_file_whose_size_the_server_will_not_give_is_still_read() {
    within(async {
        let run = redeploy_with_the_state_size_refused("550 Could not get file size.").await;
        assert!(!run.stderr.contains("no state file"), "{}", run.stderr);
    })
    .await;
}

/// A run that finds, once it holds the lock, that the state file is not the one it planned
/// from (another deploy finished meanwhile) removes the lock and stops, changing nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_that_changed_while_the_run_planned_stops_it() {
    use crate::support::faults::{FaultProxy, Faults};
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        site.deploy(&[]).await.assert_code(0);
        write(&site.source().join(page(0)), b"version 2\n");
        let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
        proxy.hold("MKD www/.pasv-deploy.json.lock");
        let url = format!("{}/www/", proxy.url());
        let running = pasv(["-v", "deploy", site.source().to_str().unwrap(), &url]).spawn();
        let running = wait_for(running, "the lock's MKD", || proxy.holding()).await;
        // Another deploy's last save: the same size, other content.
        let path = site.www().join(STATE);
        let text = std::fs::read_to_string(&path).unwrap();
        let other = text.replacen(&sha256(b"content of file 3\n"), &sha256(b"another deploy's\n"), 1);
        assert_ne!(other, text);
        std::fs::write(&path, &other).unwrap();
        let before = tree(site.server.root.path());
        proxy.release();
        let run = running.finish().await;
        run.assert_code(1);
        let said = "pasv: error: another deploy finished while this one was planning: the state file \
                    www/.pasv-deploy.json changed after this run read it. Nothing was changed; run again";
        assert!(run.stderr.contains(said), "{}", run.stderr);
        assert_eq!(tree(site.server.root.path()), before, "nothing changed, and the lock is gone: {}", run.stderr);
    })
    .await;
}

/// Ctrl-C stops a deploy and removes its lock on the way out (exit 130).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_deploy_removes_its_lock() {
    // Ctrl-C, and SIGTERM: what a CI runner sends a job it cancels or that ran out of time.
    for signal in ["-INT", "-TERM"] {
        within(async {
            let site = Site::new().await;
            slow_site(&site.source());
            // Once its state is saved (it holds the lock then, and listens for the signal).
            let state_file = site.www().join(STATE);
            let running =
                wait_for(slow_deploy(&site, &[]), "the state saved", || recorded(&state_file).is_some()).await;
            assert!(site.www().join(LOCK).join("owner").is_file());
            let interrupted = std::process::Command::new("kill").arg(signal).arg(running.id().to_string()).status();
            assert!(interrupted.unwrap().success());
            let run = running.finish().await;
            run.assert_code(130);
            assert!(!site.www().join(LOCK).exists(), "{signal}: {}", run.stderr);
            assert!(site.deploy(&[]).await.assert_code(0).stderr.contains("resuming"));
        })
        .await;
    }
}

/// vsftpd lists no dot entries: the site's `.well-known` and a protected `.htaccess` are
/// found by name, carried into each release and back with a rollback; the same on ProFTPD
/// and pure-ftpd (which list them). The deploy lock works on all three ([`lock_cycle`]).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_dir_on_real_servers_carries_protected_dot_paths_they_may_not_list() {
    for (kind, name) in [(Kind::Vsftpd, "vsftpd"), (Kind::Proftpd, "proftpd"), (Kind::PureFtpd, "pure-ftpd")] {
        let Some(daemon) = started(Spec::plain(kind), name).await else { continue };
        within(release_cycle(&daemon, name)).await;
        within(lock_cycle(&daemon, name)).await;
    }
}

/// The lock on a real server: MKD refuses a directory that is there, and a stale owner is
/// told by the server's times (MDTM on vsftpd, MLST on the others).
async fn lock_cycle(daemon: &Daemon, name: &str) {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("public");
    make_site(&source, 3);
    let url = daemon.url(true, "locked/");
    let site = daemon.root.join("locked");
    deploy(&source, &url, &[]).await.assert_code(0);
    let owner = site.join(LOCK).join("owner");
    write(&owner, OTHER_OWNER);
    daemon.fix_ownership();
    write(&source.join(page(0)), b"version 2\n");
    let run = deploy(&source, &url, &[]).await;
    run.assert_code(1);
    assert!(
        run.stderr.contains(&format!(".pasv-deploy.json.lock ({OTHER}; last heard from ")),
        "{name}: {}",
        run.stderr
    );
    written_ago(&owner, Duration::from_secs(20 * 60));
    let run = deploy(&source, &url, &[]).await;
    run.assert_code(0);
    assert!(run.stderr.contains("last heard from 20 min ago by the server's clock"), "{name}: {}", run.stderr);
    assert_eq!(published(&site), tree(&source), "{name}: {}", run.stderr);
}

async fn release_cycle(daemon: &Daemon, name: &str) {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("public");
    make_site(&source, 4);
    let url = daemon.url(true, "www/");
    let www = daemon.root.join("www");
    let flags = ["--release-dir", "--protect", ".htaccess"];
    deploy(&source, &url, &flags).await.assert_code(0);
    let v1 = published(&www);
    write(&www.join(".well-known/acme-challenge/token"), b"acme\n");
    write(&www.join(".htaccess"), b"Require all granted\n");
    daemon.fix_ownership();
    let hosted = [".well-known/acme-challenge/token", ".htaccess"];

    write(&source.join(page(0)), b"version 2\n");
    let run = deploy(&source, &url, &flags).await;
    run.assert_code(0);
    let now = published(&www);
    for rel in hosted {
        assert!(now.contains_key(rel), "{name}: {rel} not carried: {}", run.stderr);
    }
    assert_eq!(now.len(), tree(&source).len() + 2, "{name}");
    assert_eq!(published(&daemon.root.join("www.pasv-previous")), v1, "{name}");

    let run = pasv(["-v", "deploy", "--rollback", "--protect", ".htaccess", &url]).run().await;
    run.assert_code(0);
    let back = published(&www);
    assert_eq!(back.len(), v1.len() + 2, "{name}: {}", run.stderr);
    assert_eq!(back[&page(0)], v1[&page(0)], "{name}");
    for rel in hosted {
        assert!(back.contains_key(rel), "{name}: {rel} not carried back: {}", run.stderr);
    }
}

/// Shared hosts allow a few connections from one address (vsftpd `max_per_ip`, ProFTPD
/// `MaxClientsPerHost`, pure-ftpd `-C`), each server family refusing the next one in its own
/// words. `-j 8` gets the sessions the server grants: a first deploy, a redeploy that uploads
/// and deletes, and a mirror back all complete, and say how many sessions they got.
///
/// Then, with one and with two sessions allowed, a redeploy as if the server were far (its
/// login held 100 ms at a proxy): the deploy lock's session of its own beside the listings is
/// refused where only one is allowed, and the lock is then taken on the one session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_allows_two_sessions_per_host_still_gets_the_whole_site() {
    for limit in [2, 1] {
        for (kind, name) in [(Kind::Vsftpd, "vsftpd"), (Kind::Proftpd, "proftpd"), (Kind::PureFtpd, "pure-ftpd")] {
            let spec = Spec { max_per_host: Some(limit), ..Spec::plain(kind) };
            let Some(daemon) = started(spec, name).await else { continue };
            let name = format!("{name}, {limit} per host");
            within(limited_cycle(&daemon, &name)).await;
        }
    }
}

/// ProFTPD's compiled default, `AllowOverwrite off`, refuses a STOR over an existing file. A
/// deploy sends changed files under temporary names and renames them into place (deleting
/// the old file first where the server insists), and `mirror --atomic` does the same: both
/// complete there. A plain `mirror` of changed files fails with the server's words and a hint
/// toward `--atomic`, and deletes nothing to get its way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_will_not_overwrite_still_gets_deploys_and_atomic_mirrors() {
    let spec = Spec { no_overwrite: true, ..Spec::plain(Kind::Proftpd) };
    let Some(daemon) = started(spec, "proftpd").await else { return };
    within(async {
        let work = tempfile::tempdir().unwrap();
        let source = work.path().join("public");
        make_site(&source, 60);
        let url = daemon.url(true, "www/");
        let www = daemon.root.join("www");
        let run = deploy(&source, &url, &["-j", "8"]).await;
        run.assert_code(0);
        assert_eq!(published(&www), tree(&source), "{}", run.stderr);
        let mirror_url = daemon.url(true, "copy");
        let mirror = |atomic: bool| {
            let mut args = vec!["-j", "8", "mirror"];
            if atomic {
                args.push("--atomic");
            }
            args.extend([source.to_str().unwrap(), &mirror_url]);
            pasv(args).run()
        };
        mirror(false).await.assert_code(0);

        for i in [0, 7, 21, 44] {
            write(&source.join(page(i)), format!("version 2 of file {i}\n").as_bytes());
        }
        let run = deploy(&source, &url, &["-j", "8"]).await;
        run.assert_code(0);
        assert_eq!(published(&www), tree(&source), "{}", run.stderr);
        assert!(run.stderr.contains("copied 4 file(s)"), "{}", run.stderr);

        let run = mirror(false).await;
        run.assert_code(5);
        assert!(
            run.stderr.contains("Overwrite permission denied") && run.stderr.contains("--atomic"),
            "{}",
            run.stderr
        );
        let copy = daemon.root.join("copy");
        assert_eq!(std::fs::read(copy.join(page(7))).unwrap(), b"content of file 7\n", "not deleted to get its way");
        let run = mirror(true).await;
        run.assert_code(0);
        assert_eq!(tree(&copy), tree(&source), "{}", run.stderr);
    })
    .await;
}

/// A host whose connections are all in use turns the first login away, each family in its
/// own words (vsftpd and pure-ftpd 421 at the greeting, ProFTPD "530 Sorry, the maximum number
/// of clients"): that is "try again later" (exit 4, with a hint toward `--retries`), not a
/// wrong password, and `--retries` waits until a connection is free. Here the one connection
/// the server allows is held by another client until pasv has been turned away once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_whose_connections_are_all_in_use_is_tried_again_not_taken_for_a_wrong_password() {
    use crate::support::faults::{FaultProxy, Faults};
    for (kind, name) in [(Kind::Vsftpd, "vsftpd"), (Kind::Proftpd, "proftpd"), (Kind::PureFtpd, "pure-ftpd")] {
        let spec = Spec { max_per_host: Some(1), ..Spec::plain(kind) };
        let Some(daemon) = started(spec, name).await else { continue };
        within(async {
            let work = tempfile::tempdir().unwrap();
            let source = work.path().join("public");
            make_site(&source, 6);
            let held = logged_in(&daemon).await;

            let run = pasv(["ls", &daemon.url(true, "")]).run().await;
            run.assert_code(4);
            assert!(run.stderr.contains("--retries"), "{name}: no hint toward --retries: {}", run.stderr);
            assert!(!run.stderr.contains("password"), "{name}: taken for a wrong password: {}", run.stderr);

            let proxy = FaultProxy::start(([127, 0, 0, 1], daemon.port).into(), Faults::NONE).await;
            let at = proxy.url().replacen("ftp://", &format!("ftp://{}:{}@", daemons::USER, daemons::PASSWORD), 1);
            let running = pasv(["-v", "--retries", "5", "deploy", source.to_str().unwrap(), &format!("{at}/www/")]);
            let running =
                wait_for(running.spawn(), "a second login after the first was turned away", || proxy.sessions() >= 2)
                    .await;
            drop(held);
            let run = running.finish().await;
            run.assert_code(0);
            assert_eq!(published(&daemon.root.join("www")), tree(&source), "{name}: {}", run.stderr);
        })
        .await;
    }
}

/// A session logged in on `daemon` by a client of its own, held until dropped. The server may
/// still count a connection that just closed (the readiness probe's): turned away, it tries
/// again, for 30 s at most.
async fn logged_in(daemon: &Daemon) -> tokio::net::TcpStream {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    let deadline = Instant::now() + Duration::from_secs(30);
    'again: loop {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", daemon.port)).await.unwrap();
        let mut stream = BufReader::new(stream);
        let reply = async |stream: &mut BufReader<tokio::net::TcpStream>| {
            let mut line = String::new();
            loop {
                line.clear();
                if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return "closed".to_string();
                }
                if line.as_bytes().get(3) == Some(&b' ') {
                    return line.trim_end().to_string();
                }
            }
        };
        let steps = [
            (None, "220"),
            (Some(format!("USER {}", daemons::USER)), "331"),
            (Some(format!("PASS {}", daemons::PASSWORD)), "230"),
        ];
        for (command, want) in steps {
            if let Some(command) = &command {
                stream.get_mut().write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
            }
            let got = reply(&mut stream).await;
            if got.starts_with(want) {
                continue;
            }
            assert!(Instant::now() < deadline, "not within 30 s: a session held on the server (last reply: {got})");
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue 'again;
        }
        return stream.into_inner();
    }
}

/// `source` deployed to `path` on `daemon` as if the server were far: through a proxy that
/// holds the first login's PASS for 100 ms (a login of 50 ms or more is far).
async fn far_deploy(daemon: &Daemon, source: &Path, path: &str) -> Run {
    use crate::support::faults::{FaultProxy, Faults};
    let proxy = FaultProxy::start(([127, 0, 0, 1], daemon.port).into(), Faults::NONE).await;
    proxy.hold(&format!("PASS {}", daemons::PASSWORD));
    let at = proxy.url().replacen("ftp://", &format!("ftp://{}:{}@", daemons::USER, daemons::PASSWORD), 1);
    let running = pasv(["-v", "--retries", "3", "deploy", source.to_str().unwrap(), &format!("{at}/{path}")]).spawn();
    let running = wait_for(running, "the login", || proxy.holding()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.release();
    running.finish().await
}

async fn limited_cycle(daemon: &Daemon, name: &str) {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("public");
    make_site(&source, 60);
    let url = daemon.url(true, "www/");
    let www = daemon.root.join("www");
    // A server may still count the connections of the run before for a moment after they
    // closed, and refuse this run's first login: as the README tells users of such hosts,
    // every run here has `--retries`.
    let limited = |run: &Run, what: &str| {
        let said = run.stderr.lines().find(|l| l.contains("parallel session"));
        assert!(
            said.is_some_and(
                |l| l.contains("accepted only 1 parallel session") || l.contains("accepted only 2 parallel")
            ),
            "{name}, {what}: no note of the limit: {}",
            run.stderr
        );
    };

    let run = deploy(&source, &url, &["-j", "8", "--retries", "3"]).await;
    run.assert_code(0);
    assert_eq!(published(&www), tree(&source), "{name}: {}", run.stderr);
    limited(&run, "first deploy");

    for i in 0..10 {
        write(&source.join(page(i)), format!("version 2 of file {i}\n").as_bytes());
    }
    for i in 50..55 {
        std::fs::remove_file(source.join(page(i))).unwrap();
    }
    let run = deploy(&source, &url, &["-j", "8", "--retries", "3"]).await;
    run.assert_code(0);
    assert!(run.stderr.contains("copied 10 file(s)"), "{name}: {}", run.stderr);
    assert_eq!(published(&www), tree(&source), "{name}: {}", run.stderr);

    let back = work.path().join("back");
    let run = pasv(["-v", "-j", "8", "--retries", "3", "mirror", &url, back.to_str().unwrap()]).run().await;
    run.assert_code(0);
    assert_eq!(published(&back), tree(&source), "{name}: {}", run.stderr);
    limited(&run, "mirror back");

    for i in 3..6 {
        write(&source.join(page(i)), format!("version 3 of file {i}\n").as_bytes());
    }
    let run = far_deploy(daemon, &source, "www/").await;
    run.assert_code(0);
    assert!(run.stderr.contains("copied 3 file(s)"), "{name}: {}", run.stderr);
    assert_eq!(published(&www), tree(&source), "{name}: {}", run.stderr);
    assert!(!www.join(LOCK).exists(), "{name}: {}", run.stderr);
}

/// Far from the server (a login of 50 ms or more), a redeploy takes its lock on a session of
/// its own beside the listings its first changes ask for: here the listing of css/ is held at
/// a proxy until the lock's owner file is on the server, which a lock taken after the listings
/// never is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_from_the_server_a_redeploy_takes_its_lock_beside_the_listings() {
    within(async {
        let site = Site::new().await;
        let (running, proxy) = far_redeploy(&site, "MLSD www/css").await;
        let owner = site.www().join(LOCK).join("owner");
        let running = wait_for(running, "the listing of css/ held", || proxy.holding()).await;
        let running = wait_for(running, "the lock taken while the listing waits", || owner.is_file()).await;
        assert!(proxy.holding(), "the listing went on before the lock was taken: {}", proxy.describe());
        proxy.release();
        one_file_redeployed(&site, running.finish().await);
    })
    .await;
}

/// Far from the server, a second session logs in while the state file is read, and waits: the
/// lock taken at the scan's first change then needs no login of its own. Here the state file's
/// RETR is held at the proxy until that second session is there, which a session opened only
/// for the lock (after the state is read) never is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_from_the_server_the_lock_s_session_logs_in_while_the_state_file_is_read() {
    within(async {
        let site = Site::new().await;
        let (running, proxy) = far_redeploy(&site, &format!("RETR www/{STATE}")).await;
        let running = wait_for(running, "the state file's RETR held", || proxy.holding()).await;
        let running =
            wait_for(running, "a second session while the state file is read", || proxy.sessions() >= 2).await;
        proxy.release();
        one_file_redeployed(&site, running.finish().await);
    })
    .await;
}

/// Far from the server, a first deploy (no state: no lock while the scan runs) does not wait
/// for the session that started logging in during the state read: when the listings and
/// uploads start it joins the pool if it is in, else it is given up (left halfway, it would
/// hold a slot of a host that limits connections). Here its PASS, if it comes that far, is
/// held at the proxy for 60 s: a run that waited for that login would take that long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_from_the_server_a_first_deploy_does_not_wait_for_the_session_still_logging_in() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 6);
        // The next PASS after the first login's is the second session's: held until the proxy
        // goes (60 s at most; pasv's --timeout is longer).
        let (running, _proxy) = through_far_proxy(&site, "PASS pasv@").await;
        // Given up before its PASS (a busy machine), or with its PASS held: either way the run
        // ends without it.
        let mut running = running;
        let deadline = Instant::now() + Duration::from_secs(40);
        while !running.exited() {
            assert!(Instant::now() < deadline, "pasv did not end within 40 s: it waits for the held login");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let run = running.finish().await;
        run.assert_code(0);
        assert!(run.stderr.contains("copied 6 file(s)"), "{}", run.stderr);
        assert_eq!(published(&site.www()), tree(&site.source()));
    })
    .await;
}

/// A site of 6 pages deployed, then one changed and deployed again [`through_far_proxy`].
async fn far_redeploy(site: &Site, then: &str) -> (Running, crate::support::faults::FaultProxy) {
    make_site(&site.source(), 6);
    site.deploy(&[]).await.assert_code(0);
    write(&site.source().join(page(1)), b"version 2\n");
    through_far_proxy(site, then).await
}

/// The site's source deployed through a proxy that makes the server far (the login's PASS held
/// 100 ms) and then holds the command `then` until released.
async fn through_far_proxy(site: &Site, then: &str) -> (Running, crate::support::faults::FaultProxy) {
    use crate::support::faults::{FaultProxy, Faults};
    let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
    proxy.hold("PASS pasv@");
    let url = format!("{}/www/", proxy.url());
    // A command held longer than the default --timeout would be sent again on another
    // session (or, a login, given up).
    let running = pasv(["-v", "--timeout", "120", "deploy", site.source().to_str().unwrap(), &url]).spawn();
    let running = wait_for(running, "the login", || proxy.holding()).await;
    proxy.hold(then);
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.release();
    (running, proxy)
}

fn one_file_redeployed(site: &Site, run: Run) {
    run.assert_code(0);
    assert!(run.stderr.contains("copied 1 file(s)"), "{}", run.stderr);
    assert_eq!(published(&site.www()), tree(&site.source()));
    assert!(!site.www().join(LOCK).exists(), "{}", run.stderr);
}

/// A lock taken while the scan still runs is heard from while it goes on, as during uploads:
/// a scan of a large or slow source tree can outlast the lock's 10 minutes. Here the changed
/// page is at the top (its batch is a scan thread's first, handed out at once) and 32 MiB of
/// zeros in media/ (a sparse file, recorded in the state as deployed) keep the scan going
/// (about a second in a debug build); the heartbeat (every 20 ms in this test) writes the
/// owner file again before the intent is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_taken_during_the_scan_is_heard_from_while_it_runs() {
    within(async {
        let site = Site::new().await;
        make_site(&site.source(), 3);
        let big = 32u64 << 20;
        write(&site.source().join("media/video.bin"), &[0]);
        site.deploy(&[]).await.assert_code(0);
        // As if the 256 MiB had been deployed: there, and in the state.
        for root in [site.source(), site.www()] {
            std::fs::File::options().write(true).open(root.join("media/video.bin")).unwrap().set_len(big).unwrap();
        }
        let zeros = {
            use sha2::Digest as _;
            let mut hasher = sha2::Sha256::new();
            let block = vec![0u8; 1 << 20];
            for _ in 0..32 {
                hasher.update(&block);
            }
            format!("{:x}", hasher.finalize())
        };
        let state = site.www().join(STATE);
        let text = std::fs::read_to_string(&state).unwrap();
        let deployed = format!(r#""media/video.bin":{{"sha256":"{}","size":1}}"#, sha256(&[0]));
        assert!(text.contains(&deployed), "{text}");
        let text = text.replace(&deployed, &format!(r#""media/video.bin":{{"sha256":"{zeros}","size":{big}}}"#));
        std::fs::write(&state, text).unwrap();

        write(&site.source().join(page(0)), b"version 2\n");
        let (source, url) = (site.source(), site.url());
        let args = ["-v", "deploy", source.to_str().unwrap(), &url];
        let run = pasv(args).env("PASV_TEST_LOCK_BEAT_MS", "20").run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("copied 1 file(s)"), "{}", run.stderr);
        let commands = sent(&run);
        let intent = commands.iter().position(|c| c.starts_with("STOR www/.pasv-deploy.json.pasv-part")).unwrap();
        let owner = format!("STOR www/{LOCK}/owner");
        let beats = commands[..intent].iter().filter(|c| **c == owner).count();
        assert!(beats >= 2, "the lock was not heard from during the scan ({beats} owner write): {commands:?}");
        assert_eq!(published(&site.www()), tree(&site.source()));
    })
    .await;
}

/// A directory that receives many files has their sizes confirmed by one listing, not a SIZE
/// each; and the listing is checked: a file it shows short (cut by something between pasv
/// and the server, which still answered 226) is sent again, one by one with its SIZE, and
/// recorded only then. The proxy holds the listing that confirms, while the test cuts a file
/// the server holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_uploads_to_a_directory_are_confirmed_by_its_listing_and_a_short_one_goes_again() {
    use crate::support::faults::{FaultProxy, Faults};
    within(async {
        let site = Site::new().await;
        let count = 20;
        for i in 0..count {
            write(&site.source().join(format!("d/f{i:02}.txt")), format!("content of file {i}\n").as_bytes());
        }
        let proxy = FaultProxy::start(site.server.server.addr(), Faults::NONE).await;
        let listing = "MLSD www/d";
        proxy.hold(listing);
        let url = format!("{}/www/", proxy.url());
        let mut running = pasv(["-v", "-j", "2", "--retries", "1", "deploy", site.source().to_str().unwrap(), &url])
            .env("PASV_TEST_NEAR_MS", crate::tree::NEAR_ON_A_BUSY_MACHINE)
            .spawn();
        let cut = site.www().join("d/f07.txt");
        // The plan's listing of the new target comes first: let it go, and hold the next.
        for _ in 0..2 {
            running = wait_for(running, "the listing of www/d", || proxy.holding()).await;
            if (0..count).all(|i| site.www().join(format!("d/f{i:02}.txt")).is_file()) {
                break;
            }
            proxy.hold(listing);
            proxy.release();
        }
        assert!(cut.is_file(), "the listing held is not the one after the uploads: {}", proxy.describe());
        std::fs::write(&cut, b"content").unwrap();
        proxy.release();
        let run = running.finish().await;
        let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
        run.assert_code(0);
        for i in 0..count {
            let want = format!("content of file {i}\n");
            assert_eq!(std::fs::read(site.www().join(format!("d/f{i:02}.txt"))).unwrap(), want.as_bytes(), "{context}");
        }
        assert!(run.stderr.contains("pasv: d/f07.txt: transfer incomplete"), "{context}");
        // One SIZE: the one for the file sent again.
        let sizes: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("> SIZE www/d/")).collect();
        assert_eq!(sizes, ["> SIZE www/d/f07.txt"], "{context}");
        assert_eq!(recorded(&site.www().join(STATE)), Some(count), "{context}");
    })
    .await;
}

/// The listing that confirms many uploads to one directory, on real servers: vsftpd lists no
/// dot files, so theirs get a SIZE each; a name with spaces is found in every family's
/// listing. The site arrives whole, every file recorded, and no other file asks SIZE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_confirmed_by_listings_on_real_servers_find_dot_files_and_spaces() {
    for (kind, name) in [(Kind::Vsftpd, "vsftpd"), (Kind::Proftpd, "proftpd"), (Kind::PureFtpd, "pure-ftpd")] {
        let Some(daemon) = started(Spec::plain(kind), name).await else { continue };
        within(async {
            let work = tempfile::tempdir().unwrap();
            let source = work.path().join("public");
            let mut names: Vec<String> = (0..18).map(|i| format!("d/page {i:02}.html")).collect();
            names.extend([".htaccess", ".user.ini"].map(|dot| format!("d/{dot}")));
            for (i, rel) in names.iter().enumerate() {
                write(&source.join(rel), format!("{rel}: {}\n", "x".repeat(i * 37)).as_bytes());
            }
            let url = daemon.url(true, "www/");
            let run = pasv(["-v", "-j", "2", "deploy", source.to_str().unwrap(), &url])
                .env("PASV_TEST_NEAR_MS", crate::tree::NEAR_ON_A_BUSY_MACHINE)
                .run()
                .await;
            run.assert_code(0);
            let www = daemon.root.join("www");
            assert_eq!(published(&www), tree(&source), "{name}: {}", run.stderr);
            assert_eq!(recorded(&www.join(STATE)), Some(names.len()), "{name}: {}", run.stderr);
            let sized: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("> SIZE www/d/")).collect();
            assert!(sized.iter().all(|l| l.starts_with("> SIZE www/d/.")), "{name}: {sized:?}\n{}", run.stderr);
            if kind == Kind::Vsftpd {
                assert_eq!(sized, ["> SIZE www/d/.htaccess", "> SIZE www/d/.user.ini"], "{name}: {}", run.stderr);
            }
        })
        .await;
    }
}

/// The daemon `spec` asks for, started; `None` (and a note saying why) where it cannot run
/// here.
async fn started(spec: Spec, name: &str) -> Option<Daemon> {
    match tokio::task::spawn_blocking(move || Daemon::start(spec)).await.unwrap() {
        Ok(daemon) => Some(daemon),
        Err(why) => {
            daemons::unavailable(name, &why);
            None
        }
    }
}
