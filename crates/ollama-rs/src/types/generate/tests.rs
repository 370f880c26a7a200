use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use super::*;
use crate::types::test_support::*;
use crate::types::*;

#[test]
fn full_generate_request_has_every_field() {
    let req = GenerateRequest::new("m", "p")
        .suffix("s")
        .system("sys")
        .template("t")
        .context(vec![1, 2])
        .stream(true)
        .raw(false)
        .format(Format::Json)
        .images(vec![Image::from_bytes(b"img")])
        .options(opts(&[("temperature", json!(0.5))]))
        .keep_alive(KeepAlive::from_secs(0.0))
        .think(Think::from(true))
        .truncate(true)
        .shift(false)
        .logprobs(true)
        .top_logprobs(3);
    assert_eq!(
        keys(&req),
        sorted(&[
            "model",
            "prompt",
            "suffix",
            "system",
            "template",
            "context",
            "stream",
            "raw",
            "format",
            "images",
            "options",
            "keep_alive",
            "think",
            "truncate",
            "shift",
            "logprobs",
            "top_logprobs"
        ])
    );
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(v["keep_alive"], json!(0));
    assert_eq!(v["images"], json!(["aW1n"]));
    assert_eq!(v["format"], json!("json"));
    // Requests decode too (a fake server reads them), and round-trip.
    let back: GenerateRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, req);
}

const C15_GENERATE_STREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:40.254253891Z","response":" h","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.254901415Z","response":"r","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.255341701Z","response":"a","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.25579461Z","response":"a","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.256261395Z","response":" lla","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.256654242Z","response":"r","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.257089889Z","response":"z","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.25748543Z","response":" lla","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.258717841Z","response":"","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100,100,277,117,125,277],"total_duration":19334064,"load_duration":5147271,"prompt_eval_count":24,"prompt_eval_duration":1728000,"eval_count":8,"eval_duration":3535000}
"##;

const C16_GENERATE_NONSTREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:40.645435719Z","response":" hraa llarz lla","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100,100,277,117,125,277],"total_duration":75095414,"load_duration":3147332,"prompt_eval_count":24,"prompt_eval_duration":62004000,"eval_count":8,"eval_duration":3127000}"##;

const C17_GENERATE_LOAD: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:39.629747389Z","response":"","done":true,"done_reason":"load"}"##;

const C25_GENERATE_LOGPROBS: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:42.950219663Z","response":" hra","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100],"total_duration":9112577,"load_duration":1846102,"prompt_eval_count":24,"prompt_eval_duration":821000,"eval_count":3,"eval_duration":3397000,"logprobs":[{"token":" h","logprob":-4.430198669433594,"bytes":[32,104],"top_logprobs":[{"token":"d","logprob":-1.0920945405960083,"bytes":[100]},{"token":" ","logprob":-1.577102780342102,"bytes":[32]}]},{"token":"r","logprob":-3.8591997623443604,"bytes":[114],"top_logprobs":[{"token":" lla","logprob":-1.585815668106079,"bytes":[32,108,108,97]},{"token":" ","logprob":-1.9381334781646729,"bytes":[32]}]},{"token":"a","logprob":-1.4799139499664307,"bytes":[97],"top_logprobs":[{"token":"a","logprob":-1.4799139499664307,"bytes":[97]},{"token":"z","logprob":-2.0242788791656494,"bytes":[122]}]}]}"##;

const C98_GENERATE_STREAM_LOGPROBS: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:19:56.292400004Z","response":" h","done":false,"logprobs":[{"token":" h","logprob":-4.430198669433594,"bytes":[32,104],"top_logprobs":[{"token":"d","logprob":-1.0920945405960083,"bytes":[100]},{"token":" ","logprob":-1.577102780342102,"bytes":[32]}]}]}
{"model":"tiny","created_at":"2026-11-25T03:19:56.293418433Z","response":"r","done":false,"logprobs":[{"token":"r","logprob":-3.8591997623443604,"bytes":[114],"top_logprobs":[{"token":" lla","logprob":-1.585815668106079,"bytes":[32,108,108,97]},{"token":" ","logprob":-1.9381334781646729,"bytes":[32]}]}]}
{"model":"tiny","created_at":"2026-11-25T03:19:56.294080034Z","response":"a","done":false,"logprobs":[{"token":"a","logprob":-1.4799139499664307,"bytes":[97],"top_logprobs":[{"token":"a","logprob":-1.4799139499664307,"bytes":[97]},{"token":"z","logprob":-2.0242788791656494,"bytes":[122]}]}]}
{"model":"tiny","created_at":"2026-11-25T03:19:56.294108608Z","response":"","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100],"total_duration":262217603,"load_duration":256936550,"prompt_eval_count":24,"prompt_eval_duration":1326000,"eval_count":3,"eval_duration":1344000}
"##;

#[test]
fn decode_generate_stream() {
    let rs: Vec<GenerateResponse> = lines(C15_GENERATE_STREAM);
    assert_eq!(rs.len(), 9);
    let text: String = rs.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hraa llarz lla");
    assert!(rs[..8].iter().all(|r| !r.done && r.done_reason.is_none()));
    assert_eq!(
        rs[0].created_at.as_deref(),
        Some("2026-11-25T03:09:40.254253891Z")
    );
    assert_eq!(rs[0].metrics(), Metrics::default());
    let last = &rs[8];
    assert!(last.done);
    assert_eq!(last.model, "tiny");
    assert_eq!(last.done_reason.as_deref(), Some("length"));
    assert_eq!(last.context.as_ref().unwrap().len(), 32);
    assert_eq!(
        last.metrics(),
        Metrics {
            total_duration: Some(19334064),
            load_duration: Some(5147271),
            prompt_eval_count: Some(24),
            prompt_eval_duration: Some(1728000),
            eval_count: Some(8),
            eval_duration: Some(3535000),
        }
    );
    let rate = last.metrics().eval_rate().unwrap();
    assert!((rate - 8.0 / 3535000.0 * 1e9).abs() < 1e-9, "{rate}");
    let prate = last.metrics().prompt_eval_rate().unwrap();
    assert!((prate - 24.0 / 1728000.0 * 1e9).abs() < 1e-9);
}

#[test]
fn decode_generate_single() {
    let r: GenerateResponse = serde_json::from_str(C16_GENERATE_NONSTREAM).unwrap();
    assert_eq!(r.response, " hraa llarz lla");
    assert!(r.done);
    assert_eq!(r.eval_count, Some(8));
    assert_eq!(r.thinking, None);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::from_str::<Value>(C16_GENERATE_NONSTREAM).unwrap()
    );
    // The metrics fields sit where the server puts them: the same bytes.
    assert_eq!(serde_json::to_string(&r).unwrap(), C16_GENERATE_NONSTREAM);
    let r: GenerateResponse = serde_json::from_str(C17_GENERATE_LOAD).unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("load"));
    assert_eq!(r.response, "");
    assert_eq!(r.metrics().eval_rate(), None);
}

#[test]
fn decode_logprobs() {
    let r: GenerateResponse = serde_json::from_str(C25_GENERATE_LOGPROBS).unwrap();
    let lp = r.logprobs.as_ref().unwrap();
    assert_eq!(lp.len(), 3);
    assert_eq!(lp[0].token, " h");
    assert_eq!(lp[0].logprob, -4.430198669433594);
    assert_eq!(lp[0].bytes, Some(vec![32, 104]));
    let top = lp[1].top_logprobs.as_ref().unwrap();
    assert_eq!(
        top[0],
        TopLogprob {
            token: " lla".into(),
            logprob: -1.585815668106079,
            bytes: Some(vec![32, 108, 108, 97])
        }
    );
    let rs: Vec<GenerateResponse> = lines(C98_GENERATE_STREAM_LOGPROBS);
    assert_eq!(rs.len(), 4);
    for (r, want) in rs[..3].iter().zip(lp) {
        assert_eq!(r.logprobs.as_deref(), Some(std::slice::from_ref(want)));
    }
    assert_eq!(rs[3].logprobs, None);
    assert_eq!(rs[3].eval_count, Some(3));
}
