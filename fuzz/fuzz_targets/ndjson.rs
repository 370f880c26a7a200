//! Fuzz target: see `ollama_rs_fuzz::check_ndjson` for the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ollama_rs_fuzz::check_ndjson(data);
});
