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
        // The key the server really has, so a user who checks it out of band can pin it.
        assert!(run.stderr.contains(&format!("its pin is '{pin}'")), "{}", run.stderr);
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
        // Once per run, not once per session of a pool.
        std::fs::create_dir(server.path("many")).unwrap();
        for i in 0..8 {
            std::fs::write(server.path(&format!("many/f{i}")), patterned(1000)).unwrap();
        }
        let out = tempfile::tempdir().unwrap();
        let run =
            pasv(["--insecure", "-v", "-j", "4", "get", "-r", &server.url("many"), "-o", out.path().to_str().unwrap()])
                .run()
                .await;
        run.assert_code(0);
        assert!(run.stderr.matches("> USER").count() > 1, "{}", run.stderr);
        assert_eq!(run.stderr.matches("warning: --insecure").count(), 1, "{}", run.stderr);
    })
    .await;
}

mod scripted_tls {
    use std::time::Duration;

    use crate::support::scripted::{ScriptedServer, Step, e, r, tls};
    use crate::support::{pasv, within};

    /// AUTH TLS, handshake, login, PBSZ/PROT P, FEAT.
    fn secure_login(auth_reply: &str) -> Vec<Step> {
        vec![
            r("220 hi"),
            e("AUTH TLS"),
            Step::Send(auth_reply.into()),
            Step::StartTls,
            e("USER anonymous"),
            r("331 pw"),
            Step::ExpectPrefix("PASS ".into()),
            r("230 ok"),
            e("PBSZ 0"),
            r("200 PBSZ=0"),
            e("PROT P"),
            r("200 Protection set to Private"),
            e("FEAT"),
            r("211-Features:\r\n SIZE\r\n211 End"),
        ]
    }

    #[tokio::test]
    async fn replies_injected_before_the_handshake_are_discarded() {
        within(async {
            let mut script = secure_login("234 Proceed\r\n230 User logged in (injected before TLS)\r\n");
            script.extend([
                e("TYPE I"),
                r("200 ok"),
                e("EPSV"),
                Step::ListenData,
                r("229 Entering Extended Passive Mode (|||{port}|)"),
                e("LIST"),
                r("150 here"),
                Step::DataSendTls(b"-rw-r--r-- 1 ftp ftp 5 Nov 21 10:00 a.txt\r\n".to_vec()),
                r("226 done"),
            ]);
            let server = ScriptedServer::start(script).await;
            let run = pasv(["-v", "--tls", "--pin", &tls().pin, "ls", &server.url()]).run().await;
            run.assert_code(0);
            assert_eq!(run.stdout, "a.txt\n");
            assert!(run.stderr.contains("discarded"), "{}", run.stderr);
            let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
            assert_eq!(transcript.commands[1], "USER anonymous");
        })
        .await;
    }

    #[tokio::test]
    async fn prot_p_refused_stops_before_any_data_connection() {
        within(async {
            let mut script = secure_login("234 Proceed\r\n");
            script.truncate(11);
            script.extend([r("536 PROT P not supported"), Step::ExpectClose]);
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--tls", "--pin", &tls().pin, "ls", &server.url()]).run().await;
            run.assert_code(6);
            assert!(run.stderr.contains("refused PROT P"), "{}", run.stderr);
            let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
            assert!(
                !transcript.commands.iter().any(|c| c == "EPSV" || c == "PASV" || c == "LIST"),
                "{:?}",
                transcript.commands
            );
        })
        .await;
    }

    #[tokio::test]
    async fn garbage_after_234_is_a_tls_failure() {
        within(async {
            let script = vec![
                r("220 hi"),
                e("AUTH TLS"),
                r("234 Proceed"),
                Step::Sleep(Duration::from_millis(300)),
                Step::Send("this is not a TLS record\r\n".into()),
                Step::ExpectClose,
            ];
            let server = ScriptedServer::start(script).await;
            let run = pasv(["--tls", "--pin", &tls().pin, "ls", &server.url()]).run().await;
            run.assert_code(6);
            let transcript = server.finish(Duration::from_secs(5)).await.unwrap();
            // The rest of the transcript is the ClientHello; no USER, no PASS.
            assert_eq!(transcript.commands[0], "AUTH TLS");
            assert!(
                !transcript.commands.iter().any(|c| c.starts_with("USER") || c.starts_with("PASS")),
                "{:?}",
                transcript.commands
            );
        })
        .await;
    }

    fn download(size_reply: &str, data: Step) -> Vec<Step> {
        let mut script = secure_login("234 Proceed\r\n");
        script.extend([
            e("TYPE I"),
            r("200 ok"),
            e("SIZE f.bin"),
            r(size_reply),
            e("EPSV"),
            Step::ListenData,
            r("229 Entering Extended Passive Mode (|||{port}|)"),
            e("RETR f.bin"),
            r("150 here"),
            data,
            r("226 done"),
        ]);
        script
    }

    #[tokio::test]
    async fn tls_data_cut_without_close_notify_is_truncation() {
        within(async {
            let server =
                ScriptedServer::start(download("550 no SIZE here", Step::DataSendTlsNoCloseNotify(vec![7; 5000])))
                    .await;
            let out = tempfile::tempdir().unwrap();
            let run = pasv(["--tls", "--pin", &tls().pin, "get", &format!("{}/f.bin", server.url())])
                .cwd(out.path())
                .run()
                .await;
            run.assert_code(8);
            assert!(run.stderr.contains("without close_notify"), "{}", run.stderr);
            assert!(!out.path().join("f.bin").exists());
            server.finish(Duration::from_secs(10)).await.unwrap();
        })
        .await;
    }

    #[tokio::test]
    async fn tls_data_without_close_notify_is_fine_when_size_proves_it_complete() {
        within(async {
            let server =
                ScriptedServer::start(download("213 5000", Step::DataSendTlsNoCloseNotify(vec![7; 5000]))).await;
            let out = tempfile::tempdir().unwrap();
            let run = pasv(["--tls", "--pin", &tls().pin, "get", &format!("{}/f.bin", server.url())])
                .cwd(out.path())
                .run()
                .await;
            run.assert_code(0);
            assert_eq!(std::fs::read(out.path().join("f.bin")).unwrap(), vec![7; 5000]);
            server.finish(Duration::from_secs(10)).await.unwrap();
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_host_key_is_trusted_and_a_changed_one_is_a_hard_error() {
    within(async {
        let server = tls_server().await;
        let pin = server.server.certificate().unwrap().pin.clone();
        let addr = server.server.addr();
        let write_known = |p: &crate::support::Pasv, line: String| {
            let dir = p.home().join(".local/share/pasv");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("known_hosts"), line).unwrap();
        };
        let trusted = pasv(["ls", &server.url("/")]);
        write_known(&trusted, format!("{}:{} {pin}\n", addr.ip(), addr.port()));
        let run = trusted.run().await;
        run.assert_code(0);
        assert_eq!(run.stdout, "secret.bin\n");

        let changed = pasv(["ls", &server.url("/")]);
        write_known(
            &changed,
            format!("{}:{} sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", addr.ip(), addr.port()),
        );
        let run = changed.run().await;
        run.assert_code(6);
        assert!(run.stderr.contains("CHANGED"), "{}", run.stderr);
        assert!(run.stderr.contains(&pin), "both keys are shown: {}", run.stderr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_versions_can_be_bounded_and_json_reports_the_tls_of_each_transfer() {
    within(async {
        let server = tls_server().await;
        let pin = server.server.certificate().unwrap().pin.clone();
        // The embedded server speaks TLS 1.2 only: requiring 1.3 must fail, never downgrade.
        let run = pasv(["--pin", &pin, "--tls-min", "1.3", "ls", &server.url("/")]).run().await;
        run.assert_code(6);
        let out = tempfile::tempdir().unwrap();
        let run = pasv(["-v", "--json", "--pin", &pin, "--tls-max", "1.2", "get", &server.url("secret.bin")])
            .cwd(out.path())
            .run()
            .await;
        run.assert_code(0);
        assert!(run.stderr.contains("* TLS on control connection: TLSv1.2"), "{}", run.stderr);
        assert!(run.stderr.contains("certificate SHA-256 "), "{}", run.stderr);
        let event: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(event["tls"]["version"], "TLSv1.2");
        assert_eq!(event["tls"]["resumed"], true);
        assert_eq!(event["tls"]["pin"], pin.as_str());
        assert!(event["tls"]["cipher"].as_str().unwrap().starts_with("TLS_"), "{}", event["tls"]);
    })
    .await;
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_the_server_asks() {
    use crate::support::scripted::{ScriptedServer, Step, client_auth_tls, e, r};
    within(async {
        let auth = client_auth_tls();
        let script = vec![
            r("220 hi"),
            e("AUTH TLS"),
            r("234 Proceed"),
            Step::StartTlsClientAuth,
            e("USER anonymous"),
            r("230 certificate accepted"),
            e("PBSZ 0"),
            r("200 ok"),
            e("PROT P"),
            r("200 ok"),
            e("FEAT"),
            r("211-Features:\r\n SIZE\r\n211 End"),
            e("NOOP"),
            r("200 NOOP over a mutually authenticated session"),
        ];
        let server = ScriptedServer::start(script).await;
        let cert = auth.client_cert.to_str().unwrap();
        let key = auth.client_key.to_str().unwrap();
        let run = pasv([
            "--tls",
            "--pin",
            &auth.pin,
            "--client-cert",
            cert,
            "--client-key",
            key,
            "quote",
            &server.url(),
            "NOOP",
        ])
        .run()
        .await;
        run.assert_code(0);
        assert_eq!(run.stdout, "200 NOOP over a mutually authenticated session\n");
        server.finish(std::time::Duration::from_secs(5)).await.unwrap();

        let server =
            ScriptedServer::start(vec![r("220 hi"), e("AUTH TLS"), r("234 Proceed"), Step::StartTlsClientAuthRefused])
                .await;
        let run = pasv(["--tls", "--pin", &auth.pin, "ls", &server.url()]).run().await;
        run.assert_code(6);
        server.finish(std::time::Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// A client key that is not a key, or not the certificate's: the error names the file and
/// what was expected (pki-types alone says "no items found"). Checked before connecting.
#[tokio::test]
async fn a_wrong_client_key_names_the_file_and_what_was_expected() {
    within(async {
        let auth = crate::support::scripted::client_auth_tls();
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.key");
        let generated = rcgen::generate_simple_self_signed(vec!["x".to_string()]).unwrap();
        std::fs::write(&other, generated.signing_key.serialize_pem()).unwrap();
        let cert = auth.client_cert.to_str().unwrap();
        let cases = [
            (
                cert.to_string(),
                format!("client key {cert}: no private key in it (expected a PEM \"BEGIN PRIVATE KEY\""),
            ),
            (
                other.to_str().unwrap().to_string(),
                format!("client key {} is not the private key of the certificate in {cert}", other.display()),
            ),
        ];
        for (key, message) in cases {
            let run =
                pasv(["--tls", "--client-cert", cert, "--client-key", &key, "ls", "ftp://127.0.0.1:9/"]).run().await;
            run.assert_code(6);
            assert!(run.stderr.contains(&message), "{message}: {}", run.stderr);
            assert!(!run.stderr.contains("no items found"), "{}", run.stderr);
        }
    })
    .await;
}

#[tokio::test]
async fn a_230_greeting_does_not_skip_tls() {
    use crate::support::scripted::{ScriptedServer, Step};
    within(async {
        let server = ScriptedServer::start(vec![
            Step::Reply("230 Already logged in, no need for TLS".into()),
            Step::ExpectClose,
        ])
        .await;
        let run = pasv(["--tls", "ls", &server.url()]).run().await;
        run.assert_code(8);
        let transcript = server.finish(std::time::Duration::from_secs(5)).await.unwrap();
        assert!(
            transcript.commands.iter().all(|c| c == "QUIT"),
            "nothing but QUIT may follow: {:?}",
            transcript.commands
        );
    })
    .await;
}

/// A client that starts its handshake right behind AUTH TLS, without waiting for the 234: its
/// first TLS bytes reach the server in the same read as the command (RFC 4217 section 4 asks
/// clients to wait, but the bytes already read must not be lost either way).
mod eager_client {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll, ready};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    use tokio::net::TcpStream;

    /// Sends `AUTH TLS` in the same write as the ClientHello and hides the 234 from rustls.
    pub struct Eager {
        pub tcp: TcpStream,
        pub pending: Vec<u8>,
        pub reply: Vec<u8>,
        pub replied: bool,
    }

    impl AsyncWrite for Eager {
        fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.get_mut().pending.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            while !this.pending.is_empty() {
                let n = ready!(Pin::new(&mut this.tcp).poll_write(cx, &this.pending))?;
                this.pending.drain(..n);
            }
            Pin::new(&mut this.tcp).poll_flush(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
        }
    }

    impl AsyncRead for Eager {
        fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            while !this.replied {
                let mut byte = [0u8; 1];
                let mut one = ReadBuf::new(&mut byte);
                ready!(Pin::new(&mut this.tcp).poll_read(cx, &mut one))?;
                if one.filled().is_empty() {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
                this.reply.push(byte[0]);
                this.replied = byte[0] == b'\n';
            }
            Pin::new(&mut this.tcp).poll_read(cx, buf)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_server_keeps_tls_bytes_that_arrive_with_auth_tls() {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

    within(async {
        let server = tls_server().await;
        let pem = server.server.certificate().unwrap().pem.clone();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        for attempt in 0..5 {
            let mut tcp = BufReader::new(tokio::net::TcpStream::connect(server.server.addr()).await.unwrap());
            let mut greeting = String::new();
            tcp.read_line(&mut greeting).await.unwrap();
            assert!(greeting.starts_with("220"), "{greeting}");
            let eager = eager_client::Eager {
                tcp: tcp.into_inner(),
                pending: b"AUTH TLS\r\n".to_vec(),
                reply: Vec::new(),
                replied: false,
            };
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
            let handshake = tokio::time::timeout(std::time::Duration::from_secs(10), connector.connect(name, eager));
            let mut tls = match handshake.await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => panic!("attempt {attempt}: handshake failed: {e}"),
                Err(_) => panic!("attempt {attempt}: the server never answered the ClientHello"),
            };
            assert!(tls.get_ref().0.reply.starts_with(b"234"), "{:?}", String::from_utf8_lossy(&tls.get_ref().0.reply));
            tls.write_all(b"NOOP\r\n").await.unwrap();
            tls.flush().await.unwrap();
            let mut reply = [0u8; 3];
            tls.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"200", "attempt {attempt}");
        }
    })
    .await;
}

/// A certificate made the way FTPS tutorials make one: `openssl req -x509 -nodes -days 365
/// -newkey KEY -keyout F -out F`, key and certificate in one file, self-signed, `CA:TRUE` (the
/// default of `req -x509`), the host name only as the common name.
fn tutorial_certificate(dir: &std::path::Path, name: &str, key: &[&str], common_name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let out = std::process::Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "365"])
        .args(key)
        .arg("-keyout")
        .arg(&path)
        .arg("-out")
        .arg(&path)
        .args(["-subj", &format!("/CN={common_name}")])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl is installed (scripts/install-test-deps)");
    assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("PRIVATE KEY") && text.contains("CERTIFICATE"), "{text}");
    path
}

async fn server_with(cert: &std::path::Path) -> TestServer {
    let server = TestServer::start_with(|o| {
        o.certificate_files = Some((cert.to_path_buf(), cert.to_path_buf()));
        o.writable = true;
    })
    .await;
    std::fs::write(server.path("secret.bin"), patterned(150_000)).unwrap();
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tutorial_self_signed_certificate_given_to_ca_file_is_trusted() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        for (name, key) in [
            ("rsa.pem", &["-newkey", "rsa:2048"][..]),
            ("ec.pem", &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"][..]),
        ] {
            let cert = tutorial_certificate(dir.path(), name, key, "127.0.0.1");
            let server = server_with(&cert).await;
            let ca = cert.to_str().unwrap();
            let run = pasv(["--ca-file", ca, "cat", &server.url("secret.bin")]).run().await;
            run.assert_code(0);
            assert_eq!(run.stdout_bytes, patterned(150_000), "{name}");
            // Without it, the same certificate is refused, with a hint that names the way out.
            let run = pasv(["cat", &server.url("secret.bin")]).run().await;
            run.assert_code(6);
            assert!(run.stderr.contains("--ca-file"), "{name}: {}", run.stderr);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_self_signed_certificate_still_needs_the_right_name_and_the_same_certificate() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let rsa = ["-newkey", "rsa:2048"];
        // The right certificate for another host name.
        let other_name = tutorial_certificate(dir.path(), "other-name.pem", &rsa, "ftp.example.com");
        let server = server_with(&other_name).await;
        let run = pasv(["--ca-file", other_name.to_str().unwrap(), "ls", &server.url("/")]).run().await;
        run.assert_code(6);
        assert!(run.stderr.contains("not valid for name \"127.0.0.1\""), "{}", run.stderr);
        assert!(run.stderr.contains("ftp.example.com"), "{}", run.stderr);
        // A self-signed certificate for the right name, but not the one the server presents.
        let served = tutorial_certificate(dir.path(), "served.pem", &rsa, "127.0.0.1");
        let impostor = tutorial_certificate(dir.path(), "impostor.pem", &rsa, "127.0.0.1");
        let server = server_with(&served).await;
        let run = pasv(["--ca-file", impostor.to_str().unwrap(), "ls", &server.url("/")]).run().await;
        run.assert_code(6);
        assert!(run.stderr.contains("self-signed"), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_self_signed_certificate_is_refused_with_its_date() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let path = dir.path().join("expired.pem");
        std::fs::write(&path, format!("{}{}", cert.pem(), key.serialize_pem())).unwrap();
        let server = server_with(&path).await;
        let run = pasv(["--ca-file", path.to_str().unwrap(), "ls", &server.url("/")]).run().await;
        run.assert_code(6);
        assert!(run.stderr.contains("certificate expired"), "{}", run.stderr);
        assert!(run.stderr.contains("renew"), "{}", run.stderr);
    })
    .await;
}

/// vsftpd writes its fatal errors ("500 OOPS: ...") as plain text even into a TLS session.
/// The one every vsftpd tutorial meets, a writable chroot root, comes right after the login:
/// pasv says the server ended the session (exit 8, as when it closes the connection) and
/// what vsftpd's fatal errors look like, with the two common ones; not a TLS failure (exit 6,
/// "corrupt message"), which sends people after certificates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vsftpd_fatal_error_inside_tls_is_named_not_taken_for_a_tls_failure() {
    use crate::support::daemons::{Daemon, Kind, Spec, Tls, certificates, unavailable};
    within(async {
        let spec = Spec { tls: Tls::Explicit, refuse_writable_root: true, ..Spec::plain(Kind::Vsftpd) };
        let daemon = match tokio::task::spawn_blocking(move || Daemon::start(spec)).await.unwrap() {
            Ok(d) => d,
            Err(why) => return unavailable("vsftpd refusing a writable chroot", &why),
        };
        let ca = certificates().unwrap().ca.to_string_lossy().into_owned();
        let run = pasv(["--ca-file", &ca, "ls", &daemon.url(true, "/")]).run().await;
        run.assert_code(8);
        assert!(run.stderr.contains("wrote plain text into the encrypted control connection"), "{}", run.stderr);
        assert!(run.stderr.contains("allow_writeable_chroot=YES"), "{}", run.stderr);
        assert!(!run.stderr.contains("certificate"), "{}", run.stderr);
    })
    .await;
}
