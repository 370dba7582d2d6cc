//! Helpers shared by the test modules.

use std::collections::BTreeMap;

use lfs1_oracle::{CConfig, CLfs1, Image};
use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::{FileType, Filesystem, OpenMode, Result, SeekFrom};
use uvfs_vfs_core::RamDisk;

/// The same three numbers for both engines.
#[derive(Copy, Clone, Debug)]
pub struct Geo {
    pub block_size: u32,
    pub block_count: u32,
    pub read_size: u32,
    pub prog_size: u32,
    pub lookahead: u32,
}

impl Geo {
    pub fn uvfs(&self) -> Lfs1Config {
        Lfs1Config {
            read_size: self.read_size,
            prog_size: self.prog_size,
            lookahead: self.lookahead,
        }
    }

    pub fn c(&self) -> CConfig {
        CConfig {
            read_size: self.read_size,
            prog_size: self.prog_size,
            lookahead: self.lookahead,
        }
    }
}

/// Geometries the interop tests run at: MicroPython's defaults, a 4 KiB flash, tiny blocks.
pub const GEOS: [Geo; 3] = [
    Geo {
        block_size: 512,
        block_count: 256,
        read_size: 32,
        prog_size: 32,
        lookahead: 32,
    },
    Geo {
        block_size: 4096,
        block_count: 256,
        read_size: 16,
        prog_size: 64,
        lookahead: 64,
    },
    Geo {
        block_size: 128,
        block_count: 1024,
        read_size: 8,
        prog_size: 16,
        lookahead: 128,
    },
];

pub fn to_disk(img: &Image) -> RamDisk {
    let mut d = RamDisk::from_image(img.bytes.clone(), img.block_size);
    d.set_flash(img.erase_value.is_some());
    d
}

pub fn to_image(d: &RamDisk, erase_value: Option<u8>) -> Image {
    use uvfs_os_api::BlockDevice;
    Image {
        bytes: d.as_bytes().to_vec(),
        block_size: d.block_size(),
        erase_value,
    }
}

pub fn uvfs_on(img: &Image, g: &Geo) -> VfsLfs1<RamDisk> {
    VfsLfs1::new(to_disk(img), g.uvfs())
}

pub fn c_on(img: &Image, g: &Geo) -> CLfs1 {
    CLfs1::new(img.clone(), g.c())
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
    let mut buf = [0u8; 1000];
    loop {
        let n = fs.read(f, &mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    fs.close(f)?;
    Ok(out)
}

pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 29) as u8
        })
        .collect()
}

/// A listing in on-disk order: (name, is_dir, size).
pub fn listing(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<(String, bool, u64)>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    while let Some(e) = fs.readdir(d)? {
        out.push((
            e.name.as_str().to_string(),
            e.kind == FileType::Dir,
            e.size.unwrap_or(0),
        ));
    }
    fs.closedir(d)?;
    Ok(out)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A directory and its listing in on-disk order.
    Dir(Vec<String>),
    File(Vec<u8>),
}

pub type Tree = BTreeMap<String, Node>;

/// The whole tree: listings in on-disk order and every file's content.
pub fn tree(fs: &mut dyn Filesystem) -> Result<Tree> {
    let mut out = Tree::new();
    let mut dirs = vec![String::from("/")];
    while let Some(dir) = dirs.pop() {
        let entries = listing(fs, &dir)?;
        out.insert(
            dir.clone(),
            Node::Dir(entries.iter().map(|e| e.0.clone()).collect()),
        );
        for (name, is_dir, size) in entries {
            let p = if dir == "/" {
                format!("/{name}")
            } else {
                format!("{dir}/{name}")
            };
            if is_dir {
                dirs.push(p);
            } else {
                let data = read_file(fs, &p)?;
                assert_eq!(data.len() as u64, size, "{p}: listed size");
                out.insert(p, Node::File(data));
            }
        }
    }
    Ok(out)
}

/// A scripted population exercising every kind of change: nested directories, files from
/// empty to many blocks, overwrites, appends, patches, truncates, renames (within a block,
/// across directories, onto files and empty directories), removals that drop whole metadata
/// blocks, 255-byte names.
pub fn populate(fs: &mut dyn Filesystem, block_size: u32, seed: u64) -> Result<()> {
    let b = block_size as usize;
    let long = "x".repeat(255.min(block_size as usize - 40));
    fs.mkdir("/docs")?;
    fs.mkdir("/docs/sub")?;
    fs.mkdir("/docs/sub/deep")?;
    fs.mkdir("/empty_dir")?;
    write_file(fs, "/empty.txt", b"")?;
    write_file(fs, "/one", &pattern(seed, 1))?;
    write_file(fs, "/block", &pattern(seed + 1, b))?;
    write_file(fs, "/two_blocks", &pattern(seed + 2, 2 * b - 4))?;
    write_file(fs, "/docs/sub/deep/nested", &pattern(seed + 3, 123))?;
    write_file(fs, "/big", &pattern(seed + 4, 40 * b + 17))?;
    write_file(fs, "/gone", &pattern(seed + 5, 900))?;
    fs.remove("/gone")?;
    write_file(fs, "/old_name", &pattern(seed + 6, 321))?;
    fs.rename("/old_name", "/docs/new_name")?;
    write_file(fs, "/same_a", &pattern(seed + 7, 64))?;
    fs.rename("/same_a", "/same_b")?;
    write_file(fs, "/replace_dst", &pattern(seed + 8, 1500))?;
    write_file(fs, "/replace_src", &pattern(seed + 9, 222))?;
    fs.rename("/replace_src", "/replace_dst")?;
    fs.mkdir("/olddir")?;
    write_file(fs, "/olddir/inside", &pattern(seed + 10, 77))?;
    fs.rename("/olddir", "/docs/moved_dir")?;
    fs.mkdir("/target_dir")?;
    fs.mkdir("/src_dir")?;
    fs.rename("/src_dir", "/target_dir")?;
    write_file(fs, "/overwrite", &pattern(seed + 11, 2000))?;
    write_file(fs, "/overwrite", &pattern(seed + 12, 300))?;
    for i in 0..3u64 {
        let f = fs.open("/append.log", OpenMode::APPEND)?;
        fs.write_all(f, &pattern(seed + 20 + i, 250))?;
        fs.close(f)?;
    }
    write_file(fs, "/patched", &pattern(seed + 13, 3 * b))?;
    let f = fs.open("/patched", OpenMode::parse("r+b")?)?;
    fs.seek(f, SeekFrom::Start(b as u64 - 10))?;
    fs.write_all(f, &pattern(seed + 14, 100))?;
    fs.close(f)?;
    write_file(fs, "/cut", &pattern(seed + 15, 5 * b))?;
    let f = fs.open("/cut", OpenMode::parse("r+")?)?;
    fs.truncate(f, 2 * b as u64 + 5)?;
    fs.close(f)?;
    write_file(fs, &format!("/{long}"), &pattern(seed + 16, 50))?;
    fs.mkdir(&format!("/docs/{long}"))?;
    write_file(fs, "/docs/café_ünïcödé_日本.txt", "unicode".as_bytes())?;
    fs.mkdir("/many")?;
    for i in 0..40u64 {
        write_file(
            fs,
            &format!("/many/entry_{i:02}"),
            &pattern(seed + 100 + i, 7 * i as usize),
        )?;
    }
    for i in 16..32 {
        fs.remove(&format!("/many/entry_{i:02}"))?;
    }
    fs.mkdir("/to_rmdir")?;
    fs.rmdir("/to_rmdir")?;
    Ok(())
}
