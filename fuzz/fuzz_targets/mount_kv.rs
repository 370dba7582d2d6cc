//! Mounting arbitrary bytes as a kv volume (`uvfs_backend_kv::on_device` on a `RamDisk` holding
//! them), then walking the whole tree, reading every file and trying a few writes: never a
//! panic or a hang, and whatever is written reads back (see `common::exercise`).
//!
//! The header's CRC is recomputed whenever the input starts with the kv magic, so mutations of
//! the header's fields (page size, page count, word size, chunk size) reach the mount code
//! instead of stopping at the checksum. Seeds: `seed.sh` has `examples/seed_images.rs` write real volumes.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use uvfs_backend_kv::{on_device, MAGIC};
use uvfs_os_api::{FixedTime, Timestamp};
use uvfs_vfs_core::RamDisk;

use common::{crc32, exercise, Fuel};

/// Images are cut to this many bytes (256 pages of 512 bytes).
const MAX_IMAGE: usize = 128 * 1024;
/// Header bytes the CRC covers, and where the CRC sits.
const CRC_COVERS: usize = 24;

fuzz_target!(|data: &[u8]| {
    let mut image = data[..data.len().min(MAX_IMAGE)].to_vec();
    if image.starts_with(MAGIC) && image.len() >= CRC_COVERS + 4 {
        let crc = crc32(&image[..CRC_COVERS]);
        image[CRC_COVERS..CRC_COVERS + 4].copy_from_slice(&crc.to_le_bytes());
    }
    // Erased flash past the end of the input, up to whole 512-byte blocks.
    image.resize(image.len().div_ceil(512).max(1) * 512, 0xFF);
    let clock = Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)));
    let Ok(mut fs) = on_device(Box::new(RamDisk::from_image(image, 512)), 4, clock) else {
        return;
    };
    exercise(&mut *fs, &mut Fuel::new(50_000), true, 700);
});
