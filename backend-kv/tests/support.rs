//! Helpers shared by the test modules.

use uvfs_backend_kv::{RamFlash, VfsKv};
use uvfs_os_api::{Filesystem, FixedTime, OpenMode, Result, Timestamp};

/// 4-byte words, 4 KiB sectors: typical MCU internal flash.
pub type Flash4k = RamFlash<4, 4096>;
/// Byte-programmable, 512-byte sectors: small pages, many chunks.
pub type Flash512 = RamFlash<1, 512>;

/// A formatted, unmounted volume on a fresh flash of `pages` sectors, with a fixed clock.
pub fn fresh<const W: usize, const P: usize>(pages: usize) -> VfsKv<RamFlash<W, P>> {
    let mut fs = VfsKv::new(RamFlash::new(pages))
        .unwrap()
        .with_time_source(Box::new(FixedTime(Timestamp::from_secs(1_700_000_000))));
    fs.mkfs().unwrap();
    fs
}

/// A volume on existing flash contents, unmounted.
pub fn reopen<const W: usize, const P: usize>(flash: RamFlash<W, P>) -> VfsKv<RamFlash<W, P>> {
    VfsKv::new(flash)
        .unwrap()
        .with_time_source(Box::new(FixedTime(Timestamp::from_secs(1_700_000_000))))
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
    }
    fs.close(f)?;
    Ok(out)
}

/// `len` bytes that differ with `seed` and position.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(31)
                .wrapping_add(u32::from(seed) * 7) as u8
        })
        .collect()
}

/// Sorted names in a directory.
pub fn names(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<String>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    while let Some(e) = fs.readdir(d)? {
        out.push(e.name.as_str().to_string());
    }
    fs.closedir(d)?;
    out.sort();
    Ok(out)
}
