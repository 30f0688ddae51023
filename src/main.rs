//! The `pasv` binary: parse the command line and hand it to the app.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = pasv::cli::Cli::parse();
    pasv::app::main(cli)
}
