//! What the map holds: item keys, and node records (one per file or directory).
//!
//! # Keys (`u64`, stored little-endian by `sequential-storage`)
//! | bits 63..56 | rest | item |
//! |---|---|---|
//! | `0x4E` (`N`) | bits 23..0: node id | the record of node `id` |
//! | `0x43` (`C`) | bits 55..32: node id, 31..16: chunk index, 15..0: generation | one chunk of a file's data |
//!
//! Node ids are 1 to 2²⁴−1; the root directory is id 0 and has no record. A chunk's generation
//! changes each time that chunk is rewritten, so a new version never overwrites the key the
//! committed record points at.
//!
//! # Node record (the item's value)
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | kind: 1 file, 2 directory |
//! | 1 | 1 | storage: 0 none (directory), 1 inline, 2 chunked |
//! | 2 | 4 | parent node id |
//! | 6 | 4 | commit sequence number (orders records that claim the same name) |
//! | 10 | 8 | modification time, seconds since 1970 (signed) |
//! | 18 | 8 | file size in bytes (0 for a directory) |
//! | 26 | 1 | name length *n* (1 to 255) |
//! | 27 | *n* | name, UTF-8 |
//! | 27+*n* | .. | inline: the file's bytes (`size` of them); chunked: one `u16` generation per chunk (`ceil(size / chunk_size)` of them) |

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{Errno, Error, Result, NAME_MAX};

/// The root directory's node id.
pub(crate) const ROOT: u32 = 0;
/// The largest node id a key can carry.
pub(crate) const MAX_NODE_ID: u32 = (1 << 24) - 1;
/// Bytes of a record before the name.
pub(crate) const META_LEN: usize = 27;

const TAG_NODE: u64 = 0x4E;
const TAG_CHUNK: u64 = 0x43;
/// A key that is never stored: removing it makes `sequential-storage` walk (and repair) every page.
pub(crate) const PROBE_KEY: u64 = 0x50 << 56;

/// A decoded item key.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    /// The record of a node.
    Node(u32),
    /// One chunk of a file.
    Chunk {
        /// The file's node id.
        node: u32,
        /// Which chunk.
        index: u16,
        /// Which version of it.
        gen: u16,
    },
}

impl Key {
    /// The raw key.
    pub(crate) fn raw(self) -> u64 {
        match self {
            Key::Node(id) => TAG_NODE << 56 | u64::from(id & MAX_NODE_ID),
            Key::Chunk { node, index, gen } => {
                TAG_CHUNK << 56
                    | u64::from(node & MAX_NODE_ID) << 32
                    | u64::from(index) << 16
                    | u64::from(gen)
            }
        }
    }

    /// Decodes a raw key; `None` for one this format never writes.
    pub(crate) fn from_raw(raw: u64) -> Option<Key> {
        let tag = raw >> 56;
        let node = ((raw >> 32) & u64::from(MAX_NODE_ID)) as u32;
        match tag {
            TAG_NODE if raw >> 24 == TAG_NODE << 32 && raw & u64::from(MAX_NODE_ID) != 0 => {
                Some(Key::Node((raw & u64::from(MAX_NODE_ID)) as u32))
            }
            TAG_CHUNK if node != 0 => Some(Key::Chunk {
                node,
                index: (raw >> 16) as u16,
                gen: raw as u16,
            }),
            _ => None,
        }
    }
}

/// File or directory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// Where a file's bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body<'a> {
    /// A directory: nothing.
    Dir,
    /// In the record itself.
    Inline(&'a [u8]),
    /// In chunk items, one generation per chunk.
    Chunked(Vec<u16>),
}

/// A node record, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    /// File or directory.
    pub kind: Kind,
    /// The parent directory's node id.
    pub parent: u32,
    /// Commit sequence number.
    pub seq: u32,
    /// Modification time, seconds since 1970.
    pub mtime: i64,
    /// File size.
    pub size: u64,
    /// The name.
    pub name: String,
    /// The data.
    pub body: Body<'a>,
}

fn corrupt(what: &'static str) -> Error {
    Errno::EIO.with_detail(what)
}

fn take<'a>(b: &'a [u8], at: usize, len: usize, what: &'static str) -> Result<&'a [u8]> {
    at.checked_add(len)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| corrupt(what))
}

fn take_u32(b: &[u8], at: usize, what: &'static str) -> Result<u32> {
    let mut w = [0u8; 4];
    w.copy_from_slice(take(b, at, 4, what)?);
    Ok(u32::from_le_bytes(w))
}

fn take_u64(b: &[u8], at: usize, what: &'static str) -> Result<u64> {
    let mut w = [0u8; 8];
    w.copy_from_slice(take(b, at, 8, what)?);
    Ok(u64::from_le_bytes(w))
}

/// Whether `name` may be stored as one path component.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.contains('\0')
}

/// Chunks a file of `size` bytes has with `chunk_size`-byte chunks.
pub(crate) fn chunk_count(size: u64, chunk_size: u32) -> u64 {
    size.div_ceil(u64::from(chunk_size.max(1)))
}

impl<'a> Record<'a> {
    /// Decodes a record stored with chunks of `chunk_size` bytes. `EIO` for anything this
    /// format never writes.
    pub(crate) fn decode(b: &'a [u8], chunk_size: u32) -> Result<Record<'a>> {
        let kind = match take(b, 0, 1, "record kind")?[0] {
            1 => Kind::File,
            2 => Kind::Dir,
            _ => return Err(corrupt("record kind")),
        };
        let storage = take(b, 1, 1, "record storage")?[0];
        let parent = take_u32(b, 2, "record parent")?;
        let seq = take_u32(b, 6, "record sequence")?;
        let mtime = take_u64(b, 10, "record mtime")? as i64;
        let size = take_u64(b, 18, "record size")?;
        let name_len = usize::from(take(b, 26, 1, "record name length")?[0]);
        let name = core::str::from_utf8(take(b, META_LEN, name_len, "record name")?)
            .map_err(|_| corrupt("record name"))?;
        if !valid_name(name) || parent > MAX_NODE_ID {
            return Err(corrupt("record name"));
        }
        let rest = b.get(META_LEN + name_len..).unwrap_or_default();
        let body = match (kind, storage) {
            (Kind::Dir, 0) if size == 0 && rest.is_empty() => Body::Dir,
            (Kind::File, 1) if u64::try_from(rest.len()).ok() == Some(size) => Body::Inline(rest),
            (Kind::File, 2) => {
                let count = chunk_count(size, chunk_size);
                if count > u64::from(u16::MAX) + 1
                    || u64::try_from(rest.len()).ok() != Some(count * 2)
                {
                    return Err(corrupt("record chunk list"));
                }
                Body::Chunked(
                    rest.chunks_exact(2)
                        .map(|g| u16::from_le_bytes([g[0], g[1]]))
                        .collect(),
                )
            }
            _ => return Err(corrupt("record body")),
        };
        Ok(Record {
            kind,
            parent,
            seq,
            mtime,
            size,
            name: name.to_owned(),
            body,
        })
    }

    /// The record's bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let extra = match &self.body {
            Body::Dir => 0,
            Body::Inline(data) => data.len(),
            Body::Chunked(gens) => gens.len() * 2,
        };
        let mut out = Vec::with_capacity(META_LEN + self.name.len() + extra);
        out.push(match self.kind {
            Kind::File => 1,
            Kind::Dir => 2,
        });
        out.push(match self.body {
            Body::Dir => 0,
            Body::Inline(_) => 1,
            Body::Chunked(_) => 2,
        });
        out.extend_from_slice(&self.parent.to_le_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.mtime.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        // Names are checked by `valid_name` (at most 255 bytes) before a record is built.
        out.push(u8::try_from(self.name.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(self.name.as_bytes());
        match &self.body {
            Body::Dir => {}
            Body::Inline(data) => out.extend_from_slice(data),
            Body::Chunked(gens) => gens
                .iter()
                .for_each(|g| out.extend_from_slice(&g.to_le_bytes())),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn keys_round_trip() {
        for key in [
            Key::Node(1),
            Key::Node(MAX_NODE_ID),
            Key::Chunk {
                node: 7,
                index: 0xFFFF,
                gen: 3,
            },
            Key::Chunk {
                node: MAX_NODE_ID,
                index: 0,
                gen: 0xFFFF,
            },
        ] {
            assert_eq!(Key::from_raw(key.raw()), Some(key), "{key:?}");
        }
        assert_eq!(Key::from_raw(0), None);
        assert_eq!(Key::from_raw(PROBE_KEY), None);
        assert_eq!(Key::from_raw(Key::Node(0).raw()), None);
        assert_eq!(Key::from_raw(Key::Node(5).raw() | 1 << 30), None);
        assert_eq!(Key::from_raw(u64::MAX), None);
    }

    #[test]
    fn records_round_trip() {
        let data = b"hello";
        let recs = [
            Record {
                kind: Kind::Dir,
                parent: 0,
                seq: 1,
                mtime: -5,
                size: 0,
                name: "d".into(),
                body: Body::Dir,
            },
            Record {
                kind: Kind::File,
                parent: 3,
                seq: 9,
                mtime: 1_700_000_000,
                size: 5,
                name: "f.txt".into(),
                body: Body::Inline(data),
            },
            Record {
                kind: Kind::File,
                parent: 3,
                seq: 10,
                mtime: 0,
                size: 250,
                name: "é".repeat(3),
                body: Body::Chunked(vec![0, 1, 65535]),
            },
        ];
        for r in recs {
            let b = r.encode();
            assert_eq!(Record::decode(&b, 100).unwrap(), r);
        }
    }

    #[test]
    fn bad_records_are_eio_never_panics() {
        let good = Record {
            kind: Kind::File,
            parent: 0,
            seq: 1,
            mtime: 0,
            size: 3,
            name: "abc".into(),
            body: Body::Inline(b"xyz"),
        }
        .encode();
        for len in 0..good.len() {
            assert_eq!(Record::decode(&good[..len], 64).unwrap_err(), Errno::EIO);
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(Record::decode(&longer, 64).is_err());
        for (at, val) in [(0, 9u8), (1, 2), (26, 0), (27, b'/'), (1, 0)] {
            let mut bad = good.clone();
            bad[at] = val;
            assert!(Record::decode(&bad, 64).is_err(), "{at}={val}");
        }
        // A chunk list too long for 16-bit chunk indices.
        let mut huge = good[..META_LEN + 3].to_vec();
        huge[1] = 2;
        huge[18..26].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Record::decode(&huge, 1).is_err());
    }
}
