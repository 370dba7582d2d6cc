//! Arbitrary operation sequences on `VfsLfs1` (pure Rust) compared with `MemFs`
//! (`Profile::Lfs1`) by `uvfs_testkit::diff::run`, on the two volumes of
//! `backend-lfs/tests/lfs1/diff.rs`: 512-byte blocks with MicroPython's defaults, and 128-byte
//! blocks with 8-byte reads and 16-byte programs (files span many blocks, directories grow
//! chains quickly). A mismatch is a finding.
#![no_main]

mod ops;

use libfuzzer_sys::fuzz_target;
use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::Profile;
use uvfs_vfs_core::RamDisk;

fn fresh(block_size: u32, block_count: u32, config: Lfs1Config) -> BoxedFilesystem {
    let mut fs = VfsLfs1::new(RamDisk::new_flash(block_size, block_count), config);
    if let Err(e) = fs.mkfs() {
        panic!("mkfs on a fresh flash: {e}");
    }
    Box::new(fs)
}

// `variant`: 128-byte blocks instead of 512.
fuzz_target!(|input: ops::Input<bool>| {
    ops::check(&input, Profile::Lfs1, "VfsLfs1", |&small_blocks| {
        if small_blocks {
            let config = Lfs1Config {
                read_size: 8,
                prog_size: 16,
                lookahead: 32,
            };
            fresh(128, 1024, config)
        } else {
            fresh(512, 256, Lfs1Config::default())
        }
    });
});
