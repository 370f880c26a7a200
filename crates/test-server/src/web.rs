//! `ollama.com`'s web search and fetch (`/api/web_search`, `/api/web_fetch`), and the image
//! answers of generate for image-generation requests (`width`, `height` or `steps` given).

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;
use serde_json::{json, Value};

use super::body::{Reply, Unit};
use super::clock;
use super::json as gojson;

/// The API key the web endpoints accept (`Authorization: Bearer <WEB_API_KEY>`).
pub const WEB_API_KEY: &str = "test-web-key";

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {WEB_API_KEY}"))
}

fn body_of(body: &[u8]) -> Result<Value, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(Reply::bad_request("invalid request body")),
    }
}

/// `POST /api/web_search` `{"query", "max_results"?}`: `max_results` (default 5, at most 10)
/// results `{title: "Result <i> for <query>", url: "https://example.com/<i>", content: "About
/// <query>, part <i>"}`, `i` from 1.
pub(crate) fn search(headers: &HeaderMap, body: &[u8]) -> Reply {
    if !authorized(headers) {
        return Reply::error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let req = match body_of(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let query = req.get("query").and_then(Value::as_str).unwrap_or("");
    if query.is_empty() {
        return Reply::bad_request("query is required");
    }
    let n = req
        .get("max_results")
        .and_then(Value::as_i64)
        .unwrap_or(5)
        .clamp(0, 10);
    let results: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "title": format!("Result {i} for {query}"),
                "url": format!("https://example.com/{i}"),
                "content": format!("About {query}, part {i}"),
            })
        })
        .collect();
    Reply::ok(&json!({ "results": results }))
}

/// `POST /api/web_fetch` `{"url"}`: `{title: "Page <url>", content: "Content of <url>", links:
/// ["<url>/a", "<url>/b"]}`.
pub(crate) fn fetch(headers: &HeaderMap, body: &[u8]) -> Reply {
    if !authorized(headers) {
        return Reply::error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let req = match body_of(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let url = req.get("url").and_then(Value::as_str).unwrap_or("");
    if url.is_empty() {
        return Reply::bad_request("url is required");
    }
    Reply::ok(&json!({
        "title": format!("Page {url}"),
        "content": format!("Content of {url}"),
        "links": [format!("{url}/a"), format!("{url}/b")],
    }))
}

/// The base64 image generate answers: the bytes `image <width>x<height>: <prompt>`.
pub fn image_base64(width: i64, height: i64, prompt: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("image {width}x{height}: {prompt}"))
}

/// An image-generation answer: streamed, one line per step `{completed: i, total: steps}`
/// (`steps` default 4) then a last line with `image` and `done: true`; not streamed, only that
/// last line. Width and height default to 512.
pub(crate) fn image(
    model: &str,
    prompt: &str,
    width: Option<i64>,
    height: Option<i64>,
    steps: Option<i64>,
    stream: bool,
) -> Reply {
    let (w, h) = (width.unwrap_or(512), height.unwrap_or(512));
    let steps = steps.unwrap_or(4).max(1);
    let last = json!({
        "model": model, "created_at": clock::rfc3339(clock::now()), "response": "",
        "image": image_base64(w, h, prompt), "done": true, "done_reason": "stop",
    });
    if !stream {
        return Reply::ok(&last);
    }
    let mut lines: Vec<Value> = (1..=steps)
        .map(|i| {
            json!({
                "model": model, "created_at": clock::rfc3339(clock::now()), "response": "",
                "done": false, "completed": i, "total": steps,
            })
        })
        .collect();
    lines.push(last);
    Reply::ndjson(
        lines
            .iter()
            .map(|l| Unit::Line(gojson::to_line(l)))
            .collect(),
    )
}
