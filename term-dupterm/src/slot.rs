//! One dupterm slot: its stream, and the output that stream has not taken yet.
//!
//! The output waiting for a slow stream is a bounded FIFO queue. The slot tries to empty it on
//! every terminal write and poll, before sending anything new, so the peer receives the terminal's
//! output in order. Bytes dropped under [`Overflow::DropOldest`] always come off the queue's
//! front, so a gap is always between what the stream has taken and the queue's front: that is
//! where the marker goes.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt::Write as _;

use uvfs_os_api::{BoxedStream, Error, ReadStatus, WriteStatus};

use crate::event::{DetachReason, Overflow};

/// One slot of a [`Terminal`](crate::Terminal).
pub(crate) struct Slot {
    stream: Option<BoxedStream>,
    /// Output not yet taken by the stream, oldest first.
    queue: VecDeque<u8>,
    /// Bytes dropped from the queue's front since the last marker was rendered.
    dropped: u64,
    /// The gap marker being written, and how much of it the stream has taken.
    marker: Vec<u8>,
    marker_sent: usize,
}

/// Writes what the stream takes now of `chunk`: `Ok(0)` when it would block.
fn write_some(stream: &mut BoxedStream, chunk: &[u8]) -> Result<usize, DetachReason> {
    match stream.write(chunk) {
        Ok(WriteStatus::Written(n)) if n <= chunk.len() => Ok(n),
        Ok(WriteStatus::Written(_)) => Err(DetachReason::WriteError(Error::bug(
            "bug: stream reported writing more bytes than it was given",
        ))),
        Ok(WriteStatus::NotReady) => Ok(0),
        Err(e) => Err(DetachReason::WriteError(e)),
    }
}

impl Slot {
    /// An empty slot.
    pub(crate) fn new() -> Slot {
        Slot {
            stream: None,
            queue: VecDeque::new(),
            dropped: 0,
            marker: Vec::new(),
            marker_sent: 0,
        }
    }

    /// Whether a stream is attached.
    pub(crate) fn is_active(&self) -> bool {
        self.stream.is_some()
    }

    /// Bytes waiting for the stream: the queue and the unsent part of a marker.
    pub(crate) fn pending(&self) -> usize {
        let marker = self.marker.len().saturating_sub(self.marker_sent);
        self.queue.len().saturating_add(marker)
    }

    /// Nothing is waiting: new output may go straight to the stream.
    fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.dropped == 0 && self.marker_sent >= self.marker.len()
    }

    /// Takes the stream out and forgets its pending output.
    pub(crate) fn take(&mut self) -> Option<BoxedStream> {
        self.queue = VecDeque::new();
        self.dropped = 0;
        self.marker = Vec::new();
        self.marker_sent = 0;
        self.stream.take()
    }

    /// Puts `stream` (or nothing) in the slot and returns the previous stream.
    ///
    /// The previous stream gets one last non-blocking attempt to take its queued output; errors
    /// from it are ignored (the stream is leaving and goes back to the caller, who will see them
    /// on its next use). What it does not take is discarded.
    pub(crate) fn replace(&mut self, stream: Option<BoxedStream>) -> Option<BoxedStream> {
        let _ = self.drain();
        let previous = self.take();
        self.stream = stream;
        previous
    }

    /// Sends queued output (and any gap marker) until the stream would block or nothing is left.
    pub(crate) fn drain(&mut self) -> Result<(), DetachReason> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        // Each turn either returns or moves at least one byte, so this ends.
        loop {
            if self.marker_sent >= self.marker.len() {
                self.marker.clear();
                self.marker_sent = 0;
                if self.dropped > 0 {
                    let mut text = alloc::string::String::new();
                    let unit = if self.dropped == 1 { "byte" } else { "bytes" };
                    let _ = write!(
                        text,
                        "\r\n[dupterm: {} {unit} of output dropped]\r\n",
                        self.dropped
                    );
                    self.marker = text.into_bytes();
                    self.dropped = 0;
                }
            }
            let in_marker = self.marker_sent < self.marker.len();
            let chunk = if in_marker {
                self.marker.get(self.marker_sent..).unwrap_or(&[])
            } else {
                self.queue.as_slices().0
            };
            if chunk.is_empty() {
                return Ok(());
            }
            let n = write_some(stream, chunk)?;
            if n == 0 {
                return Ok(());
            }
            if in_marker {
                self.marker_sent = self.marker_sent.saturating_add(n);
            } else {
                // `n <= chunk.len() <= queue.len()`, checked by `write_some`.
                self.queue.drain(..n);
            }
        }
    }

    /// Sends `data` after what is already waiting; what the stream does not take now is queued,
    /// bounded by `capacity` as `overflow` says.
    pub(crate) fn send(
        &mut self,
        data: &[u8],
        capacity: usize,
        overflow: Overflow,
    ) -> Result<(), DetachReason> {
        if self.stream.is_none() {
            return Ok(());
        }
        self.drain()?;
        let mut rest = data;
        if self.is_idle() {
            if let Some(stream) = self.stream.as_mut() {
                while !rest.is_empty() {
                    let n = write_some(stream, rest)?;
                    if n == 0 {
                        break;
                    }
                    rest = rest.get(n..).unwrap_or(&[]);
                }
            }
        }
        self.enqueue(rest, capacity, overflow)
    }

    /// Appends `rest` to the queue, keeping it within `capacity`.
    fn enqueue(
        &mut self,
        mut rest: &[u8],
        capacity: usize,
        overflow: Overflow,
    ) -> Result<(), DetachReason> {
        let total = self.queue.len().saturating_add(rest.len());
        if total > capacity {
            match overflow {
                Overflow::Detach => return Err(DetachReason::Overflow),
                Overflow::DropOldest => {
                    let excess = total - capacity;
                    let from_queue = excess.min(self.queue.len());
                    self.queue.drain(..from_queue);
                    let from_rest = excess - from_queue;
                    rest = rest.get(from_rest..).unwrap_or(&[]);
                    let excess = u64::try_from(excess).unwrap_or(u64::MAX);
                    self.dropped = self.dropped.saturating_add(excess);
                }
            }
        }
        self.queue.extend(rest);
        Ok(())
    }

    /// Reads what the stream has now into `buf`: `Ok(0)` when nothing is available (or the slot is
    /// empty).
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, DetachReason> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        match stream.read_into(buf) {
            Ok(ReadStatus::Data(n)) if n <= buf.len() => Ok(n),
            Ok(ReadStatus::Data(_)) => Err(DetachReason::ReadError(Error::bug(
                "bug: stream reported reading more bytes than the buffer holds",
            ))),
            Ok(ReadStatus::NotReady) => Ok(0),
            Ok(ReadStatus::Eof) => Err(DetachReason::Eof),
            Err(e) => Err(DetachReason::ReadError(e)),
        }
    }

    /// Sends queued output, then asks the stream to push its own buffers.
    pub(crate) fn flush(&mut self) -> Result<(), DetachReason> {
        self.drain()?;
        match self.stream.as_mut() {
            Some(stream) => stream.flush().map_err(DetachReason::WriteError),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;

    /// Takes at most `room` bytes in total, then would block.
    struct Room(usize);

    impl uvfs_os_api::Stream for Room {
        fn read_into(&mut self, _buf: &mut [u8]) -> uvfs_os_api::Result<ReadStatus> {
            Ok(ReadStatus::NotReady)
        }
        fn write(&mut self, data: &[u8]) -> uvfs_os_api::Result<WriteStatus> {
            let n = data.len().min(self.0);
            self.0 -= n;
            Ok(if n == 0 && !data.is_empty() {
                WriteStatus::NotReady
            } else {
                WriteStatus::Written(n)
            })
        }
    }

    #[test]
    fn the_queue_keeps_the_newest_bytes_within_its_capacity() {
        let mut slot = Slot::new();
        slot.replace(Some(Box::new(Room(2))));
        slot.send(b"abcdef", 3, Overflow::DropOldest).unwrap();
        assert_eq!(slot.queue.iter().copied().collect::<Vec<u8>>(), b"def");
        assert_eq!(slot.dropped, 1);
        slot.send(b"gh", 3, Overflow::DropOldest).unwrap();
        assert_eq!(slot.queue.iter().copied().collect::<Vec<u8>>(), b"fgh");
        // The first gap's marker is waiting for room; the second gap is counted.
        assert_eq!(slot.marker, b"\r\n[dupterm: 1 byte of output dropped]\r\n");
        assert_eq!(slot.dropped, 2);
        assert_eq!(slot.pending(), 3 + slot.marker.len());
        assert_eq!(
            slot.send(b"i", 3, Overflow::Detach),
            Err(DetachReason::Overflow)
        );
    }

    #[test]
    fn an_empty_slot_takes_and_reads_nothing() {
        let mut slot = Slot::new();
        assert!(!slot.is_active());
        slot.send(b"abc", 0, Overflow::Detach).unwrap();
        assert_eq!(slot.pending(), 0);
        assert_eq!(slot.read(&mut [0u8; 4]), Ok(0));
        assert!(slot.flush().is_ok());
        assert!(slot.take().is_none());
    }
}
