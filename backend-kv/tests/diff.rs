//! The same random operations on `VfsKv` and on `MemFs` (`Profile::Mem`), compared result by
//! result, then the whole tree after a remount. `PROPTEST_CASES` sets the number of cases.

use proptest::prelude::*;
use uvfs_testkit::{diff, strategy, Profile};

use crate::support::fresh;

proptest! {
    #![proptest_config(diff::proptest_config())]

    #[test]
    fn kv_4k_behaves_like_memfs(ops in strategy::ops(40)) {
        diff::run(&ops, Profile::Mem, &mut || Box::new(fresh::<4, 4096>(32)))?;
    }

    #[test]
    fn kv_512_behaves_like_memfs(ops in strategy::ops(40)) {
        // Small pages: files of a few hundred bytes already leave their record for chunks.
        diff::run(&ops, Profile::Mem, &mut || Box::new(fresh::<1, 512>(128)))?;
    }
}
