//! Parsing whole responses: an embed response (the largest document the API sends) and a model
//! list, through the crate's document path against `serde_json::from_slice`; and the stream lines
//! of generate and chat (a token line and the last line, with the metrics), the per-token path.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ollama_rs::__internals::decode_line;
use ollama_rs::{ChatResponse, EmbedResponse, GenerateResponse, ListResponse};

/// An embed response of `inputs` vectors of `dims` values, formatted as Ollama does.
fn embed_body(inputs: usize, dims: usize) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut doc = String::from("{\"model\":\"bench\",\"embeddings\":[");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..inputs {
        doc.push_str(if i > 0 { ",[" } else { "[" });
        for j in 0..dims {
            if j > 0 {
                doc.push(',');
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = ((x >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) / (dims as f32).sqrt();
            let _ = write!(doc, "{v}");
        }
        doc.push(']');
    }
    doc.push_str(
        "],\"total_duration\":1500000,\"load_duration\":1000000,\"prompt_eval_count\":600}",
    );
    doc.into_bytes()
}

fn list_body() -> Vec<u8> {
    let models: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            serde_json::json!({
                "name": format!("model{i}:latest"), "model": format!("model{i}:latest"),
                "modified_at": "2025-06-01T12:00:00.123456789Z", "size": 4_661_211_808u64,
                "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
                "details": {"parent_model": "", "format": "gguf", "family": "llama",
                    "families": ["llama"], "parameter_size": "8.0B", "quantization_level": "Q4_K_M"},
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "models": models })).expect("JSON")
}

fn bench(c: &mut Criterion) {
    let embed = embed_body(200, 4096);
    let mut g = c.benchmark_group("parse_embed_200x4096");
    g.throughput(Throughput::Bytes(embed.len() as u64));
    g.sample_size(20);
    g.bench_function("serde_json_from_slice", |b| {
        b.iter(|| serde_json::from_slice::<EmbedResponse>(&embed).expect("valid"))
    });
    g.bench_function("decode_line", |b| {
        b.iter(|| decode_line::<EmbedResponse>(&embed).expect("valid"))
    });
    g.finish();

    let list = list_body();
    let mut g = c.benchmark_group("parse_list_20_models");
    g.throughput(Throughput::Bytes(list.len() as u64));
    g.bench_function("serde_json_from_slice", |b| {
        b.iter(|| serde_json::from_slice::<ListResponse>(&list).expect("valid"))
    });
    g.bench_function("decode_line", |b| {
        b.iter(|| decode_line::<ListResponse>(&list).expect("valid"))
    });
    g.finish();

    let mut g = c.benchmark_group("parse_stream_lines");
    let token_generate: &[u8] = br#"{"model":"llama3.2","created_at":"2025-06-01T12:00:00.123456789Z","response":" quick","done":false}"#;
    let last_generate: &[u8] = br#"{"model":"llama3.2","created_at":"2025-06-01T12:00:00.123456789Z","response":"","done":true,"done_reason":"stop","context":[1,2,3],"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000}"#;
    let token_chat: &[u8] = br#"{"model":"llama3.2","created_at":"2025-06-01T12:00:00.123456789Z","message":{"role":"assistant","content":" quick"},"done":false}"#;
    let last_chat: &[u8] = br#"{"model":"llama3.2","created_at":"2025-06-01T12:00:00.123456789Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000}"#;
    g.bench_function("generate_token", |b| {
        b.iter(|| decode_line::<GenerateResponse>(token_generate).expect("valid"))
    });
    g.bench_function("generate_last", |b| {
        b.iter(|| decode_line::<GenerateResponse>(last_generate).expect("valid"))
    });
    g.bench_function("chat_token", |b| {
        b.iter(|| decode_line::<ChatResponse>(token_chat).expect("valid"))
    });
    g.bench_function("chat_last", |b| {
        b.iter(|| decode_line::<ChatResponse>(last_chat).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
