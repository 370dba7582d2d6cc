//! How littlefs v1's errors become errnos.
//!
//! MicroPython raises `OSError(-err)` for a littlefs v1 error `err` (spec §14.4), so every
//! engine error keeps the number C littlefs 1.7 gives it. The engine reports its errors as the
//! variants of [`Lfs1Err`]; device errors (the block device's own [`Error`]s) pass through
//! unchanged, as MicroPython passes a negative `readblocks`/`writeblocks`/`ioctl` result through.
//!
//! | engine error | C value | errno | typical cause |
//! |---|---|---|---|
//! | `Io` | −5 | `EIO` (5) | an internal impossible state (`bug: ...`) |
//! | `Corrupt` | −52 | [`ECORRUPT`] (52, Linux `EBADE`) | no valid superblock or pair, bad magic, a CRC, length or pointer that does not check out |
//! | `NoEnt` | −2 | `ENOENT` | missing name or missing parent |
//! | `Exist` | −17 | `EEXIST` | `mkdir` of an existing name, `open(existing, "x")` |
//! | `NotDir` | −20 | `ENOTDIR` | a file used as a directory |
//! | `IsDir` | −21 | `EISDIR` | opening a directory as a file; rename between file and directory |
//! | `NotEmpty` | −39 | `ENOTEMPTY` | remove or rename onto a non-empty directory |
//! | `BadF` | −9 | `EBADF` | read on a write-only file, write on a read-only file |
//! | `FBig` | −27 | `EFBIG` | a write past 2³¹ − 1 bytes |
//! | `Inval` | −22 | `EINVAL` | a seek out of range, an unsupported version, a bad configuration |
//! | `NoSpc` | −28 | `ENOSPC` | the allocator found no free block |
//! | `NoMem` | −12 | `ENOMEM` | (never raised: allocation failure aborts in Rust) |
//!
//! The checks C littlefs does not make (§18 of the spec: block pointers inside the device,
//! entry lengths, bounded walks, file sizes) report `Corrupt` too: they are the same condition,
//! found earlier.

use uvfs_os_api::{Errno, Error};

/// The errno littlefs v1 corruption is reported with: 52, what MicroPython's `VfsLfs1` raises
/// for `LFS1_ERR_CORRUPT` (Linux calls the number `EBADE`).
pub const ECORRUPT: Errno = Errno::from_code(52);

/// littlefs v1's error codes (`lfs1_error`), as the engine reports them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Lfs1Err {
    /// `LFS1_ERR_IO`.
    Io,
    /// `LFS1_ERR_CORRUPT`.
    Corrupt,
    /// `LFS1_ERR_NOENT`.
    NoEnt,
    /// `LFS1_ERR_EXIST`.
    Exist,
    /// `LFS1_ERR_NOTDIR`.
    NotDir,
    /// `LFS1_ERR_ISDIR`.
    IsDir,
    /// `LFS1_ERR_NOTEMPTY`.
    NotEmpty,
    /// `LFS1_ERR_BADF`.
    BadF,
    /// `LFS1_ERR_FBIG`.
    FBig,
    /// `LFS1_ERR_INVAL`.
    Inval,
    /// `LFS1_ERR_NOSPC`.
    NoSpc,
    /// `LFS1_ERR_NOMEM`.
    #[allow(
        dead_code,
        reason = "kept for the table: Rust aborts on allocation failure instead"
    )]
    NoMem,
}

impl Lfs1Err {
    /// Every variant, for tests and tables.
    #[cfg(test)]
    pub(crate) const ALL: [Lfs1Err; 12] = [
        Lfs1Err::Io,
        Lfs1Err::Corrupt,
        Lfs1Err::NoEnt,
        Lfs1Err::Exist,
        Lfs1Err::NotDir,
        Lfs1Err::IsDir,
        Lfs1Err::NotEmpty,
        Lfs1Err::BadF,
        Lfs1Err::FBig,
        Lfs1Err::Inval,
        Lfs1Err::NoSpc,
        Lfs1Err::NoMem,
    ];

    /// The value C littlefs 1.7 returns for this error.
    #[cfg(test)]
    pub(crate) const fn code(self) -> i32 {
        match self {
            Lfs1Err::Io => -5,
            Lfs1Err::Corrupt => -52,
            Lfs1Err::NoEnt => -2,
            Lfs1Err::Exist => -17,
            Lfs1Err::NotDir => -20,
            Lfs1Err::IsDir => -21,
            Lfs1Err::NotEmpty => -39,
            Lfs1Err::BadF => -9,
            Lfs1Err::FBig => -27,
            Lfs1Err::Inval => -22,
            Lfs1Err::NoSpc => -28,
            Lfs1Err::NoMem => -12,
        }
    }

    /// The errno MicroPython raises for this error (the table in the module documentation).
    pub(crate) const fn errno(self) -> Errno {
        match self {
            Lfs1Err::Io => Errno::EIO,
            Lfs1Err::Corrupt => ECORRUPT,
            Lfs1Err::NoEnt => Errno::ENOENT,
            Lfs1Err::Exist => Errno::EEXIST,
            Lfs1Err::NotDir => Errno::ENOTDIR,
            Lfs1Err::IsDir => Errno::EISDIR,
            Lfs1Err::NotEmpty => Errno::ENOTEMPTY,
            Lfs1Err::BadF => Errno::EBADF,
            Lfs1Err::FBig => Errno::EFBIG,
            Lfs1Err::Inval => Errno::EINVAL,
            Lfs1Err::NoSpc => Errno::ENOSPC,
            Lfs1Err::NoMem => Errno::ENOMEM,
        }
    }

    /// The error with a static detail for people.
    pub(crate) const fn with(self, detail: &'static str) -> Error {
        self.errno().with_detail(detail)
    }
}

impl From<Lfs1Err> for Error {
    fn from(e: Lfs1Err) -> Error {
        Error::new(e.errno())
    }
}

/// Corruption found while reading `what` (`ECORRUPT` with `what` as the detail).
pub(crate) const fn corrupt(what: &'static str) -> Error {
    Lfs1Err::Corrupt.with(what)
}

/// An internal impossible state, reported instead of a panic.
pub(crate) const fn bug(detail: &'static str) -> Error {
    Lfs1Err::Io.with(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_error_has_micropythons_errno() {
        // MicroPython raises OSError(-err): the errno is the negated C value (spec §14.4).
        for e in Lfs1Err::ALL {
            assert_eq!(e.errno().code(), -e.code(), "{e:?}");
        }
    }

    #[test]
    fn spec_table() {
        let table = [
            (Lfs1Err::Io, 5),
            (Lfs1Err::Corrupt, 52),
            (Lfs1Err::NoEnt, 2),
            (Lfs1Err::Exist, 17),
            (Lfs1Err::NotDir, 20),
            (Lfs1Err::IsDir, 21),
            (Lfs1Err::NotEmpty, 39),
            (Lfs1Err::BadF, 9),
            (Lfs1Err::FBig, 27),
            (Lfs1Err::Inval, 22),
            (Lfs1Err::NoSpc, 28),
            (Lfs1Err::NoMem, 12),
        ];
        assert_eq!(table.len(), Lfs1Err::ALL.len());
        for (e, errno) in table {
            assert_eq!(Error::from(e), Errno::from_code(errno), "{e:?}");
        }
    }

    #[test]
    fn corruption_names_what() {
        let e = corrupt("superblock magic");
        assert_eq!(e, ECORRUPT);
        assert_eq!(e.detail(), Some("superblock magic"));
        assert!(bug("bug: x").detail().unwrap().starts_with("bug:"));
    }
}
