//! Runs the integration tests' fake Ollama server standalone, for manual checks and benchmarks.
//!
//! ```text
//! cargo run --example test-server -- --port 11434
//! ```
//!
//! Prints the URL, then serves the seeded models until killed.

#[path = "../tests/server/mod.rs"]
mod server;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage());
            }
            _ => usage(),
        }
    }
    let server = server::TestServer::start_on(port);
    println!("{}", server.url());
    loop {
        std::thread::park();
    }
}

fn usage() -> ! {
    eprintln!("usage: test-server [--port N]");
    std::process::exit(2);
}
