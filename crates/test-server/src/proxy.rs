//! A small HTTP proxy on `127.0.0.1` for the proxy tests. It records the head of every request
//! it is sent, and relays:
//!
//! - absolute-form requests (`GET http://ollama.internal:11434/api/tags HTTP/1.1`) to the plain
//!   [`TestServer`] it was given, in origin form, one request per connection;
//! - `CONNECT host:port` by a tunnel to the HTTPS test server it was given.
//!
//! Whatever authority a request names, the proxy connects only to those two servers on
//! `127.0.0.1`: it never resolves a name and never dials anything else.
//!
//! ```ignore
//! let proxy = TestProxy::start(&server, Some(&tls_server));
//! // ... run the client with HTTP_PROXY=proxy.url() ...
//! assert_eq!(proxy.requests()[0].target, "http://ollama.internal:11434/api/tags");
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use base64::Engine as _;

use super::{TestServer, TlsServer};

/// The head of one request the proxy was sent.
#[derive(Clone, Debug)]
pub struct ProxyRequest {
    /// `GET`, `POST`, `CONNECT`, ...
    pub method: String,
    /// As sent: an absolute URL, or `host:port` for `CONNECT`.
    pub target: String,
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
}

impl ProxyRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Longest wait for a client's request head, or for either side of a relay.
const IDLE: Duration = Duration::from_secs(30);

struct Config {
    http_backend: u16,
    tls_backend: Option<u16>,
    /// `user:password` the proxy requires, as Basic `Proxy-Authorization`.
    credentials: Option<String>,
}

/// The proxy; dropping it stops accepting (relays under way end with their connections).
pub struct TestProxy {
    port: u16,
    log: Arc<Mutex<Vec<ProxyRequest>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestProxy {
    /// A proxy relaying plain requests to `http` and `CONNECT` tunnels to `tls` (answered with
    /// 502 without one).
    pub fn start(http: &TestServer, tls: Option<&TlsServer>) -> TestProxy {
        TestProxy::launch(Config {
            http_backend: http.port(),
            tls_backend: tls.map(TlsServer::port),
            credentials: None,
        })
    }

    /// Like [`TestProxy::start`], but every request without `Proxy-Authorization: Basic` for
    /// `user:password` gets 407.
    pub fn with_credentials(
        http: &TestServer,
        tls: Option<&TlsServer>,
        user: &str,
        password: &str,
    ) -> TestProxy {
        TestProxy::launch(Config {
            http_backend: http.port(),
            tls_backend: tls.map(TlsServer::port),
            credentials: Some(format!("{user}:{password}")),
        })
    }

    fn launch(config: Config) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let config = Arc::new(config);
        let thread = thread::Builder::new()
            .name(format!("test-proxy-{port}"))
            .spawn({
                let (log, stop) = (Arc::clone(&log), Arc::clone(&stop));
                move || {
                    while !stop.load(Ordering::Relaxed) {
                        match listener.accept() {
                            Ok((client, _)) => {
                                let (log, config) = (Arc::clone(&log), Arc::clone(&config));
                                thread::spawn(move || {
                                    let _ = serve(client, &config, &log);
                                });
                            }
                            Err(_) => thread::sleep(Duration::from_millis(5)),
                        }
                    }
                }
            })
            .expect("spawn the proxy thread");
        TestProxy {
            port,
            log,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://user:password@127.0.0.1:PORT`
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@127.0.0.1:{}", self.port)
    }

    /// Every request head received so far, in order.
    pub fn requests(&self) -> Vec<ProxyRequest> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(client: TcpStream, config: &Config, log: &Mutex<Vec<ProxyRequest>>) -> io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(IDLE))?;
    client.set_nodelay(true)?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return answer(&client, "400 Bad Request");
    };
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let request = ProxyRequest {
        method: method.to_string(),
        target: target.to_string(),
        headers,
    };
    log.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(request.clone());

    if let Some(credentials) = &config.credentials {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        if request.header("proxy-authorization") != Some(expected.as_str()) {
            return answer(
                &client,
                "407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"",
            );
        }
    }

    if method.eq_ignore_ascii_case("CONNECT") {
        let Some(port) = config.tls_backend else {
            return answer(&client, "502 Bad Gateway");
        };
        let backend = TcpStream::connect(("127.0.0.1", port))?;
        (&client).write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
        let early = reader.buffer().to_vec();
        return pipe(client, backend, &early);
    }

    // An absolute URL: forward its path to the plain server, closing after one exchange.
    let Some(path) = target
        .strip_prefix("http://")
        .map(|rest| rest.find('/').map_or("/", |i| &rest[i..]))
    else {
        return answer(&client, "400 Bad Request");
    };
    let mut head = format!("{method} {path} {version}\r\n");
    for (name, value) in &request.headers {
        if !matches!(
            name.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "keep-alive"
        ) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    let mut backend = TcpStream::connect(("127.0.0.1", config.http_backend))?;
    backend.write_all(head.as_bytes())?;
    let early = reader.buffer().to_vec();
    pipe(client, backend, &early)
}

/// Answers with `status` (which may carry more header lines) and an empty body, and closes.
fn answer(mut client: &TcpStream, status: &str) -> io::Result<()> {
    write!(
        client,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    client.shutdown(Shutdown::Both)
}

/// Copies bytes both ways (`early`: client bytes already read) until one side is done; then
/// closes both.
fn pipe(client: TcpStream, backend: TcpStream, early: &[u8]) -> io::Result<()> {
    backend.set_read_timeout(Some(IDLE))?;
    backend.set_nodelay(true)?;
    let mut upstream = backend.try_clone()?;
    upstream.write_all(early)?;
    let mut client_reader = client.try_clone()?;
    let up = thread::spawn(move || {
        let _ = copy(&mut client_reader, &mut upstream);
        let _ = upstream.shutdown(Shutdown::Write);
    });
    let (mut backend_reader, mut downstream) = (backend.try_clone()?, client.try_clone()?);
    let _ = copy(&mut backend_reader, &mut downstream);
    let _ = client.shutdown(Shutdown::Both);
    let _ = backend.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}

fn copy(from: &mut TcpStream, to: &mut TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buf[..n])?;
    }
}
