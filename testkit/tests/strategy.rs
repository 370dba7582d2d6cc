use std::collections::HashSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use uvfs_os_api::{OpenMode, SeekFrom};
use uvfs_testkit::diff::{self, Op};
use uvfs_testkit::strategy::{self, COMPONENTS, INVALID_MODES, SLOTS, VALID_MODES};

fn path_is_valid(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|c| c.is_empty() || COMPONENTS.contains(&c))
        && !path.contains("///")
}

fn op_is_valid(op: &Op) -> bool {
    match op {
        Op::Open { path, mode } => {
            path_is_valid(path)
                && (VALID_MODES.contains(&mode.as_str()) && OpenMode::parse(mode).is_ok()
                    || INVALID_MODES.contains(&mode.as_str()) && OpenMode::parse(mode).is_err())
        }
        Op::Write { slot, len, .. } => *slot < SLOTS && *len < 700,
        Op::Read { slot, len } => *slot < SLOTS && *len < 800,
        Op::Seek { slot, pos } => {
            *slot < SLOTS
                && match *pos {
                    SeekFrom::Start(p) => p < 3000,
                    SeekFrom::Current(d) | SeekFrom::End(d) => (-600..600).contains(&d),
                }
        }
        Op::Close { slot } | Op::Flush { slot } => *slot < SLOTS,
        Op::Truncate { slot, len } => *slot < SLOTS && *len < 3000,
        Op::Mkdir { path }
        | Op::Remove { path }
        | Op::Rmdir { path }
        | Op::Stat { path }
        | Op::Listdir { path }
        | Op::Chdir { path } => path_is_valid(path),
        Op::Rename { from, to } => path_is_valid(from) && path_is_valid(to),
        Op::Getcwd | Op::Sync | Op::Remount { .. } => true,
    }
}

proptest! {
    #![proptest_config(diff::proptest_config())]

    #[test]
    fn generated_ops_are_valid(ops in strategy::ops(30)) {
        prop_assert!(ops.len() <= 30);
        for op in &ops {
            prop_assert!(op_is_valid(op), "{op:?}");
        }
    }

    #[test]
    fn generated_paths_use_the_alphabet(path in strategy::path()) {
        prop_assert!(path_is_valid(&path), "{path:?}");
    }
}

#[test]
fn the_alphabet_is_covered() {
    let mut runner = TestRunner::deterministic();
    let mut seen = HashSet::new();
    for _ in 0..2000 {
        let p = strategy::path().new_tree(&mut runner).unwrap().current();
        if p == "/" {
            seen.insert("root");
        }
        if p.starts_with('/') && p != "/" {
            seen.insert("absolute");
        } else if p != "/" {
            seen.insert("relative");
        }
        if p.contains("//") {
            seen.insert("//");
        }
        if p.len() > 1 && p.ends_with('/') {
            seen.insert("trailing");
        }
        for c in p.split('/') {
            if let Some(c) = COMPONENTS.iter().find(|x| **x == c) {
                seen.insert(c);
            }
        }
    }
    for want in [
        "root", "absolute", "relative", "//", "trailing", "a", "b", "ab", ".", "..",
    ] {
        assert!(seen.contains(want), "{want} never generated");
    }
}

#[test]
fn every_op_kind_is_generated() {
    let mut runner = TestRunner::deterministic();
    let mut kinds = HashSet::new();
    for _ in 0..1000 {
        let op = strategy::op().new_tree(&mut runner).unwrap().current();
        let kind = format!("{op:?}");
        let kind = kind.split([' ', '{']).next().unwrap_or("").to_owned();
        if let Op::Remount { readonly: true } = op {
            kinds.insert("Remount-ro".to_owned());
        }
        kinds.insert(kind);
    }
    for want in [
        "Open",
        "Write",
        "Read",
        "Seek",
        "Close",
        "Truncate",
        "Flush",
        "Mkdir",
        "Remove",
        "Rmdir",
        "Rename",
        "Stat",
        "Listdir",
        "Chdir",
        "Getcwd",
        "Sync",
        "Remount",
        "Remount-ro",
    ] {
        assert!(kinds.contains(want), "{want} never generated: {kinds:?}");
    }
}

#[test]
fn write_data_is_deterministic() {
    assert_eq!(Op::data(5, 1), Op::data(5, 1));
    assert_ne!(Op::data(5, 1), Op::data(5, 2));
    assert_eq!(Op::data(0, 9), Vec::<u8>::new());
    assert_eq!(Op::data(700, 3).len(), 700);
}
