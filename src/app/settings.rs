//! Turns flags, the config file's [defaults], bookmarks, URLs, netrc and the environment into
//! the engine's plain `Config` and `Credentials` (which `oneshot::Context` makes into one
//! shared `engine::Settings` per server, once per run). This is the only place that reads the
//! environment for connection policy, and the one place that decides which of them wins:
//! command line > environment > bookmark > [defaults] > pasv's own default.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::ValueEnum as _;

use super::defaults::{self, Value};
use super::netrc;
use super::target::Target;
use crate::cli::{ConfigKey, GlobalArgs, Origin, Password, PasvAddressArg, TlsVersionArg, TransferArgs};
use crate::engine::{Config, Credentials, DataConnection, PasvAddress, Secret, TlsMode, TlsVersion};

/// TCP keepalive idle time on every control connection (`Config::keepalive`).
const KEEPALIVE: Duration = Duration::from_secs(30);

/// A usage error: bad flags or values, exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// The settings of this run, resolved once: each key of the command line, else of the config
/// file's `defaults`, else pasv's own; each key's origin is recorded (`set` and `pasv config
/// list` show it). A bookmark's TLS mode, pins and password variable come in per site
/// ([`tls_mode`], `config_file::effective_args`). No key is read from the environment.
pub fn resolve(mut args: GlobalArgs, defaults: &[(ConfigKey, Value)]) -> GlobalArgs {
    for &key in ConfigKey::value_variants() {
        let origin = if defaults::current(&args, key).is_some() {
            Origin::Flag
        } else if let Some((_, value)) = defaults.iter().find(|(k, _)| *k == key) {
            defaults::put(&mut args, key, value.clone());
            Origin::Defaults
        } else {
            Origin::Builtin
        };
        args.origins.set(key, origin);
    }
    args
}

/// get/put/mirror's `--verify`: the command's own (or `--no-verify`), else `verify` from
/// [defaults] or the shell's `set`.
pub fn transfer_args(args: &GlobalArgs, transfer: &mut TransferArgs) {
    if transfer.no_verify {
        transfer.verify = None;
    } else if transfer.verify.is_none() {
        transfer.verify = args.default_verify;
        transfer.verify_defaulted = transfer.verify.is_some();
    }
}

/// The URL's TLS mode, with `--tls` turning a plain `ftp://` into explicit TLS. A bookmark
/// that names its mode stands over `tls = true` in [defaults] (not over `--tls`).
pub fn tls_mode(target: &Target, args: &GlobalArgs) -> TlsMode {
    let bookmark_decides = target.saved.tls && args.origins.get(ConfigKey::Tls) == Origin::Defaults;
    match (target.tls, args.tls) {
        (TlsMode::Off, true) if !bookmark_decides => TlsMode::Explicit,
        (mode, _) => mode,
    }
}

/// The engine configuration for `target` under these flags.
pub fn config_for(args: &GlobalArgs, target: &Target) -> Result<Config> {
    let mut config = Config::default();
    if let Some(secs) = args.connect_timeout {
        config.connect_timeout = seconds(secs, "--connect-timeout")?;
    }
    if let Some(secs) = args.timeout {
        config.timeout = seconds(secs, "--timeout")?;
        config.epsv_connect_timeout = config.epsv_connect_timeout.min(config.timeout);
    }
    if let Some(secs) = args.noop_interval {
        config.noop_interval = Some(seconds(secs, "--noop-interval")?);
    }
    config.data = data_connection(args);
    config.keepalive = KEEPALIVE;
    config.tls.mode = tls_mode(target, args);
    // TLS options from [defaults] (or the shell's `set`) wait for a TLS site; given on the
    // command line they ask for one.
    let asked = |key| !matches!(args.origins.get(key), Origin::Defaults | Origin::Session);
    let tls_flag_used = (args.ca_file.is_some() && asked(ConfigKey::CaFile))
        || !args.pin.is_empty()
        || args.clear_data
        || args.client_cert.is_some()
        || (args.tls_min.is_some() && asked(ConfigKey::TlsMin));
    if config.tls.mode == TlsMode::Off && tls_flag_used {
        bail!(usage("TLS options need TLS: use ftpes:// or ftps://, or add --tls"));
    }
    for pin in &args.pin {
        if !pin.starts_with("sha256//") {
            bail!(usage(format!("--pin {pin:?}: expected sha256//BASE64")));
        }
    }
    config.tls.ca_file = args.ca_file.clone();
    config.tls.insecure = args.insecure;
    config.tls.pins = args.pin.clone();
    config.tls.clear_data = args.clear_data;
    config.tls.min_version = args.tls_min.map(tls_version);
    config.tls.max_version = args.tls_max.map(tls_version);
    config.tls.client_cert = args.client_cert.clone();
    config.tls.client_key = args.client_key.clone();
    Ok(config)
}

/// The data-connection policy of these flags: `--active`, else passive with EPSV first unless
/// `--no-epsv`, to the control connection's peer unless `--pasv-address server`.
pub fn data_connection(args: &GlobalArgs) -> DataConnection {
    if args.active {
        return DataConnection::Active;
    }
    let address = match args.pasv_address {
        Some(PasvAddressArg::Server) => PasvAddress::Server,
        _ => PasvAddress::Peer,
    };
    DataConnection::Passive { epsv: !args.no_epsv, address }
}

/// The flags that ask for `policy` (the way back from [`data_connection`]), for advice such
/// as `doctor`'s "works: pasv --no-epsv ls URL".
pub fn data_connection_flags(policy: DataConnection) -> Vec<&'static str> {
    match policy {
        DataConnection::Active => vec!["--active"],
        DataConnection::Passive { epsv, address } => {
            let mut flags = Vec::new();
            if !epsv {
                flags.push("--no-epsv");
            }
            if address == PasvAddress::Server {
                flags.extend(["--pasv-address", "server"]);
            }
            flags
        }
    }
}

fn tls_version(v: TlsVersionArg) -> TlsVersion {
    match v {
        TlsVersionArg::V12 => TlsVersion::Tls12,
        TlsVersionArg::V13 => TlsVersion::Tls13,
    }
}

fn seconds(secs: f64, flag: &str) -> Result<Duration> {
    if !(secs.is_finite() && secs > 0.0 && secs < 1e9) {
        bail!(usage(format!("{flag} {secs}: expected a positive number of seconds")));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `-u USER:PASSWORD` (curl's habit): split at the first colon, the password kept apart
/// (`GlobalArgs::user_password`) so that nothing that shows the user shows it. True when a
/// password was split off.
pub fn split_user_password(args: &mut GlobalArgs) -> bool {
    let Some((user, password)) = args.user.as_deref().and_then(|u| u.split_once(':')) else { return false };
    let (user, password) = (user.to_string(), password.to_string());
    args.user = Some(user).filter(|u| !u.is_empty());
    args.user_password = Some(Password(password));
    true
}

/// Who to log in as: `-u USER:PASSWORD`, the URL, `--user`, `--password-env NAME`,
/// `PASV_PASSWORD`, `~/.netrc`, a prompt (only when stdin is a TTY), else anonymous.
pub fn credentials_for(args: &GlobalArgs, target: &Target) -> Result<Credentials> {
    let mut user = args.user.clone().or_else(|| target.user.clone());
    // The password typed with the user goes with that user, before the URL's.
    let mut password = args.user_password.as_ref().map(|p| p.0.clone()).or_else(|| target.password.clone());
    if password.is_none()
        && let Some(name) = &args.password_env
    {
        password = Some(password_from_env(name)?);
    }
    if password.is_none() {
        password = std::env::var("PASV_PASSWORD").ok().filter(|p| !p.is_empty());
    }
    if password.is_none()
        && !args.no_netrc
        && let Some(entry) = read_netrc().and_then(|text| netrc::lookup(&text, &target.endpoint.host, user.as_deref()))
    {
        if user.is_none() {
            user = entry.login.clone();
        }
        password = entry.password;
    }
    let Some(user) = user else {
        return Ok(Credentials::anonymous());
    };
    if user == "anonymous" || user == "ftp" {
        return Ok(Credentials { password: Secret::new(password.unwrap_or_else(|| "pasv@".into())), user });
    }
    let password = match password {
        Some(p) => p,
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            prompt_password(&user, &target.endpoint.host)?
        }
        None => String::new(),
    };
    Ok(Credentials { user, password: Secret::new(password) })
}

/// The password in environment variable `name` (`--password-env`, or a bookmark's
/// `password_env`). Unset is a usage error (exit 2): the command line names a variable the
/// caller forgot to export, which no retry or other server will fix.
pub fn password_from_env(name: &str) -> Result<String> {
    match std::env::var(name) {
        Ok(value) => Ok(value),
        Err(std::env::VarError::NotPresent) => Err(usage(format!(
            "--password-env {name}: the environment variable {name} is not set (export it, or name another)"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(usage(format!("--password-env {name}: the environment variable {name} is not valid UTF-8")))
        }
    }
}

fn read_netrc() -> Option<String> {
    let path = match std::env::var_os("NETRC") {
        Some(p) => std::path::PathBuf::from(p),
        None => dirs::home_dir()?.join(".netrc"),
    };
    let text = std::fs::read_to_string(&path).ok()?;
    warn_if_exposed(&path, &text);
    Some(text)
}

/// ftp(1) refuses a netrc with passwords that others can read; pasv says so, once per run.
fn warn_if_exposed(path: &Path, text: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        use std::sync::atomic::{AtomicBool, Ordering};
        static WARNED: AtomicBool = AtomicBool::new(false);
        let Ok(meta) = std::fs::metadata(path) else { return };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 && netrc::has_password(text) && !WARNED.swap(true, Ordering::Relaxed) {
            eprintln!(
                "pasv: warning: {} holds passwords and is open to other users (mode {mode:o}); run: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, text);
}

fn prompt_password(user: &str, host: &str) -> Result<String> {
    rpassword::prompt_password(format!("Password for {user}@{host}: ")).context("cannot read the password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_password_splits_at_the_first_colon() {
        let mut args = GlobalArgs { user: Some("alice:pa:ss".into()), ..GlobalArgs::default() };
        assert!(split_user_password(&mut args));
        assert_eq!((args.user.as_deref(), args.user_password.clone()), (Some("alice"), Some(Password("pa:ss".into()))));
        assert!(!format!("{args:?}").contains("pa:ss"));
        let target = Target::parse("ftp://bob:url@host/").unwrap();
        let credentials = credentials_for(&args, &target).unwrap();
        assert_eq!((credentials.user.as_str(), credentials.password.expose()), ("alice", "pa:ss"));
        let mut plain = GlobalArgs { user: Some("alice".into()), ..GlobalArgs::default() };
        assert!(!split_user_password(&mut plain));
        assert_eq!((plain.user.as_deref(), plain.user_password), (Some("alice"), None));
    }

    /// The global flags of a command line (`pasv FLAGS ls ftp://h/`).
    fn flags(line: &[&str]) -> GlobalArgs {
        use clap::Parser as _;
        let argv = ["pasv"].iter().chain(line).chain(&["ls", "ftp://h/"]).copied();
        crate::cli::Cli::try_parse_from(argv).unwrap().global
    }

    #[test]
    fn the_data_connection_policy_follows_the_flags() {
        let (peer, server) = (PasvAddress::Peer, PasvAddress::Server);
        let cases: &[(&[&str], DataConnection)] = &[
            (&[], DataConnection::Passive { epsv: true, address: peer }),
            (&["--no-epsv"], DataConnection::Passive { epsv: false, address: peer }),
            (&["--pasv-address", "server"], DataConnection::Passive { epsv: true, address: server }),
            (&["--no-epsv", "--pasv-address", "peer"], DataConnection::Passive { epsv: false, address: peer }),
            (&["--no-epsv", "--epsv"], DataConnection::Passive { epsv: true, address: peer }),
            (&["--active"], DataConnection::Active),
            (&["--active", "--no-epsv", "--pasv-address", "server"], DataConnection::Active),
            (&["--active", "--passive"], DataConnection::Passive { epsv: true, address: peer }),
        ];
        for (line, policy) in cases {
            assert_eq!(data_connection(&flags(line)), *policy, "{line:?}");
            let target = Target::parse("ftp://h/").unwrap();
            assert_eq!(config_for(&flags(line), &target).unwrap().data, *policy, "{line:?}");
        }
        // The way back: the flags doctor advises ask for the policy they stand for.
        for &(_, policy) in cases {
            assert_eq!(data_connection(&flags(&data_connection_flags(policy))), policy, "{policy:?}");
        }
        for method in crate::engine::DataMethod::ALL {
            assert_eq!(data_connection(&flags(&data_connection_flags(method.policy()))).methods()[0], method);
        }
    }

    #[test]
    fn the_command_line_beats_defaults_which_beat_the_built_in_policy() {
        let defaults = [
            (ConfigKey::Active, Value::Bool(true)),
            (ConfigKey::NoEpsv, Value::Bool(true)),
            (ConfigKey::Timeout, Value::Seconds(7.0)),
        ];
        let target = Target::parse("ftp://h/").unwrap();
        let from_defaults = config_for(&resolve(flags(&[]), &defaults), &target).unwrap();
        assert_eq!((from_defaults.data, from_defaults.timeout), (DataConnection::Active, Duration::from_secs(7)));
        let overridden = config_for(&resolve(flags(&["--passive", "--timeout", "3"]), &defaults), &target).unwrap();
        assert_eq!(overridden.data, DataConnection::Passive { epsv: false, address: PasvAddress::Peer });
        assert_eq!(overridden.timeout, Duration::from_secs(3));
        let both = config_for(&resolve(flags(&["--passive", "--epsv"]), &defaults), &target).unwrap();
        assert_eq!(both.data, DataConnection::default());
        let builtin = config_for(&resolve(flags(&[]), &[]), &target).unwrap();
        assert_eq!((builtin.data, builtin.timeout), (DataConnection::default(), Config::default().timeout));
        // Every session of the run keeps its control connection alive the same way.
        assert_eq!(builtin.keepalive, KEEPALIVE);
    }
}
