//! `os.dupterm`'s `Terminal` with streams that fail in arbitrary ways: each stream follows a
//! script of answers (data, short or zero-length writes, would-block, end of stream, errors,
//! and lies: claiming more bytes than it was given or than the buffer holds), while the
//! terminal writes, polls, flushes and attaches and detaches streams.
//!
//! Checked after every action, against a model of which stream sits in which slot:
//! - no panic, no call on a stream after the terminal closed it, and a stream is closed once,
//!   exactly when the terminal reports it `Detached` (never when `dupterm` hands it back);
//! - `dupterm` hands back the stream the slot held; `is_active` matches the model;
//! - `poll_input` fills at most its buffer; the input from each stream (each stream's bytes are
//!   tagged with its number) arrives in order, without interrupt characters, as a prefix of what
//!   that stream delivered;
//! - a stream's output is a prefix of the terminal output sent while it was attached (while no
//!   other slot was detached, whose message it would also get; under `DropOldest`, up to where a
//!   gap marker may start);
//! - the queued output stays within the slots' capacity plus a gap marker, and `flush`
//!   returns `true` exactly when nothing is queued.
#![no_main]

use std::sync::{Arc, Mutex, MutexGuard};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_os_api::{BoxedStream, Errno, ReadStatus, Result, Stream, WriteStatus};
use uvfs_term_dupterm::{Event, Overflow, Terminal};

/// At most this many streams per input (a stream's number tags its bytes' top two bits).
const STREAMS: usize = 4;
const MAX_ACTIONS: usize = 96;
const MAX_STEPS: usize = 16;

#[derive(Copy, Clone, Debug, Arbitrary)]
enum Step {
    /// Read: deliver up to `n` bytes; write: take up to `n` bytes.
    Take(u8),
    /// Claim `n + 1` bytes more than the buffer or the data holds.
    Lie(u8),
    /// Read: nothing now; write: `Written(0)`.
    Zero,
    NotReady,
    Eof,
    Fail,
}

#[derive(Default)]
struct Log {
    /// Bytes each stream took from the terminal.
    received: [Vec<u8>; STREAMS],
    /// Bytes each stream delivered during the current action.
    delivered: [Vec<u8>; STREAMS],
    closes: [u32; STREAMS],
    used_after_close: Option<usize>,
    last_flushed: Option<usize>,
}

type Shared = Arc<Mutex<Log>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Log> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Scripted {
    id: usize,
    steps: Vec<Step>,
    at: usize,
    counter: u8,
    shared: Shared,
}

impl Scripted {
    fn next(&mut self) -> Step {
        let mut log = lock(&self.shared);
        if log.closes[self.id] > 0 && log.used_after_close.is_none() {
            log.used_after_close = Some(self.id);
        }
        drop(log);
        if self.steps.is_empty() {
            return Step::Take(u8::MAX);
        }
        let step = self.steps[self.at % self.steps.len()];
        self.at = (self.at + 1) % self.steps.len();
        step
    }
}

impl Stream for Scripted {
    fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus> {
        match self.next() {
            Step::Take(n) => {
                let n = usize::from(n).min(buf.len());
                let mut log = lock(&self.shared);
                for b in &mut buf[..n] {
                    *b = ((self.id as u8) << 6) | (self.counter & 0x3F);
                    self.counter = self.counter.wrapping_add(1);
                    log.delivered[self.id].push(*b);
                }
                Ok(if n == 0 {
                    ReadStatus::NotReady
                } else {
                    ReadStatus::Data(n)
                })
            }
            Step::Lie(n) => Ok(ReadStatus::Data(buf.len() + 1 + usize::from(n))),
            Step::Zero => Ok(ReadStatus::Data(0)),
            Step::NotReady => Ok(ReadStatus::NotReady),
            Step::Eof => Ok(ReadStatus::Eof),
            Step::Fail => Err(Errno::ECONNRESET.into()),
        }
    }

    fn write(&mut self, data: &[u8]) -> Result<WriteStatus> {
        match self.next() {
            Step::Take(n) => {
                let n = usize::from(n).min(data.len());
                lock(&self.shared).received[self.id].extend_from_slice(&data[..n]);
                Ok(WriteStatus::Written(n))
            }
            Step::Lie(n) => Ok(WriteStatus::Written(data.len() + 1 + usize::from(n))),
            Step::Zero | Step::Eof => Ok(WriteStatus::Written(0)),
            Step::NotReady => Ok(WriteStatus::NotReady),
            Step::Fail => Err(Errno::ENOTCONN.into()),
        }
    }

    fn flush(&mut self) -> Result<()> {
        let step = self.next();
        lock(&self.shared).last_flushed = Some(self.id);
        match step {
            Step::Fail => Err(Errno::EIO.into()),
            _ => Ok(()),
        }
    }

    fn close(&mut self) -> Result<()> {
        let step = self.next();
        lock(&self.shared).closes[self.id] += 1;
        match step {
            Step::Fail => Err(Errno::EIO.into()),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Action {
    Write(Vec<u8>),
    PollInput(u8),
    Poll,
    Flush,
    Attach { slot: u8, steps: Vec<Step> },
    Detach { slot: u8 },
    SetInterrupt(Option<u8>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    slots: u8,
    output_capacity: u16,
    input_capacity: u16,
    drop_oldest: bool,
    actions: Vec<Action>,
}

/// What the model knows of one stream.
#[derive(Default)]
struct Model {
    /// Terminal output sent while it was attached.
    sent: Vec<u8>,
    /// Its output can be checked (no detach message or gap marker can be in it).
    output_exact: bool,
    /// What it delivered, interrupt characters removed: the input it may produce.
    input: Vec<u8>,
    /// Of that, how much came out of `poll_input`.
    input_seen: usize,
    detached: bool,
}

fuzz_target!(|input: Input| {
    let slot_count = usize::from(input.slots % 4) + 1;
    let capacity = usize::from(input.output_capacity % 600);
    let overflow = if input.drop_oldest {
        Overflow::DropOldest
    } else {
        Overflow::Detach
    };
    let mut term = Terminal::new(slot_count)
        .with_output_capacity(capacity)
        .with_overflow(overflow)
        .with_input_capacity(usize::from(input.input_capacity % 400));
    let shared: Shared = Arc::default();
    let mut models: Vec<Model> = Vec::new();
    let mut slots: Vec<Option<usize>> = vec![None; slot_count];
    let mut interrupt = term.interrupt_char();

    for action in input.actions.iter().take(MAX_ACTIONS) {
        // A stream `dupterm` handed back, with the model's occupant of that slot before.
        let mut returned: Option<(usize, Option<usize>, Option<BoxedStream>)> = None;
        match action {
            Action::Write(data) => {
                let data = &data[..data.len().min(300)];
                for id in slots.iter().flatten() {
                    models[*id].sent.extend_from_slice(data);
                }
                term.write(data);
            }
            Action::PollInput(len) => {
                let mut buf = vec![0u8; usize::from(*len)];
                let n = term.poll_input(&mut buf);
                assert!(
                    n <= buf.len(),
                    "poll_input filled {n} bytes of a {}-byte buffer",
                    buf.len()
                );
                // Bytes delivered in this very call count before they are checked.
                let delivered: Vec<Vec<u8>> = lock(&shared)
                    .delivered
                    .iter_mut()
                    .map(std::mem::take)
                    .collect();
                for (id, bytes) in delivered.into_iter().enumerate() {
                    if let Some(m) = models.get_mut(id) {
                        m.input
                            .extend(bytes.into_iter().filter(|b| Some(*b) != interrupt));
                    }
                }
                for &b in &buf[..n] {
                    let id = usize::from(b >> 6);
                    let m = models
                        .get_mut(id)
                        .unwrap_or_else(|| panic!("input byte {b:#x} from no stream"));
                    assert_eq!(
                        m.input.get(m.input_seen),
                        Some(&b),
                        "input from stream {id} out of order or invented"
                    );
                    m.input_seen += 1;
                }
            }
            Action::Poll => term.poll(),
            Action::Flush => {
                let done = term.flush();
                assert_eq!(done, term.pending_output() == 0, "flush's answer");
            }
            Action::Attach { slot, steps } => {
                if models.len() < STREAMS {
                    let id = models.len();
                    models.push(Model {
                        output_exact: true,
                        ..Model::default()
                    });
                    let stream = Scripted {
                        id,
                        steps: steps.iter().copied().take(MAX_STEPS).collect(),
                        at: 0,
                        counter: 0,
                        shared: shared.clone(),
                    };
                    let index = usize::from(*slot) % (slot_count + 1);
                    match term.dupterm(Some(Box::new(stream)), index) {
                        Ok(previous) => {
                            returned = Some((index, slots[index], previous));
                            slots[index] = Some(id);
                        }
                        Err(e) => {
                            assert!(index >= slot_count, "dupterm({index}) refused: {e}");
                            assert_eq!(e.errno(), Errno::EINVAL);
                            models[id].detached = true;
                        }
                    }
                }
            }
            Action::Detach { slot } => {
                let index = usize::from(*slot) % (slot_count + 1);
                match term.dupterm(None, index) {
                    Ok(previous) => {
                        returned = Some((index, slots[index], previous));
                        slots[index] = None;
                    }
                    Err(e) => assert!(index >= slot_count, "dupterm(None, {index}) refused: {e}"),
                }
            }
            Action::SetInterrupt(c) => {
                term.set_interrupt_char(*c);
                interrupt = *c;
            }
        }
        // Input delivered during the action, filtered with the interrupt character of its time.
        let delivered: Vec<Vec<u8>> = lock(&shared)
            .delivered
            .iter_mut()
            .map(std::mem::take)
            .collect();
        for (id, bytes) in delivered.into_iter().enumerate() {
            if let Some(m) = models.get_mut(id) {
                m.input
                    .extend(bytes.into_iter().filter(|b| Some(*b) != interrupt));
            }
        }
        // The stream `dupterm` handed back is the one the slot held (a flush tells which).
        if let Some((index, before, previous)) = returned {
            let back = previous.map(|mut stream| {
                lock(&shared).last_flushed = None;
                let _ = stream.flush();
                let id = lock(&shared).last_flushed;
                id.unwrap_or_else(|| panic!("slot {index} handed back a stream that is not ours"))
            });
            assert_eq!(
                back, before,
                "the stream dupterm handed back from slot {index}"
            );
            if let Some(id) = back {
                models[id].detached = true;
            }
        }
        // Events: detached slots lose their stream, which was closed just then.
        while let Some(event) = term.next_event() {
            match event {
                Event::Interrupt { index } => assert!(index < slot_count),
                Event::Detached { index, .. } => {
                    let id = slots
                        .get_mut(index)
                        .and_then(Option::take)
                        .unwrap_or_else(|| panic!("slot {index} detached, but it held no stream"));
                    assert!(!models[id].detached, "stream {id} detached twice");
                    models[id].detached = true;
                    for other in slots.iter().flatten() {
                        models[*other].output_exact = false;
                    }
                    assert_eq!(
                        lock(&shared).closes[id],
                        1,
                        "stream {id} detached from {index}"
                    );
                }
            }
        }
        let log = lock(&shared);
        assert_eq!(
            log.used_after_close, None,
            "a stream was used after it was closed"
        );
        for (id, m) in models.iter().enumerate() {
            let closes = log.closes[id];
            assert!(closes <= 1, "stream {id} closed {closes} times");
            let mut received = &log.received[id][..];
            if overflow == Overflow::DropOldest {
                // A gap marker (`\r\n[dupterm: N bytes ...`) goes where output was dropped:
                // only what comes before the first `\r` is sure to be unbroken output.
                let cut = received
                    .iter()
                    .position(|&b| b == b'\r')
                    .unwrap_or(received.len());
                received = &received[..cut];
            }
            if m.output_exact {
                assert!(
                    m.sent.starts_with(received),
                    "stream {id} received output that was not sent to it, or out of order"
                );
            }
        }
        for (index, held) in slots.iter().enumerate() {
            assert_eq!(term.is_active(index), held.is_some(), "slot {index}");
            if let Some(id) = held {
                assert_eq!(
                    log.closes[*id], 0,
                    "stream {id} closed while still attached"
                );
            }
        }
        drop(log);
        let bound = slot_count * (capacity + 64);
        assert!(
            term.pending_output() <= bound,
            "{} bytes queued",
            term.pending_output()
        );
    }
});
