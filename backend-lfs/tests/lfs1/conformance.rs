//! testkit's conformance suite held to `Profile::Lfs1`, at two geometries.

use uvfs_backend_lfs::lfs1::Lfs1Config;
use uvfs_testkit::conformance::{self, Config};
use uvfs_testkit::Profile;

use super::support::{cfg, fresh};

fn check(name: &str, block_size: u32, block_count: u32, c: Lfs1Config) {
    let report = conformance::run(&Config::new(Profile::Lfs1), &mut || {
        Box::new(fresh(block_size, block_count, c))
    });
    println!("{name}: {report:#}");
    report.assert_ok();
    assert!(report.skipped.is_empty(), "{report:#}");
}

#[test]
fn conformance_512_byte_blocks() {
    // 512 B x 1024 (512 KiB): the 64 KiB large file is 130 CTZ blocks, names of 255 bytes
    // leave room for one entry per block.
    check("512 B blocks", 512, 1024, Lfs1Config::default());
}

#[test]
fn conformance_4k_blocks() {
    check("4 KiB blocks", 4096, 128, cfg(16, 64, 64));
}
