//! MicroPython's mount-table behaviour (spec `micropython-measured.md` §1), on `MemFs`.

use uvfs_os_api::{BoxedFilesystem, Errno, FileType, MountOptions, OpenMode, SeekFrom, Stat};
use uvfs_vfs_core::Vfs;

fn memfs() -> BoxedFilesystem {
    Box::new(uvfs_testkit::MemFs::new())
}

fn ro() -> MountOptions {
    MountOptions {
        readonly: true,
        mkfs: false,
    }
}

fn touch(vfs: &mut Vfs, path: &str, data: &[u8]) {
    let f = vfs.open(path, OpenMode::WRITE).unwrap();
    assert_eq!(vfs.write(f, data).unwrap(), data.len());
    vfs.close(f).unwrap();
}

fn names(vfs: &mut Vfs, path: &str) -> Vec<String> {
    vfs.listdir(path).unwrap()
}

#[test]
fn mount_points_are_listed_at_the_virtual_root() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/rom", MountOptions::default()).unwrap();
    assert_eq!(names(&mut vfs, "/"), ["rom"]);
    let entries = vfs.ilistdir_all("/").unwrap();
    assert_eq!(entries[0].kind, FileType::Dir);
    assert_eq!((entries[0].inode, entries[0].size), (0, None));
}

#[test]
fn mounting_twice_at_one_point_is_eperm() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    assert_eq!(
        vfs.mount(memfs(), "/a", MountOptions::default())
            .unwrap_err(),
        Errno::EPERM
    );
    assert_eq!(
        vfs.mount(memfs(), "/a/", MountOptions::default())
            .unwrap_err(),
        Errno::EPERM
    );
}

#[test]
fn trailing_slash_mount_point_is_normalised() {
    // MicroPython keeps '/b/' literally and lists 'b/'; uvfs normalises (README deviation table).
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/b/", MountOptions::default()).unwrap();
    assert_eq!(vfs.mounts()[0].path, "/b");
    assert_eq!(names(&mut vfs, "/"), ["b"]);
}

#[test]
fn mount_info_in_mount_order() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/z", MountOptions::default()).unwrap();
    vfs.mount(memfs(), "/a", ro()).unwrap();
    let m = vfs.mounts();
    assert_eq!((m[0].path.as_str(), m[0].readonly), ("/z", false));
    assert_eq!((m[1].path.as_str(), m[1].readonly), ("/a", true));
    assert_eq!(
        m[0].type_name,
        uvfs_os_api::Filesystem::type_name(&uvfs_testkit::MemFs::new())
    );
}

#[test]
fn virtual_root_and_mount_points_stat_as_bare_dirs() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    assert_eq!(vfs.stat("/").unwrap(), Stat::DIR);
    assert_eq!(vfs.stat("/a").unwrap().kind(), FileType::Dir);
}

#[test]
fn paths_outside_every_mount_are_enodev() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    assert_eq!(vfs.stat("/zz").unwrap_err(), Errno::ENODEV);
    assert_eq!(vfs.mkdir("/zz").unwrap_err(), Errno::ENODEV);
    assert_eq!(vfs.open("/zz", OpenMode::WRITE).unwrap_err(), Errno::ENODEV);
    assert_eq!(vfs.remove("/zz").unwrap_err(), Errno::ENODEV);
    assert_eq!(vfs.stat("/ab").unwrap_err(), Errno::ENODEV);
}

#[test]
fn mount_point_itself_mkdir_eexist_rmdir_einval() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    assert_eq!(vfs.mkdir("/a").unwrap_err(), Errno::EEXIST);
    assert_eq!(vfs.rmdir("/a").unwrap_err(), Errno::EINVAL);
    // MicroPython: mkdir of the virtual root is EEXIST, opening it EPERM.
    assert_eq!(vfs.mkdir("/").unwrap_err(), Errno::EEXIST);
    assert_eq!(vfs.open("/", OpenMode::READ).unwrap_err(), Errno::EPERM);
}

#[test]
fn chdir_getcwd_and_relative_paths() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    vfs.mount(memfs(), "/b", MountOptions::default()).unwrap();
    vfs.chdir("/a").unwrap();
    assert_eq!(vfs.getcwd(), "/a");
    vfs.mkdir("d").unwrap();
    vfs.chdir("d").unwrap();
    assert_eq!(vfs.getcwd(), "/a/d");
    vfs.chdir("..").unwrap();
    assert_eq!(vfs.getcwd(), "/a");
    // `..` does not climb out of a mount: this looks for b inside /a.
    assert_eq!(vfs.chdir("../b").unwrap_err(), Errno::ENOENT);
    assert_eq!(names(&mut vfs, "."), ["d"]);
    touch(&mut vfs, "d/f", b"x");
    assert_eq!(vfs.stat("/a/d/f").unwrap().size, 1);
    // The littlefs wrapper's chdir (the default): anything but a directory is ENOENT.
    assert_eq!(vfs.chdir("d/f").unwrap_err(), Errno::ENOENT);
    assert_eq!(vfs.chdir("/nowhere").unwrap_err(), Errno::ENODEV);
    vfs.chdir("/").unwrap();
    assert_eq!(vfs.getcwd(), "/");
}

#[test]
fn rename_across_mounts_is_eperm() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    vfs.mount(memfs(), "/b", MountOptions::default()).unwrap();
    vfs.mkdir("/a/d").unwrap();
    assert_eq!(vfs.rename("/a/d", "/b/d").unwrap_err(), Errno::EPERM);
    assert_eq!(vfs.stat("/a/d").unwrap().kind(), FileType::Dir);
}

#[test]
fn umount_moves_cwd_to_root_and_invalidates_handles() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    vfs.mkdir("/a/d").unwrap();
    vfs.chdir("/a/d").unwrap();
    let f = vfs.open("/a/x", OpenMode::WRITE).unwrap();
    let d = vfs.ilistdir("/a").unwrap();
    let fs = vfs.umount("/a").unwrap();
    drop(fs);
    assert_eq!(vfs.getcwd(), "/");
    assert_eq!(vfs.write(f, b"x").unwrap_err(), Errno::EBADF);
    assert_eq!(vfs.readdir(d).unwrap_err(), Errno::EBADF);
    assert_eq!(vfs.open_files(), 0);
    assert_eq!(
        vfs.umount("/a").err().map(|e| e.errno()),
        Some(Errno::EINVAL)
    );
}

#[test]
fn umount_gives_the_filesystem_back_with_its_data() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    touch(&mut vfs, "/a/keep", b"data");
    let fs = vfs.umount("/a").unwrap();
    vfs.mount(fs, "/again", MountOptions::default()).unwrap();
    assert_eq!(vfs.stat("/again/keep").unwrap().size, 4);
}

#[test]
fn readonly_mount_refuses_changes_at_once() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/w", MountOptions::default()).unwrap();
    touch(&mut vfs, "/w/f", b"x");
    let fs = vfs.umount("/w").unwrap();
    vfs.mount(fs, "/r", ro()).unwrap();
    assert_eq!(vfs.mkdir("/r/x").unwrap_err(), Errno::EROFS);
    assert_eq!(vfs.remove("/r/f").unwrap_err(), Errno::EROFS);
    assert_eq!(vfs.rename("/r/f", "/r/g").unwrap_err(), Errno::EROFS);
    assert_eq!(vfs.open("/r/f", OpenMode::WRITE).unwrap_err(), Errno::EROFS);
    assert_eq!(
        vfs.open("/r/f", OpenMode::APPEND).unwrap_err(),
        Errno::EROFS
    );
    let f = vfs.open("/r/f", OpenMode::READ).unwrap();
    let mut b = [0u8; 4];
    assert_eq!(vfs.read(f, &mut b).unwrap(), 1);
    vfs.close(f).unwrap();
}

#[test]
fn root_mount_lists_its_entries_plus_mount_points() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/r", MountOptions::default()).unwrap();
    vfs.mount(memfs(), "/", MountOptions::default()).unwrap();
    vfs.mkdir("/d").unwrap();
    let mut n = names(&mut vfs, "/");
    n.sort();
    assert_eq!(n, ["d", "r"]);
    // /r is the mounted filesystem's root, not a directory of the root filesystem.
    touch(&mut vfs, "/r/inside", b"1");
    assert_eq!(names(&mut vfs, "/r"), ["inside"]);
    // As MicroPython: the mount points first, then the root filesystem's own entries, a
    // directory of the same name as a mount point included (it is listed, not reachable).
    vfs.umount("/r").unwrap();
    vfs.mkdir("/r").unwrap();
    vfs.mount(memfs(), "/r", MountOptions::default()).unwrap();
    assert_eq!(names(&mut vfs, "/"), ["r", "d", "r"]);
}

#[test]
fn nested_mounts_are_eperm_except_under_root() {
    // As MicroPython: a mount point inside another mount is refused, unless that mount is at /.
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    assert_eq!(
        vfs.mount(memfs(), "/a/b", MountOptions::default())
            .unwrap_err(),
        Errno::EPERM
    );
    vfs.mount(memfs(), "/", MountOptions::default()).unwrap();
    vfs.mount(memfs(), "/r/s", MountOptions::default()).unwrap();
    touch(&mut vfs, "/r/s/c", b"c");
    assert_eq!(names(&mut vfs, "/r/s"), ["c"]);
    // The filesystem at / stays last in the table, so /a and /r/s are found first.
    let points: Vec<String> = vfs.mounts().into_iter().map(|m| m.path).collect();
    assert_eq!(points, ["/a", "/r/s", "/"]);
    vfs.chdir("/r/s").unwrap();
    vfs.chdir("..").unwrap();
    assert_eq!(
        vfs.getcwd(),
        "/r/s",
        "`..` is the backend's: MemFs stays at its root"
    );
}

#[test]
fn paths_reach_the_backend_as_spelled() {
    // The router cuts the mount point off and passes the rest as written; MemFs resolves it
    // lexically (other backends as their engines do: see tests/micropython.rs at the root).
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    vfs.mkdir("/a///d/").unwrap();
    touch(&mut vfs, "/a/./d/../d//f", b"12");
    assert_eq!(vfs.stat("/a/d/f/..").unwrap().kind(), FileType::Dir);
    assert_eq!(vfs.stat("/a/d/f").unwrap().size, 2);
    assert_eq!(vfs.stat("/a/d/f/").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(
        vfs.open("/a/d/f/", OpenMode::READ).unwrap_err(),
        Errno::ENOTDIR
    );
    assert_eq!(
        vfs.open("/a/d/", OpenMode::READ).unwrap_err(),
        Errno::EISDIR
    );
    assert_eq!(
        vfs.open("/a/new/", OpenMode::WRITE).unwrap_err(),
        Errno::EISDIR
    );
    // `//a` is not the mount point `a` (MicroPython matches the path as written).
    assert_eq!(vfs.stat("//a/d").unwrap_err(), Errno::ENODEV);
    assert_eq!(vfs.stat("/./a/d").unwrap_err(), Errno::ENODEV);
    // "" at the virtual root is the virtual root.
    assert_eq!(vfs.stat("").unwrap(), Stat::DIR);
    assert_eq!(
        vfs.stat(&format!("/a/{}", "n".repeat(256))).unwrap_err(),
        Errno::ENAMETOOLONG
    );
}

#[test]
fn rename_rules() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    vfs.mkdir("/a/d").unwrap();
    vfs.mkdir("/a/d/sub").unwrap();
    touch(&mut vfs, "/a/f", b"f");
    assert_eq!(vfs.rename("/a/d", "/a/d/sub/x").unwrap_err(), Errno::EINVAL);
    vfs.rename("/a/f", "/a/f").unwrap();
    assert_eq!(vfs.stat("/a/f").unwrap().size, 1, "rename(x, x) keeps x");
    assert_eq!(
        vfs.rename("/a/missing", "/a/missing").unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(vfs.rename("/a", "/a/z").unwrap_err(), Errno::EINVAL);
}

#[test]
fn files_through_the_router() {
    let mut vfs = Vfs::new();
    vfs.mount(memfs(), "/a", MountOptions::default()).unwrap();
    let f = vfs.open("/a/f", OpenMode::parse("w+b").unwrap()).unwrap();
    vfs.write(f, b"hello world").unwrap();
    assert_eq!(vfs.seek(f, SeekFrom::Start(6)).unwrap(), 6);
    let mut buf = [0u8; 5];
    assert_eq!(vfs.read(f, &mut buf).unwrap(), 5);
    assert_eq!(&buf, b"world");
    vfs.truncate(f, 5).unwrap();
    vfs.flush(f).unwrap();
    vfs.close(f).unwrap();
    assert_eq!(vfs.close(f).unwrap_err(), Errno::EBADF);
    assert_eq!(vfs.stat("/a/f").unwrap().size, 5);
    vfs.sync().unwrap();
}

#[test]
fn uname_urandom_and_statvfs() {
    let mut vfs = Vfs::new();
    assert_eq!(vfs.uname().sysname, "uvfs");
    vfs.set_uname(uvfs_vfs_core::UnameFields {
        machine: "pyboard".into(),
        ..Default::default()
    });
    assert_eq!(vfs.uname().machine, "pyboard");
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    vfs.urandom(&mut a).unwrap();
    vfs.urandom(&mut b).unwrap();
    assert_ne!(a, b);
    vfs.urandom(&mut []).unwrap();
    // MicroPython: zeros and its path buffer's size as namemax.
    assert_eq!(
        vfs.statvfs("/").unwrap().to_tuple(),
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 4096]
    );
    vfs.mount(memfs(), "/", MountOptions::default()).unwrap();
    assert!(vfs.statvfs("/").unwrap().blocks > 0);
}
