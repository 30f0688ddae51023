//! Server-side checksums on the wire: the algorithms (IANA hash function textual names, as HASH
//! and FEAT write them), which command a server's FEAT offers (HASH, draft-bryan-ftpext-hash,
//! else the older XSHA512/XSHA256/XSHA1/XMD5/XCRC or SITE MD5), and the digest in a reply.
//! None of these commands is in RFC 959 or its extensions.

use super::{ChecksumVerb, Reply};

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

pub(crate) const ALGORITHMS: [HashAlgorithm; 5] =
    [HashAlgorithm::Sha512, HashAlgorithm::Sha256, HashAlgorithm::Sha1, HashAlgorithm::Md5, HashAlgorithm::Crc32];

/// The commands before HASH, best first: for MD5 the X command, which more servers answer
/// like the others, before SITE MD5.
pub(crate) const EXTENSIONS: [(ChecksumVerb, HashAlgorithm); 6] = [
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

    /// Hex digits in a digest.
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

/// How to ask a server for a checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumMethod {
    /// `HASH path` with the algorithm the server has selected (marked `*` in FEAT), or the
    /// strongest it offers after `OPTS HASH`.
    Hash { algorithm: HashAlgorithm, selected: bool },
    /// `XSHA256 path`, `SITE MD5 path` and friends.
    Extension(ChecksumVerb, HashAlgorithm),
}

impl ChecksumMethod {
    pub fn algorithm(self) -> HashAlgorithm {
        match self {
            Self::Hash { algorithm, .. } | Self::Extension(_, algorithm) => algorithm,
        }
    }
}

/// The digest in a reply to a checksum command, lowercase: HASH answers "213 SHA-256 0-1234
/// <hex> name", the X commands "250 <hex>" (sometimes with the name after it). The first word
/// of the right length that is all hex is the value.
pub fn digest_in(reply: &Reply, algorithm: HashAlgorithm) -> Option<String> {
    reply
        .first_line()
        .split_whitespace()
        .find(|w| w.len() == algorithm.hex_len() && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ReplyCode;

    #[test]
    fn finds_the_digest_in_hash_and_x_command_replies() {
        let md5 = "900150983cd24fb0d6963f7d28e17f72";
        let cases = [
            (213, format!("SHA-256 0-3 {} abc", "BA".repeat(32)), HashAlgorithm::Sha256, Some("ba".repeat(32))),
            (250, md5.to_string(), HashAlgorithm::Md5, Some(md5.to_string())),
            (250, format!("{md5} abc"), HashAlgorithm::Md5, Some(md5.to_string())),
            (213, "CBF43926".to_string(), HashAlgorithm::Crc32, Some("cbf43926".to_string())),
            // Wrong length, not hex, nothing at all.
            (250, md5.to_string(), HashAlgorithm::Sha1, None),
            (250, "x".repeat(32), HashAlgorithm::Md5, None),
            (250, String::new(), HashAlgorithm::Md5, None),
        ];
        for (code, text, algorithm, expected) in cases {
            let reply = Reply { code: ReplyCode(code), lines: vec![text.clone()] };
            assert_eq!(digest_in(&reply, algorithm), expected, "{code} {text}");
        }
    }
}
