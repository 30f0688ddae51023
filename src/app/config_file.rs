//! The user's config file, `config.toml` in the config directory (`$XDG_CONFIG_HOME/pasv/` on
//! Linux): bookmarks, and the resolver that lets a bookmark name stand wherever a URL does.
//!
//! ```toml
//! [bookmarks.work]
//! url = "ftpes://deploy@ftp.example.org/releases/"
//! tls = "explicit"
//! pins = ["sha256//..."]
//! password_env = "WORK_FTP_PASSWORD"
//! ```
//!
//! A password is stored (in the URL) only when the user asks for it; the file is then written
//! readable by its owner only. Keys this module does not know are kept when it rewrites the
//! file. Only this module reads or writes the file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use super::settings::usage;
use super::target::{Saved, Target};
use crate::cli::GlobalArgs;
use crate::engine::{Endpoint, TlsMode};

/// One saved site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
        target.saved = Saved { pins: self.pins.clone(), password_env: self.password_env.clone() };
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

fn read_table() -> Result<toml::Table> {
    let Some(path) = path() else { return Ok(toml::Table::new()) };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(toml::Table::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    text.parse::<toml::Table>().with_context(|| format!("{} is not valid TOML", path.display()))
}

fn write_table(table: &toml::Table) -> Result<PathBuf> {
    let path = path().context("no config directory (HOME unset?)")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = toml::to_string_pretty(table).context("cannot encode the config file")?;
    // Written beside and renamed: an interrupted write never leaves half a config file.
    let tmp = path.with_extension("toml.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        // Bookmarks may hold a password: owner only.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut file = options.open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Every bookmark, by name.
pub fn bookmarks() -> Result<BTreeMap<String, Bookmark>> {
    let table = read_table()?;
    let Some(section) = table.get("bookmarks") else { return Ok(BTreeMap::new()) };
    let map: BTreeMap<String, Bookmark> =
        section.clone().try_into().context("the [bookmarks] section of the config file is malformed")?;
    Ok(map)
}

pub fn bookmark(name: &str) -> Result<Option<Bookmark>> {
    Ok(bookmarks()?.remove(name))
}

/// Saves (or replaces) a bookmark; returns the file written.
pub fn save_bookmark(name: &str, bookmark: &Bookmark) -> Result<PathBuf> {
    check_name(name)?;
    let mut table = read_table()?;
    let section = table.entry("bookmarks").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(section) = section.as_table_mut() else { bail!("the config file's `bookmarks` is not a table") };
    section.insert(name.to_string(), toml::Value::try_from(bookmark).context("cannot encode the bookmark")?);
    write_table(&table)
}

/// Removes a bookmark; false when there was none of that name.
pub fn remove_bookmark(name: &str) -> Result<bool> {
    let mut table = read_table()?;
    let removed = table.get_mut("bookmarks").and_then(|s| s.as_table_mut()).and_then(|s| s.remove(name)).is_some();
    if removed {
        write_table(&table)?;
    }
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
