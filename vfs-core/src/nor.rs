//! [`FromNorFlash`]: any `embedded-storage` NOR flash as a [`BlockDevice`].

use embedded_storage::nor_flash::{NorFlash, NorFlashError, NorFlashErrorKind};
use uvfs_os_api::{check_range, BlockCount, BlockDevice, BlockIdx, Errno, Error, Result};

/// Adapts an `embedded_storage::nor_flash::NorFlash` (optionally a range of it) to a
/// [`BlockDevice`] whose blocks are the flash's erase sectors and whose writes need a prior
/// erase (littlefs's model).
///
/// The flash's `READ_SIZE`/`WRITE_SIZE` alignment is the caller's to respect for writes (littlefs
/// programs in `prog_size` units, which should be a multiple of `WRITE_SIZE`); unaligned writes
/// return `EINVAL`. Reads of any alignment work: they go through a small bounce buffer.
///
/// ```
/// use embedded_storage::nor_flash::NorFlash;
/// use uvfs_os_api::BlockDevice;
/// use uvfs_vfs_core::FromNorFlash;
///
/// fn describe<F: NorFlash>(flash: F) -> (u32, u32) {
///     let dev = FromNorFlash::new(flash);
///     (dev.block_size(), dev.block_count())
/// }
/// ```
#[derive(Debug)]
pub struct FromNorFlash<F> {
    flash: F,
    base: u32,
    block_count: u32,
}

impl<F: NorFlash> FromNorFlash<F> {
    /// The whole flash.
    pub fn new(flash: F) -> Self {
        let block_count =
            u32::try_from(flash.capacity() / F::ERASE_SIZE.max(1)).unwrap_or(u32::MAX);
        FromNorFlash {
            flash,
            base: 0,
            block_count,
        }
    }

    /// `block_count` erase sectors starting at sector `first_block` (a partition); `EINVAL` if
    /// that range is not inside the flash.
    pub fn with_range(flash: F, first_block: u32, block_count: u32) -> Result<Self> {
        let erase = u64::try_from(F::ERASE_SIZE).unwrap_or(u64::MAX);
        let end = (u64::from(first_block) + u64::from(block_count)) * erase;
        if end > flash.capacity() as u64 {
            return Err(Errno::EINVAL.with_detail("partition beyond the flash"));
        }
        let base = u32::try_from(u64::from(first_block) * erase)
            .map_err(|_| Error::from(Errno::EINVAL))?;
        Ok(FromNorFlash {
            flash,
            base,
            block_count,
        })
    }

    /// The flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// The flash.
    pub fn inner(&mut self) -> &mut F {
        &mut self.flash
    }

    fn addr(&self, block: BlockIdx, offset: u32, len: usize) -> Result<u32> {
        let start = check_range(self.block_size(), self.block_count, block, offset, len)?;
        u32::try_from(u64::from(self.base) + start).map_err(|_| Errno::EINVAL.into())
    }
}

fn nor_errno<E: NorFlashError>(e: E) -> Error {
    match e.kind() {
        NorFlashErrorKind::NotAligned => Errno::EINVAL.with_detail("flash access not aligned"),
        NorFlashErrorKind::OutOfBounds => Errno::EINVAL.with_detail("flash access out of bounds"),
        _ => Errno::EIO.into(),
    }
}

impl<F: NorFlash> BlockDevice for FromNorFlash<F> {
    fn block_size(&self) -> u32 {
        u32::try_from(F::ERASE_SIZE).unwrap_or(u32::MAX)
    }

    fn block_count(&self) -> u32 {
        self.block_count
    }

    fn needs_erase(&self) -> bool {
        true
    }

    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        let addr = self.addr(block, offset, buf.len())?;
        let rs = u32::try_from(F::READ_SIZE.max(1)).unwrap_or(1);
        let len = u32::try_from(buf.len()).map_err(|_| Error::from(Errno::EINVAL))?;
        if addr % rs == 0 && len % rs == 0 {
            return self.flash.read(addr, buf).map_err(nor_errno);
        }
        // Unaligned: read whole READ_SIZE units through a bounce buffer.
        let mut bounce = [0u8; 64];
        let unit = (rs as usize).min(bounce.len());
        if unit != rs as usize {
            return Err(Errno::EINVAL.with_detail("flash READ_SIZE above 64 needs aligned reads"));
        }
        let mut done = 0usize;
        while done < buf.len() {
            let at = addr + done as u32;
            let aligned = at - at % rs;
            let skip = (at - aligned) as usize;
            self.flash
                .read(aligned, &mut bounce[..unit])
                .map_err(nor_errno)?;
            let n = (unit - skip).min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&bounce[skip..skip + n]);
            done += n;
        }
        Ok(())
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        let addr = self.addr(block, offset, data.len())?;
        self.flash.write(addr, data).map_err(nor_errno)
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        let len = (count.0 as usize).saturating_mul(F::ERASE_SIZE);
        let from = self.addr(block, 0, len)?;
        let to = from
            .checked_add(u32::try_from(len).map_err(|_| Error::from(Errno::EINVAL))?)
            .ok_or(Error::from(Errno::EINVAL))?;
        self.flash.erase(from, to).map_err(nor_errno)
    }
}
