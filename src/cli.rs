//! The command line, as clap types only.
//!
//! Conventions:
//! - Every option has a one-line help; long help adds an example where one
//!   teaches something.
//! - Global options (`--host`, `-H`, `--timeout`, `--connect-timeout`,
//!   `--cacert`, `--json`, `--color`) are accepted before and after the
//!   subcommand.
//! - Values are parsed into their final types here where clap can do it;
//!   what needs the environment or the file system is resolved later.
//! - Arguments naming a local model complete with the server's models:
//!   `add = ArgValueCompleter::new(complete_model)`.
//!
//! This file depends on nothing but clap, clap_complete, the library and
//! the list of environment variables (`settings/environment.rs`, data
//! only), so that the tests can render completions and man pages from it.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use super::settings::environment;

/// Exit statuses, shown in `--help` and the man page.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0    success
  1    the server reported an error, the operation failed, or the connection
       broke after the answer had started
  2    invalid command line or local input (nothing was sent)
  3    the server could not be reached, its TLS certificate was refused, or
       it did not answer in time
  4    the model does not exist
  5    authentication or permission refused (401/403), or a proxy refused
       its credentials (407)
  130  interrupted
";

/// What `--help` ends with: the exit statuses, then the environment
/// variables (from [`environment::ENVIRONMENT`]).
fn long_help_tail() -> String {
    format!("{EXIT_STATUS_HELP}\n{}", environment::help_text())
}

/// The long help of `--cacert`.
const CACERT_HELP: &str = "\
Also trust the CA certificates in FILE (PEM, one or more) for an https:// server, \
besides the system's: for a server whose certificate is self-signed or from a private CA.

  ollama-rs --cacert ca.pem --host https://ollama.lan:11434 list

SSL_CERT_FILE (a PEM file) and SSL_CERT_DIR (directories of PEM files) instead replace \
the system's certificates. The server's certificate is always checked: no option turns \
the check off.";

/// A fast, scriptable client for Ollama servers.
#[derive(Debug, Parser)]
#[command(
    name = "ollama-rs",
    version,
    about = "A fast, scriptable client for Ollama servers",
    long_about = "A fast, scriptable client for Ollama servers.\n\n\
        Talks to the server at --host (or OLLAMA_HOST; default http://127.0.0.1:11434). \
        Data goes to stdout, progress and errors to stderr; --json makes every \
        command's output machine-readable.",
    after_help = "Run 'ollama-rs <command> --help' for a command's options and examples.",
    after_long_help = long_help_tail(),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The Ollama server, e.g. `localhost:11434` or `https://user:pass@host/path`
    #[arg(
        long,
        global = true,
        env = "OLLAMA_HOST",
        value_name = "URL",
        hide_env_values = true
    )]
    pub host: Option<String>,

    /// Add a header to every request (repeatable), e.g. -H 'X-Trace: 1'
    #[arg(
        short = 'H',
        long = "header",
        global = true,
        value_name = "NAME: VALUE"
    )]
    pub headers: Vec<String>,

    /// Also trust the CA certificates in this PEM file
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        long_help = CACERT_HELP
    )]
    pub cacert: Option<PathBuf>,

    /// Longest wait, in seconds, for the server's next bytes (default: no limit)
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<f64>,

    /// Longest wait, in seconds, to connect to the server
    #[arg(long, global = true, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub connect_timeout: f64,

    /// Machine-readable output: JSON documents or one JSON object per line
    #[arg(long, global = true)]
    pub json: bool,

    /// When to use colour: auto (a terminal, and NO_COLOR unset), always, never
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

/// The id of the copy of `-H` each subcommand gets in [`parse_from`].
const SUBCOMMAND_HEADERS: &str = "subcommand_headers";

/// Parses a command line into a [`Cli`].
///
/// Clap keeps the values of a global option from one position only (those
/// after the subcommand win), so `-H 'A: 1' list -H 'B: 2'` would silently
/// drop `A`. Here `-H` is not global: each subcommand gets its own copy, and
/// the two lists are joined, in order.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches;
    let mut cmd = parsing_command();
    let matches = cmd.try_get_matches_from_mut(args)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))?;
    if let Some(more) = matches
        .subcommand()
        .and_then(|(_, sub)| sub.get_many::<String>(SUBCOMMAND_HEADERS))
    {
        cli.global.headers.extend(more.cloned());
    }
    Ok(cli)
}

/// [`Cli::command`] with `-H` copied into each subcommand instead of global.
fn parsing_command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command().mut_arg("headers", |a| a.global(false));
    let header = cmd
        .get_arguments()
        .find(|a| a.get_id() == "headers")
        .expect("-H is defined")
        .clone()
        .id(SUBCOMMAND_HEADERS);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.into_iter().fold(cmd, |cmd, name| {
        let header = header.clone();
        cmd.mut_subcommand(name, |s| s.arg(header))
    })
}

/// The longest wait for the server while completing a model name.
pub const MODEL_COMPLETION_TIMEOUT: Duration = Duration::from_secs(1);

/// Completes a model name with the names of the local models that start
/// with `current`.
///
/// Runs inside the shell's completion request (`COMPLETE=<shell> ollama-rs
/// -- <words>`), so it asks the server of a `--host` already on the line,
/// else of `OLLAMA_HOST`, for `/api/tags` with a short timeout, and offers
/// nothing, silently, when the server cannot answer.
pub fn complete_model(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let words: Vec<String> = std::env::args().skip_while(|w| w != "--").skip(1).collect();
    let mut builder = ollama_rs::Client::builder()
        .connect_timeout(MODEL_COMPLETION_TIMEOUT)
        .total_timeout(MODEL_COMPLETION_TIMEOUT);
    if let Some(host) = host_on_line(&words) {
        builder = builder.host(host);
    }
    let Ok(list) = ollama_rs::blocking::Client::from_builder(builder).and_then(|c| c.list()) else {
        return Vec::new();
    };
    list.models
        .into_iter()
        .map(|m| if m.name.is_empty() { m.model } else { m.name })
        .filter(|name| !name.is_empty() && name.starts_with(prefix))
        .map(CompletionCandidate::new)
        .collect()
}

/// The value of the last complete `--host` among the words of a command
/// line being completed (the last word is the one being typed).
fn host_on_line(words: &[String]) -> Option<&str> {
    let done = &words[..words.len().saturating_sub(1)];
    let mut host = None;
    let mut i = 0;
    while i < done.len() {
        if done[i] == "--" {
            break;
        }
        if let Some(value) = done[i].strip_prefix("--host=") {
            host = Some(value);
        } else if done[i] == "--host" {
            host = done.get(i + 1).map(String::as_str).or(host);
            i += 1;
        }
        i += 1;
    }
    host
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour, even into a pipe.
    Always,
    /// Never colour.
    Never,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a completion for a prompt
    #[command(
        after_help = "Examples:\n  ollama-rs generate llama3.2 'Why is the sky blue?'\n  \
        git diff | ollama-rs generate llama3.2 'Write a commit message for this diff'\n  \
        ollama-rs generate llama3.2 --format json -o temperature=0 'List 3 colours as JSON'"
    )]
    Generate(GenerateArgs),

    /// Chat with a model: one message (-m or stdin), or an interactive session
    #[command(
        visible_alias = "run",
        after_help = "Examples:\n  ollama-rs chat llama3.2                 # interactive\n  \
            ollama-rs chat llama3.2 -m 'Hello!'\n  \
            ollama-rs chat llama3.2 --messages history.json -m 'And then?'"
    )]
    Chat(ChatArgs),

    /// Compute embeddings: one JSON array per input, one per line
    #[command(
        after_help = "Examples:\n  ollama-rs embed all-minilm 'first text' 'second text'\n  \
        ollama-rs embed all-minilm < lines.txt > vectors.ndjson"
    )]
    Embed(EmbedArgs),

    /// List local models
    #[command(
        visible_alias = "ls",
        after_help = "Examples:\n  ollama-rs list\n  ollama-rs list llama --sort size\n  \
            ollama-rs list --json | jq -r '.models[].name'"
    )]
    List(ListArgs),

    /// Show a model's details, Modelfile, parameters, template, system prompt or license
    #[command(
        after_help = "Examples:\n  ollama-rs show llama3.2\n  ollama-rs show llama3.2 --modelfile"
    )]
    Show(ShowArgs),

    /// List the models loaded in memory
    #[command(after_help = "Example:\n  ollama-rs ps")]
    Ps,

    /// Copy a model to a new name
    #[command(after_help = "Example:\n  ollama-rs cp llama3.2 my-llama")]
    Cp(CopyArgs),

    /// Remove models (each is unloaded, then deleted)
    #[command(after_help = "Example:\n  ollama-rs rm old-model other-model")]
    Rm(RemoveArgs),

    /// Unload models from memory
    #[command(after_help = "Examples:\n  ollama-rs stop llama3.2\n  ollama-rs stop --all")]
    Stop(StopArgs),

    /// Pull models from a registry
    #[command(after_help = "Examples:\n  ollama-rs pull llama3.2\n  \
        ollama-rs pull --progress=plain llama3.2 all-minilm   # for provisioning logs\n  \
        ollama-rs pull --all                                   # update every local model")]
    Pull(PullArgs),

    /// Push a model to a registry
    #[command(after_help = "Example:\n  ollama-rs push myname/my-model")]
    Push(PushArgs),

    /// Create a model from a Modelfile or from options
    #[command(after_help = "Examples:\n  ollama-rs create my-model -f Modelfile\n  \
        ollama-rs create terse --from llama3.2 --system 'Answer in one sentence.' -p temperature=0.2\n  \
        ollama-rs create fast -f Modelfile --draft-quantize q8_0   # with `DRAFT ./draft-model`")]
    Create(CreateArgs),

    /// Print the client's and the server's versions
    #[command(after_help = "Example:\n  ollama-rs version --json")]
    Version,
}

/// Whether and how to think.
pub fn parse_think(s: &str) -> Result<String, String> {
    match s.to_ascii_lowercase().as_str() {
        v @ ("true" | "false" | "low" | "medium" | "high" | "max") => Ok(v.to_string()),
        _ => Err(format!(
            "`{s}` is not one of true, false, low, medium, high, max"
        )),
    }
}

/// Options for the model and the request, shared by generate and chat.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// A model option as KEY=VALUE (repeatable), e.g. -o temperature=0.2 -o stop='###'
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,

    /// How long the model stays loaded: seconds, or a duration like 5m or 1h30m
    #[arg(long, value_name = "DURATION")]
    pub keep_alive: Option<String>,

    /// Structured output: `json`, an inline JSON schema, or @FILE holding one
    #[arg(long, value_name = "json|SCHEMA|@FILE")]
    pub format: Option<String>,

    /// Attach an image (repeatable)
    #[arg(long = "image", value_name = "PATH")]
    pub images: Vec<PathBuf>,

    /// Think before answering: true, false, or a level (low, medium, high, max)
    #[arg(long, value_name = "LEVEL", num_args = 0..=1, default_missing_value = "true",
          require_equals = true, value_parser = parse_think)]
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
}

/// `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The model, e.g. llama3.2
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// The prompt; piped stdin is read and put before it
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

    /// Return the N most likely tokens at each position with their log-probabilities
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=20))]
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

    /// Send this message and print the reply (no interactive session)
    #[arg(short, long, value_name = "TEXT")]
    pub message: Option<String>,

    /// System prompt
    #[arg(long)]
    pub system: Option<String>,

    /// Continue a conversation: a JSON array of messages
    #[arg(long, value_name = "FILE")]
    pub messages: Option<PathBuf>,

    /// Tools the model may call: a JSON array of tool definitions
    #[arg(long, value_name = "FILE")]
    pub tools: Option<PathBuf>,

    /// Do not wrap words at the terminal's width (interactive)
    #[arg(long)]
    pub nowordwrap: bool,

    /// Do not pull a missing model (interactive)
    #[arg(long)]
    pub no_pull: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub model_args: ModelArgs,
}

/// `embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// The embedding model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// The inputs; without them, stdin is read, one input per line
    #[arg(value_name = "TEXT")]
    pub input: Vec<String>,

    /// Truncate inputs that exceed the context (the server's default)
    #[arg(long, overrides_with = "no_truncate")]
    pub truncate: bool,

    /// Fail on inputs that exceed the context instead of truncating them
    #[arg(long)]
    pub no_truncate: bool,

    /// Keep only the first N dimensions (re-normalised)
    #[arg(long, value_name = "N")]
    pub dimensions: Option<u32>,

    /// Send at most N inputs per request
    #[arg(long, value_name = "N", default_value = "256", value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: u32,

    /// A model option as KEY=VALUE (repeatable)
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,

    /// How long the model stays loaded: seconds, or a duration like 5m
    #[arg(long, value_name = "DURATION")]
    pub keep_alive: Option<String>,
}

/// `list` sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// By name, A to Z.
    Name,
    /// Largest first.
    Size,
    /// Newest first.
    Modified,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show only models whose name starts with this (case-insensitive)
    pub prefix: Option<String>,

    /// Sort order (default: as the server sends, newest first)
    #[arg(long, value_name = "KEY")]
    pub sort: Option<SortKey>,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// Print the Modelfile
    #[arg(long, group = "field")]
    pub modelfile: bool,

    /// Print the parameters
    #[arg(long, group = "field")]
    pub parameters: bool,

    /// Print the template
    #[arg(long, group = "field")]
    pub template: bool,

    /// Print the system prompt
    #[arg(long, group = "field")]
    pub system: bool,

    /// Print the license
    #[arg(long, group = "field")]
    pub license: bool,

    /// Add the model's metadata
    #[arg(short, long)]
    pub verbose: bool,
}

/// `cp`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The model to copy
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub source: String,
    /// The new name
    pub destination: String,
}

/// `rm`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The models to remove
    #[arg(required = true, add = ArgValueCompleter::new(complete_model))]
    pub models: Vec<String>,
}

/// `stop`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The models to unload
    #[arg(
        required_unless_present = "all",
        conflicts_with = "all",
        add = ArgValueCompleter::new(complete_model)
    )]
    pub models: Vec<String>,

    /// Unload every running model
    #[arg(long)]
    pub all: bool,
}

/// How pull, push and create report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// Bars on a terminal; off a terminal, only the outcome.
    Auto,
    /// Bars on a terminal, plain lines otherwise.
    Bars,
    /// Log-friendly lines, about once a second per layer.
    Plain,
    /// Only the outcome.
    None,
}

/// Progress options shared by pull, push and create.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// How to report progress: auto, bars, plain, none (bare --progress: always report)
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "bars",
          require_equals = true, default_value = "auto")]
    pub progress: ProgressMode,
}

/// The long help of `--insecure` (pull and push).
const INSECURE_HELP: &str = "\
Allow an insecure registry: the server may pull from or push to it over plain HTTP or \
without checking its certificate. It is about the registry the server talks to: the \
certificate of the Ollama server itself is always checked (see --cacert).";

/// `pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The models to pull, one after another
    #[arg(
        required_unless_present = "all",
        conflicts_with = "all",
        add = ArgValueCompleter::new(complete_model)
    )]
    pub models: Vec<String>,

    /// Pull every local model again, to update it
    #[arg(long)]
    pub all: bool,

    /// Allow an insecure registry (plain HTTP, unchecked certificate)
    #[arg(long, long_help = INSECURE_HELP)]
    pub insecure: bool,

    /// Re-issue the pull when no progress arrives for this many seconds
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub stall_timeout: f64,

    /// How many times to re-issue a stalled pull
    #[arg(long, value_name = "N", default_value = "3")]
    pub retries: u32,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub progress: ProgressArgs,
}

/// `push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The model to push, e.g. myname/my-model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// Allow an insecure registry (plain HTTP, unchecked certificate)
    #[arg(long, long_help = INSECURE_HELP)]
    pub insecure: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub progress: ProgressArgs,
}

/// `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The name of the new model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// The Modelfile (default: ./Modelfile, when it exists)
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Quantize the model, e.g. q4_K_M or q8_0
    #[arg(short, long, value_name = "TYPE")]
    pub quantize: Option<String>,

    /// Quantize the draft model named by DRAFT, e.g. q8_0
    #[arg(long, value_name = "TYPE")]
    pub draft_quantize: Option<String>,

    /// The base model (overrides FROM)
    #[arg(long, value_name = "MODEL", add = ArgValueCompleter::new(complete_model))]
    pub from: Option<String>,

    /// System prompt (overrides SYSTEM)
    #[arg(long)]
    pub system: Option<String>,

    /// Template (overrides TEMPLATE)
    #[arg(long)]
    pub template: Option<String>,

    /// A parameter as KEY=VALUE (repeatable; overrides PARAMETER)
    #[arg(short, long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub progress: ProgressArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn completion_uses_a_host_already_on_the_line() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let host = |w: &[&str]| host_on_line(&words(w)).map(str::to_string);
        assert_eq!(host(&["ollama-rs", "show", "ll"]), None);
        assert_eq!(
            host(&["ollama-rs", "--host", "a:1", "show", "ll"]),
            Some("a:1".into())
        );
        assert_eq!(
            host(&["ollama-rs", "show", "--host=b:2", "ll"]),
            Some("b:2".into())
        );
        // The last one wins; the word being typed does not count.
        assert_eq!(
            host(&["ollama-rs", "--host", "a:1", "list", "--host", "c:3", "x"]),
            Some("c:3".into())
        );
        assert_eq!(host(&["ollama-rs", "show", "--host"]), None);
        assert_eq!(host(&["ollama-rs", "--host"]), None);
        // After `--`, words are not options.
        assert_eq!(
            host(&["ollama-rs", "run", "--", "--host", "a:1", "x"]),
            None
        );
    }

    #[test]
    fn global_options_after_the_subcommand() {
        let cli = Cli::try_parse_from(["ollama-rs", "list", "--json", "--host", "x:1"]).unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.host.as_deref(), Some("x:1"));
    }

    #[test]
    fn parsing_command_is_valid() {
        parsing_command().debug_assert();
    }

    #[test]
    fn headers_before_and_after_the_subcommand_are_joined() {
        let cli = parse_from([
            "ollama-rs",
            "-H",
            "A: 1",
            "--header",
            "B: 2",
            "list",
            "-H",
            "C: 3",
            "--json",
        ])
        .unwrap();
        assert_eq!(cli.global.headers, ["A: 1", "B: 2", "C: 3"]);
        assert!(matches!(cli.command, Command::List(_)));
        let cli = parse_from(["ollama-rs", "ps", "-H", "C: 3"]).unwrap();
        assert_eq!(cli.global.headers, ["C: 3"]);
        let cli = parse_from(["ollama-rs", "-H", "A: 1", "version"]).unwrap();
        assert_eq!(cli.global.headers, ["A: 1"]);
        // Other global options: the last one wins.
        let cli = parse_from(["ollama-rs", "--host", "a", "list", "--host", "b"]).unwrap();
        assert_eq!(cli.global.host.as_deref(), Some("b"));
    }

    #[test]
    fn bare_think_means_true() {
        let cli = Cli::try_parse_from(["ollama-rs", "generate", "m", "--think", "hi"]).unwrap();
        let Command::Generate(g) = cli.command else {
            panic!()
        };
        assert_eq!(g.model_args.think.as_deref(), Some("true"));
        assert_eq!(g.prompt, ["hi"]);
    }

    #[test]
    fn bare_progress_means_bars() {
        let cli = Cli::try_parse_from(["ollama-rs", "pull", "--progress", "m"]).unwrap();
        let Command::Pull(p) = cli.command else {
            panic!()
        };
        assert_eq!(p.progress.progress, ProgressMode::Bars);
        assert_eq!(p.models, ["m"]);
    }
}
