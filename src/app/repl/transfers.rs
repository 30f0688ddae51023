//! The shell's transfers: `get`, `put`, `mget`, `mput` and `cat`. `get`, `put`, `mget` and
//! `mput` hand their files to the front end of every transfer (`app::transfers`) as targets on
//! the shell's site, and lend it the shell's session: a file moved by the shell and by `pasv
//! get`/`pasv put` goes the same way. `mget` expands remote patterns as the one-shot commands
//! expand URLs (`url_glob`), `mput` local ones against the directory; several files use `set
//! parallel` sessions.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use tokio::io::AsyncWriteExt;

use super::connection::Connection;
use super::glob;
use super::state::Shell;
use crate::app::context::Context;
use crate::app::settings::usage;
use crate::app::target::Target;
use crate::app::transfer::request::Options;
use crate::app::transfers::{self, Caller, ShellCopy};
use crate::app::url_glob::{self, Remote, Spec};
use crate::cli::GetArgs;
use crate::cli::shell::{MgetArgs, MputArgs, PutArgs};
use crate::proto::listing::EntryKind;

fn not_connected() -> anyhow::Error {
    usage("not connected: `open URL` (or a bookmark name) first")
}

fn connected(shell: &Shell) -> Result<&Connection> {
    shell.conn.as_ref().ok_or_else(not_connected)
}

pub async fn get(shell: &mut Shell, args: GetArgs) -> Result<()> {
    let conn = connected(shell)?;
    let opts = transfers::get_options(&conn.ctx, &args)?;
    let remotes = args.urls.iter().map(|path| remote(conn, path)).collect();
    download(shell, remotes, opts, false).await
}

/// `path` on the shell's site, as its one-shot counterpart's URL would name it.
fn remote(conn: &Connection, path: &str) -> Remote {
    Remote { url: path.to_string(), target: conn.target(path, false), kind: None }
}

pub async fn mget(shell: &mut Shell, args: MgetArgs) -> Result<()> {
    if let Some(dir) = &args.output
        && !dir.is_dir()
    {
        bail!(usage(format!("-o {}: not a directory", dir.display())));
    }
    let mut remotes = Vec::new();
    for pattern in &args.patterns {
        remotes.extend(expand_remote(shell, pattern).await?);
    }
    let conn = connected(shell)?;
    let opts = Options {
        resume: args.resume,
        output: args.output.clone(),
        retries: conn.ctx.args.retries.unwrap_or(0),
        ..Options::default()
    };
    download(shell, remotes, opts, true).await
}

/// Remote files matching `pattern` (a plain name stands for itself), listed once.
async fn expand_remote(shell: &mut Shell, pattern: &str) -> Result<Vec<Remote>> {
    let conn = shell.conn.as_mut().ok_or_else(not_connected)?;
    let spec = url_glob::parse_path(pattern, conn.ctx.args.no_glob, |path, is_dir| conn.target(path, is_dir))?;
    let pattern_spec = match spec {
        Spec::Path { url, target } => return Ok(vec![Remote { url, target, kind: None }]),
        Spec::Pattern(spec) => spec,
    };
    let expansion = pattern_spec.expand(conn.session().await?).await?;
    for note in &expansion.notes {
        shell.note(note);
    }
    // Completion knows the directory by the name typed.
    shell.remember_names(glob::split(pattern).0, &expansion.listed);
    let found: Vec<Remote> =
        expansion.matches.into_iter().filter(|r| matches!(r.kind, Some(EntryKind::File | EntryKind::Link))).collect();
    if found.is_empty() {
        bail!(usage(format!("no remote file matches {pattern:?}")));
    }
    Ok(found)
}

async fn download(shell: &mut Shell, remotes: Vec<Remote>, opts: Options, batch: bool) -> Result<()> {
    let (ctx, caller) = lend(shell, batch).await?;
    transfers::get(ctx, remotes, &opts, caller).await
}

/// The shell as the caller of one copy, its session lent (`batch`: see [`ShellCopy::batch`]).
async fn lend(shell: &mut Shell, batch: bool) -> Result<(&Context, Caller<'_>)> {
    let parallel = shell.parallel();
    let conn = shell.conn.as_mut().ok_or_else(not_connected)?;
    let (ctx, session) = conn.lend().await?;
    Ok((ctx, Caller::Shell(ShellCopy { session, parallel, batch, moving: &shell.inflight })))
}

pub async fn put(shell: &mut Shell, args: PutArgs) -> Result<()> {
    let conn = connected(shell)?;
    let opts = transfers::put_options(&conn.ctx, &args.opts)?;
    let several = args.files.len() > 1;
    let (to, url) = match &args.output {
        Some(out) if several || out.ends_with('/') => (conn.target(directory(out), true), out.clone()),
        Some(out) => (conn.target(out, false), out.clone()),
        None => (conn.target("", true), String::new()),
    };
    upload(shell, &args.files, to, &url, opts, false).await
}

pub async fn mput(shell: &mut Shell, args: MputArgs) -> Result<()> {
    let mut files = Vec::new();
    for pattern in &args.patterns {
        files.extend(expand_local(pattern)?);
    }
    let conn = connected(shell)?;
    let (to, url) = match &args.output {
        Some(dir) => (conn.target(directory(dir), true), dir.clone()),
        None => (conn.target("", true), String::new()),
    };
    let opts = Options { resume: args.resume, retries: conn.ctx.args.retries.unwrap_or(0), ..Options::default() };
    upload(shell, &files, to, &url, opts, true).await
}

async fn upload(shell: &mut Shell, files: &[PathBuf], to: Target, url: &str, opts: Options, batch: bool) -> Result<()> {
    if files.iter().any(|f| f.as_os_str() == "-") {
        // The shell's stdin is the terminal or the script itself, never file data.
        bail!(usage("`put -` (stdin) works only in the one-shot `pasv put - URL`"));
    }
    let (ctx, caller) = lend(shell, batch).await?;
    transfers::put(ctx, files, &to, url, &opts, caller).await
}

/// A remote directory given with `-o`, without its trailing `/`: the root stays `/` (trimmed
/// to nothing it would mean the current directory).
fn directory(out: &str) -> &str {
    match out.trim_end_matches('/') {
        "" if out.starts_with('/') => "/",
        dir => dir,
    }
}

/// Local files matching `pattern` (a plain name stands for itself).
fn expand_local(pattern: &str) -> Result<Vec<PathBuf>> {
    let (dir, base) = glob::split(pattern);
    if !glob::is_pattern(base) {
        return Ok(vec![PathBuf::from(pattern)]);
    }
    let dir_path = Path::new(if dir.is_empty() { "." } else { dir });
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir_path).with_context(|| format!("cannot list {}", dir_path.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", dir_path.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if glob::matches(base, &name) && entry.path().is_file() {
            found.push(if dir.is_empty() { PathBuf::from(name) } else { Path::new(dir).join(name) });
        }
    }
    if found.is_empty() {
        bail!(usage(format!("no local file matches {pattern:?}")));
    }
    found.sort();
    Ok(found)
}

pub async fn cat(shell: &mut Shell, path: &str) -> Result<()> {
    let conn = shell.conn.as_mut().ok_or_else(not_connected)?;
    let session = conn.session().await?;
    let mut stdout = tokio::io::stdout();
    let mut progress = shell.progress.reporter();
    session
        .download(path, &mut stdout, 0, &[], progress.as_mut())
        .await
        .with_context(|| format!("downloading {}", crate::app::escape(path)))?;
    stdout.flush().await?;
    Ok(())
}
