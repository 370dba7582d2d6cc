use std::path::PathBuf;

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use proptest::prelude::*;
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Errno};
use uvfs_vfs_core::detect::{detect, detect_bytes, FsKind};
use uvfs_vfs_core::{BlockCache, FileDisk, FromNorFlash, RamDisk};

fn fixtures() -> PathBuf {
    uvfs_testkit::fixtures::micropython_dir()
}

#[test]
fn ram_disk_bounds_are_errors() {
    let mut d = RamDisk::new(512, 4);
    let mut buf = [0u8; 8];
    assert_eq!(d.read(BlockIdx(4), 0, &mut buf).unwrap_err(), Errno::EINVAL);
    assert_eq!(
        d.read(BlockIdx(3), 508, &mut buf).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        d.write(BlockIdx(u32::MAX), u32::MAX, &buf).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        d.erase(BlockIdx(2), BlockCount(3)).unwrap_err(),
        Errno::EINVAL
    );
    d.read(BlockIdx(3), 504, &mut buf).unwrap();
}

#[test]
fn flash_ram_disk_erases_to_ones() {
    let mut d = RamDisk::new_flash(256, 4);
    assert!(d.needs_erase());
    d.write(BlockIdx(1), 0, &[0u8; 256]).unwrap();
    d.erase(BlockIdx(1), BlockCount(1)).unwrap();
    assert!(d.as_bytes()[256..512].iter().all(|&b| b == 0xFF));
}

#[test]
fn file_disk_window_reads_and_writes_inside_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.bin");
    let mut bytes = vec![0xAAu8; 8192];
    bytes[4096..].fill(0x55);
    std::fs::write(&path, &bytes).unwrap();
    let mut d = FileDisk::open_window(&path, 512, 4096, Some(2048), true).unwrap();
    assert_eq!(d.block_count(), 4);
    let mut buf = [0u8; 4];
    d.read(BlockIdx(0), 0, &mut buf).unwrap();
    assert_eq!(buf, [0x55; 4]);
    d.write(BlockIdx(3), 508, b"tail").unwrap();
    assert_eq!(
        d.write(BlockIdx(3), 509, b"tail").unwrap_err(),
        Errno::EINVAL
    );
    drop(d);
    let after = std::fs::read(&path).unwrap();
    assert_eq!(&after[4096 + 2044..4096 + 2048], b"tail");
    assert_eq!(after[4096 + 2048], 0x55);
    assert_eq!(&after[..4096], &bytes[..4096]);
    assert_eq!(
        FileDisk::open_window(&path, 512, 8000, Some(1024), false).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        FileDisk::open_window(&path, 512, 9000, None, false).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        FileDisk::open(dir.path().join("missing"), 512, false).unwrap_err(),
        Errno::ENOENT
    );
}

#[derive(Debug, Clone)]
enum DevOp {
    Read { at: u32, len: u16 },
    Write { at: u32, data: Vec<u8> },
    Sync,
}

fn dev_op() -> impl Strategy<Value = DevOp> {
    prop_oneof![
        (0u32..8192, 0u16..1500).prop_map(|(at, len)| DevOp::Read { at, len }),
        (0u32..8192, prop::collection::vec(any::<u8>(), 0..1500))
            .prop_map(|(at, data)| DevOp::Write { at, data }),
        Just(DevOp::Sync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)))]

    /// The cache is invisible: every result equals the uncached device's, and after a sync the
    /// bytes underneath are the same.
    #[test]
    fn cache_matches_uncached(ops in prop::collection::vec(dev_op(), 1..40), lines in 1usize..5) {
        let mut plain = RamDisk::new(512, 16);
        let mut cached = BlockCache::new(RamDisk::new(512, 16), lines);
        for op in &ops {
            match op {
                DevOp::Read { at, len } => {
                    let (b, o) = (BlockIdx(at / 512), at % 512);
                    let mut x = vec![0u8; usize::from(*len)];
                    let mut y = x.clone();
                    let rx = plain.read(b, o, &mut x);
                    let ry = cached.read(b, o, &mut y);
                    prop_assert_eq!(rx.is_ok(), ry.is_ok());
                    prop_assert_eq!(x, y);
                }
                DevOp::Write { at, data } => {
                    let (b, o) = (BlockIdx(at / 512), at % 512);
                    prop_assert_eq!(plain.write(b, o, data).is_ok(), cached.write(b, o, data).is_ok());
                }
                DevOp::Sync => cached.sync().unwrap(),
            }
        }
        cached.sync().unwrap();
        prop_assert_eq!(plain.as_bytes(), cached.inner().as_bytes());
    }
}

#[test]
fn cache_turns_small_reads_into_hits() {
    let mut c = BlockCache::new(RamDisk::new(512, 8), 2);
    let mut b = [0u8; 16];
    for i in 0..32 {
        c.read(BlockIdx(1), i * 16, &mut b).unwrap();
    }
    assert_eq!(c.stats().misses, 1);
    assert_eq!(c.stats().hits, 31);
}

/// A NOR flash with 4-byte write units and 1 KiB sectors, enforcing write-once-after-erase.
struct TestFlash {
    mem: Vec<u8>,
}

#[derive(Debug)]
struct FlashError(NorFlashErrorKind);

impl embedded_storage::nor_flash::NorFlashError for FlashError {
    fn kind(&self) -> NorFlashErrorKind {
        self.0
    }
}

impl ErrorType for TestFlash {
    type Error = FlashError;
}

impl ReadNorFlash for TestFlash {
    const READ_SIZE: usize = 4;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
        let o = offset as usize;
        if !o.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
            return Err(FlashError(NorFlashErrorKind::NotAligned));
        }
        let src = self
            .mem
            .get(o..o + bytes.len())
            .ok_or(FlashError(NorFlashErrorKind::OutOfBounds))?;
        bytes.copy_from_slice(src);
        Ok(())
    }
    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl NorFlash for TestFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = 1024;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
        self.mem
            .get_mut(from as usize..to as usize)
            .ok_or(FlashError(NorFlashErrorKind::OutOfBounds))?
            .fill(0xFF);
        Ok(())
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
        let o = offset as usize;
        if !o.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
            return Err(FlashError(NorFlashErrorKind::NotAligned));
        }
        let dst = self
            .mem
            .get_mut(o..o + bytes.len())
            .ok_or(FlashError(NorFlashErrorKind::OutOfBounds))?;
        for (d, s) in dst.iter_mut().zip(bytes) {
            *d &= *s;
        }
        Ok(())
    }
}

#[test]
fn nor_flash_adapter_geometry_ranges_and_unaligned_reads() {
    let flash = TestFlash {
        mem: vec![0xFF; 16 * 1024],
    };
    let mut dev = FromNorFlash::with_range(flash, 4, 8).unwrap();
    assert_eq!(
        (dev.block_size(), dev.block_count(), dev.needs_erase()),
        (1024, 8, true)
    );
    dev.write(BlockIdx(0), 0, b"abcdefgh").unwrap();
    let mut odd = [0u8; 3];
    dev.read(BlockIdx(0), 1, &mut odd).unwrap();
    assert_eq!(&odd, b"bcd");
    assert_eq!(
        dev.write(BlockIdx(0), 1, b"abcd").unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        dev.read(BlockIdx(8), 0, &mut odd).unwrap_err(),
        Errno::EINVAL
    );
    dev.erase(BlockIdx(0), BlockCount(1)).unwrap();
    let flash = dev.into_inner();
    assert!(flash.mem[4096..5120].iter().all(|&b| b == 0xFF));
    assert!(FromNorFlash::with_range(
        TestFlash {
            mem: vec![0xFF; 4096]
        },
        2,
        3
    )
    .is_err());
}

#[test]
fn every_fixture_is_detected_with_its_geometry() {
    let mut seen = 0;
    for kind in ["fat", "lfs1", "lfs2"] {
        for entry in std::fs::read_dir(fixtures().join(kind)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("img") {
                continue;
            }
            let image = std::fs::read(&path).unwrap();
            let manifest = std::fs::read_to_string(path.with_extension("json")).unwrap();
            let block_size: u32 = json_number(&manifest, "block_size");
            let block_count: u32 = json_number(&manifest, "block_count");
            let d =
                detect_bytes(&image).unwrap_or_else(|| panic!("{} not detected", path.display()));
            assert_eq!(d.kind.name(), kind, "{}", path.display());
            assert_eq!(d.block_size, block_size, "{}", path.display());
            assert_eq!(d.block_count, Some(block_count), "{}", path.display());
            let mut dev = RamDisk::from_image(image, block_size);
            assert_eq!(detect(&mut dev).unwrap().map(|d| d.kind.name()), Some(kind));
            if kind == "fat" {
                assert_eq!((d.kind, d.version), (FsKind::Fat, 12));
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 9);
}

#[test]
fn blank_and_random_images_are_not_detected() {
    assert_eq!(detect_bytes(&[0u8; 8192]), None);
    assert_eq!(detect_bytes(&[0xFFu8; 8192]), None);
    assert_eq!(detect_bytes(&[]), None);
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(detect_bytes(&noise), None);
}

/// The first number after `"key":` in a JSON text (enough for the fixture manifests).
fn json_number(text: &str, key: &str) -> u32 {
    let at = text.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
    text[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}
