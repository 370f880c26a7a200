use pretty_assertions::assert_eq;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::*;

fn args(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn call(name: &str, arguments: Value) -> ToolCall {
    ToolCall::new(name, args(arguments))
}

#[derive(Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct Add {
    /// The first term.
    a: i64,
    /// The second term.
    b: i64,
}

#[test]
fn parse_args_reads_the_type() {
    let add: Add = call("add", json!({"a": 1, "b": 2})).parse_args().unwrap();
    assert_eq!(add, Add { a: 1, b: 2 });
    // A tool without parameters takes `()`, from `{}`.
    call("now", json!({})).parse_args::<()>().unwrap();
    // Or the map as it is.
    let raw: Map<String, Value> = call("x", json!({"k": [1]})).parse_args().unwrap();
    assert_eq!(Value::Object(raw), json!({"k": [1]}));
}

#[test]
fn parse_args_error_names_the_tool_and_quotes_the_arguments() {
    let err = call("add", json!({"a": 1, "b": "two"}))
        .parse_args::<Add>()
        .unwrap_err();
    let ToolError::InvalidArguments {
        name,
        arguments,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(name, "add");
    assert_eq!(arguments, r#"{"a":1,"b":"two"}"#);
    assert!(message.contains("invalid type"), "{message}");
    assert_eq!(
        err.to_string(),
        format!(r#"invalid arguments for tool "add": {message}; arguments: {{"a":1,"b":"two"}}"#)
    );
    assert_eq!(err.tool_name(), "add");

    let err = call("add", json!({"a": 1}))
        .parse_args::<Add>()
        .unwrap_err();
    assert!(err.to_string().contains("missing field `b`"), "{err}");
    assert!(err.to_string().ends_with(r#"arguments: {"a":1}"#), "{err}");
    // `{}` is not `()` for a type with fields.
    let err = call("add", json!({})).parse_args::<Add>().unwrap_err();
    assert!(err.to_string().ends_with("arguments: {}"), "{err}");
}

#[test]
fn tool_result_fills_in_name_and_id() {
    let mut c = call("get_weather", json!({"city": "Paris"}));
    assert_eq!(
        serde_json::to_value(Message::tool_result(&c, "sunny")).unwrap(),
        json!({"role": "tool", "content": "sunny", "tool_name": "get_weather"})
    );
    c.id = Some("call_abc12345".into());
    assert_eq!(
        serde_json::to_value(Message::tool_result(&c, "sunny")).unwrap(),
        json!({"role": "tool", "content": "sunny", "tool_name": "get_weather", "tool_call_id": "call_abc12345"})
    );
}

#[test]
fn error_texts() {
    assert_eq!(
        ToolError::unknown("nope").to_string(),
        r#"no tool named "nope""#
    );
    assert_eq!(
        ToolError::failed("f", "disk on fire").to_string(),
        r#"tool "f" failed: disk on fire"#
    );
}

#[test]
fn object_schema_shapes() {
    assert_eq!(
        object_schema(json!({"$schema": "x", "title": "T", "type": "null"})),
        json!({"type": "object", "properties": {}, "required": []})
    );
    assert_eq!(
        object_schema(json!({"title": "T", "type": "object", "description": "d", "$defs": {}})),
        json!({"type": "object", "properties": {}, "required": [], "$defs": {}})
    );
    // Not an object: left as it is, less the noise.
    assert_eq!(
        object_schema(json!({"title": "T", "type": "string"})),
        json!({"type": "string"})
    );
    assert_eq!(
        object_schema(json!({"anyOf": [{"type": "string"}]})),
        json!({"anyOf": [{"type": "string"}]})
    );
}

#[cfg(feature = "schema")]
mod schema {
    use super::*;
    use pretty_assertions::assert_eq;

    #[derive(Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    enum Unit {
        #[serde(rename = "C")]
        Celsius,
        #[serde(rename = "F")]
        Fahrenheit,
    }

    #[derive(Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Place {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    }

    /// Not in the schema: the tool has its own description.
    #[derive(Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Weather {
        /// The city.
        city: String,
        /// Days ahead.
        days: Option<u32>,
        /// The unit.
        unit: Unit,
        /// Where exactly.
        at: Vec<Place>,
    }

    #[test]
    fn from_type_gives_ollamas_shape() {
        let tool = Tool::from_type::<Add>("add", "Adds two numbers");
        assert_eq!(
            serde_json::to_value(&tool).unwrap(),
            json!({"type": "function", "function": {"name": "add", "description": "Adds two numbers",
                "parameters": {"type": "object", "properties": {
                    "a": {"type": "integer", "format": "int64", "description": "The first term."},
                    "b": {"type": "integer", "format": "int64", "description": "The second term."}},
                    "required": ["a", "b"]}}})
        );
        let keys: Vec<&String> = tool
            .function
            .parameters
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["type", "properties", "required"]);
    }

    #[test]
    fn from_type_writes_nested_types_in_place() {
        let p = Tool::from_type::<Weather>("w", "").function.parameters;
        let text = p.to_string();
        for noise in ["$schema", "title", "$defs", "$ref"] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
        assert_eq!(p["type"], "object");
        assert_eq!(p["required"], json!(["city", "unit", "at"]));
        assert_eq!(p["properties"]["city"]["description"], "The city.");
        assert_eq!(p["properties"]["days"]["type"], json!(["integer", "null"]));
        assert_eq!(p["properties"]["unit"]["enum"], json!(["C", "F"]));
        assert_eq!(p["properties"]["at"]["type"], "array");
        assert_eq!(
            p["properties"]["at"]["items"]["properties"]["lat"]["description"],
            "Latitude."
        );
        assert_eq!(p["description"], Value::Null, "{text}");
    }

    #[test]
    fn from_type_of_unit_has_no_parameters() {
        assert_eq!(
            Tool::from_type::<()>("now", "The time").function.parameters,
            json!({"type": "object", "properties": {}, "required": []})
        );
    }

    #[tokio::test]
    async fn tools_call_typed_functions() {
        let tools = Tools::new()
            .add("add", "Adds", |a: Add| async move {
                Ok::<_, String>((a.a + a.b).to_string())
            })
            .add("fail", "Fails", |_: ()| async move {
                Err::<String, _>("disk on fire")
            });
        assert_eq!(tools.names(), ["add", "fail"]);
        assert_eq!(
            tools.definitions()[0],
            Tool::from_type::<Add>("add", "Adds")
        );
        assert_eq!(
            tools.call("add", args(json!({"a": 1, "b": 2}))).await,
            Ok("3".to_string())
        );
        assert_eq!(
            tools.call("fail", Map::new()).await,
            Err(ToolError::failed("fail", "disk on fire"))
        );
        assert_eq!(
            tools.call("nope", Map::new()).await,
            Err(ToolError::unknown("nope"))
        );
        let err = tools
            .call("add", args(json!({"a": "x"})))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ToolError::InvalidArguments { name, arguments, .. } if name == "add" && arguments == r#"{"a":"x"}"#),
            "{err:?}"
        );
        // Adding a name again replaces the tool.
        let tools = tools.add("add", "Adds again", |_: ()| async move {
            Ok::<_, String>("replaced")
        });
        assert_eq!(tools.names(), ["fail", "add"]);
        assert_eq!(tools.call("add", Map::new()).await, Ok("replaced".into()));
    }
}

#[tokio::test]
async fn sets_combine() {
    let echo = |name: &str| {
        Tools::new().add_tool(
            Tool::function(name, "", json!({"type": "object", "properties": {}})),
            |a: Map<String, Value>| async move { Ok::<_, String>(Value::Object(a).to_string()) },
        )
    };
    let one = echo("one");
    let two = echo("two");
    let boxed: Vec<Box<dyn ToolSet>> = vec![Box::new(one.clone()), Box::new(two.clone())];
    let names = |set: &dyn ToolSet| -> Vec<String> {
        set.definitions()
            .into_iter()
            .map(|t| t.function.name)
            .collect()
    };
    assert_eq!(names(&boxed), ["one", "two"]);
    assert_eq!(
        boxed.call("two", args(json!({"x": 1}))).await,
        Ok(r#"{"x":1}"#.to_string())
    );
    assert_eq!(
        boxed.call("three", Map::new()).await,
        Err(ToolError::unknown("three"))
    );
    let pair = (&one, Arc::new(two));
    assert_eq!(names(&pair), ["one", "two"]);
    assert_eq!(pair.call("two", Map::new()).await, Ok("{}".to_string()));
    assert_eq!(
        pair.call("three", Map::new()).await,
        Err(ToolError::unknown("three"))
    );
}
