//! Kv volumes on uvfs block devices: [`FromBlockDevice`], and (feature `images`) `on_device` /
//! `format_device`, which pick the flash geometry at run time (for hosts and image tools).
//!
//! `sequential-storage` fixes a flash's word and page size at compile time, as `embedded-storage`
//! does; an image tool learns them at run time from the volume header. The two functions here
//! bridge that with one compiled variant per supported pair: page sizes
//! [`DEVICE_PAGE_SIZES`], word sizes [`DEVICE_WORD_SIZES`].

#[cfg(feature = "images")]
use alloc::boxed::Box;
use alloc::vec;

use embedded_storage::nor_flash::{
    check_erase, check_read, check_write, ErrorType, MultiwriteNorFlash, NorFlash, NorFlashError,
    NorFlashErrorKind, ReadNorFlash,
};
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Errno, Error, Result};
#[cfg(feature = "images")]
use uvfs_os_api::{BoxedFilesystem, TimeSource};

#[cfg(feature = "images")]
use crate::header::{Header, HEADER_LEN};
#[cfg(feature = "images")]
use crate::VfsKv;

/// Page (erase sector) sizes `on_device` and `format_device` (feature `images`) support.
pub const DEVICE_PAGE_SIZES: &[u32] = &[512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

/// Word sizes `on_device` and `format_device` (feature `images`) support.
pub const DEVICE_WORD_SIZES: &[u32] = &[1, 2, 4, 8, 16, 32];

/// The error of a [`FromBlockDevice`]: what the block device reported, or a misaligned or
/// out-of-range request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DeviceError {
    kind: NorFlashErrorKind,
    /// The device's errno, for `Other`.
    pub errno: Option<Errno>,
}

impl NorFlashError for DeviceError {
    fn kind(&self) -> NorFlashErrorKind {
        self.kind
    }
}

impl From<NorFlashErrorKind> for DeviceError {
    fn from(kind: NorFlashErrorKind) -> Self {
        DeviceError { kind, errno: None }
    }
}

impl From<Error> for DeviceError {
    fn from(e: Error) -> Self {
        DeviceError {
            kind: NorFlashErrorKind::Other,
            errno: Some(e.errno()),
        }
    }
}

/// A uvfs [`BlockDevice`] as a NOR flash with `WORD`-byte words and `PAGE`-byte erase sectors.
///
/// It gives NOR semantics whatever the device does: erasing sets bytes to `0xFF` (through the
/// device's own erase where it needs one, by writing `0xFF` where it does not), and programming
/// only clears bits (it reads the old bytes and writes their AND with the new ones, so writing a
/// word twice works as [`MultiwriteNorFlash`] promises). A device that needs erasing must have
/// blocks no larger than `PAGE` that divide it.
///
/// ```
/// use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
/// use uvfs_backend_kv::FromBlockDevice;
/// use uvfs_vfs_core::RamDisk;
///
/// let mut flash: FromBlockDevice<RamDisk, 4, 1024> = FromBlockDevice::new(RamDisk::new(1024, 4)).unwrap();
/// flash.erase(0, 1024).unwrap();
/// flash.write(0, &[0xF0; 4]).unwrap();
/// flash.write(0, &[0x3C; 4]).unwrap();
/// let mut b = [0u8; 4];
/// flash.read(0, &mut b).unwrap();
/// assert_eq!(b, [0x30; 4]);
/// ```
#[derive(Debug)]
pub struct FromBlockDevice<D, const WORD: usize, const PAGE: usize> {
    dev: D,
    capacity: usize,
}

impl<D: BlockDevice, const WORD: usize, const PAGE: usize> FromBlockDevice<D, WORD, PAGE> {
    /// Wraps `dev`; `EINVAL` if it needs erasing in blocks that `PAGE` is not a multiple of.
    pub fn new(dev: D) -> Result<Self> {
        let bs = dev.block_size() as usize;
        if dev.needs_erase() && (bs == 0 || bs > PAGE || !PAGE.is_multiple_of(bs)) {
            return Err(Errno::EINVAL.with_detail("device erase blocks do not divide the page"));
        }
        let capacity = usize::try_from(u64::from(dev.block_size()) * u64::from(dev.block_count()))
            .map_err(|_| Errno::EINVAL)?;
        Ok(FromBlockDevice { dev, capacity })
    }

    /// The device back.
    pub fn into_inner(self) -> D {
        self.dev
    }

    /// The device.
    pub fn inner(&self) -> &D {
        &self.dev
    }

    fn at(&self, offset: u32) -> (BlockIdx, u32) {
        let bs = self.dev.block_size().max(1);
        (BlockIdx(offset / bs), offset % bs)
    }
}

impl<D, const WORD: usize, const PAGE: usize> ErrorType for FromBlockDevice<D, WORD, PAGE> {
    type Error = DeviceError;
}

impl<D: BlockDevice, const WORD: usize, const PAGE: usize> ReadNorFlash
    for FromBlockDevice<D, WORD, PAGE>
{
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> core::result::Result<(), DeviceError> {
        check_read(self, offset, bytes.len())?;
        let (block, off) = self.at(offset);
        self.dev.read(block, off, bytes)?;
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

impl<D: BlockDevice, const WORD: usize, const PAGE: usize> NorFlash
    for FromBlockDevice<D, WORD, PAGE>
{
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = PAGE;

    fn erase(&mut self, from: u32, to: u32) -> core::result::Result<(), DeviceError> {
        check_erase(self, from, to)?;
        if self.dev.needs_erase() {
            let bs = self.dev.block_size().max(1);
            self.dev
                .erase(BlockIdx(from / bs), BlockCount((to - from) / bs))?;
        } else {
            let ones = vec![0xFFu8; PAGE];
            let mut at = from;
            while at < to {
                let (block, off) = self.at(at);
                self.dev.write(block, off, &ones)?;
                at += PAGE as u32;
            }
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> core::result::Result<(), DeviceError> {
        check_write(self, offset, bytes.len())?;
        let (block, off) = self.at(offset);
        let mut cells = vec![0u8; bytes.len()];
        self.dev.read(block, off, &mut cells)?;
        for (cell, new) in cells.iter_mut().zip(bytes) {
            *cell &= *new;
        }
        self.dev.write(block, off, &cells)?;
        Ok(())
    }
}

/// Programming ANDs with what is there, so a word may be written twice.
impl<D: BlockDevice, const WORD: usize, const PAGE: usize> MultiwriteNorFlash
    for FromBlockDevice<D, WORD, PAGE>
{
}

#[cfg(feature = "images")]
type Dev = Box<dyn BlockDevice + Send>;

#[cfg(feature = "images")]
fn unsupported() -> Error {
    Errno::EINVAL.with_detail("kv page or word size not supported by image tools")
}

#[cfg(feature = "images")]
#[cfg_attr(docsrs, doc(cfg(feature = "images")))]
/// Calls `$f::<WORD, PAGE>(args)` for the run-time `$word` and `$page`.
macro_rules! with_geometry {
    ($page:expr, $word:expr, $f:ident $args:tt) => {
        with_geometry!(@pages $page, $word, $f $args,
            [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536])
    };
    (@pages $page:expr, $word:expr, $f:ident $args:tt, [$($p:literal),*]) => {
        match $page {
            $( $p => with_geometry!(@words $word, $f $args, $p, [1, 2, 4, 8, 16, 32]), )*
            _ => Err(unsupported()),
        }
    };
    (@words $word:expr, $f:ident $args:tt, $p:literal, [$($w:literal),*]) => {
        match $word {
            $( $w => $f::<$w, $p> $args, )*
            _ => Err(unsupported()),
        }
    };
}

#[cfg(feature = "images")]
fn build<const WORD: usize, const PAGE: usize>(
    dev: Dev,
    pages: u32,
    clock: Box<dyn TimeSource + Send>,
) -> Result<BoxedFilesystem> {
    let flash: FromBlockDevice<Dev, WORD, PAGE> = FromBlockDevice::new(dev)?;
    let end = pages
        .checked_mul(PAGE as u32)
        .ok_or(Errno::EINVAL.with_detail("kv volume larger than the device"))?;
    Ok(Box::new(
        VfsKv::with_range(flash, 0..end)?.with_time_source(clock),
    ))
}

#[cfg(feature = "images")]
fn format<const WORD: usize, const PAGE: usize>(dev: Dev, pages: u32) -> Result<()> {
    let flash: FromBlockDevice<Dev, WORD, PAGE> = FromBlockDevice::new(dev)?;
    let end = pages
        .checked_mul(PAGE as u32)
        .ok_or(Errno::EINVAL.with_detail("kv volume larger than the device"))?;
    VfsKv::with_range(flash, 0..end)?.mkfs()
}

#[cfg(feature = "images")]
#[cfg_attr(docsrs, doc(cfg(feature = "images")))]
/// Reads the kv header at the start of `dev`, if there is one.
pub fn read_device_header(dev: &mut dyn BlockDevice) -> Result<Header> {
    let mut raw = [0u8; HEADER_LEN];
    dev.read(BlockIdx(0), 0, &mut raw)?;
    Header::decode(&raw)
}

#[cfg(feature = "images")]
#[cfg_attr(docsrs, doc(cfg(feature = "images")))]
/// A [`VfsKv`] (unmounted, boxed) on a block device, for hosts and image tools.
///
/// If the device holds a kv volume, its header gives the page size, word size and size. If it
/// does not (to format it by mounting with `mkfs`), the volume fills the device, with pages of
/// the device's block size and `word_size`-byte words. `EINVAL` for a geometry outside
/// [`DEVICE_PAGE_SIZES`] × [`DEVICE_WORD_SIZES`] or larger than the device.
///
/// ```
/// use uvfs_os_api::{FixedTime, OpenMode, Timestamp};
/// use uvfs_backend_kv::on_device;
/// use uvfs_vfs_core::RamDisk;
///
/// let clock = Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)));
/// let mut fs = on_device(Box::new(RamDisk::new(4096, 4)), 4, clock).unwrap();
/// fs.mount(false, true).unwrap(); // no volume yet: mkfs
/// let f = fs.open("/wifi.cfg", OpenMode::WRITE).unwrap();
/// fs.write(f, b"ssid=home").unwrap();
/// fs.close(f).unwrap();
/// assert_eq!(fs.stat("/wifi.cfg").unwrap().size, 9);
/// fs.umount().unwrap();
/// ```
pub fn on_device(
    mut dev: Box<dyn BlockDevice + Send>,
    word_size: u32,
    clock: Box<dyn TimeSource + Send>,
) -> Result<BoxedFilesystem> {
    let (page, word, pages) = match read_device_header(&mut *dev) {
        Ok(h) => (h.page_size, h.word_size, h.page_count),
        Err(e) if e.errno() == Errno::ENODEV => {
            let page = dev.block_size();
            let size = u64::from(page) * u64::from(dev.block_count());
            let pages = u32::try_from(size / u64::from(page.max(1))).map_err(|_| Errno::EINVAL)?;
            (page, word_size, pages)
        }
        Err(e) => return Err(e),
    };
    with_geometry!(page, word, build(dev, pages, clock))
}

#[cfg(feature = "images")]
#[cfg_attr(docsrs, doc(cfg(feature = "images")))]
/// Formats a kv volume filling `dev`, with `page_size`-byte pages (erase sectors) and
/// `word_size`-byte words. `EINVAL` for a geometry outside [`DEVICE_PAGE_SIZES`] ×
/// [`DEVICE_WORD_SIZES`], or a device smaller than three pages.
pub fn format_device(
    dev: Box<dyn BlockDevice + Send>,
    page_size: u32,
    word_size: u32,
) -> Result<()> {
    let size = u64::from(dev.block_size()) * u64::from(dev.block_count());
    let pages = u32::try_from(size / u64::from(page_size.max(1))).map_err(|_| Errno::EINVAL)?;
    with_geometry!(page_size, word_size, format(dev, pages))
}
