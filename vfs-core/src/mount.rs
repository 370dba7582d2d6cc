//! [`Vfs`]: the mount table and router.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{
    BoxedFilesystem, DirEntry, DirHandle, EntropySource, Errno, Error, FileHandle, FileType,
    HandleSlab, MountInfo, MountOptions, Name, OpenMode, Result, SeekFrom, Stat, StatVfs, Uname,
};

use crate::path::{self, normalize_mount_point, resolve, strip_mount};

/// `os.uname()`'s five fields, owned so they can be configured at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnameFields {
    /// `sysname`.
    pub sysname: String,
    /// `nodename`.
    pub nodename: String,
    /// `release`.
    pub release: String,
    /// `version`.
    pub version: String,
    /// `machine`.
    pub machine: String,
}

impl Default for UnameFields {
    fn default() -> Self {
        let machine = if cfg!(target_arch = "x86_64") {
            "x86_64"
        } else if cfg!(target_arch = "aarch64") {
            "aarch64"
        } else if cfg!(target_arch = "arm") {
            "arm"
        } else if cfg!(target_arch = "riscv32") {
            "riscv32"
        } else {
            "unknown"
        };
        UnameFields {
            sysname: "uvfs".into(),
            nodename: "uvfs".into(),
            release: env!("CARGO_PKG_VERSION").into(),
            version: concat!("uvfs v", env!("CARGO_PKG_VERSION")).into(),
            machine: machine.into(),
        }
    }
}

struct Mount {
    id: u64,
    point: String,
    fs: BoxedFilesystem,
    readonly: bool,
}

struct OpenFile {
    mount: u64,
    file: FileHandle,
}

struct OpenDir {
    /// The backend listing, if the directory is on a mounted filesystem.
    backend: Option<(u64, DirHandle)>,
    /// Mount points to show in this directory after the backend's entries.
    mount_points: Vec<Name>,
}

/// Where a resolved path leads.
enum Target<'a> {
    /// `/` with nothing mounted there.
    VirtualRoot,
    /// A mounted filesystem, with the path inside it.
    Mounted { index: usize, inner: &'a str },
}

/// The mount table and router: MicroPython's VFS.
///
/// Paths are resolved as the [`path`](crate::path) module's table shows; the mount with the
/// longest matching mount point gets the call. Files and listings opened through the router get
/// the router's own handles, which stay valid until closed or until their mount goes away
/// (then every call on them returns `EBADF`).
///
/// ```
/// use uvfs_os_api::{BoxedFilesystem, Errno, MountOptions, OpenMode, Result};
/// use uvfs_vfs_core::Vfs;
///
/// fn demo(flash: BoxedFilesystem) -> Result<()> {
///     let mut vfs = Vfs::new();
///     vfs.mount(flash, "/flash", MountOptions::default())?;
///     vfs.chdir("/flash")?;
///     let f = vfs.open("boot.py", OpenMode::WRITE)?;
///     vfs.write(f, b"print('hi')\n")?;
///     vfs.close(f)?;
///     assert_eq!(vfs.stat("/flash/boot.py")?.size, 12);
///     assert_eq!(vfs.listdir("/")?, ["flash"]);
///     assert_eq!(vfs.stat("/nowhere").unwrap_err(), Errno::ENODEV);
///     Ok(())
/// }
/// ```
pub struct Vfs {
    mounts: Vec<Mount>,
    next_id: u64,
    cwd: String,
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<OpenDir, DirHandle>,
    uname: UnameFields,
    entropy: Option<Box<dyn EntropySource + Send>>,
}

impl Default for Vfs {
    fn default() -> Self {
        Self::new()
    }
}

impl Vfs {
    /// An empty router: nothing mounted, cwd `/`. Under `std` it takes entropy from the OS.
    pub fn new() -> Vfs {
        Vfs {
            mounts: Vec::new(),
            next_id: 1,
            cwd: String::from("/"),
            files: HandleSlab::new(),
            dirs: HandleSlab::new(),
            uname: UnameFields::default(),
            entropy: default_entropy(),
        }
    }

    /// Replaces `os.uname()`'s fields.
    pub fn set_uname(&mut self, fields: UnameFields) {
        self.uname = fields;
    }

    /// Replaces the entropy source behind `os.urandom`.
    pub fn set_entropy(&mut self, source: Box<dyn EntropySource + Send>) {
        self.entropy = Some(source);
    }

    /// `os.uname()`.
    pub fn uname(&self) -> Uname<'_> {
        Uname {
            sysname: &self.uname.sysname,
            nodename: &self.uname.nodename,
            release: &self.uname.release,
            version: &self.uname.version,
            machine: &self.uname.machine,
        }
    }

    /// `os.urandom(n)`: fills `buf`. `ENODEV` (with a detail) if no entropy source is set (only
    /// possible without `std`).
    pub fn urandom(&mut self, buf: &mut [u8]) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        match self.entropy.as_mut() {
            Some(source) => source.fill(buf),
            None => Err(Errno::ENODEV.with_detail("no entropy source configured")),
        }
    }

    // ---- the mount table -------------------------------------------------------------------

    /// `vfs.mount(fs, mount_point, readonly=...)`: mounts `fs` (calling its
    /// [`mount`](uvfs_os_api::Filesystem::mount) with `readonly` and `mkfs`).
    ///
    /// The mount point is normalised (`/b/` and `/b` are the same; unlike MicroPython, the
    /// trailing slash is not kept). `EPERM` if something is already mounted there.
    pub fn mount(
        &mut self,
        mut fs: BoxedFilesystem,
        mount_point: &str,
        options: MountOptions,
    ) -> Result<()> {
        let point = normalize_mount_point(mount_point, &self.cwd)?;
        if self.mounts.iter().any(|m| m.point == point) {
            return Err(Errno::EPERM.with_detail("mount point in use"));
        }
        fs.mount(options.readonly, options.mkfs)?;
        let id = self.next_id;
        self.next_id += 1;
        self.mounts.push(Mount {
            id,
            point,
            fs,
            readonly: options.readonly,
        });
        Ok(())
    }

    /// `vfs.umount(mount_point)`: unmounts and returns the filesystem. `EINVAL` if nothing is
    /// mounted exactly there. If the filesystem's own unmount fails (its device refused the final
    /// flush), the error is returned and the filesystem stays mounted, so nothing is lost. Files and listings open on it are closed (their handles become
    /// stale); if the cwd was inside it, the cwd becomes `/`.
    pub fn umount(&mut self, mount_point: &str) -> Result<BoxedFilesystem> {
        let point = normalize_mount_point(mount_point, &self.cwd)?;
        let index = self
            .mounts
            .iter()
            .position(|m| m.point == point)
            .ok_or(Error::from(Errno::EINVAL))?;
        let cwd_on_it = self.mount_of(&self.cwd) == Some(index);
        let mut mount = self.mounts.remove(index);
        for h in self.files.handles() {
            if self.files.get(h).map(|f| f.mount) == Ok(mount.id) {
                if let Ok(open) = self.files.remove(h) {
                    let _ = mount.fs.close(open.file);
                }
            }
        }
        for h in self.dirs.handles() {
            let on_mount = self
                .dirs
                .get(h)
                .map(|d| matches!(d.backend, Some((id, _)) if id == mount.id));
            if on_mount == Ok(true) {
                if let Ok(OpenDir {
                    backend: Some((_, dir)),
                    ..
                }) = self.dirs.remove(h)
                {
                    let _ = mount.fs.closedir(dir);
                }
            }
        }
        if cwd_on_it {
            self.cwd = String::from("/");
        }
        if let Err(e) = mount.fs.umount() {
            // Keep it mounted rather than drop a filesystem whose data may not be on the
            // device yet; the caller can retry after fixing the device.
            self.mounts.insert(index, mount);
            return Err(e);
        }
        Ok(mount.fs)
    }

    /// `vfs.mount()`: the mount table in mount order.
    pub fn mounts(&self) -> Vec<MountInfo> {
        self.mounts
            .iter()
            .map(|m| MountInfo {
                path: m.point.clone(),
                type_name: m.fs.type_name(),
                readonly: m.readonly,
            })
            .collect()
    }

    /// The filesystem mounted exactly at `mount_point`, to call backend-specific methods.
    pub fn filesystem_mut(&mut self, mount_point: &str) -> Option<&mut BoxedFilesystem> {
        let point = normalize_mount_point(mount_point, &self.cwd).ok()?;
        self.mounts
            .iter_mut()
            .find(|m| m.point == point)
            .map(|m| &mut m.fs)
    }

    // ---- resolution ------------------------------------------------------------------------

    fn is_mount_point(&self, p: &str) -> bool {
        self.mounts.iter().any(|m| m.point == p)
    }

    /// Index of the mount with the longest mount point containing `path`.
    fn mount_of(&self, path: &str) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (i, m) in self.mounts.iter().enumerate() {
            if strip_mount(path, &m.point).is_some()
                && best.is_none_or(|(_, len)| m.point.len() > len)
            {
                best = Some((i, m.point.len()));
            }
        }
        best.map(|(i, _)| i)
    }

    fn resolve(&self, input: &str) -> Result<path::Resolved> {
        resolve(input, &self.cwd, |p| self.is_mount_point(p))
    }

    fn target<'p>(&self, resolved: &'p str) -> Result<Target<'p>> {
        match self.mount_of(resolved) {
            Some(index) => {
                let inner = strip_mount(resolved, &self.mounts[index].point)
                    .ok_or(Error::bug("bug: mount prefix vanished"))?;
                Ok(Target::Mounted { index, inner })
            }
            None if resolved == "/" => Ok(Target::VirtualRoot),
            None => Err(Errno::ENODEV.into()),
        }
    }

    fn writable(&self, index: usize) -> Result<()> {
        if self.mounts[index].readonly {
            Err(Errno::EROFS.into())
        } else {
            Ok(())
        }
    }

    /// Runs a mutating call on the backend that owns `input`; `what_at_mount_root` is the errno
    /// for the mount point itself (`mkdir` → EEXIST, `rmdir` → EINVAL, ...), `EPERM` on the
    /// virtual root.
    fn mutate(
        &mut self,
        input: &str,
        at_mount_root: Errno,
        op: impl FnOnce(&mut BoxedFilesystem, &str) -> Result<()>,
    ) -> Result<()> {
        let r = self.resolve(input)?;
        match self.target(&r.path)? {
            Target::VirtualRoot => Err(Errno::EPERM.into()),
            Target::Mounted { index, inner } => {
                if inner == "/" {
                    return Err(at_mount_root.into());
                }
                self.writable(index)?;
                op(&mut self.mounts[index].fs, inner)
            }
        }
    }

    // ---- os functions ----------------------------------------------------------------------

    /// `os.getcwd()`.
    pub fn getcwd(&self) -> String {
        self.cwd.clone()
    }

    /// `os.chdir(path)`: `ENOENT` if missing, `ENOTDIR` for a file, `ENODEV` outside every mount.
    pub fn chdir(&mut self, input: &str) -> Result<()> {
        let r = self.resolve(input)?;
        match self.target(&r.path)? {
            Target::VirtualRoot => {}
            Target::Mounted { index, inner } => {
                let st = self.mounts[index].fs.stat(inner)?;
                if st.kind() != FileType::Dir {
                    return Err(Errno::ENOTDIR.into());
                }
            }
        }
        self.cwd = r.path;
        Ok(())
    }

    /// `os.mkdir(path)`. `EEXIST` for a mount point, `EPERM` for the virtual root.
    pub fn mkdir(&mut self, input: &str) -> Result<()> {
        self.mutate(input, Errno::EEXIST, |fs, p| fs.mkdir(p))
    }

    /// `os.remove(path)`.
    pub fn remove(&mut self, input: &str) -> Result<()> {
        let r = self.resolve(input)?;
        if r.trailing_slash {
            if let Ok(st) = self.stat(input) {
                if st.kind() == FileType::File {
                    return Err(Errno::ENOTDIR.into());
                }
            }
        }
        self.mutate(input, Errno::EINVAL, |fs, p| fs.remove(p))
    }

    /// `os.rmdir(path)`. `EINVAL` for a mount point, as MicroPython.
    pub fn rmdir(&mut self, input: &str) -> Result<()> {
        self.mutate(input, Errno::EINVAL, |fs, p| fs.rmdir(p))
    }

    /// `os.rename(old, new)`. `EPERM` across mounts (MicroPython's errno), `EINVAL` for a mount
    /// point on either side; renaming a path to itself does nothing.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let rf = self.resolve(from)?;
        let rt = self.resolve(to)?;
        let (fi, finner) = match self.target(&rf.path)? {
            Target::VirtualRoot => return Err(Errno::EPERM.into()),
            Target::Mounted { index, inner } => (index, inner),
        };
        let (ti, tinner) = match self.target(&rt.path)? {
            Target::VirtualRoot => return Err(Errno::EPERM.into()),
            Target::Mounted { index, inner } => (index, inner),
        };
        if fi != ti {
            return Err(Errno::EPERM.with_detail("rename across mounts"));
        }
        if finner == "/" || tinner == "/" {
            return Err(Errno::EINVAL.into());
        }
        self.writable(fi)?;
        if finner == tinner {
            // MicroPython's LFS1 deletes the file here; uvfs only checks it exists.
            return self.mounts[fi].fs.stat(finner).map(|_| ());
        }
        if uvfs_os_api::path::is_within(tinner, finner) {
            return Err(Errno::EINVAL.with_detail("rename into own subtree"));
        }
        self.mounts[fi].fs.rename(finner, tinner)
    }

    /// `os.stat(path)`. The virtual root and mount points with nothing at `/` report
    /// `(0x4000, 0, ...)` as MicroPython does; a mount point reports its filesystem's root.
    pub fn stat(&mut self, input: &str) -> Result<Stat> {
        let r = self.resolve(input)?;
        match self.target(&r.path)? {
            Target::VirtualRoot => Ok(Stat::DIR),
            Target::Mounted { index, inner } => {
                let st = self.mounts[index].fs.stat(inner)?;
                if r.trailing_slash && st.kind() != FileType::Dir {
                    return Err(Errno::ENOTDIR.into());
                }
                Ok(st)
            }
        }
    }

    /// `os.statvfs(path)`. On the virtual root: the filesystem at `/` if any, else all zeros.
    pub fn statvfs(&mut self, input: &str) -> Result<StatVfs> {
        let r = self.resolve(input)?;
        match self.target(&r.path)? {
            Target::VirtualRoot => Ok(StatVfs::default()),
            Target::Mounted { index, inner } => self.mounts[index].fs.statvfs(inner),
        }
    }

    /// `os.sync()`: syncs every mount, in mount order; the first error is returned after all
    /// were tried.
    pub fn sync(&mut self) -> Result<()> {
        let mut first = Ok(());
        for m in &mut self.mounts {
            if let Err(e) = m.fs.sync() {
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }

    // ---- listings --------------------------------------------------------------------------

    /// `os.ilistdir(path)`: starts a listing. Mount points inside the directory are listed
    /// after the filesystem's own entries, as `(name, 0x4000, 0)` 3-tuples.
    pub fn ilistdir(&mut self, input: &str) -> Result<DirHandle> {
        let r = self.resolve(input)?;
        let mut mount_points = Vec::new();
        for m in &self.mounts {
            if let Some((parent, name)) = path::parent_and_name(&m.point) {
                if parent == r.path {
                    mount_points.push(Name::new(name)?);
                }
            }
        }
        let backend = match self.target(&r.path)? {
            Target::VirtualRoot => None,
            Target::Mounted { index, inner } => {
                let m = &mut self.mounts[index];
                Some((m.id, m.fs.opendir(inner)?))
            }
        };
        Ok(self.dirs.insert(OpenDir {
            backend,
            mount_points,
        }))
    }

    /// The next entry of a listing, `None` at the end.
    pub fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        let open = self.dirs.get_mut(dir)?;
        if let Some((id, handle)) = open.backend {
            let m = self
                .mounts
                .iter_mut()
                .find(|m| m.id == id)
                .ok_or(Error::from(Errno::EBADF))?;
            match m.fs.readdir(handle)? {
                Some(entry) if !uvfs_os_api::path::is_component(entry.name.as_str()) => {
                    // Damaged media: a name no path can reach (or one with a `/`, which would
                    // reach something else). The listing can go on past it.
                    return Err(Errno::EIO.with_detail("damaged directory entry: not a name"));
                }
                Some(entry) => {
                    // A directory of the same name as a mount point is shadowed by the mount.
                    open.mount_points.retain(|n| *n != entry.name);
                    return Ok(Some(entry));
                }
                None => {
                    let _ = m.fs.closedir(handle);
                    open.backend = None;
                }
            }
        }
        if open.mount_points.is_empty() {
            return Ok(None);
        }
        let name = open.mount_points.remove(0);
        Ok(Some(DirEntry {
            name,
            kind: FileType::Dir,
            inode: 0,
            size: None,
        }))
    }

    /// Ends a listing.
    pub fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        let open = self.dirs.remove(dir)?;
        if let Some((id, handle)) = open.backend {
            if let Some(m) = self.mounts.iter_mut().find(|m| m.id == id) {
                m.fs.closedir(handle)?;
            }
        }
        Ok(())
    }

    /// `list(os.ilistdir(path))`.
    pub fn ilistdir_all(&mut self, input: &str) -> Result<Vec<DirEntry>> {
        let dir = self.ilistdir(input)?;
        let mut out = Vec::new();
        loop {
            match self.readdir(dir) {
                Ok(Some(e)) => out.push(e),
                Ok(None) => break,
                Err(e) => {
                    let _ = self.closedir(dir);
                    return Err(e);
                }
            }
        }
        self.closedir(dir)?;
        Ok(out)
    }

    /// `os.listdir(path)`.
    pub fn listdir(&mut self, input: &str) -> Result<Vec<String>> {
        Ok(self
            .ilistdir_all(input)?
            .into_iter()
            .map(|e| String::from(e.name.as_str()))
            .collect())
    }

    // ---- files -----------------------------------------------------------------------------

    /// `open(path, mode)`. `EPERM` on the virtual root (as MicroPython), `EROFS` at once for a
    /// writing mode on a read-only mount, `EISDIR`/`ENOTDIR` for a path ending in `/`.
    pub fn open(&mut self, input: &str, mode: OpenMode) -> Result<FileHandle> {
        let r = self.resolve(input)?;
        let (index, inner) = match self.target(&r.path)? {
            Target::VirtualRoot => return Err(Errno::EPERM.into()),
            Target::Mounted { index, inner } => (index, inner),
        };
        if mode.write {
            self.writable(index)?;
        }
        let m = &mut self.mounts[index];
        if r.trailing_slash || inner == "/" {
            return Err(match m.fs.stat(inner) {
                Ok(st) if st.kind() == FileType::File => Errno::ENOTDIR,
                Err(e) if e.errno() == Errno::ENOENT && !mode.create => Errno::ENOENT,
                _ => Errno::EISDIR,
            }
            .into());
        }
        let file = m.fs.open(inner, mode)?;
        let id = m.id;
        Ok(self.files.insert(OpenFile { mount: id, file }))
    }

    fn file(&mut self, file: FileHandle) -> Result<(&mut BoxedFilesystem, FileHandle)> {
        let open = self.files.get(file)?;
        let (id, inner) = (open.mount, open.file);
        let m = self
            .mounts
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(Error::from(Errno::EBADF))?;
        Ok((&mut m.fs, inner))
    }

    /// `file.readinto(buf)`.
    pub fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let (fs, f) = self.file(file)?;
        fs.read(f, buf)
    }

    /// `file.write(data)`.
    pub fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        let (fs, f) = self.file(file)?;
        fs.write(f, data)
    }

    /// `file.seek(...)`.
    pub fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        let (fs, f) = self.file(file)?;
        fs.seek(f, pos)
    }

    /// `file.flush()`.
    pub fn flush(&mut self, file: FileHandle) -> Result<()> {
        let (fs, f) = self.file(file)?;
        fs.flush(f)
    }

    /// `file.truncate(len)`.
    pub fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        let (fs, f) = self.file(file)?;
        fs.truncate(f, len)
    }

    /// `file.close()`. The handle is stale afterwards even if the backend reports an error.
    pub fn close(&mut self, file: FileHandle) -> Result<()> {
        let (fs, f) = self.file(file)?;
        let result = fs.close(f);
        self.files.remove(file)?;
        result
    }

    /// Number of files open through the router.
    pub fn open_files(&self) -> usize {
        self.files.len()
    }
}

#[cfg(feature = "std")]
fn default_entropy() -> Option<Box<dyn EntropySource + Send>> {
    Some(Box::new(crate::std_impls::OsEntropy))
}

#[cfg(not(feature = "std"))]
fn default_entropy() -> Option<Box<dyn EntropySource + Send>> {
    None
}
