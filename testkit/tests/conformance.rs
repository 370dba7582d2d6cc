use uvfs_os_api::{BoxedFilesystem, Errno};
use uvfs_testkit::conformance::{self, Config, Support};
use uvfs_testkit::{MemFs, Profile};

use crate::support::{Tweaked, Tweaks};

#[test]
fn memfs_passes_for_every_profile() {
    for profile in Profile::ALL {
        let report = conformance::run(&Config::new(profile), &mut || -> BoxedFilesystem {
            Box::new(MemFs::with_profile(profile))
        });
        report.assert_ok();
        assert_eq!(
            report.passed.len(),
            conformance::scenario_names().len(),
            "{profile:?}: {report:#}"
        );
    }
}

#[test]
fn a_backend_of_another_profile_fails() {
    let report = conformance::run(&Config::new(Profile::Lfs2), &mut || -> BoxedFilesystem {
        Box::new(MemFs::with_profile(Profile::Fat))
    });
    assert!(!report.is_ok());
    let failed: Vec<&str> = report.failed.iter().map(|f| f.scenario.as_str()).collect();
    assert_eq!(
        failed,
        [
            "vfs_lfs_error",
            "vfs_rename",
            "vfs_deep_tree",
            "vfs_fat_fileio1",
            "vfs_truncate",
            "vfs_readonly"
        ],
        "{report:#}"
    );
    assert!(report.failed[0].message.contains("ENOTDIR"), "{report:#}");
}

fn tweaked(profile: Profile, tweaks: Tweaks) -> impl FnMut() -> BoxedFilesystem {
    move || Box::new(Tweaked::new(MemFs::with_profile(profile), tweaks))
}

#[test]
fn skip_list_is_reported_with_its_reason() {
    let cfg = Config::new(Profile::Mem).skip("vfs_truncate", "engine has no truncate yet");
    let report = conformance::run(&cfg, &mut || -> BoxedFilesystem { Box::new(MemFs::new()) });
    report.assert_ok();
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].scenario, "vfs_truncate");
    assert!(report.skipped[0]
        .reason
        .contains("engine has no truncate yet"));
    assert!(!report.passed.contains(&"vfs_truncate"));
    let total = conformance::scenario_names().len();
    assert_eq!(
        report.to_string(),
        format!("{} passed, 0 failed, 1 skipped", total - 1)
    );
}

#[test]
fn unknown_scenario_names_are_failures() {
    let cfg = Config::new(Profile::Mem).skip("vfs_nonexistent", "typo");
    let report = conformance::run(&cfg, &mut || -> BoxedFilesystem { Box::new(MemFs::new()) });
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].scenario, "config");
    assert!(report.failed[0].message.contains("vfs_nonexistent"));
}

#[test]
fn only_runs_the_selected_scenarios() {
    let cfg = Config::new(Profile::Fat)
        .only("vfs_rename")
        .only("vfs_basic");
    let report = conformance::run(&cfg, &mut || -> BoxedFilesystem {
        Box::new(MemFs::with_profile(Profile::Fat))
    });
    report.assert_ok();
    assert_eq!(report.passed, ["vfs_basic", "vfs_rename"]);
    assert_eq!(
        report.skipped.len(),
        conformance::scenario_names().len() - 2
    );
}

#[test]
fn unsupported_capability_is_skipped_after_its_errno_is_checked() {
    let tweaks = Tweaks {
        truncate_errno: Some(Errno::EOPNOTSUPP),
        ..Tweaks::default()
    };
    let mut cfg = Config::new(Profile::Mem);
    cfg.caps.truncate = Support::No(Errno::EOPNOTSUPP);
    let report = conformance::run(&cfg, &mut tweaked(Profile::Mem, tweaks));
    report.assert_ok();
    let skip = report
        .skipped
        .iter()
        .find(|s| s.scenario == "vfs_truncate")
        .expect("vfs_truncate skipped");
    assert!(skip.reason.contains("EOPNOTSUPP"), "{}", skip.reason);
    // The large-file scenario still runs, without its truncate step.
    assert!(report.passed.contains(&"vfs_large_file"));

    // Declared with the wrong errno: a failure, not a skip.
    cfg.caps.truncate = Support::No(Errno::ENOSYS);
    let report = conformance::run(&cfg, &mut tweaked(Profile::Mem, tweaks));
    let fail = report
        .failed
        .iter()
        .find(|f| f.scenario == "vfs_truncate")
        .expect("vfs_truncate failed");
    assert!(
        fail.message.contains("ENOSYS") && fail.message.contains("EOPNOTSUPP"),
        "{}",
        fail.message
    );
}

#[test]
fn capability_declared_unsupported_but_working_is_a_failure() {
    let mut cfg = Config::new(Profile::Mem);
    cfg.caps.readonly_mount = Support::No(Errno::EOPNOTSUPP);
    let report = conformance::run(&cfg, &mut || -> BoxedFilesystem { Box::new(MemFs::new()) });
    assert_eq!(report.failed.len(), 1, "{report:#}");
    assert_eq!(report.failed[0].scenario, "vfs_readonly");
}

#[test]
fn a_broken_truncate_fails_the_scenarios_that_use_it() {
    let tweaks = Tweaks {
        truncate_errno: Some(Errno::EIO),
        ..Tweaks::default()
    };
    let report = conformance::run(
        &Config::new(Profile::Mem),
        &mut tweaked(Profile::Mem, tweaks),
    );
    let failed: Vec<&str> = report.failed.iter().map(|f| f.scenario.as_str()).collect();
    assert_eq!(
        failed,
        [
            "vfs_fat_fileio1",
            "vfs_truncate",
            "vfs_large_file",
            "vfs_unmounted",
            "vfs_handles"
        ],
        "{report:#}"
    );
    assert!(
        report
            .failed
            .iter()
            .all(|f| f.message.contains("[Errno 5] EIO")),
        "{report:#}"
    );
}

#[test]
fn a_panicking_backend_is_a_failure_not_an_abort() {
    let tweaks = Tweaks {
        panic_on_rename: true,
        ..Tweaks::default()
    };
    let report = conformance::run(
        &Config::new(Profile::Mem),
        &mut tweaked(Profile::Mem, tweaks),
    );
    let fail = report
        .failed
        .iter()
        .find(|f| f.scenario == "vfs_rename")
        .expect("vfs_rename failed");
    assert!(
        fail.message.contains("panicked: rename exploded"),
        "{}",
        fail.message
    );
    // Scenarios after it still ran.
    assert!(report.passed.contains(&"vfs_statvfs"));
    assert!(report
        .failed
        .iter()
        .any(|f| f.scenario == "vfs_posix_paths"));
    assert!(!report.is_ok());
}

#[test]
#[should_panic(expected = "FAILED vfs_lfs_error")]
fn assert_ok_lists_failures() {
    conformance::run(&Config::new(Profile::Posix), &mut || -> BoxedFilesystem {
        Box::new(MemFs::with_profile(Profile::Fat))
    })
    .assert_ok();
}
