//! Blobs, create, pull and push: uploads and progress streams.

use sha2::Digest as _;

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use ollama_rs::{BlobProgress, CreateRequest, Error, ProgressResponse, PullRequest, PushRequest};
use pretty_assertions::assert_eq;

use ollama_test_server::replay::{capture, Capture, Replay};
use ollama_test_server::TestServer;

use crate::support::*;

#[tokio::test]
async fn create_blob_uploads_once_and_streams_the_file() {
    let server = TestServer::start();
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.gguf");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    let digest = c.create_blob(&path).await.unwrap();
    let want = format!("sha256:{:x}", sha2::Sha256::digest(&data));
    assert_eq!(digest, want);
    assert!(server.has_blob(&digest));
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    // Again: the server has it, so only a HEAD goes out.
    c.create_blob(&path).await.unwrap();
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    let e = c.create_blob(dir.path().join("missing")).await.unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
}

#[tokio::test]
async fn create_pull_and_push_stream_progress() {
    let server = TestServer::start();
    let c = client(&server);
    let mut s = c
        .create_stream(
            CreateRequest::new("mine")
                .from_model("tiny")
                .system("be brief"),
        )
        .await
        .unwrap();
    let mut statuses = Vec::new();
    while let Some(p) = s.next().await {
        statuses.push(p.unwrap().status);
    }
    assert_eq!(statuses.last().map(String::as_str), Some("success"));
    assert_eq!(
        c.show("mine").await.unwrap().system.as_deref(),
        Some("be brief")
    );
    let done = c
        .push(PushRequest::new("mine").insecure(true))
        .await
        .unwrap();
    assert_eq!(done.status, "success");
    let mut s = c
        .pull_stream(PullRequest::new("tiny").insecure(true))
        .await
        .unwrap();
    let mut last = None;
    while let Some(p) = s.next().await {
        last = Some(p.unwrap());
    }
    assert_eq!(last.unwrap().status, "success");
    let mut s = c
        .pull_stream(PullRequest::new("no-such-model"))
        .await
        .unwrap();
    let mut err = None;
    while let Some(p) = s.next().await {
        if let Err(e) = p {
            err = Some(e);
        }
    }
    let err = err.unwrap();
    assert!(err.is_model_not_found(), "{err:?}");
}

/// The digest of [`BLOB`]; also the "got" digest in capture 56.
const BLOB_DIGEST: &str = "sha256:44505fc52face380adff2956c009dbde8b7e6cd3a7a9878f0d1ea4acd011752d";
/// The body capture 56 uploaded, reused as the file for the blob tests.
const BLOB: &[u8] = b"some bytes that do not match the digest\n";

/// The digest the create captures name as the uploaded GGUF.
const GGUF_DIGEST: &str = "sha256:936219a893deab01c75ed08736e38f760b8c77eea996f551ca60aec305502a6e";

/// A capture answered on another path (the blob digests of the tests differ from the captured ones,
/// and routes match on the exact path).
fn at_path(name: &str, path: &str) -> Capture {
    let mut c = capture(name);
    c.request.path = path.to_owned();
    c
}

fn layer(status: &str, digest: &str, bytes: u64) -> ProgressResponse {
    let mut r = ProgressResponse::default();
    r.status = status.into();
    r.digest = Some(digest.into());
    r.total = Some(bytes);
    r.completed = Some(bytes);
    r
}

fn statuses(items: &[ProgressResponse]) -> Vec<&str> {
    items.iter().map(|p| p.status.as_str()).collect()
}

/// A file holding [`BLOB`], deleted when the test ends.
fn blob_file() -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(BLOB).expect("write temp file");
    f.flush().expect("flush temp file");
    f
}

fn blob_path() -> String {
    format!("/api/blobs/{BLOB_DIGEST}")
}

#[tokio::test]
async fn blob_55_present() {
    let (cap, replay, client) = serve("55");
    let digest = cap.request.path.strip_prefix("/api/blobs/").unwrap();
    assert!(client.blob_exists(digest).await.unwrap());
    let s = only_request(&replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("HEAD", cap.request.path.as_str())
    );
    assert!(s.body.is_empty());
}

#[tokio::test]
async fn blob_52_missing() {
    let (cap, replay, client) = serve("52");
    let digest = cap.request.path.strip_prefix("/api/blobs/").unwrap();
    // A 404 to HEAD is the answer "no", not an error, although it advertises an error body.
    assert!(!client.blob_exists(digest).await.unwrap());
    let s = only_request(&replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("HEAD", cap.request.path.as_str())
    );
}

#[tokio::test]
async fn create_blob_uploads_when_missing_52_53() {
    let replay = Replay::serve_routes(&[at_path("52", &blob_path()), at_path("53", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let digest = client
        .create_blob_with_progress(file.path(), move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(digest, BLOB_DIGEST);

    let reqs = sent(&replay);
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("HEAD", blob_path().as_str())
    );
    let post = &reqs[1];
    assert_eq!(
        (post.method.as_str(), post.path.as_str()),
        ("POST", blob_path().as_str())
    );
    assert_eq!(post.body, BLOB);
    assert_eq!(post.header("content-type"), "application/octet-stream");
    assert_eq!(post.header("content-length"), "40");

    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.last(),
        Some(&BlobProgress::Uploading {
            done: 40,
            total: 40
        })
    );
    assert!(seen.contains(&BlobProgress::Hashing {
        done: 40,
        total: 40
    }));
    assert!(!seen.contains(&BlobProgress::Exists));
}

#[tokio::test]
async fn create_blob_skips_upload_when_present_55() {
    let replay = Replay::serve_routes(&[at_path("55", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let digest = client
        .create_blob_with_progress(file.path(), move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(digest, BLOB_DIGEST);
    assert_eq!(only_request(&replay).method, "HEAD");
    assert_eq!(seen.lock().unwrap().last(), Some(&BlobProgress::Exists));
}

#[tokio::test]
async fn create_blob_56_digest_mismatch() {
    let replay = Replay::serve_routes(&[at_path("52", &blob_path()), at_path("56", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    assert_api(
        client.create_blob(file.path()).await,
        &capture("56"),
        400,
        "digest mismatch, expected \"sha256:a1621be95040239ee14362c16e20510ddc20f527d772d823b2a1679b33f5cd74\", got \"sha256:44505fc52face380adff2956c009dbde8b7e6cd3a7a9878f0d1ea4acd011752d\"",
    );
    let reqs = sent(&replay);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body, BLOB);
}

#[tokio::test]
async fn create_blob_58_bad_digest_format() {
    let replay = Replay::serve_routes(&[at_path("52", &blob_path()), at_path("58", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    assert_api(
        client.create_blob(file.path()).await,
        &capture("58"),
        400,
        "invalid digest format",
    );
}

#[tokio::test]
async fn blob_exists_other_status_is_an_error_58() {
    // A HEAD answer has no body to read a message from, so the reason phrase stands in for it.
    let (_cap, _replay, client) = serve("58");
    let err = client.blob_exists("sha256:1234").await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message } if message == "bad request"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_blob_missing_file_is_io_error() {
    let (_cap, replay, client) = serve("55");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.gguf");
    let err = client.create_blob(&path).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(replay.requests().is_empty());
}

#[tokio::test]
async fn create_60_stream() {
    let (cap, replay, client) = serve("60");
    let req = CreateRequest::new("tiny-files").files([("tiny.gguf", GGUF_DIGEST)]);
    let items = drain_ok(client.create_stream(req).await.unwrap()).await;
    assert_eq!(
        items,
        [
            progress("parsing GGUF"),
            progress("verifying conversion"),
            progress("using existing layer sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998"),
            progress("using autodetected template chatml"),
            progress("using existing layer sha256:f02dd72bb2423204352eabc5637b44d79d17f109fdb510a7c51455892aa2d216"),
            progress("writing manifest"),
            progress("success"),
        ]
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/create",
        "application/x-ndjson",
        &format!(
            r#"{{"model":"tiny-files","files":{{"tiny.gguf":"{GGUF_DIGEST}"}},"stream":true}}"#
        ),
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn create_61_nonstream() {
    let (cap, replay, client) = serve("61");
    let req = CreateRequest::new("tiny-files2").files([("tiny.gguf", GGUF_DIGEST)]);
    assert_eq!(client.create(req).await.unwrap(), progress("success"));
    // Same fields in the same order as the capture: byte-identical.
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn create_64_error_line_after_progress() {
    let (cap, replay, client) = serve("64");
    let req = CreateRequest::new("tiny-x").from_model("127.0.0.1:5000/library/nope");
    const MSG: &str = "pull model manifest: Get \"https://127.0.0.1:5000/v2/library/nope/manifests/latest\": http: server gave HTTP response to HTTPS client";
    let (items, err) = drain(client.create_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("pulling manifest")]);
    let err = err.expect("an error line");
    assert_stream_error(&err, MSG);
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, Some(true));

    // The single-answer call on the same body: the last line is an error line, so it is that error.
    let replay = Replay::serve(&cap);
    let err = client_for(&replay).create(req).await.unwrap_err();
    assert_stream_error(&err, MSG);
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn create_65_quantize_error_line() {
    let (cap, replay, client) = serve("65");
    let req = CreateRequest::new("tiny-q8")
        .files([("tiny.gguf", GGUF_DIGEST)])
        .quantize("q8_0");
    const MSG: &str = "quantization is only supported for F16, BF16 and F32 models";
    let (items, err) = drain(client.create_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("parsing GGUF")]);
    assert_stream_error(&err.expect("an error line"), MSG);
    assert_same_body(&replay, &cap, Some(true));

    let replay = Replay::serve(&cap);
    assert_stream_error(&client_for(&replay).create(req).await.unwrap_err(), MSG);
}

#[tokio::test]
async fn create_67_chunked_500_before_the_stream() {
    let (cap, replay, client) = serve("67");
    let req = CreateRequest::new("tiny-q4")
        .from_model("tiny-q8")
        .quantize("q4_K_M");
    assert!(cap.response.is_chunked());
    assert_api(
        client.create_stream(req.clone()).await,
        &cap,
        500,
        "quantization is only supported for F16, BF16 and F32 models",
    );
    assert_same_body(&replay, &cap, Some(true));
    let replay = Replay::serve(&cap);
    assert_api(
        client_for(&replay).create(req).await,
        &cap,
        500,
        "quantization is only supported for F16, BF16 and F32 models",
    );
}

#[tokio::test]
async fn create_68_chunked_400_before_the_stream() {
    let (cap, replay, client) = serve("68");
    let req = CreateRequest::new("tiny-empty").system("nothing to build on");
    assert_api(
        client.create_stream(req).await,
        &cap,
        400,
        "neither 'from' or 'files' was specified",
    );
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn create_69_bad_file_path() {
    let (cap, replay, client) = serve("69");
    let req = CreateRequest::new("tiny-bad").files([("../x.gguf", GGUF_DIGEST)]);
    assert_api(
        client.create_stream(req).await,
        &cap,
        400,
        "file path must be relative",
    );
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn push_70_stream() {
    let (cap, replay, client) = serve("70");
    let req = PushRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true);
    let items = drain_ok(client.push_stream(req).await.unwrap()).await;
    assert_eq!(items.len(), 10);
    assert_eq!(items[0], progress("retrieving manifest"));
    assert_eq!(
        items[1],
        layer(
            "pushing 8de0a46aec06",
            "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998",
            482944
        )
    );
    assert_eq!(
        items[7],
        layer(
            "pushing bc6c655310bb",
            "sha256:bc6c655310bb6125b91599affdb663cc7defdb5c43e95cd8704205e3aed2bc90",
            152
        )
    );
    let totals: Vec<u64> = items[1..8].iter().map(|p| p.total.unwrap()).collect();
    assert_eq!(totals, [482944, 131, 26, 18, 77, 78, 152]);
    assert!(items[1..8].iter().all(|p| p.completed == p.total));
    assert_eq!(statuses(&items[8..]), ["pushing manifest", "success"]);
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/push",
        "application/x-ndjson",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true,"stream":true}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn push_72_missing_model_error_line() {
    let (cap, replay, client) = serve("72");
    let req = PushRequest::new("127.0.0.1:5000/library/nope").insecure(true);
    const MSG: &str = "open /home/user/.ollama/models/manifests/127.0.0.1:5000/library/nope/latest: no such file or directory";
    let (items, err) = drain(client.push_stream(req.clone()).await.unwrap()).await;
    assert_eq!(
        statuses(&items),
        ["retrieving manifest", "couldn't retrieve manifest"]
    );
    assert_stream_error(&err.expect("an error line"), MSG);
    assert_same_body(&replay, &cap, Some(true));

    let replay = Replay::serve(&cap);
    assert_stream_error(&client_for(&replay).push(req).await.unwrap_err(), MSG);
}

#[tokio::test]
async fn push_73_without_insecure_error_line() {
    let (cap, replay, client) = serve("73");
    let req = PushRequest::new("127.0.0.1:5000/library/tiny-full");
    const MSG: &str = "Head \"https://127.0.0.1:5000/v2/library/tiny-full/blobs/sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\": http: server gave HTTP response to HTTPS client";
    let (items, err) = drain(client.push_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("retrieving manifest")]);
    assert_stream_error(&err.expect("an error line"), MSG);
    // insecure unset is left out, not sent as false.
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/push",
        "application/x-ndjson",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","stream":true}"#,
    );

    let replay = Replay::serve(&cap);
    assert_stream_error(&client_for(&replay).push(req).await.unwrap_err(), MSG);
}

#[tokio::test]
async fn pull_74_stream() {
    let (cap, replay, client) = serve("74");
    let req = PullRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true);
    let items = drain_ok(client.pull_stream(req).await.unwrap()).await;
    assert_eq!(
        items,
        [
            progress("pulling manifest"),
            layer(
                "pulling 8de0a46aec06",
                "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998",
                482944
            ),
            layer(
                "pulling bc6c655310bb",
                "sha256:bc6c655310bb6125b91599affdb663cc7defdb5c43e95cd8704205e3aed2bc90",
                152
            ),
            progress("verifying sha256 digest"),
            progress("writing manifest"),
            progress("success"),
        ]
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/pull",
        "application/x-ndjson",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true,"stream":true}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn pull_75_nonstream() {
    let (cap, replay, client) = serve("75");
    let req = PullRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true);
    assert_eq!(client.pull(req).await.unwrap(), progress("success"));
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/pull",
        "application/json",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true,"stream":false}"#,
    );
    assert_eq!(s.body, cap.request.body);
}

#[tokio::test]
async fn pull_76_missing_repo_error_line() {
    let (cap, replay, client) = serve("76");
    let req = PullRequest::new("127.0.0.1:5000/library/nope").insecure(true);
    const MSG: &str = "pull model manifest: file does not exist";
    let (items, err) = drain(client.pull_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("pulling manifest")]);
    let err = err.expect("an error line");
    assert_stream_error(&err, MSG);
    assert!(err.is_model_not_found());
    assert_eq!(err.to_string(), MSG);
    assert_same_body(&replay, &cap, Some(true));

    let replay = Replay::serve(&cap);
    let err = client_for(&replay).pull(req).await.unwrap_err();
    assert_stream_error(&err, MSG);
    assert!(err.is_model_not_found());
}

#[tokio::test]
async fn pull_77_missing_repo_nonstream_is_500() {
    let (cap, replay, client) = serve("77");
    let req = PullRequest::new("127.0.0.1:5000/library/nope").insecure(true);
    let err = assert_api(
        client.pull(req).await,
        &cap,
        500,
        "pull model manifest: file does not exist",
    );
    // The 500 still means the model does not exist.
    assert!(err.is_model_not_found());
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn pull_78_without_insecure_is_500() {
    let (cap, replay, client) = serve("78");
    let req = PullRequest::new("127.0.0.1:5000/library/tiny-full");
    let err = assert_api(
        client.pull(req).await,
        &cap,
        500,
        "pull model manifest: Get \"https://127.0.0.1:5000/v2/library/tiny-full/manifests/latest\": http: server gave HTTP response to HTTPS client",
    );
    assert!(!err.is_model_not_found());
    assert_eq!(only_request(&replay).body, cap.request.body);
}
