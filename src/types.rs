//! Request and response types of the Ollama API.
