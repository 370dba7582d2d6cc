use uvfs_os_api::{
    Errno, FileType, Filesystem, FixedTime, MountOptions, OpenMode, SeekFrom, Timestamp,
};
use uvfs_testkit::{MemFs, Profile, MEMFS_BLOCK_SIZE, MEMFS_DEFAULT_BLOCKS};
use uvfs_vfs_core::Vfs;

fn mounted(profile: Profile) -> MemFs {
    let mut fs = MemFs::with_profile(profile);
    fs.mount(false, false).unwrap();
    fs
}

fn put(fs: &mut MemFs, path: &str, data: &[u8]) {
    let f = fs.open(path, OpenMode::WRITE).unwrap();
    assert_eq!(fs.write(f, data).unwrap(), data.len());
    fs.close(f).unwrap();
}

fn get(fs: &mut MemFs, path: &str) -> Vec<u8> {
    let f = fs.open(path, OpenMode::READ).unwrap();
    let mut buf = vec![0; 1 << 16];
    let n = fs.read(f, &mut buf).unwrap();
    fs.close(f).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn mount_states() {
    let mut fs = MemFs::new();
    assert_eq!(fs.mounted(), None);
    assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
    fs.mount(true, false).unwrap();
    assert_eq!(fs.mounted(), Some(true));
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::EPERM);
    assert_eq!(fs.format().unwrap_err(), Errno::EBUSY);
    fs.umount().unwrap();
    assert_eq!(fs.umount().unwrap_err(), Errno::ENODEV);

    let mut blank = MemFs::unformatted(Profile::Fat);
    assert_eq!(blank.mount(false, false).unwrap_err(), Errno::ENODEV);
    blank.mount(false, true).unwrap();
    put(&mut blank, "/f", b"x");
    blank.umount().unwrap();
    blank.format().unwrap();
    blank.mount(false, false).unwrap();
    assert_eq!(blank.stat("/f").unwrap_err(), Errno::ENOENT);
}

#[test]
fn paths_are_resolved_lexically() {
    let mut fs = mounted(Profile::Mem);
    // Relative paths and NULs never resolve.
    for bad in ["", "a", "/a\0b"] {
        assert_eq!(fs.stat(bad).unwrap_err(), Errno::EINVAL, "{bad:?}");
        assert_eq!(
            fs.open(bad, OpenMode::WRITE).unwrap_err(),
            Errno::EINVAL,
            "{bad:?}"
        );
        assert_eq!(fs.mkdir(bad).unwrap_err(), Errno::EINVAL, "{bad:?}");
    }
    // `//`, `.` and `..` fold away; a trailing slash needs a directory.
    fs.mkdir("//d/./e/../").unwrap();
    assert_eq!(fs.stat("/d").unwrap().kind(), FileType::Dir);
    put(&mut fs, "/d/../f", b"x");
    assert_eq!(fs.stat("//f").unwrap().size, 1);
    assert_eq!(fs.stat("/f/").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(fs.stat("/d/").unwrap().kind(), FileType::Dir);
    let long = format!("/{}", "n".repeat(256));
    assert_eq!(
        fs.open(&long, OpenMode::WRITE).unwrap_err(),
        Errno::ENAMETOOLONG
    );
    assert_eq!(fs.rename("/x", &long).unwrap_err(), Errno::ENAMETOOLONG);
    let ok = format!("/{}", "n".repeat(255));
    put(&mut fs, &ok, b"fine");
    assert_eq!(get(&mut fs, &ok), b"fine");
}

#[test]
fn root_cannot_be_changed() {
    let mut fs = mounted(Profile::Mem);
    assert_eq!(fs.mkdir("/").unwrap_err(), Errno::EEXIST);
    assert_eq!(fs.rmdir("/").unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.remove("/").unwrap_err(), Errno::EINVAL);
    fs.mkdir("/d").unwrap();
    assert_eq!(fs.rename("/", "/d/x").unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.rename("/d", "/").unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.open("/", OpenMode::READ).unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.stat("/").unwrap().kind(), FileType::Dir);
}

#[test]
fn rename_to_itself_and_into_own_subtree() {
    let mut fs = mounted(Profile::Lfs1);
    put(&mut fs, "/x", b"kept");
    fs.rename("/x", "/x").unwrap();
    assert_eq!(get(&mut fs, "/x"), b"kept");
    fs.mkdir("/d").unwrap();
    fs.mkdir("/d/e").unwrap();
    // littlefs v1 replaces the target, itself: a non-empty directory refuses (MicroPython).
    assert_eq!(fs.rename("/d", "/d").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.rename("/d", "/d/e/f").unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.rename("/d", "/d/e").unwrap_err(), Errno::EINVAL);
    assert_eq!(
        fs.rename("/missing", "/missing").unwrap_err(),
        Errno::ENOENT
    );
    // A sibling with a common prefix is not inside.
    fs.rename("/d", "/dd").unwrap();
    assert_eq!(fs.stat("/dd/e").unwrap().kind(), FileType::Dir);
}

#[test]
fn every_open_mode() {
    let mut fs = mounted(Profile::Mem);
    let m = |s: &str| OpenMode::parse(s).unwrap();
    put(&mut fs, "/f", b"0123456789");

    let f = fs.open("/f", m("r+")).unwrap();
    fs.seek(f, SeekFrom::Start(2)).unwrap();
    fs.write(f, b"ab").unwrap();
    let mut buf = [0; 3];
    assert_eq!(fs.read(f, &mut buf).unwrap(), 3);
    assert_eq!(&buf, b"456");
    fs.close(f).unwrap();
    assert_eq!(get(&mut fs, "/f"), b"01ab456789");

    let f = fs.open("/f", m("a+")).unwrap();
    assert_eq!(
        fs.seek(f, SeekFrom::Current(0)).unwrap(),
        10,
        "a+ starts at the end"
    );
    fs.seek(f, SeekFrom::Start(0)).unwrap();
    fs.write(f, b"Z").unwrap();
    assert_eq!(fs.seek(f, SeekFrom::Current(0)).unwrap(), 11);
    fs.close(f).unwrap();
    assert_eq!(get(&mut fs, "/f"), b"01ab456789Z");

    let f = fs.open("/f", m("w+")).unwrap();
    assert_eq!(fs.read(f, &mut buf).unwrap(), 0);
    fs.close(f).unwrap();
    assert_eq!(fs.stat("/f").unwrap().size, 0);

    assert_eq!(fs.open("/f", m("x+")).unwrap_err(), Errno::EEXIST);
    let f = fs.open("/g", m("x+")).unwrap();
    fs.write(f, b"new").unwrap();
    fs.seek(f, SeekFrom::Start(0)).unwrap();
    assert_eq!(fs.read(f, &mut buf).unwrap(), 3);
    fs.close(f).unwrap();

    let nothing = OpenMode {
        read: false,
        ..OpenMode::READ
    };
    assert_eq!(fs.open("/g", nothing).unwrap_err(), Errno::EINVAL);
}

#[test]
fn seek_past_end_fills_zeros_only_when_written() {
    let mut fs = mounted(Profile::Mem);
    let f = fs.open("/s", OpenMode::parse("w+").unwrap()).unwrap();
    assert_eq!(fs.seek(f, SeekFrom::Start(1000)).unwrap(), 1000);
    fs.flush(f).unwrap();
    assert_eq!(fs.stat("/s").unwrap().size, 0);
    fs.write(f, b"end").unwrap();
    assert_eq!(fs.stat("/s").unwrap().size, 1003);
    assert_eq!(fs.seek(f, SeekFrom::End(0)).unwrap(), 1003);
    assert_eq!(
        fs.seek(f, SeekFrom::Start(u64::MAX)).unwrap_err(),
        Errno::EINVAL
    );
    fs.close(f).unwrap();
    let data = get(&mut fs, "/s");
    assert!(data[..1000].iter().all(|&b| b == 0));
    assert_eq!(&data[1000..], b"end");
}

#[test]
fn listing_is_sorted_and_a_snapshot() {
    let mut fs = mounted(Profile::Mem);
    for name in ["/b", "/a", "/c"] {
        put(&mut fs, name, name.as_bytes());
    }
    fs.mkdir("/0dir").unwrap();
    let d = fs.opendir("/").unwrap();
    fs.remove("/c").unwrap();
    let mut seen = Vec::new();
    while let Some(e) = fs.readdir(d).unwrap() {
        seen.push((e.name.to_string(), e.kind, e.size, e.inode));
    }
    fs.closedir(d).unwrap();
    assert_eq!(
        seen,
        [
            ("0dir".to_string(), FileType::Dir, Some(0), 0),
            ("a".to_string(), FileType::File, Some(2), 0),
            ("b".to_string(), FileType::File, Some(2), 0),
            ("c".to_string(), FileType::File, Some(2), 0),
        ]
    );
}

#[test]
fn profiles_shape_stat_and_listings() {
    let mut posix = mounted(Profile::Posix);
    put(&mut posix, "/f", b"abc");
    posix.mkdir("/d").unwrap();
    let st = posix.stat("/f").unwrap();
    assert_eq!(st.mode, 0o100644);
    assert_eq!(st.kind(), FileType::File);
    assert_ne!(st.ino, 0);
    assert_eq!(posix.stat("/d").unwrap().mode, 0o040755);
    let d = posix.opendir("/").unwrap();
    while let Some(e) = posix.readdir(d).unwrap() {
        assert_eq!(e.size, None);
        assert_ne!(e.inode, 0);
    }
    posix.closedir(d).unwrap();

    let mut lfs1 = mounted(Profile::Lfs1);
    put(&mut lfs1, "/f", b"abc");
    let st = lfs1.stat("/f").unwrap();
    assert_eq!((st.mode, st.size, st.mtime, st.ino), (0x8000, 3, 0, 0));

    let mut fat =
        MemFs::with_profile(Profile::Fat).with_clock(FixedTime(Timestamp::from_secs(1234)));
    fat.mount(false, false).unwrap();
    put(&mut fat, "/f", b"abc");
    let st = fat.stat("/f").unwrap();
    assert_eq!((st.atime, st.mtime, st.ctime), (1234, 1234, 1234));
    assert_eq!(fat.stat("/").unwrap().mode, 0x4000);
}

#[test]
fn statvfs_counts_blocks() {
    let mut fs = mounted(Profile::Mem);
    let s = fs.statvfs("/").unwrap();
    assert_eq!((s.bsize, s.frsize), (MEMFS_BLOCK_SIZE, MEMFS_BLOCK_SIZE));
    assert_eq!(
        (s.blocks, s.bfree, s.bavail, s.namemax),
        (
            MEMFS_DEFAULT_BLOCKS,
            MEMFS_DEFAULT_BLOCKS,
            MEMFS_DEFAULT_BLOCKS,
            255
        )
    );
    put(&mut fs, "/f", &[1; 513]);
    assert_eq!(fs.statvfs("/").unwrap().bfree, MEMFS_DEFAULT_BLOCKS - 2);
    assert_eq!(fs.used_blocks(), 2);

    let mut small = MemFs::new().with_capacity(4);
    small.mount(false, false).unwrap();
    let f = small.open("/f", OpenMode::WRITE).unwrap();
    assert_eq!(small.write(f, &[0; 3000]).unwrap(), 2048);
    assert_eq!(small.write(f, &[0; 1]).unwrap_err(), Errno::ENOSPC);
    small.close(f).unwrap();
    assert_eq!(small.open("/g", OpenMode::WRITE).map(|_| ()), Ok(()));
    small.remove("/f").unwrap();
    assert_eq!(small.statvfs("/").unwrap().bfree, 4);
}

#[test]
fn readonly_refuses_changes_at_open() {
    let mut fs = mounted(Profile::Lfs2);
    put(&mut fs, "/f", b"data");
    fs.umount().unwrap();
    fs.mount(true, false).unwrap();
    for mode in ["w", "a", "r+", "x", "w+"] {
        assert_eq!(
            fs.open("/f", OpenMode::parse(mode).unwrap()).unwrap_err(),
            Errno::EROFS,
            "{mode}"
        );
    }
    assert_eq!(fs.mkdir("/d").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.rename("/f", "/g").unwrap_err(), Errno::EROFS);
    assert_eq!(get(&mut fs, "/f"), b"data");
}

#[test]
fn umount_closes_and_frees_removed_files() {
    let mut fs = mounted(Profile::Mem);
    let f = fs.open("/f", OpenMode::WRITE).unwrap();
    fs.write(f, &[5; 2000]).unwrap();
    fs.remove("/f").unwrap();
    assert_eq!(fs.used_blocks(), 4);
    assert_eq!(fs.open_files(), 1);
    fs.umount().unwrap();
    assert_eq!(fs.used_blocks(), 0);
    fs.mount(false, false).unwrap();
    assert_eq!(fs.open_files(), 0);
    assert_eq!(fs.write(f, b"x").unwrap_err(), Errno::EBADF);
}

#[test]
fn hundreds_of_open_files() {
    let mut fs = mounted(Profile::Mem);
    let handles: Vec<_> = (0..300)
        .map(|i| fs.open(&format!("/f{i}"), OpenMode::WRITE).unwrap())
        .collect();
    for (i, &h) in handles.iter().enumerate() {
        fs.write(h, format!("{i}").as_bytes()).unwrap();
    }
    for &h in &handles {
        fs.close(h).unwrap();
    }
    assert_eq!(get(&mut fs, "/f299"), b"299");
}

#[test]
fn works_as_a_ram_filesystem_behind_the_router() {
    let mut vfs = Vfs::new();
    vfs.mount(Box::new(MemFs::new()), "/ram", MountOptions::default())
        .unwrap();
    vfs.mkdir("/ram/lib").unwrap();
    let f = vfs.open("/ram/lib/m.py", OpenMode::WRITE).unwrap();
    vfs.write(f, b"x = 1\n").unwrap();
    vfs.close(f).unwrap();
    vfs.chdir("/ram/lib").unwrap();
    assert_eq!(vfs.listdir(".").unwrap(), ["m.py"]);
    assert_eq!(vfs.stat("m.py").unwrap().size, 6);
    let fs = vfs.umount("/ram").unwrap();
    assert_eq!(fs.type_name(), "MemFs");
}
