//! HTTPS for the test server: a front on `127.0.0.1` that ends TLS with a certificate made at
//! test time and relays the plain bytes to a [`TestServer`] behind it. The front also serves
//! plain TCP on other loopback addresses (`[::1]`), for tests of which address is dialled.
//!
//! ```ignore
//! let server = TlsServer::start(); // certificate for 127.0.0.1, localhost and ollama.internal
//! let ca = server.write_ca(dir.path()); // the CA that signed it, as PEM
//! // ... run the client against server.url() with --cacert ca ...
//! assert_eq!(server.backend().requests_to("/api/tags").len(), 1);
//! ```
//!
//! Each server has its own CA, so one test's CA never makes another test's certificate trusted.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::TestServer;

/// The names the default certificate is for: both loopback spellings, and the name the proxy
/// tests use for a server that is not on loopback.
pub const DEFAULT_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "ollama.internal"];

/// A CA, and a server certificate it signed.
pub struct TestCertificates {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The server certificate, DER.
    pub server_der: Vec<u8>,
    /// The server certificate's private key, PKCS #8 PEM.
    pub server_key_pem: String,
}

impl TestCertificates {
    /// A fresh CA and a certificate it signed for `names`: IP addresses become IP
    /// subjectAltNames, anything else a DNS name.
    pub fn new(names: &[&str]) -> TestCertificates {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        // A name of its own: a certificate is matched to its CA by name before the signature
        // is checked, so two CAs of one name would be told apart by a bad signature only.
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        ca.distinguished_name.push(
            DnType::CommonName,
            format!("ollama-rs test CA {} {serial}", std::process::id()),
        );
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).expect("self-signed CA");
        let issuer = rcgen::Issuer::new(ca, ca_key);

        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        // `CertificateParams::new` turns names that parse as IP addresses into IP SANs.
        let mut leaf = CertificateParams::new(names).expect("server certificate parameters");
        leaf.distinguished_name
            .push(DnType::CommonName, "ollama-rs test server");
        let leaf_key = KeyPair::generate().expect("server key");
        let leaf_cert = leaf
            .signed_by(&leaf_key, &issuer)
            .expect("signed server certificate");
        TestCertificates {
            ca_pem: ca_cert.pem(),
            server_der: leaf_cert.der().to_vec(),
            server_key_pem: leaf_key.serialize_pem(),
        }
    }

    fn server_config(&self) -> rustls::ServerConfig {
        let key = PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes()).expect("key PEM");
        let chain = vec![CertificateDer::from(self.server_der.clone())];
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate and key")
    }
}

/// An HTTPS [`TestServer`]: the TLS front and the server behind it. Dropping it stops both.
pub struct TlsServer {
    front: Front,
    certificates: TestCertificates,
    backend: TestServer,
}

impl TlsServer {
    /// A seeded server with a certificate for [`DEFAULT_NAMES`].
    pub fn start() -> TlsServer {
        TlsServer::with_names(&DEFAULT_NAMES)
    }

    /// A seeded server whose certificate is for `names` only.
    pub fn with_names(names: &[&str]) -> TlsServer {
        let backend = TestServer::start();
        let certificates = TestCertificates::new(names);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(certificates.server_config()));
        let front = Front::start(IpAddr::from([127, 0, 0, 1]), backend.port(), Some(acceptor));
        TlsServer {
            front,
            certificates,
            backend,
        }
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.front.port)
    }

    /// The port of the TLS front.
    pub fn port(&self) -> u16 {
        self.front.port
    }

    /// The PEM of the CA that signed the server's certificate.
    pub fn ca_pem(&self) -> &str {
        &self.certificates.ca_pem
    }

    /// Writes [`TlsServer::ca_pem`] to `dir/ca.pem` and returns that path.
    pub fn write_ca(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.ca_pem()).expect("write the CA certificate");
        path
    }

    /// The server behind the front, which records the requests.
    pub fn backend(&self) -> &TestServer {
        &self.backend
    }

    /// How many TCP connections the front accepted, whether or not TLS was agreed on them.
    pub fn connections(&self) -> usize {
        self.front.connections.load(Ordering::SeqCst)
    }
}

/// A TLS front for any server on a port of 127.0.0.1 (an MCP server over streamable HTTP, say),
/// with a certificate for [`DEFAULT_NAMES`] signed by a CA made for it. Dropping it stops it.
pub struct TlsFront {
    front: Front,
    certificates: TestCertificates,
}

impl TlsFront {
    /// A front relaying each connection, once TLS is agreed, to `127.0.0.1:port`.
    pub fn to_port(port: u16) -> TlsFront {
        let certificates = TestCertificates::new(&DEFAULT_NAMES);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(certificates.server_config()));
        let front = Front::start(IpAddr::from([127, 0, 0, 1]), port, Some(acceptor));
        TlsFront {
            front,
            certificates,
        }
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.front.port)
    }

    /// The PEM of the CA that signed the front's certificate.
    pub fn ca_pem(&self) -> &str {
        &self.certificates.ca_pem
    }
}

/// A plain TCP relay from another loopback address to a [`TestServer`], e.g. on `[::1]`.
pub struct Relay {
    front: Front,
}

impl Relay {
    /// Listens on `ip` (a loopback address), port chosen by the system, and relays every
    /// connection to `backend`. `None` when `ip` cannot be bound here.
    pub fn start(ip: IpAddr, backend: &TestServer) -> Option<Relay> {
        assert!(ip.is_loopback(), "test relays listen on loopback only");
        std::net::TcpListener::bind((ip, 0)).ok()?;
        Some(Relay {
            front: Front::start(ip, backend.port(), None),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.front.ip, self.front.port)
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        self.front.connections.load(Ordering::SeqCst)
    }
}

/// A listener on its own thread and runtime, relaying each connection, after an optional TLS
/// handshake, to `127.0.0.1:backend`.
struct Front {
    ip: IpAddr,
    port: u16,
    connections: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Front {
    fn start(ip: IpAddr, backend: u16, tls: Option<tokio_rustls::TlsAcceptor>) -> Front {
        let listener = std::net::TcpListener::bind((ip, 0)).expect("bind the front");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let (shutdown, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let counter = Arc::clone(&connections);
        let thread = std::thread::Builder::new()
            .name(format!("test-front-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("front runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        let accepted = tokio::select! {
                            a = listener.accept() => a,
                            _ = &mut stopped => break,
                        };
                        let Ok((client, _)) = accepted else { continue };
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(relay(client, backend, tls.clone()));
                    }
                });
                // Drops every connection still open.
                runtime.shutdown_background();
            })
            .expect("spawn the front thread");
        Front {
            ip,
            port,
            connections,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One connection: the handshake (a client that refuses the certificate ends it here), then
/// bytes both ways until either side closes.
async fn relay(
    client: tokio::net::TcpStream,
    backend: u16,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let _ = client.set_nodelay(true);
    let Ok(mut server) = tokio::net::TcpStream::connect(("127.0.0.1", backend)).await else {
        return;
    };
    let _ = server.set_nodelay(true);
    match tls {
        Some(acceptor) => {
            if let Ok(mut client) = acceptor.accept(client).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        }
        None => {
            let mut client = client;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
    }
}

impl TestServer {
    /// A seeded server behind HTTPS, with a certificate for [`DEFAULT_NAMES`] (see [`TlsServer`]).
    pub fn start_tls() -> TlsServer {
        TlsServer::start()
    }
}
