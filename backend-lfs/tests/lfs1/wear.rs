//! Wear: v1 has no wear levelling beyond its allocator, whose window moves forward through the
//! device and wraps round. Over a long create/delete cycle in one mount every block gets
//! erased, not just the first ones.

use std::sync::{Arc, Mutex};

use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Filesystem, Result};
use uvfs_vfs_core::RamDisk;

use super::support::{pattern, read_file, write_file};

/// A RAM flash that counts erases per block.
struct Counting {
    disk: RamDisk,
    erases: Arc<Mutex<Vec<u64>>>,
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper forwards every method"
)]
impl BlockDevice for Counting {
    fn block_size(&self) -> u32 {
        self.disk.block_size()
    }
    fn block_count(&self) -> u32 {
        self.disk.block_count()
    }
    fn needs_erase(&self) -> bool {
        self.disk.needs_erase()
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        self.disk.read(block, offset, buf)
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        self.disk.write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        let mut e = self.erases.lock().unwrap();
        for b in block.0..block.0 + count.0 {
            e[b as usize] += 1;
        }
        self.disk.erase(block, count)
    }
    fn sync(&mut self) -> Result<()> {
        self.disk.sync()
    }
    fn init(&mut self) -> Result<()> {
        self.disk.init()
    }
    fn deinit(&mut self) -> Result<()> {
        self.disk.deinit()
    }
}

fn cycle(remount_every: Option<usize>) -> Vec<u64> {
    let blocks = 64;
    let erases = Arc::new(Mutex::new(vec![0u64; blocks]));
    let dev = Counting {
        disk: RamDisk::new_flash(512, blocks as u32),
        erases: Arc::clone(&erases),
    };
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mkfs().unwrap();
    erases.lock().unwrap().fill(0);
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/static", &pattern(1, 3000)).unwrap();
    for i in 0..400usize {
        let p = format!("/f{}", i % 3);
        write_file(&mut fs, &p, &pattern(i as u64, 600 + (i % 7) * 100)).unwrap();
        if i % 3 == 2 {
            for k in 0..3 {
                fs.remove(&format!("/f{k}")).unwrap();
            }
        }
        if remount_every.is_some_and(|n| i % n == n - 1) {
            fs.umount().unwrap();
            fs.mount(false, false).unwrap();
        }
    }
    assert_eq!(read_file(&mut fs, "/static").unwrap(), pattern(1, 3000));
    fs.umount().unwrap();
    let counts = erases.lock().unwrap().clone();
    counts
}

#[test]
fn every_block_is_used_over_a_long_cycle() {
    let counts = cycle(None);
    // Blocks 0 and 1 (the superblock) are only written by mkfs and a root relocation.
    let data = &counts[2..];
    let (min, max) = (data.iter().min().unwrap(), data.iter().max().unwrap());
    println!("400 create/delete cycles, one mount: erases per block {counts:?} (blocks 2..: {min}..{max})");
    assert_eq!(&counts[..2], &[0, 0]);
    // The static file's blocks are never erased again; every other block is, many times.
    let unused = data.iter().filter(|&&c| c == 0).count();
    assert!(unused <= 7, "{unused} blocks never erased: {counts:?}");
    let busy = data.iter().filter(|&&c| c >= 10).count();
    assert!(
        busy >= 50,
        "the cycle did not spread over the device: {counts:?}"
    );
}

#[test]
fn remounts_do_not_concentrate_wear() {
    // C littlefs starts every mount's first window at block 0 (spec §9), so frequent remounts
    // wear the low blocks; uvfs starts it at a block derived from the root's revision, so
    // every block is still reached.
    let counts = cycle(Some(10));
    println!("400 cycles, remount every 10: erases per block {counts:?}");
    let data = &counts[2..];
    assert!(data.iter().filter(|&&c| c == 0).count() <= 7, "{counts:?}");
    // Apart from the root pair and the static file's blocks, erases stay within a factor 3.
    let mut busy: Vec<u64> = data[2..].iter().copied().filter(|&c| c > 1).collect();
    busy.sort();
    assert!(busy.len() >= 50, "the cycle did not spread: {counts:?}");
    assert!(
        busy[busy.len() - 1] <= 3 * busy[0],
        "wear concentrated: {counts:?}"
    );
}
