//! Scenarios about mount state, handles, volume information, times and the router.

use uvfs_os_api::{
    BoxedFilesystem, DirHandle, Errno, FileHandle, Filesystem, MountOptions, SeekFrom,
};
use uvfs_vfs_core::Vfs;

use super::modes::{A, AP, R, RP, W, WP, X};
use super::{names, pattern, read_file, write_file, Cx, Need, Outcome, Scenario, Support};
use crate::profile::Profile;

pub(crate) static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "vfs_lfs_mount",
        needs: &[],
        run: vfs_lfs_mount,
    },
    Scenario {
        name: "vfs_readonly",
        needs: &[Need::ReadonlyMount],
        run: vfs_readonly,
    },
    Scenario {
        name: "vfs_unmounted",
        needs: &[],
        run: vfs_unmounted,
    },
    Scenario {
        name: "vfs_handles",
        needs: &[],
        run: vfs_handles,
    },
    Scenario {
        name: "vfs_statvfs",
        needs: &[],
        run: vfs_statvfs,
    },
    Scenario {
        name: "vfs_lfs_mtime",
        needs: &[],
        run: vfs_lfs_mtime,
    },
    Scenario {
        name: "vfs_posix_paths",
        needs: &[Need::Directories],
        run: vfs_posix_paths,
    },
];

fn vfs_lfs_mount(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let dirs = cx.caps().directories.is_yes();
    ok!(fs.mount(false, false));
    ensure!(
        fs.mount(false, false).is_err(),
        "mounting a mounted filesystem succeeded"
    );
    let data = pattern(9, 600);
    ok!(write_file(&mut *fs, "/p", b"persist"));
    ok!(write_file(&mut *fs, "/q", &data));
    if dirs {
        ok!(fs.mkdir("/pd"));
        ok!(write_file(&mut *fs, "/pd/r", b"in a dir"));
    }
    ok!(fs.umount());

    ok!(fs.mount(false, false));
    ensure_eq!(ok!(read_file(&mut *fs, "/p")), b"persist");
    ensure!(
        ok!(read_file(&mut *fs, "/q")) == data,
        "/q differs after remount"
    );
    let want: &[&str] = if dirs { &["p", "pd", "q"] } else { &["p", "q"] };
    ensure_eq!(ok!(names(&mut *fs, "/")), want);
    if dirs {
        ensure_eq!(ok!(read_file(&mut *fs, "/pd/r")), b"in a dir");
    }
    ok!(fs.remove("/q"));
    ok!(write_file(&mut *fs, "/p", b"changed"));
    ok!(fs.umount());

    // mkfs only formats a volume that does not mount.
    ok!(fs.mount(false, true));
    ensure_eq!(ok!(read_file(&mut *fs, "/p")), b"changed");
    fails!(fs.stat("/q"), Errno::ENOENT);
    ok!(fs.umount());
    Ok(())
}

fn vfs_readonly(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let dirs = cx.caps().directories.is_yes();
    ok!(fs.mount(false, false));
    ok!(write_file(&mut *fs, "/f", b"ro-data"));
    if dirs {
        ok!(fs.mkdir("/d"));
        ok!(write_file(&mut *fs, "/d/g", b"g"));
    }
    ok!(fs.umount());

    ok!(fs.mount(true, false));
    ensure_eq!(ok!(read_file(&mut *fs, "/f")), b"ro-data");
    ensure_eq!(ok!(fs.stat("/f")).size, 7);
    ensure!(!ok!(names(&mut *fs, "/")).is_empty(), "empty listing");
    ok!(fs.statvfs("/"));
    for mode in [W, WP, A, AP, RP, X] {
        fails!(fs.open("/f", mode), Errno::EROFS);
    }
    fails!(fs.open("/new", W), Errno::EROFS);
    fails!(fs.open("/new", X), Errno::EROFS);
    fails!(fs.remove("/f"), Errno::EROFS);
    fails!(fs.rename("/f", "/h"), Errno::EROFS);
    if dirs {
        fails!(fs.mkdir("/x"), Errno::EROFS);
        fails!(fs.rmdir("/d"), Errno::EROFS);
        fails!(fs.remove("/d/g"), Errno::EROFS);
        fails!(fs.rename("/d", "/e"), Errno::EROFS);
        ensure_eq!(ok!(read_file(&mut *fs, "/d/g")), b"g");
    }
    let f = ok!(fs.open("/f", R));
    fails!(fs.write(f, b"no"), cx.rules.write_read_only);
    ok!(fs.close(f));
    ok!(fs.sync());
    ok!(fs.umount());

    ok!(fs.mount(false, false));
    ensure_eq!(ok!(read_file(&mut *fs, "/f")), b"ro-data");
    fails!(fs.stat("/new"), Errno::ENOENT);
    ok!(write_file(&mut *fs, "/f", b"rw again"));
    ensure_eq!(ok!(read_file(&mut *fs, "/f")), b"rw again");
    ok!(fs.umount());
    Ok(())
}

/// `errno`, or the errno a backend without `truncate` documents for it.
pub(crate) fn truncate_errno(cx: &Cx<'_>, errno: Errno) -> Errno {
    match cx.caps().truncate {
        Support::Yes => errno,
        Support::No(unsupported) => unsupported,
    }
}

/// Every call that takes no handle, on an unmounted filesystem.
fn all_path_calls_enodev(fs: &mut dyn Filesystem) -> Outcome {
    fails!(fs.open("/f", R), Errno::ENODEV);
    fails!(fs.open("/f", W), Errno::ENODEV);
    fails!(fs.opendir("/"), Errno::ENODEV);
    fails!(fs.mkdir("/d"), Errno::ENODEV);
    fails!(fs.remove("/f"), Errno::ENODEV);
    fails!(fs.rmdir("/d"), Errno::ENODEV);
    fails!(fs.rename("/f", "/g"), Errno::ENODEV);
    fails!(fs.stat("/"), Errno::ENODEV);
    fails!(fs.stat("/f"), Errno::ENODEV);
    fails!(fs.statvfs("/"), Errno::ENODEV);
    fails!(fs.sync(), Errno::ENODEV);
    fails!(fs.umount(), Errno::ENODEV);
    Ok(())
}

/// Every call that takes a handle, on an unmounted filesystem.
/// A backend without `truncate` may refuse it with its documented errno before looking at the
/// handle or the mount state.
fn all_handle_calls(
    cx: &Cx<'_>,
    fs: &mut dyn Filesystem,
    f: FileHandle,
    d: DirHandle,
    errno: Errno,
) -> Outcome {
    let mut buf = [0u8; 4];
    fails!(fs.read(f, &mut buf), errno);
    fails!(fs.write(f, b"x"), errno);
    fails!(fs.seek(f, SeekFrom::Start(0)), errno);
    fails!(fs.flush(f), errno);
    fails!(fs.truncate(f, 0), truncate_errno(cx, errno));
    fails!(fs.readdir(d), errno);
    fails!(fs.close(f), errno);
    fails!(fs.closedir(d), errno);
    Ok(())
}

fn vfs_unmounted(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    all_path_calls_enodev(&mut *fs)?;
    all_handle_calls(
        cx,
        &mut *fs,
        FileHandle::new(0, 0),
        DirHandle::new(0, 0),
        Errno::ENODEV,
    )?;

    ok!(fs.mount(false, false));
    ok!(write_file(&mut *fs, "/f", b"data"));
    let f = ok!(fs.open("/f", R));
    let d = ok!(fs.opendir("/"));
    ok!(fs.umount());
    all_path_calls_enodev(&mut *fs)?;
    all_handle_calls(cx, &mut *fs, f, d, Errno::ENODEV)?;

    // umount closed them: after mounting again they are stale.
    ok!(fs.mount(false, false));
    all_handle_calls(cx, &mut *fs, f, d, Errno::EBADF)?;
    ensure_eq!(ok!(read_file(&mut *fs, "/f")), b"data");
    ok!(fs.umount());
    Ok(())
}

fn vfs_handles(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    ok!(fs.mount(false, false));
    let fs_ref: &mut dyn Filesystem = &mut *fs;

    // Closed twice, and every call after close.
    let f = ok!(fs_ref.open("/a", W));
    ok!(fs_ref.write_all(f, b"abc"));
    ok!(fs_ref.close(f));
    let d_closed = ok!(fs_ref.opendir("/"));
    ok!(fs_ref.closedir(d_closed));
    all_handle_calls(cx, fs_ref, f, d_closed, Errno::EBADF)?;

    // A new file may reuse the slot: the old handle stays stale.
    let g = ok!(fs_ref.open("/a", R));
    let mut buf = [0u8; 8];
    fails!(fs_ref.read(f, &mut buf), Errno::EBADF);
    ensure_eq!(ok!(fs_ref.read(g, &mut buf)), 3);
    let d = ok!(fs_ref.opendir("/"));
    fails!(fs_ref.readdir(d_closed), Errno::EBADF);
    ok!(fs_ref.closedir(d));

    // Made-up handles.
    all_handle_calls(
        cx,
        fs_ref,
        FileHandle::new(4242, 7),
        DirHandle::new(4242, 7),
        Errno::EBADF,
    )?;
    all_handle_calls(
        cx,
        fs_ref,
        FileHandle::new(g.index(), g.generation().wrapping_add(1)),
        DirHandle::new(d.index(), d.generation().wrapping_add(1)),
        Errno::EBADF,
    )?;
    ensure_eq!(ok!(fs_ref.seek(g, SeekFrom::Current(0))), 3);

    // Handles of another filesystem of the same kind.
    let mut other = cx.fresh();
    ok!(other.mount(false, false));
    let h = ok!(other.open("/o", W));
    let od = ok!(other.opendir("/"));
    fails!(fs_ref.write(h, b"x"), Errno::EBADF);
    fails!(fs_ref.close(h), Errno::EBADF);
    fails!(fs_ref.readdir(od), Errno::EBADF);
    fails!(fs_ref.closedir(od), Errno::EBADF);
    ok!((&mut *other as &mut dyn Filesystem).write_all(h, b"other"));
    ok!(other.close(h));
    ok!(other.closedir(od));
    ensure_eq!(ok!(read_file(&mut *other, "/o")), b"other");
    ok!(other.umount());
    drop(other);

    ensure_eq!(ok!(fs_ref.seek(g, SeekFrom::Start(1))), 1);
    ensure_eq!(ok!(fs_ref.read(g, &mut buf)), 2);
    ok!(fs_ref.close(g));
    fails!(fs_ref.close(g), Errno::EBADF);
    ensure_eq!(ok!(read_file(fs_ref, "/a")), b"abc");
    ok!(fs.umount());
    Ok(())
}

fn vfs_statvfs(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let tracks = cx.caps().statvfs_tracks_usage;
    let size = usize::try_from(cx.caps().large_file_size.min(32 * 1024)).unwrap_or(32 * 1024);
    ok!(fs.mount(false, false));
    let s = ok!(fs.statvfs("/"));
    ensure!(s.bsize > 0 && s.frsize > 0, "zero block size: {s:?}");
    ensure!(s.blocks > 0, "no blocks: {s:?}");
    ensure!(
        s.bfree <= s.blocks && s.bavail <= s.blocks,
        "more free than total: {s:?}"
    );
    if cx.cfg.profile == Profile::Posix {
        ensure!(s.namemax > 0, "namemax 0: {s:?}");
    } else {
        ensure_eq!(s.namemax, 255);
    }
    ok!(write_file(&mut *fs, "/fill", &pattern(5, size)));
    let full = ok!(fs.statvfs("/"));
    ensure_eq!(
        (full.bsize, full.frsize, full.blocks),
        (s.bsize, s.frsize, s.blocks)
    );
    if tracks {
        let used = s
            .bfree
            .saturating_sub(full.bfree)
            .saturating_mul(full.frsize);
        ensure!(
            used >= size as u64 / 2,
            "free space went from {} to {} blocks of {} after writing {size} bytes",
            s.bfree,
            full.bfree,
            full.frsize
        );
    }
    ok!(fs.remove("/fill"));
    let after = ok!(fs.statvfs("/"));
    if tracks {
        ensure!(
            after.bfree > full.bfree,
            "free space did not grow after remove: {} then {}",
            full.bfree,
            after.bfree
        );
    }
    ok!(fs.umount());
    Ok(())
}

fn vfs_lfs_mtime(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let kept = cx.caps().mtime;
    ok!(fs.mount(false, false));
    ok!(write_file(&mut *fs, "/t", b"x"));
    let first = ok!(fs.stat("/t"));
    if kept {
        ensure!(first.mtime != 0, "mtime not kept: {first:?}");
        ok!(write_file(&mut *fs, "/t", b"again"));
        let second = ok!(fs.stat("/t"));
        ensure!(
            second.mtime >= first.mtime,
            "mtime went back: {} then {}",
            first.mtime,
            second.mtime
        );
    } else {
        ensure_eq!((first.atime, first.mtime, first.ctime), (0, 0, 0));
    }
    ok!(fs.umount());
    Ok(())
}

/// Through a router, as MicroPython programs see it (mirrors `vfs_posix_paths.py`): what every
/// backend answers alike. Trailing slashes, `..` at a mount's root and a file used as a
/// directory are each backend's own (as each MicroPython backend's): the MicroPython oracle
/// (`tests/micropython.rs`, `uvfs_testkit::micropython::path_matrix`) checks those per backend.
fn vfs_posix_paths(fs: BoxedFilesystem, _cx: &mut Cx<'_>) -> Outcome {
    let mut vfs = Vfs::new();
    ok!(vfs.mount(fs, "/m", MountOptions::default()));
    ok!(vfs.mkdir("/m/d"));
    ok!(vfs.chdir("/m/d"));
    ensure_eq!(vfs.getcwd(), "/m/d");
    let f = ok!(vfs.open("f.txt", W));
    ok!(vfs.write(f, b"rel"));
    ok!(vfs.close(f));
    ensure_eq!(ok!(vfs.stat("/m/d/f.txt")).size, 3);
    ensure_eq!(ok!(vfs.stat("../d/./f.txt")).size, 3);
    ensure_eq!(ok!(vfs.stat("/m//d//f.txt")).size, 3);
    // As MicroPython: `//m` is not the mount point `m` (the router matches mount points on the
    // path as written).
    fails!(vfs.stat("//m/d/f.txt"), Errno::ENODEV);
    ensure_eq!(ok!(vfs.listdir(".")), ["f.txt"]);
    ensure_eq!(ok!(vfs.listdir("..")), ["d"]);
    ok!(vfs.chdir(".."));
    ensure_eq!(vfs.getcwd(), "/m");

    ok!(vfs.rename("d/f.txt", "d/f.txt"));
    ensure_eq!(ok!(vfs.stat("d/f.txt")).size, 3);
    fails!(vfs.rename("d", "d/sub"), Errno::EINVAL);
    ok!(vfs.rename("d/f.txt", "./g.txt"));
    fails!(vfs.stat("d/f.txt"), Errno::ENOENT);
    let mut listed = ok!(vfs.listdir("/m"));
    listed.sort();
    ensure_eq!(listed, ["d", "g.txt"]);
    ok!(vfs.chdir("/"));
    let mut fs = ok!(vfs.umount("/m"));
    fails!(fs.stat("/"), Errno::ENODEV);
    Ok(())
}
