//! `~/.netrc` (the ftp(1) format): `machine HOST login USER password PASS`, and `default`.

/// One matching entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetrcEntry {
    pub login: Option<String>,
    pub password: Option<String>,
}

/// Finds the entry for `host` (and `user`, when one is already known) in netrc text.
pub fn lookup(text: &str, host: &str, user: Option<&str>) -> Option<NetrcEntry> {
    let mut tokens = text.split_whitespace();
    let mut entries: Vec<(Option<String>, NetrcEntry)> = Vec::new();
    let mut current: Option<(Option<String>, NetrcEntry)> = None;
    while let Some(token) = tokens.next() {
        match token {
            "machine" => {
                entries.extend(current.take());
                current = Some((tokens.next().map(str::to_string), NetrcEntry { login: None, password: None }));
            }
            "default" => {
                entries.extend(current.take());
                current = Some((None, NetrcEntry { login: None, password: None }));
            }
            "login" => {
                if let Some((_, e)) = current.as_mut() {
                    e.login = tokens.next().map(str::to_string);
                }
            }
            "password" => {
                if let Some((_, e)) = current.as_mut() {
                    e.password = tokens.next().map(str::to_string);
                }
            }
            "account" => {
                tokens.next();
            }
            // A macro runs to the next blank line; we do not support macros, skip its name.
            "macdef" => {
                entries.extend(current.take());
                tokens.next();
            }
            _ => {}
        }
    }
    entries.extend(current);
    let user_matches = |e: &NetrcEntry| user.is_none() || e.login.as_deref() == user;
    entries
        .iter()
        .find(|(m, e)| m.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(host)) && user_matches(e))
        .or_else(|| entries.iter().find(|(m, e)| m.is_none() && user_matches(e)))
        .map(|(_, e)| e.clone())
}

/// The text holds a password (whose file then must not be readable by others, as ftp(1) says).
pub fn has_password(text: &str) -> bool {
    let mut tokens = text.split_whitespace();
    while let Some(token) = tokens.next() {
        if token == "password" && tokens.next().is_some() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "machine ftp.example.org login bob password s3cret\n\
        machine other login alice password pw2\n\
        default login anonymous password guest@\n";

    #[test]
    fn finds_entries() {
        let bob = lookup(TEXT, "ftp.example.org", None).unwrap();
        assert_eq!((bob.login.as_deref(), bob.password.as_deref()), (Some("bob"), Some("s3cret")));
        assert_eq!(lookup(TEXT, "FTP.EXAMPLE.ORG", Some("bob")).unwrap().password.as_deref(), Some("s3cret"));
        let fallback = lookup(TEXT, "unknown", None).unwrap();
        assert_eq!(fallback.login.as_deref(), Some("anonymous"));
        assert_eq!(lookup(TEXT, "ftp.example.org", Some("carol")), None);
        assert_eq!(lookup("", "x", None), None);
        assert!(has_password(TEXT));
        assert!(!has_password("machine h login bob\n"));
        assert!(!has_password("machine h login bob password"));
    }
}
