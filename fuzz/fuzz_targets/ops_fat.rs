//! Arbitrary operation sequences on `VfsFat` (a fresh FAT12 volume of 256 KiB, 512- or
//! 4096-byte sectors) compared with `MemFs` (`Profile::Fat`) by `uvfs_testkit::diff::run`. A
//! mismatch is a finding; its `Op` list replays in `backend-fat/tests/differential.rs`.
#![no_main]

mod ops;

use libfuzzer_sys::fuzz_target;
use uvfs_backend_fat::{FormatOptions, VfsFat};
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::Profile;
use uvfs_vfs_core::RamDisk;

// `variant`: 4096-byte sectors instead of 512.
fuzz_target!(|input: ops::Input<bool>| {
    ops::check(
        &input,
        Profile::Fat,
        "VfsFat",
        |&big_sectors| -> BoxedFilesystem {
            let sector = if big_sectors { 4096 } else { 512 };
            let mut fs = match VfsFat::new(RamDisk::new(sector, 512 * 512 / sector)) {
                Ok(fs) => fs,
                Err(e) => panic!("VfsFat::new on a fresh disk: {e}"),
            };
            if let Err(e) = fs.mkfs(&FormatOptions::new()) {
                panic!("mkfs on a fresh disk: {e}");
            }
            Box::new(fs)
        },
    );
});
