//! Runs the integration tests' fake Ollama server standalone, for manual checks and benchmarks.
//!
//! ```text
//! cargo run -p ollama-test-server --bin test-server -- --port 11434
//! cargo run --release -p ollama-test-server --bin test-server -- --port 0 --bench --tokens 200000
//! ```
//!
//! Prints the URL, then serves until killed.
//!
//! Without `--bench` it serves the seeded models of the test server library (`src/lib.rs`). With `--bench` it is a fast
//! server that adds as little CPU as it can, so that a benchmark measures the client: every
//! answer is rendered once, cached, and sent from memory. Its routes:
//!
//! - `POST /api/generate`, `/api/chat`: `options.num_predict` tokens (default `--tokens`), one
//!   NDJSON line per token as Ollama sends them, then the final line with the statistics (and,
//!   for generate, `context`); `"stream": false` answers one document.
//! - `POST /api/pull`: `--pull-lines` progress lines (`pulling manifest`, a layer's byte counts,
//!   `verifying sha256 digest`, `writing manifest`, `success`).
//! - `POST /api/embed`: one vector per input of `dimensions` (default `--embed-dims`) values,
//!   sent chunked without `Content-Length`, as Ollama sends any document over 2 KiB.
//! - `HEAD /api/blobs/<digest>`: 404, so that the client uploads; `POST` counts and drops the
//!   bytes (the digest is not checked: the benchmark measures the client's hashing, not ours).
//! - `GET /api/tags`, `/api/version`, `/`: fixed small answers.

use ollama_test_server as server;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    let mut bench = false;
    let mut config = bench::Config::default();
    while let Some(arg) = args.next() {
        let mut number = || -> usize {
            args.next()
                .and_then(|p| p.replace('_', "").parse().ok())
                .unwrap_or_else(|| usage())
        };
        match arg.as_str() {
            "--port" => port = u16::try_from(number()).unwrap_or_else(|_| usage()),
            "--bench" => bench = true,
            "--tokens" => config.tokens = number(),
            "--pull-lines" => config.pull_lines = number(),
            "--embed-dims" => config.embed_dims = number(),
            _ => usage(),
        }
    }
    if bench {
        bench::serve(port, config);
    }
    let server = server::TestServer::start_on(port);
    println!("{}", server.url());
    loop {
        std::thread::park();
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: test-server [--port N] [--bench [--tokens N] [--pull-lines N] [--embed-dims D]]"
    );
    std::process::exit(2);
}

mod bench {
    use std::collections::HashMap;
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::extract::{Path, State};
    use axum::http::{header, HeaderValue, Response, StatusCode};
    use axum::routing::{get, head, post};
    use axum::serve::ListenerExt as _;
    use axum::Router;
    use bytes::Bytes;
    use futures_util::StreamExt as _;
    use serde_json::{json, Value};
    use sha2::Digest as _;

    /// Sizes used when a request does not give its own.
    #[derive(Clone, Debug)]
    pub struct Config {
        pub tokens: usize,
        pub pull_lines: usize,
        pub embed_dims: usize,
    }

    impl Default for Config {
        fn default() -> Self {
            Config {
                tokens: 200_000,
                pull_lines: 100_000,
                embed_dims: 4096,
            }
        }
    }

    /// A stream body, cached whole: one entry per HTTP chunk.
    type Chunks = Arc<Vec<Bytes>>;

    #[derive(Clone, Copy, PartialEq, Eq, Hash)]
    enum Kind {
        Generate,
        Chat,
        GenerateDocument,
        ChatDocument,
        Pull,
        Embed { inputs: usize, dims: usize },
    }

    struct Shared {
        config: Config,
        cache: Mutex<HashMap<(Kind, usize), Chunks>>,
    }

    impl Shared {
        /// Renders a body once per kind and size; later requests only clone `Bytes` handles.
        fn chunks(&self, kind: Kind, n: usize) -> Chunks {
            if let Some(c) = self.cache.lock().expect("cache").get(&(kind, n)) {
                return c.clone();
            }
            let rendered = Arc::new(render(kind, n));
            self.cache
                .lock()
                .expect("cache")
                .insert((kind, n), rendered.clone());
            rendered
        }
    }

    const CREATED_AT: &str = "2025-06-01T12:00:00.123456789Z";
    /// Words that make the streamed text look like prose, with a line break now and then.
    const WORDS: &[&str] = &[
        " The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ",",
        " and", " then", " it", " rests", " for", " a", " while", ".\n",
    ];

    fn line(value: &Value) -> Bytes {
        let mut v = serde_json::to_vec(value).expect("JSON");
        v.push(b'\n');
        v.into()
    }

    fn statistics(n: usize) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("total_duration".into(), json!(1_500_000 + n * 1_000_000));
        m.insert("load_duration".into(), json!(1_000_000));
        m.insert("prompt_eval_count".into(), json!(5));
        m.insert("prompt_eval_duration".into(), json!(500_000));
        m.insert("eval_count".into(), json!(n));
        m.insert("eval_duration".into(), json!(n * 1_000_000));
        m
    }

    fn render(kind: Kind, n: usize) -> Vec<Bytes> {
        let word = |i: usize| WORDS[i % WORDS.len()];
        match kind {
            Kind::Generate | Kind::GenerateDocument => {
                let mut last = json!({
                    "model": "bench", "created_at": CREATED_AT, "response": "",
                    "done": true, "done_reason": "length",
                    "context": (0..n + 5).map(|i| 3 + i % 280).collect::<Vec<_>>(),
                });
                last.as_object_mut().expect("object").extend(statistics(n));
                if kind == Kind::GenerateDocument {
                    last["response"] = (0..n).map(word).collect::<String>().into();
                    return vec![line(&last)];
                }
                let mut lines: Vec<Bytes> = (0..n)
                    .map(|i| {
                        line(&json!({"model": "bench", "created_at": CREATED_AT,
                            "response": word(i), "done": false}))
                    })
                    .collect();
                lines.push(line(&last));
                lines
            }
            Kind::Chat | Kind::ChatDocument => {
                let mut last = json!({
                    "model": "bench", "created_at": CREATED_AT,
                    "message": {"role": "assistant", "content": ""},
                    "done": true, "done_reason": "length",
                });
                last.as_object_mut().expect("object").extend(statistics(n));
                if kind == Kind::ChatDocument {
                    last["message"]["content"] = (0..n).map(word).collect::<String>().into();
                    return vec![line(&last)];
                }
                let mut lines: Vec<Bytes> = (0..n)
                    .map(|i| {
                        line(&json!({"model": "bench", "created_at": CREATED_AT,
                            "message": {"role": "assistant", "content": word(i)}, "done": false}))
                    })
                    .collect();
                lines.push(line(&last));
                lines
            }
            Kind::Pull => pull_lines(n),
            Kind::Embed { inputs, dims } => embed_chunks(inputs, dims),
        }
    }

    fn pull_lines(n: usize) -> Vec<Bytes> {
        const WEIGHTS: &str =
            "sha256:6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa";
        const SMALL: &[(&str, u64)] = &[
            (
                "sha256:4fa551d4f938f68b8c1e6afa9d28befb70e3f33f75d0753248d530364aeea40f",
                1_429,
            ),
            (
                "sha256:8ab4849b038cf0abc5b1c9b8ee1443dca6b93a045c2272180d985126eb40bf6f",
                7_711,
            ),
            (
                "sha256:577073ffcc6ce95b9981eacc77d1039568639e5638e83044994560d9ef82ce1b",
                96,
            ),
        ];
        let total: u64 = 4_661_211_808;
        let mut lines = vec![line(&json!({"status": "pulling manifest"}))];
        // The rest of the budget is the weights' byte counts, as Ollama reports them while
        // a big layer downloads.
        let fixed = 1 + 2 * SMALL.len() + 3;
        let moving = n.saturating_sub(fixed).max(2);
        let label = format!("pulling {}", &WEIGHTS[7..19]);
        for i in 0..moving {
            let completed = total * i as u64 / (moving as u64 - 1);
            lines.push(line(&json!({"status": label, "digest": WEIGHTS,
                "total": total, "completed": completed})));
        }
        for (digest, size) in SMALL {
            let label = format!("pulling {}", &digest[7..19]);
            lines.push(line(
                &json!({"status": label, "digest": digest, "total": size}),
            ));
            lines.push(line(&json!({"status": label, "digest": digest,
                "total": size, "completed": size})));
        }
        for status in ["verifying sha256 digest", "writing manifest", "success"] {
            lines.push(line(&json!({ "status": status })));
        }
        lines
    }

    /// One JSON document in one HTTP chunk: Ollama's handler marshals the answer and writes it
    /// at once, and Go frames a write past its 2 KiB buffer as a single chunk.
    fn embed_chunks(inputs: usize, dims: usize) -> Vec<Bytes> {
        use std::fmt::Write as _;
        let mut doc = String::with_capacity(inputs * dims * 13 + 256);
        doc.push_str("{\"model\":\"bench\",\"embeddings\":[");
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let scale = 1.0 / (dims as f32).sqrt();
        for i in 0..inputs {
            if i > 0 {
                doc.push(',');
            }
            doc.push('[');
            for j in 0..dims {
                if j > 0 {
                    doc.push(',');
                }
                // xorshift: values around ±1/sqrt(dims), as a unit vector's are.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = ((x >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale * 1.7;
                let _ = write!(doc, "{v}");
            }
            doc.push(']');
        }
        let _ = write!(
            doc,
            "],\"total_duration\":{},\"load_duration\":1000000,\"prompt_eval_count\":{}}}",
            1_500_000 + inputs * 300_000,
            inputs * 3
        );
        vec![Bytes::from(doc)]
    }

    fn respond(chunks: Chunks, content_type: &'static str, length: bool) -> Response<Body> {
        let mut r = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        let body = if length {
            let all: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
            r = r.header(header::CONTENT_LENGTH, all.len());
            Body::from(all)
        } else {
            let n = chunks.len();
            Body::from_stream(
                futures_util::stream::iter(0..n)
                    .map(move |i| Ok::<_, Infallible>(chunks[i].clone())),
            )
        };
        r.body(body).expect("response")
    }

    fn request(body: &Bytes) -> Value {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    }

    fn count(req: &Value, default: usize) -> usize {
        req.pointer("/options/num_predict")
            .and_then(Value::as_u64)
            .map_or(default, |n| n as usize)
    }

    fn streams(req: &Value) -> bool {
        req.get("stream").and_then(Value::as_bool) != Some(false)
    }

    /// Ollama sends small documents with `Content-Length`, bigger ones chunked.
    fn document(chunks: Chunks) -> Response<Body> {
        let small = chunks.iter().map(Bytes::len).sum::<usize>() <= 2048;
        respond(chunks, "application/json; charset=utf-8", small)
    }

    async fn generate(State(s): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
        let req = request(&body);
        let n = count(&req, s.config.tokens);
        if streams(&req) {
            respond(s.chunks(Kind::Generate, n), "application/x-ndjson", false)
        } else {
            document(s.chunks(Kind::GenerateDocument, n))
        }
    }

    async fn chat(State(s): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
        let req = request(&body);
        let n = count(&req, s.config.tokens);
        if streams(&req) {
            respond(s.chunks(Kind::Chat, n), "application/x-ndjson", false)
        } else {
            document(s.chunks(Kind::ChatDocument, n))
        }
    }

    async fn pull(State(s): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
        let req = request(&body);
        let chunks = s.chunks(Kind::Pull, s.config.pull_lines);
        if streams(&req) {
            respond(chunks, "application/x-ndjson", false)
        } else {
            let last = chunks.last().cloned().unwrap_or_default();
            document(Arc::new(vec![last]))
        }
    }

    async fn embed(State(s): State<Arc<Shared>>, body: Bytes) -> Response<Body> {
        let req = request(&body);
        let inputs = match req.get("input") {
            Some(Value::Array(items)) => items.len(),
            Some(Value::String(_)) => 1,
            _ => 0,
        };
        let dims = req
            .get("dimensions")
            .and_then(Value::as_u64)
            .map_or(s.config.embed_dims, |d| d as usize);
        let chunks = s.chunks(Kind::Embed { inputs, dims }, 0);
        respond(chunks, "application/json; charset=utf-8", false)
    }

    async fn blob_upload(Path(_digest): Path<String>, body: Body) -> StatusCode {
        let mut stream = body.into_data_stream();
        let mut received = 0usize;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => received += c.len(),
                Err(_) => return StatusCode::BAD_REQUEST,
            }
        }
        let _ = received;
        StatusCode::CREATED
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn tags() -> Bytes {
        let models: Vec<Value> = ["bench", "tiny", "tiny-embed", "tiny-think", "tiny-tools"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                json!({
                    "name": format!("{name}:latest"), "model": format!("{name}:latest"),
                    "modified_at": "2025-06-01T12:00:00.123456789Z",
                    "size": 482_944 + i * 1000,
                    "digest": hex(&sha2::Sha256::digest(name.as_bytes())),
                    "details": {"parent_model": "", "format": "gguf", "family": "llama",
                        "families": ["llama"], "parameter_size": "119K",
                        "quantization_level": "unknown"},
                })
            })
            .collect();
        Bytes::from(serde_json::to_vec(&json!({ "models": models })).expect("JSON"))
    }

    /// Serves until killed; never returns.
    pub fn serve(port: u16, config: Config) -> ! {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            socket.set_reuseaddr(true).expect("reuseaddr");
            socket
                .bind(([127, 0, 0, 1], port).into())
                .expect("bind 127.0.0.1");
            // A deep backlog: a thousand clients connect at once in the concurrency benchmark.
            let listener = socket.listen(4096).expect("listen");
            println!("http://{}", listener.local_addr().expect("address"));
            let shared = Arc::new(Shared {
                config,
                cache: Mutex::new(HashMap::new()),
            });
            let tags = tags();
            let app = Router::new()
                .route("/", get(|| async { "Ollama is running" }))
                .route(
                    "/api/version",
                    get(|| async {
                        (
                            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                            format!("{{\"version\":\"{}\"}}", super::server::VERSION),
                        )
                    }),
                )
                .route(
                    "/api/tags",
                    get(move || async move {
                        (
                            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                            tags,
                        )
                    }),
                )
                .route("/api/generate", post(generate))
                .route("/api/chat", post(chat))
                .route("/api/pull", post(pull))
                .route("/api/embed", post(embed))
                .route(
                    "/api/blobs/{digest}",
                    head(|| async { StatusCode::NOT_FOUND }).post(blob_upload),
                )
                .with_state(shared);
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, app).await.expect("serve");
        });
        std::process::exit(0);
    }
}
