//! Mounting arbitrary bytes as a littlefs v1 volume (`VfsLfs1` on a flash-like `RamDisk`
//! holding them), then walking the whole tree, reading every file and trying a few writes:
//! never a panic or a hang, and whatever is written reads back (see `common::exercise`).
//!
//! The block size is the superblock's when it is legal (128 to 64 KiB, dividing the image),
//! else 512; read/prog/lookahead sizes are the fixtures' (MicroPython's defaults, 16/64/64 for
//! 4 KiB blocks). `VfsLfs1` is pure Rust (no C littlefs v1 is linked). Seeds: the fixture
//! images.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_vfs_core::RamDisk;

use common::{exercise, image_block_size, Fuel};

/// Images are cut to this many bytes (the largest fixture is 256 KiB).
const MAX_IMAGE: usize = 256 * 1024;

fuzz_target!(|data: &[u8]| {
    let image = data[..data.len().min(MAX_IMAGE)].to_vec();
    let block = image_block_size(&image, 128, 64 * 1024, 512);
    let config = if block >= 4096 {
        Lfs1Config {
            read_size: 16,
            prog_size: 64,
            lookahead: 64,
        }
    } else {
        Lfs1Config::default()
    };
    let mut disk = RamDisk::from_image(image, block);
    disk.set_flash(true);
    let mut fs = VfsLfs1::new(disk, config);
    exercise(&mut fs, &mut Fuel::new(20_000), true, 1500);
});
