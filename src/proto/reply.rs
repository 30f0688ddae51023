//! Server replies: the reply code, the reply text, and an incremental decoder.
//!
//! RFC 959 section 4.2: a reply is `ddd text` on one line, or a multi-line reply that opens
//! with `ddd-` and ends at the first line that starts with the same code and a space. The
//! decoder works on a caller-owned buffer (parse what is there, ask for more bytes otherwise),
//! and caps line length, line count and total size so a hostile server cannot make the client
//! grow without bound.

use std::fmt;

/// A three-digit reply code. Any code from 100 to 599 is kept as is: an unknown code is still
/// a code (FTPS servers use 522, 534, ...), never mapped to a catch-all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ReplyCode(pub u16);

impl ReplyCode {
    pub const RESTART_MARKER: Self = Self(110);
    pub const READY_IN: Self = Self(120);
    pub const ALREADY_OPEN: Self = Self(125);
    pub const OPENING_DATA: Self = Self(150);
    pub const OK: Self = Self(200);
    pub const FEATURES: Self = Self(211);
    pub const FILE_STATUS: Self = Self(213);
    pub const SYSTEM: Self = Self(215);
    pub const READY: Self = Self(220);
    pub const CLOSING: Self = Self(221);
    pub const TRANSFER_COMPLETE: Self = Self(226);
    pub const PASSIVE: Self = Self(227);
    pub const EXTENDED_PASSIVE: Self = Self(229);
    pub const LOGGED_IN: Self = Self(230);
    pub const AUTH_OK: Self = Self(234);
    pub const FILE_ACTION_OK: Self = Self(250);
    pub const PATH_CREATED: Self = Self(257);
    pub const NEED_PASSWORD: Self = Self(331);
    pub const NEED_ACCOUNT: Self = Self(332);
    pub const PENDING: Self = Self(350);
    pub const NOT_AVAILABLE: Self = Self(421);
    pub const CANT_OPEN_DATA: Self = Self(425);
    pub const TRANSFER_ABORTED: Self = Self(426);
    pub const FILE_BUSY: Self = Self(450);
    pub const LOCAL_ERROR: Self = Self(451);
    pub const SYNTAX_ERROR: Self = Self(500);
    pub const NOT_IMPLEMENTED: Self = Self(502);
    pub const BAD_SEQUENCE: Self = Self(503);
    pub const NOT_IMPLEMENTED_PARAMETER: Self = Self(504);
    pub const NOT_LOGGED_IN: Self = Self(530);
    pub const FILE_UNAVAILABLE: Self = Self(550);

    pub fn class(self) -> ReplyClass {
        match self.0 / 100 {
            1 => ReplyClass::Preliminary,
            2 => ReplyClass::Completion,
            3 => ReplyClass::Intermediate,
            4 => ReplyClass::TransientNegative,
            _ => ReplyClass::PermanentNegative,
        }
    }

    /// The server does not implement the command (500, not understood; 502; 504, not for
    /// that parameter): RFC 959 section 4.2, the replies to an optional command it lacks.
    pub fn means_not_implemented(self) -> bool {
        matches!(self, Self::SYNTAX_ERROR | Self::NOT_IMPLEMENTED | Self::NOT_IMPLEMENTED_PARAMETER)
    }

    /// 1xx, 2xx or 3xx (RFC 959 section 4.2.1).
    pub fn is_positive(self) -> bool {
        matches!(self.class(), ReplyClass::Preliminary | ReplyClass::Completion | ReplyClass::Intermediate)
    }

    /// A refusal of one more session from a server that limits them per user or per host,
    /// as opposed to a refusal of the login itself: 421 (RFC 959 section 4.2, "service not
    /// available, closing control connection") or 530 whose text names a limit. Servers word it
    /// their own way (vsftpd "There are too many connections from your internet address",
    /// ProFTPD "Too many users", pure-ftpd "Sorry, the maximum number of clients ... reached",
    /// Serv-U "Maximum number of connections reached"); RFC 959 gives no code of its own for it.
    /// The text must name both a limit and what is limited: "530 Maximum login attempts
    /// exceeded" is a refused login, and trying it again makes it worse.
    pub fn refuses_another_session(self, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        let limit = ["too many", "maximum", "limit"].iter().any(|w| text.contains(w));
        let sessions = ["connection", "client", "user", "session"].iter().any(|w| text.contains(w));
        (self == Self::NOT_AVAILABLE || self == Self::NOT_LOGGED_IN) && limit && sessions
    }

    /// A refusal of STOR or RETR that may only mean the server was not ready for the command
    /// when it came: no data connection yet (425; 503, commands out of sequence), the data
    /// connection gone before the server used it (426), or a passing local hitch (450, 451).
    /// RFC 959 section 5.4 lists 425, 426, 450 and 451 for both commands. A transfer command
    /// sent ahead of its data connection, or whose data went out before the 1xx, that gets
    /// one of these is worth sending again the classic way; any other refusal stands.
    pub fn may_mean_not_ready(self) -> bool {
        matches!(
            self,
            Self::CANT_OPEN_DATA | Self::TRANSFER_ABORTED | Self::FILE_BUSY | Self::LOCAL_ERROR | Self::BAD_SEQUENCE
        )
    }

    /// The part of [`ReplyCode::may_mean_not_ready`] that speaks of the data connection or of
    /// the order of commands (425, 426, 503): what a server that was not ready for a single
    /// transfer command sent with its EPSV answers. A 450 or 451 to one command stands (a busy
    /// file; ftp-srv's listing of a missing directory): sending it again would only repeat it.
    pub fn speaks_of_the_data_connection(self) -> bool {
        matches!(self, Self::CANT_OPEN_DATA | Self::TRANSFER_ABORTED | Self::BAD_SEQUENCE)
    }

    /// A reply that may end a transfer that failed after its 1xx: RFC 959 section 5.4 lists
    /// 425, 426, 451, 551 and 552 after the 1xx of STOR and RETR; 421 may come at any time
    /// (section 4.2); 450, 452, 532 and 553, listed before the 1xx, are sent after it by some
    /// servers. Where a transfer's end is due with commands sent ahead of it, any other
    /// negative reply (500, 502, 550 ...) answers one of those commands out of turn.
    pub fn may_end_failed_transfer(self) -> bool {
        matches!(self.0, 421 | 425 | 426 | 450 | 451 | 452 | 532 | 551 | 552 | 553)
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The first digit of a reply code (RFC 959 section 4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyClass {
    Preliminary,
    Completion,
    Intermediate,
    TransientNegative,
    PermanentNegative,
}

/// A complete reply: its code and its text lines (the code and separator stripped from the
/// first and last line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: ReplyCode,
    pub lines: Vec<String>,
}

impl Reply {
    /// A reply of `code` with these text lines, for tables of test cases.
    #[cfg(test)]
    pub(crate) fn of(code: u16, lines: &[&str]) -> Self {
        Self { code: ReplyCode(code), lines: lines.iter().map(|s| s.to_string()).collect() }
    }

    pub fn class(&self) -> ReplyClass {
        self.code.class()
    }

    pub fn is_positive(&self) -> bool {
        self.code.is_positive()
    }

    /// The text of the first line (for single-line replies: the whole message).
    pub fn first_line(&self) -> &str {
        self.lines.first().map(String::as_str).unwrap_or("")
    }

    /// All lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lines.as_slice() {
            [] => write!(f, "{}", self.code),
            [only] => write!(f, "{} {}", self.code, only),
            [first, middle @ .., last] => {
                write!(f, "{}-{}", self.code, first)?;
                for line in middle {
                    write!(f, "\n{line}")?;
                }
                write!(f, "\n{} {}", self.code, last)
            }
        }
    }
}

/// Why the reply stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("reply line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("reply longer than {limit} lines")]
    TooManyLines { limit: usize },
    #[error("reply larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("malformed reply line {line:?}")]
    Malformed { line: String },
}

/// Size caps for one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyLimits {
    pub max_line: usize,
    pub max_lines: usize,
    pub max_size: usize,
}

impl Default for ReplyLimits {
    /// Generous enough for long FEAT lists and STAT listings, small enough to be harmless.
    fn default() -> Self {
        Self { max_line: 8 * 1024, max_lines: 2_000, max_size: 512 * 1024 }
    }
}

/// Incremental decoder: feed it the receive buffer, get whole replies out.
#[derive(Debug, Default)]
pub struct ReplyDecoder {
    limits: ReplyLimits,
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    code: ReplyCode,
    lines: Vec<String>,
    size: usize,
}

impl ReplyDecoder {
    pub fn new(limits: ReplyLimits) -> Self {
        Self { limits, pending: None }
    }

    /// Consumes complete lines from the front of `buf`. Returns `Ok(None)` when more bytes
    /// are needed; the bytes of an incomplete line stay in `buf`.
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Reply>, ReplyError> {
        let mut consumed = 0;
        let result = loop {
            let rest = &buf[consumed..];
            let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
                if rest.len() > self.limits.max_line {
                    break Err(ReplyError::LineTooLong { limit: self.limits.max_line });
                }
                break Ok(None);
            };
            if newline > self.limits.max_line {
                break Err(ReplyError::LineTooLong { limit: self.limits.max_line });
            }
            let raw = &rest[..newline];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = String::from_utf8_lossy(raw).into_owned();
            consumed += newline + 1;
            match self.push_line(line, newline + 1) {
                Ok(Some(reply)) => break Ok(Some(reply)),
                Ok(None) => continue,
                Err(e) => break Err(e),
            }
        };
        buf.drain(..consumed);
        if result.is_err() {
            self.pending = None;
        }
        result
    }

    fn push_line(&mut self, line: String, raw_len: usize) -> Result<Option<Reply>, ReplyError> {
        let Some(pending) = self.pending.as_mut() else {
            let (code, separator, text) = split_code(&line).ok_or_else(|| malformed(&line))?;
            return match separator {
                Some(b'-') => {
                    self.pending = Some(Pending { code, lines: vec![text.to_string()], size: raw_len });
                    Ok(None)
                }
                _ => Ok(Some(Reply { code, lines: vec![text.to_string()] })),
            };
        };
        pending.size += raw_len;
        if pending.size > self.limits.max_size {
            return Err(ReplyError::TooLarge { limit: self.limits.max_size });
        }
        if pending.lines.len() >= self.limits.max_lines {
            return Err(ReplyError::TooManyLines { limit: self.limits.max_lines });
        }
        // The reply ends at "ddd " with the opening code (RFC 959 section 4.2); lines in
        // between may start with anything, including other codes or "ddd-".
        if let Some((code, separator, text)) = split_code(&line)
            && code == pending.code
            && separator != Some(b'-')
        {
            let mut lines = std::mem::take(&mut pending.lines);
            lines.push(text.to_string());
            self.pending = None;
            return Ok(Some(Reply { code, lines }));
        }
        pending.lines.push(line);
        Ok(None)
    }
}

/// `ddd`, `ddd text`, `ddd-text`: the code (100 to 599), the separator, the text.
fn split_code(line: &str) -> Option<(ReplyCode, Option<u8>, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = u16::from(bytes[0] - b'0') * 100 + u16::from(bytes[1] - b'0') * 10 + u16::from(bytes[2] - b'0');
    if !(100..600).contains(&code) {
        return None;
    }
    match bytes.get(3) {
        None => Some((ReplyCode(code), None, "")),
        Some(&sep @ (b' ' | b'-')) => Some((ReplyCode(code), Some(sep), &line[4..])),
        Some(_) => None,
    }
}

fn malformed(line: &str) -> ReplyError {
    let mut line = line.to_string();
    if line.len() > 120 {
        let mut end = 120;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push('…');
    }
    ReplyError::Malformed { line }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_of_one_more_session_is_told_from_a_refused_login() {
        for (code, text, limit) in [
            (421, "There are too many connections from your internet address.", true),
            (530, "Sorry, the maximum number of clients (5) for this user are already connected.", true),
            (421, "Too many users, closing control connection", true),
            (530, "Login incorrect.", false),
            (530, "Sorry, the maximum number of clients (1) from your host are already connected.", true),
            (421, "Too many connections (2) from this IP", true),
            (530, "Maximum login attempts exceeded.", false),
            (530, "Too many failed logins.", false),
            (421, "Service not available, remote server has closed connection", false),
            (550, "Too many files", false),
        ] {
            assert_eq!(ReplyCode(code).refuses_another_session(text), limit, "{code} {text}");
        }
    }

    fn decode_all(input: &[u8]) -> Result<Vec<Reply>, ReplyError> {
        let mut decoder = ReplyDecoder::default();
        let mut buf = input.to_vec();
        let mut replies = Vec::new();
        while let Some(reply) = decoder.decode(&mut buf)? {
            replies.push(reply);
        }
        Ok(replies)
    }

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply { code: ReplyCode(code), lines: lines.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn tells_refusals_that_may_mean_not_ready() {
        for code in [425, 426, 450, 451, 503] {
            assert!(ReplyCode(code).may_mean_not_ready(), "{code}");
        }
        for code in [125, 150, 226, 421, 452, 500, 530, 550, 553] {
            assert!(!ReplyCode(code).may_mean_not_ready(), "{code}");
        }
        for code in [425, 426, 503] {
            assert!(ReplyCode(code).speaks_of_the_data_connection(), "{code}");
        }
        for code in [150, 226, 450, 451, 550] {
            assert!(!ReplyCode(code).speaks_of_the_data_connection(), "{code}");
        }
    }

    #[test]
    fn tells_replies_that_may_end_a_failed_transfer() {
        for code in [421, 425, 426, 450, 451, 452, 532, 551, 552, 553] {
            assert!(ReplyCode(code).may_end_failed_transfer(), "{code}");
        }
        for code in [150, 200, 213, 226, 229, 250, 350, 500, 501, 502, 503, 504, 530, 550] {
            assert!(!ReplyCode(code).may_end_failed_transfer(), "{code}");
        }
    }

    #[test]
    fn decodes_reply_shapes() {
        let cases: Vec<(&[u8], Vec<Reply>)> = vec![
            (b"220 Welcome\r\n", vec![reply(220, &["Welcome"])]),
            (b"220 Welcome\n", vec![reply(220, &["Welcome"])]),
            (b"200\r\n", vec![reply(200, &[""])]),
            (b"230 \r\n", vec![reply(230, &[""])]),
            (
                b"220-vsFTPd banner\r\n220-second line\r\n220 ready\r\n",
                vec![reply(220, &["vsFTPd banner", "220-second line", "ready"])],
            ),
            // FEAT (RFC 2389 section 3.2): indented feature lines in between.
            (
                b"211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End\r\n",
                vec![reply(211, &["Features:", " EPSV", " MLST type*;size*;modify*;", " UTF8", "End"])],
            ),
            // A line with another code inside a multi-line reply does not end it.
            (
                b"150-Here\r\n226 not yet\r\n150 go\r\n226 done\r\n",
                vec![reply(150, &["Here", "226 not yet", "go"]), reply(226, &["done"])],
            ),
            (b"331 pw\r\n230 ok\r\n", vec![reply(331, &["pw"]), reply(230, &["ok"])]),
            // Invalid UTF-8 is decoded lossily, not refused.
            (b"220 caf\xe9\r\n", vec![reply(220, &["caf\u{fffd}"])]),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_all(input).unwrap(), expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    /// Banners and FEAT lists as real servers send them.
    #[test]
    fn accepts_real_server_banners_and_feat_lists() {
        let cases: Vec<(&str, &[u8], u16, usize)> = vec![
            ("vsftpd", b"220 (vsFTPd 3.0.3)\r\n", 220, 1),
            ("ProFTPD", b"220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n", 220, 1),
            (
                "pure-ftpd",
                b"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n\
                  220-Local time is now 10:00. Server port: 21.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n",
                220,
                4,
            ),
            ("FileZilla Server", b"220-FileZilla Server 1.8.0\r\n220 Please visit https://filezilla-project.org/\r\n", 220, 2),
            ("IIS", b"220 Microsoft FTP Service\r\n", 220, 1),
            (
                "IIS FEAT",
                b"211-Extended features supported:\r\n LANG EN*\r\n UTF8\r\n AUTH TLS;TLS-C;SSL;TLS-P;\r\n PBSZ\r\n PROT C;P;\r\n\
                  CCC\r\n HOST\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n211 END\r\n",
                211,
                12,
            ),
            (
                "vsftpd FEAT",
                b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n",
                211,
                9,
            ),
            (
                "ProFTPD FEAT",
                b"211-Features:\r\n AUTH TLS\r\n CCC\r\n CLNT\r\n EPRT\r\n EPSV\r\n HOST\r\n LANG en-US*\r\n MDTM\r\n MFF modify;UNIX.group;UNIX.mode;\r\n\
                  MFMT\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;\r\n\
                  PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n SSCN\r\n TVFS\r\n211 End\r\n",
                211,
                19,
            ),
            // glFTPd-style: the middle lines repeat the code with a dash.
            ("dashed", b"230-Welcome\r\n230-Rules\r\n230 Logged in.\r\n", 230, 3),
        ];
        for (server, input, code, lines) in cases {
            let replies = decode_all(input).unwrap_or_else(|e| panic!("{server}: {e}"));
            assert_eq!(replies.len(), 1, "{server}");
            assert_eq!((replies[0].code.0, replies[0].lines.len()), (code, lines), "{server}: {:?}", replies[0]);
        }
    }

    #[test]
    fn waits_for_more_bytes_and_keeps_the_rest() {
        let mut decoder = ReplyDecoder::default();
        let mut buf = b"220-a\r\n22".to_vec();
        assert_eq!(decoder.decode(&mut buf).unwrap(), None);
        assert_eq!(buf, b"22");
        buf.extend_from_slice(b"0 b\r\n331 next");
        assert_eq!(decoder.decode(&mut buf).unwrap(), Some(reply(220, &["a", "b"])));
        assert_eq!(buf, b"331 next");
        assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn refuses_malformed_lines() {
        for input in
            [&b"hello\r\n"[..], b"22 short\r\n", b"099 low\r\n", b"600 high\r\n", b"2200 x\r\n", b"abc\r\n", b"\r\n"]
        {
            let err = decode_all(input).unwrap_err();
            assert!(matches!(err, ReplyError::Malformed { .. }), "{input:?}: {err:?}");
        }
    }

    #[test]
    fn caps_line_length_line_count_and_size() {
        let limits = ReplyLimits { max_line: 16, max_lines: 3, max_size: 64 };
        let mut decoder = ReplyDecoder::new(limits);
        let mut endless = vec![b'2'; 40];
        assert_eq!(decoder.decode(&mut endless), Err(ReplyError::LineTooLong { limit: 16 }));

        let mut decoder = ReplyDecoder::new(limits);
        let mut many = b"220-a\r\nb\r\nc\r\nd\r\n220 e\r\n".to_vec();
        assert_eq!(decoder.decode(&mut many), Err(ReplyError::TooManyLines { limit: 3 }));

        let mut decoder = ReplyDecoder::new(ReplyLimits { max_line: 100, max_lines: 100, max_size: 20 });
        let mut big = b"220-aaaaaaaaaa\r\nbbbbbbbbbbbb\r\n220 e\r\n".to_vec();
        assert_eq!(decoder.decode(&mut big), Err(ReplyError::TooLarge { limit: 20 }));
    }

    #[test]
    fn classifies_codes_and_displays_replies() {
        assert_eq!(ReplyCode(150).class(), ReplyClass::Preliminary);
        assert_eq!(ReplyCode(226).class(), ReplyClass::Completion);
        assert_eq!(ReplyCode(350).class(), ReplyClass::Intermediate);
        assert_eq!(ReplyCode(421).class(), ReplyClass::TransientNegative);
        assert_eq!(ReplyCode(534).class(), ReplyClass::PermanentNegative);
        assert_eq!(reply(220, &["a", "b", "c"]).to_string(), "220-a\nb\n220 c");
        assert_eq!(reply(200, &["ok"]).to_string(), "200 ok");
    }
}
