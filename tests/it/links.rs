//! Download targets that are not plain files: symbolic links are followed (the part file goes
//! beside the file they name, and replaces that file, never the link), our own descriptors
//! (`/proc/self/fd/1`, `/dev/fd/1`, `-o -`) and pipes are written through. Every write path:
//! one `get`, several into a directory, `get -r`, `mirror`, `--segments`, the shell and `-c`.

use std::os::unix::fs::{FileTypeExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::{TestServer, pasv, patterned, within};

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Where the link at `path` points, failing when it is no longer a link.
#[track_caller]
fn link_of(path: &Path) -> PathBuf {
    let meta = std::fs::symlink_metadata(path).unwrap();
    assert!(meta.file_type().is_symlink(), "{} was replaced by a {:?}", path.display(), meta.file_type());
    std::fs::read_link(path).unwrap()
}

/// The file at `path` holds `expected` (without printing megabytes when it does not).
#[track_caller]
fn assert_holds(path: impl AsRef<Path>, expected: &[u8]) {
    let got = std::fs::read(path.as_ref()).unwrap();
    let differs = got.iter().zip(expected).position(|(a, b)| a != b);
    assert!(
        got == expected,
        "{}: {} bytes, {} expected, first difference at {differs:?}",
        path.as_ref().display(),
        got.len(),
        expected.len()
    );
}

fn server_file(server: &TestServer, name: &str, data: &[u8]) -> String {
    std::fs::write(server.path(name), data).unwrap();
    server.url(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_through_a_link_writes_the_file_it_names_and_keeps_the_link() {
    within(async {
        let server = TestServer::start(false).await;
        let url = server_file(&server, "a.bin", &patterned(150_000));
        let b_url = server_file(&server, "b.bin", b"bravo");
        let work = tempfile::tempdir().unwrap();
        let (real, out) = (work.path().join("real"), work.path().join("out"));
        std::fs::create_dir_all(&real).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(real.join("target.txt"), "old").unwrap();
        // A chain of two links, the second relative to its own directory.
        symlink("../real/target.txt", out.join("link")).unwrap();
        symlink("link", out.join("chain")).unwrap();
        let run = pasv(["get", &url, "-o", out.join("chain").to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_holds(real.join("target.txt"), &patterned(150_000));
        assert_eq!(
            (link_of(&out.join("chain")), link_of(&out.join("link"))),
            ("link".into(), "../real/target.txt".into())
        );
        assert_eq!(
            (names(&out), names(&real)),
            (vec!["chain".to_string(), "link".into()], vec!["target.txt".to_string()])
        );

        // A dangling link: its target is created, as curl does, and the link stays.
        symlink(real.join("new.txt"), out.join("dangling")).unwrap();
        pasv(["get", &url, "-o", out.join("dangling").to_str().unwrap()]).run().await.assert_code(0);
        assert_holds(real.join("new.txt"), &patterned(150_000));
        assert_eq!(link_of(&out.join("dangling")), real.join("new.txt"));

        // Several files into a directory, one name of which is a link.
        let into = work.path().join("into");
        std::fs::create_dir(&into).unwrap();
        symlink("../real/a-target", into.join("a.bin")).unwrap();
        let run = pasv(["get", &url, &b_url, "-o", into.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_holds(real.join("a-target"), &patterned(150_000));
        assert_eq!(link_of(&into.join("a.bin")), PathBuf::from("../real/a-target"));
        assert_eq!(std::fs::read(into.join("b.bin")).unwrap(), b"bravo");
        assert_eq!(names(&into), ["a.bin", "b.bin"]);

        // The engine-pool path (--retries) and the shell do the same.
        std::fs::write(real.join("target.txt"), "old").unwrap();
        let run = pasv(["get", "--retries", "1", &url, "-o", out.join("link").to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_holds(real.join("target.txt"), &patterned(150_000));
        assert_eq!(link_of(&out.join("link")), PathBuf::from("../real/target.txt"));
        std::fs::write(real.join("target.txt"), "old").unwrap();
        let run = pasv([server.url("/").as_str()]).stdin("get a.bin -o chain\n").cwd(&out).run().await;
        run.assert_code(0);
        assert_holds(real.join("target.txt"), &patterned(150_000));
        assert_eq!(link_of(&out.join("chain")), PathBuf::from("link"));
        assert_eq!(names(&out), ["chain", "dangling", "link"]);
    })
    .await;
}

/// Runs `pasv args` with its stdout on `stdout` (a file opened by the test, as a shell's `>`).
async fn run_into(args: Vec<String>, stdout: std::fs::File) -> i32 {
    let cmd = pasv(args);
    tokio::task::spawn_blocking(move || {
        let status = cmd.command().stdin(Stdio::null()).stdout(stdout).stderr(Stdio::inherit()).status().unwrap();
        status.code().unwrap_or(-1)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_own_stdout_is_written_through_whatever_names_it() {
    within(async {
        let server = TestServer::start(false).await;
        let url = server_file(&server, "a.bin", &patterned(100_000));
        let work = tempfile::tempdir().unwrap();
        // `ln -s /proc/self/fd/1 s; pasv get -o s URL > f`: stdout is a regular file here, and
        // renaming a part file over `s` (or over /dev/stdout) would replace the link.
        let s = work.path().join("s");
        symlink("/proc/self/fd/1", &s).unwrap();
        let f = work.path().join("f");
        let code = run_into(vec!["get".into(), "-o".into(), s.display().to_string(), url.clone()], {
            std::fs::File::create(&f).unwrap()
        })
        .await;
        assert_eq!(code, 0);
        assert_holds(&f, &patterned(100_000));
        assert_eq!(link_of(&s), PathBuf::from("/proc/self/fd/1"));
        assert_eq!(names(work.path()), ["f", "s"]);

        // `>>`: the data goes after what the file had, through the shell's own descriptor.
        std::fs::write(&f, "head\n").unwrap();
        let appending = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
        let code = run_into(vec!["get".into(), "-o".into(), "/dev/fd/1".into(), url.clone()], appending).await;
        assert_eq!(code, 0);
        let mut expected = b"head\n".to_vec();
        expected.extend(patterned(100_000));
        assert_holds(&f, &expected);

        // `-o -` is stdout, as in curl; with --json (also on stdout) it is a usage error.
        let run = pasv(["get", "-o", "-", &url]).cwd(work.path()).run().await;
        run.assert_code(0);
        assert!(run.stdout_bytes == patterned(100_000), "stdout had {} bytes, not the file", run.stdout_bytes.len());
        assert_eq!(names(work.path()), ["f", "s"], "a file named - was created");
        let run = pasv(["get", "--json", "-o", "-", &url]).cwd(work.path()).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("--json"), "{}", run.stderr);
        let run = pasv(["get", "-c", "-o", "-", &url]).cwd(work.path()).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("nothing to resume"), "{}", run.stderr);
        // A remote file named "-" is still saved as a file of that name.
        let dash = server_file(&server, "-", b"dash");
        pasv(["get", &dash]).cwd(work.path()).run().await.assert_code(0);
        assert_eq!(std::fs::read(work.path().join("-")).unwrap(), b"dash");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_through_a_link_appends_to_the_file_it_names() {
    within(async {
        let server = TestServer::start(false).await;
        let data = patterned(400_000);
        let url = server_file(&server, "big.bin", &data);
        let work = tempfile::tempdir().unwrap();
        let (real, out) = (work.path().join("real"), work.path().join("out"));
        std::fs::create_dir_all(&real).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        symlink("../real/big.bin", out.join("link")).unwrap();

        // What another tool left in the file the link names.
        std::fs::write(real.join("big.bin"), &data[..150_000]).unwrap();
        let run = pasv(["-v", "get", "-c", &url, "-o", out.join("link").to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("> REST 84464"), "did not resume:\n{}", run.stderr);
        assert!(std::fs::read(real.join("big.bin")).unwrap() == data, "resumed copy differs");
        assert_eq!(link_of(&out.join("link")), PathBuf::from("../real/big.bin"));

        // Our own part file, beside the file the link names (where an interrupted run left it).
        std::fs::remove_file(real.join("big.bin")).unwrap();
        std::fs::write(real.join(".big.bin.pasv-part"), &data[..200_000]).unwrap();
        let run = pasv(["-v", "get", "-c", &url, "-o", out.join("link").to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("> REST 134464"), "did not resume the part file:\n{}", run.stderr);
        assert!(std::fs::read(real.join("big.bin")).unwrap() == data, "resumed copy differs");
        assert_eq!((names(&out), names(&real)), (vec!["link".to_string()], vec!["big.bin".to_string()]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trees_mirrors_and_segments_follow_links_and_write_through_pipes() {
    within(async {
        let server = TestServer::start(false).await;
        std::fs::create_dir(server.path("tree")).unwrap();
        std::fs::write(server.path("tree/a.txt"), "alpha").unwrap();
        std::fs::write(server.path("tree/b.txt"), "bravo").unwrap();
        std::fs::write(server.path("tree/c.txt"), "charlie").unwrap();
        let big = patterned(16 * 1024 * 1024 + 4321);
        std::fs::write(server.path("big.bin"), &big).unwrap();
        let work = tempfile::tempdir().unwrap();
        let keep = work.path().join("keep");
        std::fs::create_dir(&keep).unwrap();

        // get -r into an existing tree whose a.txt is a link and b.txt a FIFO.
        let copy = work.path().join("copy/tree");
        std::fs::create_dir_all(&copy).unwrap();
        symlink("../../keep/a.txt", copy.join("a.txt")).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(copy.join("b.txt")).status().unwrap().success());
        let reader = {
            let fifo = copy.join("b.txt");
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let run =
            pasv(["get", "-r", &server.url("tree/"), "-o", work.path().join("copy").to_str().unwrap()]).run().await;
        run.assert_code(0);
        // Checked before the reader is joined: a FIFO replaced by a file never gets a writer.
        assert!(std::fs::symlink_metadata(copy.join("b.txt")).unwrap().file_type().is_fifo(), "the FIFO was replaced");
        assert_eq!(link_of(&copy.join("a.txt")), PathBuf::from("../../keep/a.txt"));
        assert_eq!(reader.join().unwrap(), b"bravo");
        assert_eq!(std::fs::read_to_string(keep.join("a.txt")).unwrap(), "alpha");
        assert_eq!(std::fs::read_to_string(copy.join("c.txt")).unwrap(), "charlie");
        assert_eq!(names(&copy), ["a.txt", "b.txt", "c.txt"]);

        // mirror: the link's file is compared and written, and a second run finds it current.
        let mirrored = work.path().join("mirrored");
        std::fs::create_dir(&mirrored).unwrap();
        std::fs::write(keep.join("m.txt"), "stale and longer").unwrap();
        symlink(keep.join("m.txt"), mirrored.join("a.txt")).unwrap();
        let run = pasv(["-v", "mirror", &server.url("tree"), mirrored.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(keep.join("m.txt")).unwrap(), "alpha");
        assert_eq!(link_of(&mirrored.join("a.txt")), keep.join("m.txt"));
        let run = pasv(["-v", "mirror", &server.url("tree"), mirrored.to_str().unwrap()]).run().await;
        run.assert_code(0);
        assert!(!run.stderr.contains("> RETR"), "the second mirror copied again:\n{}", run.stderr);

        // --segments: the part and state files go beside the file the link names.
        let seg = work.path().join("seg");
        std::fs::create_dir(&seg).unwrap();
        symlink("../keep/big.bin", seg.join("big.bin")).unwrap();
        let run = pasv(["get", "--segments", "3", &server.url("big.bin"), "-o", seg.join("big.bin").to_str().unwrap()])
            .run()
            .await;
        run.assert_code(0);
        assert!(std::fs::read(keep.join("big.bin")).unwrap() == big, "segmented copy differs");
        assert_eq!(link_of(&seg.join("big.bin")), PathBuf::from("../keep/big.bin"));
        assert_eq!(names(&seg), ["big.bin"]);
        assert_eq!(names(&keep), ["a.txt", "big.bin", "m.txt"]);
        // ... and stdout takes them in order over one connection.
        let run = pasv(["get", "--segments", "3", "-o", "-", &server.url("big.bin")]).run().await;
        run.assert_code(0);
        assert!(run.stdout_bytes == big, "segmented download to stdout differs");
    })
    .await;
}
