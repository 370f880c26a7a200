//! Generate: streamed and whole answers, every generate capture, the requests sent.

use ollama_rs::{
    ChatRequest, Client, Error, GenerateRequest, GenerateResponse, Image, KeepAlive, Logprob,
    Message, TopLogprob,
};
use pretty_assertions::assert_eq;
use serde_json::json;

use ollama_test_server::replay::{capture, Replay};
use ollama_test_server::TestServer;

use crate::support::*;

#[tokio::test]
async fn generate_stream_and_whole_agree() {
    let server = TestServer::start();
    let c = client(&server);
    let streamed = collect_generate(&c, GenerateRequest::new("tiny", "hello there"))
        .await
        .unwrap();
    let whole = c
        .generate(GenerateRequest::new("tiny", "hello there"))
        .await
        .unwrap();
    assert!(!streamed.is_empty());
    assert_eq!(streamed, whole.response);
    assert!(whole.done);
    let m = whole.metrics();
    assert!(m.eval_count.unwrap() > 0 && m.eval_duration.unwrap() > 0);
    assert!(whole.context.is_some());
    let sent: Vec<_> = server
        .requests_to("/api/generate")
        .iter()
        .map(|r| r.json())
        .collect();
    assert_eq!(
        sent,
        vec![
            json!({"model":"tiny","prompt":"hello there","stream":true}),
            json!({"model":"tiny","prompt":"hello there","stream":false}),
        ]
    );
}

#[tokio::test]
async fn num_predict_limits_tokens() {
    let server = TestServer::start();
    let c = client(&server);
    let o = ollama_rs::Options {
        num_predict: Some(2),
        ..Default::default()
    };
    let r = c
        .generate(GenerateRequest::new("tiny", "one two three four five six").options(o))
        .await
        .unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(r.eval_count, Some(2));
}

/// The logprobs of captures 25 and 98 (same prompt, seed and settings).
fn logprobs_25() -> Vec<Logprob> {
    fn top(token: &str, logprob: f64, bytes: &[u8]) -> TopLogprob {
        let mut r = TopLogprob::default();
        r.token = token.into();
        r.logprob = logprob;
        r.bytes = Some(bytes.to_vec());
        r
    }
    vec![
        {
            let mut r = Logprob::default();
            r.token = " h".into();
            r.logprob = -4.430198669433594;
            r.bytes = Some(vec![32, 104]);
            r.top_logprobs = Some(vec![
                top("d", -1.0920945405960083, &[100]),
                top(" ", -1.577102780342102, &[32]),
            ]);
            r
        },
        {
            let mut resp = Logprob::default();
            resp.token = "r".into();
            resp.logprob = -3.8591997623443604;
            resp.bytes = Some(vec![114]);
            resp.top_logprobs = Some(vec![
                top(" lla", -1.585815668106079, &[32, 108, 108, 97]),
                top(" ", -1.9381334781646729, &[32]),
            ]);
            resp
        },
        {
            let mut r = Logprob::default();
            r.token = "a".into();
            r.logprob = -1.4799139499664307;
            r.bytes = Some(vec![97]);
            r.top_logprobs = Some(vec![
                top("a", -1.4799139499664307, &[97]),
                top("z", -2.0242788791656494, &[122]),
            ]);
            r
        },
    ]
}

#[tokio::test]
async fn generate_15_stream() {
    let (cap, replay, client) = serve("15");
    let stream = client
        .generate_stream(GenerateRequest::new("tiny", "hello").options(opts(8)))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(items.len(), 9);

    let text: String = items.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hraa llarz lla");
    let captured: String = cap
        .response
        .lines()
        .iter()
        .map(|l| l["response"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(text, captured);

    for item in &items[..8] {
        assert!(!item.done);
        assert_eq!(item.model, "tiny");
        assert_eq!(
            (item.done_reason.as_ref(), item.context.as_ref()),
            (None, None)
        );
        assert_eq!(item.total_duration, None);
    }
    // Trailing zeros of the fraction are trimmed by the server; the text is kept as sent.
    assert_eq!(
        items[3].created_at.as_deref(),
        Some("2026-11-25T03:09:40.25579461Z")
    );

    let last = &items[8];
    assert_eq!(*last, {
        let mut r = GenerateResponse::default();
        r.model = "tiny".into();
        r.created_at = Some("2026-11-25T03:09:40.258717841Z".into());
        r.response = String::new();
        r.done = true;
        r.done_reason = Some("length".into());
        r.context = Some(CONTEXT_15.to_vec());
        r.total_duration = Some(19334064);
        r.load_duration = Some(5147271);
        r.prompt_eval_count = Some(24);
        r.prompt_eval_duration = Some(1728000);
        r.eval_count = Some(8);
        r.eval_duration = Some(3535000);
        r
    });
    let rate = last.metrics().eval_rate().unwrap();
    assert!((rate - 8.0 / 0.003535).abs() < 1e-6, "{rate}");

    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","prompt":"hello","stream":true,"options":{"seed":1,"num_predict":8}}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn stream_keeps_the_callers_accept_header() {
    // Headers set on the builder win over the defaults, the stream's Accept included, and each
    // header goes out once.
    let cap = capture("15");
    let replay = Replay::serve(&cap);
    let client = Client::builder()
        .host(replay.url())
        .timeout(TIMEOUT)
        .api_key(None)
        .header("Accept", "*/*")
        .header("X-Trace", "1")
        .build()
        .unwrap();
    let items = drain_ok(
        client
            .generate_stream(GenerateRequest::new("tiny", "hello"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 9);
    let s = only_request(&replay);
    assert_eq!(s.header("accept"), "*/*");
    assert_eq!(s.header("x-trace"), "1");
    assert_eq!(s.header("content-type"), "application/json");
}

#[tokio::test]
async fn generate_16_nonstream() {
    let (cap, replay, client) = serve("16");
    let r = client
        .generate(GenerateRequest::new("tiny", "hello").options(opts(8)))
        .await
        .unwrap();
    assert_eq!(r, {
        let mut expected = GenerateResponse::default();
        expected.model = "tiny".into();
        expected.created_at = Some("2026-11-25T03:09:40.645435719Z".into());
        expected.response = " hraa llarz lla".into();
        expected.done = true;
        expected.done_reason = Some("length".into());
        expected.context = Some(CONTEXT_15.to_vec());
        expected.total_duration = Some(75095414);
        expected.load_duration = Some(3147332);
        expected.prompt_eval_count = Some(24);
        expected.prompt_eval_duration = Some(62004000);
        expected.eval_count = Some(8);
        expected.eval_duration = Some(3127000);
        expected
    });
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/generate",
        "application/json",
        r#"{"model":"tiny","prompt":"hello","stream":false,"options":{"seed":1,"num_predict":8}}"#,
    );
    assert_eq!(s.json(), cap.request.json());
}

#[tokio::test]
async fn generate_17_load_answers_a_stream_with_one_object() {
    let (cap, replay, client) = serve("17");
    let stream = client
        .generate_stream(GenerateRequest::load("tiny"))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(
        items,
        [{
            let mut r = GenerateResponse::default();
            r.model = "tiny".into();
            r.created_at = Some("2026-11-25T03:09:39.629747389Z".into());
            r.response = String::new();
            r.done = true;
            r.done_reason = Some("load".into());
            r
        }]
    );
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","stream":true}"#,
    );
    // An empty prompt is a load request too: the prompt is left out, as in the capture.
    let replay2 = Replay::serve(&cap);
    let r = client_for(&replay2)
        .generate(GenerateRequest::new("tiny", ""))
        .await
        .unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("load"));
    assert_same_body(&replay2, &cap, Some(false));
}

#[tokio::test]
async fn generate_18_unload_answers_a_stream_with_one_object() {
    let (cap, replay, client) = serve("18");
    let stream = client
        .generate_stream(GenerateRequest::load("tiny").keep_alive(KeepAlive::unload()))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(items.len(), 1);
    assert!(items[0].done);
    assert_eq!(items[0].done_reason.as_deref(), Some("unload"));
    assert_eq!(items[0].response, "");
    assert_eq!(
        items[0].created_at.as_deref(),
        Some("2026-11-25T03:09:46.050165602Z")
    );
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","stream":true,"keep_alive":0}"#,
    );
    assert_eq!(
        only_request(&replay).json(),
        captured_body(&cap, Some(true))
    );
}

#[tokio::test]
async fn generate_21_format_schema() {
    let (cap, replay, client) = serve("21");
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["name", "n"]
    });
    let r = client
        .generate(
            GenerateRequest::new("tiny", "hello")
                .format(ollama_rs::Format::Schema(schema))
                .options(opts(16)),
        )
        .await
        .unwrap();
    assert_eq!(r.response, "{ \"name\" : \"y wo wo wo");
    assert_eq!(r.eval_count, Some(16));
    assert_eq!(r.context.as_ref().map(Vec::len), Some(40));
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_22_raw_has_no_context() {
    let (cap, replay, client) = serve("22");
    let r = client
        .generate(
            GenerateRequest::new("tiny", "hello")
                .raw(true)
                .options(opts(8)),
        )
        .await
        .unwrap();
    assert_eq!(r.response, " h okyea wo llar");
    assert_eq!(r.context, None);
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(r.prompt_eval_count, Some(5));
    assert_eq!(
        r.created_at.as_deref(),
        Some("2026-11-25T03:09:42.02917878Z")
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_23_suffix_without_insert() {
    let (cap, replay, client) = serve("23");
    let req = GenerateRequest::new("tiny", "def f(")
        .suffix("    return x")
        .options(opts(8));
    assert_api(
        client.generate(req).await,
        &cap,
        400,
        "registry.ollama.ai/library/tiny:latest does not support insert",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_24_think_unsupported() {
    let (cap, replay, client) = serve("24");
    let req = GenerateRequest::new("tiny", "hello")
        .think(true)
        .options(opts(8));
    let err = assert_api(
        client.generate(req).await,
        &cap,
        400,
        "\"tiny\" does not support thinking",
    );
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_25_logprobs_nonstream() {
    let (cap, replay, client) = serve("25");
    let req = GenerateRequest::new("tiny", "hello")
        .logprobs(true)
        .top_logprobs(2)
        .options(opts(3));
    let r = client.generate(req).await.unwrap();
    assert_eq!(r.response, " hra");
    assert_eq!(r.logprobs, Some(logprobs_25()));
    assert_eq!(r.eval_count, Some(3));
    assert_eq!(
        serde_json::to_value(&r.logprobs).unwrap(),
        cap.response.json()["logprobs"]
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_26_images_on_non_vision_model() {
    let (cap, replay, client) = serve("26");
    let req = GenerateRequest::new("tiny", "what is this?")
        .images([Image::from_base64("aGVsbG8=").unwrap()])
        .options(opts(8));
    // The runner's own JSON error arrives as an escaped string; it is kept as text, not unwrapped.
    assert_api(
        client.generate(req).await,
        &cap,
        400,
        r#"{"error":{"code":400,"message":"Multimodal data provided, but model does not support multimodal requests.","type":"invalid_request_error"}}"#,
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_27_bad_json_answer() {
    // The client cannot send broken JSON; this checks how it reports the server's answer to it.
    let (cap, _replay, client) = serve("27");
    assert_api(
        client.generate(GenerateRequest::new("tiny", "hello")).await,
        &cap,
        400,
        "unexpected EOF",
    );
}

#[tokio::test]
async fn generate_28_empty_body_answer() {
    // As for 27: only the mapping of the answer can be checked.
    let (cap, _replay, client) = serve("28");
    assert_api(
        client.generate(GenerateRequest::new("tiny", "hello")).await,
        &cap,
        400,
        "missing request body",
    );
}

#[tokio::test]
async fn generate_29_missing_model() {
    let (cap, replay, client) = serve("29");
    let err = assert_api(
        client.generate(GenerateRequest::new("nope", "hello")).await,
        &cap,
        404,
        "model 'nope' not found",
    );
    assert!(err.is_model_not_found());
    // Byte for byte what the capture sent.
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn generate_30_empty_model_is_refused_before_sending() {
    let (_cap, replay, client) = serve("30");
    for model in ["", "  "] {
        let err = client
            .generate(GenerateRequest::new(model, "hello"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest(m) if m == "model is required"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "invalid request: model is required");
        assert_eq!(err.status(), None);
    }
    let err = client
        .chat_stream(ChatRequest::new("", [Message::user("hello")]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = client.show("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(replay.requests().is_empty());
    assert_eq!(replay.connections(), 0);
}

#[tokio::test]
async fn generate_31_bad_keep_alive() {
    let (cap, replay, client) = serve("31");
    let req = GenerateRequest::new("tiny", "hello")
        .keep_alive("forever")
        .options(opts(8));
    assert_api(
        client.generate(req).await,
        &cap,
        400,
        "time: invalid duration \"forever\"",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_32_bad_option_type_is_500() {
    let (cap, replay, client) = serve("32");
    let mut o = opts(8);
    // A wrongly typed value can only go through the untyped extra keys.
    o.extra.insert("temperature".into(), json!("hot"));
    let req = GenerateRequest::new("tiny", "hello").options(o);
    assert_api(
        client.generate(req).await,
        &cap,
        500,
        "option \"temperature\" must be of type float32",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_34_long_final_line() {
    let (cap, replay, client) = serve("34");
    let prompt = cap.request.json()["prompt"].as_str().unwrap().to_owned();
    let stream = client
        .generate_stream(GenerateRequest::new("tiny", prompt).options(opts(3)))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(items.len(), 4);
    let text: String = items.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hxa");
    let last = &items[3];
    assert!(last.done);
    assert_eq!(last.done_reason.as_deref(), Some("length"));
    let context = last.context.as_ref().unwrap();
    assert_eq!(context.len(), 827);
    assert_eq!(
        (&context[..3], &context[824..]),
        (&[1, 120, 118][..], &[262, 123, 100][..])
    );
    assert_eq!(last.prompt_eval_count, Some(824));
    assert_eq!(last.eval_count, Some(3));
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn generate_34_line_over_the_limit() {
    // The 3567-byte final line with a 1000-byte limit: the earlier lines, then LineTooLong.
    let cap = capture("34");
    let replay = Replay::serve(&cap);
    let client = Client::builder()
        .host(replay.url())
        .timeout(TIMEOUT)
        .max_line_bytes(1000)
        .build()
        .unwrap();
    let stream = client
        .generate_stream(GenerateRequest::new("tiny", "hello"))
        .await
        .unwrap();
    let (items, err) = drain(stream).await;
    assert_eq!(items.len(), 3);
    assert!(
        matches!(err, Some(Error::LineTooLong { limit: 1000 })),
        "{err:?}"
    );
}

#[tokio::test]
async fn generate_98_stream_logprobs() {
    let (cap, replay, client) = serve("98");
    let req = GenerateRequest::new("tiny", "hello")
        .logprobs(true)
        .top_logprobs(2)
        .options(opts(3));
    let items = drain_ok(client.generate_stream(req).await.unwrap()).await;
    assert_eq!(items.len(), 4);
    // One logprob per token line, none on the final line; together they equal 25's array.
    let expected = logprobs_25();
    for (i, item) in items[..3].iter().enumerate() {
        assert_eq!(item.logprobs.as_deref(), Some(&expected[i..=i]));
        assert_eq!(item.response, expected[i].token);
    }
    assert_eq!(items[3].logprobs, None);
    assert!(items[3].done);
    assert_eq!(items[3].load_duration, Some(256936550));
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn image_generation_fields_go_out_and_come_back() {
    let server = TestServer::start();
    let c = client(&server);
    let req = GenerateRequest::new("tiny", "a red fox")
        .width(64)
        .height(48)
        .steps(3);
    let mut stream = c.generate_stream(req.clone()).await.unwrap();
    let mut progress = Vec::new();
    let mut image = None;
    while let Some(part) = futures_util::StreamExt::next(&mut stream).await {
        let part = part.unwrap();
        if let (Some(done), Some(total)) = (part.completed, part.total) {
            progress.push((done, total));
        }
        if part.image.is_some() {
            assert!(part.done);
            image = part.image;
        }
    }
    assert_eq!(progress, [(1, 3), (2, 3), (3, 3)]);
    assert_eq!(
        image.as_deref(),
        Some(ollama_test_server::image_base64(64, 48, "a red fox").as_str())
    );
    let sent = server.requests_to("/api/generate")[0].json();
    assert_eq!(
        (&sent["width"], &sent["height"], &sent["steps"]),
        (&json!(64), &json!(48), &json!(3))
    );

    let whole = c.generate(req.width(8)).await.unwrap();
    assert_eq!(
        whole.image.as_deref(),
        Some(ollama_test_server::image_base64(8, 48, "a red fox").as_str())
    );
    assert_eq!(whole.completed, None);
}

#[test]
fn image_fields_are_left_out_when_unset() {
    let plain = GenerateRequest::new("m", "p");
    assert_eq!(
        serde_json::to_string(&plain).unwrap(),
        r#"{"model":"m","prompt":"p"}"#
    );
    let text = serde_json::to_string(&GenerateResponse::default()).unwrap();
    for field in ["image", "completed", "total"] {
        assert!(!text.contains(field), "{text}");
    }
    let line: GenerateResponse =
        serde_json::from_str(r#"{"model":"m","response":"","done":false,"completed":2,"total":9}"#)
            .unwrap();
    assert_eq!(
        (line.completed, line.total, line.image),
        (Some(2), Some(9), None)
    );
}
