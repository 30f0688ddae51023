//! Wildcards in the URLs of one-shot commands (`pasv get 'ftp://host/docs/*.pdf'`): which
//! URLs are patterns, and which entries of the listed directory they stand for. The wildcards
//! and the matching are [`super::glob`]'s (as a shell matches: no leading dot by a wildcard);
//! the caller decides what to do with directories. It never sends a pattern as a path.
//!
//! Only the last path segment expands, as a shell word expands in one directory: a wildcard
//! in an earlier segment is a usage error, not a path with a `*` in it. A backslash before
//! `*`, `?`, `[`, `]` or `\` makes that character literal, and so does percent-encoding it
//! (`%2A`): an encoded character is data, never syntax (RFC 3986 section 2.2). `?` belongs to
//! the path, as in a shell: an FTP URL has no query (RFC 1738 section 3.2). `--no-glob`
//! (curl's `--globoff`) takes every character of the path literally.
//!
//! A listed name is never followed when it is not one name in that directory (`.`, `..`, a
//! `/` in it) or carries a control character: those are left out, with a note, escaped.

use anyhow::{Context as _, Result, bail};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::glob;
use super::sanitize::escape;
use super::settings::usage;
use super::target::{Target, UrlError, redact_url};
use crate::engine::Session;
use crate::proto::listing::{Entry, EntryKind};

/// What one URL of the command line names.
pub enum Spec {
    /// One path: the URL (escapes resolved) and its target.
    Path { url: String, target: Target },
    /// A wildcard: list the directory, act on what matches.
    Pattern(Pattern),
}

/// A URL whose last segment is a wildcard.
pub struct Pattern {
    /// The URL as typed (with any password: shown only through `redact_url`).
    url: String,
    /// The URL up to its last `/`, escapes resolved: a match's URL is this and its name.
    base: String,
    is_url: bool,
    /// The directory to list.
    pub dir: Target,
    /// The last segment as a [`glob`] pattern.
    glob: String,
}

/// A path one URL of the command line stands for: the URL to show and report, the target, and
/// its kind when a listing said it (a wildcard's match).
#[derive(Debug, Clone)]
pub struct Remote {
    pub url: String,
    pub target: Target,
    pub kind: Option<EntryKind>,
}

/// What a wildcard matched, and the notes to show about the listing.
pub struct Expansion {
    pub matches: Vec<Remote>,
    pub notes: Vec<String>,
    /// The whole listing (for the shell's completion).
    pub listed: Vec<Entry>,
}

/// A wildcard left nothing to act on: exit 5, as for a file that is not there.
#[derive(Debug, thiserror::Error)]
#[error("no remote file matches {url}{}", hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
pub struct NoMatch {
    url: String,
    hint: Option<String>,
}

/// The characters a match's name keeps in its URL: RFC 3986 unreserved and most sub-delims.
/// Everything else is encoded, the wildcards too: the URL names that one file.
const NAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'(')
    .remove(b')')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// Reads a URL (or `BOOKMARK/path`) of a command that expands wildcards.
pub fn parse(input: &str, no_glob: bool) -> Result<Spec> {
    let is_url = input.contains("://");
    let plain = |url: &str| -> Result<Spec> {
        Ok(Spec::Path { url: url.to_string(), target: super::config_file::resolve(url)? })
    };
    let Some((start, end)) = path_range(input, is_url) else { return plain(input) };
    let path = &input[start..end];
    // Control characters: the URL parser says what is wrong.
    if !path.contains(['*', '?', '[', '\\']) || input.chars().any(char::is_control) {
        return plain(input);
    }
    if no_glob {
        if !is_url {
            return plain(input);
        }
        // Every character is the name's: nothing for the URL parser to take as the start of a
        // query or, in ftp://, as a `/` (the WHATWG parser reads `\` as one).
        let literal = path.replace('\\', "%5C").replace('?', "%3F");
        return plain(&format!("{}{literal}{}", &input[..start], &input[end..]));
    }
    let (dirs, pattern) = split(path, is_url, input)?;
    let base = format!("{}{dirs}", &input[..start]);
    let dir = super::config_file::resolve(&base)?;
    Ok(match glob::literal(&pattern) {
        Some(name) if name.is_empty() => Spec::Path { url: base, target: dir },
        Some(name) => Spec::Path { url: format!("{base}{}", encode(&name, is_url)), target: entry_of(&dir, &name) },
        None => Spec::Pattern(Pattern { url: input.to_string(), base, is_url, dir, glob: pattern }),
    })
}

/// Reads a path of the shell's `mget` as [`parse`] reads the path of a URL; `at` makes the
/// target of a path (a directory with `true`), and `Remote::url` is the path as typed.
pub fn parse_path(path: &str, no_glob: bool, at: impl Fn(&str, bool) -> Target) -> Result<Spec> {
    // Control characters: the command that sends the path says what is wrong.
    if no_glob || !path.contains(['*', '?', '[', '\\']) || path.chars().any(char::is_control) {
        return Ok(Spec::Path { url: path.to_string(), target: at(path, false) });
    }
    let (base, pattern) = split(path, false, path)?;
    let dir = at(if base == "/" { "/" } else { base.trim_end_matches('/') }, true);
    Ok(match glob::literal(&pattern) {
        Some(name) if name.is_empty() => Spec::Path { url: base, target: dir },
        Some(name) => Spec::Path { url: format!("{base}{name}"), target: entry_of(&dir, &name) },
        None => Spec::Pattern(Pattern { url: path.to_string(), base, is_url: false, dir, glob: pattern }),
    })
}

/// Splits `path` (a URL's, or the shell's) at its last `/`: the directory, each of its
/// segments made literal (a wildcard there is a usage error naming `input`), and the last
/// segment as a [`glob`] pattern.
fn split(path: &str, is_url: bool, input: &str) -> Result<(String, String)> {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    let mut dirs = Vec::new();
    for segment in path[..cut].split('/') {
        let Some(name) = glob::literal(&pattern_of(segment, is_url)) else {
            bail!(usage(format!(
                "{}: wildcards expand only in the last part of the path; escape them with \\ (or use --no-glob)",
                redact_url(input)
            )));
        };
        dirs.push(encode(&name, is_url));
    }
    let pattern = pattern_of(&path[cut..], is_url);
    if pattern.chars().any(char::is_control) {
        return Err(UrlError::ControlCharacter { url: redact_url(input), part: "path" }.into());
    }
    Ok((dirs.join("/"), pattern))
}

/// True when the remotes are more than one file, or may be: a wildcard's matches depend on the
/// server, so `-o` must then name a directory whatever their number.
pub fn several(remotes: &[Remote]) -> bool {
    remotes.len() > 1 || remotes.iter().any(|r| r.kind.is_some())
}

impl Pattern {
    /// True when a listed name matches.
    pub fn matches(&self, name: &str) -> bool {
        glob::name(&self.glob, name)
    }

    /// Lists the directory once and returns its matching entries in name order.
    pub async fn expand(&self, session: &mut Session) -> Result<Expansion> {
        let listing = session
            .list(self.dir.remote_path())
            .await
            .with_context(|| format!("listing {}", redact_url(&self.base)))?;
        let mut expansion = self.select(&listing.entries);
        for line in &listing.unparsed {
            expansion.notes.push(format!("pasv: warning: unparsed listing line: {}", escape(line)));
        }
        expansion.listed = listing.entries;
        Ok(expansion)
    }

    fn select(&self, entries: &[Entry]) -> Expansion {
        let mut matches: Vec<&Entry> = entries.iter().filter(|e| self.matches(&e.name)).collect();
        matches.sort_by(|a, b| a.name.cmp(&b.name));
        matches.dedup_by(|a, b| a.name == b.name);
        let mut expansion = Expansion { matches: Vec::new(), notes: Vec::new(), listed: Vec::new() };
        for entry in matches {
            let name = entry.name.as_str();
            if name == "." || name == ".." {
                continue;
            }
            if name.contains('/') || name.chars().any(char::is_control) {
                expansion.notes.push(format!(
                    "pasv: note: left out {:?} from the listing of {}: a name with a '/' or a control character",
                    escape(name),
                    redact_url(&self.base)
                ));
                continue;
            }
            expansion.matches.push(Remote {
                url: format!("{}{}", self.base, encode(name, self.is_url)),
                target: entry_of(&self.dir, name),
                kind: Some(entry.kind),
            });
        }
        expansion
    }

    /// The error for nothing left to act on; `hint` says why what matched was left out.
    pub fn no_match(&self, hint: Option<String>) -> NoMatch {
        NoMatch { url: redact_url(&self.url), hint }
    }
}

/// Where the path of `input` starts (at its first `/`, or a URL's `?`) and ends (a URL's
/// `#`), `None` when it has none.
fn path_range(input: &str, is_url: bool) -> Option<(usize, usize)> {
    if !is_url {
        return input.find('/').map(|start| (start, input.len()));
    }
    let authority = input.find("://")? + 3;
    let start = authority + input[authority..].find(['/', '?', '#'])?;
    if input[start..].starts_with('#') {
        return None;
    }
    Some((start, input[start..].find('#').map_or(input.len(), |i| start + i)))
}

/// One segment of the path as a [`glob`] pattern: a backslash escapes a wildcard character
/// or itself (elsewhere it is a backslash), and in a URL what is percent-encoded is literal.
fn pattern_of(segment: &str, is_url: bool) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(c) = rest.chars().next() {
        let encoded = if is_url { encoded_len(rest) } else { 0 };
        if encoded > 0 {
            out.push_str(&glob::quote(&percent_decode_str(&rest[..encoded]).decode_utf8_lossy()));
            rest = &rest[encoded..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        match (c, rest.chars().next()) {
            ('\\', Some(next @ ('*' | '?' | '[' | ']' | '\\'))) => {
                out.push('\\');
                out.push(next);
                rest = &rest[1..];
            }
            ('\\', _) => out.push_str("\\\\"),
            (c, _) => out.push(c),
        }
    }
    out
}

/// The length of the run of `%XX` escapes `text` starts with (one UTF-8 character may take
/// several).
fn encoded_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut len = 0;
    while bytes.get(len) == Some(&b'%')
        && bytes.get(len + 1).is_some_and(u8::is_ascii_hexdigit)
        && bytes.get(len + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        len += 3;
    }
    len
}

/// A name as it stands in the URL: encoded in a URL, as it is after a bookmark.
fn encode(name: &str, is_url: bool) -> String {
    if is_url { utf8_percent_encode(name, NAME).to_string() } else { name.to_string() }
}

/// The target of `name` in the directory `dir`.
fn entry_of(dir: &Target, name: &str) -> Target {
    let mut target = dir.clone();
    target.path = dir.join(name);
    target.is_dir = false;
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(input: &str) -> (String, String, bool) {
        match parse(input, false).unwrap() {
            Spec::Path { url, target } => (url, target.path, target.is_dir),
            Spec::Pattern(p) => panic!("{input:?} is a pattern: {}", p.glob),
        }
    }

    fn pattern(input: &str) -> Pattern {
        match parse(input, false).unwrap() {
            Spec::Pattern(p) => p,
            Spec::Path { target, .. } => panic!("{input:?} names {:?}", target.path),
        }
    }

    #[test]
    fn plain_urls_are_read_as_before() {
        assert_eq!(path_of("ftp://h/docs/a.pdf"), ("ftp://h/docs/a.pdf".into(), "docs/a.pdf".into(), false));
        assert_eq!(path_of("ftp://h/docs/"), ("ftp://h/docs/".into(), "docs".into(), true));
        assert_eq!(path_of("ftp://h/a%2Ab.txt").1, "a*b.txt");
        assert_eq!(path_of("ftp://[::1]:2121/x").1, "x");
    }

    #[test]
    fn the_last_segment_is_a_pattern() {
        let p = pattern("ftp://u:secret@h/docs/*.pdf");
        assert_eq!((p.dir.path.as_str(), p.dir.is_dir, p.glob.as_str()), ("docs", true, "*.pdf"));
        assert_eq!(p.base, "ftp://u:secret@h/docs/");
        assert!(!p.no_match(None).to_string().contains("secret"));
        // `?` is a wildcard of the path, not the start of a query.
        let p = pattern("ftp://h/r?.txt");
        assert_eq!((p.dir.path.as_str(), p.glob.as_str()), ("", "r?.txt"));
        assert!(p.matches("r1.txt") && !p.matches("r12.txt"));
        let p = pattern("ftp://h/%2Flogs/[a-c]x[!0-9].log");
        assert_eq!(p.dir.path, "/logs");
        assert!(p.matches("bxy.log") && !p.matches("bx1.log") && !p.matches("dxy.log"));
        assert!(!p.matches(".hidden") && !pattern("ftp://h/*").matches(".hidden"));
        // Encoded wildcard characters and escaped ones are literal; the rest still matches.
        let p = pattern("ftp://h/a%2A\\?%5B*");
        assert_eq!(p.glob, "a\\*\\?\\[*");
        assert!(p.matches("a*?[x") && !p.matches("ab?[x"));
        assert_eq!(pattern_of("a%2A*\\x", false), "a%2A*\\\\x");
        let p = pattern("ftp://h/\u{202e}ü\\*%C3%BC?");
        assert_eq!(p.glob, "\u{202e}ü\\*ü?");
        assert!(p.matches("\u{202e}ü*üx"));
    }

    #[test]
    fn odd_inputs_never_panic() {
        for input in [
            "ftp://h/\\",
            "ftp://h/%",
            "ftp://h/%E2%80*",
            "ftp://h/ü\\",
            "ftp://h/\\ü*",
            "ftp://h?*",
            "ftp://h#*",
            "ftp://h/[",
            "ftp://h/[!]",
            "ftp://h/a/%2F*",
            "ftp://h/*%00",
            "ftp://h/\u{202e}?/x",
            "ftp://",
            "ftp:///*",
            "*",
            "/*",
            "ü/*",
            "ftp://h/%ZZ*",
        ] {
            for no_glob in [false, true] {
                let _ = parse(input, no_glob);
            }
        }
        assert_eq!(path_of("ftp://h#x*"), ("ftp://h#x*".into(), "".into(), true));
        assert_eq!(path_of("ftp://h/a#x*").1, "a");
        assert_eq!(pattern("ftp://h?*").glob, "?*");
    }

    #[test]
    fn escapes_name_one_path() {
        assert_eq!(path_of("ftp://h/a\\*b.txt"), ("ftp://h/a%2Ab.txt".into(), "a*b.txt".into(), false));
        assert_eq!(path_of("ftp://h/d\\[1\\]/f\\?").1, "d[1]/f?");
        assert_eq!(path_of("ftp://h/back\\\\slash").1, "back\\slash");
        assert_eq!(path_of("ftp://h/x\\y").1, "x\\y");
        assert_eq!(path_of("ftp://h/x[").1, "x[");
        assert_eq!(path_of("ftp://h/%2Fabs\\*/").1, "/abs*");
    }

    #[test]
    fn wildcards_before_the_last_segment_are_refused() {
        for input in ["ftp://h/*/a.txt", "ftp://h/a?b/c", "ftp://u:secret@h/[ab]/c*"] {
            let err = parse(input, false).err().unwrap().to_string();
            assert!(err.contains("only in the last part"), "{input}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn no_glob_takes_every_character_literally() {
        let path = |input| match parse(input, true).unwrap() {
            Spec::Path { target, .. } => target.path,
            Spec::Pattern(_) => panic!("{input} expanded"),
        };
        assert_eq!(path("ftp://h/a*b.txt"), "a*b.txt");
        assert_eq!(path("ftp://h/d*/x?y[1]"), "d*/x?y[1]");
        assert_eq!(path("ftp://h/a\\*b"), "a\\*b");
        assert_eq!(path("ftps://h/a\\*b"), "a\\*b");
    }

    #[test]
    fn unsafe_listed_names_are_left_out() {
        let entry = |name: &str, kind| Entry {
            name: name.into(),
            kind,
            size: None,
            modified: None,
            permissions: None,
            link_target: None,
        };
        let p = pattern("ftp://h/d/.*");
        let listed = [
            entry("..", EntryKind::Dir),
            entry(".", EntryKind::Dir),
            entry(".b/c", EntryKind::File),
            entry(".e\x1b[2J", EntryKind::File),
            entry(".ok x", EntryKind::File),
            entry(".ok x", EntryKind::File),
            entry(".a", EntryKind::Link),
        ];
        let found = p.select(&listed);
        let urls: Vec<&str> = found.matches.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["ftp://h/d/.a", "ftp://h/d/.ok%20x"]);
        assert_eq!(found.matches[1].target.path, "d/.ok x");
        assert_eq!(found.notes.len(), 2, "{:?}", found.notes);
        assert!(found.notes.iter().all(|n| !n.contains('\x1b')), "{:?}", found.notes);
    }
}
