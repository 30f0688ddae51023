//! The scripted server: exact replies, odd servers and hostile ones.

use std::time::Duration;

use crate::support::scripted::{EPSV_OK, FEAT_SIZE_EPSV, ScriptedServer, Step, anon_login, e, epsv_retr, r, steps};
use crate::support::{closed_port, pasv, patterned, within};

/// Greeting, anonymous login and a FEAT without MLST/UTF8.
fn login() -> Vec<Step> {
    anon_login(FEAT_SIZE_EPSV)
}

#[tokio::test]
async fn a_227_naming_another_host_is_ignored_by_default() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f.txt"),
                r("213 5"),
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (127,0,0,9,{p1},{p2})"),
                e("RETR f.txt"),
                r("150 here"),
                Step::DataSend(b"hello".to_vec()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "--no-epsv", "get", &format!("{}/f.txt", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(out.path().join("f.txt")).unwrap(), "hello");
        assert!(run.stderr.contains("227 names 127.0.0.9, but the server is 127.0.0.1"), "{}", run.stderr);
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_227_naming_another_host_fails_clearly_with_pasv_address_server() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f.txt"),
                r("213 5"),
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (127,0,0,9,{p1},{p2})"),
                Step::ExpectClose,
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["--no-epsv", "--pasv-address", "server", "get", &format!("{}/f.txt", server.url())])
            .cwd(out.path())
            .run()
            .await;
        run.assert_code(8);
        assert!(run.stderr.contains("the address in the 227 reply"), "{}", run.stderr);
        assert!(run.stderr.contains("hint: drop --pasv-address server"), "{}", run.stderr);
        let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
        assert!(!transcript.commands.iter().any(|c| c.starts_with("RETR")), "{:?}", transcript.commands);
        assert!(!out.path().join("f.txt").exists());
    })
    .await;
}

#[tokio::test]
async fn epsv_refused_falls_back_to_pasv_and_remembers() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE a"),
                r("213 1"),
                e("EPSV"),
                r("502 EPSV not implemented"),
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (127,0,0,1,{p1},{p2})"),
                e("RETR a"),
                r("150 go"),
                Step::DataSend(b"A".to_vec()),
                r("226 done"),
                e("SIZE b"),
                r("213 1"),
                // Remembered: no second EPSV.
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (127,0,0,1,{p1},{p2})"),
                e("RETR b"),
                r("150 go"),
                Step::DataSend(b"B".to_vec()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run =
            pasv(["get", &format!("{}/a", server.url()), &format!("{}/b", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(out.path().join("b")).unwrap(), "B");
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn noops_during_a_transfer_are_matched_whenever_the_server_answers() {
    within(async {
        let script = steps(vec![
            login(),
            vec![e("TYPE I"), r("200 ok"), e("SIZE a"), r("213 2")],
            epsv_retr("a"),
            vec![
                // The transfer stalls until the NOOP comes (--noop-interval 2: two seconds in),
                // however long a busy machine takes to send it.
                Step::DataSendThenStall(b"A".to_vec()),
                e("NOOP"),
                Step::DataFinish(b"B".to_vec()),
                // vsftpd reads it only after the transfer: its 200 follows the 226.
                r("226 done"),
                r("200 NOOP ok"),
                e("SIZE b"),
                r("213 2"),
            ],
            epsv_retr("b"),
            vec![
                Step::DataSendThenStall(b"C".to_vec()),
                e("NOOP"),
                // Others answer before the transfer's own reply, while it goes on.
                r("200 NOOP ok"),
                Step::DataFinish(b"D".to_vec()),
                r("226 done"),
                // Still in step: the next reply is SIZE's, not a stray 200.
                e("SIZE c"),
                r("213 1"),
            ],
            epsv_retr("c"),
            vec![Step::DataSend(b"E".to_vec()), r("226 done")],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let urls = ["a", "b", "c"].map(|name| format!("{}/{name}", server.url()));
        let run = pasv(["-v", "--noop-interval", "2", "get", &urls[0], &urls[1], &urls[2]]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert_eq!(std::fs::read_to_string(out.path().join("a")).unwrap(), "AB");
        assert_eq!(std::fs::read_to_string(out.path().join("b")).unwrap(), "CD");
        assert_eq!(std::fs::read_to_string(out.path().join("c")).unwrap(), "E");
        assert_eq!(run.stderr.matches("> NOOP").count(), 2, "{}", run.stderr);
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn epsv_port_unreachable_falls_back_to_pasv() {
    within(async {
        // Port 1 on loopback refuses connections: EPSV "worked" but its port cannot be reached.
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE a"),
                r("213 2"),
                e("EPSV"),
                r("229 Entering Extended Passive Mode (|||1|)"),
                e("PASV"),
                Step::ListenData,
                r("227 Entering Passive Mode (127,0,0,1,{p1},{p2})"),
                e("RETR a"),
                r("150 go"),
                Step::DataSend(b"ok".to_vec()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "get", &format!("{}/a", server.url())]).cwd(out.path()).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("EPSV data port 127.0.0.1:1 unreachable"), "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(out.path().join("a")).unwrap(), "ok");
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_227_without_parentheses_and_multi_line_replies_work() {
    within(async {
        let script = vec![
            Step::Send(
                "220-Welcome to a chatty server\r\n220-Second line\r\n 220 indented, not the end\r\n220 Ready\r\n"
                    .into(),
            ),
            e("USER anonymous"),
            r("331-Anonymous login ok,\r\n331 send your e-mail as password"),
            Step::ExpectPrefix("PASS ".into()),
            r("230-Rules:\r\n230-1. be nice\r\n230 Logged in"),
            e("FEAT"),
            r("500 FEAT not understood"),
            e("TYPE I"),
            r("200 ok"),
            e("SIZE f"),
            r("213 3"),
            e("EPSV"),
            r("500 unknown"),
            e("PASV"),
            Step::ListenData,
            r("227 =127,0,0,1,{p1},{p2}"),
            e("RETR f"),
            r("150 go"),
            Step::DataSend(b"abc".to_vec()),
            r("226-Transfer complete.\r\n226 Bytes sent: 3"),
        ];
        let server = ScriptedServer::start(script).await;
        let run = pasv(["cat", &format!("{}/f", server.url())]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "abc");
        server.finish(Duration::from_secs(5)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_stalled_server_times_out_with_exit_9() {
    within(async {
        let server = ScriptedServer::start(vec![r("220 hi"), e("USER anonymous"), Step::Stall]).await;
        let run = pasv(["--timeout", "1", "ls", &server.url()]).run().await;
        run.assert_code(9);
        assert!(run.stderr.contains("timed out after 1s"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_dripping_one_byte_per_second_cannot_hold_the_client() {
    within(async {
        // The whole reply must arrive within --timeout, not each byte. At 300 ms a byte the
        // greeting takes 60 s, more than the 45 s after which a pasv run is killed (and the
        // test fails): a client that waits byte by byte fails however busy the machine.
        let greeting = format!("220 a very slow greeting{}\r\n", " indeed".repeat(28));
        let server = ScriptedServer::start(vec![Step::Drip(greeting, Duration::from_millis(300))]).await;
        let run = pasv(["--timeout", "2", "ls", &server.url()]).run().await;
        run.assert_code(9);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_data_connection_closed_early_fails_and_leaves_no_target() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f.bin"),
                r("213 100000"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR f.bin"),
                r("150 go"),
                Step::DataSend(patterned(1000)),
                r("226 done (but it lied)"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("received 1000 bytes, expected 100000"), "{}", run.stderr);
        assert!(!out.path().join("f.bin").exists());
        // The partial data is kept under a name that does not look complete, for -c.
        assert_eq!(std::fs::read(out.path().join(".f.bin.pasv-part")).unwrap(), patterned(1000));
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_transfer_without_226_is_not_complete() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("SIZE f"),
                r("550 SIZE not allowed"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("RETR f"),
                r("150 go"),
                Step::DataSend(b"partial".to_vec()),
                Step::Close,
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["get", &format!("{}/f", server.url())]).cwd(out.path()).run().await;
        run.assert_code(8);
        assert!(!out.path().join("f").exists());
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_that_ignores_rest_is_detected_and_nothing_is_written() {
    within(async {
        let full = patterned(200_000);
        let have = 100_000usize;
        let restart_at = have - 65_536;
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
                Step::Expect(format!("REST {restart_at}")),
                Step::Reply(format!("350 Restarting at {restart_at}")),
                e("RETR f.bin"),
                r("150 go"),
                // ... and then sends the file from offset 0.
                Step::DataSend(full.clone()),
                r("226 done"),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let out = tempfile::tempdir().unwrap();
        let part = out.path().join(".f.bin.pasv-part");
        std::fs::write(&part, &full[..have]).unwrap();
        let run = pasv(["get", "-c", &format!("{}/f.bin", server.url())]).cwd(out.path()).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("does not continue the local part"), "{}", run.stderr);
        assert_eq!(std::fs::read(&part).unwrap(), &full[..have], "the partial data must survive untouched");
        assert!(!out.path().join("f.bin").exists());
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn names_with_line_breaks_are_refused_before_anything_is_sent() {
    within(async {
        let server = ScriptedServer::expecting_no_connection().await;
        let run = pasv(["get", &format!("{}/a%0d%0aDELE%20b", server.url())]).run().await;
        run.assert_code(2);
        assert!(run.stderr.contains("control character"), "{}", run.stderr);
        let run = pasv(["mv", &format!("{}/a", server.url()), "b\r\nDELE c"]).run().await;
        run.assert_code(2);
        assert_eq!(server.finish(Duration::from_secs(10)).await.unwrap().commands, Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn escape_sequences_from_the_server_do_not_reach_the_terminal_raw() {
    within(async {
        let script = vec![r("220 hi"), e("USER anonymous"), r("530 \x1b]0;pwned\x07\x1b[31mNo\x1b[0m")];
        let server = ScriptedServer::start(script).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(7);
        assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
        assert!(run.stderr.contains("\\x1b]0;pwned"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_endless_reply_line_is_a_protocol_error_not_a_hang() {
    within(async {
        let server = ScriptedServer::start(vec![Step::Send("220 ".to_string() + &"x".repeat(100_000))]).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("reply line longer than"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_passive_port_explains_passive_mode() {
    within(async {
        let held = closed_port();
        let closed = held.port;
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                r("500 no"),
                // A refused port is asked for once more, then it is the error.
                e("PASV"),
                Step::Reply(format!("227 Entering Passive Mode (127,0,0,1,{},{})", closed / 256, closed % 256)),
                e("PASV"),
                Step::Reply(format!("227 Entering Passive Mode (127,0,0,1,{},{})", closed / 256, closed % 256)),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(4);
        assert!(run.stderr.contains("cannot open the data connection"), "{}", run.stderr);
        assert!(run.stderr.contains("passive port range"), "{}", run.stderr);
        assert!(run.stderr.contains("--active"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_425_reply_gets_the_same_hint() {
    within(async {
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("MLSD"),
                r("425 Can't open data connection."),
            ],
        ]);
        let mut script = script;
        // FEAT with MLST so the listing uses MLSD.
        script[6] = r("211-Features:\r\n MLST type*;size*;modify*;\r\n211 End");
        let server = ScriptedServer::start(script).await;
        let run = pasv(["ls", &server.url()]).run().await;
        run.assert_code(4);
        assert!(run.stderr.contains("425 to MLSD"), "{}", run.stderr);
        assert!(run.stderr.contains("passive port range"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_empty_list_of_a_missing_directory_is_not_success() {
    within(async {
        // vsftpd answers LIST of a missing path with an empty listing and 226.
        let script = steps(vec![
            login(),
            vec![
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e("LIST missing"),
                r("150 Here comes the directory listing."),
                Step::DataSend(Vec::new()),
                r("226 Directory send OK."),
                e("PWD"),
                r("257 \"/\" is the current directory"),
                e("CWD missing"),
                r("550 Failed to change directory."),
            ],
        ]);
        let server = ScriptedServer::start(script).await;
        let run = pasv(["ls", &format!("{}/missing/", server.url())]).run().await;
        run.assert_code(5);
        assert!(run.stderr.contains("no such directory"), "{}", run.stderr);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}
