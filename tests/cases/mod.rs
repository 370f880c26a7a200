//! Library and command-line tests.

pub mod cli;
mod cli_manage;
#[cfg(unix)]
mod repl;
