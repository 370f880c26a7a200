//! NDJSON decoding: the crate's decoder against serde_json parsing the same lines from memory.
//!
//! The baseline gets its lines already split, so the ratio between the two is the whole cost of
//! the framing (finding line ends, joining lines cut across chunks, the error-line check).

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use futures_util::StreamExt;
use ollama_rs::__internals::{Decoder, DEFAULT_MAX_LINE};
use ollama_rs::GenerateResponse;
use ollama_rs::ResponseStream;

const WORDS: &[&str] = &[
    " The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ",", " and",
    " then", " it", " rests", " for", " a", " while", ".\n",
];

/// Generate stream lines as Ollama sends them, the last one with the statistics.
fn lines(n: usize) -> Vec<Bytes> {
    let mut out: Vec<Bytes> = (0..n)
        .map(|i| {
            let line = serde_json::json!({
                "model": "llama3.2", "created_at": "2025-06-01T12:00:00.123456789Z",
                "response": WORDS[i % WORDS.len()], "done": false,
            });
            Bytes::from(format!("{line}\n"))
        })
        .collect();
    out.push(Bytes::from_static(
        b"{\"model\":\"llama3.2\",\"created_at\":\"2025-06-01T12:00:00.123456789Z\",\"response\":\"\",\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"eval_count\":10000}\n",
    ));
    out
}

fn bench(c: &mut Criterion) {
    let per_line = lines(10_000);
    let all: Vec<u8> = per_line.iter().flat_map(|l| l.iter().copied()).collect();
    let split: Vec<&[u8]> = per_line.iter().map(|l| &l[..l.len() - 1]).collect();
    let reads: Vec<Bytes> = {
        let all = Bytes::from(all.clone());
        (0..all.len())
            .step_by(64 * 1024)
            .map(|at| all.slice(at..all.len().min(at + 64 * 1024)))
            .collect()
    };

    let mut g = c.benchmark_group("ndjson");
    g.throughput(Throughput::Bytes(all.len() as u64));
    g.bench_function("serde_json_from_slice", |b| {
        b.iter(|| {
            let mut n = 0;
            for line in &split {
                let r: GenerateResponse = serde_json::from_slice(line).expect("valid");
                n += r.response.len();
            }
            n
        })
    });
    for (name, input) in [
        ("decoder_chunk_per_line", &per_line),
        ("decoder_64k_reads", &reads),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || input.clone(),
                |chunks| {
                    let mut d = Decoder::<GenerateResponse>::new(DEFAULT_MAX_LINE);
                    let mut n = 0;
                    for chunk in chunks {
                        d.feed(chunk);
                        while let Some(r) = d.next_item() {
                            n += r.expect("valid").response.len();
                        }
                    }
                    n
                },
                BatchSize::LargeInput,
            )
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    g.bench_function("response_stream_chunk_per_line", |b| {
        b.iter_batched(
            || per_line.clone(),
            |chunks| {
                let body = futures_util::stream::iter(chunks.into_iter().map(Ok));
                let mut s = ResponseStream::<GenerateResponse>::new(body, DEFAULT_MAX_LINE);
                rt.block_on(async {
                    let mut n = 0;
                    while let Some(r) = s.next().await {
                        n += r.expect("valid").response.len();
                    }
                    n
                })
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
