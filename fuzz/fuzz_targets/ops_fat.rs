//! Arbitrary operation sequences on `VfsFat` (a fresh FAT12 volume of 256 KiB, 512- or
//! 4096-byte sectors) compared with `MemFs` (`Profile::Fat`) by `uvfs_testkit::diff::run`. A
//! mismatch is a finding; its `Op` list replays in `backend-fat/tests/differential.rs`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_backend_fat::{FormatOptions, VfsFat};
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::{diff, Op, Profile};
use uvfs_vfs_core::RamDisk;

/// At most this many operations per input.
const MAX_OPS: usize = 48;

#[derive(Debug, Arbitrary)]
struct Input {
    big_sectors: bool,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let ops = &input.ops[..input.ops.len().min(MAX_OPS)];
    let sector = if input.big_sectors { 4096 } else { 512 };
    let mut backend = || -> BoxedFilesystem {
        let mut fs = match VfsFat::new(RamDisk::new(sector, 512 * 512 / sector)) {
            Ok(fs) => fs,
            Err(e) => panic!("VfsFat::new on a fresh disk: {e}"),
        };
        if let Err(e) = fs.mkfs(&FormatOptions::new()) {
            panic!("mkfs on a fresh disk: {e}");
        }
        Box::new(fs)
    };
    if let Err(m) = diff::run(ops, Profile::Fat, &mut backend) {
        panic!("VfsFat differs from MemFs: {m}\nops: {ops:#?}");
    }
});
