//! The one place that knows every backend: makes a filesystem of a kind on a device.

use uvfs::fat::{FormatOptions, VfsFat};
use uvfs::lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs::lfs::lfs2::{DiskVersion, Lfs2Config, VfsLfs2};
use uvfs::os_api::{BoxedFilesystem, Errno, Result};
use uvfs::vfs_core::detect::FsKind;

use crate::image::SharedRam;
use crate::volume::SettableClock;

/// Geometry and format options for mkfs/pack/convert, and engine options for mounting.
#[derive(Clone, Debug)]
pub struct Geometry {
    pub block_size: u32,
    pub block_count: u32,
    pub read_size: u32,
    pub prog_size: u32,
    pub lookahead: u32,
    pub label: Option<String>,
    /// littlefs v2 on-disk version to write (`major << 16 | minor`), `None` for the default.
    pub disk_version: Option<u32>,
    /// kv store word size (the flash's smallest program unit) in bytes.
    pub word_size: u32,
}

impl Geometry {
    /// MicroPython's defaults for `kind` at this size.
    pub fn defaults(kind: FsKind, block_size: u32, block_count: u32) -> Geometry {
        let (read_size, prog_size, lookahead) = match kind {
            FsKind::Lfs1 | FsKind::Lfs2 => (32, 32, 32),
            _ => (0, 0, 0),
        };
        Geometry {
            block_size,
            block_count,
            read_size,
            prog_size,
            lookahead,
            label: None,
            disk_version: None,
            word_size: KV_DEFAULT_WORD_SIZE,
        }
    }

    /// The default block size of a kind: 512-byte sectors for FAT, 4 KiB erase blocks otherwise.
    pub fn default_block_size(kind: FsKind) -> u32 {
        match kind {
            FsKind::Fat => 512,
            _ => 4096,
        }
    }
}

/// The kv word size when none is given: 4 bytes, the program unit of most MCU internal flash.
pub const KV_DEFAULT_WORD_SIZE: u32 = 4;

fn fat_options(geo: &Geometry) -> FormatOptions {
    let mut opts = FormatOptions::new();
    if let Some(label) = &geo.label {
        opts = opts.label(label);
    }
    opts
}

fn lfs1_config(geo: &Geometry) -> Lfs1Config {
    Lfs1Config {
        read_size: geo.read_size,
        prog_size: geo.prog_size,
        lookahead: geo.lookahead,
    }
}

fn lfs2_config(geo: &Geometry) -> Result<Lfs2Config> {
    let disk_version = match geo.disk_version {
        None => DiskVersion::MICROPYTHON,
        Some(raw) => DiskVersion::from_raw(raw)
            .ok_or_else(|| Errno::EINVAL.with_detail("littlefs v2 disk version: 2.0 or 2.1"))?,
    };
    Ok(Lfs2Config {
        read_size: geo.read_size,
        prog_size: geo.prog_size,
        lookahead: geo.lookahead,
        mtime: true,
        disk_version,
    })
}

/// Formats `dev` as `kind`.
pub fn mkfs(kind: FsKind, dev: SharedRam, geo: &Geometry, clock: SettableClock) -> Result<()> {
    match kind {
        FsKind::Fat => {
            let mut fs = VfsFat::new(dev)?.with_time_source(Box::new(clock));
            fs.mkfs(&fat_options(geo))
        }
        FsKind::Lfs2 => {
            let cfg = lfs2_config(geo)?;
            VfsLfs2::new(dev, cfg)?
                .with_time_source(Box::new(clock))
                .mkfs_with_version(cfg.disk_version)
        }
        FsKind::Kv => uvfs_backend_kv::format_device(Box::new(dev), geo.block_size, geo.word_size),
        FsKind::Lfs1 => {
            let _ = clock; // littlefs v1 keeps no times
            VfsLfs1::new(dev, lfs1_config(geo)).mkfs()
        }
    }
}

/// A filesystem of `kind` on `dev`, not yet mounted.
pub fn filesystem(
    kind: FsKind,
    dev: SharedRam,
    geo: &Geometry,
    clock: SettableClock,
) -> Result<BoxedFilesystem> {
    match kind {
        FsKind::Fat => Ok(Box::new(
            VfsFat::new(dev)?.with_time_source(Box::new(clock)),
        )),
        FsKind::Lfs2 => Ok(Box::new(
            VfsLfs2::new(dev, lfs2_config(geo)?)?.with_time_source(Box::new(clock)),
        )),
        FsKind::Kv => uvfs_backend_kv::on_device(Box::new(dev), geo.word_size, Box::new(clock)),
        FsKind::Lfs1 => {
            let _ = clock;
            Ok(Box::new(VfsLfs1::new(dev, lfs1_config(geo))))
        }
    }
}

/// `VfsPosix` confined to a host directory.
pub fn posix(root: &str, clock: SettableClock) -> Result<BoxedFilesystem> {
    let _ = clock; // the host keeps its own times
    Ok(Box::new(uvfs::posix::VfsPosix::new(Some(
        std::path::Path::new(root),
    ))?))
}
