//! All integration tests, in one binary (see Cargo.toml `autotests = false`).

mod cases;
mod replay;
mod server;
