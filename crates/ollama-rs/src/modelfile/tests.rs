use pretty_assertions::assert_eq;
use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::options::OptionError;

/// `(kind, name, args)` of every command, without positions.
fn shape(mf: &Modelfile) -> Vec<(Instruction, Option<String>, String)> {
    mf.commands
        .iter()
        .map(|c| (c.kind, c.name.clone(), c.args.clone()))
        .collect()
}

fn one(text: &str) -> Command {
    let mf = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(mf.commands.len(), 1, "{text:?}");
    mf.commands.into_iter().next().unwrap()
}

fn args(text: &str) -> String {
    one(text).args
}

fn err(text: &str) -> ParseError {
    parse(text).expect_err(text)
}

// ---------------------------------------------------------------- grammar

#[test]
fn every_instruction() {
    let text = "FROM llama3.2\n\
                PARAMETER temperature 0.7\n\
                TEMPLATE {{ .Prompt }}\n\
                SYSTEM You are terse.\n\
                ADAPTER ./lora.gguf\n\
                LICENSE MIT\n\
                MESSAGE user hello there\n\
                REQUIRES v0.14.0\n\
                RENDERER qwen3\n\
                PARSER qwen3\n\
                DRAFT tiny-draft\n";
    let mf = parse(text).unwrap();
    let s = |v: &str| v.to_string();
    assert_eq!(
        shape(&mf),
        vec![
            (Instruction::From, None, s("llama3.2")),
            (Instruction::Parameter, Some(s("temperature")), s("0.7")),
            (Instruction::Template, None, s("{{ .Prompt }}")),
            (Instruction::System, None, s("You are terse.")),
            (Instruction::Adapter, None, s("./lora.gguf")),
            (Instruction::License, None, s("MIT")),
            (Instruction::Message, Some(s("user")), s("hello there")),
            (Instruction::Requires, None, s("v0.14.0")),
            (Instruction::Renderer, None, s("qwen3")),
            (Instruction::Parser, None, s("qwen3")),
            (Instruction::Draft, None, s("tiny-draft")),
        ]
    );
    for (i, c) in mf.commands.iter().enumerate() {
        assert_eq!((c.line, c.column), (i + 1, 1));
    }
}

#[test]
fn instruction_names_and_keywords() {
    assert_eq!(Instruction::ALL.len(), 11);
    for i in Instruction::ALL {
        assert_eq!(i.to_string(), i.keyword());
        assert_eq!(i.keyword().to_ascii_lowercase(), i.name());
        assert_eq!(i.name().parse::<Instruction>(), Ok(i));
        assert_eq!(i.keyword().parse::<Instruction>(), Ok(i));
    }
    assert!("FORM".parse::<Instruction>().is_err());
}

#[test]
fn instructions_ignore_case() {
    for text in ["from x", "FROM x", "From x", "fRoM x"] {
        assert_eq!(one(text).kind, Instruction::From);
    }
    assert_eq!(one("parameter temperature 1").kind, Instruction::Parameter);
    assert_eq!(one("mEsSaGe assistant ok").kind, Instruction::Message);
}

#[test]
fn comments_and_blank_lines_are_skipped() {
    let mf =
        parse("# top\n\n   # indented\n\t#tab\nFROM x # not a comment\n  \n#FROM y\n").unwrap();
    assert_eq!(mf.commands.len(), 1);
    assert_eq!(mf.commands[0].args, "x # not a comment");
    assert_eq!(mf.commands[0].line, 5);
}

#[test]
fn leading_blanks_and_separators() {
    let c = one("  \tFROM\t x");
    assert_eq!((c.line, c.column, c.args.as_str()), (1, 4, "x"));
    assert_eq!(args("FROM\tx"), "x");
    assert_eq!(args("PARAMETER\tseed\t\t42"), "42");
    assert_eq!(args("MESSAGE   user    hi"), "hi");
}

#[test]
fn values_are_trimmed_inner_spaces_kept() {
    assert_eq!(args("SYSTEM   a  b\t c   \t"), "a  b\t c");
}

#[test]
fn quoted_values() {
    // Outer quotes removed, inner text kept as is.
    assert_eq!(args(r#"SYSTEM "  padded  ""#), "  padded  ");
    assert_eq!(args(r#"SYSTEM "a "b" c""#), r#"a "b" c"#);
    assert_eq!(args(r#"SYSTEM """say "hi" now""""#), r#"say "hi" now"#);
    // No escapes; single quotes are ordinary characters.
    assert_eq!(args(r#"SYSTEM "back\slash\""#), r"back\slash\");
    assert_eq!(args("SYSTEM 'single'"), "'single'");
    // Empty values.
    assert_eq!(args(r#"SYSTEM """#), "");
    assert_eq!(args(r#"SYSTEM """""""#), "");
    // Blanks after the closing quote are dropped.
    assert_eq!(args("SYSTEM \"x\"   \t"), "x");
    // A quote inside an unquoted value is literal.
    assert_eq!(args(r#"SYSTEM say "hi""#), r#"say "hi""#);
    // Four quotes: `"""` then `"`, still open; closed by the next line.
    assert_eq!(args("SYSTEM \"\"\"\"\nx\"\"\""), "\"\nx");
    // The last three quotes close a triple-quoted value.
    assert_eq!(args("SYSTEM \"\"\"a\"\"\"\"\""), "a\"\"");
}

#[test]
fn multi_line_values() {
    let c = one("TEMPLATE \"\"\"\n{{ .System }}\n# not a comment\n\n  indented\n\"\"\"");
    assert_eq!(c.args, "\n{{ .System }}\n# not a comment\n\n  indented\n");
    let c = one("SYSTEM \"line one\nline two\"");
    assert_eq!(c.args, "line one\nline two");
    // A value ends at the first line that closes it, even with text before
    // the quote on that line.
    let mf = parse("SYSTEM \"a\" b\nc\"\nFROM x\n").unwrap();
    assert_eq!(mf.commands[0].args, "a\" b\nc");
    assert_eq!(
        (mf.commands[1].line, mf.commands[1].args.as_str()),
        (3, "x")
    );
    // Blank lines inside a value are kept.
    assert_eq!(args("SYSTEM \"a\n\n\n b\""), "a\n\n\n b");
    // `"""` on its own line opens a value, it does not close it.
    assert_eq!(args("SYSTEM \"\"\"\n\"\"\""), "\n");
}

#[test]
fn parameter_and_message_values_can_be_quoted() {
    let c = one("PARAMETER stop \"<|im_end|> \"");
    assert_eq!(
        (c.name.as_deref(), c.args.as_str()),
        (Some("stop"), "<|im_end|> ")
    );
    let c = one("MESSAGE assistant \"\"\"two\nlines\"\"\"");
    assert_eq!(
        (c.name.as_deref(), c.args.as_str()),
        (Some("assistant"), "two\nlines")
    );
}

#[test]
fn bom_crlf_and_a_lone_cr() {
    let s = |v: &str| v.to_string();
    // A lone CR ends a line too, as for the official parser.
    for text in [
        "\u{feff}FROM x\r\nSYSTEM \"\"\"a\r\nb\"\"\"\r\nPARAMETER seed 1\r\n",
        "FROM x\rSYSTEM \"\"\"a\rb\"\"\"\r\rPARAMETER seed 1",
    ] {
        let mf = parse(text).unwrap();
        assert_eq!(
            shape(&mf),
            vec![
                (Instruction::From, None, s("x")),
                (Instruction::System, None, s("a\nb")),
                (Instruction::Parameter, Some(s("seed")), s("1")),
            ],
            "{text:?}"
        );
        assert_eq!(mf.commands[0].column, 1);
    }
    // A BOM anywhere else is not skipped.
    assert_eq!(
        err("FROM x\n\u{feff}FROM y").kind,
        ParseErrorKind::UnknownInstruction
    );
    // Line numbers count a lone CR as a line break, and CRLF as one.
    let e = err("FROM x\r\nFROM y\rBOGUS z");
    assert_eq!((e.line, e.kind), (3, ParseErrorKind::UnknownInstruction));
    assert_eq!(e.snippet, "BOGUS z");
    // A value that holds a CR cannot be written so that it reads back.
    assert!(Modelfile {
        commands: vec![Command::new(Instruction::System, "a\rb")]
    }
    .write()
    .is_err());
}

#[test]
fn empty_and_comment_only_files_parse_but_lack_from() {
    for text in ["", "\n\n", "# only a comment\n", "\u{feff}"] {
        let mf = parse(text).unwrap();
        assert!(mf.commands.is_empty());
        let e = mf.require_from().unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::NoFrom);
        assert_eq!(e.to_string(), "no FROM line");
        assert_eq!(e.with_path("Modelfile"), "Modelfile: no FROM line");
    }
    assert!(parse("SYSTEM hi").unwrap().require_from().is_err());
    assert!(parse("SYSTEM hi\nfrom x").unwrap().require_from().is_ok());
}

// ---------------------------------------------------------------- errors

fn at(e: &ParseError) -> (usize, usize) {
    (e.line, e.column)
}

#[test]
fn unknown_instruction() {
    let e = err("FROM tiny\n\n  FORM tiny\n");
    assert_eq!(
        (at(&e), &e.kind),
        ((3, 3), &ParseErrorKind::UnknownInstruction)
    );
    assert_eq!(e.snippet, "  FORM tiny");
    assert_eq!(
        err("# c\nSYSTEM hi\nFORM tiny").to_string(),
        "line 3, column 1: command must be one of \"from\", \"license\", \"template\", \
         \"system\", \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \
         \"message\", or \"requires\": `FORM tiny`"
    );
    assert!(err("FORM tiny")
        .with_path("dir/Modelfile")
        .starts_with("dir/Modelfile:1:1: command must be one of"));
    // The word must be letters followed by a blank.
    for text in [
        "FROM:tiny",
        "FROM\"x\"",
        "FROM2 x",
        "123 x",
        "\"FROM\" x",
        "-",
        "FROM\u{3000}x",
    ] {
        let e = err(text);
        assert_eq!(
            (at(&e), &e.kind),
            ((1, 1), &ParseErrorKind::UnknownInstruction),
            "{text:?}"
        );
    }
    // Columns count characters, not bytes.
    let e = err("SYSTEM é\n\t  é x");
    assert_eq!(at(&e), (2, 4));
}

#[test]
fn missing_value() {
    let cases = [
        ("FROM", (1, 5), Instruction::From),
        ("FROM   \t ", (1, 5), Instruction::From),
        ("# c\n  system", (2, 9), Instruction::System),
        ("PARAMETER", (1, 10), Instruction::Parameter),
        ("PARAMETER   ", (1, 10), Instruction::Parameter),
        ("PARAMETER seed", (1, 15), Instruction::Parameter),
        ("PARAMETER seed  ", (1, 15), Instruction::Parameter),
        ("MESSAGE user", (1, 13), Instruction::Message),
        ("MESSAGE", (1, 8), Instruction::Message),
    ];
    for (text, pos, kind) in cases {
        let e = err(text);
        assert_eq!(
            (at(&e), &e.kind),
            (pos, &ParseErrorKind::MissingValue(kind)),
            "{text:?}"
        );
    }
    assert_eq!(
        err("FROM").to_string(),
        "line 1, column 5: missing value for \"from\": `FROM`"
    );
}

#[test]
fn unterminated_quote() {
    let e = err("FROM x\nSYSTEM \"\"\"never\nclosed\"\n\n");
    assert_eq!(
        (at(&e), &e.kind),
        ((2, 8), &ParseErrorKind::UnterminatedQuote)
    );
    assert_eq!(e.snippet, "SYSTEM \"\"\"never");
    assert!(e.to_string().contains("unexpected EOF"));
    let e = err("MESSAGE user  \"open");
    assert_eq!(
        (at(&e), &e.kind),
        ((1, 15), &ParseErrorKind::UnterminatedQuote)
    );
    assert_eq!(err("SYSTEM \"").kind, ParseErrorKind::UnterminatedQuote);
    assert_eq!(err("SYSTEM \"\"\"").kind, ParseErrorKind::UnterminatedQuote);
    assert_eq!(
        err("SYSTEM \"\"\"\"\"").kind,
        ParseErrorKind::UnterminatedQuote
    );
    assert_eq!(
        err("SYSTEM \"a\" b").kind,
        ParseErrorKind::UnterminatedQuote
    );
}

#[test]
fn bad_parameter_name() {
    let e = err("FROM x\nPARAMETER tem-p 1");
    assert_eq!(
        (at(&e), &e.kind),
        ((2, 11), &ParseErrorKind::BadParameterName("tem-p".into()))
    );
    assert_eq!(
        err("PARAMETER é 1").kind,
        ParseErrorKind::BadParameterName("é".into())
    );
}

#[test]
fn bad_role() {
    for role in ["tool", "User", "SYSTEM", "assistant:"] {
        let e = err(&format!("MESSAGE  {role} hi"));
        assert_eq!(
            (at(&e), &e.kind),
            ((1, 10), &ParseErrorKind::BadRole(role.into()))
        );
        assert!(e
            .to_string()
            .contains("message role must be one of \"system\", \"user\", or \"assistant\""));
    }
}

#[test]
fn unknown_parameter_names_the_key_and_the_valid_ones() {
    let e = err("FROM x\nPARAMETER  tempreature 0.5");
    assert_eq!(at(&e), (2, 12));
    let ParseErrorKind::UnknownParameter { name, valid } = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(name, "tempreature");
    assert!(valid.contains(&"temperature") && valid.contains(&"stop"));
    assert!(
        !valid.contains(&"mirostat"),
        "deprecated keys are not suggested"
    );
    let msg = e.to_string();
    assert!(msg.starts_with("line 2, column 12: unknown parameter 'tempreature' (valid parameters: num_ctx, num_batch,"), "{msg}");
    // Keys are case-sensitive, as in the option table.
    assert!(matches!(
        err("PARAMETER Temperature 1").kind,
        ParseErrorKind::UnknownParameter { .. }
    ));
}

#[test]
fn bad_parameter_value() {
    let e = err("PARAMETER temperature   hot");
    assert_eq!(at(&e), (1, 25));
    assert_eq!(
        e.kind,
        ParseErrorKind::BadParameterValue(OptionError::BadValue {
            name: "temperature".into(),
            kind: "float",
            value: "hot".into()
        })
    );
    assert_eq!(
        e.to_string(),
        "line 1, column 25: option 'temperature' must be of type float, not `hot`: `PARAMETER temperature   hot`"
    );
    assert!(std::error::Error::source(&e).is_some());
    assert!(matches!(
        err("PARAMETER use_mmap maybe").kind,
        ParseErrorKind::BadParameterValue(_)
    ));
    assert!(matches!(
        err("PARAMETER num_ctx \"\"").kind,
        ParseErrorKind::BadParameterValue(_)
    ));
}

#[test]
fn first_error_wins() {
    let e = err("FROM x\nBAD\nPARAMETER nope 1");
    assert_eq!(e.line, 2);
}

// ---------------------------------------------------------------- parts

#[test]
fn typed_parameters() {
    let mf = parse(
        "FROM x\n\
         PARAMETER num_ctx 4096\n\
         PARAMETER temperature 0.7\n\
         PARAMETER use_mmap false\n\
         PARAMETER stop <|a|>\n\
         PARAMETER top_k 3.9\n\
         PARAMETER stop \"\"\"<|b|>\"\"\"\n\
         PARAMETER num_ctx 2048\n\
         PARAMETER seed -1\n",
    )
    .unwrap();
    let p = mf.to_parts();
    assert_eq!(
        serde_json::Value::Object(p.parameters.clone()),
        json!({"num_ctx":2048,"temperature":0.7,"use_mmap":false,"stop":["<|a|>","<|b|>"],"top_k":3,"seed":-1})
    );
    let keys: Vec<&str> = p.parameters.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "num_ctx",
            "temperature",
            "use_mmap",
            "stop",
            "top_k",
            "seed"
        ]
    );
    assert!(p.warnings.is_empty());
}

#[test]
fn deprecated_parameters_become_warnings() {
    let mf = parse(
        "FROM x\nPARAMETER mirostat 2\nPARAMETER penalize_newline not-a-bool\nPARAMETER seed 3\n",
    )
    .unwrap();
    let p = mf.to_parts();
    assert_eq!(serde_json::Value::Object(p.parameters), json!({"seed":3}));
    assert_eq!(
        p.warnings,
        [
            "line 2: parameter 'mirostat' is deprecated and ignored by current servers; skipped",
            "line 3: parameter 'penalize_newline' is deprecated and ignored by current servers; skipped",
        ]
    );
}

#[test]
fn hand_built_invalid_parameters_are_skipped_with_a_warning() {
    let mf = Modelfile {
        commands: vec![
            Command::parameter("nope", "1"),
            Command::parameter("seed", "x"),
        ],
    };
    let p = mf.to_parts();
    assert!(p.parameters.is_empty());
    assert_eq!(p.warnings.len(), 2);
    assert!(p.warnings[0].starts_with("unknown parameter 'nope'"));
    assert_eq!(
        p.warnings[1],
        "option 'seed' must be of type integer, not `x`; parameter skipped"
    );
}

#[test]
fn parts_of_every_instruction() {
    let mf = parse(
        "FROM first\nFROM ./model.gguf\nADAPTER a.gguf\nADAPTER b.gguf\n\
         TEMPLATE t1\nTEMPLATE t2\nSYSTEM s1\nSYSTEM s2\nLICENSE MIT\nLICENSE \"\"\"Apache\n2.0\"\"\"\n\
         MESSAGE system be nice\nMESSAGE user hi\nMESSAGE assistant hello\n\
         REQUIRES v0.14.0\nRENDERER r\nPARSER p\nDRAFT d\n",
    )
    .unwrap();
    let p = mf.to_parts();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(p.from, s("./model.gguf"));
    assert_eq!(p.adapter, s("b.gguf"));
    assert_eq!(p.template, s("t2"));
    assert_eq!(p.system, s("s2"));
    assert_eq!(p.license, ["MIT", "Apache\n2.0"]);
    assert_eq!(
        p.messages,
        [
            ("system".to_string(), "be nice".to_string()),
            ("user".into(), "hi".into()),
            ("assistant".into(), "hello".into())
        ]
    );
    assert_eq!(p.requires, s("0.14.0"));
    assert_eq!((p.renderer, p.parser, p.draft), (s("r"), s("p"), s("d")));
    assert!(p.parameters.is_empty() && p.warnings.is_empty());
    assert_eq!(
        parse("REQUIRES 0.14.0").unwrap().to_parts().requires,
        s("0.14.0")
    );
    assert_eq!(ModelfileParts::default(), parse("").unwrap().to_parts());
}

// ---------------------------------------------------------------- captures

/// The `modelfile` of `ollama show tiny` (captures 07 and 85), as JSON.
const SHOW_MODELFILE_JSON: &str = r##""# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM tiny:latest\n\nFROM /home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\nTEMPLATE \"{{- range .Messages }}\u003c|im_start|\u003e{{ .Role }}\n{{ .Content }}\u003c|im_end|\u003e\n{{ end }}\u003c|im_start|\u003eassistant\n\"\nPARAMETER stop \u003c|im_start|\u003e\nPARAMETER stop \u003c|im_end|\u003e\n""##;

#[test]
fn capture_85_show_modelfile() {
    let text: String = serde_json::from_str(SHOW_MODELFILE_JSON).unwrap();
    let mf = parse(&text).unwrap();
    mf.require_from().unwrap();
    let p = mf.to_parts();
    assert_eq!(
        p.from.as_deref(),
        Some("/home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998")
    );
    // The template field of the same show response.
    assert_eq!(
        p.template.as_deref(),
        Some("{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n")
    );
    assert_eq!(
        serde_json::Value::Object(p.parameters),
        json!({"stop":["<|im_start|>","<|im_end|>"]})
    );
    assert_eq!(
        (
            mf.commands[0].line,
            mf.commands[1].line,
            mf.commands[2].line
        ),
        (5, 6, 10)
    );
    // Written back, it is the server's text without the comment header.
    let body = text.split_once("\n\n").unwrap().1;
    assert_eq!(mf.write().unwrap(), body);
    assert_eq!(mf.to_string(), body);
}

#[test]
fn capture_88_create_modelfile() {
    let mf = parse("FROM tiny\nPARAMETER num_predict 8\n").unwrap();
    let p = mf.to_parts();
    assert_eq!(p.from.as_deref(), Some("tiny"));
    assert_eq!(
        serde_json::Value::Object(p.parameters),
        json!({"num_predict":8})
    );
}

#[test]
fn capture_62_fields_from_a_modelfile() {
    let text = "FROM ./tiny.gguf\n\
        TEMPLATE \"\"\"{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n\"\"\"\n\
        SYSTEM You are a tiny test model.\n\
        PARAMETER temperature 0.5\nPARAMETER num_predict 8\nPARAMETER stop <|im_end|>\nPARAMETER seed 1\n\
        LICENSE Test licence text.\n\
        MESSAGE user hello\nMESSAGE assistant hi there\n";
    let p = parse(text).unwrap().to_parts();
    let request = json!({
        "template":"{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n",
        "system":"You are a tiny test model.",
        "parameters":{"temperature":0.5,"num_predict":8,"stop":["<|im_end|>"],"seed":1},
        "messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi there"}]
    });
    assert_eq!(json!(p.template), request["template"]);
    assert_eq!(json!(p.system), request["system"]);
    assert_eq!(
        serde_json::to_string(&p.parameters).unwrap(),
        serde_json::to_string(&request["parameters"]).unwrap()
    );
    let messages: Vec<_> = p
        .messages
        .iter()
        .map(|(r, c)| json!({"role":r,"content":c}))
        .collect();
    assert_eq!(json!(messages), request["messages"]);
    assert_eq!(p.license, ["Test licence text."]);
}

// ---------------------------------------------------------------- writer

fn written(c: Command) -> String {
    Modelfile { commands: vec![c] }.write().unwrap()
}

#[test]
fn writer_quoting() {
    use Instruction::*;
    assert_eq!(written(Command::new(From, "llama3.2")), "FROM llama3.2\n");
    assert_eq!(
        written(Command::new(System, "say \"hi\"")),
        "SYSTEM say \"hi\"\n"
    );
    assert_eq!(written(Command::new(System, "a\nb")), "SYSTEM \"a\nb\"\n");
    assert_eq!(written(Command::new(System, " lead")), "SYSTEM \" lead\"\n");
    assert_eq!(
        written(Command::new(System, "trail\t")),
        "SYSTEM \"trail\t\"\n"
    );
    assert_eq!(
        written(Command::new(System, "x \"q\"\ny")),
        "SYSTEM \"\"\"x \"q\"\ny\"\"\"\n"
    );
    assert_eq!(
        written(Command::new(System, "\"quoted\"")),
        "SYSTEM \"\"\"\"quoted\"\"\"\"\n"
    );
    assert_eq!(written(Command::new(System, "")), "SYSTEM \"\"\n");
    assert_eq!(
        written(Command::parameter("stop", "<|end|>")),
        "PARAMETER stop <|end|>\n"
    );
    assert_eq!(
        written(Command::parameter("stop", "\n")),
        "PARAMETER stop \"\n\"\n"
    );
    assert_eq!(
        written(Command::message("user", "hi there")),
        "MESSAGE user hi there\n"
    );
    // One-line values with a quote always fit in `"""…"""`, whatever their
    // ends look like.
    assert_eq!(written(Command::new(System, "a\"")), "SYSTEM a\"\n");
    for v in ["\"", "\"\"", "\"a", "\"\"\"", "x\"\"\" ", " \"\"\"\"x"] {
        let text = written(Command::new(System, v));
        assert_eq!(text, format!("SYSTEM \"\"\"{v}\"\"\"\n"));
        assert_eq!(args(&text), v);
    }
}

#[test]
fn values_that_cannot_round_trip() {
    use Instruction::*;
    // One inner line ends in `"`, another in `"""`: both quotings close early.
    let bad = Modelfile {
        commands: vec![
            Command::new(From, "x"),
            Command::new(System, "a\"\nb\"\"\"\nc"),
        ],
    };
    let e = bad.write().unwrap_err();
    assert_eq!((e.index, e.kind), (1, System));
    assert!(e
        .to_string()
        .starts_with("cannot write command 2 (SYSTEM) so that it reads back unchanged"));
    // Display still writes it, with the preferred quoting.
    assert_eq!(
        bad.to_string(),
        "FROM x\nSYSTEM \"\"\"a\"\nb\"\"\"\nc\"\"\"\n"
    );
    // A CR before a line break is read as part of a CRLF ending.
    assert!(Modelfile {
        commands: vec![Command::new(System, "a\r\nb")]
    }
    .write()
    .is_err());
    // Names that do not parse, or that are missing or misplaced.
    for c in [
        Command::parameter("no such", "1"),
        Command::parameter("temperature", "hot"),
        Command::message("tool", "x"),
        Command {
            name: None,
            ..Command::parameter("seed", "1")
        },
        Command {
            name: Some("x".into()),
            ..Command::new(From, "y")
        },
    ] {
        assert!(
            Modelfile {
                commands: vec![c.clone()]
            }
            .write()
            .is_err(),
            "{c:?}"
        );
    }
}

// ---------------------------------------------------------------- properties

fn value_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => Just("a".to_string()),
            2 => Just(" ".to_string()),
            2 => Just("\"".to_string()),
            2 => Just("\n".to_string()),
            1 => Just("\t".to_string()),
            1 => Just("#".to_string()),
            1 => Just("é".to_string()),
            1 => Just("\r".to_string()),
            1 => Just("FROM ".to_string()),
            1 => "[ -~]{1,4}",
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

fn command_strategy() -> impl Strategy<Value = Command> {
    let plain = prop_oneof![
        Just(Instruction::From),
        Just(Instruction::Template),
        Just(Instruction::System),
        Just(Instruction::Adapter),
        Just(Instruction::License),
        Just(Instruction::Requires),
        Just(Instruction::Renderer),
        Just(Instruction::Parser),
        Just(Instruction::Draft),
    ];
    prop_oneof![
        (plain, value_strategy()).prop_map(|(k, v)| Command::new(k, v)),
        (
            prop::sample::select(MESSAGE_ROLES.to_vec()),
            value_strategy()
        )
            .prop_map(|(r, v)| Command::message(r, v)),
        value_strategy().prop_map(|v| Command::parameter("stop", v)),
        any::<i64>().prop_map(|n| Command::parameter("num_ctx", n.to_string())),
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Command::parameter("temperature", f.to_string())),
        any::<bool>().prop_map(|b| Command::parameter("use_mmap", b.to_string())),
        Just(Command::parameter("mirostat", "1")),
    ]
}

/// Whether a value is free of the sequences no quoting can carry.
fn simple(v: &str) -> bool {
    !v.contains('\r') && !v.contains("\"\"\"")
}

proptest! {
    #[test]
    fn written_modelfiles_parse_back(commands in prop::collection::vec(command_strategy(), 0..8)) {
        let mf = Modelfile { commands };
        match mf.write() {
            Ok(text) => {
                prop_assert_eq!(&text, &mf.to_string());
                let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(shape(&back), shape(&mf));
            }
            Err(e) => {
                let c = &mf.commands[e.index];
                prop_assert!(!simple(&c.args), "{:?} refused: {}", c, e);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        let _ = parse(&text);
    }

    #[test]
    fn modelfile_like_text_never_panics(parts in prop::collection::vec(prop_oneof![
        Just("FROM "), Just("PARAMETER "), Just("MESSAGE "), Just("user "), Just("stop "),
        Just("seed "), Just("\""), Just("\"\"\""), Just("\n"), Just("\r\n"), Just("\r"),
        Just("#"), Just(" "), Just("\t"), Just("x"), Just("é"), Just("\u{feff}"), Just("1"),
    ], 0..40)) {
        let text = parts.concat();
        if let Ok(mf) = parse(&text) {
            let _ = mf.to_parts();
            let _ = mf.to_string();
        }
    }
}

// ---------------------------------------------------------------- paths
