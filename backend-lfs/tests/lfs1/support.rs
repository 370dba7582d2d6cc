//! Helpers shared by the test modules.

use std::collections::BTreeMap;

use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::{FileType, Filesystem, OpenMode, Result};
use uvfs_vfs_core::RamDisk;

/// `Lfs1Config` from the three numbers.
pub fn cfg(read_size: u32, prog_size: u32, lookahead: u32) -> Lfs1Config {
    Lfs1Config {
        read_size,
        prog_size,
        lookahead,
    }
}

/// A formatted, unmounted volume on an erased (`0xFF`) flash-like RAM device.
pub fn fresh(block_size: u32, block_count: u32, c: Lfs1Config) -> VfsLfs1<RamDisk> {
    let mut fs = VfsLfs1::new(RamDisk::new_flash(block_size, block_count), c);
    fs.mkfs().unwrap();
    fs
}

/// A formatted and mounted volume with MicroPython's defaults.
pub fn mounted(block_size: u32, block_count: u32) -> VfsLfs1<RamDisk> {
    let mut fs = fresh(block_size, block_count, Lfs1Config::default());
    fs.mount(false, false).unwrap();
    fs
}

/// Writes `data` to `path` (mode `"w"`) and closes it.
pub fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8]) -> Result<()> {
    let f = fs.open(path, OpenMode::WRITE)?;
    let written = fs.write_all(f, data);
    let closed = fs.close(f);
    written.and(closed)
}

/// The whole content of `path`.
pub fn read_file(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<u8>> {
    let f = fs.open(path, OpenMode::READ)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 777];
    loop {
        match fs.read(f, &mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => {
                let _ = fs.close(f);
                return Err(e);
            }
        }
        if out.len() > 1 << 26 {
            panic!("{path} keeps growing");
        }
    }
    fs.close(f)?;
    Ok(out)
}

/// `len` bytes that differ with `seed` and position.
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

/// A listing in on-disk order: (name, is_dir, size).
pub fn listing(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<(String, bool, u64)>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    loop {
        match fs.readdir(d) {
            Ok(Some(e)) => out.push((
                e.name.as_str().to_string(),
                e.kind == FileType::Dir,
                e.size.unwrap_or(0),
            )),
            Ok(None) => break,
            Err(e) => {
                let _ = fs.closedir(d);
                return Err(e);
            }
        }
        assert!(out.len() < 100_000, "listing of {path} does not end");
    }
    fs.closedir(d)?;
    Ok(out)
}

/// A file or a directory of a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
}

/// Every path below `/` with its content.
pub type Tree = BTreeMap<String, Node>;

/// The whole tree, contents included.
pub fn tree(fs: &mut dyn Filesystem) -> Result<Tree> {
    let mut out = Tree::new();
    let mut dirs = vec![String::new()];
    while let Some(dir) = dirs.pop() {
        for (name, is_dir, _) in listing(fs, if dir.is_empty() { "/" } else { &dir })? {
            let p = format!("{dir}/{name}");
            if is_dir {
                out.insert(p.clone(), Node::Dir);
                dirs.push(p);
            } else {
                let data = read_file(fs, &p)?;
                out.insert(p, Node::File(data));
            }
        }
    }
    Ok(out)
}

/// A short description of a tree for messages.
pub fn summary(t: &Tree) -> Vec<String> {
    t.iter()
        .map(|(k, v)| match v {
            Node::Dir => format!("{k}/"),
            Node::File(d) => format!("{k}:{}:{:02x}", d.len(), d.first().copied().unwrap_or(0)),
        })
        .collect()
}
