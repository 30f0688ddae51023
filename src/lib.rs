//! pasv: a command-line FTP/FTPS client built around passive mode.
//!
//! # Layout
//!
//! - [`proto`]: sans-IO FTP. Commands to bytes (and their typed verbs), bytes to replies,
//!   227/229 decoding, FEAT and the facts in other replies (257, SIZE, MDTM, MLST, REST,
//!   checksums), listing parsers. No sockets, no clock, no terminal.
//! - [`engine`]: the async client. Control and data connections, EPSV/PASV policy, TLS,
//!   timeouts, transfers. Reports through return values, [`engine::Progress`] and
//!   [`engine::Trace`]; never prints. Inside it: `session` is the facade, `connect` opens a
//!   session, `transfer` moves one file (bytes pumped by `pump`), `listing` lists,
//!   `download_sequence`/`upload_sequence` move many files in a row, sending ahead as
//!   `pipelining` allows.
//! - [`cli`]: clap definitions, shared by one-shot subcommands, man page and completions.
//! - [`app`]: the terminal. Turns flags, URLs, netrc and environment into engine settings
//!   (once per run and server, shared by its sessions: `app::context`), runs commands, draws
//!   progress, renders listings, maps errors to exit codes. Inside it: `transfer/` is how
//!   files move (jobs on a pool of sessions: one-by-one with checks, pipelined lanes,
//!   segments), `mirror/` the tree sync (scan, plan, delete), `deploy/` content-based
//!   publishing, `transfers` the front end of every get and put (one-shot and the shell's)
//!   and of mirror, `oneshot` the other one-shot commands, `repl/` the shell, `doctor/` the
//!   diagnosis (probe, findings, verdict, render).
//! - [`server`]: `pasv serve` and `pasv demo`, a thin wrapper over the libunftp server library.

pub mod app;
pub mod cli;
pub mod engine;
pub mod proto;
pub mod server;
