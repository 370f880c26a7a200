//! What each server of a pool has done: [`ServerStats`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::Client;

/// How an attempt ended, for the server's record.
#[derive(Debug, Clone, Copy)]
pub(super) enum Outcome {
    Success,
    Failure,
    /// Neither: the server answered, but not with success (a 4xx).
    Answered,
}

/// What one server of a [`crate::Pool`] has done so far (see
/// [`crate::Pool::stats`]). Each attempt counts once: a request tried on
/// two servers counts on both.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// The server's address, as its client has it.
    pub host: String,
    /// Requests being sent to it now.
    pub in_flight: usize,
    /// Requests it answered with success.
    pub succeeded: u64,
    /// Attempts that failed on its side (no connection, timeout, broken
    /// connection, 5xx or 429), each of them tried again or given up.
    pub failed: u64,
    /// Requests it answered with an error of the request's own (a 4xx, a
    /// missing model).
    pub refused: u64,
}

/// The live counters behind a [`ServerStats`].
#[derive(Debug, Default)]
pub(super) struct Counters {
    in_flight: AtomicUsize,
    succeeded: AtomicU64,
    failed: AtomicU64,
    refused: AtomicU64,
}

impl Counters {
    /// An attempt begins; it is counted in flight until its [`Slot`] ends
    /// or is dropped (a cancelled run).
    pub(super) fn start(&self) -> Slot<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Slot { counters: self }
    }

    pub(super) fn read(&self, client: &Client) -> ServerStats {
        ServerStats {
            host: client.host().to_string(),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            succeeded: self.succeeded.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }
}

/// One attempt in flight on a server.
pub(super) struct Slot<'a> {
    counters: &'a Counters,
}

impl Slot<'_> {
    /// The attempt ended so.
    pub(super) fn end(self, outcome: Outcome) {
        let c = match outcome {
            Outcome::Success => &self.counters.succeeded,
            Outcome::Failure => &self.counters.failed,
            Outcome::Answered => &self.counters.refused,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
