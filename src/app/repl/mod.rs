//! The interactive shell: `pasv`, `pasv URL` or `pasv BOOKMARK` at a terminal, and its script
//! mode (`pasv -f SCRIPT`, or commands piped to stdin). It owns the loop (read a line, run
//! it, report an error and go on) and Ctrl-C: at the prompt it clears the line, during a
//! command it drops the command and gets the session back in step. Commands run on the same
//! engine and the same helpers as the one-shot subcommands; URLs where remote paths go run on
//! the session of the site they name (`urls`).

mod bookmarks;
mod commands;
mod completion;
mod connection;
mod editor;
mod glob;
mod listing;
mod script;
mod set;
mod state;
mod transfers;
mod urls;
mod words;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;

use self::commands::Flow;
use self::editor::{Input, LineEditor};
use self::state::Shell;
use super::context::Context;
use super::exit;
use crate::cli::shell::OpenArgs;

/// True when a person types the commands: no script file, and stdin is a terminal. Then the
/// shell handles Ctrl-C itself; a script is interrupted like any one-shot command.
pub fn is_interactive(script: Option<&Path>) -> bool {
    script.is_none() && std::io::stdin().is_terminal()
}

/// Runs the shell until `quit`, Ctrl-D or the end of the script.
pub async fn run(ctx: Context, url: Option<String>, script: Option<PathBuf>) -> Result<()> {
    let interactive = is_interactive(script.as_deref());
    let mut shell = Shell::new(ctx, interactive);
    let result = if interactive {
        prompt_loop(&mut shell, url).await
    } else {
        run_script(&mut shell, url, script.as_deref()).await
    };
    shell.close().await;
    result
}

async fn run_script(shell: &mut Shell, url: Option<String>, script: Option<&Path>) -> Result<()> {
    if let Some(url) = url {
        commands::open(shell, OpenArgs { target: url, user: None }).await?;
    }
    match script {
        Some(path) => script::run_file(shell, path).await,
        None => script::run_stdin(shell).await,
    }
}

async fn prompt_loop(shell: &mut Shell, url: Option<String>) -> Result<()> {
    let mut interrupts = Interrupts::new()?;
    if let Some(url) = url {
        let opened = tokio::select! {
            opened = commands::open(shell, OpenArgs { target: url, user: None }) => Some(opened),
            _ = interrupts.next() => None,
        };
        if let Some(Err(e)) = opened {
            let _ = exit::report(&e);
        }
    }
    let mut editor = LineEditor::new()?;
    loop {
        let prompt = shell.prompt();
        let line = match editor.read(prompt, shell).await? {
            Input::Line(line) => line,
            Input::Interrupted => continue,
            Input::Eof => return Ok(()),
        };
        editor.remember(&line);
        if run_guarded(shell, &mut interrupts, &line).await == Flow::Quit {
            return Ok(());
        }
    }
}

/// Runs a line; Ctrl-C drops it half-way and the shell recovers the session.
async fn run_guarded(shell: &mut Shell, interrupts: &mut Interrupts, line: &str) -> Flow {
    interrupts.drain().await;
    super::interrupt::reset();
    let outcome = if line.trim_start().starts_with('!') {
        // The local command gets the Ctrl-C; the shell just waits for it.
        Some(commands::run_line(shell, line).await)
    } else {
        let run = commands::run_line(shell, line);
        tokio::pin!(run);
        tokio::select! {
            result = &mut run => Some(result),
            _ = interrupts.next() => {
                // Upload temporaries on the server: the command deletes them first.
                super::interrupt::let_tidy(run.as_mut(), interrupts.next()).await;
                None
            }
        }
    };
    match outcome {
        None => {
            shell.after_cancel().await;
            Flow::Continue
        }
        Some(Ok(flow)) => flow,
        Some(Err(e)) => {
            let _ = exit::report(&e);
            Flow::Continue
        }
    }
}

/// Ctrl-C while a command runs. Listening from the start keeps SIGINT from killing the
/// shell; pending ones (from a local `!command`) are drained before each command.
struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn new() -> Result<Self> {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
            Ok(Self { signal })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        self.signal.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }

    async fn drain(&mut self) {
        #[cfg(unix)]
        while let Ok(Some(())) = tokio::time::timeout(std::time::Duration::ZERO, self.signal.recv()).await {}
    }
}
