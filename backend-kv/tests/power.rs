//! Power cuts at the flash level: a workload runs on a [`RamFlash`] that loses power after N
//! writes and erases, for every N until the workload completes (or `UVFS_CUT_POINTS=N` points
//! spread over it), and with several ways of tearing the operation that was cut. After each cut the volume is mounted again and must hold:
//! - every step acknowledged before the cut, and the interrupted step either wholly done or not
//!   at all (a file's old or new content, never a mix; a rename done or not done);
//! - then a clean write, acknowledged, that must still be there after another remount
//!   (`sequential-storage` issue 136 lost exactly such writes).

use std::collections::BTreeMap;

use uvfs_backend_kv::{RamFlash, Tear, VfsKv};
use uvfs_os_api::{Errno, FileType, Filesystem, Result};
use uvfs_testkit::{cut_points_from_env, CutPoints};

use crate::support::{pattern, read_file, reopen, write_file};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    File(Vec<u8>),
}

type Tree = BTreeMap<String, Entry>;

#[derive(Clone, Debug)]
enum Step {
    Write(&'static str, Vec<u8>),
    Mkdir(&'static str),
    Rename(&'static str, &'static str),
    Remove(&'static str),
}

impl Step {
    fn run(&self, fs: &mut dyn Filesystem) -> Result<()> {
        match self {
            Step::Write(p, data) => write_file(fs, p, data),
            Step::Mkdir(p) => fs.mkdir(p),
            Step::Rename(a, b) => fs.rename(a, b),
            Step::Remove(p) => fs.remove(p),
        }
    }

    /// The trees the step may leave if it was interrupted (its effect is atomic; creating a file
    /// is its own commit, before its content).
    fn outcomes(&self, before: &Tree) -> Vec<Tree> {
        let mut after = before.clone();
        let mut middle = None;
        match self {
            Step::Write(p, data) => {
                if !before.contains_key(*p) {
                    let mut m = before.clone();
                    m.insert(p.to_string(), Entry::File(Vec::new()));
                    middle = Some(m);
                }
                after.insert(p.to_string(), Entry::File(data.clone()));
            }
            Step::Mkdir(p) => {
                after.insert(p.to_string(), Entry::Dir);
            }
            Step::Rename(a, b) => {
                let moved: Vec<(String, Entry)> = before
                    .iter()
                    .filter(|(k, _)| *k == a || k.starts_with(&format!("{a}/")))
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
        out.extend(middle);
        out
    }

    fn apply(&self, before: &Tree) -> Tree {
        self.outcomes(before).swap_remove(1)
    }
}

/// Every file and directory, with contents.
fn tree(fs: &mut dyn Filesystem) -> Result<Tree> {
    let mut out = Tree::new();
    let mut dirs = vec![String::new()];
    while let Some(dir) = dirs.pop() {
        let h = fs.opendir(if dir.is_empty() { "/" } else { &dir })?;
        let mut entries = Vec::new();
        while let Some(e) = fs.readdir(h)? {
            entries.push(e);
        }
        fs.closedir(h)?;
        for e in entries {
            let path = format!("{dir}/{}", e.name);
            if e.kind == FileType::Dir {
                out.insert(path.clone(), Entry::Dir);
                dirs.push(path);
            } else {
                let data = read_file(fs, &path)?;
                out.insert(path, Entry::File(data));
            }
        }
    }
    Ok(out)
}

fn workload() -> Vec<Step> {
    use Step::*;
    let mut steps = vec![
        Write("/a", pattern(1, 300)),
        Write("/b", pattern(2, 1_500)),
        Mkdir("/d"),
        Write("/a", pattern(3, 200)),
        Rename("/b", "/d/b"),
        Write("/c", pattern(4, 100)),
        Rename("/c", "/a"),
        Write("/d/b", pattern(5, 1_800)),
        Remove("/a"),
        Write("/a", pattern(6, 50)),
        Write("/d/b", pattern(7, 400)),
        Rename("/d", "/e"),
    ];
    // A second round rotates every page again, so cuts land in migrations too.
    for i in 0..4u8 {
        steps.push(Write("/e/b", pattern(10 + i, 900 + usize::from(i) * 250)));
        steps.push(Write("/a", pattern(20 + i, 120)));
    }
    steps
}

type Flash = RamFlash<4, 1024>;

/// The flash before the workload: formatted, holding one file.
fn base() -> (Flash, Tree) {
    let mut fs = VfsKv::new(Flash::new(8)).unwrap();
    fs.mount(false, true).unwrap();
    write_file(&mut fs, "/keep", &pattern(9, 700)).unwrap();
    fs.umount().unwrap();
    let mut t = Tree::new();
    t.insert("/keep".into(), Entry::File(pattern(9, 700)));
    (fs.into_flash().unwrap(), t)
}

/// Runs the workload with a cut after `ops` writes and erases; returns whether the cut
/// happened, after checking what survived.
fn run_cut(base: &Flash, start: &Tree, ops: u64, tear: Tear) -> bool {
    let steps = workload();
    let mut flash = base.clone();
    flash.cut_power_after(ops, tear);
    let mut fs = reopen(flash);
    let mut model = start.clone();
    let mut allowed = vec![model.clone()];
    let mut acked = 0;
    if fs.mount(false, false).is_ok() {
        for step in &steps {
            allowed = step.outcomes(&model);
            match step.run(&mut fs) {
                Ok(()) => {
                    model = step.apply(&model);
                    allowed = vec![model.clone()];
                    acked += 1;
                }
                Err(_) => break,
            }
        }
        let _ = fs.umount();
    }
    let mut flash = fs.into_flash().unwrap();
    let cut = flash.power_lost();
    if !cut {
        assert_eq!(
            acked,
            steps.len(),
            "the workload failed without a power cut"
        );
    }
    flash.restore_power();

    // Mount again: the tree is one the steps allow.
    let mut fs = reopen(flash);
    fs.mount(false, false)
        .unwrap_or_else(|e| panic!("cut after {ops} ({tear:?}): remount failed: {e}"));
    let got = tree(&mut fs).unwrap();
    assert!(
        allowed.contains(&got),
        "cut after {ops} ({tear:?}): tree {:?}\nallowed {:?}",
        summary(&got),
        allowed.iter().map(summary).collect::<Vec<_>>()
    );
    // Clean changes after the recovery (a single-item one first: the first store after a
    // mount is the one issue 136 can hide) must survive the next reboot.
    let data = pattern(ops as u8, 333);
    fs.mkdir("/after-cut-dir").unwrap();
    write_file(&mut fs, "/after-cut", &data).unwrap();
    fs.umount().unwrap();
    let mut fs = reopen(fs.into_flash().unwrap());
    fs.mount(false, false).unwrap();
    assert_eq!(
        read_file(&mut fs, "/after-cut").unwrap(),
        data,
        "cut after {ops} ({tear:?}): the acknowledged write after recovery is gone"
    );
    let mut expected = got;
    expected.insert("/after-cut".into(), Entry::File(data));
    expected.insert("/after-cut-dir".into(), Entry::Dir);
    assert_eq!(
        tree(&mut fs).unwrap(),
        expected,
        "cut after {ops} ({tear:?})"
    );
    fs.umount().unwrap();
    cut
}

fn summary(t: &Tree) -> Vec<(String, usize, u8)> {
    t.iter()
        .map(|(k, v)| match v {
            Entry::Dir => (k.clone(), 0, 0),
            Entry::File(d) => (k.clone(), d.len(), d.first().copied().unwrap_or(0)),
        })
        .collect()
}

/// Writes and erases the whole workload makes (mount to unmount) on `base`.
fn workload_ops(base: &Flash) -> u64 {
    let mut flash = base.clone();
    flash.reset_stats();
    let mut fs = reopen(flash);
    fs.mount(false, false).unwrap();
    for step in workload() {
        step.run(&mut fs).unwrap();
    }
    fs.umount().unwrap();
    let stats = fs.into_flash().unwrap().stats();
    stats.writes + stats.erases
}

/// Cuts power at every write and erase of the workload (the default, and
/// `UVFS_CUT_POINTS=all`), or at `N` points spread evenly over it (`UVFS_CUT_POINTS=N`);
/// returns how many cut points it covered.
fn sweep(tear: Tear) -> u64 {
    let (base, start) = base();
    let total = workload_ops(&base);
    let stride = match cut_points_from_env() {
        Some(CutPoints::Spread(n)) => total.div_ceil(n.max(1)).max(1),
        Some(CutPoints::All) | None => 1,
    };
    let (mut ops, mut covered) = (0, 0);
    while run_cut(&base, &start, ops, tear) {
        covered += 1;
        ops += stride;
        assert!(ops < 100_000, "the workload never completed");
    }
    assert!(
        ops >= total,
        "the workload completed after {ops} of its {total} writes and erases"
    );
    println!("{tear:?}: covered {covered} cut points of {total} (every {stride})");
    covered
}

#[test]
fn every_cut_point_without_tearing() {
    let total = workload_ops(&base().0);
    assert!(
        total > 100,
        "only {total} writes and erases: the workload is too small to mean much"
    );
    sweep(Tear::Nothing);
}

#[test]
fn every_cut_point_with_torn_item_headers() {
    // 3 of the 8 header bytes: the torn-header case of sequential-storage issue 136.
    sweep(Tear::Prefix(3));
}

#[test]
fn every_cut_point_with_half_written_words() {
    sweep(Tear::Prefix(6));
}

#[test]
fn every_cut_point_done_but_not_acknowledged() {
    // The operation completed but the caller saw an error.
    sweep(Tear::Prefix(usize::MAX));
}

#[test]
fn the_workload_itself_is_right() {
    let (base, start) = base();
    let mut fs = reopen(base);
    fs.mount(false, false).unwrap();
    let mut model = start;
    for step in workload() {
        step.run(&mut fs).unwrap();
        model = step.apply(&model);
    }
    assert_eq!(tree(&mut fs).unwrap(), model);
    assert_eq!(fs.stat("/d").unwrap_err(), Errno::ENOENT);
    fs.umount().unwrap();
}
