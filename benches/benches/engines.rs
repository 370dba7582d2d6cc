//! uvfs's backends against the engines they wrap: same workload, same geometry, same starting
//! image, both sides counting their storage I/O.
//!
//! ```text
//! cargo bench -p uvfs-benches --bench engines -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! - LFS2: `VfsLfs2` against the `littlefs2` crate's own safe API, both on the same C engine
//!   copy (one `littlefs2-sys` in the build), with MicroPython's geometry (read/prog 32,
//!   lookahead 32 bytes, cache 128 bytes, block cycles 100). `VfsLfs2` runs with `mtime=false`
//!   here, because the raw crate writes no timestamp attribute: both sides then do the same
//!   on-disk work. The image is formatted by the raw crate and copied for `VfsLfs2`.
//!   Target: ratio ≤ 1.0 (uvfs at least as fast) on every row.
//! - FAT: `VfsFat` (its default sector cache, and with the cache off) against raw `fatfs` on an
//!   in-memory cursor, both starting from the same image formatted by `fatfs`.
//!   Target: ratio ≤ 0.5 (uvfs at least twice as fast) on the 512-byte sequential rows.
//! - LFS1: `VfsLfs1` against C littlefs v1 lives in the `lfs1-oracle/` crate (v1 and v2 C
//!   symbols cannot share a binary); see BENCHMARKS.md.

use uvfs::fat::VfsFat;
use uvfs::lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs::os_api::BoxedFilesystem;
use uvfs::RamDisk;
use uvfs_benches::raw::{fat_image, FatImage, LfsRam, RawFat, RawLfs2};
use uvfs_benches::suites::{file_io, mount, size_label, small_files, Ids, CHUNKS, POPULATED};
use uvfs_benches::{populate, Counting, Geometry, IoMeter, Outcome, Per, Session, Target, Volume};

/// The large file of the sequential and random benchmarks.
const FILE: usize = 1 << 20;
/// Files in the small-files benchmarks.
const SMALL: usize = 1000;

const LFS2_TABLE: &str = "Engines: VfsLfs2 / littlefs2 crate (safe API)";
const FAT_TABLE: &str = "Engines: VfsFat / raw fatfs on a Cursor";
const FAT_CACHE_TABLE: &str = "VfsFat sector cache: cached / cache off";

fn uvfs_lfs2(image: &[u8], g: Geometry) -> Outcome<Volume> {
    let mut disk = RamDisk::from_image(image.to_vec(), g.block_size);
    disk.set_flash(true);
    let dev = Counting::new(disk);
    let meter = dev.meter();
    let cfg = Lfs2Config {
        mtime: false,
        ..Lfs2Config::default()
    };
    let fs: BoxedFilesystem = Box::new(VfsLfs2::new(dev, cfg)?);
    Volume::mount(fs, Some(meter))
}

fn uvfs_fat(image: &[u8], g: Geometry, cache_lines: Option<usize>) -> Outcome<Volume> {
    let dev = Counting::new(RamDisk::from_image(image.to_vec(), g.block_size));
    let meter = dev.meter();
    let mut fs = VfsFat::new(dev)?;
    if let Some(lines) = cache_lines {
        fs = fs.with_cache_lines(lines);
    }
    Volume::mount(Box::new(fs), Some(meter))
}

/// Every suite on one subject; `raw_mount` is the mount benchmark for raw engines, whose
/// mount is not a `Remount` of a live subject.
fn suite<S: uvfs_benches::Subject + uvfs_benches::Metered>(
    g: &mut uvfs_benches::Group<'_>,
    label: &str,
    make: &dyn Fn() -> Outcome<S>,
) -> Ids {
    let mut ids = file_io(g, label, "", FILE, &CHUNKS, make);
    ids.extend(small_files(g, label, "", SMALL, make));
    ids
}

fn compare(
    session: &Session,
    table: &str,
    geo: Geometry,
    subject: &Ids,
    baseline: &Ids,
    target: impl Fn(&str) -> Target,
    what: &str,
) {
    for (key, sub) in subject {
        if let Some(base) = baseline.get(key) {
            session.ratio(
                table,
                format!("{what} {geo} {key}"),
                sub.clone(),
                base.clone(),
                target(key),
            );
        }
    }
}

fn lfs2<const BS: usize, const BC: usize>(session: &Session, g: &mut uvfs_benches::Group<'_>) {
    let geo = LfsRam::<BS, BC>::geometry();
    let image = LfsRam::<BS, BC>::formatted(IoMeter::new())
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_else(|e| panic!("littlefs2 format {geo}: {e}"));
    let raw_label = format!("littlefs2-{geo}");
    let uvfs_label = format!("uvfs_lfs2-{geo}");
    let make_raw = || {
        let mut s = LfsRam::<BS, BC>::new(IoMeter::new());
        s.load(&image)?;
        RawLfs2::mount_leaked(s)
    };
    let mut raw = suite(g, &raw_label, &make_raw);
    let mut uv = suite(g, &uvfs_label, &|| uvfs_lfs2(&image, geo));
    let (dirs, files, size) = POPULATED;
    let id = g.bench(
        "mount",
        &raw_label,
        Per::elements(1, "mount").passes(10),
        || {
            let mut s = LfsRam::<BS, BC>::new(IoMeter::new());
            s.load(&image)?;
            s.with_mounted(|fs| populate(fs, "", dirs, files, size, FILE))?;
            Ok(s)
        },
        |s| s.mount_once(),
    );
    raw.insert("mount".into(), id);
    uv.extend(mount(g, &uvfs_label, "", FILE, &|| uvfs_lfs2(&image, geo)));
    compare(
        session,
        LFS2_TABLE,
        geo,
        &uv,
        &raw,
        |_| Target::AtMost(1.0),
        "lfs2",
    );
}

fn fat(session: &Session, g: &mut uvfs_benches::Group<'_>, geo: Geometry) {
    let image = fat_image(geo).unwrap_or_else(|e| panic!("fatfs format {geo}: {e}"));
    let raw_label = format!("fatfs-{geo}");
    let uvfs_label = format!("uvfs_fat-{geo}");
    let nocache_label = format!("uvfs_fat_nocache-{geo}");
    let mut raw = suite(g, &raw_label, &|| RawFat::mount(image.clone()));
    let mut uv = suite(g, &uvfs_label, &|| uvfs_fat(&image, geo, None));
    let mut off = suite(g, &nocache_label, &|| uvfs_fat(&image, geo, Some(0)));
    let (dirs, files, size) = POPULATED;
    let id = g.bench(
        "mount",
        &raw_label,
        Per::elements(1, "mount + unmount").passes(10),
        || {
            let mut img = FatImage::new(image.clone());
            img.with_mounted(|fs| populate(fs, "", dirs, files, size, FILE))?;
            Ok(img)
        },
        |s| s.mount_once(),
    );
    raw.insert("mount".into(), id);
    uv.extend(mount(g, &uvfs_label, "", FILE, &|| {
        uvfs_fat(&image, geo, None)
    }));
    off.extend(mount(g, &nocache_label, "", FILE, &|| {
        uvfs_fat(&image, geo, Some(0))
    }));
    let small = size_label(512);
    let small_io = move |key: &str| {
        if key == format!("seq_write_{small}") || key == format!("seq_read_{small}") {
            Target::AtMost(0.5)
        } else {
            Target::None
        }
    };
    compare(session, FAT_TABLE, geo, &uv, &raw, small_io, "fat");
    compare(
        session,
        FAT_TABLE,
        geo,
        &off,
        &raw,
        |_| Target::None,
        "fat (cache off)",
    );
    compare(
        session,
        FAT_CACHE_TABLE,
        geo,
        &uv,
        &off,
        |_| Target::None,
        "fat",
    );
}

fn main() {
    let session = Session::new("engines");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "engines");
        g.sample_size(10);
        // As the backend benches' LFS geometries: 1000 small files take a block each.
        lfs2::<4096, 2048>(&session, &mut g);
        lfs2::<512, 8192>(&session, &mut g);
        // As the backend benches' FAT geometries (1000 small files take a cluster each).
        fat(&session, &mut g, Geometry::new(512, 8192));
        fat(&session, &mut g, Geometry::new(4096, 2048));
        g.finish();
    }
    session.finish(c);
}
