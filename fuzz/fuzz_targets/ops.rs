//! Shared by the `ops_*` targets: an input that picks a volume variant and an operation list,
//! and the differential check against `MemFs`.
//!
//! Each of those targets includes this file with `mod ops;`.

use arbitrary::Arbitrary;
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::{diff, Op, Profile};

/// At most this many operations per input.
pub const MAX_OPS: usize = 48;

/// A volume variant `V` (a geometry or configuration) and the operations to run on it.
#[derive(Debug, Arbitrary)]
pub struct Input<V> {
    pub variant: V,
    pub ops: Vec<Op>,
}

/// Runs the first [`MAX_OPS`] operations of `input` on volumes from `fresh` and on `MemFs`
/// with `profile`'s errnos (`uvfs_testkit::diff::run`); a mismatch panics, naming `backend`.
pub fn check<V: core::fmt::Debug>(
    input: &Input<V>,
    profile: Profile,
    backend: &str,
    mut fresh: impl FnMut(&V) -> BoxedFilesystem,
) {
    let ops = &input.ops[..input.ops.len().min(MAX_OPS)];
    if let Err(m) = diff::run(ops, profile, &mut || fresh(&input.variant)) {
        panic!("{backend} differs from MemFs: {m}\nops: {ops:#?}");
    }
}
