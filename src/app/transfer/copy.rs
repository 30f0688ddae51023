//! One file at a time, with every check: a download into its part file (resumed, verified
//! by checksum, given the server's time, then renamed into place), an upload (resumed with
//! APPE, verified, given the local time, renamed into place when atomic). A file named on the
//! command line is a job like any other: stdout, a device or a pipe is written through, and
//! stdin or a pipe is uploaded as it comes (`local`, [`Source`]).

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use super::job::{Compare, Direction, FileJob, Fresh, SyncOptions, Tree, parent};
use super::pool::{Done, Work};
use super::run::retry_note;
use super::temporaries::Temporaries;
use crate::app::local::{self, Resume};
use crate::app::part_names::temp_name;
use crate::app::sanitize::escape;
use crate::app::settings::usage;
use crate::app::tally::{FileEvent, Tally, Verified};
use crate::engine::{
    DataMethod, Error, Inline, LocalHasher, MtimeMethod, Session, SizeCheck, TransferSummary, UploadMode,
};
use crate::proto::{ReplyClass, Verb};

/// `--verify=strict` against a server without a checksum command: the file fails (exit 5, as
/// for any command the server does not have) instead of being checked by its size alone.
#[derive(Debug, thiserror::Error)]
#[error("the server offers no checksum (HASH, XSHA256, SITE MD5, ...) and --verify=strict needs one")]
pub struct NoChecksum;

/// Copies files, one per job.
pub struct Copy<'a> {
    pub tree: &'a Tree,
    pub opts: &'a SyncOptions,
    pub direction: Direction,
    pub tally: &'a Tally<'a>,
    /// How this server lets us set modification times: unknown yet (`None`), not at all
    /// (`Some(None)`), or with this method.
    pub(crate) mtime_method: Cell<Option<Option<MtimeMethod>>>,
    /// "no checksum on this server" was said once.
    pub(crate) checksum_noted: Cell<bool>,
    /// The pool's list of atomic uploads' temporaries not renamed yet.
    pub(crate) temporaries: Rc<Temporaries>,
    /// Upload directories that held nothing before the run ([`Copy::with_fresh`]).
    pub(crate) fresh: Fresh<'a>,
}

impl<'a> Copy<'a> {
    pub fn new(
        tree: &'a Tree,
        opts: &'a SyncOptions,
        direction: Direction,
        tally: &'a Tally<'a>,
        temporaries: Rc<Temporaries>,
    ) -> Self {
        Self {
            tree,
            opts,
            direction,
            tally,
            mtime_method: Cell::new(None),
            checksum_noted: Cell::new(false),
            temporaries,
            fresh: Fresh::None,
        }
    }

    /// Uploads into `fresh` directories: made by this run, or a deploy's empty target.
    pub(crate) fn with_fresh(self, fresh: Fresh<'a>) -> Self {
        Self { fresh, ..self }
    }

    pub(crate) async fn download(&self, session: &mut Session, job: &FileJob, attempt: u32) -> Result<()> {
        let remote = self.tree.remote_path(&job.rel);
        let local_path = self.tree.local_path(&job.rel);
        let retry = attempt > 0 || job.retry;
        // A file named on the command line comes without facts: its size and time are asked
        // in one round trip. The listing's save that; a retry asks SIZE again in case the
        // file changed.
        let looked = match (job.size, job.mtime) {
            (None, None) if !retry => {
                local::refuse_existing(&local_path, self.opts.no_clobber())?;
                Some(session.size_and_modified(&remote).await?)
            }
            _ => None,
        };
        let size = match looked {
            Some((size, _)) => size,
            None if retry => None,
            None => job.size,
        };
        let written = self.temporaries.written();
        let part = local::part_of(&local_path)?;
        let resume = match &part {
            _ if self.opts.resume => Resume::Any,
            // A retry continues only a part file this run wrote: an earlier run's, or the
            // target, may be an older version of the file (old bytes, then new ones).
            Some(part) if retry && written.part_is_ours(part) => Resume::Part,
            Some(part) => {
                written.part_created(part);
                Resume::No
            }
            // Stdout, a device or a pipe: what went out cannot be taken back (refused, as -c).
            None if retry => Resume::Any,
            None => Resume::No,
        };
        let mut progress = self.tally.transfer();
        let fetched =
            local::fetch(session, &remote, &local_path, resume, self.opts.no_clobber(), size, progress.as_mut())
                .await?;
        drop(progress);
        let mut verified = fetched.summary.total.map(|_| "size");
        if self.opts.verify
            && let Some(part) = &fetched.part
        {
            // Checked before it takes the target's name: a copy that does not match never
            // replaces the local file, not even for a moment.
            match self.verify(session, &remote, part).await {
                Ok(Some(algorithm)) => verified = Some(algorithm),
                Ok(None) => {}
                Err(e) => return Err(e.context(format!("the download stays in {}", part.display()))),
            }
        }
        let mtime = match (looked, job.mtime) {
            (Some((_, looked)), _) => looked,
            (None, Some(t)) if !retry => Some(t),
            (None, _) => session.modified(&remote).await.ok().or(job.mtime),
        };
        let summary = fetched.commit(self.opts.no_clobber(), mtime)?;
        if let Some(part) = &part {
            written.part_done(part);
        }
        self.report(job, &summary, verified.into(), session.passive_mode());
        Ok(())
    }

    pub(crate) async fn upload(&self, session: &mut Session, job: &FileJob, attempt: u32) -> Result<()> {
        let remote = self.tree.remote_path(&job.rel);
        let local_path = self.tree.local_path(&job.rel);
        let destination = if self.opts.atomic { temp_name(&remote) } else { remote.clone() };
        let (mut file, len) = match Source::open(&local_path).await? {
            Source::File(file, len) => (file, len),
            Source::Stream(mut stream) => return self.upload_stream(session, job, &mut stream, &remote).await,
        };
        let written = self.temporaries.written();
        let retry = attempt > 0 || job.retry;
        let mut mode = UploadMode::Replace;
        if self.opts.resume {
            // Continue what is on the server (APPE after its size); `put -c` refuses a larger
            // remote file, as for a single file.
            let refuse_larger = self.opts.refuse_larger_remote && attempt == 0;
            mode = resume_point(session, &destination, &mut file, len, refuse_larger, None).await?;
        } else if let Some(sent) = written.sent_to(&destination).filter(|_| retry) {
            // A retry continues only what this run sent: a remote file it never wrote (its
            // STOR refused or lost) may be an older version (old bytes, then new ones).
            mode = resume_point(session, &destination, &mut file, len, false, Some(sent)).await?;
        }
        let remaining = match mode {
            UploadMode::Append { offset } => len - offset,
            UploadMode::Replace => len,
        };
        let mut progress = self.tally.transfer();
        // Once a method is known to work, the time goes out with the size check, so a file
        // whose size turns out wrong has the local time already. Not with --verify (the time
        // is set once the checksum matches) nor --newer (later runs would trust that time
        // alone); the other comparisons look at the size too.
        let stamp = match (job.mtime, self.mtime_method.get()) {
            (Some(t), Some(Some(method))) if !self.opts.verify && self.opts.compare != Compare::Newer => {
                Some((t, method))
            }
            _ => None,
        };
        let (summary, stamped) = if remaining == 0 && matches!(mode, UploadMode::Append { .. }) {
            let summary = TransferSummary {
                bytes: 0,
                offset: len,
                total: Some(len),
                elapsed: Duration::ZERO,
                tls: None,
                size_check: SizeCheck::None,
            };
            (summary, None)
        } else {
            // A STOR makes the temporary this run's (an APPE adds to one that may be older).
            let stored = |mode| self.opts.atomic && mode == UploadMode::Replace;
            if stored(mode) {
                self.temporaries.created(&destination);
            }
            let mut uploaded =
                session.upload_stamped(&mut file, &destination, mode, Some(remaining), stamp, progress.as_mut()).await;
            // A server without APPE (twisted): the whole file again, in place of the rest.
            if let Err(e) = &uploaded
                && matches!(mode, UploadMode::Append { .. })
                && e.is_not_implemented(Verb::Appe)
            {
                use std::io::Seek as _;
                file.0.rewind().with_context(|| format!("cannot read {}", local_path.display()))?;
                mode = UploadMode::Replace;
                if stored(mode) {
                    self.temporaries.created(&destination);
                }
                uploaded =
                    session.upload_stamped(&mut file, &destination, mode, Some(len), stamp, progress.as_mut()).await;
            }
            // A temporary name left by an interrupted run, on a server that will not overwrite
            // (ProFTPD's default, AllowOverwrite off): it is ours to delete, then the upload
            // goes again. So, on a retry, is a file in a directory that held nothing before
            // the run: what is at its name is this run's first attempt, made by a STOR whose
            // fate was not known (its session given up after a 425 to the EPSV sent with it)
            // or whose data connection failed.
            let ours = self.opts.atomic || (retry && self.fresh.contains(parent(&job.rel)));
            if let Err(e) = &uploaded
                && ours
                && mode == UploadMode::Replace
                && e.is_refused_store()
                && session.remove(&destination).await.is_ok()
            {
                use std::io::Seek as _;
                file.0.rewind().with_context(|| format!("cannot read {}", local_path.display()))?;
                uploaded = session
                    .upload_stamped(&mut file, &destination, mode, Some(remaining), stamp, progress.as_mut())
                    .await;
            }
            // Written from its start by this run (a STOR, or an APPE after this run's bytes):
            // what a retry may continue. Not an APPE after what `-c` found.
            if uploaded.is_err() && (!self.opts.resume || mode == UploadMode::Replace) {
                use std::io::Seek as _;
                // The source is read only once the server accepted the STOR or APPE (its 1xx,
                // engine/opening.rs): a read past the start means the server's file is now
                // this run's, and holds at most what was read.
                let start = match mode {
                    UploadMode::Append { offset } => offset,
                    UploadMode::Replace => 0,
                };
                if let Ok(read) = file.0.stream_position()
                    && read > start
                {
                    written.sent(&destination, read);
                }
            }
            uploaded
                .with_context(|| format!("uploading {} to {}", local_path.display(), self.tree.shown_url(&job.rel)))?
        };
        drop(progress);
        if summary.size_check == SizeCheck::Gone {
            written.upload_done(&destination);
            if self.opts.atomic || self.opts.verify {
                self.temporaries.settled(&destination);
                return Err(self.moved_away(job, destination));
            }
            self.report(job, &summary, self.upload_verified(job, &summary), session.passive_mode());
            return Ok(());
        }
        // All of it is there: a retry of a later step (the time, the rename) sends nothing again.
        written.sent(&destination, len);
        let mut verified = self.upload_verified(job, &summary);
        if self.opts.verify
            && let Some(algorithm) = self.verify(session, &destination, &local_path).await?
        {
            verified = Verified::By(algorithm);
        }
        match (job.mtime, stamped) {
            (_, Some(Ok(()))) => {}
            // Refused after working for earlier files: this file keeps the upload's time.
            (_, Some(Err(_))) => {}
            (Some(t), None) => self.set_remote_mtime(session, &destination, t).await?,
            (None, None) => {}
        }
        if self.opts.atomic {
            let renamed = rename_into_place(session, &destination, &remote).await;
            match &renamed {
                // Given up on, it goes with the others when the pool closes.
                Err(e) if kept_as(e).is_none() => {}
                _ => self.temporaries.settled(&destination),
            }
            renamed?;
        }
        written.upload_done(&destination);
        self.report(job, &summary, verified, session.passive_mode());
        Ok(())
    }

    /// Stdin, a pipe or a device: sent as it comes, to its place at once (nothing to resume,
    /// check or rename: the front end takes such a source only for a plain copy).
    async fn upload_stream(
        &self,
        session: &mut Session,
        job: &FileJob,
        stream: &mut (dyn AsyncRead + Unpin + Send),
        remote: &str,
    ) -> Result<()> {
        let local_path = self.tree.local_path(&job.rel);
        // Stdin is sent whole, `-c` or not (as `put -` always did).
        if self.opts.resume && local_path.as_os_str() != "-" {
            bail!(usage(format!(
                "{} is not a regular file: there is nothing to resume from (-c)",
                local_path.display()
            )));
        }
        let mut progress = self.tally.transfer();
        let summary = session
            .upload(stream, remote, UploadMode::Replace, None, progress.as_mut())
            .await
            .with_context(|| format!("uploading {} to {}", local_path.display(), self.tree.shown_url(&job.rel)))?;
        drop(progress);
        self.report(job, &summary, self.upload_verified(job, &summary), session.passive_mode());
        Ok(())
    }

    /// How an upload was checked, from its size check. A file the server took away as soon
    /// as it confirmed it (a drop-box directory) is a success all the same, said on stderr.
    pub(crate) fn upload_verified(&self, job: &FileJob, summary: &TransferSummary) -> Verified<'static> {
        if summary.size_check == SizeCheck::Gone {
            let shown = self.tree.shown_url(&job.rel);
            self.tally.note(&format!("pasv: note: {}: accepted, no longer listed: not verified", escape(&shown)));
        }
        size_verified(summary.size_check)
    }

    /// The error for an upload the server moved away at once when `--atomic` or `--verify`
    /// has to find it again: their guarantee cannot be kept.
    pub(crate) fn moved_away(&self, job: &FileJob, path: String) -> anyhow::Error {
        let local_path = self.tree.local_path(&job.rel);
        let why = if self.opts.atomic { "--atomic cannot rename it into place" } else { "--verify cannot check it" };
        anyhow::Error::new(Error::MovedAway { path }).context(format!(
            "uploading {} to {} ({why})",
            local_path.display(),
            self.tree.shown_url(&job.rel)
        ))
    }

    /// Gives `remote` the time `unix` with the first method this server accepts, remembered
    /// for the files after it.
    pub(crate) async fn set_remote_mtime(&self, session: &mut Session, remote: &str, unix: i64) -> Result<()> {
        let methods = match self.mtime_method.get() {
            Some(None) => return Ok(()),
            Some(Some(method)) => vec![method],
            None => session.mtime_methods(),
        };
        for method in methods {
            match session.set_modified(remote, unix, method).await {
                Ok(()) => {
                    self.learn_mtime_method(Some(method));
                    return Ok(());
                }
                Err(e) if e.reply_code().is_some() => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.learn_mtime_method(None);
        Ok(())
    }

    /// Remembers how this server takes modification times (`None`: not at all, said once).
    pub(crate) fn learn_mtime_method(&self, method: Option<MtimeMethod>) {
        let known = self.mtime_method.replace(Some(method));
        if method.is_none() && known.is_none() {
            self.tally
                .note("pasv: note: the server does not let clients set modification times (MFMT, SITE UTIME, MDTM)");
        }
    }

    /// Compares the server's checksum of `remote` with the local file's; returns the
    /// algorithm on a match, `None` when the server offers no checksum.
    pub(super) async fn verify(
        &self,
        session: &mut Session,
        remote: &str,
        local_path: &Path,
    ) -> Result<Option<&'static str>> {
        let Some(theirs) = session.checksum(remote).await.with_context(|| format!("checksum of {remote}"))? else {
            if self.opts.verify_strict {
                return Err(NoChecksum.into());
            }
            if !self.checksum_noted.replace(true) {
                self.tally.note(
                    "pasv: note: the server offers no checksum (HASH, XSHA256, SITE MD5, ...): verified by size \
                     only (--verify=strict fails instead)",
                );
            }
            return Ok(None);
        };
        let ours = hash_file(local_path, theirs.algorithm).await?;
        if ours != theirs.hex {
            bail!(
                "{} checksum mismatch for {}: the server has {}, the local copy {ours}",
                theirs.algorithm.name(),
                escape(remote),
                theirs.hex
            );
        }
        Ok(Some(theirs.algorithm.name()))
    }

    /// Tells the tally that `job` is done; `passive`: how its data connection was opened,
    /// when known.
    pub(crate) fn report(
        &self,
        job: &FileJob,
        summary: &TransferSummary,
        verified: Verified<'_>,
        passive: Option<DataMethod>,
    ) {
        let action = match self.direction {
            Direction::Down => "get",
            Direction::Up => "put",
        };
        let path = if job.rel.is_empty() { self.tree.local.to_string_lossy().into_owned() } else { job.rel.clone() };
        self.tally.file_done(&FileEvent {
            action,
            path: &path,
            url: &self.tree.shown_url(&job.rel),
            bytes: summary.bytes,
            offset: summary.offset,
            total: summary.total,
            seconds: summary.elapsed.as_secs_f64(),
            verified,
            passive,
            tls: summary.tls.as_ref(),
        });
    }
}

impl Work for Copy<'_> {
    type Job = FileJob;

    async fn run(&self, session: &mut Session, job: &FileJob, attempt: u32, _slot: usize) -> Result<Done<FileJob>> {
        match self.direction {
            Direction::Down => self.download(session, job, attempt).await?,
            Direction::Up => self.upload(session, job, attempt).await?,
        }
        Ok(Done::nothing())
    }

    fn describe(&self, job: &FileJob) -> String {
        if job.rel.is_empty() { self.tree.shown_url("") } else { job.rel.clone() }
    }

    fn retrying(&self, job: &FileJob, error: &anyhow::Error, delay: Duration) {
        retry_note(self.tally, &self.describe(job), error, delay);
    }
}

/// How an upload was checked, as its size check found it.
pub(crate) fn size_verified(check: SizeCheck) -> Verified<'static> {
    match check {
        SizeCheck::Matched => Verified::By("size"),
        SizeCheck::None => Verified::Unchecked,
        SizeCheck::Gone => Verified::Gone,
    }
}

/// RNFR/RNTO; a server that takes RNFR and refuses RNTO (it will not rename over an
/// existing file) gets the old file deleted first (readers then see no file for a moment,
/// never a partial one). A refused RNFR leaves both files alone: the server does not rename
/// at all, or `from` is not there, and deleting `to` would only lose it. When the temporary
/// is the data's only place on the server (the old file deleted), or the server refused for
/// good to rename it, the error carries [`KeptAs`]: the caller keeps the temporary.
pub(crate) async fn rename_into_place(session: &mut Session, from: &str, to: &str) -> Result<()> {
    let failed = |e: Error| anyhow::Error::new(e).context(format!("renaming {} to {}", escape(from), escape(to)));
    let kept = |e: anyhow::Error, old: &'static str| e.context(KeptAs { temporary: from.to_string(), old });
    match session.rename(from, to).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_refused(Verb::Rnto) => {
            if session.remove(to).await.is_err() {
                return Err(kept(failed(e), "the old file is unchanged"));
            }
            session.rename(from, to).await.map_err(|e| kept(failed(e), "the old file was deleted to make room"))
        }
        Err(e) if e.is_permanent_refusal() => Err(kept(failed(e), "the old file is unchanged")),
        Err(e) => Err(failed(e)),
    }
}

/// An upload that could not take its name, left under its temporary name: the only copy of
/// the data on the server, or one the user can still rename by hand. Not deleted when pasv
/// gives up on the file.
#[derive(Debug)]
pub(crate) struct KeptAs {
    pub(crate) temporary: String,
    /// What became of the file it was to replace.
    old: &'static str,
}

impl std::fmt::Display for KeptAs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the upload could not take its name: it is kept on the server as {} ({})",
            escape(&self.temporary),
            self.old
        )
    }
}

/// The temporary a failed [`rename_into_place`] keeps, if it keeps it.
pub(crate) fn kept_as(error: &anyhow::Error) -> Option<&str> {
    error.downcast_ref::<KeptAs>().map(|k| k.temporary.as_str())
}

pub async fn hash_file(path: &Path, algorithm: crate::engine::HashAlgorithm) -> Result<String> {
    let mut file = tokio::fs::File::open(path).await.with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = LocalHasher::new(algorithm);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await.with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish())
}

/// Where an upload of `file` (`len` bytes) continues: after what the server already has of
/// `remote` (APPE, with `file` positioned there), or from the start when it has nothing. A
/// remote file larger than the local one is not a partial upload of it: refused with
/// `refuse_larger` (the user asked to continue, `put -c`), replaced otherwise (a mirror, a
/// retry). With `sent` (a retry: what this run sent to `remote` from its start, at most), a
/// remote file larger than that is not this run's, and is replaced too.
pub(crate) async fn resume_point(
    session: &mut Session,
    remote: &str,
    file: &mut (impl tokio::io::AsyncSeek + Unpin),
    len: u64,
    refuse_larger: bool,
    sent: Option<u64>,
) -> Result<UploadMode> {
    let mode = match session.size(remote).await {
        Ok(have) if have > len && refuse_larger => {
            bail!("the remote file has {have} bytes, more than the local {len}: not a partial upload of it")
        }
        Ok(have) if have > len || have == 0 || sent.is_some_and(|sent| have > sent) => UploadMode::Replace,
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

/// What an upload reads.
enum Source {
    /// A regular file, read in place (engine::Inline), as downloads are written: for many
    /// small files the blocking pool's hand-overs (open, size, two reads) cost more than the
    /// reads. Its length is known.
    File(Inline<std::fs::File>, u64),
    /// Stdin (`-`), a pipe or a device (`put <(tar c dir) URL`): read through the blocking
    /// pool (its writer may be slow); its length is unknown.
    Stream(Box<dyn AsyncRead + Unpin + Send>),
}

impl Source {
    async fn open(path: &Path) -> Result<Self> {
        if path.as_os_str() == "-" {
            return Ok(Self::Stream(Box::new(tokio::io::stdin())));
        }
        let cannot = |what: &str| format!("cannot {what} {}", path.display());
        // A FIFO's open waits for its writer: never on the runtime's thread.
        if !std::fs::metadata(path).with_context(|| cannot("open"))?.is_file() {
            let file = tokio::fs::File::open(path).await.with_context(|| cannot("open"))?;
            return Ok(Self::Stream(Box::new(file)));
        }
        let file = std::fs::File::open(path).with_context(|| cannot("open"))?;
        let len = file.metadata().with_context(|| cannot("read"))?.len();
        Ok(Self::File(Inline(file), len))
    }
}
