//! Every environment variable the command line reads, with what it does.
//!
//! This file is data only (no imports), so that the tests can render the
//! man page's ENVIRONMENT section from it. The values themselves are read
//! in [`crate::settings`] and nowhere else.

/// One documented environment variable (or a family of them).
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    /// The name as documented, e.g. `OLLAMA_HOST` or `HTTP_PROXY, HTTPS_PROXY`.
    pub name: &'static str,
    /// Every spelling that is read, e.g. lowercase variants of a proxy
    /// variable. (The test that every variable read is documented uses it.)
    #[allow(dead_code)]
    pub reads: &'static [&'static str],
    /// What it does, in one paragraph.
    pub about: &'static str,
}

/// The variables that name a proxy, each in both spellings.
pub const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The environment variables of the command line, in the order the man
/// page lists them.
pub const ENVIRONMENT: &[Variable] = &[
    Variable {
        name: "OLLAMA_HOST",
        reads: &["OLLAMA_HOST"],
        about: "The Ollama server, in any form --host accepts (default http://127.0.0.1:11434). \
         --host overrides it. Completion of model names asks this server.",
    },
    Variable {
        name: "OLLAMA_HOSTS",
        reads: &["OLLAMA_HOSTS"],
        about: "The servers batch spreads its requests over, separated by commas (as --hosts). \
         --hosts overrides it; without either, batch uses the one server of --host.",
    },
    Variable {
        name: "OLLAMA_API_KEY",
        reads: &["OLLAMA_API_KEY"],
        about: "An API key, sent as \"Authorization: Bearer <key>\" unless the host names a \
         user and password or -H gives an Authorization header; chat --web needs one. It is \
         never passed on to MCP servers.",
    },
    Variable {
        name: "OLLAMA_NOHISTORY",
        reads: &["OLLAMA_NOHISTORY"],
        about: "When set to anything but empty, 0 or false, the interactive chat keeps no \
         history file (/set history turns it on for the session).",
    },
    Variable {
        name: "OLLAMA_WEB_BASE_URL",
        reads: &["OLLAMA_WEB_BASE_URL"],
        about: "Where chat --web sends web_search and web_fetch (default https://ollama.com).",
    },
    Variable {
        name: "NO_COLOR",
        reads: &["NO_COLOR"],
        about: "When set and not empty, --color auto never colours the output.",
    },
    Variable {
        name: "TERM",
        reads: &["TERM"],
        about: "When dumb, progress is shown as plain lines instead of bars, and one-shot \
                answers are neither wrapped nor drawn as Markdown (the cursor cannot move).",
    },
    Variable {
        name: "HOME",
        reads: &["HOME"],
        about: "The home directory: ~ in file names (Modelfile paths, images and files of \
         the interactive chat), and the default data directory.",
    },
    Variable {
        name: "PATH, LANG, LC_*, TMPDIR, USER, SHELL, TZ",
        reads: &[],
        about: "Passed on, with HOME, TERM and LOGNAME, to the MCP servers chat starts; no other \
         variable of this process reaches them unless their configuration's \"env\" names it.",
    },
    Variable {
        name: "XDG_DATA_HOME",
        reads: &["XDG_DATA_HOME"],
        about: "The data directory (default ~/.local/share on Linux): the interactive chat \
         keeps its history in ollama-rs/history there, and the stderr of MCP servers goes to \
         ollama-rs/mcp/<server>.log.",
    },
    Variable {
        name: "COMPLETE",
        reads: &["COMPLETE"],
        about: "When set to a shell's name (bash, elvish, fish, powershell, zsh), the program \
         prints that shell's completion script, or answers the shell's completion request, \
         and does nothing else.",
    },
    Variable {
        name: "SSL_CERT_FILE",
        reads: &["SSL_CERT_FILE"],
        about: "A PEM file of CA certificates trusted for an https:// server instead of the \
         system's. --cacert adds to them.",
    },
    Variable {
        name: "SSL_CERT_DIR",
        reads: &["SSL_CERT_DIR"],
        about: "Directories (separated by :) of PEM files of CA certificates trusted for an \
         https:// server instead of the system's.",
    },
    Variable {
        name: "HTTP_PROXY, HTTPS_PROXY, ALL_PROXY",
        reads: PROXY_VARIABLES,
        about:
            "The proxy for http:// servers, for https:// servers (through CONNECT), and for both \
         when the other is not set, e.g. http://user:password@proxy:3128; lowercase names \
         work too. A server on this machine (localhost, 127.0.0.0/8, ::1) is always reached \
         directly. All are ignored when REQUEST_METHOD is set (a CGI program, whose \
         HTTP_PROXY may come from a request's Proxy header).",
    },
    Variable {
        name: "NO_PROXY",
        reads: &["NO_PROXY", "no_proxy"],
        about: "Hosts reached without the proxy, separated by commas: names (each also matching \
         its subdomains), IP addresses or networks, or * for all.",
    },
];

/// The `Environment:` part of `--help`: each variable, then its text
/// indented and wrapped to fit 80 columns.
pub fn help_text() -> String {
    const INDENT: &str = "      ";
    const WIDTH: usize = 80;
    let mut s = String::from("Environment:\n");
    for v in ENVIRONMENT {
        s.push_str(&format!("  {}\n", v.name));
        let mut line = String::new();
        for word in v.about.split_whitespace() {
            if !line.is_empty() && INDENT.len() + line.len() + 1 + word.len() > WIDTH {
                s.push_str(&format!("{INDENT}{line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        s.push_str(&format!("{INDENT}{line}\n"));
    }
    s
}
