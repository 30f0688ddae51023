//! The line editor at the prompt: rustyline with the shell's completer, emacs keys (Ctrl-R
//! searches the history), and the history file in the user's data directory
//! (`$XDG_DATA_HOME/pasv/history`).
//!
//! rustyline blocks, so each line is read on a blocking thread while this task keeps serving
//! the completer's requests for remote names: the session never leaves this task.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use rustyline::Editor;
use rustyline::config::{CompletionType, Config, EditMode};
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History as _};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::completion::{NamesRequest, ShellHelper};
use super::state::Shell;

/// What the user did at the prompt.
pub enum Input {
    Line(String),
    /// Ctrl-C: the line is cleared, the shell goes on.
    Interrupted,
    /// Ctrl-D on an empty line.
    Eof,
}

pub struct LineEditor {
    config: Config,
    /// Kept between lines; `None` only while a line is being read.
    history: Option<FileHistory>,
    sender: UnboundedSender<NamesRequest>,
    requests: UnboundedReceiver<NamesRequest>,
    path: Option<PathBuf>,
}

/// `pasv/history` in the user's data directory.
pub fn history_path() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("pasv").join("history"))
}

impl LineEditor {
    pub fn new() -> Result<Self> {
        let config = Config::builder()
            .edit_mode(EditMode::Emacs)
            .completion_type(CompletionType::List)
            .auto_add_history(false)
            // The prompt starts on a line of its own even after output without a final newline.
            .check_cursor_position(true)
            .history_ignore_dups(true)
            .and_then(|b| b.max_history_size(5000))
            .context("cannot configure the line editor")?
            .build();
        let (sender, requests) = unbounded_channel();
        let mut history = FileHistory::with_config(&config);
        let path = history_path();
        if let Some(path) = &path {
            // A missing history file is the normal first run.
            let _ = history.load(path);
        }
        Ok(Self { config, history: Some(history), sender, requests, path })
    }

    /// Reads one line, answering completion requests from `shell` meanwhile.
    ///
    /// The editor lives only while the line is read: rustyline takes over SIGINT for as long as
    /// an editor exists, and during a command Ctrl-C must reach the shell.
    pub async fn read(&mut self, prompt: String, shell: &mut Shell) -> Result<Input> {
        let Some(history) = self.history.take() else { anyhow::bail!("the line editor is gone") };
        let config = self.config.clone();
        let helper = ShellHelper::new(self.sender.clone());
        let mut reading = tokio::task::spawn_blocking(move || {
            let mut editor: Editor<ShellHelper, FileHistory> = match Editor::with_history(config, history) {
                Ok(editor) => editor,
                Err(e) => return (None, Err(e), None),
            };
            editor.set_helper(Some(helper));
            let line = editor.readline(&prompt);
            let width = editor.dimensions().map(|(cols, _)| usize::from(cols));
            let history = std::mem::take(editor.history_mut());
            (Some(history), line, width)
        });
        let (history, line, width) = loop {
            tokio::select! {
                done = &mut reading => break done.context("the line editor stopped")?,
                Some(request) = self.requests.recv() => {
                    let names = shell.remote_names(&request.dir).await;
                    let _ = request.reply.send(names);
                }
            }
        };
        let Some(history) = history else {
            return Err(line.err().map(anyhow::Error::new).unwrap_or_else(|| anyhow::anyhow!("no terminal")))
                .context("cannot start the line editor");
        };
        self.history = Some(history);
        if let Some(width) = width {
            shell.screen.width = width;
        }
        match line {
            Ok(line) => Ok(Input::Line(line)),
            Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
            Err(ReadlineError::Eof) => Ok(Input::Eof),
            Err(e) => Err(anyhow::Error::new(e).context("cannot read from the terminal")),
        }
    }

    /// Adds a line to the history and appends it to the history file, passwords redacted.
    pub fn remember(&mut self, line: &str) {
        let Some(history) = self.history.as_mut() else { return };
        let Some(entry) = history_entry(line) else { return };
        if !matches!(history.add_owned(entry), Ok(true)) {
            return;
        }
        if let Some(path) = &self.path {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = history.append(path) {
                eprintln!("pasv: warning: cannot save the history to {}: {e}", path.display());
                self.path = None;
            }
        }
    }
}

/// The line as the history keeps it: no password of a URL or of `-u USER:PASSWORD`, raw
/// PASS commands not at all.
fn history_entry(line: &str) -> Option<String> {
    let trimmed = line.trim();
    // As in bash: a line typed with a leading space stays out of the history.
    if trimmed.is_empty() || line.starts_with(' ') {
        return None;
    }
    let upper = trimmed.to_ascii_uppercase();
    if upper.starts_with("QUOTE PASS") || upper.starts_with("-QUOTE PASS") {
        return None;
    }
    Some(super::words::redacted(trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_never_keeps_passwords() {
        assert_eq!(history_entry("open ftp://bob:secret@host/").as_deref(), Some("open ftp://bob:****@host/"));
        assert_eq!(history_entry("quote PASS hunter2"), None);
        assert_eq!(history_entry("ls -l  ").as_deref(), Some("ls -l"));
        assert_eq!(history_entry("open -u bob:secret h").as_deref(), Some("open -u bob:**** h"));
        assert_eq!(history_entry(" secret"), None);
        assert_eq!(history_entry("   "), None);
    }
}
