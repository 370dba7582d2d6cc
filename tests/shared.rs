use std::io::{Read, Seek, SeekFrom, Write};

use uvfs::os_api::MountOptions;
use uvfs::{errno_of, Errno, Os, SharedSystem, System};
use uvfs_testkit::MemFs;

fn shared() -> SharedSystem {
    let mut os = System::new();
    os.mount(Box::new(MemFs::new()), "/m", MountOptions::default())
        .unwrap();
    SharedSystem::new(os)
}

#[test]
fn files_read_write_seek_and_close_on_drop() {
    let s = shared();
    {
        let mut f = s.open("/m/a.txt", "w+").unwrap();
        f.write_all(b"hello world").unwrap();
        f.seek(SeekFrom::Start(6)).unwrap();
        let mut w = String::new();
        f.read_to_string(&mut w).unwrap();
        assert_eq!(w, "world");
        assert_eq!(s.lock().vfs().open_files(), 1);
    }
    assert_eq!(s.lock().vfs().open_files(), 0, "drop closed the file");
    let mut f = s.open("/m/a.txt", "r+").unwrap();
    f.set_len(5).unwrap();
    f.close().unwrap();
    assert_eq!(s.lock().stat("/m/a.txt").unwrap().size, 5);
}

#[test]
fn errors_carry_the_errno() {
    let s = shared();
    let e = s.open("/m/missing", "r").err().unwrap();
    assert_eq!(errno_of(&e), Some(Errno::ENOENT));
    let e = s.open("/m/x", "rw").err().unwrap();
    assert_eq!(errno_of(&e), Some(Errno::EINVAL));
    let mut f = s.open("/m/ro", "w").unwrap();
    f.write_all(b"x").unwrap();
    drop(f);
    let mut f = s.open("/m/ro", "r").unwrap();
    let e = f.write(b"y").unwrap_err();
    assert_eq!(errno_of(&e), Some(Errno::EBADF));
}

#[test]
fn shared_between_threads() {
    let s = shared();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let s = s.clone();
            std::thread::spawn(move || {
                let mut f = s.open(&format!("/m/t{i}"), "w").unwrap();
                f.write_all(&[i as u8; 100]).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(s.lock().listdir("/m").unwrap().len(), 4);
}
