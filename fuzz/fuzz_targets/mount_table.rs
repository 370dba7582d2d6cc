//! The router's mount table and path routing on arbitrary path strings: mounts and unmounts of
//! several `MemFs` volumes at any spelling of a mount point, a cwd that moves between them, and
//! files and directories made through the router with paths as a program might write them
//! (`//`, `.`, `..`, trailing slashes, NULs, long names, relative or not).
//!
//! What MicroPython does with each path is checked against MicroPython itself
//! (`tests/micropython.rs`, `random_router`); this target looks for what no sequence there
//! reaches: panics, hangs, and broken invariants of the table. After every action: `getcwd` is
//! absolute and normalised; every mount point in the table is normalised and unique, and the
//! one at `/` (if any) is last; the router's count of open files never exceeds the handles
//! kept. At the end every mount point unmounts, and every kept handle is then `EBADF`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_os_api::{path, BoxedFilesystem, Errno, FileHandle, MountOptions, OpenMode};
use uvfs_testkit::MemFs;
use uvfs_vfs_core::Vfs;

const MAX_ACTIONS: usize = 64;

/// Pieces paths are made of: names that collide, the special components, separators.
const PIECES: [&str; 12] = [
    "a",
    "b",
    "ab",
    ".",
    "..",
    "/",
    "//",
    "",
    "\0",
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
    "é",
    "\\",
];

#[derive(Debug, Arbitrary)]
struct PathSpec(Vec<u8>);

impl PathSpec {
    fn spell(&self) -> String {
        self.0
            .iter()
            .take(12)
            .map(|&i| PIECES[usize::from(i) % PIECES.len()])
            .collect()
    }
}

#[derive(Debug, Arbitrary)]
enum Action {
    Mount {
        point: PathSpec,
        readonly: bool,
    },
    Umount {
        point: PathSpec,
    },
    /// Unmount one of the mount points in the table, by its exact spelling.
    UmountListed {
        index: u8,
    },
    Chdir {
        path: PathSpec,
    },
    Mkdir {
        path: PathSpec,
    },
    Rmdir {
        path: PathSpec,
    },
    Remove {
        path: PathSpec,
    },
    Rename {
        from: PathSpec,
        to: PathSpec,
    },
    Open {
        path: PathSpec,
        write: bool,
    },
    Write {
        slot: u8,
    },
    Close {
        slot: u8,
    },
    Stat {
        path: PathSpec,
    },
    List {
        path: PathSpec,
    },
    Statvfs {
        path: PathSpec,
    },
}

fn check_table(vfs: &Vfs, kept: usize) {
    let cwd = vfs.getcwd();
    assert!(path::validate(&cwd).is_ok(), "cwd {cwd:?}");
    let points: Vec<String> = vfs.mounts().into_iter().map(|m| m.path).collect();
    for (i, p) in points.iter().enumerate() {
        assert!(path::validate(p).is_ok(), "mount point {p:?}");
        assert!(!points[i + 1..].contains(p), "mount point {p:?} twice");
        if p == "/" {
            assert_eq!(
                i + 1,
                points.len(),
                "the filesystem at / is not last: {points:?}"
            );
        }
    }
    assert!(
        vfs.open_files() <= kept,
        "{} open, {kept} kept",
        vfs.open_files()
    );
}

fuzz_target!(|actions: Vec<Action>| {
    let mut vfs = Vfs::new();
    let mut kept: Vec<FileHandle> = Vec::new();
    for action in actions.iter().take(MAX_ACTIONS) {
        match action {
            Action::Mount { point, readonly } => {
                let fs: BoxedFilesystem = Box::new(MemFs::new());
                let options = MountOptions {
                    readonly: *readonly,
                    mkfs: false,
                };
                let _ = vfs.mount(fs, &point.spell(), options);
            }
            Action::Umount { point } => {
                let _ = vfs.umount(&point.spell());
            }
            Action::UmountListed { index } => {
                let points = vfs.mounts();
                if !points.is_empty() {
                    let p = &points[usize::from(*index) % points.len()].path;
                    if let Err(e) = vfs.umount(p) {
                        panic!("umount of listed {p:?}: {e}");
                    }
                }
            }
            Action::Chdir { path } => {
                let _ = vfs.chdir(&path.spell());
            }
            Action::Mkdir { path } => {
                let _ = vfs.mkdir(&path.spell());
            }
            Action::Rmdir { path } => {
                let _ = vfs.rmdir(&path.spell());
            }
            Action::Remove { path } => {
                let _ = vfs.remove(&path.spell());
            }
            Action::Rename { from, to } => {
                let _ = vfs.rename(&from.spell(), &to.spell());
            }
            Action::Open { path, write } => {
                let mode = if *write {
                    OpenMode::WRITE
                } else {
                    OpenMode::READ
                };
                if let Ok(f) = vfs.open(&path.spell(), mode) {
                    kept.push(f);
                }
            }
            Action::Write { slot } => {
                if !kept.is_empty() {
                    let f = kept[usize::from(*slot) % kept.len()];
                    let _ = vfs.write(f, b"x");
                }
            }
            Action::Close { slot } => {
                if !kept.is_empty() {
                    let f = kept.remove(usize::from(*slot) % kept.len());
                    let _ = vfs.close(f);
                }
            }
            Action::Stat { path } => {
                let _ = vfs.stat(&path.spell());
            }
            Action::List { path } => {
                if let Ok(names) = vfs.listdir(&path.spell()) {
                    for n in names {
                        assert!(!n.is_empty() && !n.contains('\0'), "listed {n:?}");
                    }
                }
            }
            Action::Statvfs { path } => {
                let _ = vfs.statvfs(&path.spell());
            }
        }
        check_table(&vfs, kept.len());
    }
    for m in vfs.mounts() {
        if let Err(e) = vfs.umount(&m.path) {
            panic!("final umount of {:?}: {e}", m.path);
        }
    }
    assert_eq!(vfs.getcwd(), "/");
    for f in kept {
        assert_eq!(vfs.write(f, b"x").unwrap_err(), Errno::EBADF);
    }
});
