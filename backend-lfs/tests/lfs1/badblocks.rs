//! Bad blocks: a device on which programs to some blocks do not stick. littlefs v1 reads every
//! program back; a metadata block that does not take its commit is replaced by a new block of
//! the pair (and the directory entry, the superblock or the threaded list fixed), a file block
//! by a new block holding the same bytes.

use std::collections::BTreeSet;

use uvfs_backend_lfs::lfs1::{probe, Lfs1Config, VfsLfs1, ECORRUPT};
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Filesystem, Result};
use uvfs_vfs_core::RamDisk;

use super::support::{pattern, tree, write_file, Node, Tree};

/// Programs to `bad` blocks are accepted but leave zeros (as a block file linked to
/// `/dev/zero` in upstream's tests).
#[derive(Clone)]
struct BadBlocks {
    disk: RamDisk,
    bad: BTreeSet<u32>,
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper forwards every method"
)]
impl BlockDevice for BadBlocks {
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
        if self.bad.contains(&block.0) {
            return self.disk.write(block, offset, &vec![0; data.len()]);
        }
        self.disk.write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
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

fn workload(fs: &mut dyn Filesystem) -> Tree {
    let mut t = Tree::new();
    fs.mkdir("/d").unwrap();
    t.insert("/d".into(), Node::Dir);
    fs.mkdir("/d/e").unwrap();
    t.insert("/d/e".into(), Node::Dir);
    for i in 0..12u64 {
        let p = format!("/d/e/file{i:02}");
        let data = pattern(i, 300 + i as usize * 150);
        write_file(fs, &p, &data).unwrap();
        t.insert(p, Node::File(data));
    }
    let big = pattern(99, 9000);
    write_file(fs, "/big", &big).unwrap();
    fs.rename("/d/e/file03", "/moved").unwrap();
    let v = t.remove("/d/e/file03").unwrap();
    t.insert("/moved".into(), v);
    t.insert("/big".into(), Node::File(big));
    t
}

/// Formats a clean device, then runs the workload with `bad` blocks going bad.
fn with_bad(bad: &[u32]) -> (BadBlocks, Tree) {
    with_bad_on(64, bad)
}

fn with_bad_on(blocks: u32, bad: &[u32]) -> (BadBlocks, Tree) {
    let mut dev = BadBlocks {
        disk: RamDisk::new_flash(512, blocks),
        bad: BTreeSet::new(),
    };
    let mut fs = VfsLfs1::new(dev.clone(), Lfs1Config::default());
    fs.mkfs().unwrap();
    dev.disk = fs.into_device().unwrap().disk;
    dev.bad = bad.iter().copied().collect();
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(false, false).unwrap();
    let want = workload(&mut fs);
    assert_eq!(tree(&mut fs).unwrap(), want, "bad {bad:?}");
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    assert_eq!(tree(&mut fs).unwrap(), want, "bad {bad:?}, after a remount");
    fs.umount().unwrap();
    (fs.into_device().unwrap(), want)
}

#[test]
fn each_block_going_bad_in_turn() {
    for b in 2..64 {
        let (mut dev, want) = with_bad(&[b]);
        // The medium alone (no bad blocks any more) holds the same tree.
        dev.bad.clear();
        let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
        fs.mount(true, false).unwrap();
        assert_eq!(tree(&mut fs).unwrap(), want, "block {b}");
    }
}

#[test]
fn the_root_pair_relocates_and_the_superblock_follows() {
    // After mkfs the root is (3, 2), current 3: its next commit goes to block 2.
    let (mut dev, _) = with_bad(&[2]);
    let info = probe(&mut dev).unwrap();
    assert!(
        !info.root.contains(&2),
        "root still uses the bad block: {:?}",
        info.root
    );
    assert!(info.root.contains(&3));
}

#[test]
fn every_other_block_bad_on_a_bigger_device() {
    let bad: Vec<u32> = (4..128).step_by(2).collect();
    let (mut dev, want) = with_bad_on(128, &bad);
    dev.bad.clear();
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(true, false).unwrap();
    assert_eq!(tree(&mut fs).unwrap(), want);
}

#[test]
fn a_bad_superblock_block_is_fatal_at_mkfs() {
    let mut dev = BadBlocks {
        disk: RamDisk::new_flash(512, 64),
        bad: [1].into_iter().collect(),
    };
    let mut fs = VfsLfs1::new(dev.clone(), Lfs1Config::default());
    assert_eq!(fs.mkfs().unwrap_err(), ECORRUPT);
    dev.bad.clear();
}
