//! Passive-mode replies: 227 (PASV, RFC 959 section 4.1.2) and 229 (EPSV, RFC 2428 section 3).
//!
//! Parsing only. Which address the data connection goes to is policy, decided by the engine:
//! the address inside a 227 is untrusted input (a server can name any host).

// Addresses as values (`core::net`, the same types std::net re-exports): proto opens no sockets.
use core::net::{Ipv4Addr, SocketAddrV4};

/// Why a passive reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassiveError {
    #[error("no h1,h2,h3,h4,p1,p2 address in the 227 reply {text:?}")]
    NoAddress { text: String },
    #[error("no (|||port|) in the 229 reply {text:?}")]
    NoPort { text: String },
    #[error("the passive reply names port 0")]
    PortZero,
}

/// The six numbers of a 227 reply, decoded: `port = p1 * 256 + p2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassiveAddress {
    pub addr: SocketAddrV4,
    pub p1: u8,
    pub p2: u8,
}

/// Finds `h1,h2,h3,h4,p1,p2` anywhere in the reply text. RFC 1123 section 4.1.2.6: a client
/// must scan for the numbers rather than expect parentheses; servers send `(...)`, `=...`,
/// bare numbers and trailing dots. Each number must fit in a byte (256 is refused, not
/// wrapped), and the first run of six that parses wins.
pub fn parse_227(text: &str) -> Result<PassiveAddress, PassiveError> {
    let bytes = text.as_bytes();
    for start in 0..bytes.len() {
        // A run starts at a digit that does not continue a number or a list ("-1", ",7").
        let at_run_start =
            bytes[start].is_ascii_digit() && (start == 0 || !matches!(bytes[start - 1], b'0'..=b'9' | b',' | b'-'));
        if !at_run_start {
            continue;
        }
        if let Some(numbers) = six_numbers(&bytes[start..]) {
            let [h1, h2, h3, h4, p1, p2] = numbers;
            let port = u16::from(p1) << 8 | u16::from(p2);
            if port == 0 {
                return Err(PassiveError::PortZero);
            }
            let addr = SocketAddrV4::new(Ipv4Addr::new(h1, h2, h3, h4), port);
            return Ok(PassiveAddress { addr, p1, p2 });
        }
    }
    Err(PassiveError::NoAddress { text: clip(text) })
}

/// Six comma-separated decimal bytes at the start of `bytes` (spaces around commas allowed).
fn six_numbers(bytes: &[u8]) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut pos = 0;
    for (index, slot) in out.iter_mut().enumerate() {
        if index > 0 {
            while bytes.get(pos) == Some(&b' ') {
                pos += 1;
            }
            if bytes.get(pos) != Some(&b',') {
                return None;
            }
            pos += 1;
            while bytes.get(pos) == Some(&b' ') {
                pos += 1;
            }
        }
        let digits = bytes[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let mut value: u16 = 0;
        for &b in &bytes[pos..pos + digits] {
            value = value * 10 + u16::from(b - b'0');
        }
        *slot = u8::try_from(value).ok()?;
        pos += digits;
    }
    // A seventh number means this was not the address (e.g. "1,2,3,4,5,6,7").
    if bytes.get(pos) == Some(&b',') && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(out)
}

/// Finds `(<d><d><d>port<d>)` in a 229 reply, where `<d>` is any printable non-digit ASCII
/// delimiter (RFC 2428 section 3 recommends `|` but allows others), and returns the port.
pub fn parse_229(text: &str) -> Result<u16, PassiveError> {
    let bytes = text.as_bytes();
    for start in 0..bytes.len() {
        let d = bytes[start];
        if !(33..=126).contains(&d) || d.is_ascii_digit() || d == b'(' {
            continue;
        }
        if bytes.get(start + 1) != Some(&d) || bytes.get(start + 2) != Some(&d) {
            continue;
        }
        let digits_start = start + 3;
        let digits = bytes[digits_start..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 5 || bytes.get(digits_start + digits) != Some(&d) {
            continue;
        }
        let mut value: u32 = 0;
        for &b in &bytes[digits_start..digits_start + digits] {
            value = value * 10 + u32::from(b - b'0');
        }
        let Ok(port) = u16::try_from(value) else {
            continue;
        };
        if port == 0 {
            return Err(PassiveError::PortZero);
        }
        return Ok(port);
    }
    Err(PassiveError::NoPort { text: clip(text) })
}

fn clip(text: &str) -> String {
    text.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_227_shape_seen_in_the_wild() {
        let cases = [
            ("Entering Passive Mode (127,0,0,1,156,64)", [127, 0, 0, 1], 40000),
            ("Entering Passive Mode (127,0,0,1,156,64).", [127, 0, 0, 1], 40000),
            ("Entering Passive Mode 127,0,0,1,156,64", [127, 0, 0, 1], 40000),
            ("=127,0,0,1,156,64", [127, 0, 0, 1], 40000),
            ("Entering Passive Mode (10, 0, 0, 5, 4, 1)", [10, 0, 0, 5], 1025),
            ("Entering Passive Mode (192,168,1,2,255,255)", [192, 168, 1, 2], 65535),
            ("Entering Passive Mode (0,0,0,0,0,21)", [0, 0, 0, 0], 21),
            ("Entering Passive Mode 1 (127,0,0,9,4,0)", [127, 0, 0, 9], 1024),
            ("Entering Passive Mode (127,000,000,001,156,064)", [127, 0, 0, 1], 40000),
            ("Passive mode 1,2,3,4,5,6,7 then (127,0,0,1,0,80)", [127, 0, 0, 1], 80),
        ];
        for (text, ip, port) in cases {
            let parsed = parse_227(text).unwrap();
            assert_eq!(parsed.addr, SocketAddrV4::new(Ipv4Addr::from(ip), port), "{text}");
            assert_eq!(u16::from(parsed.p1) * 256 + u16::from(parsed.p2), port, "{text}");
        }
    }

    #[test]
    fn refuses_hostile_227_replies() {
        let cases = [
            "Entering Passive Mode (127,0,0,1,256,64)",
            "Entering Passive Mode (127,0,0,1,156)",
            "Entering Passive Mode (127,0,0,1,1564,64)",
            "Entering Passive Mode (18446744073709551616,0,0,1,1,1)",
            "Entering Passive Mode (-1,0,0,1,1,1)",
            "Entering Passive Mode",
            "",
            "(,,,,,)",
        ];
        for text in cases {
            assert!(matches!(parse_227(text), Err(PassiveError::NoAddress { .. })), "{text}: {:?}", parse_227(text));
        }
        assert_eq!(parse_227("Entering Passive Mode (127,0,0,1,0,0)"), Err(PassiveError::PortZero));
    }

    #[test]
    fn parses_229_with_any_delimiter() {
        let cases = [
            ("Entering Extended Passive Mode (|||6446|)", 6446),
            ("Entering Extended Passive Mode (|||6446|).", 6446),
            ("Entering Extended Passive Mode (!!!40000!)", 40000),
            ("Entering Extended Passive Mode (###65535#)", 65535),
            ("EPSV ok |||1|", 1),
        ];
        for (text, port) in cases {
            assert_eq!(parse_229(text), Ok(port), "{text}");
        }
    }

    #[test]
    fn refuses_hostile_229_replies() {
        let cases = [
            "Entering Extended Passive Mode (|||65536|)",
            "Entering Extended Passive Mode (|||99999999999999999999|)",
            "Entering Extended Passive Mode (|||6446!)",
            "Entering Extended Passive Mode (||6446|)",
            "Entering Extended Passive Mode (|||)",
            "Entering Extended Passive Mode",
            "",
        ];
        for text in cases {
            assert!(matches!(parse_229(text), Err(PassiveError::NoPort { .. })), "{text}: {:?}", parse_229(text));
        }
        assert_eq!(parse_229("(|||0|)"), Err(PassiveError::PortZero));
    }
}
