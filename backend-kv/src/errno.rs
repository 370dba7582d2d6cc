//! How `sequential-storage` and flash errors become errnos.
//!
//! `VfsKv` has no MicroPython counterpart, so for the situations where MicroPython's backends
//! differ it returns uvfs's own choice, the Posix-like errnos of testkit's `Profile::Mem`
//! (`remove(dir)` is `EISDIR`, `rmdir(file)` is `ENOTDIR`, a non-empty directory is
//! `ENOTEMPTY`, a file used as a directory is `ENOTDIR`). Errors of the engine map as follows:
//!
//! | engine error | errno | why |
//! |---|---|---|
//! | `Error::FullStorage` | `ENOSPC` | the map has no room for the item, even after reclaiming pages |
//! | `Error::ItemTooBig` | `EFBIG` | an item larger than a page; `VfsKv` sizes its items so this means a bug or a misconfigured geometry |
//! | `Error::Corrupted` | `EIO` | corruption `sequential-storage` could not repair |
//! | `Error::LogicBug` | `EIO` (`bug: ...`) | the engine's "would have been a panic" |
//! | `Error::BufferTooBig`, `Error::BufferTooSmall` | `EIO` (`bug: ...`) | `VfsKv` sizes its buffer for the largest item a page can hold |
//! | `Error::SerializationError` | `EIO` | a stored key or value is not what `VfsKv` writes |
//! | `Error::Storage` with `FlashError::ReadOnly` | `EROFS` | a change on a read-only mount (only a repair can try one) |
//! | `Error::Storage` with a flash error of kind `NotAligned` or `OutOfBounds` | `EIO` (`bug: ...`) | `VfsKv` checks its geometry at mount |
//! | `Error::Storage` with any other flash error | `EIO` | the flash failed (or lost power) |
//! | any variant a later `sequential-storage` adds | `EIO` | |

use embedded_storage::nor_flash::{NorFlashError, NorFlashErrorKind};
use sequential_storage::Error as EngineError;
use uvfs_os_api::{Errno, Error};

use crate::flash::FlashError;

/// The errno of a flash error.
pub(crate) fn flash_errno<E: NorFlashError>(e: &FlashError<E>) -> Error {
    match e {
        FlashError::ReadOnly => Errno::EROFS.with_detail("read-only mount"),
        FlashError::Flash(e) => match e.kind() {
            NorFlashErrorKind::NotAligned => Error::bug("bug: misaligned flash access"),
            NorFlashErrorKind::OutOfBounds => Error::bug("bug: flash access out of bounds"),
            _ => Errno::EIO.with_detail("flash error"),
        },
    }
}

/// The errno of an engine error (see the table in the module documentation).
pub(crate) fn engine_errno<E: NorFlashError>(e: &EngineError<FlashError<E>>) -> Error {
    match e {
        EngineError::Storage { value, .. } => flash_errno(value),
        EngineError::FullStorage => Errno::ENOSPC.into(),
        EngineError::ItemTooBig => Errno::EFBIG.with_detail("item larger than a flash page"),
        EngineError::Corrupted { .. } => Errno::EIO.with_detail("flash contents corrupted"),
        EngineError::LogicBug { .. } => Error::bug("bug: sequential-storage logic bug"),
        EngineError::BufferTooBig => Error::bug("bug: sequential-storage buffer too big"),
        EngineError::BufferTooSmall(_) => Error::bug("bug: sequential-storage buffer too small"),
        EngineError::SerializationError(_) => Errno::EIO.with_detail("stored item malformed"),
        _ => Errno::EIO.with_detail("sequential-storage error"),
    }
}

/// Whether an engine error says the flash is corrupted (and a repair may help).
pub(crate) fn is_corrupted<E>(e: &EngineError<E>) -> bool {
    matches!(e, EngineError::Corrupted { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ram::RamFlashError;
    use sequential_storage::map::SerializationError;

    type E = EngineError<FlashError<RamFlashError>>;

    fn storage(value: FlashError<RamFlashError>) -> E {
        EngineError::Storage { value }
    }

    #[test]
    fn every_engine_error_has_its_errno() {
        let table: [(E, Errno); 13] = [
            (EngineError::FullStorage, Errno::ENOSPC),
            (EngineError::ItemTooBig, Errno::EFBIG),
            (EngineError::Corrupted {}, Errno::EIO),
            (EngineError::LogicBug {}, Errno::EIO),
            (EngineError::BufferTooBig, Errno::EIO),
            (EngineError::BufferTooSmall(8), Errno::EIO),
            (
                EngineError::SerializationError(SerializationError::BufferTooSmall),
                Errno::EIO,
            ),
            (
                EngineError::SerializationError(SerializationError::InvalidFormat),
                Errno::EIO,
            ),
            (
                EngineError::SerializationError(SerializationError::Custom(3)),
                Errno::EIO,
            ),
            (storage(FlashError::ReadOnly), Errno::EROFS),
            (
                storage(FlashError::Flash(RamFlashError::NotAligned)),
                Errno::EIO,
            ),
            (
                storage(FlashError::Flash(RamFlashError::OutOfBounds)),
                Errno::EIO,
            ),
            (
                storage(FlashError::Flash(RamFlashError::PowerOff)),
                Errno::EIO,
            ),
        ];
        for (err, errno) in table {
            assert_eq!(engine_errno(&err), errno, "{err:?}");
        }
    }

    #[test]
    fn geometry_bugs_say_so() {
        let e = engine_errno(&storage(FlashError::Flash(RamFlashError::NotAligned)));
        assert!(e.detail().unwrap_or("").starts_with("bug:"));
        assert!(is_corrupted(&E::Corrupted {}));
        assert!(!is_corrupted(&E::FullStorage));
    }
}
