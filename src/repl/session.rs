//! A conversation and its settings ([`Session`]): what each chat request
//! is built from, and what `/save` and `/export` write.

use ollama_rs::{
    ChatRequest, CreateRequest, Format, Image, KeepAlive, Message, Options, Role, Think, Tool,
};

use crate::cli::ChatArgs;
use crate::settings::request::ModelSettings;

/// Everything a conversation carries from one request to the next.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The model.
    pub model: String,
    /// What the model was made from (for `/save`), if the server says.
    pub parent_model: String,
    /// What the model can do (`vision`, `thinking`, ...).
    pub capabilities: Vec<String>,
    /// The system message set in this session.
    pub system: Option<String>,
    /// The conversation, without the system message.
    pub messages: Vec<Message>,
    /// The model's own conversation (its Modelfile's `MESSAGE` lines, from
    /// `/api/show`): shown when the model is opened, put before every
    /// request by the server itself (so never sent), kept by `/save`.
    pub model_messages: Vec<Message>,
    /// Options set with `-o` and `/set parameter`.
    pub options: Options,
    /// `--format` or `/set format json`.
    pub format: Option<Format>,
    /// `--think` or `/set think`.
    pub think: Option<Think>,
    /// `--keep-alive`.
    pub keep_alive: Option<KeepAlive>,
    /// `--tools`.
    pub tools: Option<Vec<Tool>>,
    /// Images from `--image`, sent with the first message.
    pub images: Vec<Image>,
    /// `--hide-thinking`.
    pub hide_thinking: bool,
    /// Statistics after each reply.
    pub verbose: bool,
    /// Wrap words at the terminal's width.
    pub wordwrap: bool,
    /// Draw replies' Markdown (`--markdown`, `/set markdown`).
    pub markdown: bool,
    /// `--no-pull`.
    pub no_pull: bool,
}

impl Session {
    /// The session the flags describe.
    pub fn from_args(a: &ChatArgs, common: ModelSettings, messages: Vec<Message>) -> Session {
        let mut s = Session {
            model: a.model.clone(),
            options: common.options.unwrap_or_default(),
            format: common.format,
            think: common.think,
            keep_alive: common.keep_alive,
            images: common.images,
            hide_thinking: a.model_args.hide_thinking,
            verbose: a.model_args.verbose,
            wordwrap: !a.model_args.nowordwrap,
            markdown: a.model_args.markdown,
            no_pull: a.no_pull,
            ..Session::default()
        };
        s.set_conversation(messages);
        if let Some(system) = &a.system {
            s.system = Some(system.clone());
        }
        s
    }

    /// Replaces the conversation; a leading system message becomes the
    /// session's system message.
    pub fn set_conversation(&mut self, mut messages: Vec<Message>) {
        if messages.first().is_some_and(|m| m.role == Role::System) {
            self.system = Some(messages.remove(0).content);
        }
        self.messages = messages;
    }

    /// The conversation as `/export` writes it: the system message first.
    pub fn transcript(&self) -> Vec<Message> {
        let mut all = Vec::with_capacity(self.messages.len() + 1);
        if let Some(s) = &self.system {
            all.push(Message::system(s.as_str()));
        }
        all.extend(self.messages.iter().cloned());
        all
    }

    /// The next chat request.
    pub fn request(&self) -> ChatRequest {
        let mut req = ChatRequest::new(self.model.as_str(), self.transcript());
        req.options = (!self.options.is_empty()).then(|| self.options.clone());
        req.format = self.format.clone();
        req.think = self.think;
        req.keep_alive = self.keep_alive.clone();
        req.tools = self.tools.clone();
        req
    }

    /// Whether the model can do `capability` (`vision`, `thinking`...).
    pub(super) fn has(&self, capability: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(capability))
    }

    /// The `/save` request: the base model, system message, parameters and
    /// the conversation after the model's own.
    pub fn save_request(&self, name: &str) -> CreateRequest {
        let mut req = CreateRequest::new(name);
        let parent = self.parent_model.trim();
        // A parent that is a path or blob cannot be created from by name.
        let usable = !parent.is_empty()
            && !parent.starts_with(['/', '.', '~'])
            && !parent.contains(char::is_whitespace);
        req.from = Some(if usable { parent } else { &self.model }.to_string());
        req.system = self.system.clone();
        req.parameters = (!self.options.is_empty()).then(|| self.options.clone());
        // The model's own conversation first, as `ollama run` saves it.
        let all: Vec<Message> = self
            .model_messages
            .iter()
            .chain(&self.messages)
            .cloned()
            .collect();
        req.messages = (!all.is_empty()).then_some(all);
        req
    }
}

/// The conversation as Markdown: a heading per turn.
pub(super) fn to_markdown(model: &str, messages: &[Message]) -> String {
    let mut s = format!("# Conversation with {model}\n");
    for m in messages {
        let who = match &m.role {
            Role::System => "System",
            Role::User => "User",
            Role::Assistant => "Assistant",
            Role::Tool => "Tool",
            Role::Other(r) => r.as_str(),
        };
        s.push_str(&format!("\n## {who}\n\n"));
        if let Some(t) = m.thinking.as_deref().filter(|t| !t.is_empty()) {
            for l in t.lines() {
                s.push_str(&format!("> {l}\n"));
            }
            s.push('\n');
        }
        s.push_str(m.content.trim_end());
        s.push('\n');
        if let Some(n) = m.images.as_ref().map(Vec::len).filter(|&n| n > 0) {
            s.push_str(&format!("\n*({n} image(s))*\n"));
        }
        for call in m.tool_calls.iter().flatten() {
            s.push_str(&format!("\n`{call}`\n"));
        }
    }
    s
}

/// Reads a conversation that [`to_markdown`] wrote (`/export chat.md`):
/// a `## System`, `## User`, `## Assistant` or `## Tool` heading per turn,
/// the thinking as the `> ` lines that open an assistant's turn. The image
/// notes are dropped (the images are not in the file); everything else
/// after a heading is the message's text. The JSON export is the lossless
/// one.
pub(super) fn from_markdown(text: &str) -> Result<Vec<Message>, String> {
    let mut messages: Vec<Message> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let mut role: Option<Role> = None;
    let mut finish = |role: Option<Role>, body: &mut Vec<&str>| {
        if let Some(role) = role {
            messages.push(markdown_turn(role, body));
        }
        body.clear();
    };
    for line in text.lines() {
        let heading = match line.trim_end() {
            "## System" => Some(Role::System),
            "## User" => Some(Role::User),
            "## Assistant" => Some(Role::Assistant),
            "## Tool" => Some(Role::Tool),
            _ => None,
        };
        match heading {
            Some(r) => {
                finish(role.take(), &mut body);
                role = Some(r);
            }
            None if role.is_some() => body.push(line),
            // The title and anything before the first turn.
            None => {}
        }
    }
    finish(role, &mut body);
    if messages.is_empty() {
        return Err(
            "it is neither a JSON array of messages nor a Markdown conversation \
             (`## User`, `## Assistant` headings) as /export writes them"
                .into(),
        );
    }
    Ok(messages)
}

/// One turn of [`from_markdown`]: its lines after the heading.
fn markdown_turn(role: Role, lines: &[&str]) -> Message {
    let mut lines: Vec<&str> = lines.to_vec();
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    let mut thinking = Vec::new();
    if role == Role::Assistant {
        while let Some(l) = lines.first().and_then(|l| l.strip_prefix('>')) {
            thinking.push(l.strip_prefix(' ').unwrap_or(l));
            lines.remove(0);
        }
    }
    // The note `*(N image(s))*` stands for images the file does not hold.
    let content: Vec<&str> = lines
        .into_iter()
        .filter(|l| !(l.starts_with("*(") && l.ends_with(" image(s))*")))
        .collect();
    let mut m = Message {
        role,
        content: content.join("\n").trim().to_string(),
        ..Message::default()
    };
    if !thinking.is_empty() {
        m.thinking = Some(thinking.join("\n"));
    }
    m
}
