//! `pasv config`: the config file's [defaults] from the command line. The value of a key in
//! effect and where it comes from, saving and removing a value (checked first), the file's
//! path. The file itself is config_file's.

use anyhow::{Context as _, Result};
use clap::ValueEnum as _;

use super::config_file;
use super::context::Context;
use super::defaults;
use super::settings::usage;
use crate::cli::{ConfigCommand, ConfigKey};

pub fn run(ctx: &Context, command: ConfigCommand) -> Result<()> {
    match command {
        ConfigCommand::Get(arg) => show(ctx, &[arg.key], false),
        ConfigCommand::List => show(ctx, ConfigKey::value_variants(), true),
        ConfigCommand::Set(args) => {
            let name = defaults::name(args.key);
            let value = defaults::from_text(args.key, &args.value)
                .map_err(|why| usage(format!("config set {name}: {why}, got {:?}", args.value)))?;
            let path = config_file::set_default(args.key, &value)?;
            ctx.note(&format!("pasv: {name} = {value} (in {})", path.display()));
            Ok(())
        }
        ConfigCommand::Unset(arg) => {
            let name = defaults::name(arg.key);
            if !config_file::unset_default(arg.key)? {
                ctx.note(&format!("pasv: {name} was not set in the config file"));
            }
            Ok(())
        }
        ConfigCommand::Path => {
            let path = config_file::path().context("no config directory (HOME unset?)")?;
            ctx.out.line(&path.display().to_string())?;
            Ok(())
        }
    }
}

/// Each key's value in effect: the bare value for `get`, a table with origins for `list`, or
/// JSON lines `{"key", "value", "origin"}` for either with `--json`.
fn show(ctx: &Context, keys: &[ConfigKey], table: bool) -> Result<()> {
    let width = keys.iter().map(|k| defaults::name(*k).len()).max().unwrap_or(0);
    for &key in keys {
        let value = defaults::effective(&ctx.args, key);
        let origin = defaults::origin_name(ctx.args.origins.get(key));
        if ctx.out.json() {
            ctx.out.json_line(&serde_json::json!({
                "key": defaults::name(key),
                "value": value.as_ref().map(defaults::to_json),
                "origin": origin,
            }))?;
        } else if table {
            let shown = value.map_or_else(|| "-".to_string(), |v| v.to_string());
            ctx.out.line(&format!("{:<width$}  {shown:<8}  {origin}", defaults::name(key)))?;
        } else if let Some(value) = value {
            ctx.out.line(&value.to_string())?;
        }
    }
    Ok(())
}
