//! Library and command-line tests.

pub mod cli;
mod client_server;
mod replay_client;
