//! The engines under uvfs's backends, used raw, as the baselines of the `engines` benchmarks:
//! the `littlefs2` crate's own safe API ([`RawLfs2`], same C engine copy as `VfsLfs2`) and
//! `fatfs` on an in-memory cursor ([`RawFat`]). Both count their storage I/O into an
//! [`IoMeter`] exactly as [`Counting`](crate::Counting) does for uvfs's devices.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use littlefs2::consts::{U128, U4};
use littlefs2::driver::Storage;
use littlefs2::fs::{Allocation, Filesystem};
use littlefs2::path::PathBuf;

use crate::backends::Geometry;
use crate::io::IoMeter;
use crate::report::Metered;
use crate::suites::Remount;
use crate::workload::{ensure, Failure, Outcome, Subject};

// ---- littlefs2 ---------------------------------------------------------------------------

/// littlefs storage in RAM with MicroPython's `VfsLfs2` defaults: read and program size 32,
/// lookahead 32 bytes, cache 128 bytes (`min(block, 4 × max(read, prog))`), block cycles 100.
/// Geometry is fixed at compile time, as the `littlefs2` crate's safe API requires. Erase sets
/// `0xFF` and programs overwrite, as [`RamDisk::new_flash`](uvfs::RamDisk::new_flash) does, so
/// both sides of a comparison pay the same memory traffic.
pub struct LfsRam<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> {
    data: Vec<u8>,
    meter: IoMeter,
}

impl<const BS: usize, const BC: usize> LfsRam<BS, BC> {
    /// An erased storage counting into `meter`.
    pub fn new(meter: IoMeter) -> Self {
        LfsRam {
            data: vec![0xFF; BS * BC],
            meter,
        }
    }

    /// The geometry.
    pub fn geometry() -> Geometry {
        Geometry::new(BS as u32, BC as u32)
    }

    /// The image bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Replaces the contents with `image` (of exactly this geometry's size).
    pub fn load(&mut self, image: &[u8]) -> Outcome<()> {
        ensure(image.len() == self.data.len(), || {
            format!(
                "littlefs image of {} bytes for a {}-byte storage",
                image.len(),
                self.data.len()
            )
        })?;
        self.data.copy_from_slice(image);
        Ok(())
    }

    fn range(&self, off: usize, len: usize) -> littlefs2::io::Result<std::ops::Range<usize>> {
        match off.checked_add(len) {
            Some(end) if end <= self.data.len() => Ok(off..end),
            _ => Err(littlefs2::io::Error::IO),
        }
    }
}

impl<const BS: usize, const BC: usize> Storage for LfsRam<BS, BC> {
    const READ_SIZE: usize = 32;
    const WRITE_SIZE: usize = 32;
    const BLOCK_SIZE: usize = BS;
    const BLOCK_COUNT: usize = BC;
    const BLOCK_CYCLES: isize = 100;
    type CACHE_SIZE = U128;
    type LOOKAHEAD_SIZE = U4;

    fn read(&mut self, off: usize, buf: &mut [u8]) -> littlefs2::io::Result<usize> {
        let r = self.range(off, buf.len())?;
        buf.copy_from_slice(&self.data[r]);
        self.meter.count_read(buf.len());
        Ok(buf.len())
    }

    fn write(&mut self, off: usize, data: &[u8]) -> littlefs2::io::Result<usize> {
        let r = self.range(off, data.len())?;
        self.data[r].copy_from_slice(data);
        self.meter.count_prog(data.len());
        Ok(data.len())
    }

    fn erase(&mut self, off: usize, len: usize) -> littlefs2::io::Result<usize> {
        let r = self.range(off, len)?;
        self.data[r].fill(0xFF);
        self.meter.count_erase(len as u64);
        Ok(len)
    }
}

impl<const BS: usize, const BC: usize> LfsRam<BS, BC> {
    /// A freshly formatted storage counting into `meter`.
    pub fn formatted(meter: IoMeter) -> Outcome<Self> {
        let mut storage = LfsRam::new(meter);
        Filesystem::format(&mut storage)?;
        Ok(storage)
    }

    /// Mounts the storage, runs `f` on it, and lets the mount go (the `littlefs2` crate does
    /// not unmount; littlefs keeps nothing unwritten once each call returns).
    pub fn with_mounted<R>(
        &mut self,
        f: impl FnOnce(&mut RawLfs2<'_, BS, BC>) -> Outcome<R>,
    ) -> Outcome<R> {
        let meter = self.meter.clone();
        let mut alloc = Filesystem::allocate();
        let fs = Filesystem::mount(&mut alloc, self)?;
        f(&mut RawLfs2 { fs, meter })
    }

    /// Mounts the storage and does nothing else: one iteration of the mount benchmark.
    pub fn mount_once(&mut self) -> Outcome<()> {
        Ok(Filesystem::mount_and_then(self, |_| Ok(()))?)
    }
}

/// The `littlefs2` crate has no unmount: a remount is a mount.
impl<const BS: usize, const BC: usize> Remount for LfsRam<BS, BC> {
    fn remount(&mut self) -> Outcome<()> {
        self.mount_once()
    }
}

impl<const BS: usize, const BC: usize> Metered for LfsRam<BS, BC> {
    fn meter(&self) -> Option<IoMeter> {
        Some(self.meter.clone())
    }
}

/// A mounted `littlefs2` crate filesystem on [`LfsRam`].
pub struct RawLfs2<'a, const BS: usize, const BC: usize> {
    fs: Filesystem<'a, LfsRam<BS, BC>>,
    meter: IoMeter,
}

impl<const BS: usize, const BC: usize> RawLfs2<'static, BS, BC> {
    /// Mounts `storage` for as long as the process runs.
    ///
    /// The crate's `Filesystem` borrows its storage and allocation; to keep one mounted across
    /// criterion's calls (as `VfsLfs2` stays mounted), both are leaked: a few MiB per
    /// benchmark, returned to the OS when the bench process exits.
    pub fn mount_leaked(storage: LfsRam<BS, BC>) -> Outcome<Self> {
        let meter = storage.meter.clone();
        let storage: &'static mut LfsRam<BS, BC> = Box::leak(Box::new(storage));
        let alloc: &'static mut Allocation<LfsRam<BS, BC>> =
            Box::leak(Box::new(Filesystem::allocate()));
        let fs = Filesystem::mount(alloc, storage)?;
        Ok(RawLfs2 { fs, meter })
    }
}

impl<const BS: usize, const BC: usize> Metered for RawLfs2<'_, BS, BC> {
    fn meter(&self) -> Option<IoMeter> {
        Some(self.meter.clone())
    }
}

fn lfs_path(path: &str) -> Outcome<PathBuf> {
    PathBuf::try_from(path).map_err(|e| Failure(format!("littlefs2 path {path:?}: {e:?}")))
}

impl<const BS: usize, const BC: usize> Subject for RawLfs2<'_, BS, BC> {
    fn write_file(&mut self, path: &str, data: &[u8], chunk: usize) -> Outcome<()> {
        let p = lfs_path(path)?;
        self.fs.open_file_with_options_and_then(
            |o| o.write(true).create(true).truncate(true),
            &p,
            |f| {
                for piece in data.chunks(chunk.max(1)) {
                    let mut rest = piece;
                    while !rest.is_empty() {
                        let n = f.write(rest)?;
                        if n == 0 {
                            return Err(littlefs2::io::Error::IO);
                        }
                        rest = &rest[n..];
                    }
                }
                Ok(())
            },
        )?;
        Ok(())
    }

    fn read_file(&mut self, path: &str, buf: &mut [u8]) -> Outcome<u64> {
        let p = lfs_path(path)?;
        Ok(self.fs.open_file_and_then(&p, |f| {
            let mut total = 0u64;
            loop {
                match f.read(buf)? {
                    0 => return Ok(total),
                    n => total += n as u64,
                }
            }
        })?)
    }

    fn read_at(&mut self, path: &str, offsets: &[u64], buf: &mut [u8]) -> Outcome<()> {
        let p = lfs_path(path)?;
        let short = self.fs.open_file_and_then(&p, |f| {
            for &off in offsets {
                let off = u32::try_from(off).map_err(|_| littlefs2::io::Error::INVALID)?;
                f.seek(littlefs2::io::SeekFrom::Start(off))?;
                let mut done = 0;
                while done < buf.len() {
                    match f.read(&mut buf[done..])? {
                        0 => return Ok(true),
                        n => done += n,
                    }
                }
            }
            Ok(false)
        })?;
        ensure(!short, || format!("{path}: end of file"))
    }

    fn stat_size(&mut self, path: &str) -> Outcome<u64> {
        Ok(self.fs.metadata(&lfs_path(path)?)?.len() as u64)
    }

    fn open_close(&mut self, path: &str) -> Outcome<()> {
        Ok(self.fs.open_file_and_then(&lfs_path(path)?, |_| Ok(()))?)
    }

    fn count_entries(&mut self, dir: &str) -> Outcome<usize> {
        let p = lfs_path(dir)?;
        Ok(self.fs.read_dir_and_then(&p, |entries| {
            let mut n = 0;
            for e in entries {
                let e = e?;
                let name = e.file_name().as_str();
                if name != "." && name != ".." {
                    n += 1;
                }
            }
            Ok(n)
        })?)
    }

    fn remove(&mut self, path: &str) -> Outcome<()> {
        Ok(self.fs.remove(&lfs_path(path)?)?)
    }

    fn mkdir(&mut self, path: &str) -> Outcome<()> {
        Ok(self.fs.create_dir(&lfs_path(path)?)?)
    }
}

// ---- fatfs ---------------------------------------------------------------------------------

/// `std::io::Cursor<Vec<u8>>` that counts every read and write call into an [`IoMeter`].
pub struct CountingCursor {
    inner: Cursor<Vec<u8>>,
    meter: IoMeter,
}

impl CountingCursor {
    /// A cursor over `image`.
    pub fn new(image: Vec<u8>, meter: IoMeter) -> CountingCursor {
        CountingCursor {
            inner: Cursor::new(image),
            meter,
        }
    }

    /// The image back.
    pub fn into_inner(self) -> Vec<u8> {
        self.inner.into_inner()
    }
}

impl Read for CountingCursor {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.count_read(n);
        Ok(n)
    }
}

impl Write for CountingCursor {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.meter.count_prog(n);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Seek for CountingCursor {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// A FAT image of `geometry` formatted by `fatfs` (FAT type chosen by fatfs for the size,
/// volume id and label fixed): the common starting image of both sides of the FAT comparison.
pub fn fat_image(geometry: Geometry) -> Outcome<Vec<u8>> {
    let mut cursor = Cursor::new(vec![0u8; geometry.bytes() as usize]);
    let sector = u16::try_from(geometry.block_size)
        .map_err(|_| Failure(format!("FAT sector size {}", geometry.block_size)))?;
    fatfs::format_volume(
        &mut cursor,
        fatfs::FormatVolumeOptions::new()
            .bytes_per_sector(sector)
            .total_sectors(geometry.block_count)
            .volume_id(0x1234_5678)
            .volume_label(*b"UVFSBENCH  "),
    )?;
    Ok(cursor.into_inner())
}

/// Raw `fatfs` on a [`CountingCursor`] (owned, or borrowed from a [`FatImage`]).
pub struct RawFat<T: fatfs::ReadWriteSeek = CountingCursor> {
    fs: fatfs::FileSystem<T>,
    meter: IoMeter,
}

impl RawFat {
    /// Mounts `image`.
    pub fn mount(image: Vec<u8>) -> Outcome<RawFat> {
        let meter = IoMeter::new();
        let fs = fatfs::FileSystem::new(
            CountingCursor::new(image, meter.clone()),
            fatfs::FsOptions::new(),
        )?;
        Ok(RawFat { fs, meter })
    }
}

impl<T: fatfs::ReadWriteSeek> Metered for RawFat<T> {
    fn meter(&self) -> Option<IoMeter> {
        Some(self.meter.clone())
    }
}

/// A FAT image on a [`CountingCursor`], for the mount benchmark.
pub struct FatImage {
    cursor: CountingCursor,
}

impl FatImage {
    /// `image`, counting into a new meter.
    pub fn new(image: Vec<u8>) -> FatImage {
        FatImage {
            cursor: CountingCursor::new(image, IoMeter::new()),
        }
    }

    /// Mounts the image, runs `f` on it, and unmounts.
    pub fn with_mounted<R>(
        &mut self,
        f: impl FnOnce(&mut RawFat<&mut CountingCursor>) -> Outcome<R>,
    ) -> Outcome<R> {
        let meter = self.cursor.meter.clone();
        // fatfs expects the disk at position 0 when it mounts.
        self.cursor.seek(SeekFrom::Start(0))?;
        let fs = fatfs::FileSystem::new(&mut self.cursor, fatfs::FsOptions::new())?;
        let mut raw = RawFat { fs, meter };
        let r = f(&mut raw)?;
        raw.fs.unmount()?;
        Ok(r)
    }

    /// Mounts and unmounts: one iteration of the mount benchmark.
    pub fn mount_once(&mut self) -> Outcome<()> {
        self.cursor.seek(SeekFrom::Start(0))?;
        fatfs::FileSystem::new(&mut self.cursor, fatfs::FsOptions::new())?.unmount()?;
        Ok(())
    }
}

impl Remount for FatImage {
    fn remount(&mut self) -> Outcome<()> {
        self.mount_once()
    }
}

impl Metered for FatImage {
    fn meter(&self) -> Option<IoMeter> {
        Some(self.cursor.meter.clone())
    }
}

/// fatfs paths are relative to the root directory.
fn fat_path(path: &str) -> &str {
    path.trim_start_matches('/')
}

impl<T: fatfs::ReadWriteSeek> Subject for RawFat<T> {
    fn write_file(&mut self, path: &str, data: &[u8], chunk: usize) -> Outcome<()> {
        let mut f = self.fs.root_dir().create_file(fat_path(path))?;
        f.truncate()?;
        for piece in data.chunks(chunk.max(1)) {
            f.write_all(piece)?;
        }
        f.flush()?;
        Ok(())
    }

    fn read_file(&mut self, path: &str, buf: &mut [u8]) -> Outcome<u64> {
        let mut f = self.fs.root_dir().open_file(fat_path(path))?;
        let mut total = 0u64;
        loop {
            match f.read(buf)? {
                0 => return Ok(total),
                n => total += n as u64,
            }
        }
    }

    fn read_at(&mut self, path: &str, offsets: &[u64], buf: &mut [u8]) -> Outcome<()> {
        let mut f = self.fs.root_dir().open_file(fat_path(path))?;
        for &off in offsets {
            f.seek(SeekFrom::Start(off))?;
            f.read_exact(buf)?;
        }
        Ok(())
    }

    fn stat_size(&mut self, path: &str) -> Outcome<u64> {
        // fatfs has no stat by path: find the entry in its parent, as a FAT stat must.
        let path = fat_path(path);
        let (parent, name) = match path.rsplit_once('/') {
            Some((parent, name)) => (Some(parent), name),
            None => (None, path),
        };
        let root = self.fs.root_dir();
        let dir = match parent {
            Some(p) => root.open_dir(p)?,
            None => root,
        };
        for e in dir.iter() {
            let e = e?;
            if e.file_name().eq_ignore_ascii_case(name) {
                return Ok(e.len());
            }
        }
        Err(Failure(format!("{path}: not found")))
    }

    fn open_close(&mut self, path: &str) -> Outcome<()> {
        let f = self.fs.root_dir().open_file(fat_path(path))?;
        drop(f);
        Ok(())
    }

    fn count_entries(&mut self, dir: &str) -> Outcome<usize> {
        let root = self.fs.root_dir();
        let d = match fat_path(dir) {
            "" => root,
            p => root.open_dir(p)?,
        };
        let mut n = 0;
        for e in d.iter() {
            let name = e?.file_name();
            if name != "." && name != ".." {
                n += 1;
            }
        }
        Ok(n)
    }

    fn remove(&mut self, path: &str) -> Outcome<()> {
        Ok(self.fs.root_dir().remove(fat_path(path))?)
    }

    fn mkdir(&mut self, path: &str) -> Outcome<()> {
        self.fs.root_dir().create_dir(fat_path(path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern;
    use crate::workload::{read_expecting, write_verified, SmallFiles};

    fn exercise<S: Subject + Metered>(s: &mut S) {
        let data = pattern(100_000, 4);
        write_verified(s, "/big.bin", &data, 512).unwrap();
        let mut buf = vec![0u8; 4096];
        read_expecting(s, "/big.bin", &mut buf, 100_000).unwrap();
        s.read_at("/big.bin", &[8192], &mut buf).unwrap();
        assert_eq!(&buf[..], &data[8192..12288]);
        let w = SmallFiles::new("", 30, 256);
        w.prepare(s).unwrap();
        w.cycle(s).unwrap();
        assert!(s.meter().unwrap().snapshot().prog_bytes > 100_000);
    }

    #[test]
    fn raw_littlefs2_runs_the_workloads() {
        let mut storage = LfsRam::<4096, 256>::formatted(IoMeter::new()).unwrap();
        storage
            .with_mounted(|fs| {
                exercise(fs);
                Ok(())
            })
            .unwrap();
        let reads = storage.meter().unwrap().snapshot().reads;
        storage.mount_once().unwrap();
        assert!(storage.meter().unwrap().snapshot().reads > reads);
        let mut fs = RawLfs2::mount_leaked(storage).unwrap();
        assert_eq!(fs.stat_size("/big.bin").unwrap(), 100_000);
    }

    #[test]
    fn raw_fatfs_runs_the_workloads() {
        let image = fat_image(Geometry::new(512, 4096)).unwrap();
        let mut fs = RawFat::mount(image.clone()).unwrap();
        exercise(&mut fs);
        assert_eq!(fs.count_entries("/").unwrap(), 2);
        let mut img = FatImage::new(image);
        img.with_mounted(|fs| fs.mkdir("/d")).unwrap();
        img.mount_once().unwrap();
        assert_eq!(img.with_mounted(|fs| fs.count_entries("/")).unwrap(), 1);
    }
}
