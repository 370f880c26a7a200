use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;
use crate::types::test_support::*;
use crate::types::*;

#[test]
fn keep_alive_encoding() {
    let cases: Vec<(KeepAlive, &str)> = vec![
        (KeepAlive::from_secs(0.0), "0"),
        (KeepAlive::unload(), "0"),
        (KeepAlive::forever(), "-1"),
        (KeepAlive::from_secs(1.5), "1.5"),
        (KeepAlive::from_secs(-0.0), "0"),
        (KeepAlive::from(300), "300"),
        (KeepAlive::from(300_i64), "300"),
        (KeepAlive::from(2.25_f64), "2.25"),
        (KeepAlive::from(std::time::Duration::from_secs(90)), "90"),
        (
            KeepAlive::from(std::time::Duration::from_millis(1500)),
            "1.5",
        ),
        (KeepAlive::from("300"), "300"),
        (KeepAlive::from(" 2.5 "), "2.5"),
        (KeepAlive::from("-1"), "-1"),
        (KeepAlive::from("5m"), r#""5m""#),
        (KeepAlive::from("0s"), r#""0s""#),
        (KeepAlive::from("1h30m".to_string()), r#""1h30m""#),
        (KeepAlive::from("inf"), r#""inf""#),
        (KeepAlive::from("NaN"), r#""NaN""#),
    ];
    for (ka, want) in cases {
        assert_eq!(to_json(&ka), want, "{ka:?}");
    }
    assert_eq!(KeepAlive::from("300"), KeepAlive::Seconds(300.0));
    assert_eq!(
        "10m".parse::<KeepAlive>().unwrap(),
        KeepAlive::Duration("10m".into())
    );
    assert_eq!(KeepAlive::from_secs(0.0).to_string(), "0");
    assert_eq!(KeepAlive::from_secs(1.5).to_string(), "1.5");
    assert_eq!(KeepAlive::from("5m").to_string(), "5m");
}

#[test]
fn keep_alive_decoding() {
    let d = |s: &str| serde_json::from_str::<KeepAlive>(s).unwrap();
    assert_eq!(d("0"), KeepAlive::Seconds(0.0));
    assert_eq!(d("-1"), KeepAlive::Seconds(-1.0));
    assert_eq!(d("1.5"), KeepAlive::Seconds(1.5));
    assert_eq!(d(r#""5m""#), KeepAlive::Duration("5m".into()));
    // A string stays a string: the server itself decides about "300".
    assert_eq!(d(r#""300""#), KeepAlive::Duration("300".into()));
    assert!(serde_json::from_str::<KeepAlive>("true").is_err());
    let r: GenerateRequest = serde_json::from_str(r#"{"model":"m","keep_alive":null}"#).unwrap();
    assert_eq!(r.keep_alive, None);
}

#[test]
fn think_encoding() {
    assert_eq!(to_json(&Think::from(true)), "true");
    assert_eq!(to_json(&Think::from(false)), "false");
    assert_eq!(to_json(&Think::from(ThinkLevel::Low)), r#""low""#);
    assert_eq!(to_json(&Think::Level(ThinkLevel::Max)), r#""max""#);
    assert_eq!(to_json(&ThinkLevel::Medium), r#""medium""#);
    for (text, think) in [
        ("true", Think::Bool(true)),
        ("FALSE", Think::Bool(false)),
        ("low", Think::Level(ThinkLevel::Low)),
        ("Medium", Think::Level(ThinkLevel::Medium)),
        ("HIGH", Think::Level(ThinkLevel::High)),
        ("max", Think::Level(ThinkLevel::Max)),
    ] {
        assert_eq!(text.parse::<Think>().unwrap(), think);
        assert_eq!(think.to_string(), text.to_ascii_lowercase());
        let json = to_json(&think);
        assert_eq!(serde_json::from_str::<Think>(&json).unwrap(), think);
    }
    let err = "extreme".parse::<Think>().unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid think value `extreme`: expected one of true, false, low, medium, high, max"
    );
    let err = serde_json::from_str::<Think>(r#""x""#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid think value"), "{err}");
    assert!(serde_json::from_str::<Think>("1").is_err());
    let e: Error = "nope".parse::<Think>().unwrap_err().into();
    assert!(matches!(e, Error::InvalidRequest(_)));
}

#[test]
fn format_encoding() {
    assert_eq!(to_json(&Format::Json), r#""json""#);
    let schema = json!({"type":"object","properties":{"a":{"type":"integer"}}});
    assert_eq!(
        serde_json::to_value(Format::Schema(schema.clone())).unwrap(),
        schema
    );
    assert_eq!(
        serde_json::from_str::<Format>(r#""json""#).unwrap(),
        Format::Json
    );
    assert_eq!(
        serde_json::from_value::<Format>(schema.clone()).unwrap(),
        Format::Schema(schema.clone())
    );
    assert_eq!(
        serde_json::from_str::<Format>(r#""yaml""#).unwrap(),
        Format::Schema(json!("yaml"))
    );
    assert_eq!(Format::from(json!("json")), Format::Json);
    assert_eq!(Format::from(schema.clone()), Format::Schema(schema));
    assert_eq!("JSON".parse::<Format>().unwrap(), Format::Json);
    assert_eq!(
        r#"{"type":"object"}"#.parse::<Format>().unwrap(),
        Format::Schema(json!({"type":"object"}))
    );
    assert!("not json".parse::<Format>().is_err());
}

#[test]
fn message_omits_unset_fields() {
    assert_eq!(
        to_json(&Message::user("hi")),
        r#"{"role":"user","content":"hi"}"#
    );
    assert_eq!(
        to_json(&Message::assistant("")),
        r#"{"role":"assistant","content":""}"#
    );
    assert_eq!(
        to_json(&Message::tool("get_weather", "sunny").tool_call_id("call_1")),
        r#"{"role":"tool","content":"sunny","tool_name":"get_weather","tool_call_id":"call_1"}"#
    );
    let m = Message::user("look")
        .images(vec![Image::from_bytes(b"x")])
        .thinking("hmm")
        .tool_calls([ToolCall::new("f", Map::new())]);
    assert_eq!(
        to_json(&m),
        r#"{"role":"user","content":"look","thinking":"hmm","images":["eA=="],"tool_calls":[{"function":{"name":"f","arguments":{}}}]}"#
    );
    // content may be missing or null on input.
    let m: Message = serde_json::from_str(r#"{"role":"assistant"}"#).unwrap();
    assert_eq!(m, Message::assistant(""));
    let m: Message = serde_json::from_str(r#"{"role":"system","content":null}"#).unwrap();
    assert_eq!(m, Message::system(""));
}

#[test]
fn role_text() {
    for (text, role) in [
        ("system", Role::System),
        ("user", Role::User),
        ("assistant", Role::Assistant),
        ("tool", Role::Tool),
    ] {
        assert_eq!(role.to_string(), text);
        assert_eq!(text.parse::<Role>().unwrap(), role);
        assert_eq!(text.to_uppercase().parse::<Role>().unwrap(), role);
        assert_eq!(to_json(&role), format!("\"{text}\""));
    }
    assert_eq!(
        "bot".parse::<Role>().unwrap_err().to_string(),
        "invalid role `bot`: expected one of system, user, assistant, tool"
    );
}

#[test]
fn tool_encoding() {
    let t = Tool::function("f", "", json!({"type":"object"}));
    assert_eq!(
        to_json(&t),
        r#"{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}"#
    );
    let t: Tool = serde_json::from_str(r#"{"function":{"name":"g"}}"#).unwrap();
    assert_eq!(t.r#type, "function");
    assert_eq!(Tool::default().r#type, "function");
}

#[test]
fn tool_call_arguments_keep_key_order() {
    let body = r#"{"function":{"name":"f","arguments":{"zeta":1,"alpha":"two","mid":[3],"beta":{"y":1,"x":2}}}}"#;
    let call: ToolCall = serde_json::from_str(body).unwrap();
    let keys: Vec<&str> = call.function.arguments.keys().map(String::as_str).collect();
    assert_eq!(keys, ["zeta", "alpha", "mid", "beta"]);
    assert_eq!(
        call.to_string(),
        r#"f({"zeta":1,"alpha":"two","mid":[3],"beta":{"y":1,"x":2}})"#
    );
    assert_eq!(to_json(&call), body);
    // Arguments as a JSON string, or missing, are tolerated.
    let call: ToolCall =
        serde_json::from_str(r#"{"function":{"name":"f","arguments":"{\"b\":1,\"a\":2}"}}"#)
            .unwrap();
    assert_eq!(call.to_string(), r#"f({"b":1,"a":2})"#);
    let call: ToolCall = serde_json::from_str(r#"{"function":{"name":"f"}}"#).unwrap();
    assert_eq!(call.to_string(), "f({})");
    assert!(
        serde_json::from_str::<ToolCall>(r#"{"function":{"name":"f","arguments":[1]}}"#).is_err()
    );
}

const INVALID: &str =
    "invalid request: Invalid image data, expected base64 string or path to image file";

#[test]
fn image_parse_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pic.png");
    std::fs::write(&path, b"\x89PNG data").unwrap();
    let img = Image::parse(path.to_str().unwrap()).unwrap();
    assert_eq!(img, Image::from_bytes(b"\x89PNG data"));
    assert_eq!(Image::from_path(&path).unwrap(), img);
    // Any existing file, whatever its name.
    let other = dir.path().join("notes");
    std::fs::write(&other, b"abc").unwrap();
    assert_eq!(
        Image::parse(other.to_str().unwrap()).unwrap().as_base64(),
        "YWJj"
    );
}

#[test]
fn image_parse_missing_image_file() {
    for name in ["/no/such/cat.png", "dog.jpg", "x.jpeg", "y.webp", "Z.PNG"] {
        let e = Image::parse(name).unwrap_err();
        let Error::InvalidRequest(msg) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(msg, &format!("File {name} does not exist"));
    }
}

#[test]
fn image_parse_base64_and_garbage() {
    assert_eq!(Image::parse("aGVsbG8=").unwrap().as_base64(), "aGVsbG8=");
    assert_eq!(
        Image::from_base64("aGVs\nbG8=").unwrap().as_base64(),
        "aGVsbG8="
    );
    for bad in ["not base64!", "aGVsbG8", "", "/no/such/file.gif"] {
        let e = Image::parse(bad).unwrap_err();
        assert_eq!(e.to_string(), INVALID, "{bad:?}");
    }
    assert_eq!(Image::from_base64("@@@").unwrap_err().to_string(), INVALID);
    let e = Image::from_path("/no/such/file.png").unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!("aGVsbG8=".parse::<Image>().is_ok());
    // A directory is not an image file.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Image::parse(dir.path().to_str().unwrap())
            .unwrap_err()
            .to_string(),
        INVALID
    );
}

#[test]
fn metrics_rates() {
    let m = Metrics {
        eval_count: Some(10),
        eval_duration: Some(2_000_000_000),
        prompt_eval_count: Some(5),
        prompt_eval_duration: Some(0),
        ..Metrics::default()
    };
    assert_eq!(m.eval_rate(), Some(5.0));
    assert_eq!(m.prompt_eval_rate(), None);
    assert_eq!(Metrics::default().eval_rate(), None);
}
