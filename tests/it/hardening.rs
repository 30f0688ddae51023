//! Hardening against hostile servers and bad input (issue 6): everything a server or a man in
//! the middle can send ends in a clean error with the documented exit code, or a correct
//! result; never a hang, a crash, a stray file, a raw escape sequence or an injected command.
//!
//! `hostile.rs`, `exit_codes.rs` and `tls.rs` hold the first cases (a foreign 227 address,
//! EPSV fallbacks, a stalled reply, a dripped greeting, truncation, an ignored REST with the
//! wrong bytes, percent-encoded CR/LF, escapes in a login reply, an endless reply line, TLS);
//! this file covers the rest.

use std::path::Path;
use std::time::Duration;

use crate::support::scripted::{EPSV_OK, FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, r, steps};
use crate::support::{Pasv, Run, pasv, patterned, within};

/// Greeting, anonymous login and a FEAT with SIZE and EPSV (no MLST: listings use LIST).
fn login() -> Vec<Step> {
    anon_login(FEAT_SIZE_EPSV)
}

/// A download up to the RETR: TYPE I, SIZE answered with `size_reply`, EPSV with a data port.
fn retr(name: &str, size_reply: &str) -> Vec<Step> {
    vec![
        e("TYPE I"),
        r("200 ok"),
        Step::Expect(format!("SIZE {name}")),
        r(size_reply),
        e("EPSV"),
        Step::ListenData,
        r(EPSV_OK),
        Step::Expect(format!("RETR {name}")),
    ]
}

/// An upload up to the STOR.
fn stor(name: &str) -> Vec<Step> {
    vec![e("TYPE I"), r("200 ok"), e("EPSV"), Step::ListenData, r(EPSV_OK), Step::Expect(format!("STOR {name}"))]
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Commands the client sent that start with `verb` (case-insensitive).
fn sent(transcript: &[String], verb: &str) -> Vec<String> {
    transcript.iter().filter(|c| c.to_ascii_uppercase().starts_with(verb)).cloned().collect()
}

/// What the scripted server heard, waiting briefly for the client to hang up first.
async fn heard(server: ScriptedServer) -> Vec<String> {
    server.heard(Duration::from_secs(3)).await
}

// ---------------------------------------------------------------------------------------------
// Malformed and hostile 227 / 229
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn hostile_227_replies_are_protocol_errors_and_no_listing_is_asked_for() {
    within(async {
        let cases = [
            ("(127,0,0,1,300,1)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127,0,0,1,4,999)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127,0,0,1,4)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127,0,0,1)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(18446744073709551617,0,0,1,4,1)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127,0,0,1,18446744073709551616,1)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127,0,0,1,4,1,7)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127.0.0.1.4.1)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(,,,,,)", "no h1,h2,h3,h4,p1,p2 address"),
            ("(127,0,0,1,0,0)", "port 0"),
        ];
        for (tuple, message) in cases {
            let script = steps(vec![
                login(),
                vec![e("TYPE I"), r("200 ok"), e("PASV"), Step::Reply(format!("227 Entering Passive Mode {tuple}"))],
            ]);
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--no-epsv", "--timeout", "5", "ls", &server.url()]).run().await;
            assert_eq!(run.code, 8, "{tuple}: {}", run.stderr);
            assert!(run.stderr.contains(message), "{tuple}: {}", run.stderr);
            let commands = heard(server).await;
            assert_eq!(sent(&commands, "LIST"), Vec::<String>::new(), "{tuple}");
        }
    })
    .await;
}

#[tokio::test]
async fn hostile_229_replies_are_protocol_errors_and_no_listing_is_asked_for() {
    within(async {
        let cases = [
            ("(|||65536|)", "no (|||port|)"),
            ("(|||99999999999999999999|)", "no (|||port|)"),
            ("(|||18446744073709551617|)", "no (|||port|)"),
            ("(|||6446!)", "no (|||port|)"),
            ("(!!!6446|)", "no (|||port|)"),
            ("(||6446|)", "no (|||port|)"),
            ("(|||)", "no (|||port|)"),
            ("(|||-1|)", "no (|||port|)"),
            // RFC 2428 section 3: the 229 carries no address; one that names a host is not used.
            ("(|1|192.0.2.1|6446|)", "no (|||port|)"),
            ("(|||0|)", "port 0"),
        ];
        for (tuple, message) in cases {
            let script = steps(vec![
                login(),
                vec![
                    e("TYPE I"),
                    r("200 ok"),
                    e("EPSV"),
                    Step::Reply(format!("229 Entering Extended Passive Mode {tuple}")),
                ],
            ]);
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--timeout", "5", "ls", &server.url()]).run().await;
            assert_eq!(run.code, 8, "{tuple}: {}", run.stderr);
            assert!(run.stderr.contains(message), "{tuple}: {}", run.stderr);
            let commands = heard(server).await;
            assert_eq!(sent(&commands, "LIST"), Vec::<String>::new(), "{tuple}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_227_naming_the_unspecified_address_uses_the_server_itself() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f"),
                r("213 2"),
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (0,0,0,0,{p1},{p2})"),
                e("RETR f"),
                r("150 go"),
                Step::DataSend(b"ok".to_vec()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["--no-epsv", "-v", "cat", &format!("{}/f", server.url())]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "ok");
        assert!(run.stderr.contains("connecting to 127.0.0.1:"), "{}", run.stderr);
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Endless and huge replies and listings
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_endless_multi_line_reply_hits_the_line_cap() {
    within(async {
        let flood = "220-Welcome, and another line of welcome\r\n".repeat(5_000);
        let server = ScriptedServer::start(vec![Step::Send(flood), Step::Stall]).await;
        let run = pasv(["--timeout", "10", "ls", &server.url()]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("reply longer than 2000 lines"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_endless_stream_of_preliminary_replies_cannot_hold_the_client() {
    within(async {
        // Each "120 wait" or "150 working" is a complete, small reply, so no size cap applies:
        // the timeout must bound the wait for the reply that matters, not each reply. The
        // floods outlast the 45 s after which a pasv run is killed (and the test fails), so a
        // client they hold fails however busy the machine, and no time is measured.
        let flood = Duration::from_secs(120);
        let cases: Vec<(&str, Vec<Step>)> = vec![
            ("greeting", vec![Step::Flood("120 Service ready in 1 minute\r\n".into(), flood)]),
            ("FEAT", steps(vec![login()[..6].to_vec(), vec![Step::Flood("150 still thinking\r\n".into(), flood)]])),
        ];
        for (stage, script) in cases {
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--timeout", "2", "ls", &server.url()]).run().await;
            assert_eq!(run.code, 9, "{stage}: {}", run.stderr);
            server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{stage}: {e}"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_huge_multi_line_reply_hits_the_size_cap() {
    within(async {
        // 100 lines of 8000 bytes: each line is allowed, together they are too much.
        let line = format!("230-{}\r\n", "x".repeat(8_000));
        let script = vec![
            r("220 hi"),
            e("USER anonymous"),
            r("331 pw"),
            Step::ExpectPrefix("PASS ".into()),
            Step::Send(line.repeat(100)),
            Step::Stall,
        ];
        let server = ScriptedServer::start(script).await;
        let run = pasv(["--timeout", "10", "ls", &server.url()]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("reply larger than 524288 bytes"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_listing_over_64_mib_is_refused_not_buffered_without_end() {
    within(async {
        let line = b"-rw-r--r--   1 ftp ftp        1024 Mar  4  2021 a-file-with-a-rather-long-name.txt\r\n";
        let chunk: Vec<u8> = line.iter().copied().cycle().take(line.len() * 1_000).collect();
        // Just over 64 MiB in total.
        let times = (64 * 1024 * 1024) / chunk.len() + 2;
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("LIST"),
                r("150 Here comes a lot"),
                Step::DataSendRepeat(chunk, times),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["--timeout", "10", "ls", &server.url()]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("the listing is larger than 67108864 bytes"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Slow servers and stalls at every stage: exit 9 within the timeout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn data_trickling_at_one_byte_per_second_completes_when_each_byte_is_in_time() {
    within(async {
        let script = steps(vec![
            login(),
            retr("slow", "213 5"),
            vec![r("150 go"), Step::DataDrip(b"slow!".to_vec(), Duration::from_secs(1)), r("226 done")],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        // --timeout bounds each wait, not the whole transfer: the 4 s transfer is fine as
        // every byte comes within 3 s.
        let run = pasv(["--timeout", "3", "get", &format!("{}/slow", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(run.elapsed >= Duration::from_secs(4), "took {:?}", run.elapsed);
        assert_eq!(std::fs::read(out.path().join("slow")).unwrap(), b"slow!");
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn data_trickling_slower_than_the_timeout_is_exit_9() {
    within(async {
        let script = steps(vec![
            login(),
            retr("slow", "213 4"),
            // The client gives up during the drip and hangs up without waiting for a 226.
            vec![r("150 go"), Step::DataDrip(b"slow".to_vec(), Duration::from_secs(3)), Step::Stall],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--timeout", "1", "get", &format!("{}/slow", server.url())]).cwd(out.path()).run().await;
        run.assert_code(9);
        assert!(run.stderr.contains("waiting for data from the server"), "{}", run.stderr);
        assert!(!out.path().join("slow").exists());
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// Runs `args` (with `--timeout 1`) against `script` and checks for exit 9 and a message
/// naming what it waited for (a script ending in `Stall` fails when the client has not given
/// up within 30 s); `out` is the working directory.
async fn assert_times_out(script: Vec<Step>, args: &[&str], out: &Path, waiting_for: &str) -> Run {
    let server = ScriptedServer::start(script).await;
    let url = server.url();
    let args: Vec<String> = args.iter().map(|a| a.replace("{url}", &url)).collect();
    let run = pasv(["--timeout", "1"].into_iter().map(String::from).chain(args)).cwd(out).run().await;
    run.assert_code(9);
    assert!(run.stderr.contains(waiting_for), "{}", run.stderr);
    server.finish(Duration::from_secs(10)).await.unwrap();
    run
}

#[tokio::test]
async fn no_banner_is_exit_9() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let script = vec![Step::Stall];
        assert_times_out(script, &["ls", "{url}"], out.path(), "the server's greeting").await;
    })
    .await;
}

/// A plain connection to an implicit-TLS port: the server waits for a ClientHello and never
/// greets. The hint points to ftps://, and only when the handshake was not already made.
#[tokio::test]
async fn no_greeting_suggests_implicit_tls_unless_it_was_used() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let server = ScriptedServer::start(vec![Step::Sleep(Duration::from_secs(2))]).await;
        let run = pasv(["--timeout", "1", "ls", &server.url()]).cwd(out.path()).run().await;
        run.assert_code(9);
        assert!(run.stderr.contains("waiting for the server's greeting"), "{}", run.stderr);
        assert!(run.stderr.contains("may expect implicit TLS (port 990 usually): try ftps://"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();

        let server = ScriptedServer::start(vec![Step::StartTls, Step::Sleep(Duration::from_secs(2))]).await;
        let url = server.url().replacen("ftp://", "ftps://", 1);
        let pin = crate::support::scripted::tls().pin.clone();
        let run = pasv(["--timeout", "1", "--pin", &pin, "ls", &url]).cwd(out.path()).run().await;
        run.assert_code(9);
        assert!(run.stderr.contains("waiting for the server's greeting"), "{}", run.stderr);
        assert!(!run.stderr.contains("try ftps://"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn no_reply_to_the_password_is_exit_9() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let script =
            vec![r("220 hi"), e("USER anonymous"), r("331 pw"), Step::ExpectPrefix("PASS ".into()), Step::Stall];
        assert_times_out(script, &["ls", "{url}"], out.path(), "a reply").await;
    })
    .await;
}

#[tokio::test]
async fn no_reply_to_epsv_is_exit_9() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let script = steps(vec![login(), vec![e("TYPE I"), r("200 ok"), e("EPSV"), Step::Stall]]);
        assert_times_out(script, &["ls", "{url}"], out.path(), "a reply").await;
    })
    .await;
}

#[tokio::test]
async fn a_stall_after_150_is_exit_9_and_leaves_no_file() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let script = steps(vec![login(), retr("f", "213 10"), vec![r("150 go"), Step::Stall]]);
        assert_times_out(script, &["get", "{url}/f"], out.path(), "data from the server").await;
        assert_eq!(files_under(out.path()), Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn a_stall_mid_transfer_is_exit_9_and_keeps_only_the_part_file() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let script = steps(vec![
            login(),
            retr("f", "213 100000"),
            vec![r("150 go"), Step::DataSendThenStall(patterned(1000)), Step::Stall],
        ]);
        assert_times_out(script, &["get", "{url}/f"], out.path(), "data from the server").await;
        assert_eq!(files_under(out.path()), vec![".f.pasv-part".to_string()]);
        assert_eq!(std::fs::read(out.path().join(".f.pasv-part")).unwrap(), patterned(1000));
    })
    .await;
}

#[tokio::test]
async fn a_missing_226_after_all_the_data_is_exit_9_and_not_complete() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let script =
            steps(vec![login(), retr("f", "213 5"), vec![r("150 go"), Step::DataSend(b"hello".to_vec()), Step::Stall]]);
        assert_times_out(script, &["get", "{url}/f"], out.path(), "the end-of-transfer reply").await;
        assert!(!out.path().join("f").exists(), "{:?}", files_under(out.path()));
    })
    .await;
}

#[tokio::test]
async fn a_server_that_stops_reading_an_upload_is_exit_9() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        // More than loopback socket buffers hold, so the client's writes must block.
        let big = out.path().join("big.bin");
        std::fs::write(&big, vec![7u8; 48 * 1024 * 1024]).unwrap();
        let script =
            steps(vec![login(), stor("big.bin"), vec![r("150 go"), Step::DataSendThenStall(Vec::new()), Step::Stall]]);
        let big = big.to_string_lossy().into_owned();
        assert_times_out(script, &["put", &big, "{url}/big.bin"], out.path(), "the server to accept data").await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Early closes, with and without a final reply
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_control_connection_closed_early_is_exit_8() {
    within(async {
        let cases: Vec<(&str, Vec<Step>)> = vec![
            ("before the banner", vec![Step::Close]),
            ("inside the banner line", vec![Step::Send("220 hel".into()), Step::Close]),
            ("inside a multi-line banner", vec![Step::Send("220-hello\r\n220-more\r\n".into()), Step::Close]),
            ("after USER", vec![r("220 hi"), e("USER anonymous"), Step::Close]),
            ("before the listing's data", steps(vec![login(), vec![e("TYPE I"), r("200 ok"), e("EPSV"), Step::Close]])),
        ];
        for (stage, script) in cases {
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--timeout", "5", "ls", &server.url()]).run().await;
            assert_eq!(run.code, 8, "{stage}: {}", run.stderr);
            assert!(run.stderr.contains("closed the control connection"), "{stage}: {}", run.stderr);
            server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{stage}: {e}"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_421_then_close_is_exit_4() {
    within(async {
        let cases: Vec<(&str, Vec<Step>)> = vec![
            ("after USER", vec![r("220 hi"), e("USER anonymous"), r("421 Timeout, closing"), Step::Close]),
            (
                "after RETR",
                steps(vec![login(), retr("f", "213 5"), vec![r("421 Shutting down, closing"), Step::Close]]),
            ),
        ];
        for (stage, script) in cases {
            let server = ScriptedServer::start(script).await;
            let out = tempfile::tempdir().unwrap();
            let run = pasv(["--timeout", "5", "get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
            assert_eq!(run.code, 4, "{stage}: {}", run.stderr);
            assert!(run.stderr.contains("421"), "{stage}: {}", run.stderr);
            assert_eq!(files_under(out.path()), Vec::<String>::new(), "{stage}");
            server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{stage}: {e}"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_data_connection_cut_with_426_is_exit_4_and_not_complete() {
    within(async {
        let script = steps(vec![
            login(),
            retr("f", "550 SIZE not allowed here"),
            vec![r("150 go"), Step::DataSend(patterned(300)), r("426 Connection closed; transfer aborted")],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
        run.assert_code(4);
        assert!(run.stderr.contains("426"), "{}", run.stderr);
        assert_eq!(files_under(out.path()), vec![".f.pasv-part".to_string()]);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Replies out of order, sizes that lie, REST that is ignored
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_226_that_arrives_before_the_data_still_gets_all_of_it() {
    within(async {
        let data = patterned(200_000);
        let script = steps(vec![
            login(),
            retr("f", "213 200000"),
            vec![r("150 go"), r("226 Transfer complete"), Step::DataSend(data.clone())],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(out.path().join("f")).unwrap(), data);
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_226_instead_of_150_for_a_non_empty_file_is_not_a_download() {
    within(async {
        // The server says "done" before any data: SIZE promised 5 bytes, none arrived.
        let script = steps(vec![
            login(),
            retr("f", "213 5"),
            vec![r("226 Transfer complete"), Step::DataSend(b"hello".to_vec())],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("received 0 bytes, expected 5"), "{}", run.stderr);
        assert_eq!(files_under(out.path()), Vec::<String>::new());
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_size_smaller_than_the_data_is_exit_8_and_not_complete() {
    within(async {
        let script = steps(vec![
            login(),
            retr("f", "213 3"),
            vec![r("150 go"), Step::DataSend(b"much more than three bytes".to_vec()), r("226 done")],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("expected 3"), "{}", run.stderr);
        assert!(!out.path().join("f").exists(), "{:?}", files_under(out.path()));
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_size_that_is_not_a_number_is_ignored_and_the_data_decides() {
    within(async {
        for size in ["213 18446744073709551616", "213 -5", "213 lots", "213 12 bytes"] {
            let script = steps(vec![
                login(),
                retr("f", size),
                vec![r("150 go"), Step::DataSend(b"hello".to_vec()), r("226 done")],
            ]);
            let server = ScriptedServer::start(script).await;
            let out = tempfile::tempdir().unwrap();
            let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
            assert_eq!(run.code, 0, "{size}: {}", run.stderr);
            assert_eq!(std::fs::read(out.path().join("f")).unwrap(), b"hello", "{size}");
            server.finish(Duration::from_secs(5)).await.unwrap();
        }
    })
    .await;
}

/// Without MLST, `get` asks SIZE and MDTM in one write and gives the file the server's time;
/// a size that disagrees with the data still fails the download.
#[tokio::test]
async fn a_plain_get_asks_size_and_mdtm_together_and_keeps_the_servers_time() {
    within(async {
        let feat = "211-Features:\r\n SIZE\r\n MDTM\r\n EPSV\r\n211 End";
        for (size, code) in [("213 5", 0), ("213 6", 8)] {
            let script = steps(vec![
                anon_login(feat),
                vec![
                    e("TYPE I"),
                    r("200 ok"),
                    e("SIZE f"),
                    e("MDTM f"),
                    r(size),
                    r("213 20010909014640"),
                    e("EPSV"),
                    Step::ListenData,
                    r(EPSV_OK),
                    e("RETR f"),
                    r("150 go"),
                    Step::DataSend(b"hello".to_vec()),
                    r("226 done"),
                ],
            ]);
            let server = ScriptedServer::start(script).await;
            let out = tempfile::tempdir().unwrap();
            let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
            assert_eq!(run.code, code, "{size}: {}", run.stderr);
            if code == 0 {
                let modified = std::fs::metadata(out.path().join("f")).unwrap().modified().unwrap();
                assert_eq!(modified, std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000));
            } else {
                assert!(!out.path().join("f").exists());
            }
            server.finish(Duration::from_secs(5)).await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn an_upload_whose_size_afterwards_differs_is_exit_8() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let local = out.path().join("up.bin");
        std::fs::write(&local, patterned(5000)).unwrap();
        let script = steps(vec![
            login(),
            stor("up.bin"),
            vec![r("150 go"), Step::DataReceive, r("226 done"), e("SIZE up.bin"), r("213 4096")],
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["put", &local.to_string_lossy(), &format!("{}/up.bin", server.url())]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("received 4096 bytes, expected 5000"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
        assert_eq!(transcript.received_data, vec![patterned(5000)]);
    })
    .await;
}

/// `get -c` against a server that does not restart where asked: no RETR, the part file kept
/// as it was, no target file. (A server without REST at all gets the whole file instead:
/// `a_server_without_rest_gets_the_whole_file_again`.)
#[tokio::test]
async fn a_resume_the_server_does_not_honour_stops_before_retr_and_keeps_the_part_file() {
    within(async {
        let full = patterned(200_000);
        let have = 100_000usize;
        let restart_at = have - 65_536;
        let cases = [
            // A 350 naming another offset (RFC 959 says the marker is the one sent).
            (
                Step::Expect(format!("REST {restart_at}")),
                "350 Restarting at 0. Send STORE or RETRIEVE.",
                8,
                "did not honour REST",
            ),
        ];
        for (rest, reply, code, message) in cases {
            let script = steps(vec![
                login(),
                vec![
                    e("TYPE I"),
                    r("200 ok"),
                    e("SIZE f.bin"),
                    r("213 200000"),
                    e("EPSV"),
                    Step::ListenData,
                    r(EPSV_OK),
                    rest,
                    r(reply),
                ],
            ]);
            let server = ScriptedServer::start(script).await;
            let out = tempfile::tempdir().unwrap();
            let part = out.path().join(".f.bin.pasv-part");
            std::fs::write(&part, &full[..have]).unwrap();
            let run = pasv(["get", "-c", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
            run.assert_code(code);
            assert!(run.stderr.contains(message), "{reply}: {}", run.stderr);
            assert_eq!(std::fs::read(&part).unwrap(), &full[..have]);
            assert!(!out.path().join("f.bin").exists());
            assert_eq!(sent(&heard(server).await, "RETR"), Vec::<String>::new());
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Errors after STOR
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn errors_after_the_upload_data_are_reported_with_their_class() {
    within(async {
        let cases = [
            ("552", "Exceeded storage allocation", 5),
            ("451", "Local error in processing", 4),
            ("550", "Permission denied after all", 5),
        ];
        for (number, text, code) in cases {
            let reply = format!("{number} {text}");
            let out = tempfile::tempdir().unwrap();
            let local = out.path().join("up.bin");
            std::fs::write(&local, patterned(70_000)).unwrap();
            let script = steps(vec![login(), stor("up.bin"), vec![r("150 go"), Step::DataReceive, r(&reply)]]);
            let server = ScriptedServer::start(script).await;
            let run = pasv(["put", &local.to_string_lossy(), &format!("{}/up.bin", server.url())]).run().await;
            assert_eq!(run.code, code, "{reply}: {}", run.stderr);
            let message = format!("the server answered {number} to STOR up.bin: {text}");
            assert!(run.stderr.contains(&message), "{reply}: {}", run.stderr);
            let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
            assert_eq!(transcript.received_data, vec![patterned(70_000)], "{reply}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_upload_without_a_final_reply_is_exit_8() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let local = out.path().join("up.bin");
        std::fs::write(&local, patterned(1000)).unwrap();
        let script = steps(vec![login(), stor("up.bin"), vec![r("150 go"), Step::DataReceive, Step::Close]]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["put", &local.to_string_lossy(), &format!("{}/up.bin", server.url())]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("without the server's confirmation"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_stor_refused_before_the_data_is_exit_5_and_sends_nothing() {
    within(async {
        let out = tempfile::tempdir().unwrap();
        let local = out.path().join("up.bin");
        std::fs::write(&local, patterned(1000)).unwrap();
        let script = steps(vec![login(), stor("up.bin"), vec![r("553 File name not allowed")]]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["put", &local.to_string_lossy(), &format!("{}/up.bin", server.url())]).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("answered 553 to STOR up.bin"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
        assert_eq!(transcript.received_data, Vec::<Vec<u8>>::new());
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8 and escape sequences from the server
// ---------------------------------------------------------------------------------------------

/// Runs `p` and returns (exit code, stdout, stderr) as raw bytes.
async fn run_bytes(p: Pasv) -> (i32, Vec<u8>, Vec<u8>) {
    tokio::task::spawn_blocking(move || {
        let output = p.command().stdin(std::process::Stdio::null()).output().expect("run pasv");
        (output.status.code().unwrap_or(-1), output.stdout, output.stderr)
    })
    .await
    .expect("runner thread")
}

/// Terminal control bytes that must never come out raw: ESC, BEL, CSI as a C1 control
/// (U+009B, C2 9B in UTF-8), a bare CR.
fn assert_no_terminal_controls(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what} is not UTF-8 ({e}): {bytes:?}"));
    for c in ['\x1b', '\x07', '\u{9b}', '\r', '\u{202e}'] {
        assert!(!text.contains(c), "{what} contains {c:?}: {text:?}");
    }
}

const HOSTILE_TEXT: &[u8] = b"caf\xe9 \xff\xfe \x1b]0;pwned\x07 \x1b[2J \xc2\x9b31m \xe2\x80\xae gnp.exe \rOK";

#[tokio::test]
async fn hostile_reply_text_is_escaped_in_errors_and_traces() {
    within(async {
        let mut reply = b"550 ".to_vec();
        reply.extend_from_slice(HOSTILE_TEXT);
        reply.extend_from_slice(b"\r\n");
        let mut banner = b"220-".to_vec();
        banner.extend_from_slice(HOSTILE_TEXT);
        banner.extend_from_slice(b"\r\n220 ready\r\n");
        let script = steps(vec![
            vec![Step::SendBytes(banner)],
            login()[1..].to_vec(),
            retr("f", "213 5"),
            vec![Step::SendBytes(reply)],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let (code, stdout, stderr) =
            run_bytes(pasv(["-v", "get", &format!("{}/f", server.url())]).cwd(out.path())).await;
        assert_eq!(code, 5, "{}", String::from_utf8_lossy(&stderr));
        assert_eq!(stdout, b"");
        assert_no_terminal_controls("stderr", &stderr);
        let stderr = String::from_utf8(stderr).unwrap();
        assert!(stderr.contains("\\x1b]0;pwned\\x07"), "{stderr}");
        assert!(stderr.contains("\\x9b31m"), "{stderr}");
        assert!(stderr.contains("\\u{202e}"), "{stderr}");
        // Invalid UTF-8 is shown as U+FFFD, never passed through as raw bytes.
        assert!(stderr.contains("caf\u{fffd} \u{fffd}\u{fffd}"), "{stderr}");
        assert_eq!(files_under(out.path()), Vec::<String>::new());
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn names_with_escape_sequences_are_escaped_on_a_terminal() {
    within(async {
        let body = "-rw-r--r--   1 ftp ftp  5 Mar  4  2021 plain.txt\r\n\
                    -rw-r--r--   1 ftp ftp  5 Mar  4  2021 red\x1b[31mname\x07.txt\r\n\
                    -rw-r--r--   1 ftp ftp  5 Mar  4  2021 csi\u{9b}2J.txt\r\n\
                    lrwxrwxrwx   1 ftp ftp  5 Mar  4  2021 link -> \x1b]0;title\x07\r\n";
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("LIST"),
                r("150 go"),
                Step::DataSend(body.as_bytes().to_vec()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let home = tempfile::tempdir().unwrap();
        let command = format!("'{}' ls -l '{}'", env!("CARGO_BIN_EXE_pasv"), server.url());
        // `script` gives pasv a terminal for stdout and stderr, as a person would have.
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new("script")
                .args(["-qec", &command, "/dev/null"])
                .env("HOME", home.path())
                .env("XDG_CONFIG_HOME", home.path().join(".config"))
                .env("XDG_DATA_HOME", home.path().join(".local/share"))
                .env("NETRC", home.path().join(".netrc"))
                .env("NO_COLOR", "1")
                .env_remove("PASV_PASSWORD")
                .stdin(std::process::Stdio::null())
                .output()
        })
        .await
        .unwrap();
        let output = match output {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("SKIPPED: `script` (util-linux) is not installed, so there is no terminal to test");
                return server.skipped();
            }
            Err(e) => panic!("cannot run script: {e}"),
        };
        let shown = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{shown}");
        // The terminal turns "\n" into "\r\n"; any other CR would be the server's.
        let lines = shown.replace("\r\n", "\n");
        assert_no_terminal_controls("the terminal", lines.as_bytes());
        assert!(lines.contains("plain.txt"), "{lines}");
        assert!(lines.contains("red\\x1b[31mname\\x07.txt"), "{lines}");
        assert!(lines.contains("csi\\x9b2J.txt"), "{lines}");
        assert!(lines.contains("link -> \\x1b]0;title\\x07"), "{lines}");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// Names a hostile server lists: CSI and OSC sequences, BEL, a C1 CSI, DEL, a tab, a bidi
/// override.
const HOSTILE_NAMES: [&str; 6] =
    ["red\x1b[31mname\x07.txt", "csi\u{9b}2J.txt", "del\x7f.txt", "tab\there.txt", "bidi\u{202e}txt.exe", "plain.txt"];

/// Text meant for a log or a pipe: no C0 or C1 control character but the line break, no
/// bidirectional override.
fn assert_only_printable(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what} is not UTF-8 ({e}): {bytes:?}"));
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    assert!(bad.is_empty(), "{what} contains raw {bad:?}: {text:?}");
}

/// The LIST of a directory holding [`HOSTILE_NAMES`] and a link whose target retitles the
/// terminal, played `times` times (once per listing the client asks for).
fn hostile_listing(times: usize) -> Vec<Step> {
    let mut body = String::new();
    for name in HOSTILE_NAMES {
        body.push_str(&format!("-rw-r--r--   1 ftp ftp  5 Mar  4  2021 {name}\r\n"));
    }
    body.push_str("lrwxrwxrwx   1 ftp ftp  5 Mar  4  2021 link -> \x1b]0;title\x07\r\n");
    let mut script = vec![e("TYPE I"), r("200 ok")];
    for _ in 0..times {
        script.extend([
            e("EPSV"),
            Step::ListenData,
            r(EPSV_OK),
            e("LIST"),
            r("150 go"),
            Step::DataSend(body.as_bytes().to_vec()),
            r("226 done"),
        ]);
    }
    script
}

#[tokio::test]
async fn server_text_is_escaped_in_pipes_and_files_too_and_json_keeps_exact_names() {
    within(async {
        // `ls` and `ls -l` into a pipe (a CI log, `> list.txt`): escaped like on a terminal.
        for long in [false, true] {
            let server = ScriptedServer::start(steps(vec![login(), hostile_listing(1)])).await;
            let url = server.url();
            let args = if long { vec!["ls", "-l", &url] } else { vec!["ls", &url] };
            let (code, stdout, stderr) = run_bytes(pasv(args)).await;
            assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));
            assert_only_printable("ls stdout", &stdout);
            assert_only_printable("ls stderr", &stderr);
            let shown = String::from_utf8(stdout).unwrap();
            for escaped in ["red\\x1b[31mname\\x07.txt", "csi\\x9b2J.txt", "del\\x7f.txt", "tab\\x09here.txt"] {
                assert!(shown.lines().any(|l| l.ends_with(escaped)), "{escaped} in {shown}");
            }
            assert!(shown.contains("bidi\\u{202e}txt.exe"), "{shown}");
            if long {
                assert!(shown.contains("link -> \\x1b]0;title\\x07"), "{shown}");
            }
            server.finish(Duration::from_secs(10)).await.unwrap();
        }

        // `--json` is for scripts that want the exact bytes: serde escapes them as JSON does.
        let server = ScriptedServer::start(steps(vec![login(), hostile_listing(1)])).await;
        let (code, stdout, stderr) = run_bytes(pasv(["ls", "--json", &server.url()])).await;
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));
        assert_only_printable("ls --json", &stdout);
        let entries: Vec<serde_json::Value> =
            String::from_utf8(stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let mut names: Vec<&str> = entries.iter().map(|e| e["name"].as_str().unwrap()).collect();
        let mut expected = HOSTILE_NAMES.to_vec();
        expected.push("link");
        names.sort();
        expected.sort();
        assert_eq!(names, expected);
        let link = entries.iter().find(|e| e["name"] == "link").unwrap();
        assert_eq!(link["link_target"], "\x1b]0;title\x07");
        server.finish(Duration::from_secs(10)).await.unwrap();

        // Replies shown by `quote` keep their line breaks, and only those.
        let mut script = login();
        script.extend([
            e("SITE HELP"),
            Step::SendBytes(b"214-Help \x1b[2J\r\n \x1b]0;pwned\x07\tCHMOD\r\n214 end\r\n".to_vec()),
        ]);
        let server = ScriptedServer::start(script).await;
        let (code, stdout, stderr) = run_bytes(pasv(["quote", &server.url(), "SITE HELP"])).await;
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));
        assert_only_printable("quote", &stdout);
        assert_eq!(String::from_utf8(stdout).unwrap(), "214-Help \\x1b[2J\n \\x1b]0;pwned\\x07\\x09CHMOD\n214 end\n");
        server.finish(Duration::from_secs(10)).await.unwrap();

        // The shell reading a script: its listings are the one-shot ones.
        let mut script = login();
        script.extend([e("PWD"), r("257 \"/\" is the current directory")]);
        script.extend(hostile_listing(2));
        let server = ScriptedServer::start(script).await;
        let run = pasv([server.url().as_str()]).stdin("ls\nls -l\n").run().await;
        run.assert_code(0);
        assert_only_printable("the shell's stdout", &run.stdout_bytes);
        assert_only_printable("the shell's stderr", run.stderr.as_bytes());
        let shown = run.stdout;
        assert_eq!(shown.matches("red\\x1b[31mname\\x07.txt").count(), 2, "{shown}");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Names from listings never steer a write outside the target
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn hostile_names_in_a_recursive_download_stay_out_of_the_file_system() {
    within(async {
        let root = tempfile::tempdir().unwrap();
        let sandbox = root.path().join("sandbox");
        std::fs::create_dir(&sandbox).unwrap();
        let absolute = root.path().join("absolute.txt");
        let facts = "type=file;size=5;modify=20240101000000;";
        let body = [
            "type=cdir;modify=20240101000000; .".to_string(),
            "type=pdir;modify=20240101000000; ..".to_string(),
            "type=file;size=2;modify=20240101000000; ok.txt".to_string(),
            format!("{facts} .."),
            format!("{facts} ../escape.txt"),
            format!("{facts} ../../escape.txt"),
            format!("{facts} {}", absolute.display()),
            format!("{facts} sub/../../escape.txt"),
            format!("{facts} back\\..\\slash.txt"),
            format!("{facts} evil\x1b[2J.txt"),
            format!("{facts} nul\0.txt"),
            format!("{facts} cr\rname.txt"),
            "type=dir;modify=20240101000000; ../updir".to_string(),
            "type=OS.unix=slink:/etc; link-out".to_string(),
            // Every line ends in CRLF: a last line without one is a listing cut short.
            String::new(),
        ]
        .join("\r\n");
        let script = steps(vec![
            anon_login("211-Features:\r\n MLST type*;size*;modify*;\r\n EPSV\r\n211 End"),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("MLSD dir"),
                r("150 go"),
                Step::DataSend(body.into_bytes()),
                r("226 done"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR dir/ok.txt"),
                r("150 go"),
                Step::DataSend(b"ok".to_vec()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["-j", "1", "get", "-r", &format!("{}/dir", server.url())]).cwd(&sandbox).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("refusing the server's name"), "{}", run.stderr);
        assert_no_terminal_controls("stderr", run.stderr.as_bytes());
        assert_eq!(files_under(root.path()), vec!["sandbox/dir/ok.txt".to_string()]);
        assert_eq!(std::fs::read(sandbox.join("dir/ok.txt")).unwrap(), b"ok");
        let commands = heard(server).await;
        assert_eq!(sent(&commands, "RETR"), vec!["RETR dir/ok.txt".to_string()]);
    })
    .await;
}

#[tokio::test]
async fn a_url_whose_file_name_is_dot_dot_is_a_usage_error() {
    within(async {
        let server = ScriptedServer::start(login()).await;
        let root = tempfile::tempdir().unwrap();
        let sandbox = root.path().join("sandbox");
        std::fs::create_dir(&sandbox).unwrap();
        // %2F keeps the separator away from URL normalization: the path is "x/..".
        let run = pasv(["get", &format!("{}/x%2F..", server.url())]).cwd(&sandbox).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("cannot save \"..\" locally"), "{}", run.stderr);
        assert_eq!(files_under(root.path()), Vec::<String>::new());
        assert_eq!(server.received(), Vec::<String>::new());
        // The same for a tree (checked once the session is open).
        let run = pasv(["-j", "1", "get", "-r", &format!("{}/x%2F..", server.url())]).cwd(&sandbox).run().await;
        run.assert_code(2);
        assert_eq!(files_under(root.path()), Vec::<String>::new());
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// CR/LF in names: from URLs, arguments and the server's PWD, never an extra command
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn raw_line_breaks_in_urls_are_usage_errors_before_connecting() {
    within(async {
        let server = ScriptedServer::expecting_no_connection().await;
        let url = server.url();
        let cases = [
            vec!["rm".to_string(), format!("{url}/a\nDELE b")],
            vec!["rm".to_string(), format!("{url}/a\r\nDELE b")],
            vec!["get".to_string(), format!("{url}/a\rb")],
            vec!["ls".to_string(), format!("{url}/dir\t/")],
            vec!["mkdir".to_string(), format!("{url}/new\u{85}dir")],
        ];
        for args in cases {
            let run = pasv(&args).run().await;
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("control character"), "{args:?}: {}", run.stderr);
            assert_no_terminal_controls("stderr", run.stderr.replace('\n', " ").as_bytes());
        }
        assert_eq!(server.finish(Duration::from_secs(10)).await.unwrap().commands, Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn line_breaks_in_quoted_commands_are_never_sent() {
    within(async {
        let server = ScriptedServer::start(login()).await;
        let run = pasv(["quote", &server.url(), "NOOP\r\nDELE precious"]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("forbidden CR character"), "{}", run.stderr);
        let commands = heard(server).await;
        assert_eq!(sent(&commands, "DELE"), Vec::<String>::new());
        assert_eq!(sent(&commands, "NOOP"), Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn a_quoted_command_starting_with_a_multi_byte_character_does_not_crash() {
    within(async {
        let script = steps(vec![login(), vec![e("\u{fc}\u{20ac} status"), r("500 Unknown command")]]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["quote", &server.url(), "\u{fc}\u{20ac} status"]).run().await;
        run.assert_code(5);
        assert!(run.stdout.contains("500 Unknown command"), "{}", run.stdout);
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_local_file_name_with_a_line_break_is_not_sent_as_a_command() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("a\nDELE precious");
        std::fs::write(&local, b"x").unwrap();
        let script = steps(vec![login(), vec![e("TYPE I"), r("200 ok")]]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["put", &local.to_string_lossy(), &format!("{}/up/", server.url())]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("forbidden LF character"), "{}", run.stderr);
        let commands = heard(server).await;
        assert_eq!(sent(&commands, "DELE"), Vec::<String>::new());
        assert_eq!(sent(&commands, "STOR"), Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn a_pwd_reply_with_line_breaks_never_becomes_a_command() {
    within(async {
        let cases: [&[u8]; 3] = [
            b"257 \"/a\rDELE precious\" is the current directory\r\n",
            b"257 \"/a\r\nDELE precious\" is the current directory\r\n",
            b"257 \"/a\0DELE precious\" is the current directory\r\n",
        ];
        for pwd in cases {
            // `stat` on something SIZE does not know asks whether it is a directory: PWD, then
            // CWD there and back to what PWD said.
            let script = steps(vec![
                login(),
                vec![
                    e("TYPE I"),
                    r("200 ok"),
                    e("SIZE thing"),
                    r("550 not a plain file"),
                    e("MDTM thing"),
                    r("550 no time"),
                    e("PWD"),
                    Step::SendBytes(pwd.to_vec()),
                ],
            ]);
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--timeout", "5", "stat", &format!("{}/thing", server.url())]).run().await;
            let shown = String::from_utf8_lossy(pwd);
            assert_eq!(run.code, 8, "{shown:?}: {}", run.stderr);
            let commands = server.finish(Duration::from_secs(5)).await.unwrap().commands;
            assert!(commands.contains(&"PWD".to_string()), "{shown:?}: {commands:?}");
            for command in &commands {
                assert!(!command.contains("DELE"), "{shown:?}: {command:?} in {commands:?}");
                assert!(command.chars().all(|c| !c.is_control()), "{shown:?}: {command:?} in {commands:?}");
            }
        }
    })
    .await;
}

/// `get -c` against a server without REST (RFC 959 section 5.1 leaves it out of the minimum;
/// twisted has none): resuming is an optimisation, so the whole file comes again and the part
/// file is replaced by a complete download.
#[tokio::test]
async fn a_server_without_rest_gets_the_whole_file_again() {
    within(async {
        let full = patterned(200_000);
        let have = 100_000usize;
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f.bin"),
                r("213 200000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                Step::ExpectPrefix("REST ".into()),
                r("502 REST not implemented"),
                e("SIZE f.bin"),
                r("213 200000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR f.bin"),
                r("150 go"),
                Step::DataSend(full.clone()),
                r("226 done"),
                e("QUIT"),
                r("221 Bye"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let part = out.path().join(".f.bin.pasv-part");
        std::fs::write(&part, &full[..have]).unwrap();
        let run = pasv(["get", "-c", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read(out.path().join("f.bin")).unwrap(), full);
        assert!(!part.exists());
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}
