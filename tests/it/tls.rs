//! FTPS against the in-process server with a generated certificate: verification by default,
//! pins, --ca-file, --insecure with its warning, and encrypted data connections.

use crate::support::{TestServer, pasv, patterned, within};

async fn tls_server() -> TestServer {
    let server = TestServer::start_with(|o| {
        o.tls = true;
        o.writable = true;
    })
    .await;
    std::fs::write(server.path("secret.bin"), patterned(150_000)).unwrap();
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_exit_6_with_the_pin_to_use() {
    within(async {
        let server = tls_server().await;
        let pin = server.server.certificate().unwrap().pin.clone();
        let run = pasv(["cat", &server.url("secret.bin")]).run().await;
        run.assert_code(6);
        assert!(run.stderr.contains(&format!("--pin '{pin}'")), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_server_is_trusted_and_data_is_encrypted() {
    within(async {
        let server = tls_server().await;
        let pin = server.server.certificate().unwrap().pin.clone();
        let run = pasv(["-v", "--pin", &pin, "cat", &server.url("secret.bin")]).run().await;
        run.assert_code(0);
        assert_eq!(run.stdout_bytes, patterned(150_000));
        assert!(run.stderr.contains("> AUTH TLS"), "{}", run.stderr);
        assert!(run.stderr.contains("> PROT P"), "{}", run.stderr);
        assert!(run.stderr.contains("* TLS on data connection"), "{}", run.stderr);

        let run =
            pasv(["--pin", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "ls", &server.url("/")]).run().await;
        run.assert_code(6);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_file_trusts_the_server_and_uploads_work() {
    within(async {
        let server = tls_server().await;
        let ca = server.server.certificate().unwrap().pem_path.clone();
        let local = tempfile::tempdir().unwrap();
        let file = local.path().join("up.bin");
        std::fs::write(&file, patterned(300_000)).unwrap();
        pasv(["--ca-file", ca.to_str().unwrap(), "put", file.to_str().unwrap(), &server.url("/")])
            .run()
            .await
            .assert_code(0);
        assert_eq!(std::fs::read(server.path("up.bin")).unwrap(), patterned(300_000));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_works_and_says_so() {
    within(async {
        let server = tls_server().await;
        let run = pasv(["--insecure", "ls", &server.url("/")]).run().await;
        run.assert_code(0);
        assert!(run.stderr.contains("warning: --insecure"), "{}", run.stderr);
        assert_eq!(run.stdout, "secret.bin\n");
    })
    .await;
}
