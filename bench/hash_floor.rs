//! The floor under a redeploy's time: open, read and SHA-256 every file of a tree on N
//! threads, and nothing else (no state, no server, no plan). `pasv deploy` hashes the same
//! way (64 KiB reads, files opened one by one), so its redeploy can be no quicker than this.
//!
//!     cargo run --release --example hash-floor -- DIR [THREADS] [PASSES]
//!
//! Prints the files, bytes and wall time of the best of PASSES passes (five by default; the
//! files in the page cache after the first). With one pass, the whole process (walk, read,
//! hash) is what `bench/many-files` times beside a redeploy of the same tree.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::Digest as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: hash-floor DIR [THREADS] [PASSES]");
        std::process::exit(2);
    };
    let threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(2usize).max(1);
    let passes = args.next().and_then(|p| p.parse().ok()).unwrap_or(5usize).max(1);
    let mut files = Vec::new();
    walk(Path::new(&root), &mut files);
    let mut best = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..passes {
        let started = Instant::now();
        bytes = hash_all(&files, threads);
        best = best.min(started.elapsed());
    }
    println!("{} files, {bytes} bytes, {threads} thread(s): {:.1} ms", files.len(), best.as_secs_f64() * 1e3);
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(&entry.path(), files),
            Ok(kind) if kind.is_file() => files.push(entry.path()),
            _ => {}
        }
    }
}

/// Every file hashed, the threads taking the next file as they finish one; the bytes read.
fn hash_all(files: &[PathBuf], threads: usize) -> usize {
    let (next, total) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = vec![0u8; 64 * 1024];
                while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Ok(mut file) = std::fs::File::open(path) else { continue };
                    let mut hasher = sha2::Sha256::new();
                    while let Ok(n @ 1..) = file.read(&mut buffer) {
                        hasher.update(&buffer[..n]);
                        total.fetch_add(n, Ordering::Relaxed);
                    }
                    std::hint::black_box(hasher.finalize());
                }
            });
        }
    });
    total.into_inner()
}
