//! Regressions found by the cargo-fuzz targets in `fuzz/` (see `RELIABILITY.md`). Each test
//! names its target and holds the input's bytes (the device image exactly as the target built
//! it) under `tests/regressions/`.

use uvfs_backend_kv::on_device;
use uvfs_os_api::{Filesystem, FixedTime, Timestamp};
use uvfs_vfs_core::RamDisk;

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
