//! Power loss, driven by testkit's `FaultyDevice`: a mixed workload (whole-file writes, appends,
//! patches, mkdir, renames within and across directories, renames over files, removals) runs on
//! a NOR-flash-like device whose power is cut after N writes and erases, with the cut write
//! applied not at all, torn after a few bytes, or torn at random lengths. After each cut the
//! volume must mount again and show a state the workload allows: every step acknowledged
//! before the cut, the interrupted step done or not done (a file holds its old or its new
//! complete content; a new file may exist empty, since littlefs commits its name at `open`),
//! no directory entry lost or listed twice. Then a clean change must survive another remount.
//!
//! The default run covers a few hundred cut points. `UVFS_LFS2_POWER_FULL=1` covers every
//! write and erase of the workload, for each tear, and 2000 random torn writes;
//! `UVFS_CUT_POINTS=N` (or `all`) sets the number of cut points of each sweep instead.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{Filesystem, OpenMode, Result, SeekFrom};
use uvfs_testkit::{sweep_power_cuts, CutPoint, FaultyDevice, SweepOptions};
use uvfs_vfs_core::RamDisk;

use crate::lfs2::support::{pattern, read_file, tree, write_file, Clock, Node, Tree};

const BS: u32 = 512;
const BC: u32 = 128;

fn full_campaign() -> bool {
    std::env::var_os("UVFS_LFS2_POWER_FULL").is_some_and(|v| v != "0")
}

#[derive(Clone, Debug)]
enum Step {
    Write(&'static str, Vec<u8>),
    Append(&'static str, Vec<u8>),
    Patch(&'static str, u64, Vec<u8>),
    Mkdir(&'static str),
    Rename(&'static str, &'static str),
    Remove(&'static str),
}

impl Step {
    fn run(&self, fs: &mut dyn Filesystem) -> Result<()> {
        match self {
            Step::Write(p, data) => write_file(fs, p, data),
            Step::Append(p, data) => {
                let f = fs.open(p, OpenMode::APPEND)?;
                let r = fs.write_all(f, data);
                r.and(fs.close(f))
            }
            Step::Patch(p, at, data) => {
                let f = fs.open(p, OpenMode::parse("r+b")?)?;
                let r = fs
                    .seek(f, SeekFrom::Start(*at))
                    .and_then(|_| fs.write_all(f, data));
                r.and(fs.close(f))
            }
            Step::Mkdir(p) => fs.mkdir(p),
            Step::Rename(a, b) => fs.rename(a, b),
            Step::Remove(p) => fs.remove(p),
        }
    }

    /// The trees this step may leave when interrupted: before, after, and for a new file
    /// the file created empty.
    fn outcomes(&self, before: &Tree) -> Vec<Tree> {
        let mut after = before.clone();
        let mut extra = None;
        match self {
            Step::Write(p, data) => {
                if !before.contains_key(*p) {
                    let mut m = before.clone();
                    m.insert(p.to_string(), Node::File(Vec::new()));
                    extra = Some(m);
                }
                after.insert(p.to_string(), Node::File(data.clone()));
            }
            Step::Append(p, data) => {
                let mut old = match before.get(*p) {
                    Some(Node::File(d)) => d.clone(),
                    _ => {
                        let mut m = before.clone();
                        m.insert(p.to_string(), Node::File(Vec::new()));
                        extra = Some(m);
                        Vec::new()
                    }
                };
                old.extend_from_slice(data);
                after.insert(p.to_string(), Node::File(old));
            }
            Step::Patch(p, at, data) => {
                if let Some(Node::File(d)) = after.get_mut(*p) {
                    let at = *at as usize;
                    if d.len() < at + data.len() {
                        d.resize(at + data.len(), 0);
                    }
                    d[at..at + data.len()].copy_from_slice(data);
                }
            }
            Step::Mkdir(p) => {
                after.insert(p.to_string(), Node::Dir);
            }
            Step::Rename(a, b) => {
                let prefix = format!("{a}/");
                let moved: Vec<(String, Node)> = before
                    .iter()
                    .filter(|(k, _)| *k == a || k.starts_with(&prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, _) in &moved {
                    after.remove(k);
                }
                for (k, v) in moved {
                    after.insert(format!("{b}{}", &k[a.len()..]), v);
                }
            }
            Step::Remove(p) => {
                after.remove(*p);
            }
        }
        let mut out = vec![before.clone(), after];
        out.extend(extra);
        out
    }

    fn apply(&self, before: &Tree) -> Tree {
        self.outcomes(before).swap_remove(1)
    }
}

fn workload() -> Vec<Step> {
    use Step::*;
    let mut steps = vec![
        Write("/a", pattern(1, 300)),
        Write("/b", pattern(2, 1_500)),
        Mkdir("/d"),
        Write("/a", pattern(3, 2_200)),
        Append("/keep", pattern(4, 700)),
        Rename("/b", "/d/b"),
        Write("/c", pattern(5, 100)),
        Rename("/c", "/a"),
        Patch("/d/b", 400, pattern(6, 900)),
        Write("/d/b", pattern(7, 40)),
        Remove("/a"),
        Mkdir("/d/e"),
        Write("/d/e/deep", pattern(8, 3_000)),
        Rename("/d", "/x"),
        Append("/x/b", pattern(9, 1_000)),
    ];
    // A second round makes metadata blocks compact and relocate under the cuts.
    for i in 0..10u64 {
        steps.push(Write("/x/e/deep", pattern(10 + i, 500 + 400 * i as usize)));
        steps.push(Append("/log", pattern(20 + i, 90)));
        if i % 3 == 0 {
            steps.push(Rename("/x/b", "/x/e/b"));
            steps.push(Rename("/x/e/b", "/x/b"));
        }
    }
    steps.push(Remove("/x/e/deep"));
    steps
}

/// The device before the workload: formatted, holding one file.
fn base() -> (RamDisk, Tree) {
    let mut fs = VfsLfs2::new(RamDisk::new_flash(BS, BC), Lfs2Config::default()).unwrap();
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/keep", &pattern(0, 1_200)).unwrap();
    fs.umount().unwrap();
    let mut t = Tree::new();
    t.insert("/keep".into(), Node::File(pattern(0, 1_200)));
    (fs.into_device(), t)
}

fn open(dev: &mut FaultyDevice<RamDisk>) -> VfsLfs2<&mut FaultyDevice<RamDisk>> {
    VfsLfs2::new(dev, Lfs2Config::default())
        .unwrap()
        .with_time_source(Box::new(Clock::at(1_800_000_000)))
}

/// Runs the workload until a step fails; returns how many steps were acknowledged.
fn run_workload(dev: &mut FaultyDevice<RamDisk>) -> usize {
    let mut fs = open(dev);
    if fs.mount(false, false).is_err() {
        return 0;
    }
    let mut acked = 0;
    for step in workload() {
        if step.run(&mut fs).is_err() {
            break;
        }
        acked += 1;
    }
    let _ = fs.umount();
    acked
}

/// Entry names listed twice anywhere.
fn duplicates(fs: &mut dyn Filesystem, t: &Tree) -> Vec<String> {
    let mut dirs = vec!["/".to_string()];
    dirs.extend(
        t.iter()
            .filter(|(_, n)| **n == Node::Dir)
            .map(|(k, _)| k.clone()),
    );
    let mut out = Vec::new();
    for d in dirs {
        let mut seen = BTreeMap::new();
        let h = fs.opendir(&d).unwrap();
        while let Some(e) = fs.readdir(h).unwrap() {
            *seen.entry(e.name.as_str().to_string()).or_insert(0) += 1;
        }
        fs.closedir(h).unwrap();
        out.extend(
            seen.into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(k, _)| format!("{d}/{k}")),
        );
    }
    out
}

/// After a cut: the volume mounts and holds an allowed tree; a clean change then survives.
fn check(
    dev: &mut FaultyDevice<RamDisk>,
    cut: CutPoint,
    acked: usize,
    start: &Tree,
) -> std::result::Result<(), String> {
    let steps = workload();
    let mut model = start.clone();
    for s in &steps[..acked] {
        model = s.apply(&model);
    }
    let allowed = match steps.get(acked) {
        Some(s) => s.outcomes(&model),
        None => vec![model],
    };
    // Read-only first: it must see an allowed tree without writing (a pending repair is done
    // in RAM), then read-write (the repair is written).
    let before = dev.stats();
    let mut ro = open(dev);
    ro.mount(true, false)
        .map_err(|e| format!("read-only remount failed: {e}"))?;
    let got_ro = walk_checked(&mut ro, &allowed, acked, cut, "read-only")?;
    ro.umount().map_err(|e| format!("umount: {e}"))?;
    drop(ro);
    if dev.stats().mutations() != before.mutations() {
        return Err("the read-only mount wrote to the device".into());
    }
    let mut fs = open(dev);
    fs.mount(false, false)
        .map_err(|e| format!("remount failed: {e}"))?;
    let got = walk_checked(&mut fs, &allowed, acked, cut, "read-write")?;
    if got != got_ro {
        return Err("read-only and read-write mounts see different trees".into());
    }
    let data = pattern(cut.index, 777);
    write_file(&mut fs, "/after-cut", &data).map_err(|e| format!("write after recovery: {e}"))?;
    fs.umount().map_err(|e| format!("umount: {e}"))?;
    fs.mount(true, false)
        .map_err(|e| format!("second remount: {e}"))?;
    let back = read_file(&mut fs, "/after-cut").map_err(|e| format!("read back: {e}"))?;
    if back != data {
        return Err("the write after recovery is not there".into());
    }
    let mut again = tree(&mut fs).map_err(|e| format!("second walk: {e}"))?;
    again.remove("/after-cut");
    if again != got {
        return Err("the recovered tree changed across a remount".into());
    }
    fs.umount().map_err(|e| format!("umount: {e}"))?;
    Ok(())
}

/// Walks a mounted volume: no entry twice, and a tree among `allowed`.
fn walk_checked(
    fs: &mut dyn Filesystem,
    allowed: &[Tree],
    acked: usize,
    cut: CutPoint,
    how: &str,
) -> std::result::Result<Tree, String> {
    let got = tree(fs).map_err(|e| format!("{how} walk failed: {e}"))?;
    let dups = duplicates(fs, &got);
    if !dups.is_empty() {
        return Err(format!("{how}: entries listed twice: {dups:?}"));
    }
    if !allowed.contains(&got) {
        return Err(format!(
            "{how}: after {acked} acknowledged steps (cut {cut:?}) the tree is {:?}, allowed {:?}",
            summary(&got),
            allowed.iter().map(summary).collect::<Vec<_>>()
        ));
    }
    Ok(got)
}

fn summary(t: &Tree) -> Vec<(String, usize, u8)> {
    t.iter()
        .map(|(k, v)| match v {
            Node::Dir => (k.clone(), 0, 0),
            Node::File(d) => (k.clone(), d.len(), d.first().copied().unwrap_or(0)),
        })
        .collect()
}

/// One sweep; returns (covered, total).
fn sweep(tear: Option<usize>, stride: u64) -> (u64, u64) {
    let (base, start) = base();
    let acked = Rc::new(Cell::new(0));
    let a = Rc::clone(&acked);
    let coverage = sweep_power_cuts(
        || {
            let mut dev = base.clone();
            dev.set_flash(true);
            dev
        },
        |dev| {
            dev.check_flash_rules(true);
            a.set(run_workload(dev));
        },
        |dev, cut| {
            dev.check_flash_rules(true);
            check(dev, cut, acked.get(), &start)
        },
        &SweepOptions {
            tear_bytes: tear,
            stride,
            max_points: None,
        },
    )
    .unwrap_or_else(|e| panic!("tear {tear:?}: {e}"));
    println!("tear {tear:?}: {coverage}");
    (coverage.covered, coverage.total)
}

#[test]
fn the_workload_itself_is_right() {
    let (base, start) = base();
    let mut dev = FaultyDevice::new(base);
    dev.check_flash_rules(true);
    assert_eq!(run_workload(&mut dev), workload().len());
    let mut model = start;
    for s in workload() {
        model = s.apply(&model);
    }
    let mut fs = open(&mut dev);
    fs.mount(true, false).unwrap();
    assert_eq!(tree(&mut fs).unwrap(), model);
    fs.umount().unwrap();
    drop(fs);
    assert_eq!(
        dev.stats().refused,
        0,
        "littlefs programmed flash it had not erased"
    );
}

#[test]
fn power_cuts_without_tearing() {
    let stride = if full_campaign() { 1 } else { 5 };
    let (covered, total) = sweep(None, stride);
    assert!(
        total > 400,
        "only {total} writes and erases: too small a workload"
    );
    if uvfs_testkit::cut_points_from_env().is_none() {
        assert!(covered >= total / stride, "{covered} of {total}");
    }
}

#[test]
fn power_cuts_tearing_the_cut_write() {
    let stride = if full_campaign() { 1 } else { 6 };
    // A few bytes of a program (a torn tag), half a program unit, most of a cache line.
    for tear in [1, 16, 100] {
        sweep(Some(tear), stride);
    }
}

#[test]
fn power_cuts_at_random_points_with_random_tears() {
    let (base, start) = base();
    let total = {
        let mut dev = FaultyDevice::new(base.clone());
        dev.count_writes(|d| {
            run_workload(d);
        })
    };
    let points = if full_campaign() { 2000 } else { 100 };
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..points {
        let index = next() % total;
        let tear = (next() % 600) as usize;
        let mut dev = FaultyDevice::new(base.clone());
        dev.check_flash_rules(true);
        dev.tear_cut_write_after(Some(tear));
        dev.cut_power_after(index);
        let acked = run_workload(&mut dev);
        assert!(dev.power_is_cut(), "cut {index}/{total} never reached");
        dev.restore_power();
        let cut = CutPoint {
            index,
            total,
            torn_bytes: Some(tear),
        };
        check(&mut dev, cut, acked, &start)
            .unwrap_or_else(|e| panic!("cut {index}/{total} torn after {tear} bytes: {e}"));
    }
    println!("random torn writes: {points} cut points of {total}");
}

/// Regression: littlefs (2.9 here, 2.11 in littlefs-python alike) reads a directory holding a
/// pending move wrongly until the move is finished: after a power cut between the two commits
/// of `rename("/b", "/d/b")`, listing `/` and `stat("/d")` skipped `/d`, the entry after the
/// moved one, so the whole directory seemed lost. Found by `power_cuts_without_tearing` (cut
/// 63 of its workload then). Every mount now finishes the move first (in RAM when read-only).
#[test]
fn interrupted_rename_between_directories_hides_nothing() {
    let (base, _) = base();
    let mut prepared = FaultyDevice::new(base);
    {
        let mut fs = open(&mut prepared);
        fs.mount(false, false).unwrap();
        write_file(&mut fs, "/a", b"a").unwrap();
        write_file(&mut fs, "/b", b"b").unwrap();
        fs.mkdir("/d").unwrap();
        fs.umount().unwrap();
    }
    let base = prepared.into_inner();
    let rename = |dev: &mut FaultyDevice<RamDisk>| {
        let mut fs = open(dev);
        if fs.mount(false, false).is_ok() {
            let _ = fs.rename("/b", "/d/b");
            let _ = fs.umount();
        }
    };
    let total = FaultyDevice::new(base.clone()).count_writes(rename);
    let mut repaired = 0;
    for index in 0..total {
        let mut dev = FaultyDevice::new(base.clone());
        dev.cut_power_after(index);
        rename(&mut dev);
        dev.restore_power();
        for readonly in [true, false] {
            let mut fs = open(&mut dev);
            fs.mount(readonly, false).unwrap();
            repaired += usize::from(fs.repaired_at_mount().unwrap());
            let names = crate::lfs2::support::names(&mut fs, "/").unwrap();
            let inside = crate::lfs2::support::names(&mut fs, "/d").unwrap();
            let moved = inside == ["b"] && names == ["a", "d", "keep"];
            let not_moved = inside.is_empty() && names == ["a", "b", "d", "keep"];
            assert!(
                moved || not_moved,
                "cut {index}/{total} (read-only {readonly}): / {names:?}, /d {inside:?}"
            );
            fs.umount().unwrap();
        }
    }
    assert!(
        repaired > 0,
        "no cut left a pending move: the regression is not exercised"
    );
    println!("rename between directories: {total} cut points, {repaired} mounts repaired a move");
}
