//! Server-side checksums for verifying transfers: HASH (draft-bryan-ftpext-hash) when FEAT
//! offers it, else the older XSHA512/XSHA256/XSHA1/XMD5/XCRC commands or SITE MD5, and the
//! same algorithms computed locally so the app can compare.
//!
//! These commands are not in RFC 959 or its extensions; proto encodes them like the others
//! ([`Command::Hash`], [`Command::Checksum`]), picks one from FEAT and reads the digest in the
//! reply ([`crate::proto::checksum`]).

use sha2::Digest as _;

use super::control::unreadable;
use super::{Error, Session};
use crate::proto::checksum::{ChecksumMethod, digest_in};
use crate::proto::{Arg, Command, HashAlgorithm};

/// A checksum as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checksum {
    pub algorithm: HashAlgorithm,
    pub hex: String,
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
            Err(e) if e.reply_code().is_some_and(|code| code.means_not_implemented()) => {
                // Asked once per session: the answer will not change for the next file.
                self.checksum_refused = true;
                return Ok(None);
            }
            other => other?,
        };
        let hex = digest_in(&reply, algorithm).ok_or_else(|| unreadable(&command, &reply))?;
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
}
