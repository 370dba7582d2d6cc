//! Everyday behaviour through the `Filesystem` protocol: files, directories, renames with files
//! open, listings while the directory changes, large files, seek and truncate, many open
//! files, read-only mounts, names, errnos, statvfs, the public API.

use uvfs_backend_lfs::lfs1::{probe, Lfs1Config, VfsLfs1, DISK_VERSION};
use uvfs_os_api::{BlockDevice, Errno, Filesystem, OpenMode, SeekFrom, Stat};
use uvfs_vfs_core::RamDisk;

use super::support::{cfg, fresh, listing, mounted, pattern, read_file, write_file};

fn names(fs: &mut dyn Filesystem, p: &str) -> Vec<String> {
    listing(fs, p).unwrap().into_iter().map(|e| e.0).collect()
}

#[test]
fn files_and_directories_survive_a_remount() {
    let mut fs = mounted(512, 256);
    fs.mkdir("/d").unwrap();
    write_file(&mut fs, "/d/a", b"hello").unwrap();
    let big = pattern(1, 40_000);
    write_file(&mut fs, "/big", &big).unwrap();
    assert_eq!(read_file(&mut fs, "/d/a").unwrap(), b"hello");
    assert_eq!(read_file(&mut fs, "/big").unwrap(), big);
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/d/a").unwrap(), b"hello");
    assert_eq!(read_file(&mut fs, "/big").unwrap(), big);
    assert_eq!(
        listing(&mut fs, "/").unwrap(),
        vec![("d".into(), true, 0), ("big".into(), false, 40_000)]
    );
    fs.rename("/d/a", "/a").unwrap();
    fs.remove("/big").unwrap();
    assert_eq!(fs.rmdir("/d"), Ok(()));
    assert_eq!(listing(&mut fs, "/").unwrap(), vec![("a".into(), false, 5)]);
    assert_eq!(fs.stat("/d").unwrap_err(), Errno::ENOENT);
    let f = fs.open("/a", OpenMode::parse("r+").unwrap()).unwrap();
    fs.seek(f, SeekFrom::Start(3)).unwrap();
    fs.write(f, b"p!").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/a").unwrap(), b"help!");
    fs.umount().unwrap();
}

#[test]
fn errnos_of_the_lfs1_profile() {
    let mut fs = mounted(512, 256);
    fs.mkdir("/d").unwrap();
    write_file(&mut fs, "/f", b"x").unwrap();
    write_file(&mut fs, "/d/g", b"y").unwrap();
    assert_eq!(fs.mkdir("/d").unwrap_err(), Errno::EEXIST);
    assert_eq!(fs.mkdir("/missing/x").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.mkdir("/f/x").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(
        fs.open("/f", OpenMode::CREATE_NEW).unwrap_err(),
        Errno::EEXIST
    );
    for mode in ["r", "r+", "w", "a", "x", "w+"] {
        let m = OpenMode::parse(mode).unwrap();
        assert_eq!(fs.open("/d", m).unwrap_err(), Errno::EISDIR, "{mode}");
        assert_eq!(fs.open("/", m).unwrap_err(), Errno::EISDIR, "{mode}");
    }
    assert_eq!(
        fs.open("/missing", OpenMode::READ).unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(fs.open("/f/x", OpenMode::READ).unwrap_err(), Errno::ENOTDIR);
    assert_eq!(
        fs.open("/nodir/x", OpenMode::WRITE).unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(fs.opendir("/f").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(fs.remove("/d").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.rmdir("/d").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.remove("/missing").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.rename("/f", "/d").unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.rename("/d", "/f").unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.rename("/missing", "/x").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.rename("/f", "/nodir/x").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.rename("/d", "/d/sub").unwrap_err(), Errno::EINVAL);
    fs.mkdir("/e").unwrap();
    assert_eq!(fs.rename("/e", "/d").unwrap_err(), Errno::ENOTEMPTY);
    // Failed renames leave nothing behind: no moved flag, both entries as they were.
    assert_eq!(names(&mut fs, "/"), ["d", "f", "e"]);
    // rmdir removes a file and remove an empty directory (one engine call).
    fs.rmdir("/f").unwrap();
    fs.remove("/e").unwrap();
    // Paths the router never passes: relative, or with a NUL.
    for bad in ["", "f", "d/g", "/d\0/g"] {
        assert_eq!(fs.stat(bad).unwrap_err(), Errno::EINVAL, "{bad:?}");
    }
    // Paths as spelled resolve as littlefs 1.7 resolves them (MicroPython's answers; the full
    // table is in `paths.rs`).
    assert_eq!(fs.stat("/d/").unwrap(), Stat::DIR);
    assert_eq!(fs.stat("//d").unwrap(), Stat::DIR);
    assert_eq!(fs.stat("/d/./g").unwrap().size, 1);
    assert_eq!(fs.stat("/d/../g").unwrap_err(), Errno::ENOENT);
    // A name longer than any entry's is not found.
    assert_eq!(
        fs.stat(&format!("/{}", "n".repeat(256))).unwrap_err(),
        Errno::ENOENT
    );
    // The root is checked like any directory (MicroPython: ENOTEMPTY); renaming it is
    // undefined in littlefs 1.7, refused here.
    assert_eq!(fs.rmdir("/").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.rename("/", "/x").unwrap_err(), Errno::EINVAL);
    // rename(x, x) is a no-op (C littlefs 1.7 deletes x), after littlefs's checks: a non-empty
    // directory onto itself is ENOTEMPTY, as MicroPython says.
    fs.rename("/d/g", "/d/g").unwrap();
    assert_eq!(read_file(&mut fs, "/d/g").unwrap(), b"y");
    assert_eq!(fs.rename("/d", "/d").unwrap_err(), Errno::ENOTEMPTY);
    fs.mkdir("/empty").unwrap();
    fs.rename("/empty", "/empty").unwrap();
    assert_eq!(fs.stat("/empty").unwrap(), Stat::DIR);
    assert_eq!(fs.rename("/zz", "/zz").unwrap_err(), Errno::ENOENT);
}

#[test]
fn access_modes_and_handles() {
    let mut fs = mounted(512, 128);
    write_file(&mut fs, "/f", b"abc").unwrap();
    let r = fs.open("/f", OpenMode::READ).unwrap();
    assert_eq!(fs.write(r, b"no").unwrap_err(), Errno::EBADF);
    assert_eq!(fs.truncate(r, 0).unwrap_err(), Errno::EBADF);
    let w = fs.open("/f", OpenMode::APPEND).unwrap();
    // An appending handle starts at 0, as MicroPython's VfsLfs1 reports (littlefs 1.7 moves
    // to the end at the first write).
    assert_eq!(fs.seek(w, SeekFrom::Current(0)).unwrap(), 0);
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(w, &mut buf).unwrap_err(), Errno::EBADF);
    fs.write(w, b"de").unwrap();
    fs.seek(w, SeekFrom::Start(0)).unwrap();
    fs.write(w, b"f").unwrap(); // append mode: at the end anyway
    assert_eq!(fs.seek(w, SeekFrom::Current(0)).unwrap(), 6);
    fs.close(w).unwrap();
    // The reader kept its snapshot.
    assert_eq!(fs.read(r, &mut buf).unwrap(), 3);
    fs.close(r).unwrap();
    assert_eq!(fs.close(r).unwrap_err(), Errno::EBADF);
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"abcdef");
    let f = fs.open("/f", OpenMode::READ).unwrap();
    assert_eq!(
        fs.seek(f, SeekFrom::Current(-1)).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        fs.seek(f, SeekFrom::Start(1 << 31)).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(fs.seek(f, SeekFrom::End(-2)).unwrap(), 4);
    assert_eq!(fs.read(f, &mut buf).unwrap(), 2);
    assert_eq!(&buf[..2], b"ef");
    fs.close(f).unwrap();
    let f = fs.open("/f", OpenMode::parse("r+").unwrap()).unwrap();
    fs.seek(f, SeekFrom::Start((1 << 31) - 2)).unwrap();
    assert_eq!(fs.write(f, b"abc").unwrap_err(), Errno::EFBIG);
    fs.close(f).unwrap();
    assert_eq!(fs.stat("/f").unwrap().size, 6);
}

#[test]
fn large_files_with_seek_truncate_and_patches() {
    for (bs, c) in [
        (512, Lfs1Config::default()),
        (128, cfg(8, 16, 32)),
        (4096, cfg(16, 64, 64)),
    ] {
        let count = 2 * 1024 * 1024 / bs;
        let mut fs = fresh(bs, count, c);
        fs.mount(false, false).unwrap();
        let mut model = pattern(7, 300_000);
        write_file(&mut fs, "/big", &model).unwrap();
        let f = fs.open("/big", OpenMode::parse("r+b").unwrap()).unwrap();
        // Patches at block boundaries and in the middle, in odd sizes.
        for (i, at) in [0usize, 1, 503, 504, 1019, 1020, 4095, 4096, 77_777, 299_990]
            .iter()
            .enumerate()
        {
            let data = pattern(100 + i as u64, 37 + i * 11);
            fs.seek(f, SeekFrom::Start(*at as u64)).unwrap();
            (&mut fs as &mut dyn Filesystem)
                .write_all(f, &data)
                .unwrap();
            let end = at + data.len();
            if model.len() < end {
                model.resize(end, 0);
            }
            model[*at..end].copy_from_slice(&data);
            // Read back through the same handle (ends the session, commits nothing).
            fs.seek(f, SeekFrom::Start(*at as u64)).unwrap();
            let mut back = vec![0u8; data.len()];
            assert_eq!(
                (&mut fs as &mut dyn Filesystem)
                    .read_full(f, &mut back)
                    .unwrap(),
                data.len()
            );
            assert_eq!(back, data, "bs {bs} at {at}");
        }
        // A gap past the end reads as zeros.
        fs.seek(f, SeekFrom::Start(320_000)).unwrap();
        fs.write(f, b"tail").unwrap();
        model.resize(320_000, 0);
        model.extend_from_slice(b"tail");
        fs.truncate(f, 150_001).unwrap();
        model.truncate(150_001);
        assert_eq!(
            fs.seek(f, SeekFrom::Current(0)).unwrap(),
            320_004,
            "truncate keeps the position"
        );
        fs.truncate(f, 160_000).unwrap();
        model.resize(160_000, 0);
        fs.flush(f).unwrap();
        assert_eq!(fs.stat("/big").unwrap().size, 160_000);
        fs.close(f).unwrap();
        fs.umount().unwrap();
        fs.mount(true, false).unwrap();
        assert_eq!(read_file(&mut fs, "/big").unwrap(), model, "bs {bs}");
        fs.umount().unwrap();
    }
}

#[test]
fn many_open_files_interleaved() {
    let mut fs = mounted(512, 512);
    let n = 24;
    let handles: Vec<_> = (0..n)
        .map(|i| {
            fs.open(&format!("/f{i}"), OpenMode::parse("w+").unwrap())
                .unwrap()
        })
        .collect();
    let mut models = vec![Vec::new(); n];
    for round in 0..20 {
        for (i, &h) in handles.iter().enumerate() {
            let d = pattern((round * 100 + i) as u64, 13 + (i * 7 + round) % 90);
            fs.write(h, &d).unwrap();
            models[i].extend_from_slice(&d);
        }
        if round % 7 == 3 {
            fs.sync().unwrap();
        }
    }
    for (i, &h) in handles.iter().enumerate() {
        fs.seek(h, SeekFrom::Start(0)).unwrap();
        let mut back = vec![0u8; models[i].len() + 10];
        let got = (&mut fs as &mut dyn Filesystem)
            .read_full(h, &mut back)
            .unwrap();
        assert_eq!(&back[..got], &models[i][..], "file {i}");
        fs.close(h).unwrap();
    }
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    for (i, m) in models.iter().enumerate() {
        assert_eq!(&read_file(&mut fs, &format!("/f{i}")).unwrap(), m);
    }
}

#[test]
fn open_files_follow_renames_and_outlive_removal() {
    let mut fs = mounted(512, 256);
    fs.mkdir("/d").unwrap();
    for i in 0..30 {
        write_file(&mut fs, &format!("/d/pad{i:02}"), b"p").unwrap();
    }
    // Renamed while open (across directories and within one block): close still commits to
    // the right entry.
    let f = fs.open("/d/pad03", OpenMode::WRITE).unwrap();
    fs.write(f, b"first").unwrap();
    fs.rename("/d/pad03", "/moved").unwrap();
    fs.remove("/d/pad01").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/moved").unwrap(), b"first");
    let g = fs.open("/moved", OpenMode::APPEND).unwrap();
    fs.rename("/moved", "/moved2").unwrap();
    fs.write(g, b"+").unwrap();
    fs.close(g).unwrap();
    assert_eq!(read_file(&mut fs, "/moved2").unwrap(), b"first+");
    // Entries before an open file's entry go away: its commit still lands on it.
    let h = fs.open("/d/pad29", OpenMode::WRITE).unwrap();
    for i in [0, 2, 4, 5, 6, 28] {
        fs.remove(&format!("/d/pad{i:02}")).unwrap();
    }
    fs.write(h, b"last").unwrap();
    fs.close(h).unwrap();
    assert_eq!(read_file(&mut fs, "/d/pad29").unwrap(), b"last");
    // Removed while open: reads keep working, close changes nothing.
    write_file(&mut fs, "/gone", &pattern(3, 3000)).unwrap();
    let r = fs.open("/gone", OpenMode::parse("r+").unwrap()).unwrap();
    fs.remove("/gone").unwrap();
    for i in 0..10 {
        write_file(&mut fs, &format!("/filler{i}"), &pattern(i, 2000)).unwrap();
    }
    let mut back = vec![0u8; 3000];
    assert_eq!(
        (&mut fs as &mut dyn Filesystem)
            .read_full(r, &mut back)
            .unwrap(),
        3000
    );
    assert_eq!(back, pattern(3, 3000));
    fs.write(r, b"x").unwrap();
    fs.close(r).unwrap();
    assert_eq!(fs.stat("/gone").unwrap_err(), Errno::ENOENT);
    // Replaced by a rename while open: the handle is detached, the new content stays.
    write_file(&mut fs, "/t", b"target").unwrap();
    write_file(&mut fs, "/s", b"source").unwrap();
    let t = fs.open("/t", OpenMode::APPEND).unwrap();
    fs.rename("/s", "/t").unwrap();
    fs.write(t, b"!").unwrap();
    fs.close(t).unwrap();
    assert_eq!(read_file(&mut fs, "/t").unwrap(), b"source");
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/moved2").unwrap(), b"first+");
    assert_eq!(read_file(&mut fs, "/d/pad29").unwrap(), b"last");
}

#[test]
fn listings_in_on_disk_order_while_the_directory_changes() {
    let mut fs = mounted(512, 256);
    fs.mkdir("/m").unwrap();
    let all: Vec<String> = (0..40).map(|i| format!("entry_{i:02}")).collect();
    for n in &all {
        write_file(&mut fs, &format!("/m/{n}"), n.as_bytes()).unwrap();
    }
    assert_eq!(names(&mut fs, "/m"), all);
    // Remove entries ahead of and behind a listing in progress, whole blocks included.
    let d = fs.opendir("/m").unwrap();
    let mut seen = Vec::new();
    for _ in 0..10 {
        seen.push(fs.readdir(d).unwrap().unwrap().name.as_str().to_string());
    }
    for i in (3..8).chain(12..34) {
        fs.remove(&format!("/m/entry_{i:02}")).unwrap();
    }
    while let Some(e) = fs.readdir(d).unwrap() {
        seen.push(e.name.as_str().to_string());
    }
    fs.closedir(d).unwrap();
    let mut want: Vec<String> = all[..10].to_vec();
    want.extend(["entry_10", "entry_11"].map(String::from));
    want.extend(all[34..].iter().cloned());
    assert_eq!(seen, want);
    // A rename to a new name goes to the end; replacing keeps the replaced entry's place.
    fs.rename("/m/entry_00", "/m/zz").unwrap();
    fs.rename("/m/entry_39", "/m/entry_01").unwrap();
    let now = names(&mut fs, "/m");
    assert_eq!(now.first().map(String::as_str), Some("entry_01"));
    assert_eq!(now.last().map(String::as_str), Some("zz"));
    assert_eq!(read_file(&mut fs, "/m/entry_01").unwrap(), b"entry_39");
    // Two listings at once.
    let a = fs.opendir("/m").unwrap();
    let b = fs.opendir("/m").unwrap();
    let (x, y) = (fs.readdir(a).unwrap(), fs.readdir(b).unwrap());
    assert_eq!(x, y);
    fs.closedir(a).unwrap();
    fs.closedir(b).unwrap();
    // Empty the directory, then remove it.
    for n in names(&mut fs, "/m") {
        fs.remove(&format!("/m/{n}")).unwrap();
    }
    assert!(names(&mut fs, "/m").is_empty());
    fs.rmdir("/m").unwrap();
    assert!(names(&mut fs, "/").is_empty());
    // Only the superblock and root pairs are left.
    assert_eq!(fs.statvfs("/").unwrap().bfree, 252);
}

#[test]
fn long_and_unicode_names() {
    let mut fs = mounted(512, 256);
    let long = "L".repeat(255);
    write_file(&mut fs, &format!("/{long}"), b"long").unwrap();
    fs.mkdir(&format!("/{}", "D".repeat(255))).unwrap();
    write_file(&mut fs, "/café ü 日本.txt", b"utf8").unwrap();
    assert_eq!(read_file(&mut fs, &format!("/{long}")).unwrap(), b"long");
    assert_eq!(names(&mut fs, "/")[2], "café ü 日本.txt");
    // 128-byte blocks hold names of at most 96 bytes.
    let mut small = fresh(128, 64, cfg(8, 16, 32));
    small.mount(false, false).unwrap();
    write_file(&mut small, &format!("/{}", "s".repeat(96)), b"ok").unwrap();
    assert_eq!(
        write_file(&mut small, &format!("/{}", "s".repeat(97)), b"no").unwrap_err(),
        Errno::ENAMETOOLONG
    );
    assert_eq!(
        small.mkdir(&format!("/{}", "d".repeat(97))).unwrap_err(),
        Errno::ENAMETOOLONG
    );
}

#[test]
fn read_only_mounts_never_write() {
    let mut fs = mounted(512, 128);
    fs.mkdir("/d").unwrap();
    write_file(&mut fs, "/d/f", &pattern(1, 2000)).unwrap();
    fs.umount().unwrap();
    let before = fs.into_device().unwrap();
    let image = before.as_bytes().to_vec();
    let mut fs = VfsLfs1::new(before, Lfs1Config::default());
    fs.mount(true, false).unwrap();
    assert_eq!(read_file(&mut fs, "/d/f").unwrap(), pattern(1, 2000));
    for mode in ["w", "a", "r+", "x", "w+"] {
        assert_eq!(
            fs.open("/d/f", OpenMode::parse(mode).unwrap()).unwrap_err(),
            Errno::EROFS
        );
    }
    assert_eq!(fs.mkdir("/x").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.remove("/d/f").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.rmdir("/d").unwrap_err(), Errno::EROFS);
    assert_eq!(fs.rename("/d", "/e").unwrap_err(), Errno::EROFS);
    fs.sync().unwrap();
    fs.statvfs("/").unwrap();
    fs.umount().unwrap();
    // mkfs is not done on a read-only mount either.
    let mut dev = fs.into_device().unwrap();
    assert_eq!(dev.as_bytes(), &image[..]);
    dev.as_bytes_mut()[..1024].fill(0);
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    assert!(fs.mount(true, true).is_err());
    assert!(fs.into_device().unwrap().as_bytes()[..1024]
        .iter()
        .all(|&b| b == 0));
}

#[test]
fn mount_state_and_public_api() {
    let mut fs = VfsLfs1::new(RamDisk::new_flash(512, 64), Lfs1Config::default());
    assert_eq!(fs.type_name(), "VfsLfs1");
    assert_eq!(fs.config(), Lfs1Config::default());
    assert!(fs.mount(false, false).is_err());
    assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
    fs.mount(false, true).unwrap();
    assert!(fs.is_mounted());
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::EPERM);
    assert_eq!(fs.mkfs().unwrap_err(), Errno::EBUSY);
    assert_eq!(fs.disk_version().unwrap(), DISK_VERSION);
    let s = fs.statvfs("/").unwrap();
    assert_eq!(s.to_tuple(), [512, 512, 64, 60, 60, 0, 0, 0, 0, 255]);
    write_file(&mut fs, "/f", &pattern(1, 1100)).unwrap();
    // 1100 bytes at 512-byte blocks: 3 CTZ blocks.
    assert_eq!(fs.statvfs("/").unwrap().bfree, 57);
    let mut dev = fs.into_device().unwrap();
    let info = probe(&mut dev).unwrap();
    assert_eq!(
        (info.block_size, info.block_count, info.version),
        (512, 64, DISK_VERSION)
    );
    assert_eq!(info.root, [3, 2]);
    // Send when the device is.
    fn send<T: Send>(_: &T) {}
    let fs = VfsLfs1::new(dev, Lfs1Config::default());
    send(&fs);
    // A bad configuration is refused at mount with EINVAL, the device kept.
    let mut fs = VfsLfs1::new(fs.into_device().unwrap(), cfg(32, 48, 32));
    assert_eq!(fs.mount(false, true).unwrap_err(), Errno::EINVAL);
    let dev = fs.into_device().unwrap();
    let mut fs = VfsLfs1::new(dev, cfg(4, 512, 512));
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), pattern(1, 1100));
    // Read and program sizes are not on the medium: any valid pair reads the same image.
    assert!(fs.into_device().unwrap().block_count() == 64);
}

#[test]
fn no_space_keeps_the_committed_version() {
    let mut fs = mounted(512, 32);
    write_file(&mut fs, "/keep", &pattern(1, 3000)).unwrap();
    let f = fs.open("/keep", OpenMode::WRITE).unwrap();
    let err = (&mut fs as &mut dyn Filesystem)
        .write_all(f, &pattern(2, 40_000))
        .unwrap_err();
    assert_eq!(err, Errno::ENOSPC);
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/keep").unwrap(), pattern(1, 3000));
    // Space comes back after a remove; the directory can still grow.
    let mut i = 0;
    while write_file(&mut fs, &format!("/n{i}"), &pattern(i, 400)).is_ok() {
        i += 1;
    }
    assert!(i > 5);
    fs.remove("/keep").unwrap();
    write_file(&mut fs, "/again", &pattern(5, 2000)).unwrap();
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/again").unwrap(), pattern(5, 2000));
}

#[test]
fn mkfs_on_mount_only_replaces_a_missing_volume() {
    use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Result};
    /// Reads of block 0 fail.
    struct Failing(RamDisk);
    impl BlockDevice for Failing {
        fn block_size(&self) -> u32 {
            self.0.block_size()
        }
        fn block_count(&self) -> u32 {
            self.0.block_count()
        }
        fn needs_erase(&self) -> bool {
            true
        }
        fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
            if block.0 == 0 {
                return Err(Errno::EIO.into());
            }
            self.0.read(block, offset, buf)
        }
        fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
            self.0.write(block, offset, data)
        }
        fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
            self.0.erase(block, count)
        }
    }
    let mut fs = mounted(512, 64);
    write_file(&mut fs, "/keep", b"data").unwrap();
    fs.umount().unwrap();
    let disk = fs.into_device().unwrap();
    let image = disk.as_bytes().to_vec();
    let mut fs = VfsLfs1::new(Failing(disk), Lfs1Config::default());
    assert_eq!(fs.mount(false, true).unwrap_err(), Errno::EIO);
    let disk = fs.into_device().unwrap().0;
    assert_eq!(
        disk.as_bytes(),
        &image[..],
        "a device error is no reason to format"
    );
    // A volume larger than the device (a truncated image): EINVAL, not formatted either.
    let half = image[..32 * 512].to_vec();
    let mut fs = VfsLfs1::new(
        RamDisk::from_image(half.clone(), 512),
        Lfs1Config::default(),
    );
    assert_eq!(fs.mount(false, true).unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.into_device().unwrap().as_bytes(), &half[..]);
    // A blank device is formatted.
    let mut fs = VfsLfs1::new(RamDisk::new(512, 64), Lfs1Config::default());
    fs.mount(false, true).unwrap();
    assert!(listing(&mut fs, "/").unwrap().is_empty());
}
