//! What the terminal reports to its owner: interrupts and detached slots.

use core::fmt;

use uvfs_os_api::Error;

/// Why a slot's stream was detached.
///
/// `Display` prints MicroPython's message without the line end, e.g.
/// `dupterm: EOF received, deactivating`. The terminal writes that message, followed by `\r\n`,
/// to every slot that is still attached (MicroPython prints it through the cooked console, which
/// turns `\n` into `\r\n`).
///
/// ```
/// use uvfs_os_api::Errno;
/// use uvfs_term_dupterm::DetachReason;
///
/// assert_eq!(DetachReason::Eof.to_string(), "dupterm: EOF received, deactivating");
/// assert_eq!(
///     DetachReason::ReadError(Errno::ECONNRESET.into()).to_string(),
///     "dupterm: Exception in read() method, deactivating: OSError: [Errno 104] ECONNRESET",
/// );
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DetachReason {
    /// The stream's read reported the end of the stream (the peer closed it).
    Eof,
    /// The stream's `read_into` returned this error.
    ReadError(Error),
    /// The stream's `write` or `flush` returned this error.
    WriteError(Error),
    /// The slot's output queue overflowed under [`Overflow::Detach`] (uvfs only: MicroPython
    /// loses the output instead).
    Overflow,
}

impl fmt::Display for DetachReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetachReason::Eof => f.write_str("dupterm: EOF received, deactivating"),
            DetachReason::ReadError(e) => write!(
                f,
                "dupterm: Exception in read() method, deactivating: OSError: {e}"
            ),
            DetachReason::WriteError(e) => write!(
                f,
                "dupterm: Exception in write() method, deactivating: OSError: {e}"
            ),
            DetachReason::Overflow => f.write_str("dupterm: output overflow, deactivating"),
        }
    }
}

/// Something the terminal's owner should act on; see [`Terminal::next_event`](crate::Terminal::next_event).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The interrupt character (Ctrl-C unless changed) arrived from slot `index`. It was not
    /// passed on as input: the program should raise its `KeyboardInterrupt`.
    Interrupt {
        /// The slot it came from.
        index: usize,
    },
    /// Slot `index` lost its stream, which was closed (errors from close ignored) and dropped.
    /// The message ([`DetachReason`]'s `Display`) was written to the remaining slots; the owner
    /// may print it on its own console too.
    Detached {
        /// The slot that is now empty.
        index: usize,
        /// Why.
        reason: DetachReason,
    },
}

/// What a slot does when its stream would block and the output waiting for it exceeds the slot's
/// output capacity ([`Terminal::with_output_capacity`](crate::Terminal::with_output_capacity)).
///
/// Either way, nothing is lost silently: the peer sees a marker, or the slot is detached with a
/// message on the other slots and an [`Event::Detached`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Overflow {
    /// Keep the newest output and drop the oldest queued bytes. Where bytes went missing, the peer
    /// receives `\r\n[dupterm: N bytes of output dropped]\r\n` (`1 byte` for one) before the output
    /// that follows the gap. The slot stays attached. This suits a REPL: the latest prompt is what matters.
    #[default]
    DropOldest,
    /// Detach the slot ([`DetachReason::Overflow`]) as if its stream had failed: for peers that
    /// must see all output or nothing.
    Detach,
}
