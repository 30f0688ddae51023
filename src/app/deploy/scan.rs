//! The source tree, scanned: every file by relative path with its size and SHA-256, and
//! every directory. Files are read in 64 KiB pieces on a few threads (one buffer each), so
//! memory does not grow with file sizes and 20,000 files cost a few MiB of paths and digests.
//!
//! Symbolic links are reported and skipped, as `mirror` does; names that are not UTF-8
//! cannot be sent and are reported; a file that cannot be read is a problem of the run (its
//! path is still counted as part of the source, so it is never deleted for it).

use std::io::Read as _;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::anyhow;
use sha2::Digest as _;

use super::plan::{LocalFile, Source};
use super::remote::Problem;
use super::state::Digest;
use crate::app::filter::Filter;
use crate::app::sanitize::escape;
use crate::engine::MAX_DEPTH;

/// At most this many threads read and hash.
const MAX_THREADS: usize = 4;
const BUFFER: usize = 64 * 1024;

/// The scan's result: the tree, files that could not be read or named, and notes.
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

/// Scans `root`, leaving out what `filter` excludes and, at the root, `reserved` names
/// (the state file and pasv's staging directory).
pub fn scan(root: &Path, filter: &Filter, reserved: &[&str]) -> Scanned {
    let mut out = Scanned::default();
    out.source.dirs.insert(String::new());
    let mut found: Vec<(String, u64)> = Vec::new();
    let mut stack = vec![(String::new(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let path = if dir.is_empty() { root.to_path_buf() } else { root.join(&dir) };
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) => {
                out.problem(dir, anyhow::Error::new(e).context(format!("cannot read {}", path.display())));
                continue;
            }
        };
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
                    out.problem(join(&dir, &shown), error);
                    continue;
                }
            };
            let rel = join(&dir, &name);
            if dir.is_empty() && reserved.contains(&name.as_str()) {
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
                if filter.skips_dir(&rel) {
                    continue;
                }
                if depth + 1 > MAX_DEPTH {
                    let error = anyhow!("the source tree is deeper than {MAX_DEPTH} levels at {}", escape(&rel));
                    out.problem(rel, error);
                    continue;
                }
                out.source.dirs.insert(rel.clone());
                stack.push((rel, depth + 1));
            } else if kind.is_file() && filter.takes_file(&rel) {
                found.push((rel, 0));
            }
        }
    }
    found.sort_unstable();
    let hashed = hash_all(root, &found);
    for ((rel, _), result) in found.into_iter().zip(hashed) {
        match result {
            Ok(file) => {
                out.source.files.insert(rel, file);
            }
            Err(error) => out.problem(rel, error),
        }
    }
    out
}

/// `dir/name` (`name` alone in the root).
pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// Hashes every file of `files` on up to [`MAX_THREADS`] threads, results in order.
fn hash_all(root: &Path, files: &[(String, u64)]) -> Vec<anyhow::Result<LocalFile>> {
    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS).min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<anyhow::Result<LocalFile>>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = vec![0u8; BUFFER];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((rel, _)) = files.get(i) else { break };
                    let result = hash_file(&root.join(rel), &mut buffer);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(anyhow!("not read"))))
        .collect()
}

/// Size and SHA-256 of what the file holds now (the bytes read, not the size stat said).
fn hash_file(path: &Path, buffer: &mut [u8]) -> anyhow::Result<LocalFile> {
    read_hashed(path, buffer).map_err(|e| anyhow::Error::new(e).context(format!("cannot read {}", path.display())))
}

fn read_hashed(path: &Path, buffer: &mut [u8]) -> std::io::Result<LocalFile> {
    let mut file = std::fs::File::open(path)?;
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
}
