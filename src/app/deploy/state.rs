//! The deploy state file (`.pasv-deploy.json` in the target directory): which files pasv put
//! on the server, by content (SHA-256 and size), so that a fresh checkout with new mtimes
//! uploads only what really changed, and so that deletes touch only what pasv owns.
//!
//! Format (JSON, versioned): `format`, `version`, the `source` tree's identity, `files`
//! (path -> sha256, size, and the mode `--chmod` gave it), `dirs` (directories pasv keeps,
//! with their mode), `pending` (paths pasv owns whose content on the server is not known: in
//! flight when a run stopped) and `staged` (`--atomic`: files complete in the staging
//! directory). Every path is relative to the target, `/`-separated, each component a name
//! [`local_component`] accepts; a file with any other path is unreadable as a whole.
//!
//! It carries no secrets: no URL, host, user or password; nothing but paths, digests, sizes
//! and modes. Reading and writing it on the server is `remote`'s job; this module never
//! does I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::app::transfer::job::{base, parent};
use crate::proto::name::local_component;

/// What the `format` field says: a JSON file of this name written by another tool is not ours.
pub const FORMAT: &str = "pasv-deploy";
/// This format's version; a newer one is unreadable here (never guessed at).
pub const VERSION: u32 = 1;
/// A state file larger than this is not read (20,000 files take about 2.5 MiB).
pub const MAX_BYTES: u64 = 256 << 20;

/// A SHA-256 digest, written as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hex().as_str())
    }
}

/// Lowercase hex of a digest, without allocating (the state file has one per file).
pub struct Hex([u8; 64]);

impl Hex {
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into it.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Digest {
    pub fn parse(hex: &str) -> Option<Self> {
        let hex = hex.as_bytes();
        if hex.len() != 64 {
            return None;
        }
        // A table, and one check at the end: 20,000 digests are read with every state file.
        const BAD: u8 = 0xff;
        const VALUES: [u8; 256] = {
            let mut table = [BAD; 256];
            let mut c = 0;
            while c < 256 {
                table[c] = match c as u8 {
                    b'0'..=b'9' => c as u8 - b'0',
                    b'a'..=b'f' => c as u8 - b'a' + 10,
                    b'A'..=b'F' => c as u8 - b'A' + 10,
                    _ => BAD,
                };
                c += 1;
            }
            table
        };
        let mut out = [0u8; 32];
        let mut bad = 0u8;
        for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            let (high, low) = (VALUES[usize::from(pair[0])], VALUES[usize::from(pair[1])]);
            bad |= high | low;
            *byte = high << 4 | low;
        }
        // A digit's value fits in four bits; BAD does not.
        (bad & 0xf0 == 0).then_some(Self(out))
    }

    pub fn hex(&self) -> Hex {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(b >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
        }
        Hex(out)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.hex().as_str())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Digest::parse(&text).ok_or_else(|| serde::de::Error::custom("a sha256 must be 64 hex digits"))
    }
}

/// Permission bits for SITE CHMOD, written in octal ("644").
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Mode(pub u32);

impl Mode {
    /// "644", "0755", "2775": octal digits, at most 0o7777.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        u32::from_str_radix(text, 8).ok().filter(|m| *m <= 0o7777).map(Self)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:o}", self.0)
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Mode::parse(&text).ok_or_else(|| serde::de::Error::custom("a mode must be octal digits, like \"644\""))
    }
}

/// One file as it is on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub sha256: Digest,
    pub size: u64,
    /// The mode `--chmod` set; absent when pasv set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
}

/// One directory pasv keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub format: String,
    pub version: u32,
    /// Which source tree this is the state of (the source directory's name).
    pub source: String,
    /// False while a run is under way (checkpoints); true once it finished.
    #[serde(default)]
    pub complete: bool,
    #[serde(default, deserialize_with = "map_at_once")]
    pub files: BTreeMap<String, FileRecord>,
    #[serde(default)]
    pub dirs: BTreeMap<String, DirRecord>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pending: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub staged: BTreeMap<String, FileRecord>,
}

/// A JSON object read into a map built at once from its entries (a state file lists 20,000
/// files, in order), rather than one insert at a time.
fn map_at_once<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, V>, D::Error> {
    struct Entries<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Entries<V> {
        type Value = Vec<(String, V)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    Ok(deserializer.deserialize_map(Entries(std::marker::PhantomData))?.into_iter().collect())
}

/// Why a state file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("it is not JSON pasv can read ({0})")]
    Json(String),
    #[error("it is not a pasv deploy state (format {0:?})")]
    Format(String),
    #[error("it has version {0}, newer than this pasv understands ({VERSION})")]
    Version(u32),
    #[error("it names a path pasv would not write: {0}")]
    Path(String),
}

impl State {
    pub fn new(source: &str) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            source: source.into(),
            complete: false,
            files: BTreeMap::new(),
            dirs: BTreeMap::new(),
            pending: BTreeSet::new(),
            staged: BTreeMap::new(),
        }
    }
}

/// `a/b/c.html`: relative, `/`-separated, every component an ordinary name.
pub fn is_plain_path(path: &str) -> bool {
    !path.is_empty() && path.split('/').all(|c| local_component(c).is_ok())
}

/// The directories that hold `paths` (each one's parent, its parent, and so on, never ""),
/// under `root` ("" for none), outermost first: the order to make them in.
pub fn ancestors<'p>(root: &str, paths: impl IntoIterator<Item = &'p str>) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    for path in paths {
        let mut dir = parent(path);
        // One already there has its own ancestors there too.
        while !dir.is_empty() && dirs.insert(dir) {
            dir = parent(dir);
        }
    }
    let mut dirs: Vec<String> =
        dirs.into_iter().map(|dir| if root.is_empty() { dir.to_string() } else { format!("{root}/{dir}") }).collect();
    // Stable: by name within a depth.
    dirs.sort_by_key(|d| d.matches('/').count());
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(byte: u8) -> Digest {
        Digest([byte; 32])
    }

    #[test]
    fn parses_modes_and_paths() {
        assert_eq!(Mode::parse("644"), Some(Mode(0o644)));
        assert_eq!(Mode::parse("0755"), Some(Mode(0o755)));
        assert_eq!(Mode::parse("2775").map(|m| m.to_string()), Some("2775".into()));
        for bad in ["", "8", "rw-r--r--", "77777", "-1"] {
            assert_eq!(Mode::parse(bad), None, "{bad}");
        }
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
        assert_eq!(base("a/b/c"), "c");
        let paths = ["b/x/f", "a/f", "b/g", "b/x/y/h", "top"];
        assert_eq!(ancestors("", paths), ["a", "b", "b/x", "b/x/y"]);
        assert_eq!(ancestors(".stage", paths), [".stage/a", ".stage/b", ".stage/b/x", ".stage/b/x/y"]);
        assert!(ancestors("r", ["top"]).is_empty());
        assert_eq!(Digest::parse(&"0f".repeat(32)), Some(digest(0x0f)));
        assert_eq!(Digest::parse("zz"), None);
        assert_eq!(Digest::parse(&"0F".repeat(32)), Some(digest(0x0f)));
        let hex = "0123456789abcdef".repeat(4);
        assert_eq!(Digest::parse(&hex).map(|d| d.to_string()), Some(hex.clone()));
        for bad in ['g', 'G', ' ', '/', ':', '@', '`', 'é'] {
            let text: String = hex.chars().take(63).chain([bad]).collect();
            assert_eq!(Digest::parse(&text), None, "{text}");
        }
    }
}
