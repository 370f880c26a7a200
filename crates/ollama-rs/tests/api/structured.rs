//! Typed structured output: the schema of a Rust type as `format`, the
//! answer read back as that type, and answers that do not fit.

use ollama_rs::schemars::JsonSchema;
use ollama_rs::{ChatRequest, Error, Format, GenerateRequest, Message};
use pretty_assertions::assert_eq;
use serde::Deserialize;
use serde_json::json;

use ollama_test_server::TestServer;

use crate::support::*;

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct City {
    name: String,
    population: u32,
    area: f64,
    capital: bool,
    kind: Kind,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
#[serde(rename_all = "lowercase")]
enum Kind {
    Town,
    Metropolis,
}

/// A nested type (the test server fills nested objects with `{}`, so it
/// is only used for the schema's shape).
#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct Mayor {
    name: String,
    city: City,
}

fn expected(text: &str) -> City {
    City {
        name: text.into(),
        population: 42,
        area: 1.5,
        capital: true,
        kind: Kind::Town,
    }
}

#[test]
fn schema_of_a_type() {
    let Format::Schema(schema) = Format::for_type::<City>() else {
        panic!("not a schema")
    };
    assert!(schema.get("$schema").is_none());
    assert!(schema.get("$defs").is_none(), "nested types are inlined");
    assert_eq!(schema["type"], "object");
    assert_eq!(
        schema["required"],
        json!(["name", "population", "area", "capital", "kind"])
    );
    assert_eq!(schema["properties"]["population"]["type"], "integer");
    assert_eq!(
        schema["properties"]["kind"]["enum"],
        json!(["town", "metropolis"])
    );
    let Format::Schema(nested) = Format::for_type::<Mayor>() else {
        panic!("not a schema")
    };
    assert!(nested.get("$defs").is_none(), "nested types are inlined");
    assert_eq!(
        nested["properties"]["city"]["properties"],
        schema["properties"]
    );
    let req = ChatRequest::new("m", []).format_for::<City>();
    assert_eq!(req.format, Some(Format::for_type::<City>()));
}

#[tokio::test]
async fn typed_answers_from_the_server() {
    let server = TestServer::start();
    let c = client(&server);
    let city: City = c
        .chat_as(ChatRequest::new("tiny", [Message::user("Paris")]))
        .await
        .unwrap();
    assert_eq!(city, expected("Paris"));
    let sent = server.requests_to("/api/chat")[0].json();
    assert_eq!(
        sent["format"],
        serde_json::to_value(Format::for_type::<City>()).unwrap()
    );
    let city: City = c
        .generate_as(GenerateRequest::new("tiny", "Lyon"))
        .await
        .unwrap();
    assert_eq!(city, expected("Lyon"));
    // The two steps by hand.
    let reply = c
        .chat(ChatRequest::new("tiny", [Message::user("Nice")]).format_for::<City>())
        .await
        .unwrap();
    assert_eq!(reply.parse::<City>().unwrap(), expected("Nice"));
}

#[tokio::test]
async fn an_answer_that_does_not_fit_keeps_its_text() {
    let server = TestServer::start();
    let c = client(&server);
    // No format: the model echoes text, which is not JSON.
    let reply = c
        .chat(ChatRequest::new("tiny", [Message::user("Paris")]))
        .await
        .unwrap();
    match reply.parse::<City>().unwrap_err() {
        Error::Structured { content, source } => {
            assert_eq!(content, "echo: Paris");
            assert!(source.is_syntax());
        }
        e => panic!("unexpected error {e:?}"),
    }
    // JSON of another shape: `{"echo": ...}` from JSON mode.
    let reply = c
        .generate(GenerateRequest::new("tiny", "Paris").format("json"))
        .await
        .unwrap();
    let e = reply.parse::<City>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "the model's answer is not the JSON the type expects"
    );
    let Error::Structured { content, source } = e else {
        panic!("unexpected error")
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&content).unwrap(),
        json!({"echo": "Paris"})
    );
    assert!(source.is_data());
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_typed_answers() {
    let server = TestServer::start();
    let c = crate::support::blocking_client(&server);
    let city: City = c
        .chat_as(ChatRequest::new("tiny", [Message::user("Oslo")]))
        .unwrap();
    assert_eq!(city, expected("Oslo"));
}
