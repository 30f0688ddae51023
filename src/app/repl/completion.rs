//! Tab completion for the line editor: command names and flags (from the clap grammar, so
//! they never drift from what the parser accepts), local paths, remote paths, bookmark names
//! and `set` values.
//!
//! Remote names come from the shell's cache of directory listings. The editor runs on a
//! blocking thread while the shell's task owns the session, so the completer asks that task
//! for a directory's names over a channel and waits briefly for the answer.

use std::borrow::Cow;
use std::sync::mpsc;
use std::time::Duration;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use tokio::sync::mpsc::UnboundedSender;

use crate::cli::ConfigKey;
use clap::ValueEnum as _;

use super::state::RemoteName;
use super::words::{self, Word};

/// A request for the names in a remote directory ("" = the current one).
pub struct NamesRequest {
    pub dir: String,
    pub reply: mpsc::Sender<Vec<RemoteName>>,
}

/// How long completion waits for a remote listing before offering nothing.
const REMOTE_WAIT: Duration = Duration::from_secs(10);

/// What a word position takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Remote,
    Local,
    Bookmark,
    Command,
    Setting,
    SettingValue,
    BookmarkAction,
    Nothing,
}

pub struct ShellHelper {
    grammar: clap::Command,
    requests: UnboundedSender<NamesRequest>,
}

impl ShellHelper {
    pub fn new(requests: UnboundedSender<NamesRequest>) -> Self {
        Self { grammar: crate::cli::shell::command(), requests }
    }

    fn complete_words(&self, words: &[Word]) -> Vec<Pair> {
        let Some((current, before)) = words.split_last() else { return Vec::new() };
        if before.is_empty() {
            return self.commands(&current.text);
        }
        let Some(sub) = self.grammar.find_subcommand(&before[0].text) else { return Vec::new() };
        let name = sub.get_name();
        if current.text.starts_with('-') {
            return flags(sub, &current.text);
        }
        match self.kind(name, before) {
            Kind::Remote => self.remote(&current.text),
            Kind::Local => local(&current.text),
            Kind::Bookmark => bookmarks(&current.text),
            Kind::Command => self.commands(&current.text),
            Kind::Setting => values(sub, "setting", &current.text),
            Kind::SettingValue => match before.iter().skip(1).find(|w| !w.text.starts_with('-')) {
                Some(w) if w.text == "tls" => fixed(&["explicit", "implicit", "off"], &current.text),
                Some(w) if w.text == "passive" || w.text == "epsv" => fixed(&["off", "on"], &current.text),
                Some(w) => match ConfigKey::from_str(&w.text, false) {
                    Ok(key) => fixed(crate::app::defaults::choices(key), &current.text),
                    Err(_) => Vec::new(),
                },
                None => Vec::new(),
            },
            Kind::BookmarkAction => sub.get_subcommands().filter_map(|s| offer(s.get_name(), &current.text)).collect(),
            Kind::Nothing => Vec::new(),
        }
    }

    /// What the word after `before` is, for command `name`.
    fn kind(&self, name: &str, before: &[Word]) -> Kind {
        let previous = before.last().map(|w| w.text.as_str()).unwrap_or("");
        if previous.starts_with('-') && takes_value(&self.grammar, name, previous) {
            return match (name, previous) {
                ("get" | "mget", "-o" | "--output") => Kind::Local,
                ("put" | "mput", "-o" | "--output") => Kind::Remote,
                _ => Kind::Nothing,
            };
        }
        let positional = before.iter().skip(1).filter(|w| !w.text.starts_with('-')).count();
        match name {
            "ls" | "cd" | "get" | "mget" | "cat" | "mkdir" | "rm" | "rmdir" | "mv" | "stat" => Kind::Remote,
            "put" | "mput" | "lcd" | "lls" => Kind::Local,
            "open" => Kind::Bookmark,
            "help" => Kind::Command,
            "set" if positional == 0 => Kind::Setting,
            "set" => Kind::SettingValue,
            "bookmark" if positional == 0 => Kind::BookmarkAction,
            "bookmark" if before.get(1).is_some_and(|w| w.text == "rm" || w.text == "remove") => Kind::Bookmark,
            _ => Kind::Nothing,
        }
    }

    fn commands(&self, prefix: &str) -> Vec<Pair> {
        let mut names: Vec<&str> = self
            .grammar
            .get_subcommands()
            .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_visible_aliases()))
            .collect();
        names.sort_unstable();
        names.into_iter().filter_map(|n| offer(n, prefix)).map(with_space).collect()
    }

    fn remote(&self, typed: &str) -> Vec<Pair> {
        let (dir, base) = split_dir(typed);
        let (reply, answer) = mpsc::channel();
        let key = if dir == "/" { dir.to_string() } else { dir.trim_end_matches('/').to_string() };
        if self.requests.send(NamesRequest { dir: key, reply }).is_err() {
            return Vec::new();
        }
        let names = answer.recv_timeout(REMOTE_WAIT).unwrap_or_default();
        candidates(dir, base, names.into_iter().map(|n| (n.name, n.dir)))
    }
}

/// `dir/` (kept as typed, with its slash) and the start of the name.
fn split_dir(typed: &str) -> (&str, &str) {
    match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    }
}

/// Names starting with `base` (hidden ones only when asked for), as replacements for the word.
fn candidates(dir: &str, base: &str, names: impl Iterator<Item = (String, bool)>) -> Vec<Pair> {
    let mut found: Vec<Pair> = names
        .filter(|(name, _)| name.starts_with(base) && (base.starts_with('.') || !name.starts_with('.')))
        .filter(|(name, _)| !name.chars().any(char::is_control))
        .map(|(name, is_dir)| {
            let full = format!("{dir}{name}{}", if is_dir { "/" } else { "" });
            Pair {
                display: format!("{name}{}", if is_dir { "/" } else { "" }),
                replacement: words::quote(&full, is_dir),
            }
        })
        .collect();
    found.sort_by(|a, b| a.display.cmp(&b.display));
    found
}

fn local(typed: &str) -> Vec<Pair> {
    let (dir, base) = split_dir(typed);
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else { return Vec::new() };
    let names = entries.filter_map(|e| e.ok()).map(|e| {
        let is_dir = e.path().is_dir();
        (e.file_name().to_string_lossy().into_owned(), is_dir)
    });
    candidates(dir, base, names)
}

fn bookmarks(prefix: &str) -> Vec<Pair> {
    let names = crate::app::config_file::bookmarks().unwrap_or_default();
    names.keys().filter_map(|n| offer(n, prefix)).collect()
}

fn flags(sub: &clap::Command, prefix: &str) -> Vec<Pair> {
    let mut out: Vec<String> = Vec::new();
    for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
        if let Some(long) = arg.get_long() {
            out.push(format!("--{long}"));
        }
        if let Some(short) = arg.get_short() {
            out.push(format!("-{short}"));
        }
    }
    out.push("--help".into());
    out.sort();
    out.dedup();
    out.iter().filter_map(|f| offer(f, prefix)).collect()
}

fn takes_value(grammar: &clap::Command, name: &str, flag: &str) -> bool {
    let Some(sub) = grammar.find_subcommand(name) else { return false };
    sub.get_arguments().any(|a| {
        let matches = flag.strip_prefix("--").map_or_else(
            || flag.strip_prefix('-').and_then(|s| s.chars().next()) == a.get_short(),
            |long| a.get_long() == Some(long),
        );
        matches && a.get_action().takes_values()
    })
}

fn values(sub: &clap::Command, id: &str, prefix: &str) -> Vec<Pair> {
    let Some(arg) = sub.get_arguments().find(|a| a.get_id() == id) else { return Vec::new() };
    let mut names: Vec<String> = arg.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
    names.sort();
    names.iter().filter_map(|n| offer(n, prefix)).map(with_space).collect()
}

fn fixed(options: &[&str], prefix: &str) -> Vec<Pair> {
    options.iter().filter_map(|o| offer(o, prefix)).collect()
}

fn offer(name: &str, prefix: &str) -> Option<Pair> {
    name.starts_with(prefix).then(|| Pair { display: name.to_string(), replacement: name.to_string() })
}

fn with_space(mut pair: Pair) -> Pair {
    pair.replacement.push(' ');
    pair
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        if let Some(rest) = before.strip_prefix('!') {
            // A local command line: complete its last word as a local path.
            let words = words::split_partial(rest);
            let Some(current) = words.last() else { return Ok((pos, Vec::new())) };
            return Ok((current.start + 1, local(&current.text)));
        }
        let words = words::split_partial(before);
        let start = words.last().map(|w| w.start).unwrap_or(pos);
        Ok((start, self.complete_words(&words)))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, default: bool) -> Cow<'b, str> {
        let _ = default;
        Cow::Borrowed(prompt)
    }
}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> (ShellHelper, tokio::sync::mpsc::UnboundedReceiver<NamesRequest>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (ShellHelper::new(tx), rx)
    }

    fn complete(helper: &ShellHelper, line: &str) -> (usize, Vec<String>) {
        let words = words::split_partial(line);
        let start = words.last().map(|w| w.start).unwrap_or(line.len());
        (start, helper.complete_words(&words).into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_commands_flags_and_settings() {
        let (helper, _rx) = helper();
        assert_eq!(complete(&helper, "mk"), (0, vec!["mkdir ".to_string()]));
        assert_eq!(complete(&helper, "l").1, ["lcd ", "lls ", "lpwd ", "ls "]);
        assert_eq!(complete(&helper, "get --co"), (4, vec!["--continue".to_string()]));
        assert_eq!(complete(&helper, "set pa").1, ["parallel ", "passive ", "pasv-address "]);
        assert_eq!(complete(&helper, "set passive o").1, ["off", "on"]);
        assert_eq!(complete(&helper, "set --save verify s").1, ["strict"]);
        assert_eq!(complete(&helper, "set no-epsv o").1, ["off", "on"]);
        assert_eq!(complete(&helper, "bookmark r").1, ["rm"]);
        assert_eq!(complete(&helper, "help mg").1, ["mget "]);
    }

    #[test]
    fn completes_remote_names_with_quotes() {
        let (helper, mut rx) = helper();
        let server = std::thread::spawn(move || {
            let request = rx.blocking_recv().unwrap();
            assert_eq!(request.dir, "");
            let names = [("My Documents", true), ("report.txt", false), ("readme", false), (".hidden", false)];
            let names = names.iter().map(|(n, d)| RemoteName { name: n.to_string(), dir: *d }).collect();
            request.reply.send(names).unwrap();
            let request = rx.blocking_recv().unwrap();
            assert_eq!(request.dir, "sub");
            request.reply.send(vec![RemoteName { name: "x y.bin".into(), dir: false }]).unwrap();
        });
        assert_eq!(complete(&helper, "cd \"My"), (3, vec!["\"My Documents/".to_string()]));
        assert_eq!(complete(&helper, "get sub/x"), (4, vec!["\"sub/x y.bin\"".to_string()]));
        server.join().unwrap();
    }

    #[test]
    fn completes_local_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a file.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("adir")).unwrap();
        let typed = format!("{}/a", dir.path().display());
        let found: Vec<String> = local(&typed).into_iter().map(|p| p.display).collect();
        assert_eq!(found, ["a file.txt", "adir/"]);
    }
}
