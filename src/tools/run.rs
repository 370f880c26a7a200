//! One turn of a chat with tools: send the conversation with the tools'
//! definitions, show the reply, run each call the model asks for (in
//! order, after asking when the rules say so), send the results, until
//! the model answers without calls or the round limit is reached.
//!
//! What is shown, and how a question is asked, is the caller's [`View`]:
//! the one-shot chat writes to stdout and stderr (or JSON lines), the
//! interactive session draws on the terminal.

use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::StreamExt;
use ollama_rs::{Accumulate, ChatRequest, ChatResponse, Client, Message, Role, ToolSet};
use serde_json::{Map, Value};

use super::{Permit, Toolbox};
use crate::exit::about_model;
use crate::render::tools::{result_line, Shown};

/// What the model is told when a call did not run.
pub const DECLINED: &str = "the user declined this tool call";

/// What the model is told about a call stopped by Ctrl-C.
pub const CANCELLED: &str = "the user cancelled this tool call";

/// An answer to "Run this tool?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Run it.
    Yes,
    /// Do not run it.
    No,
    /// Run it, and this tool's later calls without asking.
    Always,
}

/// `y`/`yes`, `a`/`always`; anything else (an empty line too) is no.
pub fn parse_answer(line: &str) -> Answer {
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Answer::Yes,
        "a" | "always" => Answer::Always,
        _ => Answer::No,
    }
}

/// A call the model asked for.
#[derive(Debug)]
pub struct Call<'a> {
    /// The request (from 1) whose answer asked for it.
    pub round: usize,
    /// Its id, when the server gave one.
    pub id: Option<&'a str>,
    /// The name the model used.
    pub name: &'a str,
    /// The tool's server (`web` for the web tools; empty for a tool that
    /// does not exist).
    pub server: &'a str,
    /// The tool's name on its server.
    pub tool: &'a str,
    /// The arguments.
    pub arguments: &'a Map<String, Value>,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Its result.
    Result(String),
    /// Why it failed (the model is told `error: ` and this).
    Error(String),
    /// It was not run: the user said no, or it is not allowed.
    Declined,
}

/// A finished call.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How it ended.
    pub done: Done,
    /// How long it took (zero when it did not run).
    pub duration: Duration,
}

impl Outcome {
    /// The line that shows how it ended, with its duration.
    pub fn line(&self) -> String {
        let shown = match &self.done {
            Done::Result(text) => Shown::Result(text),
            Done::Error(e) => Shown::Error(e),
            Done::Declined => Shown::Declined,
        };
        result_line(shown, self.duration)
    }
}

impl Outcome {
    /// The tool message's content.
    pub fn model_text(&self) -> String {
        match &self.done {
            Done::Result(text) => text.clone(),
            Done::Error(e) => format!("error: {e}"),
            Done::Declined => DECLINED.to_string(),
        }
    }
}

/// What shows a turn, and asks about calls.
pub trait View {
    /// A part of the model's reply, as the server sent it and decoded.
    fn part(&mut self, raw: &Value, part: &ChatResponse) -> Result<()>;
    /// The model's reply (one request's) is complete.
    fn end_reply(&mut self) -> Result<()>;
    /// Asks whether to run a call (only when the rules say to ask).
    #[allow(async_fn_in_trait)] // Used with generics only, on one thread.
    async fn ask(&mut self, call: &Call<'_>) -> Result<Answer>;
    /// The model asks for a call (shown before it is asked about, run or
    /// refused).
    fn call(&mut self, call: &Call<'_>) -> Result<()>;
    /// A call that was not allowed, and there is no terminal to ask on.
    fn refused(&mut self, call: &Call<'_>) -> Result<()>;
    /// A call finished.
    fn result(&mut self, call: &Call<'_>, outcome: &Outcome) -> Result<()>;
}

/// How a turn ended.
#[derive(Debug, Default)]
pub struct Ended {
    /// How many requests were sent.
    pub rounds: usize,
    /// The last answer still asked for calls, which were not run.
    pub limit_reached: bool,
    /// The last answer, whole (its statistics).
    pub last: Option<ChatResponse>,
}

/// Runs one turn: `base` (the conversation so far, with its options) is
/// sent with the toolbox's tools; each answer and each tool result is
/// pushed onto `added` as it comes, so that a turn stopped half-way (its
/// future dropped) leaves what was done there.
pub async fn converse(
    client: &Client,
    toolbox: &Toolbox,
    base: &ChatRequest,
    added: &mut Vec<Message>,
    view: &mut impl View,
    stream: bool,
) -> Result<Ended> {
    let model = base.model.clone();
    let mut ended = Ended::default();
    loop {
        ended.rounds += 1;
        let round = ended.rounds;
        let mut req = base.clone();
        req.messages.extend(added.iter().cloned());
        req.tools = Some(toolbox.definitions());
        req.stream = Some(stream);
        let whole = reply(client, &req, &model, view).await?;
        view.end_reply()?;
        let mut message = whole.message.clone();
        message.role = Role::Assistant;
        message.thinking = message.thinking.filter(|t| !t.is_empty());
        message.tool_calls = message.tool_calls.filter(|c| !c.is_empty());
        let calls = message.tool_calls.clone().unwrap_or_default();
        added.push(message);
        ended.last = Some(whole);
        if calls.is_empty() {
            return Ok(ended);
        }
        if round >= toolbox.max_rounds {
            ended.limit_reached = true;
            return Ok(ended);
        }
        for call in &calls {
            let (server, tool) = toolbox.origin(&call.function.name);
            let shown = Call {
                round,
                id: call.id.as_deref(),
                name: &call.function.name,
                server: &server,
                tool: &tool,
                arguments: &call.function.arguments,
            };
            view.call(&shown)?;
            // A tool that does not exist is not asked about: the model is
            // told so.
            let permit = if server.is_empty() {
                Permit::Allowed
            } else {
                toolbox.permit(shown.name)
            };
            let run = match permit {
                Permit::Allowed => true,
                Permit::Refused => {
                    view.refused(&shown)?;
                    false
                }
                Permit::Ask => match view.ask(&shown).await? {
                    Answer::Yes => true,
                    Answer::Always => {
                        toolbox.allow_always(shown.name);
                        true
                    }
                    Answer::No => false,
                },
            };
            let outcome = if run {
                let started = Instant::now();
                let result = toolbox
                    .call(shown.name, call.function.arguments.clone())
                    .await;
                Outcome {
                    done: match result {
                        Ok(text) => Done::Result(text),
                        Err(e) => Done::Error(e.to_string()),
                    },
                    duration: started.elapsed(),
                }
            } else {
                Outcome {
                    done: Done::Declined,
                    duration: Duration::ZERO,
                }
            };
            view.result(&shown, &outcome)?;
            added.push(Message::tool_result(call, outcome.model_text()));
        }
    }
}

/// Sends one request and shows its answer as it comes; returns it whole.
async fn reply(
    client: &Client,
    req: &ChatRequest,
    model: &str,
    view: &mut impl View,
) -> Result<ChatResponse> {
    let decode = |v: &Value| {
        serde_json::from_value::<ChatResponse>(v.clone()).map_err(|e| {
            anyhow::anyhow!("chat with `{model}` failed: could not decode the server's answer: {e}")
        })
    };
    if req.stream == Some(false) {
        let v: Value = about_model(
            client.post_as("/api/chat", req).await,
            "could not chat with",
            model,
        )?;
        let part = decode(&v)?;
        view.part(&v, &part)?;
        return Ok(part);
    }
    let mut stream = about_model(
        client.post_stream_as::<_, Value>("/api/chat", req).await,
        "could not chat with",
        model,
    )?
    .expect_last(|v: &Value| v.get("done") == Some(&Value::Bool(true)));
    let mut whole: Option<ChatResponse> = None;
    while let Some(item) = stream.next().await {
        let v =
            item.map_err(|e| anyhow::Error::new(e).context(format!("chat with `{model}` failed")))?;
        let part = decode(&v)?;
        view.part(&v, &part)?;
        match whole.as_mut() {
            Some(w) => w.accumulate(part),
            None => whole = Some(part),
        }
    }
    Ok(whole.unwrap_or_default())
}

/// After a turn stopped half-way: gives every call of the last answer
/// that has no result the result `text`, so that the conversation can go
/// on (each call answered).
pub fn close_open_calls(messages: &mut Vec<Message>, text: &str) {
    let Some(at) = messages
        .iter()
        .rposition(|m| m.role == Role::Assistant && m.tool_calls.is_some())
    else {
        return;
    };
    let calls = messages[at].tool_calls.clone().unwrap_or_default();
    let answered = messages.len() - at - 1;
    for call in calls.iter().skip(answered) {
        messages.push(Message::tool_result(call, text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ollama_rs::ToolCall;

    #[test]
    fn open_calls_get_a_result() {
        let mut answer = Message::assistant("");
        answer.tool_calls = Some(vec![
            ToolCall::new("a", Map::new()),
            ToolCall::new("b", Map::new()),
        ]);
        let mut messages = vec![Message::user("hi"), answer.clone()];
        messages.push(Message::tool_result(
            &answer.tool_calls.as_ref().unwrap()[0],
            "1",
        ));
        close_open_calls(&mut messages, CANCELLED);
        assert_eq!(messages.len(), 4);
        assert_eq!(messages[3].content, CANCELLED);
        assert_eq!(messages[3].tool_name.as_deref(), Some("b"));
        // Nothing open: nothing added.
        close_open_calls(&mut messages, CANCELLED);
        assert_eq!(messages.len(), 4);
    }
}
