//! Everyday behaviour: files, directories, MicroPython's measured errnos for `VfsLfs2`, uvfs's
//! stricter policy, modification times, configuration and mount state, the router's cwd.

use uvfs_backend_lfs::lfs2::{DiskVersion, Geometry, Lfs2Config, VfsLfs2, MTIME_ATTR};
use uvfs_os_api::{
    BlockDevice, Errno, FileType, Filesystem, MountOptions, OpenMode, SeekFrom, Stat,
};
use uvfs_testkit::FaultyDevice;
use uvfs_vfs_core::{RamDisk, Vfs};

use crate::lfs2::support::{
    fresh, fresh_with, mounted, names, pattern, read_file, tree, write_file, Clock, Node, T0,
};

fn mode(m: &str) -> OpenMode {
    OpenMode::parse(m).unwrap()
}

#[test]
fn files_and_directories_survive_a_remount() {
    let mut fs = mounted(512, 256);
    fs.mkdir("/d").unwrap();
    write_file(&mut fs, "/d/a.txt", b"hello").unwrap();
    let big = pattern(1, 40_960);
    write_file(&mut fs, "/big", &big).unwrap();
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/d/a.txt").unwrap(), b"hello");
    assert_eq!(read_file(&mut fs, "/big").unwrap(), big);
    // littlefs v2 lists in name order.
    assert_eq!(names(&mut fs, "/").unwrap(), ["big", "d"]);
    let st = fs.stat("/big").unwrap();
    assert_eq!((st.mode, st.size), (0x8000, 40_960));
    assert_eq!(fs.stat("/d").unwrap().mode, 0x4000);
    let t = tree(&mut fs).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t["/d"], Node::Dir);
    assert_eq!(t["/big"], Node::File(big));
    fs.umount().unwrap();
}

#[test]
fn micropython_measured_errnos() {
    // micropython-measured.md §2, LFS2 column, in order (state carries from row to row).
    let mut fs = mounted(512, 256);
    fs.mkdir("/d").unwrap();
    assert_eq!(fs.mkdir("/d").unwrap_err(), Errno::EEXIST);
    assert_eq!(fs.mkdir("/missing/x").unwrap_err(), Errno::ENOENT);
    write_file(&mut fs, "/f", b"data").unwrap();
    assert_eq!(fs.open("/f", mode("x")).unwrap_err(), Errno::EEXIST);
    assert_eq!(fs.open("/d", mode("r")).unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.open("/d", mode("w")).unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.open("/missing", mode("r")).unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.open("/f/x", mode("r")).unwrap_err(), Errno::ENOTDIR);
    let st = fs.stat("/f").unwrap();
    assert_eq!(&st.to_tuple()[..7], &[0x8000, 0, 0, 0, 0, 0, 4]);
    let h = fs.opendir("/").unwrap();
    let mut entries = Vec::new();
    while let Some(e) = fs.readdir(h).unwrap() {
        entries.push((e.name.as_str().to_string(), e.kind, e.inode, e.size));
    }
    fs.closedir(h).unwrap();
    assert_eq!(
        entries,
        [
            ("d".to_string(), FileType::Dir, 0, Some(0)),
            ("f".to_string(), FileType::File, 0, Some(4)),
        ]
    );
    write_file(&mut fs, "/d/inner", b"x").unwrap();
    assert_eq!(fs.remove("/d").unwrap_err(), Errno::ENOTEMPTY);
    fs.rmdir("/f").unwrap(); // removes the file
    assert_eq!(fs.stat("/f").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.rmdir("/d").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.remove("/missing").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.rename("/f", "/g").unwrap_err(), Errno::ENOENT);
    write_file(&mut fs, "/f", b"one").unwrap();
    write_file(&mut fs, "/g", b"two").unwrap();
    fs.rename("/f", "/g").unwrap();
    assert_eq!(read_file(&mut fs, "/g").unwrap(), b"one");
    assert_eq!(fs.rename("/g", "/d").unwrap_err(), Errno::EISDIR);
    fs.mkdir("/e").unwrap();
    fs.mkdir("/empty").unwrap();
    fs.rename("/e", "/empty").unwrap(); // replaces the empty directory
    assert_eq!(fs.stat("/e").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.rename("/empty", "/d").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.rename("/empty", "/g").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(fs.rename("/missing", "/x").unwrap_err(), Errno::ENOENT);
    let long = format!("/{}", "n".repeat(255));
    write_file(&mut fs, &long, b"long").unwrap();
    assert_eq!(read_file(&mut fs, &long).unwrap(), b"long");
    fs.mkdir(&format!("/d/{}", "m".repeat(255))).unwrap();
    let too_long = format!("/{}", "n".repeat(256));
    assert_eq!(
        fs.open(&too_long, mode("w")).unwrap_err(),
        Errno::ENAMETOOLONG
    );
    assert_eq!(fs.mkdir(&too_long).unwrap_err(), Errno::ENAMETOOLONG);
    let s = fs.statvfs("/").unwrap();
    assert_eq!(
        (s.bsize, s.frsize, s.blocks, s.files, s.namemax),
        (512, 512, 256, 0, 255)
    );
    assert!(
        s.bfree == s.bavail && s.bfree < 256 && s.bfree > 200,
        "{s:?}"
    );
    fs.umount().unwrap();
}

#[test]
fn uvfs_is_stricter_than_micropython() {
    let mut fs = mounted(512, 64);
    write_file(&mut fs, "/f", b"abc").unwrap();
    // MicroPython's LFS2 accepts writes through "r" (littlefs's check is an assertion,
    // compiled out) and drops them; uvfs refuses them. Reads through "w"/"a" work in both
    // (measured with the `micropython` command: `open(f, "a").read(1)` gives the first byte).
    let r = fs.open("/f", mode("r")).unwrap();
    assert_eq!(fs.write(r, b"x").unwrap_err(), Errno::EBADF);
    assert_eq!(fs.truncate(r, 0).unwrap_err(), Errno::EBADF);
    fs.close(r).unwrap();
    let a = fs.open("/f", mode("a")).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(a, &mut buf).unwrap(), 3);
    assert_eq!(&buf[..3], b"abc");
    fs.close(a).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"abc");
    // Unknown mode letters never reach the backend: OpenMode::parse refuses them.
    assert_eq!(OpenMode::parse("q").unwrap_err(), Errno::EINVAL);
    assert_eq!(OpenMode::parse("rw").unwrap_err(), Errno::EINVAL);
    // Renaming a directory into itself would lose it in littlefs.
    fs.mkdir("/d").unwrap();
    assert_eq!(fs.rename("/d", "/d/sub").unwrap_err(), Errno::EINVAL);
    fs.rename("/d", "/d").unwrap();
    assert_eq!(fs.stat("/d").unwrap().mode, 0x4000);
    // Paths are read as littlefs 2.11 reads them under MicroPython (see `lfs2/paths.rs`);
    // relative paths and NULs never reach littlefs.
    for (p, want) in [
        ("f", Err(Errno::EINVAL)),
        ("/f\0", Err(Errno::EINVAL)),
        ("/f/", Err(Errno::ENOTDIR)),
        ("/f/.", Err(Errno::ENOTDIR)),
        ("/..", Err(Errno::EINVAL)),
        ("//f", Ok(0x8000)),
        ("/./f", Ok(0x8000)),
        ("/a/../f", Ok(0x8000)),
        ("/f/..", Ok(0x4000)),
    ] {
        assert_eq!(
            fs.stat(p).map(|st| st.mode).map_err(|e| e.errno()),
            want,
            "{p:?}"
        );
    }
    fs.umount().unwrap();
}

#[test]
fn every_open_mode() {
    let mut fs = mounted(512, 64);
    // "w" creates and truncates.
    write_file(&mut fs, "/f", b"0123456789").unwrap();
    let f = fs.open("/f", mode("w")).unwrap();
    fs.write(f, b"ab").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"ab");
    // "a" appends. It starts at 0, as littlefs (and MicroPython's `tell()`) says.
    let f = fs.open("/f", mode("ab")).unwrap();
    assert_eq!(fs.seek(f, SeekFrom::Current(0)).unwrap(), 0);
    fs.write(f, b"cd").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"abcd");
    // "r+" patches in place.
    let f = fs.open("/f", mode("r+b")).unwrap();
    fs.seek(f, SeekFrom::Start(1)).unwrap();
    fs.write(f, b"X").unwrap();
    fs.seek(f, SeekFrom::Start(0)).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(fs.read(f, &mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"aXcd");
    fs.close(f).unwrap();
    // "w+" truncates and reads back.
    let f = fs.open("/f", mode("w+")).unwrap();
    fs.write(f, b"new").unwrap();
    fs.seek(f, SeekFrom::Start(0)).unwrap();
    assert_eq!(fs.read(f, &mut buf).unwrap(), 3);
    fs.close(f).unwrap();
    // "a+" reads anywhere, writes at the end.
    let f = fs.open("/f", mode("a+")).unwrap();
    fs.seek(f, SeekFrom::Start(0)).unwrap();
    assert_eq!(fs.read(f, &mut buf[..1]).unwrap(), 1);
    fs.write(f, b"!").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"new!");
    // Appending after a seek past the end writes there, the gap reading as zeros: littlefs
    // moves an appending write to the end only from before it (as MicroPython does).
    let f = fs.open("/f", mode("a")).unwrap();
    fs.seek(f, SeekFrom::Start(10)).unwrap();
    fs.write(f, b"?").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"new!\0\0\0\0\0\0?");
    let f = fs.open("/f", mode("w")).unwrap();
    fs.write(f, b"new!").unwrap();
    fs.close(f).unwrap();
    // "x" creates a new file only.
    let f = fs.open("/g", mode("x")).unwrap();
    fs.close(f).unwrap();
    assert_eq!(fs.open("/g", mode("x+")).unwrap_err(), Errno::EEXIST);
    assert_eq!(fs.open("/", mode("r")).unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.open("/", mode("x")).unwrap_err(), Errno::EEXIST);
    // Seeking past the end and writing fills with zeros; truncate keeps the position.
    let f = fs.open("/h", mode("w+")).unwrap();
    assert_eq!(fs.seek(f, SeekFrom::Start(5)).unwrap(), 5);
    fs.write(f, b"z").unwrap();
    assert_eq!(fs.seek(f, SeekFrom::End(-1)).unwrap(), 5);
    fs.truncate(f, 2).unwrap();
    assert_eq!(fs.seek(f, SeekFrom::Current(0)).unwrap(), 5);
    fs.truncate(f, 4).unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/h").unwrap(), [0, 0, 0, 0]);
    let f = fs.open("/h", mode("r")).unwrap();
    assert_eq!(
        fs.seek(f, SeekFrom::Current(-1)).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        fs.seek(f, SeekFrom::Start(1 << 31)).unwrap_err(),
        Errno::EINVAL,
        "littlefs files end at 2 GiB - 1"
    );
    fs.close(f).unwrap();
    fs.umount().unwrap();
}

#[test]
fn many_files_open_at_once() {
    let mut fs = mounted(512, 256);
    let handles: Vec<_> = (0..24)
        .map(|i| fs.open(&format!("/f{i}"), mode("w")).unwrap())
        .collect();
    for round in 0..5u64 {
        for (i, &h) in handles.iter().enumerate() {
            let chunk = pattern(round * 100 + i as u64, 50 + i);
            (&mut fs as &mut dyn Filesystem)
                .write_all(h, &chunk)
                .unwrap();
        }
    }
    // Remove a file while others are open; rename one that is open, after flushing it
    // (littlefs detaches an open file that is renamed or removed: what it writes afterwards
    // is never committed, in MicroPython too).
    fs.close(handles[3]).unwrap();
    fs.remove("/f3").unwrap();
    fs.flush(handles[4]).unwrap();
    fs.rename("/f4", "/renamed").unwrap();
    fs.write(handles[4], b"lost").unwrap();
    for (i, &h) in handles.iter().enumerate() {
        if i != 3 {
            fs.close(h).unwrap();
        }
    }
    for i in 0..24u64 {
        let want: Vec<u8> = (0..5u64)
            .flat_map(|round| pattern(round * 100 + i, 50 + i as usize))
            .collect();
        let p = match i {
            3 => {
                assert_eq!(fs.stat("/f3").unwrap_err(), Errno::ENOENT);
                continue;
            }
            4 => "/renamed".to_string(),
            _ => format!("/f{i}"),
        };
        assert_eq!(read_file(&mut fs, &p).unwrap(), want, "{p}");
    }
    fs.umount().unwrap();
}

#[test]
fn umount_flushes_open_files_and_invalidates_handles() {
    let mut fs = mounted(512, 64);
    let f = fs.open("/open", mode("w")).unwrap();
    fs.write(f, b"unflushed").unwrap();
    let d = fs.opendir("/").unwrap();
    fs.umount().unwrap();
    assert_eq!(fs.write(f, b"x").unwrap_err(), Errno::ENODEV);
    fs.mount(false, false).unwrap();
    assert_eq!(fs.write(f, b"x").unwrap_err(), Errno::EBADF);
    assert_eq!(fs.readdir(d).unwrap_err(), Errno::EBADF);
    assert_eq!(read_file(&mut fs, "/open").unwrap(), b"unflushed");
    fs.umount().unwrap();
}

#[test]
fn mount_state_and_configuration() {
    let mut fs = fresh(512, 64);
    assert_eq!(fs.type_name(), "VfsLfs2");
    assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
    assert_eq!(fs.umount().unwrap_err(), Errno::ENODEV);
    assert_eq!(fs.disk_version().unwrap_err(), Errno::ENODEV);
    fs.mount(false, false).unwrap();
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::EPERM);
    assert_eq!(fs.mkfs().unwrap_err(), Errno::EBUSY);
    assert_eq!(fs.disk_version().unwrap(), DiskVersion::V2_1);
    assert_eq!(fs.name_max().unwrap(), 255);
    assert_eq!(*fs.config(), Lfs2Config::default());
    assert_eq!(
        fs.geometry(),
        Geometry {
            block_size: 512,
            block_count: 64,
            read_size: 32,
            prog_size: 32,
            cache_size: 128,
            lookahead_size: 32,
            block_cycles: 100,
        }
    );
    fs.umount().unwrap();
    let dev = fs.into_device();
    assert_eq!(dev.block_count(), 64);

    // Configurations littlefs cannot use are refused before the engine sees them.
    let bad = Lfs2Config {
        read_size: 24,
        prog_size: 16,
        ..Lfs2Config::default()
    };
    assert_eq!(
        VfsLfs2::new(RamDisk::new(512, 64), bad).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        VfsLfs2::new(RamDisk::new(64, 64), Lfs2Config::default()).unwrap_err(),
        Errno::EINVAL
    );

    fn assert_send<T: Send>() {}
    assert_send::<VfsLfs2<RamDisk>>();
}

#[test]
fn mkfs_at_mount_formats_only_what_does_not_mount() {
    // A blank device: littlefs finds no valid metadata (LFS_ERR_CORRUPT, errno 84 as in
    // MicroPython).
    let mut fs = VfsLfs2::new(RamDisk::new_flash(512, 64), Lfs2Config::default()).unwrap();
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::EILSEQ);
    // Read-only never writes, so it does not format either.
    assert_eq!(fs.mount(true, true).unwrap_err(), Errno::EILSEQ);
    fs.mount(false, true).unwrap();
    write_file(&mut fs, "/keep", b"k").unwrap();
    fs.umount().unwrap();
    fs.mount(false, true).unwrap();
    assert_eq!(read_file(&mut fs, "/keep").unwrap(), b"k");
    fs.umount().unwrap();

    // A device that fails is not formatted.
    let mut dev = FaultyDevice::new(RamDisk::new_flash(512, 64));
    dev.fail_reads_of(uvfs_os_api::BlockIdx(0));
    dev.fail_reads_of(uvfs_os_api::BlockIdx(1));
    let faults = dev.faults().clone();
    let mut fs = VfsLfs2::new(dev, Lfs2Config::default()).unwrap();
    assert_eq!(fs.mount(false, true).unwrap_err(), Errno::EIO);
    assert_eq!(faults.stats().mutations(), 0);
}

#[test]
fn an_image_of_another_geometry_does_not_mount() {
    let fs = {
        let mut fs = mounted(512, 64);
        fs.umount().unwrap();
        fs
    };
    let image = fs.into_device().into_bytes();
    // The same bytes on a device that claims more blocks: littlefs refuses the block count.
    let mut bigger = image.clone();
    bigger.resize(512 * 128, 0xff);
    let mut fs = VfsLfs2::new(RamDisk::from_image(bigger, 512), Lfs2Config::default()).unwrap();
    assert_eq!(fs.mount(true, false).unwrap_err(), Errno::EINVAL);
    // Read as 1024-byte blocks: no superblock where littlefs looks.
    let mut fs = VfsLfs2::new(RamDisk::from_image(image, 1024), Lfs2Config::default()).unwrap();
    assert!(fs.mount(true, false).is_err());
}

#[test]
fn read_only_mounts_refuse_changes_and_never_write() {
    let mut fs = mounted(512, 64);
    write_file(&mut fs, "/f", b"ro").unwrap();
    fs.mkdir("/d").unwrap();
    fs.umount().unwrap();
    let dev = FaultyDevice::new(fs.into_device());
    let faults = dev.faults().clone();
    let mut fs = VfsLfs2::new(dev, Lfs2Config::default()).unwrap();
    fs.mount(true, false).unwrap();
    for m in ["w", "w+", "a", "a+", "r+", "x"] {
        assert_eq!(fs.open("/f", mode(m)).unwrap_err(), Errno::EROFS, "{m}");
    }
    assert_eq!(fs.open("/new", mode("w")).unwrap_err(), Errno::EROFS);
    assert_eq!(fs.mkdir("/x").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.remove("/f").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.rmdir("/d").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.rename("/f", "/g").unwrap_err(), Errno::EROFS);
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"ro");
    assert_eq!(names(&mut fs, "/").unwrap(), ["d", "f"]);
    fs.stat("/f").unwrap();
    fs.statvfs("/").unwrap();
    fs.sync().unwrap();
    fs.umount().unwrap();
    let s = faults.stats();
    assert!(s.reads > 0);
    assert_eq!((s.writes, s.erases), (0, 0), "{s:?}");
}

/// A flash device that also checks littlefs erases before it programs.
fn checked_flash(bs: u32, bc: u32) -> FaultyDevice<RamDisk> {
    let mut dev = FaultyDevice::new(RamDisk::new_flash(bs, bc));
    dev.check_flash_rules(true);
    dev
}

#[test]
fn littlefs_erases_before_programming() {
    let mut fs = VfsLfs2::new(checked_flash(512, 128), Lfs2Config::default()).unwrap();
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    for i in 0..30u64 {
        write_file(
            &mut fs,
            &format!("/f{}", i % 7),
            &pattern(i, 700 + i as usize * 31),
        )
        .unwrap();
    }
    fs.umount().unwrap();
    let s = fs.device().stats();
    assert_eq!(s.refused, 0, "{s:?}");
}

fn stat_mtime(fs: &mut dyn Filesystem, p: &str) -> i64 {
    let st: Stat = fs.stat(p).unwrap();
    assert_eq!(st.atime, st.mtime);
    assert_eq!(st.ctime, st.mtime);
    st.mtime
}

#[test]
fn mtime_follows_micropython() {
    let clock = Clock::at(1_000_000);
    let mut fs = VfsLfs2::new(RamDisk::new_flash(512, 64), Lfs2Config::default())
        .unwrap()
        .with_time_source(Box::new(clock.clone()));
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    // Written: the time of the last write (set at open, stamped by every write).
    let f = fs.open("/f", mode("w")).unwrap();
    clock.set(1_000_005);
    fs.write(f, b"abc").unwrap();
    clock.set(1_000_009);
    fs.close(f).unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 1_000_005);
    // Read: unchanged.
    clock.set(2_000_000);
    read_file(&mut fs, "/f").unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 1_000_005);
    // Opened for writing only ("a"), nothing written: littlefs rewrites the attribute at close
    // with the time of the open.
    let f = fs.open("/f", mode("a")).unwrap();
    clock.set(2_000_100);
    fs.close(f).unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 2_000_000);
    // Opened read-write, nothing written: the stored time is read at open and written back.
    clock.set(3_000_000);
    let f = fs.open("/f", mode("r+")).unwrap();
    fs.close(f).unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 2_000_000);
    // Read-write with a write: the write's time.
    let f = fs.open("/f", mode("r+")).unwrap();
    clock.set(3_000_001);
    fs.write(f, b"X").unwrap();
    fs.close(f).unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 3_000_001);
    // truncate (no MicroPython counterpart) stamps like a write.
    let f = fs.open("/f", mode("r+")).unwrap();
    clock.set(3_000_002);
    fs.truncate(f, 1).unwrap();
    fs.close(f).unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 3_000_002);
    // Directories and the root have none.
    fs.mkdir("/d").unwrap();
    assert_eq!(stat_mtime(&mut fs, "/d"), 0);
    assert_eq!(stat_mtime(&mut fs, "/"), 0);
    // Times before 1970 cannot be stored (the attribute is unsigned): they become 0.
    clock.set(-10);
    write_file(&mut fs, "/old", b"o").unwrap();
    assert_eq!(stat_mtime(&mut fs, "/old"), 0);
    fs.umount().unwrap();

    // mtime=False: nothing is stored, but times already there are still read (and kept).
    let dev = fs.into_device();
    let cfg = Lfs2Config {
        mtime: false,
        ..Lfs2Config::default()
    };
    let mut fs = VfsLfs2::new(dev, cfg)
        .unwrap()
        .with_time_source(Box::new(clock.clone()));
    fs.mount(false, false).unwrap();
    clock.set(4_000_000);
    write_file(&mut fs, "/f", b"rewritten").unwrap();
    assert_eq!(stat_mtime(&mut fs, "/f"), 3_000_002);
    write_file(&mut fs, "/new", b"n").unwrap();
    assert_eq!(stat_mtime(&mut fs, "/new"), 0);
    fs.umount().unwrap();
}

#[test]
fn mtime_attribute_is_micropythons_encoding() {
    // 8 bytes, little-endian nanoseconds since 1970, in user attribute 1: find the bytes in
    // the image.
    let mut fs = fresh(512, 64);
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/f", b"x").unwrap();
    fs.umount().unwrap();
    let ns: u64 = T0 as u64 * 1_000_000_000 + 123_456_789;
    let image = fs.device().as_bytes();
    assert!(
        image.windows(8).any(|w| w == ns.to_le_bytes()),
        "the mtime bytes are not in the image"
    );
    assert_eq!(MTIME_ATTR, 1);
}

#[test]
fn disk_version_is_kept() {
    use crate::lfs2::support::superblock_versions;
    for (version, raw) in [
        (DiskVersion::V2_0, 0x0002_0000),
        (DiskVersion::V2_1, 0x0002_0001),
    ] {
        let cfg = Lfs2Config {
            disk_version: version,
            ..Lfs2Config::default()
        };
        let fs = fresh_with(512, 128, cfg);
        let v = superblock_versions(fs.device().as_bytes(), 512);
        assert!(v.contains(&Some(raw)), "{version}: {v:x?}");
        // Mount with another default: the image's version wins, and writes keep it.
        let dev = fs.into_device();
        let mut fs = VfsLfs2::new(dev, Lfs2Config::default()).unwrap();
        fs.mount(false, false).unwrap();
        assert_eq!(fs.disk_version().unwrap(), version);
        for i in 0..60u64 {
            write_file(
                &mut fs,
                &format!("/f{}", i % 9),
                &pattern(i, 300 + 50 * i as usize),
            )
            .unwrap();
            if i % 10 == 0 {
                fs.mkdir(&format!("/d{i}")).unwrap();
            }
        }
        fs.umount().unwrap();
        let v = superblock_versions(fs.device().as_bytes(), 512);
        assert!(
            v.iter().flatten().all(|&x| x == raw) && v.iter().any(Option::is_some),
            "{version}: superblock versions after writes {v:x?}"
        );
        fs.mount(true, false).unwrap();
        assert_eq!(fs.disk_version().unwrap(), version);
        fs.umount().unwrap();
    }
    // mkfs_with_version overrides the configuration.
    let mut fs = fresh(512, 64);
    fs.mkfs_with_version(DiskVersion::V2_0).unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(fs.disk_version().unwrap(), DiskVersion::V2_0);
    fs.umount().unwrap();
}

#[test]
fn cwd_and_relative_paths_through_the_router() {
    let mut vfs = Vfs::new();
    vfs.mount(Box::new(fresh(512, 128)), "/flash", MountOptions::default())
        .unwrap();
    vfs.chdir("/flash").unwrap();
    assert_eq!(vfs.getcwd(), "/flash");
    vfs.mkdir("lib").unwrap();
    vfs.chdir("lib").unwrap();
    assert_eq!(vfs.getcwd(), "/flash/lib");
    let f = vfs.open("mod.py", mode("w")).unwrap();
    vfs.write(f, b"x = 1\n").unwrap();
    vfs.close(f).unwrap();
    assert_eq!(vfs.stat("/flash/lib/mod.py").unwrap().size, 6);
    assert_eq!(vfs.stat("../lib/./mod.py").unwrap().size, 6);
    assert_eq!(vfs.listdir("..").unwrap(), ["lib"]);
    vfs.chdir("..").unwrap();
    assert_eq!(vfs.getcwd(), "/flash");
    vfs.rename("lib/mod.py", "main.py").unwrap();
    assert_eq!(vfs.listdir(".").unwrap(), ["lib", "main.py"]);
    // As MicroPython's littlefs wrapper: anything but a directory is ENOENT.
    assert_eq!(vfs.chdir("main.py").unwrap_err(), Errno::ENOENT);
    assert_eq!(vfs.chdir("nothere").unwrap_err(), Errno::ENOENT);
    vfs.chdir("/").unwrap();
    let mut fs = vfs.umount("/flash").unwrap();
    assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
}

/// littlefs reports a full volume as `LFS_ERR_NAMETOOLONG` when a new file's entry does not fit
/// (found filling a 16 KiB image from the CLI): uvfs says `ENOSPC`, and every file written
/// before is still there after a remount.
#[test]
fn a_full_volume_is_enospc_for_new_files_not_enametoolong() {
    let mut fs = mounted(4096, 4);
    let mut written = Vec::new();
    let mut errors = Vec::new();
    for i in 0..80 {
        let p = format!("/cfg{i}.txt");
        match write_file(&mut fs, &p, &[b'x'; 100]) {
            Ok(()) => written.push(format!("cfg{i}.txt")),
            Err(e) => errors.push(e.errno()),
        }
    }
    assert!(written.len() > 20, "{written:?}");
    assert!(!errors.is_empty(), "80 files should not fit in 4 blocks");
    assert!(errors.iter().all(|&e| e == Errno::ENOSPC), "{errors:?}");
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    let mut listed = names(&mut fs, "/").unwrap();
    listed.retain(|n| written.contains(n));
    assert_eq!(listed.len(), written.len());
    for n in &written {
        assert_eq!(read_file(&mut fs, &format!("/{n}")).unwrap(), [b'x'; 100]);
    }
}
