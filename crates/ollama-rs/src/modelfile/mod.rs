//! The Modelfile: parser and writer, for programs that read, check or write
//! Modelfiles themselves (to create a model from one with
//! [`CreateRequest`](crate::CreateRequest), to lint one, or to edit the
//! Modelfile `show` returns) with the official command line's grammar.
//!
//! A Modelfile is a list of `INSTRUCTION value` lines ([`Instruction`]).
//! [`parse`] reads one into a [`Modelfile`], checking the grammar and typing
//! `PARAMETER` values through the crate's one option table
//! ([`Options::parse_value`](crate::Options::parse_value)); [`Modelfile::to_parts`]
//! turns it into the values of a create request; its
//! [`Display`](std::fmt::Display) and [`Modelfile::write`] produce text that
//! parses back to the same commands.
//!
//! ```
//! use ollama_rs::modelfile::parse;
//!
//! let mf = parse("FROM llama3.2\nPARAMETER temperature 0.2\nSYSTEM \"\"\"Be brief.\"\"\"\n").unwrap();
//! mf.require_from().unwrap();
//! let parts = mf.to_parts();
//! assert_eq!(parts.from.as_deref(), Some("llama3.2"));
//! assert_eq!(parts.parameters["temperature"], 0.2);
//! assert_eq!(parts.system.as_deref(), Some("Be brief."));
//! ```

mod parser;
mod parts;
mod syntax;
mod writer;

#[cfg(test)]
mod tests;

pub use parser::parse;
pub use parts::ModelfileParts;
pub use syntax::{
    valid_parameter_names, Command, Instruction, Modelfile, ParseError, ParseErrorKind,
    MESSAGE_ROLES,
};
pub use writer::WriteError;
