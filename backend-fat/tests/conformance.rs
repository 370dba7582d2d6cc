use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::conformance::{self, Config};
use uvfs_testkit::Profile;
use uvfs_vfs_core::RamDisk;

/// Runs the whole suite on fresh volumes of `blocks` blocks of `block_size` bytes.
fn run(block_size: u32, blocks: u32, options: FormatOptions, cache_lines: usize) {
    let mut factory = || -> BoxedFilesystem {
        let mut fs = VfsFat::new(RamDisk::new(block_size, blocks))
            .unwrap()
            .with_cache_lines(cache_lines);
        fs.mkfs(&options).unwrap();
        Box::new(fs)
    };
    let report = conformance::run(&Config::new(Profile::Fat), &mut factory);
    report.assert_ok();
    assert!(report.skipped.is_empty(), "{report:#}");
    assert_eq!(report.passed.len(), conformance::scenario_names().len());
}

#[test]
fn fat12_512_byte_sectors() {
    run(512, 2048, FormatOptions::new(), 32);
}

#[test]
fn fat12_4096_byte_sectors() {
    run(4096, 256, FormatOptions::new(), 32);
}

#[test]
fn fat16_512_byte_sectors_uncached() {
    run(
        512,
        16 * 1024,
        FormatOptions::new()
            .fat_type(FatType::Fat16)
            .cluster_size(1024),
        0,
    );
}

#[test]
fn fat32_512_byte_sectors() {
    run(
        512,
        70_000,
        FormatOptions::new()
            .fat_type(FatType::Fat32)
            .cluster_size(512),
        8,
    );
}

#[test]
fn fat12_1024_and_2048_byte_sectors() {
    run(1024, 1024, FormatOptions::new(), 32);
    run(2048, 512, FormatOptions::new(), 4);
}
