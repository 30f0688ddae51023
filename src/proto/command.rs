//! FTP commands and their wire encoding (RFC 959 section 4.1, 5.3).
//!
//! A [`Command`] can only carry arguments that went through [`Arg::new`], which refuses CR,
//! LF and NUL: a path such as `"x\r\nDELE y"` must never become a second command on the
//! control connection (RFC 959 section 5.3 ends a command at CRLF). The human-readable form
//! ([`std::fmt::Display`] and [`std::fmt::Debug`]) redacts the password, so traces and error
//! messages can print commands freely.

use std::fmt;
// Addresses as values (`core::net`, the same types std::net re-exports): proto opens no sockets.
use core::net::{SocketAddr, SocketAddrV4};

/// A command argument that is safe to put on the control connection.
#[derive(Clone, PartialEq, Eq)]
pub struct Arg(String);

/// Why a string cannot be a command argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// CR, LF or NUL would end the command early or confuse the server.
    #[error("argument contains a forbidden {name} character at byte {position}")]
    ForbiddenCharacter { name: &'static str, position: usize },
}

impl Arg {
    /// Validates `value`: no CR, LF or NUL anywhere (RFC 959 section 5.3; a NUL is also
    /// refused because servers written in C truncate at it).
    pub fn new(value: impl Into<String>) -> Result<Self, ArgError> {
        let value = value.into();
        if let Some(position) = value.find(['\r', '\n', '\0']) {
            let name = match value.as_bytes()[position] {
                b'\r' => "CR",
                b'\n' => "LF",
                _ => "NUL",
            };
            return Err(ArgError::ForbiddenCharacter { name, position });
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Data protection level for PROT (RFC 2228 section 3, RFC 4217 section 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionLevel {
    Clear,
    Private,
}

/// Representation type for TYPE (RFC 959 section 3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    Ascii,
    Image,
}

/// The checksum commands that came before HASH: one verb per algorithm, no RFC (they are
/// listed in draft-bryan-ftpext-hash appendix A), answered with 250 and the hex digest; and
/// `SITE MD5` (libunftp, `pasv serve`), answered with 213.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumVerb {
    XSha512,
    XSha256,
    XSha1,
    XMd5,
    XCrc,
    SiteMd5,
}

impl ChecksumVerb {
    /// The command as FEAT lists it, and as sent before the path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::XSha512 => "XSHA512",
            Self::XSha256 => "XSHA256",
            Self::XSha1 => "XSHA1",
            Self::XMd5 => "XMD5",
            Self::XCrc => "XCRC",
            Self::SiteMd5 => "SITE MD5",
        }
    }
}

/// A way of setting a file's modification time on the server; none is in RFC 959 or 3659.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtimeMethod {
    /// `MFMT time path` (draft-somers-ftp-mfxx), announced in FEAT.
    Mfmt,
    /// `SITE UTIME path atime mtime ctime UTC` (pure-ftpd, ProFTPD mod_site_misc).
    SiteUtime,
    /// `MDTM time path`, the two-argument MDTM of vsftpd (`mdtm_write`).
    MdtmWrite,
}

/// One command the client can send. FTP verbs appear only here.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    Abort,
    Append(Arg),
    AuthTls,
    ChangeDir(Arg),
    ChangeDirUp,
    Delete(Arg),
    ExtendedPassive,
    ExtendedPort(SocketAddr),
    Features,
    /// `HASH path` (draft-bryan-ftpext-hash section 3).
    Hash(Arg),
    /// `OPTS HASH name`: selects the algorithm HASH uses (draft-bryan-ftpext-hash section 4).
    HashAlgorithm(Arg),
    /// `XSHA256 path` and its siblings.
    Checksum(ChecksumVerb, Arg),
    List(Option<Arg>),
    MachineList(Option<Arg>),
    MachineListDir(Option<Arg>),
    MakeDir(Arg),
    ModificationTime(Arg),
    NameList(Option<Arg>),
    Noop,
    OptsUtf8,
    Passive,
    Password(Arg),
    Port(SocketAddrV4),
    PrintDir,
    ProtectionBufferSize,
    Protection(ProtectionLevel),
    Quit,
    /// A line typed by the user (`pasv quote`), sent as given.
    Raw(Arg),
    RemoveDir(Arg),
    /// `SITE CHMOD mode path`: permissions, in octal (a common extension, in no RFC).
    SetPermissions {
        mode: u32,
        path: Arg,
    },
    /// Sets `path`'s modification time to `unix` (seconds, UTC) with `method`.
    SetModificationTime {
        method: MtimeMethod,
        unix: i64,
        path: Arg,
    },
    RenameFrom(Arg),
    RenameTo(Arg),
    Restart(u64),
    Retrieve(Arg),
    Size(Arg),
    Store(Arg),
    System,
    Type(TransferType),
    User(Arg),
}

/// A command's verb, the first word on the wire (RFC 959 section 4.1): what errors carry, so
/// that a caller tells which command a reply refused without reading any text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Abor,
    Acct,
    Appe,
    Auth,
    Cdup,
    Cwd,
    Dele,
    Eprt,
    Epsv,
    Feat,
    Hash,
    List,
    Mdtm,
    Mfmt,
    Mkd,
    Mlsd,
    Mlst,
    Nlst,
    Noop,
    Opts,
    Pass,
    Pasv,
    Pbsz,
    Port,
    Prot,
    Pwd,
    Quit,
    Rest,
    Retr,
    Rmd,
    Rnfr,
    Rnto,
    Site,
    Size,
    Stor,
    Syst,
    Type,
    User,
    Xcrc,
    Xmd5,
    Xsha1,
    Xsha256,
    Xsha512,
    /// A word pasv never sends by itself, in a line the user typed (`pasv quote`).
    Other,
}

/// Every verb with its word, for [`Verb::as_str`] and [`Verb::from_word`].
const VERBS: [(Verb, &str); 43] = [
    (Verb::Abor, "ABOR"),
    (Verb::Acct, "ACCT"),
    (Verb::Appe, "APPE"),
    (Verb::Auth, "AUTH"),
    (Verb::Cdup, "CDUP"),
    (Verb::Cwd, "CWD"),
    (Verb::Dele, "DELE"),
    (Verb::Eprt, "EPRT"),
    (Verb::Epsv, "EPSV"),
    (Verb::Feat, "FEAT"),
    (Verb::Hash, "HASH"),
    (Verb::List, "LIST"),
    (Verb::Mdtm, "MDTM"),
    (Verb::Mfmt, "MFMT"),
    (Verb::Mkd, "MKD"),
    (Verb::Mlsd, "MLSD"),
    (Verb::Mlst, "MLST"),
    (Verb::Nlst, "NLST"),
    (Verb::Noop, "NOOP"),
    (Verb::Opts, "OPTS"),
    (Verb::Pass, "PASS"),
    (Verb::Pasv, "PASV"),
    (Verb::Pbsz, "PBSZ"),
    (Verb::Port, "PORT"),
    (Verb::Prot, "PROT"),
    (Verb::Pwd, "PWD"),
    (Verb::Quit, "QUIT"),
    (Verb::Rest, "REST"),
    (Verb::Retr, "RETR"),
    (Verb::Rmd, "RMD"),
    (Verb::Rnfr, "RNFR"),
    (Verb::Rnto, "RNTO"),
    (Verb::Site, "SITE"),
    (Verb::Size, "SIZE"),
    (Verb::Stor, "STOR"),
    (Verb::Syst, "SYST"),
    (Verb::Type, "TYPE"),
    (Verb::User, "USER"),
    (Verb::Xcrc, "XCRC"),
    (Verb::Xmd5, "XMD5"),
    (Verb::Xsha1, "XSHA1"),
    (Verb::Xsha256, "XSHA256"),
    (Verb::Xsha512, "XSHA512"),
];

impl Verb {
    /// The word on the wire; "" for [`Verb::Other`].
    pub fn as_str(self) -> &'static str {
        VERBS.iter().find(|(verb, _)| *verb == self).map_or("", |(_, word)| word)
    }

    /// The verb of a word, in any case (RFC 959 section 5.3: commands are case-insensitive).
    pub fn from_word(word: &str) -> Self {
        VERBS.iter().find(|(_, w)| w.eq_ignore_ascii_case(word)).map_or(Self::Other, |(verb, _)| *verb)
    }

    /// The verb of a whole command line: its first word.
    pub fn of_line(line: &str) -> Self {
        Self::from_word(line.split_whitespace().next().unwrap_or(""))
    }
}

/// A command as errors name it: its verb, typed, for callers that act on which command
/// failed, and its line as people see it, the password of a PASS redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCommand {
    verb: Verb,
    line: String,
}

impl SentCommand {
    /// A line the user typed (`pasv quote`), as the command it is; a raw PASS shows as
    /// `PASS ****`, as [`Command::Raw`] does.
    pub fn typed(line: &str) -> Self {
        if is_secret_line(line) {
            return Self { verb: Verb::Pass, line: "PASS ****".into() };
        }
        Self { verb: Verb::of_line(line), line: line.to_string() }
    }

    pub fn verb(&self) -> Verb {
        self.verb
    }
}

impl From<&Command> for SentCommand {
    fn from(command: &Command) -> Self {
        Self { verb: command.verb(), line: command.to_string() }
    }
}

/// The same as [`SentCommand::typed`].
impl From<&str> for SentCommand {
    fn from(line: &str) -> Self {
        Self::typed(line)
    }
}

impl fmt::Display for SentCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// A raw line that is a PASS: its argument is a secret.
fn is_secret_line(line: &str) -> bool {
    // `get`, not `[..4]`: a raw line typed by the user may start with a multi-byte
    // character, and slicing inside it would panic.
    line.trim_start().get(..4).is_some_and(|verb| verb.eq_ignore_ascii_case("PASS"))
}

impl Command {
    /// The verb on the wire.
    pub fn verb(&self) -> Verb {
        match self {
            Self::Abort => Verb::Abor,
            Self::Append(_) => Verb::Appe,
            Self::AuthTls => Verb::Auth,
            Self::ChangeDir(_) => Verb::Cwd,
            Self::ChangeDirUp => Verb::Cdup,
            Self::Delete(_) => Verb::Dele,
            Self::ExtendedPassive => Verb::Epsv,
            Self::ExtendedPort(_) => Verb::Eprt,
            Self::Features => Verb::Feat,
            Self::Hash(_) => Verb::Hash,
            Self::HashAlgorithm(_) | Self::OptsUtf8 => Verb::Opts,
            Self::Checksum(checksum, _) => match checksum {
                ChecksumVerb::XSha512 => Verb::Xsha512,
                ChecksumVerb::XSha256 => Verb::Xsha256,
                ChecksumVerb::XSha1 => Verb::Xsha1,
                ChecksumVerb::XMd5 => Verb::Xmd5,
                ChecksumVerb::XCrc => Verb::Xcrc,
                ChecksumVerb::SiteMd5 => Verb::Site,
            },
            Self::List(_) => Verb::List,
            Self::MachineList(_) => Verb::Mlst,
            Self::MachineListDir(_) => Verb::Mlsd,
            Self::MakeDir(_) => Verb::Mkd,
            Self::ModificationTime(_) => Verb::Mdtm,
            Self::NameList(_) => Verb::Nlst,
            Self::Noop => Verb::Noop,
            Self::Passive => Verb::Pasv,
            Self::Password(_) => Verb::Pass,
            Self::Port(_) => Verb::Port,
            Self::PrintDir => Verb::Pwd,
            Self::ProtectionBufferSize => Verb::Pbsz,
            Self::Protection(_) => Verb::Prot,
            Self::Quit => Verb::Quit,
            Self::Raw(arg) => Verb::of_line(arg.as_str()),
            Self::RemoveDir(_) => Verb::Rmd,
            Self::SetModificationTime { method, .. } => match method {
                MtimeMethod::Mfmt => Verb::Mfmt,
                MtimeMethod::SiteUtime => Verb::Site,
                MtimeMethod::MdtmWrite => Verb::Mdtm,
            },
            Self::SetPermissions { .. } => Verb::Site,
            Self::RenameFrom(_) => Verb::Rnfr,
            Self::RenameTo(_) => Verb::Rnto,
            Self::Restart(_) => Verb::Rest,
            Self::Retrieve(_) => Verb::Retr,
            Self::Size(_) => Verb::Size,
            Self::Store(_) => Verb::Stor,
            Self::System => Verb::Syst,
            Self::Type(_) => Verb::Type,
            Self::User(_) => Verb::User,
        }
    }

    /// The bytes to send, CRLF included.
    pub fn encode(&self) -> Vec<u8> {
        let mut line = Vec::with_capacity(64);
        self.write_wire(&mut line, false);
        line.extend_from_slice(b"\r\n");
        line
    }

    /// True for commands whose argument is a secret (PASS, or a raw `PASS ...`).
    pub fn is_secret(&self) -> bool {
        match self {
            Self::Password(_) => true,
            Self::Raw(arg) => is_secret_line(arg.as_str()),
            _ => false,
        }
    }

    fn write_wire(&self, out: &mut Vec<u8>, redact: bool) {
        let (verb, arg): (&str, Option<String>) = match self {
            Self::Abort => ("ABOR", None),
            Self::Append(a) => ("APPE", Some(a.0.clone())),
            Self::AuthTls => ("AUTH", Some("TLS".into())),
            Self::ChangeDir(a) => ("CWD", Some(a.0.clone())),
            Self::ChangeDirUp => ("CDUP", None),
            Self::Delete(a) => ("DELE", Some(a.0.clone())),
            Self::ExtendedPassive => ("EPSV", None),
            Self::ExtendedPort(addr) => ("EPRT", Some(eprt_argument(*addr))),
            Self::Features => ("FEAT", None),
            Self::Hash(a) => ("HASH", Some(a.0.clone())),
            Self::HashAlgorithm(a) => ("OPTS", Some(format!("HASH {}", a.0))),
            Self::Checksum(ChecksumVerb::SiteMd5, a) => ("SITE", Some(format!("MD5 {}", a.0))),
            Self::Checksum(verb, a) => (verb.as_str(), Some(a.0.clone())),
            Self::List(a) => ("LIST", a.as_ref().map(|a| a.0.clone())),
            Self::MachineList(a) => ("MLST", a.as_ref().map(|a| a.0.clone())),
            Self::MachineListDir(a) => ("MLSD", a.as_ref().map(|a| a.0.clone())),
            Self::MakeDir(a) => ("MKD", Some(a.0.clone())),
            Self::ModificationTime(a) => ("MDTM", Some(a.0.clone())),
            Self::NameList(a) => ("NLST", a.as_ref().map(|a| a.0.clone())),
            Self::Noop => ("NOOP", None),
            Self::OptsUtf8 => ("OPTS", Some("UTF8 ON".into())),
            Self::Passive => ("PASV", None),
            Self::Password(a) => ("PASS", Some(if redact { "****".into() } else { a.0.clone() })),
            Self::Port(addr) => ("PORT", Some(port_argument(*addr))),
            Self::PrintDir => ("PWD", None),
            Self::ProtectionBufferSize => ("PBSZ", Some("0".into())),
            Self::Protection(ProtectionLevel::Clear) => ("PROT", Some("C".into())),
            Self::Protection(ProtectionLevel::Private) => ("PROT", Some("P".into())),
            Self::Quit => ("QUIT", None),
            Self::Raw(a) => {
                let text = if redact && self.is_secret() { "PASS ****".to_string() } else { a.0.clone() };
                out.extend_from_slice(text.as_bytes());
                return;
            }
            Self::RemoveDir(a) => ("RMD", Some(a.0.clone())),
            Self::SetPermissions { mode, path } => ("SITE", Some(format!("CHMOD {mode:o} {}", path.0))),
            Self::SetModificationTime { method, unix, path } => {
                let time = super::calendar::format_timestamp(*unix);
                match method {
                    MtimeMethod::Mfmt => ("MFMT", Some(format!("{time} {}", path.0))),
                    MtimeMethod::SiteUtime => ("SITE", Some(format!("UTIME {} {time} {time} {time} UTC", path.0))),
                    MtimeMethod::MdtmWrite => ("MDTM", Some(format!("{time} {}", path.0))),
                }
            }
            Self::RenameFrom(a) => ("RNFR", Some(a.0.clone())),
            Self::RenameTo(a) => ("RNTO", Some(a.0.clone())),
            Self::Restart(offset) => ("REST", Some(offset.to_string())),
            Self::Retrieve(a) => ("RETR", Some(a.0.clone())),
            Self::Size(a) => ("SIZE", Some(a.0.clone())),
            Self::Store(a) => ("STOR", Some(a.0.clone())),
            Self::System => ("SYST", None),
            Self::Type(TransferType::Ascii) => ("TYPE", Some("A".into())),
            Self::Type(TransferType::Image) => ("TYPE", Some("I".into())),
            Self::User(a) => ("USER", Some(a.0.clone())),
        };
        out.extend_from_slice(verb.as_bytes());
        if let Some(arg) = arg {
            out.push(b' ');
            out.extend_from_slice(arg.as_bytes());
        }
    }
}

/// The redacted, human-readable form: what traces and errors print.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        self.write_wire(&mut out, true);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({self})")
    }
}

/// `|1|h|p|` or `|2|h|p|` (RFC 2428 section 2).
fn eprt_argument(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) => format!("|1|{}|{}|", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("|2|{}|{}|", v6.ip(), v6.port()),
    }
}

/// `h1,h2,h3,h4,p1,p2` (RFC 959 section 4.1.2).
fn port_argument(addr: SocketAddrV4) -> String {
    let [a, b, c, d] = addr.ip().octets();
    let port = addr.port();
    format!("{a},{b},{c},{d},{},{}", port >> 8, port & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(s: &str) -> Arg {
        Arg::new(s).unwrap()
    }

    #[test]
    fn encodes_commands_with_crlf() {
        let cases: Vec<(Command, &str)> = vec![
            (Command::User(arg("anonymous")), "USER anonymous\r\n"),
            (Command::Password(arg("s3cret")), "PASS s3cret\r\n"),
            (Command::Retrieve(arg("dir/a file.txt")), "RETR dir/a file.txt\r\n"),
            (Command::Restart(1234), "REST 1234\r\n"),
            (Command::List(None), "LIST\r\n"),
            (Command::MachineListDir(Some(arg("/pub"))), "MLSD /pub\r\n"),
            (Command::Protection(ProtectionLevel::Private), "PROT P\r\n"),
            (Command::ProtectionBufferSize, "PBSZ 0\r\n"),
            (Command::Type(TransferType::Image), "TYPE I\r\n"),
            (Command::Port("127.0.0.1:40000".parse().unwrap()), "PORT 127,0,0,1,156,64\r\n"),
            (Command::ExtendedPort("[::1]:2121".parse().unwrap()), "EPRT |2|::1|2121|\r\n"),
            (Command::ExtendedPort("127.0.0.1:21".parse().unwrap()), "EPRT |1|127.0.0.1|21|\r\n"),
            (Command::Raw(arg("SITE CHMOD 644 x")), "SITE CHMOD 644 x\r\n"),
            (Command::SetPermissions { mode: 0o644, path: arg("a b") }, "SITE CHMOD 644 a b\r\n"),
            (Command::SetPermissions { mode: 0o2775, path: arg("d") }, "SITE CHMOD 2775 d\r\n"),
            (Command::Hash(arg("a b")), "HASH a b\r\n"),
            (Command::HashAlgorithm(arg("SHA-256")), "OPTS HASH SHA-256\r\n"),
            (Command::Checksum(ChecksumVerb::XSha256, arg("f")), "XSHA256 f\r\n"),
            (Command::Checksum(ChecksumVerb::XCrc, arg("f")), "XCRC f\r\n"),
            (Command::Checksum(ChecksumVerb::XSha512, arg("f")), "XSHA512 f\r\n"),
            (Command::Checksum(ChecksumVerb::SiteMd5, arg("a b")), "SITE MD5 a b\r\n"),
            (
                Command::SetModificationTime { method: MtimeMethod::Mfmt, unix: 1_700_000_000, path: arg("d/f") },
                "MFMT 20231114221320 d/f\r\n",
            ),
            (
                Command::SetModificationTime { method: MtimeMethod::SiteUtime, unix: 0, path: arg("f") },
                "SITE UTIME f 19700101000000 19700101000000 19700101000000 UTC\r\n",
            ),
            (
                Command::SetModificationTime { method: MtimeMethod::MdtmWrite, unix: 86_400, path: arg("f") },
                "MDTM 19700102000000 f\r\n",
            ),
            (Command::OptsUtf8, "OPTS UTF8 ON\r\n"),
        ];
        for (command, wire) in cases {
            assert_eq!(String::from_utf8(command.encode()).unwrap(), wire, "{command}");
        }
    }

    #[test]
    fn refuses_line_breaks_and_nul_in_arguments() {
        let cases = [("x\r\nDELE y", "CR", 1), ("x\nDELE y", "LF", 1), ("abc\0", "NUL", 3), ("\r", "CR", 0)];
        for (input, name, position) in cases {
            assert_eq!(Arg::new(input), Err(ArgError::ForbiddenCharacter { name, position }), "{input:?}");
        }
        assert_eq!(Arg::new("name with spaces and ünïcode").unwrap().as_str(), "name with spaces and ünïcode");
    }

    #[test]
    fn redacts_passwords_in_display_and_debug() {
        let pass = Command::Password(arg("hunter2"));
        assert_eq!(pass.to_string(), "PASS ****");
        assert_eq!(format!("{pass:?}"), "Command(PASS ****)");
        let raw = Command::Raw(arg("pass hunter2"));
        assert_eq!(raw.to_string(), "PASS ****");
        assert!(raw.is_secret());
        assert!(!format!("{raw:?}").contains("hunter2"));
        assert_eq!(Command::Raw(arg("PASV")).to_string(), "PASV");
        assert!(!Command::Raw(arg("PASV")).is_secret());
    }

    #[test]
    fn every_command_has_the_verb_it_sends() {
        for command in [
            Command::Abort,
            Command::Append(arg("f")),
            Command::AuthTls,
            Command::ChangeDir(arg("d")),
            Command::Checksum(ChecksumVerb::SiteMd5, arg("f")),
            Command::Checksum(ChecksumVerb::XSha256, arg("f")),
            Command::HashAlgorithm(arg("SHA-1")),
            Command::MachineListDir(None),
            Command::Password(arg("pw")),
            Command::Port("127.0.0.1:40000".parse().unwrap()),
            Command::Protection(ProtectionLevel::Private),
            Command::Raw(arg("site chmod 644 x")),
            Command::Restart(5),
            Command::SetModificationTime { method: MtimeMethod::MdtmWrite, unix: 0, path: arg("f") },
            Command::SetModificationTime { method: MtimeMethod::SiteUtime, unix: 0, path: arg("f") },
            Command::Store(arg("a b")),
            Command::Type(TransferType::Image),
        ] {
            let wire = String::from_utf8(command.encode()).unwrap();
            let word = wire.split([' ', '\r']).next().unwrap();
            assert_eq!(command.verb().as_str(), word.to_ascii_uppercase(), "{command}");
            assert_eq!(Verb::from_word(word), command.verb(), "{command}");
        }
    }

    #[test]
    fn typed_lines_get_their_verb_and_never_show_a_password() {
        let cases = [
            ("STOR x", Verb::Stor, "STOR x"),
            ("  site chmod 644 x", Verb::Site, "  site chmod 644 x"),
            ("pass hunter2", Verb::Pass, "PASS ****"),
            ("  PASS hunter2", Verb::Pass, "PASS ****"),
            ("PASV", Verb::Pasv, "PASV"),
            ("XYZZY now", Verb::Other, "XYZZY now"),
            ("", Verb::Other, ""),
            ("ünïcode", Verb::Other, "ünïcode"),
        ];
        for (line, verb, shown) in cases {
            let sent = SentCommand::typed(line);
            assert_eq!((sent.verb(), sent.to_string().as_str()), (verb, shown), "{line:?}");
        }
        let pass = SentCommand::from(&Command::Password(arg("hunter2")));
        assert_eq!((pass.verb(), pass.to_string().as_str()), (Verb::Pass, "PASS ****"));
        assert!(!format!("{pass:?}").contains("hunter2"));
        assert_eq!(Verb::Other.as_str(), "");
    }
}
