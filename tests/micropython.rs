//! uvfs against MicroPython itself (`uvfs_testkit::micropython`): seeded random op sequences and
//! hand-written cases run through MicroPython's unix port and through [`uvfs::Vfs`] with the
//! same backend, and every result, the tree left behind and (littlefs v2 without mtime) the
//! device image are compared.
//!
//! `UVFS_MP_SEQUENCES=N` sets the number of random sequences per configuration (default 300),
//! `UVFS_MP_SEED` the first seed, `UVFS_MP_SHOW` how many differences are printed (12). Without the `micropython` command these tests say so and pass,
//! except under `CI=true`, where they fail.

use std::path::PathBuf;

use serde_json::Value;
use uvfs::fat::{FormatOptions, VfsFat};
use uvfs::lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs::lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs::posix::VfsPosix;
use uvfs::RamDisk;
use uvfs_testkit::micropython::{
    compare, generate, generate_router, path_matrix, profile_cases, run_uvfs, Backend, Deviation,
    Difference, FsSpec, Kind, Oracle, Sequence, Step, Tally, NOTE_GAP, NOTE_MOUNTED_READONLY,
    NOTE_RENAME, NOTE_RENAME_ONTO_ITSELF, NOTE_RENAME_REFUSED, NOTE_RENAME_WITH_OPEN_FILES,
    NOTE_SECOND_HANDLE, NOTE_UMOUNT_CLOSED_FILES,
};
use uvfs_testkit::{MemFs, Profile, SharedDevice};

/// A formatted uvfs filesystem for `spec`, on a RAM device like the runner's.
fn make(spec: &FsSpec, root: Option<PathBuf>) -> Backend {
    let (bs, n) = (spec.block_size, spec.block_count);
    let image_of = |dev: &SharedDevice<RamDisk>| -> Option<Box<dyn Fn() -> Vec<u8>>> {
        let dev = dev.clone();
        Some(Box::new(move || dev.with(|d| d.as_bytes().to_vec())))
    };
    match spec.kind {
        Kind::Fat => {
            let dev = SharedDevice::new(RamDisk::new(bs, n));
            let mut fs = VfsFat::new(dev.clone()).expect("FAT device");
            fs.mkfs(&FormatOptions::new()).expect("FAT mkfs");
            Backend {
                fs: Box::new(fs),
                image: image_of(&dev),
            }
        }
        Kind::Lfs1 => {
            let dev = SharedDevice::new(RamDisk::new_flash(bs, n));
            let mut cfg = Lfs1Config::default();
            cfg.read_size = spec.option_u32("readsize").unwrap_or(cfg.read_size);
            cfg.prog_size = spec.option_u32("progsize").unwrap_or(cfg.prog_size);
            cfg.lookahead = spec.option_u32("lookahead").unwrap_or(cfg.lookahead);
            let mut fs = VfsLfs1::new(dev.clone(), cfg);
            fs.mkfs().expect("LFS1 mkfs");
            Backend {
                fs: Box::new(fs),
                image: image_of(&dev),
            }
        }
        Kind::Lfs2 => {
            let dev = SharedDevice::new(RamDisk::new_flash(bs, n));
            let mut cfg = Lfs2Config::default();
            cfg.read_size = spec.option_u32("readsize").unwrap_or(cfg.read_size);
            cfg.prog_size = spec.option_u32("progsize").unwrap_or(cfg.prog_size);
            cfg.lookahead = spec.option_u32("lookahead").unwrap_or(cfg.lookahead);
            cfg.mtime = spec.option_bool("mtime").unwrap_or(cfg.mtime);
            let mut fs = VfsLfs2::new(dev.clone(), cfg).expect("LFS2 device");
            fs.mkfs().expect("LFS2 mkfs");
            Backend {
                fs: Box::new(fs),
                image: image_of(&dev),
            }
        }
        Kind::Posix => {
            let root = root.expect("a directory for VfsPosix");
            Backend {
                fs: Box::new(VfsPosix::new(Some(&root)).expect("VfsPosix root")),
                image: None,
            }
        }
    }
}

fn is_err(v: &Value, errno: i64) -> bool {
    v.get(0).and_then(Value::as_str) == Some("err")
        && v.get(1).and_then(Value::as_i64) == Some(errno)
}

fn is_ok(v: &Value) -> bool {
    v.get(0).and_then(Value::as_str) == Some("ok")
}

fn paths_of(step: &Step) -> Vec<&str> {
    match step {
        Step::Mount(_, p, _)
        | Step::Umount(p)
        | Step::Chdir(p)
        | Step::Mkdir(p)
        | Step::Rmdir(p)
        | Step::Remove(p)
        | Step::Stat(p)
        | Step::Listdir(p)
        | Step::Ilistdir(p)
        | Step::Statvfs(p)
        | Step::Open(p, _) => vec![p.as_str()],
        Step::Rename(a, b) => vec![a.as_str(), b.as_str()],
        _ => Vec::new(),
    }
}

/// The differences uvfs keeps on purpose, each where MicroPython loses data, corrupts the
/// volume, escapes a sandbox or is plainly broken (README, "Deviations from MicroPython").
const KEPT: &[Deviation] = &[
    Deviation {
        name: "rename a directory into its own subtree",
        why: "MicroPython's FAT, LFS1 and LFS2 move it and the subtree is lost; uvfs says \
              EINVAL (as POSIX)",
        matches: |_, step, ours, theirs| {
            matches!(step, Step::Rename(..)) && is_err(ours, 22) && is_ok(theirs)
        },
        after: None,
    },
    Deviation {
        name: "write to a file opened for reading (LFS2)",
        why: "MicroPython's littlefs v2 accepts the write and drops it (the file keeps its old \
              size); uvfs says EBADF",
        matches: |kind, step, ours, theirs| {
            kind == Kind::Lfs2
                && matches!(step, Step::Write(..))
                && is_err(ours, 9)
                && is_ok(theirs)
        },
        after: None,
    },
    Deviation {
        name: "rename onto itself (LFS1)",
        why: "MicroPython's littlefs v1 deletes the file or directory; uvfs leaves it (what \
              differs later follows from that)",
        matches: |_, _, _, _| true,
        after: Some((NOTE_RENAME_ONTO_ITSELF, &[Kind::Lfs1])),
    },
    Deviation {
        name: "a rename with files open (LFS1)",
        why: "littlefs 1.7 drops the writes of a handle whose file is renamed away, and \
              re-attaches a handle on a file renamed over to the entry moved in, which loses \
              the moved file's bytes; uvfs's handles follow their file (what differs later \
              follows from that; any difference after a rename with a file open is counted \
              here)",
        matches: |_, _, _, _| true,
        after: Some((NOTE_RENAME_WITH_OPEN_FILES, &[Kind::Lfs1])),
    },
    Deviation {
        name: "the root renamed or removed, or a rename onto a name with more path (LFS1)",
        why: "MicroPython's littlefs v1 raises ValueError from the block device (it writes \
              through a directory it never read), or writes the rest of the path into the \
              entry's name, corrupting the directory; uvfs says EINVAL / ENOENT and changes \
              nothing",
        matches: |kind, step, ours, theirs| {
            kind == Kind::Lfs1
                && matches!(step, Step::Rename(..) | Step::Remove(..) | Step::Rmdir(..))
                && !is_ok(ours)
                && (theirs.get(0).and_then(Value::as_str) == Some("exc") || is_err(theirs, 28))
        },
        after: None,
    },
    Deviation {
        name: "a refused rename hides its source (LFS1)",
        why: "littlefs 1.7 flags a rename's source as moved before it looks at the target and \
              leaves the flag when the rename is refused; the file then reads as missing while \
              another entry shares its data (every empty file does); uvfs leaves nothing behind \
              (counted where MicroPython says ENOENT, or in what is left at the end)",
        matches: |_, _, ours, theirs| is_err(theirs, 2) && !is_err(ours, 2),
        after: Some((NOTE_RENAME_REFUSED, &[Kind::Lfs1])),
    },
    Deviation {
        name: "remove an open file (FAT)",
        why: "FatFs without file locking frees the clusters under the open file and later \
              writes into them; uvfs says EBUSY",
        matches: |kind, step, ours, theirs| {
            kind == Kind::Fat
                && matches!(step, Step::Remove(..) | Step::Rmdir(..) | Step::Rename(..))
                && is_err(ours, 16)
                && !is_err(theirs, 16)
        },
        after: None,
    },
    Deviation {
        name: "a path above the VfsPosix root",
        why: "MicroPython's VfsPosix follows `..` out of its root onto the host; uvfs's jail \
              refuses it with EACCES",
        matches: |kind, step, ours, _| {
            kind == Kind::Posix
                && is_err(ours, 13)
                && paths_of(step).iter().any(|p| p.contains(".."))
        },
        after: None,
    },
    Deviation {
        name: "rename on VfsPosix",
        why: "MicroPython's VfsPosix with a root builds both host paths in one buffer, so it \
              renames the target onto itself (ENOENT, or nothing happens); uvfs renames (what \
              differs later follows from that)",
        matches: |kind, _, _, _| kind == Kind::Posix,
        after: Some((NOTE_RENAME, &[Kind::Posix])),
    },
    Deviation {
        name: "open(.., \"x\") on VfsPosix",
        why: "MicroPython's VfsPosix does not create with \"x\" (ENOENT for a new file) and \
              opens an existing one; uvfs creates a new file or says EEXIST",
        matches: |kind, step, _, _| {
            kind == Kind::Posix && matches!(step, Step::Open(_, m) if m.contains('x'))
        },
        after: None,
    },
    Deviation {
        name: "open a directory on VfsPosix",
        why: "MicroPython's VfsPosix returns a file object for a directory, whose every read \
              fails; uvfs says EISDIR at open",
        matches: |kind, step, ours, theirs| {
            kind == Kind::Posix
                && matches!(step, Step::Open(..))
                && is_err(ours, 21)
                && is_ok(theirs)
        },
        after: None,
    },
    Deviation {
        name: "the gap a write past the end leaves (FAT)",
        why: "FatFs leaves whatever the clusters held in the gap (stale data of deleted files, \
              FAT sectors); uvfs writes zeros, as littlefs and POSIX",
        matches: |_, step, ours, theirs| {
            matches!(step, Step::Read(..)) && is_ok(ours) && is_ok(theirs)
        },
        after: Some((NOTE_GAP, &[Kind::Fat])),
    },
    Deviation {
        name: "two handles on one file (FAT)",
        why: "FatFs gives each handle its own size and cluster chain: a reader does not see a \
              writer's new bytes, and of two writers the last to close wins (an empty file \
              gets two chains), losing the other's data; uvfs's handles share the file (what \
              differs later follows from that)",
        matches: |_, _, _, _| true,
        after: Some((NOTE_SECOND_HANDLE, &[Kind::Fat])),
    },
    Deviation {
        name: "a negative seek (FAT)",
        why: "MicroPython hands FatFs the offset wrapped around to 4 GiB, which grows the file \
              until the volume is full; uvfs says EINVAL",
        matches: |kind, step, ours, theirs| {
            kind == Kind::Fat && matches!(step, Step::Seek(..)) && is_err(ours, 22) && is_ok(theirs)
        },
        after: None,
    },
    Deviation {
        name: "files left open across umount",
        why: "MicroPython's umount leaves file objects open on the unmounted volume, and \
              writing or closing them then touches a filesystem no longer mounted; uvfs closes \
              them at umount (later calls on them are EBADF)",
        matches: |_, _, _, _| true,
        after: Some((
            NOTE_UMOUNT_CLOSED_FILES,
            &[Kind::Fat, Kind::Lfs1, Kind::Lfs2, Kind::Posix],
        )),
    },
    Deviation {
        name: "read-only for good after one read-only mount",
        why: "MicroPython's FAT and littlefs objects stay read-only once mounted (or even tried \
              to mount) read-only, later read-write mounts included; uvfs's read-only is per \
              mount",
        matches: |_, _, ours, theirs| is_err(theirs, 30) && !is_err(ours, 30),
        after: Some((NOTE_MOUNTED_READONLY, &[Kind::Fat, Kind::Lfs1, Kind::Lfs2])),
    },
    Deviation {
        name: "a second filesystem at /",
        why: "MicroPython mounts a second filesystem at / and never reaches it (the first one \
              found wins); uvfs says EPERM as for any mount point in use",
        matches: |_, step, ours, theirs| {
            matches!(step, Step::Mount(_, p, _) if p == "/") && is_err(ours, 1) && is_ok(theirs)
        },
        after: None,
    },
    Deviation {
        name: "changes on a read-only mount",
        why: "uvfs refuses every change on a read-only mount with EROFS before it looks at the \
              path (and at open, not at close); MicroPython's littlefs looks the path up and \
              fails at the first write",
        matches: |_, _, ours, theirs| is_err(ours, 30) && !is_err(theirs, 30),
        after: None,
    },
];

fn count() -> u64 {
    std::env::var("UVFS_MP_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn first_seed() -> u64 {
    std::env::var("UVFS_MP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Runs `seqs` on both sides and tallies them; prints a report with the first differences.
fn tally(oracle: &Oracle, label: &str, seqs: &[Sequence]) -> Tally {
    let theirs = oracle.run(seqs).expect("micropython runs the sequences");
    let scratch = tempfile::tempdir().unwrap();
    let mut t = Tally::default();
    for (i, (seq, mp)) in seqs.iter().zip(&theirs).enumerate() {
        let ours = run_uvfs(seq, scratch.path(), &format!("uvfs{i}"), &mut make).unwrap();
        t.add(i, compare(seq, &ours, mp, KEPT));
    }
    eprintln!(
        "{label}: {}/{} agree to the end ({:.1} %), kept deviations {:?}",
        t.agree,
        t.total,
        t.percent(),
        t.kept
    );
    let shown = std::env::var("UVFS_MP_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for (i, d) in t.differ.iter().take(shown) {
        match d {
            Difference::Step {
                index,
                step,
                uvfs,
                micropython,
            } => eprintln!(
                "  seq {i} step {index}: {step:?}: uvfs {uvfs} micropython {micropython}\n    {}",
                context(&seqs[*i], *index)
            ),
            other => eprintln!(
                "  seq {i}: {other:?}\n    {}",
                context(&seqs[*i], seqs[*i].steps.len())
            ),
        }
    }
    t
}

fn context(seq: &Sequence, upto: usize) -> String {
    seq.steps[..upto]
        .iter()
        .map(|s| s.to_json().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn random(kind_label: &str, spec: FsSpec, floor: f64) {
    let Some(oracle) = Oracle::for_tests() else {
        return;
    };
    let seed = first_seed();
    let seqs: Vec<Sequence> = (seed..seed + count())
        .map(|s| generate(s, &spec, 40))
        .collect();
    let t = tally(&oracle, kind_label, &seqs);
    assert!(
        t.percent() >= floor,
        "{kind_label}: {:.1} % of sequences agree with MicroPython, below {floor} %",
        t.percent()
    );
}

/// The hand-written cases of [`path_matrix`]: every op on every path shape, absolute and
/// relative. All must agree, except where a kept deviation explains the difference.
fn matrix(label: &str, spec: FsSpec) {
    let Some(oracle) = Oracle::for_tests() else {
        return;
    };
    let seqs = path_matrix(&spec);
    let t = tally(&oracle, label, &seqs);
    assert!(
        t.differ.is_empty(),
        "{label}: {} of {} hand-written cases differ from MicroPython",
        t.differ.len(),
        t.total
    );
}

/// The profile tables (`uvfs_testkit::profile`), which `MemFs` follows as a stand-in for each
/// backend in the differential tests, against MicroPython: every situation of the table on
/// `MemFs` with the backend's profile gives what the real backend gives under MicroPython.
#[test]
fn profile_tables_match_micropython() {
    let Some(oracle) = Oracle::for_tests() else {
        return;
    };
    for (spec, profile) in [
        (FsSpec::fat(512, 256), Profile::Fat),
        (FsSpec::lfs1(512, 128), Profile::Lfs1),
        // With mtime: MemFs has no image to compare.
        (
            FsSpec::lfs2(512, 128).with("mtime", true.into()),
            Profile::Lfs2,
        ),
        (FsSpec::posix(), Profile::Posix),
    ] {
        let seqs = profile_cases(&spec);
        let theirs = oracle.run(&seqs).expect("micropython runs the sequences");
        let scratch = tempfile::tempdir().unwrap();
        let mut t = Tally::default();
        for (i, (seq, mp)) in seqs.iter().zip(&theirs).enumerate() {
            let ours = run_uvfs(seq, scratch.path(), &format!("memfs{i}"), &mut |_, _| {
                Backend {
                    fs: Box::new(MemFs::with_profile(profile)),
                    image: None,
                }
            })
            .unwrap();
            t.add(i, compare(seq, &ours, mp, KEPT));
        }
        for (i, d) in &t.differ {
            eprintln!(
                "{profile:?} case {i}: {d:?}\n    {}",
                context(&seqs[*i], seqs[*i].steps.len())
            );
        }
        assert!(
            t.differ.is_empty(),
            "{profile:?}: {} of {} profile situations differ from MicroPython",
            t.differ.len(),
            t.total
        );
    }
}

#[test]
fn matrix_lfs2() {
    matrix("LFS2 path matrix", FsSpec::lfs2(512, 128));
}

#[test]
fn matrix_lfs1() {
    matrix("LFS1 path matrix", FsSpec::lfs1(512, 128));
}

#[test]
fn matrix_fat() {
    matrix("FAT path matrix", FsSpec::fat(512, 256));
}

#[test]
fn matrix_posix() {
    matrix("Posix path matrix", FsSpec::posix());
}

/// FAT's floor, below the target: uvfs does not reach it there yet (CONFORMANCE.md says why);
/// a regression below it fails.
const FAT_FLOOR: f64 = TARGET;

/// The share of random sequences that must agree to the end (kept deviations counted apart,
/// as agreeing): the target.
const TARGET: f64 = 99.0;

#[test]
fn random_lfs2_512() {
    random("LFS2 512x128", FsSpec::lfs2(512, 128), TARGET);
}

#[test]
fn random_lfs2_4k_small_caches() {
    let spec = FsSpec::lfs2(4096, 64)
        .with("readsize", 16.into())
        .with("progsize", 64.into())
        .with("lookahead", 16.into());
    random("LFS2 4096x64 r16/p64/l16", spec, TARGET);
}

#[test]
fn random_lfs2_mtime() {
    // With mtime the images differ by their timestamps: results and trees are compared.
    random(
        "LFS2 512x128 mtime",
        FsSpec::lfs2(512, 128).with("mtime", true.into()),
        TARGET,
    );
}

#[test]
fn random_lfs1_512() {
    random("LFS1 512x128", FsSpec::lfs1(512, 128), TARGET);
}

#[test]
fn random_lfs1_4k() {
    let spec = FsSpec::lfs1(4096, 64)
        .with("readsize", 16.into())
        .with("progsize", 64.into())
        .with("lookahead", 64.into());
    random("LFS1 4096x64 r16/p64/l64", spec, TARGET);
}

#[test]
fn random_fat_512() {
    random("FAT 512x256", FsSpec::fat(512, 256), FAT_FLOOR);
}

#[test]
fn random_fat_4k() {
    random("FAT 4096x200", FsSpec::fat(4096, 200), FAT_FLOOR);
}

#[test]
fn random_posix() {
    random("Posix", FsSpec::posix(), TARGET);
}

#[test]
fn random_router() {
    let Some(oracle) = Oracle::for_tests() else {
        return;
    };
    let specs = [
        FsSpec::lfs2(512, 64),
        FsSpec::fat(512, 128),
        FsSpec::lfs1(512, 64),
    ];
    let seed = first_seed();
    let seqs: Vec<Sequence> = (seed..seed + count())
        .map(|s| generate_router(s, &specs, 40))
        .collect();
    let t = tally(&oracle, "router", &seqs);
    assert!(
        t.percent() >= TARGET,
        "router: {:.1} % of sequences agree with MicroPython, below {TARGET} %",
        t.percent()
    );
}
