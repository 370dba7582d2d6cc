//! Shared helpers: filesystems on RAM devices, a settable clock, whole-file reads and writes,
//! tree walks, the superblock's version field.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{Errno, FileType, Filesystem, OpenMode, Result, TimeSource, Timestamp};
use uvfs_vfs_core::RamDisk;

/// A clock tests can set; clones share the time.
#[derive(Clone, Debug)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    /// A clock at `secs` seconds since 1970 (and 123456789 ns).
    pub fn at(secs: i64) -> Clock {
        Clock(Arc::new(AtomicI64::new(secs)))
    }

    pub fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }
}

impl TimeSource for Clock {
    fn now(&self) -> Timestamp {
        Timestamp {
            secs: self.0.load(Ordering::SeqCst),
            nanos: 123_456_789,
        }
    }
}

/// A fixed time used where the clock does not matter (2026-11-24, after the fixtures' times).
pub const T0: i64 = 1_795_575_748;

/// A formatted, unmounted VfsLfs2 on a fresh flash-like RAM device.
pub fn fresh_with(bs: u32, bc: u32, cfg: Lfs2Config) -> VfsLfs2<RamDisk> {
    let mut fs = VfsLfs2::new(RamDisk::new_flash(bs, bc), cfg)
        .unwrap()
        .with_time_source(Box::new(Clock::at(T0)));
    fs.mkfs().unwrap();
    fs
}

/// [`fresh_with`] MicroPython's defaults.
pub fn fresh(bs: u32, bc: u32) -> VfsLfs2<RamDisk> {
    fresh_with(bs, bc, Lfs2Config::default())
}

/// [`fresh`], mounted.
pub fn mounted(bs: u32, bc: u32) -> VfsLfs2<RamDisk> {
    let mut fs = fresh(bs, bc);
    fs.mount(false, false).unwrap();
    fs
}

/// `len` bytes that depend on `seed` and on the position.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8]) -> Result<()> {
    let f = fs.open(path, OpenMode::WRITE)?;
    let r = fs.write_all(f, data);
    let c = fs.close(f);
    r.and(c)
}

pub fn read_file(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<u8>> {
    let f = fs.open(path, OpenMode::READ)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1000];
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

/// Names in a directory, in listing order.
pub fn names(fs: &mut dyn Filesystem, dir: &str) -> Result<Vec<String>> {
    let h = fs.opendir(dir)?;
    let mut out = Vec::new();
    let r = loop {
        match fs.readdir(h) {
            Ok(Some(e)) => out.push(e.name.as_str().to_string()),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let c = fs.closedir(h);
    r.and(c).map(|()| out)
}

/// A file's content or a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
}

pub type Tree = BTreeMap<String, Node>;

/// Every path below the root with its content; directories at most `max_depth` deep (a damaged
/// image may make a directory contain itself).
pub fn tree_bounded(fs: &mut dyn Filesystem, max_depth: usize) -> Result<Tree> {
    let mut out = Tree::new();
    let mut todo = vec![(String::new(), 0usize)];
    while let Some((dir, depth)) = todo.pop() {
        let h = fs.opendir(if dir.is_empty() { "/" } else { &dir })?;
        let mut entries = Vec::new();
        let r = loop {
            match fs.readdir(h) {
                Ok(Some(e)) => entries.push(e),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        fs.closedir(h)?;
        r?;
        for e in entries {
            let p = format!("{dir}/{}", e.name);
            match e.kind {
                FileType::Dir => {
                    out.insert(p.clone(), Node::Dir);
                    if depth < max_depth {
                        todo.push((p, depth + 1));
                    } else {
                        return Err(Errno::ELOOP.into());
                    }
                }
                FileType::File => {
                    let data = read_file(fs, &p)?;
                    out.insert(p, Node::File(data));
                }
            }
        }
    }
    Ok(out)
}

pub fn tree(fs: &mut dyn Filesystem) -> Result<Tree> {
    tree_bounded(fs, 64)
}

/// The `version` field of the superblock entry in blocks 0 and 1 (the newest copy of each
/// that holds one), read straight from the bytes: `None` where a block holds none.
pub fn superblock_versions(image: &[u8], block_size: usize) -> [Option<u32>; 2] {
    let mut out = [None, None];
    for (i, slot) in out.iter_mut().enumerate() {
        let block = &image[i * block_size..(i + 1) * block_size];
        // The entry is the name tag's data "littlefs" followed by an inline-struct tag and the
        // superblock struct (version first). Take the last occurrence: the newest commit.
        let mut at = None;
        let mut from = 0;
        while let Some(pos) = find(&block[from..], b"littlefs") {
            at = Some(from + pos);
            from += pos + 1;
        }
        if let Some(pos) = at {
            let v = pos + 8 + 4;
            if v + 4 <= block.len() {
                *slot = Some(u32::from_le_bytes(block[v..v + 4].try_into().unwrap()));
            }
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
