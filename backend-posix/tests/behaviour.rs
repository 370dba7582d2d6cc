//! `VfsPosix` call by call, against MicroPython's measured Posix behaviour
//! (`micropython-measured.md` §2) with uvfs's errno policy, and against the host itself.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use uvfs_backend_posix::VfsPosix;
use uvfs_os_api::{Errno, FileType, Filesystem, MountOptions, OpenMode, SeekFrom};
use uvfs_vfs_core::Vfs;

use crate::support::{assert_errno, names, read_file, symlink, write_file};

const R: OpenMode = OpenMode::READ;
const W: OpenMode = OpenMode::WRITE;
const X: OpenMode = OpenMode::CREATE_NEW;

fn mounted(root: &Path) -> VfsPosix {
    let mut fs = VfsPosix::new(Some(root)).unwrap();
    fs.mount(false, false).unwrap();
    fs
}

#[test]
fn measured_table_rows() {
    // micropython-measured.md §2, Posix column, row by row (state carries), with the policy's
    // changes: open(dir, "r") EISDIR, open(existing, "x") EEXIST.
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = mounted(tmp.path());
    fs.mkdir("/d").unwrap();
    assert_errno(fs.mkdir("/d"), Errno::EEXIST);
    assert_errno(fs.mkdir("/missing/x"), Errno::ENOENT);
    write_file(&mut fs, "/f", b"data").unwrap();
    assert_errno(fs.open("/f", X), Errno::EEXIST);
    assert_errno(fs.open("/d", R), Errno::EISDIR);
    assert_errno(fs.open("/d", W), Errno::EISDIR);
    assert_errno(fs.open("/d", X), Errno::EEXIST);
    assert_errno(fs.open("/", R), Errno::EISDIR);
    assert_errno(fs.open("/missing", R), Errno::ENOENT);
    assert_errno(fs.open("/f/x", R), Errno::ENOTDIR);
    assert_errno(fs.open("/f/x", W), Errno::ENOTDIR);
    assert_errno(fs.opendir("/f"), Errno::ENOTDIR);
    assert_errno(fs.remove("/d"), Errno::EISDIR);
    assert_errno(fs.rmdir("/f"), Errno::ENOTDIR);
    write_file(&mut fs, "/d/inner", b"").unwrap();
    assert_errno(fs.rmdir("/d"), Errno::ENOTEMPTY);
    assert_errno(fs.remove("/missing"), Errno::ENOENT);
    write_file(&mut fs, "/g", b"other").unwrap();
    fs.rename("/g", "/f").unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"other");
    assert_errno(fs.rename("/f", "/d"), Errno::EISDIR);
    fs.mkdir("/e").unwrap();
    fs.rename("/e", "/d2").unwrap();
    fs.mkdir("/e").unwrap();
    fs.rename("/d2", "/e").unwrap(); // over an empty directory: replaces it
    assert_errno(fs.rename("/e", "/d"), Errno::ENOTEMPTY);
    assert_errno(fs.rename("/d", "/f"), Errno::ENOTDIR);
    assert_errno(fs.rename("/d", "/d/sub"), Errno::EINVAL);
    assert_errno(fs.rename("/missing", "/x"), Errno::ENOENT);
    let long255 = format!("/{}", "n".repeat(255));
    write_file(&mut fs, &long255, b"long").unwrap();
    assert_eq!(fs.stat(&long255).unwrap().size, 4);
    let long256 = format!("/{}", "n".repeat(256));
    assert_errno(fs.open(&long256, W), Errno::ENAMETOOLONG);
    assert_errno(fs.mkdir(&long256), Errno::ENAMETOOLONG);
    // The root itself, as the kernel answers (it holds entries; unlink of a directory).
    assert_errno(fs.mkdir("/"), Errno::EEXIST);
    assert_errno(fs.rmdir("/"), Errno::ENOTEMPTY);
    assert_errno(fs.remove("/"), Errno::EISDIR);
    assert_errno(fs.rename("/", "/z"), Errno::EINVAL);
    assert_errno(fs.rename("/f", "/"), Errno::EINVAL);
}

#[test]
fn stat_is_the_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = mounted(tmp.path());
    write_file(&mut fs, "/f", &[7; 1234]).unwrap();
    fs.mkdir("/d").unwrap();
    fs::set_permissions(tmp.path().join("f"), fs::Permissions::from_mode(0o640)).unwrap();
    for (p, host) in [("/f", tmp.path().join("f")), ("/d", tmp.path().join("d"))] {
        let st = fs.stat(p).unwrap();
        let m = fs::metadata(&host).unwrap();
        assert_eq!(st.mode, m.mode(), "{p}");
        assert_eq!(st.ino, m.ino());
        assert_eq!(st.dev, m.dev());
        assert_eq!(st.nlink, m.nlink());
        assert_eq!((st.uid, st.gid), (m.uid(), m.gid()));
        assert_eq!(st.size, m.size());
        assert_eq!(
            (st.atime, st.mtime, st.ctime),
            (m.atime(), m.mtime(), m.ctime())
        );
    }
    let st = fs.stat("/f").unwrap();
    assert_eq!(st.mode, 0o100640);
    assert_eq!(st.kind(), FileType::File);
    assert_eq!(st.size, 1234);
    assert_eq!(fs.stat("/d").unwrap().kind(), FileType::Dir);
    let root = fs.stat("/").unwrap();
    assert_eq!(root.ino, fs::metadata(tmp.path()).unwrap().ino());
    assert_eq!(root.kind(), FileType::Dir);
    // stat follows a symlink that stays inside.
    symlink("f", tmp.path().join("link"));
    assert_eq!(fs.stat("/link").unwrap().ino, st.ino);
}

#[test]
fn ilistdir_is_the_posix_three_tuple() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = mounted(tmp.path());
    write_file(&mut fs, "/f", b"12345").unwrap();
    fs.mkdir("/d").unwrap();
    symlink("d", tmp.path().join("to_dir"));
    symlink("f", tmp.path().join("to_file"));
    symlink("nowhere", tmp.path().join("dangling"));
    let mut got = Vec::new();
    let h = fs.opendir("/").unwrap();
    while let Some(e) = fs.readdir(h).unwrap() {
        let host = fs::symlink_metadata(tmp.path().join(e.name.as_str())).unwrap();
        assert_eq!(e.inode, host.ino(), "{}", e.name);
        assert_eq!(e.size, None, "Posix entries carry no size");
        got.push((e.name.as_str().to_owned(), e.kind));
    }
    assert_eq!(fs.readdir(h).unwrap(), None);
    fs.closedir(h).unwrap();
    assert_errno(fs.readdir(h), Errno::EBADF);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let want = [
        ("d", FileType::Dir),
        ("dangling", FileType::File),
        ("f", FileType::File),
        ("to_dir", FileType::Dir),
        ("to_file", FileType::File),
    ];
    let want: Vec<_> = want.iter().map(|(n, k)| (n.to_string(), *k)).collect();
    assert_eq!(got, want);
    assert!(names(&mut fs, "/d").unwrap().is_empty());
}

#[test]
fn names_that_are_not_utf8_are_listed_lossily() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = std::ffi::OsStr::from_bytes(b"bad\xffname");
    fs::write(tmp.path().join(raw), b"").unwrap();
    let mut fs = mounted(tmp.path());
    assert_eq!(names(&mut fs, "/").unwrap(), ["bad\u{fffd}name"]);
}

#[test]
fn statvfs_is_the_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = mounted(tmp.path());
    write_file(&mut fs, "/f", b"x").unwrap();
    fs.mkdir("/d").unwrap();
    let host = rustix::fs::statvfs(tmp.path()).unwrap();
    for p in ["/", "/f", "/d"] {
        let st = fs.statvfs(p).unwrap();
        assert_eq!(st.bsize, host.f_bsize, "{p}");
        assert_eq!(st.frsize, host.f_frsize);
        assert_eq!(st.blocks, host.f_blocks);
        assert_eq!(st.files, host.f_files);
        assert_eq!(st.flag, host.f_flag.bits());
        assert_eq!(st.namemax, host.f_namemax);
    }
    assert_errno(fs.statvfs("/missing"), Errno::ENOENT);
}

#[test]
fn files_read_write_seek_truncate() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = mounted(tmp.path());
    let f = fs.open("/f", OpenMode::parse("w+").unwrap()).unwrap();
    assert_eq!(fs.write(f, b"hello world").unwrap(), 11);
    assert_eq!(fs.seek(f, SeekFrom::Start(6)).unwrap(), 6);
    let mut buf = [0; 5];
    assert_eq!(fs.read(f, &mut buf).unwrap(), 5);
    assert_eq!(&buf, b"world");
    assert_eq!(fs.read(f, &mut buf).unwrap(), 0);
    assert_errno(fs.seek(f, SeekFrom::Current(-100)), Errno::EINVAL);
    assert_eq!(fs.seek(f, SeekFrom::End(4)).unwrap(), 15);
    fs.write(f, b"!").unwrap();
    fs.truncate(f, 5).unwrap();
    assert_eq!(fs.seek(f, SeekFrom::Current(0)).unwrap(), 16);
    assert_errno(fs.truncate(f, u64::MAX), Errno::EFBIG);
    fs.flush(f).unwrap();
    fs.close(f).unwrap();
    assert_eq!(fs::read(tmp.path().join("f")).unwrap(), b"hello");

    let a = fs.open("/f", OpenMode::APPEND).unwrap();
    fs.write(a, b" there").unwrap();
    assert_errno(fs.read(a, &mut buf), Errno::EBADF);
    fs.close(a).unwrap();
    let r = fs.open("/f", R).unwrap();
    assert_errno(fs.write(r, b"no"), Errno::EBADF);
    assert_errno(fs.truncate(r, 0), Errno::EBADF);
    fs.close(r).unwrap();
    assert_errno(fs.close(r), Errno::EBADF);
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"hello there");
    // A gap written past the end reads as zeros.
    let g = fs.open("/gap", W).unwrap();
    fs.seek(g, SeekFrom::Start(3)).unwrap();
    fs.write(g, b"x").unwrap();
    fs.close(g).unwrap();
    assert_eq!(read_file(&mut fs, "/gap").unwrap(), b"\0\0\0x");
}

#[test]
fn readonly_mount_refuses_every_change() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("f"), b"ro").unwrap();
    fs::create_dir(tmp.path().join("d")).unwrap();
    fs::write(tmp.path().join("d/g"), b"g").unwrap();
    let mut fs = VfsPosix::new(Some(tmp.path())).unwrap();
    fs.mount(true, false).unwrap();
    for mode in ["w", "w+", "a", "a+", "r+", "x", "x+"] {
        let mode = OpenMode::parse(mode).unwrap();
        assert_errno(fs.open("/f", mode), Errno::EROFS);
        assert_errno(fs.open("/new", mode), Errno::EROFS);
        assert_errno(fs.open("/d", mode), Errno::EROFS);
    }
    assert_errno(fs.mkdir("/x"), Errno::EROFS);
    assert_errno(fs.mkdir("/d"), Errno::EROFS);
    assert_errno(fs.remove("/f"), Errno::EROFS);
    assert_errno(fs.remove("/missing"), Errno::EROFS);
    assert_errno(fs.rmdir("/d"), Errno::EROFS);
    assert_errno(fs.rename("/f", "/h"), Errno::EROFS);
    assert_eq!(read_file(&mut fs, "/d/g").unwrap(), b"g");
    assert_eq!(names(&mut fs, "/").unwrap(), ["d", "f"]);
    fs.sync().unwrap();
    fs.umount().unwrap();
    assert_eq!(fs::read(tmp.path().join("f")).unwrap(), b"ro");
    assert!(!tmp.path().join("new").exists() && !tmp.path().join("x").exists());
}

#[test]
fn mount_state() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = VfsPosix::new(Some(tmp.path())).unwrap();
    assert_eq!(fs.type_name(), "VfsPosix");
    assert!(fs.is_confined());
    assert_eq!(fs.root(), Some(tmp.path()));
    assert_errno(fs.stat("/"), Errno::ENODEV);
    assert_errno(fs.umount(), Errno::ENODEV);
    assert_errno(fs.sync(), Errno::ENODEV);
    fs.mount(false, true).unwrap();
    assert_errno(fs.mount(false, false), Errno::EPERM);
    fs.umount().unwrap();
    // A root that is missing or a file.
    assert_errno(
        VfsPosix::new(Some(&tmp.path().join("missing"))),
        Errno::ENOENT,
    );
    fs::write(tmp.path().join("file"), b"").unwrap();
    assert_errno(
        VfsPosix::new(Some(&tmp.path().join("file"))),
        Errno::ENOTDIR,
    );
}

#[test]
fn the_root_is_pinned_when_made() {
    // The root is opened once: renaming it on the host moves the jail with it, and a new
    // directory under the old name is not seen.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("mine"), b"1").unwrap();
    let mut fs = mounted(&root);
    fs::rename(&root, tmp.path().join("moved")).unwrap();
    fs::create_dir(&root).unwrap();
    fs::write(root.join("impostor"), b"2").unwrap();
    assert_eq!(names(&mut fs, "/").unwrap(), ["mine"]);
    write_file(&mut fs, "/new", b"3").unwrap();
    assert!(tmp.path().join("moved/new").exists());
    assert!(!root.join("new").exists());
}

#[test]
fn paths_and_getcwd_through_the_router() {
    // vfs_posix_paths: the router keeps the cwd; the backend sees absolute paths.
    let tmp = tempfile::tempdir().unwrap();
    let mut vfs = Vfs::new();
    let posix = VfsPosix::new(Some(tmp.path())).unwrap();
    vfs.mount(Box::new(posix), "/posix", MountOptions::default())
        .unwrap();
    vfs.chdir("/posix").unwrap();
    assert_eq!(vfs.getcwd(), "/posix");
    vfs.mkdir("sub").unwrap();
    vfs.chdir("sub").unwrap();
    assert_eq!(vfs.getcwd(), "/posix/sub");
    let f = vfs.open("a.txt", W).unwrap();
    vfs.write(f, b"relative").unwrap();
    vfs.close(f).unwrap();
    assert_eq!(fs::read(tmp.path().join("sub/a.txt")).unwrap(), b"relative");
    vfs.mkdir("./two//").unwrap();
    assert!(tmp.path().join("sub/two").is_dir());
    vfs.chdir("..").unwrap();
    assert_eq!(vfs.getcwd(), "/posix");
    assert_eq!(vfs.listdir("sub").unwrap().len(), 2);
    let entries = vfs.ilistdir_all("/posix/sub").unwrap();
    assert!(entries.iter().all(|e| e.inode != 0 && e.size.is_none()));
    vfs.rename("sub/a.txt", "/posix/b.txt").unwrap();
    assert_eq!(vfs.stat("/posix/b.txt").unwrap().size, 8);
    assert_eq!(vfs.statvfs("/posix").unwrap().namemax, 255);
    vfs.umount("/posix").unwrap();
    assert_eq!(vfs.getcwd(), "/");
}

#[test]
fn root_none_is_the_whole_host() {
    // VfsPosix() in MicroPython: host paths as they are, symlinks followed wherever they go.
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().to_str().unwrap().to_owned();
    fs::write(tmp.path().join("f"), b"host file").unwrap();
    fs::create_dir(tmp.path().join("d")).unwrap();
    symlink(tmp.path().join("f"), tmp.path().join("d/abs_link"));
    let mut fs = VfsPosix::new(None).unwrap();
    assert!(!fs.is_confined());
    assert_eq!(fs.root(), None);
    fs.mount(false, false).unwrap();
    assert_eq!(
        read_file(&mut fs, &format!("{base}/f")).unwrap(),
        b"host file"
    );
    assert_eq!(
        read_file(&mut fs, &format!("{base}/d/abs_link")).unwrap(),
        b"host file"
    );
    assert_eq!(names(&mut fs, &format!("{base}/d")).unwrap(), ["abs_link"]);
    write_file(&mut fs, &format!("{base}/d/new"), b"made").unwrap();
    assert_eq!(fs::read(tmp.path().join("d/new")).unwrap(), b"made");
    fs.rename(&format!("{base}/d/new"), &format!("{base}/renamed"))
        .unwrap();
    fs.remove(&format!("{base}/renamed")).unwrap();
    fs.mkdir(&format!("{base}/e")).unwrap();
    fs.rmdir(&format!("{base}/e")).unwrap();
    assert_eq!(fs.stat("/").unwrap().ino, fs::metadata("/").unwrap().ino());
    assert_eq!(
        fs.stat(&format!("{base}/f")).unwrap().ino,
        fs::metadata(tmp.path().join("f")).unwrap().ino()
    );
    assert!(fs.statvfs(&base).unwrap().blocks > 0);
    assert_errno(fs.open(&base, R), Errno::EISDIR);
    assert_errno(fs.open(&format!("{base}/missing"), R), Errno::ENOENT);
    // Paths go to the host as written: the kernel resolves `..` (and finds no `x`).
    assert_errno(fs.open(&format!("{base}/../x/.."), R), Errno::ENOENT);
    fs.umount().unwrap();
}

#[test]
fn sync_and_umount_flush() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fs = mounted(tmp.path());
    let f = fs.open("/f", W).unwrap();
    fs.write(f, b"durable").unwrap();
    fs.sync().unwrap();
    let d = fs.opendir("/").unwrap();
    fs.umount().unwrap();
    // Everything was closed by umount.
    fs.mount(false, false).unwrap();
    assert_errno(fs.close(f), Errno::EBADF);
    assert_errno(fs.closedir(d), Errno::EBADF);
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"durable");
}
