//! Names that come from the server, checked before they name a local file.
//!
//! A listing or a reply can carry `..`, `/etc/passwd`, `a\b` or control characters; any of
//! them used as a local path component could write outside the target directory or put an
//! escape sequence on a terminal. The engine and the app call [`local_component`] before a
//! server-supplied name touches the local file system.

/// Why a server-supplied name cannot be used as a local file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeName {
    #[error("empty name")]
    Empty,
    #[error("name {0:?} refers to a directory itself")]
    DotName(String),
    #[error("name {0:?} contains a path separator")]
    Separator(String),
    #[error("name {0:?} contains a control character")]
    ControlCharacter(String),
}

/// Accepts `name` as one local path component, or says why not.
pub fn local_component(name: &str) -> Result<&str, UnsafeName> {
    if name.is_empty() {
        return Err(UnsafeName::Empty);
    }
    if name == "." || name == ".." {
        return Err(UnsafeName::DotName(name.to_string()));
    }
    if name.contains(['/', '\\']) {
        return Err(UnsafeName::Separator(name.escape_debug().to_string()));
    }
    if name.chars().any(char::is_control) {
        return Err(UnsafeName::ControlCharacter(name.escape_debug().to_string()));
    }
    Ok(name)
}

/// The last component of a remote path (`/a/b/c.txt` -> `c.txt`), `None` for `/` or empty.
pub fn remote_basename(path: &str) -> Option<&str> {
    path.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["a.txt", "my file.txt", "ünïcode", ".hidden", "..dots", "a..b", "-rf"] {
            assert_eq!(local_component(name), Ok(name));
        }
    }

    #[test]
    fn refuses_names_that_escape_or_inject() {
        let cases = [
            ("", UnsafeName::Empty),
            ("..", UnsafeName::DotName("..".into())),
            (".", UnsafeName::DotName(".".into())),
            ("../etc", UnsafeName::Separator("../etc".into())),
            ("/etc/passwd", UnsafeName::Separator("/etc/passwd".into())),
            ("a\\b", UnsafeName::Separator("a\\\\b".into())),
            ("a\0b", UnsafeName::ControlCharacter("a\\0b".into())),
            ("evil\x1b[31m", UnsafeName::ControlCharacter("evil\\u{1b}[31m".into())),
            ("line\r\nbreak", UnsafeName::ControlCharacter("line\\r\\nbreak".into())),
            ("c1\u{9b}x", UnsafeName::ControlCharacter("c1\\u{9b}x".into())),
        ];
        for (name, expected) in cases {
            assert_eq!(local_component(name), Err(expected), "{name:?}");
        }
    }

    #[test]
    fn finds_remote_basenames() {
        let cases =
            [("/a/b/c.txt", Some("c.txt")), ("c.txt", Some("c.txt")), ("/dir/", Some("dir")), ("/", None), ("", None)];
        for (path, expected) in cases {
            assert_eq!(remote_basename(path), expected, "{path}");
        }
    }
}
