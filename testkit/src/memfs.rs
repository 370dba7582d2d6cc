//! [`MemFs`]: a complete filesystem in memory, and the reference model of the differential tests.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use uvfs_os_api::path;
use uvfs_os_api::{
    DirEntry, DirHandle, Errno, Error, FileHandle, FileType, Filesystem, FixedTime, HandleSlab,
    Name, OpenMode, Result, SeekFrom, Stat, StatVfs, TimeSource, Timestamp, NAME_MAX,
};

use crate::profile::{Action, Append, Profile, Rules};

/// The block size `statvfs` reports and space is counted in.
pub const MEMFS_BLOCK_SIZE: u64 = 512;

/// The capacity of a new [`MemFs`], in [`MEMFS_BLOCK_SIZE`] blocks: 16 MiB.
pub const MEMFS_DEFAULT_BLOCKS: u64 = 32 * 1024;

type NodeId = u64;
const ROOT: NodeId = 0;

enum Content {
    File(Vec<u8>),
    Dir(BTreeMap<String, NodeId>),
}

struct Node {
    content: Content,
    mtime: Timestamp,
    /// Open file handles on this node.
    open: usize,
    /// Still reachable from the root (false once removed while open).
    linked: bool,
}

struct OpenFile {
    node: NodeId,
    pos: u64,
    mode: OpenMode,
}

struct OpenDir {
    entries: std::vec::IntoIter<DirEntry>,
}

/// A filesystem in memory: a tree of directories and files, any number of them open at once.
///
/// It serves two purposes:
/// - a RAM filesystem for users (mount it in a `uvfs_vfs_core::Vfs` like any backend);
/// - the **reference model** of the differential tests: given a [`Profile`], it returns exactly
///   the errnos that backend returns (see [`crate::profile`] for the table), so a backend and a
///   `MemFs` of its profile must agree on every call.
///
/// Behaviour, as every backend must (see [`Filesystem`]):
/// - paths are resolved lexically with [`path::normalize`] (`EINVAL`, `ENAMETOOLONG`; a
///   trailing slash on a file is `ENOTDIR`);
/// - every call but `mount` on an unmounted `MemFs` is `ENODEV`; `umount` closes every file and
///   listing (their handles become stale, `EBADF`);
/// - a read-only mount refuses every change with `EROFS`, at `open` for any writing mode;
/// - reading through a handle opened without `read`, or writing (or truncating) without
///   `write`, is `EBADF`;
/// - a position past the end is allowed; a write there fills the gap with zeros;
/// - listings are sorted by name and are a snapshot taken by `opendir`;
/// - space is counted in 512-byte blocks of file data against a capacity
///   ([`MemFs::with_capacity`]); a write that does not fit is cut short, and `ENOSPC` when
///   nothing fits;
/// - modification times come from a [`TimeSource`] ([`MemFs::with_clock`]; by default a fixed
///   2000-01-01), reported as `stat` fields 7-9 where the profile keeps times;
/// - a file removed or replaced while open stays readable and writable through its handles
///   until closed (as in POSIX), and its space is freed then.
///
/// ```
/// use uvfs_os_api::{Filesystem, OpenMode};
/// use uvfs_testkit::MemFs;
///
/// let mut fs = MemFs::new();
/// fs.mount(false, false)?;
/// let f = fs.open("/hello.txt", OpenMode::WRITE)?;
/// fs.write(f, b"hello")?;
/// fs.close(f)?;
/// assert_eq!(fs.stat("/hello.txt")?.size, 5);
/// # Ok::<(), uvfs_os_api::Error>(())
/// ```
pub struct MemFs {
    profile: Profile,
    rules: &'static Rules,
    nodes: HashMap<NodeId, Node>,
    next_id: NodeId,
    formatted: bool,
    /// `Some(readonly)` while mounted.
    mounted: Option<bool>,
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<OpenDir, DirHandle>,
    clock: Box<dyn TimeSource + Send>,
    capacity: u64,
    used: u64,
    /// The current directory (`chdir`), which a FAT profile refuses to remove.
    cwd: String,
}

fn blocks_for(len: u64) -> u64 {
    len.div_ceil(MEMFS_BLOCK_SIZE)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

impl fmt::Debug for MemFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemFs")
            .field("profile", &self.profile)
            .field("formatted", &self.formatted)
            .field("mounted", &self.mounted)
            .field("nodes", &self.nodes.len())
            .field("open_files", &self.files.len())
            .field("used_blocks", &self.used)
            .field("capacity_blocks", &self.capacity)
            .finish()
    }
}

impl MemFs {
    /// An empty, formatted, unmounted `MemFs` with uvfs's default profile ([`Profile::Mem`]).
    pub fn new() -> MemFs {
        MemFs::with_profile(Profile::Mem)
    }

    /// An empty, formatted, unmounted `MemFs` that behaves like `profile`'s backend.
    pub fn with_profile(profile: Profile) -> MemFs {
        let mut fs = MemFs::unformatted(profile);
        fs.reset_tree();
        fs.formatted = true;
        fs
    }

    /// A `MemFs` with no filesystem on it: `mount` fails with `ENODEV` unless asked to format
    /// (`mkfs`), as an unformatted FAT volume does.
    pub fn unformatted(profile: Profile) -> MemFs {
        MemFs {
            profile,
            rules: profile.rules(),
            nodes: HashMap::new(),
            next_id: 1,
            formatted: false,
            mounted: None,
            files: HandleSlab::new(),
            dirs: HandleSlab::new(),
            clock: Box::new(FixedTime(Timestamp::from_secs(Timestamp::EPOCH_2000))),
            capacity: MEMFS_DEFAULT_BLOCKS,
            used: 0,
            cwd: String::from("/"),
        }
    }

    /// Sets the capacity in 512-byte blocks (what `statvfs` reports; writes beyond it are
    /// `ENOSPC`).
    pub fn with_capacity(mut self, blocks: u64) -> MemFs {
        self.capacity = blocks;
        self
    }

    /// Takes modification times from `clock` instead of the fixed 2000-01-01.
    pub fn with_clock(mut self, clock: impl TimeSource + Send + 'static) -> MemFs {
        self.clock = Box::new(clock);
        self
    }

    /// The profile this filesystem follows.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether it is mounted, and read-only: `None` when unmounted, `Some(readonly)` otherwise.
    pub fn mounted(&self) -> Option<bool> {
        self.mounted
    }

    /// Number of open files.
    pub fn open_files(&self) -> usize {
        self.files.len()
    }

    /// Blocks of file data in use (files removed while still open included).
    pub fn used_blocks(&self) -> u64 {
        self.used
    }

    /// Erases everything and makes an empty filesystem (MicroPython's `mkfs`). `EBUSY` while
    /// mounted.
    pub fn format(&mut self) -> Result<()> {
        if self.mounted.is_some() {
            return Err(Errno::EBUSY.with_detail("format while mounted"));
        }
        self.reset_tree();
        self.formatted = true;
        Ok(())
    }

    fn reset_tree(&mut self) {
        self.nodes.clear();
        self.used = 0;
        self.next_id = 1;
        let now = self.clock.now();
        self.nodes.insert(
            ROOT,
            Node {
                content: Content::Dir(BTreeMap::new()),
                mtime: now,
                open: 0,
                linked: true,
            },
        );
    }

    // ---- checks ----------------------------------------------------------------------------

    fn ready(&self) -> Result<()> {
        match self.mounted {
            Some(_) => Ok(()),
            None => Err(Errno::ENODEV.with_detail("not mounted")),
        }
    }

    /// Mounted, and `p` resolved lexically ([`path::normalize`]); a trailing slash on something
    /// that is not a directory is `ENOTDIR`, as POSIX says.
    fn ready_path(&self, p: &str) -> Result<String> {
        self.ready()?;
        let n = path::normalize(p)?;
        if n.trailing_slash {
            if let Ok(id) = self.lookup(&n.path) {
                if !self.is_dir(id)? {
                    return Err(Errno::ENOTDIR.into());
                }
            }
        }
        Ok(n.path)
    }

    fn writable(&self) -> Result<()> {
        match self.mounted {
            Some(false) => Ok(()),
            Some(true) => Err(Errno::EROFS.into()),
            None => Err(Errno::ENODEV.with_detail("not mounted")),
        }
    }

    // ---- the tree --------------------------------------------------------------------------

    fn node(&self, id: NodeId) -> Result<&Node> {
        self.nodes
            .get(&id)
            .ok_or(Error::bug("bug: memfs node vanished"))
    }

    fn node_mut(&mut self, id: NodeId) -> Result<&mut Node> {
        self.nodes
            .get_mut(&id)
            .ok_or(Error::bug("bug: memfs node vanished"))
    }

    fn children(&self, dir: NodeId) -> Result<&BTreeMap<String, NodeId>> {
        match &self.node(dir)?.content {
            Content::Dir(map) => Ok(map),
            Content::File(_) => Err(self.rules.not_dir_component.into()),
        }
    }

    fn children_mut(&mut self, dir: NodeId) -> Result<&mut BTreeMap<String, NodeId>> {
        let not_dir = self.rules.not_dir_component;
        match &mut self.node_mut(dir)?.content {
            Content::Dir(map) => Ok(map),
            Content::File(_) => Err(not_dir.into()),
        }
    }

    fn is_dir(&self, id: NodeId) -> Result<bool> {
        Ok(matches!(self.node(id)?.content, Content::Dir(_)))
    }

    /// The directory holding the last component of `p`, and that component; `None` for `/`.
    /// A missing intermediate directory is `ENOENT`; a file in its place is the profile's
    /// "not a directory" errno.
    fn parent_of<'p>(&self, p: &'p str) -> Result<Option<(NodeId, &'p str)>> {
        let Some((parent, name)) = path::split_last(p) else {
            return Ok(None);
        };
        let mut cur = ROOT;
        for comp in path::components(parent) {
            let next = *self.children(cur)?.get(comp).ok_or(Errno::ENOENT)?;
            if !self.is_dir(next)? {
                return Err(self.rules.not_dir_component.into());
            }
            cur = next;
        }
        Ok(Some((cur, name)))
    }

    /// The node at `p`; `ENOENT` if missing.
    fn lookup(&self, p: &str) -> Result<NodeId> {
        match self.parent_of(p)? {
            None => Ok(ROOT),
            Some((dir, name)) => self
                .children(dir)?
                .get(name)
                .copied()
                .ok_or(Errno::ENOENT.into()),
        }
    }

    fn add_node(&mut self, dir: NodeId, name: &str, content: Content) -> Result<NodeId> {
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG.into());
        }
        let id = self.next_id;
        self.next_id += 1;
        let mtime = self.clock.now();
        self.nodes.insert(
            id,
            Node {
                content,
                mtime,
                open: 0,
                linked: true,
            },
        );
        self.children_mut(dir)?.insert(String::from(name), id);
        self.touch(dir)?;
        Ok(id)
    }

    fn touch(&mut self, id: NodeId) -> Result<()> {
        let now = self.clock.now();
        self.node_mut(id)?.mtime = now;
        Ok(())
    }

    /// Detaches `name` from `dir`; the node is freed now, or at its last close if open.
    fn unlink(&mut self, dir: NodeId, name: &str) -> Result<()> {
        let id = self.children_mut(dir)?.remove(name).ok_or(Errno::ENOENT)?;
        self.touch(dir)?;
        let node = self.node_mut(id)?;
        node.linked = false;
        if node.open == 0 {
            self.free(id)?;
        }
        Ok(())
    }

    fn free(&mut self, id: NodeId) -> Result<()> {
        let node = self
            .nodes
            .remove(&id)
            .ok_or(Error::bug("bug: memfs freed a missing node"))?;
        if let Content::File(data) = node.content {
            self.used = self.used.saturating_sub(blocks_for(len_u64(data.len())));
        }
        Ok(())
    }

    fn dir_is_empty(&self, id: NodeId) -> Result<bool> {
        Ok(self.children(id)?.is_empty())
    }

    fn file_len(&self, id: NodeId) -> Result<u64> {
        match &self.node(id)?.content {
            Content::File(data) => Ok(len_u64(data.len())),
            Content::Dir(_) => Err(Error::bug("bug: memfs file handle on a directory")),
        }
    }

    /// Resizes a file's data to `new_len`, zero-filling, within the capacity.
    fn set_len(&mut self, id: NodeId, new_len: u64) -> Result<()> {
        let old_len = self.file_len(id)?;
        let (old_blocks, new_blocks) = (blocks_for(old_len), blocks_for(new_len));
        let others = self.used.saturating_sub(old_blocks);
        if new_blocks > old_blocks && others.saturating_add(new_blocks) > self.capacity {
            return Err(Errno::ENOSPC.into());
        }
        let new_usize = usize::try_from(new_len).map_err(|_| Errno::EFBIG)?;
        if let Content::File(data) = &mut self.node_mut(id)?.content {
            data.resize(new_usize, 0);
        }
        self.used = others.saturating_add(new_blocks);
        Ok(())
    }

    /// Writes `data` at `pos`, cutting it short at the capacity; returns the bytes written.
    fn write_at(&mut self, id: NodeId, pos: u64, data: &[u8]) -> Result<usize> {
        let len = self.file_len(id)?;
        let room = self
            .capacity
            .saturating_sub(self.used.saturating_sub(blocks_for(len)))
            .saturating_mul(MEMFS_BLOCK_SIZE)
            .max(len);
        if pos >= room {
            return Err(Errno::ENOSPC.into());
        }
        let fits = usize::try_from(room - pos).unwrap_or(usize::MAX);
        let n = data.len().min(fits);
        let end = pos.checked_add(len_u64(n)).ok_or(Errno::EFBIG)?;
        if end > len {
            self.set_len(id, end)?;
        }
        let start = usize::try_from(pos).map_err(|_| Errno::EFBIG)?;
        if let Content::File(buf) = &mut self.node_mut(id)?.content {
            let dst = buf
                .get_mut(start..start + n)
                .ok_or(Error::bug("bug: memfs write outside the file"))?;
            dst.copy_from_slice(&data[..n]);
        }
        self.touch(id)?;
        Ok(n)
    }

    fn entry(&self, name: &str, id: NodeId) -> Result<DirEntry> {
        let node = self.node(id)?;
        let (kind, len) = match &node.content {
            Content::File(data) => (FileType::File, len_u64(data.len())),
            Content::Dir(_) => (FileType::Dir, 0),
        };
        Ok(DirEntry {
            name: Name::new(name)?,
            kind,
            inode: self.inode(id),
            size: self.rules.entry_size.then_some(len),
        })
    }

    fn inode(&self, id: NodeId) -> u64 {
        if self.rules.inodes {
            id + 1
        } else {
            0
        }
    }

    fn release(&mut self, file: OpenFile) -> Result<()> {
        let node = self.node_mut(file.node)?;
        node.open = node.open.saturating_sub(1);
        if node.open == 0 && !node.linked {
            self.free(file.node)?;
        }
        Ok(())
    }

    fn open_file(&self, file: FileHandle) -> Result<&OpenFile> {
        self.ready()?;
        self.files.get(file)
    }
}

impl Filesystem for MemFs {
    fn type_name(&self) -> &'static str {
        "MemFs"
    }

    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        if self.mounted.is_some() {
            return Err(Errno::EPERM.with_detail("already mounted"));
        }
        if !self.formatted {
            if !mkfs {
                return Err(Errno::ENODEV.with_detail("no filesystem"));
            }
            self.format()?;
        }
        self.mounted = Some(readonly);
        Ok(())
    }

    fn umount(&mut self) -> Result<()> {
        self.ready()?;
        for h in self.files.handles() {
            if let Ok(file) = self.files.remove(h) {
                self.release(file)?;
            }
        }
        for h in self.dirs.handles() {
            let _ = self.dirs.remove(h);
        }
        self.mounted = None;
        Ok(())
    }

    fn open(&mut self, p: &str, mode: OpenMode) -> Result<FileHandle> {
        let trailing = p.len() > 1 && p.ends_with('/');
        let p = &self.ready_path(p)?;
        if trailing
            && !self
                .lookup(p)
                .is_ok_and(|id| self.is_dir(id).unwrap_or(false))
        {
            // `d/` names a directory: a missing one cannot be created as a file.
            if !mode.create {
                return Err(Errno::ENOENT.into());
            }
            return Err(Errno::EISDIR.into());
        }
        let writing = mode.write || mode.create || mode.truncate || mode.append;
        if !mode.read && !writing {
            return Err(Errno::EINVAL.with_detail("mode neither reads nor writes"));
        }
        if writing {
            self.writable()?;
        }
        let existing = match self.parent_of(p)? {
            None => Some(ROOT),
            Some((dir, name)) => self.children(dir)?.get(name).copied(),
        };
        let id = match existing {
            Some(id) if self.is_dir(id)? => {
                let errno = if mode.exclusive {
                    self.rules.open_dir_exclusive
                } else if mode.create {
                    self.rules.open_dir_create
                } else {
                    self.rules.open_dir
                };
                return Err(errno.into());
            }
            Some(_) if mode.exclusive => return Err(Errno::EEXIST.into()),
            Some(id) => {
                if mode.truncate && mode.write {
                    self.set_len(id, 0)?;
                    self.touch(id)?;
                }
                id
            }
            None if !mode.create => return Err(Errno::ENOENT.into()),
            None => {
                let (dir, name) = self
                    .parent_of(p)?
                    .ok_or(Error::bug("bug: memfs creating the root"))?;
                self.add_node(dir, name, Content::File(Vec::new()))?
            }
        };
        let pos = if mode.append && self.rules.append_starts_at_end {
            self.file_len(id)?
        } else {
            0
        };
        self.node_mut(id)?.open += 1;
        Ok(self.files.insert(OpenFile {
            node: id,
            pos,
            mode,
        }))
    }

    fn close(&mut self, file: FileHandle) -> Result<()> {
        self.ready()?;
        let open = self.files.remove(file)?;
        self.release(open)
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let open = self.open_file(file)?;
        if !open.mode.read {
            if let Some(errno) = self.rules.read_write_only {
                return Err(errno.with_detail("file not open for reading"));
            }
        }
        let (id, pos) = (open.node, open.pos);
        let Content::File(data) = &self.node(id)?.content else {
            return Err(Error::bug("bug: memfs file handle on a directory"));
        };
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.files.get_mut(file)?.pos = pos + len_u64(n);
        Ok(n)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        let open = self.open_file(file)?;
        if !open.mode.write {
            return Err(self
                .rules
                .write_read_only
                .with_detail("file not open for writing"));
        }
        if data.is_empty() {
            return Ok(0);
        }
        let id = open.node;
        let len = self.file_len(id)?;
        let pos = match self.rules.append {
            _ if !open.mode.append => open.pos,
            Append::End => len,
            Append::EndFromBefore => open.pos.max(len),
            Append::AtPosition => open.pos,
        };
        let n = self.write_at(id, pos, data)?;
        self.files.get_mut(file)?.pos = pos + len_u64(n);
        Ok(n)
    }

    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        let open = self.open_file(file)?;
        let (id, cur) = (open.node, open.pos);
        let len = self.file_len(id)?;
        let mut new = pos.resolve(cur, len)?;
        if new > i64::MAX as u64 {
            return Err(Errno::EINVAL.with_detail("seek position too large"));
        }
        if self.rules.seek_like_fatfs && new > len && new != cur {
            let writer = self.open_file(file)?.mode.write;
            if writer {
                // FatFs grows the file at the seek.
                self.set_len(id, new)?;
                self.touch(id)?;
            } else {
                new = len;
            }
        }
        self.files.get_mut(file)?.pos = new;
        Ok(new)
    }

    fn flush(&mut self, file: FileHandle) -> Result<()> {
        self.open_file(file).map(|_| ())
    }

    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        let open = self.open_file(file)?;
        if !open.mode.write {
            return Err(self
                .rules
                .write_read_only
                .with_detail("file not open for writing"));
        }
        let id = open.node;
        self.set_len(id, len)?;
        self.touch(id)
    }

    fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        let p = &self.ready_path(p)?;
        let id = self.lookup(p)?;
        let Content::Dir(children) = &self.node(id)?.content else {
            return Err(self.rules.opendir_file.into());
        };
        let entries = children
            .iter()
            .map(|(name, &child)| self.entry(name, child))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.dirs.insert(OpenDir {
            entries: entries.into_iter(),
        }))
    }

    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.ready()?;
        Ok(self.dirs.get_mut(dir)?.entries.next())
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.ready()?;
        self.dirs.remove(dir).map(|_| ())
    }

    fn mkdir(&mut self, p: &str) -> Result<()> {
        let p = &self.ready_path(p)?;
        self.writable()?;
        let Some((dir, name)) = self.parent_of(p)? else {
            return Err(Errno::EEXIST.into());
        };
        if self.children(dir)?.contains_key(name) {
            return Err(Errno::EEXIST.into());
        }
        self.add_node(dir, name, Content::Dir(BTreeMap::new()))
            .map(|_| ())
    }

    fn remove(&mut self, p: &str) -> Result<()> {
        let p = &self.ready_path(p)?;
        self.writable()?;
        let Some((dir, name)) = self.parent_of(p)? else {
            return Err(Errno::EINVAL.with_detail("cannot remove the root"));
        };
        let id = *self.children(dir)?.get(name).ok_or(Errno::ENOENT)?;
        if self.is_dir(id)? {
            if let Action::Fail(errno) = self.rules.remove_dir {
                return Err(errno.into());
            }
            if !self.dir_is_empty(id)? {
                return Err(self.rules.rmdir_not_empty.into());
            }
        }
        self.unlink(dir, name)
    }

    fn rmdir(&mut self, p: &str) -> Result<()> {
        let p = &self.ready_path(p)?;
        self.writable()?;
        if let Some(errno) = self.rules.rmdir_cwd {
            if *p == self.cwd && p != "/" {
                return Err(errno.with_detail("the current directory"));
            }
        }
        let Some((dir, name)) = self.parent_of(p)? else {
            return Err(Errno::EINVAL.with_detail("cannot remove the root"));
        };
        let id = *self.children(dir)?.get(name).ok_or(Errno::ENOENT)?;
        if self.is_dir(id)? {
            if !self.dir_is_empty(id)? {
                return Err(self.rules.rmdir_not_empty.into());
            }
        } else if let Action::Fail(errno) = self.rules.rmdir_file {
            return Err(errno.into());
        }
        self.unlink(dir, name)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let from = &self.ready_path(from)?;
        let to = &path::normalize(to)?.path;
        self.writable()?;
        if self.rules.rename_target_parent_first {
            self.parent_of(from)?;
            self.parent_of(to)?;
        }
        let Some((from_dir, from_name)) = self.parent_of(from)? else {
            return Err(Errno::EINVAL.with_detail("cannot rename the root"));
        };
        let src = *self
            .children(from_dir)?
            .get(from_name)
            .ok_or(Errno::ENOENT)?;
        let Some((to_dir, to_name)) = self.parent_of(to)? else {
            return Err(Errno::EINVAL.with_detail("cannot rename onto the root"));
        };
        // The source and the target's parent are looked up first (as littlefs and the kernel
        // do); only a directory can be moved into itself. littlefs looks at an existing target
        // before that (see `Rules::rename_target_before_subtree`).
        let into_itself = from != to && path::is_within(to, from) && self.is_dir(src)?;
        if into_itself && !self.rules.rename_target_before_subtree {
            return Err(Errno::EINVAL.with_detail("rename into own subtree"));
        }
        if from == to {
            // littlefs v1 replaces the target, itself: a non-empty directory refuses that.
            if self.rules.rename_onto_itself_replaces
                && self.is_dir(src)?
                && !self.dir_is_empty(src)?
            {
                return Err(self.rules.rename_dir_over_nonempty_dir.into());
            }
            return Ok(());
        }
        let src_is_dir = self.is_dir(src)?;
        if let Some(&dst) = self.children(to_dir)?.get(to_name) {
            let refusal = match (src_is_dir, self.is_dir(dst)?) {
                (false, false) => None,
                (false, true) => Some(self.rules.rename_file_over_dir),
                (true, false) => Rules::refusal(self.rules.rename_dir_over_file),
                (true, true) if !self.dir_is_empty(dst)? => {
                    Some(self.rules.rename_dir_over_nonempty_dir)
                }
                (true, true) => Rules::refusal(self.rules.rename_dir_over_empty_dir),
            };
            if let Some(errno) = refusal {
                return Err(errno.into());
            }
        }
        if into_itself {
            return Err(Errno::EINVAL.with_detail("rename into own subtree"));
        }
        if self.children(to_dir)?.contains_key(to_name) {
            self.unlink(to_dir, to_name)?;
        }
        self.children_mut(from_dir)?.remove(from_name);
        self.touch(from_dir)?;
        // The current directory is a directory, not a name: it moves along.
        if let Some(rest) = self.cwd.strip_prefix(from.as_str()) {
            if rest.is_empty() || rest.starts_with('/') {
                self.cwd = format!("{to}{rest}");
            }
        }
        self.children_mut(to_dir)?
            .insert(String::from(to_name), src);
        self.touch(to_dir)
    }

    fn stat(&mut self, p: &str) -> Result<Stat> {
        let p = &self.ready_path(p)?;
        let id = self.lookup(p)?;
        let node = self.node(id)?;
        let (kind, size) = match &node.content {
            Content::File(data) => (FileType::File, len_u64(data.len())),
            Content::Dir(_) => (FileType::Dir, 0),
        };
        let perms = match (self.rules.mode_has_permissions, kind) {
            (false, _) => 0,
            (true, FileType::File) => 0o644,
            (true, FileType::Dir) => 0o755,
        };
        let time = if self.rules.mtime { node.mtime.secs } else { 0 };
        Ok(Stat {
            mode: kind.mode_bits() | perms,
            ino: self.inode(id),
            size,
            atime: time,
            mtime: time,
            ctime: time,
            ..Stat::default()
        })
    }

    fn cwd_follows_renames(&self) -> bool {
        self.rules.cwd_follows_renames
    }

    fn chdir(&mut self, p: &str) -> Result<()> {
        let not_dir = self.rules.chdir_not_dir;
        match self.stat(p) {
            Ok(st) if st.kind() == FileType::Dir => {
                self.cwd = path::normalize(p)?.path;
                Ok(())
            }
            Ok(_) => Err(not_dir.into()),
            // littlefs's wrapper (and FatFs) say ENOENT for whatever does not resolve.
            Err(e) if not_dir == Errno::ENOENT && e.errno() != Errno::EIO => {
                Err(Errno::ENOENT.into())
            }
            Err(e) => Err(e),
        }
    }

    fn statvfs(&mut self, p: &str) -> Result<StatVfs> {
        self.ready_path(p)?;
        let free = self.capacity.saturating_sub(self.used);
        Ok(StatVfs {
            bsize: MEMFS_BLOCK_SIZE,
            frsize: MEMFS_BLOCK_SIZE,
            blocks: self.capacity,
            bfree: free,
            bavail: free,
            namemax: NAME_MAX as u64,
            ..StatVfs::default()
        })
    }

    fn sync(&mut self) -> Result<()> {
        self.ready()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounted(profile: Profile) -> MemFs {
        let mut fs = MemFs::with_profile(profile);
        fs.mount(false, false).unwrap();
        fs
    }

    #[test]
    fn orphaned_file_keeps_its_space_until_closed() {
        let mut fs = mounted(Profile::Mem);
        let f = fs.open("/f", OpenMode::parse("w+").unwrap()).unwrap();
        fs.write(f, &[7; 1000]).unwrap();
        assert_eq!(fs.used_blocks(), 2);
        fs.remove("/f").unwrap();
        assert_eq!(fs.stat("/f").unwrap_err(), Errno::ENOENT);
        assert_eq!(fs.used_blocks(), 2);
        fs.seek(f, SeekFrom::Start(998)).unwrap();
        let mut buf = [0; 4];
        assert_eq!(fs.read(f, &mut buf).unwrap(), 2);
        fs.close(f).unwrap();
        assert_eq!(fs.used_blocks(), 0);
        assert_eq!(fs.nodes.len(), 1);
    }

    #[test]
    fn capacity_cuts_writes_short() {
        let mut fs = MemFs::with_profile(Profile::Mem).with_capacity(2);
        fs.mount(false, false).unwrap();
        let f = fs.open("/f", OpenMode::WRITE).unwrap();
        assert_eq!(fs.write(f, &[1; 1000]).unwrap(), 1000);
        assert_eq!(fs.write(f, &[1; 100]).unwrap(), 24);
        assert_eq!(fs.write(f, &[1; 1]).unwrap_err(), Errno::ENOSPC);
        assert_eq!(fs.truncate(f, 2000).unwrap_err(), Errno::ENOSPC);
        fs.truncate(f, 10).unwrap();
        assert_eq!(fs.used_blocks(), 1);
        assert_eq!(fs.statvfs("/").unwrap().bfree, 1);
    }

    #[test]
    fn replaced_nodes_are_freed() {
        let mut fs = mounted(Profile::Lfs2);
        for name in ["/a", "/b"] {
            let f = fs.open(name, OpenMode::WRITE).unwrap();
            fs.write(f, &[1; 600]).unwrap();
            fs.close(f).unwrap();
        }
        assert_eq!(fs.used_blocks(), 4);
        fs.rename("/a", "/b").unwrap();
        assert_eq!(fs.used_blocks(), 2);
        fs.mkdir("/d").unwrap();
        fs.mkdir("/e").unwrap();
        fs.rename("/d", "/e").unwrap();
        assert_eq!(fs.nodes.len(), 3);
    }
}
