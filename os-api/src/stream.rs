//! Non-blocking byte streams for `os.dupterm` (a UART, a USB CDC port, a socket).
//!
//! "No data yet" is a value ([`ReadStatus::NotReady`], [`WriteStatus::NotReady`]), not an error:
//! an error means the stream failed and the terminal detaches it.

use crate::errno::Result;

/// What a non-blocking read found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadStatus {
    /// This many bytes (at least one) were read into the buffer.
    Data(usize),
    /// Nothing is available now; try later.
    NotReady,
    /// The stream ended (the peer closed it).
    Eof,
}

/// What a non-blocking write did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WriteStatus {
    /// This many bytes (at least one, unless the data was empty) were taken.
    Written(usize),
    /// The stream cannot take anything now; try later.
    NotReady,
}

/// A duplex, non-blocking byte stream: MicroPython's stream protocol as `dupterm` uses it.
///
/// # For stream authors
/// Neither method may block. `read_into` with an empty buffer returns `Data(0)`.
pub trait Stream {
    /// Reads what is available into `buf`.
    fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus>;

    /// Writes as much of `data` as the stream takes now.
    fn write(&mut self, data: &[u8]) -> Result<WriteStatus>;

    /// Pushes buffered output towards the peer.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Closes the stream; called when the terminal detaches it.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

const _: Option<&dyn Stream> = None;
