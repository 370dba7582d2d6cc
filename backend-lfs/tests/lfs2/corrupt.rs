//! Damaged media: mounting and walking damaged images returns errors, never panics or hangs.
//! - blank, zeroed and random devices do not mount;
//! - random bit flips and random garbage blocks in a populated image (seeded, 60 images each
//!   by default, `UVFS_LFS2_CORRUPT_CASES=N` for more): every call returns (the work budget
//!   bounds each engine call);
//! - a directory whose metadata chain leads back to itself (made by a device that aliases
//!   blocks after the mount): a listing stops with `EIO` instead of repeating for ever, and a
//!   lookup that would follow the chain for ever is stopped by the work budget;
//! - a tiny work budget stops ordinary operations cleanly, and the volume recovers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Errno, Filesystem, OpenMode, Result};
use uvfs_vfs_core::RamDisk;

use crate::lfs2::support::{pattern, read_file, tree_bounded, write_file};

const BS: u32 = 512;
const BC: u32 = 128;

fn cases() -> u64 {
    std::env::var("UVFS_LFS2_CORRUPT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
}

/// A xorshift generator: deterministic damage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A populated image: nested directories, inline and multi-block files, a directory split
/// over several metadata pairs.
fn populated() -> Vec<u8> {
    let mut fs = VfsLfs2::new(RamDisk::new_flash(BS, BC), Lfs2Config::default()).unwrap();
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    fs.mkdir("/d").unwrap();
    fs.mkdir("/d/e").unwrap();
    fs.mkdir("/many").unwrap();
    for i in 0..12u64 {
        write_file(&mut fs, &format!("/d/f{i}"), &pattern(i, 40 * i as usize)).unwrap();
    }
    write_file(&mut fs, "/d/e/big", &pattern(99, 9_000)).unwrap();
    write_file(&mut fs, "/top", &pattern(98, 1_000)).unwrap();
    for i in 0..60 {
        write_file(&mut fs, &format!("/many/entry-{i:03}"), b"x").unwrap();
    }
    fs.umount().unwrap();
    fs.into_device().into_bytes()
}

/// Everything a user might do with a damaged volume; results are only counted: panics and
/// hangs are what would fail. `None` if it did not mount, else how many calls failed.
fn exercise(fs: &mut VfsLfs2<RamDisk>, readonly: bool) -> Option<usize> {
    let mut failures = 0;
    fs.mount(readonly, false).ok()?;
    match tree_bounded(fs, 16) {
        Ok(t) => {
            for p in t.keys() {
                failures += usize::from(fs.stat(p).is_err());
            }
        }
        Err(_) => failures += 1,
    }
    let _ = fs.stat("/nothere");
    for p in ["/d/e/big", "/top", "/many/entry-007", "/d/f3"] {
        failures += usize::from(read_file(fs, p).is_err());
        failures += usize::from(fs.stat(p).is_err());
    }
    failures += usize::from(fs.statvfs("/").is_err());
    if !readonly {
        failures += usize::from(write_file(fs, "/new", &pattern(5, 2_000)).is_err());
        failures += usize::from(fs.mkdir("/d/new").is_err());
        failures += usize::from(fs.rename("/top", "/d/top").is_err());
        failures += usize::from(fs.remove("/d/f1").is_err());
        if let Ok(f) = fs.open("/d/f2", OpenMode::parse("r+").unwrap()) {
            let _ = fs.write(f, b"patch");
            let _ = fs.truncate(f, 3);
            let _ = fs.close(f);
        }
    }
    failures += usize::from(fs.umount().is_err());
    Some(failures)
}

#[test]
fn blank_zero_and_random_devices_do_not_mount() {
    let mut random = vec![0u8; (BS * BC) as usize];
    let mut rng = Rng(7);
    random.iter_mut().for_each(|b| *b = rng.next() as u8);
    for (what, image) in [
        ("erased", vec![0xffu8; (BS * BC) as usize]),
        ("zeroed", vec![0u8; (BS * BC) as usize]),
        ("random", random),
    ] {
        let mut fs = VfsLfs2::new(RamDisk::from_image(image, BS), Lfs2Config::default()).unwrap();
        for readonly in [true, false] {
            let e = fs.mount(readonly, false).unwrap_err();
            assert_eq!(e, Errno::EILSEQ, "{what}: {e}");
        }
        assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
    }
}

#[test]
fn random_bit_flips_never_panic_or_hang() {
    let image = populated();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let n = cases();
    let (mut mounted, mut clean) = (0, 0);
    for _ in 0..n {
        let mut bytes = image.clone();
        // Flip a few bits, mostly where metadata lives (the first blocks hold the superblock
        // and early directories), sometimes anywhere.
        for _ in 0..1 + rng.below(8) {
            let span = if rng.below(2) == 0 {
                8 * BS as u64
            } else {
                bytes.len() as u64
            };
            let at = rng.below(span) as usize;
            bytes[at] ^= 1 << rng.below(8);
        }
        for readonly in [true, false] {
            let mut fs = VfsLfs2::new(
                RamDisk::from_image(bytes.clone(), BS),
                Lfs2Config::default(),
            )
            .unwrap();
            if let Some(failures) = exercise(&mut fs, readonly) {
                mounted += 1;
                clean += usize::from(failures == 0);
            }
        }
    }
    println!(
        "bit flips: {n} images, {mounted} of {} sessions mounted, {clean} without an error",
        2 * n
    );
}

#[test]
fn random_garbage_blocks_never_panic_or_hang() {
    let image = populated();
    let mut rng = Rng(0x0bad_cafe_f00d_0001);
    let n = cases();
    for _ in 0..n {
        let mut bytes = image.clone();
        for _ in 0..1 + rng.below(3) {
            let span = if rng.below(2) == 0 { 8 } else { u64::from(BC) };
            let block = rng.below(span) as usize;
            let (lo, hi) = (block * BS as usize, (block + 1) * BS as usize);
            // Garbage, or a copy of another block (valid-looking metadata in the wrong place).
            if rng.below(2) == 0 {
                bytes[lo..hi].iter_mut().for_each(|b| *b = rng.next() as u8);
            } else {
                let other = rng.below(u64::from(BC)) as usize * BS as usize;
                let copy = bytes[other..other + BS as usize].to_vec();
                bytes[lo..hi].copy_from_slice(&copy);
            }
        }
        for readonly in [true, false] {
            let mut fs = VfsLfs2::new(
                RamDisk::from_image(bytes.clone(), BS),
                Lfs2Config::default(),
            )
            .unwrap();
            exercise(&mut fs, readonly);
        }
    }
    println!("garbage blocks: {n} images");
}

/// A device that, once `active`, reads certain blocks as another block's bytes: made-up but
/// checksum-valid metadata in the wrong place.
struct Alias {
    inner: RamDisk,
    map: BTreeMap<u32, u32>,
    active: Arc<AtomicBool>,
}

impl BlockDevice for Alias {
    fn block_size(&self) -> u32 {
        self.inner.block_size()
    }
    fn block_count(&self) -> u32 {
        self.inner.block_count()
    }
    fn needs_erase(&self) -> bool {
        self.inner.needs_erase()
    }
    fn read(&mut self, block: BlockIdx, off: u32, buf: &mut [u8]) -> Result<()> {
        let b = if self.active.load(Ordering::SeqCst) {
            *self.map.get(&block.0).unwrap_or(&block.0)
        } else {
            block.0
        };
        self.inner.read(BlockIdx(b), off, buf)
    }
    fn write(&mut self, block: BlockIdx, off: u32, data: &[u8]) -> Result<()> {
        self.inner.write(block, off, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        self.inner.erase(block, count)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The populated image on a device that, once activated, makes `/many`'s metadata chain lead
/// back to its first block.
fn looping_many() -> (VfsLfs2<Alias>, Arc<AtomicBool>) {
    let image = populated();
    let bs = BS as usize;
    let block = |i: usize| &image[i * bs..(i + 1) * bs];
    let rev = |i: usize| u32::from_le_bytes(block(i)[..4].try_into().unwrap());
    // The block of /many's first metadata pair with the newest revision holds entry-000.
    let first = (0..BC as usize)
        .filter(|&i| contains(block(i), b"entry-000"))
        .max_by_key(|&i| rev(i))
        .unwrap();
    let map: BTreeMap<u32, u32> = (0..BC as usize)
        .filter(|&i| i != first && contains(block(i), b"entry-"))
        .map(|i| (i as u32, first as u32))
        .collect();
    assert!(!map.is_empty(), "/many should span several metadata pairs");
    let active = Arc::new(AtomicBool::new(false));
    let dev = Alias {
        inner: RamDisk::from_image(image, BS),
        map,
        active: Arc::clone(&active),
    };
    (VfsLfs2::new(dev, Lfs2Config::default()).unwrap(), active)
}

#[test]
fn a_directory_chain_that_loops_is_stopped() {
    let (mut fs, active) = looping_many();
    fs.mount(true, false).unwrap();
    active.store(true, Ordering::SeqCst);
    // A listing that would repeat the same entries for ever ends with EIO.
    let h = fs.opendir("/many").unwrap();
    let mut n = 0u64;
    let err = loop {
        match fs.readdir(h) {
            Ok(Some(_)) => n += 1,
            Ok(None) => panic!("the looping listing ended after {n} entries"),
            Err(e) => break e,
        }
    };
    fs.closedir(h).unwrap();
    assert_eq!(err, Errno::EIO, "{err}");
    assert!(err.detail().unwrap().contains("does not end"), "{err}");
    let cap = u64::from(BS) * u64::from(BC) / 8;
    assert!(n <= cap + 2, "{n} entries");
    // A lookup in it follows the chain inside one engine call: the work budget stops it.
    let before = fs.device_ops();
    let err = fs.stat("/many/not-there").unwrap_err();
    assert_eq!(err, Errno::EIO, "{err}");
    assert!(err.detail().unwrap().contains("budget"), "{err}");
    let work = fs.device_ops() - before;
    assert!(work <= fs.op_budget() + 1, "{work} operations");
    // Everything else still answers.
    assert_eq!(read_file(&mut fs, "/top").unwrap(), pattern(98, 1_000));
    fs.umount().unwrap();
}

#[test]
fn a_tiny_budget_stops_operations_and_the_volume_recovers() {
    let mut fs = VfsLfs2::new(RamDisk::new_flash(BS, BC), Lfs2Config::default()).unwrap();
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/keep", b"kept").unwrap();
    let default = fs.op_budget();
    assert_eq!(default, 1 << 20);
    fs.set_op_budget(3);
    let data = pattern(3, 20_000);
    let e = write_file(&mut fs, "/big", &data).unwrap_err();
    assert_eq!(e, Errno::EIO);
    assert!(e.detail().unwrap().contains("budget"), "{e}");
    let _ = fs.umount();
    fs.set_op_budget(default);
    fs.mount(false, false).unwrap();
    assert_eq!(read_file(&mut fs, "/keep").unwrap(), b"kept");
    match read_file(&mut fs, "/big") {
        Ok(d) => assert!(d.is_empty() || d == data),
        Err(e) => assert_eq!(e, Errno::ENOENT),
    }
    write_file(&mut fs, "/big", &data).unwrap();
    assert_eq!(read_file(&mut fs, "/big").unwrap(), data);
    fs.umount().unwrap();
}
