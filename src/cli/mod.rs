//! The command line: clap definitions only, shared by the one-shot subcommands, the man page,
//! the shell completions and (through the same argument structs) the interactive shell.
//! It must not do I/O.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod shell;

/// The exit codes (DESIGN.md "Exit codes"): `--help` and the man page's EXIT STATUS are made
/// from this table; `app::exit`'s constants are checked against it.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success (also a closed stdout pipe)"),
    (1, "other failure (local I/O, unexpected; a deploy guard: --max-delete, another deploy's lock)"),
    (2, "usage error (bad flags or URL, a name with CR/LF, an unset --password-env variable)"),
    (3, "cannot reach the server (DNS, refused, connect timeout)"),
    (
        4,
        "the server answered 4xx (transient; a retry may help), the host's connections all in use, or the data connection failed",
    ),
    (5, "permanent: 5xx reply (not found, denied), no match for a wildcard, no --verify=strict checksum"),
    (6, "TLS failure (handshake, certificate, pin, server refused TLS)"),
    (7, "login rejected (530)"),
    (8, "protocol violation (malformed reply, bad 227/229, truncated transfer)"),
    (9, "timeout after connecting (the server stopped answering)"),
    (130, "interrupted (Ctrl-C, or SIGTERM for a one-shot command)"),
];

/// The environment variables pasv reads, for the man page's ENVIRONMENT.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("PASV_PASSWORD", "the password, when the URL has none and no --password-env is given"),
    ("NETRC", "the netrc file to read instead of ~/.netrc"),
    ("HOME", "where ~/.netrc is, and where the shell's lcd goes without an argument"),
    ("XDG_CONFIG_HOME", "where the config file is (default ~/.config)"),
    ("XDG_DATA_HOME", "where the shell history and the known-hosts file are (default ~/.local/share)"),
    ("CI", "when set (and not \"false\"), --progress auto prints plain progress lines off a terminal"),
    ("NO_COLOR", "when set and not empty, listings are not coloured"),
    ("SHELL", "the shell that the interactive shell's ! command runs (default /bin/sh)"),
];

/// The files pasv reads and writes, for the man page's FILES (Linux paths; other systems use
/// their own config and data directories).
pub const FILES: &[(&str, &str)] = &[
    ("$XDG_CONFIG_HOME/pasv/config.toml", "the config file: [defaults] and bookmarks"),
    ("~/.netrc", "logins and passwords by host (or $NETRC)"),
    ("$XDG_DATA_HOME/pasv/history", "the interactive shell's history"),
    ("$XDG_DATA_HOME/pasv/known_hosts", "server key pins accepted in the shell; later connections require them"),
    (".NAME.pasv-part", "a download in progress, beside its target; kept after a failure for -c"),
];

/// `--help`'s text after the options: examples, URLs, credentials, exit codes.
fn after_help() -> String {
    let mut text = format!("{AFTER_HELP}Exit codes:");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("\n  {code:<2} {meaning}"));
    }
    text
}

/// `--help`'s examples and notes, before the exit codes (the man page's EXTRA section).
pub const AFTER_HELP: &str = "\
Examples:
  pasv demo                                     try everything against a built-in server
  pasv get ftp://ftp.example.org/pub/file.tar.gz
  pasv put --password-env FTP_PW build.zip ftp://ci@example.org/releases/
  pasv ls -l ftpes://user@example.org/dir/
  pasv serve ./public --writable                serve a folder on 127.0.0.1

URLs: ftp://[user[:password]@]host[:port]/path, ftps:// (implicit TLS, port 990),
ftpes:// (explicit TLS, AUTH TLS on port 21). Paths are relative to the login directory;
start them with %2F for an absolute path. get, cat, ls and rm expand *, ? and [...] in the
last part of the path (quote the URL from the shell); \\* or %2A is a literal *, and
--no-glob takes the whole path literally.

Credentials: -u USER:PASSWORD, the URL, --user with --password-env NAME, PASV_PASSWORD, ~/.netrc,
else anonymous.

Defaults for the options live in the config file's [defaults] (`pasv config set retries 3`,
`pasv config list`); the command line wins.

";

/// pasv: an FTP/FTPS client built around passive mode.
#[derive(Debug, Parser)]
#[command(name = "pasv", version, about, long_about = None, after_help = after_help())]
#[command(propagate_version = true, subcommand_required = false)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Commands>,
    /// Server to open in the interactive shell: a URL or a bookmark name.
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Run the shell commands in SCRIPT (as when piped to stdin), stopping at the first error.
    #[arg(long = "file", short = 'f', value_name = "SCRIPT")]
    pub script: Option<PathBuf>,
}

/// Connection and output options; they work before or after the subcommand.
#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Log in as USER (overrides the URL's user); USER:PASSWORD gives the password too, as in curl
    /// (the command line is visible in `ps`: --password-env is safer).
    #[arg(long, short = 'u', global = true, value_name = "USER[:PASSWORD]")]
    pub user: Option<String>,
    /// The password of `-u USER:PASSWORD`, split off by the app before anything uses the flag.
    #[arg(skip)]
    pub user_password: Option<Password>,
    /// Read the password from environment variable NAME.
    #[arg(long, global = true, value_name = "NAME")]
    pub password_env: Option<String>,
    /// Use explicit TLS (AUTH TLS) on an ftp:// URL.
    #[arg(long, global = true, overrides_with = "no_tls")]
    pub tls: bool,
    /// Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults]).
    #[arg(long, global = true, overrides_with = "tls")]
    pub no_tls: bool,
    /// Trust the certificates in this PEM file too.
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Accept the server only if its public key has this pin (sha256//BASE64; repeatable).
    #[arg(long, global = true, value_name = "sha256//BASE64")]
    pub pin: Vec<String>,
    /// Do not verify the server's certificate (dangerous; says so on stderr).
    #[arg(long, short = 'k', global = true)]
    pub insecure: bool,
    /// Send files and listings unencrypted after a TLS login (PROT C).
    #[arg(long, global = true)]
    pub clear_data: bool,
    /// Lowest TLS version.
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    pub tls_min: Option<TlsVersionArg>,
    /// Highest TLS version.
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    pub tls_max: Option<TlsVersionArg>,
    /// Client certificate (PEM), with --client-key.
    #[arg(long, global = true, value_name = "PEM")]
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM).
    #[arg(long, global = true, value_name = "PEM")]
    pub client_key: Option<PathBuf>,
    /// Active mode: the server connects back to us (EPRT/PORT).
    #[arg(long, global = true, overrides_with = "passive")]
    pub active: bool,
    /// Passive mode (the default; undoes `active = true` in the config file's [defaults]).
    #[arg(long, global = true, overrides_with = "active")]
    pub passive: bool,
    /// Where passive data connections go: the control connection's peer, or the address in the 227 reply.
    #[arg(long, global = true, value_enum, value_name = "WHICH")]
    pub pasv_address: Option<PasvAddressArg>,
    /// Use PASV only, never EPSV.
    #[arg(long, global = true, overrides_with = "epsv")]
    pub no_epsv: bool,
    /// Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults]).
    #[arg(long, global = true, overrides_with = "no_epsv")]
    pub epsv: bool,
    /// Seconds to wait for a connection.
    #[arg(long, global = true, value_name = "SECS")]
    pub connect_timeout: Option<f64>,
    /// Seconds to wait for any reply or data after connecting.
    #[arg(long, global = true, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// During transfers, send NOOP on the control connection every SECS seconds (for firewalls
    /// that drop an idle FTP control connection despite TCP keepalive).
    #[arg(long, global = true, value_name = "SECS")]
    pub noop_interval: Option<f64>,
    /// Parallel sessions for multi-file work.
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub parallel: Option<usize>,
    /// Retry transient failures N times.
    #[arg(long, global = true, value_name = "N")]
    pub retries: Option<u32>,
    /// Trace the protocol on stderr (passwords redacted).
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// Print only errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Print results as JSON lines on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none;
    /// off with -q or --json), bar, plain (lines for logs: a lone file's start, progress every
    /// --progress-interval, each file's end, a summary; also with -q), or none.
    #[arg(long, global = true, value_enum, value_name = "MODE")]
    pub progress: Option<ProgressArg>,
    /// Seconds between the plain progress lines of a running transfer [default: 5].
    #[arg(long, global = true, value_name = "SECS", value_parser = positive_seconds)]
    pub progress_interval: Option<f64>,
    /// Do not read ~/.netrc.
    #[arg(long, global = true)]
    pub no_netrc: bool,
    /// Take `*`, `?`, `[` and `\` in URLs literally, as curl's --globoff: get, cat, ls and rm then
    /// name one path each instead of expanding a wildcard in the URL's last segment.
    #[arg(long, global = true)]
    pub no_glob: bool,
    /// Where each [`ConfigKey`]'s value came from, filled in by the app when it resolves the
    /// settings (command line over the config file's [defaults]).
    #[arg(skip)]
    pub origins: Origins,
    /// `verify` from [defaults] (or the shell's `set`), for get/put/mirror without --verify.
    #[arg(skip)]
    pub default_verify: Option<VerifyArg>,
}

/// The keys of the config file's `[defaults]` section, of `pasv config` and of the shell's
/// `set`: each is the global option of that name (`verify` is get/put/mirror's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum ConfigKey {
    /// --connect-timeout: seconds to wait for a connection.
    ConnectTimeout,
    /// --timeout: seconds to wait for any reply or data after connecting.
    Timeout,
    /// --noop-interval: seconds between NOOPs during transfers.
    NoopInterval,
    /// -j/--parallel: sessions for multi-file work.
    Parallel,
    /// --retries: retries of transient failures.
    Retries,
    /// --active: active mode (true) or passive mode (false).
    Active,
    /// --pasv-address: peer or server.
    PasvAddress,
    /// --no-epsv: PASV only (true).
    NoEpsv,
    /// --tls: explicit TLS on ftp:// URLs (true).
    Tls,
    /// --ca-file: extra trusted certificates (PEM).
    CaFile,
    /// --tls-min: 1.2 or 1.3.
    TlsMin,
    /// --tls-max: 1.2 or 1.3.
    TlsMax,
    /// --progress: auto, bar, plain or none.
    Progress,
    /// --progress-interval: seconds between plain progress lines.
    ProgressInterval,
    /// --verify: off, auto or strict (get, put, mirror).
    Verify,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// pasv's own default.
    #[default]
    Builtin,
    /// The config file's [defaults].
    Defaults,
    /// The command line.
    Flag,
    /// The shell's `set`, for this session.
    Session,
}

/// Each [`ConfigKey`]'s [`Origin`] (built-in when not recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(BTreeMap<ConfigKey, Origin>);

impl Origins {
    pub fn get(&self, key: ConfigKey) -> Origin {
        self.0.get(&key).copied().unwrap_or_default()
    }

    pub fn set(&mut self, key: ConfigKey, origin: Origin) {
        self.0.insert(key, origin);
    }
}

/// A positive number of seconds (a usage error otherwise, before anything starts).
fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => Ok(secs),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

/// A password given on the command line (`-u USER:PASSWORD`); its `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(****)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsVersionArg {
    #[value(name = "1.2")]
    V12,
    #[value(name = "1.3")]
    V13,
}

/// `--verify` and `--verify=strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyArg {
    /// The server's checksum when it offers one, else the size.
    Auto,
    /// The server's checksum, or the file fails.
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PasvAddressArg {
    Peer,
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Bar,
    Plain,
    None,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Download files.
    #[command(
        after_help = "Examples:\n  pasv get ftp://host/pub/file.iso\n  pasv get -c -o /tmp/ ftp://host/a.bin ftp://host/b.bin\n  pasv get ftps://user@host/report.pdf -o report.pdf\n  pasv get 'ftp://host/pub/*.pdf' -o pdfs/                (each match; --no-glob: literal)\n  pasv get -r -j 8 ftp://host/pub/docs/ -o ./docs          (the tree becomes ./docs)\n  pasv get --segments 4 ftp://host/big.iso                (4 connections, files over 16 MiB)\n  pasv get --limit-rate 500K --retries 5 ftp://host/pub/file.iso"
    )]
    Get(GetArgs),
    /// Upload files (a URL ending in / means "into this directory").
    #[command(
        after_help = "Examples:\n  pasv put build.zip ftp://ci@host/releases/\n  pasv put -c big.iso ftp://host/incoming/big.iso\n  tar cz dir | pasv put - ftp://host/backup.tgz\n  pasv put --atomic --verify --retries 3 build.zip ftp://ci@host/releases/\n  pasv put -r site/ ftp://host/www/               (into www/site; without the trailing / the tree becomes www)"
    )]
    Put(PutArgs),
    /// Synchronise a tree: remote to local when SOURCE is a URL, local to remote when TARGET is.
    #[command(
        after_help = "Examples:\n  pasv mirror ftp://host/pub/docs ./docs                 copy what is new or changed\n  pasv mirror --delete ./site ftp://ci@host/www          make www exactly like ./site\n  pasv mirror --newer --exclude '*.tmp' ftp://host/data ./data\n  pasv mirror --dry-run --delete ./site ftp://host/www   show the plan, change nothing\n  pasv mirror -j 8 --json ./build ftp://host/out | jq .\n\nA file is copied when it is missing from the target, or its size differs, or the source\nis newer (--newer: only when the source is newer). --delete removes what the source no\nlonger has, only inside TARGET, only after every copy succeeded, and never names the\nserver's listing did not show clearly. Symbolic links are reported, not followed. Trees\ndeeper than 64 levels stop with an error."
    )]
    Mirror(MirrorArgs),
    /// Publish a build directory: upload what changed by content, delete what left (bounded),
    /// resume where a stopped run left off.
    #[command(
        override_usage = "pasv deploy [OPTIONS] <DIR> <URL>\n       pasv deploy --rollback [OPTIONS] <URL>",
        after_help = "Examples:\n  pasv deploy ./public ftpes://ci@host/www/                first deploy, then only changes\n  pasv deploy --dry-run --json ./public ftpes://ci@host/www/   the plan, for review\n  pasv deploy --adopt ./public ftp://ci@host/www/          switch an existing site to pasv\n  pasv deploy --protect 'uploads/**' --max-delete 50 ./public ftp://host/www/\n  pasv deploy --atomic --chmod 644,755 -j 8 ./public ftpes://ci@host/www/\n  pasv deploy --release-dir ./public ftpes://ci@host/www/      a new directory, switched in with renames\n  pasv deploy --rollback ftpes://ci@host/www/              the previous release back (again: undone)\n  pasv deploy --break-lock ./public ftpes://ci@host/www/   remove the lock a killed run left\n\nChanges are found by content: a SHA-256 per file in a state file that pasv keeps in the\ntarget (.pasv-deploy.json), so a fresh checkout with new times uploads only what changed.\nEach file goes up under a temporary name and is renamed into place once its size matches\n(straight to its name when the target is missing or empty: there is no site yet);\nthe state is saved every few seconds, and a stopped run resumes where it left off. Deletes\ncome only from the state (files pasv put there), only after every upload succeeded, at\nmost --max-delete of them (default 10 files or 10%, whichever is more); .well-known/** and\n--protect paths are never deleted nor overwritten. Without a state file to trust (missing,\nunreadable, another source) nothing is deleted and pasv says so.\n\n--release-dir uploads the whole source into www.pasv-release-ID beside the target (FTP\ncannot copy the unchanged files on the server, so every release costs a full upload),\nthen renames: the site to www.pasv-previous, the release to www. It checks first that the\nserver can rename a directory. Protected paths of the site are carried into each release;\nwhat else pasv did not put in the site stays with the previous release. --rollback swaps\nwww.pasv-previous and www. A run stopped between two renames is repaired by the next.\n\nOne deploy at a time: a run that changes the target holds a lock on the server while it\ndoes (the directory .pasv-deploy.json.lock in the target; www.pasv-deploy.json.lock beside\nit with --release-dir and --rollback). Another run that finds it stops before changing\nanything (exit 1). A killed run leaves its lock: it expires 10 minutes after that run was\nlast heard from (by the server's clock), or --break-lock removes it."
    )]
    Deploy(DeployArgs),
    /// List a directory.
    #[command(
        after_help = "Examples:\n  pasv ls ftp://host/pub/\n  pasv ls -l ftp://host/pub/\n  pasv ls -l 'ftp://host/pub/*.iso'          (the matching entries)\n  pasv ls --json ftp://host/pub/ | jq .name"
    )]
    Ls(LsArgs),
    /// Download a file to stdout.
    #[command(
        after_help = "Examples:\n  pasv cat ftp://host/pub/README | less\n  pasv cat 'ftp://host/logs/*.log' | grep ERROR   (each match in name order)"
    )]
    Cat(UrlArg),
    /// Create a directory.
    #[command(after_help = "Example:\n  pasv mkdir -p ftp://host/releases/1.2/linux")]
    Mkdir(MkdirArgs),
    /// Delete files.
    #[command(
        after_help = "Examples:\n  pasv rm ftp://host/tmp/a.txt ftp://host/tmp/b.txt\n  pasv rm 'ftp://host/tmp/*.tmp'            (the matching files; never a directory)"
    )]
    Rm(RmArgs),
    /// Remove an empty directory.
    #[command(after_help = "Example:\n  pasv rmdir ftp://host/tmp/old")]
    Rmdir(UrlArg),
    /// Rename or move a remote file.
    #[command(after_help = "Example:\n  pasv mv ftp://host/upload.tmp upload.zip")]
    Mv(MvArgs),
    /// Show type, size and modification time.
    #[command(after_help = "Example:\n  pasv stat --json ftp://host/pub/file.iso")]
    Stat(UrlArg),
    /// Send raw commands and print the replies.
    #[command(
        after_help = "Examples:\n  pasv quote ftp://host/ 'SITE CHMOD 644 file.txt'\n  pasv quote ftp://host/ SYST FEAT"
    )]
    Quote(QuoteArgs),
    /// Diagnose passive mode, NAT address, EPSV, active mode and TLS against a server.
    #[command(
        after_help = "Examples:\n  pasv doctor ftp://ftp.example.org/\n  pasv doctor --json ftpes://user@host/ > report.json\n  pasv doctor --write-probe ftp://user@host/incoming/   (also measures clock skew)"
    )]
    Doctor(DoctorArgs),
    /// Run a local FTP server (read-only unless --writable; --user/--password-env require a login; --tls serves FTPS).
    #[command(
        after_help = "Examples:\n  pasv serve ./public\n  pasv serve --writable --port 2121 --user ci --password-env CI_PW ./incoming\n  pasv serve --tls ./public        (prints the certificate's --pin)"
    )]
    Serve(ServeArgs),
    /// A guided tour against a built-in server: login, passive mode, upload, listing, download.
    Demo(DemoArgs),
    /// Show or change the defaults in the config file: timeouts, -j, retries, passive mode, TLS, progress, verify.
    #[command(
        subcommand,
        after_help = "Examples:\n  pasv config set retries 3\n  pasv config set parallel 8\n  pasv config get timeout\n  pasv config list --json\n  pasv config unset active\n  $EDITOR \"$(pasv config path)\"\n\nThe keys are the global options of the same name; the command line wins over the config\nfile's [defaults], and a bookmark's own tls over `tls`. `pasv config set` checks the value\nand keeps the file's comments and bookmarks."
    )]
    Config(ConfigCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Print the value in effect (from the command line, [defaults] or pasv's default).
    Get(ConfigKeyArg),
    /// Save a value in [defaults].
    Set(ConfigSetArgs),
    /// Remove a key from [defaults] (back to pasv's default).
    Unset(ConfigKeyArg),
    /// Every key, its value and where it comes from (--json: one object per key).
    #[command(visible_alias = "ls")]
    List,
    /// Print the config file's path.
    Path,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigKeyArg {
    #[arg(value_enum, value_name = "KEY")]
    pub key: ConfigKey,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigSetArgs {
    #[arg(value_enum, value_name = "KEY")]
    pub key: ConfigKey,
    /// Seconds, a count, true/false (also on/off), a word (peer, plain, strict, ...) or a path.
    #[arg(value_name = "VALUE")]
    pub value: String,
}

#[derive(Debug, Clone, Args)]
pub struct UrlArg {
    /// ftp://, ftps:// or ftpes:// URL.
    #[arg(value_name = "URL")]
    pub url: String,
}

#[derive(Debug, Clone, Args)]
pub struct GetArgs {
    /// Files to download.
    #[arg(value_name = "URL", required = true)]
    pub urls: Vec<String>,
    /// Target file (a symbolic link is followed; - is stdout), or an existing directory to download into.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Resume a partial download.
    #[arg(long = "continue", short = 'c')]
    pub resume: bool,
    /// Never overwrite an existing file (with -r: keep the local files, download the rest).
    #[arg(long)]
    pub no_clobber: bool,
    /// Download a directory tree (URL names a directory; -o names the copy, or an existing directory to put it in).
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Download one big file over N connections at once (files under 16 MiB use one).
    #[arg(long, value_name = "N")]
    pub segments: Option<usize>,
    /// Create missing local directories of the target first (curl's --create-dirs).
    #[arg(long)]
    pub create_dirs: bool,
    #[command(flatten)]
    pub tree: TreeArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PutArgs {
    /// Local files (- for stdin), then the target URL.
    #[arg(value_name = "PATH", required = true, num_args = 2..)]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub opts: PutOptions,
}

/// The options of `put`, the same in the one-shot command and in the shell.
#[derive(Debug, Clone, Args, Default)]
pub struct PutOptions {
    /// Resume a partial upload (APPE after the remote size).
    #[arg(long = "continue", short = 'c')]
    pub resume: bool,
    /// Upload directory trees.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Upload to a temporary name beside the target and rename it into place once verified.
    #[arg(long)]
    pub atomic: bool,
    /// Create missing remote directories of the target first (MKD of each missing level,
    /// once per directory; curl's --create-dirs).
    #[arg(long)]
    pub create_dirs: bool,
    #[command(flatten)]
    pub tree: TreeArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

/// Which files of a tree take part.
#[derive(Debug, Clone, Args, Default)]
pub struct TreeArgs {
    /// Leave out files and directories matching GLOB (repeatable; `*.tmp`, `build/**`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Copy only files matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
}

/// How files are moved and checked.
#[derive(Debug, Clone, Args, Default)]
pub struct TransferArgs {
    /// Cap the bandwidth of all connections together, bytes per second (500K, 2M, 1G).
    #[arg(long, value_name = "RATE")]
    pub limit_rate: Option<String>,
    /// Verify each copy with the server's checksum (HASH, XSHA512, XSHA256, XSHA1, XMD5, SITE MD5,
    /// XCRC); without one, by size (said on stderr). --verify=strict fails instead (exit 5).
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "auto")]
    pub verify: Option<VerifyArg>,
    /// Do not verify (undoes `verify` in the config file's [defaults]).
    #[arg(long, overrides_with = "verify")]
    pub no_verify: bool,
    /// Skip files whose size and modification time already match (mirror always does).
    #[arg(long)]
    pub if_changed: bool,
    /// Set by the app when `verify` came from [defaults] (or the shell's `set`), not from
    /// this command's --verify.
    #[arg(skip)]
    pub verify_defaulted: bool,
}

#[derive(Debug, Clone, Args)]
pub struct MirrorArgs {
    /// What to copy from: a URL or a local directory.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Where to: a local directory or a URL.
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Copy only files that are newer in the source.
    #[arg(long)]
    pub newer: bool,
    /// Delete files and directories that are in the target but no longer in the source.
    #[arg(long)]
    pub delete: bool,
    /// Print what would be done, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Uploads: temporary name, verify, then rename into place.
    #[arg(long)]
    pub atomic: bool,
    /// Resume partial files left by an interrupted run.
    #[arg(long = "continue", short = 'c')]
    pub resume: bool,
    #[command(flatten)]
    pub tree: TreeArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// The local directory to publish (a build's output). With --rollback, only the URL.
    #[arg(value_name = "DIR", required_unless_present = "rollback")]
    pub source: Option<String>,
    /// The directory on the server it becomes.
    #[arg(value_name = "URL", required_unless_present = "rollback")]
    pub target: Option<String>,
    /// Print the plan (uploads, deletes, unchanged, bytes) and change nothing; with --json as one JSON object.
    #[arg(long)]
    pub dry_run: bool,
    /// The state file's name in the target directory.
    #[arg(long, value_name = "NAME", default_value = ".pasv-deploy.json")]
    pub state_file: String,
    /// Stop before changing anything when more than N files (or N% of those the state lists)
    /// would be deleted [default: 10 or 10%, whichever is more, and never all of them].
    #[arg(long, value_name = "N|N%")]
    pub max_delete: Option<String>,
    /// Never delete or overwrite paths matching GLOB (repeatable; .well-known/** and the state file always).
    #[arg(long, value_name = "GLOB")]
    pub protect: Vec<String>,
    /// Without a state file: keep the server's files that match (same size, and the same
    /// checksum where the server offers one) instead of uploading them again.
    #[arg(long)]
    pub adopt: bool,
    /// Check every file the state lists against the server (listing sizes, and its checksum
    /// where offered), not only the directories this run changes.
    #[arg(long)]
    pub verify_remote: bool,
    /// Set permissions with SITE CHMOD after upload: files, and directories too (644 or 644,755).
    #[arg(long, value_name = "FILE_MODE[,DIR_MODE]")]
    pub chmod: Option<String>,
    /// Upload every changed file to a staging directory first, then rename them all into place
    /// at the end, so the site changes in one short burst.
    #[arg(long)]
    pub atomic: bool,
    /// Upload the whole source into a new directory beside the target (www.pasv-release-ID),
    /// then switch it in with two renames, keeping the site it replaces as www.pasv-previous
    /// (for --rollback). Checks first that the server can rename a directory.
    #[arg(long, conflicts_with_all = ["atomic", "adopt"])]
    pub release_dir: bool,
    /// Swap the previous release (www.pasv-previous, left by --release-dir) back into place;
    /// the current one becomes the previous, so a second rollback undoes the first. Takes only
    /// the URL; --protect paths (and .well-known) move along into the release put back.
    #[arg(long, conflicts_with_all = ["atomic", "adopt", "verify_remote", "chmod", "max_delete", "release_dir"])]
    pub rollback: bool,
    /// Remove the deploy lock a killed run left (it stops every other run until it expires,
    /// 10 minutes after that run was last heard from), then deploy as usual. Only when no other
    /// deploy to this target is running.
    #[arg(long, conflicts_with = "dry_run")]
    pub break_lock: bool,
    /// Cap the bandwidth of all connections together, bytes per second (500K, 2M, 1G).
    #[arg(long, value_name = "RATE")]
    pub limit_rate: Option<String>,
    #[command(flatten)]
    pub tree: TreeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct LsArgs {
    /// Directory to list.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Long format: type, size, modification time, name.
    #[arg(long, short = 'l')]
    pub long: bool,
}

#[derive(Debug, Clone, Args)]
pub struct MkdirArgs {
    #[arg(value_name = "URL")]
    pub url: String,
    /// Create missing parents; an existing directory is fine.
    #[arg(long, short = 'p')]
    pub parents: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RmArgs {
    #[arg(value_name = "URL", required = true)]
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct MvArgs {
    /// The file to rename.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The new path (relative to the login directory, or absolute).
    #[arg(value_name = "NEWPATH")]
    pub new_path: String,
}

#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    #[arg(value_name = "URL")]
    pub url: String,
    /// Command lines to send, one per argument.
    #[arg(value_name = "COMMAND", required = true)]
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// The server (and directory) to diagnose.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Upload and delete a tiny file to measure the server's clock skew.
    #[arg(long)]
    pub write_probe: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Directory to serve (default: the current directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: String,
    /// Control port (0 picks a free one).
    #[arg(long, default_value_t = 2121, value_name = "PORT")]
    pub port: u16,
    /// Passive port range, FIRST-LAST.
    #[arg(long, value_name = "FIRST-LAST")]
    pub passive_ports: Option<String>,
    /// Allow uploads, deletes and renames.
    #[arg(long)]
    pub writable: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Size of the demo upload in MiB.
    #[arg(long, default_value_t = 8, value_name = "MIB")]
    pub size: u64,
}

/// The full clap command, for the man page and shell completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
