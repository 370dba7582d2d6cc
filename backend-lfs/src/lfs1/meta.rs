//! Metadata blocks and pairs (spec §4, §5, §10): fetching the current revision of a pair,
//! walking its entries, and writing a new revision.
//!
//! A [`MetaBlock`] is the current block of a pair as it is in RAM: revision, tail, the
//! *continued* flag and the entries area (the bytes between the 16-byte header and the CRC).
//! Offsets of entries are counted from the start of that area (block offset − 16).

use alloc::vec::Vec;

use uvfs_os_api::{BlockDevice, Result};

use super::bd::Bd;
use super::crc::{crc, INIT};
use super::errno::{bug, corrupt, Lfs1Err};
use super::le::{put_u32, u32_at, u8_at};

/// The null block pointer.
pub(crate) const NULL: u32 = 0xFFFF_FFFF;
/// Bytes of a metadata block's header.
pub(crate) const HEADER: u32 = 16;
/// Bytes of header plus CRC: the size of an empty block.
pub(crate) const EMPTY_SIZE: u32 = 20;
/// The continued flag of the `size` field.
const CONTINUED: u32 = 0x8000_0000;

/// Entry type: regular file (CTZ list).
pub(crate) const TYPE_FILE: u8 = 0x11;
/// Entry type: directory (a pair).
pub(crate) const TYPE_DIR: u8 = 0x22;
/// Entry type: superblock.
pub(crate) const TYPE_SUPERBLOCK: u8 = 0x2E;
/// The moved flag of an entry type.
pub(crate) const MOVED: u8 = 0x80;

/// The magic of the superblock entry's name.
pub const MAGIC: &[u8; 8] = b"littlefs";
/// The on-disk version this engine writes: 1.1.
pub const DISK_VERSION: u32 = 0x0001_0001;

/// A pair is null when either half is null.
pub(crate) fn pair_is_null(p: [u32; 2]) -> bool {
    p[0] == NULL || p[1] == NULL
}

/// The loose test the format uses: the pairs share any block.
pub(crate) fn pair_shares(a: [u32; 2], b: [u32; 2]) -> bool {
    a[0] == b[0] || a[0] == b[1] || a[1] == b[0] || a[1] == b[1]
}

/// The exact test: the same two blocks, in either order.
pub(crate) fn pair_same(a: [u32; 2], b: [u32; 2]) -> bool {
    (a[0] == b[0] && a[1] == b[1]) || (a[0] == b[1] && a[1] == b[0])
}

/// `a` is a newer revision than `b` (sequence arithmetic, §4.3).
pub(crate) fn rev_newer(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// One entry of a metadata block, located in its entries area.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Offset in the entries area.
    pub off: u32,
    pub typ: u8,
    pub elen: u8,
    pub alen: u8,
    pub nlen: u8,
    /// The first 8 data bytes as two words (file: head, size; directory: its pair). Null when
    /// the entry has fewer than 8 data bytes (only possible for types the engine ignores).
    pub data: [u32; 2],
}

impl Entry {
    /// Bytes the entry takes.
    pub(crate) fn len(&self) -> u32 {
        4 + u32::from(self.elen) + u32::from(self.alen) + u32::from(self.nlen)
    }

    /// The name, from the area the entry was read from.
    pub(crate) fn name<'a>(&self, area: &'a [u8]) -> &'a [u8] {
        let start = (self.off + 4 + u32::from(self.elen) + u32::from(self.alen)) as usize;
        area.get(start..start + usize::from(self.nlen))
            .unwrap_or_default()
    }

    /// A regular file, moved or not.
    pub(crate) fn is_file(&self) -> bool {
        self.typ & !MOVED == TYPE_FILE
    }

    /// A directory, moved or not.
    pub(crate) fn is_dir(&self) -> bool {
        self.typ & !MOVED == TYPE_DIR
    }

    /// Carries the moved flag.
    pub(crate) fn moved(&self) -> bool {
        self.typ & MOVED != 0
    }

    /// Its data is a CTZ list (`type & 0x70 == 0x10`): traversal follows it.
    pub(crate) fn has_ctz(&self) -> bool {
        self.typ & 0x70 == 0x10
    }

    /// Its data is a pair (`type & 0x70 == 0x20`): directories and the superblock entry.
    pub(crate) fn has_pair(&self) -> bool {
        self.typ & 0x70 == 0x20
    }
}

/// The encoding of a file or directory entry: `type 8 0 nlen | data | name`.
pub(crate) fn encode_entry(typ: u8, data: [u32; 2], name: &[u8]) -> Result<Vec<u8>> {
    let nlen = u8::try_from(name.len()).map_err(|_| Lfs1Err::Inval.with("bug: name over 255"))?;
    let mut e = Vec::with_capacity(12 + name.len());
    e.extend_from_slice(&[typ, 8, 0, nlen]);
    e.extend_from_slice(&data[0].to_le_bytes());
    e.extend_from_slice(&data[1].to_le_bytes());
    e.extend_from_slice(name);
    Ok(e)
}

/// The current revision of a metadata pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MetaBlock {
    /// `[current, other]`: the next commit writes `other`.
    pub pair: [u32; 2],
    pub rev: u32,
    pub tail: [u32; 2],
    pub continued: bool,
    /// The bytes between the header and the CRC.
    pub entries: Vec<u8>,
}

impl MetaBlock {
    /// The `size` field's byte count: header, entries and CRC.
    pub(crate) fn size(&self) -> u32 {
        EMPTY_SIZE + self.entries.len() as u32
    }

    pub(crate) fn same_blocks(&self, pair: [u32; 2]) -> bool {
        pair_same(self.pair, pair)
    }

    pub(crate) fn shares_block(&self, pair: [u32; 2]) -> bool {
        pair_shares(self.pair, pair)
    }

    /// An empty directory: raw size field 20, continued flag clear (§7.3).
    pub(crate) fn is_empty_dir(&self) -> bool {
        !self.continued && self.entries.is_empty()
    }

    /// The entries, in on-disk order.
    pub(crate) fn iter(&self) -> Entries<'_> {
        Entries {
            area: &self.entries,
            off: 0,
        }
    }

    /// The entry at `off`, which must start there.
    pub(crate) fn entry_at(&self, off: u32) -> Result<Entry> {
        parse_entry(&self.entries, off)?.ok_or(bug("bug: no entry at a remembered offset"))
    }

    /// A fresh in-memory pair for blocks `(a, b)`: revision read from `a` unchecked, plus one
    /// (§4.5), so the first commit (which writes `b`) is newer than anything `a` may hold.
    pub(crate) fn new_pair<D: BlockDevice>(bd: &mut Bd<D>, a: u32, b: u32) -> Result<MetaBlock> {
        let rev = bd.read_u32(a, 0)?;
        Ok(MetaBlock {
            pair: [a, b],
            rev: rev.wrapping_add(1),
            tail: [NULL, NULL],
            continued: false,
            entries: Vec::new(),
        })
    }
}

/// Reads the entry at `off` of `area`; `None` at the end of the entries (§5.1: fewer than 12
/// bytes left).
fn parse_entry(area: &[u8], off: u32) -> Result<Option<Entry>> {
    let len = area.len() as u32;
    if off.checked_add(12).is_none_or(|end| end > len) {
        return Ok(None);
    }
    let at = off as usize;
    let typ = u8_at(area, at, "entry type")?;
    let elen = u8_at(area, at + 1, "entry data length")?;
    let alen = u8_at(area, at + 2, "entry attribute length")?;
    let nlen = u8_at(area, at + 3, "entry name length")?;
    let e = Entry {
        off,
        typ,
        elen,
        alen,
        nlen,
        data: [NULL, NULL],
    };
    if off + e.len() > len {
        return Err(corrupt("directory entry runs past its block"));
    }
    let mut e = e;
    if elen >= 8 {
        e.data = [
            u32_at(area, at + 4, "entry data")?,
            u32_at(area, at + 8, "entry data")?,
        ];
    } else if e.has_ctz() || e.has_pair() {
        return Err(corrupt("file or directory entry with short data"));
    }
    Ok(Some(e))
}

/// Iterator over the entries of a metadata block.
pub(crate) struct Entries<'a> {
    area: &'a [u8],
    off: u32,
}

impl<'a> Entries<'a> {
    /// The entries of `area` from offset `off` (an entry boundary) on.
    pub(crate) fn starting_at(area: &'a [u8], off: u32) -> Entries<'a> {
        Entries { area, off }
    }
}

impl Iterator for Entries<'_> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        match parse_entry(self.area, self.off) {
            Ok(Some(e)) => {
                self.off += e.len();
                Some(Ok(e))
            }
            Ok(None) => None,
            Err(err) => {
                // Stop after reporting it.
                self.off = u32::MAX;
                Some(Err(err))
            }
        }
    }
}

/// Fetches the current revision of `pair` (§4.4).
pub(crate) fn fetch<D: BlockDevice>(bd: &mut Bd<D>, pair: [u32; 2]) -> Result<MetaBlock> {
    if !bd.geo.valid(pair[0]) || !bd.geo.valid(pair[1]) {
        return Err(corrupt("metadata pair outside the device"));
    }
    if let Some(m) = bd.cached_meta(pair) {
        return Ok(m);
    }
    let bs = bd.geo.block_size;
    /// A block of the pair that passed the checks.
    struct Candidate {
        half: usize,
        rev: u32,
        raw_size: u32,
        tail: [u32; 2],
        bytes: Vec<u8>,
    }
    let mut best: Option<Candidate> = None;
    for (i, &block) in pair.iter().enumerate() {
        let mut hdr = [0u8; HEADER as usize];
        bd.read(block, 0, &mut hdr)?;
        let rev = u32_at(&hdr, 0, "metadata revision")?;
        let raw = u32_at(&hdr, 4, "metadata size")?;
        let size = raw & !CONTINUED;
        if !(EMPTY_SIZE..=bs).contains(&size) {
            continue;
        }
        if best.as_ref().is_some_and(|b| rev_newer(b.rev, rev)) {
            continue;
        }
        let mut buf = alloc::vec![0u8; size as usize];
        bd.read(block, 0, &mut buf)?;
        if crc(INIT, &buf) != 0 {
            continue;
        }
        let tail = [
            u32_at(&hdr, 8, "metadata tail")?,
            u32_at(&hdr, 12, "metadata tail")?,
        ];
        best = Some(Candidate {
            half: i,
            rev,
            raw_size: raw,
            tail,
            bytes: buf,
        });
    }
    let Some(Candidate {
        half: i,
        rev,
        raw_size: raw,
        tail,
        bytes: mut buf,
    }) = best
    else {
        return Err(corrupt("no valid block in a metadata pair"));
    };
    buf.truncate(buf.len() - 4);
    buf.drain(..HEADER as usize);
    let m = MetaBlock {
        pair: [pair[i], pair[1 - i]],
        rev,
        tail,
        continued: raw & CONTINUED != 0,
        entries: buf,
    };
    bd.remember_meta(&m);
    Ok(m)
}

/// Writes a new revision of `m` (revision, tail, flag and entries as given in `m`) into block
/// `target`: erase, program header + entries + CRC padded with `0xFF` to the program size,
/// sync, read back. `Ok(false)` if the read-back does not match (a bad block).
pub(crate) fn write_block<D: BlockDevice>(
    bd: &mut Bd<D>,
    target: u32,
    m: &MetaBlock,
) -> Result<bool> {
    let size = m.size();
    if size > bd.geo.block_size {
        return Err(bug("bug: metadata block overflows"));
    }
    let ps = bd.geo.prog_size;
    let padded = size.div_ceil(ps) * ps;
    let mut buf = Vec::with_capacity(padded as usize);
    buf.extend_from_slice(&m.rev.to_le_bytes());
    let raw = size | if m.continued { CONTINUED } else { 0 };
    buf.extend_from_slice(&raw.to_le_bytes());
    buf.extend_from_slice(&m.tail[0].to_le_bytes());
    buf.extend_from_slice(&m.tail[1].to_le_bytes());
    buf.extend_from_slice(&m.entries);
    let c = crc(INIT, &buf);
    buf.extend_from_slice(&c.to_le_bytes());
    buf.resize(padded as usize, 0xFF);
    bd.erase(target)?;
    bd.prog(target, 0, &buf)?;
    bd.sync()?;
    bd.verify(target, 0, &buf[..size as usize])
}

/// The superblock entry (§6.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Superblock {
    pub root: [u32; 2],
    pub block_size: u32,
    pub block_count: u32,
    pub version: u32,
}

impl Superblock {
    /// Reads the 32-byte entry at the start of the superblock's entries: magic checked
    /// (`ECORRUPT`), version checked (`EINVAL` unless 1.0 or 1.1).
    pub(crate) fn parse(m: &MetaBlock) -> Result<Superblock> {
        let a = &m.entries;
        let magic = a.get(24..32).ok_or(corrupt("superblock entry too short"))?;
        if magic != MAGIC {
            return Err(corrupt("superblock magic is not \"littlefs\""));
        }
        let sb = Superblock {
            root: [
                u32_at(a, 4, "superblock root")?,
                u32_at(a, 8, "superblock root")?,
            ],
            block_size: u32_at(a, 12, "superblock block size")?,
            block_count: u32_at(a, 16, "superblock block count")?,
            version: u32_at(a, 20, "superblock version")?,
        };
        if sb.version >> 16 != 1 || sb.version & 0xFFFF > 1 {
            return Err(Lfs1Err::Inval.with("unsupported littlefs v1 disk version"));
        }
        Ok(sb)
    }

    /// The entry's 32 bytes.
    pub(crate) fn encode(&self) -> Result<Vec<u8>> {
        let mut e = alloc::vec![0u8; 32];
        e[..4].copy_from_slice(&[TYPE_SUPERBLOCK, 20, 0, 8]);
        put_u32(&mut e, 4, self.root[0])?;
        put_u32(&mut e, 8, self.root[1])?;
        put_u32(&mut e, 12, self.block_size)?;
        put_u32(&mut e, 16, self.block_count)?;
        put_u32(&mut e, 20, self.version)?;
        e[24..32].copy_from_slice(MAGIC);
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn pair_tests() {
        assert!(pair_is_null([NULL, 3]) && pair_is_null([3, NULL]) && !pair_is_null([2, 3]));
        assert!(pair_shares([2, 3], [3, 9]) && !pair_shares([2, 3], [4, 5]));
        assert!(pair_same([2, 3], [3, 2]) && !pair_same([2, 3], [3, 9]));
        assert!(rev_newer(2, 1) && !rev_newer(1, 2) && !rev_newer(5, 5));
        assert!(rev_newer(0, 0xFFFF_FFFF) && rev_newer(0x8000_0001, 2));
    }

    #[test]
    fn entries_of_the_spec_directory_example() {
        // §16.2: /docs/sub, entries "deep" (dir (9, 8)) and "data.bin" (file head 23, 3000 B).
        let mut area = vec![0x22, 8, 0, 4];
        area.extend_from_slice(&[9, 0, 0, 0, 8, 0, 0, 0]);
        area.extend_from_slice(b"deep");
        area.extend(encode_entry(TYPE_FILE, [23, 3000], b"data.bin").unwrap());
        let m = MetaBlock {
            pair: [6, 7],
            rev: 4,
            tail: [9, 8],
            continued: false,
            entries: area,
        };
        assert_eq!(m.size(), 0x38);
        let es: Vec<Entry> = m.iter().map(|e| e.unwrap()).collect();
        assert_eq!(es.len(), 2);
        assert!(es[0].is_dir() && es[0].has_pair() && !es[0].moved());
        assert_eq!(es[0].data, [9, 8]);
        assert_eq!(es[0].name(&m.entries), b"deep");
        assert!(es[1].is_file() && es[1].has_ctz());
        assert_eq!((es[1].off, es[1].data), (16, [23, 3000]));
        assert_eq!(es[1].name(&m.entries), b"data.bin");
        assert_eq!(m.entry_at(16).unwrap(), es[1]);
    }

    #[test]
    fn damaged_entries_are_corrupt_not_panics() {
        // An entry claiming more bytes than the block has.
        let mut area = encode_entry(TYPE_FILE, [5, 10], b"abc").unwrap();
        area[3] = 200;
        let m = MetaBlock {
            pair: [2, 3],
            rev: 1,
            tail: [NULL, NULL],
            continued: false,
            entries: area,
        };
        let mut it = m.iter();
        assert_eq!(
            it.next().unwrap().unwrap_err(),
            super::super::errno::ECORRUPT
        );
        assert!(it.next().is_none());
        // A file entry with 4 data bytes.
        let m = MetaBlock {
            entries: vec![0x11, 4, 0, 4, 1, 2, 3, 4, b'n', b'a', b'm', b'e'],
            ..m
        };
        assert!(m.iter().next().unwrap().is_err());
        // Fewer than 12 bytes left: the end, as C reads it.
        let m = MetaBlock {
            entries: vec![0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ..m
        };
        assert!(m.iter().next().is_none());
    }

    #[test]
    fn superblock_round_trip_and_checks() {
        let sb = Superblock {
            root: [3, 2],
            block_size: 512,
            block_count: 256,
            version: DISK_VERSION,
        };
        let mut m = MetaBlock {
            pair: [0, 1],
            rev: 2,
            tail: [3, 2],
            continued: false,
            entries: sb.encode().unwrap(),
        };
        assert_eq!(m.size(), 0x34);
        assert_eq!(Superblock::parse(&m).unwrap(), sb);
        m.entries[20..24].copy_from_slice(&0x0001_0002u32.to_le_bytes());
        assert_eq!(
            Superblock::parse(&m).unwrap_err(),
            uvfs_os_api::Errno::EINVAL
        );
        m.entries[24] = b'L';
        assert_eq!(
            Superblock::parse(&m).unwrap_err(),
            super::super::errno::ECORRUPT
        );
        m.entries.truncate(20);
        assert!(Superblock::parse(&m).is_err());
    }
}
