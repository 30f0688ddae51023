//! Script mode: `pasv -f SCRIPT`, or shell commands piped to stdin. The same commands as at
//! the prompt, without prompt or line editor; blank lines and `#` comments are skipped. The
//! first failing line stops the script, and its error decides the exit code exactly as for a
//! one-shot command, unless the line starts with `-` (its failure is reported, and the
//! script goes on).

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context as _, Result};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::commands::{self, Flow};
use super::state::Shell;
use super::words::redacted;
use crate::app::exit;

pub async fn run_file(shell: &mut Shell, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the script {}", path.display()))?;
    let (sender, lines) = unbounded_channel();
    for line in text.lines() {
        let _ = sender.send(line.to_string());
    }
    drop(sender);
    run(shell, lines, &path.display().to_string()).await
}

pub async fn run_stdin(shell: &mut Shell) -> Result<()> {
    let (sender, lines) = unbounded_channel();
    // Lines are read as they come (a pipe may deliver them slowly), on a thread of their own so
    // a blocked read never stalls the session or Ctrl-C.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    run(shell, lines, "stdin").await
}

async fn run(shell: &mut Shell, mut lines: UnboundedReceiver<String>, source: &str) -> Result<()> {
    let mut number = 0;
    while let Some(line) = lines.recv().await {
        number += 1;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (tolerant, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, text),
        };
        match commands::run_line(shell, text).await {
            Ok(Flow::Quit) => return Ok(()),
            Ok(Flow::Continue) => {}
            // The line is shown without its passwords (a URL's, `-u USER:PASSWORD`'s).
            Err(e) if tolerant => {
                let _ = exit::report(&e.context(format!("{source} line {number}: {} (ignored)", redacted(text))));
            }
            Err(e) => return Err(e.context(format!("{source} line {number}: {}", redacted(text)))),
        }
    }
    Ok(())
}
