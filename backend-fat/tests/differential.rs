use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use uvfs_backend_fat::{FormatOptions, VfsFat};
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::{diff, strategy, Profile, SharedDevice};
use uvfs_vfs_core::RamDisk;

use crate::support::assert_fsck_clean;

/// Runs `ops` on a fresh FAT12 volume and on `MemFs(Fat)`, then checks the image with
/// `fsck.fat -n`.
#[allow(
    clippy::result_large_err,
    reason = "a Mismatch ends the case; proptest takes it unboxed through `?`"
)]
fn run(
    ops: &[uvfs_testkit::Op],
    block_size: u32,
) -> Result<diff::DiffStats, uvfs_testkit::Mismatch> {
    let disk = SharedDevice::new(RamDisk::new(block_size, 512 * 512 / block_size));
    let mut backend = || -> BoxedFilesystem {
        let mut fs = VfsFat::new(disk.clone()).unwrap();
        fs.mkfs(&FormatOptions::new()).unwrap();
        Box::new(fs)
    };
    let stats = diff::run_counted(ops, Profile::Fat, &mut backend)?;
    // run_counted unmounts nothing; the harness dropped both sides, and VfsFat flushed at its
    // final remount comparison. Check what is on the device now.
    let image = disk.with(|d| d.as_bytes().to_vec());
    assert_fsck_clean(&image);
    Ok(stats)
}

proptest! {
    #![proptest_config(diff::proptest_config())]

    /// `PROPTEST_CASES` sequences (default 64) of up to 40 operations behave as on MemFs, and
    /// leave an image `fsck.fat -n` finds clean.
    #[test]
    fn behaves_like_memfs(ops in strategy::ops(40)) {
        run(&ops, 512)?;
    }
}

/// A quarter as many cases on 4096-byte sectors.
fn quarter() -> ProptestConfig {
    let mut c = diff::proptest_config();
    c.cases = (c.cases / 4).max(1);
    c
}

proptest! {
    #![proptest_config(quarter())]

    /// The same on 4096-byte sectors.
    #[test]
    fn behaves_like_memfs_4k(ops in strategy::ops(40)) {
        run(&ops, 4096)?;
    }
}
