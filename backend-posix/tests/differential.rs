use proptest::prelude::*;
use uvfs_backend_posix::VfsPosix;
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::{diff, strategy, Profile};

/// Runs `ops` on a `VfsPosix` confined to a fresh temporary directory and on `MemFs(Posix)`.
fn run(ops: &[uvfs_testkit::Op]) -> Result<diff::DiffStats, uvfs_testkit::Mismatch> {
    let tmp = tempfile::tempdir().unwrap();
    let mut backend =
        || -> BoxedFilesystem { Box::new(VfsPosix::new(Some(tmp.path())).unwrap()) };
    diff::run_counted(ops, Profile::Posix, &mut backend)
}

proptest! {
    #![proptest_config(diff::proptest_config())]

    /// `PROPTEST_CASES` sequences (default 64) of up to 40 operations behave as on MemFs.
    #[test]
    fn behaves_like_memfs(ops in strategy::ops(40)) {
        run(&ops)?;
    }
}
