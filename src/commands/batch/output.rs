//! The output of `batch`: one JSON line per request, written whole, in
//! input order (through a bounded reorder buffer) or as they finish.

use std::collections::BTreeMap;
use std::io::{self, Write};

use ollama_rs::BatchResponse;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::OwnedSemaphorePermit;

/// One output line. (Serialized directly, not through a `Value`, so that
/// the vectors' `f32`s keep their short form.)
#[derive(Serialize)]
pub struct Record {
    pub id: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<BatchResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
}

/// The `error` of an output line.
#[derive(Serialize)]
pub struct ErrorRecord {
    pub message: String,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
}

/// Writes result lines, each with one `write_all` then a flush, so that
/// an interrupted run never leaves half a line; in order mode, a line
/// waits until the lines of every earlier request are written. A waiting
/// line holds its permit, which lets one more request be read: that is
/// what bounds the buffer.
pub struct Writer {
    out: Box<dyn Write>,
    ordered: bool,
    /// The sequence number of the next line to write, in order mode.
    next: u64,
    waiting: BTreeMap<u64, (String, Option<OwnedSemaphorePermit>)>,
}

impl Writer {
    pub fn new(out: Box<dyn Write>, ordered: bool) -> Writer {
        Writer {
            out,
            ordered,
            next: 0,
            waiting: BTreeMap::new(),
        }
    }

    /// The line of request `seq` (numbered from 0 in input order), ending
    /// in a newline.
    pub fn push(
        &mut self,
        seq: u64,
        line: String,
        permit: Option<OwnedSemaphorePermit>,
    ) -> io::Result<()> {
        if !self.ordered {
            return self.write(&line);
        }
        self.waiting.insert(seq, (line, permit));
        while let Some(entry) = self.waiting.first_entry() {
            if *entry.key() != self.next {
                break;
            }
            let (line, _permit) = entry.remove();
            self.write(&line)?;
            self.next += 1;
        }
        Ok(())
    }

    /// Writes the lines still waiting, in order, over the gaps of the
    /// requests that were cancelled.
    pub fn flush_waiting(&mut self) -> io::Result<()> {
        while let Some((_, (line, _permit))) = self.waiting.pop_first() {
            self.write(&line)?;
        }
        Ok(())
    }

    fn write(&mut self, line: &str) -> io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn lines_wait_for_earlier_ones_and_permits_free_as_they_are_written() {
        let out = Shared::default();
        let permits = Arc::new(tokio::sync::Semaphore::new(3));
        let mut w = Writer::new(Box::new(out.clone()), true);
        let take = || Some(Arc::clone(&permits).try_acquire_owned().unwrap());
        w.push(1, "b\n".into(), take()).unwrap();
        w.push(2, "c\n".into(), take()).unwrap();
        assert_eq!(out.text(), "");
        assert_eq!(permits.available_permits(), 1);
        w.push(0, "a\n".into(), take()).unwrap();
        assert_eq!(out.text(), "a\nb\nc\n");
        assert_eq!(permits.available_permits(), 3);
    }

    #[test]
    fn waiting_lines_are_flushed_in_order_over_gaps() {
        let out = Shared::default();
        let mut w = Writer::new(Box::new(out.clone()), true);
        w.push(3, "d\n".into(), None).unwrap();
        w.push(1, "b\n".into(), None).unwrap();
        w.flush_waiting().unwrap();
        assert_eq!(out.text(), "b\nd\n");
    }

    #[test]
    fn unordered_lines_go_out_at_once() {
        let out = Shared::default();
        let mut w = Writer::new(Box::new(out.clone()), false);
        w.push(5, "x\n".into(), None).unwrap();
        assert_eq!(out.text(), "x\n");
    }
}
