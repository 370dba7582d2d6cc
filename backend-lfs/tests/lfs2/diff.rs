//! The same random operations on `VfsLfs2` and on `MemFs` (`Profile::Lfs2`), compared result
//! by result, then the whole tree after a remount. `PROPTEST_CASES` sets the number of cases.

use proptest::prelude::*;
use uvfs_backend_lfs::lfs2::Lfs2Config;
use uvfs_testkit::{diff, strategy, Profile};

use crate::lfs2::support::{fresh, fresh_with};

proptest! {
    #![proptest_config(diff::proptest_config())]

    #[test]
    fn lfs2_512_behaves_like_memfs(ops in strategy::ops(40)) {
        diff::run(&ops, Profile::Lfs2, &mut || Box::new(fresh(512, 256)))?;
    }

    #[test]
    fn lfs2_small_caches_behave_like_memfs(ops in strategy::ops(40)) {
        // 128-byte blocks with 16-byte reads and programs: files leave their inline storage
        // and metadata blocks compact early.
        let cfg = Lfs2Config { read_size: 16, prog_size: 16, lookahead: 8, ..Lfs2Config::default() };
        diff::run(&ops, Profile::Lfs2, &mut || Box::new(fresh_with(128, 1024, cfg)))?;
    }
}
