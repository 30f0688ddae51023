//! Words of a shell line as the user is typing it: where each word starts and what it says
//! once its quotes are removed, so completion can replace the word under the cursor. The
//! rules are those `shell_words::split` applies when the line runs (single quotes literal;
//! inside double quotes a backslash escapes `"`, `\`, `$` and `` ` ``; elsewhere it escapes any
//! character), so what completion inserts is what the command receives.

use crate::app::target::redact_url;

/// One word of a partial line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte offset of the word's first character (an opening quote included).
    pub start: usize,
    /// The word with quotes and escapes removed.
    pub text: String,
}

/// Splits `line` (the text before the cursor). The last word is the one being completed: it
/// is empty, starting at the end, when the line ends in unquoted whitespace.
pub fn split_partial(line: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                words.extend(current.take());
                continue;
            }
            _ => {}
        }
        let word = current.get_or_insert_with(|| Word { start: i, text: String::new() });
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '\\') => {
                if let Some((_, next)) = chars.next() {
                    word.text.push(next);
                }
            }
            (Some('"'), '\\') => match chars.peek() {
                Some(&(_, next @ ('"' | '\\' | '$' | '`'))) => {
                    word.text.push(next);
                    chars.next();
                }
                _ => word.text.push('\\'),
            },
            (_, c) => word.text.push(c),
        }
    }
    words.push(current.unwrap_or(Word { start: line.len(), text: String::new() }));
    words
}

/// `text` as one word for the line: unchanged when it needs no quoting, else in double quotes.
/// `open` leaves the closing quote off, so completion can go on inside a directory name.
pub fn quote(text: &str, open: bool) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '\\' | '`' | '$' | '#' | '!' | ';'));
    if plain {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    if !open {
        out.push('"');
    }
    out
}

/// `line` as it may be shown or kept (a script's error, the history): the password of every
/// URL, of `-u USER:PASSWORD` and of a raw `quote PASS` replaced by `****`. A line with
/// nothing to hide comes back as typed; one with a secret comes back re-quoted word by word.
pub fn redacted(line: &str) -> String {
    let words: Vec<String> = split_partial(line).into_iter().map(|w| w.text).filter(|w| !w.is_empty()).collect();
    let mut shown = Vec::with_capacity(words.len());
    let mut changed = false;
    // `quote PASS ...` (a script's `-` prefix allowed): everything after PASS is the password.
    let first = usize::from(words.first().is_some_and(|w| w == "-"));
    let raw_pass = words.get(first).is_some_and(|w| w.trim_start_matches('-') == "quote")
        && words.get(first + 1).is_some_and(|w| w.eq_ignore_ascii_case("PASS"));
    for (i, word) in words.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| words[p].as_str());
        let hidden = if word.contains("://") {
            redact_url(word)
        } else if matches!(previous, Some("-u" | "--user")) {
            hide_password(word)
        } else if let Some(user) = word.strip_prefix("--user=") {
            format!("--user={}", hide_password(user))
        } else if let Some(user) = word.strip_prefix("-u").filter(|u| !u.is_empty()) {
            format!("-u{}", hide_password(user))
        } else if raw_pass && i > first + 1 {
            "****".to_string()
        } else {
            word.clone()
        };
        changed |= hidden != *word;
        shown.push(hidden);
    }
    if !changed {
        return line.to_string();
    }
    shown.iter().map(|w| quote(w, false)).collect::<Vec<_>>().join(" ")
}

/// `USER:PASSWORD` as `USER:****`; a plain user as it is.
fn hide_password(user: &str) -> String {
    match user.split_once(':') {
        Some((user, _)) => format!("{user}:****"),
        None => user.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<(usize, String)> {
        split_partial(line).into_iter().map(|w| (w.start, w.text)).collect()
    }

    #[test]
    fn splits_partial_lines() {
        assert_eq!(texts("get fo"), vec![(0, "get".into()), (4, "fo".into())]);
        assert_eq!(texts("get "), vec![(0, "get".into()), (4, String::new())]);
        assert_eq!(texts(""), vec![(0, String::new())]);
        assert_eq!(texts("cd \"My Doc"), vec![(0, "cd".into()), (3, "My Doc".into())]);
        assert_eq!(texts("cd My\\ Doc"), vec![(0, "cd".into()), (3, "My Doc".into())]);
        assert_eq!(texts("get 'a b' c\"d e\""), vec![(0, "get".into()), (4, "a b".into()), (10, "cd e".into())]);
        assert_eq!(texts("x \"a\\\"b\\n\""), vec![(0, "x".into()), (2, "a\"b\\n".into())]);
    }

    #[test]
    fn quotes_what_needs_it_and_round_trips() {
        assert_eq!(quote("plain.txt", false), "plain.txt");
        assert_eq!(quote("my file.txt", false), "\"my file.txt\"");
        assert_eq!(quote("My Documents/", true), "\"My Documents/");
        for name in ["a b", "quote\"d", "back\\slash", "$HOME", "it's", "semi;colon", "hash#"] {
            let line = format!("get {}", quote(name, false));
            assert_eq!(shell_words::split(&line).unwrap(), vec!["get".to_string(), name.to_string()], "{line}");
            assert_eq!(split_partial(&line)[1].text, name, "{line}");
        }
    }

    #[test]
    fn redacts_every_password_a_line_can_carry() {
        assert_eq!(redacted("open ftp://alice:TopSecret99@host/"), "open ftp://alice:****@host/");
        assert_eq!(redacted("  ls -l  pub"), "  ls -l  pub");
        assert_eq!(redacted("open -u alice:pw ftp://h/"), "open -u alice:**** ftp://h/");
        assert_eq!(redacted("open --user=alice:pw work"), "open --user=alice:**** work");
        assert_eq!(redacted("open -ualice:pw work"), "open -ualice:**** work");
        assert_eq!(redacted("open -u alice work"), "open -u alice work");
        assert_eq!(redacted("quote PASS hunter2"), "quote PASS ****");
        assert_eq!(redacted("get 'ftp://a:my pass@h/x y'"), "get \"ftp://a:****@h/x y\"");
        assert_eq!(redacted("- quote pass my secret"), "- quote pass **** ****");
        assert_eq!(redacted("open -u 'al ice:p w' h"), "open -u \"al ice:****\" h");
    }
}
