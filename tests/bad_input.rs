//! Bad input, in one table: every flag that takes a value, given a
//! malformed one; files for `--messages`, `--tools`, `--format @FILE`,
//! `--image` and `-f` that are missing, folders, empty or not what they
//! should be; a Modelfile with every kind of syntax error; option names that
//! do not exist and values of the wrong type; model names the server would
//! refuse; unknown flags.
//!
//! Each must end with status 2, nothing on stdout, a message that names the
//! flag, file, key or name and says what is expected, and no request sent.
//! Messages of the command itself are one `ollama-rs: error:` line; the
//! command-line parser's own (`error: invalid value ...`) are clap's.

use std::path::Path;

use crate::harness::{stderr_of, stdout_of, Test};
use ollama_test_server::TestServer;

/// Files the rows refer to, by their names in the run's folder.
const FILES: &[(&str, &str)] = &[
    ("empty.json", ""),
    ("blank.json", "  \n\n"),
    ("empty.png", ""),
    ("bad.json", "this is not json"),
    ("object.json", "{\"role\": \"user\"}"),
    ("array.json", "[1, 2]"),
    ("Empty.modelfile", ""),
    ("Unknown.modelfile", "FROM tiny\nFORM tiny\n"),
    ("Glued.modelfile", "FROMtiny\n"),
    ("NoValue.modelfile", "FROM tiny\nSYSTEM\n"),
    ("NoFromValue.modelfile", "FROM\n"),
    (
        "Triple.modelfile",
        "FROM tiny\nSYSTEM \"\"\"never closed\nand more\n",
    ),
    ("Quote.modelfile", "FROM tiny\nSYSTEM \"never closed\n"),
    ("Role.modelfile", "FROM tiny\nMESSAGE robot hi\n"),
    ("NoContent.modelfile", "FROM tiny\nMESSAGE user\n"),
    ("Param.modelfile", "FROM tiny\nPARAMETER temprature 0.5\n"),
    ("ParamType.modelfile", "FROM tiny\nPARAMETER top_k lots\n"),
    (
        "ParamBool.modelfile",
        "FROM tiny\nPARAMETER use_mmap maybe\n",
    ),
    ("ParamName.modelfile", "FROM tiny\nPARAMETER bad-name 1\n"),
    (
        "ParamNoValue.modelfile",
        "FROM tiny\nPARAMETER temperature\n",
    ),
    ("NoFrom.modelfile", "# a comment\nSYSTEM hi\n"),
    (
        "Adapter.modelfile",
        "FROM tiny\nADAPTER ./missing.safetensors\n",
    ),
];

/// The argument lists of the rows, and what each message must contain.
fn rows() -> Vec<(Vec<String>, Vec<&'static str>)> {
    let long = "m".repeat(81);
    let table: Vec<(Vec<&str>, Vec<&str>)> = vec![
        // --- global options
        (
            vec!["list", "--host", "127.0.0.1:notaport"],
            vec!["invalid Ollama host `127.0.0.1:notaport`", "the port must be a number"],
        ),
        (
            vec!["list", "--host", "exa mple.com"],
            vec!["invalid Ollama host `exa mple.com`", "characters a host cannot have"],
        ),
        (
            vec!["list", "--host", "[::1"],
            vec!["invalid Ollama host `[::1`", "`[` without `]`"],
        ),
        (
            vec!["list", "-H", "NoColon"],
            vec!["header `NoColon` must look like 'Name: value'"],
        ),
        (
            vec!["list", "-H", ": value"],
            vec!["-H header has no name", "'Name: value'"],
        ),
        (
            vec!["list", "-H", "Bad Name: v"],
            vec!["invalid header name `Bad Name`"],
        ),
        (
            vec!["list", "-H", "X-Trace: a\u{1}b"],
            vec!["invalid value for header `x-trace`"],
        ),
        (
            vec!["list", "--timeout", "soon"],
            vec!["--timeout", "`soon` is not a positive number of seconds"],
        ),
        (
            vec!["list", "--timeout", "0"],
            vec!["--timeout", "`0` is not a positive number of seconds"],
        ),
        (
            vec!["list", "--timeout=-1"],
            vec!["--timeout", "`-1` is not a positive number of seconds"],
        ),
        (
            vec!["list", "--timeout", "-5"],
            vec!["--timeout", "`-5` is not a positive number of seconds"],
        ),
        (
            vec!["embed", "tiny-embed", "--dimensions", "-3", "x"],
            vec!["invalid value '-3' for '--dimensions <N>'"],
        ),
        (
            vec!["generate", "tiny", "hi", "--logprobs", "-1"],
            vec!["invalid value '-1' for '--logprobs <N>'"],
        ),
        (
            vec!["list", "--timeout", "inf"],
            vec!["--timeout", "`inf` is not a positive number of seconds"],
        ),
        (
            vec!["list", "--connect-timeout", "NaN"],
            vec!["--connect-timeout", "`NaN` is not a positive number of seconds"],
        ),
        (
            vec!["list", "--color", "sometimes"],
            vec!["'sometimes'", "--color", "[possible values: auto, always, never]"],
        ),
        (
            vec!["list", "--bogus"],
            vec!["unexpected argument '--bogus'"],
        ),
        (
            vec!["generate", "tiny", "hi", "--temperature", "1"],
            vec!["unexpected argument '--temperature'"],
        ),
        // --- generate and chat
        (
            vec!["generate", "tiny", "hi", "--keep-alive", "soon"],
            vec!["--keep-alive `soon` is not a duration", "like 5m or 1h30m"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--keep-alive", "5 minutes"],
            vec!["--keep-alive `5 minutes` is not a duration"],
        ),
        (
            vec!["generate", "tiny", "hi", "--think=maybe"],
            vec!["--think", "`maybe` is not one of true, false, low, medium, high, max"],
        ),
        (
            vec!["generate", "tiny", "hi", "-o", "temperature"],
            vec!["option `temperature` must look like KEY=VALUE"],
        ),
        (
            vec!["generate", "tiny", "hi", "-o", "temprature=0.5"],
            vec!["unknown parameter 'temprature': did you mean temperature? (valid: "],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "-o", "temperature=hot"],
            vec!["option 'temperature' must be of type float, not `hot`"],
        ),
        (
            vec!["generate", "tiny", "hi", "-o", "num_ctx=lots"],
            vec!["option 'num_ctx' must be of type integer, not `lots`"],
        ),
        (
            vec!["generate", "tiny", "hi", "-o", "use_mmap=maybe"],
            vec!["option 'use_mmap' must be of type boolean, not `maybe`"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "yaml"],
            vec!["--format `yaml` is not `json` or a JSON schema: give `json`, a JSON schema object"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "[1, 2]"],
            vec!["--format: a JSON schema must be an object"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "@missing/schema.json"],
            vec!["could not read format file `missing/schema.json`"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "@dir"],
            vec!["could not read format file `dir`"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "@empty.json"],
            vec!["format file `empty.json` is empty"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "@bad.json"],
            vec!["bad.json is not `json` or a JSON schema"],
        ),
        (
            vec!["generate", "tiny", "hi", "--format", "@array.json"],
            vec!["array.json: a JSON schema must be an object"],
        ),
        (
            vec!["generate", "tiny", "hi", "--context", "[1,"],
            vec!["--context must be a JSON array of numbers"],
        ),
        (
            vec!["generate", "tiny", "hi", "--logprobs", "21"],
            vec!["--logprobs", "21 is not in 0..=20"],
        ),
        (
            vec!["generate", "tiny", "hi", "--image", "missing/cat.png"],
            vec!["could not read image `missing/cat.png`", "No such file or directory"],
        ),
        (
            vec!["generate", "tiny", "hi", "--image", "dir"],
            vec!["could not read image `dir`", "Is a directory"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--image", "empty.png"],
            vec!["image `empty.png` is empty", "PNG, JPEG or WebP"],
        ),
        (
            vec!["generate", "tiny"],
            vec!["no prompt: give it as arguments or on stdin"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--messages", "missing/h.json"],
            vec!["could not read messages file `missing/h.json`"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--messages", "dir"],
            vec!["could not read messages file `dir`"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--messages", "empty.json"],
            vec!["messages file `empty.json` is empty"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--messages", "blank.json"],
            vec!["messages file `blank.json` is empty"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--messages", "bad.json"],
            vec!["`bad.json` is not a JSON array of messages"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--messages", "object.json"],
            vec!["`object.json` is not a JSON array of messages"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--tools", "missing/t.json"],
            vec!["could not read tools file `missing/t.json`"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--tools", "dir"],
            vec!["could not read tools file `dir`"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--tools", "empty.json"],
            vec!["tools file `empty.json` is empty"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--tools", "bad.json"],
            vec!["`bad.json` is not a JSON array of tool definitions"],
        ),
        (
            vec!["chat", "tiny", "-m", "hi", "--tools", "array.json"],
            vec!["`array.json` is not a JSON array of tool definitions"],
        ),
        (
            vec!["chat", "tiny"],
            vec!["stdin is empty: give a message with -m or on stdin"],
        ),
        // --- embed
        (
            vec!["embed", "tiny-embed", "x", "--dimensions", "many"],
            vec!["'many'", "--dimensions"],
        ),
        (
            vec!["embed", "tiny-embed", "x", "--batch-size", "0"],
            vec!["--batch-size", "0 is not in 1.."],
        ),
        (
            vec!["embed", "tiny-embed", "x", "-o", "bogus=1"],
            vec!["unknown parameter 'bogus'", "(valid: "],
        ),
        (
            vec!["embed", "tiny-embed", "x", "-o", "num_thread=some"],
            vec!["option 'num_thread' must be of type integer, not `some`"],
        ),
        (
            vec!["embed", "tiny-embed", "x", "--keep-alive", "later"],
            vec!["--keep-alive `later` is not a duration"],
        ),
        (
            vec!["embed", "tiny-embed"],
            vec!["stdin is empty: give one input per line"],
        ),
        // --- list, pull, push
        (
            vec!["list", "--sort", "colour"],
            vec!["'colour'", "--sort", "[possible values: name, size, modified]"],
        ),
        (
            vec!["pull", "tiny", "--stall-timeout", "0"],
            vec!["--stall-timeout", "`0` is not a positive number of seconds"],
        ),
        (
            vec!["pull", "tiny", "--retries=-1"],
            vec!["'-1'", "--retries"],
        ),
        (
            vec!["pull", "tiny", "--progress=loud"],
            vec!["'loud'", "--progress", "[possible values: auto, bars, plain, none]"],
        ),
        (
            vec!["push", "tiny", "--progress=loud"],
            vec!["'loud'", "--progress"],
        ),
        // --- create: the Modelfile and the flags
        (
            vec!["create", "x", "-f", "missing/Modelfile"],
            vec!["could not read `missing/Modelfile`", "No such file or directory"],
        ),
        (
            vec!["create", "x", "-f", "dir"],
            vec!["could not read `dir`", "Is a directory"],
        ),
        (
            vec!["create", "x", "-f", "Empty.modelfile"],
            vec!["Empty.modelfile: no FROM line"],
        ),
        (
            vec!["create", "x", "-f", "Unknown.modelfile"],
            vec!["Unknown.modelfile:2:1: command must be one of \"from\"", "`FORM tiny`"],
        ),
        (
            vec!["create", "x", "-f", "Glued.modelfile"],
            vec!["Glued.modelfile:1:1: command must be one of", "`FROMtiny`"],
        ),
        (
            vec!["create", "x", "-f", "NoValue.modelfile"],
            vec!["NoValue.modelfile:2:7: missing value for \"system\""],
        ),
        (
            vec!["create", "x", "-f", "NoFromValue.modelfile"],
            vec!["NoFromValue.modelfile:1:5: missing value for \"from\""],
        ),
        (
            vec!["create", "x", "-f", "Triple.modelfile"],
            vec!["Triple.modelfile:2:8: unexpected EOF: the quoted value is never closed"],
        ),
        (
            vec!["create", "x", "-f", "Quote.modelfile"],
            vec!["Quote.modelfile:2:8: unexpected EOF: the quoted value is never closed"],
        ),
        (
            vec!["create", "x", "-f", "Role.modelfile"],
            vec!["Role.modelfile:2:9: message role must be one of \"system\", \"user\", or \"assistant\""],
        ),
        (
            vec!["create", "x", "-f", "NoContent.modelfile"],
            vec!["NoContent.modelfile:2:", "missing value for \"message\""],
        ),
        (
            vec!["create", "x", "-f", "Param.modelfile"],
            vec!["Param.modelfile:2:11: unknown parameter 'temprature' (valid parameters: ", "temperature"],
        ),
        (
            vec!["create", "x", "-f", "ParamType.modelfile"],
            vec!["ParamType.modelfile:2:17: option 'top_k' must be of type integer, not `lots`"],
        ),
        (
            vec!["create", "x", "-f", "ParamBool.modelfile"],
            vec!["ParamBool.modelfile:2:20: option 'use_mmap' must be of type boolean, not `maybe`"],
        ),
        (
            vec!["create", "x", "-f", "ParamName.modelfile"],
            vec!["ParamName.modelfile:2:11: invalid parameter name 'bad-name'"],
        ),
        (
            vec!["create", "x", "-f", "ParamNoValue.modelfile"],
            vec!["ParamNoValue.modelfile:2:", "missing value for \"parameter\""],
        ),
        (
            vec!["create", "x", "-f", "NoFrom.modelfile"],
            vec!["NoFrom.modelfile: no FROM line"],
        ),
        (
            vec!["create", "x", "-f", "Adapter.modelfile"],
            vec!["ADAPTER `./missing.safetensors`: no such file or directory"],
        ),
        (
            vec!["create", "x"],
            vec!["no Modelfile and no model files in this folder", "-f FILE", "--from MODEL"],
        ),
        (
            vec!["create", "x", "--from", "./missing.gguf"],
            vec!["--from `./missing.gguf`: no such file or directory"],
        ),
        (
            vec!["create", "x", "--from", "tiny", "-p", "temperature"],
            vec!["parameter `temperature` must look like KEY=VALUE"],
        ),
        (
            vec!["create", "x", "--from", "tiny", "-p", "topk=3"],
            vec!["unknown parameter 'topk' (valid parameters: ", "top_k"],
        ),
        (
            vec!["create", "x", "--from", "tiny", "-p", "top_k=many"],
            vec!["option 'top_k' must be of type integer, not `many`"],
        ),
        // --- model names the server would refuse
        (
            vec!["generate", "bad name!", "hi"],
            vec!["invalid model name `bad name!`: a space is not allowed", "names look like"],
        ),
        (
            vec!["chat", "tiny!", "-m", "hi"],
            vec!["invalid model name `tiny!`: `!` is not allowed in the model `tiny!`"],
        ),
        (
            vec!["embed", "tiny:", "x"],
            vec!["invalid model name `tiny:`: the tag is empty"],
        ),
        (vec!["show", ""], vec!["the model name is empty"]),
        (vec!["show", "  "], vec!["the model name is empty"]),
        (
            vec!["cp", "tiny", "bad name!"],
            vec!["invalid model name `bad name!`"],
        ),
        (
            vec!["cp", "a/b/c/d", "x"],
            vec!["invalid model name `a/b/c/d`: more than three `/`-separated parts"],
        ),
        (
            vec!["rm", "tiny", "bad!"],
            vec!["invalid model name `bad!`"],
        ),
        (
            vec!["stop", "x:y:z"],
            vec!["invalid model name `x:y:z`: `:` is not allowed in the model `x:y`"],
        ),
        (
            vec!["pull", &long],
            vec!["the model is 81 characters long, more than 80"],
        ),
        (
            vec!["pull", "tiny", "also bad"],
            vec!["invalid model name `also bad`"],
        ),
        (
            vec!["push", "my.name/model"],
            vec!["`.` is not allowed in the namespace `my.name`"],
        ),
        (
            vec!["create", "bad name!", "--from", "tiny"],
            vec!["invalid model name `bad name!`"],
        ),
        (
            vec!["generate", ".hidden", "hi"],
            vec!["the model `.hidden` must start with a letter, a digit or `_`"],
        ),
    ];
    table
        .into_iter()
        .map(|(args, says)| (args.into_iter().map(String::from).collect(), says))
        .collect()
}

fn write_files(dir: &Path) {
    std::fs::create_dir(dir.join("dir")).expect("a folder");
    for (name, text) in FILES {
        std::fs::write(dir.join(name), text).expect("a file");
    }
}

#[test]
fn every_bad_input_is_status_2_and_sends_nothing() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().expect("a temporary folder");
    write_files(dir.path());
    let mut failures = Vec::new();
    for (args, says) in rows() {
        let out = Test::new()
            .server(&server)
            .current_dir(dir.path())
            .args_from(&args)
            .output();
        let stderr = stderr_of(&out);
        let stdout = stdout_of(&out);
        let mut wrong = Vec::new();
        if out.status.code() != Some(2) {
            wrong.push(format!("status {:?}", out.status.code()));
        }
        if !stdout.is_empty() {
            wrong.push("output on stdout".to_string());
        }
        // The command's own messages are one line; clap's have the same
        // prefix, then its usage and tip lines.
        let ours = stderr.starts_with("ollama-rs: error: ") && stderr.lines().count() == 1;
        let clap = stderr.starts_with("ollama-rs: error: ")
            && stderr.ends_with("For more information, try '--help'.\n");
        if !ours && !clap {
            wrong.push("not one error line".to_string());
        }
        for s in &says {
            if !stderr.contains(s) {
                wrong.push(format!("no `{s}`"));
            }
        }
        if stderr.contains("panicked") {
            wrong.push("a panic".to_string());
        }
        let sent = server.requests();
        if !sent.is_empty() {
            let paths: Vec<&str> = sent.iter().map(|r| r.path.as_str()).collect();
            wrong.push(format!("sent {paths:?}"));
            server.clear_requests();
        }
        if !wrong.is_empty() {
            failures.push(format!("{args:?}: {}\n{stderr}", wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
