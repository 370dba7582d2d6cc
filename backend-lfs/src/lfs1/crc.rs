//! The metadata checksum: CRC-32, reflected polynomial `0xEDB88320`, register initialised to
//! `0xFFFFFFFF`, **no final inversion** (spec §3).
//!
//! Because nothing is inverted at the end, running the CRC over a block's covered bytes followed
//! by the four stored CRC bytes gives 0; [`crc`] over a whole metadata block is how a block is
//! validated.

/// The register value before any byte.
pub(crate) const INIT: u32 = 0xFFFF_FFFF;

const POLY: u32 = 0xEDB8_8320;

/// The byte-at-a-time table of the reflected polynomial, built at compile time.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Continues the CRC register `crc` over `data`.
pub(crate) fn crc(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = (crc >> 8) ^ TABLE[usize::from((crc as u8) ^ b)];
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_of_the_spec() {
        // Spec §3: the CRC of ASCII "123456789" is 0x340BC6D9 (zlib's 0xCBF43926 inverted).
        assert_eq!(crc(INIT, b"123456789"), 0x340B_C6D9);
        assert_eq!(!crc(INIT, b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn covered_bytes_then_stored_crc_give_zero() {
        let data = b"littlefs metadata block";
        let stored = crc(INIT, data);
        let whole = crc(crc(INIT, data), &stored.to_le_bytes());
        assert_eq!(whole, 0);
    }

    #[test]
    fn chunked_equals_whole() {
        let data: [u8; 100] = core::array::from_fn(|i| (i * 7) as u8);
        let (a, b) = data.split_at(37);
        assert_eq!(crc(crc(INIT, a), b), crc(INIT, &data));
    }

    #[test]
    fn superblock_of_the_spec_example() {
        // Spec §16.1: bytes 0x00..0x30 of block 0 of lfs1-small-512x256.img; CRC 0xC60DC43F.
        let mut block = [0u8; 48];
        let words: [u32; 9] = [2, 0x34, 3, 2, 0x0800_142e, 3, 2, 512, 256];
        for (i, w) in words.iter().enumerate() {
            block[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        block[36..40].copy_from_slice(&0x0001_0001u32.to_le_bytes());
        block[40..48].copy_from_slice(b"littlefs");
        assert_eq!(crc(INIT, &block), 0xC60D_C43F);
    }
}
