//! The user's config file, `config.toml` in the config directory (`$XDG_CONFIG_HOME/pasv/` on
//! Linux): `[defaults]` for the global options, bookmarks, and the resolver that lets a
//! bookmark name stand wherever a URL does.
//!
//! ```toml
//! [defaults]
//! retries = 3
//! parallel = 8
//!
//! [bookmarks.work]
//! url = "ftpes://deploy@ftp.example.org/releases/"
//! tls = "explicit"
//! pins = ["sha256//..."]
//! password_env = "WORK_FTP_PASSWORD"
//! ```
//!
//! The whole file is checked whenever it is read: an unknown section or key, a wrong type or a
//! bad value is a usage error naming the file and line. Edits change only what they are about
//! (toml_edit): comments, order and the other entries stay. A password is stored (in the URL)
//! only when the user asks for it; the file is written readable by its owner only, by a
//! rename (through a symbolic link, to the file it points to). Only this module reads or
//! writes the file.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::ValueEnum as _;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use super::defaults::{self, Value};
use super::local::{self, Destination};
use super::settings::usage;
use super::target::{Saved, Target};
use crate::cli::{ConfigKey, GlobalArgs};
use crate::engine::{Endpoint, TlsMode};

/// One saved site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bookmark {
    /// `ftp://`, `ftpes://` or `ftps://` URL; its path is the directory the site opens in.
    pub url: String,
    /// Log in as this user (when the URL names none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `off`, `explicit` or `implicit`; overrides the URL's scheme (an `ftp://` URL used with
    /// `--tls` is saved as `explicit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
    /// Accept the server only with one of these key pins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<String>,
    /// Take the password from this environment variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

impl Bookmark {
    /// The URL as a target, with the bookmark's user, TLS mode, pins and password variable.
    pub fn target(&self) -> Result<Target> {
        let mut target = Target::parse(&self.url)?;
        if let Some(user) = &self.user
            && target.user.is_none()
        {
            target.user = Some(user.clone());
        }
        if let Some(tls) = &self.tls {
            target.tls = parse_tls(tls)?;
        }
        target.saved =
            Saved { pins: self.pins.clone(), password_env: self.password_env.clone(), tls: self.tls.is_some() };
        Ok(target)
    }
}

pub fn tls_name(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::Off => "off",
        TlsMode::Explicit => "explicit",
        TlsMode::Implicit => "implicit",
    }
}

fn parse_tls(value: &str) -> Result<TlsMode> {
    match value {
        "off" => Ok(TlsMode::Off),
        "explicit" => Ok(TlsMode::Explicit),
        "implicit" => Ok(TlsMode::Implicit),
        other => bail!(usage(format!("bookmark tls = {other:?}: expected off, explicit or implicit"))),
    }
}

/// `config.toml` in the user's config directory.
pub fn path() -> Option<PathBuf> {
    Some(dirs::config_dir()?.join("pasv").join("config.toml"))
}

/// The file as a whole, for serde: unknown sections and bookmark keys are errors with a span.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    defaults: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>,
    #[serde(default)]
    bookmarks: BTreeMap<String, Bookmark>,
}

/// What the config file holds, checked.
#[derive(Debug, Default)]
pub struct Loaded {
    /// `[defaults]`, in the file's order.
    pub defaults: Vec<(ConfigKey, Value)>,
    pub bookmarks: BTreeMap<String, Bookmark>,
}

/// Reads and checks the config file (nothing when there is none).
pub fn load() -> Result<Loaded> {
    let Some(path) = path() else { return Ok(Loaded::default()) };
    let Some(text) = read(&path)? else { return Ok(Loaded::default()) };
    check(&path, &text)
}

fn read(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// `text` of the file at `path`, checked: syntax, sections, keys, types and values.
fn check(path: &Path, text: &str) -> Result<Loaded> {
    // serde says "field" for what the file calls a key or a section.
    let file: File = toml::from_str(text)
        .map_err(|e| usage(at(path, text, e.span(), &e.message().replace("unknown field", "unknown key"))))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut loaded = Loaded { defaults: Vec::new(), bookmarks: file.bookmarks };
    let mut entries: Vec<_> = file.defaults.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    for (name, value) in entries {
        let Ok(key) = ConfigKey::from_str(name.get_ref(), false) else {
            bail!(usage(at(
                path,
                text,
                Some(name.span()),
                &format!("unknown key `{}` in [defaults]; the keys are: {}", name.get_ref(), defaults::names())
            )));
        };
        let value = defaults::from_toml(key, value.get_ref(), base).map_err(|why| {
            usage(at(path, text, Some(value.span()), &format!("{} = {}: {why}", name.get_ref(), value.get_ref())))
        })?;
        loaded.defaults.push((key, value));
    }
    Ok(loaded)
}

/// `FILE:LINE: message` (the line of the byte offset where `span` starts).
fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: &str) -> String {
    let message = message.trim_end();
    match span {
        Some(span) => {
            let line = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
            format!("{}:{line}: {message}", path.display())
        }
        None => format!("{}: {message}", path.display()),
    }
}

/// Reads the file for a change (empty when there is none), lets `change` edit it, checks the
/// result as [`load`] would, and writes it when it differs: what would not read back is never
/// written. Returns `change`'s result and the file's path.
fn edit<T>(change: impl FnOnce(&mut toml_edit::DocumentMut) -> Result<T>) -> Result<(T, PathBuf)> {
    let path = path().context("no config directory (HOME unset?)")?;
    let text = read(&path)?.unwrap_or_default();
    // A file that parses but does not check (a bad value, an unknown key) may be what this
    // change repairs (`config set timeout 10` over `timeout = "banana"`): the file's own
    // problem is reported only when the change leaves it unreadable.
    let before = check(&path, &text);
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| usage(at(&path, &text, e.span(), e.message())))?;
    let result = change(&mut doc)?;
    let changed = doc.to_string();
    if changed == text {
        before?;
    } else {
        if let Err(after) = check(&path, &changed) {
            before?;
            return Err(after.context("the change would make the config file unreadable"));
        }
        write(&path, &changed)?;
    }
    Ok((result, path))
}

/// Replaces the file at `path` (or the file its symbolic links lead to) by a rename: an
/// interrupted write never leaves half a config file, and a link stays a link.
fn write(path: &Path, text: &str) -> Result<()> {
    let file = match local::destination(path)? {
        Destination::File(file) => file,
        _ => bail!("{} is not a regular file", path.display()),
    };
    let dir = file.parent().context("the config file has no directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = || -> std::io::Result<()> {
        // Created readable by its owner only (bookmarks may hold a password).
        let mut tmp = tempfile::Builder::new().prefix(".config.toml.").suffix(".tmp").tempfile_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&file).map_err(|e| e.error)?;
        Ok(())
    };
    write().with_context(|| format!("cannot write {}", file.display()))
}

/// A section of the document as a table, made (implicit: no header of its own) when missing.
fn section<'a>(doc: &'a mut toml_edit::DocumentMut, name: &str, implicit: bool) -> Result<&'a mut toml_edit::Table> {
    if !doc.contains_key(name) {
        let mut table = toml_edit::Table::new();
        table.set_implicit(implicit);
        if !implicit {
            table.decor_mut().set_prefix(append_prefix(doc));
        }
        doc.insert(name, toml_edit::Item::Table(table));
    }
    doc[name].as_table_mut().with_context(|| format!("the config file's `{name}` is not a table"))
}

/// What goes above a table appended to `doc`: a comment that ended the document (or was all
/// of it) stays above the new table, and a blank line parts it from what came before.
fn append_prefix(doc: &mut toml_edit::DocumentMut) -> String {
    let trailing = doc.trailing().as_str().unwrap_or("").trim_end().to_string();
    doc.set_trailing("");
    match (trailing.is_empty(), doc.as_table().is_empty()) {
        (true, true) => String::new(),
        (true, false) => "\n".into(),
        (false, _) => format!("{trailing}\n\n"),
    }
}

/// Saves `key = value` in [defaults] (a comment after an old value stays); returns the file.
pub fn set_default(key: ConfigKey, value: &Value) -> Result<PathBuf> {
    let name = defaults::name(key);
    let (_, path) = edit(|doc| {
        let table = section(doc, "defaults", false)?;
        let mut new = defaults::to_toml(value);
        if let Some(old) = table.get(&name).and_then(toml_edit::Item::as_value) {
            *new.decor_mut() = old.decor().clone();
        }
        table.insert(&name, toml_edit::Item::Value(new));
        Ok(())
    })?;
    Ok(path)
}

/// Removes `key` from [defaults]; false when it was not there.
pub fn unset_default(key: ConfigKey) -> Result<bool> {
    let name = defaults::name(key);
    let (removed, _) = edit(|doc| {
        Ok(doc.get_mut("defaults").and_then(toml_edit::Item::as_table_like_mut).and_then(|t| t.remove(&name)).is_some())
    })?;
    Ok(removed)
}

/// Every bookmark, by name.
pub fn bookmarks() -> Result<BTreeMap<String, Bookmark>> {
    Ok(load()?.bookmarks)
}

pub fn bookmark(name: &str) -> Result<Option<Bookmark>> {
    Ok(bookmarks()?.remove(name))
}

/// Saves (or replaces) a bookmark; returns the file written.
pub fn save_bookmark(name: &str, bookmark: &Bookmark) -> Result<PathBuf> {
    check_name(name)?;
    // The bookmark's own table, as serde writes it.
    let text = toml::to_string(bookmark).context("cannot encode the bookmark")?;
    let mut table = text.parse::<toml_edit::DocumentMut>().context("cannot encode the bookmark")?.into_table();
    table.set_implicit(false);
    let (_, path) = edit(|doc| {
        let known = doc.get("bookmarks").and_then(|b| b.get(name)).is_some();
        let prefix = if known { String::new() } else { append_prefix(doc) };
        let bookmarks = section(doc, "bookmarks", true)?;
        // A replaced bookmark keeps its place and the comment above it.
        match bookmarks.get(name).and_then(toml_edit::Item::as_table) {
            Some(old) => {
                *table.decor_mut() = old.decor().clone();
                if let Some(position) = old.position() {
                    table.set_position(position);
                }
            }
            None => table.decor_mut().set_prefix(prefix),
        }
        bookmarks.insert(name, toml_edit::Item::Table(table));
        Ok(())
    })?;
    Ok(path)
}

/// Removes a bookmark; false when there was none of that name.
pub fn remove_bookmark(name: &str) -> Result<bool> {
    let (removed, _) = edit(|doc| {
        Ok(doc.get_mut("bookmarks").and_then(toml_edit::Item::as_table_like_mut).and_then(|s| s.remove(name)).is_some())
    })?;
    Ok(removed)
}

/// Bookmark names are single words that cannot be mistaken for a URL or a path.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with(['-', '.'])
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !ok {
        bail!(usage(format!("bookmark name {name:?}: use letters, digits, '-', '_', '.' or '@'")));
    }
    Ok(())
}

/// Splits `NAME` or `NAME/more/path` when `input` is not a URL.
fn split_name(input: &str) -> Option<(&str, &str)> {
    if input.contains("://") {
        return None;
    }
    Some(input.split_once('/').unwrap_or((input, "")))
}

/// A URL, or a bookmark name (optionally followed by `/path` inside the bookmark's directory).
pub fn resolve(input: &str) -> Result<Target> {
    let Some((name, rest)) = split_name(input) else { return Ok(Target::parse(input)?) };
    let found = if check_name(name).is_ok() { bookmark(name)? } else { None };
    let Some(found) = found else {
        // Let the URL parser explain what is wrong with something that was meant as a URL.
        if input.contains(':') {
            return Ok(Target::parse(input)?);
        }
        bail!(usage(format!(
            "{input:?} is neither a URL (ftp://host/path) nor a bookmark (`pasv` then `bookmark list`)"
        )));
    };
    let mut target = found.target()?;
    if !rest.is_empty() {
        target.is_dir = rest.ends_with('/');
        target.path = crate::engine::join_remote(&target.path, rest.trim_end_matches('/'));
    }
    Ok(target)
}

/// `args` with the pins and password variable of the bookmark `target` came from, for
/// whatever the command line left open.
pub fn effective_args(args: &GlobalArgs, target: &Target) -> GlobalArgs {
    let mut args = args.clone();
    if args.pin.is_empty() {
        args.pin = target.saved.pins.clone();
    }
    // An unset variable is no error here: the password may still come from ~/.netrc or the
    // prompt.
    if args.password_env.is_none()
        && let Some(name) = &target.saved.password_env
        && std::env::var_os(name).is_some()
    {
        args.password_env = Some(name.clone());
    }
    args
}

/// RFC 3986 userinfo and path segment characters that must be encoded.
const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The URL of a site: scheme from the TLS mode, user (and password only when given), host,
/// port when not the default, and `path` (relative to the login directory, or absolute).
pub fn site_url(endpoint: &Endpoint, tls: TlsMode, user: Option<&str>, password: Option<&str>, path: &str) -> String {
    let (scheme, default_port) = match tls {
        TlsMode::Off => ("ftp", 21),
        TlsMode::Explicit => ("ftpes", 21),
        TlsMode::Implicit => ("ftps", 990),
    };
    let mut url = format!("{scheme}://");
    if let Some(user) = user {
        url.push_str(&utf8_percent_encode(user, COMPONENT).to_string());
        if let Some(password) = password {
            url.push(':');
            url.push_str(&utf8_percent_encode(password, COMPONENT).to_string());
        }
        url.push('@');
    }
    if endpoint.host.contains(':') {
        url.push_str(&format!("[{}]", endpoint.host));
    } else {
        url.push_str(&endpoint.host);
    }
    if endpoint.port != default_port {
        url.push_str(&format!(":{}", endpoint.port));
    }
    url.push('/');
    // An absolute path starts with an encoded "/" (%2F), as in curl: `ftp://host/%2Fpub/`.
    let (absolute, relative) = match path.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, path),
    };
    let segments: Vec<String> =
        relative.split('/').filter(|s| !s.is_empty()).map(|s| utf8_percent_encode(s, COMPONENT).to_string()).collect();
    if absolute {
        url.push_str("%2F");
        if segments.is_empty() {
            // The root itself: a trailing "/" would read back as the login directory.
            return url;
        }
    }
    if !segments.is_empty() {
        url.push_str(&segments.join("/"));
        url.push('/');
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str, port: u16) -> Endpoint {
        Endpoint { host: host.into(), port }
    }

    #[test]
    fn site_urls_round_trip_through_the_url_parser() {
        let cases = [
            (endpoint("ftp.example.org", 21), TlsMode::Off, Some("bob"), None, "pub/my dir", "pub/my dir"),
            (endpoint("::1", 2121), TlsMode::Explicit, Some("a@b"), Some("p:w/d"), "/abs/x", "/abs/x"),
            (endpoint("h", 990), TlsMode::Implicit, None, None, "", ""),
        ];
        for (ep, tls, user, password, path, expected_path) in cases {
            let url = site_url(&ep, tls, user, password, path);
            let target = Target::parse(&url).unwrap();
            assert_eq!(target.endpoint, ep, "{url}");
            assert_eq!(target.tls, tls, "{url}");
            assert_eq!(target.user.as_deref(), user, "{url}");
            assert_eq!(target.password.as_deref(), password, "{url}");
            assert_eq!(target.path, expected_path, "{url}");
            assert!(target.is_dir, "{url}");
        }
        let root = site_url(&endpoint("h", 21), TlsMode::Off, None, None, "/");
        assert_eq!((root.as_str(), Target::parse(&root).unwrap().path.as_str()), ("ftp://h/%2F", "/"));
    }

    #[test]
    fn bookmark_names_are_words() {
        for good in ["work", "my-site", "site_2", "a.b", "bob@host"] {
            assert_eq!(check_name(good).map_err(|e| e.to_string()), Ok(()), "{good}");
        }
        for bad in ["", "-x", ".hidden", "a/b", "a b", "ftp://x"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(split_name("work/sub/file.txt"), Some(("work", "sub/file.txt")));
        assert_eq!(split_name("work"), Some(("work", "")));
        assert_eq!(split_name("ftp://h/x"), None);
    }

    #[test]
    fn bookmarks_apply_user_tls_and_pins() {
        let bookmark = Bookmark {
            url: "ftp://h:2121/dir/".into(),
            user: Some("bob".into()),
            tls: Some("explicit".into()),
            pins: vec!["sha256//AAA=".into()],
            password_env: Some("PW".into()),
        };
        let target = bookmark.target().unwrap();
        assert_eq!((target.user.as_deref(), target.tls, target.path.as_str()), (Some("bob"), TlsMode::Explicit, "dir"));
        let args = effective_args(&GlobalArgs::default(), &target);
        assert_eq!((args.pin, args.password_env), (vec!["sha256//AAA=".to_string()], None));
        let text = toml::to_string(&bookmark).unwrap();
        let back: Bookmark = toml::from_str(&text).unwrap();
        assert_eq!(back, bookmark);
    }
}
