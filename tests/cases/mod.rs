//! Library and command-line tests.

pub mod cli;
mod cli_transfer;
mod client_server;
mod replay_client;
