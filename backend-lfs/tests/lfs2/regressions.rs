//! Fuzz findings against `VfsLfs2`, each with the input that found it (checked in gzipped under
//! `regressions/`, byte for byte what `fuzz/regressions/mount_lfs2/` holds) and a comment on
//! what failed and why.
//!
//! Both inputs are MicroPython's `lfs2-4k-16-64` fixture damaged by the `mount_lfs2` fuzz
//! target (4 KiB blocks × 64; read size 16, program size 64, lookahead 16, as the target
//! mounts 4 KiB images).

use std::io::Read;

use flate2::read::GzDecoder;
use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{
    path, BlockCount, BlockDevice, BlockIdx, Errno, FileType, Filesystem, OpenMode, Result,
};
use uvfs_vfs_core::RamDisk;

use crate::lfs2::support::{names, read_file, write_file};

const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lfs2/regressions");

/// The input `name` (`regressions/NAME.img.gz`), decompressed.
fn image(name: &str) -> Vec<u8> {
    let path = format!("{REGRESSIONS}/{name}.img.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    GzDecoder::new(file).read_to_end(&mut out).unwrap();
    assert_eq!(out.len(), 256 * 1024, "{path}");
    out
}

/// `VfsLfs2` on a flash-like RAM device holding `bytes`, configured as the fuzz target does
/// for 4 KiB blocks.
fn on(bytes: Vec<u8>) -> VfsLfs2<RamDisk> {
    let mut disk = RamDisk::from_image(bytes, 4096);
    disk.set_flash(true);
    VfsLfs2::new(disk, config()).unwrap()
}

/// The fuzz target's configuration for 4 KiB blocks.
fn config() -> Lfs2Config {
    Lfs2Config {
        read_size: 16,
        prog_size: 64,
        lookahead: 16,
        ..Lfs2Config::default()
    }
}

/// Lists `dir` to its end: the names listed and how many entries were `EIO`. Any other error,
/// or a name that is not a path component, fails the test.
fn list_checked(fs: &mut dyn Filesystem, dir: &str) -> (Vec<(String, FileType)>, usize) {
    let h = fs.opendir(dir).unwrap();
    let (mut listed, mut damaged) = (Vec::new(), 0);
    for _ in 0..10_000 {
        match fs.readdir(h) {
            Ok(Some(e)) => {
                let name = e.name.as_str();
                assert!(
                    path::is_component(name),
                    "listing {dir:?} yielded the name {name:?}"
                );
                listed.push((name.to_string(), e.kind));
            }
            Ok(None) => {
                fs.closedir(h).unwrap();
                return (listed, damaged);
            }
            Err(e) => {
                assert_eq!(e, Errno::EIO, "listing {dir:?}: {e}");
                damaged += 1;
            }
        }
    }
    panic!("listing {dir:?} does not end");
}

/// Finding 6 (`mount_lfs2`, campaign 4, fork mode; fuzz input
/// `crash-38e52f702db92e90ae6d23f126811f3c810ff851`): listing `/alpha/beta` of this image
/// yielded the name `"/"` ten times. The directory's metadata is damaged so that littlefs reads
/// `/` as the name of its entries; passed on, a caller joining it gets `/alpha/beta//`, which
/// names the directory itself (a walker descends into it for ever). `readdir` now returns
/// `EIO` for each such entry, as the `Filesystem` contract says (`path::is_component`), and the
/// listing goes on to its end.
#[test]
fn mount_lfs2_a_damaged_entry_named_slash_is_eio() {
    let mut fs = on(image("slash-name"));
    for readonly in [true, false] {
        fs.mount(readonly, false).unwrap();
        let (listed, damaged) = list_checked(&mut fs, "/alpha/beta");
        assert!(
            damaged > 0,
            "/alpha/beta listed {listed:?} without a damaged entry: the regression is not exercised"
        );
        // The rest of the tree lists as MicroPython wrote it, every name a component.
        let (root, none) = list_checked(&mut fs, "/");
        assert_eq!(none, 0);
        assert_eq!(root.len(), 9, "{root:?}");
        let (alpha, none) = list_checked(&mut fs, "/alpha");
        assert_eq!(none, 0);
        let alpha: Vec<&str> = alpha.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            alpha.contains(&"beta") && alpha.contains(&"hundred_k.bin"),
            "{alpha:?}"
        );
        fs.umount().unwrap();
    }
}

/// Finding 4 (`mount_lfs2`, campaign 2, after 2 088 execs; fuzz input
/// `crash-f3f0fc4417ac064ace2c809e293b1add38f68149`, 11 more like it from campaign 4): on this
/// image (it mounts, 9 entries walk clean) the probe wrote `/fuzz.probe` (1500 bytes), read it
/// back right, renamed it to `/fuzz.dir/p`, unmounted cleanly, and after the next mount the
/// file read 1500 wrong bytes.
///
/// What happened: the damage cut the metadata chain after `/alpha`'s pair, so the pairs of
/// `/alpha/beta` (blocks 50 and 51) and below are no longer in it, and the global state (the
/// XOR of every pair's delta along the chain) lost the delta that had closed an old rename out
/// of `/alpha/beta`: littlefs sees a phantom pending move of entry 2 in pair {50, 51}. Finishing
/// that move (littlefs does it before its first write; uvfs at mount) commits into pair
/// {50, 51}, which no traversal reaches, so the allocator counts those blocks as free; the
/// commit's own delta lands outside the chain too, so the phantom move survives every
/// remount. The probe's file got block 51 (the allocator's next free block), and the next
/// mount "finished the move" again, writing metadata over the file's data (in the read-only
/// mount's RAM overlay here; on the device at the first write of a read-write mount, as
/// littlefs and MicroPython do). littlefs 2.9 and 2.11 behave alike (checked against
/// littlefs-python: its first write after the remount erases the file's block).
///
/// Now a mount that finds a pending move checks that the move's pair is part of the volume
/// (referenced by `lfs_fs_traverse`); when it is not, a read-write mount is refused with
/// `EILSEQ` ("damaged ... mount read-only") and writes nothing, `mount(mkfs)` does not format
/// the readable volume, and a read-only mount works without finishing the phantom move.
#[test]
fn mount_lfs2_a_pending_move_outside_the_volume_refuses_writes() {
    let bytes = image("phantom-move");
    let mut fs = on(bytes.clone());
    for mkfs in [false, true] {
        let e = fs.mount(false, mkfs).unwrap_err();
        assert_eq!(e, Errno::EILSEQ, "mount(rw, mkfs={mkfs}): {e}");
        let detail = e.detail().unwrap_or("");
        assert!(
            detail.contains("damaged") && detail.contains("read-only"),
            "{e}"
        );
        assert_eq!(fs.stat("/").unwrap_err(), Errno::ENODEV);
    }
    assert!(
        fs.device().as_bytes() == &bytes[..],
        "a refused mount wrote to the device"
    );

    // Read-only, everything readable reads as before, and nothing is written (not even in RAM:
    // the phantom move is not "finished").
    fs.mount(true, false).unwrap();
    assert!(!fs.repaired_at_mount().unwrap());
    let root = names(&mut fs, "/").unwrap();
    assert_eq!(root.len(), 9, "{root:?}");
    assert_eq!(read_file(&mut fs, "/config.ini").unwrap().len(), 4200);
    assert_eq!(read_file(&mut fs, "/journal.txt").unwrap().len(), 6010);
    assert_eq!(
        fs.open("/fuzz.probe", OpenMode::WRITE).unwrap_err(),
        Errno::EROFS
    );
    fs.umount().unwrap();
    assert!(
        fs.device().as_bytes() == &bytes[..],
        "a read-only mount wrote to the device"
    );

    // mkfs is the way out, and what it makes works.
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    let data: Vec<u8> = (0..1500).map(|i| (i % 253) as u8).collect();
    write_file(&mut fs, "/fuzz.probe", &data).unwrap();
    fs.umount().unwrap();
    fs.mount(true, false).unwrap();
    assert_eq!(read_file(&mut fs, "/fuzz.probe").unwrap(), data);
    fs.umount().unwrap();
}

/// A device that fails every read of one block.
struct FailingBlock {
    inner: RamDisk,
    block: u32,
}

impl BlockDevice for FailingBlock {
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
        if block.0 == self.block {
            return Err(Errno::ENXIO.with_detail("test device: this block does not read"));
        }
        self.inner.read(block, off, buf)
    }
    fn write(&mut self, block: BlockIdx, off: u32, data: &[u8]) -> Result<()> {
        self.inner.write(block, off, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        self.inner.erase(block, count)
    }
}

/// The check of finding 4 walks the volume; when the *device* fails during that walk, the
/// mount fails with the device's error, and `mount(mkfs)` does not format (a read error is no
/// reason to erase). Block 29 holds `/config.ini`'s last block, which only the walk reads.
#[test]
fn a_device_error_while_checking_a_pending_move_is_not_damage() {
    let bytes = image("phantom-move");
    let disk = FailingBlock {
        inner: RamDisk::from_image(bytes.clone(), 4096),
        block: 29,
    };
    let mut fs = VfsLfs2::new(disk, config()).unwrap();
    for mkfs in [false, true] {
        let e = fs.mount(false, mkfs).unwrap_err();
        assert_eq!(e, Errno::ENXIO, "mount(rw, mkfs={mkfs}): {e}");
    }
    assert!(
        fs.device().inner.as_bytes() == &bytes[..],
        "the device was written"
    );
}
