//! Library and command-line tests.

pub mod cli;
mod cli_generate;
mod cli_manage;
mod cli_transfer;
mod client_server;
mod fuzz_seeds;
#[cfg(unix)]
mod repl;
mod replay_client;
