//! [`BlockCache`]: a write-back cache of whole blocks in front of any device.

use alloc::vec;
use alloc::vec::Vec;

use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Error, Result};

struct Line {
    block: Option<u32>,
    dirty: bool,
    last_use: u64,
}

/// A write-back cache of `lines` whole blocks with least-recently-used eviction.
///
/// Small and unaligned accesses (FAT's directory and FAT-table updates) hit the cache instead of
/// the device. Whole blocks that are not cached bypass it in both directions (a run of them is
/// one device call), so sequential streams neither pay for copies nor evict the hot blocks.
/// Writes to a device that `needs_erase()` (flash) go straight through (the cached copy is
/// updated), because programming order matters to flash filesystems; on disk-like devices
/// partial-block writes and writes to cached blocks stay in the cache until eviction,
/// [`BlockDevice::sync`], or [`BlockCache::into_inner`]. Dropping the cache without syncing
/// loses unwritten blocks, as pulling power would.
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx};
/// use uvfs_vfs_core::{BlockCache, RamDisk};
///
/// let mut dev = BlockCache::new(RamDisk::new(512, 16), 4);
/// dev.write(BlockIdx(3), 7, b"abc").unwrap();
/// assert_eq!(dev.inner().as_bytes()[3 * 512 + 7], 0); // still in the cache
/// dev.sync().unwrap();
/// assert_eq!(&dev.inner().as_bytes()[3 * 512 + 7..3 * 512 + 10], b"abc");
/// ```
pub struct BlockCache<D> {
    dev: D,
    block_size: usize,
    lines: Vec<Line>,
    data: Vec<u8>,
    clock: u64,
    stats: CacheStats,
}

/// Hit and miss counters of a [`BlockCache`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Block accesses served from the cache.
    pub hits: u64,
    /// Block accesses that went to the device.
    pub misses: u64,
    /// Dirty blocks written back.
    pub writebacks: u64,
}

impl<D: BlockDevice> BlockCache<D> {
    /// A cache of `lines` blocks (at least one) in front of `dev`.
    pub fn new(dev: D, lines: usize) -> Self {
        let lines = lines.max(1);
        let block_size = dev.block_size() as usize;
        BlockCache {
            dev,
            block_size,
            lines: (0..lines)
                .map(|_| Line {
                    block: None,
                    dirty: false,
                    last_use: 0,
                })
                .collect(),
            data: vec![0; lines * block_size],
            clock: 0,
            stats: CacheStats::default(),
        }
    }

    /// The device behind the cache (its contents may lag the cache until `sync`).
    pub fn inner(&self) -> &D {
        &self.dev
    }

    /// Writes back every dirty block and returns the device.
    pub fn into_inner(mut self) -> Result<D> {
        self.flush_all()?;
        Ok(self.dev)
    }

    /// Counters since creation.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    fn line_data(&mut self, i: usize) -> &mut [u8] {
        let bs = self.block_size;
        &mut self.data[i * bs..(i + 1) * bs]
    }

    fn write_back(&mut self, i: usize) -> Result<()> {
        if let (Some(block), true) = (self.lines[i].block, self.lines[i].dirty) {
            let bs = self.block_size;
            self.dev
                .write(BlockIdx(block), 0, &self.data[i * bs..(i + 1) * bs])?;
            self.lines[i].dirty = false;
            self.stats.writebacks += 1;
        }
        Ok(())
    }

    fn flush_all(&mut self) -> Result<()> {
        for i in 0..self.lines.len() {
            self.write_back(i)?;
        }
        Ok(())
    }

    fn find(&self, block: u32) -> Option<usize> {
        self.lines.iter().position(|l| l.block == Some(block))
    }

    /// The line holding `block`, loading it (from the device unless `whole_overwrite`) on a miss.
    fn line_for(&mut self, block: u32, whole_overwrite: bool) -> Result<usize> {
        self.clock += 1;
        if let Some(i) = self.find(block) {
            self.stats.hits += 1;
            self.lines[i].last_use = self.clock;
            return Ok(i);
        }
        self.stats.misses += 1;
        let victim = self
            .lines
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (l.block.is_some(), l.last_use))
            .map(|(i, _)| i)
            .ok_or(Error::bug("bug: cache has no lines"))?;
        self.write_back(victim)?;
        self.lines[victim].block = None;
        if !whole_overwrite {
            let bs = self.block_size;
            let (dev, data) = (&mut self.dev, &mut self.data);
            dev.read(
                BlockIdx(block),
                0,
                &mut data[victim * bs..(victim + 1) * bs],
            )?;
        }
        self.lines[victim] = Line {
            block: Some(block),
            dirty: false,
            last_use: self.clock,
        };
        Ok(victim)
    }

    /// Checks the range and returns the pieces it splits into, one per block.
    fn pieces(&self, block: BlockIdx, offset: u32, len: usize) -> Result<Pieces> {
        let start = uvfs_os_api::check_range(
            self.dev.block_size(),
            self.dev.block_count(),
            block,
            offset,
            len,
        )?;
        Ok(Pieces {
            start,
            len,
            done: 0,
            block_size: self.block_size,
        })
    }

    /// How many whole blocks the cache does not hold start the rest of `pieces` at `first`, for one
    /// bypassing device call.
    fn uncached_run(&self, pieces: &Pieces, first: u32) -> usize {
        let whole_left = (pieces.len - pieces.done) / self.block_size;
        let mut n = 0;
        while n < whole_left {
            let b = u64::from(first) + n as u64;
            match u32::try_from(b) {
                Ok(b) if self.find(b).is_none() => n += 1,
                _ => break,
            }
        }
        n
    }
}

/// The (block, offset in block, range in the caller's buffer) pieces of a checked byte range.
struct Pieces {
    start: u64,
    len: usize,
    done: usize,
    block_size: usize,
}

impl Pieces {
    /// The next piece, or `None` at the end; `Err` only if a block index overflows (impossible
    /// after `check_range`).
    fn next_piece(&mut self) -> Result<Option<(u32, usize, core::ops::Range<usize>)>> {
        if self.done >= self.len {
            return Ok(None);
        }
        let bs = self.block_size as u64;
        let at = self.start + self.done as u64;
        let b = u32::try_from(at / bs).map_err(|_| Error::bug("bug: block index overflow"))?;
        let off = (at % bs) as usize;
        let n = (self.block_size - off).min(self.len - self.done);
        let range = self.done..self.done + n;
        self.done += n;
        Ok(Some((b, off, range)))
    }

    /// Skips `blocks` whole blocks (after a bypassing call served them).
    fn skip_blocks(&mut self, blocks: usize) {
        self.done += blocks * self.block_size;
    }
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice> BlockDevice for BlockCache<D> {
    fn block_size(&self) -> u32 {
        self.dev.block_size()
    }

    fn block_count(&self) -> u32 {
        self.dev.block_count()
    }

    fn needs_erase(&self) -> bool {
        self.dev.needs_erase()
    }

    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        let mut pieces = self.pieces(block, offset, buf.len())?;
        while let Some((b, off, range)) = pieces.next_piece()? {
            let n = range.len();
            if n == self.block_size && self.find(b).is_none() {
                // A run of whole blocks the cache does not hold: straight from the device.
                let run = 1 + self.uncached_run(&pieces, b.saturating_add(1));
                let end = range.start + run * self.block_size;
                self.dev.read(BlockIdx(b), 0, &mut buf[range.start..end])?;
                self.stats.misses += run as u64;
                pieces.skip_blocks(run - 1);
                continue;
            }
            let i = self.line_for(b, false)?;
            buf[range].copy_from_slice(&self.line_data(i)[off..off + n]);
        }
        Ok(())
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        if self.dev.needs_erase() {
            let mut pieces = self.pieces(block, offset, data.len())?;
            self.dev.write(block, offset, data)?;
            while let Some((b, off, range)) = pieces.next_piece()? {
                if let Some(i) = self.find(b) {
                    let n = range.len();
                    self.line_data(i)[off..off + n].copy_from_slice(&data[range]);
                }
            }
            return Ok(());
        }
        let mut pieces = self.pieces(block, offset, data.len())?;
        while let Some((b, off, range)) = pieces.next_piece()? {
            let n = range.len();
            if n == self.block_size && self.find(b).is_none() {
                // A run of whole blocks the cache does not hold: straight to the device.
                let run = 1 + self.uncached_run(&pieces, b.saturating_add(1));
                let end = range.start + run * self.block_size;
                self.dev.write(BlockIdx(b), 0, &data[range.start..end])?;
                self.stats.misses += run as u64;
                pieces.skip_blocks(run - 1);
                continue;
            }
            let i = self.line_for(b, n == self.block_size)?;
            self.line_data(i)[off..off + n].copy_from_slice(&data[range]);
            self.lines[i].dirty = true;
        }
        Ok(())
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        let end = u64::from(block.0) + u64::from(count.0);
        for i in 0..self.lines.len() {
            if let Some(b) = self.lines[i].block {
                if u64::from(b) >= u64::from(block.0) && u64::from(b) < end {
                    // Erased blocks' cached contents are meaningless: drop them unwritten.
                    self.lines[i] = Line {
                        block: None,
                        dirty: false,
                        last_use: 0,
                    };
                }
            }
        }
        self.dev.erase(block, count)
    }

    fn sync(&mut self) -> Result<()> {
        self.flush_all()?;
        self.dev.sync()
    }

    fn init(&mut self) -> Result<()> {
        self.dev.init()
    }

    fn deinit(&mut self) -> Result<()> {
        self.flush_all()?;
        self.dev.deinit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RamDisk;

    #[test]
    fn whole_blocks_bypass_the_cache_but_see_cached_ones() {
        let mut c = BlockCache::new(RamDisk::new(512, 8), 2);
        // Block 2 cached and dirty (a partial write), its device copy still zero.
        c.write(BlockIdx(2), 10, b"dirty").unwrap();
        // Blocks 0..4 written whole: 0, 1 and 3 go straight to the device, 2 into its line.
        c.write(BlockIdx(0), 0, &[7u8; 2048]).unwrap();
        assert_eq!(c.inner().as_bytes()[0], 7);
        assert_eq!(c.inner().as_bytes()[3 * 512], 7);
        assert_eq!(c.inner().as_bytes()[2 * 512], 0); // still only in the cache
        c.write(BlockIdx(2), 10, b"again").unwrap();
        let mut buf = [0u8; 2048];
        c.read(BlockIdx(0), 0, &mut buf).unwrap();
        assert_eq!(&buf[2 * 512 + 10..2 * 512 + 15], b"again");
        assert!(buf[..1024].iter().all(|&b| b == 7));
        // Whole-block reads of uncached blocks did not fill lines: block 2 is the only one.
        assert_eq!(c.lines.iter().filter(|l| l.block.is_some()).count(), 1);
        c.sync().unwrap();
        assert_eq!(&c.inner().as_bytes()[2 * 512 + 10..2 * 512 + 15], b"again");
    }
}
