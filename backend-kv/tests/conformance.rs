//! testkit's conformance suite, held to `Profile::Mem` (uvfs's Posix-like errnos: `VfsKv` has no
//! MicroPython counterpart to match).

use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::conformance::{self, Config};
use uvfs_testkit::Profile;

use crate::support::{fresh, Flash4k, Flash512};

fn check(name: &str, factory: &mut dyn FnMut() -> BoxedFilesystem) {
    let report = conformance::run(&Config::new(Profile::Mem), factory);
    println!("{name}: {report:#}");
    report.assert_ok();
    assert!(report.skipped.is_empty(), "{report:#}");
}

#[test]
fn conformance_4k_pages() {
    // 64 sectors of 4 KiB: the 64 KiB large-file scenario rewrites with room to spare.
    check("4 KiB pages", &mut || Box::new(fresh::<4, 4096>(64)));
    let _ = Flash4k::new;
}

#[test]
fn conformance_512_byte_pages() {
    // 512-byte sectors: names near 255 bytes and large files spread over many chunks.
    check("512 B pages", &mut || Box::new(fresh::<1, 512>(512)));
    let _ = Flash512::new;
}
