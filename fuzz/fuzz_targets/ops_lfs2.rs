//! Arbitrary operation sequences on `VfsLfs2` compared with `MemFs` (`Profile::Lfs2`) by
//! `uvfs_testkit::diff::run`, on the two volumes of `backend-lfs/tests/lfs2/diff.rs`: 512-byte
//! blocks with MicroPython's defaults, and 128-byte blocks with 16-byte reads and programs
//! (inline files spill early, metadata compacts often). A mismatch is a finding.
#![no_main]

mod ops;

use libfuzzer_sys::fuzz_target;
use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{BoxedFilesystem, FixedTime, Timestamp};
use uvfs_testkit::Profile;
use uvfs_vfs_core::RamDisk;

fn fresh(block_size: u32, block_count: u32, config: Lfs2Config) -> BoxedFilesystem {
    let mut fs = match VfsLfs2::new(RamDisk::new_flash(block_size, block_count), config) {
        Ok(fs) => fs.with_time_source(Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)))),
        Err(e) => panic!("VfsLfs2::new on a fresh flash: {e}"),
    };
    if let Err(e) = fs.mkfs() {
        panic!("mkfs on a fresh flash: {e}");
    }
    Box::new(fs)
}

// `variant`: 128-byte blocks instead of 512.
fuzz_target!(|input: ops::Input<bool>| {
    ops::check(&input, Profile::Lfs2, "VfsLfs2", |&small_blocks| {
        if small_blocks {
            let config = Lfs2Config {
                read_size: 16,
                prog_size: 16,
                lookahead: 8,
                ..Lfs2Config::default()
            };
            fresh(128, 1024, config)
        } else {
            fresh(512, 256, Lfs2Config::default())
        }
    });
});
