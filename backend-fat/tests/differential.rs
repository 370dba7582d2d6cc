use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
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
    run_on(
        ops,
        block_size,
        512 * 512 / block_size,
        FormatOptions::new(),
    )
}

/// [`run`] on a volume of `blocks` blocks formatted with `options`.
#[allow(
    clippy::result_large_err,
    reason = "a Mismatch ends the case; proptest takes it unboxed through `?`"
)]
fn run_on(
    ops: &[uvfs_testkit::Op],
    block_size: u32,
    blocks: u32,
    options: FormatOptions,
) -> Result<diff::DiffStats, uvfs_testkit::Mismatch> {
    let disk = SharedDevice::new(RamDisk::new(block_size, blocks));
    let mut backend = || -> BoxedFilesystem {
        let mut fs = VfsFat::new(disk.clone()).unwrap();
        fs.mkfs(&options).unwrap();
        Box::new(fs)
    };
    let stats = diff::run_counted(ops, Profile::Fat, &mut backend)?;
    // The harness's last step unmounted and mounted both sides again (flushing VfsFat) and
    // only read; check what is on the device now.
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

/// A quarter as many cases for the other layouts.
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

    /// The same on FAT16 with two FATs, 1 KiB clusters and no cache.
    #[test]
    fn behaves_like_memfs_fat16(ops in strategy::ops(40)) {
        let opts = FormatOptions::new().fat_type(FatType::Fat16).cluster_size(1024).fats(2);
        run_on(&ops, 512, 20_000, opts)?;
    }
}

/// An eighth as many cases on FAT32, whose smallest volume is 35 MB.
fn eighth() -> ProptestConfig {
    let mut c = diff::proptest_config();
    c.cases = (c.cases / 8).max(1);
    c
}

proptest! {
    #![proptest_config(eighth())]

    /// The same on FAT32 (512-byte clusters).
    #[test]
    fn behaves_like_memfs_fat32(ops in strategy::ops(40)) {
        run_on(&ops, 512, 70_000, FormatOptions::new().fat_type(FatType::Fat32))?;
    }
}

/// Fuzz finding (`ops_fat`, 2026-12-04, `fuzz/regressions/ops_fat/`): after renaming the current
/// directory, FatFs's cwd is the directory under its new name (`getcwd` says so); `MemFs`'s FAT
/// profile kept the old name.
#[test]
fn the_cwd_follows_a_rename_of_it() {
    use uvfs_testkit::Op;
    let ops = [
        Op::Mkdir { path: "/ab".into() },
        Op::Chdir { path: "/ab".into() },
        Op::Rename {
            from: "/ab".into(),
            to: "/a".into(),
        },
        Op::Getcwd,
    ];
    if let Err(m) = run(&ops, 512) {
        panic!("{m:?}");
    }
}
