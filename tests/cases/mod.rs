//! Library and command-line tests.

mod client_server;
mod replay_client;
