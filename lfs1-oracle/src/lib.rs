//! The reference C littlefs v1.7 as a uvfs [`Filesystem`]: [`CLfs1`], for tests that compare
//! uvfs's pure-Rust `VfsLfs1` with it (images written by one read by the other, the same
//! operations on both) and for benches.
//!
//! The C engine runs on an in-memory image ([`Image`]) with run-time geometry. It is only ever
//! given valid littlefs v1 images: C littlefs asserts (aborts) or loops on corrupt ones.
//!
//! The adapter follows the uvfs protocol where C has nothing to say: `EROFS` for changes on a
//! read-only mount (C has no read-only mode), `EBADF` for stale handles, `ENODEV` when not
//! mounted, `EINVAL` for paths the router would never pass. Every other errno is C's
//! (`-err`, as MicroPython raises it).

#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

use cty::{c_int, c_void};
use std::ffi::CString;
use std::ptr;

use littlefs_sys as c;
use uvfs_os_api::{
    path, DirEntry, DirHandle, Errno, Error, FileHandle, FileType, Filesystem, HandleSlab, Name,
    OpenMode, Result, SeekFrom, Stat, StatVfs,
};

/// A RAM medium for the C engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The bytes, `block_size * block_count` of them.
    pub bytes: Vec<u8>,
    /// Block size.
    pub block_size: u32,
    /// What an erase writes: `Some(0xFF)` for flash, `None` for a device whose erase does
    /// nothing.
    pub erase_value: Option<u8>,
}

impl Image {
    /// An erased (`0xFF`) flash image.
    pub fn erased(block_size: u32, block_count: u32) -> Image {
        Image {
            bytes: vec![0xFF; block_size as usize * block_count as usize],
            block_size,
            erase_value: Some(0xFF),
        }
    }

    /// Blocks in the image.
    pub fn block_count(&self) -> u32 {
        (self.bytes.len() / self.block_size as usize) as u32
    }

    fn range(&self, block: u32, off: u32, len: usize) -> Option<std::ops::Range<usize>> {
        let start = (block as usize)
            .checked_mul(self.block_size as usize)?
            .checked_add(off as usize)?;
        let end = start.checked_add(len)?;
        if off as usize + len > self.block_size as usize || end > self.bytes.len() {
            return None;
        }
        Some(start..end)
    }
}

/// The engine's configuration (the `lfs_config` sizes).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CConfig {
    /// Read unit.
    pub read_size: u32,
    /// Program unit.
    pub prog_size: u32,
    /// Lookahead, in blocks.
    pub lookahead: u32,
}

impl Default for CConfig {
    /// MicroPython's defaults.
    fn default() -> Self {
        CConfig {
            read_size: 32,
            prog_size: 32,
            lookahead: 32,
        }
    }
}

/// The device behind the C callbacks.
struct Device {
    image: Image,
}

unsafe extern "C" fn dev_read(
    cfg: *const c::lfs_config,
    block: c::lfs_block_t,
    off: c::lfs_off_t,
    buffer: *mut c_void,
    size: c::lfs_size_t,
) -> c_int {
    // SAFETY: `cfg` is the `lfs_config` of a live `CLfs1` (C passes back the pointer it was
    // given); its `context` is that `CLfs1`'s boxed `Device`, which outlives every C call and is
    // not otherwise borrowed while C runs.
    let dev = unsafe { &*((*cfg).context as *const Device) };
    let Some(r) = dev.image.range(block, off, size as usize) else {
        return c::lfs_error_LFS_ERR_IO;
    };
    // SAFETY: C hands a buffer of `size` writable bytes.
    let out = unsafe { std::slice::from_raw_parts_mut(buffer as *mut u8, size as usize) };
    out.copy_from_slice(&dev.image.bytes[r]);
    0
}

unsafe extern "C" fn dev_prog(
    cfg: *const c::lfs_config,
    block: c::lfs_block_t,
    off: c::lfs_off_t,
    buffer: *const c_void,
    size: c::lfs_size_t,
) -> c_int {
    // SAFETY: as in `dev_read`; C holds no other reference to the device while it calls us.
    let dev = unsafe { &mut *((*cfg).context as *mut Device) };
    let Some(r) = dev.image.range(block, off, size as usize) else {
        return c::lfs_error_LFS_ERR_IO;
    };
    // SAFETY: C hands a buffer of `size` readable bytes.
    let data = unsafe { std::slice::from_raw_parts(buffer as *const u8, size as usize) };
    dev.image.bytes[r].copy_from_slice(data);
    0
}

unsafe extern "C" fn dev_erase(cfg: *const c::lfs_config, block: c::lfs_block_t) -> c_int {
    // SAFETY: as in `dev_prog`.
    let dev = unsafe { &mut *((*cfg).context as *mut Device) };
    let bs = dev.image.block_size;
    let Some(r) = dev.image.range(block, 0, bs as usize) else {
        return c::lfs_error_LFS_ERR_IO;
    };
    if let Some(v) = dev.image.erase_value {
        dev.image.bytes[r].fill(v);
    }
    0
}

unsafe extern "C" fn dev_sync(_cfg: *const c::lfs_config) -> c_int {
    0
}

unsafe extern "C" fn count_block(data: *mut c_void, _block: c::lfs_block_t) -> c_int {
    // SAFETY: `data` is the `&mut u64` `CLfs1::used_blocks` passes for the call's duration.
    unsafe { *(data as *mut u64) += 1 };
    0
}

/// An open C file: `lfs_file_t` and its buffer and config, boxed because C links open files
/// into a list through their addresses and keeps the config pointer.
struct CFile {
    file: c::lfs_file_t,
    fcfg: c::lfs_file_config,
    _buffer: Vec<u8>,
}

/// A listing, read in full at `opendir` (C's `lfs_dir_t` must not move either; a snapshot is
/// simpler and the tests do not list while changing).
struct CDir {
    entries: std::vec::IntoIter<DirEntry>,
}

/// The C littlefs v1.7 engine behind the uvfs `Filesystem` protocol.
pub struct CLfs1 {
    // Field order matters for drop: files before the engine state, the device last.
    files: HandleSlab<Box<CFile>, FileHandle>,
    dirs: HandleSlab<CDir, DirHandle>,
    lfs: Box<c::lfs_t>,
    cfg: Box<c::lfs_config>,
    _buffers: (Vec<u8>, Vec<u8>, Vec<u8>),
    dev: Box<Device>,
    mounted: Option<bool>,
}

fn code(err: c_int) -> Result<c_int> {
    if err >= 0 {
        Ok(err)
    } else {
        Err(Error::new(Errno::from_code(-err)))
    }
}

fn cpath(p: &str) -> Result<CString> {
    path::validate(p)?;
    CString::new(p).map_err(|_| Errno::EINVAL.into())
}

impl CLfs1 {
    /// The C engine on `image`, not mounted.
    pub fn new(image: Image, cfg: CConfig) -> CLfs1 {
        let mut dev = Box::new(Device { image });
        let bs = dev.image.block_size;
        let count = dev.image.block_count();
        let mut read = vec![0u8; cfg.read_size as usize];
        let mut prog = vec![0u8; cfg.prog_size as usize];
        let mut look = vec![0u8; (cfg.lookahead / 8) as usize];
        let lcfg = c::lfs_config {
            context: &mut *dev as *mut Device as *mut c_void,
            read: Some(dev_read),
            prog: Some(dev_prog),
            erase: Some(dev_erase),
            sync: Some(dev_sync),
            read_size: cfg.read_size,
            prog_size: cfg.prog_size,
            block_size: bs,
            block_count: count,
            lookahead: cfg.lookahead,
            read_buffer: read.as_mut_ptr() as *mut c_void,
            prog_buffer: prog.as_mut_ptr() as *mut c_void,
            lookahead_buffer: look.as_mut_ptr() as *mut c_void,
            file_buffer: ptr::null_mut(),
        };
        CLfs1 {
            files: HandleSlab::new(),
            dirs: HandleSlab::new(),
            // SAFETY: `lfs_t` is a plain C struct (integers, pointers, nested structs); all
            // zeroes is a valid value for it, and `lfs_mount`/`lfs_format` initialise it.
            lfs: Box::new(unsafe { std::mem::zeroed() }),
            cfg: Box::new(lcfg),
            _buffers: (read, prog, look),
            dev,
            mounted: None,
        }
    }

    /// The image (unmount first for a consistent one).
    pub fn image(&self) -> &Image {
        &self.dev.image
    }

    /// Unmounts if needed and gives the image back.
    pub fn into_image(mut self) -> Image {
        if self.mounted.is_some() {
            let _ = self.umount();
        }
        self.dev.image.clone()
    }

    /// `lfs_format`.
    pub fn format(&mut self) -> Result<()> {
        if self.mounted.is_some() {
            return Err(Errno::EBUSY.into());
        }
        // SAFETY: `lfs` and `cfg` are boxed and live as long as `self`; the buffers `cfg`
        // names are owned by `self` and never resized.
        code(unsafe { c::lfs_format(&mut *self.lfs, &*self.cfg) }).map(drop)
    }

    fn lfs(&mut self) -> Result<*mut c::lfs_t> {
        match self.mounted {
            Some(_) => Ok(&mut *self.lfs),
            None => Err(Errno::ENODEV.into()),
        }
    }

    fn writable(&mut self) -> Result<*mut c::lfs_t> {
        match self.mounted {
            Some(true) => Err(Errno::EROFS.into()),
            _ => self.lfs(),
        }
    }

    /// Blocks `lfs_traverse` reports (what MicroPython's `statvfs` subtracts).
    pub fn used_blocks(&mut self) -> Result<u64> {
        let lfs = self.lfs()?;
        let mut n = 0u64;
        // SAFETY: `lfs` is mounted; `n` outlives the call and `count_block` only adds to it.
        code(unsafe {
            c::lfs_traverse(lfs, Some(count_block), &mut n as *mut u64 as *mut c_void)
        })?;
        Ok(n)
    }

    fn list(&mut self, p: &str) -> Result<Vec<DirEntry>> {
        let lfs = self.lfs()?;
        let cp = cpath(p)?;
        // SAFETY: zeroed `lfs_dir_t` is valid before `lfs_dir_open`; it lives on this stack
        // frame, is closed before the frame ends and C keeps no pointer to it after closing.
        let mut dir: c::lfs_dir_t = unsafe { std::mem::zeroed() };
        // SAFETY: `lfs` is mounted, `cp` is NUL-terminated.
        code(unsafe { c::lfs_dir_open(lfs, &mut dir, cp.as_ptr()) })?;
        let mut out = Vec::new();
        let r = loop {
            // SAFETY: a zeroed `lfs_info` is valid; C fills it.
            let mut info: c::lfs_info = unsafe { std::mem::zeroed() };
            // SAFETY: `dir` is open on the mounted `lfs`.
            match code(unsafe { c::lfs_dir_read(lfs, &mut dir, &mut info) }) {
                Ok(0) => break Ok(()),
                Ok(_) => {
                    let name: Vec<u8> = info
                        .name
                        .iter()
                        .take_while(|&&ch| ch != 0)
                        .map(|&ch| ch as u8)
                        .collect();
                    if name == b"." || name == b".." {
                        continue;
                    }
                    let dir = u32::from(info.type_) == c::lfs_type_LFS_TYPE_DIR;
                    out.push(DirEntry {
                        name: Name::from_bytes_lossy(&name),
                        kind: if dir { FileType::Dir } else { FileType::File },
                        inode: 0,
                        size: Some(if dir { 0 } else { u64::from(info.size) }),
                    });
                }
                Err(e) => break Err(e),
            }
        };
        // SAFETY: `dir` was opened above.
        let closed = code(unsafe { c::lfs_dir_close(lfs, &mut dir) });
        r.and(closed.map(drop)).map(|()| out)
    }

    fn close_all(&mut self) -> Result<()> {
        let mut first = Ok(());
        for h in self.files.handles() {
            if let Err(e) = self.close(h) {
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        for h in self.dirs.handles() {
            let _ = self.dirs.remove(h);
        }
        first
    }
}

// SAFETY: every raw pointer inside `CLfs1` (in `lfs_t`, `lfs_config`, the open files) points
// into memory the `CLfs1` itself owns (its boxes and vectors, which do not move when the
// `CLfs1` does); C littlefs 1.7 keeps no global or thread-local state. Sending the `CLfs1` to
// another thread sends everything those pointers reach, and `&mut self` methods keep access
// exclusive.
unsafe impl Send for CLfs1 {}

impl Drop for CLfs1 {
    fn drop(&mut self) {
        if self.mounted.is_some() {
            let _ = self.umount();
        }
    }
}

impl Filesystem for CLfs1 {
    fn type_name(&self) -> &'static str {
        "VfsLfs1 (C littlefs 1.7)"
    }

    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        if self.mounted.is_some() {
            return Err(Errno::EPERM.into());
        }
        // SAFETY: as in `format`.
        let mut r = code(unsafe { c::lfs_mount(&mut *self.lfs, &*self.cfg) });
        if r.is_err() && mkfs && !readonly {
            self.format()?;
            // SAFETY: as in `format`.
            r = code(unsafe { c::lfs_mount(&mut *self.lfs, &*self.cfg) });
        }
        r?;
        self.mounted = Some(readonly);
        Ok(())
    }

    fn umount(&mut self) -> Result<()> {
        self.lfs()?;
        let closed = self.close_all();
        let lfs = self.lfs()?;
        // SAFETY: mounted, every file closed.
        let r = code(unsafe { c::lfs_unmount(lfs) });
        self.mounted = None;
        closed.and(r.map(drop))
    }

    fn open(&mut self, p: &str, mode: OpenMode) -> Result<FileHandle> {
        let changes = mode.write || mode.create || mode.truncate || mode.append;
        let lfs = if changes {
            self.writable()?
        } else {
            self.lfs()?
        };
        let cp = cpath(p)?;
        let mut flags = match (mode.read, mode.write) {
            (true, true) => c::lfs_open_flags_LFS_O_RDWR,
            (false, true) => c::lfs_open_flags_LFS_O_WRONLY,
            _ => c::lfs_open_flags_LFS_O_RDONLY,
        };
        if mode.create {
            flags |= c::lfs_open_flags_LFS_O_CREAT;
        }
        if mode.exclusive {
            flags |= c::lfs_open_flags_LFS_O_EXCL;
        }
        if mode.truncate {
            flags |= c::lfs_open_flags_LFS_O_TRUNC;
        }
        if mode.append {
            flags |= c::lfs_open_flags_LFS_O_APPEND;
        }
        let mut buffer = vec![0u8; self.cfg.prog_size as usize];
        let mut f = Box::new(CFile {
            // SAFETY: a zeroed `lfs_file_t` is valid before `lfs_file_opencfg` fills it.
            file: unsafe { std::mem::zeroed() },
            fcfg: c::lfs_file_config {
                buffer: buffer.as_mut_ptr() as *mut c_void,
            },
            _buffer: buffer,
        });
        let fp: *mut CFile = &mut *f;
        // SAFETY: `lfs` is mounted; the file, its config and buffer are boxed/owned by `f`,
        // which is kept (unmoved, in the slab) until `lfs_file_close`.
        code(unsafe {
            c::lfs_file_opencfg(
                lfs,
                &mut (*fp).file,
                cp.as_ptr(),
                flags as c_int,
                &(*fp).fcfg,
            )
        })?;
        Ok(self.files.insert(f))
    }

    fn close(&mut self, file: FileHandle) -> Result<()> {
        let lfs = self.lfs()?;
        let mut f = self.files.remove(file)?;
        // SAFETY: `f` is an open file of the mounted `lfs`.
        code(unsafe { c::lfs_file_close(lfs, &mut f.file) }).map(drop)
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let lfs = self.lfs()?;
        let f = self.files.get_mut(file)?;
        let len = buf.len().min(1 << 30) as u32;
        // SAFETY: `f` is open; `buf` has at least `len` writable bytes.
        code(unsafe { c::lfs_file_read(lfs, &mut f.file, buf.as_mut_ptr() as *mut c_void, len) })
            .map(|n| n as usize)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        let lfs = self.lfs()?;
        let f = self.files.get_mut(file)?;
        let len = data.len().min(1 << 30) as u32;
        // SAFETY: `f` is open; `data` has at least `len` readable bytes.
        code(unsafe { c::lfs_file_write(lfs, &mut f.file, data.as_ptr() as *const c_void, len) })
            .map(|n| n as usize)
    }

    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        let lfs = self.lfs()?;
        let f = self.files.get_mut(file)?;
        let (off, whence) = match pos {
            SeekFrom::Start(o) => (
                i64::try_from(o).unwrap_or(i64::MAX),
                c::lfs_whence_flags_LFS_SEEK_SET,
            ),
            SeekFrom::Current(o) => (o, c::lfs_whence_flags_LFS_SEEK_CUR),
            SeekFrom::End(o) => (o, c::lfs_whence_flags_LFS_SEEK_END),
        };
        let off = i32::try_from(off).map_err(|_| Error::new(Errno::EINVAL))?;
        // SAFETY: `f` is open.
        code(unsafe { c::lfs_file_seek(lfs, &mut f.file, off, whence as c_int) }).map(|p| p as u64)
    }

    fn flush(&mut self, file: FileHandle) -> Result<()> {
        let lfs = self.lfs()?;
        let f = self.files.get_mut(file)?;
        // SAFETY: `f` is open.
        code(unsafe { c::lfs_file_sync(lfs, &mut f.file) }).map(drop)
    }

    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        let lfs = self.lfs()?;
        let f = self.files.get_mut(file)?;
        let len = u32::try_from(len).map_err(|_| Error::new(Errno::EINVAL))?;
        // SAFETY: `f` is open.
        code(unsafe { c::lfs_file_truncate(lfs, &mut f.file, len) }).map(drop)
    }

    fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        let entries = self.list(p)?;
        Ok(self.dirs.insert(CDir {
            entries: entries.into_iter(),
        }))
    }

    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.lfs()?;
        Ok(self.dirs.get_mut(dir)?.entries.next())
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.lfs()?;
        self.dirs.remove(dir).map(drop)
    }

    fn mkdir(&mut self, p: &str) -> Result<()> {
        let lfs = self.writable()?;
        let cp = cpath(p)?;
        // SAFETY: mounted; `cp` is NUL-terminated.
        code(unsafe { c::lfs_mkdir(lfs, cp.as_ptr()) }).map(drop)
    }

    fn remove(&mut self, p: &str) -> Result<()> {
        let lfs = self.writable()?;
        let cp = cpath(p)?;
        // SAFETY: mounted; `cp` is NUL-terminated.
        code(unsafe { c::lfs_remove(lfs, cp.as_ptr()) }).map(drop)
    }

    fn rmdir(&mut self, p: &str) -> Result<()> {
        self.remove(p)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let lfs = self.writable()?;
        let (a, b) = (cpath(from)?, cpath(to)?);
        // SAFETY: mounted; both paths are NUL-terminated.
        code(unsafe { c::lfs_rename(lfs, a.as_ptr(), b.as_ptr()) }).map(drop)
    }

    fn stat(&mut self, p: &str) -> Result<Stat> {
        let lfs = self.lfs()?;
        let cp = cpath(p)?;
        // SAFETY: a zeroed `lfs_info` is valid; C fills it.
        let mut info: c::lfs_info = unsafe { std::mem::zeroed() };
        // SAFETY: mounted; `cp` is NUL-terminated; `info` outlives the call.
        code(unsafe { c::lfs_stat(lfs, cp.as_ptr(), &mut info) })?;
        if u32::from(info.type_) == c::lfs_type_LFS_TYPE_DIR {
            Ok(Stat::DIR)
        } else {
            Ok(Stat {
                mode: 0x8000,
                size: u64::from(info.size),
                ..Stat::default()
            })
        }
    }

    fn statvfs(&mut self, p: &str) -> Result<StatVfs> {
        path::validate(p)?;
        let used = self.used_blocks()?;
        let bs = u64::from(self.cfg.block_size);
        let count = u64::from(self.cfg.block_count);
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
        let lfs = self.lfs()?;
        if self.mounted == Some(true) {
            return Ok(());
        }
        let mut first = Ok(());
        for (_, f) in self.files.iter_mut() {
            // SAFETY: `f` is open.
            if let Err(e) = code(unsafe { c::lfs_file_sync(lfs, &mut f.file) }) {
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }
}
