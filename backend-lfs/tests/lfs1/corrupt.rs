//! Damaged media never panic and never hang: every damaged image below is mounted read-only and
//! read-write and walked (bounded), then changed; each call may fail (mostly `ECORRUPT`, 52) but
//! must return.
//!
//! By default the bit-flip and zeroed-block sweeps take every 4th position; `LFS1_CORRUPT_FULL=1`
//! takes all of them.

use uvfs_backend_lfs::lfs1::{probe, Lfs1Config, VfsLfs1, ECORRUPT};
use uvfs_os_api::{Errno, FileType, Filesystem, OpenMode};
use uvfs_vfs_core::RamDisk;

use super::support::{pattern, write_file};

/// Every `n`-th item unless the full sweep is asked for.
fn stride() -> usize {
    if std::env::var("LFS1_CORRUPT_FULL").is_ok_and(|v| !v.is_empty() && v != "0") {
        1
    } else {
        4
    }
}

fn small() -> Vec<u8> {
    std::fs::read(uvfs_testkit::fixtures::micropython(
        "lfs1/lfs1-small-512x256.img",
    ))
    .unwrap()
}

/// CRC-32 without final inversion, bit by bit (independent of the engine's table).
fn crc(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    c
}

fn le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// The current (valid, newest) block of a pair in an image of 512-byte blocks.
fn current(img: &[u8], pair: [u32; 2]) -> usize {
    let valid = |b: u32| {
        let blk = &img[b as usize * 512..][..512];
        let size = (le(blk, 4) & 0x7FFF_FFFF) as usize;
        (20..=512).contains(&size) && crc(&blk[..size]) == 0
    };
    let rev = |b: u32| le(img, b as usize * 512);
    match (valid(pair[0]), valid(pair[1])) {
        (true, true) if (rev(pair[1]).wrapping_sub(rev(pair[0])) as i32) < 0 => pair[0] as usize,
        (true, true) | (false, true) => pair[1] as usize,
        (true, false) => pair[0] as usize,
        _ => panic!("pair {pair:?} has no valid block"),
    }
}

/// Lets `edit` change the block (header and entries, `size` bytes) then fixes the CRC.
fn rewrite(img: &mut [u8], block: usize, edit: impl FnOnce(&mut Vec<u8>)) {
    let blk = &mut img[block * 512..][..512];
    let size = (le(blk, 4) & 0x7FFF_FFFF) as usize;
    let mut body = blk[..size - 4].to_vec();
    edit(&mut body);
    let size = body.len() + 4;
    let flags = le(&body, 4) & 0x8000_0000;
    body[4..8].copy_from_slice(&(size as u32 | flags).to_le_bytes());
    let c = crc(&body);
    blk[..body.len()].copy_from_slice(&body);
    blk[body.len()..size].copy_from_slice(&c.to_le_bytes());
}

/// Offset (in the block) of the entry named `name`.
fn entry_offset(img: &[u8], block: usize, name: &[u8]) -> usize {
    let blk = &img[block * 512..][..512];
    let size = (le(blk, 4) & 0x7FFF_FFFF) as usize;
    let mut off = 16;
    while off + 4 <= size - 4 {
        let (elen, alen, nlen) = (
            blk[off + 1] as usize,
            blk[off + 2] as usize,
            blk[off + 3] as usize,
        );
        let n = &blk[off + 4 + elen + alen..off + 4 + elen + alen + nlen];
        if n == name {
            return off;
        }
        off += 4 + elen + alen + nlen;
    }
    panic!("no entry {name:?} in block {block}");
}

/// Walks and uses a volume within fixed budgets; returns how many calls failed.
fn poke(fs: &mut dyn Filesystem, write: bool) -> usize {
    let failed = std::cell::Cell::new(0);
    let fail = |r: bool| {
        if !r {
            failed.set(failed.get() + 1);
        }
    };
    let mut dirs = vec![(String::from("/"), 0)];
    let mut files = Vec::new();
    let mut seen = 0;
    while let Some((dir, depth)) = dirs.pop() {
        fail(fs.stat(&dir).is_ok());
        let Ok(d) = fs.opendir(&dir) else {
            fail(false);
            continue;
        };
        for _ in 0..300 {
            match fs.readdir(d) {
                Ok(Some(e)) => {
                    seen += 1;
                    let name = e.name.as_str();
                    if name.is_empty() || name.contains('/') || name.contains('\0') {
                        continue;
                    }
                    let p = if dir == "/" {
                        format!("/{name}")
                    } else {
                        format!("{dir}/{name}")
                    };
                    if p.split('/').any(|c| c.len() > 255) {
                        continue;
                    }
                    if e.kind == FileType::Dir && depth < 6 {
                        dirs.push((p, depth + 1));
                    } else if e.kind == FileType::File {
                        files.push(p);
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    fail(false);
                    break;
                }
            }
        }
        fail(fs.closedir(d).is_ok());
        if seen > 2000 {
            break;
        }
    }
    for p in files.iter().take(200) {
        fail(fs.stat(p).is_ok());
        let Ok(f) = fs.open(p, OpenMode::READ) else {
            fail(false);
            continue;
        };
        let mut buf = [0u8; 4096];
        let mut total = 0;
        while total < 256 * 1024 {
            match fs.read(f, &mut buf) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(_) => {
                    fail(false);
                    break;
                }
            }
        }
        fail(fs.close(f).is_ok());
    }
    fail(fs.statvfs("/").is_ok());
    if write {
        fail(fs.mkdir("/new_dir").is_ok());
        fail(write_file(fs, "/new_dir/f", &pattern(3, 2000)).is_ok());
        fail(write_file(fs, "/new_file", &pattern(4, 700)).is_ok());
        if let Some(p) = files.first() {
            fail(fs.rename(p, "/renamed").is_ok());
            if let Ok(f) = fs.open("/renamed", OpenMode::parse("r+").unwrap()) {
                fail(fs.write(f, b"patch").is_ok());
                fail(fs.truncate(f, 3).is_ok());
                fail(fs.close(f).is_ok());
            }
            fail(fs.remove("/renamed").is_ok());
        }
        for p in files.iter().skip(1).take(3) {
            fail(fs.remove(p).is_ok());
        }
        fail(fs.sync().is_ok());
    }
    failed.get()
}

/// Mounts `img` read-only and read-write and pokes it; returns whether the mounts succeeded.
fn survive(img: Vec<u8>, block_size: u32) -> (bool, bool) {
    let mut fs = VfsLfs1::new(RamDisk::from_image(img, block_size), Lfs1Config::default());
    let ro = fs.mount(true, false).is_ok();
    if ro {
        poke(&mut fs, false);
        let _ = fs.umount();
    }
    let rw = fs.mount(false, false).is_ok();
    if rw {
        poke(&mut fs, true);
        let _ = fs.umount();
        // And once more after the changes.
        if fs.mount(false, false).is_ok() {
            poke(&mut fs, false);
            let _ = fs.umount();
        }
    }
    let mut dev = fs.into_device().unwrap();
    let _ = probe(&mut dev);
    (ro, rw)
}

#[test]
fn the_undamaged_image_is_poked_without_failures() {
    let mut fs = VfsLfs1::new(RamDisk::from_image(small(), 512), Lfs1Config::default());
    fs.mount(false, false).unwrap();
    assert_eq!(poke(&mut fs, true), 0);
}

#[test]
fn bit_flips_in_metadata_and_data() {
    let img = small();
    let mut trials = 0;
    let mut mounted = 0;
    // Every bit of the first 64 bytes of the superblock and root blocks, then spread flips.
    let mut positions: Vec<(usize, u8)> = Vec::new();
    for block in [0usize, 1, 2, 3] {
        for byte in 0..56 {
            positions.push((block * 512 + byte, (byte % 8) as u8));
        }
    }
    let mut x = 0x1234_5678u64;
    for _ in 0..600 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        positions.push(((x % img.len() as u64) as usize, (x >> 40) as u8 % 8));
    }
    for (at, bit) in positions.into_iter().step_by(stride()) {
        let mut damaged = img.clone();
        damaged[at] ^= 1 << bit;
        let (ro, _) = survive(damaged, 512);
        trials += 1;
        mounted += usize::from(ro);
    }
    println!("{trials} bit flips: {mounted} images still mounted");
    assert!(
        mounted > trials / 2,
        "a flip in a stale or data byte must not stop the mount"
    );
}

#[test]
fn zeroed_and_erased_blocks() {
    let img = small();
    let mut mounted = 0;
    for block in (0..256).step_by(stride()) {
        for fill in [0x00u8, 0xFF] {
            let mut damaged = img.clone();
            damaged[block * 512..(block + 1) * 512].fill(fill);
            let (ro, _) = survive(damaged, 512);
            // Losing one block of the superblock pair leaves the other copy.
            assert!(ro || block > 1, "block {block} zeroed: no mount");
            mounted += usize::from(ro);
        }
    }
    println!("{mounted} of the images with one block blanked still mounted");
    // Both superblock blocks gone: ECORRUPT, and mkfs-on-mount formats.
    let mut damaged = img.clone();
    damaged[..1024].fill(0);
    let mut fs = VfsLfs1::new(RamDisk::from_image(damaged, 512), Lfs1Config::default());
    assert_eq!(fs.mount(false, false).unwrap_err(), ECORRUPT);
    fs.mount(false, true).unwrap();
    assert_eq!(poke(&mut fs, true), 0);
}

#[test]
fn tail_loops_and_pointer_loops_end() {
    let img = small();
    let root = current(&img, [3, 2]);

    // The root's tail names the root itself.
    let mut d = img.clone();
    rewrite(&mut d, root, |b| {
        b[8..12].copy_from_slice(&3u32.to_le_bytes());
        b[12..16].copy_from_slice(&2u32.to_le_bytes());
    });
    let mut fs = VfsLfs1::new(RamDisk::from_image(d.clone(), 512), Lfs1Config::default());
    fs.mount(true, false).unwrap();
    let dir = fs.opendir("/").unwrap();
    let mut n = 0;
    let err = loop {
        match fs.readdir(dir) {
            Ok(Some(_)) => n += 1,
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
        assert!(n < 100_000, "listing a looping directory does not end");
    };
    assert_eq!(err.map(|e| e.errno()), Some(ECORRUPT));
    assert_eq!(fs.statvfs("/").unwrap_err(), ECORRUPT);
    fs.umount().unwrap();
    survive(d, 512);

    // A directory entry naming its own parent (a cycle in the tree).
    let mut d = img.clone();
    let docs = entry_offset(&img, root, b"docs");
    rewrite(&mut d, root, |b| {
        b[docs + 4..docs + 8].copy_from_slice(&3u32.to_le_bytes());
        b[docs + 8..docs + 12].copy_from_slice(&2u32.to_le_bytes());
    });
    let mut fs = VfsLfs1::new(RamDisk::from_image(d.clone(), 512), Lfs1Config::default());
    fs.mount(true, false).unwrap();
    assert_eq!(fs.stat("/docs/docs/docs/big.bin").unwrap().size, 40960);
    fs.umount().unwrap();
    survive(d, 512);

    // The big file's last block points at itself.
    let mut d = img.clone();
    let big = entry_offset(&img, root, b"big.bin");
    let head = le(&img, root * 512 + big + 4) as usize;
    d[head * 512..head * 512 + 4].copy_from_slice(&(head as u32).to_le_bytes());
    survive(d, 512);
}

#[test]
fn huge_sizes_and_wild_pointers() {
    let img = small();
    let root = current(&img, [3, 2]);
    let big = entry_offset(&img, root, b"big.bin");
    let cases: [(u32, u32); 5] = [
        (0x6A, 0x7FFF_FFFF),
        (0x6A, 0xFFFF_FFFF),
        (0xFFFF_FFF0, 40960),
        (0xFFFF_FFFF, 100),
        (0x6A, 300_000),
    ];
    for (head, size) in cases {
        let mut d = img.clone();
        rewrite(&mut d, root, |b| {
            b[big + 4..big + 8].copy_from_slice(&head.to_le_bytes());
            b[big + 8..big + 12].copy_from_slice(&size.to_le_bytes());
        });
        let mut fs = VfsLfs1::new(RamDisk::from_image(d.clone(), 512), Lfs1Config::default());
        fs.mount(true, false).unwrap();
        assert_eq!(
            fs.open("/big.bin", OpenMode::READ).unwrap_err(),
            ECORRUPT,
            "head {head:#x} size {size}"
        );
        assert_eq!(fs.statvfs("/").unwrap_err(), ECORRUPT);
        fs.umount().unwrap();
        survive(d, 512);
    }
    // An entry whose name runs past the end of its block, and one with short data.
    for (at, value) in [(3usize, 0xF0u8), (1, 2)] {
        let mut d = img.clone();
        rewrite(&mut d, root, |b| b[big + at] = value);
        let mut fs = VfsLfs1::new(RamDisk::from_image(d.clone(), 512), Lfs1Config::default());
        fs.mount(true, false).unwrap();
        assert_eq!(fs.stat("/big.bin").unwrap_err(), ECORRUPT);
        fs.umount().unwrap();
        survive(d, 512);
    }
    // A superblock naming a root outside the device.
    let mut d = img.clone();
    for b in [0, 1] {
        rewrite(&mut d, b, |blk| {
            blk[20..24].copy_from_slice(&9999u32.to_le_bytes())
        });
    }
    let mut fs = VfsLfs1::new(RamDisk::from_image(d, 512), Lfs1Config::default());
    assert_eq!(fs.mount(true, false).unwrap_err(), ECORRUPT);
}

#[test]
fn truncated_and_mismatched_devices() {
    let img = small();
    // Cut to 100 blocks: the superblock says 256.
    let mut fs = VfsLfs1::new(
        RamDisk::from_image(img[..100 * 512].to_vec(), 512),
        Lfs1Config::default(),
    );
    assert_eq!(fs.mount(true, false).unwrap_err(), Errno::EINVAL);
    assert_eq!(fs.mount(false, true).unwrap_err(), Errno::EINVAL);
    // The same bytes seen as 1024-byte or 4096-byte blocks.
    for bs in [1024u32, 4096] {
        let (ro, rw) = survive(img.clone(), bs);
        assert!(!ro && !rw, "mounted with block size {bs}");
    }
    // A superblock claiming 2^32 - 1 blocks or another block size.
    for (at, value) in [(32usize, u32::MAX), (28, 4096), (28, 0)] {
        let mut d = img.clone();
        for b in [0, 1] {
            rewrite(&mut d, b, |blk| {
                blk[at..at + 4].copy_from_slice(&value.to_le_bytes())
            });
        }
        let mut fs = VfsLfs1::new(RamDisk::from_image(d, 512), Lfs1Config::default());
        assert_eq!(
            fs.mount(true, false).unwrap_err(),
            Errno::EINVAL,
            "{at} {value}"
        );
    }
    // A device too small for littlefs v1, and block sizes it cannot use.
    let mut fs = VfsLfs1::new(RamDisk::new_flash(512, 3), Lfs1Config::default());
    assert_eq!(fs.mkfs().unwrap_err(), Errno::EINVAL);
    let mut fs = VfsLfs1::new(
        RamDisk::new_flash(64, 100),
        Lfs1Config {
            read_size: 8,
            prog_size: 8,
            lookahead: 32,
        },
    );
    assert_eq!(fs.mkfs().unwrap_err(), Errno::EINVAL);
}

#[test]
fn random_bytes() {
    let mut x = 0x9E37_79B9u64;
    for _ in 0..50 {
        let img: Vec<u8> = (0..512 * 32)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let (ro, rw) = survive(img, 512);
        assert!(!ro && !rw);
    }
}
