//! Library and command-line tests.

pub mod cli;
mod cli_generate;
mod client_server;
mod replay_client;
