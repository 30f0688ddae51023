//! Words of a shell line as the user is typing it: where each word starts and what it says
//! once its quotes are removed, so completion can replace the word under the cursor. The
//! rules are those `shell_words::split` applies when the line runs (single quotes literal;
//! inside double quotes a backslash escapes `"`, `\`, `$` and `` ` ``; elsewhere it escapes any
//! character), so what completion inserts is what the command receives.

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
}
