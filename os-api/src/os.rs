//! The `os` module: what MicroPython programs call.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::Result;
use crate::fs::Filesystem;
use crate::stream::Stream;
use crate::types::{DirEntry, DirHandle, FileHandle, OpenMode, SeekFrom, Stat, StatVfs};

/// `os.uname()`: five strings.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Uname<'a> {
    /// `sysname`, e.g. `"uvfs"`.
    pub sysname: &'a str,
    /// `nodename`.
    pub nodename: &'a str,
    /// `release`.
    pub release: &'a str,
    /// `version`.
    pub version: &'a str,
    /// `machine`.
    pub machine: &'a str,
}

/// Keyword arguments of `vfs.mount(fs, path, *, readonly=False)`, plus MicroPython's internal
/// `mkfs` flag (format the volume if it does not mount).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct MountOptions {
    /// Refuse every change with `EROFS`.
    pub readonly: bool,
    /// Format the volume first if it does not mount.
    pub mkfs: bool,
}

/// One row of `vfs.mount()` with no arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountInfo {
    /// The mount point, normalised (no trailing slash).
    pub path: String,
    /// The backend's class name (`"VfsLfs2"`).
    pub type_name: &'static str,
    /// Mounted read-only.
    pub readonly: bool,
}

/// A boxed filesystem as a router owns it.
pub type BoxedFilesystem = Box<dyn Filesystem + Send>;

/// A boxed stream as a dupterm slot owns it.
pub type BoxedStream = Box<dyn Stream + Send>;

/// MicroPython's `os` module (and the file built-ins `open`, `read`, `write`, ...).
///
/// Paths are as a MicroPython program writes them: absolute or relative to the cwd, with `.`,
/// `..`, doubled and trailing slashes.
///
/// ```
/// use uvfs_os_api::{Os, OpenMode, Result};
///
/// /// `open(path, "w").write(text)`, then `os.stat(path)[6]`.
/// fn save(os: &mut dyn Os, path: &str, text: &str) -> Result<u64> {
///     let f = os.open(path, OpenMode::WRITE)?;
///     os.write(f, text.as_bytes())?;
///     os.close(f)?;
///     Ok(os.stat(path)?.size)
/// }
/// ```
pub trait Os {
    /// `os.uname()`.
    fn uname(&self) -> Uname<'_>;
    /// `os.urandom(n)`: fills `buf` with random bytes.
    fn urandom(&mut self, buf: &mut [u8]) -> Result<()>;
    /// `os.chdir(path)`.
    fn chdir(&mut self, path: &str) -> Result<()>;
    /// `os.getcwd()`.
    fn getcwd(&self) -> String;
    /// `os.ilistdir(path)`: starts a listing; read it with [`Os::readdir`].
    fn ilistdir(&mut self, path: &str) -> Result<DirHandle>;
    /// The next entry of a listing, `None` at the end.
    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>>;
    /// Ends a listing early (a finished listing needs no close, but closing it is harmless).
    fn closedir(&mut self, dir: DirHandle) -> Result<()>;
    /// `os.mkdir(path)`.
    fn mkdir(&mut self, path: &str) -> Result<()>;
    /// `os.remove(path)`.
    fn remove(&mut self, path: &str) -> Result<()>;
    /// `os.rmdir(path)`.
    fn rmdir(&mut self, path: &str) -> Result<()>;
    /// `os.rename(old, new)`; `EPERM` across mounts, as MicroPython.
    fn rename(&mut self, from: &str, to: &str) -> Result<()>;
    /// `os.stat(path)`.
    fn stat(&mut self, path: &str) -> Result<Stat>;
    /// `os.statvfs(path)`.
    fn statvfs(&mut self, path: &str) -> Result<StatVfs>;
    /// `os.sync()`: every mounted filesystem.
    fn sync(&mut self) -> Result<()>;
    /// `os.dupterm(stream, index)`: puts `stream` (or nothing) in slot `index` and returns what
    /// was there; `EINVAL` for an index out of range.
    fn dupterm(&mut self, stream: Option<BoxedStream>, index: usize)
        -> Result<Option<BoxedStream>>;
    /// `vfs.mount(fs, mount_point, readonly=...)`.
    fn mount(
        &mut self,
        fs: BoxedFilesystem,
        mount_point: &str,
        options: MountOptions,
    ) -> Result<()>;
    /// `vfs.umount(mount_point)`: unmounts and gives the filesystem back.
    fn umount(&mut self, mount_point: &str) -> Result<BoxedFilesystem>;
    /// `vfs.mount()`: the mount table, in mount order.
    fn mounts(&self) -> Vec<MountInfo>;
    /// `open(path, mode)`.
    fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle>;
    /// `file.readinto(buf)`.
    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize>;
    /// `file.write(data)`.
    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize>;
    /// `file.seek(offset, whence)`.
    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64>;
    /// `file.flush()`.
    fn flush(&mut self, file: FileHandle) -> Result<()>;
    /// `file.truncate(len)`.
    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()>;
    /// `file.close()`.
    fn close(&mut self, file: FileHandle) -> Result<()>;

    /// `os.listdir(path)`: the names only.
    fn listdir(&mut self, path: &str) -> Result<Vec<String>> {
        Ok(self
            .ilistdir_all(path)?
            .into_iter()
            .map(|e| String::from(e.name.as_str()))
            .collect())
    }

    /// `list(os.ilistdir(path))`.
    fn ilistdir_all(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        let dir = self.ilistdir(path)?;
        let mut out = Vec::new();
        loop {
            match self.readdir(dir) {
                Ok(Some(entry)) => out.push(entry),
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
}

const _: Option<&dyn Os> = None;
