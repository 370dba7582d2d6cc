//! [`Terminal`]: the REPL's output fanned out to stream slots, its input gathered from them.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::fmt::Write as _;

use uvfs_os_api::{BoxedStream, Errno, Result};

use crate::event::{DetachReason, Event, Overflow};
use crate::slot::Slot;

/// The most slots a terminal has; [`Terminal::new`] clamps to it. MicroPython ports use 1 or 2.
pub const MAX_SLOTS: usize = 32;

/// Default bound of each slot's output queue, in bytes.
pub const DEFAULT_OUTPUT_CAPACITY: usize = 1024;

/// Default bound of the terminal's own input buffer (filled by [`Terminal::poll`]), in bytes.
pub const DEFAULT_INPUT_CAPACITY: usize = 256;

/// Events kept for the owner; when more arrive unread, the oldest is dropped.
const MAX_EVENTS: usize = 32;

/// Bytes [`Terminal::poll`] reads at a time.
const POLL_CHUNK: usize = 64;

/// Ctrl-C, MicroPython's default interrupt character.
const CTRL_C: u8 = 0x03;

/// `os.dupterm`'s terminal: a fixed number of slots, each holding a stream or nothing.
///
/// - [`write`](Terminal::write) sends every byte of terminal output to every attached slot, in
///   slot order. A slot whose stream would block keeps the rest in a bounded queue and retries on
///   every later `write`, [`poll`](Terminal::poll), [`poll_input`](Terminal::poll_input) and
///   [`flush`](Terminal::flush); see [`Overflow`] for what happens when the queue is full.
/// - [`poll_input`](Terminal::poll_input) gathers input from every slot without blocking. Each
///   slot's bytes keep their order; slots are read round-robin so none starves the others.
///   The interrupt character (Ctrl-C) is not passed on: it becomes an [`Event::Interrupt`].
/// - A stream that fails (an error from read, write or flush) or ends (read reports end of
///   stream) is closed, errors from close ignored, and its slot emptied. MicroPython's message
///   (see [`DetachReason`]) goes to the remaining slots and an [`Event::Detached`] to the owner.
///
/// Nothing here blocks or trusts what streams report: a stream that claims to have moved more
/// bytes than it was given is detached as failed, never indexed with.
///
/// ```
/// use uvfs_term_dupterm::Terminal;
/// use uvfs_os_api::Errno;
///
/// let mut term = Terminal::new(2);
/// assert_eq!(term.slot_count(), 2);
/// assert!(term.dupterm(None, 0).unwrap().is_none());
/// assert_eq!(term.dupterm(None, 2).err().map(|e| e.errno()), Some(Errno::EINVAL));
/// term.write(b"nobody listens, nothing is kept\r\n");
/// assert_eq!(term.pending_output(), 0);
/// ```
pub struct Terminal {
    slots: Vec<Slot>,
    output_capacity: usize,
    overflow: Overflow,
    input: VecDeque<u8>,
    input_capacity: usize,
    interrupt_char: Option<u8>,
    events: VecDeque<Event>,
    /// Where the next round-robin read starts.
    next_read: usize,
}

impl Terminal {
    /// A terminal with `slot_count` empty slots: at least one (slot 0 always exists), at most
    /// [`MAX_SLOTS`]. Output queues hold [`DEFAULT_OUTPUT_CAPACITY`] bytes per slot under
    /// [`Overflow::DropOldest`]; the interrupt character is Ctrl-C.
    pub fn new(slot_count: usize) -> Terminal {
        let count = slot_count.clamp(1, MAX_SLOTS);
        let mut slots = Vec::with_capacity(count);
        slots.resize_with(count, Slot::new);
        Terminal {
            slots,
            output_capacity: DEFAULT_OUTPUT_CAPACITY,
            overflow: Overflow::default(),
            input: VecDeque::new(),
            input_capacity: DEFAULT_INPUT_CAPACITY,
            interrupt_char: Some(CTRL_C),
            events: VecDeque::new(),
            next_read: 0,
        }
    }

    /// Sets how many bytes each slot may queue for a stream that would block (0: none).
    pub fn with_output_capacity(mut self, bytes: usize) -> Terminal {
        self.output_capacity = bytes;
        self
    }

    /// Sets what a slot does when its queue would exceed the output capacity.
    pub fn with_overflow(mut self, overflow: Overflow) -> Terminal {
        self.overflow = overflow;
        self
    }

    /// Sets how many bytes of input [`poll`](Terminal::poll) may hold for
    /// [`poll_input`](Terminal::poll_input). Beyond it, input stays in the streams.
    pub fn with_input_capacity(mut self, bytes: usize) -> Terminal {
        self.input_capacity = bytes;
        self
    }

    /// The number of slots; valid indices are `0..slot_count()`.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Whether slot `index` holds a stream (`false` for an index out of range).
    pub fn is_active(&self, index: usize) -> bool {
        self.slots.get(index).is_some_and(Slot::is_active)
    }

    /// `os.dupterm(stream, index)`: puts `stream` in slot `index` (`None` empties it) and returns
    /// the stream that was there.
    ///
    /// The returned stream is not closed, as in MicroPython. Output still queued for it gets one
    /// last non-blocking attempt; what it does not take is discarded (check
    /// [`pending_output`](Terminal::pending_output) or call [`flush`](Terminal::flush) first to
    /// avoid that). A new stream starts with an empty queue.
    ///
    /// # Errors
    /// `EINVAL` ("invalid dupterm index") when `index >= slot_count()`, where MicroPython raises
    /// `ValueError`. The slot is unchanged and `stream` is dropped.
    pub fn dupterm(
        &mut self,
        stream: Option<BoxedStream>,
        index: usize,
    ) -> Result<Option<BoxedStream>> {
        let slot = self
            .slots
            .get_mut(index)
            .ok_or(Errno::EINVAL.with_detail("invalid dupterm index"))?;
        Ok(slot.replace(stream))
    }

    /// Terminal output: sends `data` to every attached slot, in slot order. Never blocks and
    /// never refuses: what a stream cannot take now is queued (see [`Overflow`]). Slots whose
    /// stream fails are detached.
    pub fn write(&mut self, data: &[u8]) {
        let mut failures = Vec::new();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Err(reason) = slot.send(data, self.output_capacity, self.overflow) {
                failures.push((index, reason));
            }
        }
        self.detach(failures);
    }

    /// Terminal input: fills `buf` with what has arrived, without blocking, and returns how many
    /// bytes it placed (0: nothing now).
    ///
    /// Input kept by [`poll`](Terminal::poll) comes first, then one read from each slot,
    /// round-robin. Queued output is retried first. The interrupt character is removed and
    /// reported as [`Event::Interrupt`]; a slot that reports end of stream or an error is
    /// detached.
    pub fn poll_input(&mut self, buf: &mut [u8]) -> usize {
        self.drain_output();
        let mut filled = 0;
        while filled < buf.len() {
            let Some(byte) = self.input.pop_front() else {
                break;
            };
            if let Some(dst) = buf.get_mut(filled) {
                *dst = byte;
            }
            filled += 1;
        }
        let rest = buf.get_mut(filled..).unwrap_or(&mut []);
        filled + self.read_slots(rest)
    }

    /// Services the slots now: retries queued output and moves available input into the
    /// terminal's input buffer (up to its capacity), so an interrupt character is seen even
    /// while the program is not reading input.
    ///
    /// This is what MicroPython's `os.dupterm_notify()` does: call it when a stream signals that
    /// it has input or room (from a socket callback or an interrupt handler's deferred work), or
    /// regularly from a main loop.
    #[doc(alias = "dupterm_notify")]
    pub fn poll(&mut self) {
        self.drain_output();
        let mut chunk = [0u8; POLL_CHUNK];
        // Each turn keeps at least one byte or stops, so this ends once the buffer is full.
        loop {
            let free = self.input_capacity.saturating_sub(self.input.len());
            let want = free.min(POLL_CHUNK);
            if want == 0 {
                break;
            }
            let got = self.read_slots(chunk.get_mut(..want).unwrap_or(&mut []));
            if got == 0 {
                break;
            }
            self.input.extend(chunk.get(..got).unwrap_or(&[]));
        }
    }

    /// Retries queued output and flushes every stream. Returns `true` when no output is queued
    /// any more (everything reached the streams), `false` when some stream still would block.
    pub fn flush(&mut self) -> bool {
        let mut failures = Vec::new();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Err(reason) = slot.flush() {
                failures.push((index, reason));
            }
        }
        self.detach(failures);
        self.pending_output() == 0
    }

    /// Bytes of output queued in all slots, waiting for their streams.
    pub fn pending_output(&self) -> usize {
        self.slots
            .iter()
            .fold(0usize, |sum, slot| sum.saturating_add(slot.pending()))
    }

    /// The oldest event not yet taken, if any. At most 32 are kept; when more arrive unread the
    /// oldest go. Repeated interrupts from the same slot with nothing in between count once, as
    /// MicroPython's pending `KeyboardInterrupt` does.
    pub fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The interrupt character, `None` when disabled.
    pub fn interrupt_char(&self) -> Option<u8> {
        self.interrupt_char
    }

    /// Sets the interrupt character (`micropython.kbd_intr(c)`); `None` passes every byte on as
    /// input (`kbd_intr(-1)`).
    pub fn set_interrupt_char(&mut self, c: Option<u8>) {
        self.interrupt_char = c;
    }

    /// Retries every slot's queued output.
    fn drain_output(&mut self) {
        let mut failures = Vec::new();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Err(reason) = slot.drain() {
                failures.push((index, reason));
            }
        }
        self.detach(failures);
    }

    /// One read from each slot, round-robin, into `dest`; returns the bytes kept after removing
    /// interrupt characters.
    fn read_slots(&mut self, dest: &mut [u8]) -> usize {
        let count = self.slots.len();
        if dest.is_empty() || count == 0 {
            return 0;
        }
        let start = self.next_read % count;
        self.next_read = (start + 1) % count;
        let mut filled = 0;
        let mut failures = Vec::new();
        for step in 0..count {
            let index = (start + step) % count;
            let Some(room) = dest.get_mut(filled..) else {
                break;
            };
            if room.is_empty() {
                break;
            }
            let Some(slot) = self.slots.get_mut(index) else {
                continue;
            };
            match slot.read(room) {
                Ok(got) => {
                    let got_bytes = room.get_mut(..got).unwrap_or(&mut []);
                    let (kept, interrupted) = strip_interrupts(got_bytes, self.interrupt_char);
                    if interrupted {
                        push_event(&mut self.events, Event::Interrupt { index });
                    }
                    filled += kept;
                }
                Err(reason) => failures.push((index, reason)),
            }
        }
        self.detach(failures);
        filled
    }

    /// Detaches each failed slot: closes its stream (ignoring errors), reports the event, and
    /// writes the message to the slots still attached. A slot failing while receiving a message
    /// joins the list; each slot is detached at most once, so this ends.
    fn detach(&mut self, mut failures: Vec<(usize, DetachReason)>) {
        let mut next = 0;
        while let Some(&(index, reason)) = failures.get(next) {
            next += 1;
            let Some(mut stream) = self.slots.get_mut(index).and_then(Slot::take) else {
                continue;
            };
            // MicroPython ignores errors from closing a stream it deactivates.
            let _ = stream.close();
            drop(stream);
            push_event(&mut self.events, Event::Detached { index, reason });
            let mut message = String::new();
            let _ = write!(message, "{reason}\r\n");
            for (other, slot) in self.slots.iter_mut().enumerate() {
                let about_to_go = failures
                    .get(next..)
                    .unwrap_or(&[])
                    .iter()
                    .any(|&(i, _)| i == other);
                if about_to_go {
                    continue;
                }
                if let Err(reason) =
                    slot.send(message.as_bytes(), self.output_capacity, self.overflow)
                {
                    failures.push((other, reason));
                }
            }
        }
    }
}

/// Removes every `interrupt` byte from `bytes`, keeping the order of the rest at the front.
/// Returns how many bytes are kept and whether an interrupt was seen.
fn strip_interrupts(bytes: &mut [u8], interrupt: Option<u8>) -> (usize, bool) {
    let Some(c) = interrupt else {
        return (bytes.len(), false);
    };
    let mut kept = 0;
    let mut seen = false;
    for i in 0..bytes.len() {
        let b = bytes[i];
        if b == c {
            seen = true;
        } else {
            bytes[kept] = b;
            kept += 1;
        }
    }
    (kept, seen)
}

/// Queues an event, coalescing repeated interrupts and dropping the oldest beyond the bound.
fn push_event(events: &mut VecDeque<Event>, event: Event) {
    if matches!(event, Event::Interrupt { .. }) && events.back() == Some(&event) {
        return;
    }
    if events.len() >= MAX_EVENTS {
        events.pop_front();
    }
    events.push_back(event);
}

/// `write!(terminal, ...)`: formatted terminal output, same as [`Terminal::write`].
impl fmt::Write for Terminal {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write(s.as_bytes());
        Ok(())
    }
}

/// Which slots are attached, and what is queued.
impl fmt::Debug for Terminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let active: Vec<bool> = self.slots.iter().map(Slot::is_active).collect();
        f.debug_struct("Terminal")
            .field("active", &active)
            .field("pending_output", &self.pending_output())
            .field("buffered_input", &self.input.len())
            .field("output_capacity", &self.output_capacity)
            .field("overflow", &self.overflow)
            .field("interrupt_char", &self.interrupt_char)
            .finish()
    }
}

const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Terminal>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupts_are_removed_and_the_rest_keeps_its_order() {
        let mut bytes = *b"\x03a\x03\x03bc\x03";
        assert_eq!(strip_interrupts(&mut bytes, Some(CTRL_C)), (3, true));
        assert_eq!(&bytes[..3], b"abc");
        let mut bytes = *b"a\x03b";
        assert_eq!(strip_interrupts(&mut bytes, None), (3, false));
        assert_eq!(&bytes, b"a\x03b");
        assert_eq!(strip_interrupts(&mut [], Some(CTRL_C)), (0, false));
    }

    #[test]
    fn events_coalesce_repeated_interrupts_and_stay_bounded() {
        let mut events = VecDeque::new();
        push_event(&mut events, Event::Interrupt { index: 0 });
        push_event(&mut events, Event::Interrupt { index: 0 });
        assert_eq!(events.len(), 1);
        push_event(&mut events, Event::Interrupt { index: 1 });
        push_event(&mut events, Event::Interrupt { index: 0 });
        assert_eq!(events.len(), 3);
        for index in 0..100 {
            push_event(
                &mut events,
                Event::Detached {
                    index,
                    reason: DetachReason::Eof,
                },
            );
        }
        assert_eq!(events.len(), MAX_EVENTS);
        assert_eq!(
            events.back(),
            Some(&Event::Detached {
                index: 99,
                reason: DetachReason::Eof
            })
        );
    }
}
