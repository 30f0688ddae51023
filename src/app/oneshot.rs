//! One-shot subcommands: each runs on fresh sessions of the engine and exits.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use serde::Serialize;

use super::known_hosts;
use super::local;
use super::progress::ProgressMode;
use super::render::Output;
use super::sanitize::escape;
use super::settings::{self, usage};
use super::tally::{Tally, Verified};
use super::target::{Target, redact_url};
use crate::cli::{GetArgs, GlobalArgs, LsArgs, MkdirArgs, MvArgs, PutArgs, QuoteArgs, RmArgs, UrlArg};
use crate::engine::{Credentials, Error, Session, SizeCheck, TlsInfo, Trace, TransferSummary, UploadMode};
use crate::proto::name::remote_basename;
use crate::proto::{ReplyClass, SentCommand, Verb};

/// What every command needs: the flags, the output, progress and trace settings.
pub struct Context {
    pub args: GlobalArgs,
    pub out: Output,
    pub progress: ProgressMode,
    pub trace: Option<Arc<dyn Trace>>,
    /// A person is at the keyboard (the interactive shell): an unknown certificate may be
    /// trusted on first use after asking. Scripts never ask.
    pub interactive: bool,
    /// Credentials already settled, by how they were asked for: the sessions of a pool (and
    /// its reconnects) log in with them instead of reading netrc or prompting again.
    logins: std::sync::Mutex<Vec<(LoginKey, Credentials)>>,
    /// The `--insecure` warning was printed (once per run, not per session).
    warned_insecure: std::sync::atomic::AtomicBool,
}

/// What decides a login: the server, the user named in the URL or by `--user`, and where a
/// password could come from.
#[derive(PartialEq)]
struct LoginKey {
    endpoint: crate::engine::Endpoint,
    url_user: Option<String>,
    url_password: Option<String>,
    user: Option<String>,
    user_password: Option<crate::cli::Password>,
    password_env: Option<String>,
}

impl Context {
    pub fn new(args: GlobalArgs) -> Self {
        let trace: Option<Arc<dyn Trace>> =
            if args.verbose { Some(Arc::new(super::trace::TraceWriter::stderr())) } else { None };
        Self {
            out: Output::new(args.json),
            progress: ProgressMode::resolve(&args),
            trace,
            args,
            interactive: false,
            logins: Default::default(),
            warned_insecure: Default::default(),
        }
    }

    pub async fn connect(&self, target: &Target) -> Result<Session> {
        // A bookmark named instead of a URL brings its pins and password variable.
        let args = super::config_file::effective_args(&self.args, target);
        let mut config = settings::config_for(&args, target)?;
        if config.tls.insecure && !self.warned_insecure.swap(true, std::sync::atomic::Ordering::Relaxed) {
            eprintln!(
                "pasv: warning: --insecure: the server's certificate is NOT verified; anyone on the path can read and change this session"
            );
        }
        let credentials = self.credentials(&args, target)?;
        let endpoint = &target.endpoint;
        let context = || format!("connecting to {}:{} as {}", endpoint.host, endpoint.port, credentials.user);
        // Trust on first use applies only where the user chose no other trust.
        let tofu = known_hosts::applies(&config.tls);
        let known = known_hosts::apply(&mut config.tls, &endpoint.host, endpoint.port);
        let first = Session::connect(Arc::new(config.clone()), endpoint, &credentials, self.trace.clone()).await;
        let seen = match &first {
            Err(Error::TlsHandshake { pin: Some(seen), .. }) if tofu => seen.clone(),
            _ => return first.with_context(context),
        };
        if let Some(known) = known {
            if known != seen {
                bail!(Error::TlsSetup {
                    detail: format!(
                        "the certificate of {}:{} CHANGED: known key {known}, now {seen}. This may be an attack; \
                         if the change is expected, remove the line from {}",
                        endpoint.host,
                        endpoint.port,
                        known_hosts::path().map(|p| p.display().to_string()).unwrap_or_default()
                    )
                });
            }
            return first.with_context(context);
        }
        if !self.interactive || !ask_trust(&endpoint.host, endpoint.port, &seen)? {
            return first.with_context(context);
        }
        if let Err(e) = known_hosts::remember(&endpoint.host, endpoint.port, &seen) {
            eprintln!("pasv: warning: cannot remember the certificate: {e}");
        }
        config.tls.pins = vec![seen];
        Session::connect(Arc::new(config), endpoint, &credentials, self.trace.clone()).await.with_context(context)
    }

    /// The credentials for `target`, settled once per run (`settings::credentials_for`).
    fn credentials(&self, args: &GlobalArgs, target: &Target) -> Result<Credentials> {
        let key = LoginKey {
            endpoint: target.endpoint.clone(),
            url_user: target.user.clone(),
            url_password: target.password.clone(),
            user: args.user.clone(),
            user_password: args.user_password.clone(),
            password_env: args.password_env.clone(),
        };
        let mut logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, known)) = logins.iter().find(|(k, _)| *k == key) {
            return Ok(known.clone());
        }
        let credentials = settings::credentials_for(args, target)?;
        logins.push((key, credentials.clone()));
        Ok(credentials)
    }

    fn note(&self, text: &str) {
        if !self.args.quiet && !self.args.json {
            eprintln!("{text}");
        }
    }
}

/// Shows the key pin of an unknown certificate and asks whether to trust it.
fn ask_trust(host: &str, port: u16, pin: &str) -> Result<bool> {
    use std::io::{BufRead, Write};
    let mut stderr = std::io::stderr().lock();
    writeln!(stderr, "The certificate of {host}:{port} is not signed by a trusted authority.")?;
    writeln!(stderr, "Its public key: {pin}")?;
    write!(stderr, "Trust this key for {host}:{port} from now on? [y/N] ")?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn parse(url: &str) -> Result<Target> {
    super::config_file::resolve(url)
}

/// Reuses `current` when it talks to the same server as the same user, else opens another.
async fn session_for(ctx: &Context, current: &mut Option<(Target, Session)>, target: &Target) -> Result<()> {
    if let Some((open, _)) = current
        && open.same_session(target)
    {
        return Ok(());
    }
    if let Some((_, session)) = current.take() {
        let _ = session.quit().await;
    }
    let session = ctx.connect(target).await?;
    *current = Some((target.clone(), session));
    Ok(())
}

async fn finish(current: Option<(Target, Session)>) {
    if let Some((_, session)) = current {
        let _ = session.quit().await;
    }
}

#[derive(Serialize)]
struct TransferEvent<'a> {
    action: &'a str,
    url: String,
    path: &'a str,
    bytes: u64,
    offset: u64,
    total: Option<u64>,
    seconds: f64,
    passive: Option<&'a str>,
    tls: Option<&'a TlsInfo>,
    /// Uploads: how the server's copy was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<Verified<'static>>,
}

fn report(
    ctx: &Context,
    action: &str,
    url: &str,
    path: &str,
    summary: &TransferSummary,
    passive: Option<&str>,
) -> Result<()> {
    if ctx.out.json() {
        ctx.out.json_line(&TransferEvent {
            action,
            url: redact_url(url),
            path,
            bytes: summary.bytes,
            offset: summary.offset,
            total: summary.total,
            seconds: summary.elapsed.as_secs_f64(),
            passive,
            tls: summary.tls.as_ref(),
            verified: (action == "put").then_some(super::mirror::size_verified(summary.size_check)),
        })?;
    }
    Ok(())
}

pub async fn get(ctx: &Context, args: GetArgs) -> Result<()> {
    if ctx.out.json() && args.output.as_deref().is_some_and(|o| o.as_os_str() == local::STDOUT) {
        bail!(usage("-o - writes the data to stdout, where --json writes its results: use one of them"));
    }
    if super::tree::handles_get(&args, ctx) {
        return super::tree::get(ctx, args).await;
    }
    let targets = args.urls.iter().map(|u| parse(u)).collect::<Result<Vec<_>>>()?;
    let several = targets.len() > 1;
    let mut plans = Vec::new();
    for (url, target) in args.urls.iter().zip(&targets) {
        let name = remote_basename(&target.path)
            .ok_or_else(|| usage(format!("{} names a directory, not a file", redact_url(url))))?;
        let path = local::download_path(args.output.as_deref(), name, several)?;
        if args.create_dirs {
            create_local_parent(&path)?;
        }
        plans.push((url, target, path));
    }
    let mut current = None;
    let mut progress = ctx.progress.reporter();
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    let copied = async {
        for (url, target, path) in plans {
            session_for(ctx, &mut current, target).await?;
            let Some((_, session)) = current.as_mut() else { unreachable!("session_for always leaves a session") };
            let summary =
                local::download_file(session, &target.path, &path, args.resume, args.no_clobber, progress.as_mut())
                    .await
                    .with_context(|| format!("downloading {}", redact_url(url)))?;
            tally.copied(summary.bytes);
            report(ctx, "get", url, &path.to_string_lossy(), &summary, session.passive_mode())?;
        }
        anyhow::Ok(())
    }
    .await;
    concluded(&mut tally, "get", copied)?;
    finish(current).await;
    Ok(())
}

/// The run's summary (plain progress only), counting the file that stopped it as failed.
fn concluded(tally: &mut Tally<'_>, action: &'static str, outcome: Result<()>) -> Result<()> {
    if outcome.is_err() {
        tally.failed(1);
    }
    tally.conclude(action);
    outcome
}

pub async fn cat(ctx: &Context, args: UrlArg) -> Result<()> {
    let target = parse(&args.url)?;
    let mut session = ctx.connect(&target).await?;
    let mut stdout = tokio::io::stdout();
    let mut progress = ctx.progress.reporter();
    session
        .download(&target.path, &mut stdout, 0, &[], progress.as_mut())
        .await
        .with_context(|| format!("downloading {}", redact_url(&args.url)))?;
    tokio::io::AsyncWriteExt::flush(&mut stdout).await?;
    let _ = session.quit().await;
    Ok(())
}

pub async fn put(ctx: &Context, args: PutArgs) -> Result<()> {
    if super::tree::handles_put(&args.opts, ctx) {
        return super::tree::put(ctx, args).await;
    }
    let Some((url, locals)) = args.paths.split_last() else { bail!(usage("put needs PATH... URL")) };
    let target = parse(url)?;
    if locals.len() > 1 && !target.is_dir {
        bail!(usage("several files need a URL that ends in / (a directory)"));
    }
    let mut plans = Vec::new();
    for local in locals {
        if target.is_dir && local == "-" {
            bail!(usage("uploading stdin needs a URL that names the remote file"));
        }
        let remote = upload_destination(&target, Path::new(local))?;
        if local != "-" {
            let meta = std::fs::metadata(local).with_context(|| format!("cannot read {local}"))?;
            if meta.is_dir() {
                bail!(usage(format!("{local} is a directory")));
            }
        }
        plans.push((local, remote));
    }
    let mut session = ctx.connect(&target).await?;
    if args.opts.create_dirs {
        create_remote_parents(&mut session, plans.iter().map(|(_, remote)| remote.as_str())).await?;
    }
    let mut progress = ctx.progress.reporter();
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    let copied = async {
        for (local, remote) in plans {
            let shown = format!(
                "{}{}",
                url.trim_end_matches('/'),
                if target.is_dir { format!("/{}", remote_basename(&remote).unwrap_or("")) } else { String::new() }
            );
            let summary = upload_one(&mut session, local, &remote, args.opts.resume, progress.as_mut())
                .await
                .with_context(|| format!("uploading {local} to {}", redact_url(&shown)))?;
            if summary.size_check == SizeCheck::Gone {
                // A drop-box directory: the server confirmed the file (226), then moved it away.
                ctx.note(&format!(
                    "pasv: note: {}: accepted, no longer listed: not verified",
                    escape(&redact_url(&shown))
                ));
            }
            tally.copied(summary.bytes);
            report(ctx, "put", &shown, local, &summary, session.passive_mode())?;
        }
        anyhow::Ok(())
    }
    .await;
    concluded(&mut tally, "put", copied)?;
    let _ = session.quit().await;
    Ok(())
}

/// `--create-dirs` for a download: the directories above `path`.
pub(super) fn create_local_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// `--create-dirs` for uploads: each directory above the remote paths, once, with MKD of
/// each missing level (`Session::mkdir_all`).
pub(super) async fn create_remote_parents<'a>(
    session: &mut Session,
    remotes: impl Iterator<Item = &'a str>,
) -> Result<()> {
    let mut done = std::collections::BTreeSet::new();
    for remote in remotes {
        let Some((dir, _)) = remote.trim_end_matches('/').rsplit_once('/') else { continue };
        if dir.is_empty() || !done.insert(dir.to_string()) {
            continue;
        }
        session.mkdir_all(dir).await.with_context(|| format!("creating the remote directory {dir}"))?;
    }
    Ok(())
}

/// Where an upload of `local` goes: into the directory a URL ending in `/` names, under the
/// local file's name, else to the URL's path itself.
pub(super) fn upload_destination(target: &Target, local: &Path) -> Result<String> {
    if !target.is_dir {
        return Ok(target.path.clone());
    }
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| usage(format!("{:?} has no file name", local.display().to_string())))?;
    Ok(target.join(&name))
}

pub(super) async fn upload_one(
    session: &mut Session,
    local: &str,
    remote: &str,
    resume: bool,
    progress: &mut dyn crate::engine::Progress,
) -> Result<TransferSummary> {
    if local == "-" {
        let mut stdin = tokio::io::stdin();
        return Ok(session.upload(&mut stdin, remote, UploadMode::Replace, None, progress).await?);
    }
    let mut file = tokio::fs::File::open(local).await.with_context(|| format!("cannot open {local}"))?;
    let meta = file.metadata().await?;
    if !meta.is_file() {
        // A pipe or device (`put <(tar c dir) URL`): its length is unknown, like stdin's.
        if resume {
            bail!(usage(format!("{local} is not a regular file: there is nothing to resume from (-c)")));
        }
        return Ok(session.upload(&mut file, remote, UploadMode::Replace, None, progress).await?);
    }
    let len = meta.len();
    let mode = if resume { resume_point(session, remote, &mut file, len, true).await? } else { UploadMode::Replace };
    let remaining = match mode {
        UploadMode::Append { offset } if offset == len => {
            return Ok(TransferSummary {
                bytes: 0,
                offset: len,
                total: Some(len),
                elapsed: Default::default(),
                tls: None,
                size_check: SizeCheck::None,
            });
        }
        UploadMode::Append { offset } => len - offset,
        UploadMode::Replace => len,
    };
    match session.upload(&mut file, remote, mode, Some(remaining), progress).await {
        // A server without APPE (twisted): the whole file again, in place of the rest.
        Err(e) if matches!(mode, UploadMode::Append { .. }) && e.is_not_implemented(Verb::Appe) => {
            use tokio::io::AsyncSeekExt as _;
            file.rewind().await.with_context(|| format!("cannot read {local}"))?;
            Ok(session.upload(&mut file, remote, UploadMode::Replace, Some(len), progress).await?)
        }
        result => Ok(result?),
    }
}

/// Where an upload of `file` (`len` bytes) continues: after what the server already has of
/// `remote` (APPE, with `file` positioned there), or from the start when it has nothing. A
/// remote file larger than the local one is not a partial upload of it: refused with
/// `refuse_larger` (the user asked to continue, `put -c`), replaced otherwise (a mirror, a
/// retry).
pub(super) async fn resume_point(
    session: &mut Session,
    remote: &str,
    file: &mut (impl tokio::io::AsyncSeek + Unpin),
    len: u64,
    refuse_larger: bool,
) -> Result<UploadMode> {
    let mode = match session.size(remote).await {
        Ok(have) if have > len && refuse_larger => {
            bail!("the remote file has {have} bytes, more than the local {len}: not a partial upload of it")
        }
        Ok(have) if have > len || have == 0 => UploadMode::Replace,
        Ok(have) => UploadMode::Append { offset: have },
        Err(e) if e.reply_code().is_some_and(|c| c.class() == ReplyClass::PermanentNegative) => UploadMode::Replace,
        Err(e) => return Err(e.into()),
    };
    if let UploadMode::Append { offset } = mode {
        use tokio::io::AsyncSeekExt as _;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
    }
    Ok(mode)
}

pub async fn ls(ctx: &Context, args: LsArgs) -> Result<()> {
    let target = parse(&args.url)?;
    let mut session = ctx.connect(&target).await?;
    let listing =
        session.list(target.remote_path()).await.with_context(|| format!("listing {}", redact_url(&args.url)))?;
    let mut entries = listing.entries;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    if !listing.unparsed.is_empty() && !args.long && !ctx.out.json() {
        // Names we could not parse out of LIST: NLST has them verbatim.
        let names = session.name_list(target.remote_path()).await?;
        for name in names {
            ctx.out.line(&ctx.out.text(&name))?;
        }
    } else {
        ctx.out.entries(&entries, args.long)?;
        for line in &listing.unparsed {
            ctx.note(&format!("pasv: warning: unparsed listing line: {}", super::sanitize::escape(line)));
        }
    }
    let _ = session.quit().await;
    Ok(())
}

pub async fn stat(ctx: &Context, args: UrlArg) -> Result<()> {
    let target = parse(&args.url)?;
    let mut session = ctx.connect(&target).await?;
    let path = if target.path.is_empty() { "." } else { target.path.as_str() };
    let stat = session.stat(path).await.with_context(|| format!("stat {}", redact_url(&args.url)))?;
    ctx.out.stat(&stat)?;
    let _ = session.quit().await;
    Ok(())
}

pub async fn mkdir(ctx: &Context, args: MkdirArgs) -> Result<()> {
    let target = parse(&args.url)?;
    let mut session = ctx.connect(&target).await?;
    let result = if args.parents { session.mkdir_all(&target.path).await } else { session.mkdir(&target.path).await };
    result.with_context(|| format!("creating {}", redact_url(&args.url)))?;
    let _ = session.quit().await;
    Ok(())
}

pub async fn rm(ctx: &Context, args: RmArgs) -> Result<()> {
    let mut current = None;
    for url in &args.urls {
        let target = parse(url)?;
        session_for(ctx, &mut current, &target).await?;
        let Some((_, session)) = current.as_mut() else { unreachable!("session_for always leaves a session") };
        session.remove(&target.path).await.with_context(|| format!("deleting {}", redact_url(url)))?;
    }
    finish(current).await;
    Ok(())
}

pub async fn rmdir(ctx: &Context, args: UrlArg) -> Result<()> {
    let target = parse(&args.url)?;
    let mut session = ctx.connect(&target).await?;
    session.rmdir(&target.path).await.with_context(|| format!("removing {}", redact_url(&args.url)))?;
    let _ = session.quit().await;
    Ok(())
}

pub async fn mv(ctx: &Context, args: MvArgs) -> Result<()> {
    let target = parse(&args.url)?;
    if args.new_path.chars().any(char::is_control) {
        bail!(usage("NEWPATH contains a control character"));
    }
    let mut session = ctx.connect(&target).await?;
    session
        .rename(&target.path, &args.new_path)
        .await
        .with_context(|| format!("renaming {}", redact_url(&args.url)))?;
    let _ = session.quit().await;
    Ok(())
}

#[derive(Serialize)]
struct QuoteEvent<'a> {
    command: &'a str,
    code: u16,
    text: String,
}

pub async fn quote(ctx: &Context, args: QuoteArgs) -> Result<()> {
    let target = parse(&args.url)?;
    let mut session = ctx.connect(&target).await?;
    let mut failure = None;
    for command in &args.commands {
        // Shown without the password of a raw PASS, also when sending it fails.
        let sent = SentCommand::typed(command);
        let shown = sent.to_string();
        let reply = session.quote(command).await.with_context(|| format!("sending {shown:?}"))?;
        if ctx.out.json() {
            ctx.out.json_line(&QuoteEvent { command: &shown, code: reply.code.0, text: reply.text() })?;
        } else {
            ctx.out.server_lines(&reply.to_string())?;
        }
        if matches!(reply.class(), ReplyClass::TransientNegative | ReplyClass::PermanentNegative) {
            failure = Some(Error::Rejected { command: sent, code: reply.code, text: reply.text() });
        }
    }
    let _ = session.quit().await;
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
