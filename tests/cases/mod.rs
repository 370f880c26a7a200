//! Library tests against replays of the captured Ollama exchanges.

mod replay_client;
