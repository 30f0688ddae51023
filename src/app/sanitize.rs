//! Server text in human-readable output: banners, replies and file names can carry escape
//! sequences that would recolour, retitle or rewrite the user's terminal. Everything from the
//! server goes through [`escape`] before it is printed, to a TTY or not: a listing redirected
//! to a file or a CI log reaches a terminal later (`cat`, `less -R`, a log viewer). Only
//! `--json` carries exact names.

use std::borrow::Cow;

/// Escapes C0/C1 control characters, DEL, and bidirectional overrides as `\xNN` / `\u{NNNN}`.
/// Tabs too: harmless to a terminal, but a tab in a file name silently breaks the columns of
/// `ls -l` and the fields a script cuts out of a listing. Borrows when nothing needs escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let code = c as u32;
            if code < 0x100 {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most this many paths are named in a list; the rest are counted.
const NAMED: usize = 10;

/// Up to [`NAMED`] of `paths`, escaped, and how many more.
pub fn named<S: AsRef<str>>(paths: &[S]) -> String {
    let mut text = paths.iter().take(NAMED).map(|p| escape(p.as_ref()).into_owned()).collect::<Vec<_>>().join(", ");
    if paths.len() > NAMED {
        text.push_str(&format!(" and {} more", paths.len() - NAMED));
    }
    text
}

/// Writes `value` as one line of JSON whose text carries no raw terminal controls either:
/// serde escapes C0 controls, this also escapes DEL, C1 controls and bidirectional overrides
/// as `\uNNNN`. The decoded strings stay exact (jq gets the server's name byte for byte), and a
/// `--json` log is as safe to `cat` as the plain output.
pub fn write_json<W: std::io::Write, T: serde::Serialize>(writer: W, value: &T) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(writer, TerminalSafeJson);
    value.serialize(&mut serializer).map_err(std::io::Error::other)
}

struct TerminalSafeJson;

impl serde_json::ser::Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every such character is in the Basic Multilingual Plane: one \u escape.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        let cases = [
            ("plain name.txt", "plain name.txt"),
            ("tab\tno", "tab\\x09no"),
            ("red\x1b[31mtext", "red\\x1b[31mtext"),
            ("bell\x07", "bell\\x07"),
            ("cr\rlf\n", "cr\\x0dlf\\x0a"),
            ("c1\u{9b}31m", "c1\\x9b31m"),
            ("bidi\u{202e}txt.exe", "bidi\\u{202e}txt.exe"),
            ("ünïcode ✓", "ünïcode ✓"),
        ];
        for (input, expected) in cases {
            assert_eq!(escape(input), expected, "{input:?}");
        }
        assert!(matches!(escape("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_text_has_no_raw_controls_and_decodes_to_the_exact_string() {
        let name = "a\x1b[31m\u{9b}2J\x7f\u{202e}\tü✓\"\\";
        let mut out = Vec::new();
        write_json(&mut out, &serde_json::json!({ "name": name })).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, r#"{"name":"a\u001b[31m\u009b2J\u007f\u202e\tü✓\"\\"}"#);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], name);
    }
}
