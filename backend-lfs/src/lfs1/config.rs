//! Engine configuration and the geometry checks of spec §2.

use uvfs_os_api::Result;

use super::errno::Lfs1Err;

/// How the engine touches the device: MicroPython's `VfsLfs1(bdev, readsize=32, progsize=32,
/// lookahead=32)` keywords. None of these is stored on the medium; an image written with one
/// configuration mounts with another as long as the block size is right.
///
/// ```
/// use uvfs_backend_lfs::lfs1::Lfs1Config;
/// let c = Lfs1Config::default();
/// assert_eq!((c.read_size, c.prog_size, c.lookahead), (32, 32, 32));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lfs1Config {
    /// Read unit in bytes: every device read is a multiple of it, at an aligned offset.
    /// Must divide `prog_size`.
    pub read_size: u32,
    /// Program unit in bytes (and the size of each open file's write buffer): every device write
    /// is a multiple of it, at an aligned offset. Must divide the block size.
    pub prog_size: u32,
    /// The allocator's window, **in blocks** (one bit each): a non-zero multiple of 32.
    pub lookahead: u32,
}

impl Default for Lfs1Config {
    /// MicroPython's defaults: 32, 32, 32.
    fn default() -> Self {
        Lfs1Config {
            read_size: 32,
            prog_size: 32,
            lookahead: 32,
        }
    }
}

/// The smallest block size littlefs v1 accepts with 32-bit pointers (spec §2, §13).
pub const MIN_BLOCK_SIZE: u32 = 104;

/// The geometry one mount works with: the device's block size and count and the configuration.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub block_size: u32,
    pub block_count: u32,
    pub read_size: u32,
    pub prog_size: u32,
    pub lookahead: u32,
}

/// `ceil(log2(x))` for `x >= 1`.
const fn npw2(x: u32) -> u32 {
    if x <= 1 {
        0
    } else {
        32 - (x - 1).leading_zeros()
    }
}

impl Geometry {
    /// Checks the rules of spec §2; `EINVAL` naming the first one broken.
    pub(crate) fn new(block_size: u32, block_count: u32, cfg: &Lfs1Config) -> Result<Geometry> {
        let inval = |what| Err(Lfs1Err::Inval.with(what));
        if cfg.read_size == 0 || cfg.prog_size == 0 {
            return inval("read and program sizes must not be 0");
        }
        if !cfg.prog_size.is_multiple_of(cfg.read_size) {
            return inval("program size is not a multiple of the read size");
        }
        if block_size == 0 || !block_size.is_multiple_of(cfg.prog_size) {
            return inval("block size is not a multiple of the program size");
        }
        // Every CTZ block must hold its pointers: 4 * ceil(log2(2^32 / (B - 8))) <= B.
        if block_size < MIN_BLOCK_SIZE || 4 * npw2(0xFFFF_FFFF / (block_size - 8)) > block_size {
            return inval("block size below littlefs v1's minimum of 104 bytes");
        }
        if cfg.lookahead == 0 || !cfg.lookahead.is_multiple_of(32) {
            return inval("lookahead must be a non-zero multiple of 32 blocks");
        }
        if block_count < 4 {
            return inval("littlefs v1 needs at least 4 blocks");
        }
        Ok(Geometry {
            block_size,
            block_count,
            read_size: cfg.read_size,
            prog_size: cfg.prog_size,
            lookahead: cfg.lookahead,
        })
    }

    /// Whether `block` is a block of this device.
    pub(crate) fn valid(&self, block: u32) -> bool {
        block < self.block_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uvfs_os_api::Errno;

    #[test]
    fn micropython_defaults_are_valid_at_common_sizes() {
        for bs in [128, 512, 4096, 65536] {
            Geometry::new(bs, 64, &Lfs1Config::default()).unwrap();
        }
        let g = Geometry::new(4096, 64, &Lfs1Config::default()).unwrap();
        assert!(g.valid(63) && !g.valid(64));
    }

    #[test]
    fn the_rules_of_section_2() {
        let cfg = |read_size, prog_size, lookahead| Lfs1Config {
            read_size,
            prog_size,
            lookahead,
        };
        let bad = [
            (512, 64, cfg(0, 32, 32)),
            (512, 64, cfg(32, 0, 32)),
            (512, 64, cfg(32, 48, 32)),
            (500, 64, cfg(4, 8, 32)),
            (96, 64, cfg(8, 8, 32)),
            (512, 64, cfg(32, 32, 0)),
            (512, 64, cfg(32, 32, 48)),
            (512, 3, cfg(32, 32, 32)),
        ];
        for (bs, bc, c) in bad {
            assert_eq!(
                Geometry::new(bs, bc, &c).unwrap_err(),
                Errno::EINVAL,
                "{bs} {bc} {c:?}"
            );
        }
        // 104 is the smallest block size the pointer rule allows; 100 fails it.
        Geometry::new(104, 4, &cfg(8, 8, 32)).unwrap();
        assert!(Geometry::new(100, 4, &cfg(4, 4, 32)).is_err());
        assert_eq!(npw2(1), 0);
        assert_eq!(npw2(2), 1);
        assert_eq!(npw2(3), 2);
        assert_eq!(npw2(0xFFFF_FFFF), 32);
    }
}
