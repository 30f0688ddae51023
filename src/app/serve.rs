//! `pasv serve` (a local FTP server) and `pasv demo` (a guided session against one).

use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, Result, bail};
use sha2::{Digest, Sha256};

use super::context::Context;
use super::render::format_time;
use super::settings::usage;
use super::trace::TraceWriter;
use crate::cli::{DemoArgs, ServeArgs};
use crate::engine::{Config, Credentials, DataMethod, Endpoint, Secret, Session, Trace, TraceEvent, UploadMode};
use crate::server::{RunningServer, ServerOptions};

pub async fn serve(ctx: &Context, args: ServeArgs) -> Result<()> {
    let root = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("no current directory")?,
    };
    let bind: IpAddr =
        args.bind.parse().map_err(|_| usage(format!("--bind {:?}: expected an IP address", args.bind)))?;
    let mut options = ServerOptions::new(&root);
    options.bind = bind;
    options.port = args.port;
    options.writable = args.writable;
    options.tls = ctx.args.tls;
    if let Some(range) = &args.passive_ports {
        options.passive_ports = parse_range(range)?;
    }
    if let Some(user) = &ctx.args.user {
        let password = match (&ctx.args.user_password, &ctx.args.password_env) {
            // `--user ci:secret`, split by the app.
            (Some(password), _) => password.0.clone(),
            (None, Some(name)) => super::settings::password_from_env(name)?,
            (None, None) => std::env::var("PASV_PASSWORD")
                .map_err(|_| usage("--user needs a password: --password-env NAME or PASV_PASSWORD"))?,
        };
        options.login = Some((user.clone(), password));
    }
    let server =
        RunningServer::start(options.clone()).await.with_context(|| format!("cannot serve {}", root.display()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}/", server.url())?;
    stdout.flush()?;
    drop(stdout);
    if !ctx.args.quiet {
        let mode = if options.writable { "writable" } else { "read-only" };
        let who = options.login.as_ref().map(|(u, _)| format!("user {u}")).unwrap_or_else(|| "anonymous logins".into());
        eprintln!(
            "pasv serve: {} ({mode}, {who}), passive ports {}-{}",
            root.display(),
            options.passive_ports.start(),
            options.passive_ports.end()
        );
        if let Some(cert) = server.certificate() {
            eprintln!("pasv serve: FTPS with a self-signed certificate, pin {}", cert.pin);
            eprintln!("pasv serve: try: pasv --pin '{}' ls {}/", cert.pin, server.url());
        }
        eprintln!("pasv serve: press Ctrl-C to stop");
    }
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    server.stop();
    Ok(())
}

fn parse_range(text: &str) -> Result<std::ops::RangeInclusive<u16>> {
    let bad = || usage(format!("--passive-ports {text:?}: expected FIRST-LAST, e.g. 50000-50100"));
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let (a, b): (u16, u16) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
    if a == 0 || a > b {
        return Err(bad());
    }
    Ok(a..=b)
}

/// A guided tour with the real engine against an in-process server.
pub async fn demo(ctx: &Context, args: DemoArgs) -> Result<()> {
    if args.size == 0 || args.size > 4096 {
        bail!(usage("--size must be between 1 and 4096 MiB"));
    }
    let dir = tempfile::Builder::new().prefix("pasv-demo").tempdir().context("cannot create a temporary folder")?;
    let served = dir.path().join("server");
    let local = dir.path().join("client");
    std::fs::create_dir_all(&served)?;
    std::fs::create_dir_all(&local)?;
    std::fs::write(served.join("README.txt"), "Served by pasv demo.\n")?;

    let mut options = ServerOptions::new(&served);
    options.writable = true;
    options.login = Some(("demo".into(), "demo-password".into()));
    let server = RunningServer::start(options).await.context("cannot start the demo server")?;
    let addr = server.addr();
    say(&format!("1. Started an FTP server (libunftp) on {addr}, serving a temporary folder."));

    let endpoint = Endpoint { host: addr.ip().to_string(), port: addr.port() };
    let credentials = Credentials { user: "demo".into(), password: Secret::new("demo-password") };
    let switch = Arc::new(SwitchedTrace { inner: TraceWriter::stdout_indented(), on: AtomicBool::new(true) });
    let trace: Arc<dyn Trace> = switch.clone();
    say("2. Logging in; the protocol as it happens (the password is never shown):");
    let mut session =
        Session::connect(Arc::new(Config::default()), &endpoint, &credentials, Some(trace.clone())).await?;

    let upload_path = local.join("payload.bin");
    let bytes = args.size * 1024 * 1024;
    write_payload(&upload_path, bytes)?;
    say(&format!("3. Uploading a {} MiB file; EPSV first (RFC 2428), with progress:", args.size));
    let mut progress = ctx.progress.reporter();
    let mut file = tokio::fs::File::open(&upload_path).await?;
    let up = session.upload(&mut file, "payload.bin", UploadMode::Replace, Some(bytes), progress.as_mut()).await?;
    say(&format!(
        "   uploaded {} bytes in {:.2}s over {}",
        up.bytes,
        up.elapsed.as_secs_f64(),
        session.passive_mode().map_or("?", DataMethod::as_str)
    ));

    say("4. Listing the server's folder (MLSD), then with classic PASV to show the 227 decoding:");
    let listing = session.list(None).await?;
    for e in &listing.entries {
        let time = e.modified.map(format_time).unwrap_or_default();
        say(&format!("     {:>10} {time} {}", e.size.map(|s| s.to_string()).unwrap_or_default(), e.name));
    }
    switch.on.store(false, Ordering::Relaxed);
    let _ = session.quit().await;
    let pasv_only = Config { data: DataMethod::Passive.policy(), ..Config::default() };
    let mut session = Session::connect(Arc::new(pasv_only), &endpoint, &credentials, Some(trace)).await?;
    switch.on.store(true, Ordering::Relaxed);
    let _ = session.name_list(None).await?;
    switch.on.store(false, Ordering::Relaxed);

    say("5. Downloading it back to a temporary file, renamed into place only when complete (trace off):");
    let download_path = local.join("payload.copy");
    let fetched = super::local::fetch(
        &mut session,
        "payload.bin",
        &download_path,
        super::local::Resume::No,
        false,
        None,
        progress.as_mut(),
    )
    .await?;
    let summary = fetched.commit(false, None)?;
    say(&format!("   downloaded {} bytes in {:.2}s", summary.bytes, summary.elapsed.as_secs_f64()));
    let _ = session.quit().await;

    let (a, b) = (sha256_file(&upload_path)?, sha256_file(&download_path)?);
    say("6. Comparing checksums:");
    say(&format!("   sent     sha256 {a}"));
    say(&format!("   received sha256 {b}"));
    server.stop();
    if a != b {
        bail!("the downloaded file differs from the uploaded one");
    }
    say("Done: the round trip is byte-identical. Next: `pasv serve DIR`, `pasv --help`.");
    Ok(())
}

/// The demo's trace: the whole protocol where it teaches something, silence elsewhere.
struct SwitchedTrace {
    inner: TraceWriter,
    on: AtomicBool,
}

impl Trace for SwitchedTrace {
    fn event(&self, event: &TraceEvent) {
        if self.on.load(Ordering::Relaxed) {
            self.inner.event(event);
        }
    }
}

fn say(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Deterministic, incompressible-looking bytes (xorshift), so the demo needs no randomness.
fn write_payload(path: &std::path::Path, len: u64) -> Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut written = 0;
    let mut block = vec![0u8; 64 * 1024];
    while written < len {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let take = (len - written).min(block.len() as u64) as usize;
        file.write_all(&block[..take])?;
        written += take as u64;
    }
    file.flush()?;
    Ok(())
}

fn sha256_file(path: &std::path::Path) -> Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
