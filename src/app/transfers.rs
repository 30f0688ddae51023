//! `get -r`, `put -r`, `mirror`, and single-file `get`/`put` with the CI options (`--atomic`,
//! `--verify`, `--if-changed`, `--retries`, `--limit-rate`): each becomes a [`Tree`] synced
//! by [`mirror::sync`] or one [`FileJob`] copied on a [`Pool`].

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::context::Context;
use super::defaults::{DEFAULT_PARALLEL, MAX_PARALLEL};
use super::filter::Filter;
use super::interrupt;
use super::local;
use super::mirror;
use super::settings::usage;
use super::tally::Tally;
use super::target::{Target, redact_url};
use super::transfer::copy::{Copy, hash_file};
use super::transfer::job::{Compare, Direction, FileJob, SyncOptions, Tree, local_mtime};
use super::transfer::pool::{Connector, Pool};
use super::transfer::segments;
use super::url_glob::{self, Remote, Spec};
use crate::cli::{GetArgs, MirrorArgs, PutArgs, PutOptions, TransferArgs, TreeArgs, VerifyArg};
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

/// Whether `get` needs this module (else the plain one-shot path serves it).
pub fn handles_get(args: &GetArgs, ctx: &Context) -> bool {
    args.recursive
        || args.segments.is_some()
        || needs_pool(&args.transfer, ctx)
        || !args.tree.exclude.is_empty()
        || !args.tree.include.is_empty()
}

/// Whether `put` needs this module.
pub fn handles_put(opts: &PutOptions, ctx: &Context) -> bool {
    opts.recursive || opts.atomic || needs_pool(&opts.transfer, ctx)
}

fn needs_pool(args: &TransferArgs, ctx: &Context) -> bool {
    args.limit_rate.is_some() || args.verify.is_some() || args.if_changed || ctx.args.retries.is_some_and(|r| r > 0)
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

/// `get` of `remotes` (what the URLs stand for, wildcards expanded): with `-r` a directory is
/// a tree (a wildcard's file matches are files), else each is one file; the sessions of one
/// server serve them all.
pub async fn get(ctx: &Context, args: GetArgs, remotes: Vec<Remote>) -> Result<()> {
    if let Some(n) = args.segments {
        if args.recursive {
            bail!(usage("--segments is for one big file, not with -r"));
        }
        if remotes.len() != 1 {
            bail!(usage("--segments downloads one file: give one URL"));
        }
        if n == 0 || n > MAX_PARALLEL {
            bail!(usage(format!("--segments {n}: expected 1 to {MAX_PARALLEL}")));
        }
    }
    if !args.recursive && (!args.tree.exclude.is_empty() || !args.tree.include.is_empty()) {
        bail!(usage("--exclude and --include need -r"));
    }
    let rate = rate(&args.transfer)?;
    let filter = filter(&args.tree)?;
    let limit = parallel(ctx)?;
    let several = url_glob::several(&remotes);
    let opts = SyncOptions {
        action: "get",
        compare: if args.no_clobber {
            Compare::Missing
        } else if args.transfer.if_changed {
            Compare::Changed
        } else {
            Compare::Always
        },
        delete: false,
        dry_run: false,
        filter,
        atomic: false,
        verify: args.transfer.verify.is_some(),
        verify_strict: args.transfer.verify == Some(VerifyArg::Strict),
        resume: args.resume,
        refuse_larger_remote: false,
    };
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    let mut result = Ok(());
    let mut open: Option<(Target, Pool)> = None;
    for Remote { url, target, kind } in &remotes {
        let name = remote_basename(&target.path);
        if !open.as_ref().is_some_and(|(server, _)| server.same_session(target)) {
            if let Some((_, pool)) = open.take() {
                pool.close().await;
            }
            open = Some((target.clone(), open_pool(ctx, target, rate.clone(), args.segments.unwrap_or(limit)).await?));
        }
        let Some((_, pool)) = open.as_mut() else { unreachable!("a pool was just opened") };
        let pool = &mut *pool;
        if args.recursive && !matches!(kind, Some(EntryKind::File | EntryKind::Link)) {
            if args.output.as_deref().is_some_and(|o| o.as_os_str() == local::STDOUT) {
                bail!(usage("-o - (stdout) takes one file, not a tree (-r)"));
            }
            if args.create_dirs
                && let Some(out) = args.output.as_deref()
            {
                create_local_parent(out)?;
            }
            let local = match (args.output.as_deref(), name) {
                (Some(out), Some(name)) if out.is_dir() => out.join(checked(name)?),
                (Some(_), _) if several => bail!(usage("-o must be an existing directory when copying several trees")),
                (Some(out), _) => out.to_path_buf(),
                (None, Some(name)) => PathBuf::from(checked(name)?),
                (None, None) => PathBuf::from("."),
            };
            let tree = Tree { url: url.clone(), remote: target.path.clone(), local };
            let outcome = mirror::sync(pool, &tree, Direction::Down, &opts, &mut tally).await;
            result = result.and(outcome.map(drop));
        } else {
            let name = name.ok_or_else(|| usage(format!("{} names a directory, not a file", redact_url(url))))?;
            let path = local::download_path(args.output.as_deref(), name, several)?;
            if args.create_dirs {
                create_local_parent(&path)?;
            }
            if args.no_clobber && matches!(local::destination(&path), Ok(local::Destination::File(f)) if f.exists()) {
                bail!(usage(format!("{} exists; refusing to overwrite it (--no-clobber)", path.display())));
            }
            let tree = Tree { url: url.clone(), remote: target.path.clone(), local: path };
            result = result.and(copy_one(pool, &tree, Direction::Down, &opts, args.segments, &mut tally).await);
        }
    }
    if let Some((_, pool)) = open {
        pool.close().await;
    }
    tally.conclude(opts.action);
    result
}

fn checked(name: &str) -> Result<&str> {
    // The name comes from the URL the user typed ("x%2F.."): a usage error (exit 2).
    local_component(name).map_err(|e| usage(format!("cannot save {name:?} locally: {e}")))
}

pub async fn put(ctx: &Context, args: PutArgs) -> Result<()> {
    let Some((url, locals)) = args.paths.split_last() else { bail!(usage("put needs PATH... URL")) };
    let target = parse(url)?;
    if locals.len() > 1 && !target.is_dir {
        bail!(usage("several files need a URL that ends in / (a directory)"));
    }
    if locals.iter().any(|l| l == "-") {
        bail!(usage("--atomic, --verify, --if-changed, --retries, --limit-rate and -r need files, not stdin"));
    }
    let rate = rate(&args.opts.transfer)?;
    let opts = SyncOptions {
        action: "put",
        compare: if args.opts.transfer.if_changed { Compare::Changed } else { Compare::Always },
        delete: false,
        dry_run: false,
        filter: filter(&args.opts.tree)?,
        atomic: args.opts.atomic,
        verify: args.opts.transfer.verify.is_some(),
        verify_strict: args.opts.transfer.verify == Some(VerifyArg::Strict),
        resume: args.opts.resume,
        refuse_larger_remote: true,
    };
    // Check every local path before connecting: usage errors come first.
    let mut plans = Vec::new();
    for local in locals {
        let path = Path::new(local);
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {local}"))?;
        if meta.is_dir() && !args.opts.recursive {
            bail!(usage(format!("{local} is a directory (use -r)")));
        }
        if !meta.is_dir() && !meta.is_file() {
            bail!(usage(format!(
                "{local} is not a regular file: --atomic, --verify, --if-changed, --retries and --limit-rate need files"
            )));
        }
        let remote = upload_destination(&target, path)?;
        // Messages name what is sent: into a directory URL, the tree or file under its name.
        let shown = match remote_basename(&remote).filter(|_| target.is_dir) {
            Some(name) => format!("{}/{name}", url.trim_end_matches('/')),
            None => url.clone(),
        };
        plans.push((Tree { url: shown, remote, local: path.to_path_buf() }, meta.is_dir()));
    }
    let mut tally = Tally::new(ctx.progress, &ctx.out, ctx.args.quiet);
    let mut pool = open_pool(ctx, &target, rate, parallel(ctx)?).await?;
    if args.opts.create_dirs {
        let mut session = pool.take().await?;
        let created = create_remote_parents(&mut session, plans.iter().map(|(t, _)| t.remote.as_str()));
        let created = created.await;
        pool.put_back(session);
        created?;
    }
    let work = async {
        let mut result = Ok(());
        for (tree, is_dir) in plans {
            let outcome = if is_dir {
                mirror::sync(&mut pool, &tree, Direction::Up, &opts, &mut tally).await.map(drop)
            } else {
                copy_one(&mut pool, &tree, Direction::Up, &opts, None, &mut tally).await
            };
            result = result.and(outcome);
        }
        result
    };
    // Interrupted, the pool still deletes the upload temporaries it made.
    let result = interrupt::or_interrupted(work).await;
    pool.close().await;
    tally.conclude(opts.action);
    result
}

/// One file, `tree` naming it on both sides.
async fn copy_one(
    pool: &mut Pool<'_>,
    tree: &Tree,
    direction: Direction,
    opts: &SyncOptions,
    segments: Option<usize>,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let local_meta = std::fs::metadata(&tree.local).ok();
    let mut session = pool.take().await?;
    let checked = look_before_copy(&mut session, tree, direction, opts, local_meta.as_ref()).await;
    pool.put_back(session);
    let Some(job) = checked? else {
        tally.skipped(1);
        let shown = match direction {
            Direction::Down => tree.local.display().to_string(),
            Direction::Up => redact_url(&tree.url),
        };
        tally.note(&format!("pasv: {shown} is unchanged; not copied (--if-changed)"));
        tally.finish_quietly();
        return Ok(());
    };
    tally.begin(1, job.size.unwrap_or(0));
    // Stdout, a device or a pipe takes the data in order: over one connection.
    let in_place = matches!(local::destination(&tree.local), Ok(local::Destination::File(_)));
    if let Some(count) = segments.filter(|&n| in_place && segments::splits(job.size, n)) {
        return segments::get(pool, tree, count, &job, opts, tally).await;
    }
    let copy = Copy::new(tree, opts, direction, tally, pool.temporaries());
    let failures = pool.run(&copy, vec![job]).await;
    tally.finish_quietly();
    match failures.into_iter().next() {
        Some(failure) => {
            tally.failed(1);
            Err(failure.error)
        }
        None => Ok(()),
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
        Direction::Down => {
            Some(session.stat(&tree.remote).await.with_context(|| format!("downloading {}", redact_url(&tree.url)))?)
        }
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
