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
use super::url_glob::{self, Remote, Spec};
use crate::cli::{GetArgs, GlobalArgs, LsArgs, MkdirArgs, MvArgs, PutArgs, QuoteArgs, RmArgs, UrlArg};
use crate::engine::{
    Config, Credentials, DataMethod, Error, Session, Settings, SizeCheck, TlsInfo, Trace, TransferSummary, UploadMode,
};
use crate::proto::ReplyClass;
use crate::proto::listing::EntryKind;
use crate::proto::name::remote_basename;

/// What every command needs: the flags, the output, progress and trace settings, and the
/// settings of each server, resolved once per run.
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
    /// The settings of each server this run connects to, resolved at the first connection
    /// and shared by every session after it (`Context::site`).
    sites: std::sync::Mutex<Vec<Site>>,
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

/// The configuration of one server under this run's flags, before its TLS is set up.
pub struct SiteConfig {
    /// The flags with the bookmark's pins and password variable.
    pub args: GlobalArgs,
    pub config: Config,
    pub trust: Trust,
}

/// What trust on first use knows about a server's certificate.
#[derive(Clone)]
pub struct Trust {
    /// It decides: TLS is on and the user chose no other trust (`known_hosts::applies`).
    pub first_use: bool,
    /// The pin `known_hosts` holds for the server, already in the configuration.
    pub known: Option<String>,
}

/// One server's settings, resolved.
#[derive(Clone)]
struct Site {
    target: Target,
    settings: Arc<Settings>,
    trust: Trust,
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
            sites: Default::default(),
            warned_insecure: Default::default(),
        }
    }

    /// New flags (the shell's `set`): settings resolved under the old ones are dropped, and the
    /// next connection resolves them again.
    pub fn set_args(&mut self, args: GlobalArgs) {
        self.args = args;
        self.sites.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The configuration of `target`: the flags, a bookmark's pins and password variable
    /// (named instead of a URL), and the key `known_hosts` remembers for it.
    pub fn site_config(&self, target: &Target) -> Result<SiteConfig> {
        let args = super::config_file::effective_args(&self.args, target);
        let mut config = settings::config_for(&args, target)?;
        // Trust on first use applies only where the user chose no other trust.
        let first_use = known_hosts::applies(&config.tls);
        let known = known_hosts::apply(&mut config.tls, &target.endpoint.host, target.endpoint.port);
        Ok(SiteConfig { args, config, trust: Trust { first_use, known } })
    }

    /// The settings of `target`'s server: resolved (flags, config file, bookmark, netrc,
    /// environment, known_hosts) and their TLS set up at the first call, the same value at
    /// every later one. Every session opened there shares them.
    fn site(&self, target: &Target) -> Result<Site> {
        if let Some(site) = self.find_site(target) {
            return Ok(site);
        }
        let site = self.resolve(target)?;
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites.push(site.clone());
        Ok(site)
    }

    fn find_site(&self, target: &Target) -> Option<Site> {
        let sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites.iter().find(|s| s.target.same_session(target)).cloned()
    }

    fn resolve(&self, target: &Target) -> Result<Site> {
        let SiteConfig { args, config, trust } = self.site_config(target)?;
        if config.tls.insecure && !self.warned_insecure.swap(true, std::sync::atomic::Ordering::Relaxed) {
            eprintln!(
                "pasv: warning: --insecure: the server's certificate is NOT verified; anyone on the path can read and change this session"
            );
        }
        let credentials = self.credentials(&args, target)?;
        let context = connecting(&target.endpoint, &credentials);
        let settings = Settings::new(target.endpoint.clone(), credentials, config).context(context)?;
        Ok(Site { target: target.clone(), settings, trust })
    }

    /// A session on `target`'s settings (`Context::site`).
    pub async fn connect(&self, target: &Target) -> Result<Session> {
        self.connect_via(target, |settings| Ok(settings.clone())).await
    }

    /// A session on settings made from `target`'s by `derive` (a pool adds its rate limit).
    /// An untrusted certificate that the user trusts on first use changes the server's
    /// settings once, for every later session, and `derive` is asked again.
    pub async fn connect_via(
        &self,
        target: &Target,
        derive: impl Fn(&Arc<Settings>) -> Result<Arc<Settings>, Error>,
    ) -> Result<Session> {
        let site = self.site(target)?;
        let endpoint = &target.endpoint;
        let context = || connecting(endpoint, site.settings.credentials());
        let settings = derive(&site.settings).with_context(context)?;
        let first = Session::open(&settings, self.trace.clone()).await;
        let seen = match &first {
            Err(Error::TlsHandshake { pin: Some(seen), .. }) if site.trust.first_use => seen.clone(),
            _ => return first.with_context(context),
        };
        if let Some(known) = &site.trust.known {
            if *known != seen {
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
        let trusted = self.trust(&site, seen).with_context(context)?;
        let settings = derive(&trusted).with_context(context)?;
        Session::open(&settings, self.trace.clone()).await.with_context(context)
    }

    /// The server's settings with the key the user just trusted pinned, in place of the old
    /// ones for the rest of the run.
    fn trust(&self, site: &Site, pin: String) -> Result<Arc<Settings>, Error> {
        let settings = site.settings.adjusted(|c| c.tls.pins = vec![pin.clone()])?;
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = sites.iter_mut().find(|s| s.target.same_session(&site.target)) {
            entry.settings = settings.clone();
            entry.trust.known = Some(pin);
        }
        Ok(settings)
    }

    /// The credentials for `target`, settled once per run (`settings::credentials_for`).
    pub fn credentials(&self, args: &GlobalArgs, target: &Target) -> Result<Credentials> {
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

    pub fn note(&self, text: &str) {
        if !self.args.quiet && !self.args.json {
            eprintln!("{text}");
        }
    }
}

/// What an error in connecting says it was doing.
fn connecting(endpoint: &crate::engine::Endpoint, credentials: &Credentials) -> String {
    format!("connecting to {}:{} as {}", endpoint.host, endpoint.port, credentials.user)
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

/// What `expand` does with a directory that a wildcard matches.
#[derive(Clone, Copy)]
enum Dirs {
    /// `get -r`: copy it.
    Keep,
    /// Leave it out, with a note giving this reason.
    Skip(&'static str),
}

/// What the URLs of `get`, `cat` and `rm` stand for, in order: each URL, or the entries its
/// wildcard matches (`url_glob`), listed once on `current`. Every URL is read before anything
/// connects. A wildcard that leaves nothing to act on is an error (`url_glob::NoMatch`).
async fn expand(
    ctx: &Context,
    urls: &[String],
    dirs: Dirs,
    current: &mut Option<(Target, Session)>,
) -> Result<Vec<Remote>> {
    let specs = urls.iter().map(|u| url_glob::parse(u, ctx.args.no_glob)).collect::<Result<Vec<_>>>()?;
    let mut remotes = Vec::new();
    for spec in specs {
        let pattern = match spec {
            Spec::Path { url, target } => {
                remotes.push(Remote { url, target, kind: None });
                continue;
            }
            Spec::Pattern(pattern) => pattern,
        };
        session_for(ctx, current, &pattern.dir).await?;
        let Some((_, session)) = current.as_mut() else { unreachable!("session_for always leaves a session") };
        let expansion = pattern.expand(session).await?;
        for note in &expansion.notes {
            ctx.note(note);
        }
        let mut left_out = None;
        let found = remotes.len();
        for remote in expansion.matches {
            let (what, why) = match (remote.kind, dirs) {
                (Some(EntryKind::File | EntryKind::Link), _) | (Some(EntryKind::Dir), Dirs::Keep) => {
                    remotes.push(remote);
                    continue;
                }
                (Some(EntryKind::Dir), Dirs::Skip(hint)) => ("a directory", hint),
                _ => ("something neither a file nor a directory", "a wildcard takes files and directories only"),
            };
            ctx.note(&format!("pasv: note: {} is {what}: left out ({why})", escape(&redact_url(&remote.url))));
            left_out = Some(format!("only {what} matches: {why}"));
        }
        if remotes.len() == found {
            bail!(pattern.no_match(left_out));
        }
    }
    Ok(remotes)
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
    passive: Option<DataMethod>,
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
    passive: Option<DataMethod>,
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
    let mut current = None;
    let dirs = if args.recursive { Dirs::Keep } else { Dirs::Skip("get -r copies directories") };
    let remotes = expand(ctx, &args.urls, dirs, &mut current).await?;
    if super::tree::handles_get(&args, ctx) {
        finish(current).await;
        return super::tree::get(ctx, args, remotes).await;
    }
    let several = url_glob::several(&remotes);
    let mut plans = Vec::new();
    for Remote { url, target, .. } in &remotes {
        let name = remote_basename(&target.path)
            .ok_or_else(|| usage(format!("{} names a directory, not a file", redact_url(url))))?;
        let path = local::download_path(args.output.as_deref(), name, several)?;
        if args.create_dirs {
            create_local_parent(&path)?;
        }
        plans.push((url, target, path));
    }
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

/// `cat URL`: the file, or each file a wildcard matches in name order, one after the other.
pub async fn cat(ctx: &Context, args: UrlArg) -> Result<()> {
    let mut current = None;
    let remotes = expand(ctx, std::slice::from_ref(&args.url), Dirs::Skip("cat prints files"), &mut current).await?;
    let mut stdout = tokio::io::stdout();
    let mut progress = ctx.progress.reporter();
    for Remote { url, target, .. } in &remotes {
        session_for(ctx, &mut current, target).await?;
        let Some((_, session)) = current.as_mut() else { unreachable!("session_for always leaves a session") };
        session
            .download(&target.path, &mut stdout, 0, &[], progress.as_mut())
            .await
            .with_context(|| format!("downloading {}", redact_url(url)))?;
    }
    tokio::io::AsyncWriteExt::flush(&mut stdout).await?;
    finish(current).await;
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
        Err(e) if matches!(mode, UploadMode::Append { .. }) && e.is_not_implemented("APPE") => {
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

/// `ls URL`: the directory, or with a wildcard the entries of its directory that match (as
/// `ls -d` shows them: a matching directory is one line, not its contents).
pub async fn ls(ctx: &Context, args: LsArgs) -> Result<()> {
    let (target, pattern) = match url_glob::parse(&args.url, ctx.args.no_glob)? {
        Spec::Path { target, .. } => (target, None),
        Spec::Pattern(pattern) => (pattern.dir.clone(), Some(pattern)),
    };
    let matches = |name: &str| pattern.as_ref().is_none_or(|p| p.matches(name));
    let mut session = ctx.connect(&target).await?;
    let listing =
        session.list(target.remote_path()).await.with_context(|| format!("listing {}", redact_url(&args.url)))?;
    let mut entries = listing.entries;
    entries.retain(|e| matches(&e.name));
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    if !listing.unparsed.is_empty() && !args.long && !ctx.out.json() {
        // Names we could not parse out of LIST: NLST has them verbatim.
        let mut names = session.name_list(target.remote_path()).await?;
        names.retain(|name| matches(name));
        if let Some(pattern) = pattern.as_ref().filter(|_| names.is_empty()) {
            bail!(pattern.no_match(None));
        }
        for name in names {
            ctx.out.line(&ctx.out.text(&name))?;
        }
    } else {
        if let Some(pattern) = pattern.as_ref().filter(|_| entries.is_empty()) {
            bail!(pattern.no_match(None));
        }
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

#[derive(Serialize)]
struct RemoveEvent<'a> {
    action: &'a str,
    url: String,
    path: &'a str,
}

/// `rm URL...`: each file, or each file a wildcard matches (never a directory: `rmdir`).
pub async fn rm(ctx: &Context, args: RmArgs) -> Result<()> {
    let mut current = None;
    let dirs = Dirs::Skip("rm deletes files; rmdir removes an empty directory");
    for Remote { url, target, .. } in expand(ctx, &args.urls, dirs, &mut current).await? {
        session_for(ctx, &mut current, &target).await?;
        let Some((_, session)) = current.as_mut() else { unreachable!("session_for always leaves a session") };
        session.remove(&target.path).await.with_context(|| format!("deleting {}", redact_url(&url)))?;
        if ctx.out.json() {
            ctx.out.json_line(&RemoveEvent { action: "rm", url: redact_url(&url), path: &target.path })?;
        }
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
        let shown =
            if command.trim_start().to_ascii_uppercase().starts_with("PASS") { "PASS ****" } else { command.as_str() };
        let reply = session.quote(command).await.with_context(|| format!("sending {shown:?}"))?;
        if ctx.out.json() {
            ctx.out.json_line(&QuoteEvent { command: shown, code: reply.code.0, text: reply.text() })?;
        } else {
            ctx.out.server_lines(&reply.to_string())?;
        }
        if matches!(reply.class(), ReplyClass::TransientNegative | ReplyClass::PermanentNegative) {
            failure = Some(Error::Rejected { command: shown.to_string(), code: reply.code, text: reply.text() });
        }
    }
    let _ = session.quit().await;
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::app::pool::Connector;
    use crate::engine::{DataConnection, RateLimit};
    use crate::server::{RunningServer, ServerOptions};

    fn flags() -> GlobalArgs {
        GlobalArgs { no_netrc: true, ..GlobalArgs::default() }
    }

    #[tokio::test]
    async fn a_pool_of_four_sessions_shares_one_settings_value_and_one_tls_client() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("f.txt"), b"pasv").unwrap();
        let server =
            RunningServer::start(ServerOptions { tls: true, ..ServerOptions::new(root.path()) }).await.unwrap();
        let pin = server.certificate().unwrap().pin.clone();
        let target = Target::parse(&format!("{}/", server.url())).unwrap();
        let ctx = Context::new(GlobalArgs { pin: vec![pin], ..flags() });
        tokio::time::timeout(Duration::from_secs(60), async {
            let connector = Connector::new(&ctx, target.clone(), Some(RateLimit::new(1 << 30)));
            let mut pool = Vec::new();
            for _ in 0..4 {
                pool.push(connector.connect().await.unwrap());
            }
            // The shell's own session, beside its pool.
            let single = ctx.connect(&target).await.unwrap();
            let site = ctx.site(&target).unwrap().settings;
            assert!(site.used_by(&single));
            let ours = pool[0].config().clone();
            assert!(ours.rate_limit.is_some() && !Arc::ptr_eq(&ours, site.config()), "the pool's own rate limit");
            for session in &pool {
                assert!(Arc::ptr_eq(session.config(), &ours));
                assert!(session.tls_client().unwrap().ptr_eq(site.tls().unwrap()), "one TLS client for all");
            }
            assert!(Arc::ptr_eq(&ctx.site(&target).unwrap().settings, &site), "resolved once");
            // What is per session stays so: a listing on one session offers its own control
            // connection's TLS session; the others, which listed nothing, offered none.
            pool[0].list(None).await.unwrap();
            assert!(pool[0].ticket_supply().unwrap().offered > 0);
            for session in &pool[1..] {
                assert_eq!(session.ticket_supply().unwrap().offered, 0);
            }
            for session in pool.into_iter().chain([single]) {
                let _ = session.quit().await;
            }
        })
        .await
        .unwrap();
    }

    #[test]
    fn settings_are_resolved_once_per_server_until_the_flags_change() {
        let target = Target::parse("ftp://127.0.0.1:1/").unwrap();
        let mut ctx = Context::new(flags());
        let first = ctx.site(&target).unwrap().settings;
        assert!(Arc::ptr_eq(&first, &ctx.site(&target).unwrap().settings));
        let elsewhere = Target::parse("ftp://127.0.0.1:1/some/dir/").unwrap();
        assert!(Arc::ptr_eq(&first, &ctx.site(&elsewhere).unwrap().settings), "same server and login");
        let bob = Target::parse("ftp://bob:secret@127.0.0.1:1/").unwrap();
        assert_eq!(ctx.site(&bob).unwrap().settings.credentials().user, "bob");
        assert!(!Arc::ptr_eq(&first, &ctx.site(&bob).unwrap().settings), "another login");
        // The shell's `set active on`.
        ctx.set_args(GlobalArgs { active: true, ..flags() });
        let after = ctx.site(&target).unwrap().settings;
        assert!(!Arc::ptr_eq(&first, &after));
        assert_eq!((first.config().data, after.config().data), (DataConnection::default(), DataConnection::Active));
    }

    #[test]
    fn a_key_trusted_on_first_use_replaces_the_settings_once() {
        let target = Target::parse("ftpes://127.0.0.1:1/").unwrap();
        let ctx = Context::new(flags());
        let site = ctx.site(&target).unwrap();
        let pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let trusted = ctx.trust(&site, pin.to_string()).unwrap();
        assert_eq!(trusted.config().tls.pins, [pin]);
        assert!(!trusted.tls().unwrap().ptr_eq(site.settings.tls().unwrap()), "a new TLS client, with the pin");
        let again = ctx.site(&target).unwrap();
        assert!(Arc::ptr_eq(&again.settings, &trusted));
        assert_eq!(again.trust.known.as_deref(), Some(pin));
    }
}
