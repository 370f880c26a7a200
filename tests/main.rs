//! All integration tests, in one binary (see Cargo.toml `autotests = false`).

mod replay;
mod server;
