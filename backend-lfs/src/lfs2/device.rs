//! The engine's side of the block device: what littlefs's read/prog/erase/sync callbacks do.
//!
//! Every callback goes through [`Io`], which
//! - checks the request against the device (a damaged image can make littlefs ask for blocks
//!   that do not exist: those reads fail with `LFS_ERR_CORRUPT`, never reach the device);
//! - charges it to the current engine call's work budget, and once that is spent fails every
//!   further request with `LFS_ERR_IO` so littlefs unwinds (a damaged image cannot make it loop
//!   for ever);
//! - refuses programs and erases on a read-only mount, except while the mount repairs what a
//!   power cut interrupted: then they go to a RAM overlay that later reads see, and the device
//!   is still never written;
//! - keeps the first device error of the call, so the caller gets the device's own errno and
//!   detail rather than littlefs's bare `LFS_ERR_IO`.
//!
//! Nothing here is `unsafe`: the callbacks in `engine.rs` turn C pointers into a `&mut Io` and
//! slices, then call these methods.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use littlefs2::ll;
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Errno, Error};

/// The most bytes a read-only mount's repair may hold in RAM (see [`Io::begin_overlay`]).
pub(crate) const OVERLAY_MAX_BYTES: usize = 1 << 20;

/// A littlefs callback result: 0 or a negative `LFS_ERR_*`.
pub(crate) type LfsResult = i32;

/// The device and the bookkeeping of the engine call in progress.
pub(crate) struct Io<D> {
    pub(crate) dev: D,
    block_size: u32,
    block_count: u32,
    /// Refuse programs and erases (a read-only mount).
    pub(crate) readonly: bool,
    /// Device operations one engine call may make.
    budget: u64,
    /// Device operations the current call may still make.
    left: u64,
    /// The current call ran out of budget.
    exhausted: bool,
    /// The first error of the current call that littlefs only sees as `LFS_ERR_IO`/`CORRUPT`.
    error: Option<Error>,
    /// The current call's error came from the device itself.
    device_failed: bool,
    /// Device operations made since the device was handed over.
    ops: u64,
    /// Blocks a read-only mount's repair changed, in RAM only.
    overlay: BTreeMap<u32, Vec<u8>>,
    /// Programs and erases on a read-only mount go to the overlay (during the repair).
    overlay_writable: bool,
}

impl<D: BlockDevice> Io<D> {
    pub(crate) fn new(dev: D, block_size: u32, block_count: u32, budget: u64) -> Io<D> {
        Io {
            dev,
            block_size,
            block_count,
            readonly: false,
            budget,
            left: budget,
            exhausted: false,
            error: None,
            device_failed: false,
            ops: 0,
            overlay: BTreeMap::new(),
            overlay_writable: false,
        }
    }

    /// Starts an engine call: a fresh budget, no error yet.
    pub(crate) fn begin(&mut self) {
        self.left = self.budget;
        self.exhausted = false;
        self.error = None;
        self.device_failed = false;
    }

    /// Ends an engine call that returned `rc`: the call's own error if it had one (budget
    /// exhausted, device error, refused write), else littlefs's code mapped to an errno.
    pub(crate) fn finish(&mut self, rc: i32) -> Result<i32, Error> {
        if self.exhausted {
            return Err(Errno::EIO
                .with_detail("littlefs exceeded its work budget for one call (damaged image?)"));
        }
        if rc >= 0 {
            return Ok(rc);
        }
        match self.error.take() {
            // littlefs passes callback errors through unchanged: an IO (or CORRUPT, for reads
            // outside the device) result that follows a recorded error is that error.
            Some(e) if rc == ll::lfs_error_LFS_ERR_IO || rc == ll::lfs_error_LFS_ERR_CORRUPT => {
                Err(e)
            }
            _ => Err(super::errno::from_lfs(rc)),
        }
    }

    /// The per-call budget.
    pub(crate) fn budget(&self) -> u64 {
        self.budget
    }

    /// Sets the per-call budget (at least 1).
    pub(crate) fn set_budget(&mut self, ops: u64) {
        self.budget = ops.max(1);
    }

    /// Lets programs and erases of a read-only mount go to a RAM overlay (`on`), or stops them
    /// again (`!on`). What the overlay holds stays visible to reads until [`Io::drop_overlay`].
    pub(crate) fn set_overlay_writable(&mut self, on: bool) {
        self.overlay_writable = on;
    }

    /// Forgets the overlay (a new mount, or an unmount).
    pub(crate) fn drop_overlay(&mut self) {
        self.overlay.clear();
        self.overlay_writable = false;
    }

    /// The overlay copy of `block`, made from the device on first use; `None` when the
    /// overlay is full (recorded as the call's error).
    fn overlay_block(&mut self, block: u32) -> Option<&mut Vec<u8>> {
        if !self.overlay.contains_key(&block) {
            let bs = self.block_size as usize;
            if (self.overlay.len() + 1) * bs > OVERLAY_MAX_BYTES {
                self.record(Errno::EIO.with_detail(
                    "repairing an interrupted operation needs more RAM than a read-only mount \
                     may use: mount read-write once",
                ));
                return None;
            }
            let mut data = vec![0u8; bs];
            if let Err(e) = self.dev.read(BlockIdx(block), 0, &mut data) {
                self.record_device(e);
                return None;
            }
            self.overlay.insert(block, data);
        }
        self.overlay.get_mut(&block)
    }

    /// Device operations made so far (all calls).
    pub(crate) fn ops(&self) -> u64 {
        self.ops
    }

    /// Whether the last call's error came from the device (it failed a read, program, erase
    /// or sync), rather than from what littlefs found on it.
    pub(crate) fn device_failed(&self) -> bool {
        self.device_failed
    }

    /// Marks the last call as having failed on the device if `failed` (for a call made only to
    /// undo one that did).
    pub(crate) fn keep_device_failed(&mut self, failed: bool) {
        self.device_failed |= failed;
    }

    fn record(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn record_device(&mut self, e: Error) {
        self.device_failed = true;
        self.record(e);
    }

    /// Takes one operation from the budget; `false` when it is spent.
    fn charge(&mut self) -> bool {
        if self.exhausted || self.left == 0 {
            self.exhausted = true;
            return false;
        }
        self.left -= 1;
        self.ops = self.ops.wrapping_add(1);
        true
    }

    /// Whether `len` bytes at `off` of `block` lie inside the device.
    fn inside(&self, block: u32, off: u32, len: usize) -> bool {
        block < self.block_count
            && u32::try_from(len)
                .ok()
                .and_then(|l| off.checked_add(l))
                .is_some_and(|end| end <= self.block_size)
    }

    /// littlefs's `read`.
    pub(crate) fn read(&mut self, block: u32, off: u32, buf: &mut [u8]) -> LfsResult {
        if !self.charge() {
            return ll::lfs_error_LFS_ERR_IO;
        }
        if !self.inside(block, off, buf.len()) {
            self.record(Errno::EILSEQ.with_detail("littlefs: a pointer leads outside the device"));
            return ll::lfs_error_LFS_ERR_CORRUPT;
        }
        if let Some(data) = self.overlay.get(&block) {
            let off = off as usize;
            buf.copy_from_slice(&data[off..off + buf.len()]);
            return 0;
        }
        match self.dev.read(BlockIdx(block), off, buf) {
            Ok(()) => 0,
            Err(e) => {
                self.record_device(e);
                ll::lfs_error_LFS_ERR_IO
            }
        }
    }

    /// littlefs's `prog`.
    pub(crate) fn prog(&mut self, block: u32, off: u32, data: &[u8]) -> LfsResult {
        if !self.charge() {
            return ll::lfs_error_LFS_ERR_IO;
        }
        if !self.inside(block, off, data.len()) {
            self.record(Error::bug("bug: littlefs programmed outside the device"));
            return ll::lfs_error_LFS_ERR_IO;
        }
        if self.readonly {
            if !self.overlay_writable {
                self.record(Error::bug("bug: littlefs programmed a read-only mount"));
                return ll::lfs_error_LFS_ERR_IO;
            }
            let Some(copy) = self.overlay_block(block) else {
                return ll::lfs_error_LFS_ERR_IO;
            };
            let off = off as usize;
            copy[off..off + data.len()].copy_from_slice(data);
            return 0;
        }
        match self.dev.write(BlockIdx(block), off, data) {
            Ok(()) => 0,
            Err(e) => {
                self.record_device(e);
                ll::lfs_error_LFS_ERR_IO
            }
        }
    }

    /// littlefs's `erase`.
    pub(crate) fn erase(&mut self, block: u32) -> LfsResult {
        if !self.charge() {
            return ll::lfs_error_LFS_ERR_IO;
        }
        if block >= self.block_count {
            self.record(Error::bug("bug: littlefs erased outside the device"));
            return ll::lfs_error_LFS_ERR_IO;
        }
        if self.readonly {
            if !self.overlay_writable {
                self.record(Error::bug("bug: littlefs erased on a read-only mount"));
                return ll::lfs_error_LFS_ERR_IO;
            }
            let Some(copy) = self.overlay_block(block) else {
                return ll::lfs_error_LFS_ERR_IO;
            };
            copy.fill(0xff);
            return 0;
        }
        match self.dev.erase(BlockIdx(block), BlockCount(1)) {
            Ok(()) => 0,
            Err(e) => {
                self.record_device(e);
                ll::lfs_error_LFS_ERR_IO
            }
        }
    }

    /// littlefs's `sync`. Nothing to make durable on a read-only mount.
    pub(crate) fn sync(&mut self) -> LfsResult {
        if !self.charge() {
            return ll::lfs_error_LFS_ERR_IO;
        }
        if self.readonly {
            return 0;
        }
        match self.dev.sync() {
            Ok(()) => 0,
            Err(e) => {
                self.record_device(e);
                ll::lfs_error_LFS_ERR_IO
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uvfs_os_api::check_range;

    /// A tiny RAM device (vfs-core's `RamDisk` is a dev-dependency of the integration tests only).
    struct Ram(Vec<u8>, u32, u32);

    impl BlockDevice for Ram {
        fn block_size(&self) -> u32 {
            self.1
        }
        fn block_count(&self) -> u32 {
            self.2
        }
        fn needs_erase(&self) -> bool {
            false
        }
        fn read(&mut self, b: BlockIdx, off: u32, buf: &mut [u8]) -> uvfs_os_api::Result<()> {
            let at = check_range(self.1, self.2, b, off, buf.len())? as usize;
            buf.copy_from_slice(&self.0[at..at + buf.len()]);
            Ok(())
        }
        fn write(&mut self, b: BlockIdx, off: u32, data: &[u8]) -> uvfs_os_api::Result<()> {
            let at = check_range(self.1, self.2, b, off, data.len())? as usize;
            self.0[at..at + data.len()].copy_from_slice(data);
            Ok(())
        }
        fn erase(&mut self, _b: BlockIdx, _n: BlockCount) -> uvfs_os_api::Result<()> {
            Err(Errno::ENXIO.with_detail("test device: erase fails"))
        }
    }

    fn io(budget: u64) -> Io<Ram> {
        Io::new(Ram(vec![7; 4 * 128], 128, 4), 128, 4, budget)
    }

    #[test]
    fn requests_outside_the_device_never_reach_it() {
        let mut io = io(100);
        io.begin();
        let mut buf = [0u8; 16];
        assert_eq!(io.read(4, 0, &mut buf), ll::lfs_error_LFS_ERR_CORRUPT);
        assert_eq!(io.read(3, 120, &mut buf), ll::lfs_error_LFS_ERR_CORRUPT);
        assert_eq!(
            io.read(3, u32::MAX, &mut buf),
            ll::lfs_error_LFS_ERR_CORRUPT
        );
        assert_eq!(buf, [0; 16]);
        assert_eq!(
            io.finish(ll::lfs_error_LFS_ERR_CORRUPT).unwrap_err(),
            Errno::EILSEQ
        );
        io.begin();
        assert_eq!(io.prog(9, 0, &buf), ll::lfs_error_LFS_ERR_IO);
        let e = io.finish(ll::lfs_error_LFS_ERR_IO).unwrap_err();
        assert!(e.detail().unwrap().starts_with("bug:"), "{e}");
        assert_eq!(io.read(3, 112, &mut buf), 0);
        assert_eq!(buf, [7; 16]);
    }

    #[test]
    fn the_budget_stops_a_call_and_is_renewed() {
        let mut io = io(3);
        io.begin();
        let mut buf = [0u8; 4];
        for _ in 0..3 {
            assert_eq!(io.read(0, 0, &mut buf), 0);
        }
        assert_eq!(io.read(0, 0, &mut buf), ll::lfs_error_LFS_ERR_IO);
        assert_eq!(io.sync(), ll::lfs_error_LFS_ERR_IO);
        // Even if littlefs swallowed the error, the call fails.
        let e = io.finish(0).unwrap_err();
        assert_eq!(e, Errno::EIO);
        assert!(e.detail().unwrap().contains("budget"));
        io.begin();
        assert_eq!(io.read(0, 0, &mut buf), 0);
        assert_eq!(io.finish(0), Ok(0));
        assert_eq!(io.ops(), 4);
    }

    #[test]
    fn device_errors_come_back_as_themselves() {
        let mut io = io(10);
        io.begin();
        assert_eq!(io.erase(1), ll::lfs_error_LFS_ERR_IO);
        assert!(io.device_failed());
        assert_eq!(
            io.finish(ll::lfs_error_LFS_ERR_IO).unwrap_err(),
            Errno::ENXIO
        );
        // A later, unrelated littlefs error is not blamed on the device.
        io.begin();
        assert_eq!(
            io.finish(ll::lfs_error_LFS_ERR_NOENT).unwrap_err(),
            Errno::ENOENT
        );
    }

    #[test]
    fn a_read_only_repair_stays_in_ram() {
        let mut io = io(100);
        io.readonly = true;
        io.set_overlay_writable(true);
        io.begin();
        assert_eq!(io.erase(2), 0);
        assert_eq!(io.prog(2, 4, &[1, 2, 3]), 0);
        assert_eq!(io.prog(1, 0, &[9]), 0);
        io.set_overlay_writable(false);
        assert_eq!(io.prog(1, 0, &[8]), ll::lfs_error_LFS_ERR_IO);
        let mut buf = [0u8; 8];
        assert_eq!(io.read(2, 0, &mut buf), 0);
        assert_eq!(buf, [0xff, 0xff, 0xff, 0xff, 1, 2, 3, 0xff]);
        assert_eq!(io.read(1, 0, &mut buf[..2]), 0);
        assert_eq!(buf[..2], [9, 7]);
        assert_eq!(io.dev.0, vec![7; 4 * 128], "the device is untouched");
        assert_eq!(io.overlay.len(), 2);
        io.drop_overlay();
        assert_eq!(io.read(2, 0, &mut buf), 0);
        assert_eq!(buf, [7; 8]);
    }

    #[test]
    fn read_only_mounts_never_write() {
        let mut io = io(10);
        io.readonly = true;
        io.begin();
        assert_eq!(io.prog(0, 0, &[1, 2]), ll::lfs_error_LFS_ERR_IO);
        assert_eq!(io.erase(0), ll::lfs_error_LFS_ERR_IO);
        assert_eq!(io.sync(), 0);
        assert_eq!(io.dev.0[..2], [7, 7]);
        let e = io.finish(ll::lfs_error_LFS_ERR_IO).unwrap_err();
        assert!(e.detail().unwrap().starts_with("bug:"));
    }
}
