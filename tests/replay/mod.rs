//! Replays of the captured exchanges in tests/fixtures/captures.
