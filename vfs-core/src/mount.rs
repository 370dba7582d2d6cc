//! [`Vfs`]: the mount table and router.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{
    BoxedFilesystem, DirEntry, DirHandle, EntropySource, Errno, Error, FileHandle, FileType,
    HandleSlab, MountInfo, MountOptions, Name, OpenMode, Result, SeekFrom, Stat, StatVfs, Uname,
};

use crate::path::normalize_mount_point;

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
    /// The filesystem's own current directory (normalised, `/` at first): relative paths are
    /// joined to it when this mount is the current one, as MicroPython's backends keep theirs.
    cwd: String,
}

struct OpenFile {
    mount: u64,
    file: FileHandle,
}

struct OpenDir {
    /// The backend listing, if the directory is on a mounted filesystem.
    backend: Option<(u64, DirHandle)>,
    /// Mount points to list before the backend's entries (the virtual root only).
    mount_points: Vec<Name>,
}

/// Where a path leads, found as MicroPython's `mp_vfs_lookup_path` finds it.
enum Target<'a> {
    /// `/` (or `""` with the cwd at `/`): the virtual root, even with a filesystem at `/`.
    VirtualRoot,
    /// A mounted filesystem and the path it gets (absolute, as spelled).
    Mounted { index: usize, path: Cow<'a, str> },
    /// No mount holds the path (`ENODEV` for most calls).
    NoDevice,
}

/// The mount table and router: MicroPython's VFS.
///
/// Paths are routed as MicroPython routes them: an absolute path (or any path while the cwd is
/// `/`) goes to the first mount, in table order, whose mount point is a prefix of it by whole
/// components, and that filesystem gets the rest **as spelled** (`/t//a/./b/` gives `//a/./b/`;
/// the mount point itself gives `/`); a relative path goes to the current mount, joined to that
/// filesystem's own cwd. The filesystem at `/`, if any, comes last, after every other mount.
/// `.`, `..` and trailing slashes are the backend's to resolve, as each MicroPython backend
/// resolves them (see [`Filesystem`](uvfs_os_api::Filesystem)); so `..` never climbs out of a
/// mount. Files and listings opened through the router get the router's own handles, which stay
/// valid until closed or until their mount goes away (then every call on them returns `EBADF`).
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
    /// In lookup order: every mount in mount order, the one at `/` (if any) last.
    mounts: Vec<Mount>,
    next_id: u64,
    /// The current mount (`None`: the virtual root).
    cwd: Option<u64>,
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
            cwd: None,
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
    /// The mount point is normalised (`/b/` and `/b` are the same; unlike MicroPython, which keeps
    /// `/b/` literally and then cannot reach `/b/x` through it). As in MicroPython, `EPERM` if the
    /// mount point is taken or lies inside another mount (only a filesystem at `/` may have
    /// mounts inside it); unlike MicroPython, that is checked before `fs` is touched, so
    /// `mkfs` never formats a volume whose mount is refused.
    pub fn mount(
        &mut self,
        mut fs: BoxedFilesystem,
        mount_point: &str,
        options: MountOptions,
    ) -> Result<()> {
        let point = self.check_mount_point(mount_point)?;
        fs.mount(options.readonly, options.mkfs)?;
        let id = self.next_id;
        self.next_id += 1;
        let mount = Mount {
            id,
            point,
            fs,
            readonly: options.readonly,
            cwd: String::from("/"),
        };
        // The filesystem at `/` stays last, so that every other mount point is found first.
        match self.mounts.iter().position(|m| m.point == "/") {
            Some(root) if mount.point != "/" => self.mounts.insert(root, mount),
            _ => self.mounts.push(mount),
        }
        Ok(())
    }

    /// Whether a filesystem could be mounted at `mount_point` (what [`mount`](Vfs::mount) checks
    /// before touching the filesystem): the normalised mount point, or `EPERM` if it is taken or
    /// lies inside another mount that is not at `/`.
    pub fn check_mount_point(&self, mount_point: &str) -> Result<String> {
        let point = normalize_mount_point(mount_point, &self.getcwd())?;
        if self.mounts.iter().any(|m| m.point == point) {
            return Err(Errno::EPERM.with_detail("mount point in use"));
        }
        if let Ok(Target::Mounted { index, .. }) = self.lookup(&point) {
            if self.mounts[index].point != "/" {
                return Err(Errno::EPERM.with_detail("mount point inside another mount"));
            }
        }
        Ok(point)
    }

    /// `vfs.umount(mount_point)`: unmounts and returns the filesystem. `EINVAL` unless
    /// `mount_point` is spelled exactly as the mount table has it (as MicroPython compares
    /// strings). If the filesystem's own unmount fails (its device refused the final flush), the
    /// error is returned and the filesystem stays mounted, so nothing is lost. Files and listings
    /// open on it are closed (their handles become stale); if it was the current mount, the cwd
    /// becomes `/`.
    pub fn umount(&mut self, mount_point: &str) -> Result<BoxedFilesystem> {
        let index = self
            .mounts
            .iter()
            .position(|m| m.point == mount_point)
            .ok_or(Error::from(Errno::EINVAL))?;
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
        if let Err(e) = mount.fs.umount() {
            // Keep it mounted rather than drop a filesystem whose data may not be on the
            // device yet; the caller can retry after fixing the device.
            self.mounts.insert(index, mount);
            return Err(e);
        }
        if self.cwd == Some(mount.id) {
            self.cwd = None;
        }
        Ok(mount.fs)
    }

    /// `vfs.mount()`: the mount table in lookup order (mount order, the filesystem at `/` last).
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
        let point = normalize_mount_point(mount_point, &self.getcwd()).ok()?;
        self.mounts
            .iter_mut()
            .find(|m| m.point == point)
            .map(|m| &mut m.fs)
    }

    // ---- routing ---------------------------------------------------------------------------

    fn current(&self) -> Option<usize> {
        let id = self.cwd?;
        self.mounts.iter().position(|m| m.id == id)
    }

    /// Finds where `input` leads, as MicroPython's `mp_vfs_lookup_path` does. `ENODEV` when no
    /// mount holds it, `ENOENT` for `""` outside the virtual root... (see the table in the
    /// [`path`](crate::path) module).
    fn lookup<'p>(&self, input: &'p str) -> Result<Target<'p>> {
        if input.contains('\0') {
            return Err(Errno::EINVAL.with_detail("path contains NUL"));
        }
        let current = self.current();
        let absolute = input.starts_with('/');
        if let (false, Some(index)) = (absolute, current) {
            let m = &self.mounts[index];
            return Ok(Target::Mounted {
                index,
                path: Cow::Owned(uvfs_os_api::path::join(&m.cwd, input)),
            });
        }
        let rest = input.strip_prefix('/').unwrap_or(input);
        if rest.is_empty() {
            return Ok(Target::VirtualRoot);
        }
        for (index, m) in self.mounts.iter().enumerate() {
            if m.point == "/" {
                let path = if absolute {
                    Cow::Borrowed(input)
                } else {
                    Cow::Owned(uvfs_os_api::path::join(&m.cwd, input))
                };
                return Ok(Target::Mounted { index, path });
            }
            let Some(after) = rest.strip_prefix(&m.point[1..]) else {
                continue;
            };
            if after.is_empty() {
                return Ok(Target::Mounted {
                    index,
                    path: Cow::Borrowed("/"),
                });
            }
            if after.starts_with('/') {
                return Ok(Target::Mounted {
                    index,
                    path: Cow::Borrowed(after),
                });
            }
        }
        Ok(Target::NoDevice)
    }

    /// Runs a call on the filesystem `input` leads to; `EPERM` for the virtual root (as
    /// MicroPython's proxy call), `ENODEV` outside every mount.
    fn on_backend<T>(
        &mut self,
        input: &str,
        op: impl FnOnce(&mut BoxedFilesystem, &str) -> Result<T>,
    ) -> Result<T> {
        match self.lookup(input)? {
            Target::VirtualRoot => Err(Errno::EPERM.into()),
            Target::NoDevice => Err(Errno::ENODEV.into()),
            Target::Mounted { index, path } => {
                let path = path.into_owned();
                op(&mut self.mounts[index].fs, &path)
            }
        }
    }

    // ---- os functions ----------------------------------------------------------------------

    /// `os.getcwd()`: the current mount point joined with that filesystem's own cwd, `/` at the
    /// virtual root.
    pub fn getcwd(&self) -> String {
        let Some(index) = self.current() else {
            return String::from("/");
        };
        let m = &self.mounts[index];
        if m.point == "/" {
            return m.cwd.clone();
        }
        let mut out = m.point.clone();
        if m.cwd != "/" {
            out.push_str(&m.cwd);
        }
        out
    }

    /// `os.chdir(path)`. Inside a mount the filesystem checks the path
    /// ([`Filesystem::chdir`](uvfs_os_api::Filesystem::chdir): littlefs says `ENOENT` for
    /// anything that is not a directory) and its cwd becomes the path, normalised; `/` is the
    /// virtual root (and the cwd of a filesystem mounted at `/` goes back to its root).
    /// `ENODEV` outside every mount.
    pub fn chdir(&mut self, input: &str) -> Result<()> {
        match self.lookup(input)? {
            Target::VirtualRoot => {
                if let Some(root) = self.mounts.iter_mut().find(|m| m.point == "/") {
                    root.fs.chdir("/")?;
                    root.cwd = String::from("/");
                }
                self.cwd = None;
            }
            Target::Mounted { index, path } => {
                let path = path.into_owned();
                let m = &mut self.mounts[index];
                m.fs.chdir(&path)?;
                m.cwd = uvfs_os_api::path::normalize(&path)?.path;
                self.cwd = Some(m.id);
            }
            Target::NoDevice => return Err(Errno::ENODEV.into()),
        }
        Ok(())
    }

    /// `os.mkdir(path)`. `EEXIST` for the virtual root and for a mount point itself.
    pub fn mkdir(&mut self, input: &str) -> Result<()> {
        match self.lookup(input)? {
            Target::VirtualRoot => Err(Errno::EEXIST.into()),
            Target::NoDevice => Err(Errno::ENODEV.into()),
            Target::Mounted { path, .. } if path == "/" => Err(Errno::EEXIST.into()),
            Target::Mounted { index, path } => {
                let path = path.into_owned();
                self.mounts[index].fs.mkdir(&path)
            }
        }
    }

    /// `os.remove(path)`.
    pub fn remove(&mut self, input: &str) -> Result<()> {
        self.on_backend(input, |fs, p| fs.remove(p))
    }

    /// `os.rmdir(path)`.
    pub fn rmdir(&mut self, input: &str) -> Result<()> {
        self.on_backend(input, |fs, p| fs.rmdir(p))
    }

    /// `os.rename(old, new)`. `EPERM` when the two paths lead to different mounts (or to the
    /// virtual root), as MicroPython. Renaming a directory into its own subtree is `EINVAL`
    /// where MicroPython's backends do it and lose the subtree.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        // As MicroPython: both looked up, then compared; only two paths in one mount reach it.
        let key = |t: &Target<'_>| match t {
            Target::VirtualRoot => -1,
            Target::NoDevice => -2,
            Target::Mounted { index, .. } => *index as i64,
        };
        let (a, b) = (self.lookup(from)?, self.lookup(to)?);
        if key(&a) != key(&b) {
            return Err(Errno::EPERM.with_detail("rename across mounts"));
        }
        match (a, b) {
            (Target::Mounted { index, path: fp }, Target::Mounted { path: tp, .. }) => {
                let (fp, tp) = (fp.into_owned(), tp.into_owned());
                let m = &mut self.mounts[index];
                m.fs.rename(&fp, &tp)?;
                // A backend whose cwd is a directory (FatFs, the host) follows it to its new name.
                if m.fs.cwd_follows_renames() {
                    if let (Ok(f), Ok(t)) = (
                        uvfs_os_api::path::normalize(&fp),
                        uvfs_os_api::path::normalize(&tp),
                    ) {
                        if let Some(rest) = m.cwd.strip_prefix(f.path.as_str()) {
                            if f.path != "/" && (rest.is_empty() || rest.starts_with('/')) {
                                m.cwd = alloc::format!("{}{rest}", t.path);
                            }
                        }
                    }
                }
                Ok(())
            }
            (Target::NoDevice, _) => Err(Errno::ENODEV.into()),
            _ => Err(Errno::EPERM.into()),
        }
    }

    /// `os.stat(path)`. The virtual root (also `/` with a filesystem mounted there) reports
    /// `(0x4000, 0, ...)` as MicroPython does; a mount point reports its filesystem's root.
    pub fn stat(&mut self, input: &str) -> Result<Stat> {
        match self.lookup(input)? {
            Target::VirtualRoot => Ok(Stat::DIR),
            Target::NoDevice => Err(Errno::ENODEV.into()),
            Target::Mounted { index, path } => {
                let path = path.into_owned();
                self.mounts[index].fs.stat(&path)
            }
        }
    }

    /// `os.statvfs(path)`. On the virtual root: the filesystem at `/` if any, else zeros (and
    /// `namemax` 4096, MicroPython's path buffer).
    pub fn statvfs(&mut self, input: &str) -> Result<StatVfs> {
        match self.lookup(input)? {
            Target::VirtualRoot => match self.mounts.iter_mut().find(|m| m.point == "/") {
                Some(root) => root.fs.statvfs("/"),
                None => Ok(StatVfs {
                    namemax: 4096,
                    ..StatVfs::default()
                }),
            },
            Target::NoDevice => Err(Errno::ENODEV.into()),
            Target::Mounted { index, path } => {
                let path = path.into_owned();
                self.mounts[index].fs.statvfs(&path)
            }
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

    /// `os.ilistdir(path)`: starts a listing. The virtual root lists every mount point (as
    /// `(name, 0x4000, 0)` 3-tuples, in table order) and then, if a filesystem is mounted at
    /// `/`, that filesystem's own entries.
    pub fn ilistdir(&mut self, input: &str) -> Result<DirHandle> {
        let (backend, mount_points) = match self.lookup(input)? {
            Target::VirtualRoot => {
                let mut names = Vec::new();
                let mut backend = None;
                for m in &mut self.mounts {
                    if m.point == "/" {
                        backend = Some((m.id, m.fs.opendir("/")?));
                    } else {
                        names.push(Name::new(&m.point[1..])?);
                    }
                }
                (backend, names)
            }
            Target::NoDevice => return Err(Errno::ENODEV.into()),
            Target::Mounted { index, path } => {
                let path = path.into_owned();
                let m = &mut self.mounts[index];
                (Some((m.id, m.fs.opendir(&path)?)), Vec::new())
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
        if !open.mount_points.is_empty() {
            let name = open.mount_points.remove(0);
            return Ok(Some(DirEntry {
                name,
                kind: FileType::Dir,
                inode: 0,
                size: None,
            }));
        }
        let Some((id, handle)) = open.backend else {
            return Ok(None);
        };
        let m = self
            .mounts
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(Error::from(Errno::EBADF))?;
        match m.fs.readdir(handle)? {
            Some(entry) if !uvfs_os_api::path::is_component(entry.name.as_str()) => {
                // Damaged media: a name no path can reach (or one with a `/`, which would
                // reach something else). The listing can go on past it.
                Err(Errno::EIO.with_detail("damaged directory entry: not a name"))
            }
            Some(entry) => Ok(Some(entry)),
            None => {
                let _ = m.fs.closedir(handle);
                open.backend = None;
                Ok(None)
            }
        }
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

    /// `open(path, mode)`. `EPERM` on the virtual root (as MicroPython), `ENODEV` outside every
    /// mount; everything else (trailing slashes, directories, read-only mounts) is the
    /// filesystem's answer.
    pub fn open(&mut self, input: &str, mode: OpenMode) -> Result<FileHandle> {
        let (index, path) = match self.lookup(input)? {
            Target::VirtualRoot => return Err(Errno::EPERM.into()),
            Target::NoDevice => return Err(Errno::ENODEV.into()),
            Target::Mounted { index, path } => (index, path.into_owned()),
        };
        let m = &mut self.mounts[index];
        let file = m.fs.open(&path, mode)?;
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
