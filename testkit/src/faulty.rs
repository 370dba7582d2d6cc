//! [`FaultyDevice`]: a block device wrapper that counts I/O and injects faults (power loss, torn
//! writes, bit flips, failing reads, flash programming rules), and a sweep over power-cut points.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use uvfs_os_api::{check_range, BlockCount, BlockDevice, BlockIdx, Errno, Result};

/// What a [`FaultyDevice`] has done since it was made (or since [`Faults::reset_stats`]).
///
/// Only operations that reached the inner device are counted in `reads`, `writes` and
/// `erases`; a write torn by a power cut counts as one write of the bytes it applied. Operations
/// refused (power cut, failing block, flash rule) are counted in `refused`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct IoStats {
    /// Read calls that succeeded.
    pub reads: u64,
    /// Write (program) calls applied, torn ones included.
    pub writes: u64,
    /// Erase calls applied.
    pub erases: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Bytes programmed.
    pub bytes_programmed: u64,
    /// Bytes erased (whole blocks).
    pub bytes_erased: u64,
    /// Calls refused with an injected error.
    pub refused: u64,
}

impl IoStats {
    /// Writes plus erases: the operations a power cut can interrupt.
    pub fn mutations(&self) -> u64 {
        self.writes + self.erases
    }
}

#[derive(Default)]
struct FaultState {
    stats: IoStats,
    /// Mutations still allowed before the power is cut.
    countdown: Option<u64>,
    cut: bool,
    tear: Option<usize>,
    failing_reads: BTreeSet<u32>,
    read_flips: Vec<(u64, u8)>,
    flash_rules: bool,
}

/// The fault controls and counters of a [`FaultyDevice`], shareable: a test keeps a clone to cut
/// the power or read the counters while a backend owns the device.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<FaultState>>);

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("Faults")
            .field("stats", &s.stats)
            .field("countdown", &s.countdown)
            .field("power_cut", &s.cut)
            .field("tear", &s.tear)
            .field("failing_reads", &s.failing_reads)
            .field("read_flips", &s.read_flips)
            .field("flash_rules", &s.flash_rules)
            .finish()
    }
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        // A panic elsewhere while holding the lock leaves plain counters behind: keep going.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counters so far.
    pub fn stats(&self) -> IoStats {
        self.lock().stats
    }

    /// Zeroes the counters.
    pub fn reset_stats(&mut self) {
        self.lock().stats = IoStats::default();
    }

    /// Lets `n` more writes or erases through, then cuts the power: from the next one on, every
    /// write, erase and sync fails with `EIO` and changes nothing (except a torn write, see
    /// [`tear_cut_write_after`](Faults::tear_cut_write_after)). Reads keep working.
    pub fn cut_power_after(&mut self, n: u64) {
        let mut s = self.lock();
        s.countdown = Some(n);
        s.cut = false;
    }

    /// Cuts the power now.
    pub fn cut_power_now(&mut self) {
        let mut s = self.lock();
        s.countdown = None;
        s.cut = true;
    }

    /// Restores the power and cancels a pending cut.
    pub fn restore_power(&mut self) {
        let mut s = self.lock();
        s.countdown = None;
        s.cut = false;
    }

    /// Whether the power is cut.
    pub fn power_is_cut(&self) -> bool {
        self.lock().cut
    }

    /// Writes and erases still allowed before a pending cut, if one is pending.
    pub fn mutations_until_cut(&self) -> Option<u64> {
        self.lock().countdown
    }

    /// Makes the write at which the power is cut apply its first `bytes` bytes before failing
    /// (a torn write); `None` (the default) applies nothing. An erase at the cut is never applied.
    pub fn tear_cut_write_after(&mut self, bytes: Option<usize>) {
        self.lock().tear = bytes;
    }

    /// Makes every read touching `block` fail with `EIO`.
    pub fn fail_reads_of(&mut self, block: BlockIdx) {
        self.lock().failing_reads.insert(block.0);
    }

    /// Makes reads work again on every block.
    pub fn heal_reads(&mut self) {
        self.lock().failing_reads.clear();
    }

    /// Makes every read that covers byte address `addr` return bit `bit` (0-7) of that byte
    /// flipped; the stored data stays intact. See [`FaultyDevice::flip_bit`] for a lasting flip.
    pub fn flip_bit_on_read(&mut self, addr: u64, bit: u8) {
        self.lock().read_flips.push((addr, bit & 7));
    }

    /// Stops flipping bits on read.
    pub fn clear_read_flips(&mut self) {
        self.lock().read_flips.clear();
    }

    /// Turns the NOR flash programming check on or off: when on, a write that would set a bit
    /// (0 → 1) of a byte that is not erased fails with `EIO` and is not applied. This catches
    /// backends that program flash without erasing first.
    pub fn check_flash_rules(&mut self, on: bool) {
        self.lock().flash_rules = on;
    }
}

/// A block device wrapper for tests: counts every operation ([`IoStats`]) and injects faults.
///
/// - **Power loss**: [`cut_power_after(n)`](FaultyDevice::cut_power_after) lets `n` more writes
///   or erases through; then every write, erase and sync fails with `EIO` and is not applied,
///   until [`restore_power`](FaultyDevice::restore_power). The write at the cut may be torn: only
///   its first K bytes applied ([`tear_cut_write_after`](FaultyDevice::tear_cut_write_after)).
/// - **Bit flips**: [`flip_bit`](FaultyDevice::flip_bit) changes the stored data once;
///   [`Faults::flip_bit_on_read`] corrupts what reads return.
/// - **Failing reads**: [`fail_reads_of`](FaultyDevice::fail_reads_of) a block.
/// - **Flash rules**: [`check_flash_rules`](FaultyDevice::check_flash_rules) refuses programming
///   that would set bits of a byte that is not erased (`0xFF`).
///
/// The fault state lives in a shareable [`Faults`] ([`FaultyDevice::faults`]), so a test can
/// keep controlling the device after handing it to a backend. [`sweep_power_cuts`] runs a
/// workload once per possible cut point.
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx, Errno};
/// use uvfs_testkit::FaultyDevice;
/// use uvfs_vfs_core::RamDisk;
///
/// let mut dev = FaultyDevice::new(RamDisk::new(512, 8));
/// dev.cut_power_after(1);
/// dev.write(BlockIdx(0), 0, b"kept").unwrap();
/// assert_eq!(dev.write(BlockIdx(1), 0, b"lost").unwrap_err(), Errno::EIO);
/// dev.restore_power();
/// assert_eq!(&dev.inner().as_bytes()[..4], b"kept");
/// assert_eq!(&dev.inner().as_bytes()[512..516], &[0; 4]);
/// assert_eq!(dev.stats().writes, 1);
/// ```
pub struct FaultyDevice<D> {
    inner: D,
    faults: Faults,
}

impl<D: fmt::Debug> fmt::Debug for FaultyDevice<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultyDevice")
            .field("inner", &self.inner)
            .field("faults", &self.faults)
            .finish()
    }
}

impl<D> FaultyDevice<D> {
    /// Wraps `inner` with no fault armed.
    pub fn new(inner: D) -> FaultyDevice<D> {
        FaultyDevice {
            inner,
            faults: Faults::default(),
        }
    }

    /// Wraps `inner` with an existing fault state (shared with other devices using it).
    pub fn with_faults(inner: D, faults: Faults) -> FaultyDevice<D> {
        FaultyDevice { inner, faults }
    }

    /// The wrapped device.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// The wrapped device, mutably (changes made through it are not counted).
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    /// Unwraps the device.
    pub fn into_inner(self) -> D {
        self.inner
    }

    /// The fault controls; clone it to keep control after giving the device away.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The counters so far.
    pub fn stats(&self) -> IoStats {
        self.faults.stats()
    }

    /// See [`Faults::cut_power_after`].
    pub fn cut_power_after(&mut self, n: u64) {
        self.faults.cut_power_after(n);
    }

    /// See [`Faults::restore_power`].
    pub fn restore_power(&mut self) {
        self.faults.restore_power();
    }

    /// See [`Faults::power_is_cut`].
    pub fn power_is_cut(&self) -> bool {
        self.faults.power_is_cut()
    }

    /// See [`Faults::tear_cut_write_after`].
    pub fn tear_cut_write_after(&mut self, bytes: Option<usize>) {
        self.faults.tear_cut_write_after(bytes);
    }

    /// See [`Faults::fail_reads_of`].
    pub fn fail_reads_of(&mut self, block: BlockIdx) {
        self.faults.fail_reads_of(block);
    }

    /// See [`Faults::check_flash_rules`].
    pub fn check_flash_rules(&mut self, on: bool) {
        self.faults.check_flash_rules(on);
    }
}

impl<D: Clone> FaultyDevice<D> {
    /// A second device over a clone of the inner device, sharing this one's faults and counters.
    ///
    /// The medium itself is shared only if `D`'s clone shares it, as [`SharedDevice`]'s does (a
    /// `RamDisk` clone is a copy). Use it to hand a backend that needs to own a `'static` device
    /// a device this test still controls.
    pub fn share(&self) -> FaultyDevice<D> {
        FaultyDevice {
            inner: self.inner.clone(),
            faults: self.faults.clone(),
        }
    }
}

impl<D: BlockDevice> FaultyDevice<D> {
    /// Flips bit `bit` (0-7) of the byte at address `addr` in the stored data, bypassing the
    /// counters and rules (a lasting corruption, as a disturbed flash cell). `EINVAL` for an
    /// address outside the device or a bit over 7.
    pub fn flip_bit(&mut self, addr: u64, bit: u8) -> Result<()> {
        if bit > 7 {
            return Err(Errno::EINVAL.with_detail("bit index over 7"));
        }
        let bs = u64::from(self.inner.block_size().max(1));
        let block = u32::try_from(addr / bs).map_err(|_| Errno::EINVAL)?;
        let offset = u32::try_from(addr % bs).map_err(|_| Errno::EINVAL)?;
        let mut byte = [0u8];
        self.inner.read(BlockIdx(block), offset, &mut byte)?;
        byte[0] ^= 1 << bit;
        self.inner.write(BlockIdx(block), offset, &byte)
    }

    /// Runs `workload` and returns how many writes and erases it issued: the number of points
    /// where a power cut can interrupt it.
    pub fn count_writes(&mut self, workload: impl FnOnce(&mut Self)) -> u64 {
        let before = self.stats().mutations();
        workload(self);
        self.stats().mutations().saturating_sub(before)
    }

    fn range(&self, block: BlockIdx, offset: u32, len: usize) -> Result<u64> {
        check_range(
            self.inner.block_size(),
            self.inner.block_count(),
            block,
            offset,
            len,
        )
    }

    /// Applies the power countdown to one mutation: `Ok(None)` to go ahead, `Ok(Some(k))` when
    /// this is the cut and `k` bytes of it may still be applied (torn), `Err` when already cut.
    fn power_gate(&self, torn_allowed: bool) -> Result<Option<usize>> {
        let mut s = self.faults.lock();
        if s.cut {
            s.stats.refused += 1;
            return Err(Errno::EIO.with_detail("power is cut"));
        }
        match s.countdown {
            Some(0) => {
                s.countdown = None;
                s.cut = true;
                Ok(Some(if torn_allowed { s.tear.unwrap_or(0) } else { 0 }))
            }
            Some(n) => {
                s.countdown = Some(n - 1);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn check_flash(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        if !self.faults.lock().flash_rules {
            return Ok(());
        }
        let mut old = vec![0u8; data.len()];
        self.inner.read(block, offset, &mut old)?;
        if old.iter().zip(data).any(|(&o, &n)| n & !o != 0) {
            self.faults.lock().stats.refused += 1;
            return Err(
                Errno::EIO.with_detail("flash rule: programming would set bits of unerased bytes")
            );
        }
        Ok(())
    }
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice> BlockDevice for FaultyDevice<D> {
    fn block_size(&self) -> u32 {
        self.inner.block_size()
    }

    fn block_count(&self) -> u32 {
        self.inner.block_count()
    }

    fn needs_erase(&self) -> bool {
        self.inner.needs_erase()
    }

    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        let start = self.range(block, offset, buf.len())?;
        let bs = u64::from(self.inner.block_size().max(1));
        let end = start + buf.len() as u64;
        {
            let mut s = self.faults.lock();
            let (first, last) = (start / bs, end.saturating_sub(1).max(start) / bs);
            let hit = s
                .failing_reads
                .range(u32::try_from(first).unwrap_or(u32::MAX)..)
                .next()
                .is_some_and(|&b| u64::from(b) <= last);
            if hit && !buf.is_empty() {
                s.stats.refused += 1;
                return Err(Errno::EIO.with_detail("injected read failure"));
            }
        }
        self.inner.read(block, offset, buf)?;
        let mut s = self.faults.lock();
        s.stats.reads += 1;
        s.stats.bytes_read += buf.len() as u64;
        for &(addr, bit) in &s.read_flips {
            if addr >= start && addr < end {
                if let Some(byte) = usize::try_from(addr - start)
                    .ok()
                    .and_then(|i| buf.get_mut(i))
                {
                    *byte ^= 1 << bit;
                }
            }
        }
        Ok(())
    }

    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        self.range(block, offset, data.len())?;
        if let Some(torn) = self.power_gate(true)? {
            let applied = torn.min(data.len());
            if applied > 0 {
                let prefix = &data[..applied];
                if self.check_flash(block, offset, prefix).is_ok()
                    && self.inner.write(block, offset, prefix).is_ok()
                {
                    let mut s = self.faults.lock();
                    s.stats.writes += 1;
                    s.stats.bytes_programmed += applied as u64;
                }
            } else {
                self.faults.lock().stats.refused += 1;
            }
            return Err(Errno::EIO.with_detail("power cut during write"));
        }
        self.check_flash(block, offset, data)?;
        self.inner.write(block, offset, data)?;
        let mut s = self.faults.lock();
        s.stats.writes += 1;
        s.stats.bytes_programmed += data.len() as u64;
        Ok(())
    }

    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        let bs = self.inner.block_size();
        let bytes = u64::from(bs) * u64::from(count.0);
        let len = usize::try_from(bytes).map_err(|_| Errno::EINVAL)?;
        self.range(block, 0, len)?;
        if self.power_gate(false)?.is_some() {
            self.faults.lock().stats.refused += 1;
            return Err(Errno::EIO.with_detail("power cut during erase"));
        }
        self.inner.erase(block, count)?;
        let mut s = self.faults.lock();
        s.stats.erases += 1;
        s.stats.bytes_erased += bytes;
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        if self.faults.power_is_cut() {
            self.faults.lock().stats.refused += 1;
            return Err(Errno::EIO.with_detail("power is cut"));
        }
        self.inner.sync()
    }

    fn init(&mut self) -> Result<()> {
        self.inner.init()
    }

    fn deinit(&mut self) -> Result<()> {
        self.inner.deinit()
    }
}

/// A block device shared between owners (`Arc<Mutex<D>>`): clones address the same medium.
///
/// Give one clone to a backend that must own its device and keep another to inspect or remount
/// the medium afterwards.
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx};
/// use uvfs_testkit::SharedDevice;
/// use uvfs_vfs_core::RamDisk;
///
/// let disk = SharedDevice::new(RamDisk::new(512, 4));
/// let mut owned_elsewhere = disk.clone();
/// owned_elsewhere.write(BlockIdx(0), 0, b"hi").unwrap();
/// assert_eq!(disk.with(|d| d.as_bytes()[..2].to_vec()), b"hi");
/// ```
pub struct SharedDevice<D>(Arc<Mutex<D>>);

impl<D> Clone for SharedDevice<D> {
    fn clone(&self) -> Self {
        SharedDevice(Arc::clone(&self.0))
    }
}

impl<D> fmt::Debug for SharedDevice<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedDevice")
            .field("owners", &Arc::strong_count(&self.0))
            .finish()
    }
}

impl<D> SharedDevice<D> {
    /// Shares `device`.
    pub fn new(device: D) -> SharedDevice<D> {
        SharedDevice(Arc::new(Mutex::new(device)))
    }

    /// Runs `f` on the device.
    pub fn with<R>(&self, f: impl FnOnce(&mut D) -> R) -> R {
        f(&mut self.lock())
    }

    /// The device, if this is the last owner; otherwise `self` back.
    pub fn try_unwrap(self) -> std::result::Result<D, SharedDevice<D>> {
        match Arc::try_unwrap(self.0) {
            Ok(m) => Ok(m.into_inner().unwrap_or_else(|e| e.into_inner())),
            Err(arc) => Err(SharedDevice(arc)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, D> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice> BlockDevice for SharedDevice<D> {
    fn block_size(&self) -> u32 {
        self.lock().block_size()
    }
    fn block_count(&self) -> u32 {
        self.lock().block_count()
    }
    fn needs_erase(&self) -> bool {
        self.lock().needs_erase()
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        self.lock().read(block, offset, buf)
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        self.lock().write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        self.lock().erase(block, count)
    }
    fn sync(&mut self) -> Result<()> {
        self.lock().sync()
    }
    fn init(&mut self) -> Result<()> {
        self.lock().init()
    }
    fn deinit(&mut self) -> Result<()> {
        self.lock().deinit()
    }
}

/// Which cut points a [`sweep_power_cuts`] visits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SweepOptions {
    /// Tear the write at the cut after this many bytes (`None`: apply nothing of it).
    pub tear_bytes: Option<usize>,
    /// Visit every `stride`-th cut point (1: all of them).
    pub stride: u64,
    /// Visit at most this many points.
    pub max_points: Option<u64>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            tear_bytes: None,
            stride: 1,
            max_points: None,
        }
    }
}

/// One power cut of a sweep, as the check sees it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CutPoint {
    /// The power was cut at this write or erase (0-based) of the workload.
    pub index: u64,
    /// How many writes and erases the workload issues without a cut.
    pub total: u64,
    /// Bytes of the cut write that were applied, if tearing.
    pub torn_bytes: Option<usize>,
}

/// How many cut points a sweep covered.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CutCoverage {
    /// Points visited (each one a full workload run plus check).
    pub covered: u64,
    /// Points the workload has.
    pub total: u64,
}

impl fmt::Display for CutCoverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "covered {} of {} cut points", self.covered, self.total)
    }
}

/// How many cut points a campaign asks for, from the environment variable
/// [`CUT_POINTS_VAR`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CutPoints {
    /// `UVFS_CUT_POINTS=all`: every write and erase of the workload.
    All,
    /// `UVFS_CUT_POINTS=N`: `N` points spread evenly over the workload.
    Spread(u64),
}

/// The environment variable that sets the size of every power-cut campaign:
/// `UVFS_CUT_POINTS=all` or a number of cut points per sweep. It overrides the
/// [`SweepOptions`] a test passes (its tearing mode is kept), so the same tests run as a quick
/// check by default and as a campaign of any size on demand.
pub const CUT_POINTS_VAR: &str = "UVFS_CUT_POINTS";

/// [`CUT_POINTS_VAR`] parsed; `None` when it is unset, empty or not understood.
///
/// ```
/// use uvfs_testkit::cut_points_from_env;
/// std::env::remove_var("UVFS_CUT_POINTS");
/// assert_eq!(cut_points_from_env(), None);
/// ```
pub fn cut_points_from_env() -> Option<CutPoints> {
    let v = std::env::var(CUT_POINTS_VAR).ok()?;
    match v.trim() {
        "all" => Some(CutPoints::All),
        n => n.parse().ok().filter(|&n| n > 0).map(CutPoints::Spread),
    }
}

/// Runs `workload` once per power-cut point and checks what survives each cut.
///
/// First it runs `workload` on a device from `make` with no fault, counting its writes and
/// erases (`total`). Then, for each cut point `i` chosen by `options`, it runs `workload` on a
/// fresh device with the power cut after `i` writes or erases (the workload sees `EIO` from
/// then on and must not panic), restores the power, and calls `check` on that device: mount
/// the filesystem again and verify the old or the new state is there.
///
/// The workload must be deterministic: a run in which the cut point is never reached is an
/// error. Returns the coverage, or the first failure (`"cut 12/40: <check's message>"`).
///
/// [`CUT_POINTS_VAR`] (`UVFS_CUT_POINTS=all` or `=N`), when set, replaces `options.stride` and
/// `options.max_points`.
///
/// ```
/// use uvfs_os_api::{BlockDevice, BlockIdx};
/// use uvfs_testkit::{sweep_power_cuts, SweepOptions};
/// use uvfs_vfs_core::RamDisk;
///
/// // Workload: write two blocks. Invariant: block 1 is never written before block 0.
/// let coverage = sweep_power_cuts(
///     || RamDisk::new(512, 4),
///     |dev| {
///         let _ = dev.write(BlockIdx(0), 0, &[1; 512]);
///         let _ = dev.write(BlockIdx(1), 0, &[2; 512]);
///     },
///     |dev, _cut| {
///         let (mut a, mut b) = ([0u8; 1], [0u8; 1]);
///         dev.read(BlockIdx(0), 0, &mut a).map_err(|e| e.to_string())?;
///         dev.read(BlockIdx(1), 0, &mut b).map_err(|e| e.to_string())?;
///         if b[0] == 2 && a[0] != 1 { Err("block 1 before block 0".into()) } else { Ok(()) }
///     },
///     &SweepOptions::default(),
/// ).unwrap();
/// assert_eq!(coverage.to_string(), "covered 2 of 2 cut points");
/// ```
pub fn sweep_power_cuts<D: BlockDevice>(
    mut make: impl FnMut() -> D,
    mut workload: impl FnMut(&mut FaultyDevice<D>),
    mut check: impl FnMut(&mut FaultyDevice<D>, CutPoint) -> std::result::Result<(), String>,
    options: &SweepOptions,
) -> std::result::Result<CutCoverage, String> {
    let mut dry = FaultyDevice::new(make());
    let total = dry.count_writes(&mut workload);
    drop(dry);
    let (stride, max_points) = match cut_points_from_env() {
        Some(CutPoints::All) => (1, None),
        Some(CutPoints::Spread(n)) => (total.div_ceil(n.max(1)).max(1), Some(n)),
        None => (options.stride.max(1), options.max_points),
    };
    let mut covered = 0;
    let mut index = 0;
    while index < total && max_points.is_none_or(|max| covered < max) {
        let mut dev = FaultyDevice::new(make());
        dev.tear_cut_write_after(options.tear_bytes);
        dev.cut_power_after(index);
        workload(&mut dev);
        if !dev.power_is_cut() {
            return Err(format!(
                "cut {index}/{total}: the workload never reached this write or erase; it must \
                 do the same I/O on every run"
            ));
        }
        dev.restore_power();
        let point = CutPoint {
            index,
            total,
            torn_bytes: options.tear_bytes,
        };
        check(&mut dev, point).map_err(|msg| format!("cut {index}/{total}: {msg}"))?;
        covered += 1;
        index = index.saturating_add(stride);
    }
    Ok(CutCoverage { covered, total })
}
