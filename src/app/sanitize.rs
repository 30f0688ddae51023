//! Server text on a terminal: banners, replies and file names can carry escape sequences that
//! would recolour, retitle or rewrite the user's terminal. Everything from the server goes
//! through [`escape`] before it is printed to a TTY.

use std::borrow::Cow;

/// Escapes C0/C1 control characters, DEL, and bidirectional overrides as `\xNN` / `\u{NNNN}`.
/// Tabs stay. Borrows when nothing needs escaping.
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

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        let cases = [
            ("plain name.txt", "plain name.txt"),
            ("tab\tok", "tab\tok"),
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
}
