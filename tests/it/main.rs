//! The one integration-test binary (linked once, which matters on small machines).

mod support;

mod cli;
mod deploy;
mod doctor;
mod exit_codes;
mod fuzz;
mod generated;
mod hardening;
mod hostile;
mod interop;
mod layering;
mod links;
mod repl;
mod secrets;
mod tls;
mod tree;
