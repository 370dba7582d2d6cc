//! The filesystem backend protocol.
//!
//! # For users
//! A [`Filesystem`] is one mounted volume: FAT, littlefs, the host, a flash key-value store, or an
//! in-memory one. Files and directory listings are *handles*: `open` returns a small `Copy`
//! [`FileHandle`], and reads and writes go through the filesystem that issued it, as in POSIX and
//! littlefs. Many files may be open at once; nothing borrows the filesystem between calls.
//! Most programs reach a filesystem through a router (`uvfs_vfs_core::Vfs`), which resolves
//! relative paths, `.` and `..` and picks the mount.
//!
//! # For backend authors
//! - **Paths** reach a backend as MicroPython's VFS passes them to its backend object: absolute
//!   inside the filesystem (they start with `/`; the mount point is already cut off, so a mount
//!   point itself is `"/"`), but otherwise **as the program spelled them**: they may hold empty
//!   components (`//`), `.`, `..` and a trailing slash. Relative paths are joined to the mount's
//!   current directory by the router first (`cwd + "/" + path`, as MicroPython's littlefs wrapper
//!   builds them). The backend resolves what it gets the way its engine does and answers with
//!   the errno its MicroPython counterpart gives (littlefs v2 resolves `..` by name and refuses
//!   `..` above the root with `EINVAL`, FatFs follows `..` entries on disk and refuses a trailing
//!   slash, the host's kernel resolves Posix paths). A backend without such rules of its own
//!   resolves lexically with [`path::normalize`](crate::path::normalize). Nothing a caller
//!   passes may make a backend panic: a relative path, a NUL or an over-long name is an errno.
//! - **Handles** must stay valid until closed and must never alias: a closed, stale or foreign
//!   handle returns `EBADF`. [`HandleSlab`](crate::HandleSlab) (feature `alloc`) does this.
//! - **Mount state**: every call other than `mount` on an unmounted filesystem returns `ENODEV`.
//!   A filesystem mounted read-only refuses every change with `EROFS`, at `open` for writing
//!   modes (not later, as MicroPython does).
//! - **Errors** are errnos as MicroPython's backend of the same kind reports them; each backend
//!   documents its mapping in its `errno.rs`.
//! - **Power loss** at any point must leave what the engine promises (littlefs: the old or the new
//!   state of every metadata commit); `sync` and `close` are the points where data is durable.

use crate::errno::Result;
use crate::types::{DirEntry, DirHandle, FileHandle, OpenMode, SeekFrom, Stat, StatVfs};

/// The protocol every uvfs backend implements. Object-safe: routers hold
/// `Box<dyn Filesystem + Send>`.
///
/// ```
/// use uvfs_os_api::{Filesystem, OpenMode, Result};
///
/// /// Writes `data` to `path`, replacing what was there.
/// fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8]) -> Result<()> {
///     let f = fs.open(path, OpenMode::WRITE)?;
///     let mut rest = data;
///     while !rest.is_empty() {
///         match fs.write(f, rest) {
///             Ok(n) => rest = &rest[n..],
///             Err(e) => {
///                 let _ = fs.close(f);
///                 return Err(e);
///             }
///         }
///     }
///     fs.close(f)
/// }
/// ```
pub trait Filesystem {
    /// MicroPython's class name for this backend (`"VfsFat"`, `"VfsLfs2"`, ...).
    fn type_name(&self) -> &'static str;

    /// Mounts the volume. With `mkfs`, a volume that does not mount is formatted first (as
    /// MicroPython does when mounting at boot). With `readonly`, every change returns `EROFS`.
    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()>;

    /// Closes every open file and directory, flushes, and unmounts. The filesystem can be
    /// mounted again.
    fn umount(&mut self) -> Result<()>;

    /// Opens a file. Creating needs the parent directory; opening a directory is `EISDIR`
    /// (FAT: see its docs); a missing file without `create` is `ENOENT`.
    fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle>;

    /// Flushes and closes a file. The handle is invalid afterwards, even when this fails.
    fn close(&mut self, file: FileHandle) -> Result<()>;

    /// Reads up to `buf.len()` bytes at the file position; `Ok(0)` at end of file.
    /// `EBADF` if the file was not opened for reading.
    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize>;

    /// Writes at the file position (at the end in append mode); returns how many bytes were
    /// taken, at least one unless `data` is empty. `EBADF` if not opened for writing.
    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize>;

    /// Moves the file position and returns the new one. A position past the end is allowed;
    /// a write there fills the gap with zeros.
    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64>;

    /// Makes everything written to the file so far durable.
    fn flush(&mut self, file: FileHandle) -> Result<()>;

    /// Cuts or extends (with zeros) the file to `len` bytes. The position does not move.
    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()>;

    /// Starts listing a directory (`ilistdir`).
    fn opendir(&mut self, path: &str) -> Result<DirHandle>;

    /// The next entry, or `None` when the listing is done. Never yields `.` or `..`: every
    /// name is a path component ([`path::is_component`](crate::path::is_component)). A name read
    /// from damaged media that is not one is `EIO` for that entry; the listing may go on.
    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>>;

    /// Ends a listing.
    fn closedir(&mut self, dir: DirHandle) -> Result<()>;

    /// Creates a directory; `EEXIST` if the name exists, `ENOENT` if the parent does not.
    fn mkdir(&mut self, path: &str) -> Result<()>;

    /// Removes a file.
    fn remove(&mut self, path: &str) -> Result<()>;

    /// Removes an empty directory.
    fn rmdir(&mut self, path: &str) -> Result<()>;

    /// Renames `from` to `to`, replacing an existing file at `to`.
    fn rename(&mut self, from: &str, to: &str) -> Result<()>;

    /// Status of a file or directory.
    fn stat(&mut self, path: &str) -> Result<Stat>;

    /// Status of the volume.
    fn statvfs(&mut self, path: &str) -> Result<StatVfs>;

    /// `os.chdir` into this filesystem: checks that `path` names a directory and remembers it
    /// where the engine cares (FatFs refuses to remove its current directory). The router keeps
    /// the cwd string itself. The default is MicroPython's littlefs wrapper: `"/"` always
    /// succeeds, anything that is not a directory (or does not resolve) is `ENOENT`; a device
    /// error stays `EIO`.
    fn chdir(&mut self, path: &str) -> Result<()> {
        if path == "/" {
            return Ok(());
        }
        match self.stat(path) {
            Ok(st) if st.kind() == crate::FileType::Dir => Ok(()),
            Err(e) if e.errno() == crate::Errno::EIO => Err(e),
            _ => Err(crate::Errno::ENOENT.into()),
        }
    }

    /// Whether the current directory is a directory rather than a name: after renaming it (or
    /// a directory above it), `getcwd()` gives the new name (FatFs and the host keep a directory;
    /// MicroPython's littlefs wrappers keep the old string, the default).
    fn cwd_follows_renames(&self) -> bool {
        false
    }

    /// Makes every completed change durable.
    fn sync(&mut self) -> Result<()>;
}

const _: Option<&dyn Filesystem> = None;

/// Conveniences that stay out of the trait so it remains object-safe.
impl dyn Filesystem + '_ {
    /// Writes all of `data`, looping over short writes.
    pub fn write_all(&mut self, file: FileHandle, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let n = self.write(file, data)?;
            if n == 0 {
                return Err(crate::Error::bug("bug: write accepted nothing"));
            }
            data = data.get(n..).unwrap_or_default();
        }
        Ok(())
    }

    /// Reads until `buf` is full or the file ends; returns the bytes read.
    pub fn read_full(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read(file, &mut buf[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }

    /// Whether `path` exists.
    pub fn exists(&mut self, path: &str) -> Result<bool> {
        match self.stat(path) {
            Ok(_) => Ok(true),
            Err(e) if e.errno() == crate::Errno::ENOENT => Ok(false),
            Err(e) => Err(e),
        }
    }
}
