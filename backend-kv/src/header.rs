//! The volume header: what sits in a kv volume's first erase page.
//!
//! The first page of the volume is reserved for this header; `sequential-storage`'s map owns
//! every page after it. The header is written once, last, by `mkfs` (so a volume whose format
//! was interrupted has no header and is not mistaken for a kv volume), and never rewritten.
//! All numbers are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 6 | magic `b"uvfsKV"` ([`MAGIC`]) |
//! | 6 | 2 | format version, 1 ([`VERSION`]) |
//! | 8 | 4 | page size: the erase sector size in bytes (a power of two) |
//! | 12 | 4 | page count: sectors in the volume, this header's included |
//! | 16 | 4 | word size: the flash's largest of read and write size (1 to 32) |
//! | 20 | 4 | chunk size: file bytes per data item of a large file |
//! | 24 | 4 | CRC-32 (IEEE, as zlib) of bytes 0..24 |
//! | 28 | .. | `0xFF` to the end of the page |

use uvfs_os_api::{Errno, Result};

/// The bytes a kv volume starts with (offset 0 of its first page).
pub const MAGIC: &[u8] = b"uvfsKV";

/// Where [`MAGIC`] sits: the volume's first byte.
pub const MAGIC_OFFSET: usize = 0;

/// The on-flash format version this crate writes and reads.
pub const VERSION: u16 = 1;

/// Bytes of the header before the erased padding.
pub const HEADER_LEN: usize = 28;

/// The decoded volume header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u16,
    /// Erase sector size in bytes.
    pub page_size: u32,
    /// Sectors in the volume, the header's included.
    pub page_count: u32,
    /// The flash word: the larger of its read and write sizes.
    pub word_size: u32,
    /// File bytes per data item of a chunked file.
    pub chunk_size: u32,
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

impl Header {
    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..6].copy_from_slice(MAGIC);
        out[6..8].copy_from_slice(&self.version.to_le_bytes());
        out[8..12].copy_from_slice(&self.page_size.to_le_bytes());
        out[12..16].copy_from_slice(&self.page_count.to_le_bytes());
        out[16..20].copy_from_slice(&self.word_size.to_le_bytes());
        out[20..24].copy_from_slice(&self.chunk_size.to_le_bytes());
        let crc = crc32(&out[..24]);
        out[24..28].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes a header from the first bytes of a volume.
    ///
    /// `ENODEV` when there is no kv header (wrong magic, short input, or a CRC that does not
    /// match); `EINVAL` for a version this crate does not read.
    pub fn decode(bytes: &[u8]) -> Result<Header> {
        let Some(raw) = bytes.get(..HEADER_LEN) else {
            return Err(Errno::ENODEV.with_detail("no kv volume: too short"));
        };
        if !raw.starts_with(MAGIC) {
            return Err(Errno::ENODEV.with_detail("no kv volume"));
        }
        if crc32(&raw[..24]) != le32(raw, 24) {
            return Err(Errno::ENODEV.with_detail("kv header checksum mismatch"));
        }
        let version = u16::from_le_bytes([raw[6], raw[7]]);
        if version != VERSION {
            return Err(Errno::EINVAL.with_detail("unsupported kv format version"));
        }
        Ok(Header {
            version,
            page_size: le32(raw, 8),
            page_count: le32(raw, 12),
            word_size: le32(raw, 16),
            chunk_size: le32(raw, 20),
        })
    }
}

/// CRC-32 as zlib computes it (reflected polynomial `0xEDB88320`, initial and final XOR all ones).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn header_round_trips_with_documented_layout() {
        let h = Header {
            version: VERSION,
            page_size: 4096,
            page_count: 8,
            word_size: 4,
            chunk_size: 1004,
        };
        let b = h.encode();
        assert_eq!(&b[..6], b"uvfsKV");
        assert_eq!(&b[6..8], &[1, 0]);
        assert_eq!(&b[8..12], &4096u32.to_le_bytes());
        assert_eq!(&b[12..16], &8u32.to_le_bytes());
        assert_eq!(Header::decode(&b), Ok(h));
    }

    #[test]
    fn damaged_headers_are_refused() {
        let h = Header {
            version: VERSION,
            page_size: 1024,
            page_count: 4,
            word_size: 1,
            chunk_size: 200,
        };
        let good = h.encode();
        for i in 0..HEADER_LEN {
            let mut bad = good;
            bad[i] ^= 0x10;
            assert!(Header::decode(&bad).is_err(), "byte {i}");
        }
        assert_eq!(Header::decode(&good[..10]).unwrap_err(), Errno::ENODEV);
        assert_eq!(Header::decode(&[0xFF; 64]).unwrap_err(), Errno::ENODEV);
        let mut v2 = Header { version: 2, ..h }.encode();
        assert_eq!(Header::decode(&v2).unwrap_err(), Errno::EINVAL);
        v2[6] = 1;
        assert_eq!(Header::decode(&v2).unwrap_err(), Errno::ENODEV);
    }
}
