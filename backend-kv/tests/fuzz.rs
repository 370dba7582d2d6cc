//! Regressions found by the cargo-fuzz targets in `fuzz/` (see `RELIABILITY.md`). Each test
//! names its target and holds the input's bytes (the device image exactly as the target built
//! it) under `tests/regressions/`.

use uvfs_backend_kv::on_device;
use uvfs_os_api::{FileType, Filesystem, FixedTime, OpenMode, Timestamp};
use uvfs_vfs_core::RamDisk;

use crate::support::{names, read_file, write_file};

fn volume(image: &[u8]) -> uvfs_os_api::BoxedFilesystem {
    let clock = Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)));
    on_device(Box::new(RamDisk::from_image(image.to_vec(), 512)), 4, clock).unwrap()
}

/// `mount_kv`, 2026-12-02. A damaged 55-page volume (512-byte pages, 1-byte words): the first
/// read-write mount failed with `EIO` ("flash contents corrupted") and the same mount, tried
/// again, succeeded. The scan met a page in a state no operation leaves, and the engine ran one
/// `sequential-storage` repair pass, which fixed part of the flash and still reported it
/// corrupted; the next mount's pass finished the job. `mount(rw, mkfs)` took that second path,
/// so it "formatted" without erasing anything. Now the engine repeats repair passes (bounded by
/// the page count) until one comes out clean.
#[test]
fn mount_kv_rw_mount_after_repair_needs_no_retry() {
    let image = include_bytes!("regressions/mount-retry.img");
    let mut boxed = volume(image);
    let fs: &mut dyn Filesystem = &mut *boxed;
    if fs.mount(true, false).is_ok() {
        fs.umount().unwrap();
    }
    let first = fs.mount(false, false);
    if first.is_err() {
        let again = fs.mount(false, false);
        assert!(
            again.is_err(),
            "the first read-write mount failed ({first:?}), the second succeeded"
        );
    }
    // The volume is repairable: the mount succeeds, and lists what the volume holds.
    assert!(first.is_ok(), "{first:?}");
    let d = fs.opendir("/").unwrap();
    while fs.readdir(d).unwrap().is_some() {}
    fs.closedir(d).unwrap();
    fs.umount().unwrap();
}

/// The kv volume `fuzz/fuzz_targets/mount_kv.rs` builds from a raw fuzz input: the input cut to
/// 128 KiB, the header CRC recomputed when it starts with the magic, `0xFF` up to whole
/// 512-byte blocks, `on_device` on a `RamDisk` of it.
fn fuzz_input_volume(input: &[u8]) -> uvfs_os_api::BoxedFilesystem {
    const CRC_COVERS: usize = 24;
    let mut image = input[..input.len().min(128 * 1024)].to_vec();
    if image.starts_with(uvfs_backend_kv::MAGIC) && image.len() >= CRC_COVERS + 4 {
        let crc = crc32(&image[..CRC_COVERS]);
        image[CRC_COVERS..CRC_COVERS + 4].copy_from_slice(&crc.to_le_bytes());
    }
    image.resize(image.len().div_ceil(512).max(1) * 512, 0xFF);
    volume(&image)
}

/// CRC-32 (IEEE, reflected), as the fuzz target fixes up headers.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Lists every directory and reads every file (errors from a damaged volume are fine), as the
/// fuzz target's walk does; returns the number of entries listed.
fn walk(fs: &mut dyn Filesystem) -> usize {
    let mut entries = 0;
    let mut pending = vec![(String::from("/"), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(d) = fs.opendir(&dir) else { continue };
        while let Ok(Some(e)) = fs.readdir(d) {
            entries += 1;
            let path = if dir == "/" {
                format!("/{}", e.name.as_str())
            } else {
                format!("{dir}/{}", e.name.as_str())
            };
            match e.kind {
                FileType::Dir if depth < 12 => pending.push((path, depth + 1)),
                FileType::Dir => {}
                FileType::File => {
                    let _ = read_file(fs, &path);
                }
            }
        }
        fs.closedir(d).unwrap();
    }
    entries
}

/// The fuzz target's probe data: `len` bytes that differ with `seed` and position.
fn probe_pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(37).wrapping_add((i % 253) as u8))
        .collect()
}

/// `mount_kv`, 2026-12-02 (RELIABILITY.md finding 2). A volume with a valid header (1 KiB pages,
/// 16 pages, 4-byte words, chunk size 492) whose map pages hold bytes left from before: garbage
/// in pages `sequential-storage` takes for erased (no page marker), and in the free space of the
/// page it is filling. It mounts clean and empty; `/fuzz.probe` (700 bytes: a chunk and a
/// record) is written, closed without error and reads back right; then `rename` into a new
/// directory failed with `EIO` "file record missing", and after a clean unmount and mount the
/// file was empty. `sequential-storage` appends after the last item it can parse and trusts
/// that everything after it is erased; a later store landed behind those old bytes, which
/// completed a phantom item header that hides it from a fresh traversal (the mechanism of
/// `sequential-storage` issue 136, with old bytes instead of a torn header). The engine's
/// read-back only covered the stores up to the first record after the mount.
#[test]
fn mount_kv_acknowledged_store_survives_garbage_in_erased_space() {
    let input = include_bytes!("regressions/garbage-in-erased-space.bin");
    let mut boxed = fuzz_input_volume(input);
    let fs: &mut dyn Filesystem = &mut *boxed;
    // The target's steps: a read-only mount and walk, a read-write mount and walk, the probe.
    fs.mount(true, false).unwrap();
    walk(fs);
    assert!(fs.open("/fuzz.ro", OpenMode::WRITE).is_err());
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    let entries = walk(fs);
    assert_eq!(entries, 0, "the volume mounts empty");
    let data = probe_pattern(entries as u8, 700);
    let _ = fs.statvfs("/");
    write_file(fs, "/fuzz.probe", &data).unwrap();
    assert_eq!(read_file(fs, "/fuzz.probe").unwrap(), data);
    fs.mkdir("/fuzz.dir").unwrap();
    fs.rename("/fuzz.probe", "/fuzz.dir/p").unwrap();
    assert_eq!(read_file(fs, "/fuzz.dir/p").unwrap(), data);
    write_file(fs, "/fuzz.tmp", b"x").unwrap();
    fs.remove("/fuzz.tmp").unwrap();
    fs.sync().unwrap();
    fs.umount().unwrap();
    // Every acknowledged change is there after a clean remount.
    fs.mount(true, false).unwrap();
    assert_eq!(
        read_file(fs, "/fuzz.dir/p").unwrap(),
        data,
        "/fuzz.dir/p after a clean remount"
    );
    assert_eq!(names(fs, "/").unwrap(), ["fuzz.dir"]);
    walk(fs);
    fs.umount().unwrap();
}

/// `mount_kv`, 2026-12-02 (RELIABILITY.md finding 7). A volume with a valid header (1 KiB pages,
/// 16 pages, 1-byte words) whose pages are in a layout `sequential-storage` never makes: four
/// pages with only a start marker (being filled) and closed pages that the walk back from the
/// first of them does not reach. A mount's scan of every item listed entries in those pages;
/// lookups by key (which walk back from the page being filled) could not find them, and the
/// probe written after the mount failed to read back ("file record missing") and was empty
/// after a remount. The mount now erases the pages no lookup can reach, so the scan and the
/// lookups agree (the volume mounts read-write empty) and every acknowledged change survives.
#[test]
fn mount_kv_pages_no_lookup_reaches_are_erased() {
    let input = include_bytes!("regressions/unreachable-pages.bin");
    let mut boxed = fuzz_input_volume(input);
    let fs: &mut dyn Filesystem = &mut *boxed;
    fs.mount(true, false).unwrap();
    walk(fs);
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    let entries = walk(fs);
    assert_eq!(entries, 0, "entries no lookup can reach are gone");
    let data = probe_pattern(entries as u8, 700);
    write_file(fs, "/fuzz.probe", &data).unwrap();
    assert_eq!(read_file(fs, "/fuzz.probe").unwrap(), data);
    fs.mkdir("/fuzz.dir").unwrap();
    fs.rename("/fuzz.probe", "/fuzz.dir/p").unwrap();
    write_file(fs, "/fuzz.tmp", b"x").unwrap();
    fs.remove("/fuzz.tmp").unwrap();
    fs.sync().unwrap();
    fs.umount().unwrap();
    fs.mount(true, false).unwrap();
    assert_eq!(read_file(fs, "/fuzz.dir/p").unwrap(), data);
    assert_eq!(names(fs, "/").unwrap(), ["fuzz.dir"]);
    fs.umount().unwrap();
    // A second read-write mount finds nothing more to repair.
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(fs, "/fuzz.dir/p").unwrap(), data);
    fs.umount().unwrap();
}
