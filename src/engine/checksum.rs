//! Server-side checksums for verifying transfers: HASH (draft-bryan-ftpext-hash) when FEAT
//! offers it, else the older XSHA512/XSHA256/XSHA1/XMD5/XCRC commands or SITE MD5, and the
//! same algorithms computed locally so the app can compare.
//!
//! These commands are not in RFC 959 or its extensions; proto encodes them like the others
//! ([`Command::Hash`], [`Command::Checksum`]).

use sha2::Digest as _;

use super::{Error, Features, Session};
use crate::proto::{Arg, ChecksumVerb, Command};

/// Algorithms pasv can compute locally, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgorithm {
    Sha512,
    Sha256,
    Sha1,
    Md5,
    Crc32,
}

const ALGORITHMS: [HashAlgorithm; 5] =
    [HashAlgorithm::Sha512, HashAlgorithm::Sha256, HashAlgorithm::Sha1, HashAlgorithm::Md5, HashAlgorithm::Crc32];

/// The commands before HASH, best first: for MD5 the X command, which more servers answer
/// like the others, before SITE MD5.
const EXTENSIONS: [(ChecksumVerb, HashAlgorithm); 6] = [
    (ChecksumVerb::XSha512, HashAlgorithm::Sha512),
    (ChecksumVerb::XSha256, HashAlgorithm::Sha256),
    (ChecksumVerb::XSha1, HashAlgorithm::Sha1),
    (ChecksumVerb::XMd5, HashAlgorithm::Md5),
    (ChecksumVerb::SiteMd5, HashAlgorithm::Md5),
    (ChecksumVerb::XCrc, HashAlgorithm::Crc32),
];

impl HashAlgorithm {
    /// The name in HASH replies and FEAT (IANA hash function textual names).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha512 => "SHA-512",
            Self::Sha256 => "SHA-256",
            Self::Sha1 => "SHA-1",
            Self::Md5 => "MD5",
            Self::Crc32 => "CRC32",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Self::Sha512 => 128,
            Self::Sha256 => 64,
            Self::Sha1 => 40,
            Self::Md5 => 32,
            Self::Crc32 => 8,
        }
    }
}

/// How to ask this server for a checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChecksumMethod {
    /// `HASH path` with the algorithm the server has selected (marked `*` in FEAT), or the
    /// strongest it offers after `OPTS HASH`.
    Hash { algorithm: HashAlgorithm, selected: bool },
    /// `XSHA256 path`, `SITE MD5 path` and friends.
    Extension(ChecksumVerb, HashAlgorithm),
}

impl ChecksumMethod {
    pub(crate) fn algorithm(self) -> HashAlgorithm {
        match self {
            Self::Hash { algorithm, .. } | Self::Extension(_, algorithm) => algorithm,
        }
    }
}

/// True when a FEAT line names `command` (one or more words, as "SITE MD5").
fn lists(line: &str, command: &str) -> bool {
    let mut words = line.split_whitespace();
    command.split(' ').all(|want| words.next().is_some_and(|w| w.eq_ignore_ascii_case(want)))
}

/// A checksum as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checksum {
    pub algorithm: HashAlgorithm,
    pub hex: String,
}

impl Features {
    /// The best checksum this server offers in FEAT, if any.
    pub(crate) fn checksum_method(&self) -> Option<ChecksumMethod> {
        if let Some(offered) = &self.hash {
            let offered: Vec<(String, bool)> = offered
                .split(';')
                .map(|a| a.trim())
                .filter(|a| !a.is_empty())
                .map(|a| (a.trim_end_matches('*').to_ascii_uppercase(), a.ends_with('*')))
                .collect();
            if let Some((name, _)) = offered.iter().find(|(_, selected)| *selected)
                && let Some(algorithm) = ALGORITHMS.into_iter().find(|a| a.name() == name)
            {
                return Some(ChecksumMethod::Hash { algorithm, selected: true });
            }
            if let Some(algorithm) = ALGORITHMS.into_iter().find(|a| offered.iter().any(|(n, _)| n == a.name())) {
                return Some(ChecksumMethod::Hash { algorithm, selected: false });
            }
        }
        EXTENSIONS
            .into_iter()
            .find(|(verb, _)| self.lines.iter().any(|l| lists(l, verb.as_str())))
            .map(|(verb, algorithm)| ChecksumMethod::Extension(verb, algorithm))
    }
}

impl Session {
    /// Asks the server for the checksum of `path` with the best method FEAT offers; `None`
    /// when it offers none, or refuses the one it lists as not implemented (libunftp lists
    /// SITE MD5 and answers 502 to anonymous users).
    pub async fn checksum(&mut self, path: &str) -> Result<Option<Checksum>, Error> {
        if self.checksum_refused {
            return Ok(None);
        }
        let Some(method) = self.features.checksum_method() else {
            return Ok(None);
        };
        let algorithm = method.algorithm();
        let path = Arg::new(path)?;
        let command = match method {
            ChecksumMethod::Hash { selected, .. } => {
                // Once per connection: the choice holds until the server is told otherwise.
                if !selected && !self.hash_selected {
                    let opts = Command::HashAlgorithm(Arg::new(algorithm.name())?);
                    self.control.expect(&opts, &[200]).await?;
                    self.hash_selected = true;
                }
                Command::Hash(path)
            }
            ChecksumMethod::Extension(verb, _) => Command::Checksum(verb, path),
        };
        let reply = match self.control.expect(&command, &[213, 250, 251]).await {
            Err(e) if matches!(e.reply_code(), Some(code) if matches!(code.0, 500 | 502 | 504)) => {
                // Asked once per session: the answer will not change for the next file.
                self.checksum_refused = true;
                return Ok(None);
            }
            other => other?,
        };
        // HASH: "213 SHA-256 0-1234 <hex> name"; X commands: "250 <hex>" (sometimes with the
        // name after it). The first word of the right length that is all hex is the value.
        let hex = reply
            .first_line()
            .split_whitespace()
            .find(|w| w.len() == algorithm.hex_len() && w.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| Error::Unexpected { command: command.to_string(), code: reply.code, text: reply.text() })?;
        Ok(Some(Checksum { algorithm, hex }))
    }
}

/// Computes a checksum locally, chunk by chunk.
pub struct LocalHasher {
    state: State,
}

enum State {
    Sha512(sha2::Sha512),
    Sha256(sha2::Sha256),
    Sha1(sha1::Sha1),
    Md5(md5::Md5),
    Crc32(u32),
}

impl LocalHasher {
    pub fn new(algorithm: HashAlgorithm) -> Self {
        let state = match algorithm {
            HashAlgorithm::Sha512 => State::Sha512(sha2::Sha512::new()),
            HashAlgorithm::Sha256 => State::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha1 => State::Sha1(sha1::Sha1::new()),
            HashAlgorithm::Md5 => State::Md5(md5::Md5::new()),
            HashAlgorithm::Crc32 => State::Crc32(!0),
        };
        Self { state }
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Sha512(h) => h.update(data),
            State::Sha256(h) => h.update(data),
            State::Sha1(h) => h.update(data),
            State::Md5(h) => h.update(data),
            State::Crc32(crc) => *crc = crc32_update(*crc, data),
        }
    }

    /// Lowercase hex.
    pub fn finish(self) -> String {
        let bytes: Vec<u8> = match self.state {
            State::Sha512(h) => h.finalize().to_vec(),
            State::Sha256(h) => h.finalize().to_vec(),
            State::Sha1(h) => h.finalize().to_vec(),
            State::Md5(h) => h.finalize().to_vec(),
            State::Crc32(crc) => (!crc).to_be_bytes().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as XCRC uses.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(algorithm: HashAlgorithm, data: &[u8]) -> String {
        let mut h = LocalHasher::new(algorithm);
        h.update(data);
        h.finish()
    }

    #[test]
    fn computes_known_digests() {
        assert_eq!(hex(HashAlgorithm::Crc32, b"123456789"), "cbf43926");
        assert_eq!(hex(HashAlgorithm::Md5, b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(hex(HashAlgorithm::Sha1, b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            hex(HashAlgorithm::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(HashAlgorithm::Sha512, b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn picks_the_method_from_feat() {
        let features = |hash: Option<&str>, lines: &[&str]| Features {
            hash: hash.map(String::from),
            lines: lines.iter().map(|s| s.to_string()).collect(),
            ..Features::default()
        };
        assert_eq!(
            features(Some("SHA-1;SHA-256*;MD5"), &[]).checksum_method(),
            Some(ChecksumMethod::Hash { algorithm: HashAlgorithm::Sha256, selected: true })
        );
        assert_eq!(
            features(Some("SHA-512*;MD5;SHA-1"), &[]).checksum_method(),
            Some(ChecksumMethod::Hash { algorithm: HashAlgorithm::Sha512, selected: true })
        );
        assert_eq!(
            features(Some("SHA-384*;MD5;SHA-1"), &[]).checksum_method(),
            Some(ChecksumMethod::Hash { algorithm: HashAlgorithm::Sha1, selected: false })
        );
        assert_eq!(
            features(None, &["XCRC \"filename\" SP EP", "XMD5 filename;start;end"]).checksum_method(),
            Some(ChecksumMethod::Extension(ChecksumVerb::XMd5, HashAlgorithm::Md5))
        );
        assert_eq!(
            features(None, &["XSHA256", "XSHA512"]).checksum_method(),
            Some(ChecksumMethod::Extension(ChecksumVerb::XSha512, HashAlgorithm::Sha512))
        );
        assert_eq!(
            features(None, &["REST STREAM", "SITE MD5", "SIZE"]).checksum_method(),
            Some(ChecksumMethod::Extension(ChecksumVerb::SiteMd5, HashAlgorithm::Md5))
        );
        assert_eq!(features(None, &["SITE UTIME"]).checksum_method(), None);
        assert_eq!(features(None, &["SIZE", "MDTM"]).checksum_method(), None);
    }
}
