//! The options of `generate`, `chat` and `embed`.

use std::path::PathBuf;

use clap::Args;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter};

use super::complete::{complete_format, complete_model, complete_option, complete_think};
use super::tools::ToolArgs;
use super::values::parse_think;

/// Options for the model and the request, shared by generate and chat.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// A model option as KEY=VALUE (repeatable), e.g. -o temperature=0.2 -o stop='###'
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE",
          add = ArgValueCompleter::new(complete_option))]
    pub options: Vec<String>,

    /// How long the model stays loaded: seconds, or a duration like 5m or 1h30m; negative: for ever
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub keep_alive: Option<String>,

    /// Structured output: `json`, an inline JSON schema, or @FILE holding one
    #[arg(long, value_name = "json|SCHEMA|@FILE", add = ArgValueCandidates::new(complete_format))]
    pub format: Option<String>,

    /// Attach an image (repeatable)
    #[arg(long = "image", value_name = "PATH")]
    pub images: Vec<PathBuf>,

    /// Think before answering: true, false, or a level (low, medium, high, max)
    #[arg(long, value_name = "LEVEL", num_args = 0..=1, default_missing_value = "true",
          require_equals = true, value_parser = parse_think,
          add = ArgValueCandidates::new(complete_think))]
    pub think: Option<String>,

    /// Do not show the model's thinking
    #[arg(long)]
    pub hide_thinking: bool,

    /// Wait for the whole answer instead of streaming it
    #[arg(long)]
    pub no_stream: bool,

    /// Print timing statistics on stderr after the answer
    #[arg(long)]
    pub verbose: bool,

    /// Do not wrap words at the terminal's width
    #[arg(long)]
    pub nowordwrap: bool,

    /// Draw the answer's Markdown on a terminal: headings, lists, tables, highlighted code
    #[arg(long, long_help = MARKDOWN_HELP)]
    pub markdown: bool,
}

/// The long help of `--markdown`.
const MARKDOWN_HELP: &str = "\
Draw the answer's Markdown on a terminal: headings, emphasis, lists, quotes, tables, and \
code blocks highlighted by language. Each line is drawn when its newline arrives; until then \
it shows as it comes, raw. Bold, italic and colours follow --color and NO_COLOR; without \
colour the text keeps its Markdown marks and only the layout is drawn. Off by default: the \
raw text is what Ollama shows and what copy and paste need. When stdout is not a terminal, \
the answer is always the raw text.

  ollama-rs run llama3.2 --markdown 'Compare three sorting algorithms in a table'";

/// `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The model, e.g. llama3.2
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// The prompt; piped stdin is read and put before it; an explicit "" only loads the model
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    /// System prompt, replacing the model's
    #[arg(long)]
    pub system: Option<String>,

    /// Prompt template, replacing the model's
    #[arg(long)]
    pub template: Option<String>,

    /// Text after the insertion point (fill-in-the-middle models)
    #[arg(long)]
    pub suffix: Option<String>,

    /// Send the prompt as is, without the template
    #[arg(long)]
    pub raw: bool,

    /// Context from an earlier answer, as a JSON array of numbers
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,

    /// Show each token's log-probability and the N most likely tokens (after the answer, on stderr)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=20),
          allow_negative_numbers = true)]
    pub logprobs: Option<u32>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub model_args: ModelArgs,
}

/// `chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The model, e.g. llama3.2
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// A one-shot prompt, as with `ollama run MODEL PROMPT` (after piped stdin); "" only loads the model
    #[arg(value_name = "PROMPT", conflicts_with = "message")]
    pub prompt: Vec<String>,

    /// Send this message and print the reply (no interactive session)
    #[arg(short, long, value_name = "TEXT")]
    pub message: Option<String>,

    /// System prompt
    #[arg(long)]
    pub system: Option<String>,

    /// Continue a conversation: a JSON array of messages
    #[arg(long, value_name = "FILE")]
    pub messages: Option<PathBuf>,

    /// Tool definitions (a JSON array) to offer; their calls are printed, not run
    #[arg(long, value_name = "FILE", conflicts_with_all = ["mcp", "mcp_servers", "web"])]
    pub tools: Option<PathBuf>,

    /// Do not pull a missing model (it fails with status 4 instead)
    #[arg(long)]
    pub no_pull: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub model_args: ModelArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub tool_args: ToolArgs,
}

/// `embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// The embedding model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// The inputs; without them, stdin is read, one input per line (blank lines are refused)
    #[arg(value_name = "TEXT")]
    pub input: Vec<String>,

    /// Truncate inputs that exceed the context (the server's default)
    #[arg(long, overrides_with = "no_truncate")]
    pub truncate: bool,

    /// Fail on inputs that exceed the context instead of truncating them
    #[arg(long)]
    pub no_truncate: bool,

    /// Keep only the first N dimensions (re-normalised)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub dimensions: Option<u32>,

    /// Send at most N inputs per request
    #[arg(long, value_name = "N", default_value = "256", value_parser = clap::value_parser!(u32).range(1..),
          allow_negative_numbers = true)]
    pub batch_size: u32,

    /// A model option as KEY=VALUE (repeatable)
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE",
          add = ArgValueCompleter::new(complete_option))]
    pub options: Vec<String>,

    /// How long the model stays loaded: seconds, or a duration like 5m; negative: for ever
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub keep_alive: Option<String>,
}
