//! ollama.com's web search and fetch, against the test server standing in
//! for ollama.com (`web_base_url`).

use ollama_rs::{
    Client, Error, WebFetchRequest, WebSearchRequest, WebSearchResult, DEFAULT_WEB_SEARCH_RESULTS,
};
use pretty_assertions::assert_eq;
use serde_json::json;

use ollama_test_server::{TestServer, WEB_API_KEY};

/// A client whose Ollama server is `ollama` and whose ollama.com is `web`.
fn web_client(ollama: &TestServer, web: &TestServer, key: Option<&str>) -> Client {
    Client::builder()
        .host(ollama.url())
        .web_base_url(web.url())
        .api_key(key.map(str::to_string))
        .build()
        .unwrap()
}

#[tokio::test]
async fn web_search_sends_the_query_and_the_key() {
    let ollama = TestServer::start();
    let web = TestServer::start();
    let c = Client::builder()
        .host(ollama.url())
        .web_base_url(format!("{}/", web.url()))
        .api_key(Some(WEB_API_KEY.into()))
        .header("X-Api-Key", "for-the-ollama-server-only")
        .header("X-Trace", "1")
        .build()
        .unwrap();
    let found = c.web_search("rust async").await.unwrap();
    assert_eq!(found.results.len(), DEFAULT_WEB_SEARCH_RESULTS as usize);
    assert_eq!(found.results[0], {
        let mut r = WebSearchResult::default();
        r.title = Some("Result 1 for rust async".into());
        r.url = Some("https://example.com/1".into());
        r.content = Some("About rust async, part 1".into());
        r
    });
    let sent = &web.requests_to("/api/web_search")[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.json(),
        json!({"query": "rust async", "max_results": 3})
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {WEB_API_KEY}").as_str())
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    // The headers given for the Ollama server stay there.
    assert_eq!(sent.header("x-api-key"), None);
    assert_eq!(sent.header("x-trace"), None);
    assert!(ollama.requests().is_empty());

    let more = c
        .web_search(WebSearchRequest::new("x").max_results(7))
        .await
        .unwrap();
    assert_eq!(more.results.len(), 7);
    assert_eq!(
        web.requests_to("/api/web_search")[1].json(),
        json!({"query": "x", "max_results": 7})
    );
}

#[tokio::test]
async fn web_fetch_returns_title_content_and_links() {
    let ollama = TestServer::start();
    let web = TestServer::start();
    let c = web_client(&ollama, &web, Some(WEB_API_KEY));
    let page = c
        .web_fetch(WebFetchRequest::new("https://example.org"))
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Page https://example.org"));
    assert_eq!(
        page.content.as_deref(),
        Some("Content of https://example.org")
    );
    assert_eq!(
        page.links,
        Some(vec![
            "https://example.org/a".to_string(),
            "https://example.org/b".to_string()
        ])
    );
    let sent = &web.requests_to("/api/web_fetch")[0];
    assert_eq!(sent.json(), json!({"url": "https://example.org"}));
}

#[tokio::test]
async fn a_missing_key_fails_before_sending() {
    let ollama = TestServer::start();
    let web = TestServer::start();
    let c = web_client(&ollama, &web, None);
    for result in [
        c.web_search("q").await.map(|_| ()),
        c.web_fetch("https://example.org").await.map(|_| ()),
    ] {
        match result {
            Err(Error::InvalidRequest(m)) => assert!(m.contains("OLLAMA_API_KEY"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    // The host's user name and password are not a key for ollama.com.
    let with_userinfo = Client::builder()
        .host(format!("http://me:pw@127.0.0.1:{}", ollama.port()))
        .web_base_url(web.url())
        .api_key(None)
        .build()
        .unwrap();
    assert!(matches!(
        with_userinfo.web_search("q").await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(web.requests().is_empty());
    assert!(ollama.requests().is_empty());
}

#[tokio::test]
async fn a_bearer_header_is_a_key_and_a_wrong_key_is_the_server_s_401() {
    let ollama = TestServer::start();
    let web = TestServer::start();
    let c = Client::builder()
        .host(ollama.url())
        .web_base_url(web.url())
        .api_key(None)
        .header("Authorization", format!("Bearer {WEB_API_KEY}"))
        .build()
        .unwrap();
    assert_eq!(c.web_search("q").await.unwrap().results.len(), 3);

    let wrong = web_client(&ollama, &web, Some("wrong"));
    match wrong.web_fetch("https://example.org").await {
        Err(Error::Api {
            status: 401,
            message,
        }) => assert_eq!(message, "unauthorized"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn empty_queries_and_urls_are_refused() {
    let ollama = TestServer::start();
    let c = web_client(&ollama, &ollama, Some(WEB_API_KEY));
    assert!(matches!(
        c.web_search("  ").await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        c.web_fetch("").await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(ollama.requests().is_empty());
}

#[test]
fn web_base_url_must_be_http() {
    for bad in ["ftp://example.com", "not a url"] {
        assert!(matches!(
            Client::builder()
                .host("127.0.0.1:1")
                .web_base_url(bad)
                .build(),
            Err(Error::InvalidRequest(_))
        ));
    }
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_web_search_and_fetch() {
    let ollama = TestServer::start();
    let web = TestServer::start();
    let c = ollama_rs::blocking::Client::from_builder(
        Client::builder()
            .host(ollama.url())
            .web_base_url(web.url())
            .api_key(Some(WEB_API_KEY.into())),
    )
    .unwrap();
    assert_eq!(c.web_search("q").unwrap().results.len(), 3);
    assert_eq!(
        c.web_fetch("https://a.example").unwrap().title.as_deref(),
        Some("Page https://a.example")
    );
}
