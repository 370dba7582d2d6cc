//! The engine between files and metadata: allocation, traversal, directory lookups, the
//! operations that change directories (spec §11) and their recovery (§12).
//!
//! Besides the medium, the engine keeps two small registries in RAM:
//! - **pins**: what each open file needs protected from the allocator (its current CTZ list,
//!   and the block it is writing with the list behind it);
//! - **cursors**: where each open file's entry is (pair and offset), and where each listing
//!   stands. Every commit that moves entries, drops a block or relocates a pair updates them,
//!   so open files and listings stay right while other calls change their directory.

use alloc::vec;
use alloc::vec::Vec;

use uvfs_os_api::{BlockDevice, DirEntry, FileType, Name, Result};

use super::alloc::{Alloc, Next};
use super::bd::Bd;
use super::ctz;
use super::errno::{bug, corrupt, Lfs1Err};
use super::meta::{
    encode_entry, fetch, pair_is_null, pair_same, pair_shares, write_block, Entries, Entry,
    MetaBlock, Superblock, DISK_VERSION, EMPTY_SIZE, MOVED, NULL, TYPE_DIR, TYPE_FILE,
};
use super::table::Table;

/// How deep relocations may nest (a relocation's reference update relocating again) before the
/// engine gives up with `ECORRUPT`.
const MAX_RELOCATION_DEPTH: u32 = 8;

/// What an open file protects from the allocator.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pin {
    /// The file's current CTZ list (committed or not).
    pub head: u32,
    pub size: u32,
    /// The list differs from the committed entry (counted by `statvfs`, as C does).
    pub dirty: bool,
    /// The block being written, and the block before it with its index.
    pub writing: Option<(u32, Option<(u32, u32)>)>,
}

/// What a cursor points at.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CursorKind {
    /// An open file's entry.
    Entry,
    /// A listing's next position.
    Listing,
}

/// A position in a metadata block that commits keep up to date.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub kind: CursorKind,
    pub pair: [u32; 2],
    /// Offset in the entries area.
    pub off: u32,
    /// False once the entry was removed (files) or the listing is done.
    pub live: bool,
}

/// One change of a block's entries area: `old_len` bytes at `off` become `new`.
#[derive(Clone, Debug)]
pub(crate) struct Edit {
    pub off: u32,
    pub old_len: u32,
    pub new: Vec<u8>,
}

/// Applies `edits` (sorted by offset, not overlapping) to an entries area.
fn apply_edits(area: &[u8], edits: &[Edit]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(area.len() + 64);
    let mut at = 0usize;
    for e in edits {
        let off = e.off as usize;
        let end = off + e.old_len as usize;
        if off < at || end > area.len() {
            return Err(bug("bug: overlapping or out-of-range entry edits"));
        }
        out.extend_from_slice(&area[at..off]);
        out.extend_from_slice(&e.new);
        at = end;
    }
    out.extend_from_slice(&area[at..]);
    Ok(out)
}

/// An entry found by name, with what removing it needs.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// The block holding the entry.
    pub block: MetaBlock,
    pub entry: Entry,
    /// The block is the first of its directory (never dropped).
    pub first: bool,
    /// The block before it in the directory's chain.
    pub prev: Option<MetaBlock>,
    /// The directory's first pair.
    pub dir: [u32; 2],
}

/// The result of looking a name up in a directory.
pub(crate) enum Lookup {
    Found(Found),
    /// Not there; `last` is the directory's last block (where a new entry goes).
    Missing {
        last: MetaBlock,
    },
}

/// What a path names.
pub(crate) enum Target {
    Root,
    Entry(Found),
}

/// Where a path walk ended.
pub(crate) enum Hit {
    /// No name was looked up: the path is the root however spelled (`/`, `//.`, `/a/..`).
    Root,
    /// The last name looked up exists.
    Found(Found),
    /// A name was not found; `last` is the last block of the directory it was looked up in.
    Missing { last: MetaBlock },
}

/// A path walked by [`Core::walk`].
pub(crate) struct Walked<'p> {
    pub hit: Hit,
    /// The path from the last name looked up to its end, as spelled (`"d/"` for `/d/`,
    /// `"e/s/.."` for `/e/s/..`; empty when no name was looked up). A create names its entry
    /// with it, which littlefs only does when it holds no `/`: `mkdir("/n/")` is `ENOENT`.
    pub rest: &'p str,
    /// The first pair of every directory a name was looked up in, in order (the last one is the
    /// hit's parent).
    pub dirs: Vec<[u32; 2]>,
}

/// The name to create from a walk's `rest` when it ended at a missing name: `ENOENT` when a `/`
/// follows it (`/n/`, `/n/.`, `/n/./..`), as littlefs 1.7 answers.
pub(crate) fn new_name(rest: &str) -> Result<&str> {
    if rest.contains('/') {
        return Err(Lfs1Err::NoEnt.with("a missing name followed by more path"));
    }
    Ok(rest)
}

/// The names littlefs 1.7 looks up for path `p`, as byte ranges, in order.
///
/// Observed behaviour (MicroPython's `VfsLfs1`): runs of `/` separate components; a `.` or
/// `..` component is passed over where the walk meets it; a name is passed over, without being
/// looked up, together with everything up to the `..` that closes it, counting every later
/// component other than `..` (`.` included) as opening one more level, bracket-style. So
/// `/x/../f` looks up only `f`, `/d/./..` looks up `d` and stops there, and `/../f` is `/f`.
/// Linear in the path's length.
pub(crate) fn walk_plan(p: &str) -> Vec<(usize, usize)> {
    let bytes = p.as_bytes();
    let mut comps: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'/' {
            i += 1;
        }
        comps.push((start, i));
    }
    let is = |c: (usize, usize), s: &[u8]| bytes.get(c.0..c.1) == Some(s);
    // The `..` that closes each component, if any.
    let mut closer: Vec<Option<usize>> = vec![None; comps.len()];
    let mut open: Vec<usize> = Vec::new();
    for (k, &c) in comps.iter().enumerate() {
        if is(c, b"..") {
            if let Some(o) = open.pop() {
                closer[o] = Some(k);
            }
        } else {
            open.push(k);
        }
    }
    let mut plan = Vec::new();
    let mut k = 0;
    while k < comps.len() {
        let c = comps[k];
        if is(c, b".") || is(c, b"..") {
            k += 1;
        } else if let Some(close) = closer[k] {
            k = close + 1;
        } else {
            plan.push(c);
            k += 1;
        }
    }
    plan
}

/// A walk along a chain of pairs, bounded by the block count.
struct Walk {
    next: Option<[u32; 2]>,
    hops: u32,
    /// Follow only continued blocks (one directory) rather than every tail (the threaded list).
    one_dir: bool,
}

/// The engine.
pub(crate) struct Core<D> {
    pub bd: Bd<D>,
    pub alloc: Alloc,
    pub root: [u32; 2],
    /// Deorphan has run since the mount (§12.3); cleared again when a change fails half-way.
    pub deorphaned: bool,
    pub pins: Table<Pin>,
    pub cursors: Table<Cursor>,
    depth: u32,
}

impl<D: BlockDevice> Core<D> {
    pub(crate) fn new(bd: Bd<D>) -> Core<D> {
        let lookahead = bd.geo.lookahead;
        Core {
            bd,
            alloc: Alloc::new(lookahead),
            root: [NULL, NULL],
            deorphaned: false,
            pins: Table::default(),
            cursors: Table::default(),
            depth: 0,
        }
    }

    pub(crate) fn into_device(self) -> D {
        self.bd.into_device()
    }

    pub(crate) fn block_size(&self) -> u32 {
        self.bd.geo.block_size
    }

    pub(crate) fn block_count(&self) -> u32 {
        self.bd.geo.block_count
    }

    // ---- format and mount -----------------------------------------------------------------

    /// Formats the device (§6.2): superblock pair (0, 1), root (2, 3) written to block 3, the
    /// superblock committed to block 1 then block 0, then read back.
    pub(crate) fn format(&mut self) -> Result<()> {
        let count = self.block_count();
        let geo = self.bd.geo;
        self.alloc = Alloc::for_format(geo.lookahead, count);
        let s0 = self.alloc_block()?;
        let s1 = self.alloc_block()?;
        let r0 = self.alloc_block()?;
        let r1 = self.alloc_block()?;
        if [s0, s1] != [0, 1] {
            return Err(bug("bug: format did not allocate blocks 0 and 1 first"));
        }
        let mut sb = MetaBlock::new_pair(&mut self.bd, s0, s1)?;
        let mut root = MetaBlock::new_pair(&mut self.bd, r0, r1)?;
        self.commit_new(&mut root)?;
        sb.tail = root.pair;
        sb.entries = Superblock {
            root: root.pair,
            block_size: geo.block_size,
            block_count: count,
            version: DISK_VERSION,
        }
        .encode()?;
        self.commit_new(&mut sb)?;
        self.commit(&mut sb)?;
        self.bd.forget_all();
        self.alloc = Alloc::new(geo.lookahead);
        self.load().map(|_| ())
    }

    /// Reads and checks the superblock (§6.3) and the root; never writes.
    pub(crate) fn load(&mut self) -> Result<Superblock> {
        let m = fetch(&mut self.bd, [0, 1]).map_err(|e| {
            if e.errno() == Lfs1Err::Corrupt.errno() {
                corrupt("no valid superblock in blocks 0 and 1")
            } else {
                e
            }
        })?;
        let sb = Superblock::parse(&m)?;
        if sb.block_size != self.bd.geo.block_size {
            return Err(Lfs1Err::Inval.with("the superblock's block size is not the device's"));
        }
        if sb.block_count > self.bd.geo.block_count {
            return Err(Lfs1Err::Inval.with("the superblock's block count exceeds the device"));
        }
        if sb.block_count < 4 {
            return Err(corrupt("superblock block count below 4"));
        }
        self.bd.geo.block_count = sb.block_count;
        if pair_is_null(sb.root) || !self.bd.geo.valid(sb.root[0]) || !self.bd.geo.valid(sb.root[1])
        {
            return Err(corrupt("root pair outside the device"));
        }
        let root = fetch(&mut self.bd, sb.root)?;
        self.root = sb.root;
        // Spread the first allocation of each mount over the device (see `alloc`).
        let start = root.rev.wrapping_mul(0x9E37_79B9) ^ m.rev;
        self.alloc.start_at(start, sb.block_count);
        Ok(sb)
    }

    // ---- allocation and traversal ---------------------------------------------------------

    /// Progress: the allocator may examine a whole device again.
    pub(crate) fn ack(&mut self) {
        let count = self.block_count();
        self.alloc.ack(count);
    }

    /// A free block (not erased).
    pub(crate) fn alloc_block(&mut self) -> Result<u32> {
        let count = self.block_count();
        loop {
            match self.alloc.next(count) {
                Next::Block(b) => return Ok(b),
                Next::NoSpace => return Err(Lfs1Err::NoSpc.with("no free block")),
                Next::Refill => {
                    let mut window = self.alloc.advance(count);
                    let r = self.traverse(true, &mut |b| window.mark(b));
                    self.alloc.install(window);
                    if let Err(e) = r {
                        self.alloc.reset();
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Calls `visit` with every block in use (§9): both blocks of every pair on the threaded
    /// list, every block of every file entry, and what open files pin (`for_alloc`: every open
    /// file's list; otherwise only changed ones, as C counts for `statvfs`).
    pub(crate) fn traverse(&mut self, for_alloc: bool, visit: &mut dyn FnMut(u32)) -> Result<()> {
        let mut walk = self.list_walk();
        while let Some(m) = self.walk_next(&mut walk)? {
            visit(m.pair[0]);
            visit(m.pair[1]);
            for e in m.iter() {
                let e = e?;
                if e.has_ctz() {
                    ctz::traverse_file(&mut self.bd, e.data[0], e.data[1], visit)?;
                }
            }
        }
        let pins: Vec<Pin> = self.pins.iter().copied().collect();
        for p in pins {
            if for_alloc || p.dirty {
                ctz::traverse_file(&mut self.bd, p.head, p.size, visit)?;
            }
            if let Some((block, prev)) = p.writing {
                visit(block);
                if let Some((prev, index)) = prev {
                    ctz::traverse(&mut self.bd, prev, index, visit)?;
                }
            }
        }
        Ok(())
    }

    /// Blocks in use, as `statvfs` counts them (duplicates included, as C counts).
    pub(crate) fn used_blocks(&mut self) -> Result<u64> {
        let mut used = 0u64;
        self.traverse(false, &mut |_| used += 1)?;
        Ok(used)
    }

    fn list_walk(&self) -> Walk {
        Walk {
            next: Some([0, 1]),
            hops: 0,
            one_dir: false,
        }
    }

    fn dir_walk(&self, first: [u32; 2]) -> Walk {
        Walk {
            next: Some(first),
            hops: 0,
            one_dir: true,
        }
    }

    /// The next block of a walk.
    fn walk_next(&mut self, w: &mut Walk) -> Result<Option<MetaBlock>> {
        let Some(pair) = w.next else {
            return Ok(None);
        };
        w.hops += 1;
        if w.hops > self.block_count() {
            return Err(corrupt("metadata chain does not end (a tail loop)"));
        }
        let m = fetch(&mut self.bd, pair)?;
        w.next = if w.one_dir && !m.continued {
            None
        } else if pair_is_null(m.tail) {
            if m.continued {
                return Err(corrupt("continued metadata block without a tail"));
            }
            None
        } else {
            Some(m.tail)
        };
        Ok(Some(m))
    }

    // ---- lookups --------------------------------------------------------------------------

    /// Whether some entry without the moved flag, in any pair after the superblock, carries
    /// `data` (§5.3).
    fn has_clean_twin(&mut self, data: [u32; 2]) -> Result<bool> {
        let mut walk = self.list_walk();
        let mut first = true;
        while let Some(m) = self.walk_next(&mut walk)? {
            if core::mem::take(&mut first) {
                continue;
            }
            for e in m.iter() {
                let e = e?;
                if !e.moved() && e.elen >= 8 && e.data == data {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Whether a file or directory entry is visible: not moved, or moved with no clean twin.
    fn visible(&mut self, e: &Entry) -> Result<bool> {
        if !e.moved() {
            return Ok(true);
        }
        Ok(!self.has_clean_twin(e.data)?)
    }

    /// Looks `name` up in the directory whose first pair is `dir`. With `moved_only`, finds the
    /// entry carrying the moved flag instead (a rename's source).
    fn find_in(&mut self, dir: [u32; 2], name: &[u8], moved_only: bool) -> Result<Lookup> {
        let mut walk = self.dir_walk(dir);
        let mut prev = None;
        let mut first = true;
        while let Some(m) = self.walk_next(&mut walk)? {
            let mut hit = None;
            for e in m.iter() {
                let e = e?;
                if !(e.is_file() || e.is_dir()) || e.name(&m.entries) != name {
                    continue;
                }
                let ok = if moved_only {
                    e.moved()
                } else {
                    self.visible(&e)?
                };
                if ok {
                    hit = Some(e);
                    break;
                }
            }
            if let Some(entry) = hit {
                return Ok(Lookup::Found(Found {
                    block: m,
                    entry,
                    first,
                    prev,
                    dir,
                }));
            }
            if walk.next.is_none() {
                return Ok(Lookup::Missing { last: m });
            }
            prev = Some(m);
            first = false;
        }
        Err(bug("bug: directory walk ended without a last block"))
    }

    pub(crate) fn find_in_dir(&mut self, dir: [u32; 2], name: &[u8]) -> Result<Lookup> {
        self.find_in(dir, name, false)
    }

    /// Walks a path the way littlefs 1.7 does (see [`walk_plan`]): what it names, or where the
    /// walk stopped at a missing name.
    pub(crate) fn walk<'p>(&mut self, p: &'p str) -> Result<Walked<'p>> {
        let mut found: Option<Found> = None;
        let mut rest = "";
        let mut dirs = Vec::new();
        for (start, end) in walk_plan(p) {
            let name = p
                .get(start..end)
                .ok_or(bug("bug: path plan off a char boundary"))?;
            rest = p.get(start..).unwrap_or_default();
            let here = match &found {
                None => self.root,
                Some(f) if f.entry.is_dir() => f.entry.data,
                Some(_) => return Err(Lfs1Err::NotDir.into()),
            };
            dirs.push(here);
            match self.find_in_dir(here, name.as_bytes())? {
                Lookup::Found(f) => found = Some(f),
                Lookup::Missing { last } => {
                    return Ok(Walked {
                        hit: Hit::Missing { last },
                        rest,
                        dirs,
                    })
                }
            }
        }
        Ok(Walked {
            hit: match found {
                Some(f) => Hit::Found(f),
                None => Hit::Root,
            },
            rest,
            dirs,
        })
    }

    /// What a path that must exist names: `ENOENT` if a name is missing.
    pub(crate) fn resolve(&mut self, p: &str) -> Result<Target> {
        match self.walk(p)?.hit {
            Hit::Root => Ok(Target::Root),
            Hit::Found(f) => Ok(Target::Entry(f)),
            Hit::Missing { .. } => Err(Lfs1Err::NoEnt.into()),
        }
    }

    /// The first pair of the directory a path names.
    pub(crate) fn resolve_dir(&mut self, p: &str) -> Result<[u32; 2]> {
        match self.resolve(p)? {
            Target::Root => Ok(self.root),
            Target::Entry(f) if f.entry.is_dir() => Ok(f.entry.data),
            Target::Entry(_) => Err(Lfs1Err::NotDir.into()),
        }
    }

    /// `ENAMETOOLONG` unless an entry named `name` fits in an empty block (the format cannot
    /// split an entry across blocks).
    pub(crate) fn check_name(&self, name: &str) -> Result<()> {
        if name.len() > 255 || EMPTY_SIZE + 12 + name.len() as u32 > self.block_size() {
            return Err(
                uvfs_os_api::Errno::ENAMETOOLONG.with_detail("name does not fit a metadata block")
            );
        }
        Ok(())
    }

    // ---- commits --------------------------------------------------------------------------

    /// Commits `m`: its entries, tail and flag are the new content, its pair and revision are
    /// as fetched. Afterwards `m` is the new current revision.
    pub(crate) fn commit(&mut self, m: &mut MetaBlock) -> Result<()> {
        self.commit_inner(m, false)
    }

    /// Commits a pair nothing references yet (no references to fix if it relocates).
    fn commit_new(&mut self, m: &mut MetaBlock) -> Result<()> {
        self.commit_inner(m, true)
    }

    fn commit_inner(&mut self, m: &mut MetaBlock, fresh: bool) -> Result<()> {
        let old = m.pair;
        let rev = m.rev;
        m.rev = rev.wrapping_add(1);
        let mut target = m.pair[1];
        let mut tries = 0u32;
        loop {
            match write_block(&mut self.bd, target, m) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    m.rev = rev;
                    return Err(e);
                }
            }
            // The block did not take the program: a bad block (§10 step 4).
            if old.contains(&0) || old.contains(&1) {
                m.rev = rev;
                return Err(corrupt("a superblock block does not take writes"));
            }
            tries += 1;
            if tries > self.block_count() {
                m.rev = rev;
                return Err(corrupt("no block takes writes"));
            }
            target = match self.alloc_block() {
                Ok(b) => b,
                Err(e) => {
                    m.rev = rev;
                    return Err(e);
                }
            };
        }
        let relocated = target != m.pair[1];
        m.pair = [target, m.pair[0]];
        self.bd.remember_meta(m);
        if relocated && !fresh {
            self.relocated(old, m.pair)?;
        }
        Ok(())
    }

    /// Fixes references after `old` moved to `new` (§11.8): RAM state, then the entry naming
    /// the pair (the superblock for the root), then the threaded list's tail.
    fn relocated(&mut self, old: [u32; 2], new: [u32; 2]) -> Result<()> {
        if self.depth >= MAX_RELOCATION_DEPTH {
            return Err(corrupt("relocations do not settle"));
        }
        self.depth += 1;
        let r = self.relocated_inner(old, new);
        self.depth -= 1;
        r
    }

    fn relocated_inner(&mut self, old: [u32; 2], new: [u32; 2]) -> Result<()> {
        let was_root = pair_shares(self.root, old);
        if was_root {
            self.root = new;
        }
        for c in self.cursors.iter_mut() {
            if pair_shares(c.pair, old) {
                c.pair = new;
            }
        }
        // The entry that names the pair.
        let mut walk = self.list_walk();
        'entries: while let Some(m) = self.walk_next(&mut walk)? {
            for e in m.iter() {
                let e = e?;
                if e.has_pair() && pair_shares(e.data, old) {
                    let mut m2 = m.clone();
                    let at = (e.off + 4) as usize;
                    super::le::put_u32(&mut m2.entries, at, new[0])?;
                    super::le::put_u32(&mut m2.entries, at + 4, new[1])?;
                    if pair_shares(m2.tail, old) {
                        m2.tail = new;
                    }
                    self.commit(&mut m2)?;
                    break 'entries;
                }
            }
        }
        // The tail that points at it.
        let mut walk = self.list_walk();
        while let Some(m) = self.walk_next(&mut walk)? {
            if pair_shares(m.tail, old) && !pair_same(m.pair, new) {
                let mut m2 = m;
                m2.tail = new;
                self.commit(&mut m2)?;
                break;
            }
        }
        Ok(())
    }

    // ---- cursors --------------------------------------------------------------------------

    /// Moves cursors of block `pair` over `edits` (sorted). A file cursor on a removed entry is
    /// detached; a listing cursor stays where the next entry now is.
    pub(crate) fn cursors_edited(&mut self, pair: [u32; 2], edits: &[Edit]) {
        for c in self.cursors.iter_mut() {
            if !c.live || !pair_shares(c.pair, pair) {
                continue;
            }
            let mut off = i64::from(c.off);
            let mut removed = false;
            for e in edits {
                if e.off < c.off {
                    off += e.new.len() as i64 - i64::from(e.old_len);
                } else if e.off == c.off && e.old_len > 0 && e.new.is_empty() {
                    removed = true;
                }
            }
            c.pair = pair;
            c.off = u32::try_from(off.max(0)).unwrap_or(0);
            if removed && c.kind == CursorKind::Entry {
                c.live = false;
            }
        }
    }

    /// A block was dropped from its directory: its file cursors are detached, listings go on
    /// with the next block.
    fn cursors_dropped(&mut self, dropped: &MetaBlock) {
        for c in self.cursors.iter_mut() {
            if !c.live || !pair_shares(c.pair, dropped.pair) {
                continue;
            }
            match c.kind {
                CursorKind::Entry => c.live = false,
                CursorKind::Listing if dropped.continued => {
                    c.pair = dropped.tail;
                    c.off = 0;
                }
                CursorKind::Listing => c.live = false,
            }
        }
    }

    /// A directory was removed: listings of it end.
    fn end_listings(&mut self, dir: [u32; 2]) {
        for c in self.cursors.iter_mut() {
            if c.kind == CursorKind::Listing && pair_shares(c.pair, dir) {
                c.live = false;
            }
        }
    }

    /// Detaches file cursors on the entry at `off` of `pair`.
    fn detach_entry(&mut self, pair: [u32; 2], off: u32) {
        for c in self.cursors.iter_mut() {
            if c.kind == CursorKind::Entry && c.live && pair_shares(c.pair, pair) && c.off == off {
                c.live = false;
            }
        }
    }

    /// Ids of the live file cursors on the entry at `off` of `pair`.
    fn entry_cursors(&self, pair: [u32; 2], off: u32) -> Vec<usize> {
        self.cursors
            .iter_ids()
            .filter(|(_, c)| {
                c.kind == CursorKind::Entry && c.live && pair_shares(c.pair, pair) && c.off == off
            })
            .map(|(id, _)| id)
            .collect()
    }

    // ---- directory changes ----------------------------------------------------------------

    /// Appends `entry` to a directory's last block, or to a new block after it when it is full
    /// (§7.3). With `tail`, the block that takes the entry also gets that tail (mkdir).
    /// Returns where the entry went.
    pub(crate) fn append_entry(
        &mut self,
        last: MetaBlock,
        entry: Vec<u8>,
        tail: Option<[u32; 2]>,
    ) -> Result<([u32; 2], u32)> {
        let len = entry.len() as u32;
        if last.size() + len <= self.block_size() {
            let off = last.entries.len() as u32;
            let mut m = last;
            m.entries.extend_from_slice(&entry);
            if let Some(t) = tail {
                m.tail = t;
            }
            self.commit(&mut m)?;
            return Ok((m.pair, off));
        }
        if EMPTY_SIZE + len > self.block_size() {
            return Err(bug("bug: entry larger than a block"));
        }
        let a = self.alloc_block()?;
        let b = self.alloc_block()?;
        let mut c = MetaBlock::new_pair(&mut self.bd, a, b)?;
        c.entries = entry;
        c.tail = tail.unwrap_or(last.tail);
        c.continued = last.continued;
        self.commit_new(&mut c)?;
        let mut m = last;
        m.continued = true;
        m.tail = c.pair;
        self.commit(&mut m)?;
        Ok((c.pair, 0))
    }

    /// Removes a found entry: rewrites its block without it, or drops the block when the entry
    /// was its only one and it is not the directory's first (§7.3).
    fn remove_entry(&mut self, f: Found) -> Result<()> {
        let len = f.entry.len();
        if !f.first && f.block.entries.len() as u32 == len {
            let prev = f
                .prev
                .ok_or(bug("bug: continuation block without a predecessor"))?;
            let mut m = prev;
            m.tail = f.block.tail;
            m.continued = m.continued && f.block.continued;
            self.commit(&mut m)?;
            self.cursors_dropped(&f.block);
            return Ok(());
        }
        let edits = [Edit {
            off: f.entry.off,
            old_len: len,
            new: Vec::new(),
        }];
        let mut m = f.block;
        m.entries = apply_edits(&m.entries, &edits)?;
        self.commit(&mut m)?;
        self.cursors_edited(m.pair, &edits);
        Ok(())
    }

    /// Unlinks a removed directory's pair from the threaded list (§11.5 step 2).
    fn unlink(&mut self, pair: [u32; 2], tail: [u32; 2]) -> Result<()> {
        let mut walk = self.list_walk();
        while let Some(m) = self.walk_next(&mut walk)? {
            if pair_shares(m.tail, pair) {
                let mut m = m;
                m.tail = tail;
                return self.commit(&mut m);
            }
        }
        Ok(())
    }

    /// Creates an empty file entry; returns where it is.
    pub(crate) fn create_file(&mut self, last: MetaBlock, name: &str) -> Result<([u32; 2], u32)> {
        self.check_name(name)?;
        let entry = encode_entry(TYPE_FILE, [NULL, 0], name.as_bytes())?;
        self.append_entry(last, entry, None)
    }

    /// `mkdir` (§11.3): `EEXIST` for anything that resolves (the root included), `ENOENT` for a
    /// missing name followed by more path.
    pub(crate) fn mkdir(&mut self, p: &str) -> Result<()> {
        let w = self.walk(p)?;
        let Hit::Missing { last } = w.hit else {
            return Err(Lfs1Err::Exist.into());
        };
        let name = new_name(w.rest)?;
        self.check_name(name)?;
        self.ack();
        let a = self.alloc_block()?;
        let b = self.alloc_block()?;
        let mut d = MetaBlock::new_pair(&mut self.bd, a, b)?;
        d.tail = last.tail;
        self.commit_new(&mut d)?;
        let entry = encode_entry(TYPE_DIR, d.pair, name.as_bytes())?;
        self.append_entry(last, entry, Some(d.pair))?;
        self.ack();
        Ok(())
    }

    /// `remove` and `rmdir` (one engine call for both, as in littlefs, §14.3).
    pub(crate) fn remove(&mut self, p: &str) -> Result<()> {
        let f = match self.resolve(p)? {
            // littlefs 1.7 checks the root like any directory, then removes it through a
            // directory it never read: `ENOTEMPTY` is its answer while the root has entries;
            // for an empty root it is undefined, and uvfs refuses.
            Target::Root => {
                let root = fetch(&mut self.bd, self.root)?;
                return Err(if root.is_empty_dir() {
                    Lfs1Err::Inval.with("the root cannot be removed")
                } else {
                    Lfs1Err::NotEmpty.into()
                });
            }
            Target::Entry(f) => f,
        };
        let dir = if f.entry.is_dir() {
            let d = fetch(&mut self.bd, f.entry.data)?;
            if !d.is_empty_dir() {
                return Err(Lfs1Err::NotEmpty.into());
            }
            Some((f.entry.data, d.tail))
        } else {
            None
        };
        self.remove_entry(f)?;
        if let Some((pair, tail)) = dir {
            self.end_listings(pair);
            self.unlink(pair, tail)?;
        }
        Ok(())
    }

    /// `rename` (§11.6), with every check done before the first commit. A rename inside one
    /// metadata block is a single commit.
    ///
    /// The checks come in littlefs 1.7's order: the source (`ENOENT`, `ENOTDIR`), the
    /// destination's walk, a file onto a directory or back (`EISDIR`; the root is a directory),
    /// a non-empty directory replaced (`ENOTEMPTY`). Where littlefs would then damage the volume,
    /// uvfs refuses or does nothing instead: the root as the source (`EINVAL`), an existing
    /// destination followed by more path (`ENOENT`: littlefs names the entry `"d/"`), a name
    /// over 255 bytes (`ENAMETOOLONG`: littlefs stores its length modulo 256), a directory moved
    /// into itself (`EINVAL`: littlefs loses it), and a path renamed onto itself (nothing:
    /// littlefs deletes it).
    pub(crate) fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let src = match self.resolve(from)? {
            Target::Root => return Err(Lfs1Err::Inval.with("the root cannot be renamed")),
            Target::Entry(f) => f,
        };
        let w = self.walk(to)?;
        let inside = src.entry.is_dir() && w.dirs.iter().any(|d| pair_same(*d, src.entry.data));
        let (dfirst, dname, dst) = match w.hit {
            Hit::Root => {
                // The root always holds the source, so it is never empty.
                return Err(if src.entry.is_dir() {
                    Lfs1Err::NotEmpty.into()
                } else {
                    Lfs1Err::IsDir.into()
                });
            }
            Hit::Missing { last } => {
                let name = new_name(w.rest)?;
                if inside {
                    return Err(Lfs1Err::Inval.with("a directory cannot move into itself"));
                }
                self.check_name(name)?;
                let parent = *w
                    .dirs
                    .last()
                    .ok_or(bug("bug: a miss without a directory"))?;
                (parent, name, Lookup::Missing { last })
            }
            Hit::Found(d) => {
                if d.entry.is_dir() != src.entry.is_dir() {
                    return Err(Lfs1Err::IsDir.into());
                }
                if d.entry.is_dir() && !fetch(&mut self.bd, d.entry.data)?.is_empty_dir() {
                    return Err(Lfs1Err::NotEmpty.into());
                }
                if w.rest.contains('/') {
                    return Err(
                        Lfs1Err::NoEnt.with("an existing destination followed by more path")
                    );
                }
                if d.block.same_blocks(src.block.pair) && d.entry.off == src.entry.off {
                    return Ok(());
                }
                if inside {
                    return Err(Lfs1Err::Inval.with("a directory cannot move into itself"));
                }
                (d.dir, w.rest, Lookup::Found(d))
            }
        };
        let mut replaced_dir = None;
        if let Lookup::Found(d) = &dst {
            if d.entry.is_dir() {
                let dd = fetch(&mut self.bd, d.entry.data)?;
                replaced_dir = Some((d.entry.data, dd.tail));
            }
        }
        let styp = src.entry.typ & !MOVED;
        let new_entry = encode_entry(styp, src.entry.data, dname.as_bytes())?;
        let new_len = new_entry.len() as u32;
        let src_len = src.entry.len();
        let src_off = src.entry.off;
        let src_cursors = self.entry_cursors(src.block.pair, src_off);
        let sname: Vec<u8> = src.entry.name(&src.block.entries).to_vec();
        let bs = self.block_size();

        let same_block = match &dst {
            Lookup::Missing { last } => last.same_blocks(src.block.pair),
            Lookup::Found(d) => d.block.same_blocks(src.block.pair),
        };
        let dst_len = match &dst {
            Lookup::Found(d) => d.entry.len(),
            Lookup::Missing { .. } => 0,
        };
        if same_block && src.block.size() - src_len - dst_len + new_len <= bs {
            // One commit: the source entry goes, the new one is appended or replaces the target.
            let mut edits = vec![Edit {
                off: src_off,
                old_len: src_len,
                new: Vec::new(),
            }];
            let end = src.block.entries.len() as u32;
            let new_off = match &dst {
                Lookup::Missing { .. } => {
                    edits.push(Edit {
                        off: end,
                        old_len: 0,
                        new: new_entry,
                    });
                    end - src_len
                }
                Lookup::Found(d) => {
                    self.detach_entry(d.block.pair, d.entry.off);
                    edits.push(Edit {
                        off: d.entry.off,
                        old_len: dst_len,
                        new: new_entry,
                    });
                    edits.sort_by_key(|e| e.off);
                    if src_off < d.entry.off {
                        d.entry.off - src_len
                    } else {
                        d.entry.off
                    }
                }
            };
            let mut m = src.block;
            m.entries = apply_edits(&m.entries, &edits)?;
            self.commit(&mut m)?;
            self.cursors_edited(m.pair, &edits);
            for id in src_cursors {
                if let Some(c) = self.cursors.get_mut(id) {
                    *c = Cursor {
                        kind: CursorKind::Entry,
                        pair: m.pair,
                        off: new_off,
                        live: true,
                    };
                }
            }
        } else {
            // 1. Flag the source as moved.
            let mut m = src.block.clone();
            let flag = m
                .entries
                .get_mut(src_off as usize)
                .ok_or(bug("bug: source entry outside its block"))?;
            *flag |= MOVED;
            self.commit(&mut m)?;
            // 2. The destination: appended, or the existing entry overwritten in place.
            let loc = match self.find_in_dir(dfirst, dname.as_bytes())? {
                Lookup::Missing { last } => self.append_entry(last, new_entry, None)?,
                Lookup::Found(d) => {
                    self.detach_entry(d.block.pair, d.entry.off);
                    let edits = [Edit {
                        off: d.entry.off,
                        old_len: d.entry.len(),
                        new: new_entry,
                    }];
                    let mut m = d.block;
                    m.entries = apply_edits(&m.entries, &edits)?;
                    self.commit(&mut m)?;
                    self.cursors_edited(m.pair, &edits);
                    (m.pair, d.entry.off)
                }
            };
            for id in src_cursors {
                if let Some(c) = self.cursors.get_mut(id) {
                    *c = Cursor {
                        kind: CursorKind::Entry,
                        pair: loc.0,
                        off: loc.1,
                        live: true,
                    };
                }
            }
            // 3. The flagged source, looked up again, goes.
            match self.find_in(src.dir, &sname, true)? {
                Lookup::Found(f) => self.remove_entry(f)?,
                Lookup::Missing { .. } => return Err(bug("bug: the moved source vanished")),
            }
        }
        // 4. A replaced directory leaves the threaded list.
        if let Some((pair, tail)) = replaced_dir {
            self.end_listings(pair);
            self.unlink(pair, tail)?;
        }
        Ok(())
    }

    // ---- recovery -------------------------------------------------------------------------

    /// Deorphan (§12.3), once per mount before the first change: unlinks orphans, repairs
    /// desynced tails and resolves moved entries. Unlike C, which repairs the first orphan or
    /// desync it meets, this repeats until a whole pass finds nothing.
    pub(crate) fn deorphan(&mut self) -> Result<()> {
        if self.deorphaned {
            return Ok(());
        }
        for _ in 0..=self.block_count() {
            if !self.deorphan_pass()? {
                self.deorphaned = true;
                return Ok(());
            }
        }
        Err(corrupt("deorphan does not converge"))
    }

    /// One pass; true if it repaired something (the caller runs another).
    fn deorphan_pass(&mut self) -> Result<bool> {
        // (pair, tail, continued) of every block on the list, the pairs entries name, and the
        // moved entries.
        let mut list: Vec<([u32; 2], [u32; 2], bool)> = Vec::new();
        let mut named: Vec<[u32; 2]> = Vec::new();
        let mut moved: Vec<(usize, u32)> = Vec::new();
        let mut walk = self.list_walk();
        while let Some(m) = self.walk_next(&mut walk)? {
            for e in m.iter() {
                let e = e?;
                if e.has_pair() {
                    named.push(e.data);
                }
                if e.moved() && (e.is_file() || e.is_dir()) {
                    moved.push((list.len(), e.off));
                }
            }
            list.push((m.pair, m.tail, m.continued));
        }
        for k in 0..list.len() {
            let (pair, tail, continued) = list[k];
            if pair_is_null(tail) {
                break;
            }
            if continued {
                continue;
            }
            // The next pair must be the first pair of some directory.
            match named.iter().find(|n| pair_shares(**n, tail)) {
                None => {
                    let orphan_tail = list.get(k + 1).map(|x| x.1).ok_or(bug("bug: list end"))?;
                    let mut m = fetch(&mut self.bd, pair)?;
                    m.tail = orphan_tail;
                    self.commit(&mut m)?;
                    return Ok(true);
                }
                Some(n) if !pair_same(*n, tail) => {
                    let n = *n;
                    let mut m = fetch(&mut self.bd, pair)?;
                    m.tail = n;
                    self.commit(&mut m)?;
                    return Ok(true);
                }
                Some(_) => {}
            }
        }
        if let Some(&(k, off)) = moved.first() {
            let m = fetch(&mut self.bd, list[k].0)?;
            let e = m.entry_at(off)?;
            if self.has_clean_twin(e.data)? {
                let first = k == 0 || !list[k - 1].2;
                let prev = if first {
                    None
                } else {
                    Some(fetch(&mut self.bd, list[k - 1].0)?)
                };
                self.remove_entry(Found {
                    block: m,
                    entry: e,
                    first,
                    prev,
                    dir: [NULL, NULL],
                })?;
            } else {
                let mut m = m;
                if let Some(t) = m.entries.get_mut(off as usize) {
                    *t &= !MOVED;
                }
                self.commit(&mut m)?;
            }
            return Ok(true);
        }
        Ok(false)
    }

    // ---- listings -------------------------------------------------------------------------

    /// The next visible entry of the listing `cursor`; `hops` counts the blocks it has walked
    /// (bounded by the block count).
    pub(crate) fn readdir(&mut self, cursor: usize, hops: &mut u32) -> Result<Option<DirEntry>> {
        loop {
            let c = *self
                .cursors
                .get(cursor)
                .ok_or(bug("bug: listing without a cursor"))?;
            if !c.live {
                return Ok(None);
            }
            let m = fetch(&mut self.bd, c.pair)?;
            let mut it = Entries::starting_at(&m.entries, c.off);
            let mut found = None;
            for e in &mut it {
                let e = e?;
                if (e.is_file() || e.is_dir()) && self.visible(&e)? {
                    found = Some(e);
                    break;
                }
            }
            if let Some(e) = found {
                if let Some(c) = self.cursors.get_mut(cursor) {
                    c.off = e.off + e.len();
                }
                let (kind, size) = if e.is_dir() {
                    (FileType::Dir, 0)
                } else {
                    (FileType::File, u64::from(e.data[1]))
                };
                return Ok(Some(DirEntry {
                    name: Name::from_bytes_lossy(e.name(&m.entries)),
                    kind,
                    inode: 0,
                    size: Some(size),
                }));
            }
            *hops += 1;
            if *hops > self.block_count() {
                return Err(corrupt("directory chain does not end"));
            }
            let c = self
                .cursors
                .get_mut(cursor)
                .ok_or(bug("bug: listing without a cursor"))?;
            if m.continued && !pair_is_null(m.tail) {
                c.pair = m.tail;
                c.off = 0;
            } else {
                c.live = false;
            }
        }
    }
}
