use uvfs::os_api::{BoxedStream, MountOptions, OpenMode};
use uvfs::{Errno, Os, System};
use uvfs_testkit::MemFs;

fn system() -> System {
    let mut os = System::new();
    os.mount(Box::new(MemFs::new()), "/flash", MountOptions::default())
        .unwrap();
    os
}

#[test]
fn every_os_function_through_the_trait_object() {
    let mut sys = system();
    let os: &mut dyn Os = &mut sys;
    assert_eq!(os.uname().sysname, "uvfs");
    os.chdir("/flash").unwrap();
    os.mkdir("d").unwrap();
    let f = os.open("d/f", OpenMode::WRITE).unwrap();
    os.write(f, b"abc").unwrap();
    os.close(f).unwrap();
    assert_eq!(os.listdir("d").unwrap(), ["f"]);
    assert_eq!(os.stat("d/f").unwrap().size, 3);
    os.rename("d/f", "d/g").unwrap();
    os.remove("d/g").unwrap();
    os.rmdir("d").unwrap();
    assert!(os.statvfs(".").unwrap().bsize > 0);
    os.sync().unwrap();
    let mut r = [0u8; 4];
    os.urandom(&mut r).unwrap();
    assert_eq!(os.getcwd(), "/flash");
    assert_eq!(os.mounts().len(), 1);
    let fs = os.umount("/flash").unwrap();
    drop(fs);
    assert_eq!(os.getcwd(), "/");
}

#[cfg(feature = "dupterm")]
#[test]
fn dupterm_through_os_returns_the_previous_stream() {
    use uvfs::dupterm::pipe;
    let mut os = system();
    let (near, mut far) = pipe(256);
    assert!(os
        .dupterm(Some(Box::new(near) as BoxedStream), 0)
        .unwrap()
        .is_none());
    os.terminal().write(b">>> ");
    assert_eq!(far.take_available(), b">>> ");
    let (other, _far2) = pipe(16);
    let previous = os.dupterm(Some(Box::new(other)), 0).unwrap();
    assert!(previous.is_some(), "slot 0 gave back the first stream");
    assert!(os.dupterm(None, 1).unwrap().is_none());
    assert_eq!(
        os.dupterm(None, 2).err().map(|e| e.errno()),
        Some(Errno::EINVAL)
    );
}

#[cfg(not(feature = "dupterm"))]
#[test]
fn dupterm_without_the_feature_is_a_clear_error() {
    let mut os = system();
    assert_eq!(
        os.dupterm(None, 0).err().map(|e| e.errno()),
        Some(Errno::EOPNOTSUPP)
    );
}
