//! Block I/O: the device behind a read cache, with the alignment rules of the configuration,
//! and a small cache of validated metadata blocks.
//!
//! - Reads are multiples of `read_size` at aligned offsets: aligned runs go straight to the
//!   caller's buffer, the rest through a one-unit read cache.
//! - Programs and erases check their alignment (the engine's own arithmetic; a mismatch is a
//!   bug) and drop every cached copy of the block they touch, so a cached block is always what
//!   the medium holds.
//! - On a read-only mount every program and erase is refused before it reaches the device.

use alloc::vec;
use alloc::vec::Vec;

use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Result};

use super::config::Geometry;
use super::errno::{bug, corrupt};
use super::meta::MetaBlock;

/// How many validated metadata blocks are kept (each up to one block of RAM).
const META_CACHE: usize = 4;

/// The device, its geometry and the caches.
pub(crate) struct Bd<D> {
    pub dev: D,
    pub geo: Geometry,
    /// Refuse programs and erases (a read-only mount).
    pub readonly: bool,
    rcache_block: Option<u32>,
    rcache_off: u32,
    rcache: Vec<u8>,
    /// Most recently used last.
    meta: Vec<MetaBlock>,
}

impl<D: BlockDevice> Bd<D> {
    pub(crate) fn new(dev: D, geo: Geometry) -> Bd<D> {
        Bd {
            dev,
            geo,
            readonly: false,
            rcache_block: None,
            rcache_off: 0,
            rcache: vec![0; geo.read_size as usize],
            meta: Vec::new(),
        }
    }

    /// Gives the device back.
    pub(crate) fn into_device(self) -> D {
        self.dev
    }

    fn check(&self, block: u32, off: u32, len: usize) -> Result<()> {
        if !self.geo.valid(block) {
            return Err(corrupt("block pointer outside the device"));
        }
        let len = u32::try_from(len).map_err(|_| bug("bug: access longer than a block"))?;
        if len > self.geo.block_size || off > self.geo.block_size - len {
            return Err(bug("bug: access outside its block"));
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at `off` of `block`.
    pub(crate) fn read(&mut self, block: u32, mut off: u32, mut buf: &mut [u8]) -> Result<()> {
        self.check(block, off, buf.len())?;
        let rs = self.geo.read_size;
        while !buf.is_empty() {
            if self.rcache_block == Some(block)
                && off >= self.rcache_off
                && off - self.rcache_off < rs
            {
                let start = (off - self.rcache_off) as usize;
                let n = buf.len().min(rs as usize - start);
                let (head, rest) = buf.split_at_mut(n);
                head.copy_from_slice(&self.rcache[start..start + n]);
                buf = rest;
                off += n as u32;
                continue;
            }
            if off.is_multiple_of(rs) && buf.len() >= rs as usize {
                let n = buf.len() / rs as usize * rs as usize;
                let (head, rest) = buf.split_at_mut(n);
                self.dev.read(BlockIdx(block), off, head)?;
                buf = rest;
                off += n as u32;
                continue;
            }
            let aligned = off / rs * rs;
            self.rcache_block = None;
            self.dev.read(BlockIdx(block), aligned, &mut self.rcache)?;
            self.rcache_block = Some(block);
            self.rcache_off = aligned;
        }
        Ok(())
    }

    /// The little-endian word at `off` of `block`.
    pub(crate) fn read_u32(&mut self, block: u32, off: u32) -> Result<u32> {
        let mut w = [0u8; 4];
        self.read(block, off, &mut w)?;
        Ok(u32::from_le_bytes(w))
    }

    fn forget(&mut self, block: u32) {
        if self.rcache_block == Some(block) {
            self.rcache_block = None;
        }
        self.meta.retain(|m| !m.pair.contains(&block));
    }

    /// Programs `data` at `off` of `block` (both multiples of the program size).
    pub(crate) fn prog(&mut self, block: u32, off: u32, data: &[u8]) -> Result<()> {
        if self.readonly {
            return Err(bug("bug: program on a read-only mount"));
        }
        self.check(block, off, data.len())?;
        let ps = self.geo.prog_size;
        if !off.is_multiple_of(ps) || !data.len().is_multiple_of(ps as usize) {
            return Err(bug("bug: unaligned program"));
        }
        self.forget(block);
        self.dev.write(BlockIdx(block), off, data)
    }

    /// Erases `block`.
    pub(crate) fn erase(&mut self, block: u32) -> Result<()> {
        if self.readonly {
            return Err(bug("bug: erase on a read-only mount"));
        }
        self.check(block, 0, 0)?;
        self.forget(block);
        self.dev.erase(BlockIdx(block), BlockCount(1))
    }

    /// Makes completed programs durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        if self.readonly {
            return Ok(());
        }
        self.dev.sync()
    }

    /// Whether `data` is what `block` holds at `off` (read back after a program).
    pub(crate) fn verify(&mut self, block: u32, off: u32, data: &[u8]) -> Result<bool> {
        let mut chunk = [0u8; 64];
        let mut done = 0;
        while done < data.len() {
            let n = (data.len() - done).min(chunk.len());
            // `done` < data.len() <= block size, so it fits in u32.
            self.read(block, off + done as u32, &mut chunk[..n])?;
            if chunk[..n] != data[done..done + n] {
                return Ok(false);
            }
            done += n;
        }
        Ok(true)
    }

    /// A cached copy of the metadata of `pair` (either order), if it is still what the medium
    /// holds.
    pub(crate) fn cached_meta(&mut self, pair: [u32; 2]) -> Option<MetaBlock> {
        let i = self.meta.iter().position(|m| m.same_blocks(pair))?;
        let m = self.meta.remove(i);
        self.meta.push(m.clone());
        Some(m)
    }

    /// Remembers validated metadata (just fetched, or just committed and verified).
    pub(crate) fn remember_meta(&mut self, m: &MetaBlock) {
        self.meta.retain(|c| !c.shares_block(m.pair));
        if self.meta.len() >= META_CACHE {
            self.meta.remove(0);
        }
        self.meta.push(m.clone());
    }

    /// Drops every cached metadata block (after an error left the medium in an unknown state).
    pub(crate) fn forget_all(&mut self) {
        self.meta.clear();
        self.rcache_block = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lfs1::config::Lfs1Config;
    use alloc::vec::Vec;
    use uvfs_os_api::Errno;

    /// A RAM device that records every read (block, offset, length).
    struct Probe {
        data: Vec<u8>,
        reads: Vec<(u32, u32, usize)>,
        bs: u32,
    }

    impl BlockDevice for Probe {
        fn block_size(&self) -> u32 {
            self.bs
        }
        fn block_count(&self) -> u32 {
            (self.data.len() / self.bs as usize) as u32
        }
        fn needs_erase(&self) -> bool {
            true
        }
        fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
            self.reads.push((block.0, offset, buf.len()));
            let at = (block.0 * self.bs + offset) as usize;
            buf.copy_from_slice(&self.data[at..at + buf.len()]);
            Ok(())
        }
        fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
            let at = (block.0 * self.bs + offset) as usize;
            self.data[at..at + data.len()].copy_from_slice(data);
            Ok(())
        }
        fn erase(&mut self, block: BlockIdx, _count: BlockCount) -> Result<()> {
            let at = (block.0 * self.bs) as usize;
            self.data[at..at + self.bs as usize].fill(0xFF);
            Ok(())
        }
    }

    fn bd() -> Bd<Probe> {
        let data = (0..512 * 4).map(|i| (i % 251) as u8).collect();
        let geo = Geometry::new(
            512,
            4,
            &Lfs1Config {
                read_size: 16,
                prog_size: 32,
                lookahead: 32,
            },
        )
        .unwrap();
        Bd::new(
            Probe {
                data,
                reads: Vec::new(),
                bs: 512,
            },
            geo,
        )
    }

    #[test]
    fn reads_are_aligned_and_cached() {
        let mut bd = bd();
        let mut buf = [0u8; 40];
        bd.read(1, 5, &mut buf).unwrap();
        let want: Vec<u8> = (517..557).map(|i| (i % 251) as u8).collect();
        assert_eq!(&buf[..], &want[..]);
        for &(_, off, len) in &bd.dev.reads {
            assert_eq!(off % 16, 0);
            assert_eq!(len % 16, 0);
        }
        // The unit at 32..48 is cached now: reading inside it again costs nothing.
        let n = bd.dev.reads.len();
        let mut small = [0u8; 4];
        bd.read(1, 40, &mut small).unwrap();
        assert_eq!(bd.dev.reads.len(), n);
        assert_eq!(bd.read_u32(1, 40).unwrap(), u32::from_le_bytes(small));
    }

    #[test]
    fn programs_invalidate_and_check_alignment() {
        let mut bd = bd();
        assert_eq!(
            bd.read_u32(2, 0).unwrap(),
            u32::from_le_bytes([0, 1, 2, 3].map(|i| ((1024 + i) % 251) as u8))
        );
        bd.erase(2).unwrap();
        assert_eq!(bd.read_u32(2, 0).unwrap(), 0xFFFF_FFFF);
        bd.prog(2, 0, &[7; 32]).unwrap();
        assert_eq!(bd.read_u32(2, 0).unwrap(), 0x0707_0707);
        assert!(bd.verify(2, 0, &[7; 32]).unwrap());
        assert!(!bd.verify(2, 0, &[7; 33]).unwrap());
        assert!(bd
            .prog(2, 4, &[0; 32])
            .unwrap_err()
            .detail()
            .unwrap()
            .starts_with("bug:"));
        assert!(bd.prog(2, 0, &[0; 4]).is_err());
        assert_eq!(bd.read_u32(9, 0).unwrap_err(), crate::lfs1::errno::ECORRUPT);
        assert_eq!(bd.read_u32(1, 510).unwrap_err(), Errno::EIO);
        bd.readonly = true;
        assert!(bd.erase(2).is_err());
        assert!(bd.prog(2, 0, &[0; 32]).is_err());
    }
}
