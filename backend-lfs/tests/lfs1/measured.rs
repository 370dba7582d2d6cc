//! What MicroPython's `VfsLfs1` (littlefs 1.7) does beyond paths, measured with its unix port
//! (`micropython`) on a fresh 512 × 128 volume and asserted here with the values it gave:
//! appends and truncating an empty file. (littlefs 1.7's moved flag, which a refused rename
//! leaves behind and which then hides the file, is not followed: that loses a file.)

use uvfs_backend_lfs::lfs1::VfsLfs1;
use uvfs_os_api::{Filesystem, OpenMode, SeekFrom};
use uvfs_vfs_core::RamDisk;

use super::support::{mounted, read_file, write_file};

fn mode(m: &str) -> OpenMode {
    OpenMode::parse(m).unwrap()
}

fn tell(fs: &mut dyn Filesystem, f: uvfs_os_api::FileHandle) -> u64 {
    fs.seek(f, SeekFrom::Current(0)).unwrap()
}

fn read_all(fs: &mut dyn Filesystem, f: uvfs_os_api::FileHandle) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        match fs.read(f, &mut buf).unwrap() {
            0 => return out,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn append_starts_at_zero_and_writes_past_the_end_after_a_seek() {
    // MicroPython: f = open("f", "ab"); f.tell() -> 0; f.seek(10); f.write(b"Z") -> 1;
    // f.tell() -> 11; the file is b'abc\0\0\0\0\0\0\0Z'.
    let mut fs = mounted(512, 128);
    write_file(&mut fs, "/f", b"abc").unwrap();
    let f = fs.open("/f", mode("ab")).unwrap();
    assert_eq!(tell(&mut fs, f), 0);
    fs.seek(f, SeekFrom::Start(10)).unwrap();
    assert_eq!(fs.write(f, b"Z").unwrap(), 1);
    assert_eq!(tell(&mut fs, f), 11);
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"abc\0\0\0\0\0\0\0Z");

    // "a+b": tell 0, read b'abc' (tell 3), write -> tell 4; seek(1), read b'bcZ'; seek(1),
    // write b'Q' goes to the end (tell 5); the file is b'abcZQ'.
    let mut fs = mounted(512, 128);
    write_file(&mut fs, "/f", b"abc").unwrap();
    let f = fs.open("/f", mode("a+b")).unwrap();
    assert_eq!(tell(&mut fs, f), 0);
    assert_eq!(read_all(&mut fs, f), b"abc");
    assert_eq!(tell(&mut fs, f), 3);
    fs.write(f, b"Z").unwrap();
    assert_eq!(tell(&mut fs, f), 4);
    fs.seek(f, SeekFrom::Start(1)).unwrap();
    assert_eq!(read_all(&mut fs, f), b"bcZ");
    fs.seek(f, SeekFrom::Start(1)).unwrap();
    fs.write(f, b"Q").unwrap();
    assert_eq!(tell(&mut fs, f), 5);
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"abcZQ");

    // "ab": write b'X' -> tell 4; seek(0) -> 0; write b'Y' -> tell 5; seek(0, 2) -> 5.
    let mut fs = mounted(512, 128);
    write_file(&mut fs, "/f", b"abc").unwrap();
    let f = fs.open("/f", mode("ab")).unwrap();
    fs.write(f, b"X").unwrap();
    assert_eq!(tell(&mut fs, f), 4);
    assert_eq!(fs.seek(f, SeekFrom::Start(0)).unwrap(), 0);
    fs.write(f, b"Y").unwrap();
    assert_eq!(tell(&mut fs, f), 5);
    assert_eq!(fs.seek(f, SeekFrom::End(0)).unwrap(), 5);
    fs.close(f).unwrap();
    assert_eq!(read_file(&mut fs, "/f").unwrap(), b"abcXY");
}

/// A fresh volume with the given files.
fn with_files(files: &[(&str, &[u8])]) -> VfsLfs1<RamDisk> {
    let mut fs = mounted(512, 128);
    for (p, data) in files {
        write_file(&mut fs, p, data).unwrap();
    }
    fs
}

#[test]
fn truncating_an_empty_file_commits_nothing() {
    // MicroPython: a = open("e", "ab"); a.write(b"klmnopqklm"); b = open("e", "w+b"); closing
    // them in either order leaves b'klmnopqklm'. When the file had bytes, the truncating
    // handle's close wins: b''.
    for a_first in [true, false] {
        let mut fs = mounted(512, 128);
        let a = fs.open("/e", mode("ab")).unwrap();
        fs.write(a, b"klmnopqklm").unwrap();
        let b = fs.open("/e", mode("w+b")).unwrap();
        if a_first {
            fs.close(a).unwrap();
            fs.close(b).unwrap();
        } else {
            fs.close(b).unwrap();
            fs.close(a).unwrap();
        }
        assert_eq!(read_file(&mut fs, "/e").unwrap(), b"klmnopqklm");
    }
    let mut fs = with_files(&[("/e", b"abc")]);
    let a = fs.open("/e", mode("ab")).unwrap();
    fs.write(a, b"klm").unwrap();
    let b = fs.open("/e", mode("w+b")).unwrap();
    fs.close(a).unwrap();
    fs.close(b).unwrap();
    assert_eq!(read_file(&mut fs, "/e").unwrap(), b"");
}
