//! `chat` with an MCP server over streamable HTTP behind TLS: reached when
//! `--cacert` names the CA that signed its certificate, refused otherwise.

use serde_json::json;

use crate::harness::{stderr_of, Test};
use crate::mcp::HttpServer;
use ollama_test_server::{TestServer, TlsFront};

#[test]
fn an_https_server_is_trusted_with_cacert_and_refused_without() {
    let server = TestServer::start();
    let http = HttpServer::start();
    let url = url::Url::parse(&http.url).unwrap();
    let front = TlsFront::to_port(url.port().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, front.ca_pem()).unwrap();
    let config = dir.path().join("servers.json");
    let https = format!("{}{}", front.url(), url.path());
    std::fs::write(
        &config,
        json!({"mcpServers": {"secure": {"url": https}}}).to_string(),
    )
    .unwrap();
    let chat = || {
        Test::new()
            .server(&server)
            .args(&["chat", "tiny-tools", "--allow-all", "--mcp"])
            .arg(&config)
            .args(&["-m", r#"call add {"a":20,"b":22}"#])
    };
    chat().arg("--cacert").arg(&ca).stdout("echo: 42\n").run();
    // Without the CA, the server's certificate is refused: the one server
    // does not start (status 1), named.
    let out = chat().status(1).stdout("").run();
    let err = stderr_of(&out);
    assert!(err.contains("secure"), "{err}");
}
