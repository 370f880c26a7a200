//! The blocking [`ClientBuilder`], and the blocking client's methods for
//! endpoints this crate has no type for.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Client, ResponseIter};
use crate::error::Result;

/// Builds a blocking [`Client`]: the settings of the async
/// [`ClientBuilder`](crate::ClientBuilder), with a `build` that gives a
/// blocking client. Made by [`Client::builder`], or from an async builder
/// with `From` (for settings added there first).
///
/// ```no_run
/// use std::time::Duration;
/// let client = ollama_rs::blocking::Client::builder()
///     .host("http://gpu-box:11434")
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # Ok::<(), ollama_rs::Error>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    inner: crate::client::ClientBuilder,
}

impl From<crate::client::ClientBuilder> for ClientBuilder {
    fn from(inner: crate::client::ClientBuilder) -> Self {
        ClientBuilder { inner }
    }
}

/// Setters that hand their arguments to the async builder's.
macro_rules! delegate {
    ($( $(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),*); )*) => {
        $(
            $(#[$attr])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                ClientBuilder { inner: self.inner.$name($($arg),*) }
            }
        )*
    };
}

impl ClientBuilder {
    delegate! {
        /// See [`ClientBuilder::host`](crate::ClientBuilder::host).
        fn host(host: impl Into<String>);
        /// See [`ClientBuilder::header`](crate::ClientBuilder::header).
        fn header(name: impl Into<String>, value: impl Into<String>);
        /// See [`ClientBuilder::timeout`](crate::ClientBuilder::timeout).
        fn timeout(timeout: Duration);
        /// See [`ClientBuilder::total_timeout`](crate::ClientBuilder::total_timeout).
        fn total_timeout(timeout: Duration);
        /// See [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout).
        fn connect_timeout(timeout: Duration);
        /// See [`ClientBuilder::follow_redirects`](crate::ClientBuilder::follow_redirects).
        fn follow_redirects(follow: bool);
        /// See [`ClientBuilder::http_client`](crate::ClientBuilder::http_client):
        /// an async `reqwest::Client`, which the blocking client drives.
        fn http_client(client: reqwest::Client);
        /// See [`ClientBuilder::reuse_connections`](crate::ClientBuilder::reuse_connections).
        fn reuse_connections(reuse: bool);
        /// See `ClientBuilder::add_root_certificate` (only with a TLS feature).
        #[cfg(feature = "__tls")]
        #[cfg_attr(docsrs, doc(cfg(any(feature = "rustls-tls", feature = "native-tls"))))]
        fn add_root_certificate(cert: reqwest::Certificate);
        /// See [`ClientBuilder::max_line_bytes`](crate::ClientBuilder::max_line_bytes).
        fn max_line_bytes(limit: usize);
        /// See [`ClientBuilder::api_key`](crate::ClientBuilder::api_key).
        fn api_key(key: Option<String>);
        /// See [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy).
        fn retry_policy(policy: crate::RetryPolicy);
        /// See [`ClientBuilder::retries`](crate::ClientBuilder::retries).
        fn retries(max_retries: u32);
        /// See [`ClientBuilder::web_base_url`](crate::ClientBuilder::web_base_url).
        fn web_base_url(url: impl Into<String>);
    }

    /// Applies any setting of the async builder, including ones this
    /// builder has no method for.
    pub fn with_async(self, f: impl FnOnce(crate::ClientBuilder) -> crate::ClientBuilder) -> Self {
        ClientBuilder {
            inner: f(self.inner),
        }
    }

    /// Builds the client, with a runtime of its own; fails as
    /// [`ClientBuilder::build`](crate::ClientBuilder::build) does.
    pub fn build(self) -> Result<Client> {
        Client::from_builder(self.inner)
    }
}

impl Client {
    /// A builder for a client with settings of its own.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// See the async [`post_as`](crate::Client::post_as): a `POST` of any
    /// JSON body to any path, the answer decoded as `T`.
    pub fn post_as<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.rt.block_on(self.inner.post_as(path, body))
    }

    /// See the async [`post_stream_as`](crate::Client::post_stream_as): one
    /// `T` per line of the answer.
    pub fn post_stream_as<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<ResponseIter<T>> {
        let stream = self.rt.block_on(self.inner.post_stream_as(path, body))?;
        Ok(ResponseIter {
            stream,
            rt: self.rt.clone(),
        })
    }
}
