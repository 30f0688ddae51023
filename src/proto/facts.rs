//! Facts a server states in the text of a reply: the directory in a 257 (RFC 959 appendix
//! II), the size in a 213 to SIZE (RFC 3659 section 4), the time in a 213 to MDTM (section
//! 3), the facts line of a 250 to MLST (section 7), and whether a 350 to REST names the
//! offset asked for (section 5.3). Each is `None` (or `false`) when the reply does not state
//! it; what that means is the caller's decision.

use super::calendar::parse_timestamp;
use super::listing::{Entry, parse_mlsx_line};
use super::{Reply, ReplyCode};

/// The directory in a 257 reply: `"dir"` with `""` for an embedded quote; servers that do not
/// quote it get their whole first line taken as the directory.
pub fn directory(reply: &Reply) -> String {
    quoted_path(reply.first_line()).unwrap_or_else(|| reply.first_line().to_string())
}

/// The quoted path at the start of a 257's text, `""` standing for one `"`.
fn quoted_path(text: &str) -> Option<String> {
    let start = text.find('"')? + 1;
    let mut out = String::new();
    let mut chars = text[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// The byte count in a 213 reply to SIZE.
pub fn size(reply: &Reply) -> Option<u64> {
    if reply.code != ReplyCode::FILE_STATUS {
        return None;
    }
    reply.first_line().trim().parse().ok()
}

/// The time (Unix seconds, UTC) in a 213 reply to MDTM.
pub fn modified(reply: &Reply) -> Option<i64> {
    if reply.code != ReplyCode::FILE_STATUS {
        return None;
    }
    stated_time(reply)
}

/// A time that makes up a reply's first line, whatever the code: a server without the
/// two-argument MDTM answers it as a query of a file named "TIME PATH", with a time.
pub fn stated_time(reply: &Reply) -> Option<i64> {
    parse_timestamp(reply.first_line().trim())
}

/// The entry in a 250 reply to MLST: its facts line is inside the multi-line reply, with a
/// leading space (RFC 3659 section 7.2).
pub fn machine_facts(reply: &Reply) -> Option<Entry> {
    let facts = reply.lines.iter().skip(1).find(|l| l.starts_with(' ') && l.contains('='))?;
    parse_mlsx_line(facts.trim_start()).ok().flatten()
}

/// Whether a 350 to `REST offset` may restart there: its text names no number, or names
/// `offset`. One that names only other numbers will not start where asked.
pub fn restart_honoured(reply: &Reply, offset: u64) -> bool {
    let numbers: Vec<u64> = reply
        .first_line()
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty() && s.len() <= 20)
        .filter_map(|s| s.parse().ok())
        .collect();
    numbers.is_empty() || numbers.contains(&offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::listing::EntryKind;

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply::of(code, lines)
    }

    #[test]
    fn reads_the_directory_of_257_replies() {
        let cases = [
            (r#""/home/user" is the current directory"#, "/home/user"),
            (r#""/a ""quoted"" dir" created"#, r#"/a "quoted" dir"#),
            (r#"MKD command successful: "/new""#, "/new"),
            ("no quotes", "no quotes"),
            (r#""unterminated"#, r#""unterminated"#),
            ("", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(directory(&reply(257, &[text])), expected, "{text}");
        }
    }

    #[test]
    fn reads_sizes_from_213_only() {
        let cases = [
            (213, "1234", Some(1234)),
            (213, " 0 ", Some(0)),
            (213, "18446744073709551615", Some(u64::MAX)),
            (213, "18446744073709551616", None),
            (213, "-5", None),
            (213, "12 bytes", None),
            (213, "File status", None),
            (550, "1234", None),
            (250, "1234", None),
        ];
        for (code, text, expected) in cases {
            assert_eq!(size(&reply(code, &[text])), expected, "{code} {text}");
        }
    }

    #[test]
    fn reads_times_from_213_and_stated_times_from_any_reply() {
        let cases = [
            (213, "20010909014640", Some(1_000_000_000)),
            (213, "20010909014640.123", Some(1_000_000_000)),
            (213, " 19700101000000 ", Some(0)),
            (213, "2001090901464", None),
            (213, "yesterday", None),
            (550, "20010909014640", None),
        ];
        for (code, text, expected) in cases {
            assert_eq!(modified(&reply(code, &[text])), expected, "{code} {text}");
        }
        assert_eq!(stated_time(&reply(250, &["20010909014640"])), Some(1_000_000_000));
        assert_eq!(stated_time(&reply(213, &["File modification time set."])), None);
    }

    #[test]
    fn reads_the_facts_line_of_mlst_replies() {
        let file = reply(250, &["Listing f", " type=file;size=5;modify=20010909014640; f", "End"]);
        let entry = machine_facts(&file).unwrap();
        assert_eq!((entry.kind, entry.size, entry.modified), (EntryKind::File, Some(5), Some(1_000_000_000)));
        let dir = reply(250, &["Listing d", " type=dir;modify=20010909014640; d", "End"]);
        assert_eq!(machine_facts(&dir).unwrap().kind, EntryKind::Dir);
        for bare in [
            reply(250, &["no facts"]),
            reply(250, &["Listing f", "type=file; f", "End"]),
            reply(250, &["Listing f", " no facts here", "End"]),
        ] {
            assert_eq!(machine_facts(&bare), None, "{bare}");
        }
    }

    #[test]
    fn checks_the_offset_in_350_replies() {
        let cases = [
            ("Restarting at 100. Send STORE or RETRIEVE.", 100, true),
            ("Restart position accepted", 100, true),
            ("Restarting at 0.", 100, false),
            ("Restarting at 100 of 2000", 2000, true),
            ("Restart at 99999999999999999999999 bytes", 100, true),
        ];
        for (text, offset, expected) in cases {
            assert_eq!(restart_honoured(&reply(350, &[text]), offset), expected, "{text} / {offset}");
        }
    }
}
