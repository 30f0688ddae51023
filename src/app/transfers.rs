//! The front end of every file transfer: `get` and `put` (one-shot, with several URLs,
//! wildcards, `-r`, `--segments`, the CI options), the shell's `get`, `put`, `mget` and
//! `mput`, and `mirror`. Each caller hands over what to copy (remote paths, or local ones and
//! where they go) with its [`Options`]; here it becomes jobs on one [`Pool`] per server, a
//! pool of one for a single file: a tree synced by [`mirror::sync`], a big file split by
//! [`segments`], any other file copied by [`Copy`]. Which way the files go, and how they are
//! shown ([`Show`]), is decided here, in one place.

use std::borrow::Cow;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use super::context::Context;
use super::defaults::{DEFAULT_PARALLEL, MAX_PARALLEL};
use super::filter::Filter;
use super::interrupt;
use super::local;
use super::mirror;
use super::progress::say;
use super::sanitize::escape;
use super::settings::usage;
use super::tally::{Style, Tally};
use super::target::{Target, redact_url};
use super::transfer::copy::{Copy, hash_file};
use super::transfer::job::{Compare, Direction, FileJob, SyncOptions, Tree, local_mtime};
use super::transfer::pool::{Connector, Done, Failure, Pool, Seat, Work};
use super::transfer::request::{Defaulted, Options, Verify};
use super::transfer::run::{self, retry_note, wrap_up};
use super::transfer::segments;
use super::transfer::temporaries::Temporaries;
use super::url_glob::{self, Remote, Spec};
use crate::cli::{ConfigKey, GetArgs, MirrorArgs, Origin, PutOptions, TransferArgs, TreeArgs, VerifyArg};
use crate::engine::{RateLimit, Session};
use crate::proto::listing::EntryKind;
use crate::proto::name::{local_component, remote_basename};

/// `-j N` (default [`DEFAULT_PARALLEL`]), within 1..=64.
pub fn parallel(ctx: &Context) -> Result<usize> {
    match ctx.args.parallel {
        None => Ok(DEFAULT_PARALLEL),
        Some(n) if (1..=MAX_PARALLEL).contains(&n) => Ok(n),
        Some(n) => Err(usage(format!("-j {n}: expected 1 to {MAX_PARALLEL} sessions"))),
    }
}

/// `--limit-rate`: bytes per second with an optional K, M or G (powers of 1024).
pub fn parse_rate(text: &str) -> Result<u64> {
    let t = text.trim();
    let t = t.strip_suffix("iB").or_else(|| t.strip_suffix('B')).or_else(|| t.strip_suffix('b')).unwrap_or(t);
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, ' '),
    };
    let scale: f64 = match unit {
        ' ' => 1.0,
        'K' => 1024.0,
        'M' => 1024.0 * 1024.0,
        'G' => 1024.0 * 1024.0 * 1024.0,
        _ => bail!(usage(format!("--limit-rate {text:?}: use a number with K, M or G, like 500K"))),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n * scale >= 1.0 && n * scale < 1e15 => Ok((n * scale) as u64),
        _ => bail!(usage(format!("--limit-rate {text:?}: use a positive number with K, M or G, like 500K"))),
    }
}

fn rate(args: &TransferArgs) -> Result<Option<RateLimit>> {
    args.limit_rate.as_deref().map(parse_rate).transpose().map(|r| r.map(RateLimit::new))
}

fn filter(args: &TreeArgs) -> Result<Filter> {
    Filter::new(&args.include, &args.exclude)
}

pub(super) async fn open_pool<'a>(
    ctx: &'a Context,
    target: &Target,
    rate: Option<RateLimit>,
    limit: usize,
) -> Result<Pool<'a>> {
    let connector = Connector::new(ctx, target.clone(), rate);
    Pool::open(connector, limit, ctx.args.retries.unwrap_or(0)).await
}

/// A URL or a bookmark name, as everywhere else (config_file::resolve).
fn parse(url: &str) -> Result<Target> {
    super::config_file::resolve(url)
}

/// `get` and `put`'s options from their flags, the same for the one-shot command and the
/// shell: usage errors come before anything connects.
pub fn get_options(ctx: &Context, args: &GetArgs) -> Result<Options> {
    if let Some(n) = args.segments {
        if args.recursive {
            bail!(usage("--segments is for one big file, not with -r"));
        }
        if n == 0 || n > MAX_PARALLEL {
            bail!(usage(format!("--segments {n}: expected 1 to {MAX_PARALLEL}")));
        }
    }
    if !args.recursive && (!args.tree.exclude.is_empty() || !args.tree.include.is_empty()) {
        bail!(usage("--exclude and --include need -r"));
    }
    Ok(Options {
        recursive: args.recursive,
        resume: args.resume,
        create_dirs: args.create_dirs,
        output: args.output.clone(),
        no_clobber: args.no_clobber,
        segments: args.segments,
        ..transfer_options(ctx, &args.transfer, &args.tree)?
    })
}

/// See [`get_options`].
pub fn put_options(ctx: &Context, args: &PutOptions) -> Result<Options> {
    Ok(Options {
        recursive: args.recursive,
        resume: args.resume,
        create_dirs: args.create_dirs,
        atomic: args.atomic,
        ..transfer_options(ctx, &args.transfer, &args.tree)?
    })
}

fn transfer_options(ctx: &Context, transfer: &TransferArgs, tree: &TreeArgs) -> Result<Options> {
    Ok(Options {
        if_changed: transfer.if_changed,
        verify: match transfer.verify {
            None => Verify::Size,
            Some(VerifyArg::Auto) => Verify::Checksum,
            Some(VerifyArg::Strict) => Verify::Strict,
        },
        rate: rate(transfer)?,
        filter: filter(tree)?,
        sessions: parallel(ctx)?,
        retries: ctx.args.retries.unwrap_or(0),
        defaulted: Defaulted {
            retries: matches!(ctx.args.origins.get(ConfigKey::Retries), Origin::Defaults | Origin::Session),
            verify: transfer.verify_defaulted,
        },
        ..Options::default()
    })
}

/// Who asks for a copy: where its first session comes from, and how its files are shown.
pub enum Caller<'s> {
    /// A one-shot command: a pool per server, opened for it, on `open` where that fits (the
    /// session a wildcard was listed on).
    Command { open: Option<(Target, Box<Session>)> },
    /// The shell, on its one server.
    Shell(ShellCopy<'s>),
}

/// What the shell brings to a copy.
pub struct ShellCopy<'s> {
    /// Its session: lent as the pool's first (unless the copy's rate limit wants sessions of
    /// its own), back in the shell when the copy ends or is cut short.
    pub session: &'s mut Option<Session>,
    /// `set parallel`: sessions at once for several files.
    pub parallel: usize,
    /// `mget`/`mput`: what patterns matched, copied as a batch whatever `--retries` says.
    pub batch: bool,
    /// The file a one-by-one copy is moving now, for what Ctrl-C says it left behind.
    pub moving: &'s Cell<Option<Moving>>,
}

/// A file being moved (see [`ShellCopy::moving`]).
#[derive(Debug, Clone)]
pub enum Moving {
    Download { target: PathBuf },
    Upload { remote: String },
}

impl Moving {
    fn of(tree: &Tree, direction: Direction) -> Self {
        match direction {
            Direction::Down => Self::Download { target: tree.local.clone() },
            // Shown on Ctrl-C: the URL without its password.
            Direction::Up => Self::Upload { remote: tree.shown_url("") },
        }
    }
}

/// How the files of a copy are shown, and so how each goes: scripts and logs read each
/// command's output as it always was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    /// `pasv get URL`, `pasv put FILE URL`: one file after the other, each with its own
    /// progress and its result line, as curl shows them; the first failure ends the run.
    Own,
    /// The shell's `get` and `put`: as [`Show::Own`], without result lines or a summary.
    Shell,
    /// Trees and checked copies (see [`Options::plain`]; `--retries` too): counted under
    /// one bar, each file's facts looked at first; a failure does not stop the others.
    Counted,
    /// The shell's several files under `set parallel N`: all at once on the pool, counted.
    Batch(&'static str),
}

impl Show {
    /// The one choice of the way files go, for every caller.
    fn of(opts: &Options, caller: &Caller<'_>, files: usize, direction: Direction) -> Self {
        if is_checked(opts, caller) {
            return Self::Counted;
        }
        match caller {
            Caller::Command { .. } => Self::Own,
            Caller::Shell(shell) if shell.parallel > 1 && files > 1 => Self::Batch(match direction {
                Direction::Down => "mget",
                Direction::Up => "mput",
            }),
            Caller::Shell(_) => Self::Shell,
        }
    }

    fn tally<'a>(self, ctx: &'a Context) -> Tally<'a> {
        let style = match self {
            Self::Own => Style::Own { events: true },
            Self::Shell => Style::Own { events: false },
            Self::Counted | Self::Batch(_) => Style::Counted,
        };
        Tally::with_style(ctx.progress, style, &ctx.out, ctx.args.quiet)
    }
}

/// Whether the files are looked at before they are copied and checked after
/// ([`Show::Counted`]): when [`Options::plain`] says so, and for a command's `--retries`
/// (a retry resumes from what that first look found); `mget` and `mput` retry as they go.
fn is_checked(opts: &Options, caller: &Caller<'_>) -> bool {
    let batch = matches!(caller, Caller::Shell(shell) if shell.batch);
    !opts.plain() || (opts.retries > 0 && !batch)
}

/// One thing to copy on `server`.
struct Item {
    server: Target,
    tree: Tree,
    kind: Kind,
}

enum Kind {
    File,
    /// A tree from `tree.local` (`put -r`).
    Tree,
    /// A tree into a directory named after `name`, the tree's last remote name (`get -r`):
    /// `tree.local` is worked out once the session is open.
    Named {
        name: Option<String>,
        several: bool,
    },
}

/// `get` of `remotes` (what the URLs or the shell's paths stand for, wildcards expanded):
/// with `-r` a directory is a tree (a wildcard's file matches are files), else each is one
/// file; the sessions of one server serve them all.
pub async fn get(ctx: &Context, remotes: Vec<Remote>, opts: &Options, caller: Caller<'_>) -> Result<()> {
    if opts.segments.is_some() && remotes.len() != 1 {
        bail!(usage("--segments downloads one file: give one URL"));
    }
    let several = url_glob::several(&remotes);
    let output = opts.output.as_deref();
    let mut items = Vec::new();
    for Remote { url, target, kind } in remotes {
        let name = remote_basename(&target.path);
        let (local, kind) = if opts.recursive && !matches!(kind, Some(EntryKind::File | EntryKind::Link)) {
            (PathBuf::new(), Kind::Named { name: name.map(str::to_string), several })
        } else {
            let name = name.ok_or_else(|| usage(format!("{} names a directory, not a file", redact_url(&url))))?;
            let path = local::download_path(output, name, several)?;
            if opts.create_dirs {
                create_local_parent(&path)?;
            }
            (path, Kind::File)
        };
        let tree = Tree { url, remote: target.path.clone(), local };
        items.push(Item { server: target, tree, kind });
    }
    copy(ctx, Direction::Down, items, opts, caller).await
}

/// Where `get -r` puts the tree `name` (the last name of its path, if any).
fn tree_root(output: Option<&Path>, name: Option<&str>, several: bool, create_dirs: bool) -> Result<PathBuf> {
    if output.is_some_and(|o| o.as_os_str() == local::STDOUT) {
        bail!(usage("-o - (stdout) takes one file, not a tree (-r)"));
    }
    if create_dirs && let Some(out) = output {
        create_local_parent(out)?;
    }
    Ok(match (output, name) {
        (Some(out), Some(name)) if out.is_dir() => out.join(checked(name)?),
        (Some(_), _) if several => bail!(usage("-o must be an existing directory when copying several trees")),
        (Some(out), _) => out.to_path_buf(),
        (None, Some(name)) => PathBuf::from(checked(name)?),
        (None, None) => PathBuf::from("."),
    })
}

fn checked(name: &str) -> Result<&str> {
    // The name comes from the URL the user typed ("x%2F.."): a usage error (exit 2).
    local_component(name).map_err(|e| usage(format!("cannot save {name:?} locally: {e}")))
}

/// `put` of `locals` (`-` is stdin) to `to`, a file or (ending in `/`) a directory; `url`
/// names `to` in messages. Every local path is checked before anything connects.
pub async fn put(
    ctx: &Context,
    locals: &[PathBuf],
    to: &Target,
    url: &str,
    opts: &Options,
    caller: Caller<'_>,
) -> Result<()> {
    if locals.len() > 1 && !to.is_dir {
        bail!(usage("several files need a URL that ends in / (a directory)"));
    }
    // Stdin, a pipe or a device is read once, as it comes: what only the settings asked for
    // (`retries`, `verify` in [defaults]) gives way, said once; the command's own flags do not.
    let mut opts = std::borrow::Cow::Borrowed(opts);
    let plain_for = |opts: &mut std::borrow::Cow<'_, Options>, what: &str| {
        if !is_checked(opts, &caller) {
            return true;
        }
        match opts.for_stream().filter(|plain| !is_checked(plain, &caller)) {
            Some(plain) => {
                ctx.note(&format!(
                    "pasv: note: {what} is read once, as it comes: sent without the retries and checksum the \
                     settings ask for"
                ));
                *opts = std::borrow::Cow::Owned(plain);
                true
            }
            None => false,
        }
    };
    let mut items = Vec::new();
    for path in locals {
        let local = path.display();
        if path.as_os_str() == "-" {
            if !plain_for(&mut opts, "standard input") {
                bail!(usage("--atomic, --verify, --if-changed, --retries, --limit-rate and -r need files, not stdin"));
            }
            if to.is_dir {
                bail!(usage("uploading stdin needs a URL that names the remote file"));
            }
        }
        let remote = upload_destination(to, path)?;
        let kind = if path.as_os_str() == "-" {
            Kind::File
        } else {
            let meta = std::fs::metadata(path).with_context(|| format!("cannot read {local}"))?;
            if meta.is_dir() && !opts.recursive {
                bail!(usage(format!("{local} is a directory (use -r)")));
            }
            if !meta.is_dir() && !meta.is_file() && !plain_for(&mut opts, &local.to_string()) {
                bail!(usage(format!(
                    "{local} is not a regular file: --atomic, --verify, --if-changed, --retries and --limit-rate need files"
                )));
            }
            if meta.is_dir() { Kind::Tree } else { Kind::File }
        };
        // Messages name what is sent: into a directory, the tree or file under its name.
        let shown = match remote_basename(&remote).filter(|_| to.is_dir) {
            Some(name) if url.is_empty() => name.to_string(),
            Some(name) => format!("{}/{name}", url.trim_end_matches('/')),
            None => url.to_string(),
        };
        let tree = Tree { url: shown, remote, local: path.to_path_buf() };
        items.push(Item { server: to.clone(), tree, kind });
    }
    copy(ctx, Direction::Up, items, &opts, caller).await
}

/// Copies `items` on a pool per server, shown as [`Show::of`] says.
async fn copy(ctx: &Context, direction: Direction, items: Vec<Item>, opts: &Options, caller: Caller<'_>) -> Result<()> {
    let show = Show::of(opts, &caller, items.len(), direction);
    let (spare, moving, parallel) = match caller {
        // The session a wildcard was listed on serves a plain copy; a checked one opens its
        // pool afresh (as it always did).
        Caller::Command { open } => {
            let spare = match open {
                Some((target, session)) if show == Show::Own => Some((target, Seat::Own(session))),
                Some((_, session)) => {
                    let _ = (*session).quit().await;
                    None
                }
                None => None,
            };
            (spare, None, 1)
        }
        Caller::Shell(shell) => {
            let spare = items.first().zip(Seat::lend(shell.session)).map(|(item, seat)| (item.server.clone(), seat));
            (spare, Some(shell.moving), shell.parallel)
        }
    };
    let mut sessions = Sessions { ctx, opts, spare };
    let mut tally = show.tally(ctx);
    if let Show::Batch(action) = show {
        return batch(&mut sessions, direction, items, parallel, tally, action).await;
    }
    let moving = moving.filter(|_| show == Show::Shell);
    let sync = opts.sync(direction);
    let mut open: Option<(Target, Pool)> = None;
    // Trees end with one summary for all of them, their failed files reported after it.
    let mut trees: Option<Vec<Failure>> = None;
    let mut backed_off = None;
    // Interrupted, the pool still deletes the upload temporaries it made. (Pinned here: moved
    // into `or_interrupted`, the copy's state would take its room twice.)
    let result = interrupt::or_interrupted(std::pin::pin!(async {
        let mut result = Ok(());
        for item in &items {
            if !open.as_ref().is_some_and(|(server, _)| server.same_session(&item.server)) {
                if let Some((_, pool)) = open.take() {
                    backed_off = backed_off.or(pool.backed_off);
                    pool.close().await;
                }
                // One file at a time needs one session (and a retry a new one).
                let limit = if show == Show::Counted { opts.segments.unwrap_or(opts.sessions) } else { 1 };
                let pool = sessions.pool(&item.server, limit).await;
                let pool = match pool {
                    Ok(pool) => pool,
                    Err(e) => {
                        tally.failed(1);
                        return Err(e);
                    }
                };
                let (_, pool) = open.insert((item.server.clone(), pool));
                if direction == Direction::Up && opts.create_dirs {
                    let same = items.iter().filter(|i| i.server.same_session(&item.server));
                    let mut session = pool.take().await?;
                    let remotes = same.map(|i| i.tree.remote.as_str());
                    let created = Box::pin(create_remote_parents(&mut session, remotes)).await;
                    pool.put_back(session);
                    created?;
                }
            }
            let Some((_, pool)) = open.as_mut() else { unreachable!("a pool was just opened") };
            // What only some copies need is boxed: the others do not carry its state along.
            // A whole tree: a named one goes where -o or its name says.
            let whole = match &item.kind {
                Kind::Named { name, several } => {
                    let local = tree_root(opts.output.as_deref(), name.as_deref(), *several, opts.create_dirs)?;
                    Some(Cow::Owned(Tree { local, ..item.tree.clone() }))
                }
                Kind::Tree => Some(Cow::Borrowed(&item.tree)),
                Kind::File => None,
            };
            let outcome = if let Some(tree) = whole {
                let failed = Box::pin(mirror::sync_tree(pool, &tree, direction, &sync, &mut tally)).await;
                failed.map(|mut failed| trees.get_or_insert_default().append(&mut failed))
            } else {
                if let Some(moving) = moving {
                    moving.set(Some(Moving::of(&item.tree, direction)));
                }
                let checked = show == Show::Counted;
                let copied = copy_one(pool, &item.tree, direction, &sync, checked, opts.segments, &mut tally).await;
                if let Some(moving) = moving {
                    moving.set(None);
                }
                copied.inspect_err(|_| tally.failed(1))
            };
            if outcome.is_err() && show != Show::Counted {
                return outcome;
            }
            result = result.and(outcome);
        }
        result
    }))
    .await;
    // A lone file's summary is its own; a counted run's comes after the pool's notes.
    match show {
        Show::Own => tally.conclude(sync.action),
        Show::Shell => tally.finish_quietly(),
        Show::Counted | Show::Batch(_) => {}
    }
    if let Some((_, pool)) = open {
        backed_off = backed_off.or(pool.backed_off);
        pool.close().await;
    }
    match trees {
        Some(failed) if show == Show::Counted => {
            let finished = run::finish(&mut tally, sync.action, sync.dry_run, backed_off, failed).map(drop);
            match (result, finished) {
                // The first problem is the error; a tree's failed file is still named.
                (Err(e), Err(failed)) => {
                    say(&format!("pasv: error: {}", escape(&format!("{failed:#}"))));
                    Err(e)
                }
                (result, finished) => result.and(finished),
            }
        }
        _ if show == Show::Counted => {
            tally.conclude(sync.action);
            result
        }
        _ => result,
    }
}

/// Where a copy gets its pools: on a session handed over (`spare`) where it fits, on new
/// ones otherwise.
struct Sessions<'a, 'o> {
    ctx: &'a Context,
    opts: &'o Options,
    spare: Option<(Target, Seat<'a>)>,
}

impl<'a> Sessions<'a, '_> {
    /// A pool of up to `limit` sessions to `server`'s server.
    async fn pool(&mut self, server: &Target, limit: usize) -> Result<Pool<'a>> {
        let connector = Connector::new(self.ctx, server.clone(), self.opts.rate.clone());
        match self.spare.take() {
            Some((open, seat)) if open.same_session(server) && connector.takes_others() => {
                return Ok(Pool::seated(connector, seat, limit, self.opts.retries));
            }
            Some((_, seat)) => seat.leave().await,
            None => {}
        }
        Pool::open(connector, limit, self.opts.retries).await
    }
}

/// [`Show::Batch`]: the files at once on up to `set parallel` sessions of the shell's server.
async fn batch(
    sessions: &mut Sessions<'_, '_>,
    direction: Direction,
    items: Vec<Item>,
    parallel: usize,
    mut tally: Tally<'_>,
    action: &'static str,
) -> Result<()> {
    let Some(server) = items.first().map(|i| i.server.clone()) else { return Ok(()) };
    let count = items.len();
    let mut pool = sessions.pool(&server, parallel.min(count)).await?;
    // Upload sizes are known here; download sizes only once each file starts.
    let bytes = match direction {
        Direction::Up => items.iter().filter_map(|i| std::fs::metadata(&i.tree.local).ok()).map(|m| m.len()).sum(),
        Direction::Down => 0,
    };
    tally.begin(count as u64, bytes);
    let sync = sessions.opts.sync(direction);
    let work = Files { opts: &sync, direction, tally: &tally, temporaries: pool.temporaries() };
    let failures = pool.run(&work, items.into_iter().map(|i| i.tree).collect()).await;
    let result = wrap_up(&pool, &mut tally, action, failures);
    pool.close().await;
    result.map(drop)
}

/// Single files, each its own [`Tree`], on the sessions of a pool.
struct Files<'a> {
    opts: &'a SyncOptions,
    direction: Direction,
    tally: &'a Tally<'a>,
    temporaries: Rc<Temporaries>,
}

impl Work for Files<'_> {
    type Job = Tree;

    async fn run(&self, session: &mut Session, tree: &Tree, attempt: u32, _slot: usize) -> Result<Done<Tree>> {
        let copy = Copy::new(tree, self.opts, self.direction, self.tally, self.temporaries.clone());
        let job = FileJob::named();
        match self.direction {
            Direction::Down => copy.download(session, &job, attempt).await.with_context(|| downloading(tree))?,
            Direction::Up => copy.upload(session, &job, attempt).await?,
        }
        Ok(Done::nothing())
    }

    fn describe(&self, tree: &Tree) -> String {
        tree.shown_url("")
    }

    fn retrying(&self, tree: &Tree, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, &self.describe(tree), error, delay);
    }
}

fn downloading(tree: &Tree) -> String {
    format!("downloading {}", tree.shown_url(""))
}

/// One file, `tree` naming it on both sides; `checked`: its facts are looked at first
/// ([`look_before_copy`]), and it may be split into `segments`.
async fn copy_one(
    pool: &mut Pool<'_>,
    tree: &Tree,
    direction: Direction,
    opts: &SyncOptions,
    checked: bool,
    segments: Option<usize>,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let copied = async {
        let job = if checked {
            if direction == Direction::Down {
                // Before the look (a plain copy's job does it itself, before it asks).
                local::refuse_existing(&tree.local, opts.no_clobber())?;
            }
            let local_meta = std::fs::metadata(&tree.local).ok();
            let look = Look { tree, direction, opts, local_meta: local_meta.as_ref(), tally, found: Cell::new(None) };
            if let Some(failure) = pool.run(&look, vec![()]).await.into_iter().next() {
                return Err(failure.error);
            }
            let Some(job) = look.found.take() else {
                tally.skipped(1);
                let shown = match direction {
                    Direction::Down => tree.local.display().to_string(),
                    Direction::Up => redact_url(&tree.url),
                };
                tally.note(&format!("pasv: {shown} is unchanged; not copied (--if-changed)"));
                tally.finish_quietly();
                return Ok(());
            };
            job
        } else {
            FileJob::named()
        };
        tally.begin(1, job.size.unwrap_or(0));
        // Stdout, a device or a pipe takes the data in order: over one connection.
        let in_place = matches!(local::destination(&tree.local), Ok(local::Destination::File(_)));
        if let Some(count) = segments.filter(|&n| in_place && segments::splits(job.size, n)) {
            return Box::pin(segments::get(pool, tree, count, &job, opts, tally)).await;
        }
        let copy = Copy::new(tree, opts, direction, tally, pool.temporaries());
        let failures = pool.run(&copy, vec![job]).await;
        tally.finish_quietly();
        match failures.into_iter().next() {
            Some(failure) => Err(failure.error),
            None => Ok(()),
        }
    };
    match direction {
        Direction::Down => copied.await.with_context(|| downloading(tree)),
        Direction::Up => copied.await,
    }
}

/// The look before a checked copy, a job on the pool: a transient failure there (a dropped
/// connection) is retried within `--retries` as the copy itself would be.
struct Look<'a> {
    tree: &'a Tree,
    direction: Direction,
    opts: &'a SyncOptions,
    local_meta: Option<&'a std::fs::Metadata>,
    tally: &'a Tally<'a>,
    /// What the look found: the job, or none when the target is already like the source.
    found: Cell<Option<FileJob>>,
}

impl Work for Look<'_> {
    type Job = ();

    async fn run(&self, session: &mut Session, _job: &(), _attempt: u32, _slot: usize) -> Result<Done<()>> {
        self.found.set(look_before_copy(session, self.tree, self.direction, self.opts, self.local_meta).await?);
        Ok(Done::nothing())
    }

    fn describe(&self, _job: &()) -> String {
        self.tree.shown_url("")
    }

    fn retrying(&self, job: &(), error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, &self.describe(job), error, delay);
    }
}

/// The job for one file, or `None` when `--if-changed` finds the target already like the
/// source: the same size and a time no older than the source's, or, where a time is
/// missing, the same checksum (when the server offers one).
async fn look_before_copy(
    session: &mut Session,
    tree: &Tree,
    direction: Direction,
    opts: &SyncOptions,
    local_meta: Option<&std::fs::Metadata>,
) -> Result<Option<FileJob>> {
    let compare = opts.compare != Compare::Always;
    let remote = match direction {
        Direction::Down => Some(session.stat(&tree.remote).await?),
        Direction::Up if compare => session.stat(&tree.remote).await.ok(),
        Direction::Up => None,
    };
    let job = match (direction, &remote, local_meta) {
        (Direction::Down, Some(stat), _) => {
            FileJob { rel: String::new(), size: stat.size, mtime: stat.modified, reason: "new", retry: false }
        }
        (Direction::Up, _, Some(meta)) => FileJob {
            rel: String::new(),
            size: Some(meta.len()),
            mtime: local_mtime(meta),
            reason: "new",
            retry: false,
        },
        _ => bail!("cannot read {}", tree.local.display()),
    };
    let (Some(stat), Some(meta), true) = (&remote, local_meta, compare) else {
        return Ok(Some(job));
    };
    if stat.size != Some(meta.len()) {
        return Ok(Some(job));
    }
    let (source, target) = match direction {
        Direction::Down => (stat.modified, local_mtime(meta)),
        Direction::Up => (local_mtime(meta), stat.modified),
    };
    let same = match (source, target) {
        (Some(source), Some(target)) => target >= source,
        _ => match session.checksum(&tree.remote).await? {
            Some(theirs) => hash_file(&tree.local, theirs.algorithm).await? == theirs.hex,
            None => false,
        },
    };
    Ok((!same).then_some(job))
}

pub async fn mirror(ctx: &Context, args: MirrorArgs) -> Result<()> {
    let is_url = |s: &str| s.contains("://");
    let (direction, url, local) = match (is_url(&args.source), is_url(&args.target)) {
        (true, false) => (Direction::Down, &args.source, &args.target),
        (false, true) => (Direction::Up, &args.target, &args.source),
        (true, true) => bail!(usage("mirror copies between a server and a local directory: one side must be local")),
        (false, false) => bail!(usage("mirror needs a URL as SOURCE (download) or as TARGET (upload)")),
    };
    let target = match direction {
        Direction::Up => {
            mirror::local_dir(Path::new(local))?;
            parse(url)?
        }
        // A source with a wildcard would be a set of trees; --include says which files.
        Direction::Down => match url_glob::parse(url, ctx.args.no_glob)? {
            Spec::Path { target, .. } => target,
            Spec::Pattern(_) => bail!(usage(format!(
                "{}: mirror does not expand wildcards; mirror the directory with --include PATTERN, or use get -r",
                redact_url(url)
            ))),
        },
    };
    let opts = SyncOptions {
        action: "mirror",
        compare: if args.newer { Compare::Newer } else { Compare::Changed },
        delete: args.delete,
        dry_run: args.dry_run,
        filter: filter(&args.tree)?,
        atomic: args.atomic,
        verify: args.transfer.verify.is_some(),
        verify_strict: args.transfer.verify == Some(VerifyArg::Strict),
        resume: args.resume,
        refuse_larger_remote: false,
    };
    let tree = Tree { url: url.clone(), remote: target.path.clone(), local: PathBuf::from(local) };
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    let mut pool = open_pool(ctx, &target, rate(&args.transfer)?, parallel(ctx)?).await?;
    let result = interrupt::or_interrupted(mirror::sync(&mut pool, &tree, direction, &opts, &mut tally)).await;
    pool.close().await;
    result.map(drop)
}

/// `--create-dirs` for a download: the directories above `path`.
pub(crate) fn create_local_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// `--create-dirs` for uploads: each directory above the remote paths, once, with MKD of
/// each missing level (`Session::mkdir_all`).
pub(crate) async fn create_remote_parents<'a>(
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
pub(crate) fn upload_destination(target: &Target, local: &Path) -> Result<String> {
    if !target.is_dir {
        return Ok(target.path.clone());
    }
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| usage(format!("{:?} has no file name", local.display().to_string())))?;
    Ok(target.join(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        assert_eq!(parse_rate("500K").unwrap(), 512_000);
        assert_eq!(parse_rate("2M").unwrap(), 2 * 1024 * 1024);
        assert_eq!(parse_rate("1.5m").unwrap(), 1_572_864);
        assert_eq!(parse_rate("100").unwrap(), 100);
        assert_eq!(parse_rate("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_rate("10KB").unwrap(), 10_240);
        for bad in ["", "fast", "-1K", "0", "1X"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
