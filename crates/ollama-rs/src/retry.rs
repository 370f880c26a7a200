//! Opt-in retries: [`RetryPolicy`].
//!
//! A request is sent again only when that cannot do anything twice:
//!
//! - the connection could not be made (refused, or no route): nothing was
//!   sent, so nothing happened on the server;
//! - the server answered `429 Too Many Requests` or `503 Service
//!   Unavailable` **with** `Retry-After`: it says it did not act on the
//!   request and when to come back.
//!
//! Nothing else is retried: not a timeout, not a connection that broke after
//! the request went out (the server may have acted on it: a pull or a
//! create), not a 503 without `Retry-After`, and never a stream once its
//! answer has started (a retry happens before the answer is handed over, so
//! a caller never sees a part twice). A request whose body is streamed (a
//! blob upload) cannot be sent twice and is never retried.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// When and how often a request is sent again. Off by default
/// ([`RetryPolicy::none`]); turn it on with
/// [`ClientBuilder::retries`](crate::ClientBuilder::retries) or
/// [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy).
///
/// After a refused connection the wait doubles from
/// [`base_delay`](Self::base_delay) at each try, up to
/// [`max_delay`](Self::max_delay). After a 429/503 the wait is the server's
/// `Retry-After` (seconds or an HTTP date); when that is longer than
/// `max_delay` the answer is returned as it is, without waiting.
///
/// Only what cannot do anything twice is retried: a connection that could
/// not be made (nothing was sent), and a 429 or 503 **with** `Retry-After`
/// (the server says it did not act). Never a timeout, a connection that
/// broke after the request went out, a 503 without `Retry-After`, a
/// streamed request body (a blob upload), nor a stream once its answer has
/// started: retries happen before the answer is handed over.
///
/// ```
/// use std::time::Duration;
/// use ollama_rs::RetryPolicy;
///
/// let policy = RetryPolicy::new(3).base_delay(Duration::from_millis(100));
/// assert_eq!(policy.max_retries(), 3);
/// assert_eq!(policy.backoff(0), Duration::from_millis(100));
/// assert_eq!(policy.backoff(2), Duration::from_millis(400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::none`].
    fn default() -> Self {
        RetryPolicy::none()
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once (the default).
    pub fn none() -> Self {
        RetryPolicy::new(0)
    }

    /// Up to `max_retries` retries (so `max_retries + 1` tries), waiting
    /// 250 ms after the first refused connection and at most 30 s.
    pub fn new(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }

    /// Sets the first wait after a refused connection (it doubles at each
    /// try).
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the longest wait: backoff stops growing there, and a
    /// `Retry-After` beyond it is not waited for.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How many times a request may be sent again.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retry` (from 0) after a refused
    /// connection: `base_delay * 2^retry`, at most `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retrying an answer with this status and headers, or
    /// `None` when it is not to be retried (not 429/503, no readable
    /// `Retry-After`, or one longer than `max_delay`).
    pub(crate) fn wait_for_answer(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
            return None;
        }
        let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        let wait = match value.parse::<u64>() {
            Ok(secs) => Duration::from_secs(secs),
            Err(_) => httpdate::parse_http_date(value)
                .ok()?
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO),
        };
        (wait <= self.max_delay).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn http_dates() {
        // The three forms HTTP recipients must read (RFC 9110, 5.6.7).
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            let t = httpdate::parse_http_date(form).unwrap();
            assert_eq!(
                t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
                784_111_777,
                "{form}"
            );
        }
        assert!(httpdate::parse_http_date("soon").is_err());
    }

    #[test]
    fn only_429_and_503_with_retry_after() {
        let policy = RetryPolicy::new(2).max_delay(Duration::from_secs(5));
        let mut headers = HeaderMap::new();
        assert_eq!(
            policy.wait_for_answer(StatusCode::SERVICE_UNAVAILABLE, &headers),
            None
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(
            policy.wait_for_answer(StatusCode::SERVICE_UNAVAILABLE, &headers),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy.wait_for_answer(StatusCode::TOO_MANY_REQUESTS, &headers),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy.wait_for_answer(StatusCode::INTERNAL_SERVER_ERROR, &headers),
            None
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("60"));
        assert_eq!(
            policy.wait_for_answer(StatusCode::SERVICE_UNAVAILABLE, &headers),
            None
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            policy.wait_for_answer(StatusCode::SERVICE_UNAVAILABLE, &headers),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::new(40)
            .base_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(10));
        assert_eq!(policy.backoff(0), Duration::from_secs(1));
        assert_eq!(policy.backoff(3), Duration::from_secs(8));
        assert_eq!(policy.backoff(4), Duration::from_secs(10));
        assert_eq!(policy.backoff(39), Duration::from_secs(10));
    }
}
