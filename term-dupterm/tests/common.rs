//! Helpers shared by the test modules.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use uvfs_os_api::{BoxedStream, Error, ReadStatus, Result, Stream, WriteStatus};
use uvfs_term_dupterm::{Event, Terminal};

/// What a [`Scripted`] stream does; shared with the test through [`Script`].
#[derive(Debug, Default)]
pub struct ScriptState {
    /// Answers to `read_into`, in order; `NotReady` once empty. `Ok(Data(n))` fills with `b'r'`.
    pub reads: VecDeque<Result<ReadStatus>>,
    /// Answers to `write`, in order; once empty, every write takes all its data.
    pub writes: VecDeque<Result<WriteStatus>>,
    /// Everything the stream took.
    pub written: Vec<u8>,
    /// What `close` returns.
    pub close_result: Option<Error>,
    /// How often `close` was called.
    pub closes: usize,
}

/// The test's handle on a [`Scripted`] stream.
pub type Script = Arc<Mutex<ScriptState>>;

/// A stream whose every answer comes from its [`Script`].
pub struct Scripted(Script);

/// A scripted stream and the handle that drives it.
pub fn scripted() -> (BoxedStream, Script) {
    let script = Script::default();
    (Box::new(Scripted(Arc::clone(&script))), script)
}

impl Stream for Scripted {
    fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus> {
        let mut s = self.0.lock().unwrap();
        let answer = s.reads.pop_front().unwrap_or(Ok(ReadStatus::NotReady));
        if let Ok(ReadStatus::Data(n)) = answer {
            let n = n.min(buf.len());
            buf[..n].fill(b'r');
        }
        answer
    }
    fn write(&mut self, data: &[u8]) -> Result<WriteStatus> {
        let mut s = self.0.lock().unwrap();
        let answer = s
            .writes
            .pop_front()
            .unwrap_or(Ok(WriteStatus::Written(data.len())));
        if let Ok(WriteStatus::Written(n)) = answer {
            let n = n.min(data.len());
            s.written.extend_from_slice(&data[..n]);
        }
        answer
    }
    fn close(&mut self) -> Result<()> {
        let mut s = self.0.lock().unwrap();
        s.closes += 1;
        match s.close_result {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Every event the terminal has queued.
pub fn events(term: &mut Terminal) -> Vec<Event> {
    std::iter::from_fn(|| term.next_event()).collect()
}

/// Input available now, read with a generous buffer.
pub fn input(term: &mut Terminal) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let n = term.poll_input(&mut buf);
    buf[..n].to_vec()
}

/// Bytes as text for readable assertion failures.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
