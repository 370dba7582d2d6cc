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
use uvfs_benches::suites::{
    boxed, file_io, mount, populate_for_mount, single_ops, size_label, small_files, Ids, Remount,
    Subj, CHUNKS,
};
use uvfs_benches::{Counting, Geometry, IoMeter, Outcome, Session, Target, Volume};

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

/// Every file and metadata suite on `subjects`, interleaved; each subject's ids.
fn suites(g: &mut uvfs_benches::Group<'_>, subjects: &[Subj<'_>]) -> Vec<Ids> {
    let mut ids = file_io(g, subjects, FILE, &CHUNKS);
    for (all, more) in ids.iter_mut().zip(small_files(g, subjects, SMALL)) {
        all.extend(more);
    }
    for (all, more) in ids.iter_mut().zip(single_ops(g, subjects)) {
        all.extend(more);
    }
    ids
}

#[allow(clippy::too_many_arguments)]
fn compare(
    session: &Session,
    table: &str,
    what: &str,
    geo: Geometry,
    subject: &Ids,
    baseline: &Ids,
    target: impl Fn(&str) -> Target,
) {
    for (key, sub) in subject {
        if let Some(base) = baseline.get(key) {
            let label = format!("{what} {geo} {key}");
            session.ratio(table, label, sub.clone(), base.clone(), target(key));
        }
    }
}

fn lfs2<const BS: usize, const BC: usize>(session: &Session, g: &mut uvfs_benches::Group<'_>) {
    let geo = LfsRam::<BS, BC>::geometry();
    let image = LfsRam::<BS, BC>::formatted(IoMeter::new())
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_else(|e| panic!("littlefs2 format {geo}: {e}"));
    let image = &image;
    let raw_label = format!("littlefs2-{geo}");
    let uvfs_label = format!("uvfs_lfs2-{geo}");
    let make_raw = || {
        let mut s = LfsRam::<BS, BC>::new(IoMeter::new());
        s.load(image)?;
        boxed(RawLfs2::mount_leaked(s))
    };
    let make_uvfs = || boxed(uvfs_lfs2(image, geo));
    let subjects = [
        Subj {
            label: &uvfs_label,
            prefix: "",
            make: &make_uvfs,
        },
        Subj {
            label: &raw_label,
            prefix: "",
            make: &make_raw,
        },
    ];
    let mut ids = suites(g, &subjects);
    let raw_mount = || -> Outcome<Box<dyn Remount>> {
        let mut s = LfsRam::<BS, BC>::new(IoMeter::new());
        s.load(image)?;
        s.with_mounted(|fs| populate_for_mount(fs, "", FILE))?;
        Ok(Box::new(s))
    };
    let uvfs_mount = || -> Outcome<Box<dyn Remount>> {
        let mut v = uvfs_lfs2(image, geo)?;
        populate_for_mount(&mut v, "", FILE)?;
        Ok(Box::new(v))
    };
    let mounts = mount(g, &[(&uvfs_label, &uvfs_mount), (&raw_label, &raw_mount)]);
    for (all, m) in ids.iter_mut().zip(mounts) {
        all.extend(m);
    }
    compare(session, LFS2_TABLE, "lfs2", geo, &ids[0], &ids[1], |_| {
        Target::AtMost(1.0)
    });
}

fn fat(session: &Session, g: &mut uvfs_benches::Group<'_>, geo: Geometry) {
    let image = fat_image(geo).unwrap_or_else(|e| panic!("fatfs format {geo}: {e}"));
    let image = &image;
    let raw_label = format!("fatfs-{geo}");
    let uvfs_label = format!("uvfs_fat-{geo}");
    let nocache_label = format!("uvfs_fat_nocache-{geo}");
    let make_raw = || boxed(RawFat::mount(image.clone()));
    let make_uvfs = || boxed(uvfs_fat(image, geo, None));
    let make_nocache = || boxed(uvfs_fat(image, geo, Some(0)));
    let subjects = [
        Subj {
            label: &uvfs_label,
            prefix: "",
            make: &make_uvfs,
        },
        Subj {
            label: &raw_label,
            prefix: "",
            make: &make_raw,
        },
        Subj {
            label: &nocache_label,
            prefix: "",
            make: &make_nocache,
        },
    ];
    let mut ids = suites(g, &subjects);
    let raw_mount = || -> Outcome<Box<dyn Remount>> {
        let mut img = FatImage::new(image.clone());
        img.with_mounted(|fs| populate_for_mount(fs, "", FILE))?;
        Ok(Box::new(img))
    };
    let uvfs_mount = |lines: Option<usize>| {
        move || -> Outcome<Box<dyn Remount>> {
            let mut v = uvfs_fat(image, geo, lines)?;
            populate_for_mount(&mut v, "", FILE)?;
            Ok(Box::new(v))
        }
    };
    let (cached, off) = (uvfs_mount(None), uvfs_mount(Some(0)));
    let mounts = mount(
        g,
        &[
            (&uvfs_label, &cached),
            (&raw_label, &raw_mount),
            (&nocache_label, &off),
        ],
    );
    for (all, m) in ids.iter_mut().zip(mounts) {
        all.extend(m);
    }
    let small = size_label(512);
    let small_io = move |key: &str| {
        if key == format!("seq_write_{small}") || key == format!("seq_read_{small}") {
            Target::AtMost(0.5)
        } else {
            Target::None
        }
    };
    compare(session, FAT_TABLE, "fat", geo, &ids[0], &ids[1], small_io);
    compare(
        session,
        FAT_TABLE,
        "fat (cache off)",
        geo,
        &ids[2],
        &ids[1],
        |_| Target::None,
    );
    compare(
        session,
        FAT_CACHE_TABLE,
        "fat",
        geo,
        &ids[0],
        &ids[2],
        |_| Target::None,
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
