//! The block device protocol, after MicroPython's `readblocks`/`writeblocks`/`ioctl`.
//!
//! # For users
//! A [`BlockDevice`] is a run of `block_count()` blocks of `block_size()` bytes. Reads and writes
//! address a block and a byte offset inside it, and may span blocks (MicroPython's extended
//! interface). Geometry is read at run time, because MicroPython chooses it at run time.
//!
//! # For device authors
//! - Call [`check_range`] first in `read`, `write` and `erase`: it rejects out-of-range requests
//!   with `EINVAL` and cannot overflow.
//! - `read` fills the whole buffer or fails. `write` writes the whole slice or fails.
//! - If [`BlockDevice::needs_erase`] is true (NOR flash), a byte may be programmed only once
//!   after its block was erased; programming may only clear bits. Callers (littlefs) erase first.
//!   If false (disks, RAM), `write` simply overwrites and `erase` may do nothing.
//! - On power loss a device may leave the block being written torn (partly old, partly new) but
//!   must not damage other blocks. [`BlockDevice::erase`] may leave the erased block with any
//!   content.
//! - Offsets and lengths are `u32`/`usize` byte counts inside the device, never negative.

use crate::errno::{Errno, Result};

/// A block index (not a byte offset).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BlockIdx(pub u32);

/// A count of blocks (not bytes).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BlockCount(pub u32);

impl BlockIdx {
    /// The byte address of `offset` bytes into this block, for a device of `block_size`.
    pub fn byte_address(self, block_size: u32, offset: u32) -> u64 {
        u64::from(self.0) * u64::from(block_size) + u64::from(offset)
    }
}

/// Checks that `len` bytes at (`block`, `offset`) lie inside a device of `block_count` blocks of
/// `block_size` bytes, and returns the byte address where they start.
///
/// This is the one bounds check every device uses. It cannot overflow: it compares
/// `len > cap || start > cap - len` in `u64`.
///
/// ```
/// use uvfs_os_api::{check_range, BlockIdx, Errno};
/// assert_eq!(check_range(512, 4, BlockIdx(1), 10, 100), Ok(522));
/// assert_eq!(check_range(512, 4, BlockIdx(3), 0, 512), Ok(1536));
/// assert_eq!(check_range(512, 4, BlockIdx(3), 1, 512).unwrap_err(), Errno::EINVAL);
/// assert_eq!(check_range(512, 4, BlockIdx(u32::MAX), u32::MAX, usize::MAX).unwrap_err(), Errno::EINVAL);
/// ```
pub fn check_range(
    block_size: u32,
    block_count: u32,
    block: BlockIdx,
    offset: u32,
    len: usize,
) -> Result<u64> {
    let cap = u64::from(block_size) * u64::from(block_count);
    let start = block.byte_address(block_size, offset);
    let len = u64::try_from(len).map_err(|_| Errno::EINVAL)?;
    if len > cap || start > cap - len {
        return Err(Errno::EINVAL.with_detail("block range outside the device"));
    }
    Ok(start)
}

/// A block device: MicroPython's block protocol, with geometry read at run time.
///
/// Object-safe: routers hold `Box<dyn BlockDevice>`.
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx, Result};
///
/// /// Copies the first block of any device into `out`.
/// fn first_block(dev: &mut dyn BlockDevice, out: &mut [u8]) -> Result<()> {
///     let n = dev.block_size() as usize;
///     dev.read(BlockIdx(0), 0, &mut out[..n])
/// }
/// ```
pub trait BlockDevice {
    /// Bytes per block (MicroPython's `ioctl(5)`): the sector for disks, the erase block for flash.
    fn block_size(&self) -> u32;

    /// Number of blocks (MicroPython's `ioctl(4)`).
    fn block_count(&self) -> u32;

    /// Whether a byte must be erased before it is written again (NOR flash), or writes simply
    /// overwrite (disks, RAM).
    fn needs_erase(&self) -> bool;

    /// Reads `buf.len()` bytes starting `offset` bytes into `block`; may span blocks.
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()>;

    /// Writes (programs) `data` starting `offset` bytes into `block`; may span blocks.
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()>;

    /// Erases `count` blocks starting at `block` (MicroPython's `ioctl(6)`, one block at a time).
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()>;

    /// Makes every completed write durable (`ioctl(3)`).
    fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    /// Prepares the device before use (`ioctl(1)`).
    fn init(&mut self) -> Result<()> {
        Ok(())
    }

    /// Releases the device after use (`ioctl(2)`).
    fn deinit(&mut self) -> Result<()> {
        Ok(())
    }
}

const _: Option<&dyn BlockDevice> = None;

/// Reads whole blocks; a convenience over [`BlockDevice::read`] for `dyn` devices.
impl dyn BlockDevice + '_ {
    /// Total size in bytes.
    pub fn size_bytes(&self) -> u64 {
        u64::from(self.block_size()) * u64::from(self.block_count())
    }
}
