//! The tool loop: chat, run the calls, send the results, until the model
//! answers without calls.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, Stream, StreamExt};
use tokio::sync::mpsc;

use super::{ToolError, ToolSet};
use crate::client::Client;
use crate::error::Result;
use crate::fold::Accumulate;
use crate::types::{ChatRequest, ChatResponse, Message, Role, ToolCall};

/// How many rounds a [`ToolLoop`] allows unless told otherwise.
const DEFAULT_MAX_ROUNDS: usize = 10;

/// One tool call the loop ran, and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCallRecord {
    /// The round (from 1) whose answer asked for it.
    pub round: usize,
    /// Its position among the calls of that answer (from 0).
    pub index: usize,
    /// The call, as the model wrote it.
    pub call: ToolCall,
    /// The tool's result, or why there is none.
    pub result: std::result::Result<String, ToolError>,
}

impl ToolCallRecord {
    /// The text the model was given: the result, or `error: ` and the error.
    pub fn text(&self) -> String {
        result_text(&self.result)
    }
}

fn result_text(result: &std::result::Result<String, ToolError>) -> String {
    match result {
        Ok(text) => text.clone(),
        Err(e) => format!("error: {e}"),
    }
}

/// How a tool loop ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolLoopOutcome {
    /// The whole conversation: the request's messages, then each answer of
    /// the model and the results of its calls, in order. Send it again
    /// (with a new user message) to go on.
    pub messages: Vec<Message>,
    /// The model's last answer, whole (its message gathered from the
    /// stream, with the metrics of its last line).
    pub response: ChatResponse,
    /// How many requests were sent.
    pub rounds: usize,
    /// Every call the loop ran, round by round, in the order of the
    /// answers; failed ones included.
    pub calls: Vec<ToolCallRecord>,
    /// Whether the loop stopped at its round limit, the last answer still
    /// asking for calls (which were not run: see
    /// [`pending_calls`](Self::pending_calls)).
    pub limit_reached: bool,
}

impl ToolLoopOutcome {
    /// The text of the last answer.
    pub fn content(&self) -> &str {
        &self.response.message.content
    }

    /// The calls the last answer asked for and the loop did not run (only
    /// when [`limit_reached`](Self::limit_reached)).
    pub fn pending_calls(&self) -> &[ToolCall] {
        match &self.response.message.tool_calls {
            Some(calls) if self.limit_reached => calls,
            _ => &[],
        }
    }
}

/// What a [`ToolLoop::stream`] reports, as it happens.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolEvent {
    /// A fragment of the model's reasoning.
    Thinking(String),
    /// A fragment of the model's answer.
    Content(String),
    /// The model asks for a call (it runs once the answer is complete).
    ToolCall {
        /// The round (from 1).
        round: usize,
        /// Its position among the calls of the answer (from 0).
        index: usize,
        /// The call.
        call: ToolCall,
    },
    /// A call finished (calls of one answer run at once, so they finish in
    /// any order; the results are sent to the model in the calls' order).
    ToolResult(ToolCallRecord),
    /// The end: the model answered without calls, or the round limit was
    /// reached. Always the last event of a loop that did not fail.
    Done(Box<ToolLoopOutcome>),
}

/// Drives a conversation with tools: sends the chat with the set's tools,
/// runs the calls the model asks for (those of one answer at the same time),
/// appends the model's message and then one [`Role::Tool`] message per call
/// (in the calls' order, with [`Message::tool_result`]), and sends again,
/// until the model answers without calls or
/// [`max_rounds`](Self::max_rounds) requests have been sent.
///
/// A tool that fails does not stop the loop: the model gets `error: ` and
/// the [`ToolError`] as the result, and the caller sees it in
/// [`ToolLoopOutcome::calls`] (or a [`ToolEvent::ToolResult`]). An error of
/// the client (the server refused, the connection failed) ends the loop
/// with that error.
///
/// The request's `tools` are replaced by the set's definitions, each round.
///
/// ```no_run
/// # #[cfg(feature = "schema")]
/// # async fn demo() -> ollama_rs::Result<()> {
/// use ollama_rs::{ChatRequest, Client, Message, ToolEvent, ToolLoop, Tools};
/// use futures_util::StreamExt;
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Weather {
///     /// The city.
///     city: String,
/// }
///
/// let tools = Tools::new().add("get_weather", "Current weather in a city", |w: Weather| async move {
///     Ok::<_, std::io::Error>(format!("sunny, 22 °C in {}", w.city))
/// });
/// let client = Client::new()?;
/// let request = ChatRequest::new("llama3.2", [Message::user("Weather in Paris?")]);
///
/// // The whole conversation at once...
/// let outcome = ToolLoop::new(&client, &tools).max_rounds(5).run(request.clone()).await?;
/// println!("{}", outcome.content());
///
/// // ... or live.
/// let mut events = ToolLoop::new(&client, &tools).stream(request);
/// while let Some(event) = events.next().await {
///     match event? {
///         ToolEvent::Content(text) => print!("{text}"),
///         ToolEvent::ToolCall { call, .. } => println!("[calling {call}]"),
///         ToolEvent::ToolResult(done) => println!("[{}: {}]", done.call.function.name, done.text()),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ToolLoop<'c, S> {
    client: &'c Client,
    tools: S,
    max_rounds: usize,
}

impl<'c, S: ToolSet> ToolLoop<'c, S> {
    /// A loop on `client` with the tools of `tools` (often `&Tools`), at
    /// most 10 rounds.
    pub fn new(client: &'c Client, tools: S) -> Self {
        ToolLoop {
            client,
            tools,
            max_rounds: DEFAULT_MAX_ROUNDS,
        }
    }

    /// Sets the most requests the loop sends (at least 1). When the answer
    /// to the last one still asks for calls, the loop stops there with
    /// [`ToolLoopOutcome::limit_reached`].
    #[must_use]
    pub fn max_rounds(mut self, rounds: usize) -> Self {
        self.max_rounds = rounds.max(1);
        self
    }

    /// Runs the loop with whole answers (`stream: false`).
    pub async fn run(&self, request: ChatRequest) -> Result<ToolLoopOutcome> {
        drive(self.client, &self.tools, self.max_rounds, request, None).await
    }

    /// Runs the loop with streamed answers, reporting each fragment, call
    /// and result as it comes; [`ToolEvent::Done`] ends it. After an error
    /// the stream ends. The loop runs only while the stream is polled.
    ///
    /// It takes the loop, so that the stream can be kept or returned;
    /// clone the loop first to use it again (cheap when the set is a
    /// reference).
    pub fn stream(self, request: ChatRequest) -> ToolEventStream<'c>
    where
        S: 'c,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        let driver = async move {
            let end = drive(
                self.client,
                &self.tools,
                self.max_rounds,
                request,
                Some(&tx),
            )
            .await
            .map(|outcome| ToolEvent::Done(Box::new(outcome)));
            let _ = tx.send(end);
        };
        ToolEventStream {
            driver: Some(Box::pin(driver)),
            events: rx,
        }
    }
}

impl Client {
    /// Runs a [`ToolLoop`] of at most `max_rounds` requests with `tools`
    /// (a [`Tools`](crate::Tools), or any [`ToolSet`]) and returns how it
    /// ended.
    pub async fn chat_with_tools<S: ToolSet>(
        &self,
        request: ChatRequest,
        tools: S,
        max_rounds: usize,
    ) -> Result<ToolLoopOutcome> {
        ToolLoop::new(self, tools)
            .max_rounds(max_rounds)
            .run(request)
            .await
    }
}

#[cfg(feature = "blocking")]
impl crate::blocking::Client {
    /// Runs a [`ToolLoop`] of at most `max_rounds` requests with `tools`
    /// (the tools' futures run on this client's runtime) and returns how it
    /// ended. There is no blocking form of [`ToolLoop::stream`].
    pub fn chat_with_tools<S: ToolSet>(
        &self,
        request: ChatRequest,
        tools: S,
        max_rounds: usize,
    ) -> Result<ToolLoopOutcome> {
        self.block_on(|client| client.chat_with_tools(request, tools, max_rounds))
    }
}

/// The events of a [`ToolLoop::stream`]: a [`Stream`] of
/// `Result<ToolEvent>`.
#[must_use = "streams do nothing unless polled"]
pub struct ToolEventStream<'a> {
    driver: Option<Pin<Box<dyn Future<Output = ()> + Send + 'a>>>,
    events: mpsc::UnboundedReceiver<Result<ToolEvent>>,
}

impl std::fmt::Debug for ToolEventStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolEventStream")
            .field("running", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Stream for ToolEventStream<'_> {
    type Item = Result<ToolEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Poll::Ready(Some(event)) = this.events.poll_recv(cx) {
            return Poll::Ready(Some(event));
        }
        // The loop runs only while the stream is polled: it sends events
        // into the channel, read back below.
        if let Some(driver) = this.driver.as_mut() {
            if driver.as_mut().poll(cx).is_ready() {
                this.driver = None;
            }
        }
        match this.events.poll_recv(cx) {
            Poll::Ready(event) => Poll::Ready(event),
            Poll::Pending if this.driver.is_none() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

type Events<'e> = Option<&'e mpsc::UnboundedSender<Result<ToolEvent>>>;

fn emit(events: Events<'_>, event: ToolEvent) {
    if let Some(tx) = events {
        let _ = tx.send(Ok(event));
    }
}

/// One streamed answer, gathered into a whole one; its fragments and calls
/// are reported as they come.
async fn streamed_round(
    client: &Client,
    request: ChatRequest,
    round: usize,
    events: Events<'_>,
) -> Result<ChatResponse> {
    let mut stream = client.chat_stream(request).await?;
    let mut whole: Option<ChatResponse> = None;
    while let Some(part) = stream.next().await {
        let part = part?;
        if let Some(text) = part.message.thinking.as_deref().filter(|t| !t.is_empty()) {
            emit(events, ToolEvent::Thinking(text.to_string()));
        }
        if !part.message.content.is_empty() {
            emit(events, ToolEvent::Content(part.message.content.clone()));
        }
        let before = whole
            .as_ref()
            .and_then(|w| w.message.tool_calls.as_ref())
            .map_or(0, Vec::len);
        for (i, call) in part.message.tool_calls.iter().flatten().enumerate() {
            let call = call.clone();
            emit(
                events,
                ToolEvent::ToolCall {
                    round,
                    index: before + i,
                    call,
                },
            );
        }
        let done = part.done;
        match whole.as_mut() {
            Some(w) => w.accumulate(part),
            None => whole = Some(part),
        }
        if done {
            break;
        }
    }
    let mut last = whole.unwrap_or_default();
    last.message.role = Role::Assistant;
    last.message.thinking = last.message.thinking.filter(|t| !t.is_empty());
    last.message.tool_calls = last.message.tool_calls.filter(|c| !c.is_empty());
    Ok(last)
}

async fn drive<S: ToolSet + ?Sized>(
    client: &Client,
    tools: &S,
    max_rounds: usize,
    mut request: ChatRequest,
    events: Events<'_>,
) -> Result<ToolLoopOutcome> {
    let mut records = Vec::new();
    let mut round = 0;
    loop {
        round += 1;
        request.tools = Some(tools.definitions());
        let response = match events {
            Some(_) => streamed_round(client, request.clone(), round, events).await?,
            None => client.chat(request.clone()).await?,
        };
        request.messages.push(response.message.clone());
        let calls = response.message.tool_calls.clone().unwrap_or_default();
        if calls.is_empty() || round >= max_rounds {
            return Ok(ToolLoopOutcome {
                messages: request.messages,
                limit_reached: !calls.is_empty(),
                response,
                rounds: round,
                calls: records,
            });
        }
        // Every call of the answer at once; results as they finish.
        let mut running: FuturesUnordered<_> = calls
            .iter()
            .enumerate()
            .map(|(index, call)| async move {
                let result = tools
                    .call(&call.function.name, call.function.arguments.clone())
                    .await;
                (index, result)
            })
            .collect();
        let mut results: Vec<Option<ToolCallRecord>> = vec![None; calls.len()];
        while let Some((index, result)) = running.next().await {
            let record = ToolCallRecord {
                round,
                index,
                call: calls[index].clone(),
                result,
            };
            emit(events, ToolEvent::ToolResult(record.clone()));
            results[index] = Some(record);
        }
        drop(running);
        for record in results.into_iter().flatten() {
            request
                .messages
                .push(Message::tool_result(&record.call, record.text()));
            records.push(record);
        }
    }
}
