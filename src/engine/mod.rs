//! The async FTP client engine: sockets, TLS, timeouts and transfers.
//!
//! Both front ends (one-shot subcommands and the interactive shell) drive this one engine.
//! It must never print, read stdin or the environment, know about clap, indicatif or
//! rustyline, or exit the process: it reports through return values, the [`Progress`] trait
//! and the [`Trace`] callback, and takes its policy from a plain [`Config`].
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod config;
mod control;
mod data;
mod error;
mod progress;
mod secret;
mod session;
mod stream;
mod tls;
mod trace;
mod transfer;

pub use config::{Config, Credentials, Endpoint, PasvAddress, TlsConfig, TlsMode, TlsVersion};
pub use error::{Error, ErrorClass};
pub use progress::{NoProgress, Progress};
pub use secret::Secret;
pub use session::{Features, FileStat, Session, TransferSummary, UploadMode};
pub use tls::{TlsInfo, pin_of_der};
pub use trace::{Trace, TraceEvent};
