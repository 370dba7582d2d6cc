//! [`pipe`]: two connected in-memory stream ends, for tests and for embedding a terminal in a
//! program that moves the bytes itself (a GUI console, a test harness, another thread).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use uvfs_os_api::{Errno, Error, ReadStatus, Result, Stream, WriteStatus};

/// State shared by both ends. Index `i` is end `i`'s view: what it wrote, whether it closed.
#[derive(Debug)]
struct Shared {
    /// Bytes written by end `i`, not yet read by the other end.
    written: [VecDeque<u8>; 2],
    /// End `i` was closed (or dropped).
    closed: [bool; 2],
    /// Every read and write on end `i` fails with this error.
    broken: [Option<Error>; 2],
    /// Bound of each direction's buffer.
    capacity: usize,
}

/// One end of an in-memory pipe made by [`pipe`]; implements [`Stream`], non-blocking.
///
/// - `read_into` returns what the other end wrote, `NotReady` when nothing is there, and `Eof`
///   once the other end is closed and everything it wrote was read.
/// - `write` takes what fits in the direction's capacity, `NotReady` when full, and fails with
///   `ECONNRESET` once the other end is closed (nobody will read).
/// - `close` (or dropping the end) closes this end; using a closed end fails with `EBADF`.
///
/// ```
/// use uvfs_os_api::{ReadStatus, Stream};
/// use uvfs_term_dupterm::{pipe, Terminal};
///
/// let (near, mut far) = pipe(64);
/// let mut term = Terminal::new(1);
/// term.dupterm(Some(Box::new(near)), 0).unwrap();
/// term.write(b">>> ");
/// assert_eq!(far.take_available(), b">>> ");
/// far.write(b"1+1\r").unwrap();
/// let mut buf = [0u8; 8];
/// let n = term.poll_input(&mut buf);
/// assert_eq!(&buf[..n], b"1+1\r");
/// ```
#[derive(Debug)]
pub struct PipeEnd {
    shared: Arc<Mutex<Shared>>,
    side: usize,
}

/// Two connected ends: what one writes, the other reads. Each direction buffers up to `capacity`
/// bytes (at least 1); a full direction makes `write` report `NotReady`.
pub fn pipe(capacity: usize) -> (PipeEnd, PipeEnd) {
    let shared = Arc::new(Mutex::new(Shared {
        written: [VecDeque::new(), VecDeque::new()],
        closed: [false; 2],
        broken: [None; 2],
        capacity: capacity.max(1),
    }));
    (
        PipeEnd {
            shared: Arc::clone(&shared),
            side: 0,
        },
        PipeEnd { shared, side: 1 },
    )
}

impl PipeEnd {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        // The state stays consistent across a panic elsewhere: every update is a single step.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn other(&self) -> usize {
        1 - self.side
    }

    /// Everything the other end has written so far, removed from the pipe.
    pub fn take_available(&mut self) -> Vec<u8> {
        let other = self.other();
        let mut shared = self.lock();
        shared.written[other].drain(..).collect()
    }

    /// How many bytes the other end has written that this end has not read.
    pub fn available(&self) -> usize {
        self.lock().written[self.other()].len()
    }

    /// Whether the other end was closed or dropped (e.g. a terminal detached and closed it).
    pub fn is_peer_closed(&self) -> bool {
        self.lock().closed[self.other()]
    }

    /// Breaks the other end as a reset connection would: from now on every read and write on it
    /// fails with `error`. For testing how a terminal handles failing streams.
    pub fn break_peer(&self, error: Error) {
        let other = self.other();
        self.lock().broken[other] = Some(error);
    }

    /// Whether this end was closed.
    fn check_open(&self, shared: &Shared) -> Result<()> {
        if let Some(e) = shared.broken[self.side] {
            return Err(e);
        }
        if shared.closed[self.side] {
            return Err(Errno::EBADF.with_detail("pipe end is closed"));
        }
        Ok(())
    }
}

impl Stream for PipeEnd {
    fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus> {
        let other = self.other();
        let mut shared = self.lock();
        self.check_open(&shared)?;
        if buf.is_empty() {
            return Ok(ReadStatus::Data(0));
        }
        let incoming = &mut shared.written[other];
        if incoming.is_empty() {
            return Ok(if shared.closed[other] {
                ReadStatus::Eof
            } else {
                ReadStatus::NotReady
            });
        }
        let n = buf.len().min(incoming.len());
        for (dst, src) in buf.iter_mut().zip(incoming.drain(..n)) {
            *dst = src;
        }
        Ok(ReadStatus::Data(n))
    }

    fn write(&mut self, data: &[u8]) -> Result<WriteStatus> {
        let (side, other) = (self.side, self.other());
        let mut shared = self.lock();
        self.check_open(&shared)?;
        if shared.closed[other] {
            return Err(Errno::ECONNRESET.with_detail("the other pipe end is closed"));
        }
        if data.is_empty() {
            return Ok(WriteStatus::Written(0));
        }
        let room = shared.capacity.saturating_sub(shared.written[side].len());
        if room == 0 {
            return Ok(WriteStatus::NotReady);
        }
        let n = room.min(data.len());
        shared.written[side].extend(data.iter().take(n));
        Ok(WriteStatus::Written(n))
    }

    fn close(&mut self) -> Result<()> {
        let other = self.other();
        let mut shared = self.lock();
        self.check_open(&shared)?;
        shared.closed[self.side] = true;
        // Nobody will read what the other end sent us.
        shared.written[other].clear();
        Ok(())
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let other = self.other();
        let mut shared = self.lock();
        shared.closed[self.side] = true;
        shared.written[other].clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_cross_in_order_and_respect_capacity() {
        let (mut a, mut b) = pipe(4);
        assert_eq!(a.write(b"abcdef").unwrap(), WriteStatus::Written(4));
        assert_eq!(a.write(b"ef").unwrap(), WriteStatus::NotReady);
        let mut buf = [0u8; 3];
        assert_eq!(b.read_into(&mut buf).unwrap(), ReadStatus::Data(3));
        assert_eq!(&buf, b"abc");
        assert_eq!(a.write(b"ef").unwrap(), WriteStatus::Written(2));
        assert_eq!(b.take_available(), b"def");
        assert_eq!(b.read_into(&mut buf).unwrap(), ReadStatus::NotReady);
        assert_eq!(b.read_into(&mut []).unwrap(), ReadStatus::Data(0));
    }

    #[test]
    fn closing_gives_eof_after_the_data_and_resets_writers() {
        let (mut a, mut b) = pipe(8);
        a.write(b"hi").unwrap();
        a.close().unwrap();
        assert!(b.is_peer_closed());
        let mut buf = [0u8; 8];
        assert_eq!(b.read_into(&mut buf).unwrap(), ReadStatus::Data(2));
        assert_eq!(b.read_into(&mut buf).unwrap(), ReadStatus::Eof);
        assert_eq!(b.write(b"x").unwrap_err(), Errno::ECONNRESET);
        assert_eq!(a.write(b"x").unwrap_err(), Errno::EBADF);
        assert_eq!(a.close().unwrap_err(), Errno::EBADF);
    }

    #[test]
    fn dropping_an_end_closes_it() {
        let (a, mut b) = pipe(8);
        drop(a);
        assert!(b.is_peer_closed());
        assert_eq!(b.read_into(&mut [0u8; 1]).unwrap(), ReadStatus::Eof);
    }

    #[test]
    fn a_broken_end_fails_every_call() {
        let (mut a, b) = pipe(8);
        b.break_peer(Errno::ECONNRESET.into());
        assert_eq!(a.read_into(&mut [0u8; 1]).unwrap_err(), Errno::ECONNRESET);
        assert_eq!(a.write(b"x").unwrap_err(), Errno::ECONNRESET);
        assert!(!b.is_peer_closed());
    }
}
