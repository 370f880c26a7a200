//! Reading a reply ahead of showing it, so that tokens that arrive
//! together are written together.
//!
//! The HTTP connection is a task of its own that hands the body over one
//! chunk (one token) at a time. Read from the command's own future (the
//! runtime's `block_on` future), each token would cost a turn of the
//! scheduler with a poll of the I/O driver (a system call) and, shown at
//! once, a `write`. Read by a task of its own instead ([`read_ahead`]),
//! the tokens the connection already holds are handed over task to task
//! and queue up; the command takes what has queued ([`next_flushing`]) and
//! flushes only before it waits.

use std::io;

use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Items read ahead at most.
const AHEAD: usize = 1024;

/// The items of a stream read by a task of its own.
pub struct ReadAhead<T> {
    items: mpsc::Receiver<T>,
    task: JoinHandle<()>,
}

/// Reads `stream` on a task of its own into a bounded queue; dropping the
/// result stops the reading (a reply abandoned mid-way, an interruption).
pub fn read_ahead<S>(mut stream: S) -> ReadAhead<S::Item>
where
    S: Stream + Send + Unpin + 'static,
    S::Item: Send + 'static,
{
    let (tx, items) = mpsc::channel(AHEAD);
    let task = tokio::spawn(async move {
        while let Some(item) = stream.next().await {
            if tx.send(item).await.is_err() {
                return;
            }
        }
    });
    ReadAhead { items, task }
}

impl<T> ReadAhead<T> {
    /// The next item, once it has arrived.
    pub async fn next(&mut self) -> Option<T> {
        self.items.recv().await
    }
}

impl<T> Drop for ReadAhead<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The next item: at once when it has already arrived, else after `flush`
/// (what was written so far is shown) and a wait.
pub async fn next_flushing<T>(
    stream: &mut ReadAhead<T>,
    flush: impl FnOnce() -> io::Result<()>,
) -> io::Result<Option<T>> {
    if let Some(item) = stream.next().now_or_never() {
        return Ok(item);
    }
    flush()?;
    Ok(stream.next().await)
}
