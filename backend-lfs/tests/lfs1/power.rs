//! Power cuts: a workload runs on a `FaultyDevice` that loses power after N writes and erases,
//! for every N (or every k-th, by default), with the cut write applied in full, not at all, or
//! torn after a few bytes. After each cut:
//! - a read-only mount succeeds, sees one of the trees the steps allow (everything acknowledged
//!   before the cut, the interrupted step wholly done or not at all) and writes nothing;
//! - a writable mount sees the same tree, recovers (deorphan) at its first change, takes new
//!   changes, and they survive another remount.
//!
//! By default every 4th cut point is visited without tearing, on both devices, and every 16th
//! with two tearing modes; `LFS1_POWER_FULL=1` visits every cut point with five tearing modes on
//! both devices (the full campaign). `UVFS_CUT_POINTS=N` (or `all`) sets the number of cut
//! points of each sweep.

use std::cell::Cell;

use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::{BlockDevice, Filesystem, OpenMode, Result, SeekFrom};
use uvfs_testkit::{sweep_power_cuts, FaultyDevice, SweepOptions};
use uvfs_vfs_core::RamDisk;

use super::support::{pattern, summary, tree, write_file, Node, Tree};

#[derive(Clone, Debug)]
enum Step {
    Write(&'static str, Vec<u8>),
    Append(&'static str, Vec<u8>),
    Patch(&'static str, u64, Vec<u8>),
    Truncate(&'static str, u64),
    Mkdir(&'static str),
    Remove(&'static str),
    Rename(&'static str, &'static str),
}

impl Step {
    fn run(&self, fs: &mut dyn Filesystem) -> Result<()> {
        match self {
            Step::Write(p, d) => write_file(fs, p, d),
            Step::Append(p, d) => {
                let f = fs.open(p, OpenMode::APPEND)?;
                let r = fs.write_all(f, d);
                r.and(fs.close(f))
            }
            Step::Patch(p, at, d) => {
                let f = fs.open(p, OpenMode::parse("r+").unwrap())?;
                let r = fs
                    .seek(f, SeekFrom::Start(*at))
                    .and_then(|_| fs.write_all(f, d));
                r.and(fs.close(f))
            }
            Step::Truncate(p, len) => {
                let f = fs.open(p, OpenMode::parse("r+").unwrap())?;
                let r = fs.truncate(f, *len);
                r.and(fs.close(f))
            }
            Step::Mkdir(p) => fs.mkdir(p),
            Step::Remove(p) => fs.remove(p),
            Step::Rename(a, b) => fs.rename(a, b),
        }
    }

    /// The state after the step.
    fn apply(&self, t: &Tree) -> Tree {
        let mut t = t.clone();
        let file = |t: &Tree, p: &str| match t.get(p) {
            Some(Node::File(d)) => d.clone(),
            _ => Vec::new(),
        };
        match self {
            Step::Write(p, d) => {
                t.insert(p.to_string(), Node::File(d.clone()));
            }
            Step::Append(p, d) => {
                let mut old = file(&t, p);
                old.extend_from_slice(d);
                t.insert(p.to_string(), Node::File(old));
            }
            Step::Patch(p, at, d) => {
                let mut old = file(&t, p);
                let at = *at as usize;
                if old.len() < at + d.len() {
                    old.resize(at + d.len(), 0);
                }
                old[at..at + d.len()].copy_from_slice(d);
                t.insert(p.to_string(), Node::File(old));
            }
            Step::Truncate(p, len) => {
                let mut old = file(&t, p);
                old.resize(*len as usize, 0);
                t.insert(p.to_string(), Node::File(old));
            }
            Step::Mkdir(p) => {
                t.insert(p.to_string(), Node::Dir);
            }
            Step::Remove(p) => {
                t.remove(*p);
            }
            Step::Rename(a, b) => {
                let inside = format!("{a}/");
                let moved: Vec<(String, Node)> = t
                    .iter()
                    .filter(|(k, _)| k.as_str() == *a || k.starts_with(&inside))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, _) in &moved {
                    t.remove(k);
                }
                for (k, v) in moved {
                    t.insert(format!("{b}{}", &k[a.len()..]), v);
                }
            }
        }
        t
    }

    /// The states an interrupted step may leave: before, after, and for a write to a new
    /// file, the empty file (creating it is its own commit).
    fn outcomes(&self, before: &Tree) -> Vec<Tree> {
        let mut out = vec![before.clone(), self.apply(before)];
        if let Step::Write(p, _) | Step::Append(p, _) = self {
            if !before.contains_key(*p) {
                let mut t = before.clone();
                t.insert(p.to_string(), Node::File(Vec::new()));
                out.push(t);
            }
        }
        out
    }
}

fn many(i: usize) -> &'static str {
    // Leaked once per name: the test's paths are 'static.
    Box::leak(format!("/many/entry_{i:02}").into_boxed_str())
}

/// The base volume: a file to keep, and `/many` with 24 files spread over several blocks.
fn base_steps() -> Vec<Step> {
    let mut s = vec![Step::Write("/keep", pattern(90, 900)), Step::Mkdir("/many")];
    for i in 0..24 {
        s.push(Step::Write(many(i), pattern(100 + i as u64, 20 + i * 3)));
    }
    s
}

fn workload() -> Vec<Step> {
    use Step::*;
    vec![
        Write("/a", pattern(1, 300)),
        Write("/b", pattern(2, 1500)),
        Mkdir("/d"),
        Write("/a", pattern(3, 700)),
        Rename("/b", "/d/b"),
        Append("/a", pattern(4, 600)),
        Mkdir("/d/e"),
        Write("/d/e/f", pattern(5, 100)),
        Patch("/d/b", 500, pattern(6, 300)),
        Rename("/a", "/d/b"),
        Truncate("/d/b", 200),
        Remove("/many/entry_05"),
        Remove("/many/entry_20"),
        Remove("/many/entry_21"),
        Remove("/many/entry_22"),
        Remove("/many/entry_23"),
        Rename("/many/entry_06", "/many/six"),
        Rename("/many/entry_19", "/many/entry_07"),
        Remove("/d/e/f"),
        Remove("/d/e"),
        Mkdir("/h"),
        Rename("/d", "/h"),
        Write("/c", pattern(7, 2600)),
        Truncate("/c", 3000),
        Remove("/c"),
        Rename("/h/b", "/keep"),
        // A large file: the allocator's window moves round the device.
        Write("/big", pattern(8, 16_000)),
        Patch("/big", 7_000, pattern(9, 3_000)),
        Rename("/big", "/h/big"),
        Remove("/h/big"),
        Write("/many/entry_00", pattern(10, 5)),
    ]
}

const GEOMETRY: (u32, u32) = (512, 96);

fn config() -> Lfs1Config {
    Lfs1Config::default()
}

fn base_device(flash: bool) -> (RamDisk, Tree) {
    let (bs, bc) = GEOMETRY;
    let disk = if flash {
        RamDisk::new_flash(bs, bc)
    } else {
        RamDisk::new(bs, bc)
    };
    let mut fs = VfsLfs1::new(disk, config());
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    let mut t = Tree::new();
    for s in base_steps() {
        s.run(&mut fs).unwrap();
        t = s.apply(&t);
    }
    fs.umount().unwrap();
    (fs.into_device().unwrap(), t)
}

fn sweep(flash: bool, options: SweepOptions) -> (u64, u64) {
    let (base, start) = base_device(flash);
    let steps = workload();
    let acked = Cell::new(0usize);
    let coverage = sweep_power_cuts(
        || base.clone(),
        |dev: &mut FaultyDevice<RamDisk>| {
            acked.set(0);
            let mut fs = VfsLfs1::new(dev, config());
            if fs.mount(false, false).is_err() {
                return;
            }
            for s in &steps {
                if s.run(&mut fs).is_err() {
                    break;
                }
                acked.set(acked.get() + 1);
            }
            let _ = fs.umount();
        },
        |dev, cut| {
            let done = acked.get();
            let mut model = start.clone();
            for s in &steps[..done] {
                model = s.apply(&model);
            }
            let allowed = match steps.get(done) {
                Some(s) => s.outcomes(&model),
                None => vec![model.clone()],
            };
            // Read-only first: the tree is allowed and nothing is written.
            let before = dev.inner().as_bytes().to_vec();
            let mut fs = VfsLfs1::new(&mut *dev, config());
            fs.mount(true, false)
                .map_err(|e| format!("read-only mount failed: {e}"))?;
            let got = tree(&mut fs).map_err(|e| format!("read-only walk: {e}"))?;
            fs.umount().map_err(|e| e.to_string())?;
            drop(fs);
            if dev.inner().as_bytes() != &before[..] {
                return Err("the read-only mount wrote".into());
            }
            if !allowed.contains(&got) {
                return Err(format!(
                    "after {done} acknowledged steps ({cut:?}): tree {:?}\nallowed {:?}",
                    summary(&got),
                    allowed.iter().map(summary).collect::<Vec<_>>()
                ));
            }
            // Writable: same tree, recovery at the first change, new changes persist.
            let mut fs = VfsLfs1::new(&mut *dev, config());
            fs.mount(false, false)
                .map_err(|e| format!("mount failed: {e}"))?;
            let again = tree(&mut fs).map_err(|e| e.to_string())?;
            if again != got {
                return Err("read-write mount sees another tree".into());
            }
            let data = pattern(cut.index, 1234);
            fs.mkdir("/after")
                .map_err(|e| format!("mkdir after the cut: {e}"))?;
            write_file(&mut fs, "/after/f", &data)
                .map_err(|e| format!("write after the cut: {e}"))?;
            let free = fs.statvfs("/").map_err(|e| e.to_string())?.bfree;
            fs.umount().map_err(|e| e.to_string())?;
            fs.mount(false, false).map_err(|e| e.to_string())?;
            let mut want = got;
            want.insert("/after".into(), Node::Dir);
            want.insert("/after/f".into(), Node::File(data));
            let last = tree(&mut fs).map_err(|e| e.to_string())?;
            if last != want {
                return Err(format!("after recovery: {:?}", summary(&last)));
            }
            // Recovery left no orphans or duplicates behind: a fresh count agrees.
            let free2 = fs.statvfs("/").map_err(|e| e.to_string())?.bfree;
            if free2 != free {
                return Err(format!("free blocks {free} then {free2} after a remount"));
            }
            fs.umount().map_err(|e| e.to_string())?;
            Ok(())
        },
        &options,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", if flash { "flash" } else { "disk" }));
    (coverage.covered, coverage.total)
}

fn full() -> bool {
    std::env::var("LFS1_POWER_FULL").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn run(flash: bool, tears: &[Option<usize>], stride: u64) {
    let kind = if flash {
        "flash (erase = 0xFF)"
    } else {
        "disk (erase does nothing)"
    };
    let mut points = 0;
    for &tear_bytes in tears {
        let (covered, total) = sweep(
            flash,
            SweepOptions {
                tear_bytes,
                stride: if full() { 1 } else { stride },
                max_points: None,
            },
        );
        println!("{kind}, tear {tear_bytes:?}: covered {covered} of {total} cut points");
        points += covered;
    }
    if uvfs_testkit::cut_points_from_env().is_none() {
        assert!(points > 60, "only {points} cut points");
    }
    println!("{kind}: {points} cut points in all");
}

#[test]
fn every_cut_point_on_flash() {
    run(true, &[None], 4);
}

#[test]
fn every_cut_point_on_a_disk() {
    // Erase does nothing: blocks keep stale revisions, which must never win.
    run(false, &[None], 4);
}

#[test]
fn torn_writes() {
    // The cut write applies its first bytes: a header without its entries, half a CRC, most
    // of a data unit.
    let tears: &[Option<usize>] = if full() {
        &[Some(1), Some(6), Some(17), Some(40), Some(usize::MAX)]
    } else {
        &[Some(6), Some(40)]
    };
    run(true, tears, 16);
    run(false, tears, 16);
}

#[test]
fn the_workload_itself_is_right() {
    let (base, start) = base_device(true);
    let mut fs = VfsLfs1::new(base, config());
    fs.mount(false, false).unwrap();
    let mut model = start;
    for s in workload() {
        s.run(&mut fs).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        model = s.apply(&model);
        assert_eq!(tree(&mut fs).unwrap(), model, "after {s:?}");
    }
    let dev = fs.into_device().unwrap();
    assert!(dev.block_count() > 0);
}
