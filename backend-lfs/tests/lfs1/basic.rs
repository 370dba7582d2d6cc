//! Everyday behaviour through the `Filesystem` protocol.

use uvfs_os_api::{Errno, Filesystem, OpenMode, SeekFrom};

use super::support::{listing, mounted, pattern, read_file, write_file};

#[test]
fn files_and_directories_survive_a_remount() {
    let mut fs = mounted(512, 256);
    fs.mkdir("/d").unwrap();
    write_file(&mut fs, "/d/a", b"hello").unwrap();
    let big = pattern(1, 40_000);
    write_file(&mut fs, "/big", &big).unwrap();
    assert_eq!(read_file(&mut fs, "/d/a").unwrap(), b"hello");
    assert_eq!(read_file(&mut fs, "/big").unwrap(), big);
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/d/a").unwrap(), b"hello");
    assert_eq!(read_file(&mut fs, "/big").unwrap(), big);
    assert_eq!(
        listing(&mut fs, "/").unwrap(),
        vec![("d".into(), true, 0), ("big".into(), false, 40_000)]
    );
    fs.rename("/d/a", "/a").unwrap();
    fs.remove("/big").unwrap();
    assert_eq!(fs.rmdir("/d"), Ok(()));
    assert_eq!(listing(&mut fs, "/").unwrap(), vec![("a".into(), false, 5)]);
    assert_eq!(fs.stat("/d").unwrap_err(), Errno::ENOENT);
    let f = fs.open("/a", OpenMode::parse("r+").unwrap()).unwrap();
    fs.seek(f, SeekFrom::Start(3)).unwrap();
    fs.write(f, b"p!").unwrap();
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/a").unwrap(), b"help!");
    fs.umount().unwrap();
}
