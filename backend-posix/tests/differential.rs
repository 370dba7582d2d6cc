use proptest::prelude::*;
use uvfs_backend_posix::VfsPosix;
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::{diff, strategy, Profile};

/// Runs `ops` on a `VfsPosix` confined to a fresh temporary directory and on `MemFs(Posix)`.
#[allow(
    clippy::result_large_err,
    reason = "a Mismatch ends the case; proptest takes it unboxed through `?`"
)]
fn run(ops: &[uvfs_testkit::Op]) -> Result<diff::DiffStats, uvfs_testkit::Mismatch> {
    let tmp = tempfile::tempdir().unwrap();
    let mut backend = || -> BoxedFilesystem { Box::new(VfsPosix::new(Some(tmp.path())).unwrap()) };
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

/// Found by `behaves_like_memfs`: renaming a missing source to a path under a file. Linux
/// resolves both parents before the source, so it alone would say `ENOTDIR`; `VfsPosix`
/// checks the source first (`ENOENT`), as MemFs and every other uvfs backend do.
/// The host's errno passes through: Linux resolves both parents before the source's last
/// component, so a target below a file is ENOTDIR even with the source missing (MemFs's Posix
/// profile does the same).
#[test]
fn rename_errors_are_the_hosts() {
    use uvfs_testkit::Op;
    let ops = [
        Op::Open {
            path: "ab".into(),
            mode: "w".into(),
        },
        Op::Rename {
            from: "a".into(),
            to: "ab/a".into(),
        },
    ];
    let stats = run(&ops).unwrap();
    assert_eq!((stats.compared, stats.succeeded), (2, 1));
}
