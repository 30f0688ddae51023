//! FEAT (RFC 2389): what a server says it supports, from its 211 reply, and what follows
//! from that: whether it offers AUTH TLS (RFC 4217 section 6) and which checksum command to
//! ask it for.

use super::checksum::{ALGORITHMS, ChecksumMethod, EXTENSIONS};
use super::{Reply, ReplyCode};

/// What FEAT said, as far as pasv cares.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Features {
    pub epsv: bool,
    pub mlst: bool,
    pub size: bool,
    pub mdtm: bool,
    pub rest_stream: bool,
    pub utf8: bool,
    pub mfmt: bool,
    pub hash: Option<String>,
    /// Every feature line, trimmed.
    pub lines: Vec<String>,
}

impl Features {
    /// The features in a reply to FEAT: none unless it is a 211, whose lines between the
    /// first and the last name one feature each (RFC 2389 section 3.2).
    pub fn parse(reply: &Reply) -> Self {
        let mut features = Self::default();
        if reply.code != ReplyCode::FEATURES {
            return features;
        }
        let lines = reply.lines.iter().skip(1).take(reply.lines.len().saturating_sub(2));
        for line in lines {
            let line = line.trim();
            let mut words = line.splitn(2, ' ');
            let name = words.next().unwrap_or("").to_ascii_uppercase();
            let rest = words.next().unwrap_or("").trim();
            match name.as_str() {
                "EPSV" => features.epsv = true,
                "MLST" => features.mlst = true,
                "SIZE" => features.size = true,
                "MDTM" => features.mdtm = true,
                "REST" if rest.eq_ignore_ascii_case("STREAM") => features.rest_stream = true,
                "UTF8" => features.utf8 = true,
                "MFMT" => features.mfmt = true,
                "HASH" => features.hash = Some(rest.to_string()),
                _ => {}
            }
            features.lines.push(line.to_string());
        }
        features
    }

    /// An `AUTH` line that lists TLS (RFC 4217 section 6: "AUTH TLS", often with others).
    pub fn offers_auth_tls(&self) -> bool {
        self.lines.iter().any(|l| {
            let upper = l.to_ascii_uppercase();
            upper.starts_with("AUTH") && upper.contains("TLS")
        })
    }

    /// The best checksum this server offers in FEAT, if any.
    pub fn checksum_method(&self) -> Option<ChecksumMethod> {
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

/// True when a FEAT line names `command` (one or more words, as "SITE MD5").
fn lists(line: &str, command: &str) -> bool {
    let mut words = line.split_whitespace();
    command.split(' ').all(|want| words.next().is_some_and(|w| w.eq_ignore_ascii_case(want)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ChecksumVerb;
    use crate::proto::checksum::HashAlgorithm;

    #[test]
    fn parses_feat_lists() {
        let reply = Reply::of(
            211,
            &[
                "Features:",
                " EPSV",
                " MLST type*;size*;modify*;",
                " REST STREAM",
                " SIZE",
                " UTF8",
                " HASH SHA-256*;MD5",
                "End",
            ],
        );
        let features = Features::parse(&reply);
        assert!(features.epsv && features.mlst && features.size && features.rest_stream && features.utf8);
        assert!(!features.mdtm);
        assert_eq!(features.hash.as_deref(), Some("SHA-256*;MD5"));
        assert_eq!(features.lines.len(), 6);
    }

    #[test]
    fn reads_each_feature_from_its_line() {
        let cases: [(&[&str], Features); 6] = [
            (&[" mdtm", " mfmt"], Features { mdtm: true, mfmt: true, ..Features::default() }),
            // REST alone is not REST STREAM (RFC 3659 section 5.2).
            (&[" REST"], Features::default()),
            (&[" REST stream"], Features { rest_stream: true, ..Features::default() }),
            (&[" HASH"], Features { hash: Some(String::new()), ..Features::default() }),
            // Only whole words count.
            (&[" EPSVX", " SIZES"], Features::default()),
            (&[], Features::default()),
        ];
        for (lines, expected) in cases {
            let mut all = vec!["Features:"];
            all.extend(lines);
            all.push("End");
            let parsed = Features::parse(&Reply::of(211, &all));
            let expected = Features { lines: lines.iter().map(|l| l.trim().to_string()).collect(), ..expected };
            assert_eq!(parsed, expected, "{lines:?}");
        }
    }

    #[test]
    fn a_refused_or_single_line_feat_offers_nothing() {
        for reply in
            [Reply::of(500, &["FEAT not understood"]), Reply::of(502, &[" SIZE"]), Reply::of(211, &["no features"])]
        {
            assert_eq!(Features::parse(&reply), Features::default(), "{reply}");
        }
    }

    #[test]
    fn finds_auth_tls() {
        let with = |line: &str| Features::parse(&Reply::of(211, &["Features:", line, "End"]));
        assert!(with(" AUTH TLS").offers_auth_tls());
        assert!(with(" auth SSL;TLS-C;TLS").offers_auth_tls());
        assert!(!with(" AUTH SSL").offers_auth_tls());
        assert!(!with(" PROT TLS").offers_auth_tls());
    }

    #[test]
    fn picks_the_checksum_method_from_feat() {
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
