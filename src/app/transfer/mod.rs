//! How files move: every transfer of a file is a job on a [`pool::Pool`] of sessions (a pool
//! of one for a single file), whichever command asked for it.
//!
//! - [`job`]: what a transfer is about (the two roots, the direction, the options, a file);
//! - [`pool`]: the sessions, their retries and back-off; [`stalls`]: when a run whose
//!   transfers all hang stops;
//! - [`copy`]: one file at a time with every check; [`lanes`]: many in a row, pipelined, and
//!   the choice between the two; [`confirm`]: their sizes checked by a listing of each
//!   directory; [`segments`]: one big file over several connections;
//! - [`request`]: what a `get` or `put` asks for, settled once, whoever asked;
//! - [`temporaries`]: upload temporaries to delete when pasv gives up; [`written`]: what a
//!   retry may continue;
//! - [`run`]: the end of a run (summary, failures).

pub mod confirm;
pub mod copy;
pub mod job;
pub mod lanes;
pub mod pool;
pub mod request;
pub mod run;
pub mod segments;
pub mod stalls;
pub mod temporaries;
pub mod written;
