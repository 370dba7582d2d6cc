//! Mounting arbitrary bytes as a FAT volume (`VfsFat` on a `RamDisk` holding them), then
//! walking the whole tree, reading every file and trying a few writes: never a panic or a
//! hang, and whatever is written reads back (see `common::exercise`). The sector size is the
//! boot sector's when it is legal (512 to 4096), else 512. Seeds: the fixture images.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use uvfs_backend_fat::VfsFat;
use uvfs_os_api::{FixedTime, Timestamp};
use uvfs_vfs_core::RamDisk;

use common::{exercise, image_block_size, Fuel};

/// Images are cut to this many bytes (the largest fixture is 800 KiB).
const MAX_IMAGE: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let image = data[..data.len().min(MAX_IMAGE)].to_vec();
    let sector = image_block_size(&image, 512, 4096, 512);
    let Ok(fs) = VfsFat::new(RamDisk::from_image(image, sector)) else {
        return;
    };
    let mut fs = fs.with_time_source(Box::new(FixedTime(Timestamp::from_secs(1_700_000_000))));
    exercise(&mut fs, &mut Fuel::new(50_000), true, 1500);
});
