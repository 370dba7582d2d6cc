//! A temporary directory laid out for jail tests:
//!
//! ```text
//! <tmp>/root/              the VfsPosix root
//!        file.txt          "inside"
//!        dir/nested.txt    "nested"
//! <tmp>/sentinel/          outside the root: must never be read or changed
//!        secret.txt        "top secret"
//!        sub/deep.txt      "deep secret"
//!        empty/
//! ```
//!
//! The sentinel is checked by a SHA-256 fingerprint of its tree (names, types, permissions,
//! sizes, modification times, link targets and contents) taken before and after, which proves
//! nothing was changed; and by access times set far in the past before the test, which prove
//! nothing was read where the host records reads (`relatime` or `strictatime` mounts; the
//! tests check that it does first).

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use uvfs_backend_posix::VfsPosix;
use uvfs_os_api::{Errno, Filesystem, OpenMode, Result};

/// The access time the sentinel's entries are given before a test: 2001-09-09.
const ARMED_ATIME: u64 = 1_000_000_000;

/// What the root holds when a test starts.
pub const INSIDE: &[u8] = b"inside";
/// What `sentinel/secret.txt` holds.
pub const SECRET: &[u8] = b"top secret";
/// What `sentinel/sub/deep.txt` holds.
pub const DEEP_SECRET: &[u8] = b"deep secret";

/// A jail and its sentinel.
pub struct Jail {
    /// Holds everything; removed on drop.
    pub tmp: tempfile::TempDir,
    /// `<tmp>/root`.
    pub root: PathBuf,
    /// `<tmp>/sentinel`.
    pub sentinel: PathBuf,
    /// A mounted `VfsPosix` confined to `root`.
    pub fs: VfsPosix,
    fingerprint: String,
    /// The sentinel's entries when armed: their access times are checked by `stat` alone,
    /// since listing a directory again would itself move its access time.
    armed: Vec<PathBuf>,
    reads_recorded: bool,
}

impl Jail {
    /// Builds the layout, fingerprints and arms the sentinel, and mounts a `VfsPosix` on the
    /// root.
    pub fn new() -> Jail {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let sentinel = tmp.path().join("sentinel");
        fs::create_dir_all(root.join("dir")).unwrap();
        fs::write(root.join("file.txt"), INSIDE).unwrap();
        fs::write(root.join("dir/nested.txt"), b"nested").unwrap();
        fs::create_dir_all(sentinel.join("sub")).unwrap();
        fs::create_dir_all(sentinel.join("empty")).unwrap();
        fs::write(sentinel.join("secret.txt"), SECRET).unwrap();
        fs::write(sentinel.join("sub/deep.txt"), DEEP_SECRET).unwrap();

        let fingerprint = fingerprint(&sentinel);
        let armed = arm(&sentinel);
        let reads_recorded = host_records_reads(tmp.path());
        let mut fs = VfsPosix::new(Some(&root)).unwrap();
        fs.mount(false, false).unwrap();
        Jail {
            tmp,
            root,
            sentinel,
            fs,
            fingerprint,
            armed,
            reads_recorded,
        }
    }

    /// Whether the host records reads (access times), so that [`Jail::assert_intact`] proves
    /// nothing outside was read as well as changed.
    pub fn reads_recorded(&self) -> bool {
        self.reads_recorded
    }

    /// The sentinel's entries that were read since it was armed.
    pub fn read_since_armed(&self) -> Vec<PathBuf> {
        self.armed
            .iter()
            .filter(|p| fs::symlink_metadata(p).map_or(true, |m| m.atime() != ARMED_ATIME as i64))
            .cloned()
            .collect()
    }

    /// Whether the sentinel's fingerprint is still the one taken before the test.
    pub fn unchanged(&self) -> bool {
        fingerprint(&self.sentinel) == self.fingerprint
    }

    /// Asserts that the sentinel was neither changed nor (where the host records it) read,
    /// and that the root is still usable through the jail.
    pub fn assert_intact(&mut self) {
        if self.reads_recorded {
            assert_eq!(
                self.read_since_armed(),
                Vec::<PathBuf>::new(),
                "entries outside the root were read"
            );
        }
        assert!(self.unchanged(), "the sentinel outside the root changed");
        assert_usable(&mut self.fs);
    }
}

/// The root's own files can still be read, listed, written and removed.
pub fn assert_usable(fs: &mut dyn Filesystem) {
    assert_eq!(read_file(fs, "/file.txt").unwrap(), INSIDE);
    assert!(names(fs, "/").unwrap().contains(&String::from("file.txt")));
    write_file(fs, "/usable.tmp", b"still usable").unwrap();
    assert_eq!(read_file(fs, "/usable.tmp").unwrap(), b"still usable");
    fs.remove("/usable.tmp").unwrap();
}

/// Checks that `r` failed with `errno`.
#[track_caller]
pub fn assert_errno<T: std::fmt::Debug>(r: Result<T>, errno: Errno) {
    match r {
        Ok(v) => panic!("succeeded with {v:?}; expected {errno}"),
        Err(e) => assert_eq!(e.errno(), errno, "got {e}; expected {errno}"),
    }
}

/// Reads a whole file.
pub fn read_file(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<u8>> {
    let f = fs.open(path, OpenMode::READ)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match fs.read(f, &mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => {
                let _ = fs.close(f);
                return Err(e);
            }
        }
    }
    fs.close(f)?;
    Ok(out)
}

/// Writes a whole file (`"w"`).
pub fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8]) -> Result<()> {
    let f = fs.open(path, OpenMode::WRITE)?;
    let r = (fs as &mut dyn Filesystem).write_all(f, data);
    fs.close(f)?;
    r
}

/// The sorted names of a listing.
pub fn names(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<String>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    while let Some(e) = fs.readdir(d)? {
        out.push(e.name.as_str().to_owned());
    }
    fs.closedir(d)?;
    out.sort();
    Ok(out)
}

/// Every entry below `dir` (not following symlinks), sorted, `dir` itself first.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while let Some(p) = out.get(i).cloned() {
        i += 1;
        if fs::symlink_metadata(&p).unwrap().is_dir() {
            let mut kids: Vec<PathBuf> = fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            kids.sort();
            out.extend(kids);
        }
    }
    out
}

/// SHA-256 over the tree: names, types, permissions, sizes, link counts, modification times,
/// link targets and file contents (not access or change times, which arming changes).
pub fn fingerprint(dir: &Path) -> String {
    let mut h = Sha256::new();
    for p in walk(dir) {
        let m = fs::symlink_metadata(&p).unwrap();
        let rel = p.strip_prefix(dir).unwrap();
        h.update(rel.as_os_str().as_encoded_bytes());
        h.update([0]);
        h.update(m.mode().to_le_bytes());
        h.update(m.size().to_le_bytes());
        h.update(m.nlink().to_le_bytes());
        h.update(m.mtime().to_le_bytes());
        h.update(m.mtime_nsec().to_le_bytes());
        if m.file_type().is_symlink() {
            h.update(fs::read_link(&p).unwrap().as_os_str().as_encoded_bytes());
        } else if m.is_file() {
            let mut data = Vec::new();
            fs::File::open(&p).unwrap().read_to_end(&mut data).unwrap();
            h.update(&data);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn set_atime(path: &Path, secs: u64) {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    fs::File::open(path)
        .unwrap()
        .set_times(fs::FileTimes::new().set_accessed(t))
        .unwrap();
}

/// Sets the access time of every entry below `dir` far in the past, so that any later read
/// moves it (even under `relatime`); returns the entries.
fn arm(dir: &Path) -> Vec<PathBuf> {
    let entries = walk(dir);
    for p in &entries {
        set_atime(p, ARMED_ATIME);
    }
    entries
}

/// Whether reading a file moves its access time on this filesystem (false under `noatime`).
fn host_records_reads(tmp: &Path) -> bool {
    let probe = tmp.join("atime-probe");
    fs::write(&probe, b"probe").unwrap();
    set_atime(&probe, ARMED_ATIME);
    fs::read(&probe).unwrap();
    let moved = fs::metadata(&probe).unwrap().atime() != ARMED_ATIME as i64;
    fs::remove_file(&probe).unwrap();
    moved
}

/// Creates a symlink on the host.
pub fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}
