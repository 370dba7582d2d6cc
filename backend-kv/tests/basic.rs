//! Everyday behaviour of `VfsKv` through the `Filesystem` trait.

use uvfs_backend_kv::{RamFlash, VfsKv};
use uvfs_os_api::{Errno, FileType, Filesystem, FixedTime, OpenMode, SeekFrom, Timestamp};

use crate::support::{fresh, names, pattern, read_file, reopen, write_file};

fn mounted<const W: usize, const P: usize>(pages: usize) -> VfsKv<RamFlash<W, P>> {
    let mut fs = fresh::<W, P>(pages);
    fs.mount(false, false).unwrap();
    fs
}

fn remount<const W: usize, const P: usize>(fs: VfsKv<RamFlash<W, P>>) -> VfsKv<RamFlash<W, P>> {
    let mut fs = fs;
    fs.umount().unwrap();
    let mut fs = reopen(fs.into_flash().unwrap());
    fs.mount(false, false).unwrap();
    fs
}

#[test]
fn files_of_every_size_survive_a_remount() {
    // 512-byte pages: inline up to a few hundred bytes, chunks above.
    let mut fs = mounted::<1, 512>(256);
    let sizes = [0usize, 1, 100, 400, 494, 495, 988, 1000, 5000, 40_000];
    for (i, &n) in sizes.iter().enumerate() {
        write_file(&mut fs, &format!("/f{i}"), &pattern(i as u8, n)).unwrap();
    }
    let mut fs = remount(fs);
    for (i, &n) in sizes.iter().enumerate() {
        let path = format!("/f{i}");
        assert_eq!(
            read_file(&mut fs, &path).unwrap(),
            pattern(i as u8, n),
            "{path}"
        );
        assert_eq!(fs.stat(&path).unwrap().size, n as u64);
    }
    assert_eq!(fs.recovery().garbage, 0, "{:?}", fs.recovery());
    fs.umount().unwrap();
}

#[test]
fn patch_append_and_truncate_a_chunked_file() {
    let mut fs = mounted::<4, 1024>(128);
    let mut model = pattern(1, 20_000);
    write_file(&mut fs, "/big", &model).unwrap();

    let f = fs.open("/big", OpenMode::parse("r+").unwrap()).unwrap();
    fs.seek(f, SeekFrom::Start(7_000)).unwrap();
    d(&mut fs).write_all(f, b"PATCH").unwrap();
    model[7_000..7_005].copy_from_slice(b"PATCH");
    fs.truncate(f, 12_345).unwrap();
    model.truncate(12_345);
    fs.seek(f, SeekFrom::End(100)).unwrap();
    d(&mut fs).write_all(f, b"tail").unwrap();
    model.resize(12_445, 0);
    model.extend_from_slice(b"tail");
    // Before the close, the committed file is still the old one...
    assert_eq!(fs.stat("/big").unwrap().size, 20_000);
    fs.close(f).unwrap();
    // ...and after it, the new one, whole.
    assert_eq!(read_file(&mut fs, "/big").unwrap(), model);

    let f = fs.open("/big", OpenMode::APPEND).unwrap();
    d(&mut fs).write_all(f, &pattern(9, 3_000)).unwrap();
    fs.close(f).unwrap();
    model.extend_from_slice(&pattern(9, 3_000));

    // Shrink then grow: the bytes in between read as zeros, not as the old data.
    let f = fs.open("/big", OpenMode::parse("r+").unwrap()).unwrap();
    fs.truncate(f, 500).unwrap();
    fs.truncate(f, 9_000).unwrap();
    fs.close(f).unwrap();
    model.truncate(500);
    model.resize(9_000, 0);

    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, "/big").unwrap(), model);
    fs.umount().unwrap();
}

#[test]
fn rewrites_leave_no_garbage_behind() {
    let mut fs = mounted::<4, 1024>(64);
    let base = fs.usage().unwrap().used;
    for round in 0..30u8 {
        write_file(
            &mut fs,
            "/cfg",
            &pattern(round, 100 + usize::from(round) * 7),
        )
        .unwrap();
        write_file(
            &mut fs,
            "/blob",
            &pattern(round, 3_000 + usize::from(round) * 50),
        )
        .unwrap();
        fs.mkdir("/d").unwrap();
        fs.rename("/blob", "/d/blob").unwrap();
        fs.remove("/d/blob").unwrap();
        fs.rmdir("/d").unwrap();
        fs.remove("/cfg").unwrap();
        assert_eq!(fs.usage().unwrap().used, base, "round {round}");
    }
    let mut fs = remount(fs);
    assert_eq!(fs.recovery().garbage, 0);
    assert_eq!(fs.recovery().nodes, 0);
    fs.umount().unwrap();
}

#[test]
fn many_files_open_at_once() {
    let mut fs = mounted::<4, 1024>(128);
    let handles: Vec<_> = (0..40)
        .map(|i| {
            fs.open(&format!("/f{i}"), OpenMode::parse("w+").unwrap())
                .unwrap()
        })
        .collect();
    for round in 0..5u8 {
        for (i, &h) in handles.iter().enumerate() {
            d(&mut fs)
                .write_all(h, &pattern(round ^ i as u8, 150))
                .unwrap();
        }
    }
    for (i, &h) in handles.iter().enumerate() {
        fs.seek(h, SeekFrom::Start(150)).unwrap();
        let mut buf = [0u8; 150];
        assert_eq!(fs.read(h, &mut buf).unwrap(), 150);
        assert_eq!(buf.to_vec(), pattern(1 ^ i as u8, 150));
    }
    for h in handles {
        fs.close(h).unwrap();
    }
    for i in 0..40 {
        assert_eq!(fs.stat(&format!("/f{i}")).unwrap().size, 750);
    }
    fs.umount().unwrap();
}

#[test]
fn handles_of_one_file_share_its_content() {
    let mut fs = mounted::<4, 4096>(8);
    write_file(&mut fs, "/s", b"0123456789").unwrap();
    let w = fs.open("/s", OpenMode::parse("r+").unwrap()).unwrap();
    let r = fs.open("/s", OpenMode::READ).unwrap();
    d(&mut fs).write_all(w, b"ab").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(r, &mut buf).unwrap(), 4);
    assert_eq!(&buf, b"ab23");
    fs.close(w).unwrap();
    fs.close(r).unwrap();
    assert_eq!(read_file(&mut fs, "/s").unwrap(), b"ab23456789");
    fs.umount().unwrap();
}

#[test]
fn open_files_outlive_remove_and_replacing_rename() {
    let mut fs = mounted::<1, 512>(64);
    write_file(&mut fs, "/a", &pattern(3, 2_000)).unwrap();
    write_file(&mut fs, "/b", b"bee").unwrap();
    let a = fs.open("/a", OpenMode::READ).unwrap();
    let b = fs.open("/b", OpenMode::parse("r+").unwrap()).unwrap();
    fs.remove("/a").unwrap();
    fs.rename("/a2", "/x").unwrap_err();
    write_file(&mut fs, "/c", b"sea").unwrap();
    fs.rename("/c", "/b").unwrap(); // replaces the open /b
    assert_eq!(fs.stat("/a").unwrap_err(), Errno::ENOENT);
    let mut buf = vec![0u8; 2_500];
    let n = d(&mut fs).read_full(a, &mut buf).unwrap();
    assert_eq!(&buf[..n], &pattern(3, 2_000)[..]);
    d(&mut fs).write_all(b, b"E").unwrap();
    fs.seek(b, SeekFrom::Start(0)).unwrap();
    let n = d(&mut fs).read_full(b, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"Eee");
    fs.close(a).unwrap();
    fs.close(b).unwrap();
    assert_eq!(read_file(&mut fs, "/b").unwrap(), b"sea");
    let before = fs.usage().unwrap().used;
    let mut fs = remount(fs);
    assert_eq!(fs.usage().unwrap().used, before);
    assert_eq!(names(&mut fs, "/").unwrap(), ["b"]);
    assert_eq!(fs.recovery().garbage, 0);
    fs.umount().unwrap();
}

#[test]
fn directories_and_renames() {
    let mut fs = mounted::<4, 4096>(16);
    fs.mkdir("/etc").unwrap();
    fs.mkdir("/etc/net").unwrap();
    write_file(&mut fs, "/etc/net/wifi", b"ssid").unwrap();
    fs.rename("/etc", "/cfg").unwrap();
    assert_eq!(read_file(&mut fs, "/cfg/net/wifi").unwrap(), b"ssid");
    assert_eq!(fs.rename("/cfg", "/cfg/net/x").unwrap_err(), Errno::EINVAL);
    fs.mkdir("/empty").unwrap();
    fs.rename("/cfg/net", "/empty").unwrap(); // replaces an empty directory
    assert_eq!(names(&mut fs, "/").unwrap(), ["cfg", "empty"]);
    assert_eq!(names(&mut fs, "/empty").unwrap(), ["wifi"]);
    assert_eq!(fs.rmdir("/empty").unwrap_err(), Errno::ENOTEMPTY);
    assert_eq!(fs.remove("/empty").unwrap_err(), Errno::EISDIR);
    assert_eq!(fs.rmdir("/empty/wifi").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(
        fs.open("/empty/wifi/x", OpenMode::READ).unwrap_err(),
        Errno::ENOTDIR
    );
    let d = fs.opendir("/").unwrap();
    let mut kinds = Vec::new();
    while let Some(e) = fs.readdir(d).unwrap() {
        kinds.push((e.name.as_str().to_string(), e.kind, e.size));
    }
    fs.closedir(d).unwrap();
    assert_eq!(
        kinds,
        [
            ("cfg".to_string(), FileType::Dir, Some(0)),
            ("empty".to_string(), FileType::Dir, Some(0))
        ]
    );
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, "/empty/wifi").unwrap(), b"ssid");
    assert_eq!(names(&mut fs, "/cfg").unwrap(), Vec::<String>::new());
    fs.umount().unwrap();
}

#[test]
fn long_names_on_small_pages_move_inline_data_to_chunks() {
    let mut fs = mounted::<1, 512>(64);
    write_file(&mut fs, "/s", &pattern(4, 400)).unwrap(); // inline under a 1-byte name
    let long = format!("/{}", "n".repeat(255));
    fs.rename("/s", &long).unwrap(); // 400 bytes no longer fit beside a 255-byte name
    assert_eq!(read_file(&mut fs, &long).unwrap(), pattern(4, 400));
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, &long).unwrap(), pattern(4, 400));
    fs.umount().unwrap();
}

#[test]
fn readonly_mounts_never_touch_the_flash() {
    let mut fs = mounted::<4, 1024>(16);
    write_file(&mut fs, "/f", b"data").unwrap();
    fs.umount().unwrap();
    let mut flash = fs.into_flash().unwrap();
    let before = flash.as_bytes().to_vec();
    flash.reset_stats();
    let mut fs = reopen(flash);
    fs.mount(true, false).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"data");
    assert_eq!(fs.open("/f", OpenMode::APPEND).unwrap_err(), Errno::EROFS);
    assert_eq!(fs.mkdir("/d").unwrap_err(), Errno::EROFS);
    fs.sync().unwrap();
    fs.umount().unwrap();
    let flash = fs.into_flash().unwrap();
    assert_eq!(flash.stats().writes + flash.stats().erases, 0);
    assert_eq!(flash.as_bytes(), &before[..]);
}

#[test]
fn mount_states_and_formatting() {
    let mut fs = VfsKv::new(RamFlash::<4, 1024>::new(8)).unwrap();
    assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::ENODEV); // blank flash
    fs.mount(false, true).unwrap(); // formats
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::EPERM);
    assert_eq!(fs.mkfs().unwrap_err(), Errno::EBUSY);
    write_file(&mut fs, "/keep", b"1").unwrap();
    fs.umount().unwrap();
    fs.mount(false, true).unwrap(); // mounts: no format
    assert_eq!(read_file(&mut fs, "/keep").unwrap(), b"1");
    fs.umount().unwrap();
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(fs.stat("/keep").unwrap_err(), Errno::ENOENT);
    fs.umount().unwrap();

    // Geometry checks.
    assert_eq!(
        VfsKv::new(RamFlash::<4, 1024>::new(2)).err().unwrap(),
        Errno::EINVAL
    );
    assert_eq!(
        VfsKv::with_range(RamFlash::<4, 1024>::new(8), 100..4096)
            .err()
            .unwrap(),
        Errno::EINVAL
    );
    assert_eq!(
        VfsKv::with_range(RamFlash::<4, 1024>::new(8), 0..16384)
            .err()
            .unwrap(),
        Errno::EINVAL
    );
}

#[test]
fn a_volume_in_a_partition_and_a_foreign_header() {
    // Sectors 2..6 of an 8-sector flash.
    let mut fs = VfsKv::with_range(RamFlash::<4, 1024>::new(8), 2048..6144).unwrap();
    fs.mount(false, true).unwrap();
    write_file(&mut fs, "/p", b"part").unwrap();
    fs.umount().unwrap();
    let flash = fs.into_flash().unwrap();
    assert!(flash.as_bytes()[..2048].iter().all(|&b| b == 0xFF));
    assert!(flash.as_bytes()[6144..].iter().all(|&b| b == 0xFF));
    assert_eq!(&flash.as_bytes()[2048..2054], b"uvfsKV");
    // The same sectors seen as a bigger partition: the header's size does not match.
    let mut wrong = VfsKv::with_range(flash, 2048..8192).unwrap();
    assert_eq!(wrong.mount(false, false).unwrap_err(), Errno::EINVAL);
}

#[test]
fn mtime_comes_from_the_clock() {
    let mut fs = fresh::<4, 4096>(8);
    fs.set_time_source(Box::new(FixedTime(Timestamp::from_secs(1_234_567_890))));
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/t", b"x").unwrap();
    fs.mkdir("/d").unwrap();
    let st = fs.stat("/t").unwrap();
    assert_eq!(
        (st.mtime, st.atime, st.ctime),
        (1_234_567_890, 1_234_567_890, 1_234_567_890)
    );
    assert_eq!(st.mode, 0x8000);
    assert_eq!(fs.stat("/d").unwrap().mode, 0x4000);
    assert_eq!(fs.stat("/d").unwrap().mtime, 1_234_567_890);
    fs.umount().unwrap();
    // The default clock is MicroPython's epoch.
    let mut fs = VfsKv::new(RamFlash::<4, 4096>::new(4)).unwrap();
    fs.mount(false, true).unwrap();
    write_file(&mut fs, "/t", b"x").unwrap();
    assert_eq!(fs.stat("/t").unwrap().mtime, Timestamp::EPOCH_2000);
    fs.umount().unwrap();
}

#[test]
fn full_volumes_say_enospc_and_keep_the_old_content() {
    let mut fs = mounted::<4, 1024>(8);
    write_file(&mut fs, "/keep", &pattern(7, 1_500)).unwrap();
    let st = fs.statvfs("/").unwrap();
    let predicted = st.bavail * st.frsize;
    // Fill with 256-byte appends until the volume refuses.
    let f = fs.open("/fill", OpenMode::WRITE).unwrap();
    fs.close(f).unwrap();
    let mut stored = 0u64;
    let err = loop {
        let f = fs.open("/fill", OpenMode::APPEND).unwrap();
        if let Err(e) = d(&mut fs).write_all(f, &[0x5A; 256]) {
            let _ = fs.close(f);
            break e;
        }
        match fs.close(f) {
            Ok(()) => stored += 256,
            Err(e) => break e,
        }
        assert!(stored < 1 << 20, "the volume never filled");
    };
    assert_eq!(err, Errno::ENOSPC);
    println!("statvfs predicted {predicted} bytes free; {stored} bytes fitted");
    // statvfs promised no more than fits, and not much less.
    assert!(
        predicted <= stored + 256,
        "predicted {predicted}, stored {stored}"
    );
    assert!(
        predicted * 10 >= stored * 5,
        "predicted {predicted}, stored {stored}"
    );
    // The failed commit left the file as it was.
    assert_eq!(fs.stat("/fill").unwrap().size, stored);
    assert_eq!(read_file(&mut fs, "/keep").unwrap(), pattern(7, 1_500));
    // Space comes back.
    fs.remove("/fill").unwrap();
    write_file(&mut fs, "/again", &pattern(2, 2_000)).unwrap();
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, "/again").unwrap(), pattern(2, 2_000));
    fs.umount().unwrap();
}

#[test]
fn huge_offsets_are_refused_without_allocating() {
    let mut fs = mounted::<4, 4096>(8);
    let f = fs.open("/h", OpenMode::parse("w+").unwrap()).unwrap();
    fs.seek(f, SeekFrom::Start(1 << 40)).unwrap();
    assert_eq!(fs.write(f, b"x").unwrap_err(), Errno::ENOSPC);
    assert_eq!(fs.truncate(f, u64::MAX).unwrap_err(), Errno::ENOSPC);
    assert_eq!(
        fs.seek(f, SeekFrom::Start(u64::MAX)).unwrap_err(),
        Errno::EINVAL
    );
    fs.close(f).unwrap();
    assert_eq!(fs.stat("/h").unwrap().size, 0);
    fs.umount().unwrap();
}

#[test]
fn bad_paths_from_direct_callers_are_errors() {
    let mut fs = mounted::<4, 4096>(8);
    // Relative paths never resolve; the rest is resolved lexically (kv has no path rules of
    // its own): `//a` is `/a`, `/a/../b` is `/b`, `/.` is the root.
    for bad in ["", "a", "a/b"] {
        assert_eq!(fs.stat(bad).unwrap_err(), Errno::EINVAL, "{bad:?}");
        assert_eq!(
            fs.open(bad, OpenMode::WRITE).unwrap_err(),
            Errno::EINVAL,
            "{bad:?}"
        );
    }
    assert_eq!(fs.stat("//a").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs.stat("/.").unwrap().kind(), uvfs_os_api::FileType::Dir);
    let f = fs.open("/x/../b", OpenMode::WRITE).unwrap();
    fs.close(f).unwrap();
    assert_eq!(fs.stat("//b").unwrap().size, 0);
    assert_eq!(fs.stat("/b/").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(
        fs.mkdir(&format!("/{}", "x".repeat(256))).unwrap_err(),
        Errno::ENAMETOOLONG
    );
    assert_eq!(fs.remove("/").unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.rmdir("/").unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.mkdir("/").unwrap_err(), Errno::EEXIST);
    assert_eq!(fs.type_name(), "VfsKv");
    fs.umount().unwrap();
}

/// The `dyn Filesystem` conveniences (`write_all`, `read_full`) on a concrete filesystem.
fn d<T: Filesystem>(fs: &mut T) -> &mut dyn Filesystem {
    fs
}
