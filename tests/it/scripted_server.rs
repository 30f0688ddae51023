//! The scripted server's own promise: a test cannot pass while its script has steps the
//! client never reached.

use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::support::scripted::{ScriptedServer, Step, e, r};
use crate::support::within;

/// Connects, reads the greeting and hangs up: the client of a script that expected more.
async fn greet_and_leave(server: &ScriptedServer) {
    let addr = server.url().trim_start_matches("ftp://").to_string();
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut greeting = [0u8; 8];
    conn.read_exact(&mut greeting).await.unwrap();
    assert_eq!(&greeting, b"220 hi\r\n");
}

#[tokio::test]
async fn finish_names_the_steps_the_client_never_reached() {
    within(async {
        let server = ScriptedServer::start(vec![r("220 hi"), Step::Sleep(Duration::from_secs(5)), e("USER x")]).await;
        greet_and_leave(&server).await;
        let err = server.finish(Duration::from_millis(300)).await.unwrap_err();
        assert!(err.contains("session 0: 2 of 3 step(s) not played"), "{err}");
        assert!(err.contains("step 2: Expect(\"USER x\")"), "{err}");
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "scripted server dropped without finish() or heard()")]
async fn a_server_dropped_without_a_check_fails_the_test() {
    within(async {
        let server = ScriptedServer::start(vec![r("220 hi")]).await;
        greet_and_leave(&server).await;
        drop(server);
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "1 of 2 step(s) not played")]
async fn heard_fails_on_a_step_left_over() {
    within(async {
        let server = ScriptedServer::start(vec![r("220 hi"), Step::Sleep(Duration::from_secs(5))]).await;
        greet_and_leave(&server).await;
        server.heard(Duration::from_millis(300)).await;
    })
    .await;
}

#[tokio::test]
async fn a_stall_ends_when_the_client_gives_up() {
    within(async {
        let server = ScriptedServer::start(vec![r("220 hi"), Step::Stall]).await;
        greet_and_leave(&server).await;
        assert_eq!(server.finish(Duration::from_secs(5)).await.unwrap().commands, Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn a_server_expecting_no_connection_reports_one() {
    within(async {
        let server = ScriptedServer::expecting_no_connection().await;
        let addr = server.url().trim_start_matches("ftp://").to_string();
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        // The server records the failure, then closes the connection.
        assert_eq!(conn.read(&mut [0u8; 16]).await.unwrap(), 0);
        let err = server.finish(Duration::from_secs(1)).await.unwrap_err();
        assert!(err.contains("unexpected extra control connection"), "{err}");
    })
    .await;
}
