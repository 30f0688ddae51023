//! The one integration-test binary (linked once, which matters on small machines).

mod support;

mod cli;
mod config;
mod deploy;
mod doctor;
mod engine;
mod exit_codes;
mod faults;
mod fuzz;
mod generated;
mod globs;
mod hardening;
mod hostile;
mod integrity;
mod interop;
mod layering;
mod links;
mod repl;
mod scripted_server;
mod secrets;
mod tls;
mod tree;
