//! Host sockets as dupterm streams: [`FromTcp`] and [`FromUnix`].
//!
//! Both put their socket in non-blocking mode, so a terminal can poll them from its loop. See
//! the crate front page ("Errors from host streams") for how I/O errors are reported.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
#[cfg(unix)]
use std::os::unix::net::UnixStream;

use uvfs_os_api::{ReadStatus, Result, Stream, WriteStatus};

use crate::errno::from_io;

/// How often an `EINTR` is retried before reporting "not ready".
const INTERRUPTED_RETRIES: usize = 8;

/// A non-blocking read through `std::io::Read`.
fn read_io<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<ReadStatus> {
    if buf.is_empty() {
        return Ok(ReadStatus::Data(0));
    }
    for _ in 0..INTERRUPTED_RETRIES {
        match reader.read(buf) {
            Ok(0) => return Ok(ReadStatus::Eof),
            Ok(n) => return Ok(ReadStatus::Data(n.min(buf.len()))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(ReadStatus::NotReady),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(from_io(&e)),
        }
    }
    Ok(ReadStatus::NotReady)
}

/// A non-blocking write through `std::io::Write`.
fn write_io<W: Write>(writer: &mut W, data: &[u8]) -> Result<WriteStatus> {
    if data.is_empty() {
        return Ok(WriteStatus::Written(0));
    }
    for _ in 0..INTERRUPTED_RETRIES {
        match writer.write(data) {
            // A socket that takes nothing has no room now.
            Ok(0) => return Ok(WriteStatus::NotReady),
            Ok(n) => return Ok(WriteStatus::Written(n.min(data.len()))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(WriteStatus::NotReady),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(from_io(&e)),
        }
    }
    Ok(WriteStatus::NotReady)
}

/// Shuts a socket down both ways; a socket the peer already disconnected is not an error.
fn shutdown_result(result: io::Result<()>) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        Err(e) => Err(from_io(&e)),
    }
}

/// A TCP connection (a Telnet or WebREPL-like client) as a dupterm stream.
///
/// [`new`](FromTcp::new) makes the socket non-blocking and turns off Nagle's algorithm, so each
/// keystroke's echo leaves at once. [`close`](Stream::close) shuts the connection down both ways;
/// dropping the value closes the socket.
#[derive(Debug)]
pub struct FromTcp {
    inner: TcpStream,
}

impl FromTcp {
    /// Wraps a connected socket, switching it to non-blocking mode.
    ///
    /// # Errors
    /// The OS error from `set_nonblocking`.
    pub fn new(stream: TcpStream) -> io::Result<FromTcp> {
        stream.set_nonblocking(true)?;
        // Only latency depends on it; a socket that refuses still works.
        let _ = stream.set_nodelay(true);
        Ok(FromTcp { inner: stream })
    }

    /// The socket (for its addresses, say).
    pub fn get_ref(&self) -> &TcpStream {
        &self.inner
    }

    /// The socket back, still non-blocking.
    pub fn into_inner(self) -> TcpStream {
        self.inner
    }
}

impl Stream for FromTcp {
    fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus> {
        read_io(&mut self.inner, buf)
    }
    fn write(&mut self, data: &[u8]) -> Result<WriteStatus> {
        write_io(&mut self.inner, data)
    }
    fn flush(&mut self) -> Result<()> {
        // TCP sockets have no user-space buffer; the kernel sends what it was given.
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        shutdown_result(self.inner.shutdown(Shutdown::Both))
    }
}

/// A Unix-domain stream socket as a dupterm stream (e.g. a local debugging console).
///
/// Non-blocking like [`FromTcp`]; [`close`](Stream::close) shuts it down both ways.
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
#[derive(Debug)]
pub struct FromUnix {
    inner: UnixStream,
}

#[cfg(unix)]
impl FromUnix {
    /// Wraps a connected socket, switching it to non-blocking mode.
    ///
    /// # Errors
    /// The OS error from `set_nonblocking`.
    pub fn new(stream: UnixStream) -> io::Result<FromUnix> {
        stream.set_nonblocking(true)?;
        Ok(FromUnix { inner: stream })
    }

    /// The socket.
    pub fn get_ref(&self) -> &UnixStream {
        &self.inner
    }

    /// The socket back, still non-blocking.
    pub fn into_inner(self) -> UnixStream {
        self.inner
    }
}

#[cfg(unix)]
impl Stream for FromUnix {
    fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus> {
        read_io(&mut self.inner, buf)
    }
    fn write(&mut self, data: &[u8]) -> Result<WriteStatus> {
        write_io(&mut self.inner, data)
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    fn close(&mut self) -> Result<()> {
        shutdown_result(self.inner.shutdown(Shutdown::Both))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A reader/writer that fails as told.
    struct Scripted(Vec<io::Result<usize>>);

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let r = self.0.remove(0);
            if let Ok(n) = r {
                buf[..n].fill(b'x');
            }
            r
        }
    }

    impl Write for Scripted {
        fn write(&mut self, _data: &[u8]) -> io::Result<usize> {
            self.0.remove(0)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn reads_map_would_block_eof_and_errors() {
        let mut buf = [0u8; 4];
        let mut s = Scripted(vec![
            Err(io::ErrorKind::WouldBlock.into()),
            Err(io::ErrorKind::Interrupted.into()),
            Ok(3),
            Ok(0),
            Err(io::Error::from_raw_os_error(104)),
        ]);
        assert_eq!(read_io(&mut s, &mut buf).unwrap(), ReadStatus::NotReady);
        assert_eq!(read_io(&mut s, &mut buf).unwrap(), ReadStatus::Data(3));
        assert_eq!(read_io(&mut s, &mut buf).unwrap(), ReadStatus::Eof);
        let e = read_io(&mut s, &mut buf).unwrap_err();
        assert_eq!(e.errno().code(), 104);
        assert_eq!(
            read_io(&mut Cursor::new(b"ab"), &mut []).unwrap(),
            ReadStatus::Data(0)
        );
    }

    #[test]
    fn endless_interrupts_are_not_ready() {
        let mut s = Scripted(
            (0..INTERRUPTED_RETRIES)
                .map(|_| Err(io::ErrorKind::Interrupted.into()))
                .collect(),
        );
        assert_eq!(
            read_io(&mut s, &mut [0u8; 2]).unwrap(),
            ReadStatus::NotReady
        );
        assert!(s.0.is_empty());
    }

    #[test]
    fn writes_map_would_block_zero_and_errors() {
        let mut s = Scripted(vec![
            Err(io::ErrorKind::WouldBlock.into()),
            Ok(0),
            Ok(2),
            Err(io::Error::from_raw_os_error(32)),
        ]);
        assert_eq!(write_io(&mut s, b"abc").unwrap(), WriteStatus::NotReady);
        assert_eq!(write_io(&mut s, b"abc").unwrap(), WriteStatus::NotReady);
        assert_eq!(write_io(&mut s, b"abc").unwrap(), WriteStatus::Written(2));
        assert_eq!(write_io(&mut s, b"abc").unwrap_err().errno().code(), 32);
        assert_eq!(write_io(&mut s, b"").unwrap(), WriteStatus::Written(0));
    }

    #[test]
    fn shutdown_of_a_disconnected_socket_is_fine() {
        assert!(shutdown_result(Err(io::ErrorKind::NotConnected.into())).is_ok());
        let e = shutdown_result(Err(io::Error::from_raw_os_error(9))).unwrap_err();
        assert_eq!(e.errno().code(), 9);
    }
}
