//! Forwarding impls of the contract traits for references and boxes.

use crate::block::{BlockCount, BlockDevice, BlockIdx};
use crate::errno::Result;

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice + ?Sized> BlockDevice for &mut D {
    fn block_size(&self) -> u32 {
        (**self).block_size()
    }
    fn block_count(&self) -> u32 {
        (**self).block_count()
    }
    fn needs_erase(&self) -> bool {
        (**self).needs_erase()
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        (**self).read(block, offset, buf)
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        (**self).write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        (**self).erase(block, count)
    }
    fn sync(&mut self) -> Result<()> {
        (**self).sync()
    }
    fn init(&mut self) -> Result<()> {
        (**self).init()
    }
    fn deinit(&mut self) -> Result<()> {
        (**self).deinit()
    }
}

#[cfg(feature = "alloc")]
#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method, defaulted ones included"
)]
impl<D: BlockDevice + ?Sized> BlockDevice for alloc::boxed::Box<D> {
    fn block_size(&self) -> u32 {
        (**self).block_size()
    }
    fn block_count(&self) -> u32 {
        (**self).block_count()
    }
    fn needs_erase(&self) -> bool {
        (**self).needs_erase()
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        (**self).read(block, offset, buf)
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        (**self).write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        (**self).erase(block, count)
    }
    fn sync(&mut self) -> Result<()> {
        (**self).sync()
    }
    fn init(&mut self) -> Result<()> {
        (**self).init()
    }
    fn deinit(&mut self) -> Result<()> {
        (**self).deinit()
    }
}

#[cfg(feature = "alloc")]
mod boxed {
    use alloc::boxed::Box;

    use crate::errno::Result;
    use crate::fs::Filesystem;
    use crate::stream::{ReadStatus, Stream, WriteStatus};
    use crate::types::{DirEntry, DirHandle, FileHandle, OpenMode, SeekFrom, Stat, StatVfs};

    #[deny(
        clippy::missing_trait_methods,
        reason = "a wrapper must forward every method, defaulted ones included"
    )]
    impl<F: Filesystem + ?Sized> Filesystem for Box<F> {
        fn type_name(&self) -> &'static str {
            (**self).type_name()
        }
        fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
            (**self).mount(readonly, mkfs)
        }
        fn umount(&mut self) -> Result<()> {
            (**self).umount()
        }
        fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle> {
            (**self).open(path, mode)
        }
        fn close(&mut self, file: FileHandle) -> Result<()> {
            (**self).close(file)
        }
        fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
            (**self).read(file, buf)
        }
        fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
            (**self).write(file, data)
        }
        fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
            (**self).seek(file, pos)
        }
        fn flush(&mut self, file: FileHandle) -> Result<()> {
            (**self).flush(file)
        }
        fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
            (**self).truncate(file, len)
        }
        fn opendir(&mut self, path: &str) -> Result<DirHandle> {
            (**self).opendir(path)
        }
        fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
            (**self).readdir(dir)
        }
        fn closedir(&mut self, dir: DirHandle) -> Result<()> {
            (**self).closedir(dir)
        }
        fn mkdir(&mut self, path: &str) -> Result<()> {
            (**self).mkdir(path)
        }
        fn remove(&mut self, path: &str) -> Result<()> {
            (**self).remove(path)
        }
        fn rmdir(&mut self, path: &str) -> Result<()> {
            (**self).rmdir(path)
        }
        fn rename(&mut self, from: &str, to: &str) -> Result<()> {
            (**self).rename(from, to)
        }
        fn stat(&mut self, path: &str) -> Result<Stat> {
            (**self).stat(path)
        }
        fn statvfs(&mut self, path: &str) -> Result<StatVfs> {
            (**self).statvfs(path)
        }
        fn sync(&mut self) -> Result<()> {
            (**self).sync()
        }
        fn chdir(&mut self, path: &str) -> Result<()> {
            (**self).chdir(path)
        }
        fn cwd_follows_renames(&self) -> bool {
            (**self).cwd_follows_renames()
        }
    }

    #[deny(
        clippy::missing_trait_methods,
        reason = "a wrapper must forward every method, defaulted ones included"
    )]
    impl<S: Stream + ?Sized> Stream for Box<S> {
        fn read_into(&mut self, buf: &mut [u8]) -> Result<ReadStatus> {
            (**self).read_into(buf)
        }
        fn write(&mut self, data: &[u8]) -> Result<WriteStatus> {
            (**self).write(data)
        }
        fn flush(&mut self) -> Result<()> {
            (**self).flush()
        }
        fn close(&mut self) -> Result<()> {
            (**self).close()
        }
    }
}
