use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
use uvfs_os_api::{Errno, FileHandle, Filesystem, FixedTime, OpenMode, SeekFrom, Timestamp};
use uvfs_vfs_core::RamDisk;

use crate::support::{assert_errno, assert_fsck_clean, listing, pattern, read_file, write_file};

fn fresh(blocks: u32) -> VfsFat<RamDisk> {
    let mut fs = VfsFat::new(RamDisk::new(512, blocks)).unwrap();
    fs.mkfs(&FormatOptions::new()).unwrap();
    fs.mount(false, false).unwrap();
    fs
}

fn image_of(mut fs: VfsFat<RamDisk>) -> Vec<u8> {
    fs.umount().unwrap();
    fs.into_device().into_bytes()
}

#[test]
fn vfs_fat_is_send() {
    fn send<T: Send>() {}
    send::<VfsFat<RamDisk>>();
}

#[test]
fn devices_fat_cannot_use_are_refused() {
    assert_eq!(
        VfsFat::new(RamDisk::new(256, 100)).err().unwrap(),
        Errno::EINVAL
    );
    assert_eq!(
        VfsFat::new(RamDisk::new(8192, 100)).err().unwrap(),
        Errno::EINVAL
    );
    assert_eq!(
        VfsFat::new(RamDisk::new_flash(4096, 100)).err().unwrap(),
        Errno::EINVAL
    );
    let mut fs = VfsFat::new(RamDisk::new(512, 256)).unwrap();
    assert_errno(fs.mount(false, false), Errno::ENODEV);
    fs.mount(false, true).unwrap(); // mkfs when there is no volume
    assert_eq!(fs.fat_type().unwrap(), FatType::Fat12);
    assert_errno(fs.mkfs(&FormatOptions::new()), Errno::EBUSY);
    assert_errno(fs.mount(false, false), Errno::EBUSY);
}

#[test]
fn mkfs_layouts_by_size() {
    for (blocks, want) in [
        (256u32, FatType::Fat12),
        (16 * 1024, FatType::Fat12),
        (128 * 1024, FatType::Fat16),
    ] {
        let mut fs = fresh(blocks);
        assert_eq!(fs.fat_type().unwrap(), want, "{blocks} blocks");
        let info = fs.volume_info().unwrap();
        assert_eq!(
            (info.fats, info.reserved_sectors, info.root_entries),
            (1, 1, 512)
        );
        assert_fsck_clean(&image_of(fs));
    }
    let mut fs = VfsFat::new(RamDisk::new(512, 70_000)).unwrap();
    fs.mkfs(&FormatOptions::new().fat_type(FatType::Fat32).label("BIG"))
        .unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(fs.fat_type().unwrap(), FatType::Fat32);
    assert_eq!(fs.label().unwrap().as_deref(), Some("BIG"));
    assert_fsck_clean(&image_of(fs));
    // Impossible requests are EINVAL, never a panic inside fatfs.
    let mut fs = VfsFat::new(RamDisk::new(512, 256)).unwrap();
    for bad in [
        FormatOptions::new().fat_type(FatType::Fat32),
        FormatOptions::new().fat_type(FatType::Fat16),
        FormatOptions::new().cluster_size(1000),
        FormatOptions::new().cluster_size(256),
        FormatOptions::new().fats(3),
        FormatOptions::new().root_entries(7),
        FormatOptions::new().label("no/slash"),
    ] {
        assert_errno(fs.mkfs(&bad), Errno::EINVAL);
    }
}

#[test]
fn images_are_reproducible() {
    let make = || {
        let mut fs = VfsFat::new(RamDisk::new(512, 1024))
            .unwrap()
            .with_time_source(Box::new(FixedTime(Timestamp::from_secs(1_700_000_000))));
        fs.mkfs(&FormatOptions::new().volume_id(0xCAFE_F00D).label("REPRO"))
            .unwrap();
        fs.mount(false, false).unwrap();
        fs.mkdir("/d").unwrap();
        write_file(&mut fs, "/d/f.txt", &pattern(1, 5000)).unwrap();
        assert_eq!(fs.volume_info().unwrap().volume_id, 0xCAFE_F00D);
        image_of(fs)
    };
    assert_eq!(make(), make());
    // Without a volume id, FatFs's rule: the packed FAT date and time of the clock.
    let mut fs = fresh(256);
    assert_eq!(fs.volume_info().unwrap().volume_id, 0x2821_0000);
    assert_eq!(fs.label().unwrap(), None);
}

#[test]
fn timestamps_have_two_second_resolution() {
    let mut fs = VfsFat::new(RamDisk::new(512, 512))
        .unwrap()
        .with_time_source(Box::new(FixedTime(Timestamp::from_secs(1_795_575_749))));
    fs.mkfs(&FormatOptions::new()).unwrap();
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/t", b"x").unwrap();
    fs.mkdir("/d").unwrap();
    for p in ["/t", "/d"] {
        let st = fs.stat(p).unwrap();
        assert_eq!(
            (st.atime, st.mtime, st.ctime),
            (1_795_575_748, 1_795_575_748, 1_795_575_748),
            "{p}"
        );
    }
    let root = fs.stat("/").unwrap();
    assert_eq!(
        root.to_tuple(),
        [
            0x4000,
            0,
            0,
            0,
            0,
            0,
            0,
            946_684_800,
            946_684_800,
            946_684_800
        ]
    );
    // A later write moves the time on; reading does not.
    fs.set_time_source(Box::new(FixedTime(Timestamp::from_secs(1_800_000_001))));
    assert_eq!(read_file(&mut fs, "/t").unwrap(), b"x");
    assert_eq!(fs.stat("/t").unwrap().mtime, 1_795_575_748);
    let f = fs.open("/t", OpenMode::APPEND).unwrap();
    fs.write(f, b"y").unwrap();
    fs.close(f).unwrap();
    assert_eq!(fs.stat("/t").unwrap().mtime, 1_800_000_000);
    // Before 1980 is stored as 1980-01-01.
    fs.set_time_source(Box::new(FixedTime(Timestamp::from_secs(0))));
    write_file(&mut fs, "/old", b"o").unwrap();
    assert_eq!(fs.stat("/old").unwrap().mtime, 315_532_800);
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn many_files_open_at_once() {
    let mut fs = fresh(4096);
    let handles: Vec<FileHandle> = (0..100)
        .map(|i| {
            fs.open(&format!("/file {i}.dat"), OpenMode::parse("w+").unwrap())
                .unwrap()
        })
        .collect();
    for round in 0..5u64 {
        for (i, &f) in handles.iter().enumerate() {
            let chunk = pattern(round * 1000 + i as u64, 97 + i);
            (&mut fs as &mut dyn Filesystem)
                .write_all(f, &chunk)
                .unwrap();
        }
    }
    for (i, &f) in handles.iter().enumerate() {
        fs.seek(f, SeekFrom::Start(0)).unwrap();
        let mut got = vec![0; 5 * (97 + i)];
        let n = (&mut fs as &mut dyn Filesystem)
            .read_full(f, &mut got)
            .unwrap();
        assert_eq!(n, got.len());
        let want: Vec<u8> = (0..5u64)
            .flat_map(|r| pattern(r * 1000 + i as u64, 97 + i))
            .collect();
        assert_eq!(got, want, "file {i}");
    }
    for f in handles {
        fs.close(f).unwrap();
    }
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn handles_on_one_file_share_its_size_and_chain() {
    let mut fs = fresh(512);
    let w = fs.open("/shared", OpenMode::WRITE).unwrap();
    let r = fs.open("/shared", OpenMode::READ).unwrap();
    (&mut fs as &mut dyn Filesystem)
        .write_all(w, &pattern(1, 3000))
        .unwrap();
    let mut buf = vec![0; 4000];
    assert_eq!(
        (&mut fs as &mut dyn Filesystem)
            .read_full(r, &mut buf)
            .unwrap(),
        3000
    );
    assert_eq!(&buf[..3000], &pattern(1, 3000)[..]);
    fs.truncate(w, 100).unwrap();
    fs.seek(r, SeekFrom::Start(0)).unwrap();
    assert_eq!(
        (&mut fs as &mut dyn Filesystem)
            .read_full(r, &mut buf)
            .unwrap(),
        100
    );
    // An open file cannot be removed or renamed away (MicroPython would corrupt the volume).
    assert_errno(fs.remove("/shared"), Errno::EBUSY);
    assert_errno(fs.rename("/shared", "/other"), Errno::EBUSY);
    write_file(&mut fs, "/victim", b"v").unwrap();
    assert_errno(fs.rename("/victim", "/shared"), Errno::EBUSY);
    fs.close(w).unwrap();
    fs.close(r).unwrap();
    fs.rename("/victim", "/shared").unwrap();
    assert_eq!(read_file(&mut fs, "/shared").unwrap(), b"v");
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn readonly_mounts_never_write() {
    let mut fs = fresh(512);
    write_file(&mut fs, "/f", b"data").unwrap();
    fs.mkdir("/d").unwrap();
    let image = image_of(fs);
    let mut fs = VfsFat::new(RamDisk::from_image(image.clone(), 512)).unwrap();
    fs.mount(true, false).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"data");
    for mode in ["w", "a", "r+", "x", "w+"] {
        assert_errno(fs.open("/f", OpenMode::parse(mode).unwrap()), Errno::EROFS);
    }
    assert_errno(fs.mkdir("/e"), Errno::EROFS);
    assert_errno(fs.remove("/f"), Errno::EROFS);
    assert_errno(fs.rmdir("/d"), Errno::EROFS);
    assert_errno(fs.rename("/f", "/g"), Errno::EROFS);
    let f = fs.open("/f", OpenMode::READ).unwrap();
    // FatFs's FR_DENIED, as MicroPython reports it.
    assert_errno(fs.write(f, b"x"), Errno::EACCES);
    assert_errno(fs.truncate(f, 0), Errno::EACCES);
    fs.flush(f).unwrap();
    fs.close(f).unwrap();
    fs.sync().unwrap();
    fs.statvfs("/").unwrap();
    fs.umount().unwrap();
    assert_eq!(fs.disk_stats().device_writes, 0);
    assert_eq!(fs.into_device().into_bytes(), image);
}

#[test]
fn fat_names() {
    let mut fs = fresh(512);
    write_file(&mut fs, "/Hello.TXT", b"h").unwrap();
    // Case-insensitive, and trailing dots and spaces do not count (FatFs drops them).
    assert_eq!(read_file(&mut fs, "/hello.txt").unwrap(), b"h");
    assert_eq!(read_file(&mut fs, "/HELLO.TXT. .").unwrap(), b"h");
    assert_errno(fs.open("/hello.txt", OpenMode::CREATE_NEW), Errno::EEXIST);
    let d = fs.opendir("/").unwrap();
    assert_eq!(fs.readdir(d).unwrap().unwrap().name.as_str(), "Hello.TXT");
    fs.closedir(d).unwrap();
    for bad in ["/a*b", "/a?", "/a:b", "/a<b", "/a\"b", "/a|b", "/...", "/ "] {
        assert_errno(fs.open(bad, OpenMode::WRITE), Errno::EINVAL);
        assert_errno(fs.stat(bad), Errno::EINVAL);
    }
    // As MicroPython's VfsFat (FatFs): `\` separates, so `a` is looked for and missing;
    // 256 bytes is an invalid name.
    assert_errno(fs.open("/a\\b", OpenMode::WRITE), Errno::ENOENT);
    assert_errno(fs.stat("/a\\b"), Errno::ENOENT);
    assert_errno(
        fs.open(&format!("/{}", "n".repeat(256)), OpenMode::WRITE),
        Errno::EINVAL,
    );
    // Relative paths never reach a backend; FatFs would start at its current directory.
    for bad in ["", "x"] {
        assert_errno(fs.stat(bad), Errno::EINVAL);
    }
    // Unnormalised paths resolve as FatFs resolves them (see tests/paths.rs).
    for missing in ["/a/", "//a", "/a/../b"] {
        assert_errno(fs.stat(missing), Errno::ENOENT);
    }
    assert_eq!(read_file(&mut fs, "//hello.txt").unwrap(), b"h");
    assert_eq!(read_file(&mut fs, "\\.\\..\\hello.txt").unwrap(), b"h");
    write_file(&mut fs, "/\u{1F600}", b"").unwrap_err();
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn full_volume_is_enospc_and_stays_clean() {
    let mut fs = fresh(256);
    let f = fs.open("/fill", OpenMode::WRITE).unwrap();
    let chunk = pattern(1, 1000);
    let mut total = 0usize;
    let err = loop {
        match fs.write(f, &chunk) {
            Ok(n) => total += n,
            Err(e) => break e,
        }
    };
    assert_eq!(err.errno(), Errno::ENOSPC);
    assert_eq!(total, 222 * 512);
    fs.close(f).unwrap();
    assert_eq!(fs.statvfs("/").unwrap().bfree, 0);
    assert_errno(fs.mkdir("/d"), Errno::ENOSPC);
    let g = fs.open("/g", OpenMode::WRITE).unwrap();
    assert_errno(fs.write(g, b"x"), Errno::ENOSPC);
    fs.close(g).unwrap();
    assert_eq!(fs.stat("/fill").unwrap().size, total as u64);
    fs.remove("/fill").unwrap();
    assert_eq!(fs.statvfs("/").unwrap().bfree, 222);
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn full_root_directory_is_enospc() {
    let mut fs = fresh(2048);
    let mut made = 0;
    let err = loop {
        match write_file(&mut fs, &format!("/F{made}"), b"") {
            Ok(()) => made += 1,
            Err(e) => break e,
        }
        assert!(made <= 512, "the root directory never filled");
    };
    assert_eq!(err.errno(), Errno::ENOSPC);
    assert!(made >= 200, "{made}");
    let free = fs.statvfs("/").unwrap().bfree;
    assert_errno(fs.mkdir("/DIR"), Errno::ENOSPC);
    assert_eq!(
        fs.statvfs("/").unwrap().bfree,
        free,
        "a failed mkdir kept its cluster"
    );
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn cache_off_and_on_agree() {
    let run = |lines: usize| {
        let mut fs = VfsFat::new(RamDisk::new(512, 2048))
            .unwrap()
            .with_cache_lines(lines);
        assert_eq!(fs.cache_lines(), lines);
        fs.mkfs(&FormatOptions::new()).unwrap();
        fs.mount(false, false).unwrap();
        fs.mkdir("/d").unwrap();
        for i in 0..20 {
            write_file(&mut fs, &format!("/d/f{i}"), &pattern(i, 700 * i as usize)).unwrap();
        }
        let reads = fs.disk_stats().device_reads;
        (image_of(fs), reads)
    };
    let (cached, cached_reads) = run(32);
    let (uncached, uncached_reads) = run(0);
    assert_eq!(cached, uncached);
    assert!(
        uncached_reads > 10 * cached_reads,
        "{uncached_reads} vs {cached_reads}"
    );
}

#[test]
fn sparse_writes_fill_with_zeros() {
    let mut fs = fresh(512);
    let f = fs.open("/s", OpenMode::parse("w+").unwrap()).unwrap();
    fs.seek(f, SeekFrom::Start(5000)).unwrap();
    fs.write(f, b"end").unwrap();
    fs.truncate(f, 6000).unwrap();
    fs.close(f).unwrap();
    let data = read_file(&mut fs, "/s").unwrap();
    assert_eq!(data.len(), 6000);
    assert!(data[..5000].iter().all(|&b| b == 0));
    assert_eq!(&data[5000..5003], b"end");
    assert!(data[5003..].iter().all(|&b| b == 0));
    assert_fsck_clean(&image_of(fs));
}

#[test]
fn directories_moved_between_parents_keep_dotdot_right() {
    let mut fs = fresh(1024);
    fs.mkdir("/a").unwrap();
    fs.mkdir("/a/b").unwrap();
    fs.mkdir("/c").unwrap();
    write_file(&mut fs, "/a/b/f", b"f").unwrap();
    fs.rename("/a/b", "/c/b").unwrap();
    fs.rename("/c", "/a/c").unwrap();
    fs.rename("/a/c/b", "/b").unwrap();
    assert_errno(fs.rename("/a", "/a/c/x"), Errno::EINVAL);
    assert_errno(fs.rename("/a", "/A/C/x"), Errno::EINVAL);
    assert_errno(fs.rename("/a/c", "/A/c/x"), Errno::EINVAL);
    fs.rename("/a", "/A").unwrap(); // the same entry: nothing to do
    assert_eq!(read_file(&mut fs, "/b/f").unwrap(), b"f");
    assert_fsck_clean(&image_of(fs));
}

/// mkfs on every small device size, every FAT type and a few cluster sizes: a volume that
/// mounts and passes its check, or `EIO` (default options, as MicroPython) or `EINVAL`; never a panic inside fatfs's layout arithmetic.
#[test]
fn mkfs_never_panics_on_small_devices() {
    let types = [
        None,
        Some(FatType::Fat12),
        Some(FatType::Fat16),
        Some(FatType::Fat32),
    ];
    for blocks in (1..=160).chain([255, 256, 257, 4095, 4096, 4097, 8190]) {
        for t in types {
            for cluster in [None, Some(512), Some(4096), Some(65536)] {
                let mut opts = FormatOptions::new();
                if let Some(t) = t {
                    opts = opts.fat_type(t);
                }
                if let Some(c) = cluster {
                    opts = opts.cluster_size(c);
                }
                let mut fs = VfsFat::new(RamDisk::new(512, blocks)).unwrap();
                match fs.mkfs(&opts) {
                    Ok(()) => {
                        fs.mount(false, false).unwrap();
                        if let Some(t) = t {
                            assert_eq!(fs.fat_type().unwrap(), t);
                        }
                        fs.check().unwrap();
                        write_file(&mut fs, "/f", b"x").unwrap();
                        fs.umount().unwrap();
                    }
                    Err(e) => {
                        // MicroPython's layout fails as MicroPython does (FatFs's
                        // FR_MKFS_ABORTED is EIO); options it cannot honour are EINVAL.
                        let want = if t.is_none() && cluster.is_none() {
                            Errno::EIO
                        } else {
                            Errno::EINVAL
                        };
                        assert_eq!(e.errno(), want, "{blocks} {t:?} {cluster:?}: {e}")
                    }
                }
            }
        }
    }
}

/// The size of an entry in `stat` and listings (oracle: `micropython` v1.29, `vfs.VfsFat` on a
/// RAM device) is what its directory entry says: FatFs writes the entry at `f_sync` (flush,
/// close), and empties it at once when `"w"` opens an existing file.
/// Measured: `open("/e","a+b"); write(100 bytes)` lists `("e", 0)`, `stat` size 0; after
/// `flush` 100; after 50 more bytes still 100; after `close` 150; `open("/e","w")` lists 0.
#[test]
fn sizes_in_listings_are_those_of_the_directory_entry() {
    let mut fs = fresh(512);
    let size_of = |fs: &mut VfsFat<RamDisk>, name: &str| {
        let l = listing(fs, "/").unwrap();
        let listed = l.iter().find(|e| e.0 == name).unwrap().2;
        assert_eq!(fs.stat(&format!("/{name}")).unwrap().size, listed);
        listed
    };
    let f = fs.open("/e", OpenMode::parse("a+").unwrap()).unwrap();
    fs.write(f, &[b'x'; 100]).unwrap();
    assert_eq!(size_of(&mut fs, "e"), 0);
    fs.flush(f).unwrap();
    assert_eq!(size_of(&mut fs, "e"), 100);
    fs.write(f, &[b'y'; 50]).unwrap();
    assert_eq!(size_of(&mut fs, "e"), 100);
    fs.close(f).unwrap();
    assert_eq!(size_of(&mut fs, "e"), 150);
    let f = fs.open("/e", OpenMode::WRITE).unwrap();
    assert_eq!(size_of(&mut fs, "e"), 0);
    fs.close(f).unwrap();
    assert_eq!(size_of(&mut fs, "e"), 0);
    assert_fsck_clean(&image_of(fs));
}

/// Reading through a file opened only for writing is FatFs's `FR_DENIED`: `EACCES` under
/// MicroPython (oracle: `f.read(1)` on `"w"` and `"a"` handles raises `OSError(13)`).
#[test]
fn reading_a_write_only_file_is_eacces() {
    let mut fs = fresh(512);
    let mut buf = [0u8; 4];
    for mode in ["w", "a"] {
        let f = fs.open("/a", OpenMode::parse(mode).unwrap()).unwrap();
        assert_errno(fs.read(f, &mut buf), Errno::EACCES);
        fs.close(f).unwrap();
    }
}

/// Append mode (oracle: a 3-byte file opened `"a"` or `"a+"` has `tell() == 3`; after
/// `seek(10)` a write goes at 10 and the file has 11 bytes). FatFs leaves stale bytes in the
/// gap; uvfs writes zeros.
#[test]
fn append_starts_at_the_end_and_writes_past_it_where_sought() {
    let mut fs = fresh(512);
    for mode in ["a", "a+"] {
        write_file(&mut fs, "/a", b"abc").unwrap();
        let f = fs.open("/a", OpenMode::parse(mode).unwrap()).unwrap();
        assert_eq!(fs.seek(f, SeekFrom::Current(0)).unwrap(), 3, "{mode}");
        assert_eq!(fs.seek(f, SeekFrom::Start(10)).unwrap(), 10);
        assert_eq!(fs.write(f, b"Z").unwrap(), 1);
        assert_eq!(fs.seek(f, SeekFrom::Current(0)).unwrap(), 11);
        fs.close(f).unwrap();
        assert_eq!(fs.stat("/a").unwrap().size, 11);
        assert_eq!(read_file(&mut fs, "/a").unwrap(), b"abc\0\0\0\0\0\0\0Z");
    }
    assert_fsck_clean(&image_of(fs));
}

/// New entries go where FatFs's `dir_register` puts them: the first run of free slots large
/// enough (one slot for a plain 8.3 name, else its long-name entries too), and a rename
/// registers the new name before it frees the old one. Oracle (`micropython` v1.29,
/// `vfs.VfsFat`), listing `/t` after each line:
/// `rename /t/d/e /t/z` → d f z; `rename /t/f /t/g` → d z g; `remove /t/z; mkdir /t/a` →
/// d a g; `create "Long Name.txt"; remove g; create b; create c` → d a b c "Long Name.txt";
/// `rename /t/a "/t/Another long one"` → d b c "Long Name.txt" "Another long one".
#[test]
fn new_entries_take_the_slots_fatfs_gives_them() {
    let mut fs = fresh(512);
    let names = |fs: &mut VfsFat<RamDisk>| -> Vec<String> {
        listing(fs, "/t")
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect()
    };
    fs.mkdir("/t").unwrap();
    fs.mkdir("/t/d").unwrap();
    write_file(&mut fs, "/t/d/e", b"").unwrap();
    write_file(&mut fs, "/t/f", b"").unwrap();
    fs.rename("/t/d/e", "/t/z").unwrap();
    assert_eq!(names(&mut fs), ["d", "f", "z"]);
    fs.rename("/t/f", "/t/g").unwrap();
    assert_eq!(names(&mut fs), ["d", "z", "g"]);
    fs.remove("/t/z").unwrap();
    fs.mkdir("/t/a").unwrap();
    assert_eq!(names(&mut fs), ["d", "a", "g"]);
    write_file(&mut fs, "/t/Long Name.txt", b"").unwrap();
    fs.remove("/t/g").unwrap();
    write_file(&mut fs, "/t/b", b"").unwrap();
    write_file(&mut fs, "/t/c", b"").unwrap();
    assert_eq!(names(&mut fs), ["d", "a", "b", "c", "Long Name.txt"]);
    fs.rename("/t/a", "/t/Another long one").unwrap();
    assert_eq!(
        names(&mut fs),
        ["d", "b", "c", "Long Name.txt", "Another long one"]
    );
    assert_fsck_clean(&image_of(fs));
}
