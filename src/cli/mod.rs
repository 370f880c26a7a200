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
//!   `add = ArgValueCompleter::new(complete_model)` ([`complete`]).
//!
//! Here: the root, the global options and the list of commands; their
//! options by group in `model` (generate, chat, embed), `manage` (list,
//! show, cp, rm, stop) and `transfer` (pull, push, create); option values
//! in `values`.
//!
//! This module depends on nothing but clap, clap_complete, the library and
//! the list of environment variables (`settings/environment.rs`, data
//! only), so that the tests can render completions and man pages from it.

mod batch;
pub mod complete;
mod manage;
mod model;
mod tools;
mod transfer;
mod values;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use batch::{BatchArgs, Endpoint};
pub use manage::{CopyArgs, ListArgs, RemoveArgs, ShowArgs, SortKey, StopArgs};
pub use model::{ChatArgs, EmbedArgs, GenerateArgs, ModelArgs};
pub use tools::ToolArgs;
pub use transfer::{CreateArgs, ProgressMode, PullArgs, PushArgs};
pub use values::{parse_secs, ColorChoice};

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
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_secs, allow_negative_numbers = true)]
    pub timeout: Option<f64>,

    /// Longest wait, in seconds, to connect to the server
    #[arg(long, global = true, value_name = "SECS", default_value = "10", value_parser = parse_secs,
          allow_negative_numbers = true)]
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

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a completion for a prompt
    #[command(
        after_help = "Examples:\n  ollama-rs generate llama3.2 'Why is the sky blue?'\n  \
        git diff | ollama-rs generate llama3.2 'Write a commit message for this diff'\n  \
        ollama-rs generate llama3.2 --format json -o temperature=0 'List 3 colours as JSON'\n  \
        ollama-rs generate llama3.2 --markdown 'A table of the planets and their moons'"
    )]
    Generate(GenerateArgs),

    /// Chat with a model: one message (PROMPT, -m or stdin), or an interactive session
    #[command(
        visible_alias = "run",
        after_help = "Examples:\n  ollama-rs chat llama3.2                 # interactive\n  \
            ollama-rs run llama3.2 'Why is the sky blue?'\n  \
            ollama-rs run llama3.2 --markdown 'Compare Rust and Go in a table'\n  \
            git diff | ollama-rs run llama3.2 'Write a commit message for this diff'\n  \
            ollama-rs chat llama3.2 -m 'Hello!'\n  \
            ollama-rs chat llama3.2 --messages history.json -m 'And then?'\n  \
            ollama-rs chat qwen3 --mcp servers.json                # MCP tools, each call confirmed\n  \
            ollama-rs chat qwen3 --mcp-server 'uvx mcp-server-time' -m 'Time in Tokyo?'\n  \
            ollama-rs chat qwen3 --mcp servers.json --allow 'files.*' -m 'List /tmp'\n  \
            ollama-rs chat qwen3 --mcp servers.json --allow-all --json -m 'Sum 2 and 3' | grep tool_\n\n\
            The interactive session loads the model first (with --keep-alive, -o and --think)\n\
            under a spinner and shows the model's own MESSAGE history; keys typed while a\n\
            reply streams are not echoed and wait for the next prompt."
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

    /// Send many requests from a file of JSON lines, over one or more servers
    #[command(long_about = batch::BATCH_HELP, after_help = batch::BATCH_EXAMPLES)]
    Batch(BatchArgs),

    /// Print the client's and the server's versions
    #[command(after_help = "Example:\n  ollama-rs version --json")]
    Version,
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
