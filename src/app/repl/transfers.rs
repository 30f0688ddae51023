//! The shell's transfers: `get`, `put`, `mget`, `mput` and `cat`. Downloads go through the
//! part files of `app::local`, uploads through the one-shot upload, so a file moved by the
//! shell and by `pasv get`/`pasv put` behaves the same. `mget`/`mput` expand patterns (remote
//! ones against a listing, local ones against the directory) and use `set parallel` sessions.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use tokio::io::AsyncWriteExt;

use super::connection::Connection;
use super::glob;
use super::state::{Inflight, Shell};
use crate::app::config_file::site_url;
use crate::app::local;
use crate::app::settings::usage;
use crate::app::tally::{FileEvent, Tally};
use crate::app::transfer::copy::upload_one;
use crate::app::transfer::job::Direction;
use crate::app::transfer::pool::{Done, Work};
use crate::app::transfer::run::{retry_note, wrap_up};
use crate::app::transfers as tree;
use crate::app::url_glob;
use crate::cli::GetArgs;
use crate::cli::shell::{MgetArgs, MputArgs, PutArgs};
use crate::engine::{Session, join_remote};
use crate::proto::listing::EntryKind;
use crate::proto::name::remote_basename;

fn not_connected() -> anyhow::Error {
    usage("not connected: `open URL` (or a bookmark name) first")
}

/// One file to move: remote path and local path.
#[derive(Debug, Clone)]
struct Plan {
    remote: String,
    local: PathBuf,
}

pub async fn get(shell: &mut Shell, args: GetArgs) -> Result<()> {
    if let Some(conn) = shell.conn.as_ref()
        && tree::handles_get(&args, &conn.ctx)
    {
        // -r, --segments, --verify, --retries...: the one-shot code, on URLs for this site.
        let urls: Vec<String> = args.urls.iter().map(|path| site_url_for(conn, path, false)).collect();
        let remotes = urls.iter().map(|url| url_glob::literal(url)).collect::<Result<_>>()?;
        return tree::get(&conn.ctx, GetArgs { urls, ..args }, remotes).await;
    }
    let several = args.urls.len() > 1;
    let mut plans = Vec::new();
    for remote in &args.urls {
        let name = remote_basename(remote).ok_or_else(|| usage(format!("{remote:?} names a directory, not a file")))?;
        plans
            .push(Plan { remote: remote.clone(), local: local::download_path(args.output.as_deref(), name, several)? });
    }
    download(shell, plans, args.resume, args.no_clobber).await
}

pub async fn mget(shell: &mut Shell, args: MgetArgs) -> Result<()> {
    if let Some(dir) = &args.output
        && !dir.is_dir()
    {
        bail!(usage(format!("-o {}: not a directory", dir.display())));
    }
    let mut plans = Vec::new();
    for pattern in &args.patterns {
        for remote in expand_remote(shell, pattern).await? {
            let name = remote_basename(&remote).unwrap_or(&remote).to_string();
            let local = local::download_path(args.output.as_deref(), &name, true)?;
            plans.push(Plan { remote, local });
        }
    }
    download(shell, plans, args.resume, false).await
}

/// Remote files matching `pattern` (a plain name stands for itself).
async fn expand_remote(shell: &mut Shell, pattern: &str) -> Result<Vec<String>> {
    let (dir, base) = glob::split(pattern);
    if !glob::is_pattern(base) {
        return Ok(vec![pattern.to_string()]);
    }
    let conn = shell.conn.as_mut().ok_or_else(not_connected)?;
    let session = conn.session().await?;
    let listing = session
        .list(if dir.is_empty() { None } else { Some(dir) })
        .await
        .with_context(|| format!("listing {}", if dir.is_empty() { "." } else { dir }))?;
    let mut names: Vec<String> = listing
        .entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::File | EntryKind::Link) && glob::matches(base, &e.name))
        .map(|e| join_remote(dir, &e.name))
        .collect();
    shell.remember_names(dir, &listing.entries);
    if names.is_empty() {
        bail!(usage(format!("no remote file matches {pattern:?}")));
    }
    names.sort();
    Ok(names)
}

async fn download(shell: &mut Shell, plans: Vec<Plan>, resume: bool, no_clobber: bool) -> Result<()> {
    if shell.parallel() > 1 && plans.len() > 1 {
        return parallel(shell, plans, Batch { way: Direction::Down, resume, no_clobber }).await;
    }
    let mut progress = shell.progress.reporter();
    for plan in plans {
        let conn = shell.conn.as_mut().ok_or_else(not_connected)?;
        let session = conn.session().await?;
        shell.inflight = Some(Inflight::Download { target: plan.local.clone() });
        let result =
            local::download_file(session, &plan.remote, &plan.local, resume, no_clobber, progress.as_mut()).await;
        shell.inflight = None;
        result.with_context(|| format!("downloading {}", crate::app::escape(&plan.remote)))?;
    }
    Ok(())
}

pub async fn put(shell: &mut Shell, args: PutArgs) -> Result<()> {
    if let Some(conn) = shell.conn.as_ref()
        && tree::handles_put(&args.opts, &conn.ctx)
    {
        return put_with_tree_code(shell, args).await;
    }
    let several = args.files.len() > 1;
    let mut plans = Vec::new();
    for file in &args.files {
        let name = file_name(file)?;
        let remote = match &args.output {
            Some(out) if several || out.ends_with('/') => join_remote(directory(out), &name),
            Some(out) => out.clone(),
            None => name,
        };
        plans.push(Plan { remote, local: file.clone() });
    }
    upload(shell, plans, args.opts.resume).await
}

/// `put -r`, `--atomic`, `--verify`...: the one-shot upload code, with a URL for the target.
async fn put_with_tree_code(shell: &mut Shell, args: PutArgs) -> Result<()> {
    let conn = shell.conn.as_ref().ok_or_else(not_connected)?;
    let several = args.files.len() > 1;
    let url = match &args.output {
        Some(out) => site_url_for(conn, out, several || out.ends_with('/')),
        None => site_url_for(conn, &conn.cwd, true),
    };
    let mut paths: Vec<String> = args.files.iter().map(|f| f.to_string_lossy().into_owned()).collect();
    if paths.iter().any(|p| p == "-") {
        bail!(usage("`put -` (stdin) works only in the one-shot `pasv put - URL`"));
    }
    paths.push(url);
    let oneshot = crate::cli::PutArgs { paths, opts: args.opts };
    crate::app::oneshot::put(&conn.ctx, oneshot).await
}

/// The URL of `path` (relative to the shell's remote directory, or absolute) on the open
/// site, with the credentials of the login; `dir` marks it as a directory ("into it").
fn site_url_for(conn: &Connection, path: &str, dir: bool) -> String {
    let absolute = if path.starts_with('/') { path.to_string() } else { join_remote(&conn.cwd, path) };
    let login = conn.login();
    let mut url = site_url(&login.endpoint, login.tls, login.user.as_deref(), login.password.as_deref(), &absolute);
    // site_url names directories (a trailing "/"); a file must not have one.
    match (dir, url.ends_with('/')) {
        (true, false) => url.push('/'),
        (false, true) => {
            url.pop();
        }
        _ => {}
    }
    url
}

pub async fn mput(shell: &mut Shell, args: MputArgs) -> Result<()> {
    let mut plans = Vec::new();
    for pattern in &args.patterns {
        for file in expand_local(pattern)? {
            let name = file_name(&file)?;
            let remote = match &args.output {
                Some(dir) => join_remote(directory(dir), &name),
                None => name,
            };
            plans.push(Plan { remote, local: file });
        }
    }
    upload(shell, plans, args.resume).await
}

/// A remote directory given with `-o`, without its trailing `/`: the root stays `/` (trimmed
/// to nothing it would mean the current directory).
fn directory(out: &str) -> &str {
    match out.trim_end_matches('/') {
        "" if out.starts_with('/') => "/",
        dir => dir,
    }
}

fn file_name(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        // The shell's stdin is the terminal or the script itself, never file data.
        bail!(usage("`put -` (stdin) works only in the one-shot `pasv put - URL`"));
    }
    if path.is_dir() {
        bail!(usage(format!("{} is a directory", path.display())));
    }
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| usage(format!("{} has no file name", path.display())))
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

async fn upload(shell: &mut Shell, plans: Vec<Plan>, resume: bool) -> Result<()> {
    for plan in &plans {
        std::fs::metadata(&plan.local).with_context(|| format!("cannot read {}", plan.local.display()))?;
    }
    if shell.parallel() > 1 && plans.len() > 1 {
        return parallel(shell, plans, Batch { way: Direction::Up, resume, no_clobber: false }).await;
    }
    let mut progress = shell.progress.reporter();
    for plan in plans {
        let conn = shell.conn.as_mut().ok_or_else(not_connected)?;
        let session = conn.session().await?;
        shell.inflight = Some(Inflight::Upload { remote: plan.remote.clone() });
        let local = plan.local.to_string_lossy();
        let result = upload_one(session, &local, &plan.remote, resume, progress.as_mut()).await;
        shell.inflight = None;
        result.with_context(|| format!("uploading {local} to {}", crate::app::escape(&plan.remote)))?;
    }
    Ok(())
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

/// What a parallel batch does with each file.
struct Batch {
    way: Direction,
    resume: bool,
    no_clobber: bool,
}

struct BatchWork<'a> {
    batch: Batch,
    tally: &'a Tally<'a>,
}

impl Work for BatchWork<'_> {
    type Job = Plan;

    async fn run(&self, session: &mut Session, plan: &Plan, attempt: u32, _slot: usize) -> Result<Done<Plan>> {
        // A retry continues what the failed attempt left (the part file, or the remote size).
        let resume = self.batch.resume || attempt > 0;
        let mut progress = self.tally.transfer();
        let local = plan.local.to_string_lossy();
        let (action, summary) = match self.batch.way {
            Direction::Down => (
                "get",
                local::download_file(
                    session,
                    &plan.remote,
                    &plan.local,
                    resume,
                    self.batch.no_clobber,
                    progress.as_mut(),
                )
                .await
                .with_context(|| format!("downloading {}", crate::app::escape(&plan.remote)))?,
            ),
            Direction::Up => (
                "put",
                upload_one(session, &local, &plan.remote, resume, progress.as_mut())
                    .await
                    .with_context(|| format!("uploading {local} to {}", crate::app::escape(&plan.remote)))?,
            ),
        };
        drop(progress);
        let path = match self.batch.way {
            Direction::Down => local.into_owned(),
            Direction::Up => plan.remote.clone(),
        };
        self.tally.file_done(&FileEvent {
            action,
            path: &path,
            url: &plan.remote,
            bytes: summary.bytes,
            offset: summary.offset,
            total: summary.total,
            seconds: summary.elapsed.as_secs_f64(),
            verified: Some("size").filter(|_| summary.total.is_some()).into(),
            passive: None,
            tls: None,
        });
        Ok(Done::nothing())
    }

    fn describe(&self, plan: &Plan) -> String {
        plan.remote.clone()
    }

    fn retrying(&self, plan: &Plan, error: &anyhow::Error, delay: std::time::Duration) {
        retry_note(self.tally, &plan.remote, error, delay);
    }
}

/// `mget`/`mput` (or several files) under `set parallel N`: the one-shot mode's session pool
/// (back-off on "too many connections", `--retries`; a failed file does not stop the others)
/// and its progress (an overall bar and one per active transfer on a terminal, plain lines in
/// logs, a `--json` event per file, a summary at the end).
async fn parallel(shell: &mut Shell, plans: Vec<Plan>, batch: Batch) -> Result<()> {
    let conn = shell.conn.as_ref().ok_or_else(not_connected)?;
    let count = plans.len();
    // Pool sessions start in the login directory: paths relative to the shell's directory
    // are made absolute first.
    let plans: Vec<Plan> = plans
        .into_iter()
        .map(|p| Plan {
            remote: if p.remote.starts_with('/') { p.remote } else { join_remote(&conn.cwd, &p.remote) },
            ..p
        })
        .collect();
    // Upload sizes are known here; download sizes only once each file starts.
    let bytes = match batch.way {
        Direction::Up => plans.iter().filter_map(|p| std::fs::metadata(&p.local).ok()).map(|m| m.len()).sum(),
        Direction::Down => 0,
    };
    let action = match batch.way {
        Direction::Down => "mget",
        Direction::Up => "mput",
    };
    let mut pool = tree::open_pool(&conn.ctx, conn.login(), None, shell.parallel().min(count)).await?;
    let mut tally = Tally::new(shell.progress, &shell.out, shell.base.quiet);
    tally.begin(count as u64, bytes);
    let work = BatchWork { batch, tally: &tally };
    let failures = pool.run(&work, plans).await;
    let result = wrap_up(&pool, &mut tally, action, failures);
    pool.close().await;
    result.map(drop)
}
