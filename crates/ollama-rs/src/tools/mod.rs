//! Tools the model may call, run by Rust code.
//!
//! - Typed tools (feature `schema`): [`Tool::from_type`] makes a tool's
//!   definition from a Rust type deriving [`schemars::JsonSchema`],
//!   [`ToolCall::parse_args`] reads a call's arguments back into that type
//!   and [`Message::tool_result`] answers the call.
//! - A tool loop: [`Tools`] holds async functions by name; [`ToolLoop`]
//!   (or [`Client::chat_with_tools`](crate::Client::chat_with_tools)) sends
//!   the chat, runs the calls the model asks for, sends their results and
//!   goes on until the model answers without calls. Any [`ToolSet`] can be
//!   used in place of [`Tools`] (a bridge to other tool servers, say).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::types::{Message, Tool, ToolCall};

mod run;

pub use run::{ToolCallRecord, ToolEvent, ToolEventStream, ToolLoop, ToolLoopOutcome};

/// Why a tool call gave no result. Its text (`Display`) is what the model
/// is told, after `error: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The model called a tool that is not in the set.
    #[error("no tool named \"{name}\"")]
    UnknownTool {
        /// The name the model used.
        name: String,
    },
    /// The arguments do not fit the tool's parameters.
    #[error("invalid arguments for tool \"{name}\": {message}; arguments: {arguments}")]
    InvalidArguments {
        /// The tool.
        name: String,
        /// The arguments as the model wrote them (compact JSON).
        arguments: String,
        /// What is wrong with them.
        message: String,
    },
    /// The tool ran and failed.
    #[error("tool \"{name}\" failed: {message}")]
    Failed {
        /// The tool.
        name: String,
        /// Its error, as text.
        message: String,
    },
}

impl ToolError {
    /// [`ToolError::UnknownTool`].
    pub fn unknown(name: impl Into<String>) -> ToolError {
        ToolError::UnknownTool { name: name.into() }
    }

    /// [`ToolError::Failed`], with the error's text.
    pub fn failed(name: impl Into<String>, error: impl fmt::Display) -> ToolError {
        ToolError::Failed {
            name: name.into(),
            message: error.to_string(),
        }
    }

    /// [`ToolError::InvalidArguments`], quoting `arguments`.
    pub fn invalid_arguments(
        name: impl Into<String>,
        arguments: &Map<String, Value>,
        error: impl fmt::Display,
    ) -> ToolError {
        ToolError::InvalidArguments {
            name: name.into(),
            arguments: serde_json::to_string(arguments).unwrap_or_default(),
            message: error.to_string(),
        }
    }

    /// The name of the tool.
    pub fn tool_name(&self) -> &str {
        match self {
            ToolError::UnknownTool { name }
            | ToolError::InvalidArguments { name, .. }
            | ToolError::Failed { name, .. } => name,
        }
    }
}

/// Reads `arguments` as an `A`. Arguments `{}` also read as `null`, so that
/// tools without parameters can take `()`.
fn parse_arguments<A: DeserializeOwned>(
    name: &str,
    arguments: Map<String, Value>,
) -> Result<A, ToolError> {
    let empty = arguments.is_empty();
    let value = Value::Object(arguments);
    let error = match A::deserialize(&value) {
        Ok(args) => return Ok(args),
        Err(e) => e,
    };
    if empty {
        if let Ok(args) = A::deserialize(&Value::Null) {
            return Ok(args);
        }
    }
    let arguments = match value {
        Value::Object(arguments) => arguments,
        _ => Map::new(),
    };
    Err(ToolError::invalid_arguments(name, &arguments, error))
}

impl ToolCall {
    /// The arguments as an `A` (usually the type the tool was made from
    /// with [`Tool::from_type`]). The error names the tool and quotes the
    /// arguments, so it can go back to the model as is.
    ///
    /// ```
    /// use ollama_rs::ToolCall;
    /// use serde::Deserialize;
    ///
    /// #[derive(Debug, Deserialize)]
    /// struct Add { a: i64, b: i64 }
    ///
    /// let call: ToolCall = serde_json::from_str(
    ///     r#"{"function":{"name":"add","arguments":{"a":1,"b":"two"}}}"#,
    /// ).unwrap();
    /// let err = call.parse_args::<Add>().unwrap_err();
    /// assert!(err.to_string().starts_with(r#"invalid arguments for tool "add": "#));
    /// assert!(err.to_string().ends_with(r#"; arguments: {"a":1,"b":"two"}"#));
    /// ```
    pub fn parse_args<A: DeserializeOwned>(&self) -> Result<A, ToolError> {
        parse_arguments(&self.function.name, self.function.arguments.clone())
    }
}

impl Message {
    /// The [`Role::Tool`](crate::Role::Tool) message answering `call`: its
    /// `tool_name` is the call's name and its `tool_call_id` the call's id
    /// (when the server gave one).
    ///
    /// ```
    /// use ollama_rs::{Message, ToolCall};
    ///
    /// let mut call = ToolCall::new("get_weather", Default::default());
    /// call.id = Some("call_k3j9x0qa".into());
    /// let reply = Message::tool_result(&call, "sunny");
    /// assert_eq!(
    ///     serde_json::to_string(&reply).unwrap(),
    ///     r#"{"role":"tool","content":"sunny","tool_name":"get_weather","tool_call_id":"call_k3j9x0qa"}"#
    /// );
    /// ```
    pub fn tool_result(call: &ToolCall, content: impl Into<String>) -> Message {
        Message {
            tool_call_id: call.id.clone(),
            ..Message::tool(call.function.name.clone(), content)
        }
    }
}

#[cfg(feature = "schema")]
impl Tool {
    /// A function tool whose parameters are the JSON Schema of `A`, a type
    /// deriving [`schemars::JsonSchema`] (and `serde::Deserialize`, to read
    /// calls with [`ToolCall::parse_args`]). Doc comments on the fields
    /// become their descriptions.
    ///
    /// The schema has the shape Ollama expects, `{"type":"object",
    /// "properties":{...},"required":[...]}`, with nested types written in
    /// place (only a recursive type keeps `$defs`) and without `$schema`,
    /// `title` or the type's own description (the tool has one). `A` should be a struct with named fields (a map, or `()` for
    /// a tool without parameters, work too); other types give their schema
    /// as is, which models rarely follow.
    ///
    /// ```
    /// use ollama_rs::Tool;
    /// use serde_json::json;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Weather {
    ///     /// The city, in English.
    ///     city: String,
    ///     /// Days ahead, 0 for today.
    ///     days: Option<u8>,
    /// }
    ///
    /// let tool = Tool::from_type::<Weather>("get_weather", "The weather in a city");
    /// assert_eq!(tool.function.parameters["type"], "object");
    /// assert_eq!(tool.function.parameters["required"], json!(["city"]));
    /// assert_eq!(
    ///     tool.function.parameters["properties"]["city"],
    ///     json!({"type": "string", "description": "The city, in English."})
    /// );
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "schema")))]
    pub fn from_type<A: schemars::JsonSchema>(
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Tool {
        Tool::function(name, description, parameters_of::<A>())
    }
}

/// The parameters' schema of a tool taking an `A` (see [`Tool::from_type`]).
#[cfg(feature = "schema")]
fn parameters_of<A: schemars::JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let schema = generator.into_root_schema_for::<A>();
    object_schema(serde_json::to_value(&schema).unwrap_or(Value::Null))
}

/// Puts a root schema in Ollama's shape: `type`, `properties`, `required`
/// first and always there for an object; no `$schema`, `title` nor
/// `description`; `null`
/// (the unit type) becomes an object without properties.
#[cfg_attr(not(feature = "schema"), allow(dead_code))]
fn object_schema(schema: Value) -> Value {
    let Value::Object(mut map) = schema else {
        return schema;
    };
    map.remove("$schema");
    map.remove("title");
    // The type's doc comment: the tool has a description of its own.
    map.remove("description");
    let kind = map.get("type").cloned();
    if kind == Some(Value::String("null".into())) {
        map.remove("type");
    } else if kind.is_some() && kind != Some(Value::String("object".into())) {
        return Value::Object(map);
    } else if kind.is_none() && !map.contains_key("properties") && !map.is_empty() {
        // Not an object schema (`anyOf`, a `$ref`...): leave it.
        return Value::Object(map);
    }
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert(
        "properties".into(),
        map.remove("properties")
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    out.insert(
        "required".into(),
        map.remove("required")
            .unwrap_or_else(|| Value::Array(Vec::new())),
    );
    map.remove("type");
    out.extend(map);
    Value::Object(out)
}

/// What [`ToolSet::call`] returns: a boxed future, so that sets can be
/// used as `dyn ToolSet` and combined.
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = Result<String, ToolError>> + Send + 'a>>;

/// A set of tools: their definitions for the model, and a way to call them
/// by name. [`Tools`] is one; implement it to plug in tools from elsewhere
/// (a bridge to MCP servers, a plugin registry...).
///
/// It is object safe: `Box<dyn ToolSet>` and `Arc<dyn ToolSet>` are sets,
/// and so are references, a `Vec` of sets and a pair of sets (which offer
/// the tools of all of them; a call goes to the first set that defines the
/// name).
pub trait ToolSet: Send + Sync {
    /// The tools offered to the model. Asked again each round, so a set may
    /// change between rounds.
    fn definitions(&self) -> Vec<Tool>;

    /// Calls the tool `name` with the model's `arguments`; the text is the
    /// result given to the model. An unknown name is
    /// [`ToolError::UnknownTool`].
    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a>;
}

impl<T: ToolSet + ?Sized> ToolSet for &T {
    fn definitions(&self) -> Vec<Tool> {
        (**self).definitions()
    }
    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        (**self).call(name, arguments)
    }
}

impl<T: ToolSet + ?Sized> ToolSet for Box<T> {
    fn definitions(&self) -> Vec<Tool> {
        (**self).definitions()
    }
    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        (**self).call(name, arguments)
    }
}

impl<T: ToolSet + ?Sized> ToolSet for Arc<T> {
    fn definitions(&self) -> Vec<Tool> {
        (**self).definitions()
    }
    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        (**self).call(name, arguments)
    }
}

fn defines(set: &(impl ToolSet + ?Sized), name: &str) -> bool {
    set.definitions().iter().any(|t| t.function.name == name)
}

fn unknown_tool(name: &str) -> ToolFuture<'_> {
    Box::pin(async move { Err(ToolError::unknown(name)) })
}

impl<S: ToolSet> ToolSet for Vec<S> {
    fn definitions(&self) -> Vec<Tool> {
        self.iter().flat_map(ToolSet::definitions).collect()
    }
    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        match self.iter().find(|set| defines(*set, name)) {
            Some(set) => set.call(name, arguments),
            None => unknown_tool(name),
        }
    }
}

impl<A: ToolSet, B: ToolSet> ToolSet for (A, B) {
    fn definitions(&self) -> Vec<Tool> {
        let mut tools = self.0.definitions();
        tools.extend(self.1.definitions());
        tools
    }
    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        if defines(&self.0, name) {
            self.0.call(name, arguments)
        } else {
            self.1.call(name, arguments)
        }
    }
}

type Handler = Arc<dyn Fn(Map<String, Value>) -> ToolFuture<'static> + Send + Sync>;

/// Async Rust functions offered to the model as tools, by name: the
/// [`ToolSet`] to give a [`ToolLoop`].
///
/// Each function takes its arguments as one typed value and returns
/// `Result<R, E>`: the `R` (anything `Into<String>`) is the result for the
/// model, the `E` (anything `Display`) becomes [`ToolError::Failed`], whose
/// text the model gets instead. Arguments that do not fit the type give
/// [`ToolError::InvalidArguments`] without calling the function. Adding a
/// name again replaces the earlier tool. Cheap to clone.
///
/// ```
/// # #[cfg(feature = "schema")] {
/// use ollama_rs::Tools;
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Weather {
///     /// The city.
///     city: String,
/// }
///
/// let tools = Tools::new().add(
///     "get_weather",
///     "Current weather in a city",
///     |args: Weather| async move { Ok::<_, std::io::Error>(format!("sunny in {}", args.city)) },
/// );
/// assert_eq!(tools.names(), ["get_weather"]);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Tools {
    entries: Vec<(Tool, Handler)>,
}

impl fmt::Debug for Tools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tools")
            .field("names", &self.names())
            .finish()
    }
}

impl Tools {
    /// No tools yet.
    pub fn new() -> Tools {
        Tools::default()
    }

    /// Adds `function` as the tool `name`, its parameters the JSON Schema of
    /// `A` (as [`Tool::from_type`] makes it).
    #[cfg(feature = "schema")]
    #[cfg_attr(docsrs, doc(cfg(feature = "schema")))]
    #[must_use]
    pub fn add<A, F, Fut, R, E>(
        self,
        name: impl Into<String>,
        description: impl Into<String>,
        function: F,
    ) -> Tools
    where
        A: schemars::JsonSchema + DeserializeOwned + Send + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: Into<String>,
        E: fmt::Display,
    {
        self.add_tool(Tool::from_type::<A>(name, description), function)
    }

    /// Adds `function` as the tool `tool` (a definition written by hand,
    /// with [`Tool::function`]). Its arguments are read as an `A`: any
    /// `Deserialize` type, or `serde_json::Map<String, Value>` to take them
    /// as they are.
    #[must_use]
    pub fn add_tool<A, F, Fut, R, E>(mut self, tool: Tool, function: F) -> Tools
    where
        A: DeserializeOwned + Send + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: Into<String>,
        E: fmt::Display,
    {
        let name: Arc<str> = tool.function.name.as_str().into();
        let function = Arc::new(function);
        let handler: Handler = Arc::new(move |arguments| {
            let name = name.clone();
            let function = function.clone();
            Box::pin(async move {
                let args: A = parse_arguments(&name, arguments)?;
                function(args)
                    .await
                    .map(Into::into)
                    .map_err(|e| ToolError::failed(&*name, e))
            })
        });
        self.entries
            .retain(|(t, _)| t.function.name != tool.function.name);
        self.entries.push((tool, handler));
        self
    }

    /// The names of the tools, in the order they were added.
    pub fn names(&self) -> Vec<&str> {
        self.entries
            .iter()
            .map(|(t, _)| t.function.name.as_str())
            .collect()
    }

    /// How many tools there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl ToolSet for Tools {
    fn definitions(&self) -> Vec<Tool> {
        self.entries.iter().map(|(t, _)| t.clone()).collect()
    }

    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        match self.entries.iter().find(|(t, _)| t.function.name == name) {
            Some((_, handler)) => handler(arguments),
            None => unknown_tool(name),
        }
    }
}

#[cfg(test)]
mod tests;
