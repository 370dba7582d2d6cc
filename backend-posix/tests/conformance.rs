use uvfs_backend_posix::VfsPosix;
use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::conformance::{self, Config};
use uvfs_testkit::Profile;

/// Every scenario gets a fresh, empty root directory; the directories live until the run ends.
#[test]
fn conformance_suite_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut factory = || -> BoxedFilesystem {
        n += 1;
        let root = tmp.path().join(format!("root{n}"));
        std::fs::create_dir(&root).unwrap();
        Box::new(VfsPosix::new(Some(&root)).unwrap())
    };
    let report = conformance::run(&Config::new(Profile::Posix), &mut factory);
    report.assert_ok();
    assert!(report.skipped.is_empty(), "{report:#}");
    assert_eq!(report.passed.len(), conformance::scenario_names().len());
}
