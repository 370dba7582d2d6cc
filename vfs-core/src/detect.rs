//! Filesystem autodetection from a device's or image's first bytes, as MicroPython's boot code
//! decides between FAT and littlefs.
//!
//! Detection reports a [`FsKind`] and the geometry the volume itself records; it never
//! constructs a backend (the facade or the CLI does that).

use uvfs_os_api::{BlockDevice, BlockIdx, Result};

/// A filesystem kind uvfs can mount.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FsKind {
    /// FAT12/16/32 (`VfsFat`).
    Fat,
    /// littlefs v1 (`VfsLfs1`).
    Lfs1,
    /// littlefs v2 (`VfsLfs2`).
    Lfs2,
    /// The uvfs key-value flash store (`VfsKv`).
    Kv,
}

impl FsKind {
    /// Lower-case name used on command lines: `fat`, `lfs1`, `lfs2`, `kv`.
    pub const fn name(self) -> &'static str {
        match self {
            FsKind::Fat => "fat",
            FsKind::Lfs1 => "lfs1",
            FsKind::Lfs2 => "lfs2",
            FsKind::Kv => "kv",
        }
    }
}

/// What detection found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The filesystem kind.
    pub kind: FsKind,
    /// Block size the volume records (FAT: bytes per sector; littlefs: block size).
    pub block_size: u32,
    /// Block count the volume records (FAT: total sectors), if it records one.
    pub block_count: Option<u32>,
    /// On-disk version (littlefs: `major << 16 | minor`; FAT: 12, 16 or 32).
    pub version: u32,
}

/// The magic a uvfs key-value store starts with (see `uvfs-backend-kv`).
pub const KV_MAGIC: &[u8] = b"uvfsKV";

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn fat(b: &[u8]) -> Option<Detected> {
    if b.get(510..512)? != [0x55, 0xAA] || !matches!(b.first()?, 0xEB | 0xE9) {
        return None;
    }
    let bps = le16(b, 11)?;
    if !matches!(bps, 512 | 1024 | 2048 | 4096) {
        return None;
    }
    let spc = *b.get(13)?;
    if spc == 0 || !spc.is_power_of_two() {
        return None;
    }
    let total16 = le16(b, 19)?;
    let total = if total16 != 0 {
        u32::from(total16)
    } else {
        le32(b, 32)?
    };
    let fat16_size = le16(b, 22)?;
    let version = if fat16_size == 0 {
        32
    } else {
        let reserved = u32::from(le16(b, 14)?);
        let fats = u32::from(*b.get(16)?);
        let root_entries = u32::from(le16(b, 17)?);
        let root_secs = (root_entries * 32).div_ceil(u32::from(bps));
        let data = total.checked_sub(reserved + fats * u32::from(fat16_size) + root_secs)?;
        if data / u32::from(spc) < 4085 {
            12
        } else {
            16
        }
    };
    Some(Detected {
        kind: FsKind::Fat,
        block_size: u32::from(bps),
        block_count: Some(total),
        version,
    })
}

fn lfs2(b: &[u8]) -> Option<Detected> {
    if b.get(8..16)? != b"littlefs" {
        return None;
    }
    let version = le32(b, 20)?;
    let block_size = le32(b, 24)?;
    let block_count = le32(b, 28)?;
    if version >> 16 != 2 || block_size < 128 {
        return None;
    }
    Some(Detected {
        kind: FsKind::Lfs2,
        block_size,
        block_count: Some(block_count),
        version,
    })
}

fn lfs1(b: &[u8]) -> Option<Detected> {
    if b.get(0x28..0x30)? != b"littlefs" || *b.get(0x10)? != 0x2E {
        return None;
    }
    let block_size = le32(b, 0x1C)?;
    let block_count = le32(b, 0x20)?;
    let version = le32(b, 0x24)?;
    if version >> 16 != 1 || block_size < 104 {
        return None;
    }
    Some(Detected {
        kind: FsKind::Lfs1,
        block_size,
        block_count: Some(block_count),
        version,
    })
}

fn kv(b: &[u8]) -> Option<Detected> {
    if !b.starts_with(KV_MAGIC) {
        return None;
    }
    let version = u32::from(le16(b, 6)?);
    let block_size = le32(b, 8)?;
    let block_count = le32(b, 12)?;
    if block_size == 0 {
        return None;
    }
    Some(Detected {
        kind: FsKind::Kv,
        block_size,
        block_count: Some(block_count),
        version,
    })
}

/// Detects the filesystem in an image's bytes, starting at the volume's first byte.
///
/// littlefs keeps its superblock in blocks 0 and 1; block 1 is found by trying the block sizes
/// a littlefs volume can have (powers of two from 128 bytes to 1 MiB) when block 0 holds none.
///
/// ```
/// use uvfs_vfs_core::detect::{detect_bytes, FsKind};
/// assert_eq!(detect_bytes(&[0u8; 4096]), None);
/// ```
pub fn detect_bytes(image: &[u8]) -> Option<Detected> {
    if let Some(d) = detect_first_block(image) {
        return Some(d);
    }
    let mut bs = 128usize;
    while bs <= 1 << 20 {
        if let Some(block1) = image.get(bs..) {
            if let Some(d) = lfs2(block1).or_else(|| lfs1(block1)) {
                if d.block_size as usize == bs {
                    return Some(d);
                }
            }
        }
        bs *= 2;
    }
    None
}

/// Like [`detect_bytes`], but only when the volume's first block itself holds the boot sector,
/// superblock or header (never a littlefs superblock found in block 1 alone).
///
/// Scanning a larger dump for a volume, this tells the start of a littlefs volume from the
/// block before it: seen from one block earlier, the superblock would be in "block 1".
///
/// ```
/// use uvfs_vfs_core::detect::{detect_bytes, detect_first_block};
/// let mut image = vec![0u8; 8192];
/// image[4096 + 8..4096 + 16].copy_from_slice(b"littlefs");
/// image[4096 + 20..4096 + 24].copy_from_slice(&0x0002_0001u32.to_le_bytes());
/// image[4096 + 24..4096 + 28].copy_from_slice(&4096u32.to_le_bytes());
/// image[4096 + 28..4096 + 32].copy_from_slice(&2u32.to_le_bytes());
/// assert!(detect_bytes(&image).is_some()); // block 0 damaged, block 1 holds the superblock
/// assert!(detect_first_block(&image).is_none());
/// assert!(detect_first_block(&image[4096..]).is_some());
/// ```
pub fn detect_first_block(image: &[u8]) -> Option<Detected> {
    fat(image)
        .or_else(|| lfs2(image))
        .or_else(|| lfs1(image))
        .or_else(|| kv(image))
}

/// Detects the filesystem on a device by reading its first two blocks.
pub fn detect(dev: &mut dyn BlockDevice) -> Result<Option<Detected>> {
    let bs = dev.block_size() as usize;
    let blocks = dev.block_count().min(2);
    let mut buf = alloc::vec![0u8; bs * blocks as usize];
    dev.read(BlockIdx(0), 0, &mut buf)?;
    let found = detect_bytes(&buf);
    // A littlefs volume whose block size differs from the device's reads as block 1 at a
    // different offset; only trust a littlefs result whose block size the device can address.
    Ok(found)
}
