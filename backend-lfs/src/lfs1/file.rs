//! Open files (spec §8.5): copy-on-write CTZ lists written through a program-size cache.
//!
//! A file handle holds its current version (`head`, `size`), which may differ from its entry
//! on the medium until it is synced. Writing happens in *sessions*: a session owns one freshly
//! allocated block at a time, starting with a copy of the block that held the write position
//! (or a new block after a full one); blocks before it are shared with the old version. A
//! session ends (flush) when the file is read, seeks elsewhere, is truncated or is synced: the
//! rest of the old version is copied behind the written bytes and the partial program unit is
//! programmed. Sync then commits the entry in place: one metadata commit.
//!
//! Every program is read back; a block that does not take it is replaced by a new one holding
//! the same bytes (v1's bad-block handling for data). An error while writing drops everything
//! not yet committed: the file keeps its committed version, as C littlefs does.

use alloc::vec;
use alloc::vec::Vec;

use uvfs_os_api::{BlockDevice, OpenMode, Result, SeekFrom};

use super::ctz::{self, FILE_MAX};
use super::engine::{Core, Cursor, CursorKind, Pin};
use super::errno::{bug, corrupt, Lfs1Err};
use super::le::put_u32;
use super::meta::{fetch, NULL};

/// The block being written.
#[derive(Debug)]
struct Session {
    block: u32,
    /// Its index in the list.
    idx: u32,
    /// Next byte to write in the block.
    off: u32,
    /// The block of index `idx - 1`.
    prev: Option<u32>,
    /// Bytes `[cache_at, off)` of the block, not yet programmed.
    cache: Vec<u8>,
    cache_at: u32,
}

/// An open file.
#[derive(Debug)]
pub(crate) struct OpenFile {
    pub cursor: usize,
    pub pin: usize,
    read: bool,
    write: bool,
    append: bool,
    head: u32,
    size: u32,
    committed: (u32, u32),
    dirty: bool,
    pos: u32,
    w: Option<Session>,
    /// (index, block) of the last block read.
    rcur: Option<(u32, u32)>,
}

fn pin_writing(pins: &mut super::table::Table<Pin>, pin: usize, s: &Session) {
    if let Some(p) = pins.get_mut(pin) {
        p.writing = Some((s.block, s.prev.map(|p| (p, s.idx.saturating_sub(1)))));
    }
}

/// Adds `data` to the session's block at its position, programming every full unit.
fn put<D: BlockDevice>(
    core: &mut Core<D>,
    pin: usize,
    s: &mut Session,
    mut data: &[u8],
) -> Result<()> {
    let ps = core.bd.geo.prog_size;
    if s.off as usize + data.len() > core.block_size() as usize {
        return Err(bug("bug: write past the end of a block"));
    }
    while !data.is_empty() {
        let used = (s.off - s.cache_at) as usize;
        let n = data.len().min(ps as usize - used);
        s.cache[used..used + n].copy_from_slice(&data[..n]);
        s.off += n as u32;
        data = &data[n..];
        if s.off - s.cache_at == ps {
            program_unit(core, pin, s, ps as usize)?;
            s.cache_at += ps;
        }
    }
    Ok(())
}

/// Programs the cache at `cache_at` (its first `valid` bytes matter) and reads it back; on a
/// mismatch moves the block's programmed part to a new block and tries again.
fn program_unit<D: BlockDevice>(
    core: &mut Core<D>,
    pin: usize,
    s: &mut Session,
    valid: usize,
) -> Result<()> {
    for _ in 0..=core.block_count() {
        core.bd.prog(s.block, s.cache_at, &s.cache)?;
        if core.bd.verify(s.block, s.cache_at, &s.cache[..valid])? {
            return Ok(());
        }
        relocate(core, pin, s)?;
    }
    Err(corrupt("no block takes writes"))
}

/// Moves the programmed units `[0, cache_at)` of the session's block to a new block.
fn relocate<D: BlockDevice>(core: &mut Core<D>, pin: usize, s: &mut Session) -> Result<()> {
    let ps = core.bd.geo.prog_size;
    let mut unit = vec![0u8; ps as usize];
    'blocks: for _ in 0..=core.block_count() {
        let nb = core.alloc_block()?;
        core.bd.erase(nb)?;
        let mut at = 0;
        while at < s.cache_at {
            core.bd.read(s.block, at, &mut unit)?;
            core.bd.prog(nb, at, &unit)?;
            if !core.bd.verify(nb, at, &unit)? {
                continue 'blocks;
            }
            at += ps;
        }
        s.block = nb;
        pin_writing(&mut core.pins, pin, s);
        return Ok(());
    }
    Err(corrupt("no block takes writes"))
}

/// A fresh, erased block for a session.
fn fresh_block<D: BlockDevice>(core: &mut Core<D>) -> Result<u32> {
    let b = core.alloc_block()?;
    core.bd.erase(b)?;
    Ok(b)
}

const ZEROS: [u8; 64] = [0; 64];

impl OpenFile {
    /// Opens the file whose entry is at `loc` with data `data` (head, size).
    pub(crate) fn new<D: BlockDevice>(
        core: &mut Core<D>,
        loc: ([u32; 2], u32),
        data: [u32; 2],
        mode: OpenMode,
    ) -> Result<OpenFile> {
        let (head, size) = (data[0], data[1]);
        if size > FILE_MAX {
            return Err(corrupt("file size over 2^31 - 1"));
        }
        if size > 0 && !core.bd.geo.valid(head) {
            return Err(corrupt("file head block outside the device"));
        }
        if size > 0 && ctz::last_index(core.block_size(), size) >= core.block_count() {
            return Err(corrupt("file larger than the device"));
        }
        let cursor = core.cursors.insert(Cursor {
            kind: CursorKind::Entry,
            pair: loc.0,
            off: loc.1,
            live: true,
        });
        let mut f = OpenFile {
            cursor,
            pin: 0,
            read: mode.read,
            write: mode.write,
            append: mode.append,
            head,
            size,
            committed: (head, size),
            dirty: false,
            pos: 0,
            w: None,
            rcur: None,
        };
        if mode.truncate {
            // As littlefs 1.7: truncating an empty file changes nothing, so closing the handle
            // commits nothing (measured with MicroPython: `open(f, "w")` on a file another
            // handle is still writing, then closing both, leaves that handle's bytes).
            f.dirty = size != 0;
            f.head = NULL;
            f.size = 0;
        }
        f.pin = core.pins.insert(f.pin_state());
        Ok(f)
    }

    /// Gives back the registry slots (after close).
    pub(crate) fn release<D: BlockDevice>(&self, core: &mut Core<D>) {
        core.pins.remove(self.pin);
        core.cursors.remove(self.cursor);
    }

    fn pin_state(&self) -> Pin {
        Pin {
            head: self.head,
            size: self.size,
            dirty: self.dirty,
            writing: self
                .w
                .as_ref()
                .map(|s| (s.block, s.prev.map(|p| (p, s.idx.saturating_sub(1))))),
        }
    }

    fn update_pin<D: BlockDevice>(&self, core: &mut Core<D>) {
        let state = self.pin_state();
        if let Some(p) = core.pins.get_mut(self.pin) {
            *p = state;
        }
    }

    /// Whether the handle has changes not yet committed.
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty || self.w.is_some()
    }

    /// The size as this handle sees it (with bytes written past the old end).
    pub(crate) fn current_size(&self) -> u32 {
        match self.w {
            Some(_) => self.pos.max(self.size),
            None => self.size,
        }
    }

    /// Drops every change not committed: the committed version comes back.
    fn fail<D: BlockDevice>(&mut self, core: &mut Core<D>) {
        self.w = None;
        (self.head, self.size) = self.committed;
        self.dirty = false;
        self.rcur = None;
        self.update_pin(core);
    }

    // ---- writing --------------------------------------------------------------------------

    /// Starts a session at `p <= size` (§8.5).
    fn begin<D: BlockDevice>(&mut self, core: &mut Core<D>, p: u32) -> Result<()> {
        let bs = core.block_size();
        let ps = core.bd.geo.prog_size as usize;
        if p > self.size {
            return Err(bug("bug: session past the end of the file"));
        }
        let mut s = Session {
            block: NULL,
            idx: 0,
            off: 0,
            prev: None,
            cache: vec![0xFF; ps],
            cache_at: 0,
        };
        if p == 0 || self.size == 0 {
            s.block = fresh_block(core)?;
            self.w = Some(s);
            self.update_pin(core);
            return Ok(());
        }
        let last = ctz::last_index(bs, self.size);
        let (i, o) = ctz::index(bs, p);
        if i > 0 && o == ctz::data_start(i) {
            // A new block after a full one (or replacing block i from its start).
            let prev = ctz::find(&mut core.bd, self.head, last, i - 1)?;
            s.block = fresh_block(core)?;
            s.idx = i;
            s.prev = Some(prev);
            pin_writing(&mut core.pins, self.pin, &s);
            let mut ptrs = [0u32; 32];
            let n = ctz::pointers(&mut core.bd, prev, i, &mut ptrs)?;
            let mut bytes = [0u8; 128];
            for (k, p) in ptrs[..n].iter().enumerate() {
                bytes[k * 4..k * 4 + 4].copy_from_slice(&p.to_le_bytes());
            }
            put(core, self.pin, &mut s, &bytes[..n * 4])?;
        } else {
            // A copy of the block holding the position, up to it.
            let old = ctz::find(&mut core.bd, self.head, last, i)?;
            let prev = if i > 0 {
                let p = core.bd.read_u32(old, 0)?;
                if !core.bd.geo.valid(p) {
                    return Err(corrupt("file block pointer outside the device"));
                }
                Some(p)
            } else {
                None
            };
            s.block = fresh_block(core)?;
            s.idx = i;
            s.prev = prev;
            pin_writing(&mut core.pins, self.pin, &s);
            let mut buf = [0u8; 64];
            let mut at = 0;
            while at < o {
                let n = (o - at).min(buf.len() as u32);
                core.bd.read(old, at, &mut buf[..n as usize])?;
                put(core, self.pin, &mut s, &buf[..n as usize])?;
                at += n;
            }
        }
        self.w = Some(s);
        self.update_pin(core);
        Ok(())
    }

    /// Writes `data` at the session's position, moving on to new blocks as they fill.
    fn put_data<D: BlockDevice>(&mut self, core: &mut Core<D>, mut data: &[u8]) -> Result<()> {
        let bs = core.block_size();
        let pin = self.pin;
        let s = self.w.as_mut().ok_or(bug("bug: write outside a session"))?;
        while !data.is_empty() {
            if s.off == bs {
                // Next block: index + 1, pointers from the full one.
                let prev = s.block;
                let n = s.idx + 1;
                let nb = fresh_block(core)?;
                s.prev = Some(prev);
                s.block = nb;
                s.idx = n;
                s.off = 0;
                s.cache_at = 0;
                pin_writing(&mut core.pins, pin, s);
                let mut ptrs = [0u32; 32];
                let count = ctz::pointers(&mut core.bd, prev, n, &mut ptrs)?;
                let mut bytes = [0u8; 128];
                for (k, p) in ptrs[..count].iter().enumerate() {
                    bytes[k * 4..k * 4 + 4].copy_from_slice(&p.to_le_bytes());
                }
                put(core, pin, s, &bytes[..count * 4])?;
            }
            let n = data.len().min((bs - s.off) as usize);
            put(core, pin, s, &data[..n])?;
            // n <= block size.
            self.pos += n as u32;
            data = &data[n..];
            core.ack();
        }
        Ok(())
    }

    /// Writes `len` zero bytes.
    fn put_zeros<D: BlockDevice>(&mut self, core: &mut Core<D>, mut len: u32) -> Result<()> {
        while len > 0 {
            let n = len.min(ZEROS.len() as u32);
            self.put_data(core, &ZEROS[..n as usize])?;
            len -= n;
        }
        Ok(())
    }

    fn write_inner<D: BlockDevice>(&mut self, core: &mut Core<D>, data: &[u8]) -> Result<()> {
        if self.w.is_none() {
            if self.pos > self.size {
                let target = self.pos;
                self.pos = self.size;
                self.begin(core, self.size)?;
                self.put_zeros(core, target - self.size)?;
            } else {
                self.begin(core, self.pos)?;
            }
        }
        self.put_data(core, data)
    }

    /// `write`: all of `data` at the position (at the end in append mode).
    pub(crate) fn write<D: BlockDevice>(
        &mut self,
        core: &mut Core<D>,
        data: &[u8],
    ) -> Result<usize> {
        if !self.write {
            return Err(Lfs1Err::BadF.with("file not open for writing"));
        }
        if data.is_empty() {
            return Ok(0);
        }
        // As littlefs 1.7 (measured with MicroPython): an append starts at 0 (`tell()` is 0
        // after opening, `"a+"` reads from 0) and a write moves to the end only from before
        // it; from past the end (a seek) it writes there and the gap reads as zeros.
        if self.append && self.pos < self.size {
            self.flush_session(core)?;
            self.pos = self.size;
        }
        if u64::from(self.pos) + data.len() as u64 > u64::from(FILE_MAX) {
            return Err(Lfs1Err::FBig.into());
        }
        match self.write_inner(core, data) {
            Ok(()) => Ok(data.len()),
            Err(e) => {
                self.fail(core);
                Err(e)
            }
        }
    }

    /// Ends the session: copies the rest of the old version, programs the last unit, makes the
    /// new list the file's current version (not committed).
    fn flush_session<D: BlockDevice>(&mut self, core: &mut Core<D>) -> Result<()> {
        if self.w.is_none() {
            return Ok(());
        }
        let r = self.flush_inner(core);
        if r.is_err() {
            self.fail(core);
        }
        r
    }

    fn flush_inner<D: BlockDevice>(&mut self, core: &mut Core<D>) -> Result<()> {
        // The copy moves the session's position, not the file's.
        let keep = self.pos;
        let mut buf = [0u8; 256];
        while self.pos < self.size {
            let n = (self.size - self.pos).min(buf.len() as u32) as usize;
            let got = self.read_at(core, self.pos, &mut buf[..n])?;
            if got != n {
                return Err(bug("bug: short read of the old version"));
            }
            self.put_data(core, &buf[..n])?;
        }
        let pin = self.pin;
        let s = self.w.as_mut().ok_or(bug("bug: flush outside a session"))?;
        if s.off > s.cache_at {
            let valid = (s.off - s.cache_at) as usize;
            s.cache[valid..].fill(0xFF);
            program_unit(core, pin, s, valid)?;
        }
        let block = s.block;
        self.w = None;
        self.head = block;
        self.size = self.pos;
        self.pos = keep;
        self.dirty = true;
        self.rcur = None;
        self.update_pin(core);
        Ok(())
    }

    // ---- reading --------------------------------------------------------------------------

    /// Reads the current version at `pos` (no session may be open).
    fn read_at<D: BlockDevice>(
        &mut self,
        core: &mut Core<D>,
        mut pos: u32,
        buf: &mut [u8],
    ) -> Result<usize> {
        let bs = core.block_size();
        let mut done = 0usize;
        while done < buf.len() && pos < self.size {
            let (i, o) = ctz::index(bs, pos);
            let block = match self.rcur {
                Some((ri, rb)) if ri == i => rb,
                _ => {
                    let last = ctz::last_index(bs, self.size);
                    let b = ctz::find(&mut core.bd, self.head, last, i)?;
                    self.rcur = Some((i, b));
                    b
                }
            };
            let n = (buf.len() - done)
                .min((bs - o) as usize)
                .min((self.size - pos) as usize);
            core.bd.read(block, o, &mut buf[done..done + n])?;
            done += n;
            pos += n as u32;
        }
        Ok(done)
    }

    /// `read`: up to `buf.len()` bytes at the position; 0 at the end.
    pub(crate) fn read<D: BlockDevice>(
        &mut self,
        core: &mut Core<D>,
        buf: &mut [u8],
    ) -> Result<usize> {
        if !self.read {
            return Err(Lfs1Err::BadF.with("file not open for reading"));
        }
        self.flush_session(core)?;
        let n = self.read_at(core, self.pos, buf)?;
        self.pos += n as u32;
        Ok(n)
    }

    // ---- position, size, sync --------------------------------------------------------------

    /// `seek`; `EINVAL` before the start or past 2³¹ − 1. Like C littlefs, a seek first ends
    /// the write session (even one that fails or stays in place), so the next write starts a
    /// new block.
    pub(crate) fn seek<D: BlockDevice>(&mut self, core: &mut Core<D>, to: SeekFrom) -> Result<u64> {
        self.flush_session(core)?;
        let size = u64::from(self.current_size());
        let new = to.resolve(u64::from(self.pos), size)?;
        if new > u64::from(FILE_MAX) {
            return Err(Lfs1Err::Inval.with("seek past 2^31 - 1"));
        }
        // new <= FILE_MAX.
        self.pos = new as u32;
        Ok(new)
    }

    /// `truncate` to `len` bytes (zero-extending); the position does not move.
    pub(crate) fn truncate<D: BlockDevice>(&mut self, core: &mut Core<D>, len: u64) -> Result<()> {
        if !self.write {
            return Err(Lfs1Err::BadF.with("file not open for writing"));
        }
        if len > u64::from(FILE_MAX) {
            return Err(Lfs1Err::Inval.with("truncate past 2^31 - 1"));
        }
        // len <= FILE_MAX.
        let len = len as u32;
        self.flush_session(core)?;
        let bs = core.block_size();
        if len < self.size {
            let r = if len == 0 {
                Ok(NULL)
            } else {
                let last = ctz::last_index(bs, self.size);
                ctz::find(&mut core.bd, self.head, last, ctz::last_index(bs, len))
            };
            match r {
                Ok(head) => {
                    self.head = head;
                    self.size = len;
                    self.dirty = true;
                    self.rcur = None;
                    self.update_pin(core);
                }
                Err(e) => {
                    self.fail(core);
                    return Err(e);
                }
            }
        } else if len > self.size {
            let keep = self.pos;
            self.pos = self.size;
            let r = self
                .begin(core, self.size)
                .and_then(|()| self.put_zeros(core, len - self.size))
                .and_then(|()| self.flush_session(core));
            self.pos = keep;
            if let Err(e) = r {
                self.fail(core);
                return Err(e);
            }
        }
        Ok(())
    }

    /// `flush`/`close`: ends the session and commits the entry if anything changed.
    pub(crate) fn sync<D: BlockDevice>(&mut self, core: &mut Core<D>) -> Result<()> {
        self.flush_session(core)?;
        if !self.dirty {
            return Ok(());
        }
        let c = *core
            .cursors
            .get(self.cursor)
            .ok_or(bug("bug: open file without a cursor"))?;
        if c.live {
            let mut m = fetch(&mut core.bd, c.pair)?;
            let e = m.entry_at(c.off)?;
            if !e.is_file() {
                return Err(bug("bug: an open file's entry is not a file"));
            }
            let at = (e.off + 4) as usize;
            put_u32(&mut m.entries, at, self.head)?;
            put_u32(&mut m.entries, at + 4, self.size)?;
            core.commit(&mut m)?;
        }
        self.committed = (self.head, self.size);
        self.dirty = false;
        self.update_pin(core);
        Ok(())
    }
}
