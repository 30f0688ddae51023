//! The `pasv` binary: parse the command line and hand it to the app.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match pasv::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // clap quotes the value it refused: a URL's password must not be shown with it.
        Err(e) if e.use_stderr() && e.to_string().contains("://") => {
            eprint!("{}", pasv::app::redact_urls_in(&e.to_string()));
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
        Err(e) => e.exit(),
    };
    pasv::app::main(cli)
}
