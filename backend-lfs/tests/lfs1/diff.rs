//! The same random operations on `VfsLfs1` and on `MemFs` (`Profile::Lfs1`), compared result by
//! result, then the whole tree after a remount. `PROPTEST_CASES` sets the number of cases.

use proptest::prelude::*;
use uvfs_backend_lfs::lfs1::Lfs1Config;
use uvfs_testkit::{diff, strategy, Profile};

use super::support::{cfg, fresh};

proptest! {
    #![proptest_config(diff::proptest_config())]

    #[test]
    fn lfs1_512_behaves_like_memfs(ops in strategy::ops(40)) {
        diff::run(&ops, Profile::Lfs1, &mut || Box::new(fresh(512, 256, Lfs1Config::default())))?;
    }

    #[test]
    fn lfs1_small_blocks_behave_like_memfs(ops in strategy::ops(40)) {
        // 128-byte blocks: files span many blocks and directories grow chains quickly.
        diff::run(&ops, Profile::Lfs1, &mut || Box::new(fresh(128, 1024, cfg(8, 16, 32))))?;
    }
}

/// Fuzz finding (`ops_lfs1`, 2026-12-04, `fuzz/regressions/ops_lfs1/`): `rename(x, x)` of a
/// non-empty directory is `ENOTEMPTY` in littlefs v1 (it replaces the target, itself), which
/// `MemFs`'s LFS1 profile did not model.
#[test]
fn rename_of_a_non_empty_directory_onto_itself() {
    use uvfs_testkit::Op;
    let ops = [
        Op::Mkdir { path: "/a".into() },
        Op::Mkdir {
            path: "/a/b".into(),
        },
        Op::Rename {
            from: "/a".into(),
            to: "/a".into(),
        },
        Op::Rename {
            from: "/a/b".into(),
            to: "/a/b".into(),
        },
    ];
    if let Err(m) = diff::run(&ops, Profile::Lfs1, &mut || {
        Box::new(fresh(512, 256, Lfs1Config::default()))
    }) {
        panic!("{m}");
    }
}
