use pretty_assertions::assert_eq;
use serde_json::json;

use crate::types::test_support::to_json;
use crate::*;

#[test]
fn format_from_text() {
    assert_eq!(Format::from("json"), Format::Json);
    assert_eq!(Format::from(" JSON "), Format::Json);
    assert_eq!(
        Format::from(String::from(r#"{"type":"object"}"#)),
        Format::Schema(json!({"type": "object"}))
    );
    // Not JSON: sent as a string, for the server to refuse, as Python does.
    assert_eq!(Format::from("xml"), Format::Schema(json!("xml")));
    assert_eq!(to_json(&Format::from("xml")), r#""xml""#);
    assert_eq!(to_json(&Format::from("")), r#""""#);
    let req = GenerateRequest::new("m", "p").format("json");
    assert_eq!(req.format, Some(Format::Json));
}

#[test]
fn think_from_text() {
    assert_eq!(Think::from("high"), Think::Level(ThinkLevel::High));
    assert_eq!(Think::from("Low"), Think::Level(ThinkLevel::Low));
    assert_eq!(Think::from("medium"), Think::Level(ThinkLevel::Medium));
    assert_eq!(Think::from("max"), Think::Level(ThinkLevel::Max));
    assert_eq!(Think::from("true"), Think::Bool(true));
    assert_eq!(Think::from(String::from("false")), Think::Bool(false));
    let req = ChatRequest::new("m", []).think("high");
    assert_eq!(
        to_json(&req),
        r#"{"model":"m","messages":[],"think":"high"}"#
    );
}

#[test]
#[should_panic(expected = "invalid think value `hard`")]
fn think_from_unknown_text_panics() {
    let _ = Think::from("hard");
}

#[test]
fn embed_input_from_collections() {
    let many = EmbedInput::Many(vec!["a".into(), "b".into()]);
    let owned = vec!["a".to_string(), "b".to_string()];
    assert_eq!(EmbedInput::from(["a", "b"]), many);
    assert_eq!(EmbedInput::from(&["a", "b"]), many);
    assert_eq!(EmbedInput::from(vec!["a", "b"]), many);
    assert_eq!(EmbedInput::from(&owned), many);
    assert_eq!(EmbedInput::from(&owned[..]), many);
    assert_eq!(EmbedInput::from(owned.clone()), many);
    assert_eq!(
        owned.iter().map(String::as_str).collect::<EmbedInput>(),
        many
    );
    assert_eq!(EmbedInput::many(["a", "b"]), many);
    assert_eq!(
        EmbedInput::many(["only"]),
        EmbedInput::Many(vec!["only".into()])
    );
    assert_eq!(EmbedInput::from(&owned[0]), EmbedInput::Single("a".into()));
    assert_eq!(
        to_json(&EmbedRequest::new("m", ["a", "b"])),
        r#"{"model":"m","input":["a","b"]}"#
    );
}

#[test]
fn image_from_bytes() {
    let bytes = b"\x89PNG".to_vec();
    let expected = Image::from_bytes(&bytes);
    assert_eq!(Image::from(bytes.clone()), expected);
    assert_eq!(Image::from(&bytes), expected);
    assert_eq!(Image::from(&bytes[..]), expected);
    assert_eq!(Image::from(b"\x89PNG"), expected);
    let m = Message::user("x").images([bytes.clone()]);
    assert_eq!(m.images, Some(vec![expected.clone()]));
    let m = Message::user("x").images([expected.clone()]);
    assert_eq!(m.images, Some(vec![expected.clone()]));
    let g = GenerateRequest::new("m", "p").images([&bytes[..]]);
    assert_eq!(g.images, Some(vec![expected]));
}

#[test]
fn any_role_round_trips() {
    let m: Message = serde_json::from_value(json!({"role": "developer", "content": "x"})).unwrap();
    assert_eq!(m.role, Role::Other("developer".into()));
    assert_eq!(to_json(&m), r#"{"role":"developer","content":"x"}"#);
    // Known words keep their variants; case is kept for the others.
    for (text, role) in [
        ("system", Role::System),
        ("user", Role::User),
        ("assistant", Role::Assistant),
        ("tool", Role::Tool),
        ("User", Role::Other("User".into())),
    ] {
        let m: Message = serde_json::from_value(json!({"role": text})).unwrap();
        assert_eq!(m.role, role);
        assert_eq!(Role::from(text), role);
        assert_eq!(Role::from(text.to_string()), role);
        assert_eq!(to_json(&role), format!("\"{text}\""));
        assert_eq!(role.as_str(), text);
    }
    // Typed text stays strict.
    assert!("developer".parse::<Role>().is_err());
    assert!(serde_json::from_value::<Message>(json!({"role": 1})).is_err());
}
