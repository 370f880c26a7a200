//! Typed structured output: a `format` schema built from a Rust type
//! (feature `schema`), and the answer read back as that type.
//!
//! ```no_run
//! # #[cfg(feature = "schema")]
//! # async fn demo() -> ollama_rs::Result<()> {
//! use ollama_rs::{schemars, ChatRequest, Client, Message};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, schemars::JsonSchema)]
//! #[schemars(crate = "ollama_rs::schemars")]
//! struct Country {
//!     name: String,
//!     capital: String,
//!     languages: Vec<String>,
//! }
//!
//! let client = Client::new()?;
//! let req = ChatRequest::new("llama3.2", [Message::user("Tell me about Canada.")]);
//! let canada: Country = client.chat_as(req).await?;
//! println!("{} ({})", canada.name, canada.capital);
//! # Ok(()) }
//! ```

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::types::{ChatResponse, GenerateResponse};

/// Reads `content` as the JSON of `T`, keeping it in the error otherwise.
fn parse_content<T: DeserializeOwned>(content: &str) -> Result<T> {
    serde_json::from_str(content).map_err(|source| Error::Structured {
        content: content.to_string(),
        source,
    })
}

impl ChatResponse {
    /// Reads the answer (`message.content`) as the JSON of `T`, as asked for
    /// with [`Format::for_type`](crate::Format::for_type) (or any JSON
    /// format). An answer that does not fit is [`Error::Structured`], which
    /// keeps the text.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        parse_content(&self.message.content)
    }
}

impl GenerateResponse {
    /// Reads the answer (`response`) as the JSON of `T`; see
    /// [`ChatResponse::parse`].
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        parse_content(&self.response)
    }
}

#[cfg(feature = "schema")]
mod schema {
    use schemars::generate::SchemaSettings;
    use schemars::JsonSchema;
    use serde::de::DeserializeOwned;

    use crate::error::Result;
    use crate::types::{ChatRequest, Format, GenerateRequest};

    impl Format {
        /// The JSON Schema of `T` as a format, so that the model answers
        /// with a value of `T` (read it back with
        /// [`ChatResponse::parse`](crate::ChatResponse::parse)).
        ///
        /// The schema is what [`schemars`] derives for deserializing `T`,
        /// in the 2020-12 draft (the shape of the Python client's Pydantic
        /// schemas), with two changes for the server's conversion of the
        /// schema into a grammar: no `$schema` key, and nested types
        /// written in place rather than as `$ref`s (recursive types keep
        /// their references under `$defs`).
        ///
        /// ```
        /// # use ollama_rs::{schemars, Format};
        /// #[derive(schemars::JsonSchema)]
        /// #[schemars(crate = "ollama_rs::schemars")]
        /// struct Answer { city: String, population: u64 }
        ///
        /// let Format::Schema(schema) = Format::for_type::<Answer>() else { unreachable!() };
        /// assert_eq!(schema["type"], "object");
        /// assert_eq!(schema["required"], serde_json::json!(["city", "population"]));
        /// assert!(schema.get("$schema").is_none());
        /// ```
        pub fn for_type<T: JsonSchema + ?Sized>() -> Format {
            let generator = SchemaSettings::draft2020_12()
                .with(|s| {
                    s.meta_schema = None;
                    s.inline_subschemas = true;
                })
                .into_generator();
            Format::Schema(generator.into_root_schema_for::<T>().to_value())
        }
    }

    impl ChatRequest {
        /// Sets the format to the JSON Schema of `T`
        /// ([`Format::for_type`]).
        #[must_use]
        pub fn format_for<T: JsonSchema + ?Sized>(mut self) -> Self {
            self.format = Some(Format::for_type::<T>());
            self
        }
    }

    impl GenerateRequest {
        /// Sets the format to the JSON Schema of `T`
        /// ([`Format::for_type`]).
        #[must_use]
        pub fn format_for<T: JsonSchema + ?Sized>(mut self) -> Self {
            self.format = Some(Format::for_type::<T>());
            self
        }
    }

    impl crate::client::Client {
        /// Sends a chat whose answer must be a `T` (the format is set to
        /// `T`'s schema, streaming off) and reads the answer as one. An
        /// answer that does not fit is
        /// [`Error::Structured`](crate::Error::Structured).
        pub async fn chat_as<T: JsonSchema + DeserializeOwned>(
            &self,
            request: ChatRequest,
        ) -> Result<T> {
            self.chat(request.format_for::<T>()).await?.parse()
        }

        /// Generates an answer that must be a `T`; see
        /// [`chat_as`](Self::chat_as).
        pub async fn generate_as<T: JsonSchema + DeserializeOwned>(
            &self,
            request: GenerateRequest,
        ) -> Result<T> {
            self.generate(request.format_for::<T>()).await?.parse()
        }
    }

    #[cfg(feature = "blocking")]
    impl crate::blocking::Client {
        /// See the async [`chat_as`](crate::Client::chat_as).
        pub fn chat_as<T: JsonSchema + DeserializeOwned>(&self, request: ChatRequest) -> Result<T> {
            self.chat(request.format_for::<T>())?.parse()
        }

        /// See the async [`generate_as`](crate::Client::generate_as).
        pub fn generate_as<T: JsonSchema + DeserializeOwned>(
            &self,
            request: GenerateRequest,
        ) -> Result<T> {
            self.generate(request.format_for::<T>())?.parse()
        }
    }
}
