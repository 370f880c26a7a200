//! One run's dispatch: which server gets each request, backoff, retries.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::time::Instant;

use std::sync::Arc;
use std::time::Duration;

use super::request::{BatchRequest, BatchResponse};
use super::stats::{Counters, Outcome};
use crate::{Client, Error, Result};

/// What a run takes of its [`super::Pool`].
pub(super) struct Limits {
    pub(super) clients: Vec<Client>,
    pub(super) counters: Arc<[Counters]>,
    pub(super) concurrency: usize,
    pub(super) retries: u32,
    pub(super) backoff_base: Duration,
    pub(super) backoff_cap: Duration,
}

/// What a run knows of one server.
#[derive(Debug, Clone, Default)]
struct Server {
    in_flight: usize,
    /// Failures in a row.
    failures: u32,
    backed_off_until: Option<Instant>,
}

/// The state shared by the requests of one run.
pub(super) struct Dispatch {
    pool: Limits,
    servers: Mutex<Vec<Server>>,
    /// (server, model) pairs a server said it does not have, so that the
    /// following requests for that model skip it.
    lacking: Mutex<HashSet<(usize, String)>>,
    /// Told when a slot frees or a backoff changes.
    changed: Notify,
}

impl Dispatch {
    pub(super) fn new(pool: Limits) -> Dispatch {
        Dispatch {
            servers: Mutex::new(vec![Server::default(); pool.clients.len()]),
            lacking: Mutex::new(HashSet::new()),
            changed: Notify::new(),
            pool,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Server>> {
        self.servers.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn send(&self, request: BatchRequest) -> Result<BatchResponse> {
        let n = self.pool.clients.len();
        // Servers without the model, and servers that failed this request.
        let mut missing = vec![false; n];
        let mut failed = vec![false; n];
        let mut retries = 0;
        loop {
            let i = self.acquire(request.model(), &missing, &failed).await;
            let slot = self.pool.counters[i].start();
            let result = request.clone().send(&self.pool.clients[i]).await;
            slot.end(match &result {
                Ok(_) => Outcome::Success,
                Err(e) if is_server_failure(e) => Outcome::Failure,
                Err(_) => Outcome::Answered,
            });
            match result {
                Ok(response) => {
                    self.release(i, Outcome::Success);
                    return Ok(response);
                }
                Err(e) if e.is_model_not_found() => {
                    self.release(i, Outcome::Answered);
                    missing[i] = true;
                    self.lacking
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((i, request.model().to_string()));
                    if missing.iter().all(|m| *m) {
                        return Err(e);
                    }
                }
                Err(e) if is_server_failure(&e) => {
                    self.release(i, Outcome::Failure);
                    retries += 1;
                    if retries > self.pool.retries {
                        return Err(e);
                    }
                    failed[i] = true;
                    // Every server that has the model failed: try them again.
                    if failed.iter().zip(&missing).all(|(f, m)| *f || *m) {
                        failed.fill(false);
                    }
                }
                Err(e) => {
                    self.release(i, Outcome::Answered);
                    return Err(e);
                }
            }
        }
    }

    /// The servers that lack `model`: those that told this request
    /// (`missing`) and those that told an earlier one, unless that is all
    /// of them (it may have been pulled since: they are asked again).
    fn lacking(&self, model: &str, missing: &[bool]) -> Vec<bool> {
        let lacking = self.lacking.lock().unwrap_or_else(|e| e.into_inner());
        let known: Vec<bool> = missing
            .iter()
            .enumerate()
            .map(|(i, m)| *m || lacking.contains(&(i, model.to_string())))
            .collect();
        if known.iter().all(|m| *m) {
            missing.to_vec()
        } else {
            known
        }
    }

    /// Takes a slot on the server with the fewest requests in flight, among
    /// those not lacking the model (see [`Dispatch::lacking`]), preferring those that have not
    /// `failed` this request; waits while none is free.
    async fn acquire(&self, model: &str, missing: &[bool], failed: &[bool]) -> usize {
        loop {
            let missing = self.lacking(model, missing);
            // Created before the state is read: a change after that wakes it.
            let changed = self.changed.notified();
            let wake = {
                let mut servers = self.lock();
                let now = Instant::now();
                let any_fresh = (0..servers.len()).any(|i| !missing[i] && !failed[i]);
                let candidates =
                    (0..servers.len()).filter(|&i| !missing[i] && (!any_fresh || !failed[i]));
                let mut best: Option<usize> = None;
                let mut wake: Option<Instant> = None;
                for i in candidates {
                    let s = &servers[i];
                    match s.backed_off_until {
                        Some(t) if t > now => {
                            wake = Some(wake.map_or(t, |w| w.min(t)));
                            continue;
                        }
                        _ => {}
                    }
                    if s.in_flight < self.pool.concurrency
                        && best.is_none_or(|b| s.in_flight < servers[b].in_flight)
                    {
                        best = Some(i);
                    }
                }
                if let Some(i) = best {
                    servers[i].in_flight += 1;
                    return i;
                }
                wake
            };
            match wake {
                Some(t) => {
                    tokio::select! {
                        _ = changed => {}
                        _ = tokio::time::sleep_until(t) => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    fn release(&self, i: usize, outcome: Outcome) {
        {
            let mut servers = self.lock();
            let s = &mut servers[i];
            s.in_flight -= 1;
            match outcome {
                Outcome::Success => {
                    s.failures = 0;
                    s.backed_off_until = None;
                }
                Outcome::Failure => {
                    s.failures = s.failures.saturating_add(1);
                    let doublings = (s.failures - 1).min(20);
                    let delay = self
                        .pool
                        .backoff_base
                        .saturating_mul(1 << doublings)
                        .min(self.pool.backoff_cap);
                    s.backed_off_until = Some(Instant::now() + delay);
                }
                Outcome::Answered => {}
            }
        }
        self.changed.notify_waiters();
    }
}

/// Whether an error is the server's (or the network's) failure, worth
/// trying again elsewhere: no connection, a timeout, a broken connection,
/// a 5xx or 429 answer.
fn is_server_failure(e: &Error) -> bool {
    match e {
        Error::Connect { .. } | Error::Timeout { .. } | Error::Http { .. } | Error::Incomplete => {
            true
        }
        Error::Api { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}
