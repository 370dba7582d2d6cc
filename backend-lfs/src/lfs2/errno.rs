//! How littlefs v2 error codes become errnos.
//!
//! MicroPython's `VfsLfs2` raises `OSError(-code)` for every negative littlefs result, so each
//! `LFS_ERR_*` becomes the errno with the same number. uvfs does the same:
//!
//! | littlefs | value | errno | typical cause |
//! |---|---|---|---|
//! | `LFS_ERR_IO` | -5 | `EIO` | the device failed (uvfs returns the device's own error instead, when it had one) |
//! | `LFS_ERR_CORRUPT` | -84 | `EILSEQ` | corrupt metadata, or a blank device at mount |
//! | `LFS_ERR_NOENT` | -2 | `ENOENT` | no such file or directory |
//! | `LFS_ERR_EXIST` | -17 | `EEXIST` | the name exists (`mkdir`, `open(..., "x")`) |
//! | `LFS_ERR_NOTDIR` | -20 | `ENOTDIR` | a file used as a directory; `rename(dir, file)` |
//! | `LFS_ERR_ISDIR` | -21 | `EISDIR` | a directory opened as a file; `rename(file, dir)` |
//! | `LFS_ERR_NOTEMPTY` | -39 | `ENOTEMPTY` | `remove`/`rmdir`/`rename` onto a non-empty directory |
//! | `LFS_ERR_BADF` | -9 | `EBADF` | bad file |
//! | `LFS_ERR_FBIG` | -27 | `EFBIG` | a file over 2 GiB - 1 |
//! | `LFS_ERR_INVAL` | -22 | `EINVAL` | invalid argument; an image of another block size or count, or of a newer version |
//! | `LFS_ERR_NOSPC` | -28 | `ENOSPC` | the device is full |
//! | `LFS_ERR_NOMEM` | -12 | `ENOMEM` | out of memory (uvfs gives littlefs all its buffers, so not expected) |
//! | `LFS_ERR_NOATTR` | -61 | `ENODATA` | no such attribute |
//! | `LFS_ERR_NAMETOOLONG` | -36 | `ENAMETOOLONG` | a name over 255 bytes (or the image's `name_max`) |
//! | any other negative value | | `EIO` (`bug: ...`) | littlefs 2.9 returns no other code |
//!
//! Errors that uvfs adds around the engine: a device error is returned as the device reported
//! it; an engine call that exceeds its work budget (see
//! [`Geometry::op_budget`](super::Geometry::op_budget)) or a directory listing that does not end
//! is `EIO`; a superblock whose geometry differs from the device is `EINVAL`.

use littlefs2::ll;
use uvfs_os_api::{Errno, Error};

/// The errno of a negative littlefs result (see the table in the module documentation).
pub(crate) fn from_lfs(code: i32) -> Error {
    match code {
        ll::lfs_error_LFS_ERR_IO => Errno::EIO.with_detail("littlefs: device error"),
        ll::lfs_error_LFS_ERR_CORRUPT => Errno::EILSEQ.with_detail("littlefs: corrupted"),
        ll::lfs_error_LFS_ERR_NOENT => Errno::ENOENT.into(),
        ll::lfs_error_LFS_ERR_EXIST => Errno::EEXIST.into(),
        ll::lfs_error_LFS_ERR_NOTDIR => Errno::ENOTDIR.into(),
        ll::lfs_error_LFS_ERR_ISDIR => Errno::EISDIR.into(),
        ll::lfs_error_LFS_ERR_NOTEMPTY => Errno::ENOTEMPTY.into(),
        ll::lfs_error_LFS_ERR_BADF => Errno::EBADF.into(),
        ll::lfs_error_LFS_ERR_FBIG => Errno::EFBIG.into(),
        ll::lfs_error_LFS_ERR_INVAL => Errno::EINVAL.into(),
        ll::lfs_error_LFS_ERR_NOSPC => Errno::ENOSPC.into(),
        ll::lfs_error_LFS_ERR_NOMEM => Errno::ENOMEM.into(),
        ll::lfs_error_LFS_ERR_NOATTR => Errno::ENODATA.into(),
        ll::lfs_error_LFS_ERR_NAMETOOLONG => Errno::ENAMETOOLONG.into(),
        _ => Error::bug("bug: littlefs returned an unknown error code"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lfs_error_code_has_its_errno() {
        // Every `enum lfs_error` member except LFS_ERR_OK, with the errno MicroPython raises
        // (`OSError(-code)`).
        let table = [
            (ll::lfs_error_LFS_ERR_IO, Errno::EIO),
            (ll::lfs_error_LFS_ERR_CORRUPT, Errno::EILSEQ),
            (ll::lfs_error_LFS_ERR_NOENT, Errno::ENOENT),
            (ll::lfs_error_LFS_ERR_EXIST, Errno::EEXIST),
            (ll::lfs_error_LFS_ERR_NOTDIR, Errno::ENOTDIR),
            (ll::lfs_error_LFS_ERR_ISDIR, Errno::EISDIR),
            (ll::lfs_error_LFS_ERR_NOTEMPTY, Errno::ENOTEMPTY),
            (ll::lfs_error_LFS_ERR_BADF, Errno::EBADF),
            (ll::lfs_error_LFS_ERR_FBIG, Errno::EFBIG),
            (ll::lfs_error_LFS_ERR_INVAL, Errno::EINVAL),
            (ll::lfs_error_LFS_ERR_NOSPC, Errno::ENOSPC),
            (ll::lfs_error_LFS_ERR_NOMEM, Errno::ENOMEM),
            (ll::lfs_error_LFS_ERR_NOATTR, Errno::ENODATA),
            (ll::lfs_error_LFS_ERR_NAMETOOLONG, Errno::ENAMETOOLONG),
        ];
        for (code, errno) in table {
            assert_eq!(from_lfs(code), errno, "{code}");
            // MicroPython: OSError(-code).
            assert_eq!(errno.code(), -code, "{code}");
        }
        assert_eq!(
            table.len(),
            14,
            "littlefs 2.9 has 14 error codes besides LFS_ERR_OK"
        );
    }

    #[test]
    fn unknown_codes_are_bugs() {
        for code in [-1, -3, -1000, i32::MIN] {
            let e = from_lfs(code);
            assert_eq!(e, Errno::EIO);
            assert!(e.detail().unwrap_or("").starts_with("bug:"));
        }
    }
}
