#![doc = include_str!("../README.md")]
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod device;
mod engine;
mod errno;
mod flash;
mod fs;
pub mod header;
mod ram;
mod record;

use alloc::boxed::Box;
use alloc::string::String;
use core::ops::Range;

use embedded_storage::nor_flash::{MultiwriteNorFlash, NorFlash};
use uvfs_os_api::{
    DirEntry, DirHandle, Errno, FileHandle, Filesystem, FixedTime, OpenMode, Result, SeekFrom,
    Stat, StatVfs, TimeSource, Timestamp,
};

#[cfg(feature = "images")]
#[cfg_attr(docsrs, doc(cfg(feature = "images")))]
pub use device::{format_device, on_device, read_device_header};
pub use device::{DeviceError, FromBlockDevice, DEVICE_PAGE_SIZES, DEVICE_WORD_SIZES};
pub use flash::{FlashError, FromBlocking};
pub use fs::Recovery;
pub use header::{Header, MAGIC, MAGIC_OFFSET};
pub use ram::{FlashStats, RamFlash, RamFlashError, Tear};

pub use engine::EngineStats;
use engine::{Engine, MapEngine};
use fs::Core;

/// The numbers that shape a kv volume on its flash.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Erase sector size: the page `sequential-storage` fills and erases.
    pub page_size: u32,
    /// The flash word: the larger of its read and write sizes.
    pub word_size: u32,
    /// Pages in the volume, the header page included.
    pub page_count: u32,
    /// File bytes per chunk item (the default for a new volume; a mounted volume's header says).
    pub chunk_size: u32,
    /// Largest item one page can hold (key and value).
    pub max_item: u32,
}

/// Space accounting of a mounted volume, in flash bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Bytes held by items (with their headers and padding), garbage not yet removed included.
    pub used: u64,
    /// Item bytes the map can hold: every page but the header page and the one kept erased.
    pub capacity: u64,
}

/// A small filesystem on NOR flash, on `sequential-storage`'s power-fail-safe map: MicroPython's
/// `os` calls on a few erase sectors (see the [crate documentation](crate)).
///
/// `F` is any blocking `embedded-storage` NOR flash whose words can be programmed more than once
/// ([`MultiwriteNorFlash`]: removing an item clears its checksum in place). The volume is a range
/// of whole erase sectors, at least three: a header page and the map's pages.
pub struct VfsKv<F: NorFlash + MultiwriteNorFlash> {
    engine: MapEngine<F>,
    core: Core,
    recovery: Recovery,
}

impl<F: NorFlash + MultiwriteNorFlash> VfsKv<F> {
    /// A kv filesystem on the whole flash (unmounted). `EINVAL` if the flash's geometry cannot
    /// hold a volume; the flash is dropped then.
    pub fn new(flash: F) -> Result<Self> {
        let end = u32::try_from(flash.capacity())
            .map_err(|_| Errno::EINVAL.with_detail("flash larger than 4 GiB: give a partition"))?;
        Self::with_range(flash, 0..end)
    }

    /// A kv filesystem on the bytes `range` of the flash (a partition; whole erase sectors).
    /// `EINVAL` if the range is not on sector boundaries, is outside the flash, or has fewer
    /// than three sectors; the flash is dropped then.
    pub fn with_range(flash: F, range: Range<u32>) -> Result<Self> {
        let engine = MapEngine::new(flash, range).map_err(|(_, e)| e)?;
        Ok(VfsKv {
            engine,
            core: Core::new(Box::new(FixedTime(Timestamp::from_secs(
                Timestamp::EPOCH_2000,
            )))),
            recovery: Recovery::default(),
        })
    }

    /// Uses `clock` for modification times (the default is a fixed 2000-01-01, MicroPython's
    /// epoch, for boards without a clock).
    pub fn with_time_source(mut self, clock: Box<dyn TimeSource + Send>) -> Self {
        self.core.set_clock(clock);
        self
    }

    /// Replaces the clock used for modification times.
    pub fn set_time_source(&mut self, clock: Box<dyn TimeSource + Send>) {
        self.core.set_clock(clock);
    }

    /// Formats the volume: erases it and writes a fresh header (last, so an interrupted mkfs
    /// leaves a volume that does not mount rather than a broken one). `EBUSY` while mounted.
    pub fn mkfs(&mut self) -> Result<()> {
        self.core.mkfs(&mut self.engine)
    }

    /// The volume's layout on this flash.
    pub fn layout(&self) -> Layout {
        let g = self.engine.geometry();
        Layout {
            page_size: g.page_size,
            word_size: g.word_size,
            page_count: g.page_count,
            chunk_size: g.chunk_size,
            max_item: g.max_item,
        }
    }

    /// What the last mount found and cleaned up.
    pub fn recovery(&self) -> Recovery {
        self.recovery
    }

    /// How often the engine checked the pages a store can write into, and what it repaired
    /// so that no acknowledged store is hidden from a later mount (see "Power loss and
    /// `sequential-storage` issue 136" in the crate docs).
    pub fn engine_stats(&self) -> EngineStats {
        self.engine.stats()
    }

    /// Space accounting; `ENODEV` when not mounted.
    pub fn usage(&mut self) -> Result<Usage> {
        let (used, capacity) = self.core.usage()?;
        Ok(Usage { used, capacity })
    }

    /// The flash (`None` only after an internal error lost it).
    pub fn flash(&mut self) -> Option<&F> {
        self.engine.flash()
    }

    /// The flash back (`None` only after an internal error lost it). Unmount first: open files
    /// that were not closed lose their unflushed changes.
    pub fn into_flash(self) -> Option<F> {
        self.engine.into_flash()
    }
}

impl<F: NorFlash + MultiwriteNorFlash> VfsKv<F> {
    /// A path as the router passes it, resolved lexically (kv has no path rules of its own):
    /// `//`, `.` and `..` fold away; a trailing slash on a file is `ENOTDIR`.
    fn resolve(&mut self, path: &str) -> Result<String> {
        let n = uvfs_os_api::path::normalize(path)?;
        if n.trailing_slash
            && self
                .core
                .stat(&n.path)
                .is_ok_and(|st| st.kind() == uvfs_os_api::FileType::File)
        {
            return Err(Errno::ENOTDIR.into());
        }
        Ok(n.path)
    }
}

impl<F: NorFlash + MultiwriteNorFlash> Filesystem for VfsKv<F> {
    fn type_name(&self) -> &'static str {
        "VfsKv"
    }

    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        self.recovery = self.core.mount(&mut self.engine, readonly, mkfs)?;
        Ok(())
    }

    fn umount(&mut self) -> Result<()> {
        self.core.umount(&mut self.engine)
    }

    fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle> {
        let path = &self.resolve(path)?;
        self.core.open(&mut self.engine, path, mode)
    }

    fn close(&mut self, file: FileHandle) -> Result<()> {
        self.core.close(&mut self.engine, file)
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        self.core.read(&mut self.engine, file, buf)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        self.core.write(&mut self.engine, file, data)
    }

    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        self.core.seek(file, pos)
    }

    fn flush(&mut self, file: FileHandle) -> Result<()> {
        self.core.flush(&mut self.engine, file)
    }

    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        self.core.truncate(&mut self.engine, file, len)
    }

    fn opendir(&mut self, path: &str) -> Result<DirHandle> {
        let path = &self.resolve(path)?;
        self.core.opendir(path)
    }

    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.core.readdir(dir)
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.core.closedir(dir)
    }

    fn mkdir(&mut self, path: &str) -> Result<()> {
        let path = &self.resolve(path)?;
        self.core.mkdir(&mut self.engine, path)
    }

    fn remove(&mut self, path: &str) -> Result<()> {
        let path = &self.resolve(path)?;
        self.core.remove(&mut self.engine, path)
    }

    fn rmdir(&mut self, path: &str) -> Result<()> {
        let path = &self.resolve(path)?;
        self.core.rmdir(&mut self.engine, path)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let (from, to) = (&self.resolve(from)?, &self.resolve(to)?);
        self.core.rename(&mut self.engine, from, to)
    }

    fn stat(&mut self, path: &str) -> Result<Stat> {
        let path = &self.resolve(path)?;
        self.core.stat(path)
    }

    fn statvfs(&mut self, path: &str) -> Result<StatVfs> {
        let path = &self.resolve(path)?;
        self.core.statvfs(path)
    }

    fn sync(&mut self) -> Result<()> {
        self.core.sync(&mut self.engine)
    }
}
