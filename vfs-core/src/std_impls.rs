//! std-only pieces: the OS entropy source, the system clock and file-backed block devices.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use uvfs_os_api::{
    check_range, BlockCount, BlockDevice, BlockIdx, EntropySource, Errno, Error, Result,
    TimeSource, Timestamp,
};

/// `os.urandom` from the operating system's RNG.
#[derive(Copy, Clone, Debug, Default)]
pub struct OsEntropy;

impl EntropySource for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|_| Errno::EIO.with_detail("OS random source failed"))
    }
}

/// The host's clock.
#[derive(Copy, Clone, Debug, Default)]
pub struct SystemClock;

impl TimeSource for SystemClock {
    fn now(&self) -> Timestamp {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(_) => Timestamp::default(),
        }
    }
}

/// Maps a host I/O error to its errno, keeping the raw OS number when there is one.
pub(crate) fn io_errno(e: &std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(code) => Errno::from_code(code).into(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Errno::EIO.with_detail("image file shorter than the device")
        }
        None => Errno::EIO.into(),
    }
}

/// A block device in an image file, optionally a window (`offset`, `length`) inside a larger
/// file, as a filesystem inside a firmware or flash dump.
///
/// Writes overwrite; erase does nothing unless the device was opened with
/// [`FileDisk::set_flash`], then it writes `0xFF` and `needs_erase()` is true.
///
/// ```no_run
/// use uvfs_vfs_core::FileDisk;
/// # fn main() -> uvfs_os_api::Result<()> {
/// // A 1 MiB filesystem at 2 MiB into a flash dump, 4 KiB blocks.
/// let disk = FileDisk::open_window("flash.bin", 4096, 2 << 20, Some(1 << 20), false)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FileDisk {
    file: File,
    base: u64,
    block_size: u32,
    block_count: u32,
    flash: bool,
}

impl FileDisk {
    /// Opens a whole image file with blocks of `block_size`; the block count is the file size
    /// divided by it (a partial last block is ignored).
    pub fn open(path: impl AsRef<Path>, block_size: u32, writable: bool) -> Result<FileDisk> {
        Self::open_window(path, block_size, 0, None, writable)
    }

    /// Opens `length` bytes (to the end of the file if `None`) at `offset` of an image file.
    /// `EINVAL` if the window does not fit in the file or the block size is zero.
    pub fn open_window(
        path: impl AsRef<Path>,
        block_size: u32,
        offset: u64,
        length: Option<u64>,
        writable: bool,
    ) -> Result<FileDisk> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|e| io_errno(&e))?;
        Self::from_file(file, block_size, offset, length)
    }

    /// Wraps an open file (see [`FileDisk::open_window`]).
    pub fn from_file(
        file: File,
        block_size: u32,
        offset: u64,
        length: Option<u64>,
    ) -> Result<FileDisk> {
        if block_size == 0 {
            return Err(Errno::EINVAL.with_detail("block size is zero"));
        }
        let file_len = file.metadata().map_err(|e| io_errno(&e))?.len();
        let avail = file_len
            .checked_sub(offset)
            .ok_or(Errno::EINVAL.with_detail("offset beyond the end of the image"))?;
        let len = match length {
            Some(l) if l > avail => {
                return Err(Errno::EINVAL.with_detail("window beyond the end of the image"))
            }
            Some(l) => l,
            None => avail,
        };
        let block_count = u32::try_from(len / u64::from(block_size))
            .map_err(|_| Errno::EFBIG.with_detail("too many blocks"))?;
        Ok(FileDisk {
            file,
            base: offset,
            block_size,
            block_count,
            flash: false,
        })
    }

    /// Creates (or truncates) an image file of `block_count` blocks filled with `fill`.
    pub fn create(
        path: impl AsRef<Path>,
        block_size: u32,
        block_count: u32,
        fill: u8,
    ) -> Result<FileDisk> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| io_errno(&e))?;
        let total = u64::from(block_size) * u64::from(block_count);
        if fill == 0 {
            file.set_len(total).map_err(|e| io_errno(&e))?;
        } else {
            let chunk = vec![fill; 64 * 1024];
            let mut left = total;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                file.write_all(&chunk[..n]).map_err(|e| io_errno(&e))?;
                left -= n as u64;
            }
        }
        Self::from_file(file, block_size, 0, None)
    }

    /// Makes erase write `0xFF` and `needs_erase()` report true.
    pub fn set_flash(&mut self, flash: bool) {
        self.flash = flash;
    }

    /// Gives the file back.
    pub fn into_file(self) -> File {
        self.file
    }

    fn seek_to(&mut self, block: BlockIdx, offset: u32, len: usize) -> Result<()> {
        let start = check_range(self.block_size, self.block_count, block, offset, len)?;
        self.file
            .seek(SeekFrom::Start(self.base + start))
            .map_err(|e| io_errno(&e))?;
        Ok(())
    }
}

impl BlockDevice for FileDisk {
    fn block_size(&self) -> u32 {
        self.block_size
    }

    fn block_count(&self) -> u32 {
        self.block_count
    }

    fn needs_erase(&self) -> bool {
        self.flash
    }

    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        self.seek_to(block, offset, buf.len())?;
        self.file.read_exact(buf).map_err(|e| io_errno(&e))
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        self.seek_to(block, offset, data.len())?;
        self.file.write_all(data).map_err(|e| io_errno(&e))
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        let len = (count.0 as usize).saturating_mul(self.block_size as usize);
        self.seek_to(block, 0, len)?;
        if self.flash {
            let ones = vec![0xFF; self.block_size as usize];
            for _ in 0..count.0 {
                self.file.write_all(&ones).map_err(|e| io_errno(&e))?;
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        self.file.sync_data().map_err(|e| io_errno(&e))
    }
}
