//! FTP URLs: `ftp://[user[:password]@]host[:port]/path`, `ftps://` (implicit TLS, port 990)
//! and `ftpes://` (explicit TLS). Percent-encoding per RFC 3986; IPv6 literals in brackets.
//!
//! The path is relative to the login directory (RFC 1738 section 3.2.2: each segment is a
//! CWD from there); a first segment of `%2F` makes it absolute, as in curl.

use percent_encoding::percent_decode_str;
use url::{Host, Url};

use crate::engine::{Endpoint, TlsMode};

/// A parsed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub endpoint: Endpoint,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Decoded remote path, without the leading `/` separator ("" for the login directory).
    pub path: String,
    /// The URL ended with `/`: it names a directory.
    pub is_dir: bool,
    /// What the bookmark this target was named by adds (config_file::resolve); empty for a URL.
    pub saved: Saved,
}

/// A bookmark's pins and password variable: they travel with the target to every connection
/// made for it, and give way to the command line's own flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    pub pins: Vec<String>,
    pub password_env: Option<String>,
    /// The bookmark names its TLS mode (the target's `tls`): it stands over `tls = true` in the
    /// config file's [defaults], not over `--tls`.
    pub tls: bool,
}

/// Why a URL is unusable (always a usage error, exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("invalid URL {url:?}: {reason}")]
    Invalid { url: String, reason: String },
    #[error("unsupported scheme {scheme:?} in {url:?} (use ftp://, ftps:// or ftpes://)")]
    Scheme { url: String, scheme: String },
    #[error("URL {url:?} has no host")]
    NoHost { url: String },
    #[error("URL {url:?} contains a control character (CR, LF, NUL, ...) in its {part}")]
    ControlCharacter { url: String, part: &'static str },
}

impl Target {
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let shown = redact_url(input);
        // The URL parser silently drops raw tabs, CRs and LFs anywhere in its input (WHATWG
        // URL Standard), so "ftp://h/a\nb" would name the file "ab": refuse them instead.
        if input.chars().any(char::is_control) {
            return Err(UrlError::ControlCharacter { url: shown, part: "text" });
        }
        let url = Url::parse(input).map_err(|e| UrlError::Invalid { url: shown.clone(), reason: e.to_string() })?;
        let (tls, default_port) = match url.scheme() {
            "ftp" => (TlsMode::Off, 21),
            "ftpes" => (TlsMode::Explicit, 21),
            "ftps" => (TlsMode::Implicit, 990),
            other => return Err(UrlError::Scheme { url: shown, scheme: other.to_string() }),
        };
        let host = match url.host() {
            Some(Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(UrlError::NoHost { url: shown }),
        };
        let port = url.port().unwrap_or(default_port);
        let decode = |s: &str, part: &'static str| -> Result<String, UrlError> {
            let decoded = percent_decode_str(s).decode_utf8_lossy().into_owned();
            if decoded.chars().any(char::is_control) {
                return Err(UrlError::ControlCharacter { url: shown.clone(), part });
            }
            Ok(decoded)
        };
        let user = match url.username() {
            "" => None,
            u => Some(decode(u, "user name")?),
        };
        let password = url.password().map(|p| decode(p, "password")).transpose()?;
        let raw_path = url.path();
        let is_dir = raw_path.ends_with('/');
        let path = decode(raw_path.strip_prefix('/').unwrap_or(raw_path), "path")?;
        let path = if is_dir && path.len() > 1 { path.trim_end_matches('/').to_string() } else { path };
        Ok(Self {
            endpoint: Endpoint { host, port },
            tls,
            user,
            password,
            path,
            is_dir: is_dir || raw_path.is_empty(),
            saved: Saved::default(),
        })
    }

    /// The path to send, `None` for the login directory.
    pub fn remote_path(&self) -> Option<&str> {
        if self.path.is_empty() { None } else { Some(&self.path) }
    }

    /// The path joined with a name, for "into this directory" uploads.
    pub fn join(&self, name: &str) -> String {
        match self.path.as_str() {
            "" => name.to_string(),
            "/" => format!("/{name}"),
            dir => format!("{dir}/{name}"),
        }
    }

    /// Same server, port, TLS mode, user and bookmark settings: one session can serve both.
    pub fn same_session(&self, other: &Self) -> bool {
        self.endpoint == other.endpoint
            && self.tls == other.tls
            && self.user == other.user
            && self.password == other.password
            && self.saved == other.saved
    }
}

/// The URL with any password replaced by `****`, for messages.
pub fn redact_url(input: &str) -> String {
    let Some(scheme_end) = input.find("://") else {
        return input.to_string();
    };
    let rest = &input[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return input.to_string();
    };
    let userinfo = &authority[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}://{}:****{}", &input[..scheme_end], &userinfo[..colon], &rest[at..]),
        None => input.to_string(),
    }
}

/// Free text (an error message) with the password of every URL in it replaced by `****`.
pub fn redact_urls_in(text: &str) -> String {
    text.split(' ')
        .map(|word| if word.contains("://") { redact_url(word) } else { word.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str, port: u16) -> Endpoint {
        Endpoint { host: host.into(), port }
    }

    #[test]
    fn parses_urls() {
        let t = Target::parse("ftp://bob:p%40ss@example.org:2121/dir/my%20file.txt").unwrap();
        assert_eq!(t.endpoint, endpoint("example.org", 2121));
        assert_eq!((t.user.as_deref(), t.password.as_deref()), (Some("bob"), Some("p@ss")));
        assert_eq!((t.path.as_str(), t.is_dir, t.tls), ("dir/my file.txt", false, TlsMode::Off));

        let t = Target::parse("ftps://[::1]/").unwrap();
        assert_eq!(
            (t.endpoint.clone(), t.tls, t.path.as_str(), t.is_dir),
            (endpoint("::1", 990), TlsMode::Implicit, "", true)
        );

        let t = Target::parse("ftpes://host/%2Fabs/dir/").unwrap();
        assert_eq!(
            (t.endpoint.clone(), t.tls, t.path.as_str(), t.is_dir),
            (endpoint("host", 21), TlsMode::Explicit, "/abs/dir", true)
        );

        let t = Target::parse("ftp://127.0.0.1:21").unwrap();
        assert_eq!((t.path.as_str(), t.is_dir, t.remote_path()), ("", true, None));
        assert_eq!(t.join("a.txt"), "a.txt");
    }

    #[test]
    fn refuses_bad_urls() {
        assert!(matches!(Target::parse("http://host/x"), Err(UrlError::Scheme { .. })));
        assert!(matches!(Target::parse("not a url"), Err(UrlError::Invalid { .. })));
        assert!(matches!(
            Target::parse("ftp://host/a%0d%0aDELE%20b"),
            Err(UrlError::ControlCharacter { part: "path", .. })
        ));
        assert!(matches!(Target::parse("ftp://host/a%00"), Err(UrlError::ControlCharacter { .. })));
        assert!(matches!(
            Target::parse("ftp://u%0a:p@host/"),
            Err(UrlError::ControlCharacter { part: "user name", .. })
        ));
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(redact_url("ftp://bob:secret@host/x"), "ftp://bob:****@host/x");
        assert_eq!(redact_url("ftp://bob@host/x"), "ftp://bob@host/x");
        assert_eq!(redact_url("ftp://host/a:b@c"), "ftp://host/a:b@c");
        assert_eq!(
            redact_urls_in("invalid value 'ftp://bob:secret@h/' for\n'ftp://a:b@c/'"),
            "invalid value 'ftp://bob:****@h/' for\n'ftp://a:****@c/'"
        );
        let err = Target::parse("http://bob:secret@host/").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }
}
