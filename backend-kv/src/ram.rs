//! [`RamFlash`]: NOR flash in memory, with I/O counters, wear counters and power cuts.

use alloc::vec;
use alloc::vec::Vec;

use embedded_storage::nor_flash::{
    check_erase, check_read, check_write, ErrorType, MultiwriteNorFlash, NorFlash, NorFlashError,
    NorFlashErrorKind, ReadNorFlash,
};
use uvfs_os_api::{Errno, Error, Result};

/// What a [`RamFlash`] operation cut by a power loss leaves behind.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Tear {
    /// Nothing: the cut operation never touched the cells.
    #[default]
    Nothing,
    /// The first `n` bytes of the write (programmed) or of the erased range (set to `0xFF`)
    /// were done, the rest is as before.
    Prefix(usize),
}

/// An error of [`RamFlash`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RamFlashError {
    /// The address or length is not a multiple of the read, write or erase size.
    NotAligned,
    /// The range is outside the flash.
    OutOfBounds,
    /// The power is off (a cut set by [`RamFlash::cut_power_after`] happened); every operation
    /// fails until [`RamFlash::restore_power`].
    PowerOff,
}

impl NorFlashError for RamFlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            RamFlashError::NotAligned => NorFlashErrorKind::NotAligned,
            RamFlashError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            RamFlashError::PowerOff => NorFlashErrorKind::Other,
        }
    }
}

impl From<NorFlashErrorKind> for RamFlashError {
    fn from(kind: NorFlashErrorKind) -> Self {
        match kind {
            NorFlashErrorKind::NotAligned => RamFlashError::NotAligned,
            _ => RamFlashError::OutOfBounds,
        }
    }
}

/// Counters of a [`RamFlash`]'s traffic since it was made (or since [`RamFlash::reset_stats`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct FlashStats {
    /// Read operations.
    pub reads: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Write (program) operations.
    pub writes: u64,
    /// Bytes written (programmed).
    pub bytes_written: u64,
    /// Erase operations (one per call, whatever the range).
    pub erases: u64,
    /// Bytes erased.
    pub bytes_erased: u64,
}

/// NOR flash in memory: `WORD`-byte writes, `PAGE`-byte erase sectors, byte reads.
///
/// It behaves as NOR flash does: erasing sets a sector to `0xFF`, programming can only clear bits
/// (writing over programmed bytes ANDs them, which is what [`MultiwriteNorFlash`] allows), and
/// misaligned or out-of-range requests fail. It counts every operation ([`FlashStats`]) and the
/// erases of each sector ([`RamFlash::erase_counts`]), and it can lose power after a given number
/// of writes and erases, optionally tearing the operation that was cut ([`Tear`]).
///
/// Hosts use it to build and inspect kv images ([`RamFlash::from_image`],
/// [`RamFlash::as_bytes`]); tests use it for power-cut sweeps and wear measurements.
///
/// ```
/// use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
/// use uvfs_backend_kv::{RamFlash, Tear};
///
/// let mut flash: RamFlash<4, 1024> = RamFlash::new(4);
/// flash.write(0, &[0x0F, 0xF0, 0xFF, 0x00]).unwrap();
/// flash.write(0, &[0xF3, 0x3F, 0x00, 0xFF]).unwrap(); // only clears bits
/// let mut out = [0u8; 4];
/// flash.read(0, &mut out).unwrap();
/// assert_eq!(out, [0x03, 0x30, 0x00, 0x00]);
///
/// flash.cut_power_after(1, Tear::Prefix(4));
/// flash.write(4, &[0; 4]).unwrap(); // the last operation before the cut
/// assert!(flash.write(8, &[0; 8]).is_err()); // cut: its first 4 bytes made it
/// flash.restore_power();
/// assert_eq!(flash.as_bytes()[8..16], [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
/// assert_eq!(flash.erase_counts(), &[0, 0, 0, 0]);
/// ```
#[derive(Clone, Debug)]
pub struct RamFlash<const WORD: usize, const PAGE: usize> {
    bytes: Vec<u8>,
    erase_counts: Vec<u32>,
    stats: FlashStats,
    /// Writes and erases still allowed before the power goes; `None` for no cut planned.
    cut_after: Option<u64>,
    tear: Tear,
    powered: bool,
}

impl<const WORD: usize, const PAGE: usize> RamFlash<WORD, PAGE> {
    /// A flash of `pages` erased sectors.
    ///
    /// # Panics
    /// Never for sizes that fit in memory; the size is `pages * PAGE` bytes.
    pub fn new(pages: usize) -> Self {
        RamFlash {
            bytes: vec![0xFF; pages.saturating_mul(PAGE)],
            erase_counts: vec![0; pages],
            stats: FlashStats::default(),
            cut_after: None,
            tear: Tear::Nothing,
            powered: true,
        }
    }

    /// A flash holding `image` (for example a kv image read from a file). `EINVAL` unless its
    /// length is a non-zero multiple of `PAGE` that a `u32` address can reach.
    pub fn from_image(image: Vec<u8>) -> Result<Self> {
        if image.is_empty()
            || !image.len().is_multiple_of(PAGE)
            || u32::try_from(image.len()).is_err()
        {
            return Err(Errno::EINVAL.with_detail("image size is not a whole number of sectors"));
        }
        let pages = image.len() / PAGE;
        Ok(RamFlash {
            bytes: image,
            erase_counts: vec![0; pages],
            stats: FlashStats::default(),
            cut_after: None,
            tear: Tear::Nothing,
            powered: true,
        })
    }

    /// The flash's contents.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The contents, consuming the flash.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// How many times each sector was erased.
    pub fn erase_counts(&self) -> &[u32] {
        &self.erase_counts
    }

    /// The traffic counters.
    pub fn stats(&self) -> FlashStats {
        self.stats
    }

    /// Zeroes the traffic and erase counters.
    pub fn reset_stats(&mut self) {
        self.stats = FlashStats::default();
        self.erase_counts.iter_mut().for_each(|c| *c = 0);
    }

    /// Loses power after `ops` more writes and erases: the next one after those is cut (leaving
    /// what `tear` says) and fails, and so does every operation after it until
    /// [`restore_power`](Self::restore_power). `ops = 0` cuts the very next write or erase.
    pub fn cut_power_after(&mut self, ops: u64, tear: Tear) {
        self.cut_after = Some(ops);
        self.tear = tear;
    }

    /// Powers the flash again and forgets any planned cut.
    pub fn restore_power(&mut self) {
        self.powered = true;
        self.cut_after = None;
    }

    /// Whether a planned cut has happened (and the power is still off).
    pub fn power_lost(&self) -> bool {
        !self.powered
    }

    /// Counts one write or erase against a planned cut: `Ok(true)` to do it fully, `Ok(false)`
    /// when this is the cut operation.
    fn spend(&mut self) -> core::result::Result<bool, RamFlashError> {
        if !self.powered {
            return Err(RamFlashError::PowerOff);
        }
        match self.cut_after {
            Some(0) => {
                self.powered = false;
                Ok(false)
            }
            Some(n) => {
                self.cut_after = Some(n - 1);
                Ok(true)
            }
            None => Ok(true),
        }
    }

    fn torn_len(&self, len: usize) -> usize {
        match self.tear {
            Tear::Nothing => 0,
            Tear::Prefix(n) => n.min(len),
        }
    }

    fn range(
        &self,
        offset: u32,
        len: usize,
    ) -> core::result::Result<core::ops::Range<usize>, RamFlashError> {
        let start = usize::try_from(offset).map_err(|_| RamFlashError::OutOfBounds)?;
        let end = start.checked_add(len).ok_or(RamFlashError::OutOfBounds)?;
        if end > self.bytes.len() {
            return Err(RamFlashError::OutOfBounds);
        }
        Ok(start..end)
    }
}

/// A `RamFlash` reports its failures as errnos where uvfs needs them (image constructors).
impl From<RamFlashError> for Error {
    fn from(e: RamFlashError) -> Error {
        match e {
            RamFlashError::NotAligned => Errno::EINVAL.with_detail("flash access not aligned"),
            RamFlashError::OutOfBounds => Errno::EINVAL.with_detail("flash access out of bounds"),
            RamFlashError::PowerOff => Errno::EIO.with_detail("flash lost power"),
        }
    }
}

impl<const WORD: usize, const PAGE: usize> ErrorType for RamFlash<WORD, PAGE> {
    type Error = RamFlashError;
}

impl<const WORD: usize, const PAGE: usize> ReadNorFlash for RamFlash<WORD, PAGE> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> core::result::Result<(), RamFlashError> {
        if !self.powered {
            return Err(RamFlashError::PowerOff);
        }
        check_read(self, offset, bytes.len())?;
        let range = self.range(offset, bytes.len())?;
        bytes.copy_from_slice(&self.bytes[range]);
        self.stats.reads += 1;
        self.stats.bytes_read += bytes.len() as u64;
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.bytes.len()
    }
}

impl<const WORD: usize, const PAGE: usize> NorFlash for RamFlash<WORD, PAGE> {
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> core::result::Result<(), RamFlashError> {
        check_erase(self, from, to)?;
        let range = self.range(from, to.saturating_sub(from) as usize)?;
        let full = self.spend()?;
        let len = if full {
            range.len()
        } else {
            self.torn_len(range.len())
        };
        self.bytes[range.start..range.start + len].fill(0xFF);
        if full {
            for page in range.start / PAGE..range.end / PAGE {
                if let Some(count) = self.erase_counts.get_mut(page) {
                    *count = count.saturating_add(1);
                }
            }
            self.stats.erases += 1;
            self.stats.bytes_erased += range.len() as u64;
            Ok(())
        } else {
            Err(RamFlashError::PowerOff)
        }
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> core::result::Result<(), RamFlashError> {
        check_write(self, offset, bytes.len())?;
        let range = self.range(offset, bytes.len())?;
        let full = self.spend()?;
        let len = if full {
            bytes.len()
        } else {
            self.torn_len(bytes.len())
        };
        for (cell, new) in self.bytes[range.start..range.start + len]
            .iter_mut()
            .zip(bytes)
        {
            *cell &= *new;
        }
        if full {
            self.stats.writes += 1;
            self.stats.bytes_written += bytes.len() as u64;
            Ok(())
        } else {
            Err(RamFlashError::PowerOff)
        }
    }
}

/// Programming ANDs into the cells, so writing a word twice is allowed.
impl<const WORD: usize, const PAGE: usize> MultiwriteNorFlash for RamFlash<WORD, PAGE> {}

#[cfg(test)]
mod tests {
    use super::*;

    type Flash = RamFlash<4, 256>;

    #[test]
    fn erase_sets_ones_and_counts() {
        let mut f = Flash::new(3);
        f.write(256, &[0; 8]).unwrap();
        f.erase(256, 512).unwrap();
        assert!(f.as_bytes()[256..512].iter().all(|&b| b == 0xFF));
        assert_eq!(f.erase_counts(), &[0, 1, 0]);
        assert_eq!(f.stats().erases, 1);
        assert_eq!(f.stats().bytes_written, 8);
    }

    #[test]
    fn misaligned_and_out_of_range_fail() {
        let mut f = Flash::new(2);
        assert_eq!(f.write(2, &[0; 4]), Err(RamFlashError::NotAligned));
        assert_eq!(f.write(0, &[0; 3]), Err(RamFlashError::NotAligned));
        assert_eq!(f.erase(0, 100), Err(RamFlashError::NotAligned));
        assert_eq!(f.write(512, &[0; 4]), Err(RamFlashError::OutOfBounds));
        let mut buf = [0u8; 4];
        assert_eq!(f.read(510, &mut buf), Err(RamFlashError::OutOfBounds));
        assert_eq!(f.erase(0, 768), Err(RamFlashError::OutOfBounds));
    }

    #[test]
    fn cut_erase_tears_a_prefix_and_keeps_the_power_off() {
        let mut f = Flash::new(2);
        f.write(0, &[0; 256]).unwrap();
        f.cut_power_after(0, Tear::Prefix(100));
        assert_eq!(f.erase(0, 256), Err(RamFlashError::PowerOff));
        assert!(f.power_lost());
        assert!(f.as_bytes()[..100].iter().all(|&b| b == 0xFF));
        assert!(f.as_bytes()[100..256].iter().all(|&b| b == 0));
        let mut buf = [0u8; 1];
        assert_eq!(f.read(0, &mut buf), Err(RamFlashError::PowerOff));
        assert_eq!(f.erase_counts(), &[0, 0]);
        f.restore_power();
        f.read(0, &mut buf).unwrap();
    }

    #[test]
    fn images_round_trip() {
        let mut f = Flash::new(2);
        f.write(8, b"abcd").unwrap();
        let g = Flash::from_image(f.clone().into_bytes()).unwrap();
        assert_eq!(g.as_bytes(), f.as_bytes());
        assert_eq!(Flash::from_image(vec![0; 100]).unwrap_err(), Errno::EINVAL);
        assert_eq!(Flash::from_image(Vec::new()).unwrap_err(), Errno::EINVAL);
    }
}
