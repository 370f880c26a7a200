//! The Ollama test server.
