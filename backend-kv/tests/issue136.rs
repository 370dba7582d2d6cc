//! `sequential-storage` issue 136: "store_item can acknowledge an item that disappears after
//! reboot". Two stores interrupted while their item header was being written leave torn header
//! bytes; the next store appends right after them, returns `Ok`, and a freshly constructed map
//! cannot find the item.
//!
//! `upstream_*` replays the exact sequence on the bare map, to show whether the
//! `sequential-storage` in use has the bug. `vfskv_*` runs the same kind of sequence through
//! `VfsKv`, whose engine checks the page being filled at every read-write mount and closes it
//! when it holds a torn header, so nothing is appended after one (see `engine.rs`).

use embedded_storage::nor_flash::{
    ErrorType, MultiwriteNorFlash, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use sequential_storage::cache::Cache;
use sequential_storage::map::{MapConfig, MapStorage};
use uvfs_backend_kv::{FromBlocking, RamFlash, Tear, VfsKv};
use uvfs_os_api::Filesystem;

use crate::support::{reopen, write_file};

/// A flash that loses power after a budget of programmed bytes, programming the bytes up to the
/// budget of the write that crosses it (as `sequential-storage`'s `MockFlashBase` with
/// `bytes_until_shutoff` does).
struct ByteBudget<F> {
    flash: F,
    budget: Option<usize>,
}

#[derive(Debug)]
struct Shutoff;

impl NorFlashError for Shutoff {
    fn kind(&self) -> NorFlashErrorKind {
        NorFlashErrorKind::Other
    }
}

impl<F> ErrorType for ByteBudget<F> {
    type Error = Shutoff;
}

impl<F: ReadNorFlash> ReadNorFlash for ByteBudget<F> {
    const READ_SIZE: usize = F::READ_SIZE;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Shutoff> {
        self.flash.read(offset, bytes).map_err(|_| Shutoff)
    }
    fn capacity(&self) -> usize {
        self.flash.capacity()
    }
}

impl<F: NorFlash> NorFlash for ByteBudget<F> {
    const WRITE_SIZE: usize = F::WRITE_SIZE;
    const ERASE_SIZE: usize = F::ERASE_SIZE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Shutoff> {
        self.flash.erase(from, to).map_err(|_| Shutoff)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Shutoff> {
        match self.budget {
            Some(left) if left < bytes.len() => {
                self.flash
                    .write(offset, &bytes[..left])
                    .map_err(|_| Shutoff)?;
                self.budget = Some(0);
                Err(Shutoff)
            }
            Some(left) => {
                self.budget = Some(left - bytes.len());
                self.flash.write(offset, bytes).map_err(|_| Shutoff)
            }
            None => self.flash.write(offset, bytes).map_err(|_| Shutoff),
        }
    }
}

impl<F: MultiwriteNorFlash> MultiwriteNorFlash for ByteBudget<F> {}

fn block_on<T>(f: impl core::future::Future<Output = T>) -> T {
    let mut f = std::pin::pin!(f);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    loop {
        if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

type Bare = ByteBudget<RamFlash<1, 128>>;

fn map(
    flash: Bare,
) -> MapStorage<
    u8,
    FromBlocking<Bare>,
    Cache<
        sequential_storage::cache::Uncached,
        sequential_storage::cache::Uncached,
        sequential_storage::cache::Uncached,
        u8,
    >,
> {
    MapStorage::new(
        FromBlocking::new(flash),
        MapConfig::new(0..256),
        Cache::new_uncached(),
    )
}

/// The sequence: two 128-byte pages, one-byte words, key 0, eight-byte values, two
/// stores of `first` cut after 7 programmed bytes (each followed by a reboot), then a clean
/// store of `second` and a reboot. Returns what the last fetch found.
///
/// The issue does not give its values. The phantom header needs the first byte of the clean
/// item's CRC to complete the torn header's length CRC, which about one value in 256 does; 1081
/// is the first `u64` after 1 that does.
fn upstream_sequence(first: u64, second: u64) -> Option<u64> {
    let mut flash = ByteBudget {
        flash: RamFlash::<1, 128>::new(2),
        budget: None,
    };
    let mut buf = [0u8; 128];
    for _ in 0..2 {
        flash.budget = Some(7);
        let mut m = map(flash);
        assert!(block_on(m.store_item(&mut buf, &0u8, &first)).is_err());
        flash = m.destroy().0.into_inner();
        flash.budget = None;
        let mut m = map(flash);
        assert_eq!(block_on(m.fetch_item::<u64>(&mut buf, &0)).unwrap(), None);
        flash = m.destroy().0.into_inner();
    }
    let mut m = map(flash);
    block_on(m.store_item(&mut buf, &0u8, &second)).expect("the clean store is acknowledged");
    let flash = m.destroy().0.into_inner();
    let mut m = map(flash);
    block_on(m.fetch_item::<u64>(&mut buf, &0)).unwrap()
}

#[test]
fn upstream_sequential_storage_loses_the_acknowledged_store() {
    // Most values come through...
    assert_eq!(upstream_sequence(1, 2), Some(2));
    // ...but this one was acknowledged and is gone after the reboot. A tripwire: if this fails,
    // the `sequential-storage` in use has fixed issue 136 (the page check in `engine.rs` still
    // guards against left-over bytes); say so in the README.
    assert_eq!(
        upstream_sequence(1, 1081),
        None,
        "sequential-storage no longer loses the acknowledged store of issue 136"
    );
}

type Small = RamFlash<1, 128>;

/// Writes and erases a read-write mount of `flash` makes (its page check), measured on a copy.
fn mount_writes(flash: &Small) -> u64 {
    let mut fs = reopen(Small::from_image(flash.as_bytes().to_vec()).unwrap());
    fs.mount(false, false).unwrap();
    let stats = fs.into_flash().unwrap().stats();
    stats.writes + stats.erases
}

/// The pattern through `VfsKv`, on its page and word size: the first store after each
/// of two mounts is cut after 7 bytes of its item header, then directory `/ack{variant}` is
/// made (one item store, acknowledged) and must be there after the next reboot. Returns how
/// many pages the mounts closed because they held a torn header.
fn vfskv_sequence(variant: u32) -> u64 {
    let mut fs = VfsKv::new(Small::new(4)).unwrap();
    fs.mount(false, true).unwrap();
    fs.umount().unwrap();
    let mut flash = fs.into_flash().unwrap();
    let mut closed = 0;
    // After mkfs no page is in use: the first store writes a page marker, then the header.
    // After a torn header the mount closes its page and starts the next (two marker writes).
    for (round, ops_before_header) in [1u64, 0].into_iter().enumerate() {
        flash.cut_power_after(mount_writes(&flash) + ops_before_header, Tear::Prefix(7));
        let mut fs = reopen(flash);
        fs.mount(false, false).unwrap();
        closed += fs.recovery().pages_closed;
        assert!(write_file(&mut fs, &format!("/r{round}"), b"x").is_err());
        flash = fs.into_flash().unwrap();
        assert!(flash.power_lost());
        flash.restore_power();
    }
    let path = format!("/ack{variant}");
    let mut fs = reopen(flash);
    fs.mount(false, false).unwrap();
    closed += fs.recovery().pages_closed;
    fs.mkdir(&path).unwrap();
    fs.umount().unwrap();
    let mut fs = reopen(fs.into_flash().unwrap());
    fs.mount(false, false).unwrap();
    assert_eq!(
        fs.stat(&path).map(|s| s.mode),
        Ok(0x4000),
        "{path} lost (pages closed: {closed})"
    );
    fs.umount().unwrap();
    closed
}

#[test]
fn vfskv_keeps_the_acknowledged_store() {
    // About 1 in 256 records completes a phantom header when appended right after the torn one
    // (see `upstream_*`); every mount after a tear closes the torn page instead, so no record
    // is ever appended after one. 1024 variants would have met the phantom about four times.
    for variant in 0..1024 {
        let closed = vfskv_sequence(variant);
        assert_eq!(
            closed, 2,
            "variant {variant}: each of the two tears closes its page"
        );
    }
}
