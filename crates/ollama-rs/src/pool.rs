//! Batches of requests over several servers: the [`Pool`].
//!
//! The rules are in [`Pool`]'s documentation.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::stream::{BoxStream, Stream, StreamExt};
use serde::Serialize;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{
    ChatRequest, ChatResponse, Client, EmbedRequest, EmbedResponse, Error, GenerateRequest,
    GenerateResponse, Result,
};

/// One request of a batch: the endpoint and its request.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchRequest {
    /// `/api/generate`.
    Generate(GenerateRequest),
    /// `/api/chat`.
    Chat(ChatRequest),
    /// `/api/embed`.
    Embed(EmbedRequest),
}

impl BatchRequest {
    /// The model the request is for.
    pub fn model(&self) -> &str {
        match self {
            BatchRequest::Generate(r) => &r.model,
            BatchRequest::Chat(r) => &r.model,
            BatchRequest::Embed(r) => &r.model,
        }
    }

    /// The endpoint's short name: `generate`, `chat` or `embed`.
    pub fn endpoint(&self) -> &'static str {
        match self {
            BatchRequest::Generate(_) => "generate",
            BatchRequest::Chat(_) => "chat",
            BatchRequest::Embed(_) => "embed",
        }
    }

    async fn send(self, client: &Client) -> Result<BatchResponse> {
        match self {
            BatchRequest::Generate(r) => client.generate(r).await.map(BatchResponse::Generate),
            BatchRequest::Chat(r) => client.chat(r).await.map(BatchResponse::Chat),
            BatchRequest::Embed(r) => client.embed(r).await.map(BatchResponse::Embed),
        }
    }
}

impl From<GenerateRequest> for BatchRequest {
    fn from(r: GenerateRequest) -> Self {
        BatchRequest::Generate(r)
    }
}

impl From<ChatRequest> for BatchRequest {
    fn from(r: ChatRequest) -> Self {
        BatchRequest::Chat(r)
    }
}

impl From<EmbedRequest> for BatchRequest {
    fn from(r: EmbedRequest) -> Self {
        BatchRequest::Embed(r)
    }
}

/// The answer to a [`BatchRequest`], of the same endpoint. It serializes as
/// the server's response object itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BatchResponse {
    /// `/api/generate`.
    Generate(GenerateResponse),
    /// `/api/chat`.
    Chat(ChatResponse),
    /// `/api/embed`.
    Embed(EmbedResponse),
}

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
            clients,
            concurrency: DEFAULT_CONCURRENCY,
            retries: DEFAULT_RETRIES,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(30),
            window: None,
            ordered: true,
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
        let dispatch = Arc::new(Dispatch {
            pool: self.clone(),
            servers: Mutex::new(vec![Server::default(); self.clients.len()]),
            lacking: Mutex::new(HashSet::new()),
            changed: Notify::new(),
        });
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

/// What a run knows of one server.
#[derive(Debug, Clone, Default)]
struct Server {
    in_flight: usize,
    /// Failures in a row.
    failures: u32,
    backed_off_until: Option<Instant>,
}

/// How an attempt ended, for the server's record.
enum Outcome {
    Success,
    Failure,
    /// Neither: the server answered, but not with success (a 4xx).
    Answered,
}

/// The state shared by the requests of one run.
struct Dispatch {
    pool: Pool,
    servers: Mutex<Vec<Server>>,
    /// (server, model) pairs a server said it does not have, so that the
    /// following requests for that model skip it.
    lacking: Mutex<HashSet<(usize, String)>>,
    /// Told when a slot frees or a backoff changes.
    changed: Notify,
}

impl Dispatch {
    fn lock(&self) -> MutexGuard<'_, Vec<Server>> {
        self.servers.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn send(&self, request: BatchRequest) -> Result<BatchResponse> {
        let n = self.pool.clients.len();
        // Servers without the model, and servers that failed this request.
        let mut missing = vec![false; n];
        let mut failed = vec![false; n];
        let mut retries = 0;
        loop {
            let i = self.acquire(request.model(), &missing, &failed).await;
            let result = request.clone().send(&self.pool.clients[i]).await;
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
