//! The library side of `bench/run.sh`: what the benchmarks time inside one process, against the
//! `--bench` mode of the test server. Each mode prints one JSON object on stdout.
//!
//! ```text
//! bench-client chat URL REQUESTS ROUNDS    # REQUESTS concurrent chats on one Client, per round
//! bench-client embed URL INPUTS ROUNDS     # one embed call of INPUTS inputs, per round
//! bench-client blob URL FILE               # create_blob: hash, then upload
//! bench-client hash FILE                   # the hashing alone, printed like sha256sum
//! ```
//!
//! Times are medians over the rounds after one warm-up round; nothing else runs in the process.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ollama_rs::{BlobProgress, ChatRequest, Client, EmbedRequest, Message, Options};
use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| usage());
    let num = |i: usize| arg(i).parse::<usize>().unwrap_or_else(|_| usage());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = match arg(0).as_str() {
        "chat" => rt.block_on(chat(&arg(1), num(2), num(3))),
        "embed" => rt.block_on(embed(&arg(1), num(2), num(3))),
        "blob" => rt.block_on(blob(&arg(1), &arg(2))),
        "hash" => hash(&arg(1)),
        _ => usage(),
    };
    match result {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench-client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: bench-client chat|embed URL N ROUNDS | blob URL FILE | hash FILE");
    std::process::exit(2);
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// `requests` chats at once on one client, `rounds` times after a warm-up round.
async fn chat(url: &str, requests: usize, rounds: usize) -> Result<serde_json::Value> {
    let client = Client::with_host(url)?;
    let mut times = Vec::new();
    let mut errors = 0usize;
    let mut first_error = None;
    for round in 0..=rounds {
        let start = Instant::now();
        let tasks: Vec<_> = (0..requests)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let options = Options {
                        num_predict: Some(8),
                        ..Options::default()
                    };
                    let mut req = ChatRequest::new("bench", vec![Message::user(format!("hi {i}"))]);
                    req.options = Some(options);
                    client.chat(req).await
                })
            })
            .collect();
        for task in tasks {
            match task.await? {
                Ok(r) if !r.message.content.is_empty() => {}
                Ok(_) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| "empty reply".to_string());
                }
                Err(e) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if round > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    let seconds = median(times);
    Ok(json!({
        "requests": requests, "rounds": rounds, "errors": errors, "first_error": first_error,
        "median_seconds": seconds, "requests_per_second": requests as f64 / seconds,
    }))
}

/// One embed call of `inputs` inputs, `rounds` times after a warm-up round.
async fn embed(url: &str, inputs: usize, rounds: usize) -> Result<serde_json::Value> {
    let client = Client::with_host(url)?;
    let texts: Vec<String> = (0..inputs).map(|i| format!("input number {i}")).collect();
    let mut times = Vec::new();
    let mut shape = (0, 0);
    for round in 0..=rounds {
        let start = Instant::now();
        let r = client
            .embed(EmbedRequest::new("bench", texts.clone()))
            .await?;
        let elapsed = start.elapsed().as_secs_f64();
        shape = (r.embeddings.len(), r.embeddings.first().map_or(0, Vec::len));
        drop(r);
        if round > 0 || rounds == 0 {
            times.push(elapsed);
        }
    }
    Ok(json!({
        "inputs": shape.0, "dims": shape.1, "rounds": rounds, "median_seconds": median(times),
    }))
}

/// `create_blob`, timing the hashing and the upload apart from the progress callbacks.
async fn blob(url: &str, file: &str) -> Result<serde_json::Value> {
    let client = Client::with_host(url)?;
    let start = Instant::now();
    let hashed_at: Arc<Mutex<Option<Duration>>> = Arc::default();
    let seen = hashed_at.clone();
    let digest = client
        .create_blob_with_progress(file, move |p| {
            if let BlobProgress::Uploading { .. } | BlobProgress::Exists = p {
                seen.lock()
                    .expect("lock")
                    .get_or_insert_with(|| start.elapsed());
            }
        })
        .await?;
    let total = start.elapsed().as_secs_f64();
    let hashed = hashed_at
        .lock()
        .expect("lock")
        .map_or(total, |d| d.as_secs_f64());
    Ok(json!({
        "digest": digest, "seconds": total, "hash_seconds": hashed,
        "upload_seconds": total - hashed,
    }))
}

fn hash(file: &str) -> Result<serde_json::Value> {
    let start = Instant::now();
    let digest = ollama_rs::__internals::sha256_file(std::path::Path::new(file), |_| {})?;
    Ok(json!({"digest": digest, "seconds": start.elapsed().as_secs_f64()}))
}
