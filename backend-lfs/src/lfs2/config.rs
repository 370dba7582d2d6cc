//! What a `VfsLfs2` is built from: MicroPython's constructor arguments ([`Lfs2Config`]), the
//! on-disk version to write ([`DiskVersion`]), and the engine configuration derived from them and
//! the device ([`Geometry`]).

use core::fmt;

use uvfs_os_api::{Errno, Result};

/// A littlefs v2 on-disk version (the superblock's `version` field, major.minor).
///
/// The engine reads and writes both. An image keeps its version: mounting a 2.0 image and
/// writing to it leaves it 2.0 (littlefs would otherwise upgrade it on the first write, and
/// firmware with littlefs older than 2.6 could not read it any more).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiskVersion {
    /// 2.0: what littlefs 2.0 to 2.5 write, readable by every littlefs v2.
    V2_0,
    /// 2.1: littlefs 2.6 and later (adds erase-state checksums, `FCRC`); what MicroPython v1.29
    /// (littlefs 2.11) writes, and the default.
    #[default]
    V2_1,
}

impl DiskVersion {
    /// The version current MicroPython writes (2.1).
    pub const MICROPYTHON: DiskVersion = DiskVersion::V2_1;

    /// The superblock's encoding: major in the high 16 bits, minor in the low 16.
    ///
    /// ```
    /// use uvfs_backend_lfs::lfs2::DiskVersion;
    /// assert_eq!(DiskVersion::V2_1.raw(), 0x0002_0001);
    /// assert_eq!(DiskVersion::from_raw(0x0002_0000), Some(DiskVersion::V2_0));
    /// assert_eq!(DiskVersion::from_raw(0x0002_0002), None);
    /// assert_eq!(DiskVersion::V2_0.to_string(), "2.0");
    /// ```
    pub const fn raw(self) -> u32 {
        match self {
            DiskVersion::V2_0 => 0x0002_0000,
            DiskVersion::V2_1 => 0x0002_0001,
        }
    }

    /// The version a superblock field names, if the engine supports it.
    pub const fn from_raw(raw: u32) -> Option<DiskVersion> {
        match raw {
            0x0002_0000 => Some(DiskVersion::V2_0),
            0x0002_0001 => Some(DiskVersion::V2_1),
            _ => None,
        }
    }

    /// The major version (2).
    pub const fn major(self) -> u16 {
        (self.raw() >> 16) as u16
    }

    /// The minor version (0 or 1).
    pub const fn minor(self) -> u16 {
        (self.raw() & 0xffff) as u16
    }
}

/// `major.minor`, as littlefs prints it.
impl fmt::Display for DiskVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.minor())
    }
}

/// MicroPython's `VfsLfs2(block_dev, readsize=32, progsize=32, lookahead=32, mtime=True)`
/// arguments, plus the on-disk version `mkfs` writes.
///
/// Block size and count are not here: they come from the device, as in MicroPython.
///
/// ```
/// use uvfs_backend_lfs::lfs2::{DiskVersion, Lfs2Config};
/// let cfg = Lfs2Config::default();
/// assert_eq!((cfg.read_size, cfg.prog_size, cfg.lookahead, cfg.mtime), (32, 32, 32, true));
/// assert_eq!(cfg.disk_version, DiskVersion::V2_1);
/// let old = Lfs2Config { disk_version: DiskVersion::V2_0, mtime: false, ..Lfs2Config::default() };
/// assert!(!old.mtime);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lfs2Config {
    /// `readsize`: the smallest read, in bytes (littlefs `read_size`).
    pub read_size: u32,
    /// `progsize`: the smallest program (write), in bytes (littlefs `prog_size`).
    pub prog_size: u32,
    /// `lookahead`: the allocator's bitmap, in **bytes** (8 blocks per byte; littlefs
    /// `lookahead_size`). At most 1 MiB.
    pub lookahead: u32,
    /// `mtime`: store a modification time on each file written (user attribute 1). Times already
    /// stored are read either way.
    pub mtime: bool,
    /// The on-disk version `mkfs` writes (and `mount` with `mkfs`, when it formats). Mounting
    /// an existing image always keeps that image's version.
    pub disk_version: DiskVersion,
}

impl Default for Lfs2Config {
    /// MicroPython's defaults: 32, 32, 32, `mtime=True`, disk version 2.1.
    fn default() -> Self {
        Lfs2Config {
            read_size: 32,
            prog_size: 32,
            lookahead: 32,
            mtime: true,
            disk_version: DiskVersion::MICROPYTHON,
        }
    }
}

/// The largest lookahead buffer accepted, in bytes (8 Mi blocks per allocation pass).
pub const MAX_LOOKAHEAD: u32 = 1 << 20;

/// Erase cycles before littlefs moves a metadata pair (MicroPython's `block_cycles`).
pub const BLOCK_CYCLES: i32 = 100;

/// Device operations (reads, programs, erases, syncs) one engine call may make at the least;
/// see [`Geometry::op_budget`].
pub const MIN_OP_BUDGET: u64 = 1 << 20;

/// The engine configuration of one `VfsLfs2`: the device's geometry and what MicroPython derives
/// from its arguments.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Geometry {
    /// Bytes per block (the device's erase block).
    pub block_size: u32,
    /// Blocks on the device.
    pub block_count: u32,
    /// littlefs `read_size`.
    pub read_size: u32,
    /// littlefs `prog_size`.
    pub prog_size: u32,
    /// littlefs `cache_size`: `min(block_size, 4 * max(read_size, prog_size))`, as MicroPython
    /// sets it. The engine keeps a read cache, a program cache and one cache per open file.
    pub cache_size: u32,
    /// littlefs `lookahead_size`, in bytes.
    pub lookahead_size: u32,
    /// littlefs `block_cycles` (100).
    pub block_cycles: i32,
}

fn invalid(detail: &'static str) -> uvfs_os_api::Error {
    Errno::EINVAL.with_detail(detail)
}

impl Geometry {
    /// The configuration for a device of `block_count` blocks of `block_size` bytes.
    ///
    /// `EINVAL` where littlefs would fail an assertion: a zero size, blocks under 128 bytes or
    /// fewer than 2 of them, a cache size that is not a multiple of both the read and program
    /// sizes or does not divide the block size, or a lookahead over [`MAX_LOOKAHEAD`].
    ///
    /// ```
    /// use uvfs_backend_lfs::lfs2::{Geometry, Lfs2Config};
    /// let g = Geometry::new(4096, 64, &Lfs2Config { read_size: 16, prog_size: 64, lookahead: 16, ..Lfs2Config::default() }).unwrap();
    /// assert_eq!(g.cache_size, 256);
    /// let g = Geometry::new(128, 16, &Lfs2Config::default()).unwrap();
    /// assert_eq!(g.cache_size, 128); // capped at the block size
    /// assert!(Geometry::new(100, 16, &Lfs2Config::default()).is_err());
    /// ```
    pub fn new(block_size: u32, block_count: u32, cfg: &Lfs2Config) -> Result<Geometry> {
        if cfg.read_size == 0 || cfg.prog_size == 0 {
            return Err(invalid("readsize and progsize must not be 0"));
        }
        if cfg.lookahead == 0 {
            return Err(invalid("lookahead must not be 0"));
        }
        if cfg.lookahead > MAX_LOOKAHEAD {
            return Err(invalid("lookahead over 1 MiB"));
        }
        if block_size < 128 {
            return Err(invalid("littlefs needs blocks of at least 128 bytes"));
        }
        if block_count < 2 {
            return Err(invalid("littlefs needs at least 2 blocks"));
        }
        let cache_size = cfg
            .read_size
            .max(cfg.prog_size)
            .checked_mul(4)
            .map_or(block_size, |c| c.min(block_size));
        if !cache_size.is_multiple_of(cfg.read_size) || !cache_size.is_multiple_of(cfg.prog_size) {
            return Err(invalid(
                "cache size (4 * max(readsize, progsize), at most the block size) is not a \
                 multiple of readsize and progsize",
            ));
        }
        if !block_size.is_multiple_of(cache_size) {
            return Err(invalid(
                "block size is not a multiple of the cache size (4 * max(readsize, progsize))",
            ));
        }
        Ok(Geometry {
            block_size,
            block_count,
            read_size: cfg.read_size,
            prog_size: cfg.prog_size,
            cache_size,
            lookahead_size: cfg.lookahead,
            block_cycles: BLOCK_CYCLES,
        })
    }

    /// Total bytes of the device.
    pub fn device_bytes(&self) -> u64 {
        u64::from(self.block_size) * u64::from(self.block_count)
    }

    /// The most device operations one engine call may make before it is stopped with `EIO`:
    /// `max(2^20, 64 * block_count * block_size / min(read_size, prog_size))`, that is 64
    /// passes over the whole device in the smallest units the engine uses.
    ///
    /// littlefs can loop on a damaged image (a metadata tail that leads back, a skip-list that
    /// never ends); the budget bounds the work. Legitimate operations stay far below it: the
    /// worst, an allocation on a nearly full device, walks the filesystem once per lookahead
    /// window. Long reads and writes are split into block-sized engine calls, each with its own
    /// budget.
    pub fn op_budget(&self) -> u64 {
        let unit = u64::from(self.read_size.min(self.prog_size).max(1));
        let per_block = (u64::from(self.block_size) / unit).max(1);
        64u64
            .saturating_mul(u64::from(self.block_count))
            .saturating_mul(per_block)
            .max(MIN_OP_BUDGET)
    }

    /// The most entries one directory listing may return before it is stopped with `EIO`: a
    /// directory entry takes at least 8 bytes of metadata, so no real directory has more than
    /// `block_count * block_size / 8`.
    pub fn listing_cap(&self) -> u64 {
        (self.device_bytes() / 8).saturating_add(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(read_size: u32, prog_size: u32, lookahead: u32) -> Lfs2Config {
        Lfs2Config {
            read_size,
            prog_size,
            lookahead,
            ..Lfs2Config::default()
        }
    }

    #[test]
    fn micropython_cache_sizes() {
        // The fixtures' manifests: 512 B blocks with the defaults, 4 KiB with 16/64.
        let g = Geometry::new(512, 256, &Lfs2Config::default()).unwrap();
        assert_eq!(
            (g.cache_size, g.lookahead_size, g.block_cycles),
            (128, 32, 100)
        );
        let g = Geometry::new(4096, 64, &cfg(16, 64, 16)).unwrap();
        assert_eq!(g.cache_size, 256);
    }

    #[test]
    fn bad_configurations_are_einval() {
        let cases = [
            (512, 256, cfg(0, 32, 32)),
            (512, 256, cfg(32, 0, 32)),
            (512, 256, cfg(32, 32, 0)),
            (512, 256, cfg(32, 32, MAX_LOOKAHEAD + 1)),
            (64, 256, cfg(16, 16, 32)),
            (512, 1, cfg(32, 32, 32)),
            (512, 256, cfg(16, 12, 32)), // cache 64 is not a multiple of 12
            (1000, 256, cfg(32, 32, 32)), // 1000 is not a multiple of 128
            (512, 256, cfg(1024, 32, 32)), // readsize over the block size
            (512, 256, cfg(u32::MAX, 1, 32)),
        ];
        for (bs, bc, c) in cases {
            assert_eq!(
                Geometry::new(bs, bc, &c).unwrap_err(),
                Errno::EINVAL,
                "{bs} {bc} {c:?}"
            );
        }
    }

    #[test]
    fn budget_grows_with_the_device() {
        let small = Geometry::new(512, 256, &Lfs2Config::default()).unwrap();
        assert_eq!(small.op_budget(), MIN_OP_BUDGET);
        let big = Geometry::new(4096, 16384, &cfg(16, 16, 32)).unwrap();
        assert_eq!(big.op_budget(), 64 * 16384 * 256);
        let huge = Geometry::new(1 << 31, u32::MAX, &cfg(1, 1, 32)).unwrap();
        assert_eq!(huge.op_budget(), u64::MAX);
        assert_eq!(small.listing_cap(), 512 * 256 / 8 + 2);
    }

    #[test]
    fn versions() {
        for v in [DiskVersion::V2_0, DiskVersion::V2_1] {
            assert_eq!(DiskVersion::from_raw(v.raw()), Some(v));
            assert_eq!(v.major(), 2);
        }
        assert_eq!(DiskVersion::from_raw(0x0001_0001), None);
        assert_eq!(DiskVersion::default(), DiskVersion::MICROPYTHON);
    }
}
