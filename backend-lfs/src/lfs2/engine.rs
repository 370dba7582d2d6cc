//! The C littlefs engine behind a safe, handle-based interface. All of `VfsLfs2`'s `unsafe`
//! code is in this file.
//!
//! # Memory the C code points into
//! littlefs keeps raw pointers while a volume is mounted: `lfs_t` points to its `lfs_config`
//! and to the read, program and lookahead buffers; the config's `context` points to the device
//! ([`Io`]); every open file and directory is linked into `lfs_t.mlist` and is updated by
//! operations on *other* handles. So:
//! - the `lfs_t`, the `lfs_config` and the [`Io`] live together in one heap [`State`], and
//!   every buffer and every open file or directory in its own heap allocation ([`RawBox`]).
//!   They never move; moving an [`Engine`] moves only pointers to them;
//! - the Rust side never holds a reference into memory the C code may touch: a [`RawBox`] gives
//!   out raw pointers only, and C functions receive pointers made from those. References to
//!   the [`Io`] are made only between engine calls (`&mut self` proves there is no call in
//!   progress) or inside a callback (where the C caller holds no pointer to it);
//! - open files and directories belong to the engine (its [`Session`]), not to callers, who get
//!   [`FileHandle`]s and [`DirHandle`]s. One is freed only after `lfs_file_close`/`lfs_dir_close`
//!   has unlinked it (both always do, even when they fail), or when the whole mount is dropped,
//!   after which the `lfs_t` is never used again until `lfs_mount`/`lfs_format` reinitialise it
//!   (`lfs_init` empties `mlist`).
//!
//! # Preconditions littlefs checks only with assertions
//! The C code is built with `LFS_NO_ASSERT`, so its assertions are not there. This module
//! checks each of them that an input could violate: the configuration (see
//! [`Geometry::new`]), that a file is open for reading before `lfs_file_read` and for writing
//! before `lfs_file_write`/`lfs_file_truncate`, that a handle is open (handles are checked by
//! the session's slabs), and that nothing is mounted twice.
//!
//! # Callbacks
//! The callbacks are `extern "C"` functions that cannot unwind: a device that panics aborts the
//! process (Rust stops a panic at an `extern "C"` boundary). Device errors become
//! `LFS_ERR_IO`, and the device's own error is returned to the caller (see [`Io`]).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::{addr_of, addr_of_mut, NonNull};

use littlefs2::ll;
use uvfs_os_api::{
    path, BlockDevice, DirHandle, Errno, Error, FileHandle, FileType, HandleSlab, Name, Result,
    SeekFrom, NAME_MAX,
};

use super::config::{DiskVersion, Geometry};
use super::device::Io;

/// A heap value the C code may hold pointers into. It hands out raw pointers only, so no Rust
/// reference ever aliases what the C code writes through those pointers, and it frees the value
/// on drop.
struct RawBox<T: ?Sized> {
    ptr: NonNull<T>,
}

impl<T> RawBox<T> {
    fn new(value: T) -> RawBox<T> {
        RawBox {
            ptr: NonNull::from(Box::leak(Box::new(value))),
        }
    }
}

impl RawBox<[u8]> {
    /// A zeroed buffer of `len` bytes; `ENOMEM` if it cannot be allocated.
    fn buffer(len: u32) -> Result<RawBox<[u8]>> {
        let len = usize::try_from(len).map_err(|_| Errno::ENOMEM)?;
        let mut v = Vec::new();
        v.try_reserve_exact(len)
            .map_err(|_| Errno::ENOMEM.with_detail("littlefs cache buffer"))?;
        v.resize(len, 0u8);
        Ok(RawBox {
            ptr: NonNull::from(Box::leak(v.into_boxed_slice())),
        })
    }

    fn bytes(&self) -> *mut u8 {
        self.ptr.as_ptr().cast::<u8>()
    }
}

impl<T> RawBox<T> {
    /// Takes the value back out (when nothing points into it any more).
    fn into_inner(self) -> T {
        let ptr = self.ptr.as_ptr();
        core::mem::forget(self);
        // SAFETY: `ptr` came from `Box::leak` in `new`; `forget` above keeps `Drop` from
        // freeing it, so ownership returns to a `Box` exactly once.
        *unsafe { Box::from_raw(ptr) }
    }
}

impl<T: ?Sized> RawBox<T> {
    fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T: ?Sized> Drop for RawBox<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `Box::leak` in a constructor and is freed only here, once.
        // Whoever could still point into it (the C code) is done with it: see the module
        // documentation for when each kind of `RawBox` is dropped.
        unsafe { drop(Box::from_raw(self.ptr.as_ptr())) }
    }
}

/// What the C code sees of an engine: the filesystem, its configuration and the device.
struct State<D> {
    lfs: ll::lfs_t,
    cfg: ll::lfs_config,
    io: Io<D>,
}

/// The C side of one open file: the littlefs file, its configuration (cache buffer and the
/// mtime attribute) and the attribute's bytes.
struct FileC {
    file: ll::lfs_file_t,
    fcfg: ll::lfs_file_config,
    attr: ll::lfs_attr,
    mtime: [u8; 8],
    /// Referenced by `fcfg.buffer`; freed with the `FileC`.
    _cache: RawBox<[u8]>,
}

/// An open file: its C side and what it was opened for.
struct OpenFile {
    c: RawBox<FileC>,
    write: bool,
    /// The mtime attribute is attached (`mtime=True` when it was opened).
    mtime: bool,
}

/// An open directory listing.
struct OpenDir {
    c: RawBox<ll::lfs_dir_t>,
    /// Entries returned so far, `.` and `..` included.
    seen: u64,
}

/// What the superblock says, after the mount checked it against the device.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct FsInfo {
    pub version: DiskVersion,
    pub name_max: u32,
    pub file_max: u32,
    pub attr_max: u32,
    /// The mount found an operation a power cut had interrupted (a rename between
    /// directories, or orphaned metadata) and finished it: on the device for a read-write
    /// mount, in RAM for a read-only one.
    pub repaired: bool,
}

/// A mounted volume: its open files and directories.
struct Session {
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<OpenDir, DirHandle>,
    readonly: bool,
    info: FsInfo,
}

/// A directory entry or `stat` result as littlefs reports it.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Info {
    pub kind: FileType,
    /// The file's size; 0 for a directory.
    pub size: u32,
    pub name: Name,
    /// The name on the medium is at most [`NAME_MAX`] bytes (`name` holds all of it, decoded).
    pub name_fits: bool,
}

/// A path as littlefs wants it: NUL-terminated.
struct CPath(Vec<u8>);

impl CPath {
    fn new(path: &str) -> Result<CPath> {
        if path.as_bytes().contains(&0) {
            return Err(Errno::EINVAL.with_detail("NUL in path"));
        }
        let mut v = Vec::with_capacity(path.len() + 1);
        v.extend_from_slice(path.as_bytes());
        v.push(0);
        Ok(CPath(v))
    }

    fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast::<c_char>()
    }
}

fn not_mounted() -> Error {
    Errno::ENODEV.with_detail("not mounted")
}

fn read_only() -> Error {
    Errno::EROFS.with_detail("read-only mount")
}

/// `len` as littlefs's `lfs_size_t`; chunks are at most a block, so this never fails in
/// practice.
fn lfs_size(len: usize) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::bug("bug: chunk larger than 4 GiB"))
}

/// Converts an `lfs_info` (a name of up to 256 bytes, NUL-terminated unless the image is
/// damaged). Names that are not valid UTF-8 are decoded lossily.
fn info_from(raw: &ll::lfs_info) -> Info {
    let bytes: Vec<u8> = raw
        .name
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    Info {
        kind: if u32::from(raw.type_) == ll::lfs_type_LFS_TYPE_DIR {
            FileType::Dir
        } else {
            FileType::File
        },
        size: if u32::from(raw.type_) == ll::lfs_type_LFS_TYPE_DIR {
            0
        } else {
            raw.size
        },
        name: Name::from_bytes_lossy(&bytes),
        name_fits: bytes.len() <= NAME_MAX,
    }
}

/// littlefs's read callback.
///
/// # Safety
/// `c` must be the `cfg` of a live [`State<D>`] (whose `context` points to its `io`), called
/// from inside an engine call while no reference to that `io` exists, with `buffer` valid for
/// writing `size` bytes. littlefs guarantees this for the configs [`Engine::new`] makes.
unsafe extern "C" fn read_cb<D: BlockDevice>(
    c: *const ll::lfs_config,
    block: ll::lfs_block_t,
    off: ll::lfs_off_t,
    buffer: *mut c_void,
    size: ll::lfs_size_t,
) -> c_int {
    if size == 0 {
        return 0;
    }
    let Ok(len) = usize::try_from(size) else {
        return ll::lfs_error_LFS_ERR_IO;
    };
    // SAFETY: per this function's contract, `context` points to the `Io<D>` of the state whose
    // config `c` is, and nothing else references it during the callback.
    let io = unsafe { &mut *(*c).context.cast::<Io<D>>() };
    // SAFETY: littlefs passes a buffer (its cache or the caller's) valid for `size` bytes,
    // which it does not touch until the callback returns; `size` is not 0 here.
    let buf = unsafe { core::slice::from_raw_parts_mut(buffer.cast::<u8>(), len) };
    io.read(block, off, buf)
}

/// littlefs's prog callback.
///
/// # Safety
/// As [`read_cb`], with `buffer` valid for reading `size` bytes.
unsafe extern "C" fn prog_cb<D: BlockDevice>(
    c: *const ll::lfs_config,
    block: ll::lfs_block_t,
    off: ll::lfs_off_t,
    buffer: *const c_void,
    size: ll::lfs_size_t,
) -> c_int {
    if size == 0 {
        return 0;
    }
    let Ok(len) = usize::try_from(size) else {
        return ll::lfs_error_LFS_ERR_IO;
    };
    // SAFETY: as in `read_cb`.
    let io = unsafe { &mut *(*c).context.cast::<Io<D>>() };
    // SAFETY: littlefs passes its program cache (or the caller's data) valid for `size` bytes;
    // `size` is not 0 here.
    let data = unsafe { core::slice::from_raw_parts(buffer.cast::<u8>(), len) };
    io.prog(block, off, data)
}

/// littlefs's erase callback.
///
/// # Safety
/// As [`read_cb`].
unsafe extern "C" fn erase_cb<D: BlockDevice>(
    c: *const ll::lfs_config,
    block: ll::lfs_block_t,
) -> c_int {
    // SAFETY: as in `read_cb`.
    let io = unsafe { &mut *(*c).context.cast::<Io<D>>() };
    io.erase(block)
}

/// littlefs's sync callback.
///
/// # Safety
/// As [`read_cb`].
unsafe extern "C" fn sync_cb<D: BlockDevice>(c: *const ll::lfs_config) -> c_int {
    // SAFETY: as in `read_cb`.
    let io = unsafe { &mut *(*c).context.cast::<Io<D>>() };
    io.sync()
}

/// `lfs_fs_traverse`'s callback: counts blocks in use.
///
/// # Safety
/// `data` must point to a `u32` that nothing else references during the traversal.
unsafe extern "C" fn count_cb(data: *mut c_void, _block: ll::lfs_block_t) -> c_int {
    // SAFETY: `Engine::used_blocks` passes a pointer to its local counter, untouched by Rust
    // until `lfs_fs_traverse` returns.
    let n = unsafe { &mut *data.cast::<u32>() };
    *n = n.saturating_add(1);
    0
}

/// What [`find_pair_cb`] looks for: the two blocks of a metadata pair, and whether each was
/// reported.
struct PairSearch {
    pair: [ll::lfs_block_t; 2],
    found: [bool; 2],
}

/// `lfs_fs_traverse`'s callback: notes the blocks of a [`PairSearch`] it reports.
///
/// # Safety
/// `data` must point to a [`PairSearch`] that nothing else references during the traversal.
unsafe extern "C" fn find_pair_cb(data: *mut c_void, block: ll::lfs_block_t) -> c_int {
    // SAFETY: `Engine::pair_in_use` passes a pointer to its local search, untouched by Rust
    // until `lfs_fs_traverse` returns.
    let search = unsafe { &mut *data.cast::<PairSearch>() };
    for (b, found) in search.pair.iter().zip(search.found.iter_mut()) {
        *found |= *b == block;
    }
    0
}

/// Why a read-write mount was refused: a pending move (an interrupted rename, as the global
/// state says) names a metadata pair that is not part of the volume. The damage that cuts a
/// pair out of the metadata chain also drops the global-state delta that pair held, so littlefs
/// sees a rename that never finished; finishing it commits into the lost pair, whose blocks
/// its allocator counts as free, and the new file that gets them is overwritten at the next
/// mount (fuzz finding 4). Matched by [`is_damage_refusal`].
pub(crate) const DAMAGED_MOVE: &str = "damaged image: a pending rename points into metadata \
     that is not part of the volume, and finishing it would write over free space: mount \
     read-only to copy the files off, then mkfs";

/// Why a read-write mount was refused: a pending move was found but the volume's blocks cannot
/// all be walked to check it ([`DAMAGED_MOVE`]). Matched by [`is_damage_refusal`].
pub(crate) const DAMAGED_WALK: &str = "damaged image: a pending rename cannot be checked, as \
     the volume's blocks cannot all be walked: mount read-only to copy the files off, then mkfs";

/// Whether `e` is a read-write mount refused because the image is damaged (readable read-only,
/// so not a volume to format).
pub(crate) fn is_damage_refusal(e: &Error) -> bool {
    e.errno() == Errno::EILSEQ && matches!(e.detail(), Some(DAMAGED_MOVE | DAMAGED_WALK))
}

/// The C littlefs engine on a device `D`, with its open files and directories.
pub(crate) struct Engine<D: BlockDevice> {
    state: RawBox<State<D>>,
    /// Referenced by `cfg.read_buffer`, `prog_buffer`, `lookahead_buffer`.
    _buffers: [RawBox<[u8]>; 3],
    geo: Geometry,
    session: Option<Session>,
}

// SAFETY: an `Engine` owns everything its raw pointers point to (the state, the buffers, the
// open files and directories) and shares none of it; littlefs keeps no global or thread-local
// state. Sending the engine sends all of it, so it is `Send` when the device is.
unsafe impl<D: BlockDevice + Send> Send for Engine<D> {}

impl<D: BlockDevice> Engine<D> {
    /// An unmounted engine on `dev` with the configuration `geo`; `ENOMEM` if the buffers
    /// cannot be allocated.
    pub(crate) fn new(dev: D, geo: Geometry) -> Result<Engine<D>> {
        let read = RawBox::buffer(geo.cache_size)?;
        let prog = RawBox::buffer(geo.cache_size)?;
        let lookahead = RawBox::buffer(geo.lookahead_size)?;
        let io = Io::new(dev, geo.block_size, geo.block_count, geo.op_budget());
        let state = RawBox::new(State {
            lfs: ll::lfs_t::default(),
            cfg: ll::lfs_config::default(),
            io,
        });
        let st = state.as_ptr();
        // SAFETY: `st` points to the state just allocated; nothing else refers to it yet. The
        // pointers stored in the config (the state's own `io`, the buffers) stay valid for as
        // long as the config can be used: all are freed only with the engine.
        unsafe {
            let cfg = &mut *addr_of_mut!((*st).cfg);
            cfg.context = addr_of_mut!((*st).io).cast::<c_void>();
            cfg.read = Some(read_cb::<D>);
            cfg.prog = Some(prog_cb::<D>);
            cfg.erase = Some(erase_cb::<D>);
            cfg.sync = Some(sync_cb::<D>);
            cfg.read_size = geo.read_size;
            cfg.prog_size = geo.prog_size;
            cfg.block_size = geo.block_size;
            cfg.block_count = geo.block_count;
            cfg.block_cycles = geo.block_cycles;
            cfg.cache_size = geo.cache_size;
            cfg.lookahead_size = geo.lookahead_size;
            cfg.read_buffer = read.bytes().cast::<c_void>();
            cfg.prog_buffer = prog.bytes().cast::<c_void>();
            cfg.lookahead_buffer = lookahead.bytes().cast::<c_void>();
            cfg.disk_version = DiskVersion::MICROPYTHON.raw();
        }
        Ok(Engine {
            state,
            _buffers: [read, prog, lookahead],
            geo,
            session: None,
        })
    }

    /// The configuration.
    pub(crate) fn geometry(&self) -> Geometry {
        self.geo
    }

    /// The device.
    pub(crate) fn device(&self) -> &D {
        // SAFETY: `&self` means no engine call is in progress (they all take `&mut self`), so
        // the C code is not using the `io`; the reference lives no longer than `&self`.
        unsafe { &(*self.state.as_ptr()).io.dev }
    }

    fn io(&mut self) -> &mut Io<D> {
        // SAFETY: `&mut self` means no engine call is in progress and no other reference into
        // the state exists; the reference lives no longer than `&mut self`.
        unsafe { &mut (*self.state.as_ptr()).io }
    }

    /// Device operations one engine call may make.
    pub(crate) fn op_budget(&self) -> u64 {
        // SAFETY: as in `device`.
        unsafe { (*self.state.as_ptr()).io.budget() }
    }

    /// Sets the budget of every later engine call.
    pub(crate) fn set_op_budget(&mut self, ops: u64) {
        self.io().set_budget(ops);
    }

    /// Device operations made so far.
    pub(crate) fn device_ops(&self) -> u64 {
        // SAFETY: as in `device`.
        unsafe { (*self.state.as_ptr()).io.ops() }
    }

    /// Gives the device back. Files still open lose what was not flushed; nothing is written.
    pub(crate) fn into_device(self) -> D {
        let Engine { state, session, .. } = self;
        // The open files and listings go first; then nothing points into the state.
        drop(session);
        state.into_inner().io.dev
    }

    /// Runs one engine call: a fresh work budget, then `f` on the `lfs_t`, then the result
    /// mapped to an errno (see [`Io::finish`]).
    fn call(
        &mut self,
        f: impl FnOnce(*mut ll::lfs_t, *const ll::lfs_config) -> c_int,
    ) -> Result<i32> {
        self.io().begin();
        let st = self.state.as_ptr();
        // SAFETY: only field addresses are taken; `st` is the live state.
        let (lfs, cfg) = unsafe { (addr_of_mut!((*st).lfs), addr_of!((*st).cfg)) };
        let rc = f(lfs, cfg);
        self.io().finish(rc)
    }

    /// Whether the last call failed because of the device (not because of what littlefs found
    /// on it).
    pub(crate) fn device_failed(&mut self) -> bool {
        self.io().device_failed()
    }

    fn session(&self) -> Result<&Session> {
        self.session.as_ref().ok_or_else(not_mounted)
    }

    fn writable(&self) -> Result<()> {
        if self.session()?.readonly {
            return Err(read_only());
        }
        Ok(())
    }

    /// Whether a volume is mounted.
    pub(crate) fn is_mounted(&self) -> bool {
        self.session.is_some()
    }

    /// What the mounted volume's superblock says.
    pub(crate) fn info(&self) -> Result<FsInfo> {
        Ok(self.session()?.info)
    }

    /// Whether the mounted volume is read-only.
    pub(crate) fn is_readonly(&self) -> Result<bool> {
        Ok(self.session()?.readonly)
    }

    // ---- format and mount -------------------------------------------------------------

    /// Formats the device with on-disk version `version`. `EBUSY` while mounted.
    pub(crate) fn format(&mut self, version: DiskVersion) -> Result<()> {
        if self.session.is_some() {
            return Err(Errno::EBUSY.with_detail("mounted"));
        }
        self.io().readonly = false;
        self.set_disk_version(version);
        // SAFETY: `lfs` and `cfg` are the state's own; nothing is mounted, so `lfs_format` may
        // (re)initialise the `lfs_t`, and it leaves nothing mounted.
        self.call(|lfs, cfg| unsafe { ll::lfs_format(lfs, cfg) })?;
        Ok(())
    }

    fn set_disk_version(&mut self, version: DiskVersion) {
        // SAFETY: no engine call is in progress (`&mut self`) and nothing is mounted or about
        // to be, so littlefs does not read the config concurrently.
        unsafe { (*self.state.as_ptr()).cfg.disk_version = version.raw() }
    }

    /// `lfs_mount` with the config asking for `version`.
    fn mount_as(&mut self, version: DiskVersion) -> Result<()> {
        self.set_disk_version(version);
        // SAFETY: `lfs` and `cfg` are the state's own and nothing is mounted; on failure
        // `lfs_mount` leaves nothing mounted.
        self.call(|lfs, cfg| unsafe { ll::lfs_mount(lfs, cfg) })?;
        Ok(())
    }

    /// `lfs_unmount` of a volume mounted by `mount_as` (no files open). Whether the device
    /// failed is kept from the call before (a failed mount is undone with this, and the caller
    /// asks [`Engine::device_failed`] afterwards).
    fn unmount_raw(&mut self) {
        let device_failed = self.io().device_failed();
        // SAFETY: a volume is mounted (by `mount_as`) with nothing open; `lfs_unmount` only
        // releases it (the buffers are ours, so it frees nothing) and cannot fail.
        let _ = self.call(|lfs, _| unsafe { ll::lfs_unmount(lfs) });
        self.io().keep_device_failed(device_failed);
    }

    fn fs_stat(&mut self) -> Result<ll::lfs_fsinfo> {
        let mut fsinfo = ll::lfs_fsinfo::default();
        let out = addr_of_mut!(fsinfo);
        // SAFETY: a volume is mounted (by `mount_as`); `out` is valid for writing an
        // `lfs_fsinfo`.
        self.call(|lfs, _| unsafe { ll::lfs_fs_stat(lfs, out) })?;
        Ok(fsinfo)
    }

    /// Mounts the volume, keeping its on-disk version, and checks its superblock against the
    /// device.
    pub(crate) fn mount(&mut self, readonly: bool) -> Result<FsInfo> {
        if self.session.is_some() {
            return Err(Errno::EPERM.with_detail("already mounted"));
        }
        self.io().drop_overlay();
        self.io().readonly = readonly;
        // The newest version the engine writes accepts 2.0 and 2.1 images. A 2.0 image would be
        // upgraded to 2.1 by its first write, so it is mounted again asking for 2.0.
        self.mount_as(DiskVersion::V2_1)?;
        let mut fsinfo = match self.fs_stat() {
            Ok(i) => i,
            Err(e) => {
                self.unmount_raw();
                return Err(e);
            }
        };
        if fsinfo.disk_version == DiskVersion::V2_0.raw() {
            self.unmount_raw();
            self.mount_as(DiskVersion::V2_0)?;
            fsinfo = match self.fs_stat() {
                Ok(i) => i,
                Err(e) => {
                    self.unmount_raw();
                    return Err(e);
                }
            };
        }
        match self
            .check_superblock(&fsinfo)
            .and_then(|info| self.repair(readonly, info))
        {
            Ok(info) => {
                self.session = Some(Session {
                    files: HandleSlab::new(),
                    dirs: HandleSlab::new(),
                    readonly,
                    info,
                });
                Ok(info)
            }
            Err(e) => {
                self.unmount_raw();
                Err(e)
            }
        }
    }

    /// Checks what the superblock says before anything relies on it. littlefs has already
    /// refused a block size or count other than the device's and limits over its own; this
    /// checks the same again, that a root was found, and that the version is one it writes.
    fn check_superblock(&mut self, fsinfo: &ll::lfs_fsinfo) -> Result<FsInfo> {
        let version = DiskVersion::from_raw(fsinfo.disk_version)
            .ok_or(Errno::EINVAL.with_detail("unsupported littlefs disk version"))?;
        if fsinfo.block_size != self.geo.block_size || fsinfo.block_count != self.geo.block_count {
            return Err(Errno::EINVAL.with_detail("superblock geometry differs from the device"));
        }
        if fsinfo.name_max == 0
            || fsinfo.name_max > ll::LFS_NAME_MAX
            || fsinfo.file_max == 0
            || fsinfo.file_max > ll::LFS_FILE_MAX
            || fsinfo.attr_max > ll::LFS_ATTR_MAX
        {
            return Err(Errno::EINVAL.with_detail("superblock limits out of range"));
        }
        // SAFETY: no engine call is in progress; `root` is plain data littlefs set at mount.
        let root = unsafe { (*self.state.as_ptr()).lfs.root };
        if root[0] >= self.geo.block_count || root[1] >= self.geo.block_count {
            return Err(Errno::EILSEQ.with_detail("littlefs: no superblock found"));
        }
        Ok(FsInfo {
            version,
            name_max: fsinfo.name_max,
            file_max: fsinfo.file_max,
            attr_max: fsinfo.attr_max,
            repaired: false,
        })
    }

    /// Finishes what a power cut interrupted, before anything reads the volume.
    ///
    /// littlefs finishes an interrupted rename between directories (a pending move in its
    /// global state) and drops orphaned metadata pairs only before its first write. Until then
    /// its read path is wrong about the directory holding the move: listing and looking up
    /// skip the entry *after* the moved one as well (seen in littlefs 2.9 and 2.11). So every
    /// mount runs `lfs_fs_mkconsistent` when that state is pending; a read-only mount runs it
    /// against a RAM overlay of the blocks it changes (see [`Io`]), so the device is still
    /// never written.
    ///
    /// A pending move is first checked against the volume ([`Engine::pair_in_use`]): on a
    /// damaged image it can name a metadata pair that is no longer part of the volume, and
    /// finishing it would write there, into blocks the allocator hands out as free (see
    /// [`DAMAGED_MOVE`]). A read-write mount of such an image fails; a read-only one leaves the
    /// phantom move alone, since nothing it can reach lives in that pair.
    fn repair(&mut self, readonly: bool, mut info: FsInfo) -> Result<FsInfo> {
        // SAFETY: no engine call is in progress; `gdisk` is plain data littlefs set at mount
        // (the global state as found on the medium, which its repair acts on).
        let gdisk = unsafe { (*self.state.as_ptr()).lfs.gdisk };
        let orphans = gdisk.tag & 0x1ff != 0;
        let moving = gdisk.tag & 0x7000_0000 != 0;
        if !orphans && !moving {
            return Ok(info);
        }
        if moving {
            match self.pair_in_use(gdisk.pair) {
                Ok(true) => {}
                Ok(false) if readonly => return Ok(info),
                Ok(false) => return Err(Errno::EILSEQ.with_detail(DAMAGED_MOVE)),
                // Read-only, the repair below runs in RAM and decides; read-write, a volume
                // that cannot be walked cannot be written safely either.
                Err(_) if readonly => {}
                Err(e) if self.io().device_failed() => return Err(e),
                Err(_) => return Err(Errno::EILSEQ.with_detail(DAMAGED_WALK)),
            }
        }
        if readonly {
            self.io().set_overlay_writable(true);
        }
        // SAFETY: a volume is mounted (by `mount_as`) with nothing open.
        let r = self.call(|lfs, _| unsafe { ll::lfs_fs_mkconsistent(lfs) });
        self.io().set_overlay_writable(false);
        r?;
        info.repaired = true;
        Ok(info)
    }

    /// Whether both blocks of `pair` are in use: reported by `lfs_fs_traverse`, which is how
    /// littlefs's allocator learns which blocks are taken (a directory's pair as part of the
    /// metadata chain or as its parent's entry; a file's blocks).
    fn pair_in_use(&mut self, pair: [ll::lfs_block_t; 2]) -> Result<bool> {
        let mut search = PairSearch {
            pair,
            found: [false; 2],
        };
        let out = addr_of_mut!(search);
        // SAFETY: a volume is mounted (by `mount_as`); `out` points to `search`, which nothing
        // else touches until the traversal returns (see `find_pair_cb`).
        self.call(|lfs, _| unsafe {
            ll::lfs_fs_traverse(lfs, Some(find_pair_cb), out.cast::<c_void>())
        })?;
        Ok(search.found == [true; 2])
    }

    /// Closes (and so flushes) every open file and every listing, then unmounts. The volume is
    /// unmounted afterwards even if a flush failed; the first error is returned.
    pub(crate) fn unmount(&mut self) -> Result<()> {
        let Some(session) = self.session.as_ref() else {
            return Err(not_mounted());
        };
        let files = session.files.handles();
        let dirs = session.dirs.handles();
        let mut first = Ok(());
        for h in files {
            if let Err(e) = self.close(h) {
                first = first.and(Err(e));
            }
        }
        for h in dirs {
            if let Err(e) = self.closedir(h) {
                first = first.and(Err(e));
            }
        }
        self.unmount_raw();
        self.session = None;
        self.io().drop_overlay();
        first
    }

    // ---- files ---------------------------------------------------------------------------

    /// Opens `path` with littlefs `flags`. With `mtime`, the file carries MicroPython's mtime
    /// attribute (type 1, 8 bytes) with that value: littlefs reads the stored one into it when
    /// the file is readable, and writes it back at every sync when it is writable.
    pub(crate) fn open(
        &mut self,
        path: &str,
        flags: i32,
        mtime: Option<u64>,
    ) -> Result<FileHandle> {
        let path = CPath::new(path)?;
        let flags_u = u32::try_from(flags).map_err(|_| Errno::EINVAL)?;
        let write = flags_u & ll::lfs_open_flags_LFS_O_WRONLY != 0;
        let changes = ll::lfs_open_flags_LFS_O_CREAT
            | ll::lfs_open_flags_LFS_O_EXCL
            | ll::lfs_open_flags_LFS_O_TRUNC
            | ll::lfs_open_flags_LFS_O_APPEND;
        if !write && flags_u & changes != 0 {
            return Err(
                Errno::EINVAL.with_detail("creating, truncating or appending needs write access")
            );
        }
        if write {
            self.writable()?;
        } else {
            self.session()?;
        }
        let cache = RawBox::buffer(self.geo.cache_size)?;
        let c = RawBox::new(FileC {
            file: ll::lfs_file_t::default(),
            fcfg: ll::lfs_file_config::default(),
            attr: ll::lfs_attr::default(),
            mtime: mtime.unwrap_or(0).to_le_bytes(),
            _cache: cache,
        });
        let fc = c.as_ptr();
        // SAFETY: `fc` points to the `FileC` just allocated, which nothing else refers to yet.
        // The pointers stored in it point into itself and stay valid as long as it lives.
        unsafe {
            (*fc).fcfg.buffer = (*fc)._cache.bytes().cast::<c_void>();
            if mtime.is_some() {
                (*fc).attr.type_ = super::MTIME_ATTR;
                (*fc).attr.buffer = addr_of_mut!((*fc).mtime).cast::<c_void>();
                (*fc).attr.size = 8;
                (*fc).fcfg.attrs = addr_of_mut!((*fc).attr);
                (*fc).fcfg.attr_count = 1;
            }
        }
        // SAFETY: a volume is mounted (checked above); `fc`'s file is not open (it is new) and
        // stays at this address until it is closed; its config and path are valid.
        self.call(|lfs, _| unsafe {
            ll::lfs_file_opencfg(
                lfs,
                addr_of_mut!((*fc).file),
                path.as_ptr(),
                flags,
                addr_of!((*fc).fcfg),
            )
        })?;
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| Error::bug("bug: unmounted during open"))?;
        let h = session.files.insert(OpenFile {
            c,
            write,
            mtime: mtime.is_some(),
        });
        Ok(h)
    }

    /// The open file behind `h`: its C side and its access.
    fn file(&self, h: FileHandle) -> Result<(*mut FileC, &OpenFile)> {
        let f = self.session()?.files.get(h)?;
        Ok((f.c.as_ptr(), f))
    }

    /// Flushes and closes a file; the handle is gone afterwards even if the flush failed.
    pub(crate) fn close(&mut self, h: FileHandle) -> Result<()> {
        let session = self.session.as_mut().ok_or_else(not_mounted)?;
        let f = session.files.remove(h)?;
        let fc = f.c.as_ptr();
        // SAFETY: the file is open on the mounted volume; `lfs_file_close` unlinks it from the
        // `lfs_t` whatever happens, after which `f` (dropped below) may be freed.
        let r = self.call(|lfs, _| unsafe { ll::lfs_file_close(lfs, addr_of_mut!((*fc).file)) });
        drop(f);
        r.map(drop)
    }

    /// Reads at the file position, one block per engine call. As under MicroPython's
    /// `VfsLfs2`, a file opened only for writing reads too (littlefs's read needs nothing of the
    /// open flags but a flush of pending writes, which it does first).
    pub(crate) fn read(&mut self, h: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let (fc, _) = self.file(h)?;
        let chunk = self.geo.block_size as usize;
        let mut done = 0;
        for part in buf.chunks_mut(chunk.max(1)) {
            let len = lfs_size(part.len())?;
            let dst = part.as_mut_ptr();
            // SAFETY: the file is open on the mounted volume (in any mode: littlefs's read
            // flushes pending writes first and then only reads); `dst` is valid for writing
            // `len` bytes.
            let r = self.call(|lfs, _| unsafe {
                ll::lfs_file_read(lfs, addr_of_mut!((*fc).file), dst.cast::<c_void>(), len)
            });
            match r {
                Ok(n) => {
                    let n = n as usize;
                    done += n;
                    if n < part.len() {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    /// Sets the mtime attribute's value, if the file carries it.
    fn stamp(&mut self, fc: *mut FileC, has_attr: bool, now: Option<u64>) {
        if let (true, Some(ns)) = (has_attr, now) {
            // SAFETY: `fc` is a live open file of this engine; no engine call is in progress
            // (`&mut self`), and the C code reads these bytes only inside engine calls.
            unsafe { addr_of_mut!((*fc).mtime).write(ns.to_le_bytes()) }
        }
    }

    /// Writes at the file position, one block per engine call. In append mode littlefs moves a
    /// position before the end to the end first; a position past the end (after a seek) stays,
    /// the gap reading as zeros, as under MicroPython. An appending file starts at position 0
    /// (littlefs's, and MicroPython's, `tell()` after `open(.., "a")`).
    /// With `now`, the mtime attribute is set to it first (MicroPython stamps every write).
    pub(crate) fn write(&mut self, h: FileHandle, data: &[u8], now: Option<u64>) -> Result<usize> {
        let (fc, f) = self.file(h)?;
        if !f.write {
            return Err(Errno::EBADF.with_detail("file not open for writing"));
        }
        let has_attr = f.mtime;
        let chunk = self.geo.block_size as usize;
        let mut done = 0;
        for part in data.chunks(chunk.max(1)) {
            self.stamp(fc, has_attr, now);
            let len = lfs_size(part.len())?;
            let src = part.as_ptr();
            // SAFETY: the file is open for writing on the mounted volume; `src` is valid for
            // reading `len` bytes.
            let r = self.call(|lfs, _| unsafe {
                ll::lfs_file_write(lfs, addr_of_mut!((*fc).file), src.cast::<c_void>(), len)
            });
            match r {
                Ok(n) => {
                    let n = n as usize;
                    done += n;
                    if n < part.len() {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    /// Moves the file position; positions up to littlefs's file limit (2 GiB - 1) are allowed,
    /// also past the end.
    pub(crate) fn seek(&mut self, h: FileHandle, pos: SeekFrom) -> Result<u64> {
        let (fc, _) = self.file(h)?;
        // SAFETY: the file is open on the mounted volume.
        let cur =
            self.call(|lfs, _| unsafe { ll::lfs_file_tell(lfs, addr_of_mut!((*fc).file)) })?;
        // SAFETY: as above.
        let size =
            self.call(|lfs, _| unsafe { ll::lfs_file_size(lfs, addr_of_mut!((*fc).file)) })?;
        let target = pos.resolve(cur as u64, size as u64)?;
        let target = i32::try_from(target)
            .map_err(|_| Errno::EINVAL.with_detail("position past littlefs's 2 GiB file limit"))?;
        // SAFETY: as above.
        let new = self.call(|lfs, _| unsafe {
            ll::lfs_file_seek(
                lfs,
                addr_of_mut!((*fc).file),
                target,
                ll::lfs_whence_flags_LFS_SEEK_SET as c_int,
            )
        })?;
        Ok(new as u64)
    }

    /// Makes the file's content durable (`lfs_file_sync`).
    pub(crate) fn flush(&mut self, h: FileHandle) -> Result<()> {
        let (fc, _) = self.file(h)?;
        // SAFETY: the file is open on the mounted volume (a file open only for reading has
        // nothing to write).
        self.call(|lfs, _| unsafe { ll::lfs_file_sync(lfs, addr_of_mut!((*fc).file)) })?;
        Ok(())
    }

    /// Cuts or zero-extends the file; the position stays. With `now`, the mtime attribute is
    /// set to it.
    pub(crate) fn truncate(&mut self, h: FileHandle, len: u64, now: Option<u64>) -> Result<()> {
        let (fc, f) = self.file(h)?;
        if !f.write {
            return Err(Errno::EBADF.with_detail("file not open for writing"));
        }
        let has_attr = f.mtime;
        let file_max = self.session()?.info.file_max;
        let len = u32::try_from(len)
            .ok()
            .filter(|&l| l <= file_max)
            .ok_or(Errno::EFBIG.with_detail("past littlefs's file size limit"))?;
        self.stamp(fc, has_attr, now);
        // SAFETY: the file is open for writing on the mounted volume.
        self.call(|lfs, _| unsafe { ll::lfs_file_truncate(lfs, addr_of_mut!((*fc).file), len) })?;
        Ok(())
    }

    /// Flushes every file open for writing; the first error is returned, the others still
    /// tried.
    pub(crate) fn sync_files(&mut self) -> Result<()> {
        let session = self.session()?;
        let writers: Vec<FileHandle> = session
            .files
            .iter()
            .filter(|(_, f)| f.write)
            .map(|(h, _)| h)
            .collect();
        let mut first = Ok(());
        for h in writers {
            if let Err(e) = self.flush(h) {
                first = first.and(Err(e));
            }
        }
        first
    }

    /// Makes completed device writes durable (the device's own `sync`).
    pub(crate) fn sync_device(&mut self) -> Result<()> {
        self.io().dev.sync()
    }

    // ---- directories ---------------------------------------------------------------------

    /// Starts listing `path`.
    pub(crate) fn opendir(&mut self, path: &str) -> Result<DirHandle> {
        let path = CPath::new(path)?;
        self.session()?;
        let c = RawBox::new(ll::lfs_dir_t::default());
        let dc = c.as_ptr();
        // SAFETY: a volume is mounted; the directory struct is new (not open) and stays at
        // this address until it is closed; the path is NUL-terminated.
        self.call(|lfs, _| unsafe { ll::lfs_dir_open(lfs, dc, path.as_ptr()) })?;
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| Error::bug("bug: unmounted during opendir"))?;
        Ok(session.dirs.insert(OpenDir { c, seen: 0 }))
    }

    /// The next entry other than `.` and `..`, or `None` at the end. `EIO` if the listing goes
    /// on longer than any real directory could ([`Geometry::listing_cap`]), and `EIO` for an
    /// entry whose name is not a path component (damaged metadata: a name with a `/`, empty,
    /// `.`, `..`, or longer than [`NAME_MAX`]); the listing can go on past it.
    pub(crate) fn readdir(&mut self, h: DirHandle) -> Result<Option<Info>> {
        let cap = self.geo.listing_cap();
        loop {
            let (dc, position) = {
                let session = self.session.as_mut().ok_or_else(not_mounted)?;
                let d = session.dirs.get_mut(h)?;
                d.seen += 1;
                if d.seen > cap {
                    return Err(
                        Errno::EIO.with_detail("directory listing does not end (damaged image?)")
                    );
                }
                (d.c.as_ptr(), d.seen)
            };
            let mut raw = ll::lfs_info::default();
            let out = addr_of_mut!(raw);
            // SAFETY: the directory is open on the mounted volume; `out` is valid for writing
            // an `lfs_info`.
            let n = self.call(|lfs, _| unsafe { ll::lfs_dir_read(lfs, dc, out) })?;
            if n == 0 {
                return Ok(None);
            }
            let info = info_from(&raw);
            // littlefs makes up `.` and `..` as the first two entries of every listing; any
            // later entry comes from the medium, and a damaged one can be called anything.
            let synthetic = match position {
                1 => Some("."),
                2 => Some(".."),
                _ => None,
            };
            if let Some(expected) = synthetic {
                if info.name.as_str() != expected {
                    return Err(Error::bug("bug: littlefs listing without '.' and '..'"));
                }
                continue;
            }
            if !info.name_fits || !path::is_component(info.name.as_str()) {
                return Err(Errno::EIO.with_detail("damaged directory entry: not a name"));
            }
            return Ok(Some(info));
        }
    }

    /// Ends a listing.
    pub(crate) fn closedir(&mut self, h: DirHandle) -> Result<()> {
        let session = self.session.as_mut().ok_or_else(not_mounted)?;
        let d = session.dirs.remove(h)?;
        let dc = d.c.as_ptr();
        // SAFETY: the directory is open on the mounted volume; `lfs_dir_close` unlinks it
        // (always), after which `d` may be freed.
        let r = self.call(|lfs, _| unsafe { ll::lfs_dir_close(lfs, dc) });
        drop(d);
        r.map(drop)
    }

    // ---- paths ---------------------------------------------------------------------------

    /// `lfs_mkdir`.
    pub(crate) fn mkdir(&mut self, path: &str) -> Result<()> {
        let path = CPath::new(path)?;
        self.writable()?;
        // SAFETY: a volume is mounted read-write; the path is NUL-terminated.
        self.call(|lfs, _| unsafe { ll::lfs_mkdir(lfs, path.as_ptr()) })?;
        Ok(())
    }

    /// `lfs_remove`: a file, or an empty directory.
    pub(crate) fn remove(&mut self, path: &str) -> Result<()> {
        let path = CPath::new(path)?;
        self.writable()?;
        // SAFETY: as in `mkdir`.
        self.call(|lfs, _| unsafe { ll::lfs_remove(lfs, path.as_ptr()) })?;
        Ok(())
    }

    /// `lfs_rename`.
    pub(crate) fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let from = CPath::new(from)?;
        let to = CPath::new(to)?;
        self.writable()?;
        // SAFETY: as in `mkdir`, for both paths.
        self.call(|lfs, _| unsafe { ll::lfs_rename(lfs, from.as_ptr(), to.as_ptr()) })?;
        Ok(())
    }

    /// `lfs_stat`.
    pub(crate) fn stat(&mut self, path: &str) -> Result<Info> {
        let path = CPath::new(path)?;
        self.session()?;
        let mut raw = ll::lfs_info::default();
        let out = addr_of_mut!(raw);
        // SAFETY: a volume is mounted; the path is NUL-terminated; `out` is valid for writing
        // an `lfs_info`.
        self.call(|lfs, _| unsafe { ll::lfs_stat(lfs, path.as_ptr(), out) })?;
        Ok(info_from(&raw))
    }

    /// `lfs_getattr`: reads user attribute `ty` of `path` into `buf` (zero-padded) and
    /// returns its stored size; `ENODATA` if there is none.
    pub(crate) fn getattr(&mut self, path: &str, ty: u8, buf: &mut [u8]) -> Result<usize> {
        let path = CPath::new(path)?;
        self.session()?;
        let len = lfs_size(buf.len())?;
        let dst = buf.as_mut_ptr();
        // SAFETY: a volume is mounted; the path is NUL-terminated; `dst` is valid for writing
        // `len` bytes (littlefs writes at most that many).
        let n = self.call(|lfs, _| unsafe {
            ll::lfs_getattr(lfs, path.as_ptr(), ty, dst.cast::<c_void>(), len)
        })?;
        Ok(n as usize)
    }

    /// Blocks in use, counted as MicroPython counts them (`lfs_fs_traverse`, orphans
    /// included).
    pub(crate) fn used_blocks(&mut self) -> Result<u32> {
        self.session()?;
        let mut n: u32 = 0;
        let counter = addr_of_mut!(n);
        // SAFETY: a volume is mounted; `counter` points to `n`, which nothing else touches
        // until the traversal returns (see `count_cb`).
        self.call(|lfs, _| unsafe {
            ll::lfs_fs_traverse(lfs, Some(count_cb), counter.cast::<c_void>())
        })?;
        Ok(n)
    }
}
