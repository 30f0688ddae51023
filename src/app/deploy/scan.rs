//! The source tree, scanned: every file by relative path with its size and SHA-256, and
//! every directory. A few threads (one per core, at most [`MAX_THREADS`]) share the work:
//! a thread that reads a directory queues its subdirectories and its files in small batches,
//! and any thread takes what is queued, so hashing starts with the first directory read and
//! a tree of one huge directory is hashed on every thread too. Files are read in 64 KiB
//! pieces (one buffer per thread), so memory does not grow with file sizes and 20,000 files
//! cost a few MiB of paths and digests.
//!
//! Symbolic links are reported and skipped, as `mirror` does; names that are not UTF-8
//! cannot be sent and are reported; a file that cannot be read is a problem of the run (its
//! path is still counted as part of the source, so it is never deleted for it). Notes and
//! problems come out sorted, whichever thread found them.

use std::collections::VecDeque;
use std::io::Read as _;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use anyhow::anyhow;
use sha2::Digest as _;

use super::plan::{LocalFile, Source};
use super::remote::Problem;
use super::state::{Digest, base};
use crate::app::filter::Filter;
use crate::app::sanitize::escape;
use crate::app::transfer::job::join_rel;
use crate::engine::MAX_DEPTH;

/// At most this many threads read and hash.
const MAX_THREADS: usize = 4;
const BUFFER: usize = 64 * 1024;
/// Files of one directory are queued in batches of this many (a batch is one queue
/// operation; small enough that every thread gets its share of a single directory).
const BATCH: usize = 32;
/// Files are handed out in lots of about this many: each wakes whoever takes them.
const HAND_OVER: usize = 1024;

/// The scan's result: the tree (its files once [`Scanned::add_files`] put them in), files that
/// could not be read or named, and notes.
#[derive(Default)]
pub struct Scanned {
    pub source: Source,
    /// Files that could not be read or named (`what` is the relative path): nothing is
    /// deleted in a run with problems.
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

impl Scanned {
    fn problem(&mut self, what: String, error: anyhow::Error) {
        self.problems.push(Problem { what, error });
    }
}

/// What is still to do: a directory to read (with its depth), or files of one directory to
/// hash.
enum Job {
    Dir(String, usize),
    /// Files of one directory, by relative path.
    Files(Arc<Opened>, Vec<String>),
}

/// A directory being hashed, open where files can be opened by name in it (no walk of the
/// whole path per file).
struct Opened {
    handle: Option<std::fs::File>,
}

/// The jobs queued and how many are queued or under way: the scan is over when none is.
struct Queue {
    jobs: Mutex<(VecDeque<Job>, usize)>,
    changed: Condvar,
}

impl Queue {
    /// Batches of files go first, directories last: a directory stays open until its files
    /// are hashed, so hashing before opening more keeps about one open directory per thread
    /// (breadth first, a site of 1,500 sibling directories would pass the 1,024 descriptors
    /// a process usually gets).
    fn push(&self, jobs: impl IntoIterator<Item = Job>) {
        let mut guard = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let before = guard.0.len();
        for job in jobs {
            match job {
                Job::Files(..) => guard.0.push_front(job),
                Job::Dir(..) => guard.0.push_back(job),
            }
        }
        guard.1 += guard.0.len() - before;
        drop(guard);
        self.changed.notify_all();
    }

    /// The next job, waiting while others may still queue some; `None` once all are done.
    fn next(&self) -> Option<Job> {
        let mut guard = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(job) = guard.0.pop_front() {
                return Some(job);
            }
            if guard.1 == 0 {
                return None;
            }
            guard = self.changed.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn done(&self) {
        let mut guard = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        guard.1 -= 1;
        let finished = guard.1 == 0;
        drop(guard);
        if finished {
            self.changed.notify_all();
        }
    }
}

/// Marks a job done when dropped.
struct Finished<'q>(&'q Queue);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// Files hashed, a lot at a time.
pub type Batch = Vec<(String, LocalFile)>;

/// Scans `root`, leaving out what `filter` excludes and, at the root, `reserved` names (the
/// state file and pasv's staging directory). Each batch of files goes to `found` as soon as
/// it is hashed (a deploy lists the directories where files changed while the rest is
/// read); the result has everything else, and no files ([`Scanned::add_files`] puts them in).
pub fn scan_to(root: &Path, filter: &Filter, reserved: &[&str], found: &(dyn Fn(Batch) + Sync)) -> Scanned {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
    let queue = Queue { jobs: Mutex::new((VecDeque::new(), 0)), changed: Condvar::new() };
    queue.push([Job::Dir(String::new(), 0)]);
    let walk = Walk { root, filter, reserved, queue: &queue, found };
    let parts: Vec<Scanned> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(|| walk.work())).collect();
        // A thread that panicked lost what it found: that is no scan to deploy from.
        workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut out = Scanned::default();
    out.source.dirs.insert(String::new());
    for part in parts {
        out.source.dirs.extend(part.source.dirs);
        out.problems.extend(part.problems);
        out.notes.extend(part.notes);
    }
    out.problems.sort_by(|a, b| a.what.cmp(&b.what));
    out.notes.sort();
    out
}

impl Scanned {
    /// The files [`scan_to`] handed out, in any order.
    pub fn add_files(&mut self, mut files: Vec<(String, LocalFile)>) {
        // Built from one sorted list rather than 20,000 inserts.
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.source.files = files.into_iter().collect();
    }
}

/// One scan's settings and queue, shared by its threads.
struct Walk<'a> {
    root: &'a Path,
    filter: &'a Filter,
    reserved: &'a [&'a str],
    queue: &'a Queue,
    found: &'a (dyn Fn(Batch) + Sync),
}

impl Walk<'_> {
    /// One thread: jobs until there are none; what it found besides the files.
    fn work(&self) -> Scanned {
        let mut out = Scanned::default();
        let mut buffer = vec![0u8; BUFFER];
        let mut files = Vec::new();
        // A thread's first batch is handed out at once: the connection, idle while the scan
        // runs, can start on what changed in it (lists its directory, takes the deploy lock)
        // while the rest is hashed; later files go in lots.
        let mut lot = 1;
        while let Some(job) = self.queue.next() {
            // Counted done however the job ends (a panic too: the other threads then finish).
            let _done = Finished(self.queue);
            match job {
                Job::Dir(dir, depth) => self.read_dir(&mut out, dir, depth),
                Job::Files(dir, rels) => {
                    for rel in rels {
                        let name = base(&rel);
                        let file = match &dir.handle {
                            Some(handle) => open_at(handle, name),
                            None => std::fs::File::open(self.root.join(&rel)),
                        };
                        match file.and_then(|file| read_hashed(file, &mut buffer)) {
                            Ok(file) => files.push((rel, file)),
                            Err(e) => {
                                let path = self.root.join(&rel);
                                let error = anyhow::Error::new(e).context(format!("cannot read {}", path.display()));
                                out.problem(rel, error);
                            }
                        }
                    }
                    if files.len() >= lot {
                        (self.found)(std::mem::take(&mut files));
                        lot = HAND_OVER;
                    }
                }
            }
        }
        (self.found)(files);
        out
    }

    /// Queues the subdirectories of `dir` and its files (in batches).
    fn read_dir(&self, out: &mut Scanned, dir: String, depth: usize) {
        let path = if dir.is_empty() { self.root.to_path_buf() } else { self.root.join(&dir) };
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) => {
                out.problem(dir, anyhow::Error::new(e).context(format!("cannot read {}", path.display())));
                return;
            }
        };
        // Where opening a directory is not possible (or not openat's way), paths from the root.
        let handle = if cfg!(unix) { std::fs::File::open(&path).ok() } else { None };
        let opened = Arc::new(Opened { handle });
        let mut jobs = Vec::new();
        let mut files = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    out.problem(dir.clone(), anyhow::Error::new(e).context(format!("cannot read {}", path.display())));
                    continue;
                }
            };
            let name = match entry.file_name().into_string() {
                Ok(name) => name,
                Err(name) => {
                    let shown = name.to_string_lossy().into_owned();
                    let error = anyhow!("the local name {shown:?} is not UTF-8 and cannot be sent");
                    out.problem(join_rel(&dir, &shown), error);
                    continue;
                }
            };
            let rel = join_rel(&dir, &name);
            if dir.is_empty() && self.reserved.contains(&name.as_str()) {
                out.notes
                    .push(format!("pasv: note: {} in the source is pasv's own name there: left out", escape(&rel)));
                continue;
            }
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(e) => {
                    out.problem(rel.clone(), anyhow::Error::new(e).context(format!("cannot read {}", escape(&rel))));
                    continue;
                }
            };
            if kind.is_symlink() {
                out.notes.push(format!("pasv: skipping symbolic link {} (links are not followed)", escape(&rel)));
            } else if kind.is_dir() {
                if self.filter.skips_dir(&rel) {
                    continue;
                }
                if depth + 1 > MAX_DEPTH {
                    let error = anyhow!("the source tree is deeper than {MAX_DEPTH} levels at {}", escape(&rel));
                    out.problem(rel, error);
                    continue;
                }
                out.source.dirs.insert(rel.clone());
                jobs.push(Job::Dir(rel, depth + 1));
            } else if kind.is_file() && self.filter.takes_file(&rel) {
                files.push(rel);
                if files.len() == BATCH {
                    jobs.push(Job::Files(opened.clone(), std::mem::take(&mut files)));
                }
            }
        }
        if !files.is_empty() {
            jobs.push(Job::Files(opened, files));
        }
        self.queue.push(jobs);
    }
}

/// The file `name` of the open directory `dir`.
#[cfg(unix)]
fn open_at(dir: &std::fs::File, name: &str) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    Ok(rustix::fs::openat(dir, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?.into())
}

#[cfg(not(unix))]
fn open_at(_dir: &std::fs::File, _name: &str) -> std::io::Result<std::fs::File> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Size and SHA-256 of what the file holds now (the bytes read, not the size stat said),
/// read to the end: a short read is not the end (`std::io::Read`), and network file systems
/// (SMB, virtiofs) do return less than asked before it; the state would then record the
/// digest of half a file.
fn read_hashed(mut file: std::fs::File, buffer: &mut [u8]) -> std::io::Result<LocalFile> {
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    loop {
        let n = file.read(buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok(LocalFile { size, sha256: Digest(hasher.finalize().into()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(root: &Path, filter: &Filter, reserved: &[&str]) -> Scanned {
        let files = Mutex::new(Vec::new());
        let mut out = scan_to(root, filter, reserved, &|batch| files.lock().unwrap().extend(batch));
        out.add_files(files.into_inner().unwrap());
        out
    }

    #[test]
    fn scans_and_hashes_a_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        std::fs::create_dir_all(root.join("skip")).unwrap();
        std::fs::write(root.join("a/b/c.txt"), b"abc").unwrap();
        std::fs::write(root.join("top.txt"), b"").unwrap();
        std::fs::write(root.join("skip/x"), b"x").unwrap();
        std::fs::write(root.join(".pasv-deploy.json"), b"{}").unwrap();
        std::os::unix::fs::symlink("top.txt", root.join("link")).unwrap();
        let filter = Filter::new(&[], &["skip".into()]).unwrap();
        let scanned = scan(root, &filter, &[".pasv-deploy.json"]);
        assert!(scanned.problems.is_empty());
        let files: Vec<&str> = scanned.source.files.keys().map(String::as_str).collect();
        assert_eq!(files, ["a/b/c.txt", "top.txt"]);
        let dirs: Vec<&str> = scanned.source.dirs.iter().map(String::as_str).collect();
        assert_eq!(dirs, ["", "a", "a/b", "empty"]);
        let abc = scanned.source.files["a/b/c.txt"];
        assert_eq!(abc.size, 3);
        assert_eq!(abc.sha256.to_string(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(scanned.notes.len(), 2, "{:?}", scanned.notes);
    }

    /// One directory of many files is shared out in batches; many small ones are read by
    /// whichever thread is free; every file is there once, with its own digest, and names
    /// that cannot be sent come out in path order.
    #[test]
    fn a_wide_and_a_deep_tree_are_hashed_whole() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut expected = std::collections::BTreeMap::new();
        for i in 0..BATCH * 5 + 3 {
            expected.insert(format!("flat/{i:03}.txt"), format!("file {i}\n"));
        }
        for d in 0..20 {
            expected.insert(format!("deep/{d}/{}/x.txt", d % 3), format!("deep {d}\n"));
        }
        for (rel, text) in &expected {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), text).unwrap();
        }
        for dir in ["deep/7", "flat", "deep/12/0"] {
            std::fs::write(root.join(dir).join(std::ffi::OsStr::from_bytes(b"bad\xff")), b"").unwrap();
        }
        let scanned = scan(root, &Filter::default(), &[]);
        let found: Vec<(&str, String)> =
            scanned.source.files.iter().map(|(rel, f)| (rel.as_str(), f.sha256.to_string())).collect();
        let want: Vec<(&str, String)> = expected
            .iter()
            .map(|(rel, text)| (rel.as_str(), Digest(sha2::Sha256::digest(text.as_bytes()).into()).to_string()))
            .collect();
        assert_eq!(found, want);
        assert!(scanned.source.dirs.contains("deep/19/1"));
        let problems: Vec<&str> = scanned.problems.iter().map(|p| p.what.as_str()).collect();
        assert_eq!(problems, ["deep/12/0/bad\u{fffd}", "deep/7/bad\u{fffd}", "flat/bad\u{fffd}"]);
    }

    #[test]
    fn files_around_the_buffer_size_are_read_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        for size in [0, 1, BUFFER - 1, BUFFER, BUFFER + 1, 2 * BUFFER, 3 * BUFFER + 7] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            std::fs::write(dir.path().join(format!("{size:07}")), &data).unwrap();
        }
        let scanned = scan(dir.path(), &Filter::default(), &[]);
        assert_eq!(scanned.source.files.len(), 7);
        for (name, file) in &scanned.source.files {
            let data = std::fs::read(dir.path().join(name)).unwrap();
            assert_eq!(file.size, data.len() as u64, "{name}");
            assert_eq!(file.sha256, Digest(sha2::Sha256::digest(&data).into()), "{name}");
        }
    }
}
