//! Batches of requests over several servers: the [`Pool`].
//!
//! The rules are in [`Pool`]'s documentation.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::{Client, Error, Result};

mod dispatch;
mod request;
mod stats;

use dispatch::{Dispatch, Limits};
pub use request::{BatchRequest, BatchResponse};
use stats::Counters;
pub use stats::ServerStats;

/// Sends batches of requests to one or more servers.
///
/// A pool sends each request of a stream, whole (not streamed), to one of its
/// servers, and yields one result per request, in input order or as they
/// finish.
///
/// # Rules
///
/// - **Dispatch**: each request goes to the server with the fewest requests in
///   flight (the first listed on a tie) among those that are not backed off
///   and have a free slot ([`Pool::concurrency`] per server). When none has,
///   the request waits for a slot.
/// - **Failures**: a connection that fails or breaks, a timeout, a 5xx or a
///   429 answer count as the server's failure: the server is backed off
///   (exponentially from [`Pool::backoff`]'s base up to its cap, reset by its
///   next success) and the request is tried again, on another server when
///   there is one, up to [`Pool::retries`] more times.
/// - **Missing model**: a server that answers that the model does not exist
///   ([`Error::is_model_not_found`]) is not asked again for that request, nor
///   for the following requests for that model in the same run, but the other
///   servers are (this costs no retry); when none has the model, that answer
///   is the request's result.
/// - Any other error (a 4xx, an invalid request, a response that cannot be
///   decoded) is the request's result at once.
///
/// # Memory
///
/// The input stream is read lazily: at most `concurrency × servers` requests
/// are in flight, and in ordered mode at most [`Pool::reorder_window`] more
/// are held, finished, behind a slow older one. When that buffer is full,
/// no more input is read until the oldest request is done.
///
/// # Example
///
/// ```no_run
/// use futures_util::{stream, StreamExt};
/// use ollama_rs::{BatchRequest, GenerateRequest, Pool};
///
/// # async fn demo() -> ollama_rs::Result<()> {
/// let pool = Pool::new(["http://gpu1:11434", "http://gpu2:11434"])?.concurrency(4);
/// let prompts = ["Why is the sky blue?", "Why is grass green?"];
/// let requests = stream::iter(prompts)
///     .map(|p| BatchRequest::from(GenerateRequest::new("llama3.2", p)));
/// let mut results = pool.run(requests);
/// while let Some((index, result)) = results.next().await {
///     match result {
///         Ok(response) => println!("{index}: {response:?}"),
///         Err(e) => eprintln!("{index}: {e}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Pool {
    clients: Vec<Client>,
    concurrency: usize,
    retries: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    window: Option<usize>,
    ordered: bool,
    /// Shared by the pool's clones and runs.
    counters: Arc<[Counters]>,
}

/// Requests in flight per server unless [`Pool::concurrency`] says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Retries per request unless [`Pool::retries`] says otherwise.
pub const DEFAULT_RETRIES: u32 = 3;

impl Pool {
    /// A pool of one client per host (in any form `OLLAMA_HOST` accepts),
    /// each with the default settings. [`Error::InvalidRequest`] when there
    /// is no host or one is invalid.
    pub fn new<I, S>(hosts: I) -> Result<Pool>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let clients = hosts
            .into_iter()
            .map(Client::with_host)
            .collect::<Result<Vec<_>>>()?;
        Pool::from_clients(clients)
    }

    /// A pool of these clients, one per server (for timeouts, headers or
    /// credentials set with a [`crate::ClientBuilder`]).
    /// [`Error::InvalidRequest`] when there is none.
    pub fn from_clients(clients: impl IntoIterator<Item = Client>) -> Result<Pool> {
        let clients: Vec<Client> = clients.into_iter().collect();
        if clients.is_empty() {
            return Err(Error::InvalidRequest(
                "a pool needs at least one server".into(),
            ));
        }
        Ok(Pool {
            concurrency: DEFAULT_CONCURRENCY,
            retries: DEFAULT_RETRIES,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(30),
            window: None,
            ordered: true,
            counters: clients.iter().map(|_| Counters::default()).collect(),
            clients,
        })
    }

    /// Requests in flight per server (at least 1; default
    /// [`DEFAULT_CONCURRENCY`]).
    pub fn concurrency(mut self, per_server: usize) -> Self {
        self.concurrency = per_server.max(1);
        self
    }

    /// How many times a request is tried again after a server failed it
    /// (default [`DEFAULT_RETRIES`]; 0: never).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// How long a failed server is left alone: `base` after one failure,
    /// doubled on each further failure in a row, never more than `cap`
    /// (default 250 ms, 30 s).
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_cap = cap.max(base);
        self
    }

    /// In ordered mode, how many finished results may wait behind an older
    /// request that is not done (default: `concurrency × servers`).
    pub fn reorder_window(mut self, window: usize) -> Self {
        self.window = Some(window);
        self
    }

    /// Whether results come in input order (the default) or as they finish.
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// The servers' clients, in the order given.
    pub fn clients(&self) -> &[Client] {
        &self.clients
    }

    /// What each server has done so far, in the order of
    /// [`Pool::clients`]: requests in flight, answered, failed. Counted over
    /// every run of this pool and its clones; cheap enough to read for a
    /// progress display.
    pub fn stats(&self) -> Vec<ServerStats> {
        self.clients
            .iter()
            .zip(self.counters.iter())
            .map(|(client, c)| c.read(client))
            .collect()
    }

    /// Most requests in flight at once: `concurrency × servers`.
    pub fn max_in_flight(&self) -> usize {
        self.concurrency * self.clients.len()
    }

    /// Sends every request of `requests` and yields `(index, result)` for
    /// each, index counting from 0 in input order.
    pub fn run<S>(&self, requests: S) -> BoxStream<'static, (usize, Result<BatchResponse>)>
    where
        S: Stream<Item = BatchRequest> + Send + 'static,
    {
        self.run_tagged(requests.enumerate().map(|(i, r)| (i, Ok(r))))
    }

    /// Like [`Pool::run`], with a tag of the caller's (an id, a line
    /// number) carried along each request. An item that is already an
    /// error is not sent: it comes out as the result in its place (for
    /// input that could not be read as a request).
    pub fn run_tagged<T, S>(&self, requests: S) -> BoxStream<'static, (T, Result<BatchResponse>)>
    where
        T: Send + 'static,
        S: Stream<Item = (T, Result<BatchRequest>)> + Send + 'static,
    {
        let dispatch = Arc::new(Dispatch::new(Limits {
            clients: self.clients.clone(),
            counters: Arc::clone(&self.counters),
            concurrency: self.concurrency,
            retries: self.retries,
            backoff_base: self.backoff_base,
            backoff_cap: self.backoff_cap,
        }));
        let jobs = requests.map(move |(tag, request)| {
            let dispatch = Arc::clone(&dispatch);
            async move {
                match request {
                    Ok(r) => (tag, dispatch.send(r).await),
                    Err(e) => (tag, Err(e)),
                }
            }
        });
        let in_flight = self.max_in_flight();
        if self.ordered {
            let window = self.window.unwrap_or(in_flight);
            jobs.buffered(in_flight + window).boxed()
        } else {
            jobs.buffer_unordered(in_flight).boxed()
        }
    }
}
