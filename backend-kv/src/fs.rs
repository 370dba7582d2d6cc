//! The filesystem on top of an [`Engine`]: the node table, open files, commits and recovery.
//!
//! Everything here is written once for every flash type: it talks to the flash through
//! `&mut dyn Engine`.
//!
//! # How changes become durable
//! Each change has one *commit point*, a single item store or removal, which
//! `sequential-storage` makes atomic:
//!
//! | change | steps (commit point in bold) |
//! |---|---|
//! | create a file, `mkdir` | **store the new record** |
//! | write a file (`flush`/`close`) | store changed chunks under new generations; **store the record** naming them; remove the replaced chunks |
//! | `remove`, `rmdir` | **remove the record**; remove its chunks |
//! | `rename` | **store the record** with its new parent and name (and a new sequence number); if it replaced a node, remove that node's record and chunks |
//!
//! Whatever a power cut leaves after a commit point (chunks nothing names, a replaced node that
//! still claims the same name with an older sequence number) is found and removed at the next
//! mount; before it (chunks staged for a write) it is garbage too. A reader therefore sees each
//! file wholly old or wholly new, and a rename as done or not done.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{
    path, DirEntry, DirHandle, Errno, Error, FileHandle, FileType, HandleSlab, Name, OpenMode,
    Result, SeekFrom, Stat, StatVfs, TimeSource, NAME_MAX,
};

use crate::engine::{Engine, EngineStats, Geometry, ScanEvent};
use crate::record::{
    chunk_count, valid_name, Body, Key, Kind, Record, MAX_NODE_ID, META_LEN, ROOT,
};

/// Clean chunks an open file keeps in RAM as a read cache.
const CLEAN_CHUNKS: usize = 2;

/// Where a node's committed bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Data {
    Dir,
    Inline,
    Chunks(Vec<u16>),
}

/// A file or directory as its committed record describes it (the record's bytes stay on flash).
#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    parent: u32,
    name: String,
    seq: u32,
    mtime: i64,
    size: u64,
    data: Data,
}

/// One `open`: which node, where, and what it may do.
#[derive(Clone, Debug)]
struct OpenFile {
    node: u32,
    pos: u64,
    read: bool,
    write: bool,
    append: bool,
}

/// The state every handle of one open node shares: the uncommitted changes.
#[derive(Debug, Default)]
struct OpenNode {
    refs: u32,
    /// The size as the handles see it.
    size: u64,
    /// Something differs from the committed record.
    dirty: bool,
    /// Chunk contents held in RAM (index → bytes), dirty or as a read cache.
    ram: BTreeMap<u32, Vec<u8>>,
    /// The chunks in `ram` that differ from flash.
    ram_dirty: BTreeSet<u32>,
    /// Chunks written to flash but not yet named by the record: index → (generation, length).
    staged: BTreeMap<u32, (u16, u32)>,
    /// Committed bytes at or past this offset were truncated away (read as zeros).
    limit: u64,
    /// The node was removed while open: its content lives only here and is never committed.
    orphan: bool,
}

/// What an `ilistdir` handle has left to return.
type Listing = VecDeque<DirEntry>;

/// A mounted volume.
struct Mounted {
    readonly: bool,
    geo: Geometry,
    nodes: BTreeMap<u32, Node>,
    children: BTreeMap<u32, BTreeMap<String, u32>>,
    next_id: u32,
    next_seq: u32,
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<Listing, DirHandle>,
    open: BTreeMap<u32, OpenNode>,
    /// Items to remove when possible: key and value length.
    garbage: Vec<(u64, u32)>,
}

/// The filesystem state of a `VfsKv`, mounted or not.
pub(crate) struct Core {
    mounted: Option<Mounted>,
    clock: Box<dyn TimeSource + Send>,
}

/// Statistics of a mount's recovery pass (what a power cut or crash had left behind).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Items found by the scan.
    pub items: u64,
    /// Nodes alive after the scan.
    pub nodes: u64,
    /// Items that were garbage: replaced nodes, unreachable nodes, chunks nothing names, items
    /// this format never writes.
    pub garbage: u64,
    /// Garbage items still on flash (a read-only mount removes nothing).
    pub garbage_left: u64,
    /// Map pages `sequential-storage` takes for erased that held other bytes, erased by this
    /// mount (see "How it stores files" in the crate docs). Read-only mounts check no pages.
    pub pages_erased: u64,
    /// The page being filled, closed by this mount because it did not parse up to its free
    /// space (a torn item header, left-over bytes) or was not erased after it.
    pub pages_closed: u64,
    /// Pages started by this mount because none was being filled (a power cut between
    /// closing one page and starting the next).
    pub pages_started: u64,
}

impl Recovery {
    /// Whether the mount found nothing to clean up: no garbage items and no page to repair.
    /// (A read-only mount does not check pages, so it can only speak for the items.)
    pub fn is_clean(&self) -> bool {
        self.garbage == 0
            && self.pages_erased == 0
            && self.pages_closed == 0
            && self.pages_started == 0
    }
}

fn not_mounted() -> Error {
    Errno::ENODEV.with_detail("not mounted")
}

fn now_secs(clock: &dyn TimeSource) -> i64 {
    clock.now().secs
}

/// Bytes of chunk `idx` of a file of `size` bytes.
fn chunk_len(size: u64, idx: u32, cs: u32) -> u32 {
    let start = u64::from(idx) * u64::from(cs);
    if start >= size {
        0
    } else {
        (size - start).min(u64::from(cs)) as u32
    }
}

impl Core {
    pub(crate) fn new(clock: Box<dyn TimeSource + Send>) -> Core {
        Core {
            mounted: None,
            clock,
        }
    }

    pub(crate) fn set_clock(&mut self, clock: Box<dyn TimeSource + Send>) {
        self.clock = clock;
    }

    fn m(&mut self) -> Result<&mut Mounted> {
        self.mounted.as_mut().ok_or_else(not_mounted)
    }

    /// The mounted state and the clock, for a path call: checks the mount and the path.
    fn at(&mut self, p: &str) -> Result<(&mut Mounted, &dyn TimeSource)> {
        let m = self.mounted.as_mut().ok_or_else(not_mounted)?;
        path::validate(p)?;
        Ok((m, &*self.clock))
    }

    fn writable_at(&mut self, p: &str) -> Result<(&mut Mounted, &dyn TimeSource)> {
        let (m, clock) = self.at(p)?;
        if m.readonly {
            return Err(Errno::EROFS.into());
        }
        Ok((m, clock))
    }

    // ---- mount --------------------------------------------------------------------------

    pub(crate) fn mount(
        &mut self,
        eng: &mut dyn Engine,
        readonly: bool,
        mkfs: bool,
    ) -> Result<Recovery> {
        if self.mounted.is_some() {
            return Err(Errno::EPERM.with_detail("already mounted"));
        }
        eng.set_readonly(false);
        eng.begin();
        let loaded = match Self::open_volume(eng, readonly) {
            Ok(loaded) => loaded,
            Err(e) if mkfs => {
                let _ = e;
                eng.set_readonly(false);
                let geo = eng.geometry();
                eng.format(&geo)?;
                eng.begin();
                Self::open_volume(eng, readonly)?
            }
            Err(e) => {
                eng.set_readonly(false);
                return Err(e);
            }
        };
        let (mut mounted, mut recovery) = loaded;
        if !readonly {
            mounted.drain(eng);
        }
        recovery.garbage_left = mounted.garbage.len() as u64;
        self.mounted = Some(mounted);
        Ok(recovery)
    }

    fn open_volume(eng: &mut dyn Engine, readonly: bool) -> Result<(Mounted, Recovery)> {
        let header = eng.read_header()?;
        let geo = Geometry::from_header(&header, &eng.geometry())?;
        eng.set_readonly(readonly);
        let loaded = (|| {
            // A read-write mount checks the pages before the scan, so the scan reads the layout
            // every later mount will see, and again after it if the scan had to repair pages.
            let mut checked = EngineStats::default();
            if !readonly {
                checked += eng.check_pages()?;
            }
            let (mounted, mut recovery) = Mounted::load(eng, geo, readonly)?;
            if !readonly {
                checked += eng.check_pages()?;
            }
            recovery.pages_erased = checked.pages_erased;
            recovery.pages_closed = checked.pages_closed;
            recovery.pages_started = checked.pages_started;
            Ok((mounted, recovery))
        })();
        if loaded.is_err() {
            eng.set_readonly(false);
        }
        loaded
    }

    /// Formats the volume; `EBUSY` while mounted.
    pub(crate) fn mkfs(&mut self, eng: &mut dyn Engine) -> Result<()> {
        if self.mounted.is_some() {
            return Err(Errno::EBUSY.with_detail("mkfs while mounted"));
        }
        eng.set_readonly(false);
        let geo = eng.geometry();
        eng.format(&geo)
    }

    pub(crate) fn umount(&mut self, eng: &mut dyn Engine) -> Result<()> {
        let mut m = self.mounted.take().ok_or_else(not_mounted)?;
        let clock = &*self.clock;
        let mut first_err = None;
        let ids: Vec<u32> = m.open.keys().copied().collect();
        for id in ids {
            if let Err(e) = m.commit(eng, clock, id) {
                first_err.get_or_insert(e);
            }
            if let Some(on) = m.open.remove(&id) {
                m.discard(id, on);
            }
        }
        if !m.readonly {
            m.drain(eng);
        }
        eng.set_readonly(false);
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    // ---- files --------------------------------------------------------------------------

    pub(crate) fn open(
        &mut self,
        eng: &mut dyn Engine,
        p: &str,
        mode: OpenMode,
    ) -> Result<FileHandle> {
        let (m, clock) = self.at(p)?;
        let writing = mode.write || mode.create || mode.truncate || mode.append;
        if !mode.read && !writing {
            return Err(Errno::EINVAL.with_detail("mode neither reads nor writes"));
        }
        if writing && m.readonly {
            return Err(Errno::EROFS.into());
        }
        let existing = match m.parent_of(p)? {
            None => Some(ROOT),
            Some((dir, name)) => m.child(dir, name),
        };
        let id = match existing {
            Some(id) if m.kind(id)? == Kind::Dir => {
                return Err(if mode.exclusive {
                    Errno::EEXIST
                } else {
                    Errno::EISDIR
                }
                .into())
            }
            Some(_) if mode.exclusive => return Err(Errno::EEXIST.into()),
            Some(id) => id,
            None if !mode.create => return Err(Errno::ENOENT.into()),
            None => {
                let (dir, name) = m
                    .parent_of(p)?
                    .ok_or(Error::bug("bug: kv creating the root"))?;
                m.create(eng, clock, dir, name, Kind::File)?
            }
        };
        let committed = m.node(id)?.size;
        let on = m.open.entry(id).or_insert_with(|| OpenNode {
            size: committed,
            limit: committed,
            ..OpenNode::default()
        });
        on.refs += 1;
        let mut dropped = BTreeMap::new();
        if mode.truncate && mode.write && on.size != 0 {
            dropped = core::mem::take(&mut on.staged);
            on.size = 0;
            on.limit = 0;
            on.ram.clear();
            on.ram_dirty.clear();
            on.dirty = true;
        }
        let pos = if mode.append { on.size } else { 0 };
        for (idx, (gen, len)) in dropped {
            m.garbage.push((chunk_key(id, idx, gen)?, len));
        }
        Ok(m.files.insert(OpenFile {
            node: id,
            pos,
            read: mode.read,
            write: mode.write,
            append: mode.append,
        }))
    }

    pub(crate) fn close(&mut self, eng: &mut dyn Engine, file: FileHandle) -> Result<()> {
        let clock = &*self.clock;
        let m = self.mounted.as_mut().ok_or_else(not_mounted)?;
        let f = m.files.remove(file)?;
        let result = m.commit(eng, clock, f.node);
        if let Some(on) = m.open.get_mut(&f.node) {
            on.refs = on.refs.saturating_sub(1);
            if on.refs == 0 {
                if let Some(on) = m.open.remove(&f.node) {
                    m.discard(f.node, on);
                }
            }
        }
        if !m.readonly {
            m.drain(eng);
        }
        result
    }

    pub(crate) fn read(
        &mut self,
        eng: &mut dyn Engine,
        file: FileHandle,
        buf: &mut [u8],
    ) -> Result<usize> {
        let m = self.m()?;
        let f = m.files.get(file)?.clone();
        if !f.read {
            return Err(Errno::EBADF.with_detail("file not open for reading"));
        }
        let size = m.open_node(f.node)?.size;
        let cs = m.geo.chunk_size;
        let mut done = 0usize;
        let mut pos = f.pos;
        while done < buf.len() && pos < size {
            let idx = u32::try_from(pos / u64::from(cs)).map_err(|_| Errno::EFBIG)?;
            let chunk = m.chunk(eng, f.node, idx)?;
            let off = (pos % u64::from(cs)) as usize;
            let avail = chunk.get(off..).unwrap_or_default();
            let n = avail.len().min(buf.len() - done);
            if n == 0 {
                return Err(Error::bug("bug: kv read made no progress"));
            }
            buf[done..done + n].copy_from_slice(&avail[..n]);
            m.remember(f.node, idx, chunk);
            done += n;
            pos += n as u64;
        }
        m.files.get_mut(file)?.pos = pos;
        Ok(done)
    }

    pub(crate) fn write(
        &mut self,
        eng: &mut dyn Engine,
        file: FileHandle,
        data: &[u8],
    ) -> Result<usize> {
        let m = self.m()?;
        let f = m.files.get(file)?.clone();
        if !f.write {
            return Err(Errno::EBADF.with_detail("file not open for writing"));
        }
        if data.is_empty() {
            return Ok(0);
        }
        let pos = if f.append {
            m.open_node(f.node)?.size
        } else {
            f.pos
        };
        m.write_at(eng, f.node, pos, data)?;
        m.files.get_mut(file)?.pos = pos + data.len() as u64;
        Ok(data.len())
    }

    pub(crate) fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        let m = self.m()?;
        let f = m.files.get(file)?.clone();
        let size = m.open_node(f.node)?.size;
        let new = pos.resolve(f.pos, size)?;
        if new > i64::MAX as u64 {
            return Err(Errno::EINVAL.with_detail("seek position too large"));
        }
        m.files.get_mut(file)?.pos = new;
        Ok(new)
    }

    pub(crate) fn flush(&mut self, eng: &mut dyn Engine, file: FileHandle) -> Result<()> {
        let clock = &*self.clock;
        let m = self.mounted.as_mut().ok_or_else(not_mounted)?;
        let node = m.files.get(file)?.node;
        m.commit(eng, clock, node)?;
        m.drain(eng);
        Ok(())
    }

    pub(crate) fn truncate(
        &mut self,
        eng: &mut dyn Engine,
        file: FileHandle,
        len: u64,
    ) -> Result<()> {
        let m = self.m()?;
        let f = m.files.get(file)?.clone();
        if !f.write {
            return Err(Errno::EBADF.with_detail("file not open for writing"));
        }
        m.set_len(eng, f.node, len)
    }

    // ---- directories --------------------------------------------------------------------

    pub(crate) fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        let (m, _) = self.at(p)?;
        let id = m.lookup(p)?;
        if m.kind(id)? != Kind::Dir {
            return Err(Errno::ENOTDIR.into());
        }
        let mut listing = Listing::new();
        if let Some(kids) = m.children.get(&id) {
            for (name, &child) in kids {
                let node = m.node(child)?;
                let (kind, size) = match node.kind {
                    Kind::Dir => (FileType::Dir, 0),
                    Kind::File => (FileType::File, node.size),
                };
                listing.push_back(DirEntry {
                    name: Name::new(name)?,
                    kind,
                    inode: 0,
                    size: Some(size),
                });
            }
        }
        Ok(m.dirs.insert(listing))
    }

    pub(crate) fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        Ok(self.m()?.dirs.get_mut(dir)?.pop_front())
    }

    pub(crate) fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.m()?.dirs.remove(dir).map(|_| ())
    }

    pub(crate) fn mkdir(&mut self, eng: &mut dyn Engine, p: &str) -> Result<()> {
        let (m, clock) = self.writable_at(p)?;
        let Some((dir, name)) = m.parent_of(p)? else {
            return Err(Errno::EEXIST.into());
        };
        if m.child(dir, name).is_some() {
            return Err(Errno::EEXIST.into());
        }
        m.create(eng, clock, dir, name, Kind::Dir).map(|_| ())
    }

    pub(crate) fn remove(&mut self, eng: &mut dyn Engine, p: &str) -> Result<()> {
        let (m, _) = self.writable_at(p)?;
        let Some((dir, name)) = m.parent_of(p)? else {
            return Err(Errno::EINVAL.with_detail("cannot remove the root"));
        };
        let id = m.child(dir, name).ok_or(Errno::ENOENT)?;
        if m.kind(id)? == Kind::Dir {
            return Err(Errno::EISDIR.into());
        }
        m.unlink(eng, id)
    }

    pub(crate) fn rmdir(&mut self, eng: &mut dyn Engine, p: &str) -> Result<()> {
        let (m, _) = self.writable_at(p)?;
        let Some((dir, name)) = m.parent_of(p)? else {
            return Err(Errno::EINVAL.with_detail("cannot remove the root"));
        };
        let id = m.child(dir, name).ok_or(Errno::ENOENT)?;
        if m.kind(id)? != Kind::Dir {
            return Err(Errno::ENOTDIR.into());
        }
        if !m.is_empty_dir(id) {
            return Err(Errno::ENOTEMPTY.into());
        }
        m.unlink(eng, id)
    }

    pub(crate) fn rename(&mut self, eng: &mut dyn Engine, from: &str, to: &str) -> Result<()> {
        let (m, _) = self.at(from)?;
        path::validate(to)?;
        if m.readonly {
            return Err(Errno::EROFS.into());
        }
        let Some((from_dir, from_name)) = m.parent_of(from)? else {
            return Err(Errno::EINVAL.with_detail("cannot rename the root"));
        };
        let src = m.child(from_dir, from_name).ok_or(Errno::ENOENT)?;
        let Some((to_dir, to_name)) = m.parent_of(to)? else {
            return Err(Errno::EINVAL.with_detail("cannot rename onto the root"));
        };
        if from == to {
            return Ok(());
        }
        let src_kind = m.kind(src)?;
        // A directory may not move below itself (checked once the source is known to exist).
        if src_kind == Kind::Dir && m.is_ancestor(src, to_dir)? {
            return Err(Errno::EINVAL.with_detail("rename into own subtree"));
        }
        let dst = m.child(to_dir, to_name);
        if let Some(dst) = dst {
            match (src_kind, m.kind(dst)?) {
                (Kind::File, Kind::File) => {}
                (Kind::File, Kind::Dir) => return Err(Errno::EISDIR.into()),
                (Kind::Dir, Kind::File) => return Err(Errno::ENOTDIR.into()),
                (Kind::Dir, Kind::Dir) if !m.is_empty_dir(dst) => {
                    return Err(Errno::ENOTEMPTY.into())
                }
                (Kind::Dir, Kind::Dir) => {}
            }
        }
        m.move_node(eng, src, to_dir, to_name)?;
        if let Some(dst) = dst {
            // The commit above named `src` `to_name`; the old holder of the name goes now (or,
            // after a power cut, at the next mount: it has the older sequence number).
            m.drop_replaced(eng, dst);
        }
        m.drain(eng);
        Ok(())
    }

    pub(crate) fn stat(&mut self, p: &str) -> Result<Stat> {
        let (m, _) = self.at(p)?;
        let id = m.lookup(p)?;
        let node = m.node(id)?;
        let (kind, size) = match node.kind {
            Kind::Dir => (FileType::Dir, 0),
            Kind::File => (FileType::File, node.size),
        };
        Ok(Stat {
            mode: kind.mode_bits(),
            size,
            atime: node.mtime,
            mtime: node.mtime,
            ctime: node.mtime,
            ..Stat::default()
        })
    }

    pub(crate) fn statvfs(&mut self, p: &str) -> Result<StatVfs> {
        let (m, _) = self.at(p)?;
        Ok(m.statvfs())
    }

    pub(crate) fn sync(&mut self, eng: &mut dyn Engine) -> Result<()> {
        let clock = &*self.clock;
        let m = self.mounted.as_mut().ok_or_else(not_mounted)?;
        let ids: Vec<u32> = m.open.keys().copied().collect();
        let mut first_err = None;
        for id in ids {
            if let Err(e) = m.commit(eng, clock, id) {
                first_err.get_or_insert(e);
            }
        }
        if !m.readonly {
            m.drain(eng);
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Bytes of flash the mounted volume's live items occupy, and the map's capacity.
    pub(crate) fn usage(&mut self) -> Result<(u64, u64)> {
        let m = self.m()?;
        Ok((m.used_bytes(), m.geo.capacity()))
    }
}

fn chunk_key(node: u32, idx: u32, gen: u16) -> Result<u64> {
    let index = u16::try_from(idx).map_err(|_| Errno::EFBIG)?;
    Ok(Key::Chunk { node, index, gen }.raw())
}

impl Mounted {
    // ---- loading ------------------------------------------------------------------------

    /// Reads every item and rebuilds the node table; see the module docs for what is garbage.
    fn load(eng: &mut dyn Engine, geo: Geometry, readonly: bool) -> Result<(Mounted, Recovery)> {
        struct Seen {
            nodes: BTreeMap<u32, (Node, u32)>,
            bad: BTreeMap<u32, u32>,
            chunks: BTreeMap<u64, u32>,
            foreign: BTreeMap<u64, u32>,
            items: u64,
            max_seq: u32,
        }
        let mut seen = Seen {
            nodes: BTreeMap::new(),
            bad: BTreeMap::new(),
            chunks: BTreeMap::new(),
            foreign: BTreeMap::new(),
            items: 0,
            max_seq: 0,
        };
        let cs = geo.chunk_size;
        eng.scan(&mut |event| match event {
            ScanEvent::Restart => {
                seen.nodes.clear();
                seen.bad.clear();
                seen.chunks.clear();
                seen.foreign.clear();
                seen.items = 0;
                seen.max_seq = 0;
            }
            ScanEvent::Item(raw, value) => {
                seen.items += 1;
                let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
                match Key::from_raw(raw) {
                    Some(Key::Node(id)) => match Record::decode(value, cs) {
                        Ok(r) => {
                            seen.max_seq = seen.max_seq.max(r.seq);
                            seen.bad.remove(&id);
                            seen.nodes.insert(id, (Node::from_record(&r), len));
                        }
                        Err(_) => {
                            seen.nodes.remove(&id);
                            seen.bad.insert(id, len);
                        }
                    },
                    Some(Key::Chunk { .. }) => {
                        seen.chunks.insert(raw, len);
                    }
                    None => {
                        seen.foreign.insert(raw, len);
                    }
                }
            }
        })?;

        let mut garbage: Vec<(u64, u32)> = Vec::new();
        for (&id, &len) in &seen.bad {
            garbage.push((Key::Node(id).raw(), len));
        }
        garbage.extend(seen.foreign.iter().map(|(&k, &l)| (k, l)));

        // Two records claiming one name: a rename that replaced a node was cut before the
        // replaced node's record was removed. The newer record (higher sequence) wins.
        let mut claims: BTreeMap<(u32, &str), u32> = BTreeMap::new();
        for (&id, (node, _)) in &seen.nodes {
            match claims.get(&(node.parent, node.name.as_str())) {
                Some(&other) => {
                    let other_seq = seen.nodes.get(&other).map_or(0, |(n, _)| n.seq);
                    if (node.seq, id) > (other_seq, other) {
                        claims.insert((node.parent, node.name.as_str()), id);
                    }
                }
                None => {
                    claims.insert((node.parent, node.name.as_str()), id);
                }
            }
        }
        let mut children: BTreeMap<u32, BTreeMap<String, u32>> = BTreeMap::new();
        for (&(parent, name), &id) in &claims {
            children
                .entry(parent)
                .or_default()
                .insert(String::from(name), id);
        }

        // Keep what the root reaches through directories; the rest (children of a replaced
        // or unreachable node, parent loops) is garbage.
        let mut alive = BTreeSet::new();
        let mut queue = VecDeque::from([ROOT]);
        while let Some(dir) = queue.pop_front() {
            let Some(kids) = children.get(&dir) else {
                continue;
            };
            for &kid in kids.values() {
                if kid == ROOT || !alive.insert(kid) {
                    continue;
                }
                if seen
                    .nodes
                    .get(&kid)
                    .is_some_and(|(n, _)| n.kind == Kind::Dir)
                {
                    queue.push_back(kid);
                }
            }
        }
        let mut nodes = BTreeMap::new();
        let mut max_id = 0;
        for (id, (node, len)) in seen.nodes {
            max_id = max_id.max(id);
            if alive.contains(&id) {
                nodes.insert(id, node);
            } else {
                garbage.push((Key::Node(id).raw(), len));
            }
        }
        children.retain(|dir, _| *dir == ROOT || nodes.contains_key(dir));
        for kids in children.values_mut() {
            kids.retain(|_, id| nodes.contains_key(id));
        }
        for (&raw, &len) in &seen.chunks {
            if let Some(Key::Chunk { node, .. }) = Key::from_raw(raw) {
                max_id = max_id.max(node);
            }
            if !chunk_named(&nodes, raw) {
                garbage.push((raw, len));
            }
        }
        nodes.insert(
            ROOT,
            Node {
                kind: Kind::Dir,
                parent: ROOT,
                name: String::new(),
                seq: 0,
                mtime: 0,
                size: 0,
                data: Data::Dir,
            },
        );
        let recovery = Recovery {
            items: seen.items,
            nodes: nodes.len() as u64 - 1,
            garbage: garbage.len() as u64,
            ..Recovery::default()
        };
        Ok((
            Mounted {
                readonly,
                geo,
                nodes,
                children,
                next_id: max_id.saturating_add(1),
                next_seq: seen.max_seq.wrapping_add(1),
                files: HandleSlab::new(),
                dirs: HandleSlab::new(),
                open: BTreeMap::new(),
                garbage,
            },
            recovery,
        ))
    }

    // ---- the tree -----------------------------------------------------------------------

    fn node(&self, id: u32) -> Result<&Node> {
        self.nodes
            .get(&id)
            .ok_or(Error::bug("bug: kv node vanished"))
    }

    fn node_mut(&mut self, id: u32) -> Result<&mut Node> {
        self.nodes
            .get_mut(&id)
            .ok_or(Error::bug("bug: kv node vanished"))
    }

    fn kind(&self, id: u32) -> Result<Kind> {
        Ok(self.node(id)?.kind)
    }

    fn child(&self, dir: u32, name: &str) -> Option<u32> {
        self.children.get(&dir)?.get(name).copied()
    }

    fn is_empty_dir(&self, id: u32) -> bool {
        self.children.get(&id).is_none_or(BTreeMap::is_empty)
    }

    /// The directory holding the last component of `p`, and that component; `None` for `/`.
    fn parent_of<'p>(&self, p: &'p str) -> Result<Option<(u32, &'p str)>> {
        let Some((parent, name)) = path::split_last(p) else {
            return Ok(None);
        };
        let mut cur = ROOT;
        for comp in path::components(parent) {
            let next = self.child(cur, comp).ok_or(Errno::ENOENT)?;
            if self.kind(next)? != Kind::Dir {
                return Err(Errno::ENOTDIR.into());
            }
            cur = next;
        }
        Ok(Some((cur, name)))
    }

    fn lookup(&self, p: &str) -> Result<u32> {
        match self.parent_of(p)? {
            None => Ok(ROOT),
            Some((dir, name)) => self.child(dir, name).ok_or(Errno::ENOENT.into()),
        }
    }

    /// Whether `ancestor` is `id` or above it.
    fn is_ancestor(&self, ancestor: u32, mut id: u32) -> Result<bool> {
        for _ in 0..=self.nodes.len() {
            if id == ancestor {
                return Ok(true);
            }
            if id == ROOT {
                return Ok(false);
            }
            id = self.node(id)?.parent;
        }
        Err(Error::bug("bug: kv directory loop"))
    }

    fn alloc_id(&mut self) -> Result<u32> {
        if self.next_id <= MAX_NODE_ID {
            let id = self.next_id;
            self.next_id += 1;
            return Ok(id);
        }
        (1..=MAX_NODE_ID)
            .find(|id| !self.nodes.contains_key(id) && !self.open.contains_key(id))
            .ok_or(Errno::ENOSPC.with_detail("no free node id"))
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }

    fn max_value(&self) -> usize {
        self.geo.max_value() as usize
    }

    /// Largest file a record named `name_len` bytes can keep inline.
    fn inline_cap(&self, name_len: usize) -> u64 {
        self.max_value().saturating_sub(META_LEN + name_len) as u64
    }

    /// Largest file a record named `name_len` bytes can describe.
    fn max_file(&self, name_len: usize) -> u64 {
        let gens = (self.max_value().saturating_sub(META_LEN + name_len) / 2).min(1 << 16);
        gens as u64 * u64::from(self.geo.chunk_size)
    }

    fn check_name(&self, name: &str) -> Result<()> {
        if name.len() > NAME_MAX || META_LEN + name.len() > self.max_value() {
            return Err(Errno::ENAMETOOLONG.into());
        }
        if !valid_name(name) {
            return Err(Errno::EINVAL.with_detail("invalid name"));
        }
        Ok(())
    }

    fn create(
        &mut self,
        eng: &mut dyn Engine,
        clock: &dyn TimeSource,
        dir: u32,
        name: &str,
        kind: Kind,
    ) -> Result<u32> {
        self.check_name(name)?;
        let id = self.alloc_id()?;
        let seq = self.take_seq();
        let node = Node {
            kind,
            parent: dir,
            name: String::from(name),
            seq,
            mtime: now_secs(clock),
            size: 0,
            data: match kind {
                Kind::Dir => Data::Dir,
                Kind::File => Data::Inline,
            },
        };
        let body = match kind {
            Kind::Dir => Body::Dir,
            Kind::File => Body::Inline(&[]),
        };
        eng.store(Key::Node(id).raw(), &node.record(body).encode())?;
        self.children
            .entry(dir)
            .or_default()
            .insert(String::from(name), id);
        self.nodes.insert(id, node);
        Ok(id)
    }

    /// Gives `id` a new parent and name with one record store (the commit point of a rename).
    fn move_node(
        &mut self,
        eng: &mut dyn Engine,
        id: u32,
        to_dir: u32,
        to_name: &str,
    ) -> Result<()> {
        self.check_name(to_name)?;
        let node = self.node(id)?.clone();
        let seq = self.take_seq();
        let moved = Node {
            parent: to_dir,
            name: String::from(to_name),
            seq,
            ..node.clone()
        };
        let mut staged = Vec::new();
        let data = match &node.data {
            Data::Dir => {
                eng.store(Key::Node(id).raw(), &moved.record(Body::Dir).encode())?;
                Data::Dir
            }
            Data::Chunks(gens) => {
                if META_LEN + to_name.len() + gens.len() * 2 > self.max_value() {
                    return Err(Errno::ENAMETOOLONG.into());
                }
                let rec = moved.record(Body::Chunked(gens.clone()));
                eng.store(Key::Node(id).raw(), &rec.encode())?;
                Data::Chunks(gens.clone())
            }
            Data::Inline => {
                let bytes = self.inline_bytes(eng, id)?;
                if bytes.len() as u64 <= self.inline_cap(to_name.len()) {
                    let rec = moved.record(Body::Inline(&bytes));
                    eng.store(Key::Node(id).raw(), &rec.encode())?;
                    Data::Inline
                } else {
                    // The longer name leaves no room for the bytes: move them to chunks.
                    let cs = self.geo.chunk_size as usize;
                    let mut gens = Vec::new();
                    for (idx, piece) in bytes.chunks(cs.max(1)).enumerate() {
                        let key = chunk_key(id, idx as u32, 0)?;
                        if let Err(e) = eng.store(key, piece) {
                            self.garbage.extend(staged);
                            return Err(e);
                        }
                        staged.push((key, piece.len() as u32));
                        gens.push(0);
                    }
                    if META_LEN + to_name.len() + gens.len() * 2 > self.max_value() {
                        self.garbage.extend(staged);
                        return Err(Errno::ENAMETOOLONG.into());
                    }
                    let rec = moved.record(Body::Chunked(gens.clone()));
                    if let Err(e) = eng.store(Key::Node(id).raw(), &rec.encode()) {
                        self.garbage.extend(staged);
                        return Err(e);
                    }
                    Data::Chunks(gens)
                }
            }
        };
        if let Some(kids) = self.children.get_mut(&node.parent) {
            kids.remove(&node.name);
        }
        self.children
            .entry(to_dir)
            .or_default()
            .insert(String::from(to_name), id);
        let n = self.node_mut(id)?;
        n.parent = to_dir;
        n.name = String::from(to_name);
        n.seq = seq;
        n.data = data;
        Ok(())
    }

    /// Forgets a node that a rename replaced: its record and chunks become garbage (an open
    /// file keeps its content in RAM).
    fn drop_replaced(&mut self, eng: &mut dyn Engine, id: u32) {
        if self.open.contains_key(&id) {
            // Best effort: if the content cannot be read, the handles see an empty file.
            if self.orphan(eng, id).is_err() {
                if let Some(on) = self.open.get_mut(&id) {
                    on.orphan = true;
                    on.ram.clear();
                    on.ram_dirty.clear();
                    on.size = 0;
                    on.limit = 0;
                }
            }
        }
        if let Some(node) = self.nodes.remove(&id) {
            self.garbage.extend(node_items(id, &node, &self.geo));
        }
        if let Some(on) = self.open.get_mut(&id) {
            let staged = core::mem::take(&mut on.staged);
            for (idx, (gen, len)) in staged {
                if let Ok(key) = chunk_key(id, idx, gen) {
                    self.garbage.push((key, len));
                }
            }
        }
    }

    /// Removes a file or an empty directory (the record removal is the commit point).
    fn unlink(&mut self, eng: &mut dyn Engine, id: u32) -> Result<()> {
        let node = self.node(id)?.clone();
        let open = self.open.contains_key(&id);
        let content = if open {
            Some(self.all_content(eng, id)?)
        } else {
            None
        };
        eng.remove(Key::Node(id).raw())?;
        if let Some(kids) = self.children.get_mut(&node.parent) {
            kids.remove(&node.name);
        }
        self.children.remove(&id);
        self.nodes.remove(&id);
        let mut garbage: Vec<(u64, u32)> = node_items(id, &node, &self.geo)
            .into_iter()
            .filter(|(k, _)| Key::from_raw(*k) != Some(Key::Node(id)))
            .collect();
        if let (Some(content), Some(on)) = (content, self.open.get_mut(&id)) {
            for (idx, (gen, len)) in core::mem::take(&mut on.staged) {
                if let Ok(key) = chunk_key(id, idx, gen) {
                    garbage.push((key, len));
                }
            }
            on.orphan = true;
            on.limit = 0;
            on.ram = content;
            on.ram_dirty = on.ram.keys().copied().collect();
        }
        self.garbage.extend(garbage);
        self.drain(eng);
        Ok(())
    }

    /// Loads an open node's whole content into RAM and makes it an orphan.
    fn orphan(&mut self, eng: &mut dyn Engine, id: u32) -> Result<()> {
        let content = self.all_content(eng, id)?;
        if let Some(on) = self.open.get_mut(&id) {
            on.orphan = true;
            on.limit = 0;
            on.ram = content;
            on.ram_dirty = on.ram.keys().copied().collect();
        }
        Ok(())
    }

    /// Every chunk of an open node, as its handles see them.
    fn all_content(&mut self, eng: &mut dyn Engine, id: u32) -> Result<BTreeMap<u32, Vec<u8>>> {
        let size = self.open_node(id)?.size;
        let count = chunk_count(size, self.geo.chunk_size);
        let mut out = BTreeMap::new();
        for idx in 0..count {
            let idx = u32::try_from(idx).map_err(|_| Errno::EFBIG)?;
            out.insert(idx, self.chunk(eng, id, idx)?);
        }
        Ok(out)
    }

    // ---- file contents ------------------------------------------------------------------

    fn open_node(&self, id: u32) -> Result<&OpenNode> {
        self.open
            .get(&id)
            .ok_or(Error::bug("bug: kv handle without an open node"))
    }

    fn open_node_mut(&mut self, id: u32) -> Result<&mut OpenNode> {
        self.open
            .get_mut(&id)
            .ok_or(Error::bug("bug: kv handle without an open node"))
    }

    /// The committed bytes of an inline file.
    fn inline_bytes(&self, eng: &mut dyn Engine, id: u32) -> Result<Vec<u8>> {
        let mut raw = Vec::new();
        if !eng.fetch(Key::Node(id).raw(), &mut raw)? {
            return Err(Errno::EIO.with_detail("file record missing"));
        }
        match Record::decode(&raw, self.geo.chunk_size)?.body {
            Body::Inline(data) => Ok(data.to_vec()),
            _ => Err(Errno::EIO.with_detail("file record changed under its node")),
        }
    }

    /// Chunk `idx` of the committed file, at its committed length.
    fn committed_chunk(&self, eng: &mut dyn Engine, id: u32, idx: u32) -> Result<Vec<u8>> {
        let node = self.node(id)?;
        let cs = self.geo.chunk_size;
        let want = chunk_len(node.size, idx, cs);
        match &node.data {
            Data::Dir => Err(Error::bug("bug: kv reading a directory")),
            Data::Inline => {
                let bytes = self.inline_bytes(eng, id)?;
                let start = idx as usize * cs as usize;
                Ok(bytes
                    .get(start..start + want as usize)
                    .ok_or(Errno::EIO.with_detail("inline file shorter than its size"))?
                    .to_vec())
            }
            Data::Chunks(gens) => {
                let gen = *gens
                    .get(idx as usize)
                    .ok_or(Error::bug("bug: kv chunk past the chunk list"))?;
                let mut out = Vec::new();
                if !eng.fetch(chunk_key(id, idx, gen)?, &mut out)? {
                    return Err(Errno::EIO.with_detail("file chunk missing"));
                }
                if out.len() != want as usize {
                    return Err(Errno::EIO.with_detail("file chunk has the wrong length"));
                }
                Ok(out)
            }
        }
    }

    /// Chunk `idx` as an open node's handles see it, `chunk_len` bytes long at its current size.
    fn chunk(&mut self, eng: &mut dyn Engine, id: u32, idx: u32) -> Result<Vec<u8>> {
        let cs = self.geo.chunk_size;
        let on = self.open_node(id)?;
        let want = chunk_len(on.size, idx, cs) as usize;
        let mut bytes = if let Some(bytes) = on.ram.get(&idx) {
            bytes.clone()
        } else if let Some(&(gen, len)) = on.staged.get(&idx) {
            let mut out = Vec::new();
            if !eng.fetch(chunk_key(id, idx, gen)?, &mut out)? || out.len() != len as usize {
                return Err(Errno::EIO.with_detail("staged chunk missing"));
            }
            out
        } else if u64::from(idx) * u64::from(cs) < on.limit {
            let committed = self.committed_chunk(eng, id, idx)?;
            let limit = self.open_node(id)?.limit;
            let keep = limit.saturating_sub(u64::from(idx) * u64::from(cs));
            let mut committed = committed;
            committed.truncate(usize::try_from(keep).unwrap_or(usize::MAX));
            committed
        } else {
            Vec::new()
        };
        bytes.resize(want, 0);
        Ok(bytes)
    }

    /// Keeps a clean chunk in RAM as a read cache (a few at most).
    fn remember(&mut self, id: u32, idx: u32, bytes: Vec<u8>) {
        if let Some(on) = self.open.get_mut(&id) {
            if on.ram.contains_key(&idx) {
                return;
            }
            let clean: Vec<u32> = on
                .ram
                .keys()
                .filter(|k| !on.ram_dirty.contains(k))
                .copied()
                .collect();
            if clean.len() >= CLEAN_CHUNKS {
                for k in clean {
                    on.ram.remove(&k);
                }
            }
            on.ram.insert(idx, bytes);
        }
    }

    /// The generation a new version of chunk `idx` gets: its staged one, or one past the
    /// committed one, so it never overwrites the key the record names.
    fn next_gen(&self, id: u32, idx: u32) -> Result<u16> {
        if let Some(&(gen, _)) = self.open_node(id)?.staged.get(&idx) {
            return Ok(gen);
        }
        Ok(match &self.node(id)?.data {
            Data::Chunks(gens) => gens.get(idx as usize).map_or(0, |g| g.wrapping_add(1)),
            _ => 0,
        })
    }

    /// Writes chunk `idx` (from RAM) to flash as a staged chunk.
    fn stage(&mut self, eng: &mut dyn Engine, id: u32, idx: u32) -> Result<()> {
        let bytes = self.chunk(eng, id, idx)?;
        let gen = self.next_gen(id, idx)?;
        eng.store(chunk_key(id, idx, gen)?, &bytes)?;
        let on = self.open_node_mut(id)?;
        on.staged.insert(idx, (gen, bytes.len() as u32));
        on.ram_dirty.remove(&idx);
        on.ram.remove(&idx);
        Ok(())
    }

    /// The length of an open node's name (0 for an orphan, which has none).
    fn name_len(&self, id: u32) -> usize {
        self.nodes.get(&id).map_or(0, |n| n.name.len())
    }

    fn check_size(&self, id: u32, end: u64) -> Result<()> {
        let name_len = self.name_len(id);
        if end > self.geo.capacity() {
            return Err(Errno::ENOSPC.into());
        }
        if end > self.max_file(name_len) && end > self.inline_cap(name_len) {
            return Err(Errno::EFBIG.into());
        }
        Ok(())
    }

    fn write_at(&mut self, eng: &mut dyn Engine, id: u32, pos: u64, data: &[u8]) -> Result<()> {
        let end = pos.checked_add(data.len() as u64).ok_or(Errno::EFBIG)?;
        self.check_size(id, end)?;
        let cs = u64::from(self.geo.chunk_size);
        let mut written = 0usize;
        let mut last = 0u32;
        while written < data.len() {
            let at = pos + written as u64;
            let idx = u32::try_from(at / cs).map_err(|_| Errno::EFBIG)?;
            let off = (at % cs) as usize;
            let n = (cs as usize - off).min(data.len() - written);
            let mut bytes = self.chunk(eng, id, idx)?;
            if bytes.len() < off + n {
                bytes.resize(off + n, 0);
            }
            bytes[off..off + n].copy_from_slice(&data[written..written + n]);
            let on = self.open_node_mut(id)?;
            on.size = on.size.max(at + n as u64);
            on.ram.insert(idx, bytes);
            on.ram_dirty.insert(idx);
            on.dirty = true;
            written += n;
            last = idx;
        }
        self.spill(eng, id, last)
    }

    /// A file too large to stay inline writes its finished chunks out as it goes, so an open
    /// file holds about one chunk of RAM.
    fn spill(&mut self, eng: &mut dyn Engine, id: u32, keep: u32) -> Result<()> {
        let name_len = self.name_len(id);
        let on = self.open_node(id)?;
        if on.orphan || on.size <= self.inline_cap(name_len) {
            return Ok(());
        }
        let out: Vec<u32> = on
            .ram_dirty
            .iter()
            .copied()
            .filter(|&i| i != keep)
            .collect();
        for idx in out {
            self.stage(eng, id, idx)?;
        }
        Ok(())
    }

    fn set_len(&mut self, eng: &mut dyn Engine, id: u32, len: u64) -> Result<()> {
        let cs = self.geo.chunk_size;
        let size = self.open_node(id)?.size;
        if len > size {
            self.check_size(id, len)?;
        }
        if len < size {
            let cut = u32::try_from(len / u64::from(cs)).map_err(|_| Errno::EFBIG)?;
            if !len.is_multiple_of(u64::from(cs)) {
                // The chunk the new end falls in keeps its head, in RAM.
                let mut bytes = self.chunk(eng, id, cut)?;
                bytes.truncate((len % u64::from(cs)) as usize);
                let on = self.open_node_mut(id)?;
                on.ram.insert(cut, bytes);
                on.ram_dirty.insert(cut);
            }
            let first_gone = u32::try_from(len.div_ceil(u64::from(cs))).unwrap_or(u32::MAX);
            let on = self.open_node_mut(id)?;
            on.ram.retain(|&i, _| i < first_gone);
            on.ram_dirty.retain(|&i| i < first_gone);
            let gone: Vec<(u32, (u16, u32))> = on
                .staged
                .range(first_gone..)
                .map(|(&i, &v)| (i, v))
                .collect();
            for (idx, _) in &gone {
                on.staged.remove(idx);
            }
            on.limit = on.limit.min(len);
            for (idx, (gen, l)) in gone {
                self.garbage.push((chunk_key(id, idx, gen)?, l));
            }
        }
        let on = self.open_node_mut(id)?;
        on.size = len;
        on.dirty = true;
        Ok(())
    }

    /// Makes an open node's changes durable: stages what is in RAM, then stores the record
    /// (the commit point); the chunks it replaced become garbage.
    fn commit(&mut self, eng: &mut dyn Engine, clock: &dyn TimeSource, id: u32) -> Result<()> {
        let Some(on) = self.open.get(&id) else {
            return Ok(());
        };
        if on.orphan || !on.dirty {
            return Ok(());
        }
        if self.readonly {
            return Err(Errno::EROFS.into());
        }
        let size = on.size;
        let node = self.node(id)?.clone();
        let cs = self.geo.chunk_size;
        let count = chunk_count(size, cs);
        let seq = self.take_seq();
        let mtime = now_secs(clock).max(node.mtime);
        let committed = Node {
            size,
            seq,
            mtime,
            ..node.clone()
        };
        let new_data = if size <= self.inline_cap(node.name.len()) {
            let mut bytes = Vec::with_capacity(size as usize);
            for idx in 0..count {
                bytes.extend_from_slice(&self.chunk(eng, id, idx as u32)?);
            }
            eng.store(
                Key::Node(id).raw(),
                &committed.record(Body::Inline(&bytes)).encode(),
            )?;
            Data::Inline
        } else {
            if META_LEN + node.name.len() + count as usize * 2 > self.max_value() || count > 1 << 16
            {
                return Err(Errno::EFBIG.into());
            }
            let mut gens = Vec::with_capacity(count as usize);
            for idx in 0..count as u32 {
                let want = chunk_len(size, idx, cs);
                let on = self.open_node(id)?;
                let reusable_staged = on
                    .staged
                    .get(&idx)
                    .filter(|&&(_, len)| len == want && !on.ram_dirty.contains(&idx))
                    .map(|&(gen, _)| gen);
                if let Some(gen) = reusable_staged {
                    gens.push(gen);
                    continue;
                }
                let reusable_committed = match &node.data {
                    Data::Chunks(old)
                        if !on.ram_dirty.contains(&idx)
                            && !on.staged.contains_key(&idx)
                            && chunk_len(node.size, idx, cs) == want
                            && u64::from(idx) * u64::from(cs) + u64::from(want) <= on.limit =>
                    {
                        old.get(idx as usize).copied()
                    }
                    _ => None,
                };
                if let Some(gen) = reusable_committed {
                    gens.push(gen);
                    continue;
                }
                self.stage(eng, id, idx)?;
                let gen = self
                    .open_node(id)?
                    .staged
                    .get(&idx)
                    .map(|&(g, _)| g)
                    .ok_or(Error::bug("bug: kv chunk not staged"))?;
                gens.push(gen);
            }
            eng.store(
                Key::Node(id).raw(),
                &committed.record(Body::Chunked(gens.clone())).encode(),
            )?;
            Data::Chunks(gens)
        };
        // Committed: the replaced chunks and any staged chunk not named now are garbage.
        let mut garbage = Vec::new();
        if let Data::Chunks(old) = &node.data {
            for (idx, &gen) in old.iter().enumerate() {
                let still = matches!(&new_data, Data::Chunks(new) if new.get(idx) == Some(&gen));
                if !still {
                    garbage.push((
                        chunk_key(id, idx as u32, gen)?,
                        chunk_len(node.size, idx as u32, cs),
                    ));
                }
            }
        }
        let on = self.open_node_mut(id)?;
        for (idx, (gen, len)) in core::mem::take(&mut on.staged) {
            let named =
                matches!(&new_data, Data::Chunks(new) if new.get(idx as usize) == Some(&gen));
            if !named {
                garbage.push((chunk_key(id, idx, gen)?, len));
            }
        }
        on.ram_dirty.clear();
        on.ram.clear();
        on.dirty = false;
        on.limit = size;
        let n = self.node_mut(id)?;
        n.size = size;
        n.seq = seq;
        n.mtime = mtime;
        n.data = new_data;
        self.garbage.extend(garbage);
        Ok(())
    }

    /// Drops an open node whose last handle went: uncommitted staged chunks are garbage.
    fn discard(&mut self, id: u32, on: OpenNode) {
        for (idx, (gen, len)) in on.staged {
            if let Ok(key) = chunk_key(id, idx, gen) {
                self.garbage.push((key, len));
            }
        }
    }

    // ---- garbage and space ----------------------------------------------------------------

    /// Whether `raw` is an item something still needs.
    fn is_live(&self, raw: u64) -> bool {
        match Key::from_raw(raw) {
            Some(Key::Node(id)) => self.nodes.contains_key(&id),
            Some(Key::Chunk { node, index, gen }) => {
                chunk_named(&self.nodes, raw)
                    || self
                        .open
                        .get(&node)
                        .and_then(|on| on.staged.get(&u32::from(index)))
                        .is_some_and(|&(g, _)| g == gen)
            }
            None => false,
        }
    }

    /// Removes garbage items while the flash allows; what fails stays for later (a mount
    /// finds it again anyway).
    fn drain(&mut self, eng: &mut dyn Engine) {
        if self.readonly {
            return;
        }
        while let Some(&(raw, _)) = self.garbage.last() {
            if !self.is_live(raw) && eng.remove(raw).is_err() {
                return;
            }
            self.garbage.pop();
        }
    }

    /// Flash bytes held by items: records, chunks (committed and staged) and garbage.
    fn used_bytes(&self) -> u64 {
        let g = &self.geo;
        let mut used = 0u64;
        for (&id, node) in &self.nodes {
            if id == ROOT {
                continue;
            }
            let name = node.name.len() as u64;
            let meta = META_LEN as u64 + name;
            used += match &node.data {
                Data::Dir => g.footprint(meta),
                Data::Inline => g.footprint(meta + node.size),
                Data::Chunks(gens) => {
                    let mut total = g.footprint(meta + 2 * gens.len() as u64);
                    for idx in 0..gens.len() as u32 {
                        total += g.footprint(u64::from(chunk_len(node.size, idx, g.chunk_size)));
                    }
                    total
                }
            };
        }
        for on in self.open.values() {
            for &(_, len) in on.staged.values() {
                used += g.footprint(u64::from(len));
            }
        }
        for &(_, len) in &self.garbage {
            used += g.footprint(u64::from(len));
        }
        used
    }

    fn statvfs(&self) -> StatVfs {
        let g = &self.geo;
        let unit = u64::from(g.page_size.min(256));
        let total = u64::from(g.page_size) * u64::from(g.page_count);
        // Items never straddle pages: allow half a chunk item of unusable tail per page.
        let tails = u64::from(g.data_pages().saturating_sub(1))
            * (g.footprint(u64::from(g.chunk_size)) / 2);
        let free = g
            .capacity()
            .saturating_sub(tails)
            .saturating_sub(self.used_bytes());
        let free_units = free / unit;
        StatVfs {
            bsize: unit,
            frsize: unit,
            blocks: total / unit,
            bfree: free_units,
            bavail: free_units,
            namemax: NAME_MAX as u64,
            ..StatVfs::default()
        }
    }
}

impl Node {
    fn from_record(r: &Record<'_>) -> Node {
        Node {
            kind: r.kind,
            parent: r.parent,
            name: r.name.clone(),
            seq: r.seq,
            mtime: r.mtime,
            size: r.size,
            data: match &r.body {
                Body::Dir => Data::Dir,
                Body::Inline(_) => Data::Inline,
                Body::Chunked(gens) => Data::Chunks(gens.clone()),
            },
        }
    }

    fn record<'a>(&self, body: Body<'a>) -> Record<'a> {
        Record {
            kind: self.kind,
            parent: self.parent,
            seq: self.seq,
            mtime: self.mtime,
            size: self.size,
            name: self.name.clone(),
            body,
        }
    }
}

/// Whether the chunk item `raw` is named by its node's committed record.
fn chunk_named(nodes: &BTreeMap<u32, Node>, raw: u64) -> bool {
    let Some(Key::Chunk { node, index, gen }) = Key::from_raw(raw) else {
        return false;
    };
    matches!(
        nodes.get(&node).map(|n| &n.data),
        Some(Data::Chunks(gens)) if gens.get(usize::from(index)) == Some(&gen)
    )
}

/// Every item a committed node owns: its record and its chunks.
fn node_items(id: u32, node: &Node, geo: &Geometry) -> Vec<(u64, u32)> {
    let meta = (META_LEN + node.name.len()) as u32;
    let mut items = Vec::new();
    match &node.data {
        Data::Dir => items.push((Key::Node(id).raw(), meta)),
        Data::Inline => items.push((
            Key::Node(id).raw(),
            meta.saturating_add(u32::try_from(node.size).unwrap_or(u32::MAX)),
        )),
        Data::Chunks(gens) => {
            items.push((Key::Node(id).raw(), meta + 2 * gens.len() as u32));
            for (idx, &gen) in gens.iter().enumerate() {
                if let Ok(index) = u16::try_from(idx) {
                    items.push((
                        Key::Chunk {
                            node: id,
                            index,
                            gen,
                        }
                        .raw(),
                        chunk_len(node.size, idx as u32, geo.chunk_size),
                    ));
                }
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_lengths() {
        assert_eq!(chunk_len(0, 0, 10), 0);
        assert_eq!(chunk_len(25, 0, 10), 10);
        assert_eq!(chunk_len(25, 2, 10), 5);
        assert_eq!(chunk_len(25, 3, 10), 0);
        assert_eq!(chunk_len(u64::MAX, u32::MAX, u32::MAX), u32::MAX);
    }
}
