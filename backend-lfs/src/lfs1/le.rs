//! Checked little-endian readers for on-disk structures: a short buffer is corruption of the
//! named field, never an index panic.

use uvfs_os_api::Result;

use super::errno::corrupt;

/// The little-endian `u32` at `off` in `buf`; `ECORRUPT` naming `what` if it is not all there.
pub(crate) fn u32_at(buf: &[u8], off: usize, what: &'static str) -> Result<u32> {
    let end = off.checked_add(4).ok_or(corrupt(what))?;
    let bytes = buf.get(off..end).ok_or(corrupt(what))?;
    let mut word = [0u8; 4];
    word.copy_from_slice(bytes);
    Ok(u32::from_le_bytes(word))
}

/// The byte at `off` in `buf`; `ECORRUPT` naming `what` if it is past the end.
pub(crate) fn u8_at(buf: &[u8], off: usize, what: &'static str) -> Result<u8> {
    buf.get(off).copied().ok_or(corrupt(what))
}

/// Stores `value` little-endian at `off` of `buf` (a buffer the engine sized itself).
pub(crate) fn put_u32(buf: &mut [u8], off: usize, value: u32) -> Result<()> {
    let slot = buf
        .get_mut(off..off.saturating_add(4))
        .filter(|s| s.len() == 4)
        .ok_or(super::errno::bug("bug: u32 store outside its buffer"))?;
    slot.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lfs1::errno::ECORRUPT;

    #[test]
    fn short_buffers_are_corrupt_with_the_field_named() {
        let buf = [1u8, 2, 3, 4, 5];
        assert_eq!(u32_at(&buf, 0, "x").unwrap(), 0x0403_0201);
        assert_eq!(u32_at(&buf, 1, "x").unwrap(), 0x0504_0302);
        let e = u32_at(&buf, 2, "entry head").unwrap_err();
        assert_eq!(e, ECORRUPT);
        assert_eq!(e.detail(), Some("entry head"));
        assert_eq!(u32_at(&buf, usize::MAX, "x").unwrap_err(), ECORRUPT);
        assert_eq!(u8_at(&buf, 5, "x").unwrap_err(), ECORRUPT);
    }

    #[test]
    fn stores_stay_inside() {
        let mut buf = [0u8; 6];
        put_u32(&mut buf, 2, 0xAABB_CCDD).unwrap();
        assert_eq!(buf, [0, 0, 0xDD, 0xCC, 0xBB, 0xAA]);
        assert!(put_u32(&mut buf, 3, 1).is_err());
        assert!(put_u32(&mut buf, usize::MAX, 1).is_err());
    }
}
