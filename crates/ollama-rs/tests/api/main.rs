//! The library's tests against servers, in one test binary, by API area.
//!
//! Two kinds of server: the Ollama test server (`TestServer`), which runs
//! models and plays faults, and byte-exact replays of a real Ollama 0.32.15
//! server (`replay`), one capture (or a few, by route) of
//! `tests/fixtures/captures` per test. A replay test checks both what the
//! client made of the answer and what it sent; expected values are written
//! out literally, and where it is cheap also compared with the capture
//! itself, so that a wrong literal and a wrong parse cannot hide each other.
//!
//! `fuzz_seeds` replays the fuzz targets' seeds and regression inputs.

mod support;

mod batch;
#[cfg(feature = "blocking")]
mod blocking;
mod chat;
mod connection;
mod conversions;
mod embed;
mod examples;
mod faults;
mod fold;
mod fuzz_seeds;
mod generate;
#[cfg(feature = "mcp")]
mod mcp;
mod models;
mod resilience;
#[cfg(feature = "schema")]
mod structured;
mod tools;
mod transfer;
mod web;
