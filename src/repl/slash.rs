//! The slash commands: `/set`, `/show`, `/save`, `/export`, `/import`,
//! `/retry`, `/clear`, `/help` and `/bye` (`/load` is with the model, in
//! `model`).

use std::io::{self, Write};
use std::path::Path;

use anyhow::Result;
use ollama_rs::{Format, Message, Role, ShowRequest, Think};

use super::commands::{self, Id};
use super::env::LineSource;
use super::history;
use super::input::{expand_home, unquote, Multiline, Target};
use super::session::{from_markdown, to_markdown};
use super::state::{unless_interrupted, Flow, Repl};
use crate::exit::{about_model, usage};
use crate::render::progress::drive;
use crate::render::show::show_topic;
use crate::settings::request::{read_input_file, read_messages};
use crate::ui::progress::{Progress, Style};

impl<'c, L: LineSource, O: Write, E: Write> Repl<'c, L, O, E> {
    /// Runs a slash command.
    pub(super) async fn command(&mut self, id: Id, word: &str, rest: &str) -> Result<Flow> {
        let spec = commands::find(word).expect("parsed from the table");
        let one_arg = |rest: &str| -> Option<String> {
            let a = rest.trim();
            (!a.is_empty() && !a.contains(char::is_whitespace)).then(|| a.to_string())
        };
        match id {
            Id::Bye => return Ok(Flow::Exit),
            Id::Help => {
                let text = if rest.is_empty() {
                    Some(commands::help(self.session.has("vision")))
                } else {
                    commands::help_for(rest)
                };
                match text {
                    Some(t) => self.say(&t)?,
                    None => self.warn(&format!(
                        "Unknown command '{word} {rest}'. Type /? for help"
                    ))?,
                }
            }
            Id::Clear => {
                self.session.messages.clear();
                self.unsent = None;
                self.say("Cleared session context")?;
            }
            Id::Set => self.set(word, rest).await?,
            Id::Show => self.show(word, rest).await?,
            Id::Load => match one_arg(rest) {
                Some(m) => self.load(&m).await?,
                None => self.say(&commands::usage(spec))?,
            },
            Id::Save => match one_arg(rest) {
                Some(m) => self.save(&m).await?,
                None => self.say(&commands::usage(spec))?,
            },
            Id::Export | Id::Import => {
                let path = unquote(rest);
                if path.is_empty() {
                    self.say(&commands::usage(spec))?;
                } else if id == Id::Export {
                    self.export(&expand_home(&path, self.env.home.as_deref()))?;
                } else {
                    self.import(&expand_home(&path, self.env.home.as_deref()))?;
                }
            }
            Id::Retry => self.retry().await?,
            Id::Tools => self.tools(rest)?,
            Id::Mcp => self.mcp()?,
        }
        Ok(Flow::Continue)
    }

    /// `/set`: changes a setting of the session.
    pub(super) async fn set(&mut self, word: &str, rest: &str) -> Result<()> {
        let (sub, arg) = commands::split_sub(rest);
        match sub {
            "" => {
                let spec = commands::find(word).expect("in the table");
                self.say(&commands::sub_help(spec))?;
            }
            "parameter" => self.set_parameter(arg)?,
            "system" => {
                if arg.is_empty() {
                    self.say("Usage:\n  /set system <message>")?;
                } else if let Some(after) = arg.strip_prefix("\"\"\"") {
                    match Multiline::open(Target::System, after, "") {
                        Ok(text) => self.closed(Target::System, text).await?,
                        Err(mut m) => {
                            m.raw = format!("/set system {arg}");
                            self.multiline = Some(m);
                        }
                    }
                } else {
                    self.session.system = Some(arg.to_string());
                    self.say("Set system message.")?;
                }
            }
            "format" => {
                if arg == "json" {
                    self.session.format = Some(Format::Json);
                    self.say("Set format to 'json' mode.")?;
                } else {
                    self.say("Invalid or missing format. For 'json' mode use '/set format json'")?;
                }
            }
            "noformat" => {
                self.session.format = None;
                self.say("Disabled format.")?;
            }
            "think" => {
                let think = if arg.is_empty() {
                    Ok(Think::Bool(true))
                } else {
                    arg.parse::<Think>()
                };
                match think {
                    Err(e) => self.warn(&format!("error: {e}"))?,
                    // Every later message would fail with a 400: refused,
                    // and the mode is left as it was.
                    Ok(t) if t != Think::Bool(false) && self.cannot_think() => {
                        let model = self.session.model.clone();
                        self.warn(&format!(
                            "error: model '{model}' does not support thinking; 'think' mode \
                             not set (/show info lists what it can do)"
                        ))?;
                    }
                    Ok(t) => {
                        self.session.think = Some(t);
                        if arg.is_empty() {
                            self.say("Set 'think' mode.")?;
                        } else {
                            self.say(&format!("Set 'think' mode to '{arg}'."))?;
                        }
                    }
                }
            }
            "nothink" => {
                self.session.think = Some(Think::Bool(false));
                self.say("Set 'nothink' mode.")?;
            }
            "verbose" | "quiet" => {
                self.session.verbose = sub == "verbose";
                self.say(&format!("Set '{sub}' mode."))?;
            }
            "wordwrap" | "nowordwrap" => {
                self.session.wordwrap = sub == "wordwrap";
                self.say(&format!("Set '{sub}' mode."))?;
            }
            "markdown" | "nomarkdown" => {
                self.session.markdown = sub == "markdown";
                self.say(&format!("Set '{sub}' mode."))?;
            }
            "history" | "nohistory" => {
                self.lines.set_history(sub == "history");
                self.say(&format!("Set '{sub}' mode."))?;
            }
            other => {
                self.warn(&format!("Unknown command '/set {other}'. Type /? for help"))?;
            }
        }
        Ok(())
    }

    /// Whether the server said what the model can do, and thinking is
    /// not among it.
    pub(super) fn cannot_think(&self) -> bool {
        !self.session.capabilities.is_empty() && !self.session.has("thinking")
    }

    /// After a switch to a model that cannot think, turns a 'think' mode
    /// off, saying so, rather than letting every message fail.
    pub(super) fn drop_thinking_if_unsupported(&mut self) -> io::Result<()> {
        if self.session.think.is_some_and(|t| t != Think::Bool(false)) && self.cannot_think() {
            self.session.think = None;
            let model = self.session.model.clone();
            self.warn(&format!(
                "warning: model '{model}' does not support thinking; 'think' mode is off"
            ))?;
        }
        Ok(())
    }

    /// `/set parameter KEY VALUE...`: a model option for the next requests.
    pub(super) fn set_parameter(&mut self, arg: &str) -> io::Result<()> {
        let mut words = arg.split_whitespace();
        let (Some(key), values) = (words.next(), words.collect::<Vec<_>>()) else {
            return self.say(&parameter_usage());
        };
        if values.is_empty() {
            return self.say(&parameter_usage());
        }
        let mut options = self.session.options.clone();
        let result = if key == "stop" {
            // A new list of stop sequences replaces the old one.
            options.stop = None;
            values.iter().try_for_each(|v| options.set_str(key, v))
        } else if values.len() > 1 {
            self.warn(&format!("Couldn't set parameter: '{key}' takes one value"))?;
            return Ok(());
        } else {
            options.set_str(key, values[0])
        };
        match result {
            Ok(()) => {
                self.session.options = options;
                self.say(&format!("Set parameter '{key}' to '{}'", values.join(", ")))
            }
            Err(ollama_rs::OptionError::Unknown(name)) => {
                match crate::settings::request::closest_option(&name) {
                    Some(near) => self.warn(&format!(
                        "Couldn't set parameter: unknown parameter '{name}': did you mean {near}?"
                    )),
                    None => self.warn(&format!(
                        "Couldn't set parameter: unknown parameter '{name}'"
                    )),
                }
            }
            Err(e) => self.warn(&format!("Couldn't set parameter: {e}")),
        }
    }

    /// `/show TOPIC`: asks the server about the model and prints the topic.
    pub(super) async fn show(&mut self, word: &str, rest: &str) -> Result<()> {
        let (sub, _) = commands::split_sub(rest);
        if sub.is_empty() {
            let spec = commands::find(word).expect("in the table");
            self.say(&commands::sub_help(spec))?;
            return Ok(());
        }
        if ![
            "info",
            "license",
            "modelfile",
            "parameters",
            "system",
            "template",
        ]
        .contains(&sub)
        {
            self.warn(&format!("Unknown command '/show {sub}'. Type /? for help"))?;
            return Ok(());
        }
        let mut req = ShowRequest::new(self.session.model.as_str());
        req.system = self.session.system.clone();
        req.options = (!self.session.options.is_empty()).then(|| self.session.options.clone());
        let client = self.client;
        let model = self.session.model.clone();
        let resp = match unless_interrupted(&self.env.interrupt, client.show(req)).await {
            None => return Ok(()),
            Some(r) => about_model(r, "could not show", &model),
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                self.error(&e)?;
                return Ok(());
            }
        };
        let text = show_topic(
            sub,
            &resp,
            self.session.system.as_deref(),
            &self.session.options,
        );
        self.say(&text)?;
        Ok(())
    }

    /// `/save NAME`: creates a model from this one and the conversation.
    pub(super) async fn save(&mut self, name: &str) -> Result<()> {
        let req = self.session.save_request(name);
        let client = self.client;
        let work = async {
            let mut progress = Progress::new(Style::Quiet, false);
            let stream = client
                .create_stream(req)
                .await
                .map_err(|e| anyhow::Error::new(e).context(format!("could not create `{name}`")))?;
            drive(stream, &mut progress, None)
                .await
                .map_err(|e| e.context(format!("could not create `{name}`")))
        };
        match unless_interrupted(&self.env.interrupt, work).await {
            None => {}
            Some(Ok(())) => {
                self.say(&format!("Created new model '{name}'"))?;
                self.refresh_models().await;
            }
            Some(Err(e)) => self.error(&e)?,
        }
        Ok(())
    }

    /// `/export FILE`: writes the conversation as JSON, or Markdown for `.md`.
    pub(super) fn export(&mut self, path: &Path) -> Result<()> {
        let messages = self.session.transcript();
        let markdown = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        let bytes = if markdown {
            to_markdown(&self.session.model, &messages).into_bytes()
        } else {
            let mut v = serde_json::to_vec_pretty(&messages)?;
            v.push(b'\n');
            v
        };
        match history::write_private(path, &bytes) {
            Ok(()) => self.say(&format!(
                "Exported {} messages to '{}'",
                messages.len(),
                path.display()
            ))?,
            Err(e) => self.warn(&format!("error: could not write '{}': {e}", path.display()))?,
        }
        Ok(())
    }

    /// `/import FILE`: replaces the conversation with what `/export` wrote:
    /// a JSON array of messages, or the Markdown conversation.
    pub(super) fn import(&mut self, path: &Path) -> Result<()> {
        match read_conversation(path) {
            Ok(messages) => {
                let n = messages.len();
                self.session.system = None;
                self.session.set_conversation(messages);
                self.unsent = None;
                self.say(&format!("Imported {n} messages from '{}'", path.display()))?;
            }
            Err(e) => self.error(&e)?,
        }
        Ok(())
    }

    /// Sends the last message again: the one whose request failed, if
    /// any; else the last question of the conversation, whose answer is
    /// replaced (and kept when the new request fails).
    pub(super) async fn retry(&mut self) -> Result<()> {
        if let Some(text) = self.unsent.take() {
            return self.send(&text).await;
        }
        let last_user = self
            .session
            .messages
            .iter()
            .rposition(|m| m.role == Role::User);
        match last_user {
            None => self.say("Nothing to retry yet.")?,
            Some(i) => {
                let before = self.session.messages.clone();
                self.session.messages.truncate(i + 1);
                if !self.reply().await? {
                    self.session.messages = before;
                }
            }
        }
        Ok(())
    }
}

/// `/set parameter` without a value: the options from the table.
pub(super) fn parameter_usage() -> String {
    let mut s = String::from("Available Parameters:\n");
    for o in ollama_rs::Options::KNOWN.iter().filter(|o| !o.deprecated) {
        let arg = format!("<{}>", o.kind.describe());
        let arg = if o.name == "stop" {
            format!("{arg} {arg} ...")
        } else {
            arg
        };
        s.push_str(&format!("  /set parameter {} {arg}\n", o.name));
    }
    s
}

/// Reads either format `/export` writes: a JSON array of messages, or
/// (when the file does not start with `[`) the Markdown conversation.
fn read_conversation(path: &Path) -> Result<Vec<Message>> {
    let text = read_input_file(path, "messages file")?;
    if text.trim_start().starts_with('[') {
        return read_messages(path);
    }
    from_markdown(&text).map_err(|e| usage(format!("`{}`: {e}", path.display())))
}
