//! Shared setup for the fuzz targets: bounded geometry, a fuel budget, the image walker and
//! the write probe that the `mount_*` targets run on whatever a hostile image mounts as.
//!
//! Each target includes this file with `mod common;` and uses part of it.
#![allow(
    dead_code,
    reason = "each target uses a different part of the shared setup"
)]

use arbitrary::{Arbitrary, Unstructured};
use uvfs_os_api::{Errno, FileType, Filesystem, OpenMode, SeekFrom};

/// A power of two `2^k` with `LO <= k <= HI`: geometry that is always legal, as redb's
/// `PowerOfTwoBetween` keeps its page sizes.
#[derive(Copy, Clone, Debug)]
pub struct PowerOfTwoBetween<const LO: u32, const HI: u32>(pub u32);

impl<'a, const LO: u32, const HI: u32> Arbitrary<'a> for PowerOfTwoBetween<LO, HI> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(PowerOfTwoBetween(1 << u.int_in_range(LO..=HI)?))
    }
}

/// A budget of filesystem calls for one input, so a hostile image that makes a backend list a
/// directory forever (or a cycle of directories) costs a bounded time. The walker and probes
/// stop, without failing, when it runs out.
#[derive(Debug)]
pub struct Fuel(u64);

impl Fuel {
    /// `calls` filesystem calls.
    pub fn new(calls: u64) -> Fuel {
        Fuel(calls)
    }

    /// Whether some budget is left.
    pub fn left(&self) -> bool {
        self.0 > 0
    }

    /// Takes one call's worth; `false` once the budget is spent.
    pub fn burn(&mut self) -> bool {
        if self.0 == 0 {
            false
        } else {
            self.0 -= 1;
            true
        }
    }
}

/// The most bytes the walker reads from one file, and from one image in all.
pub const MAX_FILE_READ: u64 = 1 << 20;
/// Deeper than this the walker does not descend (a hostile image can nest without end).
pub const MAX_DEPTH: usize = 12;

/// What a walk saw.
#[derive(Debug, Default)]
pub struct Walk {
    /// Directories listed (the root included).
    pub dirs: usize,
    /// Files opened and read.
    pub files: usize,
    /// Entries listed.
    pub entries: usize,
    /// Bytes read.
    pub bytes: u64,
}

/// `dir` joined with `name`.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Walks the whole tree of a mounted filesystem: lists every directory, stats every entry and
/// reads every file to its end, within `fuel`.
///
/// Errors from a damaged volume are fine; what must hold (and panics here otherwise) is the
/// contract: listed names are non-empty single components without NUL, never `.` or `..`, and at
/// most 255 bytes; a read never claims more bytes than its buffer; with `strict_sizes`, a file
/// that `stat` reports as `n` bytes reads as exactly `n` bytes when the reads succeed, and a seek
/// to its end lands at `n`.
pub fn walk(fs: &mut dyn Filesystem, fuel: &mut Fuel, strict_sizes: bool) -> Walk {
    let mut seen = Walk::default();
    let mut pending = vec![(String::from("/"), 0usize)];
    while let Some((dir, depth)) = pending.pop() {
        if !fuel.burn() {
            break;
        }
        let Ok(handle) = fs.opendir(&dir) else {
            continue;
        };
        seen.dirs += 1;
        let mut children = Vec::new();
        while fuel.burn() {
            match fs.readdir(handle) {
                Ok(Some(entry)) => {
                    let name = entry.name.as_str();
                    assert!(
                        !name.is_empty()
                            && name != "."
                            && name != ".."
                            && !name.contains('/')
                            && !name.contains('\0')
                            && name.len() <= 255,
                        "listing {dir:?} yielded the name {name:?}"
                    );
                    seen.entries += 1;
                    children.push((join(&dir, name), entry.kind));
                }
                Ok(None) | Err(_) => break,
            }
        }
        let _ = fs.closedir(handle);
        for (path, kind) in children {
            if !fuel.burn() {
                break;
            }
            let stat = fs.stat(&path);
            match kind {
                FileType::Dir if depth < MAX_DEPTH => pending.push((path, depth + 1)),
                FileType::Dir => {}
                FileType::File => {
                    let size = stat
                        .ok()
                        .filter(|s| s.kind() == FileType::File)
                        .map(|s| s.size);
                    read_file(fs, &path, size, fuel, strict_sizes, &mut seen);
                }
            }
        }
    }
    seen
}

fn read_file(
    fs: &mut dyn Filesystem,
    path: &str,
    size: Option<u64>,
    fuel: &mut Fuel,
    strict_sizes: bool,
    seen: &mut Walk,
) {
    let Ok(f) = fs.open(path, OpenMode::READ) else {
        return;
    };
    seen.files += 1;
    let mut buf = [0u8; 509];
    let mut total = 0u64;
    let mut complete = false;
    while fuel.burn() && total < MAX_FILE_READ && seen.bytes < 8 * MAX_FILE_READ {
        match fs.read(f, &mut buf) {
            Ok(0) => {
                complete = true;
                break;
            }
            Ok(n) => {
                assert!(
                    n <= buf.len(),
                    "{path}: read claimed {n} bytes into {}",
                    buf.len()
                );
                total += n as u64;
                seen.bytes += n as u64;
            }
            Err(_) => break,
        }
    }
    if strict_sizes {
        if let (true, Some(size)) = (complete, size) {
            assert_eq!(
                total, size,
                "{path}: stat says {size} bytes, reading gave {total}"
            );
            if let Ok(end) = fs.seek(f, SeekFrom::End(0)) {
                assert_eq!(end, size, "{path}: seek to the end of a {size}-byte file");
            }
        }
    }
    let _ = fs.close(f);
}

/// `len` bytes that differ with `seed` and position.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(37).wrapping_add((i % 253) as u8))
        .collect()
}

/// Reads the whole of `path`, or `None` on any error (or when the fuel or the cap runs out).
pub fn read_all(fs: &mut dyn Filesystem, path: &str, fuel: &mut Fuel) -> Option<Vec<u8>> {
    let f = fs.open(path, OpenMode::READ).ok()?;
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    let result = loop {
        if !fuel.burn() || out.len() as u64 > MAX_FILE_READ {
            break None;
        }
        match fs.read(f, &mut buf) {
            Ok(0) => break Some(()),
            Ok(n) => out.extend_from_slice(buf.get(..n)?),
            Err(_) => break None,
        }
    };
    let closed = fs.close(f);
    result.and(closed.ok()).map(|()| out)
}

/// Writes `data` to `path` (mode `"w"`); `true` when every call succeeded.
pub fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8], fuel: &mut Fuel) -> bool {
    let Ok(f) = fs.open(path, OpenMode::WRITE) else {
        return false;
    };
    let mut rest = data;
    let mut ok = true;
    while !rest.is_empty() {
        if !fuel.burn() {
            ok = false;
            break;
        }
        match fs.write(f, rest) {
            Ok(n) if n > 0 && n <= rest.len() => rest = &rest[n..],
            Ok(n) => panic!("{path}: write of {} bytes returned {n}", rest.len()),
            Err(_) => {
                ok = false;
                break;
            }
        }
    }
    let closed = fs.close(f).is_ok();
    ok && closed
}

/// Where the probe left its file, and what it holds.
pub struct Probe {
    /// The path of the file, if the writes succeeded.
    pub path: Option<String>,
    /// Its content.
    pub data: Vec<u8>,
}

/// A few writes on a mounted (read-write) filesystem: a file written, read back, a directory
/// made, the file renamed into it, a second file made and removed, `statvfs` and `sync`.
/// Whatever succeeds must read back: a file written and closed without error reads back as
/// what was written.
pub fn probe_writes(fs: &mut dyn Filesystem, fuel: &mut Fuel, len: usize, seed: u8) -> Probe {
    let data = pattern(seed, len);
    let mut probe = Probe {
        path: None,
        data: data.clone(),
    };
    let _ = fs.statvfs("/");
    if write_file(fs, "/fuzz.probe", &data, fuel) {
        if let Some(back) = read_all(fs, "/fuzz.probe", fuel) {
            assert!(
                back == data,
                "/fuzz.probe: wrote {} bytes, read back {} different",
                len,
                back.len()
            );
        }
        probe.path = Some("/fuzz.probe".into());
        let made = match fs.mkdir("/fuzz.dir") {
            Ok(()) => true,
            Err(e) => e.errno() == Errno::EEXIST,
        };
        if made && fs.rename("/fuzz.probe", "/fuzz.dir/p").is_ok() {
            probe.path = Some("/fuzz.dir/p".into());
            if let Some(back) = read_all(fs, "/fuzz.dir/p", fuel) {
                assert!(
                    back == data,
                    "/fuzz.dir/p: renamed file reads back differently"
                );
            }
        }
    }
    if write_file(fs, "/fuzz.tmp", b"x", fuel) {
        let _ = fs.remove("/fuzz.tmp");
    }
    let _ = fs.sync();
    probe
}

/// Everything a `mount_*` target does with one filesystem built on a hostile image:
/// mount read-only and walk; mount read-write (formatting if it does not mount) and walk, probe,
/// unmount; mount again and check the probe's file survived; walk again. Panics only on a
/// broken contract (see [`walk`] and [`probe_writes`]). With `UVFS_FUZZ_DEBUG` set it tells
/// on stderr what mounted and what the walks saw.
pub fn exercise(fs: &mut dyn Filesystem, fuel: &mut Fuel, strict_sizes: bool, probe_len: usize) {
    let debug = std::env::var_os("UVFS_FUZZ_DEBUG").is_some();
    let ro = fs.mount(true, false);
    if debug {
        eprintln!("read-only mount: {ro:?}");
    }
    if ro.is_ok() {
        let seen = walk(fs, fuel, strict_sizes);
        if debug {
            eprintln!("read-only walk: {seen:?}");
        }
        assert!(
            fs.open("/fuzz.ro", OpenMode::WRITE).is_err(),
            "a read-only mount let a file be opened for writing"
        );
        let _ = fs.umount();
    }
    let formatted = match fs.mount(false, false) {
        Ok(()) => false,
        Err(_) => {
            if fs.mount(false, true).is_err() {
                return;
            }
            true
        }
    };
    let first = walk(fs, fuel, strict_sizes);
    if debug {
        eprintln!("read-write mount (formatted: {formatted}), walk: {first:?}");
    }
    if formatted {
        assert_eq!(
            first.entries, 0,
            "a read-write mount failed, then mount with mkfs listed {} entries: the failed \
             mount changed the volume, or mkfs did not format",
            first.entries
        );
    }
    let probe = probe_writes(fs, fuel, probe_len, first.entries as u8);
    let umounted = fs.umount();
    if debug {
        eprintln!("probe left {:?}; umount: {umounted:?}", probe.path);
    }
    if umounted.is_err() {
        return;
    }
    if fs.mount(true, false).is_err() {
        assert!(
            !formatted,
            "a volume formatted and unmounted cleanly does not mount again"
        );
        return;
    }
    if let Some(path) = &probe.path {
        let back = read_all(fs, path, fuel);
        if debug {
            let first_diff = back
                .as_ref()
                .map(|b| (b.len(), b.iter().zip(&probe.data).position(|(x, y)| x != y)));
            eprintln!(
                "after remount, {path} ({} bytes written): (bytes read, first difference) {first_diff:?}",
                probe.data.len()
            );
        }
        if let Some(back) = back {
            assert!(
                back == probe.data,
                "{path}: after a clean remount it reads back differently"
            );
        } else if formatted && fuel.left() {
            panic!("{path}: written on a fresh format, gone after a clean remount");
        }
    }
    walk(fs, fuel, strict_sizes);
    let _ = fs.umount();
}

/// CRC-32 (IEEE, reflected, as zlib), for fixing up headers the fuzzer mutated.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// The block size an image says it has: what `detect_bytes` reads from its boot sector or
/// superblock when that is a power of two in `lo..=hi` dividing the image, else `fallback`.
pub fn image_block_size(image: &[u8], lo: u32, hi: u32, fallback: u32) -> u32 {
    match uvfs_vfs_core::detect::detect_bytes(image) {
        Some(d)
            if d.block_size.is_power_of_two()
                && (lo..=hi).contains(&d.block_size)
                && image.len().is_multiple_of(d.block_size as usize) =>
        {
            d.block_size
        }
        _ => fallback,
    }
}
