#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod errno;
mod host;

use std::fmt;
use std::fs;
use std::io::{self, Read as _, Seek as _, Write as _};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// The cap-std version `VfsPosix` is built on, for [`VfsPosix::from_dir`].
pub use cap_std;

use uvfs_os_api::{
    DirEntry, DirHandle, Errno, Error, FileHandle, FileType, Filesystem, HandleSlab, Name,
    OpenMode, Result, SeekFrom, Stat, StatVfs,
};

use crate::errno::{from_io, SPECIAL_FILE};
use crate::host::{file_stat, Host, Lister};

/// How many times a call interrupted by a signal (`EINTR`) is retried before the errno is
/// returned.
const EINTR_RETRIES: usize = 64;

/// Runs `f`, retrying while the host reports `EINTR` (a bounded number of times).
fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let eintr = rustix::io::Errno::INTR.raw_os_error();
    let mut left = EINTR_RETRIES;
    loop {
        match f() {
            Err(e) if e.raw_os_error() == Some(eintr) && left > 0 => left -= 1,
            r => return r,
        }
    }
}

/// An open file.
struct OpenFile {
    file: fs::File,
    read: bool,
    write: bool,
    /// Written or truncated since the last `fsync`.
    dirty: bool,
}

/// MicroPython's `VfsPosix`: the host filesystem as a uvfs [`Filesystem`], confined to a root
/// directory when it has one.
///
/// - [`VfsPosix::new`]`(Some(root))` (MicroPython's `VfsPosix(root)`): everything below `root`,
///   and nothing outside it. The root is opened once, as a capability, when the `VfsPosix` is
///   made; every path is then resolved below that open directory by cap-std, so renaming or
///   replacing `root` on the host later does not move the jail. See the crate documentation for
///   what the jail guarantees and what it does not, and [`errno`] for the errno of each refusal.
/// - [`VfsPosix::new`]`(None)` (MicroPython's `VfsPosix()`): the host's whole filesystem, with
///   the host's own path resolution. **Not confined in any way**: symlinks lead wherever they
///   point, as in MicroPython.
///
/// Paths reach it from the router absolute and normalised (see [`Filesystem`]); `"/"` is the
/// root directory itself. It keeps no cwd of its own (the router does). Errnos are the host's
/// ([`errno`]).
pub struct VfsPosix {
    host: Host,
    /// The root as given to [`VfsPosix::new`], for display.
    root: Option<PathBuf>,
    /// `Some(readonly)` while mounted.
    mounted: Option<bool>,
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<Lister, DirHandle>,
}

impl fmt::Debug for VfsPosix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VfsPosix")
            .field("root", &self.root)
            .field("confined", &self.is_confined())
            .field("mounted", &self.mounted)
            .field("open_files", &self.files.len())
            .field("open_dirs", &self.dirs.len())
            .finish()
    }
}

impl VfsPosix {
    /// MicroPython's `VfsPosix(root)`: `Some(root)` confines the filesystem to the directory
    /// `root` (opened now, relative to the process's current directory if relative); `None` is
    /// the host's whole filesystem, unconfined. Unmounted; call
    /// [`mount`](Filesystem::mount) or give it to a router.
    ///
    /// Errors are the host's: `ENOENT` if `root` does not exist, `ENOTDIR` if it is a file,
    /// `EACCES` if it cannot be opened.
    pub fn new(root: Option<&Path>) -> Result<VfsPosix> {
        let host = match root {
            Some(root) => Host::Jail(
                cap_std::fs::Dir::open_ambient_dir(root, cap_std::ambient_authority())
                    .map_err(|e| from_io(&e))?,
            ),
            None => Host::Whole,
        };
        Ok(VfsPosix::with_host(host, root.map(Path::to_path_buf)))
    }

    /// A `VfsPosix` confined to a directory already opened as a cap-std capability.
    pub fn from_dir(dir: cap_std::fs::Dir) -> VfsPosix {
        VfsPosix::with_host(Host::Jail(dir), None)
    }

    fn with_host(host: Host, root: Option<PathBuf>) -> VfsPosix {
        VfsPosix {
            host,
            root,
            mounted: None,
            files: HandleSlab::new(),
            dirs: HandleSlab::new(),
        }
    }

    /// Whether paths are confined to a root directory (false for `VfsPosix::new(None)`).
    pub fn is_confined(&self) -> bool {
        self.host.is_jail()
    }

    /// The root path given to [`VfsPosix::new`] (`None` for the whole host, or when made
    /// [`from_dir`](VfsPosix::from_dir)).
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    // ---- checks ----------------------------------------------------------------------------

    fn ready(&self) -> Result<()> {
        match self.mounted {
            Some(_) => Ok(()),
            None => Err(Errno::ENODEV.with_detail("not mounted")),
        }
    }

    /// Mounted, and a path the host can take. The path goes to the host as the router passed it
    /// (`//`, `.`, `..` and trailing slashes included), below the root, as MicroPython's
    /// `VfsPosix` passes it: the kernel resolves it (inside the jail, never above the root).
    fn ready_path(&self, p: &str) -> Result<()> {
        self.ready()?;
        if !p.starts_with('/') {
            return Err(Errno::EINVAL.with_detail("path is not absolute"));
        }
        if p.contains('\0') {
            return Err(Errno::EINVAL.with_detail("path contains NUL"));
        }
        Ok(())
    }

    fn writable(&self) -> Result<()> {
        match self.mounted {
            Some(false) => Ok(()),
            Some(true) => Err(Errno::EROFS.into()),
            None => Err(Errno::ENODEV.with_detail("not mounted")),
        }
    }

    fn file(&mut self, file: FileHandle) -> Result<&mut OpenFile> {
        self.ready()?;
        self.files.get_mut(file)
    }

    /// Closes every file (syncing those written to) and listing; the first error is returned
    /// after all are closed.
    fn close_all(&mut self) -> Result<()> {
        let mut first = Ok(());
        for h in self.files.handles() {
            if let Ok(open) = self.files.remove(h) {
                if let Err(e) = sync_file(&open) {
                    first = first.and(Err(e));
                }
            }
        }
        for h in self.dirs.handles() {
            let _ = self.dirs.remove(h);
        }
        first
    }
}

/// `fsync`s a file if it was written to since the last one.
fn sync_file(open: &OpenFile) -> Result<()> {
    if open.dirty {
        retry(|| open.file.sync_all()).map_err(|e| from_io(&e))?;
    }
    Ok(())
}

/// What `open` accepts once the host opened something: `EISDIR` for a directory
/// (MicroPython's Posix opens it; uvfs's policy refuses), and in a jail [`SPECIAL_FILE`] for
/// anything but a regular file (the file is dropped, closed, unread).
fn check_opened(file: &fs::File, jail: bool) -> Result<()> {
    let ft = file.metadata().map_err(io_err)?.file_type();
    if ft.is_dir() {
        return Err(Errno::EISDIR.into());
    }
    if jail && !ft.is_file() {
        return Err(SPECIAL_FILE.with_detail("not a regular file"));
    }
    Ok(())
}

fn io_err(e: io::Error) -> Error {
    from_io(&e)
}

impl Filesystem for VfsPosix {
    fn type_name(&self) -> &'static str {
        "VfsPosix"
    }

    /// Mounts. `EPERM` if already mounted; the host's errno if the root can no longer be
    /// reached. `mkfs` does nothing: a host directory needs no formatting, and `VfsPosix` never
    /// erases host files.
    fn mount(&mut self, readonly: bool, _mkfs: bool) -> Result<()> {
        if self.mounted.is_some() {
            return Err(Errno::EPERM.with_detail("already mounted"));
        }
        self.host.check().map_err(io_err)?;
        self.files = HandleSlab::new();
        self.dirs = HandleSlab::new();
        self.mounted = Some(readonly);
        Ok(())
    }

    /// Closes every file and listing, makes the filesystem's changes durable (`syncfs`), and
    /// unmounts. If that fails, the files are closed but it stays mounted, so a retry can
    /// succeed.
    fn umount(&mut self) -> Result<()> {
        self.ready()?;
        let closed = self.close_all();
        if self.mounted == Some(false) {
            retry(|| self.host.sync()).map_err(io_err)?;
        }
        closed?;
        self.mounted = None;
        Ok(())
    }

    fn open(&mut self, p: &str, mode: OpenMode) -> Result<FileHandle> {
        self.ready_path(p)?;
        let writing = mode.write || mode.create || mode.truncate || mode.append;
        if !mode.read && !writing {
            return Err(Errno::EINVAL.with_detail("mode neither reads nor writes"));
        }
        if writing {
            self.writable()?;
        }
        if self.host.is_jail() && !mode.exclusive {
            // Refuse special files before opening them: opening a device can act on it (a
            // watchdog starts, a tape rewinds). The check after the open below covers a file
            // swapped in between.
            if let Ok(st) = retry(|| self.host.stat(p)) {
                if !matches!(st.mode & 0xF000, 0x4000 | 0x8000) {
                    return Err(SPECIAL_FILE.with_detail("not a regular file"));
                }
            }
        }
        let file = retry(|| self.host.open(p, &mode)).map_err(io_err)?;
        check_opened(&file, self.host.is_jail())?;
        Ok(self.files.insert(OpenFile {
            file,
            read: mode.read,
            write: mode.write || mode.append,
            dirty: false,
        }))
    }

    /// Closes a file, first `fsync`ing it if it was written to (the contract makes `close` a
    /// point where data is durable). The handle is invalid afterwards, even on error.
    fn close(&mut self, file: FileHandle) -> Result<()> {
        self.ready()?;
        let open = self.files.remove(file)?;
        sync_file(&open)
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let open = self.file(file)?;
        if !open.read {
            return Err(Errno::EBADF.with_detail("file not open for reading"));
        }
        retry(|| open.file.read(buf)).map_err(io_err)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        let open = self.file(file)?;
        if !open.write {
            return Err(Errno::EBADF.with_detail("file not open for writing"));
        }
        if data.is_empty() {
            return Ok(0);
        }
        let n = retry(|| open.file.write(data)).map_err(io_err)?;
        open.dirty = true;
        if n == 0 {
            return Err(Errno::EIO.with_detail("the host accepted no bytes"));
        }
        Ok(n)
    }

    /// Moves the position with the host's `lseek`; its errno (`EINVAL` before the start or
    /// past the largest offset the host allows) is returned as it is.
    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        let open = self.file(file)?;
        let pos = match pos {
            SeekFrom::Start(n) => io::SeekFrom::Start(n),
            SeekFrom::Current(d) => io::SeekFrom::Current(d),
            SeekFrom::End(d) => io::SeekFrom::End(d),
        };
        retry(|| open.file.seek(pos)).map_err(io_err)
    }

    /// `fsync`s the file if it was written to since the last one.
    fn flush(&mut self, file: FileHandle) -> Result<()> {
        let open = self.file(file)?;
        sync_file(open)?;
        open.dirty = false;
        Ok(())
    }

    /// `ftruncate`. `EFBIG` for a length the host's `off_t` cannot hold.
    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        let open = self.file(file)?;
        if !open.write {
            return Err(Errno::EBADF.with_detail("file not open for writing"));
        }
        if i64::try_from(len).is_err() {
            return Err(Errno::EFBIG.into());
        }
        retry(|| open.file.set_len(len)).map_err(io_err)?;
        open.dirty = true;
        Ok(())
    }

    fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        self.ready_path(p)?;
        let lister = retry(|| self.host.read_dir(p)).map_err(io_err)?;
        Ok(self.dirs.insert(lister))
    }

    /// The next entry: MicroPython's Posix 3-tuple (name, type, host inode; no size). A
    /// symlink is listed with the type of what it leads to inside the jail: a directory if it
    /// leads to one, else a file (also when it dangles, loops or leads out). A name that is not
    /// UTF-8 is shown with U+FFFD in place of the bad bytes.
    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.ready()?;
        let lister = self.dirs.get_mut(dir)?;
        let Some(raw) = lister.next_entry() else {
            return Ok(None);
        };
        let raw = raw.map_err(io_err)?;
        let is_dir = raw.is_dir || (raw.is_symlink && self.host.link_is_dir(lister, &raw.name));
        Ok(Some(DirEntry {
            name: Name::from_bytes_lossy(raw.name.as_bytes()),
            kind: if is_dir {
                FileType::Dir
            } else {
                FileType::File
            },
            inode: raw.ino,
            size: None,
        }))
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.ready()?;
        self.dirs.remove(dir).map(|_| ())
    }

    fn mkdir(&mut self, p: &str) -> Result<()> {
        self.ready_path(p)?;
        self.writable()?;
        if p == "/" {
            return Err(Errno::EEXIST.into());
        }
        retry(|| self.host.create_dir(p)).map_err(io_err)
    }

    /// `unlink` as the kernel answers it: a directory (the root, `d/.`, `d/..`, `d/`) is
    /// `EISDIR`, `f/` is `ENOTDIR`.
    fn remove(&mut self, p: &str) -> Result<()> {
        self.ready_path(p)?;
        self.writable()?;
        let last = p.rsplit('/').find(|c| !c.is_empty());
        if matches!(last, None | Some(".") | Some("..")) || p.ends_with('/') {
            return Err(match self.stat(p)?.kind() {
                FileType::Dir => Errno::EISDIR,
                FileType::File => Errno::ENOTDIR,
            }
            .into());
        }
        retry(|| self.host.remove_file(p)).map_err(io_err)
    }

    /// `rmdir` as the kernel answers it: `d/..` is `ENOTEMPTY`, `d/.` `EINVAL`, a trailing
    /// slash is fine. The root is `ENOTEMPTY` while it holds anything (the kernel would remove
    /// an empty root, which the jail refuses with `EBUSY`).
    fn rmdir(&mut self, p: &str) -> Result<()> {
        self.ready_path(p)?;
        self.writable()?;
        let trimmed = p.trim_end_matches('/');
        match trimmed.rsplit('/').find(|c| !c.is_empty()) {
            None => {
                let dir = self.opendir("/")?;
                let any = self.readdir(dir).map(|e| e.is_some());
                let _ = self.closedir(dir);
                return Err(if any? { Errno::ENOTEMPTY } else { Errno::EBUSY }.into());
            }
            Some("..") => {
                self.stat(p)?;
                return Err(Errno::ENOTEMPTY.into());
            }
            Some(".") => {
                self.stat(p)?;
                return Err(Errno::EINVAL.into());
            }
            Some(_) => {}
        }
        retry(|| self.host.remove_dir(trimmed)).map_err(io_err)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.ready_path(from)?;
        self.ready_path(to)?;
        self.writable()?;
        // The root itself, however spelled without leaving it (`/`, `//`, `/.`).
        let is_root = |p: &str| p.split('/').all(|c| c.is_empty() || c == ".");
        if is_root(from) || is_root(to) {
            return Err(Errno::EINVAL.with_detail("cannot rename the root"));
        }
        // Everything else is the host's answer, errno included (a directory into its own
        // subtree is the kernel's EINVAL).
        retry(|| self.host.rename(from, to)).map_err(io_err)
    }

    /// The host's `stat` (following symlinks, inside the jail): mode with permission bits,
    /// inode, device, links, owner, size and times in seconds.
    fn stat(&mut self, p: &str) -> Result<Stat> {
        self.ready_path(p)?;
        retry(|| self.host.stat(p)).map_err(io_err)
    }

    /// The host's cwd is a directory: renaming it moves the cwd along.
    fn cwd_follows_renames(&self) -> bool {
        true
    }

    /// MicroPython's `VfsPosix.chdir` is the host's `chdir`: its errno (`ENOTDIR` for a file).
    fn chdir(&mut self, p: &str) -> Result<()> {
        if self.stat(p)?.kind() == FileType::Dir {
            Ok(())
        } else {
            Err(Errno::ENOTDIR.into())
        }
    }

    /// The host's `statvfs` of the filesystem holding `p`.
    fn statvfs(&mut self, p: &str) -> Result<StatVfs> {
        self.ready_path(p)?;
        retry(|| self.host.statvfs(p)).map_err(io_err)
    }

    /// `fsync`s every file written to, then `syncfs` on the filesystem holding the root (`sync`
    /// for the whole host, and where `syncfs` does not exist).
    fn sync(&mut self) -> Result<()> {
        self.ready()?;
        let mut first = Ok(());
        for (_, open) in self.files.iter_mut() {
            match sync_file(open) {
                Ok(()) => open.dirty = false,
                Err(e) => first = first.and(Err(e)),
            }
        }
        if self.mounted == Some(false) {
            retry(|| self.host.sync()).map_err(io_err)?;
        }
        first
    }
}

impl VfsPosix {
    /// `stat` of an open file (its size while being written, for instance).
    pub fn fstat(&mut self, file: FileHandle) -> Result<Stat> {
        let open = self.file(file)?;
        file_stat(&open.file).map_err(io_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounted() -> (tempfile::TempDir, VfsPosix) {
        let tmp = tempfile::tempdir().unwrap();
        let mut fs = VfsPosix::new(Some(tmp.path())).unwrap();
        fs.mount(false, false).unwrap();
        (tmp, fs)
    }

    #[test]
    fn eintr_is_retried_a_bounded_number_of_times() {
        let mut calls = 0;
        let r: io::Result<()> = retry(|| {
            calls += 1;
            Err(io::Error::from_raw_os_error(
                rustix::io::Errno::INTR.raw_os_error(),
            ))
        });
        assert_eq!(from_io(&r.unwrap_err()).errno().code(), 4);
        assert_eq!(calls, EINTR_RETRIES + 1);

        let mut calls = 0;
        let r = retry(|| {
            calls += 1;
            if calls < 3 {
                Err(io::Error::from_raw_os_error(
                    rustix::io::Errno::INTR.raw_os_error(),
                ))
            } else {
                Ok(7)
            }
        });
        assert_eq!(r.unwrap(), 7);
    }

    #[test]
    fn what_open_keeps() {
        use std::os::unix::fs::OpenOptionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        // What a swap between the jail's type check and its open would hand over.
        let nonblock = i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap();
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(nonblock)
            .open(&fifo)
            .unwrap();
        assert_eq!(check_opened(&f, true).unwrap_err(), SPECIAL_FILE);
        assert!(check_opened(&f, false).is_ok());
        let d = fs::File::open(tmp.path()).unwrap();
        assert_eq!(check_opened(&d, true).unwrap_err(), Errno::EISDIR);
        assert_eq!(check_opened(&d, false).unwrap_err(), Errno::EISDIR);
        fs::write(tmp.path().join("f"), b"").unwrap();
        let r = fs::File::open(tmp.path().join("f")).unwrap();
        assert!(check_opened(&r, true).is_ok());
    }

    #[test]
    fn dirty_tracking() {
        let (_tmp, mut fs) = mounted();
        let f = fs.open("/f", OpenMode::WRITE).unwrap();
        assert!(!fs.files.get(f).unwrap().dirty);
        fs.write(f, b"abc").unwrap();
        assert!(fs.files.get(f).unwrap().dirty);
        fs.flush(f).unwrap();
        assert!(!fs.files.get(f).unwrap().dirty);
        fs.truncate(f, 1).unwrap();
        assert!(fs.files.get(f).unwrap().dirty);
        fs.sync().unwrap();
        assert!(!fs.files.get(f).unwrap().dirty);
        assert_eq!(fs.fstat(f).unwrap().size, 1);
        fs.close(f).unwrap();
    }

    #[test]
    fn handles_do_not_survive_remount() {
        let (_tmp, mut fs) = mounted();
        let f = fs.open("/f", OpenMode::WRITE).unwrap();
        let d = fs.opendir("/").unwrap();
        fs.umount().unwrap();
        assert_eq!(fs.close(f).unwrap_err(), Errno::ENODEV);
        fs.mount(true, false).unwrap();
        assert_eq!(fs.close(f).unwrap_err(), Errno::EBADF);
        assert_eq!(fs.readdir(d).unwrap_err(), Errno::EBADF);
        assert_eq!(fs.fstat(f).unwrap_err(), Errno::EBADF);
    }
}
