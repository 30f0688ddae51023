//! `bookmark add|list|rm`: saving the current site (or a URL) to the config file, and
//! listing and removing what is saved there.

use anyhow::{Result, bail};

use super::state::Shell;
use crate::app::config_file::{self, Bookmark};
use crate::app::settings::usage;
use crate::app::target::{Target, redact_url};
use crate::cli::shell::BookmarkCommand;

pub fn bookmark(shell: &mut Shell, command: BookmarkCommand) -> Result<()> {
    match command {
        BookmarkCommand::Add(args) => {
            config_file::check_name(&args.name)?;
            let mut bookmark = match &args.url {
                Some(url) => {
                    let target = Target::parse(url)?;
                    let password = if args.save_password { target.password.as_deref() } else { None };
                    let url = config_file::site_url(
                        &target.endpoint,
                        target.tls,
                        target.user.as_deref(),
                        password,
                        &target.path,
                    );
                    Bookmark { url, tls: Some(config_file::tls_name(target.tls).into()), ..Bookmark::default() }
                }
                None => {
                    let Some(conn) = shell.conn.as_ref() else {
                        bail!(usage("not connected: `bookmark add NAME URL`, or `open` the site first"));
                    };
                    // The user as named (URL or --user), not the anonymous default.
                    let user = conn.ctx.args.user.clone().or_else(|| conn.site.user.clone());
                    let password = if args.save_password && user.is_some() { conn.password() } else { None };
                    let url = config_file::site_url(
                        &conn.site.endpoint,
                        conn.tls(),
                        user.as_deref(),
                        password,
                        &conn.bookmark_path(),
                    );
                    Bookmark {
                        url,
                        tls: Some(config_file::tls_name(conn.tls()).into()),
                        pins: conn.ctx.args.pin.clone(),
                        password_env: conn.ctx.args.password_env.clone(),
                        ..Bookmark::default()
                    }
                }
            };
            if args.password_env.is_some() {
                bookmark.password_env = args.password_env;
            }
            let path = config_file::save_bookmark(&args.name, &bookmark)?;
            shell.note(&format!("bookmark {} = {} (in {})", args.name, redact_url(&bookmark.url), path.display()));
        }
        BookmarkCommand::List => {
            let all = config_file::bookmarks()?;
            let width = all.keys().map(|k| k.chars().count()).max().unwrap_or(0);
            for (name, bookmark) in all {
                let mut line = format!("{name:<width$}  {}", redact_url(&bookmark.url));
                if !bookmark.pins.is_empty() {
                    line.push_str(&format!("  (pinned: {})", bookmark.pins.join(", ")));
                }
                shell.out.line(&shell.out.text(&line))?;
            }
        }
        BookmarkCommand::Rm(args) => {
            if !config_file::remove_bookmark(&args.name)? {
                bail!(usage(format!("no bookmark named {:?}", args.name)));
            }
        }
    }
    Ok(())
}
