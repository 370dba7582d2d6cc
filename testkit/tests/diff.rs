use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::diff::{self, Op};
use uvfs_testkit::{strategy, MemFs, Profile};

use crate::support::{Tweaked, Tweaks};

fn memfs(profile: Profile) -> impl FnMut() -> BoxedFilesystem {
    move || Box::new(MemFs::with_profile(profile))
}

proptest! {
    #![proptest_config(diff::proptest_config())]

    /// The harness never reports a difference between two identical implementations.
    #[test]
    fn memfs_matches_itself(ops in strategy::ops(40), i in 0..Profile::ALL.len()) {
        let profile = Profile::ALL[i];
        diff::run(&ops, profile, &mut memfs(profile))?;
    }
}

fn open(path: &str, mode: &str) -> Op {
    Op::Open {
        path: path.into(),
        mode: mode.into(),
    }
}

#[test]
fn profiles_that_differ_are_caught_at_the_right_op() {
    let ops = vec![
        Op::Mkdir { path: "a".into() },
        open("a/x", "w"),
        Op::Close { slot: 0 },
        Op::Rmdir { path: "a".into() },
    ];
    let m = diff::run(&ops, Profile::Lfs2, &mut memfs(Profile::Fat)).unwrap_err();
    assert_eq!(m.index, 3);
    assert_eq!(m.op, Some(Op::Rmdir { path: "a".into() }));
    let text = m.to_string();
    assert!(text.starts_with("op #3 Rmdir"), "{text}");
    assert!(
        text.contains("ENOTEMPTY") && text.contains("EACCES"),
        "{text}"
    );
}

#[test]
fn lost_data_is_caught_by_the_final_tree_comparison() {
    // Nothing reads the file back: only the final comparison can see the loss.
    let ops = vec![
        open("/f", "w"),
        Op::Write {
            slot: 0,
            len: 100,
            seed: 1,
        },
    ];
    let tweaks = Tweaks {
        half_on_close: true,
        ..Tweaks::default()
    };
    let m = diff::run(&ops, Profile::Mem, &mut || {
        Box::new(Tweaked::new(MemFs::new(), tweaks))
    })
    .unwrap_err();
    assert_eq!(m.index, 2);
    assert_eq!(m.op, None);
    assert!(m.what.starts_with("final tree"), "{m}");
    assert!(m.to_string().contains(r#""f" file size 50"#), "{m}");
}

#[test]
fn open_files_are_not_removed_or_renamed() {
    let ops = vec![
        open("/f", "w"),
        Op::Remove { path: "/f".into() },
        Op::Rename {
            from: "/f".into(),
            to: "/g".into(),
        },
        open("f", "r"),
        Op::Close { slot: 0 },
        Op::Remove { path: "/f".into() },
    ];
    let stats = diff::run_counted(&ops, Profile::Mem, &mut memfs(Profile::Mem)).unwrap();
    assert_eq!(stats.skipped, 3);
    assert_eq!(stats.compared, 3);
    assert_eq!(stats.succeeded, 3);
}

#[test]
fn sizes_of_files_open_for_writing_are_not_compared() {
    // Lfs2-like backends publish the size at close; MemFs at once. Both must be accepted.
    let ops = vec![
        open("/f", "w"),
        Op::Write {
            slot: 0,
            len: 10,
            seed: 0,
        },
        Op::Stat { path: "/f".into() },
        Op::Listdir { path: "/".into() },
        Op::Close { slot: 0 },
        Op::Stat { path: "/f".into() },
    ];
    diff::run(&ops, Profile::Lfs2, &mut memfs(Profile::Lfs2)).unwrap();
}

#[test]
fn random_sequences_do_real_work() {
    let mut runner = TestRunner::deterministic();
    let (mut compared, mut succeeded) = (0, 0);
    for _ in 0..64 {
        let ops = strategy::ops(40).new_tree(&mut runner).unwrap().current();
        let stats = diff::run_counted(&ops, Profile::Mem, &mut memfs(Profile::Mem)).unwrap();
        compared += stats.compared;
        succeeded += stats.succeeded;
    }
    assert!(compared > 64 * 10, "only {compared} ops compared");
    assert!(
        succeeded * 5 > compared,
        "only {succeeded} of {compared} ops succeeded: the alphabet is too sparse"
    );
}

#[test]
fn proptest_config_honours_proptest_cases() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    assert_eq!(diff::proptest_config().cases, cases);
}
