//! proptest strategies for differential tests: paths over a tiny alphabet, mode strings, and
//! [`Op`] sequences.
//!
//! Paths are built from the components `a`, `b`, `ab`, `.` and `..`, joined by `/` or `//`,
//! absolute or relative, sometimes with a trailing `/`, so that collisions, parent references
//! and odd spellings come up often (as cap-std's fuzzer does).
//!
//! ```
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//! use uvfs_testkit::strategy;
//!
//! let mut runner = TestRunner::deterministic();
//! let ops = strategy::ops(20).new_tree(&mut runner).unwrap().current();
//! assert!(ops.len() <= 20);
//! ```

use proptest::prelude::*;
use uvfs_os_api::SeekFrom;

use crate::diff::Op;

/// The path components paths are made of.
pub const COMPONENTS: [&str; 5] = ["a", "b", "ab", ".", ".."];

/// Valid mode strings the strategies pick from.
pub const VALID_MODES: [&str; 11] = ["r", "w", "a", "x", "r+", "w+", "a+", "x+", "rb", "wb", "ab"];

/// Invalid mode strings (uvfs refuses them with `EINVAL`).
pub const INVALID_MODES: [&str; 3] = ["rw", "q", ""];

/// Slots a file operation names (taken modulo the handles opened so far).
pub const SLOTS: u8 = 6;

/// A path over the tiny alphabet: `"/"`, or 1-3 components, absolute or relative, joined by
/// `/` or `//`, sometimes ending in `/`.
pub fn path() -> impl Strategy<Value = String> {
    let component = prop_oneof![
        4 => Just("a"),
        4 => Just("b"),
        3 => Just("ab"),
        1 => Just("."),
        1 => Just(".."),
    ];
    let separator = prop_oneof![6 => Just("/"), 1 => Just("//")];
    let composed = (
        any::<bool>(),
        prop_oneof![4 => Just(1usize), 3 => Just(2usize), 1 => Just(3usize)].prop_flat_map(
            move |n| prop::collection::vec((component.clone(), separator.clone()), n),
        ),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(absolute, parts, trailing)| {
            let mut out = String::new();
            if absolute {
                out.push('/');
            }
            for (i, (comp, sep)) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                out.push_str(comp);
            }
            if trailing {
                out.push('/');
            }
            out
        });
    prop_oneof![1 => Just(String::from("/")), 12 => composed]
}

/// A mode string: mostly valid, sometimes invalid.
pub fn mode() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(&["w", "a", "w+", "r+"][..]).prop_map(String::from),
        6 => prop::sample::select(&VALID_MODES[..]).prop_map(String::from),
        1 => prop::sample::select(&INVALID_MODES[..]).prop_map(String::from),
    ]
}

fn seek() -> impl Strategy<Value = SeekFrom> {
    prop_oneof![
        (0u64..3000).prop_map(SeekFrom::Start),
        (-600i64..600).prop_map(SeekFrom::Current),
        (-600i64..600).prop_map(SeekFrom::End),
    ]
}

fn slot() -> impl Strategy<Value = u8> {
    0..SLOTS
}

/// One operation, weighted towards opening and writing files and making directories.
pub fn op() -> impl Strategy<Value = Op> {
    let write_len = prop_oneof![8 => 0u16..64, 2 => 64u16..700];
    prop_oneof![
        6 => (path(), mode()).prop_map(|(path, mode)| Op::Open { path, mode }),
        6 => (slot(), write_len, any::<u8>())
            .prop_map(|(slot, len, seed)| Op::Write { slot, len, seed }),
        4 => (slot(), 0u16..800).prop_map(|(slot, len)| Op::Read { slot, len }),
        3 => (slot(), seek()).prop_map(|(slot, pos)| Op::Seek { slot, pos }),
        3 => slot().prop_map(|slot| Op::Close { slot }),
        1 => (slot(), 0u32..3000).prop_map(|(slot, len)| Op::Truncate { slot, len }),
        1 => slot().prop_map(|slot| Op::Flush { slot }),
        4 => path().prop_map(|path| Op::Mkdir { path }),
        3 => path().prop_map(|path| Op::Remove { path }),
        2 => path().prop_map(|path| Op::Rmdir { path }),
        3 => (path(), path()).prop_map(|(from, to)| Op::Rename { from, to }),
        3 => path().prop_map(|path| Op::Stat { path }),
        2 => path().prop_map(|path| Op::Listdir { path }),
        2 => path().prop_map(|path| Op::Chdir { path }),
        1 => Just(Op::Getcwd),
        1 => Just(Op::Sync),
        1 => prop::bool::weighted(0.25).prop_map(|readonly| Op::Remount { readonly }),
    ]
}

/// Sequences of up to `max_len` operations.
pub fn ops(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 0..=max_len)
}
