//! Tree transfers through the fault-injecting proxy (support/faults.rs): resets, stalls,
//! dropped control connections and refused connections, each from a fixed seed and bounded,
//! are ridden out within `--retries` with nothing lost: the target matches the source byte
//! for byte, the exit code is 0, and no temporary is left on either side. A file that keeps
//! failing is given up, and its upload temporary deleted.

use std::path::Path;
use std::time::Duration;

use crate::support::faults::{FaultProxy, Faults, Kind};
use crate::support::{TestServer, files_now, pasv, patterned, within};
use crate::tree::{names, snapshot, write};

/// How long a stalled data connection stays silent: well past pasv's `--timeout` here.
const STALL: Duration = Duration::from_secs(5);
/// pasv's idle timeout in these runs (a stall has to outlast it).
const TIMEOUT: &str = "2";
/// Faults per run.
const FAULTS: usize = 3;

/// 48 files of 5 to 24 KB in four directories, one of them nested.
fn source_tree(dir: &Path) {
    for i in 0..48 {
        let sub = ["a", "b", "c/deeper", "d"][i % 4];
        write(&dir.join(format!("{sub}/f{i:02}.bin")), &patterned(5_000 + i * 397));
    }
}

/// Names under `root` that are temporaries of pasv's (uploads' or downloads'). Read while
/// pasv may be renaming files: an entry that is gone by the time it is looked at is skipped.
fn temporaries(root: &Path) -> Vec<String> {
    let mut found: Vec<String> = files_now(root).into_iter().filter(|rel| rel.ends_with(".pasv-part")).collect();
    found.sort();
    found
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// `put -r --atomic SRC URL/up`
    PutAtomic,
    /// `get -r URL/src -o TARGET`
    Get,
    /// `mirror --atomic SRC URL/up`
    MirrorUp,
    /// `mirror URL/src TARGET`
    MirrorDown,
}

/// Runs `op` on a tree through a proxy injecting `FAULTS` faults of `kind` from `seed`, and
/// checks the copy, the exit code, that the faults happened, and that no temporary is left.
async fn ride_out(kind: Kind, seed: u64, op: Op) {
    let work = tempfile::tempdir().unwrap();
    let server = TestServer::start(true).await;
    let local = work.path().join("local");
    let (source, target) = match op {
        Op::PutAtomic | Op::MirrorUp => {
            source_tree(&local);
            (local.clone(), server.path("up"))
        }
        Op::Get | Op::MirrorDown => {
            source_tree(&server.path("src"));
            (server.path("src"), local.clone())
        }
    };
    let proxy = FaultProxy::start(server.server.addr(), Faults { kind, seed, count: FAULTS, stall: STALL }).await;
    let (local_arg, up, src) = (local.to_str().unwrap(), format!("{}/up", proxy.url()), format!("{}/src", proxy.url()));
    let mut args = vec!["-j", "2", "--retries", "6", "--timeout", TIMEOUT];
    args.extend(match op {
        Op::PutAtomic => vec!["put", "-r", "--atomic", local_arg, &up],
        Op::Get => vec!["get", "-r", &src, "-o", local_arg],
        Op::MirrorUp => vec!["mirror", "--atomic", local_arg, &up],
        Op::MirrorDown => vec!["mirror", &src, local_arg],
    });
    let run = pasv(args).run().await;
    let context = format!("{op:?} through {}\n--- stderr\n{}", proxy.describe(), run.stderr);
    assert_eq!(run.code, 0, "{context}");
    assert_eq!(proxy.injected(), FAULTS, "not every planned fault happened: {context}");
    assert_eq!(snapshot(&target), snapshot(&source), "{context}");
    assert_eq!(temporaries(&target), Vec::<String>::new(), "{context}");
}

macro_rules! ride_out_tests {
    ($($name:ident: $kind:ident, $seed:expr, $op:ident;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            within(ride_out(Kind::$kind, $seed, Op::$op)).await;
        }
    )*};
}

ride_out_tests! {
    resets_during_an_atomic_tree_upload: Reset, 0x5eed_0001, PutAtomic;
    resets_during_a_tree_download: Reset, 0x5eed_0002, Get;
    resets_during_a_mirror_up: Reset, 0x5eed_0003, MirrorUp;
    stalls_during_an_atomic_tree_upload: Stall, 0x5eed_0011, PutAtomic;
    stalls_during_a_tree_download: Stall, 0x5eed_0012, Get;
    stalls_during_a_mirror_down: Stall, 0x5eed_0013, MirrorDown;
    dropped_control_connections_during_an_atomic_tree_upload: DropControl, 0x5eed_0021, PutAtomic;
    dropped_control_connections_during_a_tree_download: DropControl, 0x5eed_0022, Get;
    dropped_control_connections_during_a_mirror_up: DropControl, 0x5eed_0023, MirrorUp;
    refused_connections_during_an_atomic_tree_upload: Refuse, 0x5eed_0031, PutAtomic;
    refused_connections_during_a_tree_download: Refuse, 0x5eed_0032, Get;
    refused_connections_during_a_mirror_down: Refuse, 0x5eed_0033, MirrorDown;
}

/// No faults but the targeted ones.
const NO_FAULTS: Faults = Faults { kind: Kind::Reset, seed: 0, count: 0, stall: STALL };

/// [`source_tree`] in a temporary `local`, a writable server, and a proxy before it with no
/// planned faults (its targeted ones are the test's).
struct Proxied {
    _work: tempfile::TempDir,
    source: std::path::PathBuf,
    server: TestServer,
    proxy: FaultProxy,
}

async fn proxied_tree() -> Proxied {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("local");
    source_tree(&source);
    let server = TestServer::start(true).await;
    let proxy = FaultProxy::start(server.server.addr(), NO_FAULTS).await;
    Proxied { _work: work, source, server, proxy }
}

/// A file whose every upload is cut (the server keeps a half temporary each time: its STOR,
/// then each APPE) is given up after `--retries`, and the temporary pasv made for it is
/// deleted: nothing of it is left on the server. A file cut once is retried, completed and
/// renamed as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_given_up_leaves_no_upload_temporary() {
    within(async {
        let Proxied { _work, source, server, proxy } = proxied_tree().await;
        proxy.fail(".f07.bin.pasv-part", 1000, usize::MAX);
        proxy.fail(".f10.bin.pasv-part", 1000, 1);
        let run = pasv([
            "-j",
            "2",
            "--retries",
            "2",
            "--timeout",
            "5",
            "put",
            "-r",
            "--atomic",
            source.to_str().unwrap(),
            &format!("{}/up", proxy.url()),
        ])
        .run()
        .await;
        let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
        assert_ne!(run.code, 0, "{context}");
        assert!(run.stderr.contains("f07.bin"), "{context}");
        assert!(run.stderr.contains("deleted 1 upload temporary file"), "{context}");
        let uploaded = server.path("up");
        assert_eq!(temporaries(&uploaded), Vec::<String>::new(), "{context}");
        let mut expected = snapshot(&source);
        expected.retain(|(name, _)| !name.ends_with("f07.bin"));
        assert_eq!(snapshot(&uploaded), expected, "{context}");
        // f07: the lane's STOR, a STOR again (what a lane sent is not known to have been
        // taken), then an APPE per retry; f10: cut once, then whole.
        assert!(proxy.injected() >= 4, "{context}");
    })
    .await;
}

/// A proxy that takes every upload's data connection and forwards nothing (a firewall or NAT
/// that lets the connection open and carries nothing): a tree upload stops once more attempts in a
/// row hung than its sessions could explain, instead of waiting out a timeout for each of its
/// 48 files, says what it did not attempt, exits as a timeout, and its hint points at the
/// data connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_upload_whose_data_connections_all_hang_stops_early() {
    within(async {
        // Bound, not dropped: the tree and the server live as long as the test.
        let Proxied { _work, source, server: _server, proxy } = proxied_tree().await;
        proxy.swallow("STOR ");
        let target = format!("{}/up", proxy.url());
        let run =
            pasv(["-j", "2", "--retries", "1", "--timeout", TIMEOUT, "put", "-r", source.to_str().unwrap(), &target])
                .run()
                .await;
        let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
        assert_eq!(run.code, 9, "{context}");
        assert!(run.stderr.contains("attempts in a row hung or lost their data connection"), "{context}");
        assert!(run.stderr.contains("hint: no transfer got through"), "{context}");
        // Two lanes' first files (their stalls count on), then one attempt on each of the two
        // sessions: not two rounds of attempts. A retry goes out only when the stop comes more
        // than its backoff (a second) after the first of them; one waiting is not made.
        let attempted = proxy.injected();
        assert!((4..=5).contains(&attempted), "{attempted} uploads tried\n{context}");
        // What was left in the queue is counted in one line, not listed file by file.
        let lines: Vec<&str> = run.stderr.lines().filter(|l| l.contains("not attempted")).collect();
        assert_eq!(lines.len(), 1, "{context}");
        let skipped: usize = lines[0]
            .strip_prefix("pasv: error: ")
            .and_then(|rest| rest.split_once(" not attempted ("))
            .and_then(|(count, _)| count.parse().ok())
            .unwrap_or_else(|| panic!("no count in {:?}\n{context}", lines[0]));
        assert!(skipped >= 48 - attempted - 2, "{skipped} not attempted\n{context}");
        assert!(lines[0].contains(" more): ") && lines[0].ends_with("hung or lost their data connection"), "{context}");
    })
    .await;
}

/// `put --atomic big.bin` (50 KB, with `-c` when `resume`) with `--retries 1` through a
/// proxy that cuts every upload of its temporary after 2000 bytes, `earlier` bytes of it left
/// on the server by an earlier run: the server, the file's bytes and what the run said (it
/// failed, after two cut uploads).
async fn put_a_file_that_keeps_failing(resume: bool, earlier: Option<usize>) -> (TestServer, Vec<u8>, String) {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("big.bin");
    let data = patterned(50_000);
    write(&file, &data);
    let server = TestServer::start(true).await;
    if let Some(len) = earlier {
        write(&server.path(".big.bin.pasv-part"), &data[..len]);
    }
    let proxy = FaultProxy::start(server.server.addr(), NO_FAULTS).await;
    proxy.fail(".big.bin.pasv-part", 2000, usize::MAX);
    let url = format!("{}/", proxy.url());
    let mut args = vec!["--retries", "1", "--timeout", "5", "put", "--atomic", file.to_str().unwrap(), &url];
    if resume {
        args.push("-c");
    }
    let run = pasv(args).run().await;
    let context = format!("{}\n--- stderr\n{}", proxy.describe(), run.stderr);
    assert_ne!(run.code, 0, "{context}");
    assert_eq!(proxy.injected(), 2, "{context}");
    (server, data, context)
}

/// The same in a single `put --atomic` (the one-by-one path): nothing is left on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_atomic_upload_given_up_leaves_no_temporary() {
    within(async {
        let (server, _, context) = put_a_file_that_keeps_failing(false, None).await;
        assert_eq!(names(&snapshot(server.root.path())), Vec::<&str>::new(), "{context}");
    })
    .await;
}

/// A temporary that an earlier run left, and that this run only appends to (`-c`), is not
/// this run's to delete: when the file is given up, it stays for a later `-c`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_an_earlier_run_left_is_kept_when_its_file_is_given_up() {
    within(async {
        let (server, data, context) = put_a_file_that_keeps_failing(true, Some(500)).await;
        // Resumed twice (APPE), cut each time: still there, and still a prefix of the file.
        let left = std::fs::read(server.path(".big.bin.pasv-part")).unwrap();
        assert_eq!(left.len(), 4_500, "{context}");
        assert!(data.starts_with(&left), "{context}");
    })
    .await;
}

/// Ctrl-C during an atomic tree upload: pasv stops, deletes the temporary of the file it was
/// sending, and exits 130; the files already renamed stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_atomic_upload_deletes_its_temporary() {
    within(async {
        let work = tempfile::tempdir().unwrap();
        let source = work.path().join("local");
        source_tree(&source);
        let server = TestServer::start(true).await;
        let served = server.path("up");
        let url = format!("{}/up", server.server.url());
        // Slow enough that a file is in flight when the signal comes.
        let running =
            pasv(["-j", "1", "put", "-r", "--atomic", "--limit-rate", "40K", source.to_str().unwrap(), &url]).spawn();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while temporaries(&served).is_empty() {
            if std::time::Instant::now() > deadline {
                let _ = std::process::Command::new("kill").args([&running.id().to_string()]).status();
                let run = running.finish().await;
                panic!("no upload temporary appeared on the server within 20 s\n{}", run.stderr);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = std::process::Command::new("kill").args(["-INT", &running.id().to_string()]).status();
        let run = running.finish().await;
        run.assert_code(130);
        assert_eq!(temporaries(&served), Vec::<String>::new(), "{}", run.stderr);
        assert!(run.stderr.contains("deleted 1 upload temporary file"), "{}", run.stderr);
        let source_files = snapshot(&source);
        for (name, bytes) in snapshot(&served) {
            assert!(source_files.contains(&(name.clone(), bytes)), "{name} arrived damaged\n{}", run.stderr);
        }
    })
    .await;
}

/// A control connection to the proxy, spoken to by hand (as pasv sends ahead: several
/// commands in one write).
struct Client {
    read: tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(proxy: &FaultProxy) -> Self {
        let addr = proxy.url().trim_start_matches("ftp://").to_string();
        let (read, write) = tokio::net::TcpStream::connect(addr).await.unwrap().into_split();
        Self { read: tokio::io::BufReader::new(read), write }
    }

    async fn send(&mut self, commands: &str) {
        use tokio::io::AsyncWriteExt as _;
        self.write.write_all(commands.as_bytes()).await.unwrap();
    }

    /// The next reply's last line (a multi-line reply read to its end).
    async fn reply(&mut self) -> String {
        use tokio::io::AsyncBufReadExt as _;
        let mut line = String::new();
        self.read.read_line(&mut line).await.unwrap();
        if line.as_bytes().get(3) == Some(&b'-') {
            let end = format!("{} ", &line[..3]);
            while !line.starts_with(&end) {
                line.clear();
                assert!(self.read.read_line(&mut line).await.unwrap() > 0, "the connection closed in a reply");
            }
        }
        line.trim_end().to_string()
    }

    /// A data connection to the port of a 229 reply.
    async fn data(&self, reply: &str) -> tokio::net::TcpStream {
        let port: u16 = reply.split_once("(|||").unwrap().1.split_once('|').unwrap().0.parse().unwrap();
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap()
    }
}

/// The proxy's own refusal comes in turn, after the server's replies to the commands sent
/// ahead of it in the same write (EPSV with its STOR, as pasv sends them), and before the
/// replies to those after it. The refused STOR keeps its place among the data connections:
/// the one opened on its 229 is its own, and the next STOR's targeted cut hits that STOR's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fault_proxy_refuses_in_turn_and_keeps_data_connections_paired() {
    use tokio::io::AsyncWriteExt as _;
    within(async {
        let server = TestServer::start(true).await;
        let proxy = FaultProxy::start(server.server.addr(), NO_FAULTS).await;
        proxy.refuse("STOR a.bin", "550 No.", usize::MAX);
        proxy.fail("b.bin", 1000, 1);
        let mut client = Client::connect(&proxy).await;
        assert!(client.reply().await.starts_with("220"));
        client.send("USER anonymous\r\n").await;
        if client.reply().await.starts_with("331") {
            client.send("PASS x\r\n").await;
            assert!(client.reply().await.starts_with("230"), "{}", proxy.describe());
        }
        for round in 0..5 {
            client.send("NOOP\r\nTYPE I\r\nEPSV\r\nSTOR a.bin\r\nNOOP\r\n").await;
            let mut replies = Vec::new();
            let mut data = None;
            while replies.len() < 5 {
                let reply = client.reply().await;
                if reply.starts_with("229") {
                    // As pasv does: the data connection before the STOR's reply is read.
                    data = Some(client.data(&reply).await);
                }
                replies.push(reply);
            }
            drop(data);
            let codes: Vec<&str> = replies.iter().map(|r| &r[..3]).collect();
            assert_eq!(codes, ["200", "200", "229", "550", "200"], "round {round}: {}", proxy.describe());
        }
        client.send("EPSV\r\nSTOR b.bin\r\n").await;
        let passive = client.reply().await;
        let mut data = client.data(&passive).await;
        assert!(client.reply().await.starts_with("150"), "{}", proxy.describe());
        let _ = data.write_all(&patterned(5000)).await;
        drop(data);
        let done = client.reply().await;
        let stored = std::fs::read(server.path("b.bin")).unwrap();
        assert_eq!(stored.len(), 1000, "{done}: the cut hit b.bin's own data connection: {}", proxy.describe());
        assert!(!server.path("a.bin").exists());
    })
    .await;
}
