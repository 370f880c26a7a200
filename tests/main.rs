//! All command-line integration tests, in one binary (see Cargo.toml
//! `autotests = false`): one module a command or concern, all run through
//! the [`harness`].

mod harness;

mod bad_input;
mod bash_completion;
pub mod batch;
mod batch_resume;
mod chat;
mod create;
mod embed;
mod faults;
mod generate;
mod global;
mod interrupt;
mod manage;
mod markdown;
pub mod mcp;
mod mcp_https;
#[cfg(unix)]
mod mcp_repl;
#[cfg(unix)]
mod progress_terminal;
mod pull;
mod push;
#[cfg(unix)]
mod repl;
#[cfg(unix)]
mod reply_terminal;
mod secrets;
mod tls_proxy;
mod waiting;

mod generated;
mod imports;
