//! Raw block devices, with and without `BlockCache` in front, per geometry: RAM (`RamDisk`),
//! file-backed (`FileDisk` in the scratch directory), NOR flash (`FromNorFlash` over a RAM NOR
//! simulation with real NOR rules) and FAT-on-NOR (`DiskOnFlash`: 512-byte sectors by
//! read-modify-erase-write on 4 KiB erase blocks).
//!
//! ```text
//! cargo bench -p uvfs-benches --bench blockdev -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Workloads (one iteration each):
//! - `seq_read`: every block in block-sized reads (the whole 1 MiB device);
//! - `seq_write`: every block written (erased first on flash), then `sync`; successive
//!   iterations alternate between two contents (so a layer that skips unchanged writes, as
//!   `DiskOnFlash` does, still does the work);
//! - `small_read`: 4096 reads of 32 bytes at pseudo-random 32-byte-aligned offsets in the
//!   first 32 KiB (the hot region a FAT table and root directory make);
//! - `small_write`: 1024 writes of 32 bytes there (contents alternating as above), then `sync`
//!   (not on raw NOR, which cannot overwrite without erasing).
//!
//! The cache has 32 lines; the counting device sits under it, so the I/O table shows what the
//! cache saved the device.

use tempfile::TempDir;
use uvfs::os_api::{BlockCount, BlockDevice, BlockIdx};
use uvfs::vfs_core::{DiskOnFlash, FileDisk, FromNorFlash};
use uvfs::{BlockCache, RamDisk};
use uvfs_benches::{
    pattern, random_offsets, scratch_dir, Counting, Geometry, IoMeter, Metered, Outcome, Per,
    Session, Side, SimNor, Target,
};

/// Cache lines in the cached variants.
const CACHE_LINES: usize = 32;
/// The hot region of the small-access workloads.
const HOT: u64 = 32 * 1024;
const SMALL: usize = 32;
const SMALL_READS: usize = 4096;
const SMALL_WRITES: usize = 1024;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Dev {
    Ram,
    File,
    Nor,
    NorRmw,
}

impl Dev {
    fn name(self) -> &'static str {
        match self {
            Dev::Ram => "ram",
            Dev::File => "file",
            Dev::Nor => "nor",
            Dev::NorRmw => "nor_rmw",
        }
    }

    /// 1 MiB in each geometry. For `NorRmw` the geometry is the flash's (the device has
    /// 512-byte sectors on it).
    fn geometries(self) -> &'static [Geometry] {
        const DISK: &[Geometry] = &[Geometry::new(512, 2048), Geometry::new(4096, 256)];
        const NOR: &[Geometry] = &[Geometry::new(4096, 256), Geometry::new(65536, 16)];
        const RMW: &[Geometry] = &[Geometry::new(4096, 256)];
        match self {
            Dev::Ram | Dev::File => DISK,
            Dev::Nor => NOR,
            Dev::NorRmw => RMW,
        }
    }

    fn label(self, g: Geometry) -> String {
        match self {
            Dev::NorRmw => format!("{}-512on{g}", self.name()),
            _ => format!("{}-{g}", self.name()),
        }
    }
}

struct DevState {
    dev: Box<dyn BlockDevice + Send>,
    meter: IoMeter,
    /// Which of the two write contents the next write uses.
    flip: bool,
    /// One block, for reads.
    buf: Vec<u8>,
    _scratch: Option<TempDir>,
}

impl Metered for DevState {
    fn meter(&self) -> Option<IoMeter> {
        Some(self.meter.clone())
    }
}

fn nor<const ERASE: usize>(sectors: u32) -> FromNorFlash<SimNor<ERASE>> {
    FromNorFlash::new(SimNor::<ERASE>::new(sectors as usize))
}

fn boxed<D: BlockDevice + Send + 'static>(
    dev: D,
    cached: bool,
) -> (Box<dyn BlockDevice + Send>, IoMeter) {
    let dev = Counting::new(dev);
    let meter = dev.meter();
    if cached {
        (Box::new(BlockCache::new(dev, CACHE_LINES)), meter)
    } else {
        (Box::new(dev), meter)
    }
}

fn make(kind: Dev, g: Geometry, cached: bool) -> Outcome<DevState> {
    let mut scratch = None;
    let (dev, meter) = match (kind, g.block_size) {
        (Dev::Ram, _) => boxed(RamDisk::new(g.block_size, g.block_count), cached),
        (Dev::File, _) => {
            let dir = scratch_dir()?;
            let disk =
                FileDisk::create(dir.path().join("dev.img"), g.block_size, g.block_count, 0)?;
            scratch = Some(dir);
            boxed(disk, cached)
        }
        (Dev::Nor, 4096) => boxed(nor::<4096>(g.block_count), cached),
        (Dev::Nor, 65536) => boxed(nor::<65536>(g.block_count), cached),
        (Dev::NorRmw, 4096) => boxed(DiskOnFlash::new(nor::<4096>(g.block_count), 512)?, cached),
        (kind, bs) => {
            return Err(uvfs_benches::Failure(format!(
                "{}: no simulation with {bs}-byte blocks",
                kind.name()
            )))
        }
    };
    Ok(DevState {
        dev,
        meter,
        flip: false,
        buf: vec![0u8; sector_size(kind, g)],
        _scratch: scratch,
    })
}

fn seq_read(s: &mut DevState) -> Outcome<()> {
    for b in 0..s.dev.block_count() {
        s.dev.read(BlockIdx(b), 0, &mut s.buf)?;
    }
    Ok(())
}

/// The block size of the device `make` builds: the flash's for NOR, 512 for FAT-on-NOR.
fn sector_size(kind: Dev, g: Geometry) -> usize {
    if kind == Dev::NorRmw {
        512
    } else {
        g.block_size as usize
    }
}

fn seq_write(s: &mut DevState, data: &[u8]) -> Outcome<()> {
    let erase = s.dev.needs_erase();
    for b in 0..s.dev.block_count() {
        if erase {
            s.dev.erase(BlockIdx(b), BlockCount(1))?;
        }
        s.dev.write(BlockIdx(b), 0, data)?;
    }
    Ok(s.dev.sync()?)
}

fn small_read(s: &mut DevState, offsets: &[u64], buf: &mut [u8]) -> Outcome<()> {
    let bs = u64::from(s.dev.block_size());
    for &off in offsets {
        s.dev
            .read(BlockIdx((off / bs) as u32), (off % bs) as u32, buf)?;
    }
    Ok(())
}

fn small_write(s: &mut DevState, offsets: &[u64], data: &[u8]) -> Outcome<()> {
    let bs = u64::from(s.dev.block_size());
    for &off in offsets {
        s.dev
            .write(BlockIdx((off / bs) as u32), (off % bs) as u32, data)?;
    }
    Ok(s.dev.sync()?)
}

/// Both variants of one workload, timed interleaved; returns (cached id, uncached id).
fn pair<'a>(
    g: &mut uvfs_benches::Group<'_>,
    function: &str,
    label: &str,
    per: Per,
    make_state: &'a dyn Fn(bool) -> Outcome<DevState>,
    op: &'a dyn Fn(&mut DevState) -> Outcome<()>,
) -> (String, String) {
    let sides = [true, false]
        .into_iter()
        .map(|cached| {
            let p = format!("{label}-{}", if cached { "cached" } else { "uncached" });
            Side::new(p, move || make_state(cached).map(Box::new), op)
        })
        .collect();
    let mut ids = g.bench_sides(function, per, sides);
    let uncached = ids.pop().unwrap_or_default();
    (ids.pop().unwrap_or_default(), uncached)
}

fn main() {
    let session = Session::new("blockdev");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "blockdev");
        g.sample_size(20);
        let read_offs = random_offsets(HOT, SMALL as u64, SMALL_READS, 11);
        let write_offs = random_offsets(HOT, SMALL as u64, SMALL_WRITES, 12);
        let small = [pattern(SMALL, 3), pattern(SMALL, 4)];
        for kind in [Dev::Ram, Dev::File, Dev::Nor, Dev::NorRmw] {
            for &geo in kind.geometries() {
                let sector = sector_size(kind, geo);
                // Writes alternate between two contents: DiskOnFlash skips a write that changes
                // nothing, and real workloads change what they write.
                let blocks = [pattern(sector, 5), pattern(sector, 6)];
                let label = kind.label(geo);
                let make_state = |cached: bool| make(kind, geo, cached);
                let mut rows = vec![
                    (
                        "seq_read",
                        pair(
                            &mut g,
                            "seq_read",
                            &label,
                            Per::bytes(geo.bytes(), "whole device read"),
                            &make_state,
                            &seq_read,
                        ),
                    ),
                    (
                        "seq_write",
                        pair(
                            &mut g,
                            "seq_write",
                            &label,
                            Per::bytes(geo.bytes(), "whole device written + sync"),
                            &make_state,
                            &|s| {
                                s.flip = !s.flip;
                                seq_write(s, &blocks[usize::from(s.flip)])
                            },
                        ),
                    ),
                    (
                        "small_read",
                        pair(
                            &mut g,
                            "small_read",
                            &label,
                            Per::bytes(
                                (SMALL_READS * SMALL) as u64,
                                format!("{SMALL_READS} reads of {SMALL} B"),
                            ),
                            &make_state,
                            &|s| small_read(s, &read_offs, &mut [0u8; SMALL]),
                        ),
                    ),
                ];
                if kind != Dev::Nor {
                    rows.push((
                        "small_write",
                        pair(
                            &mut g,
                            "small_write",
                            &label,
                            Per::bytes(
                                (SMALL_WRITES * SMALL) as u64,
                                format!("{SMALL_WRITES} writes of {SMALL} B + sync"),
                            ),
                            &make_state,
                            &|s| {
                                s.flip = !s.flip;
                                small_write(s, &write_offs, &small[usize::from(s.flip)])
                            },
                        ),
                    ));
                }
                for (w, (c, u)) in rows {
                    session.ratio(
                        "Block cache: cached / uncached",
                        format!("{label} {w}"),
                        c,
                        u,
                        Target::None,
                    );
                }
            }
        }
        g.finish();
    }
    session.finish(c);
}
