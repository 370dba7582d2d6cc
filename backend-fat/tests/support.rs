use std::path::{Path, PathBuf};
use std::process::Command;

use uvfs_os_api::{Errno, FileType, Filesystem, OpenMode, Result};

/// The MicroPython-made images (`testdata/micropython/` in the repository).
pub fn fixtures() -> PathBuf {
    uvfs_testkit::fixtures::micropython_dir()
}

/// Whether `tool` can be run. Missing under `CI`: panics naming `package`; missing locally:
/// prints why and returns false, so the caller returns.
pub fn have(tool: &str, package: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is missing: install the `{package}` package");
        }
        eprintln!("skipping: {tool} is missing (install the `{package}` package)");
    }
    found
}

/// Runs `fsck.fat -n` on an image; `Err` with its output when it complains. `None` when the
/// tool is missing (see [`have`]).
pub fn fsck(image: &[u8]) -> Option<std::result::Result<(), String>> {
    if !have("fsck.fat", "dosfstools") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    std::fs::write(&path, image).unwrap();
    let out = Command::new("fsck.fat")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A clean volume: exit status 0 and nothing but the banner and the summary line.
    let clean = out.status.success()
        && text.lines().all(|l| {
            l.starts_with("fsck.fat ") || (l.contains(" files, ") && l.contains(" clusters"))
        });
    Some(if clean { Ok(()) } else { Err(text) })
}

/// Asserts `fsck.fat -n` finds nothing wrong (does nothing if the tool is missing locally).
#[track_caller]
pub fn assert_fsck_clean(image: &[u8]) {
    if let Some(Err(report)) = fsck(image) {
        panic!("fsck.fat -n complained:\n{report}");
    }
}

/// Runs an mtools command on `image` (`-i image`), returning stdout; panics on failure.
pub fn mtools(tool: &str, image: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool)
        .env("MTOOLS_SKIP_CHECK", "1")
        .arg("-i")
        .arg(image)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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
    let mut buf = [0u8; 1000];
    let r = loop {
        match fs.read(f, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
    };
    let c = fs.close(f);
    r.and(c).map(|()| out)
}

/// Writes a whole file (`"w"`).
pub fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8]) -> Result<()> {
    let f = fs.open(path, OpenMode::WRITE)?;
    let r = (fs as &mut dyn Filesystem).write_all(f, data);
    let c = fs.close(f);
    r.and(c)
}

/// A listing in directory order: `(name, type, size)`.
pub fn listing(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<(String, FileType, u64)>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    while let Some(e) = fs.readdir(d)? {
        out.push((e.name.as_str().to_owned(), e.kind, e.size.unwrap_or(0)));
    }
    fs.closedir(d)?;
    Ok(out)
}

/// Every path below `dir` with its contents (`None` for directories), depth first, sorted.
pub fn tree(fs: &mut dyn Filesystem, dir: &str) -> Result<Vec<(String, Option<Vec<u8>>)>> {
    let mut out = Vec::new();
    let mut entries = listing(fs, dir)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind, _) in entries {
        let p = if dir == "/" {
            format!("/{name}")
        } else {
            format!("{dir}/{name}")
        };
        match kind {
            FileType::Dir => {
                out.push((p.clone(), None));
                out.extend(tree(fs, &p)?);
            }
            FileType::File => {
                let data = read_file(fs, &p)?;
                out.push((p, Some(data)));
            }
        }
    }
    Ok(out)
}

/// Deterministic pseudo-random bytes.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}
