//! URLs typed where the shell expects remote paths (`get ftp://host/file`, `ls ftp://host/dir/`,
//! `put a.zip -o ftp://host/in/`), taken as lftp takes them: a URL of the site the shell is
//! logged in to becomes a path on that session; a URL of another site (or any URL while not
//! connected) runs the command on a session of its own, logged in with the URL's credentials,
//! and the shell's own connection is back afterwards. Nothing that looks like a URL is ever
//! sent to a server as a path: it would carry its password there in clear text.

use anyhow::{Result, bail};

use super::state::Shell;
use crate::app::settings::{self, usage};
use crate::app::target::{Target, redact_url};
use crate::cli::shell::{OpenArgs, ShellCommand};
use crate::engine::join_remote;

/// `scheme://...` (RFC 3986 section 3.1): a URL, never a remote path.
pub fn looks_like_url(word: &str) -> bool {
    let Some((scheme, _)) = word.split_once("://") else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Where a command runs once its URLs are paths.
#[derive(Debug)]
pub enum Site {
    /// On the shell's own connection (if any).
    Current,
    /// On a connection of its own to this site (its path cleared: it starts in the login
    /// directory, and the command's paths are relative to it).
    Other(Target),
}

/// Turns the URLs of `command` into paths and says which site they name; refuses URLs where
/// a local path belongs, URLs of two sites, and a URL of another site beside remote paths.
pub fn localize(shell: &Shell, mut command: ShellCommand) -> Result<(ShellCommand, Site)> {
    let mut sites = Sites { shell, other: None, paths: false };
    match &mut command {
        ShellCommand::Ls(args) if !args.url.is_empty() => sites.remote(&mut args.url)?,
        ShellCommand::Cd(args) => {
            if let Some(path) = args.path.as_mut().filter(|p| looks_like_url(p)) {
                let target = parse(path)?;
                if !sites.is_current(&target) {
                    // `cd` to another site goes there, as in lftp: the same as `open URL`.
                    let open = OpenArgs { target: std::mem::take(path), user: None };
                    return Ok((ShellCommand::Open(open), Site::Current));
                }
                sites.remote(path)?;
            }
        }
        ShellCommand::Get(args) => {
            for url in &mut args.urls {
                sites.remote(url)?;
            }
            local_only(args.output.as_ref().map(|p| p.to_string_lossy()).as_deref(), "-o names a local path")?;
        }
        ShellCommand::Mget(args) => {
            for pattern in &mut args.patterns {
                sites.remote(pattern)?;
            }
            local_only(args.output.as_ref().map(|p| p.to_string_lossy()).as_deref(), "-o names a local directory")?;
        }
        ShellCommand::Put(args) => {
            // `put FILE... URL`, the one-shot order: the URL is where they go.
            if args.output.is_none() && args.files.len() > 1 && args.files.last().is_some_and(|f| is_url_path(f)) {
                args.output = args.files.pop().map(|f| f.to_string_lossy().into_owned());
                if args.files.len() > 1 && args.output.as_deref().is_some_and(|o| !o.ends_with('/')) {
                    bail!(usage("several files need a URL that ends in / (a directory)"));
                }
            }
            for file in &args.files {
                local_only(Some(&file.to_string_lossy()), "put uploads local files (the remote side goes in -o)")?;
            }
            if let Some(output) = &mut args.output {
                sites.remote(output)?;
            }
        }
        ShellCommand::Mput(args) => {
            for pattern in &args.patterns {
                local_only(Some(pattern), "mput uploads local files (the remote directory goes in -o)")?;
            }
            if let Some(output) = &mut args.output {
                sites.remote(output)?;
            }
        }
        ShellCommand::Cat(args) | ShellCommand::Rmdir(args) | ShellCommand::Stat(args) => {
            sites.remote(&mut args.url)?
        }
        ShellCommand::Mkdir(args) => sites.remote(&mut args.url)?,
        ShellCommand::Rm(args) => {
            for url in &mut args.urls {
                sites.remote(url)?;
            }
        }
        ShellCommand::Mv(args) => {
            sites.remote(&mut args.url)?;
            if looks_like_url(&args.new_path) {
                sites.remote(&mut args.new_path)?;
            }
        }
        _ => {}
    }
    let site = match sites.other {
        Some(_) if sites.paths => bail!(usage(
            "a URL of another site beside paths of this one: one site per command (or `open` that site first)"
        )),
        Some(target) => Site::Other(target),
        None => Site::Current,
    };
    Ok((command, site))
}

fn is_url_path(path: &std::path::Path) -> bool {
    path.to_str().is_some_and(looks_like_url)
}

fn parse(url: &str) -> Result<Target> {
    // Its errors show the URL with the password redacted.
    Ok(Target::parse(url)?)
}

/// A local path must not be a URL: it would become a local file named after it, password
/// included.
fn local_only(path: Option<&str>, what: &str) -> Result<()> {
    match path {
        Some(path) if looks_like_url(path) => bail!(usage(format!("{what}; {} is a URL", redact_url(path)))),
        _ => Ok(()),
    }
}

/// The sites a command's URLs name.
struct Sites<'a> {
    shell: &'a Shell,
    /// The other site named so far, path cleared.
    other: Option<Target>,
    /// A remote path of the shell's own site was given (plain, or as a URL).
    paths: bool,
}

impl Sites<'_> {
    /// The shell is logged in to this URL's site: the same server, port and TLS, and the
    /// URL names no other user or password than the login's.
    fn is_current(&self, target: &Target) -> bool {
        let Some(conn) = self.shell.conn.as_ref() else { return false };
        let login = conn.login();
        login.endpoint == target.endpoint
            && settings::tls_mode(target, &conn.ctx.args) == conn.tls()
            && target.user.as_ref().is_none_or(|user| login.user.as_ref() == Some(user))
            && target.password.as_ref().is_none_or(|password| login.password.as_ref() == Some(password))
    }

    /// Replaces a URL in `slot` with the path it names on the site the command runs on.
    fn remote(&mut self, slot: &mut String) -> Result<()> {
        if !looks_like_url(slot) {
            self.paths = true;
            return Ok(());
        }
        let target = parse(slot)?;
        // "Into this directory" survives: `put -o ftp://host/in/` is `put -o in/`.
        let dir = |path: String| if target.is_dir && !path.ends_with('/') { format!("{path}/") } else { path };
        if self.is_current(&target) {
            // A path on the shell's site, as a plain one.
            self.paths = true;
            let conn = self.shell.conn.as_ref().ok_or_else(|| usage("not connected"))?;
            // URL paths are relative to the login directory (RFC 1738), the session is in `cd`'s.
            let path =
                if target.path.starts_with('/') { target.path.clone() } else { join_remote(&conn.home, &target.path) };
            let path = if target.path.is_empty() { conn.home.clone() } else { path };
            *slot = dir(path);
            return Ok(());
        }
        let site = Target { path: String::new(), is_dir: true, ..target.clone() };
        match &self.other {
            Some(other) if !other.same_session(&site) => {
                bail!(usage("one command works on one site: these URLs name two; run one command per site"))
            }
            _ => self.other = Some(site),
        }
        // The other site's session starts in the login directory: the URL's path as it is.
        *slot = dir(if target.path.is_empty() { ".".to_string() } else { target.path.clone() });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_urls_from_paths() {
        for url in ["ftp://h/x", "ftps://u:p@h/", "http://h", "a+b.c-d://x"] {
            assert!(looks_like_url(url), "{url}");
        }
        for path in ["a.txt", "dir/ftp://x", "://x", "1ftp://x", "/abs/path", "my:file"] {
            assert!(!looks_like_url(path), "{path}");
        }
    }
}
