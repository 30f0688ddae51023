//! `set`: changing the session's settings (every key of the config file's [defaults],
//! `--save` to keep them there); `set` alone shows each value and where it came from.

use anyhow::{Result, bail};

use clap::ValueEnum as _;

use super::state::Shell;
use crate::app::config_file;
use crate::app::defaults::{self, Value};
use crate::app::progress::ProgressMode;
use crate::app::settings::usage;
use crate::app::target::redact_url;
use crate::cli::shell::{SetArgs, Setting};
use crate::cli::{ConfigKey, Origin};
use crate::engine::TlsMode;

fn on_off(setting: Setting, value: &str) -> Result<bool> {
    defaults::on_off(value)
        .ok_or_else(|| usage(format!("set {}: expected on or off, got {:?}", setting_name(setting), redact_url(value))))
}

fn setting_name(setting: Setting) -> String {
    clap::ValueEnum::to_possible_value(&setting).map(|v| v.get_name().to_string()).unwrap_or_default()
}

/// The config key a setting sets (`passive` and `epsv` set `active` and `no-epsv`, inverted).
fn key_of(setting: Setting) -> ConfigKey {
    match setting {
        Setting::Passive => ConfigKey::Active,
        Setting::Epsv => ConfigKey::NoEpsv,
        other => ConfigKey::from_str(&setting_name(other), false).unwrap_or(ConfigKey::Active),
    }
}

/// `set KEY VALUE`: changes the session (the open site and the next `open`); `--save` also
/// writes it to the config file's [defaults]. `set` alone shows every value and its origin.
pub fn set(shell: &mut Shell, args: SetArgs) -> Result<()> {
    let (Some(setting), Some(text)) = (args.setting, args.value) else {
        return show(shell);
    };
    let key = key_of(setting);
    let mut tls = None;
    let value = match setting {
        Setting::Passive => Value::Bool(!on_off(setting, &text)?),
        Setting::Epsv => Value::Bool(!on_off(setting, &text)?),
        Setting::Tls => {
            let mode = match text.as_str() {
                "off" => TlsMode::Off,
                "explicit" | "on" => TlsMode::Explicit,
                "implicit" => TlsMode::Implicit,
                _ => bail!(usage("set tls: expected off, explicit or implicit")),
            };
            if args.save && mode == TlsMode::Implicit {
                bail!(usage(
                    "set --save tls: the config file's tls is on (explicit TLS for ftp:// URLs) or off; \
                     implicit TLS is an ftps:// URL"
                ));
            }
            tls = Some(mode);
            Value::Bool(mode == TlsMode::Explicit)
        }
        _ => defaults::from_text(key, &text)
            .map_err(|why| usage(format!("set {}: {why}, got {:?}", setting_name(setting), redact_url(&text))))?,
    };
    // Timeouts and TLS take a new login; the data connection policy applies to the open session.
    let relogin = matches!(
        key,
        ConfigKey::Timeout
            | ConfigKey::NoopInterval
            | ConfigKey::Tls
            | ConfigKey::CaFile
            | ConfigKey::TlsMin
            | ConfigKey::TlsMax
    );
    // Every change goes to the base flags (the next `open`) and to the open site; TLS
    // changes the open site only, when there is one.
    let base = (tls.is_none() || shell.conn.is_none()).then_some(&mut shell.base);
    for flags in [base, shell.conn.as_mut().map(|c| &mut c.ctx.args)].into_iter().flatten() {
        defaults::put(flags, key, value.clone());
        flags.origins.set(key, Origin::Session);
    }
    if let (Some(mode), Some(conn)) = (tls, shell.conn.as_mut()) {
        // The site's own mode; `--tls` would turn a plain site back into explicit TLS.
        conn.site.tls = mode;
        conn.ctx.args.tls = false;
    }
    shell.progress = ProgressMode::resolve(&shell.base);
    if let Some(conn) = shell.conn.as_mut() {
        let flags = conn.ctx.args.clone();
        conn.reconfigure(flags, relogin)?;
    }
    if args.save {
        let path = config_file::set_default(key, &value)?;
        shell.note(&format!("{} = {value} (saved in {})", defaults::name(key), path.display()));
    }
    Ok(())
}

fn show(shell: &Shell) -> Result<()> {
    let flags = shell.conn.as_ref().map(|c| &c.ctx.args).unwrap_or(&shell.base);
    let origin = |key| defaults::origin_name(flags.origins.get(key));
    let tls = match shell.conn.as_ref() {
        Some(conn) => config_file::tls_name(conn.tls()).to_string(),
        None if shell.base.tls => "explicit".to_string(),
        None => "off (ftpes:// or ftps:// URLs turn it on)".to_string(),
    };
    let tls_origin = match shell.conn.as_ref() {
        Some(conn) if conn.site.tls != TlsMode::Off && conn.site.saved.tls => "bookmark",
        Some(conn) if conn.site.tls != TlsMode::Off => "url",
        _ => origin(ConfigKey::Tls),
    };
    let on = |b: bool| if b { "on" } else { "off" };
    let mut rows = vec![
        ("passive".to_string(), on(!flags.active).to_string(), origin(ConfigKey::Active)),
        ("epsv".to_string(), on(!flags.no_epsv).to_string(), origin(ConfigKey::NoEpsv)),
        ("tls".to_string(), tls, tls_origin),
    ];
    for &key in ConfigKey::value_variants() {
        if matches!(key, ConfigKey::Active | ConfigKey::NoEpsv | ConfigKey::Tls) {
            continue;
        }
        let value = match (key, defaults::effective(flags, key)) {
            // mget/mput run on one session unless told otherwise.
            (ConfigKey::Parallel, _) => shell.parallel().to_string(),
            (_, Some(Value::Seconds(secs))) => format!("{secs}s"),
            (_, Some(value)) => value.to_string(),
            (_, None) => "-".to_string(),
        };
        rows.push((defaults::name(key), value, origin(key)));
    }
    for (name, value, origin) in rows {
        shell.out.line(&format!("{name:<18} {value:<10} ({origin})"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_config_key_is_a_setting_of_the_same_name() {
        for &key in ConfigKey::value_variants() {
            let setting = Setting::from_str(&defaults::name(key), false).unwrap();
            assert_eq!(key_of(setting), key);
        }
        assert_eq!((key_of(Setting::Passive), key_of(Setting::Epsv)), (ConfigKey::Active, ConfigKey::NoEpsv));
    }
}
