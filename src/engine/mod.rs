//! The async FTP client engine: sockets, TLS, timeouts and transfers.
//!
//! Both front ends (one-shot subcommands and the interactive shell) drive this one engine.
//! It must never print, read stdin or the environment, know about clap, indicatif or
//! rustyline, or exit the process: it reports through return values, the [`Progress`] trait
//! and the [`Trace`] callback, and takes its policy from a plain [`Config`], made ready once
//! as [`Settings`] that every session to the same server shares.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod checksum;
mod config;
mod connect;
mod control;
mod data;
mod download_sequence;
mod error;
mod inline;
mod keepalive;
mod listing;
mod live;
mod mtime;
mod noop;
mod opening;
mod permissions;
mod pipelining;
mod probe;
mod progress;
mod pump;
mod ratelimit;
mod secret;
mod segment;
mod session;
mod settings;
mod stream;
mod tls;
mod tls_reuse;
mod trace;
mod transfer;
mod tree;
mod upload_sequence;

pub use crate::proto::{Features, HashAlgorithm, MtimeMethod};
pub use checksum::{Checksum, LocalHasher};
pub use config::{
    Config, Credentials, DataConnection, DataMethod, Endpoint, PasvAddress, TlsConfig, TlsMode, TlsVersion,
};
pub use download_sequence::DownloadSequence;
pub use error::{Error, ErrorClass};
pub use inline::Inline;
pub use pipelining::Pipelining;
pub use probe::DataProbe;
pub use progress::{NoProgress, Progress};
pub use ratelimit::RateLimit;
pub use secret::Secret;
pub use session::{FileStat, Session};
pub use settings::Settings;
pub use tls::{HandshakeFailure, TlsInfo, pin_of_der};
pub use tls_reuse::TicketSupply;
pub use trace::{Trace, TraceEvent};
pub use transfer::{SizeCheck, TransferSummary, UploadMode, judge_size};
pub use tree::{DirListing, MAX_DEPTH, RefusedName, join_remote};
pub use upload_sequence::{Upload, UploadSequence, Uploaded};
