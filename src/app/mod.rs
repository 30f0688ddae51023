//! The terminal: runs one-shot subcommands (and `serve`/`demo`), draws progress, renders
//! listings, prints errors and maps them to exit codes. It must not open sockets, build
//! protocol commands or parse replies: that is the engine's job.

mod config_command;
mod config_file;
mod context;
mod defaults;
mod deploy;
mod doctor;
mod exit;
mod filter;
mod glob;
mod interrupt;
mod known_hosts;
mod local;
mod mirror;
mod netrc;
mod oneshot;
mod part_names;
mod progress;
mod render;
mod repl;
mod sanitize;
mod serve;
mod settings;
mod tally;
mod target;
mod trace;
mod transfer;
mod transfers;
mod url_glob;

use std::process::ExitCode;

pub use exit::code_for;
pub use sanitize::escape;
pub use target::{Target, UrlError, redact_urls_in};

use crate::cli::{Cli, Commands, ConfigCommand};
use context::Context;

/// Runs the parsed command line to completion and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    let multi_thread = matches!(cli.command, Some(Commands::Serve(_) | Commands::Demo(_)));
    let runtime = if multi_thread {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
    } else {
        // A CLI client gains more from starting light than from a thread pool.
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => return exit::report(&anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    // The interactive shell handles Ctrl-C itself: it stops a transfer, not the shell.
    let shell_handles_interrupts = cli.command.is_none() && repl::is_interactive(cli.script.as_deref());
    let result = runtime.block_on(async {
        if shell_handles_interrupts {
            return run(cli).await;
        }
        let run = run(cli);
        tokio::pin!(run);
        tokio::select! {
            result = &mut run => result,
            _ = interrupt::signal() => {
                // Upload temporaries (or a deploy lock) on the server: the command deletes them first.
                interrupt::let_tidy(run.as_mut(), interrupt::signal()).await;
                Err(anyhow::Error::new(crate::engine::Error::Cancelled))
            }
        }
    });
    // Do not wait for stray blocking tasks (a stdin read) at exit.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::report(&e),
    }
}

async fn run(mut cli: Cli) -> anyhow::Result<()> {
    if settings::split_user_password(&mut cli.global) && !cli.global.quiet {
        progress::say(
            "pasv: note: -u USER:PASSWORD shows the password to anyone who can list processes (ps); --password-env \
             NAME is safer",
        );
    }
    // `pasv config path`, `set` and `unset` still work when the file does not read (to find
    // it and fix it): they need no defaults, and an edit checks the file it writes.
    let defaults = match cli.command {
        Some(Commands::Config(ConfigCommand::Path | ConfigCommand::Set(_) | ConfigCommand::Unset(_))) => Vec::new(),
        _ => config_file::load()?.defaults,
    };
    let ctx = Context::new(settings::resolve(cli.global, &defaults));
    match cli.command {
        Some(Commands::Get(mut args)) => {
            settings::transfer_args(&ctx.args, &mut args.transfer);
            oneshot::get(&ctx, args).await
        }
        Some(Commands::Put(mut args)) => {
            settings::transfer_args(&ctx.args, &mut args.opts.transfer);
            oneshot::put(&ctx, args).await
        }
        Some(Commands::Mirror(mut args)) => {
            settings::transfer_args(&ctx.args, &mut args.transfer);
            transfers::mirror(&ctx, args).await
        }
        Some(Commands::Deploy(args)) => deploy::deploy(&ctx, args).await,
        Some(Commands::Ls(args)) => oneshot::ls(&ctx, args).await,
        Some(Commands::Cat(args)) => oneshot::cat(&ctx, args).await,
        Some(Commands::Mkdir(args)) => oneshot::mkdir(&ctx, args).await,
        Some(Commands::Rm(args)) => oneshot::rm(&ctx, args).await,
        Some(Commands::Rmdir(args)) => oneshot::rmdir(&ctx, args).await,
        Some(Commands::Mv(args)) => oneshot::mv(&ctx, args).await,
        Some(Commands::Stat(args)) => oneshot::stat(&ctx, args).await,
        Some(Commands::Quote(args)) => oneshot::quote(&ctx, args).await,
        Some(Commands::Doctor(args)) => doctor::doctor(&ctx, args).await,
        Some(Commands::Serve(args)) => serve::serve(&ctx, args).await,
        Some(Commands::Demo(args)) => serve::demo(&ctx, args).await,
        Some(Commands::Config(command)) => config_command::run(&ctx, command),
        None => repl::run(ctx, cli.url, cli.script).await,
    }
}
