//! [`DiskOnFlash`]: a disk-like device (overwrite in place) on a flash-like one (erase first).

use alloc::vec;
use alloc::vec::Vec;

use uvfs_os_api::{check_range, BlockCount, BlockDevice, BlockIdx, Errno, Error, Result};

/// Presents a device whose writes need a prior erase (NOR flash) as one whose writes simply
/// overwrite, with sectors of `sector_size` bytes: each write reads the whole erase block,
/// changes it in RAM, erases it and programs it back (read-modify-erase-write).
///
/// This is how FAT runs on NOR flash. Put a [`BlockCache`](crate::BlockCache) in front of it so
/// that a burst of small writes costs one erase per erase block, not one per write.
///
/// Power loss between the erase and the end of the program loses the whole erase block:
/// FAT on raw NOR flash is not power-safe, which is why MicroPython boards prefer littlefs there.
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx};
/// use uvfs_vfs_core::{DiskOnFlash, RamDisk};
///
/// let flash = RamDisk::new_flash(4096, 4);
/// let mut disk = DiskOnFlash::new(flash, 512).unwrap();
/// assert_eq!((disk.block_size(), disk.block_count(), disk.needs_erase()), (512, 32, false));
/// disk.write(BlockIdx(9), 0, b"fat sector").unwrap();
/// disk.write(BlockIdx(9), 4, b"SECT").unwrap(); // overwrite in place
/// let mut buf = [0u8; 10];
/// disk.read(BlockIdx(9), 0, &mut buf).unwrap();
/// assert_eq!(&buf, b"fat SECTor");
/// ```
pub struct DiskOnFlash<D> {
    dev: D,
    sector: u32,
    sectors: u32,
    buf: Vec<u8>,
}

impl<D: BlockDevice> DiskOnFlash<D> {
    /// `EINVAL` unless `sector_size` is non-zero and divides the device's erase block.
    pub fn new(dev: D, sector_size: u32) -> Result<Self> {
        let erase = dev.block_size();
        if sector_size == 0 || !erase.is_multiple_of(sector_size) {
            return Err(Errno::EINVAL.with_detail("sector size must divide the erase block"));
        }
        let per = erase / sector_size;
        let sectors = dev
            .block_count()
            .checked_mul(per)
            .ok_or(Errno::EINVAL.with_detail("device too large for this sector size"))?;
        Ok(DiskOnFlash {
            buf: vec![0; erase as usize],
            dev,
            sector: sector_size,
            sectors,
        })
    }

    /// The flash device back.
    pub fn into_inner(self) -> D {
        self.dev
    }
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice> BlockDevice for DiskOnFlash<D> {
    fn block_size(&self) -> u32 {
        self.sector
    }

    fn block_count(&self) -> u32 {
        self.sectors
    }

    fn needs_erase(&self) -> bool {
        false
    }

    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        let start = check_range(self.sector, self.sectors, block, offset, buf.len())?;
        let erase = u64::from(self.dev.block_size());
        let b = u32::try_from(start / erase).map_err(|_| Error::from(Errno::EINVAL))?;
        self.dev.read(BlockIdx(b), (start % erase) as u32, buf)
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        let start = check_range(self.sector, self.sectors, block, offset, data.len())?;
        let erase = u64::from(self.dev.block_size());
        let mut done = 0usize;
        while done < data.len() {
            let at = start + done as u64;
            let eb = u32::try_from(at / erase).map_err(|_| Error::from(Errno::EINVAL))?;
            let off = (at % erase) as usize;
            let n = (erase as usize - off).min(data.len() - done);
            self.dev.read(BlockIdx(eb), 0, &mut self.buf)?;
            if self.buf[off..off + n] != data[done..done + n] {
                self.buf[off..off + n].copy_from_slice(&data[done..done + n]);
                self.dev.erase(BlockIdx(eb), BlockCount(1))?;
                self.dev.write(BlockIdx(eb), 0, &self.buf)?;
            }
            done += n;
        }
        Ok(())
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        // A disk has nothing to erase; only check the range.
        let len = (count.0 as usize).saturating_mul(self.sector as usize);
        check_range(self.sector, self.sectors, block, 0, len).map(|_| ())
    }

    fn sync(&mut self) -> Result<()> {
        self.dev.sync()
    }

    fn init(&mut self) -> Result<()> {
        self.dev.init()
    }

    fn deinit(&mut self) -> Result<()> {
        self.dev.deinit()
    }
}
