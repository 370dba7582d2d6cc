//! [`SimNor`]: a NOR flash in RAM with real NOR rules, for `FromNorFlash` benchmarks.

use embedded_storage::nor_flash::{
    check_erase, check_read, check_write, ErrorType, NorFlash, NorFlashError, NorFlashErrorKind,
    ReadNorFlash,
};

/// A NOR flash in RAM: `ERASE`-byte sectors, byte reads, 4-byte program words. Erasing sets
/// bytes to `0xFF`; programming can only clear bits (the stored byte becomes `old & new`), as on
/// real NOR flash.
///
/// ```
/// use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
/// use uvfs_benches::SimNor;
///
/// let mut flash = SimNor::<4096>::new(4);
/// flash.write(0, &[0xF0; 4]).unwrap();
/// flash.write(0, &[0x3C; 4]).unwrap(); // without an erase, bits only clear
/// let mut b = [0u8; 4];
/// flash.read(0, &mut b).unwrap();
/// assert_eq!(b, [0x30; 4]);
/// flash.erase(0, 4096).unwrap();
/// flash.read(0, &mut b).unwrap();
/// assert_eq!(b, [0xFF; 4]);
/// ```
#[derive(Clone, Debug)]
pub struct SimNor<const ERASE: usize> {
    data: Vec<u8>,
}

impl<const ERASE: usize> SimNor<ERASE> {
    /// An erased flash of `sectors` sectors.
    pub fn new(sectors: usize) -> SimNor<ERASE> {
        SimNor {
            data: vec![0xFF; sectors.saturating_mul(ERASE)],
        }
    }
}

/// A [`SimNor`] error: a misaligned or out-of-range request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SimNorError(NorFlashErrorKind);

impl NorFlashError for SimNorError {
    fn kind(&self) -> NorFlashErrorKind {
        self.0
    }
}

impl From<NorFlashErrorKind> for SimNorError {
    fn from(kind: NorFlashErrorKind) -> Self {
        SimNorError(kind)
    }
}

impl<const ERASE: usize> ErrorType for SimNor<ERASE> {
    type Error = SimNorError;
}

impl<const ERASE: usize> ReadNorFlash for SimNor<ERASE> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), SimNorError> {
        check_read(self, offset, bytes.len())?;
        let at = offset as usize;
        bytes.copy_from_slice(&self.data[at..at + bytes.len()]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.data.len()
    }
}

impl<const ERASE: usize> NorFlash for SimNor<ERASE> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = ERASE;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), SimNorError> {
        check_erase(self, from, to)?;
        self.data[from as usize..to as usize].fill(0xFF);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), SimNorError> {
        check_write(self, offset, bytes.len())?;
        let at = offset as usize;
        for (cell, &b) in self.data[at..at + bytes.len()].iter_mut().zip(bytes) {
            *cell &= b;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_nor_flash_refuses() {
        let mut flash = SimNor::<512>::new(2);
        assert_eq!(
            flash.write(2, &[0; 4]).unwrap_err().kind(),
            NorFlashErrorKind::NotAligned
        );
        assert_eq!(
            flash.erase(0, 100).unwrap_err().kind(),
            NorFlashErrorKind::NotAligned
        );
        assert_eq!(
            flash.read(1023, &mut [0; 2]).unwrap_err().kind(),
            NorFlashErrorKind::OutOfBounds
        );
    }
}
