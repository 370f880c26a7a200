//! Library and command-line tests.

mod bad_input;
pub mod cli;
mod cli_manage;
mod cli_tls_proxy;
mod cli_transfer;
mod faults;
#[cfg(unix)]
mod repl;
