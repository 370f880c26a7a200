//! The slash commands: one table that parsing, `/help` and Tab completion
//! all read, so a command cannot be added to one and forgotten in another.

use std::fmt::Write as _;

/// What completes after a command (or subcommand) and a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Complete {
    /// Command names.
    Commands,
    /// Nothing.
    Nothing,
    /// The subcommands listed with the command.
    Subcommands,
    /// Installed model names.
    Models,
    /// File names.
    Files,
    /// Model option names.
    Options,
    /// These words.
    Words(&'static [&'static str]),
}

/// A word after `/set`, `/show` or `/help`.
#[derive(Debug)]
pub struct Sub {
    /// The word.
    pub name: &'static str,
    /// Its arguments, for help.
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// What completes after it.
    pub complete: Complete,
}

/// One slash command.
#[derive(Debug)]
pub struct Command {
    /// What the parser matches.
    pub id: Id,
    /// The name, with the slash.
    pub name: &'static str,
    /// Other names, with the slash.
    pub aliases: &'static [&'static str],
    /// Its arguments, for help.
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Its subcommands.
    pub subs: &'static [Sub],
    /// What completes after it.
    pub complete: Complete,
}

/// The commands, as the loop tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    /// `/set`.
    Set,
    /// `/show`.
    Show,
    /// `/load`.
    Load,
    /// `/save`.
    Save,
    /// `/export`.
    Export,
    /// `/import`.
    Import,
    /// `/retry`.
    Retry,
    /// `/clear`.
    Clear,
    /// `/tools`.
    Tools,
    /// `/mcp`.
    Mcp,
    /// `/bye`.
    Bye,
    /// `/help`.
    Help,
}

const fn sub(name: &'static str, args: &'static str, help: &'static str) -> Sub {
    Sub {
        name,
        args,
        help,
        complete: Complete::Nothing,
    }
}

/// The think levels `/set think` accepts.
pub const THINK_LEVELS: &[&str] = &["low", "medium", "high", "max"];

const SET: &[Sub] = &[
    Sub {
        complete: Complete::Options,
        ..sub("parameter", "KEY VALUE...", "Set a model parameter")
    },
    sub("system", "TEXT", "Set the system message"),
    Sub {
        complete: Complete::Words(&["json"]),
        ..sub("format", "json", "Answer in JSON")
    },
    sub("noformat", "", "Answer in free text"),
    Sub {
        complete: Complete::Words(THINK_LEVELS),
        ..sub("think", "[low|medium|high|max]", "Enable thinking")
    },
    sub("nothink", "", "Disable thinking"),
    sub("verbose", "", "Show statistics after each reply"),
    sub("quiet", "", "Hide statistics"),
    sub("wordwrap", "", "Wrap words at the terminal's width"),
    sub("nowordwrap", "", "Do not wrap words"),
    sub(
        "markdown",
        "",
        "Draw replies' Markdown: headings, lists, tables, code",
    ),
    sub("nomarkdown", "", "Show replies as raw text"),
    sub("history", "", "Keep the lines you type in the history file"),
    sub("nohistory", "", "Stop keeping history"),
];

const SHOW: &[Sub] = &[
    sub("info", "", "Details of this model"),
    sub("license", "", "The model's license"),
    sub("modelfile", "", "The model's Modelfile"),
    sub(
        "parameters",
        "",
        "The model's parameters and this session's",
    ),
    sub("system", "", "The system message"),
    sub("template", "", "The prompt template"),
];

const TOOLS: &[Sub] = &[
    sub(
        "on",
        "NAME",
        "Offer a tool (or every tool of a server) to the model again",
    ),
    sub(
        "off",
        "NAME",
        "Stop offering a tool (or every tool of a server)",
    ),
];

const HELP: &[Sub] = &[
    sub("set", "", "Help for /set"),
    sub("show", "", "Help for /show"),
    sub("tools", "", "Help for /tools"),
    sub("shortcuts", "", "Keyboard shortcuts"),
];

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        id: Id::Set,
        name: "/set",
        aliases: &[],
        args: "",
        help: "Set session variables",
        subs: SET,
        complete: Complete::Subcommands,
    },
    Command {
        id: Id::Show,
        name: "/show",
        aliases: &[],
        args: "",
        help: "Show model information",
        subs: SHOW,
        complete: Complete::Subcommands,
    },
    Command {
        id: Id::Load,
        name: "/load",
        aliases: &[],
        args: "<model>",
        help: "Load another model (the conversation starts over)",
        subs: &[],
        complete: Complete::Models,
    },
    Command {
        id: Id::Save,
        name: "/save",
        aliases: &[],
        args: "<model>",
        help: "Save this session as a new model",
        subs: &[],
        complete: Complete::Nothing,
    },
    Command {
        id: Id::Export,
        name: "/export",
        aliases: &[],
        args: "<file>",
        help: "Write the conversation as JSON, or Markdown if <file> ends in .md",
        subs: &[],
        complete: Complete::Files,
    },
    Command {
        id: Id::Import,
        name: "/import",
        aliases: &[],
        args: "<file>",
        help: "Continue a conversation written by /export (JSON or Markdown)",
        subs: &[],
        complete: Complete::Files,
    },
    Command {
        id: Id::Retry,
        name: "/retry",
        aliases: &[],
        args: "",
        help: "Regenerate the last reply, or send a message that failed again",
        subs: &[],
        complete: Complete::Nothing,
    },
    Command {
        id: Id::Clear,
        name: "/clear",
        aliases: &[],
        args: "",
        help: "Clear the conversation",
        subs: &[],
        complete: Complete::Nothing,
    },
    Command {
        id: Id::Tools,
        name: "/tools",
        aliases: &[],
        args: "[on|off NAME]",
        help: "List the tools (MCP servers' and web), or turn one on or off",
        subs: TOOLS,
        complete: Complete::Subcommands,
    },
    Command {
        id: Id::Mcp,
        name: "/mcp",
        aliases: &[],
        args: "",
        help: "Show each MCP server's status and log file",
        subs: &[],
        complete: Complete::Nothing,
    },
    Command {
        id: Id::Bye,
        name: "/bye",
        aliases: &["/exit"],
        args: "",
        help: "Exit",
        subs: &[],
        complete: Complete::Nothing,
    },
    Command {
        id: Id::Help,
        name: "/help",
        aliases: &["/?"],
        args: "[set|show|tools|shortcuts]",
        help: "Help, or help for a command",
        subs: HELP,
        complete: Complete::Subcommands,
    },
];

/// Keyboard shortcuts for `/? shortcuts` (rustyline's Emacs bindings).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl + a", "Move to the beginning of the line (Home)"),
    ("Ctrl + e", "Move to the end of the line (End)"),
    ("Alt + b", "Move back one word"),
    ("Alt + f", "Move forward one word"),
    ("Ctrl + k", "Delete from the cursor to the end of the line"),
    (
        "Ctrl + u",
        "Delete from the cursor to the beginning of the line",
    ),
    ("Ctrl + w", "Delete the word before the cursor"),
    ("Ctrl + r", "Search the history"),
    ("Tab", "Complete a command, or a model name after /load"),
    ("Ctrl + l", "Clear the screen"),
    (
        "Ctrl + c",
        "Stop the reply or the tool call, or clear the line",
    ),
    ("Ctrl + d", "Exit (on an empty line)"),
];

/// Finds a command by name or alias (with the slash).
pub fn find(word: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// A typed line split into the command and the rest.
#[derive(Debug, PartialEq, Eq)]
pub struct Invocation<'a> {
    /// The command.
    pub id: Id,
    /// The name as typed.
    pub word: &'a str,
    /// Everything after the name, with blanks around it removed.
    pub rest: &'a str,
}

/// Why a slash line is not a command.
#[derive(Debug, PartialEq, Eq)]
pub struct Unknown(pub String);

/// Parses a line starting with `/`.
pub fn parse(line: &str) -> Result<Invocation<'_>, Unknown> {
    let line = line.trim_start();
    let end = line.find(char::is_whitespace).unwrap_or(line.len());
    let (word, rest) = line.split_at(end);
    match find(word) {
        Some(c) => Ok(Invocation {
            id: c.id,
            word,
            rest: rest.trim(),
        }),
        None => Err(Unknown(word.to_string())),
    }
}

/// Splits "`sub` rest" after `/set` or `/show`; the rest keeps its inner
/// blanks (a system message is taken as typed).
pub fn split_sub(rest: &str) -> (&str, &str) {
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (sub, tail) = rest.split_at(end);
    (sub, tail.trim_start())
}

fn rows(out: &mut String, rows: &[(String, &str)]) {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (left, help) in rows {
        let _ = writeln!(out, "  {left:<width$}   {help}");
    }
}

/// The text of `/help`.
pub fn help(vision: bool) -> String {
    let mut s = String::from("Available Commands:\n");
    let mut r: Vec<(String, &str)> = Vec::new();
    for c in COMMANDS {
        let mut names = vec![c.name];
        names.extend(c.aliases);
        // `/?` first: it is the one people know from `ollama run`.
        names.sort_by_key(|n| *n != "/?");
        let mut left = names.join(", ");
        if !c.args.is_empty() {
            left.push(' ');
            left.push_str(c.args);
        }
        r.push((left, c.help));
    }
    rows(&mut s, &r);
    s.push_str("\nUse \"\"\" to begin a multi-line message.\n");
    if vision {
        s.push_str("Use /path/to/file to include .jpg, .jpeg, .png or .webp images.\n");
    }
    s
}

/// The text of `/help set`, `/help show` or `/help shortcuts`, or `None`
/// for another word.
pub fn help_for(topic: &str) -> Option<String> {
    let topic = topic.trim_start_matches('/');
    if topic == "shortcuts" || topic == "shortcut" {
        let mut s = String::from("Available keyboard shortcuts:\n");
        let r: Vec<(String, &str)> = SHORTCUTS
            .iter()
            .map(|(k, h)| ((*k).to_string(), *h))
            .collect();
        rows(&mut s, &r);
        return Some(s);
    }
    let c = find(&format!("/{topic}")).filter(|c| !c.subs.is_empty() && c.id != Id::Help)?;
    Some(sub_help(c))
}

/// The usage of a command with subcommands.
pub fn sub_help(c: &Command) -> String {
    let mut s = String::from("Available Commands:\n");
    let r: Vec<(String, &str)> = c
        .subs
        .iter()
        .map(|sub| {
            let mut left = format!("{} {}", c.name, sub.name);
            if !sub.args.is_empty() {
                left.push(' ');
                left.push_str(sub.args);
            }
            (left, sub.help)
        })
        .collect();
    rows(&mut s, &r);
    s
}

/// The usage line of a command with arguments.
pub fn usage(c: &Command) -> String {
    format!("Usage:\n  {} {}\n", c.name, c.args)
}

/// What Tab completes at the end of `line`: the start of the word being
/// completed, and what kind of word it is.
pub fn completion_context(line: &str) -> Option<(usize, Complete)> {
    if !line.starts_with('/') {
        return None;
    }
    let start = line.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let done: Vec<&str> = line[..start].split_whitespace().collect();
    match done.as_slice() {
        [] => Some((0, Complete::Commands)),
        [cmd] => {
            let c = find(cmd)?;
            Some((start, c.complete))
        }
        [cmd, subword, ..] => {
            let c = find(cmd)?;
            let s = c.subs.iter().find(|s| s.name == *subword)?;
            // A parameter's value is not completed, only its name.
            if s.complete == Complete::Options && done.len() > 2 {
                return None;
            }
            if done.len() > 2 && matches!(s.complete, Complete::Words(_)) {
                return None;
            }
            Some((start, s.complete))
        }
    }
}

/// Completions for `word` of the given kind that need no outside data.
pub fn candidates(line: &str, start: usize, kind: Complete) -> Vec<String> {
    let word = &line[start..];
    let pick = |names: &mut dyn Iterator<Item = &str>| -> Vec<String> {
        names
            .filter(|n| n.starts_with(word))
            .map(str::to_string)
            .collect()
    };
    match kind {
        Complete::Commands => pick(
            &mut COMMANDS
                .iter()
                .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied())),
        ),
        Complete::Words(words) => pick(&mut words.iter().copied()),
        Complete::Subcommands => {
            let cmd = line.split_whitespace().next().and_then(find);
            match cmd {
                Some(c) => pick(&mut c.subs.iter().map(|s| s.name)),
                None => Vec::new(),
            }
        }
        Complete::Options => pick(
            &mut ollama_rs::Options::KNOWN
                .iter()
                .filter(|o| !o.deprecated)
                .map(|o| o.name),
        ),
        Complete::Nothing | Complete::Models | Complete::Files => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_aliases() {
        let i = parse("/set  system  Be brief.  ").unwrap();
        assert_eq!(i.id, Id::Set);
        assert_eq!(i.rest, "system  Be brief.");
        assert_eq!(split_sub(i.rest), ("system", "Be brief."));
        assert_eq!(parse("/?").unwrap().id, Id::Help);
        assert_eq!(parse("/exit").unwrap().id, Id::Bye);
        assert_eq!(parse("/x y"), Err(Unknown("/x".into())));
        // A prefix is not a command.
        assert!(parse("/sh").is_err());
    }

    #[test]
    fn help_lists_every_command_once() {
        let h = help(false);
        for c in COMMANDS {
            let rows = h
                .lines()
                .filter(|l| {
                    let left = l.trim_start().split("   ").next().unwrap_or("");
                    left.split([' ', ',']).any(|w| w == c.name)
                })
                .count();
            assert_eq!(rows, 1, "{}", c.name);
        }
        assert!(h.contains("  /?, /help [set|show|tools|shortcuts]"));
        assert!(!h.contains("images"));
        assert!(help(true).contains("images"));
    }

    #[test]
    fn sub_help_comes_from_the_table() {
        let s = help_for("set").unwrap();
        for sub in SET {
            assert!(s.contains(&format!("/set {}", sub.name)), "{}", sub.name);
        }
        assert!(help_for("/show").unwrap().contains("/show modelfile"));
        assert!(help_for("shortcuts").unwrap().contains("Ctrl + r"));
        assert_eq!(help_for("nope"), None);
    }

    #[test]
    fn completes_commands_and_subcommands() {
        let (start, kind) = completion_context("/se").unwrap();
        assert_eq!(candidates("/se", start, kind), vec!["/set"]);
        let (start, kind) = completion_context("/set no").unwrap();
        assert_eq!(
            candidates("/set no", start, kind),
            vec![
                "noformat",
                "nothink",
                "nowordwrap",
                "nomarkdown",
                "nohistory"
            ]
        );
        let (start, kind) = completion_context("/set think h").unwrap();
        assert_eq!(candidates("/set think h", start, kind), vec!["high"]);
        let (start, kind) = completion_context("/set parameter temp").unwrap();
        assert_eq!(
            candidates("/set parameter temp", start, kind),
            vec!["temperature"]
        );
        assert_eq!(completion_context("/set parameter seed 4"), None);
        assert_eq!(completion_context("/load ti"), Some((6, Complete::Models)));
        assert_eq!(completion_context("/export a"), Some((8, Complete::Files)));
        assert_eq!(completion_context("hello /se"), None);
    }
}
