//! `bookmark` and `set`: saving the current site to the config file, and changing the
//! session's settings (passive/active, EPSV, TLS, timeouts, parallel sessions).

use anyhow::{Result, bail};

use super::state::Shell;
use crate::app::config_file::{self, Bookmark};
use crate::app::settings::usage;
use crate::app::target::{Target, redact_url};
use crate::app::tree::MAX_PARALLEL;
use crate::cli::shell::{BookmarkCommand, SetArgs, Setting};
use crate::engine::TlsMode;

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

fn on_off(setting: Setting, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => bail!(usage(format!("set {}: expected on or off, got {:?}", setting_name(setting), redact_url(value)))),
    }
}

fn setting_name(setting: Setting) -> String {
    clap::ValueEnum::to_possible_value(&setting).map(|v| v.get_name().to_string()).unwrap_or_default()
}

fn seconds(setting: Setting, value: &str) -> Result<f64> {
    match value.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => Ok(secs),
        _ => bail!(usage(format!("set {}: expected a positive number of seconds", setting_name(setting)))),
    }
}

pub fn set(shell: &mut Shell, args: SetArgs) -> Result<()> {
    let (Some(setting), Some(value)) = (args.setting, args.value) else {
        return show(shell);
    };
    // Every change goes to the base flags (the next `open`) and to the open site.
    let mut flags = shell.conn.as_ref().map(|c| c.ctx.args.clone()).unwrap_or_else(|| shell.base.clone());
    let mut relogin = false;
    let mut tls = None;
    match setting {
        Setting::Passive => flags.active = !on_off(setting, &value)?,
        Setting::Active => flags.active = on_off(setting, &value)?,
        Setting::Epsv => flags.no_epsv = !on_off(setting, &value)?,
        Setting::Timeout => {
            flags.timeout = Some(seconds(setting, &value)?);
            relogin = true;
        }
        Setting::ConnectTimeout => flags.connect_timeout = Some(seconds(setting, &value)?),
        Setting::Parallel => match value.parse::<usize>() {
            Ok(n) if (1..=MAX_PARALLEL).contains(&n) => flags.parallel = Some(n),
            _ => bail!(usage(format!("set parallel: expected a number from 1 to {MAX_PARALLEL}"))),
        },
        Setting::Tls => {
            let mode = match value.as_str() {
                "off" => TlsMode::Off,
                "explicit" | "on" => TlsMode::Explicit,
                "implicit" => TlsMode::Implicit,
                _ => bail!(usage("set tls: expected off, explicit or implicit")),
            };
            flags.tls = false;
            tls = Some(mode);
            relogin = true;
        }
    }
    shell.base.active = flags.active;
    shell.base.no_epsv = flags.no_epsv;
    shell.base.timeout = flags.timeout;
    shell.base.connect_timeout = flags.connect_timeout;
    shell.base.parallel = flags.parallel;
    if let Some(conn) = shell.conn.as_mut() {
        if let Some(mode) = tls {
            conn.site.tls = mode;
        }
        conn.reconfigure(flags, relogin)?;
    } else if tls == Some(TlsMode::Explicit) {
        shell.base.tls = true;
    } else if tls.is_some() {
        shell.base.tls = false;
    }
    Ok(())
}

fn show(shell: &Shell) -> Result<()> {
    let flags = shell.conn.as_ref().map(|c| &c.ctx.args).unwrap_or(&shell.base);
    let tls = match shell.conn.as_ref() {
        Some(conn) => config_file::tls_name(conn.tls()),
        None if shell.base.tls => "explicit",
        None => "off (ftpes:// or ftps:// URLs turn it on)",
    };
    let on = |b: bool| if b { "on" } else { "off" };
    let defaults = crate::engine::Config::default();
    let secs = |s: Option<f64>, default: std::time::Duration| format!("{}s", s.unwrap_or(default.as_secs_f64()));
    let lines = [
        format!("passive          {}", on(!flags.active)),
        format!("epsv             {}", on(!flags.no_epsv)),
        format!("tls              {tls}"),
        format!("timeout          {}", secs(flags.timeout, defaults.timeout)),
        format!("connect-timeout  {}", secs(flags.connect_timeout, defaults.connect_timeout)),
        format!("parallel         {}", shell.parallel()),
    ];
    for line in lines {
        shell.out.line(&line)?;
    }
    Ok(())
}
