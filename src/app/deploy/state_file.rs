//! The state file's bytes: [`parse`] reads and checks them, [`write`] makes them.
//!
//! Its own layout is read and written without serde's generic machinery: a state is
//! written twice a run or more and read once, 2.3 MB for 20,000 files, and serde spent about
//! 5 ms writing it and 10 ms reading it where this takes one or two (during a scan that
//! needs every core). [`write`] gives exactly the bytes `serde_json` gives for a [`State`] (a
//! test holds them equal), so the file stays plain JSON any tool reads. The fast reader takes
//! only that exact layout; anything else (spaces, another key order, an escaped character, a
//! file another tool rewrote) is read by serde.

use std::collections::{BTreeMap, BTreeSet};

use super::state::{Digest, DirRecord, FORMAT, FileRecord, Mode, State, Unreadable, VERSION, is_plain_path};

/// `{"sha256":"<64 hex>","size":N}`, its quotes and comma, about.
const FILE_RECORD_BYTES: usize = 100;

/// Parses and checks a state file: a path that is not a plain relative path makes the
/// whole file unreadable (it would otherwise name something to delete).
pub fn parse(bytes: &[u8]) -> Result<State, Unreadable> {
    let state = match read(bytes) {
        Some(state) => state,
        None => serde_json::from_slice(bytes).map_err(|e| Unreadable::Json(e.to_string()))?,
    };
    if state.format != FORMAT {
        return Err(Unreadable::Format(state.format));
    }
    if state.version != VERSION {
        return Err(Unreadable::Version(state.version));
    }
    // "" in `dirs` is the target itself.
    let dirs = state.dirs.keys().filter(|d| !d.is_empty());
    let paths = state.files.keys().chain(dirs).chain(&state.pending).chain(state.staged.keys());
    if let Some(bad) = paths.into_iter().find(|p| !is_plain_path(p)) {
        return Err(Unreadable::Path(bad.escape_debug().to_string()));
    }
    Ok(state)
}

/// The state as JSON, as `serde_json::to_vec` writes it, and a newline.
pub fn write(state: &State) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + state.files.len() * (FILE_RECORD_BYTES + 40));
    out.extend_from_slice(b"{\"format\":");
    string(&mut out, &state.format);
    out.extend_from_slice(b",\"version\":");
    number(&mut out, u64::from(state.version));
    out.extend_from_slice(b",\"source\":");
    string(&mut out, &state.source);
    out.extend_from_slice(if state.complete { b",\"complete\":true" } else { b",\"complete\":false" });
    out.extend_from_slice(b",\"files\":");
    files(&mut out, &state.files);
    out.extend_from_slice(b",\"dirs\":{");
    for (i, (dir, record)) in state.dirs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(&mut out, dir);
        out.extend_from_slice(b":{");
        if let Some(mode) = record.mode {
            self::mode(&mut out, mode);
        }
        out.push(b'}');
    }
    out.push(b'}');
    if !state.pending.is_empty() {
        out.extend_from_slice(b",\"pending\":[");
        for (i, rel) in state.pending.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(&mut out, rel);
        }
        out.push(b']');
    }
    if !state.staged.is_empty() {
        out.extend_from_slice(b",\"staged\":");
        files(&mut out, &state.staged);
    }
    out.extend_from_slice(b"}\n");
    out
}

fn files(out: &mut Vec<u8>, files: &BTreeMap<String, FileRecord>) {
    out.push(b'{');
    for (i, (rel, record)) in files.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, rel);
        out.extend_from_slice(b":{\"sha256\":\"");
        out.extend_from_slice(record.sha256.hex().as_str().as_bytes());
        out.extend_from_slice(b"\",\"size\":");
        number(out, record.size);
        if let Some(mode) = record.mode {
            out.push(b',');
            self::mode(out, mode);
        }
        out.push(b'}');
    }
    out.push(b'}');
}

fn mode(out: &mut Vec<u8>, mode: Mode) {
    out.extend_from_slice(b"\"mode\":\"");
    out.extend_from_slice(mode.to_string().as_bytes());
    out.push(b'"');
}

/// Decimal digits, without the formatting machinery (once per file).
fn number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// A JSON string: copied as it is unless a character needs escaping (a quote, a backslash,
/// a control character: never in a name a site has, in practice), then serde's escaping.
fn string(out: &mut Vec<u8>, text: &str) {
    if text.bytes().any(needs_escape) {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// A state in exactly [`write`]'s layout; `None` for anything else (not an error: serde
/// then reads it, and says what is wrong if something is).
fn read(bytes: &[u8]) -> Option<State> {
    let mut r = Reader { bytes, at: 0 };
    r.expect(b"{\"format\":")?;
    let format = r.string()?.to_string();
    r.expect(b",\"version\":")?;
    let version = u32::try_from(r.number()?).ok()?;
    r.expect(b",\"source\":")?;
    let source = r.string()?.to_string();
    let complete = if r.eat(b",\"complete\":true") {
        true
    } else {
        r.expect(b",\"complete\":false")?;
        false
    };
    r.expect(b",\"files\":")?;
    let files = r.files()?;
    r.expect(b",\"dirs\":{")?;
    let mut dirs = Vec::new();
    while !r.eat(b"}") {
        if !dirs.is_empty() {
            r.expect(b",")?;
        }
        let dir = r.string()?.to_string();
        r.expect(b":{")?;
        let mode = if r.eat(b"}") {
            None
        } else {
            let mode = r.mode()?;
            r.expect(b"}")?;
            Some(mode)
        };
        dirs.push((dir, DirRecord { mode }));
    }
    let mut pending = BTreeSet::new();
    if r.eat(b",\"pending\":[") {
        while !r.eat(b"]") {
            if !pending.is_empty() {
                r.expect(b",")?;
            }
            pending.insert(r.string()?.to_string());
        }
    }
    let staged = if r.eat(b",\"staged\":") { r.files()? } else { BTreeMap::new() };
    r.expect(b"}")?;
    r.eat(b"\n");
    // What serde would refuse or read otherwise: trailing bytes, names out of order.
    if r.at != bytes.len() || !dirs.windows(2).all(|pair| pair[0].0 < pair[1].0) {
        return None;
    }
    Some(State { format, version, source, complete, files, dirs: dirs.into_iter().collect(), pending, staged })
}

struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn eat(&mut self, what: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(what);
        if found {
            self.at += what.len();
        }
        found
    }

    fn expect(&mut self, what: &[u8]) -> Option<()> {
        self.eat(what).then_some(())
    }

    /// A string without escapes (one with any is not this layout's).
    fn string(&mut self) -> Option<&'b str> {
        self.expect(b"\"")?;
        let rest = &self.bytes[self.at..];
        let len = rest.iter().position(|&b| b == b'"')?;
        let text = &rest[..len];
        if text.iter().copied().any(needs_escape) {
            return None;
        }
        self.at += len + 1;
        std::str::from_utf8(text).ok()
    }

    /// Digits, as serde writes a number: no sign, no leading zero, no fraction.
    fn number(&mut self) -> Option<u64> {
        let rest = &self.bytes[self.at..];
        let len = rest.iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
        if len == 0 || (len > 1 && rest[0] == b'0') {
            return None;
        }
        let mut n = 0u64;
        for &digit in &rest[..len] {
            n = n.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
        }
        self.at += len;
        Some(n)
    }

    fn mode(&mut self) -> Option<Mode> {
        self.expect(b"\"mode\":")?;
        Mode::parse(self.string()?)
    }

    /// `{"path":{"sha256":"...","size":N[,"mode":"644"]},...}`, paths in order.
    fn files(&mut self) -> Option<BTreeMap<String, FileRecord>> {
        self.expect(b"{")?;
        let mut files: Vec<(String, FileRecord)> = Vec::new();
        while !self.eat(b"}") {
            if !files.is_empty() {
                self.expect(b",")?;
            }
            let rel = self.string()?;
            if files.last().is_some_and(|(last, _)| last.as_str() >= rel) {
                return None;
            }
            self.expect(b":{\"sha256\":")?;
            let sha256 = Digest::parse(self.string()?)?;
            self.expect(b",\"size\":")?;
            let size = self.number()?;
            let mode = if self.eat(b",") { Some(self.mode()?) } else { None };
            self.expect(b"}")?;
            files.push((rel.to_string(), FileRecord { sha256, size, mode }));
        }
        // In order and without repeats: built at once.
        Some(files.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(byte: u8) -> Digest {
        Digest([byte; 32])
    }

    /// A state with every section, odd names (some that need escaping) and modes.
    fn varied(escapes: bool) -> State {
        let mut state = State::new("public");
        state.complete = true;
        let names = ["index.html", "a/é ü €", "a/\u{7f}", "b/c/d.css", "z"];
        let odd = ["a/quote\"d", "a/back\\slash", "a/tab\there", "a/\u{1}"];
        let all = names.iter().chain(if escapes { &odd[..] } else { &[] });
        for (i, rel) in all.enumerate() {
            let mode = (i % 2 == 0).then_some(Mode(0o644 + i as u32));
            state
                .files
                .insert(rel.to_string(), FileRecord { sha256: digest((i * 37) as u8), size: i as u64 * 1000, mode });
            state
                .staged
                .insert(rel.to_string(), FileRecord { sha256: digest(i as u8), size: u64::MAX - i as u64, mode });
            state.pending.insert(format!("p/{rel}"));
            state.dirs.insert(rel.to_string(), DirRecord { mode: (i % 3 == 0).then_some(Mode(0o2775)) });
        }
        state.dirs.insert(String::new(), DirRecord::default());
        state
    }

    fn serde_bytes(state: &State) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(state).unwrap();
        bytes.push(b'\n');
        bytes
    }

    #[test]
    fn round_trips_through_json() {
        let mut state = State::new("public");
        state.files.insert("index.html".into(), FileRecord { sha256: digest(0xab), size: 12, mode: Some(Mode(0o644)) });
        state.files.insert("a/b.css".into(), FileRecord { sha256: digest(1), size: 0, mode: None });
        state.dirs.insert("a".into(), DirRecord { mode: Some(Mode(0o755)) });
        state.dirs.insert(String::new(), DirRecord::default());
        state.pending.insert("gone.txt".into());
        let json = write(&state);
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains(r#""format":"pasv-deploy","version":1,"source":"public""#), "{text}");
        assert!(text.contains(&format!(r#""sha256":"{}""#, "ab".repeat(32))), "{text}");
        assert!(text.contains(r#""mode":"644""#), "{text}");
        assert!(!text.contains("staged"), "empty sections are left out: {text}");
        assert_eq!(parse(&json).unwrap(), state);
    }

    #[test]
    fn refuses_what_it_cannot_trust() {
        let file = |files: &str| format!(r#"{{"format":"pasv-deploy","version":1,"source":"s","files":{files}}}"#);
        let ok = file(&format!(r#"{{"a/b":{{"sha256":"{}","size":1}}}}"#, "0".repeat(64)));
        assert!(parse(ok.as_bytes()).is_ok());
        for bad in ["../etc/passwd", "/abs", "a//b", "a/./b", "tab\there", ""] {
            let text = file(&format!(r#"{{{}:{{"sha256":"{}","size":1}}}}"#, serde_json::json!(bad), "0".repeat(64)));
            assert!(matches!(parse(text.as_bytes()), Err(Unreadable::Path(_))), "{bad:?}");
        }
        assert!(matches!(parse(b"not json"), Err(Unreadable::Json(_))));
        assert!(matches!(parse(br#"{"format":"x","version":1,"source":"s"}"#), Err(Unreadable::Format(_))));
        assert_eq!(parse(br#"{"format":"pasv-deploy","version":2,"source":"s"}"#), Err(Unreadable::Version(2)));
        let short = file(r#"{"a":{"sha256":"abc","size":1}}"#);
        assert!(matches!(parse(short.as_bytes()), Err(Unreadable::Json(_))));
    }

    #[test]
    fn writes_what_serde_would() {
        for state in [State::new("pub\"lic"), State::new("public"), varied(false), varied(true)] {
            assert_eq!(String::from_utf8(write(&state)).unwrap(), String::from_utf8(serde_bytes(&state)).unwrap());
        }
    }

    #[test]
    fn reads_its_own_layout_as_serde_would() {
        for state in [State::new("public"), varied(false)] {
            let bytes = write(&state);
            assert_eq!(read(&bytes).as_ref(), Some(&state));
            assert_eq!(read(&bytes[..bytes.len() - 1]).as_ref(), Some(&state), "without the newline");
            let serde: State = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(serde, state);
        }
    }

    #[test]
    fn leaves_anything_else_to_serde() {
        // Escaped names: serde's to read.
        assert_eq!(read(&write(&varied(true))), None);
        let bytes = String::from_utf8(write(&varied(false))).unwrap();
        let files = format!(
            r#"{{"a":{{"sha256":"{}","size":1}},"b":{{"sha256":"{}","size":2}}}}"#,
            "0".repeat(64),
            "1".repeat(64)
        );
        let head = r#"{"format":"pasv-deploy","version":1,"source":"s","complete":false,"files":"#;
        let plain = format!(r#"{head}{files},"dirs":{{}}}}"#);
        assert!(read(plain.as_bytes()).is_some());
        for other in [
            bytes.replacen(",", ", ", 1),
            bytes.replace('}', " }"),
            format!("{bytes}x"),
            format!(" {bytes}"),
            bytes.replacen(r#""version":1"#, r#""version":01"#, 1),
            bytes.replacen(r#""version":1"#, r#""version":1.0"#, 1),
            bytes.replacen(r#""version":1"#, r#""version":-1"#, 1),
            plain.replacen(r#""a""#, r#""c""#, 1),
            plain.replacen(r#""b""#, r#""a""#, 1),
            plain.replacen(r#""size":1"#, r#""size":99999999999999999999999"#, 1),
            plain.replacen(r#""size":1"#, r#""size":1,"extra":2"#, 1),
            plain.replacen(r#","dirs":{}"#, r#","dirs":{"b":{},"a":{}}"#, 1),
            plain.replacen(r#""source":"s""#, r#""source":"\u0073""#, 1),
            plain.replacen(r#""complete":false,"#, "", 1),
        ] {
            assert_eq!(read(other.as_bytes()), None, "{other}");
        }
    }
}
