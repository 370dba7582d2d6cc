//! The device under fatfs: a byte-addressed view of a [`BlockDevice`] with a small write-back
//! sector cache, and the `Read + Write + Seek` adapter fatfs is given.
//!
//! fatfs reads a FAT entry as two or four bytes and a directory entry field by field; without the
//! cache each of those would be a device round trip. The cache keeps `lines` whole sectors, least
//! recently used out first; dirty sectors reach the device when evicted, on [`Disk::flush`] and on
//! [`Disk::sync`]. Whole sectors that are not cached bypass it in both directions.

use std::io;

use uvfs_os_api::{BlockDevice, BlockIdx, Errno, Error, Result};

/// Device traffic counters.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskStats {
    /// `BlockDevice::read` calls.
    pub device_reads: u64,
    /// `BlockDevice::write` calls.
    pub device_writes: u64,
    /// Sector lookups the cache answered.
    pub cache_hits: u64,
    /// Sector lookups that had to read the device.
    pub cache_misses: u64,
}

struct Line {
    sector: u32,
    data: Box<[u8]>,
    dirty: bool,
    used: u64,
}

/// A device seen as bytes, with a sector cache of `lines` lines (0 = no cache).
pub(crate) struct Disk<D> {
    dev: D,
    sector_size: u32,
    /// The volume: `sectors` sectors from device sector `base` (a partition, or the device).
    base: u32,
    sectors: u32,
    pub readonly: bool,
    lines: Vec<Line>,
    /// How many cached lines hold a sector with each value of `sector % 256`: a zero means
    /// the sector is not cached, without scanning the lines.
    buckets: Box<[u32; 256]>,
    capacity: usize,
    /// The line the last lookup found: fatfs reads one sector field by field.
    last: usize,
    clock: u64,
    stats: DiskStats,
}

impl<D: BlockDevice> Disk<D> {
    pub fn new(dev: D, lines: usize) -> Disk<D> {
        let sector_size = dev.block_size();
        let sectors = dev.block_count();
        Disk {
            dev,
            sector_size,
            base: 0,
            sectors,
            readonly: false,
            lines: Vec::new(),
            buckets: Box::new([0; 256]),
            capacity: lines,
            last: 0,
            clock: 0,
            stats: DiskStats::default(),
        }
    }

    pub fn device(&self) -> &D {
        &self.dev
    }

    pub fn into_device(self) -> D {
        self.dev
    }

    pub fn sector_size(&self) -> u32 {
        self.sector_size
    }

    /// Sectors of the volume (of the device until [`Disk::set_volume`]).
    pub fn sectors(&self) -> u32 {
        self.sectors
    }

    /// Sectors of the device.
    pub fn device_sectors(&self) -> u32 {
        self.dev.block_count()
    }

    /// Makes every later access relative to the volume of `sectors` sectors from device sector
    /// `base` (the caller checked that it lies inside the device); the cache is emptied, so
    /// dirty sectors must have been flushed.
    pub fn set_volume(&mut self, base: u32, sectors: u32) {
        self.invalidate();
        self.base = base;
        self.sectors = sectors;
    }

    pub fn size(&self) -> u64 {
        u64::from(self.sector_size) * u64::from(self.sectors)
    }

    pub fn stats(&self) -> DiskStats {
        self.stats
    }

    pub fn cache_lines(&self) -> usize {
        self.capacity
    }

    /// Changes the cache size; dirty lines are written first.
    pub fn set_cache_lines(&mut self, lines: usize) -> Result<()> {
        self.flush()?;
        self.invalidate();
        self.capacity = lines;
        Ok(())
    }

    fn check(&self, offset: u64, len: usize) -> Result<()> {
        let len = len as u64;
        let size = self.size();
        if len > size || offset > size - len {
            return Err(Errno::EIO.with_detail("access past the end of the device"));
        }
        Ok(())
    }

    fn dev_read(&mut self, sector: u32, offset: u32, buf: &mut [u8]) -> Result<()> {
        self.stats.device_reads += 1;
        self.dev.read(BlockIdx(self.base + sector), offset, buf)
    }

    fn dev_write(&mut self, sector: u32, offset: u32, data: &[u8]) -> Result<()> {
        if self.readonly {
            return Err(Error::bug("bug: device write on a read-only mount"));
        }
        self.stats.device_writes += 1;
        self.dev.write(BlockIdx(self.base + sector), offset, data)
    }

    fn find(&self, sector: u32) -> Option<usize> {
        if self.buckets[(sector & 0xFF) as usize] == 0 {
            return None;
        }
        if self
            .lines
            .get(self.last)
            .is_some_and(|l| l.sector == sector)
        {
            return Some(self.last);
        }
        self.lines.iter().position(|l| l.sector == sector)
    }

    /// Records that line `i` now holds `sector` (or nothing, `u32::MAX`).
    fn relabel(&mut self, i: usize, sector: u32) {
        let old = self.lines[i].sector;
        if old != u32::MAX {
            let b = &mut self.buckets[(old & 0xFF) as usize];
            *b = b.saturating_sub(1);
        }
        if sector != u32::MAX {
            let b = &mut self.buckets[(sector & 0xFF) as usize];
            *b += 1;
        }
        self.lines[i].sector = sector;
    }

    /// The cache line holding `sector`, reading it unless `fill` is false (the caller overwrites
    /// it whole).
    fn line(&mut self, sector: u32, fill: bool) -> Result<usize> {
        self.clock += 1;
        if let Some(i) = self.find(sector) {
            self.stats.cache_hits += 1;
            self.lines[i].used = self.clock;
            self.last = i;
            return Ok(i);
        }
        self.stats.cache_misses += 1;
        let size = self.sector_size as usize;
        let slot = if self.lines.len() < self.capacity {
            self.lines.push(Line {
                sector: u32::MAX,
                data: vec![0; size].into_boxed_slice(),
                dirty: false,
                used: 0,
            });
            self.lines.len() - 1
        } else {
            let victim = self
                .lines
                .iter()
                .enumerate()
                .min_by_key(|(_, l)| l.used)
                .map(|(i, _)| i)
                .ok_or(Error::bug("bug: empty cache evicted"))?;
            self.write_back(victim)?;
            victim
        };
        let mut data = std::mem::take(&mut self.lines[slot].data);
        let read = if fill {
            self.dev_read(sector, 0, &mut data)
        } else {
            Ok(())
        };
        self.lines[slot].data = data;
        self.lines[slot].dirty = false;
        if let Err(e) = read {
            // The slot keeps its buffer but holds no sector.
            self.relabel(slot, u32::MAX);
            self.lines[slot].used = 0;
            return Err(e);
        }
        self.relabel(slot, sector);
        self.lines[slot].used = self.clock;
        self.last = slot;
        Ok(slot)
    }

    fn write_back(&mut self, i: usize) -> Result<()> {
        if !self.lines[i].dirty {
            return Ok(());
        }
        let sector = self.lines[i].sector;
        let data = std::mem::take(&mut self.lines[i].data);
        let r = self.dev_write(sector, 0, &data);
        self.lines[i].data = data;
        r?;
        self.lines[i].dirty = false;
        Ok(())
    }

    /// Reads `buf.len()` bytes at byte `offset`.
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.check(offset, buf.len())?;
        if self.capacity == 0 {
            let ss = u64::from(self.sector_size);
            return self.dev_read((offset / ss) as u32, (offset % ss) as u32, buf);
        }
        let ss = self.sector_size as usize;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            // In range: checked above.
            let sector = (at / ss as u64) as u32;
            let within = (at % ss as u64) as usize;
            let n = (ss - within).min(buf.len() - done);
            if within == 0 && n == ss && self.find(sector).is_none() {
                // Whole uncached sectors go straight to the device, as one request.
                let mut run = 1;
                while done + (run + 1) * ss <= buf.len() && self.find(sector + run as u32).is_none()
                {
                    run += 1;
                }
                self.dev_read(sector, 0, &mut buf[done..done + run * ss])?;
                done += run * ss;
                continue;
            }
            let i = self.line(sector, true)?;
            buf[done..done + n].copy_from_slice(&self.lines[i].data[within..within + n]);
            done += n;
        }
        Ok(())
    }

    /// Writes `data` at byte `offset`.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        if self.readonly {
            return Err(Errno::EROFS.into());
        }
        self.check(offset, data.len())?;
        if self.capacity == 0 {
            let ss = u64::from(self.sector_size);
            return self.dev_write((offset / ss) as u32, (offset % ss) as u32, data);
        }
        let ss = self.sector_size as usize;
        let mut done = 0;
        while done < data.len() {
            let at = offset + done as u64;
            let sector = (at / ss as u64) as u32;
            let within = (at % ss as u64) as usize;
            let n = (ss - within).min(data.len() - done);
            if within == 0 && n == ss && self.find(sector).is_none() {
                let mut run = 1;
                while done + (run + 1) * ss <= data.len()
                    && self.find(sector + run as u32).is_none()
                {
                    run += 1;
                }
                self.dev_write(sector, 0, &data[done..done + run * ss])?;
                done += run * ss;
                continue;
            }
            let i = self.line(sector, n != ss)?;
            let line = &mut self.lines[i];
            line.data[within..within + n].copy_from_slice(&data[done..done + n]);
            line.dirty = true;
            done += n;
        }
        Ok(())
    }

    /// Writes every dirty cache line to the device.
    pub fn flush(&mut self) -> Result<()> {
        let mut order: Vec<usize> = (0..self.lines.len())
            .filter(|&i| self.lines[i].dirty)
            .collect();
        order.sort_by_key(|&i| self.lines[i].sector);
        for i in order {
            self.write_back(i)?;
        }
        Ok(())
    }

    /// [`Disk::flush`], then the device's own sync.
    pub fn sync(&mut self) -> Result<()> {
        self.flush()?;
        if self.readonly {
            return Ok(());
        }
        self.dev.sync()
    }

    /// Forgets every cached sector (dirty ones must have been flushed).
    pub fn invalidate(&mut self) {
        self.lines.clear();
        self.buckets.fill(0);
    }

    /// A fresh `Read + Write + Seek` view for fatfs, positioned at byte 0.
    pub fn io(&mut self) -> Io<'_, D> {
        Io { disk: self, pos: 0 }
    }
}

/// An error from the device (or from VfsFat's own checks), carried through fatfs's
/// `std::io::Error` so that [`crate::errno`] gets the original errno back.
#[derive(Debug)]
pub(crate) struct DeviceError(pub Error);

impl std::fmt::Display for DeviceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "device: {}", self.0)
    }
}

impl std::error::Error for DeviceError {}

fn io_error(e: Error) -> io::Error {
    io::Error::other(DeviceError(e))
}

/// The byte stream fatfs reads and writes: a position over a [`Disk`].
pub(crate) struct Io<'a, D> {
    disk: &'a mut Disk<D>,
    pos: u64,
}

impl<D: BlockDevice> io::Read for Io<'_, D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.disk.size().saturating_sub(self.pos);
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        self.disk
            .read_at(self.pos, &mut buf[..n])
            .map_err(io_error)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<D: BlockDevice> io::Write for Io<'_, D> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        self.disk.write_at(self.pos, data).map_err(io_error)?;
        self.pos += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Durability is VfsFat's business (close, flush, sync); fatfs flushes after every
        // file write, which must not cost a device write each time.
        Ok(())
    }
}

impl<D: BlockDevice> io::Seek for Io<'_, D> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let new = match pos {
            io::SeekFrom::Start(p) => Some(p),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            io::SeekFrom::End(d) => self.disk.size().checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the device",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uvfs_os_api::BlockCount;

    /// A RAM device that counts nothing itself (Disk counts).
    struct Ram(Vec<u8>, u32);

    impl BlockDevice for Ram {
        fn block_size(&self) -> u32 {
            self.1
        }
        fn block_count(&self) -> u32 {
            (self.0.len() / self.1 as usize) as u32
        }
        fn needs_erase(&self) -> bool {
            false
        }
        fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
            let at =
                uvfs_os_api::check_range(self.1, self.block_count(), block, offset, buf.len())?;
            buf.copy_from_slice(&self.0[at as usize..at as usize + buf.len()]);
            Ok(())
        }
        fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
            let at =
                uvfs_os_api::check_range(self.1, self.block_count(), block, offset, data.len())?;
            self.0[at as usize..at as usize + data.len()].copy_from_slice(data);
            Ok(())
        }
        fn erase(&mut self, _: BlockIdx, _: BlockCount) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn cached_and_uncached_agree() {
        for lines in [0, 1, 3] {
            let mut d = Disk::new(Ram(vec![0; 512 * 8], 512), lines);
            d.write_at(100, &[1; 1000]).unwrap();
            d.write_at(1024, &[2; 512]).unwrap();
            d.write_at(4095, &[3]).unwrap();
            let mut buf = vec![0; 4096];
            d.read_at(0, &mut buf).unwrap();
            assert_eq!(&buf[100..1024], &[1; 924][..], "lines {lines}");
            assert_eq!(&buf[1024..1536], &[2; 512][..]);
            assert_eq!(buf[4095], 3);
            d.flush().unwrap();
            let raw = d.into_device().0;
            assert_eq!(raw, buf, "lines {lines}");
        }
    }

    #[test]
    fn small_reads_hit_the_cache() {
        let mut d = Disk::new(Ram(vec![7; 512 * 8], 512), 4);
        let mut b = [0u8; 2];
        for i in 0..100 {
            d.read_at(i * 2, &mut b).unwrap();
        }
        assert_eq!(d.stats().device_reads, 1);
        assert_eq!(d.read_at(4095, &mut b).unwrap_err(), Errno::EIO);
    }

    #[test]
    fn readonly_never_writes() {
        let mut d = Disk::new(Ram(vec![0; 512 * 2], 512), 2);
        d.readonly = true;
        assert_eq!(d.write_at(0, &[1]).unwrap_err(), Errno::EROFS);
        d.sync().unwrap();
        assert_eq!(d.stats().device_writes, 0);
    }
}
