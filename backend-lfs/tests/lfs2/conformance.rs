//! testkit's conformance suite, held to `Profile::Lfs2` (MicroPython's `VfsLfs2` errnos), on
//! MicroPython's default geometry and on the fixtures' big-block one.

use uvfs_backend_lfs::lfs2::Lfs2Config;
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::conformance::{self, Config};
use uvfs_testkit::Profile;

use crate::lfs2::support::fresh_with;

fn check(name: &str, factory: &mut dyn FnMut() -> BoxedFilesystem) {
    let report = conformance::run(&Config::new(Profile::Lfs2), factory);
    println!("{name}: {report:#}");
    report.assert_ok();
    assert!(report.skipped.is_empty(), "{report:#}");
}

#[test]
fn conformance_512_byte_blocks() {
    // MicroPython's defaults on 512-byte blocks; 512 blocks leave room to rewrite the 64 KiB
    // large file.
    check("512 B x 512, defaults", &mut || {
        Box::new(fresh_with(512, 512, Lfs2Config::default()))
    });
}

#[test]
fn conformance_4k_blocks_without_mtime() {
    // The geometry of the fixture lfs2-4k-16-64 (readsize 16, progsize 64, lookahead 16), on
    // more blocks; mtime off changes what vfs_lfs_mtime expects.
    let cfg = Lfs2Config {
        read_size: 16,
        prog_size: 64,
        lookahead: 16,
        mtime: false,
        ..Lfs2Config::default()
    };
    let report = conformance::run(
        &{
            let mut c = Config::new(Profile::Lfs2);
            c.caps.mtime = false;
            c
        },
        &mut || Box::new(fresh_with(4096, 128, cfg)),
    );
    println!("4 KiB x 128, 16/64/16, mtime off: {report:#}");
    report.assert_ok();
    assert!(report.skipped.is_empty(), "{report:#}");
}
