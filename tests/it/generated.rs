//! Shell completions and the man page are generated from the clap definition; the checked-in
//! copies must match. `PASV_BLESS=1 cargo test --test it generated` rewrites them.

use std::path::Path;

use clap_complete::Shell;

fn ensure(path: &str, contents: &[u8]) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("PASV_BLESS").is_some() {
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, contents).unwrap();
        return;
    }
    let current = std::fs::read(&full).unwrap_or_default();
    assert!(
        current == contents,
        "{path} is stale: run `PASV_BLESS=1 cargo test --test it generated` and commit the result"
    );
}

#[test]
fn completions_are_current() {
    for (shell, file) in [
        (Shell::Bash, "completions/pasv.bash"),
        (Shell::Zsh, "completions/_pasv"),
        (Shell::Fish, "completions/pasv.fish"),
        (Shell::Elvish, "completions/pasv.elv"),
        (Shell::PowerShell, "completions/_pasv.ps1"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut pasv::cli::command(), "pasv", &mut out);
        ensure(file, &out);
    }
}

#[test]
fn man_page_is_current() {
    ensure("man/pasv.1", &man_page());
}

fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    let cmd = pasv::cli::command();
    // EXTRA is the help's examples and notes; the exit codes get their own section.
    let man = clap_mangen::Man::new(cmd.clone().after_help(pasv::cli::AFTER_HELP.trim_end()));
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();
    man.render_subcommands_section(&mut out).unwrap();
    for sub in cmd.get_subcommands() {
        out.extend_from_slice(format!(".SH \"PASV {}\"\n", sub.get_name().to_uppercase()).as_bytes());
        let sub_man = clap_mangen::Man::new(sub.clone());
        sub_man.render_description_section(&mut out).unwrap();
        sub_man.render_options_section(&mut out).unwrap();
        if let Some(help) = sub.get_after_help() {
            out.extend_from_slice(format!(".PP\n.nf\n{}\n.fi\n", roff_escape(&help.to_string())).as_bytes());
        }
    }
    man.render_extra_section(&mut out).unwrap();
    render_table(
        &mut out,
        "EXIT STATUS",
        pasv::cli::EXIT_CODES.iter().map(|(code, meaning)| (code.to_string(), *meaning)),
    );
    render_table(
        &mut out,
        "ENVIRONMENT",
        pasv::cli::ENVIRONMENT.iter().map(|(name, meaning)| (name.to_string(), *meaning)),
    );
    render_table(&mut out, "FILES", pasv::cli::FILES.iter().map(|(path, meaning)| (path.to_string(), *meaning)));
    man.render_version_section(&mut out).unwrap();
    out
}

/// A man(7) section of tagged paragraphs: the term in bold, its meaning below.
fn render_table<'a>(out: &mut Vec<u8>, title: &str, rows: impl Iterator<Item = (String, &'a str)>) {
    out.extend_from_slice(format!(".SH \"{title}\"\n").as_bytes());
    for (term, meaning) in rows {
        out.extend_from_slice(format!(".TP\n\\fB{}\\fR\n{}\n", roff_escape(&term), roff_escape(meaning)).as_bytes());
    }
}

#[test]
fn man_page_has_exit_status_environment_and_files() {
    let page = String::from_utf8(man_page()).unwrap();
    for needle in [
        ".SH \"EXIT STATUS\"",
        ".SH \"ENVIRONMENT\"",
        ".SH \"FILES\"",
        "\\fB130\\fR",
        "\\fBPASV_PASSWORD\\fR",
        "\\fB~/.netrc\\fR",
        "config.toml",
    ] {
        assert!(page.contains(needle), "man/pasv.1 lacks {needle:?}");
    }
}

fn roff_escape(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\\\").replace('-', "\\-");
            if l.starts_with('.') || l.starts_with('\'') { format!("\\&{l}") } else { l }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn help_documents_exit_codes_and_examples() {
    let help = pasv::cli::command().render_long_help().to_string();
    for needle in ["Exit codes:", "130 interrupted", "Examples:", "pasv demo"] {
        assert!(help.contains(needle), "--help lacks {needle:?}");
    }
}
