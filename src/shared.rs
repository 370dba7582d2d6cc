//! The std layer: a shareable [`SharedSystem`] whose [`File`] implements
//! `std::io::{Read, Write, Seek}` and closes on drop.

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use uvfs_os_api::{Errno, Error, FileHandle, OpenMode, Os, SeekFrom};

use crate::System;

/// An uvfs error with the path it concerns, as the std layer reports it inside an
/// [`io::Error`]. `raw_os_error()` of such an `io::Error` is the errno.
#[derive(Debug, Clone)]
pub struct PathError {
    /// The path the call was about.
    pub path: String,
    /// The uvfs error.
    pub error: Error,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.error)
    }
}

impl std::error::Error for PathError {}

/// Turns an uvfs error into an `io::Error` whose `raw_os_error()` is the errno.
pub fn to_io(error: Error) -> io::Error {
    io::Error::from_raw_os_error(error.errno().code())
}

/// The errno inside an `io::Error` made by this layer (or by the host).
pub fn errno_of(e: &io::Error) -> Option<Errno> {
    e.raw_os_error().map(Errno::from_code)
}

/// A [`System`] shared between threads and [`File`]s.
///
/// ```
/// use std::io::{Read, Write};
/// use uvfs::{SharedSystem, System};
///
/// # fn demo(shared: SharedSystem) -> std::io::Result<()> {
/// let mut f = shared.open("/flash/log.txt", "a")?;
/// f.write_all(b"boot\n")?;
/// f.close()?; // or just drop it
/// let mut text = String::new();
/// shared.open("/flash/log.txt", "r")?.read_to_string(&mut text)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharedSystem {
    inner: Arc<Mutex<System>>,
}

impl SharedSystem {
    /// Shares `system`.
    pub fn new(system: System) -> SharedSystem {
        SharedSystem {
            inner: Arc::new(Mutex::new(system)),
        }
    }

    /// Locks the system for direct `Os` calls. A panic in another holder does not poison it
    /// for good: the lock is taken anyway, since `System` keeps no invariant a panic can break
    /// half-way that its own calls would not report as errors.
    pub fn lock(&self) -> MutexGuard<'_, System> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `open(path, mode)` with a MicroPython mode string.
    pub fn open(&self, path: &str, mode: &str) -> io::Result<File> {
        let mode = OpenMode::parse(mode).map_err(to_io)?;
        let handle = self.lock().open(path, mode).map_err(to_io)?;
        Ok(File {
            system: self.clone(),
            handle: Some(handle),
        })
    }
}

/// A file open through a [`SharedSystem`]: `Read + Write + Seek`, closed on drop.
///
/// Drop cannot report errors; call [`File::close`] to see them.
pub struct File {
    system: SharedSystem,
    handle: Option<FileHandle>,
}

impl File {
    fn handle(&self) -> io::Result<FileHandle> {
        self.handle.ok_or_else(|| to_io(Errno::EBADF.into()))
    }

    /// Closes the file, reporting any error (data not written, for instance).
    pub fn close(mut self) -> io::Result<()> {
        let h = self.handle()?;
        self.handle = None;
        self.system.lock().close(h).map_err(to_io)
    }

    /// Cuts or extends the file to `len` bytes.
    pub fn set_len(&mut self, len: u64) -> io::Result<()> {
        let h = self.handle()?;
        self.system.lock().truncate(h, len).map_err(to_io)
    }
}

impl io::Read for File {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let h = self.handle()?;
        self.system.lock().read(h, buf).map_err(to_io)
    }
}

impl io::Write for File {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let h = self.handle()?;
        self.system.lock().write(h, buf).map_err(to_io)
    }

    fn flush(&mut self) -> io::Result<()> {
        let h = self.handle()?;
        self.system.lock().flush(h).map_err(to_io)
    }
}

impl io::Seek for File {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let h = self.handle()?;
        let pos = match pos {
            io::SeekFrom::Start(p) => SeekFrom::Start(p),
            io::SeekFrom::Current(d) => SeekFrom::Current(d),
            io::SeekFrom::End(d) => SeekFrom::End(d),
        };
        self.system.lock().seek(h, pos).map_err(to_io)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            let _ = self.system.lock().close(h);
        }
    }
}
