//! Counting I/O: [`Counting`] wraps a block device and adds what passes through it to an
//! [`IoMeter`], so a benchmark can report bytes read, programmed and erased per operation, as
//! littlefs's own bench runner does. Those figures hold on any hardware, unlike the timings.

use std::ops::Sub;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use uvfs::os_api::{BlockCount, BlockDevice, BlockIdx, Result};

#[derive(Debug, Default)]
struct Counters {
    reads: AtomicU64,
    read_bytes: AtomicU64,
    progs: AtomicU64,
    prog_bytes: AtomicU64,
    erases: AtomicU64,
    erase_bytes: AtomicU64,
    syncs: AtomicU64,
}

/// A shared set of I/O counters. Clones share the counts: keep one clone and hand another to the
/// device (which may end up boxed inside a filesystem).
///
/// ```
/// use uvfs_benches::IoMeter;
///
/// let meter = IoMeter::new();
/// let before = meter.snapshot();
/// meter.count_read(512);
/// meter.count_prog(32);
/// let cost = meter.snapshot() - before;
/// assert_eq!((cost.reads, cost.read_bytes, cost.prog_bytes), (1, 512, 32));
/// ```
#[derive(Clone, Debug, Default)]
pub struct IoMeter(Arc<Counters>);

impl IoMeter {
    /// New counters, all zero.
    pub fn new() -> IoMeter {
        IoMeter::default()
    }

    /// Counts one read of `bytes`.
    pub fn count_read(&self, bytes: usize) {
        self.0.reads.fetch_add(1, Ordering::Relaxed);
        self.0.read_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts one program (write) of `bytes`.
    pub fn count_prog(&self, bytes: usize) {
        self.0.progs.fetch_add(1, Ordering::Relaxed);
        self.0.prog_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts one erase of `bytes`.
    pub fn count_erase(&self, bytes: u64) {
        self.0.erases.fetch_add(1, Ordering::Relaxed);
        self.0.erase_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts one sync.
    pub fn count_sync(&self) {
        self.0.syncs.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> IoCount {
        let c = &self.0;
        IoCount {
            reads: c.reads.load(Ordering::Relaxed),
            read_bytes: c.read_bytes.load(Ordering::Relaxed),
            progs: c.progs.load(Ordering::Relaxed),
            prog_bytes: c.prog_bytes.load(Ordering::Relaxed),
            erases: c.erases.load(Ordering::Relaxed),
            erase_bytes: c.erase_bytes.load(Ordering::Relaxed),
            syncs: c.syncs.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of an [`IoMeter`], or (by subtraction) what happened between two snapshots.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct IoCount {
    /// Read calls.
    pub reads: u64,
    /// Bytes read.
    pub read_bytes: u64,
    /// Program (write) calls.
    pub progs: u64,
    /// Bytes programmed.
    pub prog_bytes: u64,
    /// Erase calls.
    pub erases: u64,
    /// Bytes erased.
    pub erase_bytes: u64,
    /// Sync calls.
    pub syncs: u64,
}

impl Sub for IoCount {
    type Output = IoCount;

    fn sub(self, rhs: IoCount) -> IoCount {
        IoCount {
            reads: self.reads.saturating_sub(rhs.reads),
            read_bytes: self.read_bytes.saturating_sub(rhs.read_bytes),
            progs: self.progs.saturating_sub(rhs.progs),
            prog_bytes: self.prog_bytes.saturating_sub(rhs.prog_bytes),
            erases: self.erases.saturating_sub(rhs.erases),
            erase_bytes: self.erase_bytes.saturating_sub(rhs.erase_bytes),
            syncs: self.syncs.saturating_sub(rhs.syncs),
        }
    }
}

impl IoCount {
    /// The average per operation over `ops` operations.
    pub fn per_op(self, ops: u64) -> IoCost {
        let n = ops.max(1) as f64;
        IoCost {
            calls: (self.reads + self.progs + self.erases) as f64 / n,
            read: self.read_bytes as f64 / n,
            prog: self.prog_bytes as f64 / n,
            erase: self.erase_bytes as f64 / n,
        }
    }
}

/// Device I/O per operation (averaged): the I/O cost columns of the reports.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct IoCost {
    /// Device calls (reads + programs + erases).
    pub calls: f64,
    /// Bytes read.
    pub read: f64,
    /// Bytes programmed.
    pub prog: f64,
    /// Bytes erased.
    pub erase: f64,
}

/// A block device that counts every read, program, erase and sync into an [`IoMeter`], then
/// forwards it.
///
/// ```
/// use uvfs::os_api::{BlockDevice, BlockIdx};
/// use uvfs::RamDisk;
/// use uvfs_benches::Counting;
///
/// let mut dev = Counting::new(RamDisk::new(512, 8));
/// let meter = dev.meter();
/// dev.write(BlockIdx(1), 0, &[7; 512]).unwrap();
/// let mut buf = [0; 100];
/// dev.read(BlockIdx(1), 10, &mut buf).unwrap();
/// let n = meter.snapshot();
/// assert_eq!((n.progs, n.prog_bytes, n.reads, n.read_bytes), (1, 512, 1, 100));
/// ```
#[derive(Debug)]
pub struct Counting<D> {
    dev: D,
    meter: IoMeter,
}

impl<D: BlockDevice> Counting<D> {
    /// Counts into a new meter (get it with [`Counting::meter`]).
    pub fn new(dev: D) -> Counting<D> {
        Counting::with_meter(dev, IoMeter::new())
    }

    /// Counts into `meter`.
    pub fn with_meter(dev: D, meter: IoMeter) -> Counting<D> {
        Counting { dev, meter }
    }

    /// A handle on the counters (shared with the device).
    pub fn meter(&self) -> IoMeter {
        self.meter.clone()
    }

    /// The device.
    pub fn inner(&self) -> &D {
        &self.dev
    }

    /// The device back.
    pub fn into_inner(self) -> D {
        self.dev
    }
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice> BlockDevice for Counting<D> {
    fn block_size(&self) -> u32 {
        self.dev.block_size()
    }

    fn block_count(&self) -> u32 {
        self.dev.block_count()
    }

    fn needs_erase(&self) -> bool {
        self.dev.needs_erase()
    }

    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        self.dev.read(block, offset, buf)?;
        self.meter.count_read(buf.len());
        Ok(())
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        self.dev.write(block, offset, data)?;
        self.meter.count_prog(data.len());
        Ok(())
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        self.dev.erase(block, count)?;
        self.meter
            .count_erase(u64::from(count.0) * u64::from(self.dev.block_size()));
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        self.dev.sync()?;
        self.meter.count_sync();
        Ok(())
    }

    fn init(&mut self) -> Result<()> {
        self.dev.init()
    }

    fn deinit(&mut self) -> Result<()> {
        self.dev.deinit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uvfs::RamDisk;

    #[test]
    fn counts_only_what_reached_the_device() {
        let mut dev = Counting::new(RamDisk::new_flash(512, 4));
        let meter = dev.meter();
        dev.erase(BlockIdx(1), BlockCount(2)).unwrap();
        assert!(dev.read(BlockIdx(4), 0, &mut [0; 1]).is_err());
        dev.sync().unwrap();
        let n = meter.snapshot();
        assert_eq!((n.erases, n.erase_bytes, n.reads, n.syncs), (1, 1024, 0, 1));
        let cost = n.per_op(2);
        assert_eq!((cost.calls, cost.erase), (0.5, 512.0));
    }
}
