//! A `MemFs` wrapper with switchable misbehaviour, to show the suite and the harness catch it.

use uvfs_os_api::{
    DirEntry, DirHandle, Errno, FileHandle, Filesystem, OpenMode, Result, SeekFrom, Stat, StatVfs,
};
use uvfs_testkit::MemFs;

/// What a [`Tweaked`] filesystem does wrong.
#[derive(Copy, Clone, Debug, Default)]
pub struct Tweaks {
    /// `truncate` fails with this errno.
    pub truncate_errno: Option<Errno>,
    /// `rename` panics.
    pub panic_on_rename: bool,
    /// `close` keeps only the first half of the file.
    pub half_on_close: bool,
}

pub struct Tweaked {
    pub fs: MemFs,
    pub tweaks: Tweaks,
}

impl Tweaked {
    pub fn new(fs: MemFs, tweaks: Tweaks) -> Tweaked {
        Tweaked { fs, tweaks }
    }
}

impl Filesystem for Tweaked {
    fn type_name(&self) -> &'static str {
        "Tweaked"
    }
    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        self.fs.mount(readonly, mkfs)
    }
    fn umount(&mut self) -> Result<()> {
        self.fs.umount()
    }
    fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle> {
        self.fs.open(path, mode)
    }
    fn close(&mut self, file: FileHandle) -> Result<()> {
        if self.tweaks.half_on_close {
            if let Ok(end) = self.fs.seek(file, SeekFrom::End(0)) {
                let _ = self.fs.truncate(file, end / 2);
            }
        }
        self.fs.close(file)
    }
    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        self.fs.read(file, buf)
    }
    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        self.fs.write(file, data)
    }
    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        self.fs.seek(file, pos)
    }
    fn flush(&mut self, file: FileHandle) -> Result<()> {
        self.fs.flush(file)
    }
    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        match self.tweaks.truncate_errno {
            Some(errno) => Err(errno.into()),
            None => self.fs.truncate(file, len),
        }
    }
    fn opendir(&mut self, path: &str) -> Result<DirHandle> {
        self.fs.opendir(path)
    }
    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.fs.readdir(dir)
    }
    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.fs.closedir(dir)
    }
    fn mkdir(&mut self, path: &str) -> Result<()> {
        self.fs.mkdir(path)
    }
    fn remove(&mut self, path: &str) -> Result<()> {
        self.fs.remove(path)
    }
    fn rmdir(&mut self, path: &str) -> Result<()> {
        self.fs.rmdir(path)
    }
    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        if self.tweaks.panic_on_rename {
            panic!("rename exploded");
        }
        self.fs.rename(from, to)
    }
    fn stat(&mut self, path: &str) -> Result<Stat> {
        self.fs.stat(path)
    }
    fn statvfs(&mut self, path: &str) -> Result<StatVfs> {
        self.fs.statvfs(path)
    }
    fn sync(&mut self) -> Result<()> {
        self.fs.sync()
    }
}
