//! Escape attempts. Each must fail with the errno `uvfs_backend_posix::errno` documents, the
//! root must stay usable, and the sentinel directory beside the root must be neither read nor
//! changed (checked by `Jail::assert_intact`).

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use uvfs_backend_posix::errno::{ESCAPE, SPECIAL_FILE};
use uvfs_backend_posix::VfsPosix;
use uvfs_os_api::{Errno, FileType, Filesystem, MountOptions, OpenMode};
use uvfs_vfs_core::Vfs;

use crate::support::{
    assert_errno, names, read_file, symlink, write_file, Jail, DEEP_SECRET, INSIDE, SECRET,
};

const W: OpenMode = OpenMode::WRITE;
const R: OpenMode = OpenMode::READ;

/// Every path-taking call on `p` is refused with `errno` (writing ones included).
#[track_caller]
fn every_call_refused(fs: &mut dyn Filesystem, p: &str, errno: Errno) {
    let check = |what: &str, r: uvfs_os_api::Result<()>| match r {
        Ok(()) => panic!("{what}({p:?}) succeeded; expected {errno}"),
        Err(e) => assert_eq!(e.errno(), errno, "{what}({p:?}) gave {e}; expected {errno}"),
    };
    check("stat", fs.stat(p).map(drop));
    check("statvfs", fs.statvfs(p).map(drop));
    check("opendir", fs.opendir(p).map(drop));
    for mode in ["r", "r+", "w", "w+", "a", "a+", "x"] {
        check(mode, fs.open(p, OpenMode::parse(mode).unwrap()).map(drop));
    }
    check("mkdir", fs.mkdir(p));
    check("remove", fs.remove(p));
    check("rmdir", fs.rmdir(p));
    check("rename from", fs.rename(p, "/renamed"));
    check("rename to", fs.rename("/file.txt", p));
}

#[test]
fn sentinel_detects_reads_and_changes() {
    // The check every other test relies on can fail: a read and a change outside are seen.
    // (Fingerprinting reads the sentinel, so reads are checked first.)
    let j = Jail::new();
    assert!(j.read_since_armed().is_empty());
    if j.reads_recorded() {
        fs::read(j.sentinel.join("sub/deep.txt")).unwrap();
        assert_eq!(j.read_since_armed(), [j.sentinel.join("sub/deep.txt")]);
    }
    assert!(j.unchanged());
    fs::write(j.sentinel.join("empty/new"), b"x").unwrap();
    assert!(!j.unchanged());
}

#[test]
fn dotdot_past_the_root() {
    let mut j = Jail::new();
    // Called directly: a relative path never reaches the host; `..` that climbs above the root
    // is refused (MicroPython's VfsPosix would follow it out: uvfs's jail does not).
    for p in ["..", "../sentinel", "file.txt"] {
        every_call_refused(&mut j.fs, p, Errno::EINVAL);
    }
    for p in [
        "/..",
        "/../sentinel/secret.txt",
        "/dir/../../sentinel/secret.txt",
        "//../sentinel",
    ] {
        every_call_refused(&mut j.fs, p, ESCAPE);
    }
    // `.`, `..` and `//` that stay inside are the host's to resolve, as MicroPython passes them.
    assert_eq!(j.fs.stat("/./file.txt").unwrap().kind(), FileType::File);
    assert_eq!(j.fs.stat("//dir/..").unwrap().kind(), FileType::Dir);
    assert_errno(j.fs.stat("/file.txt/"), Errno::ENOTDIR);

    // Through the router the backend gets the path as written, so `..` at a mount's root
    // climbs towards the host and is refused there.
    let mut vfs = Vfs::new();
    let posix = VfsPosix::new(Some(&j.root)).unwrap();
    vfs.mount(Box::new(posix), "/", MountOptions::default())
        .unwrap();
    for p in [
        "/../sentinel/secret.txt",
        "../sentinel/secret.txt",
        "/../../../../sentinel/secret.txt",
        "dir/../../sentinel/sub/deep.txt",
    ] {
        assert_errno(vfs.open(p, R), ESCAPE);
        assert_errno(vfs.stat(p), ESCAPE);
        assert_errno(vfs.mkdir(p), ESCAPE);
    }
    assert_errno(vfs.open("/../sentinel/new", W), ESCAPE);
    vfs.chdir("/dir").unwrap();
    assert_errno(vfs.chdir("../../.."), ESCAPE);
    assert_eq!(vfs.getcwd(), "/dir");
    assert_eq!(vfs.listdir("..").unwrap(), vfs.listdir("/").unwrap());
    let f = vfs.open("../file.txt", R).unwrap();
    vfs.close(f).unwrap();
    vfs.umount("/").unwrap();
    j.assert_intact();
}

#[test]
fn absolute_paths_stay_inside() {
    let mut j = Jail::new();
    // A uvfs path is always inside the root, whatever host path it spells.
    let secret = j.sentinel.join("secret.txt");
    let spelled = secret.to_str().unwrap().to_owned();
    for p in ["/etc/passwd", "/proc/self/root", spelled.as_str()] {
        assert_errno(j.fs.stat(p), Errno::ENOENT);
        assert_errno(j.fs.open(p, R), Errno::ENOENT);
        assert_errno(j.fs.opendir(p), Errno::ENOENT);
        assert_errno(j.fs.remove(p), Errno::ENOENT);
    }
    // Creating it makes it inside the root, not on the host.
    let (parent, _) = uvfs_os_api::path::split_last(&spelled).unwrap();
    let mut sofar = String::new();
    for comp in uvfs_os_api::path::components(parent) {
        sofar = format!("{sofar}/{comp}");
        j.fs.mkdir(&sofar).unwrap();
    }
    write_file(&mut j.fs, &spelled, b"planted").unwrap();
    let inside = j.root.join(spelled.trim_start_matches('/'));
    assert_eq!(fs::read(inside).unwrap(), b"planted");
    assert_eq!(read_file(&mut j.fs, &spelled).unwrap(), b"planted");
    j.assert_intact();
}

#[test]
fn symlinks_to_the_host_root() {
    let mut j = Jail::new();
    symlink("/", j.root.join("up"));
    symlink("/etc/passwd", j.root.join("passwd"));
    symlink(&j.sentinel, j.root.join("abs"));
    // Even an absolute target that names a place inside the root is refused: absolute
    // targets are never resolved.
    symlink(j.root.join("file.txt"), j.root.join("self"));
    let probe = format!("uvfs-escape-probe-{}", std::process::id());

    for link in ["/up", "/passwd", "/abs", "/self"] {
        assert_errno(j.fs.stat(link), ESCAPE);
        assert_errno(j.fs.open(link, R), ESCAPE);
        assert_errno(j.fs.open(link, W), ESCAPE);
        assert_errno(j.fs.open(link, OpenMode::APPEND), ESCAPE);
    }
    for dir in ["/up", "/abs"] {
        assert_errno(j.fs.opendir(dir), ESCAPE);
        assert_errno(j.fs.statvfs(dir), ESCAPE);
    }
    every_call_refused(&mut j.fs, "/up/etc", ESCAPE);
    every_call_refused(&mut j.fs, &format!("/up/{probe}"), ESCAPE);
    every_call_refused(&mut j.fs, "/abs/secret.txt", ESCAPE);
    every_call_refused(&mut j.fs, "/abs/sub", ESCAPE);
    every_call_refused(&mut j.fs, "/abs/created", ESCAPE);
    assert!(!Path::new("/").join(&probe).exists());

    // The links themselves are entries of the root: listed as files (what they lead to is
    // out of reach), and removable without touching their targets.
    let d = j.fs.opendir("/").unwrap();
    let mut links = 0;
    while let Some(e) = j.fs.readdir(d).unwrap() {
        if ["up", "passwd", "abs", "self"].contains(&e.name.as_str()) {
            assert_eq!(e.kind, FileType::File, "{}", e.name);
            links += 1;
        }
    }
    assert_eq!(links, 4);
    j.fs.closedir(d).unwrap();
    j.fs.remove("/abs").unwrap();
    assert!(fs::symlink_metadata(j.root.join("abs")).is_err());
    j.assert_intact();
}

#[test]
fn symlinks_to_a_sibling_directory() {
    let mut j = Jail::new();
    symlink("../sentinel", j.root.join("sib"));
    symlink("../sentinel/secret.txt", j.root.join("secret"));
    symlink("dir/../../sentinel", j.root.join("roundabout"));
    // Out and back in: the path leaves the root, so it is refused although it ends inside.
    symlink("../root/file.txt", j.root.join("back_in"));
    // Relative links that stay inside work.
    symlink("../file.txt", j.root.join("dir/up_file"));
    symlink("../dir", j.root.join("dir/self_dir"));

    for link in ["/sib", "/secret", "/roundabout", "/back_in"] {
        assert_errno(j.fs.stat(link), ESCAPE);
        assert_errno(j.fs.open(link, R), ESCAPE);
        assert_errno(j.fs.open(link, OpenMode::parse("r+").unwrap()), ESCAPE);
        assert_errno(j.fs.open(link, W), ESCAPE);
        assert_errno(j.fs.opendir(link), ESCAPE);
    }
    for p in [
        "/sib/secret.txt",
        "/sib/sub",
        "/sib/sub/deep.txt",
        "/sib/empty",
        "/sib/new",
        "/roundabout/secret.txt",
        "/secret/x",
    ] {
        every_call_refused(&mut j.fs, p, ESCAPE);
    }

    assert_eq!(read_file(&mut j.fs, "/dir/up_file").unwrap(), INSIDE);
    assert_eq!(
        names(&mut j.fs, "/dir/self_dir").unwrap(),
        ["nested.txt", "self_dir", "up_file"]
    );
    assert_eq!(j.fs.stat("/dir/self_dir").unwrap().kind(), FileType::Dir);
    j.assert_intact();
}

#[test]
fn symlink_chains_and_loops() {
    let mut j = Jail::new();
    // c1 -> c2 -> dir/c3 -> ../../sentinel: every link but the last stays inside.
    symlink("c2", j.root.join("c1"));
    symlink("dir/c3", j.root.join("c2"));
    symlink("../../sentinel", j.root.join("dir/c3"));
    // i1 -> i2 -> dir/i3 -> ../file.txt: all inside.
    symlink("i2", j.root.join("i1"));
    symlink("dir/i3", j.root.join("i2"));
    symlink("../file.txt", j.root.join("dir/i3"));
    // A loop, and a chain longer than any host follows (Linux: 40).
    symlink("loop2", j.root.join("loop1"));
    symlink("loop1", j.root.join("loop2"));
    for i in 0..60 {
        symlink(format!("long{}", i + 1), j.root.join(format!("long{i}")));
    }
    fs::write(j.root.join("long60"), b"end").unwrap();

    for p in ["/c1", "/c2", "/dir/c3"] {
        assert_errno(j.fs.stat(p), ESCAPE);
        assert_errno(j.fs.opendir(p), ESCAPE);
        every_call_refused(&mut j.fs, &format!("{p}/secret.txt"), ESCAPE);
        every_call_refused(&mut j.fs, &format!("{p}/sub/deep.txt"), ESCAPE);
    }
    assert_eq!(read_file(&mut j.fs, "/i1").unwrap(), INSIDE);
    for p in ["/loop1", "/long0"] {
        assert_errno(j.fs.stat(p), Errno::ELOOP);
        assert_errno(j.fs.open(p, R), Errno::ELOOP);
        assert_errno(j.fs.open(p, W), Errno::ELOOP);
        assert_errno(j.fs.opendir(p), Errno::ELOOP);
        assert_errno(j.fs.mkdir(&format!("{p}/x")), Errno::ELOOP);
    }
    assert_eq!(read_file(&mut j.fs, "/long55").unwrap(), b"end");
    j.assert_intact();
}

#[test]
fn directory_swapped_for_a_symlink_between_calls() {
    let mut j = Jail::new();
    let listing = j.fs.opendir("/dir").unwrap();
    let nested = j.fs.open("/dir/nested.txt", R).unwrap();

    // Someone outside uvfs replaces the directory with a symlink to the sentinel.
    fs::rename(j.root.join("dir"), j.root.join("dir.old")).unwrap();
    symlink("../sentinel", j.root.join("dir"));

    every_call_refused(&mut j.fs, "/dir/secret.txt", ESCAPE);
    every_call_refused(&mut j.fs, "/dir/sub", ESCAPE);
    assert_errno(j.fs.opendir("/dir"), ESCAPE);
    assert_errno(j.fs.stat("/dir"), ESCAPE);
    // What was open before the swap still refers to the directory that moved, which is
    // still inside the root.
    let mut seen = Vec::new();
    while let Some(e) = j.fs.readdir(listing).unwrap() {
        seen.push(e.name.as_str().to_owned());
    }
    assert_eq!(seen, ["nested.txt"]);
    j.fs.closedir(listing).unwrap();
    let mut buf = [0; 16];
    let n = j.fs.read(nested, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"nested");
    j.fs.close(nested).unwrap();

    // Swapped back, the directory works again.
    fs::remove_file(j.root.join("dir")).unwrap();
    fs::rename(j.root.join("dir.old"), j.root.join("dir")).unwrap();
    assert_eq!(read_file(&mut j.fs, "/dir/nested.txt").unwrap(), b"nested");
    j.assert_intact();
}

/// Another thread keeps exchanging a directory inside the root with a symlink to the sentinel
/// (`renameat2(RENAME_EXCHANGE)`, atomic) while the jail opens, reads, lists and creates
/// through it. Whatever the interleaving, nothing outside is reached: each call either works
/// on the inside directory or is refused.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn directory_swapped_for_a_symlink_during_calls() {
    use rustix::fs::{renameat_with, RenameFlags, CWD};

    const ROUNDS: usize = 1500;
    let mut j = Jail::new();
    fs::create_dir(j.root.join("d")).unwrap();
    fs::write(j.root.join("d/secret.txt"), b"inside secret").unwrap();
    symlink("../sentinel", j.root.join("swap"));
    let (d, swap) = (j.root.join("d"), j.root.join("swap"));
    if let Err(e) = renameat_with(CWD, &d, CWD, &swap, RenameFlags::EXCHANGE) {
        panic!("this filesystem cannot exchange entries atomically: {e}");
    }
    renameat_with(CWD, &d, CWD, &swap, RenameFlags::EXCHANGE).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut flips = 0u64;
            while !stop.load(Ordering::Relaxed) || flips == 0 {
                renameat_with(CWD, &d, CWD, &swap, RenameFlags::EXCHANGE).unwrap();
                flips += 1;
            }
            // Leave the real directory at `d`.
            if flips % 2 == 1 {
                renameat_with(CWD, &d, CWD, &swap, RenameFlags::EXCHANGE).unwrap();
            }
            flips
        })
    };

    let refused = |e: &uvfs_os_api::Error| [ESCAPE, Errno::ENOENT].contains(&e.errno());
    let (mut worked, mut denied) = (0, 0);
    for i in 0..ROUNDS {
        match read_file(&mut j.fs, "/d/secret.txt") {
            Ok(data) => {
                assert_eq!(data, b"inside secret", "read through the swapped link");
                worked += 1;
            }
            Err(e) => {
                assert!(refused(&e), "unexpected {e}");
                denied += 1;
            }
        }
        match names(&mut j.fs, "/d") {
            Ok(n) => assert!(
                n.iter().all(|n| n == "secret.txt" || n.starts_with("new")),
                "listed the sentinel: {n:?}"
            ),
            Err(e) => assert!(refused(&e), "{e}"),
        }
        let created = format!("/d/new{i}");
        match write_file(&mut j.fs, &created, b"x") {
            Ok(()) => {
                if let Err(e) = j.fs.remove(&created) {
                    // The directory may have been swapped away between the two calls.
                    assert!(refused(&e), "{e}");
                }
            }
            Err(e) => assert!(refused(&e), "{e}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let flips = flipper.join().unwrap();
    assert!(flips > 0);
    assert_eq!(worked + denied, ROUNDS);
    // Files created while the swap raced are all inside the root; clear them.
    for e in fs::read_dir(j.root.join("d")).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "secret.txt" {
            fs::remove_file(e.path()).unwrap();
        }
    }
    j.assert_intact();
}

#[test]
fn rename_and_mkdir_through_symlinks() {
    let mut j = Jail::new();
    symlink("../sentinel", j.root.join("sib"));
    symlink("/", j.root.join("up"));
    symlink("../sentinel/planted.txt", j.root.join("dangling"));
    symlink(j.sentinel.join("planted.txt"), j.root.join("dangling_abs"));

    // mkdir through a link that leads out.
    assert_errno(j.fs.mkdir("/sib/newdir"), ESCAPE);
    assert_errno(j.fs.mkdir("/sib/sub/newdir"), ESCAPE);
    assert_errno(j.fs.mkdir("/up/uvfs-escape-probe"), ESCAPE);
    // mkdir of the link itself does not follow it.
    assert_errno(j.fs.mkdir("/sib"), Errno::EEXIST);
    assert_errno(j.fs.mkdir("/dangling"), Errno::EEXIST);

    // Rename into, out of, and within a linked directory.
    assert_errno(j.fs.rename("/file.txt", "/sib/planted.txt"), ESCAPE);
    assert_errno(j.fs.rename("/dir", "/sib/dir"), ESCAPE);
    assert_errno(j.fs.rename("/sib/secret.txt", "/stolen.txt"), ESCAPE);
    assert_errno(j.fs.rename("/sib/sub", "/stolen"), ESCAPE);
    assert_errno(j.fs.rename("/sib/secret.txt", "/sib/moved.txt"), ESCAPE);
    assert_errno(j.fs.rename("/file.txt", "/up/uvfs-escape-probe"), ESCAPE);
    // Renaming over a link replaces the link, not its target.
    fs::copy(j.root.join("file.txt"), j.root.join("copy.txt")).unwrap();
    j.fs.rename("/copy.txt", "/dangling").unwrap();
    assert!(fs::symlink_metadata(j.root.join("dangling"))
        .unwrap()
        .is_file());

    // Creating through a dangling link to a path outside creates nothing. ("x" never
    // follows a link: the name exists.)
    symlink("../sentinel/planted.txt", j.root.join("dangling2"));
    for link in ["/dangling_abs", "/dangling2"] {
        for mode in ["w", "a", "w+", "a+"] {
            assert_errno(j.fs.open(link, OpenMode::parse(mode).unwrap()), ESCAPE);
        }
        for mode in ["x", "x+"] {
            assert_errno(
                j.fs.open(link, OpenMode::parse(mode).unwrap()),
                Errno::EEXIST,
            );
        }
    }

    // The link itself can be renamed and removed; it still leads nowhere reachable.
    j.fs.rename("/sib", "/sib2").unwrap();
    assert_errno(j.fs.stat("/sib2/secret.txt"), ESCAPE);
    // Moved one level down, the relative link now names `/sentinel` inside the root.
    j.fs.rename("/sib2", "/dir/sib3").unwrap();
    assert_errno(j.fs.stat("/dir/sib3/secret.txt"), Errno::ENOENT);
    assert_errno(j.fs.rmdir("/dir/sib3"), Errno::ENOTDIR);
    j.fs.remove("/dir/sib3").unwrap();
    assert!(!Path::new("/uvfs-escape-probe").exists());
    j.assert_intact();
}

#[test]
fn names_with_nul_bytes() {
    let mut j = Jail::new();
    for p in [
        "/file.txt\0",
        "/\0",
        "/dir\0/../../sentinel",
        "/a\0b",
        "/dir/\0nested.txt",
    ] {
        every_call_refused(&mut j.fs, p, Errno::EINVAL);
    }
    // Through the router too.
    let mut vfs = Vfs::new();
    let posix = VfsPosix::new(Some(&j.root)).unwrap();
    vfs.mount(Box::new(posix), "/", MountOptions::default())
        .unwrap();
    for p in ["file.txt\0", "/file.txt\0/../../sentinel/secret.txt", "\0"] {
        assert_errno(vfs.open(p, R), Errno::EINVAL);
        assert_errno(vfs.open(p, W), Errno::EINVAL);
        assert_errno(vfs.stat(p), Errno::EINVAL);
        assert_errno(vfs.mkdir(p), Errno::EINVAL);
        assert_errno(vfs.remove(p), Errno::EINVAL);
        assert_errno(vfs.rename("/file.txt", p), Errno::EINVAL);
    }
    vfs.umount("/").unwrap();
    assert!(j.root.join("file.txt").is_file());
    j.assert_intact();
}

#[test]
fn special_files_are_not_opened() {
    let mut j = Jail::new();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        j.root.join("fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(j.root.join("sock")).unwrap();

    // A FIFO would block `open` until a writer came; it is refused at once, as a socket is.
    for special in ["/fifo", "/sock"] {
        for mode in ["r", "r+", "w", "w+", "a", "a+"] {
            assert_errno(
                j.fs.open(special, OpenMode::parse(mode).unwrap()),
                SPECIAL_FILE,
            );
        }
        // "x" opens nothing that exists.
        assert_errno(j.fs.open(special, OpenMode::CREATE_NEW), Errno::EEXIST);
    }
    // They can still be seen and removed.
    assert_eq!(j.fs.stat("/fifo").unwrap().mode & 0xF000, 0x1000);
    assert_eq!(j.fs.stat("/sock").unwrap().mode & 0xF000, 0xC000);
    j.fs.remove("/fifo").unwrap();
    j.fs.remove("/sock").unwrap();
    j.assert_intact();
}

/// A jail on `/proc/self`, where `root`, `cwd` and `exe` are "magic links" that jump anywhere
/// without a path.
#[cfg(target_os = "linux")]
#[test]
fn proc_magic_links() {
    let mut fs = VfsPosix::new(Some(Path::new("/proc/self"))).unwrap();
    fs.mount(true, false).unwrap();
    for p in [
        "/root",
        "/cwd",
        "/exe",
        "/root/etc/passwd",
        "/cwd/Cargo.toml",
    ] {
        for r in [
            fs.stat(p).map(|_| ()),
            fs.open(p, R).map(|_| ()),
            fs.opendir(p).map(|_| ()),
        ] {
            let e = r.unwrap_err();
            assert!([Errno::ELOOP, ESCAPE].contains(&e.errno()), "{p}: {e}");
        }
    }
    // Ordinary entries are fine.
    assert_eq!(fs.stat("/status").unwrap().kind(), FileType::File);
}

/// Not a guarantee, documented: a hard link placed inside the root by someone outside uvfs
/// is an ordinary file of the root, so its data (shared with a file outside) is reachable.
#[test]
fn hard_links_made_by_others_reach_outside() {
    let mut j = Jail::new();
    let outside = j.tmp.path().join("outside.txt");
    fs::write(&outside, b"shared").unwrap();
    fs::hard_link(&outside, j.root.join("hard")).unwrap();
    assert_eq!(read_file(&mut j.fs, "/hard").unwrap(), b"shared");
    write_file(&mut j.fs, "/hard", b"changed outside").unwrap();
    assert_eq!(fs::read(&outside).unwrap(), b"changed outside");
    // uvfs cannot make hard links itself, so nothing made through it does this.
    j.assert_intact();
}

#[test]
fn the_sentinel_holds_what_the_tests_hide() {
    // The escape tests would pass vacuously if the sentinel were empty or not beside the root.
    let j = Jail::new();
    assert_eq!(j.sentinel.parent(), j.root.parent());
    assert_eq!(fs::read(j.sentinel.join("secret.txt")).unwrap(), SECRET);
    assert_eq!(
        fs::read(j.sentinel.join("sub/deep.txt")).unwrap(),
        DEEP_SECRET
    );
}

/// A jail on `/dev`: its device nodes are entries of the root, but none is opened (a block
/// device there would give raw access to a disk).
#[test]
fn device_nodes_are_not_opened() {
    let mut fs = VfsPosix::new(Some(Path::new("/dev"))).unwrap();
    fs.mount(false, false).unwrap();
    for dev in ["/null", "/zero", "/urandom"] {
        assert_eq!(fs.stat(dev).unwrap().mode & 0xF000, 0x2000, "{dev}");
        for mode in ["r", "r+", "w", "a"] {
            assert_errno(fs.open(dev, OpenMode::parse(mode).unwrap()), SPECIAL_FILE);
        }
    }
    fs.umount().unwrap();
}
