//! The keys of the config file's `[defaults]` ([`ConfigKey`], each the global option of that
//! name): the values each takes, read from TOML or from a word typed after `pasv config set`
//! or the shell's `set`, written back as TOML, shown, and put into the flags. No file I/O
//! (config_file) and no precedence (settings::resolve) here.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::progress::PLAIN_INTERVAL;
use crate::cli::{ConfigKey, GlobalArgs, Origin, PasvAddressArg, ProgressArg, TlsVersionArg, VerifyArg};

/// Sessions at once when `-j` is not given: enough to hide round trips, few enough for
/// servers with per-user limits.
pub const DEFAULT_PARALLEL: usize = 4;
pub(crate) const MAX_PARALLEL: usize = 64;

/// A checked value of one key.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Seconds(f64),
    Count(u64),
    Bool(bool),
    /// One of the key's words ([`choices`]).
    Word(&'static str),
    Path(PathBuf),
}

enum Kind {
    Seconds,
    Count { min: u64, max: u64 },
    Bool,
    Words(&'static [&'static str]),
    Path,
}

const TLS_VERSIONS: &[&str] = &["1.2", "1.3"];
const VERIFY: &[&str] = &["off", "auto", "strict"];

fn kind(key: ConfigKey) -> Kind {
    use ConfigKey as K;
    match key {
        K::ConnectTimeout | K::Timeout | K::NoopInterval | K::ProgressInterval => Kind::Seconds,
        K::Parallel => Kind::Count { min: 1, max: MAX_PARALLEL as u64 },
        K::Retries => Kind::Count { min: 0, max: u32::MAX.into() },
        K::Active | K::NoEpsv | K::Tls => Kind::Bool,
        K::PasvAddress => Kind::Words(&["peer", "server"]),
        K::TlsMin | K::TlsMax => Kind::Words(TLS_VERSIONS),
        K::Progress => Kind::Words(&["auto", "bar", "plain", "none"]),
        K::Verify => Kind::Words(VERIFY),
        K::CaFile => Kind::Path,
    }
}

/// The key as written in the file (`connect-timeout`).
pub fn name(key: ConfigKey) -> String {
    key.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
}

/// Every key, for messages: "connect-timeout, timeout, ...".
pub fn names() -> String {
    ConfigKey::value_variants().iter().map(|k| name(*k)).collect::<Vec<_>>().join(", ")
}

/// The words a key takes (`on`/`off` for a switch), for completion; empty for numbers and paths.
pub fn choices(key: ConfigKey) -> &'static [&'static str] {
    match kind(key) {
        Kind::Words(words) => words,
        Kind::Bool => &["off", "on"],
        _ => &[],
    }
}

fn expected(key: ConfigKey) -> String {
    match kind(key) {
        Kind::Seconds => "expected a positive number of seconds".into(),
        Kind::Count { min, max } if max == u64::from(u32::MAX) => format!("expected a whole number, {min} or more"),
        Kind::Count { min, max } => format!("expected a whole number from {min} to {max}"),
        Kind::Bool => "expected true or false".into(),
        Kind::Words(words) => {
            format!("expected one of {}", words.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join(", "))
        }
        Kind::Path => "expected a file path (a string)".into(),
    }
}

fn seconds(secs: f64) -> Option<Value> {
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then_some(Value::Seconds(secs))
}

fn count(n: i128, min: u64, max: u64) -> Option<Value> {
    (i128::from(min)..=i128::from(max)).contains(&n).then_some(Value::Count(n as u64))
}

fn word(words: &'static [&'static str], text: &str) -> Option<Value> {
    words.iter().find(|w| w.eq_ignore_ascii_case(text)).map(|w| Value::Word(w))
}

/// A yes/no word as the config file and the shell's `set` take it.
pub(crate) fn on_off(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Some(true),
        "off" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// `~/x` under the home directory; a relative path under `base`.
fn expand(text: &str, base: &Path) -> PathBuf {
    let home = dirs::home_dir();
    match (text.strip_prefix("~/").or((text == "~").then_some("")), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => base.join(text),
    }
}

/// A value from the config file; relative paths are relative to the file's directory `base`.
/// The error says what the key takes.
pub fn from_toml(key: ConfigKey, value: &toml::Value, base: &Path) -> Result<Value, String> {
    use toml::Value as T;
    let checked = match (kind(key), value) {
        (Kind::Seconds, T::Integer(n)) => seconds(*n as f64),
        (Kind::Seconds, T::Float(f)) => seconds(*f),
        (Kind::Count { min, max }, T::Integer(n)) => count((*n).into(), min, max),
        (Kind::Bool, T::Boolean(b)) => Some(Value::Bool(*b)),
        (Kind::Words(words), T::String(s)) => word(words, s),
        // `tls-min = 1.2` reads as a number.
        (Kind::Words(TLS_VERSIONS), T::Float(f)) => word(TLS_VERSIONS, &f.to_string()),
        // `verify = true`, as the bare --verify.
        (Kind::Words(VERIFY), T::Boolean(b)) => Some(Value::Word(if *b { "auto" } else { "off" })),
        (Kind::Path, T::String(s)) if !s.is_empty() => Some(Value::Path(expand(s, base))),
        _ => None,
    };
    checked.ok_or_else(|| expected(key))
}

/// A value typed after `pasv config set KEY` or the shell's `set KEY`; relative paths are made
/// absolute (the file is read from anywhere later).
pub fn from_text(key: ConfigKey, text: &str) -> Result<Value, String> {
    let text = text.trim();
    let checked = match kind(key) {
        Kind::Seconds => text.parse::<f64>().ok().and_then(seconds),
        Kind::Count { min, max } => text.parse::<i128>().ok().and_then(|n| count(n, min, max)),
        Kind::Bool => on_off(text).map(Value::Bool),
        // `on` as the bare --verify.
        Kind::Words(VERIFY) => {
            on_off(text).map(|on| Value::Word(if on { "auto" } else { "off" })).or(word(VERIFY, text))
        }
        Kind::Words(words) => word(words, text),
        Kind::Path if !text.is_empty() => {
            let cwd = std::env::current_dir().unwrap_or_default();
            Some(Value::Path(expand(text, &cwd)))
        }
        Kind::Path => None,
    };
    checked.ok_or_else(|| expected(key))
}

/// The value as TOML: whole seconds as an integer (`timeout = 30`).
pub fn to_toml(value: &Value) -> toml_edit::Value {
    match value {
        Value::Seconds(s) if s.fract() == 0.0 && *s < 1e15 => toml_edit::Value::from(*s as i64),
        Value::Seconds(s) => toml_edit::Value::from(*s),
        Value::Count(n) => toml_edit::Value::from(i64::try_from(*n).unwrap_or(i64::MAX)),
        Value::Bool(b) => toml_edit::Value::from(*b),
        Value::Word(w) => toml_edit::Value::from(*w),
        Value::Path(p) => toml_edit::Value::from(p.to_string_lossy().into_owned()),
    }
}

pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Seconds(s) if s.fract() == 0.0 && *s < 1e15 => serde_json::json!(*s as i64),
        Value::Seconds(s) => serde_json::json!(s),
        Value::Count(n) => serde_json::json!(n),
        Value::Bool(b) => serde_json::json!(b),
        Value::Word(w) => serde_json::json!(w),
        Value::Path(p) => serde_json::json!(p.to_string_lossy()),
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Seconds(s) => write!(f, "{s}"),
            Value::Count(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Word(w) => f.write_str(w),
            Value::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// An option's enum value as the key's word.
fn word_of<T: ValueEnum>(key: ConfigKey, value: Option<T>) -> Option<Value> {
    let name = value?.to_possible_value()?;
    word(choices(key), name.get_name())
}

fn enum_of<T: ValueEnum>(value: &Value) -> Option<T> {
    match value {
        Value::Word(w) => T::from_str(w, true).ok(),
        _ => None,
    }
}

/// The key's value in `args`, when they set it (a switch: when it or its opposite was given).
pub fn current(args: &GlobalArgs, key: ConfigKey) -> Option<Value> {
    use ConfigKey as K;
    let switch = |on: bool, off: bool| (on || off).then_some(Value::Bool(on));
    match key {
        K::ConnectTimeout => args.connect_timeout.map(Value::Seconds),
        K::Timeout => args.timeout.map(Value::Seconds),
        K::NoopInterval => args.noop_interval.map(Value::Seconds),
        K::Parallel => args.parallel.map(|n| Value::Count(n as u64)),
        K::Retries => args.retries.map(|n| Value::Count(n.into())),
        K::Active => switch(args.active, args.passive),
        K::PasvAddress => word_of(key, args.pasv_address),
        K::NoEpsv => switch(args.no_epsv, args.epsv),
        K::Tls => switch(args.tls, args.no_tls),
        K::CaFile => args.ca_file.clone().map(Value::Path),
        K::TlsMin => word_of(key, args.tls_min),
        K::TlsMax => word_of(key, args.tls_max),
        K::Progress => word_of(key, args.progress),
        K::ProgressInterval => args.progress_interval.map(Value::Seconds),
        K::Verify => word_of(key, args.default_verify),
    }
}

/// Sets the key in `args` as its option would (`value` was checked for this key).
pub fn put(args: &mut GlobalArgs, key: ConfigKey, value: Value) {
    use ConfigKey as K;
    let secs = match value {
        Value::Seconds(s) => Some(s),
        _ => None,
    };
    let count = match value {
        Value::Count(n) => Some(n),
        _ => None,
    };
    let on = value == Value::Bool(true);
    match key {
        K::ConnectTimeout => args.connect_timeout = secs,
        K::Timeout => args.timeout = secs,
        K::NoopInterval => args.noop_interval = secs,
        K::Parallel => args.parallel = count.and_then(|n| usize::try_from(n).ok()),
        K::Retries => args.retries = count.and_then(|n| u32::try_from(n).ok()),
        K::Active => (args.active, args.passive) = (on, !on),
        K::PasvAddress => args.pasv_address = enum_of::<PasvAddressArg>(&value),
        K::NoEpsv => (args.no_epsv, args.epsv) = (on, !on),
        K::Tls => (args.tls, args.no_tls) = (on, !on),
        K::CaFile => {
            args.ca_file = match value {
                Value::Path(p) => Some(p),
                _ => None,
            }
        }
        K::TlsMin => args.tls_min = enum_of::<TlsVersionArg>(&value),
        K::TlsMax => args.tls_max = enum_of::<TlsVersionArg>(&value),
        K::Progress => args.progress = enum_of::<ProgressArg>(&value),
        K::ProgressInterval => args.progress_interval = secs,
        // "off" is no VerifyArg: no verification.
        K::Verify => args.default_verify = enum_of::<VerifyArg>(&value),
    }
}

/// pasv's own value of the key, when it has one (no CA file, TLS versions as rustls allows).
pub fn builtin(key: ConfigKey) -> Option<Value> {
    use ConfigKey as K;
    let engine = crate::engine::Config::default();
    match key {
        K::ConnectTimeout => Some(Value::Seconds(engine.connect_timeout.as_secs_f64())),
        K::Timeout => Some(Value::Seconds(engine.timeout.as_secs_f64())),
        K::NoopInterval | K::CaFile | K::TlsMin | K::TlsMax => None,
        K::Parallel => Some(Value::Count(DEFAULT_PARALLEL as u64)),
        K::Retries => Some(Value::Count(0)),
        K::Active | K::NoEpsv | K::Tls => Some(Value::Bool(false)),
        K::PasvAddress => Some(Value::Word("peer")),
        K::Progress => Some(Value::Word("auto")),
        K::ProgressInterval => Some(Value::Seconds(PLAIN_INTERVAL.as_secs_f64())),
        K::Verify => Some(Value::Word("off")),
    }
}

/// The key's value in effect under `args`: theirs, else pasv's own.
pub fn effective(args: &GlobalArgs, key: ConfigKey) -> Option<Value> {
    current(args, key).or_else(|| builtin(key))
}

/// How `set` and `pasv config list` name an origin.
pub fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Builtin => "built-in",
        Origin::Defaults => "defaults",
        Origin::Flag => "flag",
        Origin::Session => "set",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_read_goes_into_the_flags_and_back() {
        let base = Path::new("/etc/pasv");
        for key in ConfigKey::value_variants() {
            let text = match kind(*key) {
                Kind::Seconds => "2.5",
                Kind::Count { min, .. } if min > 0 => "3",
                Kind::Count { .. } => "0",
                Kind::Bool => "on",
                Kind::Words(words) => words[words.len() - 1],
                Kind::Path => "/ca.pem",
            };
            let value = from_text(*key, text).unwrap();
            let mut args = GlobalArgs::default();
            assert_eq!(current(&args, *key), None, "{key:?}");
            put(&mut args, *key, value.clone());
            assert_eq!(current(&args, *key), Some(value.clone()), "{key:?}");
            let toml: toml::Value =
                toml::from_str::<toml::Table>(&format!("v = {}", to_toml(&value))).unwrap().remove("v").unwrap();
            assert_eq!(from_toml(*key, &toml, base), Ok(value), "{key:?}");
        }
    }

    #[test]
    fn values_are_checked() {
        let base = Path::new("/etc/pasv");
        assert_eq!(from_text(ConfigKey::Parallel, "0"), Err("expected a whole number from 1 to 64".into()));
        assert!(from_text(ConfigKey::Timeout, "-1").is_err());
        assert!(from_text(ConfigKey::Timeout, "NaN").is_err());
        assert!(from_text(ConfigKey::Progress, "fancy").unwrap_err().contains("\"plain\""));
        assert_eq!(from_text(ConfigKey::Verify, "on"), Ok(Value::Word("auto")));
        assert_eq!(from_toml(ConfigKey::TlsMin, &toml::Value::Float(1.3), base), Ok(Value::Word("1.3")));
        assert_eq!(from_toml(ConfigKey::Verify, &toml::Value::Boolean(false), base), Ok(Value::Word("off")));
        assert!(from_toml(ConfigKey::Retries, &toml::Value::String("3".into()), base).is_err());
        assert!(from_toml(ConfigKey::Retries, &toml::Value::Integer(-1), base).is_err());
        assert_eq!(
            from_toml(ConfigKey::CaFile, &toml::Value::String("certs/ca.pem".into()), base),
            Ok(Value::Path("/etc/pasv/certs/ca.pem".into()))
        );
        // "off" verifies nothing: no VerifyArg.
        let mut args = GlobalArgs { default_verify: Some(VerifyArg::Strict), ..GlobalArgs::default() };
        put(&mut args, ConfigKey::Verify, Value::Word("off"));
        assert_eq!(args.default_verify, None);
    }
}
