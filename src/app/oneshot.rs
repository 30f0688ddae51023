//! One-shot subcommands: each runs on fresh sessions of the engine and exits. `get` and `put`
//! hand their files to the front end of every transfer (`transfers`).

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use serde::Serialize;

use super::context::Context;
use super::local;
use super::sanitize::escape;
use super::settings::usage;
use super::target::{Target, redact_url};
use super::transfers::{self, Caller};
use super::url_glob::{self, Remote, Spec};
use crate::cli::{GetArgs, LsArgs, MkdirArgs, MvArgs, PutArgs, QuoteArgs, RmArgs, UrlArg};
use crate::engine::{Error, Session};
use crate::proto::ReplyClass;
use crate::proto::SentCommand;
use crate::proto::listing::EntryKind;

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

/// `get URL...`: what the URLs stand for (wildcards expanded on a session that then serves
/// the copy), copied by the front end.
pub async fn get(ctx: &Context, args: GetArgs) -> Result<()> {
    if ctx.out.json() && args.output.as_deref().is_some_and(|o| o.as_os_str() == local::STDOUT) {
        bail!(usage("-o - writes the data to stdout, where --json writes its results: use one of them"));
    }
    let opts = transfers::get_options(ctx, &args)?;
    let mut current = None;
    let dirs = if args.recursive { Dirs::Keep } else { Dirs::Skip("get -r copies directories") };
    let remotes = expand(ctx, &args.urls, dirs, &mut current).await?;
    let open = current.map(|(target, session)| (target, Box::new(session)));
    transfers::get(ctx, remotes, &opts, Caller::Command { open }).await
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

/// `put PATH... URL`.
pub async fn put(ctx: &Context, args: PutArgs) -> Result<()> {
    let Some((url, locals)) = args.paths.split_last() else { bail!(usage("put needs PATH... URL")) };
    let target = parse(url)?;
    let opts = transfers::put_options(ctx, &args.opts)?;
    let locals: Vec<PathBuf> = locals.iter().map(PathBuf::from).collect();
    transfers::put(ctx, &locals, &target, url, &opts, Caller::Command { open: None }).await
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
