//! The storage engine under `VfsKv`: `sequential-storage`'s map on a flash range, behind a small
//! object-safe trait so the filesystem logic is compiled once for every flash type.
//!
//! # Appending only to erased space
//! `sequential-storage` appends each item after the last item it can parse in the page it is
//! filling, and when that page is full it starts the next page it takes for erased (one without
//! a start marker). It trusts, and never checks, two things: that the bytes from that free spot
//! to the page's end are erased (`0xFF`), and that a fresh traversal from the page's start
//! reaches the free spot item by item. Bytes that break either can hide an acknowledged store
//! from every later mount:
//! - a torn item header left by a power cut (`sequential-storage` issue 136): a traversal skips
//!   bytes it cannot parse one word at a time, and the header of the item appended after them can
//!   complete a phantom header that starts inside the torn one, whose length jumps over the new
//!   item;
//! - bytes left over in space that looks erased (an interrupted erase, a volume written by
//!   something else, a damaged or fuzzed image): the same phantom, or an item programmed over
//!   bytes that are not `0xFF` (programming only clears bits), whose checksum then fails.
//!
//! So before the first store of a read-write mount, and again after any flash error or repair,
//! [`MapEngine`] checks the pages a store can write into ([`Engine::check_pages`]):
//! - every page without a start marker must be all `0xFF`, and is erased if it is not. Nothing
//!   reads such a page (`sequential-storage` takes it for erased), so this changes nothing a
//!   mount sees.
//! - the page being filled must parse item by item from its start to its free spot, and be
//!   erased from there to its end marker. If it is not, it is closed (its end marker programmed,
//!   as `sequential-storage` does with a full page) and the next page is started (its start
//!   marker programmed, as `sequential-storage` does when it moves on). A closed page reads
//!   exactly as before, and nothing is ever appended to it again.
//! - with no page being filled (power was cut between those two marker writes), the page after
//!   the last closed one is started, where `sequential-storage` would have gone on; otherwise,
//!   on a volume whose erased pages are not all in one run, it could start another one and lose
//!   sight of the closed pages.
//!
//! After that, every store appends where a traversal from the page's start arrives exactly, onto
//! erased bytes, and ends where the next store starts; so each stored item is found by the next
//! mount. A page being filled whose next page is not erased is left alone: `sequential-storage`
//! takes that for an interrupted migration and rebuilds the page (erases it and copies the items
//! again) before it stores anything. On a clean volume the check writes nothing and reads each
//! erased page once per read-write mount.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use embedded_storage::nor_flash::{MultiwriteNorFlash, NorFlash};
use sequential_storage::cache::key_pointers::HeapKeyPointers;
use sequential_storage::cache::page_pointers::HeapPagePointers;
use sequential_storage::cache::page_states::CalculatedPageStates;
use sequential_storage::cache::Cache;
use sequential_storage::map::{MapConfig, MapStorage};
use uvfs_os_api::{Errno, Error, Result};

use crate::errno::{engine_errno, flash_errno, is_corrupted};
use crate::flash::{block_on, FlashError, FromBlocking};
use crate::header::{Header, HEADER_LEN, VERSION};
use crate::record::PROBE_KEY;

/// Bytes of the key at the start of every item's data.
pub(crate) const KEY_LEN: u32 = 8;
/// Fewest and most keys the key-location cache remembers (see [`key_cache_len`]).
const KEY_CACHE: core::ops::RangeInclusive<usize> = 256..=4096;
/// Item header bytes before rounding to the flash word: data CRC (4), length (2), length CRC (2).
const ITEM_HEADER: usize = 8;

/// The layout numbers of a volume, derived from the flash's geometry.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Erase sector (page) size.
    pub page_size: u32,
    /// Largest of the flash's read and write sizes.
    pub word_size: u32,
    /// Pages in the volume, the header page included.
    pub page_count: u32,
    /// Largest item (key and value) one page can hold.
    pub max_item: u32,
    /// File bytes per chunk item.
    pub chunk_size: u32,
}

impl Geometry {
    /// The geometry of a volume of `page_count` pages of `page_size` bytes on a flash with
    /// `word_size`-byte words, with the default chunk size. `EINVAL` for geometries the map cannot
    /// use.
    pub(crate) fn new(page_size: u32, word_size: u32, page_count: u32) -> Result<Geometry> {
        let mut g = Geometry {
            page_size,
            word_size,
            page_count,
            max_item: 0,
            chunk_size: 0,
        };
        g.max_item = g.max_item_len()?;
        g.chunk_size = g.default_chunk_size()?;
        Ok(g)
    }

    /// The geometry a header describes, checked against the flash's own.
    pub(crate) fn from_header(h: &Header, expected: &Geometry) -> Result<Geometry> {
        if h.page_size != expected.page_size || h.word_size != expected.word_size {
            return Err(Errno::EINVAL.with_detail("kv volume made for another flash geometry"));
        }
        if h.page_count != expected.page_count {
            return Err(Errno::EINVAL.with_detail("kv volume size differs from the partition"));
        }
        let max_chunk = expected.max_item - KEY_LEN;
        if h.chunk_size == 0 || h.chunk_size > max_chunk {
            return Err(Errno::EINVAL.with_detail("kv chunk size does not fit a page"));
        }
        Ok(Geometry {
            chunk_size: h.chunk_size,
            ..*expected
        })
    }

    /// The header of a fresh volume.
    pub(crate) fn header(&self) -> Header {
        Header {
            version: VERSION,
            page_size: self.page_size,
            page_count: self.page_count,
            word_size: self.word_size,
            chunk_size: self.chunk_size,
        }
    }

    fn round_up(&self, n: u32) -> u32 {
        n.div_ceil(self.word_size) * self.word_size
    }

    /// Page bytes between the two page-state words.
    fn page_data(&self) -> u32 {
        self.page_size.saturating_sub(2 * self.word_size)
    }

    /// Item header bytes, padded to a word.
    fn item_header(&self) -> u32 {
        self.round_up(8)
    }

    fn max_item_len(&self) -> Result<u32> {
        let bad = |what| Err(Errno::EINVAL.with_detail(what));
        if !self.word_size.is_power_of_two() || self.word_size > 32 {
            return bad("flash word size must be a power of two up to 32");
        }
        if !self.page_size.is_power_of_two() || self.page_size < 128 {
            return bad("flash page size must be a power of two of at least 128 bytes");
        }
        if self.page_count < 3 {
            return bad("a kv volume needs at least 3 pages");
        }
        if u64::from(self.page_size) * u64::from(self.page_count) > u64::from(u32::MAX) {
            return bad("kv volume larger than 4 GiB");
        }
        let max = self
            .page_data()
            .saturating_sub(self.item_header())
            .min(u32::from(u16::MAX));
        if max < 64 + KEY_LEN {
            return bad("flash page too small for kv items");
        }
        Ok(max)
    }

    /// Chunks sized so that four (on pages of at least 2 KiB), two (512 B) or one fill a page.
    fn default_chunk_size(&self) -> Result<u32> {
        let per_page = match self.page_data() {
            d if d >= 2048 => 4,
            d if d >= 512 => 2,
            _ => 1,
        };
        let footprint = self.page_data() / per_page;
        let data = (footprint.saturating_sub(self.item_header()) / self.word_size) * self.word_size;
        let chunk = data.saturating_sub(KEY_LEN).min(self.max_item - KEY_LEN);
        if chunk == 0 {
            return Err(Errno::EINVAL.with_detail("flash page too small for kv items"));
        }
        Ok(chunk)
    }

    /// Largest value (item minus key) one item holds.
    pub(crate) fn max_value(&self) -> u32 {
        self.max_item - KEY_LEN
    }

    /// Flash bytes an item with a `value_len`-byte value occupies.
    pub(crate) fn footprint(&self, value_len: u64) -> u64 {
        let data = (value_len + u64::from(KEY_LEN)).div_ceil(u64::from(self.word_size))
            * u64::from(self.word_size);
        u64::from(self.item_header()) + data
    }

    /// Map pages (all but the header page).
    pub(crate) fn data_pages(&self) -> u32 {
        self.page_count - 1
    }

    /// Item bytes the map can hold at most: every data page but the one it keeps erased.
    pub(crate) fn capacity(&self) -> u64 {
        u64::from(self.data_pages().saturating_sub(1)) * u64::from(self.page_data())
    }
}

/// Counters of the page checks (see the module docs), since the engine was made.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Page checks run: one per read-write mount, and one after each flash error or repair.
    pub checks: u64,
    /// Pages without a start marker that held bytes other than `0xFF`, erased before use.
    pub pages_erased: u64,
    /// Pages being filled that did not parse up to their free spot (a torn header, left-over
    /// bytes) or were not erased after it, closed so nothing is appended to them.
    pub pages_closed: u64,
    /// Pages started (start marker programmed) after a closed page, because no page was being
    /// filled.
    pub pages_started: u64,
}

impl core::ops::AddAssign for EngineStats {
    fn add_assign(&mut self, other: EngineStats) {
        self.checks += other.checks;
        self.pages_erased += other.pages_erased;
        self.pages_closed += other.pages_closed;
        self.pages_started += other.pages_started;
    }
}

/// One step of a scan of every item.
pub(crate) enum ScanEvent<'a> {
    /// Forget what was seen: the scan starts over (after a repair).
    Restart,
    /// An item, in storage order (older before newer).
    Item(u64, &'a [u8]),
}

/// The item store a `VfsKv` runs on. Object-safe, so the filesystem logic is not generic.
pub(crate) trait Engine {
    /// The flash's geometry, with the default chunk size.
    fn geometry(&self) -> Geometry;
    /// Refuses (or allows) changes to the flash.
    fn set_readonly(&mut self, readonly: bool);
    /// Starts a session: forgets every cache, and the pages must be checked again before the
    /// next store (see the module docs).
    fn begin(&mut self);
    /// Checks the pages a store can write into and repairs what would hide a store (see the
    /// module docs); nothing if they were checked since the last error. `EROFS` when the flash
    /// is read-only and a page needs repairing. Returns what this call did.
    fn check_pages(&mut self) -> Result<EngineStats>;
    /// Reads the volume header.
    fn read_header(&mut self) -> Result<Header>;
    /// Erases the volume and writes a fresh header for `geo` (last, so an interrupted format
    /// leaves no header).
    fn format(&mut self, geo: &Geometry) -> Result<()>;
    /// Stores `value` under `key`, replacing what was there; checks the pages first if they
    /// need it.
    fn store(&mut self, key: u64, value: &[u8]) -> Result<()>;
    /// The value under `key`, appended to `out`; `false` if there is none.
    fn fetch(&mut self, key: u64, out: &mut Vec<u8>) -> Result<bool>;
    /// Removes every version of `key`.
    fn remove(&mut self, key: u64) -> Result<()>;
    /// Visits every item, oldest first; a key may come several times (the last is current).
    fn scan(&mut self, visit: &mut dyn FnMut(ScanEvent<'_>)) -> Result<()>;
}

type KvCache = Cache<CalculatedPageStates, HeapPagePointers, HeapKeyPointers<u64>, u64>;
type Map<F> = MapStorage<u64, FromBlocking<F>, KvCache>;

/// [`Engine`] over `sequential-storage`'s map on a range of a NOR flash.
pub(crate) struct MapEngine<F: NorFlash> {
    /// `None` only between taking the map apart and putting it back together.
    map: Option<Map<F>>,
    /// The volume: header page first, then the map's pages.
    range: Range<u32>,
    buf: Vec<u8>,
    geo: Geometry,
    /// The pages were checked (see the module docs) and no error happened since.
    checked: bool,
    stats: EngineStats,
}

impl<F: NorFlash + MultiwriteNorFlash> MapEngine<F> {
    /// The engine on `range` of `flash`; `EINVAL` if the range does not suit the flash.
    pub(crate) fn new(flash: F, range: Range<u32>) -> core::result::Result<Self, (F, Error)> {
        let geo = match Self::check(&flash, &range) {
            Ok(geo) => geo,
            Err(e) => return Err((flash, e)),
        };
        let map_range = range.start + geo.page_size..range.end;
        let config = match MapConfig::try_new(map_range) {
            Ok(c) => c,
            Err(_) => {
                return Err((
                    flash,
                    Errno::EINVAL.with_detail("flash range unsuitable for a map"),
                ))
            }
        };
        let map = MapStorage::new(FromBlocking::new(flash), config, fresh_cache(&geo));
        Ok(MapEngine {
            map: Some(map),
            range,
            buf: vec![0; geo.page_size as usize],
            geo,
            checked: false,
            stats: EngineStats::default(),
        })
    }

    fn check(flash: &F, range: &Range<u32>) -> Result<Geometry> {
        let page = u32::try_from(F::ERASE_SIZE).map_err(|_| Errno::EINVAL)?;
        let word = u32::try_from(F::WRITE_SIZE.max(F::READ_SIZE)).map_err(|_| Errno::EINVAL)?;
        if F::WRITE_SIZE == 0
            || F::READ_SIZE == 0
            || (!F::WRITE_SIZE.is_multiple_of(F::READ_SIZE)
                && !F::READ_SIZE.is_multiple_of(F::WRITE_SIZE))
        {
            return Err(Errno::EINVAL.with_detail("flash read and write sizes do not nest"));
        }
        if range.start > range.end
            || !range.start.is_multiple_of(page.max(1))
            || !range.end.is_multiple_of(page.max(1))
            || range.end as usize > flash.capacity()
        {
            return Err(Errno::EINVAL.with_detail("partition not on flash sector boundaries"));
        }
        Geometry::new(page, word, (range.end - range.start) / page.max(1))
    }

    /// The workaround's counters.
    pub(crate) fn stats(&self) -> EngineStats {
        self.stats
    }

    /// The flash back.
    pub(crate) fn into_flash(self) -> Option<F> {
        self.map.map(|m| m.destroy().0.into_inner())
    }

    /// The flash.
    pub(crate) fn flash(&mut self) -> Option<&F> {
        self.map.as_mut().map(|m| m.flash().inner())
    }

    fn map(&mut self) -> Result<&mut Map<F>> {
        self.map
            .as_mut()
            .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))
    }

    fn config(&self) -> Result<MapConfig<FromBlocking<F>>> {
        MapConfig::try_new(self.range.start + self.geo.page_size..self.range.end)
            .map_err(|_| Error::bug("bug: kv map range changed"))
    }

    /// Drops every cached fact about the flash.
    fn rebuild(&mut self) -> Result<()> {
        let config = self.config()?;
        let map = self
            .map
            .take()
            .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))?;
        let (flash, _) = map.destroy();
        self.map = Some(MapStorage::new(flash, config, fresh_cache(&self.geo)));
        Ok(())
    }

    fn read_flash(&mut self, at: u32, bytes: &mut [u8]) -> Result<()> {
        let map = self.map()?;
        map.flash()
            .inner_mut()
            .read(at, bytes)
            .map_err(|e| flash_errno(&FlashError::Flash(e)))
    }

    /// Programs `word`-sized marker bytes (zeros, as `sequential-storage`'s page markers).
    fn write_marker(&mut self, at: u32) -> Result<()> {
        let word = self.geo.word_size as usize;
        let map = self.map()?;
        let flash = map.flash();
        if flash.is_readonly() {
            return Err(Errno::EROFS.with_detail("kv page needs repairing on a read-only mount"));
        }
        let marker = [0u8; 32];
        let marker = marker
            .get(..word)
            .ok_or(Error::bug("bug: kv flash word larger than 32 bytes"))?;
        flash
            .inner_mut()
            .write(at, marker)
            .map_err(|e| flash_errno(&FlashError::Flash(e)))
    }

    fn erase_page(&mut self, at: u32) -> Result<()> {
        let page = self.geo.page_size;
        let map = self.map()?;
        let flash = map.flash();
        if flash.is_readonly() {
            return Err(Errno::EROFS.with_detail("kv page needs repairing on a read-only mount"));
        }
        flash
            .inner_mut()
            .erase(at, at + page)
            .map_err(|e| flash_errno(&FlashError::Flash(e)))
    }

    /// The address of map page `index`.
    fn page_addr(&self, index: u32) -> u32 {
        self.range.start + self.geo.page_size * (index + 1)
    }

    /// A map page's state from its markers, read as `sequential-storage` reads them: the first
    /// and last `READ_SIZE` bytes, each marked when at least 4 of its bits are programmed.
    fn page_state(&mut self, index: u32) -> Result<PageState> {
        let at = self.page_addr(index);
        let read = F::READ_SIZE.min(32);
        let (mut head, mut tail) = ([0u8; 32], [0u8; 32]);
        self.read_flash(at, &mut head[..read])?;
        self.read_flash(at + self.geo.page_size - read as u32, &mut tail[..read])?;
        let marked = |bytes: &[u8]| bytes.iter().map(|b| b.count_zeros()).sum::<u32>() >= 4;
        Ok(match (marked(&head[..read]), marked(&tail[..read])) {
            (false, false) => PageState::Erased,
            (true, false) => PageState::Filling,
            (true, true) => PageState::Closed,
            (false, true) => PageState::HalfErased,
        })
    }

    /// See [`Engine::check_pages`] and the module docs.
    fn check_pages_now(&mut self) -> Result<EngineStats> {
        let mut did = EngineStats {
            checks: 1,
            ..EngineStats::default()
        };
        let pages = self.geo.data_pages();
        let page = self.geo.page_size;
        let word = self.geo.word_size as usize;
        let mut states = Vec::with_capacity(pages as usize);
        for index in 0..pages {
            states.push(self.page_state(index)?);
        }
        let mut wrote = false;
        // Pages without a start marker: nothing reads them, every store may start one.
        for (index, state) in (0..pages).zip(states.iter_mut()) {
            if !matches!(state, PageState::Erased | PageState::HalfErased) {
                continue;
            }
            let at = self.page_addr(index);
            let mut buf = core::mem::take(&mut self.buf);
            let read = self.read_flash(at, &mut buf[..page as usize]);
            let erased = buf[..page as usize].iter().all(|&b| b == 0xFF);
            self.buf = buf;
            read?;
            if !erased {
                wrote = true;
                self.erase_page(at)?;
                did.pages_erased += 1;
            }
            *state = PageState::Erased;
        }
        let next = |index: u32| (index + 1) % pages;
        // The page being filled: the first one with only a start marker, as
        // `sequential-storage` picks it.
        let filling = (0..pages).find(|&i| states[i as usize] == PageState::Filling);
        match filling {
            Some(index) if states[next(index) as usize] == PageState::Erased => {
                let at = self.page_addr(index);
                let mut buf = core::mem::take(&mut self.buf);
                let read = self.read_flash(at, &mut buf[..page as usize]);
                let clean = read.is_ok() && fills_cleanly(&buf[..page as usize], word);
                self.buf = buf;
                read?;
                if !clean {
                    wrote = true;
                    self.write_marker(at + page - word as u32)?;
                    self.write_marker(self.page_addr(next(index)))?;
                    did.pages_closed += 1;
                }
            }
            // An interrupted migration, as `sequential-storage` sees it: it rebuilds the page.
            Some(_) => {}
            None => {
                // After the last page of the first run of closed pages, as `sequential-storage`
                // looks for the last used page when none is being filled.
                let mut last_closed = None;
                for index in 0..pages {
                    if states[index as usize] == PageState::Closed {
                        last_closed = Some(index);
                    } else if last_closed.is_some() {
                        break;
                    }
                }
                if let Some(index) = last_closed {
                    if states[next(index) as usize] == PageState::Erased {
                        wrote = true;
                        self.write_marker(self.page_addr(next(index)))?;
                        did.pages_started += 1;
                    }
                }
            }
        }
        // Pages no lookup can reach: see `unreachable_pages`.
        let mut states = Vec::with_capacity(pages as usize);
        for index in 0..pages {
            states.push(self.page_state(index)?);
        }
        for index in unreachable_pages(&states) {
            wrote = true;
            self.erase_page(self.page_addr(index))?;
            did.pages_erased += 1;
        }
        if wrote {
            // The map's caches saw none of this.
            self.rebuild()?;
        }
        Ok(did)
    }

    fn store_once(&mut self, key: u64, value: &[u8]) -> Result<()> {
        let buf = &mut self.buf;
        let map = self
            .map
            .as_mut()
            .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))?;
        match block_on(map.store_item(buf, &key, &value))? {
            Ok(()) => Ok(()),
            Err(e) => {
                if !matches!(e, sequential_storage::Error::FullStorage) {
                    self.checked = false;
                }
                Err(engine_errno(&e))
            }
        }
    }

    /// Makes `sequential-storage` walk every page and repair what it finds.
    ///
    /// One pass can fix some pages and still report the flash corrupted; the next pass (with a
    /// fresh cache) goes on from there. Passes stop when one comes out clean, when one reports
    /// anything but corruption, or after one pass per page (fuzz/mount_kv found a volume whose
    /// first pass failed and whose second, on the next mount, succeeded).
    fn repair(&mut self) -> Result<()> {
        let mut passes = 0;
        loop {
            self.rebuild()?;
            let buf = &mut self.buf;
            let map = self
                .map
                .as_mut()
                .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))?;
            match block_on(map.remove_item(buf, &PROBE_KEY))? {
                Ok(()) => return Ok(()),
                Err(e) if is_corrupted(&e) && passes < self.geo.data_pages() => passes += 1,
                Err(e) => return Err(engine_errno(&e)),
            }
        }
    }

    fn scan_once(
        &mut self,
        visit: &mut dyn FnMut(ScanEvent<'_>),
    ) -> Result<core::result::Result<(), bool>> {
        let buf = &mut self.buf;
        let map = self
            .map
            .as_mut()
            .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))?;
        let outcome = block_on(async {
            let mut items = match map.fetch_all_items(buf).await {
                Ok(items) => items,
                Err(e) => return Err(e),
            };
            loop {
                match items.next::<&[u8]>(buf).await {
                    Ok(Some((key, value))) => visit(ScanEvent::Item(key, value)),
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(e),
                }
            }
        })?;
        match outcome {
            Ok(()) => Ok(Ok(())),
            Err(e) if is_corrupted(&e) => Ok(Err(true)),
            Err(e) => Err(engine_errno(&e)),
        }
    }
}

/// A map page's state, from its markers (see [`MapEngine::page_state`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum PageState {
    /// No marker: `sequential-storage` takes the page for erased.
    Erased,
    /// A start marker only: the page being filled.
    Filling,
    /// Both markers: full, read but never written again until erased.
    Closed,
    /// An end marker only: an interrupted erase (`sequential-storage` erases it again).
    HalfErased,
}

/// The pages holding items that no lookup by key can reach, on a volume whose pages are in a
/// layout `sequential-storage` never makes (a damaged or foreign image).
///
/// `sequential-storage` keeps its pages as a ring: the page being filled (the first one with
/// only a start marker), closed pages behind it, erased ones ahead. A lookup by key walks back
/// from the page being filled over closed pages and stops at the first page that is not closed;
/// a scan of every item (what a mount reads) goes through every page. Every closed page a
/// power cut or a migration can leave is on that walk back. A closed page off the walk, or a
/// second page being filled, holds items the scan lists but no lookup finds: a mount would show
/// files whose records then read as missing. Erasing those pages makes the scan and the
/// lookups agree; nothing a lookup could reach is lost. With no page being filled, nothing is
/// returned (`sequential-storage` repairs that layout itself, or it is a ring with no page
/// started, which [`MapEngine::check_pages_now`] handles before).
fn unreachable_pages(states: &[PageState]) -> Vec<u32> {
    let pages = states.len();
    let Some(filling) = states.iter().position(|&s| s == PageState::Filling) else {
        return Vec::new();
    };
    let mut reachable = vec![false; pages];
    reachable[filling] = true;
    let mut at = filling;
    loop {
        at = (at + pages - 1) % pages;
        if reachable[at] || states[at] != PageState::Closed {
            break;
        }
        reachable[at] = true;
    }
    (0..pages)
        .filter(|&i| !reachable[i] && states[i] != PageState::Erased)
        .map(|i| i as u32)
        .collect()
}

/// The check value `sequential-storage` keeps beside an item's length in its header (part of
/// its on-flash format: a reflected CRC-16 with polynomial `0x1a2e`, initial value and final
/// XOR `0xffff`, and `0xffff` itself replaced by `0xfffe` so that a programmed field never reads
/// as erased). The unit tests check it against headers `sequential-storage` wrote.
fn length_check(length: [u8; 2]) -> u16 {
    let crc = length.iter().fold(0xFFFFu16, |mut crc, &byte| {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 0 {
                crc >> 1
            } else {
                (crc >> 1) ^ 0x1A2E
            };
        }
        crc
    });
    match !crc {
        0xFFFF => 0xFFFE,
        other => other,
    }
}

/// Whether `sequential-storage` can safely append to `page` (one whole map page, markers
/// included, on a flash with `word`-byte words): a traversal from the page's start parses item
/// headers one after the other up to the free spot (the first header-sized run of `0xFF`)
/// without skipping any bytes, and every byte from there to the end marker is erased.
///
/// The traversal follows `sequential-storage`'s item format: a header of a 4-byte data CRC, a
/// little-endian `u16` length and its check value ([`length_check`]), padded to a word; then the
/// data, padded to a word. A header whose check fails, or whose item would run past the page's
/// data, is what a traversal skips a word at a time: the bytes a phantom header is made of.
fn fills_cleanly(page: &[u8], word: usize) -> bool {
    let word = word.max(1);
    let header = ITEM_HEADER.div_ceil(word) * word;
    let Some(end) = page.len().checked_sub(word) else {
        return false;
    };
    let mut at = word;
    let free = loop {
        let Some(h) = page.get(at..at + header).filter(|_| at + header <= end) else {
            break at;
        };
        if h.iter().all(|&b| b == 0xFF) {
            break at;
        }
        let length = [h[4], h[5]];
        let check = u16::from_le_bytes([h[6], h[7]]);
        let next = at + header + usize::from(u16::from_le_bytes(length)).div_ceil(word) * word;
        if length_check(length) != check || next > end {
            return false;
        }
        at = next;
    };
    page.get(free..end)
        .is_some_and(|rest| rest.iter().all(|&b| b == 0xFF))
}

fn fresh_cache(geo: &Geometry) -> KvCache {
    let pages = geo.data_pages() as usize;
    Cache::new(
        CalculatedPageStates::new(pages),
        HeapPagePointers::new(pages),
        HeapKeyPointers::new(key_cache_len(geo)),
    )
}

/// How many key locations the cache keeps: every chunk a full volume can hold, plus room for
/// records, within [`KEY_CACHE`] (about 16 bytes each). A lookup the cache misses walks the
/// pages item by item, so a file with more chunks than the cache holds, read in order, would
/// miss on every chunk (the least recently used key is always the next one wanted): reading
/// such a file took time quadratic in its size.
fn key_cache_len(geo: &Geometry) -> usize {
    let value = u64::from(geo.chunk_size.max(1));
    let chunks = geo.capacity() / geo.footprint(value).max(1);
    let wanted = usize::try_from(chunks)
        .unwrap_or(usize::MAX)
        .saturating_add(64);
    wanted.clamp(*KEY_CACHE.start(), *KEY_CACHE.end())
}

impl<F: NorFlash + MultiwriteNorFlash> Engine for MapEngine<F> {
    fn geometry(&self) -> Geometry {
        self.geo
    }

    fn set_readonly(&mut self, readonly: bool) {
        if let Some(map) = self.map.as_mut() {
            map.flash().set_readonly(readonly);
        }
    }

    fn begin(&mut self) {
        self.checked = false;
        // A failure here leaves the map as it was; the next call reports the same bug.
        let _ = self.rebuild();
    }

    fn read_header(&mut self) -> Result<Header> {
        let start = self.range.start;
        let mut raw = [0u8; HEADER_LEN];
        let map = self.map()?;
        map.flash()
            .inner_mut()
            .read(start, &mut raw)
            .map_err(|e| flash_errno(&FlashError::Flash(e)))?;
        Header::decode(&raw)
    }

    fn format(&mut self, geo: &Geometry) -> Result<()> {
        let range = self.range.clone();
        let page = self.geo.page_size;
        let word = self.geo.word_size as usize;
        let map = self.map()?;
        let flash = map.flash();
        if flash.is_readonly() {
            return Err(Errno::EROFS.into());
        }
        let io = |e| flash_errno(&FlashError::Flash(e));
        // Header first: from here on the volume is not recognised until the format completes.
        flash
            .inner_mut()
            .erase(range.start, range.start + page)
            .map_err(io)?;
        flash
            .inner_mut()
            .erase(range.start + page, range.end)
            .map_err(io)?;
        let header = geo.header().encode();
        let mut padded = vec![0xFFu8; HEADER_LEN.div_ceil(word) * word];
        padded[..HEADER_LEN].copy_from_slice(&header);
        flash.inner_mut().write(range.start, &padded).map_err(io)?;
        self.geo = *geo;
        self.rebuild()
    }

    fn check_pages(&mut self) -> Result<EngineStats> {
        if self.checked {
            return Ok(EngineStats::default());
        }
        match self.check_pages_now() {
            Ok(did) => {
                self.checked = true;
                self.stats += did;
                Ok(did)
            }
            Err(e) => {
                // Whatever was written, the caches may not know it.
                let _ = self.rebuild();
                Err(e)
            }
        }
    }

    fn store(&mut self, key: u64, value: &[u8]) -> Result<()> {
        self.check_pages()?;
        self.store_once(key, value)
    }

    fn fetch(&mut self, key: u64, out: &mut Vec<u8>) -> Result<bool> {
        let buf = &mut self.buf;
        let map = self
            .map
            .as_mut()
            .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))?;
        match block_on(map.fetch_item::<&[u8]>(buf, &key))? {
            Ok(Some(v)) => {
                out.extend_from_slice(v);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => {
                self.checked = false;
                Err(engine_errno(&e))
            }
        }
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        let buf = &mut self.buf;
        let map = self
            .map
            .as_mut()
            .ok_or(Error::bug("bug: kv map missing after a failed rebuild"))?;
        match block_on(map.remove_item(buf, &key))? {
            Ok(()) => Ok(()),
            Err(e) => {
                self.checked = false;
                Err(engine_errno(&e))
            }
        }
    }

    fn scan(&mut self, visit: &mut dyn FnMut(ScanEvent<'_>)) -> Result<()> {
        match self.scan_once(visit)? {
            Ok(()) => return Ok(()),
            Err(_corrupted) => {}
        }
        // A page in a state no operation leaves (an interrupted erase): let the engine repair
        // every page, then read everything again (and check the pages again before a store).
        self.checked = false;
        self.repair()?;
        // The repair rewrote pages behind the cache's back: read them afresh.
        self.rebuild()?;
        visit(ScanEvent::Restart);
        match self.scan_once(visit)? {
            Ok(()) => Ok(()),
            Err(_) => Err(Errno::EIO.with_detail("flash contents corrupted")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RamFlash;

    const PAGE: usize = 256;

    /// The bytes of a `pages`-page `RamFlash` with `WORD`-byte words after `sequential-storage`
    /// stored `items` (key, value length) in its map.
    fn stored<const WORD: usize>(pages: usize, items: &[(u64, usize)]) -> Vec<u8> {
        let flash = RamFlash::<WORD, PAGE>::new(pages);
        let config = MapConfig::new(0..(pages * PAGE) as u32);
        let mut map =
            MapStorage::<u64, _, _>::new(FromBlocking::new(flash), config, Cache::new_uncached());
        let mut buf = [0u8; PAGE];
        for &(key, len) in items {
            let value = vec![key as u8; len];
            block_on(map.store_item(&mut buf, &key, &&value[..]))
                .unwrap()
                .unwrap();
        }
        map.destroy().0.into_inner().as_bytes().to_vec()
    }

    #[test]
    fn pages_sequential_storage_fills_parse_cleanly() {
        for lens in [&[1usize, 7, 30][..], &[0, 2, 3, 5, 64], &[100]] {
            let items: Vec<(u64, usize)> = lens
                .iter()
                .enumerate()
                .map(|(k, &l)| (k as u64, l))
                .collect();
            let one = stored::<1>(3, &items);
            assert!(fills_cleanly(&one[..PAGE], 1), "word 1, items {lens:?}");
            let four = stored::<4>(3, &items);
            assert!(fills_cleanly(&four[..PAGE], 4), "word 4, items {lens:?}");
            // Every header's length check is the one `sequential-storage` wrote: the first
            // header (after the 4-byte start marker) is at 4.
            let h = &four[4..12];
            assert_eq!(length_check([h[4], h[5]]), u16::from_le_bytes([h[6], h[7]]));
        }
    }

    #[test]
    fn left_over_bytes_and_torn_headers_do_not_parse_cleanly() {
        let page = stored::<4>(3, &[(1, 20), (2, 20)]);
        let page = &page[..PAGE];
        // A byte programmed in the free space.
        let mut dirty = page.to_vec();
        dirty[200] = 0x7F;
        assert!(!fills_cleanly(&dirty, 4));
        // A torn header at the free spot: three of its bytes programmed.
        let free = (4..PAGE - 4)
            .step_by(4)
            .find(|&at| page[at..at + 8].iter().all(|&b| b == 0xFF))
            .unwrap();
        let mut torn = page.to_vec();
        torn[free..free + 3].copy_from_slice(&[0x12, 0x34, 0x56]);
        assert!(!fills_cleanly(&torn, 4));
        // A length whose check fails.
        let mut bad = page.to_vec();
        bad[8] ^= 0x01;
        assert!(!fills_cleanly(&bad, 4));
    }

    #[test]
    fn only_pages_off_the_walk_back_are_unreachable() {
        use PageState::{Closed as C, Erased as E, Filling as F};
        // What `sequential-storage` makes: nothing to erase.
        assert!(unreachable_pages(&[C, C, F, E, E]).is_empty());
        assert!(unreachable_pages(&[C, F, E, C, C]).is_empty());
        assert!(unreachable_pages(&[F, E, C, C, C]).is_empty());
        // An interrupted migration: the page after the one being filled is closed, reached by
        // the walk back around the ring.
        assert!(unreachable_pages(&[C, C, F, C, C]).is_empty());
        assert!(unreachable_pages(&[E, E, E, E]).is_empty());
        assert!(unreachable_pages(&[C, C, E, E]).is_empty());
        // Layouts it never makes: a second page being filled, closed pages past an erased one.
        assert_eq!(unreachable_pages(&[C, F, E, F, E]), [3]);
        assert_eq!(unreachable_pages(&[F, E, C, E, C]), [2]);
        assert_eq!(unreachable_pages(&[E, C, F, E, C, F, C]), [4, 5, 6]);
    }
}
