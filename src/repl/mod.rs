//! The interactive chat: `ollama-rs chat MODEL` (or `run`) when stdin and
//! stdout are terminals and no message is given.
//!
//! [`Repl`](state::Repl) is generic over where lines come from
//! ([`LineSource`](env::LineSource)) and where output goes, and takes the
//! terminal's width and the Ctrl-C signal as parameters
//! ([`Env`](env::Env)), so that everything but the line editor itself runs
//! in unit tests without a terminal. [`run`] wires it to rustyline, stdout,
//! stderr and the real signal.
//!
//! - `env`: the surroundings; `session`: the conversation; `input`: what a
//!   typed line holds; `state`: the loop's state and output;
//! - `chat`: the loop and the replies; `slash`: the slash commands, whose
//!   table is `commands`;
//! - `tool_turn`: replies that run tools, `/tools` and `/mcp`;
//! - `model`: the model checked, pulled, loaded and its own conversation
//!   shown;
//! - `editor`: the terminal's line editor; `history`: its file; `tty`: the
//!   terminal kept quiet between lines, so that nothing typed is echoed
//!   into a reply or lost.

mod chat;
mod commands;
mod editor;
mod env;
mod history;
mod input;
mod model;
mod session;
mod slash;
mod state;
#[cfg(test)]
mod tests;
mod tool_turn;
mod tty;

use std::io;
use std::process::ExitCode;

use anyhow::Result;
use ollama_rs::{Client, Message, Tool};

use crate::cli::ChatArgs;
use crate::settings::request::ModelSettings;
use crate::settings::Settings;
use crate::tools::Toolbox;

/// Runs the interactive session on the terminal.
pub(crate) async fn run(
    a: &ChatArgs,
    common: ModelSettings,
    messages: Vec<Message>,
    tools: Option<Vec<Tool>>,
    toolbox: Option<Toolbox>,
    client: &Client,
    settings: &Settings,
) -> Result<ExitCode> {
    let mut session = session::Session::from_args(a, common, messages);
    session.tools = tools;
    let history_on = !settings.env.no_history;
    let lines = editor::Terminal::new(settings.env.history_path.clone(), history_on)?
        .with_placeholders(settings.color_stdout)
        .quiet_between_lines(settings.env.line_editing);
    let env = env::Env::terminal(settings);
    let mut repl = state::Repl::new(session, client, lines, io::stdout(), io::stderr(), env);
    repl.toolbox = toolbox;
    // A failed check of the model ends the program before any prompt.
    let outcome = async {
        repl.start().await?;
        repl.run().await
    }
    .await;
    if let Some(t) = &repl.toolbox {
        t.shutdown().await;
    }
    outcome?;
    Ok(ExitCode::SUCCESS)
}
