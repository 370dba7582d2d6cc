//! Filesystem detection on arbitrary bytes never panics and reports only sane geometry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvfs_vfs_core::detect::detect_bytes;

fuzz_target!(|image: &[u8]| {
    if let Some(d) = detect_bytes(image) {
        assert!(d.block_size > 0);
    }
});
