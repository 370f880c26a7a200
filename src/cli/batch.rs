//! The options of `batch`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::transfer::ProgressArgs;

/// The long help of `batch`.
pub const BATCH_HELP: &str = "\
Sends many requests, each line of the input one JSON request, to one or more servers, and \
writes one JSON line per input line: {\"id\": ..., \"response\": {...}} with the server's \
whole (not streamed) response, or {\"id\": ..., \"error\": {\"message\": ..., \"status\": ...}} \
(status is the HTTP status, or null).

A line is {\"id\": ..., \"endpoint\": \"generate\"|\"chat\"|\"embed\", ...} and the fields of that \
endpoint's request (model, prompt, messages, input, options, format...). \"id\" may be any JSON \
value (default: the line number, from 1); \"endpoint\" and \"model\" default to --endpoint and \
--model. With --prompt-lines every line is plain text: the prompt (generate), the user's \
message (chat) or the input (embed). Blank lines are skipped. A line that is not a valid \
request gets an error line (and a warning on stderr naming its line number); the rest goes on.

Each request goes to the server with the fewest requests in flight. A server that cannot be \
reached, times out (--timeout), or answers 5xx or 429 is left alone for a while (from 0.25 s, \
doubling up to 30 s) and the request is tried on another server, up to --retries times. A \
server without the model is not asked for it again in that run, the others are. Other errors \
are the request's answer.

Output is in input order unless --unordered; at most -j x servers requests are in flight and \
as many finished ones wait behind a slow one, so memory stays bounded whatever the input's \
size. Each output line is written whole.

Nothing is lost: Ctrl-C stops sending, waits for the requests in flight and writes their \
results (a second Ctrl-C cancels them and writes every result already done); with -o FILE, \
--resume then finishes the job, skipping the ids FILE answered. A run killed outright leaves \
FILE whole lines too.

On a terminal, stderr shows one bar: done/total (total when the input is a file), requests \
and tokens per second, the time left, errors and each server's share. Off a terminal, \
--progress writes the same as a line once a second (for logs); stdout holds only results.

The exit status is 0 when every request succeeded, 1 when some failed (stderr ends with a \
summary line that says how many), 2 for an invalid command line or an input that cannot be \
opened, 130 when interrupted.";

/// The examples at the end of `batch --help`.
pub const BATCH_EXAMPLES: &str = "Examples:\n  \
    ollama-rs batch requests.jsonl -o results.jsonl\n  \
    ollama-rs batch requests.jsonl -o results.jsonl --resume     # after Ctrl-C\n  \
    ollama-rs batch --hosts http://gpu1:11434,http://gpu2:11434 -j 8 requests.jsonl\n  \
    ollama-rs batch --prompt-lines --model llama3.2 prompts.txt\n  \
    ollama-rs batch --prompt-lines --endpoint embed --model all-minilm --unordered < lines.txt\n\n\
    Input line:  {\"id\": \"q1\", \"endpoint\": \"chat\", \"model\": \"llama3.2\", \
    \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}";

/// An endpoint a batch line can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Endpoint {
    /// /api/generate
    Generate,
    /// /api/chat
    Chat,
    /// /api/embed
    Embed,
}

/// `batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The requests, one JSON object per line; `-` or none: stdin
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Write the results to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Servers to spread the requests over (repeatable, or separated by commas; default: --host)
    #[arg(
        long = "hosts",
        value_name = "URL",
        env = "OLLAMA_HOSTS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub hosts: Vec<String>,

    /// Requests in flight per server
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: u32,

    /// How many times a request is tried again after a server failed it
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// The endpoint of lines that name none (with --prompt-lines: default generate)
    #[arg(long, value_name = "ENDPOINT")]
    pub endpoint: Option<Endpoint>,

    /// The model of lines that name none
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,

    /// Every input line is plain text: the prompt, message or input (needs --model)
    #[arg(long)]
    pub prompt_lines: bool,

    /// Write results as they finish instead of in input order
    #[arg(long)]
    pub unordered: bool,

    /// Finish the job whose results are in -o FILE: skip the ids it answered, append the rest
    #[arg(long, requires = "output", long_help = RESUME_HELP)]
    pub resume: bool,

    /// Progress on stderr: a bar on a terminal, or lines (see --help)
    #[command(flatten)]
    pub progress: ProgressArgs,
}

/// The long help of `--resume`.
const RESUME_HELP: &str = "\
Finish the job whose results are in -o FILE (after a Ctrl-C, a crash or a lost connection): \
the ids FILE answered with a response are skipped, the rest are sent and appended. Lines \
of FILE with an error, or cut short, are taken out of it first and sent again, so every id \
appears once. Without --resume, a FILE that already holds results is never overwritten.";
