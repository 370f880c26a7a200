//! All command-line integration tests, in one binary (see Cargo.toml
//! `autotests = false`): one module a command or concern, all run through
//! the [`harness`].

mod harness;

mod chat;
mod embed;
mod generate;
mod secrets;

mod cases;
mod generated;
