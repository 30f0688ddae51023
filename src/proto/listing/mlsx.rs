//! MLSD / MLST fact lines (RFC 3659 section 7): `fact=value;fact=value; name`.

use super::{Entry, EntryKind, ListingError, is_dot_name, strip_line_end, strip_prefix_ignore_case};
use crate::proto::calendar::parse_timestamp;
use crate::proto::digits::parse_digits;

/// Parse one MLSD/MLST line ("fact=value;fact=value; name"). Fact names are case-insensitive.
///
/// Understood facts: `type` (file, dir, cdir, pdir, `OS.unix=slink:TARGET`,
/// `OS.unix=symlink`), `size`, `sizd`, `modify`, `unix.mode`, `perm`; others are
/// ignored. A fact with an empty or invalid value is treated as absent. A single
/// leading space, as MLST replies put before the fact line, is dropped.
///
/// Returns `Ok(None)` for `cdir` and `pdir` entries and for the names "." and "..".
///
/// # Errors
///
/// [`ListingError::Malformed`] when the line is not an MLSD entry: no "; " between
/// facts and name, no fact, a fact without "=" or with an empty name, or an empty name.
pub fn parse_mlsx_line(line: &str) -> Result<Option<Entry>, ListingError> {
    mlsx_entry(strip_line_end(line)).map_err(|()| ListingError::malformed(line))
}

pub(super) fn mlsx_entry(text: &str) -> Result<Option<Entry>, ()> {
    // RFC 3659 7.2: an MLST reply indents the fact line by one space.
    let text = text.strip_prefix(' ').unwrap_or(text);
    // RFC 3659 7.2: entry = [facts] SP pathname, and fact values cannot contain
    // SP, so the first space ends the facts and the pathname is everything after
    // it, leading spaces included.
    let (facts, name) = text.split_once(' ').ok_or(())?;
    if facts.is_empty() || !facts.ends_with(';') || name.is_empty() {
        return Err(());
    }

    let mut kind = EntryKind::Other;
    let mut link_target = None;
    let mut size = None;
    let mut sizd = None;
    let mut modified = None;
    let mut mode = None;
    let mut perm = None;
    let mut fact_count = 0usize;
    let mut self_or_parent = false;

    for fact in facts.split(';').filter(|f| !f.is_empty()) {
        let (key, value) = fact.split_once('=').ok_or(())?;
        if key.is_empty() {
            return Err(());
        }
        fact_count += 1;
        if value.is_empty() {
            continue;
        }
        // RFC 3659 7.1: fact names are case-insensitive.
        match key.to_ascii_lowercase().as_str() {
            "type" => match mlsx_type(value) {
                Some((k, target)) => {
                    kind = k;
                    link_target = target;
                    self_or_parent = false;
                }
                None => self_or_parent = true,
            },
            "size" => size = parse_digits(value),
            "sizd" => sizd = parse_digits(value),
            "modify" => modified = parse_timestamp(value),
            "unix.mode" => mode = parse_unix_mode(value),
            "perm" => perm = Some(value.to_owned()),
            _ => {}
        }
    }

    // Lone separators ("; name") leave nothing that marks the line as MLSD.
    if fact_count == 0 {
        return Err(());
    }
    if self_or_parent || is_dot_name(name) {
        return Ok(None);
    }
    Ok(Some(Entry {
        name: name.to_owned(),
        kind,
        size: size.or(sizd),
        modified,
        permissions: mode.map(render_mode).or(perm),
        link_target,
    }))
}

/// Maps a `type` fact value; `None` means cdir/pdir, which name the listed
/// directory and its parent rather than an entry (RFC 3659 7.5.1).
fn mlsx_type(value: &str) -> Option<(EntryKind, Option<String>)> {
    // RFC 3659 7.5.1: type values are case-insensitive tokens.
    if value.eq_ignore_ascii_case("file") {
        return Some((EntryKind::File, None));
    }
    if value.eq_ignore_ascii_case("dir") {
        return Some((EntryKind::Dir, None));
    }
    if value.eq_ignore_ascii_case("cdir") || value.eq_ignore_ascii_case("pdir") {
        return None;
    }
    // RFC 3659 7.5.1 leaves OS-specific types to "OS.name=type"; servers spell
    // Unix symlinks "OS.unix=slink:TARGET" or "OS.unix=symlink".
    let Some(unix_type) = strip_prefix_ignore_case(value, "os.unix=") else {
        return Some((EntryKind::Other, None));
    };
    for link in ["slink", "symlink"] {
        if let Some(rest) = strip_prefix_ignore_case(unix_type, link) {
            if rest.is_empty() {
                return Some((EntryKind::Link, None));
            }
            if let Some(target) = rest.strip_prefix(':') {
                let target = (!target.is_empty()).then(|| target.to_owned());
                return Some((EntryKind::Link, target));
            }
        }
    }
    Some((EntryKind::Other, None))
}

/// `unix.mode` is octal permission bits, three digits or four with the
/// setuid/setgid/sticky digit in front; proftpd always adds a leading 0, so
/// "02775" carries four significant digits in five.
fn parse_unix_mode(value: &str) -> Option<u32> {
    if !(3..=5).contains(&value.len()) {
        return None;
    }
    let mode = value.bytes().try_fold(0u32, |acc, b| match b {
        b'0'..=b'7' => Some(acc * 8 + u32::from(b - b'0')),
        _ => None,
    })?;
    (mode <= 0o7777).then_some(mode)
}

/// Renders mode bits the way `ls -l` does, special bits folded into the
/// execute columns (s/S, t/T).
fn render_mode(mode: u32) -> String {
    let mut out = String::with_capacity(9);
    for (shift, special_bit, special) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 0o7;
        out.push(if bits & 4 != 0 { 'r' } else { '-' });
        out.push(if bits & 2 != 0 { 'w' } else { '-' });
        let exec = bits & 1 != 0;
        out.push(match (mode & special_bit != 0, exec) {
            (true, true) => special,
            (true, false) => special.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::listing::parse_mlsx_line;
    use crate::proto::listing::tests::*;

    #[test]
    fn mlsd_examples() {
        use EntryKind::*;
        let t = Some(1_705_322_096); // 2024-01-15 12:34:56
        check_mlsx(&[
            (
                "type=file;size=1024;modify=20240115123456;perm=adfrw; report.pdf",
                Some(entry("report.pdf", File, Some(1024), t, Some("adfrw"), None)),
            ),
            (
                "Type=dir;Modify=20240101000000; sub dir",
                Some(entry("sub dir", Dir, None, Some(1_704_067_200), None, None)),
            ),
            (
                "type=OS.unix=slink:/etc;modify=20240115123456; link",
                Some(entry("link", Link, None, t, None, Some("/etc"))),
            ),
            ("type=cdir;sizd=4096;modify=20240115123456; .", None),
            ("type=pdir;sizd=4096;modify=20240115123456; ..", None),
            ("type=cdir; /home/user", None),
            ("TYPE=PDIR; ..", None),
            // a dot name is never a child, whatever its type says
            ("type=dir;modify=20240115123456; .", None),
            ("type=dir; ..", None),
        ]);
    }

    #[test]
    fn mlsd_servers() {
        use EntryKind::*;
        let t = Some(1_705_322_096);
        check_mlsx(&[
            // ProFTPD (mod_facts): unix.mode wins over perm
            (
                "modify=20240115123456;perm=adfrw;size=1024;type=file;unique=FD00U2A4B;UNIX.group=1000;UNIX.groupname=ftp;UNIX.mode=0644;UNIX.owner=1000;UNIX.ownername=ftp; report.pdf",
                Some(entry("report.pdf", File, Some(1024), t, Some("rw-r--r--"), None)),
            ),
            (
                "modify=20240115123456;perm=adfr;size=11;type=OS.unix=symlink;unique=FD00U2A4C;UNIX.mode=0777; latest",
                Some(entry("latest", Link, Some(11), t, Some("rwxrwxrwx"), None)),
            ),
            (
                "modify=20240115123456;perm=flcdmpe;type=dir;unique=FD00U2A4D;UNIX.mode=02775; shared",
                Some(entry("shared", Dir, None, t, Some("rwxrwsr-x"), None)),
            ),
            // pure-ftpd
            (
                "type=dir;sizd=4096;modify=20240115123456;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2b1; docs",
                Some(entry("docs", Dir, Some(4096), t, Some("rwxr-xr-x"), None)),
            ),
            (
                "type=file;size=12;modify=20240115123456;UNIX.mode=0600;UNIX.uid=1000;UNIX.gid=1000;unique=803g2b2; .netrc",
                Some(entry(".netrc", File, Some(12), t, Some("rw-------"), None)),
            ),
            (
                "type=cdir;sizd=4096;modify=20240115123456;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2b0; .",
                None,
            ),
            // libunftp
            (
                "type=file;size=1234;modify=20240115123456;unix.uid=1000;unix.gid=1000; file.txt",
                Some(entry("file.txt", File, Some(1234), t, None, None)),
            ),
            ("type=dir;size=4096;modify=20240115123456; a dir", Some(entry("a dir", Dir, Some(4096), t, None, None))),
            // FileZilla Server
            (
                "type=dir;modify=20240115123456;perm=flcdmpe; My Folder",
                Some(entry("My Folder", Dir, None, t, Some("flcdmpe"), None)),
            ),
            (
                "type=file;modify=20240115123456.123;size=0;perm=awrfd; empty.bin",
                Some(entry("empty.bin", File, Some(0), t, Some("awrfd"), None)),
            ),
            // vsftpd implements no MLSD; MLST replies (any server) indent the line
            (
                " type=file;size=5;modify=20240115123456; /pub/file",
                Some(entry("/pub/file", File, Some(5), t, None, None)),
            ),
        ]);
    }

    #[test]
    fn mlsd_edge_cases() {
        use EntryKind::*;
        let t = Some(1_705_322_096);
        check_mlsx(&[
            // empty values are absent values
            (
                "type=file;size=;modify=;perm=;unix.mode=; empty facts",
                Some(entry("empty facts", File, None, None, None, None)),
            ),
            ("type=;size=1; no type", Some(entry("no type", Other, Some(1), None, None, None))),
            ("size=1; untyped", Some(entry("untyped", Other, Some(1), None, None, None))),
            // the name is everything after the first space
            ("type=file;  two leading", Some(entry(" two leading", File, None, None, None, None))),
            ("type=file; a; b=c; d", Some(entry("a; b=c; d", File, None, None, None, None))),
            ("type=file; trailing ", Some(entry("trailing ", File, None, None, None, None))),
            ("type=file; a -> b", Some(entry("a -> b", File, None, None, None, None))),
            ("type=file; 日本語 ファイル", Some(entry("日本語 ファイル", File, None, None, None, None))),
            ("type=file; bell\u{7}\u{1b}[0m", Some(entry("bell\u{7}\u{1b}[0m", File, None, None, None, None))),
            ("type=file; crlf\r\n", Some(entry("crlf", File, None, None, None, None))),
            ("type=file;; double semicolon", Some(entry("double semicolon", File, None, None, None, None))),
            // fact names and type values are case-insensitive, the rest is kept
            (
                "TYPE=FILE;SIZE=7;MODIFY=20240115123456;PERM=R; Upper",
                Some(entry("Upper", File, Some(7), t, Some("R"), None)),
            ),
            ("type=os.UNIX=SLINK:/Target; l", Some(entry("l", Link, None, None, None, Some("/Target")))),
            ("type=OS.unix=slink:; l", Some(entry("l", Link, None, None, None, None))),
            ("type=OS.unix=slink; l", Some(entry("l", Link, None, None, None, None))),
            ("type=OS.unix=symlink:../x; l", Some(entry("l", Link, None, None, None, Some("../x")))),
            ("type=OS.unix=slinky; l", Some(entry("l", Other, None, None, None, None))),
            ("type=OS.unix=chr-13/29; tty", Some(entry("tty", Other, None, None, None, None))),
            ("type=OS.unix=é; x", Some(entry("x", Other, None, None, None, None))),
            ("type=é; x", Some(entry("x", Other, None, None, None, None))),
            // sizd fills in only when size is absent
            ("type=dir;sizd=10;size=20; d", Some(entry("d", Dir, Some(20), None, None, None))),
            // invalid values are dropped, the entry stays
            (
                "type=file;size=1234567890123456789012345678901234567890;modify=20241315000000;unix.mode=0999; bad values",
                Some(entry("bad values", File, None, None, None, None)),
            ),
            ("type=file;size=-1;modify=2024; neg", Some(entry("neg", File, None, None, None, None))),
            ("type=file;size=18446744073709551615; max", Some(entry("max", File, Some(u64::MAX), None, None, None))),
            ("type=file;size=18446744073709551616; over", Some(entry("over", File, None, None, None, None))),
            // unix.mode: 3 or 4 octal digits, special bits as ls shows them
            ("type=file;unix.mode=755; m3", Some(entry("m3", File, None, None, Some("rwxr-xr-x"), None))),
            ("type=file;unix.mode=4755; suid", Some(entry("suid", File, None, None, Some("rwsr-xr-x"), None))),
            ("type=file;unix.mode=2644; sgid", Some(entry("sgid", File, None, None, Some("rw-r-Sr--"), None))),
            ("type=dir;unix.mode=1777; sticky", Some(entry("sticky", Dir, None, None, Some("rwxrwxrwt"), None))),
            ("type=dir;unix.mode=1770; sticky2", Some(entry("sticky2", Dir, None, None, Some("rwxrwx--T"), None))),
            ("type=file;unix.mode=0000; none", Some(entry("none", File, None, None, Some("---------"), None))),
            ("type=file;unix.mode=7777; all", Some(entry("all", File, None, None, Some("rwsrwsrwt"), None))),
            ("type=file;unix.mode=12345;perm=r; m5", Some(entry("m5", File, None, None, Some("r"), None))),
            ("type=file;unix.mode=75; m2", Some(entry("m2", File, None, None, None, None))),
            ("type=file;unix.mode=00644; m5zero", Some(entry("m5zero", File, None, None, Some("rw-r--r--"), None))),
            ("type=file;unix.mode=000644; m6", Some(entry("m6", File, None, None, None, None))),
            ("type=file;unix.mode=07a5; hex", Some(entry("hex", File, None, None, None, None))),
            ("type=file;unix.mode=07é; mb", Some(entry("mb", File, None, None, None, None))),
            // unknown facts, and facts whose values contain '='
            ("type=file;x.custom=a=b;media-type=text/plain; odd", Some(entry("odd", File, None, None, None, None))),
        ]);
    }

    #[test]
    fn mlsd_malformed() {
        let lines = [
            "",
            " ",
            "  ",
            "\r\n",
            "name-only",
            " name-only",
            "type=file;name",
            "type=file;",
            "type=file; ",
            "type=file; \r\n",
            "type=file name",
            "type=file;size=1 name",
            " name",
            "; name",
            "garbage; name",
            "type=file;garbage; name",
            "=x; name",
            "type=file;=x; name",
            "1234567890123456789012345678901234567890",
            "日本語; name",
        ];
        for line in lines {
            assert_eq!(parse_mlsx_line(line), Err(ListingError::Malformed { line: line.to_owned() }), "line {line:?}");
        }
    }

    #[test]
    fn mlsd_error_is_bounded_and_readable() {
        let long = "x".repeat(1000);
        assert_eq!(parse_mlsx_line(&long), Err(ListingError::Malformed { line: "x".repeat(200) }));
        let wide = "é".repeat(300);
        assert_eq!(parse_mlsx_line(&wide), Err(ListingError::Malformed { line: "é".repeat(200) }));
        let err = parse_mlsx_line("bad").expect_err("malformed");
        assert_eq!(err.to_string(), r#"malformed MLSD line: "bad""#);
        let err = parse_mlsx_line("bad\u{1b}").expect_err("malformed");
        assert_eq!(err.to_string(), r#"malformed MLSD line: "bad\u{1b}""#);
    }
}
