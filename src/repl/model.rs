//! The session's model: checked (and pulled when missing), loaded with the
//! API's load request under a spinner, and its own conversation (the
//! Modelfile's `MESSAGE` lines) shown, when the session starts and on
//! `/load` (which lives here), as `ollama run` does.

use std::io::Write;

use anyhow::Result;
use ollama_rs::{ChatResponse, GenerateRequest, Role, ShowRequest, ShowResponse, Think};

use super::env::LineSource;
use super::state::{is_not_found, unless_interrupted, Repl};
use crate::exit::{about_model, Interrupted};
use crate::render::progress::pull_missing;
use crate::render::reply::Renderer;

impl<'c, L: LineSource, O: Write, E: Write> Repl<'c, L, O, E> {
    /// Checks that the model exists, pulling it when it does not (unless
    /// `--no-pull`), reads what it can do, loads it and shows its own
    /// conversation. An error here (or Ctrl-C) ends the session with the
    /// command's usual status.
    pub async fn start(&mut self) -> Result<()> {
        let model = self.session.model.clone();
        let show = self.open_model(&model, !self.session.no_pull).await?;
        self.adopt(model, show);
        // `--think` goes with the load, so that a model that cannot think
        // says so before the first prompt, as with `ollama run`.
        self.load_model(self.session.think).await?;
        self.show_model_messages()?;
        self.refresh_models().await;
        Ok(())
    }

    /// Shows the model, pulling it first when it is missing and `pull` is
    /// set.
    pub(super) async fn open_model(&mut self, model: &str, pull: bool) -> Result<ShowResponse> {
        let client = self.client;
        let show = || async {
            about_model(
                client.show(ShowRequest::new(model)).await,
                "could not find",
                model,
            )
        };
        let first = unless_interrupted(&self.env.interrupt, show())
            .await
            .ok_or(Interrupted)?;
        match first {
            Err(e) if pull && is_not_found(&e) => {
                self.pull(model).await?;
                unless_interrupted(&self.env.interrupt, show())
                    .await
                    .ok_or(Interrupted)?
            }
            other => other,
        }
    }

    /// Pulls a missing model, showing progress, unless Ctrl-C stops it.
    pub(super) async fn pull(&mut self, model: &str) -> Result<()> {
        let client = self.client;
        let style = self.env.progress;
        let work = pull_missing(client, model, style);
        match unless_interrupted(&self.env.interrupt, work).await {
            None => Err(Interrupted.into()),
            Some(Err(e)) => Err(e),
            Some(Ok(())) => {
                self.warn(&format!("pulled '{model}'"))?;
                Ok(())
            }
        }
    }

    /// Makes `model` the session's, with what `show` says it can do and
    /// its own conversation.
    pub(super) fn adopt(&mut self, model: String, show: ShowResponse) {
        self.session.model = model;
        self.session.capabilities = show.capabilities;
        self.session.parent_model = show.details.map(|d| d.parent_model).unwrap_or_default();
        self.session.model_messages = show.messages.unwrap_or_default();
    }

    /// Loads the session's model into memory with the API's load request
    /// (a generate request without a prompt) carrying the session's
    /// keep-alive, options (so that the first message does not load it
    /// again with others) and `think`, under the spinner. Ctrl-C stops the
    /// wait with [`Interrupted`].
    pub(super) async fn load_model(&mut self, think: Option<Think>) -> Result<()> {
        let model = self.session.model.clone();
        let mut req = GenerateRequest::load(model.as_str());
        req.keep_alive = self.session.keep_alive.clone();
        req.options = (!self.session.options.is_empty()).then(|| self.session.options.clone());
        req.think = think;
        let client = self.client;
        let mut waiting = self.env.waiting();
        let loaded = unless_interrupted(&self.env.interrupt, client.generate(req)).await;
        waiting.stop();
        match loaded {
            None => Err(Interrupted.into()),
            Some(r) => about_model(r, "could not load", &model).map(|_| ()),
        }
    }

    /// Shows the model's own conversation as `ollama run` does: a user's
    /// turn after the prompt, an assistant's as a reply followed by a blank
    /// line; system messages are not shown.
    pub(super) fn show_model_messages(&mut self) -> Result<()> {
        let messages = self.session.model_messages.clone();
        for m in messages {
            match m.role {
                Role::User => {
                    self.say(&format!("{}{}", super::env::Prompt::MAIN.text, m.content))?
                }
                Role::Assistant => {
                    let style = self.reply_style();
                    let mut view = Renderer::new(style, &mut self.out, std::io::sink());
                    let mut part = ChatResponse::default();
                    part.message = m;
                    part.done = true;
                    view.show(&part)?;
                    view.finish()?;
                    drop(view);
                    self.out.write_all(b"\n")?;
                    self.out.flush()?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `/load MODEL`: switches models (pulling a missing one), loads it
    /// under the spinner, shows its own conversation and starts over. When
    /// it cannot be found or loaded, or Ctrl-C stops the wait, the session
    /// stays as it was, on the model it had.
    pub(super) async fn load(&mut self, model: &str) -> Result<()> {
        self.say(&format!("Loading model '{model}'"))?;
        let before = self.session.clone();
        let opened = match self.open_model(model, !self.session.no_pull).await {
            Ok(show) => {
                self.adopt(model.to_string(), show);
                // A 'think' mode the model cannot follow is turned off once
                // it is loaded; it does not go with the load.
                let think = self.session.think.filter(|_| !self.cannot_think());
                self.load_model(think).await
            }
            Err(e) => Err(e),
        };
        match opened {
            Ok(()) => {
                self.session.messages.clear();
                self.unsent = None;
                self.drop_thinking_if_unsupported()?;
                self.show_model_messages()?;
                self.refresh_models().await;
            }
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => self.session = before,
            Err(e) if is_not_found(&e) => {
                self.session = before;
                self.say(&format!("Couldn't find model '{model}'"))?;
            }
            Err(e) => {
                self.session = before;
                self.error(&e)?;
            }
        }
        Ok(())
    }

    /// Gives the line editor the installed models, for completion after `/load`.
    pub(super) async fn refresh_models(&mut self) {
        let client = self.client;
        if let Some(Ok(list)) = unless_interrupted(&self.env.interrupt, client.list()).await {
            let names = list.models.iter().map(|m| m.name().to_string()).collect();
            self.lines.set_models(names);
        }
    }
}
