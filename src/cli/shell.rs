//! The interactive shell's grammar: one clap parser in multicall mode, whose subcommands are
//! the shell's commands (`get`, `cd`, `bookmark add`, ...). Arguments reuse the one-shot
//! structs where they mean the same thing, with remote paths in place of URLs, so `help get`
//! in the shell and `pasv get --help` describe the same flags. No I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::{GetArgs, LsArgs, MkdirArgs, MvArgs, PutOptions, RmArgs, UrlArg};

/// One line typed at the shell prompt (or read from a script), already split into words.
#[derive(Debug, Parser)]
#[command(name = "pasv-shell", multicall = true, disable_help_subcommand = true)]
pub struct ShellLine {
    #[command(subcommand)]
    pub command: ShellCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ShellCommand {
    /// Connect to a server: a URL or a bookmark name.
    #[command(after_help = "Examples:\n  open ftp://ftp.example.org/pub/\n  open ftpes://me@example.org\n  open work")]
    Open(OpenArgs),
    /// Disconnect from the server.
    Close,
    /// List a remote directory.
    #[command(
        visible_alias = "dir",
        mut_arg("url", |a| a
            .value_name("PATH")
            .help("Directory to list (default: the current one)")
            .required(false)
            .default_value("")
            .hide_default_value(true))
    )]
    Ls(LsArgs),
    /// Change the remote directory (no PATH: the login directory; -: the previous one).
    Cd(CdArgs),
    /// Print the remote directory.
    Pwd,
    /// Change the local directory (no PATH: your home directory).
    Lcd(LcdArgs),
    /// Print the local directory.
    Lpwd,
    /// List a local directory.
    Lls(LlsArgs),
    /// Download files into the local directory.
    #[command(mut_arg("urls", |a| a.value_name("PATH").help("Remote files to download (or their URLs, on any site)")))]
    Get(GetArgs),
    /// Upload files into the remote directory.
    Put(PutArgs),
    /// Download the remote files that match patterns (*, ?, [a-z]).
    Mget(MgetArgs),
    /// Upload the local files that match patterns (*, ?, [a-z]).
    Mput(MputArgs),
    /// Print a remote file.
    #[command(mut_arg("url", |a| a.value_name("PATH").help("Remote file")))]
    Cat(UrlArg),
    /// Create a remote directory.
    #[command(mut_arg("url", |a| a.value_name("PATH").help("Remote directory")))]
    Mkdir(MkdirArgs),
    /// Delete remote files.
    #[command(mut_arg("urls", |a| a.value_name("PATH").help("Remote files")))]
    Rm(RmArgs),
    /// Remove an empty remote directory.
    #[command(mut_arg("url", |a| a.value_name("PATH").help("Remote directory")))]
    Rmdir(UrlArg),
    /// Rename or move a remote file.
    #[command(
        mut_arg("url", |a| a.value_name("PATH").help("The file to rename")),
        mut_arg("new_path", |a| a.help("The new path (relative to the current directory, or absolute)"))
    )]
    Mv(MvArgs),
    /// Show type, size and modification time of a remote path.
    #[command(mut_arg("url", |a| a.value_name("PATH").help("Remote path (default: the current directory)")
        .required(false).default_value(".").hide_default_value(true)))]
    Stat(UrlArg),
    /// Send a raw command and print the reply.
    #[command(after_help = "Example:\n  quote SITE CHMOD 644 file.txt")]
    Quote(QuoteArgs),
    /// Save, list and remove bookmarks.
    #[command(subcommand)]
    Bookmark(BookmarkCommand),
    /// Show or change session settings.
    #[command(
        after_help = "Examples:\n  set\n  set passive off\n  set timeout 60\n  set parallel 4\n  set --save retries 3     (also in the config file's [defaults])"
    )]
    Set(SetArgs),
    /// Show the commands, or the help of one.
    Help(HelpArgs),
    /// Leave the shell (also: exit, Ctrl-D).
    #[command(visible_alias = "exit", alias = "bye")]
    Quit,
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    /// ftp://, ftps:// or ftpes:// URL, or a bookmark name.
    #[arg(value_name = "URL|BOOKMARK")]
    pub target: String,
    /// Log in as USER (USER:PASSWORD gives the password too).
    #[arg(long, short = 'u', value_name = "USER[:PASSWORD]")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CdArgs {
    /// Remote directory.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct LcdArgs {
    /// Local directory.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct LlsArgs {
    /// Local directory (default: the current one).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Long format: type, size, modification time, name.
    #[arg(long, short = 'l')]
    pub long: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PutArgs {
    /// Local files to upload.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Remote name for a single file, or a remote directory (ending in /) for several.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<String>,
    #[command(flatten)]
    pub opts: PutOptions,
}

#[derive(Debug, Clone, Args)]
pub struct MgetArgs {
    /// Remote patterns, e.g. *.txt or logs/2024-*.gz.
    #[arg(value_name = "PATTERN", required = true)]
    pub patterns: Vec<String>,
    /// Local directory to download into.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Resume partial downloads.
    #[arg(long = "continue", short = 'c')]
    pub resume: bool,
}

#[derive(Debug, Clone, Args)]
pub struct MputArgs {
    /// Local patterns, e.g. *.zip or build/*.tar.gz.
    #[arg(value_name = "PATTERN", required = true)]
    pub patterns: Vec<String>,
    /// Remote directory to upload into.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<String>,
    /// Resume partial uploads.
    #[arg(long = "continue", short = 'c')]
    pub resume: bool,
}

#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// The command line to send, e.g. SITE CHMOD 644 file.txt.
    #[arg(value_name = "COMMAND", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BookmarkCommand {
    /// Save the current site (or URL) under NAME.
    Add(BookmarkAddArgs),
    /// List the bookmarks.
    #[command(visible_alias = "ls")]
    List,
    /// Delete a bookmark.
    #[command(visible_alias = "remove")]
    Rm(BookmarkNameArg),
}

#[derive(Debug, Clone, Args)]
pub struct BookmarkAddArgs {
    /// A word: letters, digits, '-', '_', '.'.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The site to save (default: the current site and directory).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Store the password too (in the config file, readable only by you).
    #[arg(long)]
    pub save_password: bool,
    /// Take the password from this environment variable when the bookmark is used.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct BookmarkNameArg {
    #[arg(value_name = "NAME")]
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    /// The setting to change (none: show them all, and where each value comes from).
    #[arg(value_enum, value_name = "SETTING", requires = "value")]
    pub setting: Option<Setting>,
    /// on/off, seconds, a count, a word (peer, plain, strict, ...), a path, or a TLS mode (off, explicit, implicit).
    #[arg(value_name = "VALUE")]
    pub value: Option<String>,
    /// Also save it in the config file's [defaults], for every later run.
    #[arg(long, requires = "setting")]
    pub save: bool,
}

/// What `set` can change for this session: every key of the config file's [defaults]
/// (`super::ConfigKey`, same names), and `passive` and `epsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Setting {
    /// Passive mode (on) or active mode (off).
    Passive,
    /// Active mode (on) or passive mode (off).
    Active,
    /// Try EPSV before PASV.
    Epsv,
    /// PASV only (on).
    NoEpsv,
    /// Where passive data connections go: peer or server.
    PasvAddress,
    /// TLS for this site: off, explicit or implicit (reconnects).
    Tls,
    /// Extra trusted certificates, PEM (reconnects).
    CaFile,
    /// Lowest TLS version: 1.2 or 1.3 (reconnects).
    TlsMin,
    /// Highest TLS version: 1.2 or 1.3 (reconnects).
    TlsMax,
    /// Seconds to wait for any reply or data (reconnects).
    Timeout,
    /// Seconds to wait for a connection.
    ConnectTimeout,
    /// Seconds between NOOPs during transfers (reconnects).
    NoopInterval,
    /// Sessions used at once by mget and mput.
    Parallel,
    /// Retries of transient failures.
    Retries,
    /// Progress: auto, bar, plain or none.
    Progress,
    /// Seconds between plain progress lines.
    ProgressInterval,
    /// Verify get and put: off, auto or strict.
    Verify,
}

#[derive(Debug, Clone, Args)]
pub struct HelpArgs {
    /// A command.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// The shell's clap command, for help and completion.
pub fn command() -> clap::Command {
    <ShellLine as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<ShellCommand, clap::Error> {
        ShellLine::try_parse_from(words).map(|l| l.command)
    }

    #[test]
    fn parses_shell_lines() {
        assert!(matches!(parse(&["ls"]), Ok(ShellCommand::Ls(LsArgs { ref url, long: false })) if url.is_empty()));
        assert!(
            matches!(parse(&["dir", "-l", "pub"]), Ok(ShellCommand::Ls(LsArgs { ref url, long: true })) if url == "pub")
        );
        let Ok(ShellCommand::Get(get)) = parse(&["get", "-c", "a b.txt", "c.txt"]) else { panic!("get") };
        assert_eq!((get.urls, get.resume), (vec!["a b.txt".to_string(), "c.txt".to_string()], true));
        let Ok(ShellCommand::Quote(q)) = parse(&["quote", "SITE", "CHMOD", "-x"]) else { panic!("quote") };
        assert_eq!(q.words, ["SITE", "CHMOD", "-x"]);
        assert!(matches!(parse(&["exit"]), Ok(ShellCommand::Quit)));
        assert!(matches!(
            parse(&["set", "passive", "off"]),
            Ok(ShellCommand::Set(SetArgs { setting: Some(Setting::Passive), .. }))
        ));
        assert!(matches!(parse(&["bookmark", "add", "work"]), Ok(ShellCommand::Bookmark(BookmarkCommand::Add(_)))));
        assert_eq!(parse(&["get"]).unwrap_err().kind(), clap::error::ErrorKind::MissingRequiredArgument);
        assert_eq!(parse(&["frobnicate"]).unwrap_err().kind(), clap::error::ErrorKind::InvalidSubcommand);
        assert_eq!(parse(&["set", "timeout"]).unwrap_err().kind(), clap::error::ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn help_names_paths_not_urls() {
        let help = command().find_subcommand_mut("get").unwrap().render_help().to_string();
        assert!(help.contains("<PATH>"), "{help}");
        assert!(help.contains("--continue"), "{help}");
        command().debug_assert();
    }
}
