//! Sans-IO FTP: bytes in, values out.
//!
//! This layer owns the wire format and nothing else: command encoding ([`command`]), reply
//! framing ([`reply`]), passive-mode replies ([`passive`]), FEAT ([`features`]), the facts
//! in other replies (257, SIZE, MDTM, MLST, REST: [`facts`]), what a greeting tells
//! ([`greeting`]), checksum replies ([`checksum`]) and directory listings ([`listing`]), with
//! the calendar their times need ([`calendar`]). It must not use tokio, sockets, clocks, the
//! environment or stdio, so every parser here can be tested with a table and fuzzed without a
//! network.
//!
//! RFCs: 959 (FTP), 1123 section 4.1 (host requirements, 227 scanning), 2228 (security
//! extensions), 2389 (FEAT), 2428 (EPSV/EPRT), 3659 (SIZE, MDTM, REST STREAM, MLSD),
//! 4217 (FTP over TLS), 7151 (HOST).
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod calendar;
pub mod checksum;
pub mod command;
mod digits;
pub mod facts;
pub mod features;
pub mod greeting;
pub mod listing;
pub mod name;
pub mod passive;
pub mod reply;

pub use checksum::{ChecksumMethod, HashAlgorithm};
pub use command::{Arg, ArgError, ChecksumVerb, Command, MtimeMethod, SentCommand, Verb};
pub use features::Features;
pub use greeting::Reading;
pub use passive::{PassiveError, parse_227, parse_229};
pub use reply::{Reply, ReplyClass, ReplyCode, ReplyDecoder, ReplyError};
