//! `VfsLfs2`: littlefs v2 on the C engine (littlefs 2.9 through `littlefs2::ll`), with the
//! geometry chosen at run time as MicroPython chooses it.
//!
//! ```
//! use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
//! use uvfs_os_api::{BlockDevice, Filesystem, OpenMode, Result};
//!
//! /// Formats `dev` as MicroPython's `VfsLfs2.mkfs(bdev)` would and writes `/boot.py`.
//! fn provision<D: BlockDevice>(dev: D) -> Result<D> {
//!     let mut fs = VfsLfs2::new(dev, Lfs2Config::default())?;
//!     fs.mkfs()?;
//!     fs.mount(false, false)?;
//!     let f = fs.open("/boot.py", OpenMode::WRITE)?;
//!     fs.write(f, b"print('hi')\n")?;
//!     fs.close(f)?;
//!     fs.umount()?;
//!     Ok(fs.into_device())
//! }
//! ```
//!
//! See the crate documentation (`## VfsLfs2`) for the behaviour, the differences from
//! MicroPython, and the work bound on damaged images.

mod config;
mod device;
mod engine;
pub mod errno;
mod paths;

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;

use uvfs_os_api::{
    path, BlockDevice, DirEntry, DirHandle, Errno, Error, FileHandle, Filesystem, FixedTime,
    OpenMode, Result, SeekFrom, Stat, StatVfs, TimeSource, Timestamp, NAME_MAX,
};

pub use config::{DiskVersion, Geometry, Lfs2Config, BLOCK_CYCLES, MAX_LOOKAHEAD, MIN_OP_BUDGET};

use engine::Engine;
use littlefs2::ll;

/// The littlefs user attribute MicroPython keeps a file's modification time in: 8 bytes,
/// little-endian nanoseconds since 1970-01-01 UTC.
pub const MTIME_ATTR: u8 = 1;

/// The littlefs C engine's version (2.9), major in the high 16 bits.
pub const ENGINE_VERSION: u32 = ll::LFS_VERSION;

/// MicroPython's `VfsLfs2`: littlefs v2 on a [`BlockDevice`], as a uvfs [`Filesystem`].
///
/// Block size and count come from the device; read/program size, lookahead and `mtime` from
/// [`Lfs2Config`] (MicroPython's constructor arguments). Unlike MicroPython's constructor,
/// [`new`](VfsLfs2::new) does not mount: call [`Filesystem::mount`].
///
/// `VfsLfs2<D>` is `Send` when `D` is. Modification times come from a [`TimeSource`]; the
/// default is a fixed 2000-01-01 00:00 UTC (MicroPython's embedded epoch), for boards without
/// a clock: give a real one with [`with_time_source`](VfsLfs2::with_time_source).
pub struct VfsLfs2<D: BlockDevice> {
    engine: Engine<D>,
    config: Lfs2Config,
    clock: Box<dyn TimeSource + Send>,
}

impl<D: BlockDevice> core::fmt::Debug for VfsLfs2<D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VfsLfs2")
            .field("config", &self.config)
            .field("geometry", &self.engine.geometry())
            .field("mounted", &self.engine.is_mounted())
            .finish_non_exhaustive()
    }
}

/// Nanoseconds since 1970 as MicroPython stores them (unsigned: earlier times become 0).
fn mtime_nanos(t: Timestamp) -> u64 {
    u64::try_from(t.as_nanos().max(0)).unwrap_or(u64::MAX)
}

/// littlefs open flags for a mode; `EINVAL` for combinations no mode string produces.
fn lfs_flags(mode: OpenMode) -> Result<i32> {
    if (mode.create || mode.truncate || mode.append) && !mode.write {
        return Err(Errno::EINVAL.with_detail("create, truncate and append need write access"));
    }
    if mode.exclusive && !mode.create {
        return Err(Errno::EINVAL.with_detail("exclusive open without create"));
    }
    let mut flags = match (mode.read, mode.write) {
        (true, true) => ll::lfs_open_flags_LFS_O_RDWR,
        (false, true) => ll::lfs_open_flags_LFS_O_WRONLY,
        _ => ll::lfs_open_flags_LFS_O_RDONLY,
    };
    if mode.create {
        flags |= ll::lfs_open_flags_LFS_O_CREAT;
    }
    if mode.exclusive {
        flags |= ll::lfs_open_flags_LFS_O_EXCL;
    }
    if mode.truncate {
        flags |= ll::lfs_open_flags_LFS_O_TRUNC;
    }
    if mode.append {
        flags |= ll::lfs_open_flags_LFS_O_APPEND;
    }
    i32::try_from(flags).map_err(|_| Error::bug("bug: open flags"))
}

impl<D: BlockDevice> VfsLfs2<D> {
    /// A littlefs v2 filesystem on `dev` (not mounted), as MicroPython's
    /// `VfsLfs2(dev, readsize, progsize, lookahead, mtime)` configures it: the device is
    /// initialised (`ioctl(1)`), then its block size and count are read.
    ///
    /// `EINVAL` for a configuration littlefs cannot use (see [`Geometry::new`]), the device's
    /// own error if it fails to initialise, `ENOMEM` if the caches cannot be allocated; the
    /// device is dropped then.
    pub fn new(mut dev: D, config: Lfs2Config) -> Result<Self> {
        dev.init()?;
        let geo = Geometry::new(dev.block_size(), dev.block_count(), &config)?;
        Ok(VfsLfs2 {
            engine: Engine::new(dev, geo)?,
            config,
            clock: Box::new(FixedTime(Timestamp::from_secs(Timestamp::EPOCH_2000))),
        })
    }

    /// Uses `clock` for modification times.
    pub fn with_time_source(mut self, clock: Box<dyn TimeSource + Send>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the clock used for modification times.
    pub fn set_time_source(&mut self, clock: Box<dyn TimeSource + Send>) {
        self.clock = clock;
    }

    /// MicroPython's `VfsLfs2.mkfs(dev, ...)`: formats the device with on-disk version
    /// [`Lfs2Config::disk_version`]. `EBUSY` while mounted.
    pub fn mkfs(&mut self) -> Result<()> {
        self.engine.format(self.config.disk_version)
    }

    /// Formats the device with on-disk version `version` (2.0 for firmware with littlefs older
    /// than 2.6). `EBUSY` while mounted.
    pub fn mkfs_with_version(&mut self, version: DiskVersion) -> Result<()> {
        self.engine.format(version)
    }

    /// The on-disk version of the mounted volume (kept as it was found: writing never upgrades
    /// it). `ENODEV` when not mounted.
    pub fn disk_version(&self) -> Result<DiskVersion> {
        Ok(self.engine.info()?.version)
    }

    /// The arguments this filesystem was made with.
    pub fn config(&self) -> &Lfs2Config {
        &self.config
    }

    /// The engine configuration: the device's geometry and the derived cache size.
    pub fn geometry(&self) -> Geometry {
        self.engine.geometry()
    }

    /// Whether the last mount found an operation that a power cut had interrupted (a rename
    /// between directories, orphaned metadata) and finished it: on the device for a read-write
    /// mount, in RAM only for a read-only one (the device is not written; the repair is done
    /// again at the next mount). `ENODEV` when not mounted.
    pub fn repaired_at_mount(&self) -> Result<bool> {
        Ok(self.engine.info()?.repaired)
    }

    /// The longest name the mounted volume allows (its superblock's `name_max`, normally 255).
    /// `ENODEV` when not mounted.
    pub fn name_max(&self) -> Result<u32> {
        Ok(self.engine.info()?.name_max)
    }

    /// The device (for inspection; write to it only while unmounted).
    pub fn device(&self) -> &D {
        self.engine.device()
    }

    /// The most device operations one engine call may make before it fails with `EIO`
    /// (default: [`Geometry::op_budget`]). Long reads and writes are split into block-sized
    /// calls, each with this budget.
    pub fn op_budget(&self) -> u64 {
        self.engine.op_budget()
    }

    /// Changes the per-call budget (at least 1), for example to bound the cost of each input
    /// when fuzzing. Too small a budget makes ordinary operations fail with `EIO`; an operation
    /// stopped halfway is left as a power cut would leave it, and the next mount recovers it.
    pub fn set_op_budget(&mut self, ops: u64) {
        self.engine.set_op_budget(ops);
    }

    /// Reads, programs, erases and syncs the engine has asked of the device so far.
    pub fn device_ops(&self) -> u64 {
        self.engine.device_ops()
    }

    /// Gives the device back. Unmount first: if still mounted, files not closed lose their
    /// unflushed changes (nothing is written here).
    pub fn into_device(self) -> D {
        self.engine.into_device()
    }

    /// The mtime to store now, when `mtime=True`.
    fn now(&self) -> Option<u64> {
        self.config.mtime.then(|| mtime_nanos(self.clock.now()))
    }

    fn mounted(&self) -> Result<()> {
        if self.engine.is_mounted() {
            Ok(())
        } else {
            Err(Errno::ENODEV.with_detail("not mounted"))
        }
    }

    /// Checks a path call: mounted, and a path the C engine can take. The path goes to littlefs
    /// as the router passed it (`//`, `.`, `..`, trailing slashes included): littlefs resolves it
    /// exactly as it does under MicroPython's `VfsLfs2`.
    fn at(&self, p: &str) -> Result<()> {
        self.mounted()?;
        if !p.starts_with('/') {
            return Err(Errno::EINVAL.with_detail("path is not absolute"));
        }
        if p.contains('\0') {
            return Err(Errno::EINVAL.with_detail("path contains NUL"));
        }
        Ok(())
    }

    /// `p` if it is plain, else where littlefs 2.11 reads it, which must exist.
    fn existing<'p>(&mut self, p: &'p str) -> Result<Cow<'p, str>> {
        if paths::plain(p) {
            return Ok(Cow::Borrowed(p));
        }
        Ok(Cow::Owned(String::from(
            paths::walk(&mut self.engine, p)?.existing()?,
        )))
    }

    /// The stored mtime of `p` in whole seconds, 0 without one (MicroPython reads it whatever
    /// `mtime` says, and only when it is exactly 8 bytes).
    fn stored_mtime(&mut self, p: &str) -> Result<i64> {
        let mut buf = [0u8; 8];
        match self.engine.getattr(p, MTIME_ATTR, &mut buf) {
            Ok(8) => Ok(i64::try_from(u64::from_le_bytes(buf) / 1_000_000_000).unwrap_or(i64::MAX)),
            Ok(_) => Ok(0),
            Err(e) if e.errno() == Errno::ENODATA => Ok(0),
            Err(e) => Err(e),
        }
    }
}

impl<D: BlockDevice> Filesystem for VfsLfs2<D> {
    fn type_name(&self) -> &'static str {
        "VfsLfs2"
    }

    /// Mounts. With `mkfs`, a device that does not hold a littlefs v2 volume is formatted
    /// (with [`Lfs2Config::disk_version`]) and mounted; not when the failure was the device's
    /// own (a read error is no reason to erase), nor on a read-only mount (which never writes),
    /// nor when a read-write mount was refused because the volume is damaged in a way that
    /// would make littlefs write over free space (`EILSEQ`, "damaged image ... mount
    /// read-only"): that volume still reads, read-only.
    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        if self.engine.is_mounted() {
            return Err(Errno::EPERM.with_detail("already mounted"));
        }
        match self.engine.mount(readonly) {
            Ok(_) => Ok(()),
            Err(e)
                if mkfs
                    && !readonly
                    && !self.engine.device_failed()
                    && !engine::is_damage_refusal(&e) =>
            {
                self.engine.format(self.config.disk_version)?;
                self.engine.mount(readonly).map(drop)
            }
            Err(e) => Err(e),
        }
    }

    fn umount(&mut self) -> Result<()> {
        self.engine.unmount()
    }

    fn open(&mut self, p: &str, mode: OpenMode) -> Result<FileHandle> {
        self.at(p)?;
        let flags = lfs_flags(mode)?;
        if self.engine.is_readonly()? && (mode.write || mode.create || mode.truncate) {
            return Err(Errno::EROFS.with_detail("read-only mount"));
        }
        let now = self.now();
        let walked;
        let p = if paths::plain(p) {
            p
        } else {
            walked = paths::walk(&mut self.engine, p)?;
            match &walked {
                paths::Walked::Missing { .. } if !mode.create => return Err(Errno::ENOENT.into()),
                paths::Walked::Missing { trailing: true, .. } => {
                    return Err(Errno::ENOTDIR.with_detail("a file name cannot end in /"))
                }
                w => w.path(),
            }
        };
        self.engine.open(p, flags, now).map_err(|e| {
            // littlefs reports a full metadata block as LFS_ERR_NAMETOOLONG when it creates a
            // file (the name "does not fit"). With every name within NAME_MAX, the volume is
            // full.
            if e.errno() == Errno::ENAMETOOLONG && path::components(p).all(|c| c.len() <= NAME_MAX)
            {
                Errno::ENOSPC.with_detail("no room for a new directory entry")
            } else {
                e
            }
        })
    }

    fn close(&mut self, file: FileHandle) -> Result<()> {
        self.mounted()?;
        self.engine.close(file)
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        self.mounted()?;
        self.engine.read(file, buf)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        self.mounted()?;
        let now = self.now();
        self.engine.write(file, data, now)
    }

    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        self.mounted()?;
        self.engine.seek(file, pos)
    }

    fn flush(&mut self, file: FileHandle) -> Result<()> {
        self.mounted()?;
        self.engine.flush(file)
    }

    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        self.mounted()?;
        let now = self.now();
        self.engine.truncate(file, len, now)
    }

    fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        self.at(p)?;
        let p = &self.existing(p)?;
        self.engine.opendir(p)
    }

    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.mounted()?;
        Ok(self.engine.readdir(dir)?.map(|info| DirEntry {
            name: info.name,
            kind: info.kind,
            inode: 0,
            size: Some(u64::from(info.size)),
        }))
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.mounted()?;
        self.engine.closedir(dir)
    }

    fn mkdir(&mut self, p: &str) -> Result<()> {
        self.at(p)?;
        if paths::plain(p) {
            return self.engine.mkdir(p);
        }
        let walked = paths::walk(&mut self.engine, p)?;
        self.engine.mkdir(walked.path())
    }

    fn remove(&mut self, p: &str) -> Result<()> {
        self.at(p)?;
        let p = &self.existing(p)?;
        self.engine.remove(p)
    }

    fn rmdir(&mut self, p: &str) -> Result<()> {
        // MicroPython's VfsLfs2.rmdir is lfs_remove too: it removes files as well.
        self.remove(p)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.at(from)?;
        self.at(to)?;
        if self.engine.is_readonly()? {
            // As every change on a read-only mount: refused before the paths are looked at.
            return Err(Errno::EROFS.with_detail("read-only mount"));
        }
        // littlefs looks the source up first: its errors come before the target's.
        let from = &self.existing(from)?;
        if from == "/" {
            // littlefs 2.11 refuses to move the root before it reads the target.
            return Err(Errno::EINVAL.with_detail("cannot rename the root"));
        }
        let source_is_dir = self.engine.stat(from)?.kind == uvfs_os_api::FileType::Dir;
        let to: &Cow<'_, str> = &if paths::plain(to) {
            Cow::Borrowed(to)
        } else {
            match paths::walk(&mut self.engine, to)? {
                paths::Walked::Missing { trailing: true, .. } if !source_is_dir => {
                    return Err(Errno::ENOTDIR.with_detail("a file name cannot end in /"))
                }
                paths::Walked::Found { path, .. } if path == "/" => {
                    return Err(Errno::EINVAL.with_detail("cannot rename onto the root"))
                }
                w => Cow::Owned(String::from(w.path())),
            }
        };
        let (from, to) = (from.as_ref(), to.as_ref());
        let lexical = |p: &str| path::normalize(p).ok().map(|n| n.path);
        if let (true, Some(f), Some(t)) = (source_is_dir, lexical(from), lexical(to)) {
            if f != t && path::is_within(&t, &f) {
                // The target's parent must be there first (littlefs's ENOENT/ENOTDIR come
                // before the move); then littlefs would move the directory into itself and
                // lose it.
                let parent = path::split_last(&t).map_or("/", |(parent, _)| parent);
                if self.engine.stat(parent)?.kind != uvfs_os_api::FileType::Dir {
                    return Err(Errno::ENOTDIR.into());
                }
                // An existing target answers first, as littlefs checks it before moving: a
                // file is ENOTDIR, a non-empty directory ENOTEMPTY.
                match self.engine.stat(&t) {
                    Ok(info) if info.kind == uvfs_os_api::FileType::File => {
                        return Err(Errno::ENOTDIR.into())
                    }
                    Ok(_) => {
                        let dir = self.engine.opendir(&t)?;
                        let entry = self.engine.readdir(dir);
                        let _ = self.engine.closedir(dir);
                        if entry?.is_some() {
                            return Err(Errno::ENOTEMPTY.into());
                        }
                    }
                    Err(e) if e.errno() == Errno::ENOENT => {}
                    Err(e) => return Err(e),
                }
                return Err(Errno::EINVAL.with_detail("rename into its own subtree"));
            }
        }
        self.engine.rename(from, to)
    }

    fn stat(&mut self, p: &str) -> Result<Stat> {
        self.at(p)?;
        let p = &self.existing(p)?;
        let info = self.engine.stat(p)?;
        let mtime = self.stored_mtime(p)?;
        Ok(Stat {
            mode: info.kind.mode_bits(),
            size: u64::from(info.size),
            atime: mtime,
            mtime,
            ctime: mtime,
            ..Stat::default()
        })
    }

    fn statvfs(&mut self, p: &str) -> Result<StatVfs> {
        self.at(p)?;
        let used = self.engine.used_blocks()?;
        let geo = self.engine.geometry();
        let free = u64::from(geo.block_count.saturating_sub(used));
        Ok(StatVfs {
            bsize: u64::from(geo.block_size),
            frsize: u64::from(geo.block_size),
            blocks: u64::from(geo.block_count),
            bfree: free,
            bavail: free,
            files: 0,
            ffree: 0,
            favail: 0,
            flag: 0,
            namemax: NAME_MAX as u64,
        })
    }

    /// Flushes every file open for writing, then syncs the device. Nothing on a read-only
    /// mount.
    fn sync(&mut self) -> Result<()> {
        if self.engine.is_readonly()? {
            return Ok(());
        }
        let files = self.engine.sync_files();
        let dev = self.engine.sync_device();
        files.and(dev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_map_to_micropython_flags() {
        // vfs_lfsx_file.c: r RDONLY; w WRONLY|CREAT|TRUNC; x WRONLY|CREAT|EXCL;
        // a WRONLY|CREAT|APPEND; '+' makes RDWR.
        let f = |m: &str| lfs_flags(OpenMode::parse(m).unwrap()).unwrap() as u32;
        use ll::*;
        assert_eq!(f("r"), lfs_open_flags_LFS_O_RDONLY);
        assert_eq!(f("rb"), lfs_open_flags_LFS_O_RDONLY);
        assert_eq!(f("r+"), lfs_open_flags_LFS_O_RDWR);
        assert_eq!(
            f("w"),
            lfs_open_flags_LFS_O_WRONLY | lfs_open_flags_LFS_O_CREAT | lfs_open_flags_LFS_O_TRUNC
        );
        assert_eq!(
            f("w+"),
            lfs_open_flags_LFS_O_RDWR | lfs_open_flags_LFS_O_CREAT | lfs_open_flags_LFS_O_TRUNC
        );
        assert_eq!(
            f("x"),
            lfs_open_flags_LFS_O_WRONLY | lfs_open_flags_LFS_O_CREAT | lfs_open_flags_LFS_O_EXCL
        );
        assert_eq!(
            f("ab+"),
            lfs_open_flags_LFS_O_RDWR | lfs_open_flags_LFS_O_CREAT | lfs_open_flags_LFS_O_APPEND
        );
        let odd = OpenMode {
            write: false,
            ..OpenMode::WRITE
        };
        assert_eq!(lfs_flags(odd).unwrap_err(), Errno::EINVAL);
        let odd = OpenMode {
            create: false,
            ..OpenMode::CREATE_NEW
        };
        assert_eq!(lfs_flags(odd).unwrap_err(), Errno::EINVAL);
    }

    #[test]
    fn mtime_is_clamped_to_what_the_attribute_holds() {
        assert_eq!(mtime_nanos(Timestamp::from_secs(-5)), 0);
        assert_eq!(
            mtime_nanos(Timestamp {
                secs: 1_795_575_748,
                nanos: 5
            }),
            1_795_575_748_000_000_005
        );
        assert_eq!(mtime_nanos(Timestamp::from_secs(i64::MAX)), u64::MAX);
    }
}
