//! All command-line integration tests, in one binary (see Cargo.toml `autotests = false`).

mod cases;
mod generated;
mod imports;
