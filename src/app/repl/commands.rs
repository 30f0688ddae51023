//! One shell line, parsed and run: `!cmd` goes to the local shell, everything else is split
//! into words, parsed by the clap grammar in `cli::shell`, and run against the connection.
//! A command that finds the session dropped by the server logs in again and runs once more.

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use clap::Parser as _;

use super::connection::{self, Connection};
use super::listing;
use super::state::Shell;
use super::urls::{self, Site};
use super::{bookmarks, set, transfers};
use crate::app::config_file;
use crate::app::settings::{self, usage};
use crate::app::target::redact_urls_in;
use crate::cli::LsArgs;
use crate::cli::shell::{CdArgs, HelpArgs, LcdArgs, LlsArgs, OpenArgs, ShellCommand, ShellLine};
use crate::engine::{Error, Session};
use crate::proto::{ReplyClass, ReplyCode, SentCommand};

/// What the loop does after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Runs one line (already stripped of a script's `-` prefix).
pub async fn run_line(shell: &mut Shell, line: &str) -> Result<Flow> {
    let line = line.trim();
    if let Some(command) = line.strip_prefix('!') {
        local_shell(command.trim()).await?;
        return Ok(Flow::Continue);
    }
    // A line that ends inside quotes (a completed directory name, say) is closed for the user.
    let words = shell_words::split(line)
        .or_else(|_| shell_words::split(&format!("{line}\"")))
        .or_else(|_| shell_words::split(&format!("{line}'")))
        .map_err(|_| usage("unbalanced quotes"))?;
    if words.is_empty() {
        return Ok(Flow::Continue);
    }
    let command = match ShellLine::try_parse_from(&words) {
        Ok(parsed) => parsed.command,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            print!("{e}");
            return Ok(Flow::Continue);
        }
        Err(e) => {
            let text = e.to_string();
            let text = text.trim_end().strip_prefix("error: ").unwrap_or(text.trim_end());
            // clap quotes the words it did not take: a URL among them keeps its password.
            bail!(usage(redact_urls_in(text)));
        }
    };
    run_command(shell, command).await
}

/// Runs a parsed command: on the shell's connection, or on one of its own when its URLs name
/// another site (`urls`).
pub async fn run_command(shell: &mut Shell, command: ShellCommand) -> Result<Flow> {
    // A command on another site that Ctrl-C cut short left the shell's connection parked.
    shell.unpark().await;
    let (command, site) = urls::localize(shell, command)?;
    let Site::Other(target) = site else { return run_here(shell, command).await };
    let mut flags = config_file::effective_args(&shell.base, &target);
    if target.user.is_some() {
        // The URL names who logs in there; `-u` was for the site the shell opened.
        flags.user = None;
        flags.user_password = None;
    }
    let other = Connection::open(target, flags, shell.trace.clone(), shell.interactive).await?;
    shell.park(other);
    let result = run_here(shell, command).await;
    shell.unpark().await;
    result
}

/// Runs a parsed command, once more after a new login when the server had dropped the session.
async fn run_here(shell: &mut Shell, command: ShellCommand) -> Result<Flow> {
    let retry = uses_session(&command) && shell.conn.as_ref().is_some_and(Connection::connected);
    let result = execute(shell, command.clone()).await;
    if !is_read_only(&command) {
        shell.names.clear();
    }
    match result {
        Err(e) if retry && connection::is_lost(&e) => {
            if let Some(conn) = shell.conn.as_mut() {
                conn.drop_session();
            }
            shell.names.clear();
            if shell.interactive {
                shell.note("pasv: the server closed the connection; logging in again");
            }
            execute(shell, command).await
        }
        Err(e) => {
            if (connection::is_lost(&e) || connection::is_out_of_step(&e))
                && let Some(conn) = shell.conn.as_mut()
            {
                conn.drop_session();
            }
            Err(e)
        }
        ok => ok,
    }
}

fn uses_session(command: &ShellCommand) -> bool {
    !matches!(
        command,
        ShellCommand::Open(_)
            | ShellCommand::Close
            | ShellCommand::Lcd(_)
            | ShellCommand::Lpwd
            | ShellCommand::Lls(_)
            | ShellCommand::Bookmark(_)
            | ShellCommand::Set(_)
            | ShellCommand::Help(_)
            | ShellCommand::Quit
            | ShellCommand::Pwd
    )
}

/// Commands after which the remote names cached for completion are still right.
fn is_read_only(command: &ShellCommand) -> bool {
    matches!(
        command,
        ShellCommand::Ls(_)
            | ShellCommand::Pwd
            | ShellCommand::Lcd(_)
            | ShellCommand::Lpwd
            | ShellCommand::Lls(_)
            | ShellCommand::Get(_)
            | ShellCommand::Mget(_)
            | ShellCommand::Cat(_)
            | ShellCommand::Stat(_)
            | ShellCommand::Help(_)
            | ShellCommand::Bookmark(_)
    )
}

async fn execute(shell: &mut Shell, command: ShellCommand) -> Result<Flow> {
    match command {
        ShellCommand::Open(args) => open(shell, args).await?,
        ShellCommand::Close => shell.close().await,
        ShellCommand::Ls(args) => ls(shell, args).await?,
        ShellCommand::Cd(args) => cd(shell, args).await?,
        ShellCommand::Pwd => {
            let conn = connected(shell)?;
            let cwd = shell.out.text(&conn.cwd).into_owned();
            shell.out.line(&cwd)?;
        }
        ShellCommand::Lcd(args) => lcd(args)?,
        ShellCommand::Lpwd => {
            let dir = std::env::current_dir().context("cannot read the local directory")?;
            shell.out.line(&dir.display().to_string())?;
        }
        ShellCommand::Lls(args) => lls(shell, args)?,
        ShellCommand::Get(mut args) => {
            settings::transfer_args(&shell.base, &mut args.transfer);
            transfers::get(shell, args).await?
        }
        ShellCommand::Put(mut args) => {
            settings::transfer_args(&shell.base, &mut args.opts.transfer);
            transfers::put(shell, args).await?
        }
        ShellCommand::Mget(args) => transfers::mget(shell, args).await?,
        ShellCommand::Mput(args) => transfers::mput(shell, args).await?,
        ShellCommand::Cat(args) => transfers::cat(shell, &args.url).await?,
        ShellCommand::Mkdir(args) => {
            let session = session(shell).await?;
            let result = if args.parents { session.mkdir_all(&args.url).await } else { session.mkdir(&args.url).await };
            result.with_context(|| format!("creating {}", crate::app::escape(&args.url)))?;
        }
        ShellCommand::Rm(args) => {
            for path in &args.urls {
                let session = session(shell).await?;
                session.remove(path).await.with_context(|| format!("deleting {}", crate::app::escape(path)))?;
            }
        }
        ShellCommand::Rmdir(args) => {
            let session = session(shell).await?;
            session.rmdir(&args.url).await.with_context(|| format!("removing {}", crate::app::escape(&args.url)))?;
        }
        ShellCommand::Mv(args) => {
            if args.new_path.chars().any(char::is_control) {
                bail!(usage("NEWPATH contains a control character"));
            }
            let session = session(shell).await?;
            session
                .rename(&args.url, &args.new_path)
                .await
                .with_context(|| format!("renaming {}", crate::app::escape(&args.url)))?;
        }
        ShellCommand::Stat(args) => {
            let session = session(shell).await?;
            let stat =
                session.stat(&args.url).await.with_context(|| format!("stat {}", crate::app::escape(&args.url)))?;
            shell.out.stat(&stat)?;
        }
        ShellCommand::Quote(args) => quote(shell, &args.words.join(" ")).await?,
        ShellCommand::Bookmark(command) => bookmarks::bookmark(shell, command)?,
        ShellCommand::Set(args) => set::set(shell, args)?,
        ShellCommand::Help(args) => help(args)?,
        ShellCommand::Quit => return Ok(Flow::Quit),
    }
    Ok(Flow::Continue)
}

fn connected(shell: &Shell) -> Result<&Connection> {
    shell.conn.as_ref().ok_or_else(|| usage("not connected: `open URL` (or a bookmark name) first"))
}

async fn session(shell: &mut Shell) -> Result<&mut Session> {
    match shell.conn.as_mut() {
        Some(conn) => conn.session().await,
        None => Err(usage("not connected: `open URL` (or a bookmark name) first")),
    }
}

pub async fn open(shell: &mut Shell, args: OpenArgs) -> Result<()> {
    let target = config_file::resolve(&args.target)?;
    let mut flags = config_file::effective_args(&shell.base, &target);
    if args.user.is_some() {
        flags.user = args.user;
        // `open -u USER:PASSWORD`, as on the command line; a plain user drops the old password.
        flags.user_password = None;
        settings::split_user_password(&mut flags);
    }
    shell.close().await;
    let conn = Connection::open(target, flags, shell.trace.clone(), shell.interactive).await?;
    shell.conn = Some(conn);
    Ok(())
}

async fn ls(shell: &mut Shell, args: LsArgs) -> Result<()> {
    let path = if args.url.is_empty() { None } else { Some(args.url.as_str()) };
    let json = shell.out.json();
    let session = session(shell).await?;
    let listing =
        session.list(path).await.with_context(|| format!("listing {}", crate::app::escape(path.unwrap_or("."))))?;
    if !listing.unparsed.is_empty() && !args.long && !json {
        // Names we could not parse out of LIST: NLST has them verbatim.
        let names = session.name_list(path).await?;
        for name in names {
            shell.out.line(&shell.out.text(&name))?;
        }
        return Ok(());
    }
    for line in &listing.unparsed {
        shell.note(&format!("pasv: warning: unparsed listing line: {}", crate::app::escape(line)));
    }
    shell.remember_names(path.unwrap_or(""), &listing.entries);
    let mut entries = listing.entries;
    listing::print(&shell.out, shell.screen, &mut entries, args.long)
}

async fn cd(shell: &mut Shell, args: CdArgs) -> Result<()> {
    let conn = shell.conn.as_mut().ok_or_else(|| usage("not connected: `open URL` (or a bookmark name) first"))?;
    let target = match args.path.as_deref() {
        None => conn.home.clone(),
        Some("-") => conn.previous.clone().ok_or_else(|| usage("no previous directory"))?,
        Some(path) => path.to_string(),
    };
    let session = conn.session().await?;
    session.cwd(&target).await.with_context(|| format!("changing to {}", crate::app::escape(&target)))?;
    let now = connection::clean_dir(session.pwd().await.context("asking for the current directory")?);
    conn.previous = Some(std::mem::replace(&mut conn.cwd, now));
    shell.names.clear();
    Ok(())
}

fn lcd(args: LcdArgs) -> Result<()> {
    let dir = match args.path {
        Some(path) => path,
        None => dirs::home_dir().context("no home directory")?,
    };
    std::env::set_current_dir(&dir).with_context(|| format!("cannot change to {}", dir.display()))
}

fn lls(shell: &Shell, args: LlsArgs) -> Result<()> {
    let dir = args.path.unwrap_or_else(|| ".".into());
    let mut entries = listing::local_entries(&dir)?;
    listing::print(&shell.out, shell.screen, &mut entries, args.long)
}

async fn quote(shell: &mut Shell, line: &str) -> Result<()> {
    let session = session(shell).await?;
    // Shown without the password of a raw PASS, also when sending it fails.
    let sent = SentCommand::typed(line);
    let shown = sent.to_string();
    let reply = session.quote(line).await.with_context(|| format!("sending {shown:?}"))?;
    if reply.code == ReplyCode::NOT_AVAILABLE {
        // The server is closing the session (often an idle timeout): log in again and resend.
        return Err(Error::Unavailable { code: reply.code, text: reply.text() }.into());
    }
    shell.out.server_lines(&reply.to_string())?;
    if matches!(reply.class(), ReplyClass::TransientNegative | ReplyClass::PermanentNegative) {
        bail!(Error::Rejected { command: sent, code: reply.code, text: reply.text() });
    }
    Ok(())
}

fn help(args: HelpArgs) -> Result<()> {
    let mut command = crate::cli::shell::command();
    let mut stdout = std::io::stdout().lock();
    match args.command {
        Some(name) => {
            let Some(sub) = command.find_subcommand_mut(&name) else {
                bail!(usage(format!("no command {name:?}; `help` lists them")));
            };
            write!(stdout, "{}", sub.render_long_help())?;
        }
        None => {
            writeln!(stdout, "Commands (`help COMMAND` or `COMMAND --help` for details):")?;
            for sub in command.get_subcommands() {
                let mut name = sub.get_name().to_string();
                for alias in sub.get_visible_aliases() {
                    name.push_str(&format!(", {alias}"));
                }
                let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                writeln!(stdout, "  {name:<14} {about}")?;
            }
            writeln!(stdout, "  {:<14} Run a command in the local shell.", "!COMMAND")?;
            writeln!(
                stdout,
                "\nTab completes commands, flags, local and remote paths; Ctrl-R searches the history;\n\
                 Ctrl-C stops a transfer; Ctrl-D or quit leaves."
            )?;
        }
    }
    Ok(())
}

/// `!command` in `$SHELL` (or /bin/sh); `!` alone starts an interactive shell.
async fn local_shell(command: &str) -> Result<()> {
    let shell = std::env::var_os("SHELL").filter(|s| !s.is_empty()).unwrap_or_else(|| "/bin/sh".into());
    let mut child = std::process::Command::new(&shell);
    if !command.is_empty() {
        child.arg("-c").arg(command);
    }
    let status = tokio::task::spawn_blocking(move || child.status())
        .await
        .context("the local shell did not finish")?
        .with_context(|| format!("cannot run {}", shell.to_string_lossy()))?;
    if !status.success() {
        bail!("the local command failed ({status})");
    }
    Ok(())
}
