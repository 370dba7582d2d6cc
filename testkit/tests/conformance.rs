use uvfs_os_api::BoxedFilesystem;
use uvfs_testkit::conformance::{self, Config};
use uvfs_testkit::{MemFs, Profile};

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
    println!("{report:#}");
    assert!(!report.is_ok());
}
