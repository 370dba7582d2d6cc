//! In-memory block devices.

use alloc::vec;
use alloc::vec::Vec;

use uvfs_os_api::{check_range, BlockCount, BlockDevice, BlockIdx, Result};

/// A block device in RAM, like MicroPython's `bytearray`-backed RAM block devices in its tests.
///
/// By default it behaves like a disk: writes overwrite and erase does nothing, which is what
/// MicroPython's test devices do. [`RamDisk::new_flash`] makes one that behaves like NOR flash:
/// erase sets bytes to `0xFF`, `needs_erase()` is true (programming is not checked for bit
/// direction; wrap it in the testkit's fault device for that).
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx};
/// use uvfs_vfs_core::RamDisk;
///
/// let mut disk = RamDisk::new(512, 8);
/// disk.write(BlockIdx(1), 510, b"span").unwrap(); // crosses into block 2
/// let mut buf = [0u8; 4];
/// disk.read(BlockIdx(1), 510, &mut buf).unwrap();
/// assert_eq!(&buf, b"span");
/// assert_eq!(&disk.as_bytes()[1022..1026], b"span");
/// ```
#[derive(Clone, Debug)]
pub struct RamDisk {
    data: Vec<u8>,
    block_size: u32,
    block_count: u32,
    flash: bool,
}

impl RamDisk {
    /// A zero-filled disk of `block_count` blocks of `block_size` bytes.
    pub fn new(block_size: u32, block_count: u32) -> RamDisk {
        let len = (block_size as usize).saturating_mul(block_count as usize);
        RamDisk {
            data: vec![0; len],
            block_size,
            block_count,
            flash: false,
        }
    }

    /// An erased (`0xFF`) flash-like device whose writes need a prior erase.
    pub fn new_flash(block_size: u32, block_count: u32) -> RamDisk {
        let mut disk = RamDisk::new(block_size, block_count);
        disk.data.fill(0xFF);
        disk.flash = true;
        disk
    }

    /// A disk holding `image` (an image file's bytes). The image is cut or zero-padded to whole
    /// blocks.
    pub fn from_image(image: Vec<u8>, block_size: u32) -> RamDisk {
        let block_size = block_size.max(1);
        let block_count = u32::try_from(image.len() / block_size as usize).unwrap_or(u32::MAX);
        let mut data = image;
        data.resize(block_size as usize * block_count as usize, 0);
        RamDisk {
            data,
            block_size,
            block_count,
            flash: false,
        }
    }

    /// Makes erase set `0xFF` and `needs_erase()` report true (or not).
    pub fn set_flash(&mut self, flash: bool) {
        self.flash = flash;
    }

    /// The whole image.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The whole image, mutably (to damage it in tests, say).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Gives the image back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    fn span(&self, block: BlockIdx, offset: u32, len: usize) -> Result<core::ops::Range<usize>> {
        let start = check_range(self.block_size, self.block_count, block, offset, len)?;
        // In range of `data`, whose length is below usize::MAX.
        let start = start as usize;
        Ok(start..start + len)
    }
}

impl BlockDevice for RamDisk {
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
        let range = self.span(block, offset, buf.len())?;
        buf.copy_from_slice(&self.data[range]);
        Ok(())
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        let range = self.span(block, offset, data.len())?;
        self.data[range].copy_from_slice(data);
        Ok(())
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        let len = (count.0 as usize).saturating_mul(self.block_size as usize);
        let range = self.span(block, 0, len)?;
        if self.flash {
            self.data[range].fill(0xFF);
        }
        Ok(())
    }
}
