//! [`System`]: the whole `os` module, composed from a [`Vfs`] and a terminal.

use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{
    BoxedFilesystem, BoxedStream, DirEntry, DirHandle, FileHandle, MountInfo, MountOptions,
    OpenMode, Os, Result, SeekFrom, Stat, StatVfs, Uname,
};
use uvfs_vfs_core::Vfs;

/// MicroPython's `os` module: the mount router plus the terminal that `os.dupterm` duplicates.
///
/// ```
/// use uvfs::{Os, System};
///
/// let mut os = System::new();
/// assert_eq!(os.getcwd(), "/");
/// assert_eq!(os.uname().sysname, "uvfs");
/// assert!(os.listdir("/").unwrap().is_empty());
/// ```
pub struct System {
    vfs: Vfs,
    #[cfg(feature = "dupterm")]
    terminal: uvfs_term_dupterm::Terminal,
}

impl Default for System {
    fn default() -> Self {
        Self::new()
    }
}

impl System {
    /// Nothing mounted, cwd `/`, and (with `dupterm`) a terminal with two slots, as many ports have.
    pub fn new() -> System {
        Self::from_vfs(Vfs::new())
    }

    /// Wraps an existing router.
    pub fn from_vfs(vfs: Vfs) -> System {
        System {
            vfs,
            #[cfg(feature = "dupterm")]
            terminal: uvfs_term_dupterm::Terminal::new(2),
        }
    }

    /// The router, for what the `os` module does not cover (uname fields, entropy, backends).
    pub fn vfs(&mut self) -> &mut Vfs {
        &mut self.vfs
    }

    /// The terminal whose output `dupterm` slots receive.
    #[cfg(feature = "dupterm")]
    #[cfg_attr(docsrs, doc(cfg(feature = "dupterm")))]
    pub fn terminal(&mut self) -> &mut uvfs_term_dupterm::Terminal {
        &mut self.terminal
    }
}

impl Os for System {
    fn uname(&self) -> Uname<'_> {
        self.vfs.uname()
    }
    fn urandom(&mut self, buf: &mut [u8]) -> Result<()> {
        self.vfs.urandom(buf)
    }
    fn chdir(&mut self, path: &str) -> Result<()> {
        self.vfs.chdir(path)
    }
    fn getcwd(&self) -> String {
        self.vfs.getcwd()
    }
    fn ilistdir(&mut self, path: &str) -> Result<DirHandle> {
        self.vfs.ilistdir(path)
    }
    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.vfs.readdir(dir)
    }
    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.vfs.closedir(dir)
    }
    fn mkdir(&mut self, path: &str) -> Result<()> {
        self.vfs.mkdir(path)
    }
    fn remove(&mut self, path: &str) -> Result<()> {
        self.vfs.remove(path)
    }
    fn rmdir(&mut self, path: &str) -> Result<()> {
        self.vfs.rmdir(path)
    }
    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.vfs.rename(from, to)
    }
    fn stat(&mut self, path: &str) -> Result<Stat> {
        self.vfs.stat(path)
    }
    fn statvfs(&mut self, path: &str) -> Result<StatVfs> {
        self.vfs.statvfs(path)
    }
    fn sync(&mut self) -> Result<()> {
        self.vfs.sync()
    }

    #[cfg(feature = "dupterm")]
    fn dupterm(
        &mut self,
        stream: Option<BoxedStream>,
        index: usize,
    ) -> Result<Option<BoxedStream>> {
        self.terminal.dupterm(stream, index)
    }

    #[cfg(not(feature = "dupterm"))]
    fn dupterm(
        &mut self,
        _stream: Option<BoxedStream>,
        _index: usize,
    ) -> Result<Option<BoxedStream>> {
        Err(uvfs_os_api::Errno::EOPNOTSUPP.with_detail("uvfs built without the dupterm feature"))
    }

    fn mount(
        &mut self,
        fs: BoxedFilesystem,
        mount_point: &str,
        options: MountOptions,
    ) -> Result<()> {
        self.vfs.mount(fs, mount_point, options)
    }
    fn umount(&mut self, mount_point: &str) -> Result<BoxedFilesystem> {
        self.vfs.umount(mount_point)
    }
    fn mounts(&self) -> Vec<MountInfo> {
        self.vfs.mounts()
    }
    fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle> {
        self.vfs.open(path, mode)
    }
    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        self.vfs.read(file, buf)
    }
    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        self.vfs.write(file, data)
    }
    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        self.vfs.seek(file, pos)
    }
    fn flush(&mut self, file: FileHandle) -> Result<()> {
        self.vfs.flush(file)
    }
    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        self.vfs.truncate(file, len)
    }
    fn close(&mut self, file: FileHandle) -> Result<()> {
        self.vfs.close(file)
    }
    fn listdir(&mut self, path: &str) -> Result<Vec<String>> {
        self.vfs.listdir(path)
    }
    fn ilistdir_all(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        self.vfs.ilistdir_all(path)
    }
}
