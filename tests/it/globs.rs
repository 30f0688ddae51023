//! Wildcards in one-shot URLs (`pasv get 'ftp://host/docs/*.pdf'`): the last segment expands
//! against one listing of its directory; escapes, `%2A` and `--no-glob` make it literal.

use std::path::Path;
use std::time::Duration;

use crate::support::scripted::{FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, listing, r, steps};
use crate::support::{TestServer, pasv, within};

/// The names in a local directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn write(server: &TestServer, files: &[&str]) {
    for file in files {
        let path = server.path(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("<{file}>")).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_of_a_star_fetches_exactly_the_matches() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server, &["docs/a.pdf", "docs/b.pdf", "docs/c.txt", "docs/.hidden.pdf", "docs/pdf", "other/x.pdf"]);
        std::fs::create_dir(server.path("docs/sub.pdf")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "get", &server.url("docs/*.pdf"), "-o", out.path().to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(names(out.path()), ["a.pdf", "b.pdf"]);
        assert_eq!(std::fs::read_to_string(out.path().join("a.pdf")).unwrap(), "<docs/a.pdf>");
        // One listing, one connection, and the pattern itself never sent as a path.
        assert_eq!(run.stderr.matches("* connected to").count(), 1, "{}", run.stderr);
        let sent: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("> ") && !l.starts_with("> PASS")).collect();
        assert!(sent.iter().all(|l| !l.contains('*')), "{sent:#?}");
        assert!(run.stderr.contains("sub.pdf is a directory: left out (get -r copies directories)"), "{}", run.stderr);

        // --json: one result per matched file, as for several URLs.
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--json", "get", &server.url("docs/*.pdf"), "-o", out.path().to_str().unwrap()]).run().await;
        run.assert_code(0);
        let urls: Vec<String> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["url"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(urls, [server.url("docs/a.pdf"), server.url("docs/b.pdf")]);

        // A wildcard's matches depend on the server: -o must name a directory.
        let run =
            pasv(["get", &server.url("docs/a*.pdf"), "-o", out.path().join("one.pdf").to_str().unwrap()]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("-o must be an existing directory"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_marks_brackets_and_several_urls() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server, &["logs/r1.log", "logs/r2.log", "logs/r10.log", "logs/x1.log", "logs/y2.log"]);
        let get = |patterns: &[&str]| {
            let out = tempfile::tempdir().unwrap();
            let mut args = vec!["get".to_string(), "-o".into(), out.path().to_str().unwrap().into()];
            args.extend(patterns.iter().map(|p| server.url(&format!("logs/{p}"))));
            async move {
                let run = pasv(args).run().await;
                run.assert_code(0);
                names(out.path())
            }
        };
        assert_eq!(get(&["r?.log"]).await, ["r1.log", "r2.log"]);
        assert_eq!(get(&["[rx][!2].log"]).await, ["r1.log", "x1.log"]);
        assert_eq!(get(&["[a-x]1*"]).await, ["r1.log", "r10.log", "x1.log"]);
        // Each URL of the command line expands; a plain one stays itself.
        assert_eq!(get(&["r?.log", "y*", "r10.log"]).await, ["r1.log", "r10.log", "r2.log", "y2.log"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rm_of_a_glob_removes_only_the_matching_files() {
    within(async {
        let server = TestServer::start(true).await;
        write(&server, &["tmp/a.tmp", "tmp/b.tmp", "tmp/keep.txt", "tmp/dir.tmp/inside", "tmp/c.tmp.gz"]);
        let run = pasv(["--json", "rm", &server.url("tmp/*.tmp")]).run().await;
        run.assert_code(0);
        assert_eq!(names(&server.path("tmp")), ["c.tmp.gz", "dir.tmp", "keep.txt"]);
        assert!(server.path("tmp/dir.tmp/inside").is_file());
        let removed: Vec<serde_json::Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(removed.len(), 2, "{}", run.stdout);
        assert_eq!((removed[0]["action"].as_str(), removed[0]["path"].as_str()), (Some("rm"), Some("tmp/a.tmp")));
        assert_eq!(removed[1]["url"], server.url("tmp/b.tmp"));

        // Only a directory matches: nothing is removed, and the error says why.
        let run = pasv(["rm", &server.url("tmp/dir.*")]).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("rmdir removes an empty directory"), "{}", run.stderr);
        assert!(server.path("tmp/dir.tmp/inside").is_file());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_match_is_a_not_found_error_naming_the_pattern() {
    within(async {
        let server = TestServer::start(true).await;
        write(&server, &["docs/a.pdf"]);
        let url = server.url("docs/\u{202e}*.zip").replace("ftp://", "ftp://anonymous:s3cret-pw@");
        for command in ["get", "rm", "cat", "ls"] {
            let run = pasv(["-v", command, &url]).cwd(&server.path("docs")).run().await;
            run.assert_code(5);
            let shown = server.url("docs/\\u{202e}*.zip").replace("ftp://", "ftp://anonymous:****@");
            assert!(run.stderr.contains(&format!("no remote file matches {shown}")), "{command}: {}", run.stderr);
            assert!(!run.stderr.contains('\u{202e}'), "{command}: {}", run.stderr);
            assert!(!run.stderr.contains("s3cret-pw"), "{command}: {}", run.stderr);
        }
        assert!(server.path("docs/a.pdf").is_file());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_glob_escapes_and_percent_encoding_name_a_literal_star() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server, &["a*b.txt", "aXb.txt"]);
        let fetched = |args: &[&str]| {
            let out = tempfile::tempdir().unwrap();
            let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            args.extend(["-o".to_string(), out.path().to_str().unwrap().to_string()]);
            async move {
                let run = pasv(args).run().await;
                run.assert_code(0);
                (names(out.path()), std::fs::read_to_string(out.path().join("a*b.txt")).ok())
            }
        };
        let literal = (vec!["a*b.txt".to_string()], Some("<a*b.txt>".to_string()));
        assert_eq!(fetched(&["--no-glob", "get", &server.url("a*b.txt")]).await, literal);
        assert_eq!(fetched(&["get", &server.url("a\\*b.txt")]).await, literal);
        assert_eq!(fetched(&["get", &server.url("a%2Ab.txt")]).await, literal);
        assert_eq!(fetched(&["get", &server.url("a*b.txt")]).await.0, ["a*b.txt", "aXb.txt"]);
        // --no-glob is global: before the subcommand or after it.
        assert_eq!(fetched(&["get", &server.url("a*b.txt"), "--no-glob"]).await, literal);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_before_the_last_segment_is_a_usage_error() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server, &["d1/a.txt", "d[1]/a.txt"]);
        let run = pasv(["-v", "get", &server.url("d*/a.txt")]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("wildcards expand only in the last part of the path"), "{}", run.stderr);
        assert!(!run.stderr.contains("* connected to"), "nothing is sent: {}", run.stderr);
        // Escaped, the directory's own brackets are literal.
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["cat", &server.url("d\\[1\\]/a.txt")]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "<d[1]/a.txt>");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cat_and_ls_expand_too() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server, &["notes/b.txt", "notes/a.txt", "notes/c.md"]);
        std::fs::create_dir(server.path("notes/d.txt")).unwrap();
        let run = pasv(["cat", &server.url("notes/*.txt")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "<notes/a.txt><notes/b.txt>");
        let run = pasv(["ls", &server.url("notes/*.txt")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "a.txt\nb.txt\nd.txt\n");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_r_copies_matching_trees_and_files_and_mirror_refuses_a_wildcard() {
    within(async {
        let server = TestServer::start(false).await;
        write(&server, &["src/proj1/f.txt", "src/proj1/deep/g.txt", "src/proj2/h.txt", "src/projx.txt", "src/other/i"]);
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "-j", "1", "get", "-r", &server.url("src/proj*"), "-o", out.path().to_str().unwrap()])
            .run()
            .await;
        run.assert_code(0);
        assert_eq!(names(out.path()), ["proj1", "proj2", "projx.txt"]);
        assert_eq!(std::fs::read_to_string(out.path().join("proj1/deep/g.txt")).unwrap(), "<src/proj1/deep/g.txt>");
        assert_eq!(std::fs::read_to_string(out.path().join("projx.txt")).unwrap(), "<src/projx.txt>");
        // The sessions of one server serve every match.
        assert_eq!(run.stderr.matches("> USER").count(), 2, "the listing's session and the pool's: {}", run.stderr);
        // One summary for the whole command, not one per tree.
        assert_eq!(run.stderr.matches("pasv: get: copied").count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains("pasv: get: copied 4 file(s)"), "{}", run.stderr);
        let again = tempfile::tempdir().unwrap();
        let run =
            pasv(["--json", "get", "-r", &server.url("src/proj*"), "-o", again.path().to_str().unwrap()]).run().await;
        run.assert_code(0);
        let summaries: Vec<&str> = run.stdout.lines().filter(|l| l.contains(r#""action":"summary""#)).collect();
        assert_eq!(summaries.len(), 1, "{}", run.stdout);
        assert!(summaries[0].contains(r#""files":4"#), "{}", run.stdout);

        let run = pasv(["mirror", &server.url("src/proj*"), out.path().to_str().unwrap()]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("mirror does not expand wildcards"), "{}", run.stderr);
    })
    .await;
}

#[tokio::test]
async fn listed_names_that_leave_the_directory_are_never_followed() {
    within(async {
        let body = "-rw-r--r--    1 ftp  ftp   5 Jan 01  2024 ok.pdf\r\n\
                    -rw-r--r--    1 ftp  ftp   5 Jan 01  2024 x/../../evil.pdf\r\n\
                    -rw-r--r--    1 ftp  ftp   5 Jan 01  2024 \x1b[31mred.pdf\r\n\
                    drwxr-xr-x    2 ftp  ftp   5 Jan 01  2024 dir.pdf\r\n\
                    -rw-r--r--    1 ftp  ftp   5 Jan 01  2024 note.txt\r\n";
        let server = ScriptedServer::start(steps(vec![
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            listing("LIST docs", body),
            vec![e("DELE docs/ok.pdf"), r("250 Deleted"), Step::ExpectClose],
        ]))
        .await;
        let run = pasv(["rm", &format!("{}/docs/*.pdf", server.url())]).run().await;
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        run.assert_code(0);
        let deletes: Vec<&String> = transcript.commands.iter().filter(|c| c.starts_with("DELE")).collect();
        assert_eq!(deletes, ["DELE docs/ok.pdf"]);
        assert!(run.stderr.contains("\\x1b[31mred.pdf"), "{}", run.stderr);
        assert!(!run.stderr.contains('\x1b'), "{}", run.stderr);
        assert!(run.stderr.contains("dir.pdf is a directory"), "{}", run.stderr);
    })
    .await;
}
