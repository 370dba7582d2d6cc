//! Arbitrary operation sequences on `VfsKv` (on a `RamFlash`) compared with `MemFs`
//! (`Profile::Mem`) by `uvfs_testkit::diff::run`: every result, errno, byte read and listing,
//! then the whole tree after a remount. A mismatch is a finding; its `Op` list replays in the
//! crate's proptest (`backend-kv/tests/diff.rs`).
#![no_main]

mod ops;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_backend_kv::{RamFlash, VfsKv};
use uvfs_os_api::{BoxedFilesystem, FixedTime, Timestamp};
use uvfs_testkit::Profile;

#[derive(Debug, Arbitrary)]
enum Geometry {
    /// 4-byte words, 4 KiB sectors, 32 of them (the crate's `kv_4k` differential).
    Words4Pages4k,
    /// Byte-programmable, 512-byte sectors, 128 of them (`kv_512`): many chunks.
    Bytes1Pages512,
    /// 8-byte words, 1 KiB sectors, 64 of them.
    Words8Pages1k,
}

fn fresh<const W: usize, const P: usize>(pages: usize) -> BoxedFilesystem {
    let clock = Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)));
    match VfsKv::new(RamFlash::<W, P>::new(pages)) {
        Ok(fs) => {
            let mut fs = fs.with_time_source(clock);
            if let Err(e) = fs.mkfs() {
                panic!("mkfs on a fresh {pages}-page flash failed: {e}");
            }
            Box::new(fs)
        }
        Err(e) => panic!("VfsKv::new on a fresh flash failed: {e}"),
    }
}

fuzz_target!(|input: ops::Input<Geometry>| {
    ops::check(&input, Profile::Mem, "VfsKv", |geometry| match geometry {
        Geometry::Words4Pages4k => fresh::<4, 4096>(32),
        Geometry::Bytes1Pages512 => fresh::<1, 512>(128),
        Geometry::Words8Pages1k => fresh::<8, 1024>(64),
    });
});
