//! The backends under benchmark: one factory per backend, each giving a formatted, mounted
//! volume on a counting RAM device of a chosen geometry.
//!
//! # Adding a backend
//! 1. Add a [`Kind`] variant, its [`Kind::name`], its geometries in [`Kind::geometries`] and
//!    (if its limits differ from the defaults) its sizes in [`Case::large_file`] and
//!    [`Case::small_files`].
//! 2. Add its arm in [`Case::volume`]: build the device (`Counting` over a `RamDisk`, keeping the
//!    meter), construct the backend on it, `mount(false, true)`.
//! 3. Add it to [`Kind::PER_BACKEND`]. Every per-backend benchmark (`backend`, `metadata`, `vfs`)
//!    picks it up from there.

use std::fmt;

use tempfile::TempDir;
use uvfs::fat::VfsFat;
use uvfs::kv::{FromBlockDevice, VfsKv};
use uvfs::lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs::lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs::os_api::BoxedFilesystem;
use uvfs::posix::VfsPosix;
use uvfs::{Filesystem, MountOptions, RamDisk, Vfs};
use uvfs_testkit::MemFs;

use crate::io::{Counting, IoMeter};
use crate::report::Metered;
use crate::suites::Remount;
use crate::workload::{Failure, Outcome, Subject};

/// Block size and count of a device.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Bytes per block (the sector for disks, the erase block for flash).
    pub block_size: u32,
    /// Number of blocks.
    pub block_count: u32,
}

impl Geometry {
    /// `block_count` blocks of `block_size` bytes.
    pub const fn new(block_size: u32, block_count: u32) -> Geometry {
        Geometry {
            block_size,
            block_count,
        }
    }

    /// Total bytes.
    pub const fn bytes(self) -> u64 {
        self.block_size as u64 * self.block_count as u64
    }
}

impl fmt::Display for Geometry {
    /// `4096x256`: block size x block count, as benchmark ids show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.block_size, self.block_count)
    }
}

/// A backend under benchmark.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `VfsFat` (MicroPython's mkfs layout, its default sector cache) on a RAM disk.
    Fat,
    /// `VfsLfs1` (pure Rust, MicroPython's defaults) on a RAM flash.
    Lfs1,
    /// `VfsLfs2` (the C engine, MicroPython's defaults: 32/32/32, mtime on) on a RAM flash.
    Lfs2,
    /// `VfsPosix` confined to a scratch directory (see [`scratch_dir`]).
    Posix,
    /// `VfsKv` on a RAM NOR flash with 4-byte words.
    Kv,
    /// The testkit's in-memory reference filesystem: the cheapest backend there is, so it shows
    /// the router's overhead at its largest.
    MemFs,
}

const FAT_GEOMETRIES: &[Geometry] = &[Geometry::new(512, 8192), Geometry::new(4096, 2048)];
// Room for 1000 small files, each a whole block (littlefs inlines only files up to the 128-byte
// cache size), and for a 1 MiB file's old and new blocks while it is rewritten.
const LFS_GEOMETRIES: &[Geometry] = &[Geometry::new(4096, 2048), Geometry::new(512, 8192)];
const KV_GEOMETRIES: &[Geometry] = &[Geometry::new(4096, 64), Geometry::new(4096, 256)];

/// The kv page (erase sector) size the benchmarks use: the common MCU flash sector.
pub const KV_PAGE: usize = 4096;
/// The kv word size the benchmarks use.
pub const KV_WORD: usize = 4;

impl Kind {
    /// The backends of the per-backend benchmarks (the list, as far as it is built).
    pub const PER_BACKEND: &'static [Kind] =
        &[Kind::Fat, Kind::Lfs1, Kind::Lfs2, Kind::Posix, Kind::Kv];

    /// A short name for benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fat => "fat",
            Kind::Lfs1 => "lfs1",
            Kind::Lfs2 => "lfs2",
            Kind::Posix => "posix",
            Kind::Kv => "kv",
            Kind::MemFs => "memfs",
        }
    }

    /// The geometries this backend is benchmarked at; empty for backends without a device.
    pub fn geometries(self) -> &'static [Geometry] {
        match self {
            Kind::Posix | Kind::MemFs => &[],
            // 512-byte sectors (SD cards, MicroPython's RAM disks) and 4 KiB ones.
            Kind::Fat => FAT_GEOMETRIES,
            // 4 KiB erase blocks (SPI NOR flash, MicroPython's usual) and 512-byte ones.
            Kind::Lfs1 | Kind::Lfs2 => LFS_GEOMETRIES,
            // A small config partition and a larger one: the map is scanned per lookup, so
            // size matters.
            Kind::Kv => KV_GEOMETRIES,
        }
    }
}

/// One backend at one geometry.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The backend.
    pub kind: Kind,
    /// Its device's geometry (`None` for backends without a device).
    pub geometry: Option<Geometry>,
}

impl Case {
    /// Every backend of `kinds` at each of its geometries.
    pub fn all(kinds: &[Kind]) -> Vec<Case> {
        let mut out = Vec::new();
        for &kind in kinds {
            if kind.geometries().is_empty() {
                out.push(Case {
                    kind,
                    geometry: None,
                });
            }
            for &g in kind.geometries() {
                out.push(Case {
                    kind,
                    geometry: Some(g),
                });
            }
        }
        out
    }

    /// `kv-4096x64`, `posix-host`: the benchmark-id part naming the case.
    pub fn label(&self) -> String {
        match self.geometry {
            Some(g) => format!("{}-{g}", self.kind.name()),
            None => format!("{}-host", self.kind.name()),
        }
    }

    /// The size of the "large file" of the sequential and random benchmarks: 1 MiB, or what
    /// the backend's volume can hold.
    pub fn large_file(&self) -> usize {
        match (self.kind, self.geometry) {
            // A quarter of the partition: kv keeps one page erased and needs room to rewrite.
            (Kind::Kv, Some(g)) => (g.bytes() / 4) as usize,
            _ => 1 << 20,
        }
    }

    /// How many 256-byte files the small-files benchmark creates: 1000 where the volume holds
    /// them.
    pub fn small_files(&self) -> usize {
        match (self.kind, self.geometry) {
            // Each file is an item of at least a 256-byte value plus headers.
            (Kind::Kv, Some(g)) => ((g.bytes() / 2) / 512).min(1000) as usize,
            _ => 1000,
        }
    }

    /// A fresh volume of this case: formatted, unmounted and mounted again.
    pub fn volume(&self) -> Outcome<Volume> {
        let mut scratch = None;
        let mut meter = None;
        let mut fs: BoxedFilesystem = match (self.kind, self.geometry) {
            (Kind::Posix, _) => {
                let dir = scratch_dir()?;
                let fs = VfsPosix::new(Some(dir.path()))?;
                scratch = Some(dir);
                Box::new(fs)
            }
            (Kind::MemFs, _) => Box::new(MemFs::new().with_capacity(1 << 20)),
            (Kind::Fat, Some(g)) => {
                let dev = Counting::new(RamDisk::new(g.block_size, g.block_count));
                meter = Some(dev.meter());
                Box::new(VfsFat::new(dev)?)
            }
            (Kind::Lfs1, Some(g)) => {
                let dev = Counting::new(RamDisk::new_flash(g.block_size, g.block_count));
                meter = Some(dev.meter());
                Box::new(VfsLfs1::new(dev, Lfs1Config::default()))
            }
            (Kind::Lfs2, Some(g)) => {
                let dev = Counting::new(RamDisk::new_flash(g.block_size, g.block_count));
                meter = Some(dev.meter());
                Box::new(VfsLfs2::new(dev, Lfs2Config::default())?)
            }
            (Kind::Kv, Some(g)) => {
                let dev = Counting::new(RamDisk::new_flash(g.block_size, g.block_count));
                meter = Some(dev.meter());
                let flash = FromBlockDevice::<_, KV_WORD, KV_PAGE>::new(dev)?;
                Box::new(VfsKv::new(flash)?)
            }
            (kind, None) => {
                return Err(Failure(format!("{} needs a geometry", kind.name())));
            }
        };
        fs.mount(false, true)?;
        // Unmount and mount again, so every benchmark starts from a freshly mounted existing
        // volume (as one behind a router does), not from the state mkfs left.
        fs.umount()?;
        fs.mount(false, false)?;
        Ok(Volume { fs, meter, scratch })
    }
}

/// A mounted volume of a [`Case`], with the meter of its device.
pub struct Volume {
    /// The mounted backend.
    pub fs: BoxedFilesystem,
    meter: Option<IoMeter>,
    scratch: Option<TempDir>,
}

impl Volume {
    /// Mounts `fs` (an existing volume: no mkfs), whose device counts into `meter`.
    pub fn mount(mut fs: BoxedFilesystem, meter: Option<IoMeter>) -> Outcome<Volume> {
        fs.mount(false, false)?;
        Ok(Volume {
            fs,
            meter,
            scratch: None,
        })
    }

    /// Unmounts the backend and mounts it in a new router at `point`.
    pub fn into_router(mut self, point: &str) -> Outcome<Routed> {
        self.fs.umount()?;
        let mut vfs = Vfs::new();
        vfs.mount(self.fs, point, MountOptions::default())?;
        Ok(Routed {
            vfs,
            point: point.to_string(),
            meter: self.meter,
            _scratch: self.scratch,
        })
    }
}

impl Metered for Volume {
    fn meter(&self) -> Option<IoMeter> {
        self.meter.clone()
    }
}

/// A volume mounted in a [`Vfs`] router.
pub struct Routed {
    /// The router, with the volume mounted.
    pub vfs: Vfs,
    point: String,
    meter: Option<IoMeter>,
    _scratch: Option<TempDir>,
}

impl Metered for Routed {
    fn meter(&self) -> Option<IoMeter> {
        self.meter.clone()
    }
}

/// Forwards [`Subject`] to a field.
macro_rules! subject_via {
    ($ty:ty, $field:ident) => {
        impl Subject for $ty {
            fn write_file(&mut self, path: &str, data: &[u8], chunk: usize) -> Outcome<()> {
                Subject::write_file(&mut self.$field, path, data, chunk)
            }
            fn read_file(&mut self, path: &str, buf: &mut [u8]) -> Outcome<u64> {
                Subject::read_file(&mut self.$field, path, buf)
            }
            fn read_at(&mut self, path: &str, offsets: &[u64], buf: &mut [u8]) -> Outcome<()> {
                Subject::read_at(&mut self.$field, path, offsets, buf)
            }
            fn stat_size(&mut self, path: &str) -> Outcome<u64> {
                Subject::stat_size(&mut self.$field, path)
            }
            fn open_close(&mut self, path: &str) -> Outcome<()> {
                Subject::open_close(&mut self.$field, path)
            }
            fn count_entries(&mut self, dir: &str) -> Outcome<usize> {
                Subject::count_entries(&mut self.$field, dir)
            }
            fn remove(&mut self, path: &str) -> Outcome<()> {
                Subject::remove(&mut self.$field, path)
            }
            fn mkdir(&mut self, path: &str) -> Outcome<()> {
                Subject::mkdir(&mut self.$field, path)
            }
        }
    };
}

subject_via!(Volume, fs);
subject_via!(Routed, vfs);

impl Remount for Volume {
    fn remount(&mut self) -> Outcome<()> {
        self.fs.umount()?;
        Ok(self.fs.mount(false, false)?)
    }
}

impl Remount for Routed {
    fn remount(&mut self) -> Outcome<()> {
        let fs = self.vfs.umount(&self.point)?;
        Ok(self.vfs.mount(fs, &self.point, MountOptions::default())?)
    }
}

/// A scratch directory for file-backed devices and the Posix backend: under
/// `$UVFS_BENCH_DIR` if set, else `/dev/shm` (RAM, so timings measure uvfs rather than a disk)
/// where it exists, else the system temporary directory.
pub fn scratch_dir() -> Outcome<TempDir> {
    let base = match std::env::var_os("UVFS_BENCH_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None if std::path::Path::new("/dev/shm").is_dir() => "/dev/shm".into(),
        None => std::env::temp_dir(),
    };
    tempfile::Builder::new()
        .prefix("uvfs-bench-")
        .tempdir_in(&base)
        .map_err(|e| Failure(format!("scratch directory in {}: {e}", base.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{write_verified, Subject};

    #[test]
    fn every_case_makes_a_working_volume() {
        let mut kinds = Kind::PER_BACKEND.to_vec();
        kinds.push(Kind::MemFs);
        for case in Case::all(&kinds) {
            let mut vol = case.volume().unwrap();
            let data = crate::pattern(5000, 1);
            write_verified(&mut vol.fs, "/x.bin", &data, 512).unwrap();
            if let Some(m) = vol.meter() {
                assert!(m.snapshot().prog_bytes > 0, "{}", case.label());
            }
            vol.remount().unwrap();
            assert_eq!(vol.stat_size("/x.bin").unwrap(), 5000);
            let mut routed = vol.into_router("/m").unwrap();
            routed.remount().unwrap();
            assert_eq!(routed.stat_size("/m/x.bin").unwrap(), 5000);
        }
    }
}
