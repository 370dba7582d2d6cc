//! [`VfsLfs1`]: the `Filesystem` protocol on the engine, mount state and handles.

use uvfs_os_api::{
    BlockDevice, DirEntry, DirHandle, Errno, FileHandle, Filesystem, HandleSlab, OpenMode, Result,
    SeekFrom, Stat, StatVfs,
};

use super::bd::Bd;
use super::config::{Geometry, Lfs1Config};
use super::engine::{new_name, Core, Cursor, CursorKind, Hit, Target};
use super::errno::{bug, Lfs1Err};
use super::file::OpenFile;
use super::meta::{fetch, Superblock};

/// What a superblock says, as [`probe`] reads it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lfs1Info {
    /// Block size recorded in the superblock.
    pub block_size: u32,
    /// Block count recorded in the superblock.
    pub block_count: u32,
    /// On-disk version, `major << 16 | minor` (`0x0001_0001` for 1.1).
    pub version: u32,
    /// The root directory's metadata pair.
    pub root: [u32; 2],
}

/// Reads the superblock of a littlefs v1 volume on `dev` (blocks 0 and 1, at the device's block
/// size) without mounting it; never writes.
///
/// `ECORRUPT` if neither block holds a valid superblock or the magic is wrong, `EINVAL` for a
/// version other than 1.0/1.1 or a device too small for littlefs v1.
///
/// ```
/// use uvfs_backend_lfs::lfs1::{probe, Lfs1Config, VfsLfs1};
/// use uvfs_os_api::BlockDevice;
///
/// fn describe(dev: &mut dyn BlockDevice) -> String {
///     match probe(dev) {
///         Ok(info) => format!("littlefs v1, {} blocks of {}", info.block_count, info.block_size),
///         Err(e) => format!("not littlefs v1: {e}"),
///     }
/// }
/// ```
pub fn probe<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<Lfs1Info> {
    let cfg = Lfs1Config {
        read_size: 8,
        prog_size: 8,
        lookahead: 32,
    };
    let geo = Geometry::new(dev.block_size(), dev.block_count(), &cfg)?;
    let mut bd = Bd::new(dev, geo);
    bd.readonly = true;
    let m = fetch(&mut bd, [0, 1])?;
    let sb = Superblock::parse(&m)?;
    Ok(Lfs1Info {
        block_size: sb.block_size,
        block_count: sb.block_count,
        version: sb.version,
        root: sb.root,
    })
}

/// The one check made before a path is walked: it must start with `/` (the router joins
/// relative paths to the cwd) and hold no NUL (MicroPython's C code would end the path there;
/// the router refuses it too). Everything else is the walk's business (`Core::walk`).
fn check_path(p: &str) -> Result<()> {
    if !p.starts_with('/') {
        return Err(Errno::EINVAL.with_detail("path is not absolute"));
    }
    if p.contains('\0') {
        return Err(Errno::EINVAL.with_detail("path contains NUL"));
    }
    Ok(())
}

/// An open listing.
struct OpenDir {
    cursor: usize,
    hops: u32,
}

/// A mounted volume.
struct Mounted<D> {
    core: Core<D>,
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<OpenDir, DirHandle>,
    readonly: bool,
}

enum State<D> {
    Idle(D),
    Mounted(alloc::boxed::Box<Mounted<D>>),
    /// Only while a transition runs (or after a device panicked in one).
    Gone,
}

/// littlefs v1 (on-disk version 1.1, as MicroPython's `VfsLfs1` and C littlefs 1.7 write it),
/// in pure safe Rust. See the [module documentation](crate::lfs1).
///
/// The block size and count come from the device; [`Lfs1Config`] gives the read and program
/// sizes and the lookahead. Nothing touches the device until [`mount`](Filesystem::mount) or
/// [`mkfs`](VfsLfs1::mkfs).
///
/// ```
/// use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
/// use uvfs_os_api::{BlockDevice, Filesystem, OpenMode, Result};
///
/// /// Formats `dev`, writes a file and reads its size back.
/// fn demo<D: BlockDevice>(dev: D) -> Result<u64> {
///     let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
///     fs.mkfs()?;
///     fs.mount(false, false)?;
///     let f = fs.open("/boot.py", OpenMode::WRITE)?;
///     fs.write(f, b"print('hi')\n")?;
///     fs.close(f)?;
///     let size = fs.stat("/boot.py")?.size;
///     fs.umount()?;
///     Ok(size)
/// }
/// ```
pub struct VfsLfs1<D: BlockDevice> {
    cfg: Lfs1Config,
    state: State<D>,
    initialised: bool,
}

fn not_mounted() -> uvfs_os_api::Error {
    Errno::ENODEV.with_detail("not mounted")
}

impl<D: BlockDevice> VfsLfs1<D> {
    /// A littlefs v1 filesystem on `dev`, not mounted. The configuration is checked against the
    /// device at [`mount`](Filesystem::mount) and [`mkfs`](VfsLfs1::mkfs) (`EINVAL`).
    pub fn new(dev: D, cfg: Lfs1Config) -> VfsLfs1<D> {
        VfsLfs1 {
            cfg,
            state: State::Idle(dev),
            initialised: false,
        }
    }

    /// The configuration given to [`new`](VfsLfs1::new).
    pub fn config(&self) -> Lfs1Config {
        self.cfg
    }

    /// Whether the filesystem is mounted.
    pub fn is_mounted(&self) -> bool {
        matches!(self.state, State::Mounted(_))
    }

    /// Unmounts if needed (closing every handle, errors ignored) and gives the device back.
    pub fn into_device(mut self) -> Option<D> {
        if self.is_mounted() {
            let _ = self.umount();
        }
        match core::mem::replace(&mut self.state, State::Gone) {
            State::Idle(dev) => Some(dev),
            State::Mounted(m) => Some(m.core.into_device()),
            State::Gone => None,
        }
    }

    fn init(&mut self, dev: &mut D) -> Result<()> {
        if !self.initialised {
            dev.init()?;
            self.initialised = true;
        }
        Ok(())
    }

    /// Formats the device (`VfsLfs1.mkfs`): superblock in blocks 0 and 1, an empty root in 2 and
    /// 3, exactly as littlefs 1.7 lays them out. `EBUSY` while mounted.
    pub fn mkfs(&mut self) -> Result<()> {
        let State::Idle(_) = self.state else {
            return Err(match self.state {
                State::Mounted(_) => Errno::EBUSY.with_detail("mkfs while mounted"),
                _ => bug("bug: device lost"),
            });
        };
        let State::Idle(mut dev) = core::mem::replace(&mut self.state, State::Gone) else {
            return Err(bug("bug: device lost"));
        };
        if let Err(e) = self.init(&mut dev) {
            self.state = State::Idle(dev);
            return Err(e);
        }
        let geo = match Geometry::new(dev.block_size(), dev.block_count(), &self.cfg) {
            Ok(g) => g,
            Err(e) => {
                self.state = State::Idle(dev);
                return Err(e);
            }
        };
        let mut core = Core::new(Bd::new(dev, geo));
        let r = core.format();
        self.state = State::Idle(core.into_device());
        r
    }

    /// The on-disk version of the mounted volume (`major << 16 | minor`).
    pub fn disk_version(&mut self) -> Result<u32> {
        let m = self.mounted()?;
        Ok(Superblock::parse(&fetch(&mut m.core.bd, [0, 1])?)?.version)
    }

    fn try_mount(&mut self, readonly: bool) -> Result<()> {
        let State::Idle(mut dev) = core::mem::replace(&mut self.state, State::Gone) else {
            return Err(bug("bug: device lost"));
        };
        if let Err(e) = self.init(&mut dev) {
            self.state = State::Idle(dev);
            return Err(e);
        }
        let geo = match Geometry::new(dev.block_size(), dev.block_count(), &self.cfg) {
            Ok(g) => g,
            Err(e) => {
                self.state = State::Idle(dev);
                return Err(e);
            }
        };
        let mut bd = Bd::new(dev, geo);
        bd.readonly = readonly;
        let mut core = Core::new(bd);
        match core.load() {
            Ok(_) => {
                self.state = State::Mounted(alloc::boxed::Box::new(Mounted {
                    core,
                    files: HandleSlab::new(),
                    dirs: HandleSlab::new(),
                    readonly,
                }));
                Ok(())
            }
            Err(e) => {
                self.state = State::Idle(core.into_device());
                Err(e)
            }
        }
    }

    fn mounted(&mut self) -> Result<&mut Mounted<D>> {
        match &mut self.state {
            State::Mounted(m) => Ok(m),
            _ => Err(not_mounted()),
        }
    }

    /// The mounted volume, for a change: `EROFS` on a read-only mount; runs deorphan first.
    fn writable(&mut self) -> Result<&mut Mounted<D>> {
        let m = self.mounted()?;
        if m.readonly {
            return Err(Errno::EROFS.into());
        }
        m.core.ack();
        m.core.deorphan()?;
        Ok(m)
    }
}

impl<D: BlockDevice> Mounted<D> {
    /// Runs a change; a failure may have left it half done on the medium, so deorphan runs
    /// again before the next change.
    fn change<T>(&mut self, f: impl FnOnce(&mut Core<D>) -> Result<T>) -> Result<T> {
        let r = f(&mut self.core);
        if r.is_err() {
            self.core.deorphaned = false;
            self.core.bd.forget_all();
        }
        r
    }

    fn file(&mut self, h: FileHandle) -> Result<(&mut OpenFile, &mut Core<D>)> {
        let f = self.files.get_mut(h)?;
        Ok((f, &mut self.core))
    }

    fn close_all(&mut self) -> Result<()> {
        let mut first = None;
        for h in self.files.handles() {
            if let Ok(mut f) = self.files.remove(h) {
                if f.is_dirty() && !self.readonly {
                    self.core.ack();
                    if let Err(e) = f.sync(&mut self.core) {
                        first.get_or_insert(e);
                    }
                }
                f.release(&mut self.core);
            }
        }
        for h in self.dirs.handles() {
            if let Ok(d) = self.dirs.remove(h) {
                self.core.cursors.remove(d.cursor);
            }
        }
        match first {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<D: BlockDevice> Filesystem for VfsLfs1<D> {
    fn type_name(&self) -> &'static str {
        "VfsLfs1"
    }

    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        match self.state {
            State::Mounted(_) => return Err(Errno::EPERM.with_detail("already mounted")),
            State::Gone => return Err(bug("bug: device lost")),
            State::Idle(_) => {}
        }
        match self.try_mount(readonly) {
            Ok(()) => Ok(()),
            // Only a missing or damaged volume is formatted: not a device error, not another
            // geometry or version, never on a read-only mount.
            Err(e) if mkfs && !readonly && e.errno() == super::errno::ECORRUPT => {
                self.mkfs()?;
                self.try_mount(readonly)
            }
            Err(e) => Err(e),
        }
    }

    fn umount(&mut self) -> Result<()> {
        let State::Mounted(_) = self.state else {
            return Err(not_mounted());
        };
        let State::Mounted(mut m) = core::mem::replace(&mut self.state, State::Gone) else {
            return Err(bug("bug: mount state lost"));
        };
        let closed = m.close_all();
        let synced = m.core.bd.sync();
        self.state = State::Idle(m.core.into_device());
        closed.and(synced)
    }

    fn open(&mut self, p: &str, mode: OpenMode) -> Result<FileHandle> {
        check_path(p)?;
        let changes = mode.write || mode.create || mode.truncate || mode.append;
        let m = if changes {
            self.writable()?
        } else {
            self.mounted()?
        };
        let w = m.core.walk(p)?;
        let (loc, data) = match w.hit {
            Hit::Root => return Err(Lfs1Err::IsDir.into()),
            Hit::Found(f) => {
                if f.entry.is_dir() {
                    return Err(Lfs1Err::IsDir.into());
                }
                if mode.create && mode.exclusive {
                    return Err(Lfs1Err::Exist.into());
                }
                ((f.block.pair, f.entry.off), f.entry.data)
            }
            Hit::Missing { last } => {
                if !mode.create {
                    return Err(Lfs1Err::NoEnt.into());
                }
                let name = new_name(w.rest)?;
                m.change(|core| Ok((core.create_file(last, name)?, [super::meta::NULL, 0])))?
            }
        };
        let f = OpenFile::new(&mut m.core, loc, data, mode)?;
        Ok(m.files.insert(f))
    }

    fn close(&mut self, file: FileHandle) -> Result<()> {
        let m = self.mounted()?;
        let mut f = m.files.remove(file)?;
        let r = if f.is_dirty() && !m.readonly {
            m.core.ack();
            m.change(|core| f.sync(core))
        } else {
            Ok(())
        };
        f.release(&mut m.core);
        r
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let m = self.mounted()?;
        let (f, core) = m.file(file)?;
        f.read(core, buf)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        let m = self.mounted()?;
        let (f, core) = m.file(file)?;
        core.ack();
        f.write(core, data)
    }

    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        let m = self.mounted()?;
        let (f, core) = m.file(file)?;
        core.ack();
        f.seek(core, pos)
    }

    fn flush(&mut self, file: FileHandle) -> Result<()> {
        let m = self.mounted()?;
        let readonly = m.readonly;
        let (f, core) = m.file(file)?;
        if readonly || !f.is_dirty() {
            return Ok(());
        }
        core.ack();
        let r = f.sync(core);
        if r.is_err() {
            core.deorphaned = false;
            core.bd.forget_all();
        }
        r
    }

    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        let m = self.mounted()?;
        let (f, core) = m.file(file)?;
        core.ack();
        f.truncate(core, len)
    }

    fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        check_path(p)?;
        let m = self.mounted()?;
        let first = m.core.resolve_dir(p)?;
        let cursor = m.core.cursors.insert(Cursor {
            kind: CursorKind::Listing,
            pair: first,
            off: 0,
            live: true,
        });
        Ok(m.dirs.insert(OpenDir { cursor, hops: 0 }))
    }

    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        let m = self.mounted()?;
        let d = m.dirs.get_mut(dir)?;
        m.core.readdir(d.cursor, &mut d.hops)
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        let m = self.mounted()?;
        let d = m.dirs.remove(dir)?;
        m.core.cursors.remove(d.cursor);
        Ok(())
    }

    fn mkdir(&mut self, p: &str) -> Result<()> {
        check_path(p)?;
        self.writable()?.change(|core| core.mkdir(p))
    }

    fn remove(&mut self, p: &str) -> Result<()> {
        check_path(p)?;
        self.writable()?.change(|core| core.remove(p))
    }

    fn rmdir(&mut self, p: &str) -> Result<()> {
        check_path(p)?;
        self.writable()?.change(|core| core.remove(p))
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        check_path(from)?;
        check_path(to)?;
        self.writable()?.change(|core| core.rename(from, to))
    }

    fn stat(&mut self, p: &str) -> Result<Stat> {
        check_path(p)?;
        let m = self.mounted()?;
        match m.core.resolve(p)? {
            Target::Root => Ok(Stat::DIR),
            Target::Entry(f) if f.entry.is_dir() => Ok(Stat::DIR),
            Target::Entry(f) => Ok(Stat {
                mode: 0x8000,
                size: u64::from(f.entry.data[1]),
                ..Stat::default()
            }),
        }
    }

    fn statvfs(&mut self, p: &str) -> Result<StatVfs> {
        check_path(p)?;
        let m = self.mounted()?;
        let used = m.core.used_blocks()?;
        let bs = u64::from(m.core.block_size());
        let count = u64::from(m.core.block_count());
        let free = count.saturating_sub(used);
        Ok(StatVfs {
            bsize: bs,
            frsize: bs,
            blocks: count,
            bfree: free,
            bavail: free,
            files: 0,
            ffree: 0,
            favail: 0,
            flag: 0,
            namemax: 255,
        })
    }

    fn sync(&mut self) -> Result<()> {
        let m = self.mounted()?;
        if m.readonly {
            return Ok(());
        }
        let mut first = None;
        for h in m.files.handles() {
            let Ok((f, core)) = m.file(h) else { continue };
            if f.is_dirty() {
                core.ack();
                if let Err(e) = f.sync(core) {
                    core.deorphaned = false;
                    first.get_or_insert(e);
                }
            }
        }
        let synced = m.core.bd.sync();
        match first {
            Some(e) => Err(e),
            None => synced,
        }
    }
}
