//! How fatfs's errors become errnos.
//!
//! fatfs 0.3 reports every failure as a `std::io::Error` with a kind and a fixed message, and its
//! kinds are not what MicroPython reports (a full volume is `ErrorKind::Other`, a full FAT12/16
//! root directory is `WriteZero`). So VfsFat never maps through `ErrorKind`: [`classify`] turns an
//! error into one [`FatfsError`] by its kind *and* message (every message fatfs 0.3.6 can
//! produce is listed), and [`errno`] maps that with one exhaustive `match`.
//!
//! VfsFat checks existence, types and emptiness itself before it asks fatfs to change anything,
//! with MicroPython's errnos (testkit's `Profile::Fat`), so most rows below are reached only if a
//! check was missed; they still follow FatFs's codes as MicroPython maps them.
//!
//! | fatfs error | errno | MicroPython / FatFs equivalent |
//! |---|---|---|
//! | a device error (VfsFat's adapter) | the device's errno | `FR_DISK_ERR` → `EIO` |
//! | "No space left on device" | `ENOSPC` | a short `f_write` → `ENOSPC` (FatFs's `f_mkdir` says `FR_DENIED`, `EACCES`: uvfs deviates) |
//! | the FAT12/16 root directory is full (`WriteZero`) | `ENOSPC` | `FR_DENIED` → `EACCES` (uvfs deviates) |
//! | a short read (`UnexpectedEof`) | `EIO` | `FR_DISK_ERR` |
//! | "No such file or directory" | `ENOENT` | `FR_NO_FILE`/`FR_NO_PATH` |
//! | "Is a directory", "Not a directory" | `ENOENT` | `FR_NO_FILE` (FatFs does not tell them apart) |
//! | "Directory not empty" | `EACCES` | `FR_DENIED` |
//! | "Destination file already exists" | `EEXIST` | `FR_EXIST` |
//! | "short name already exists" (no free 8.3 alias) | `EACCES` | `FR_DENIED` (FatFs's numbered-name search gives up) |
//! | "File name is empty", "too long", "contains unsupported characters" | `EINVAL` | `FR_INVALID_NAME` |
//! | a boot sector or FSInfo fatfs refuses | `ENODEV` | `FR_NO_FILESYSTEM` |
//! | `format_volume` cannot lay out the volume | `EINVAL` | `FR_MKFS_ABORTED` → `EIO` (uvfs: the options are the problem) |
//! | "Seek to a negative offset" | `EIO` (`bug: ...`) | — |
//! | anything else | `EIO` | — |

use std::io;

use uvfs_os_api::{Errno, Error};

use crate::disk::DeviceError;

/// Every failure fatfs 0.3.6 reports, by kind and message.
#[derive(Debug)]
pub(crate) enum FatfsError {
    /// The device (through VfsFat's adapter) failed with this error.
    Device(Error),
    NoSpace,
    RootDirFull,
    ShortRead,
    NotFound,
    WrongType,
    DirNotEmpty,
    Exists,
    NoShortName,
    BadName,
    BadVolume,
    CannotFormat,
    BadSeek,
    Unknown,
}

/// Messages fatfs uses for a boot sector or FSInfo sector it will not mount.
const BAD_VOLUME: &[&str] = &[
    "invalid bytes_per_sector value in BPB (not power of two)",
    "invalid bytes_per_sector value in BPB (value < 512)",
    "invalid bytes_per_sector value in BPB (value > 4096)",
    "invalid sectors_per_cluster value in BPB (not power of two)",
    "invalid sectors_per_cluster value in BPB (value < 1)",
    "invalid sectors_per_cluster value in BPB (value > 128)",
    "invalid reserved_sectors value in BPB",
    "invalid fats value in BPB",
    "Invalid root_entries value in BPB (should be zero for FAT32)",
    "Empty root directory region defined in FAT12/FAT16 BPB",
    "Invalid total_sectors_16 value in BPB (should be zero for FAT32)",
    "Invalid BPB (total_sectors_16 or total_sectors_32 should be non-zero)",
    "Invalid sectors_per_fat_32 value in BPB (should be non-zero for FAT32)",
    "Unknown FS version",
    "Invalid BPB (total_sectors field value is too small)",
    "Invalid BPB (backup boot-sector not in a reserved region)",
    "Invalid BPB (FSInfo sector not in a reserved region)",
    "Invalid BPB (result of FAT32 determination from total number of clusters and sectors_per_fat_16 field differs)",
    "Invalid BPB (too many clusters)",
    "Invalid boot sector signature",
    "invalid lead_sig in FsInfo sector",
    "invalid struc_sig in FsInfo sector",
    "invalid trail_sig in FsInfo sector",
];

/// Messages of `format_volume` for a layout it cannot make.
const CANNOT_FORMAT: &[&str] = &[
    "Volume is too small",
    "Invalid FAT type",
    "Too many clusters",
    "Cannot select FAT type - unfortunate disk size",
    "Total number of clusters and FAT type does not match. Try other volume size",
    "Volume has too many sectors",
];

/// Sorts a fatfs error into a [`FatfsError`].
pub(crate) fn classify(e: &io::Error) -> FatfsError {
    if let Some(dev) = e.get_ref().and_then(|r| r.downcast_ref::<DeviceError>()) {
        return FatfsError::Device(dev.0);
    }
    let msg = e.get_ref().map(ToString::to_string).unwrap_or_default();
    match (e.kind(), msg.as_str()) {
        (io::ErrorKind::Other, "No space left on device") => FatfsError::NoSpace,
        (io::ErrorKind::WriteZero, _) => FatfsError::RootDirFull,
        (io::ErrorKind::UnexpectedEof, _) => FatfsError::ShortRead,
        (io::ErrorKind::NotFound, _) => FatfsError::NotFound,
        (io::ErrorKind::Other, "Is a directory" | "Not a directory") => FatfsError::WrongType,
        (io::ErrorKind::Other, "Directory not empty") => FatfsError::DirNotEmpty,
        (io::ErrorKind::AlreadyExists, "Destination file already exists") => FatfsError::Exists,
        (io::ErrorKind::AlreadyExists, "short name already exists") => FatfsError::NoShortName,
        (
            io::ErrorKind::Other,
            "File name is empty"
            | "File name too long"
            | "File name contains unsupported characters",
        ) => FatfsError::BadName,
        (io::ErrorKind::InvalidInput, "Seek to a negative offset") => FatfsError::BadSeek,
        (io::ErrorKind::Other, m) if BAD_VOLUME.contains(&m) => FatfsError::BadVolume,
        (io::ErrorKind::Other, m) if CANNOT_FORMAT.contains(&m) => FatfsError::CannotFormat,
        _ => FatfsError::Unknown,
    }
}

/// The errno of a classified fatfs error (see the table in the module documentation).
pub(crate) fn errno(e: FatfsError) -> Error {
    match e {
        FatfsError::Device(err) => err,
        FatfsError::NoSpace => Errno::ENOSPC.into(),
        FatfsError::RootDirFull => Errno::ENOSPC.with_detail("root directory full"),
        FatfsError::ShortRead => Errno::EIO.with_detail("short read from the device"),
        FatfsError::NotFound => Errno::ENOENT.into(),
        FatfsError::WrongType => Errno::ENOENT.into(),
        FatfsError::DirNotEmpty => Errno::EACCES.with_detail("directory not empty"),
        FatfsError::Exists => Errno::EEXIST.into(),
        FatfsError::NoShortName => Errno::EACCES.with_detail("no free short name"),
        FatfsError::BadName => Errno::EINVAL.with_detail("invalid FAT name"),
        FatfsError::BadVolume => Errno::ENODEV.with_detail("not a FAT volume fatfs can mount"),
        FatfsError::CannotFormat => Errno::EINVAL.with_detail("fatfs cannot lay out this volume"),
        FatfsError::BadSeek => Error::bug("bug: fatfs seek out of range"),
        FatfsError::Unknown => Errno::EIO.with_detail("fatfs error"),
    }
}

/// The errno of a fatfs error.
pub(crate) fn from_io(e: &io::Error) -> Error {
    errno(classify(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(msg: &str) -> io::Error {
        io::Error::other(msg.to_owned())
    }

    #[test]
    fn every_fatfs_error_has_its_errno() {
        let table: Vec<(io::Error, Errno)> = vec![
            (
                io::Error::other(DeviceError(Errno::EROFS.into())),
                Errno::EROFS,
            ),
            (other("No space left on device"), Errno::ENOSPC),
            (
                io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer"),
                Errno::ENOSPC,
            ),
            (
                io::Error::new(io::ErrorKind::UnexpectedEof, "failed to fill whole buffer"),
                Errno::EIO,
            ),
            (
                io::Error::new(io::ErrorKind::NotFound, "No such file or directory"),
                Errno::ENOENT,
            ),
            (other("Is a directory"), Errno::ENOENT),
            (other("Not a directory"), Errno::ENOENT),
            (other("Directory not empty"), Errno::EACCES),
            (
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "Destination file already exists",
                ),
                Errno::EEXIST,
            ),
            (
                io::Error::new(io::ErrorKind::AlreadyExists, "short name already exists"),
                Errno::EACCES,
            ),
            (other("File name is empty"), Errno::EINVAL),
            (other("File name too long"), Errno::EINVAL),
            (
                other("File name contains unsupported characters"),
                Errno::EINVAL,
            ),
            (
                io::Error::new(io::ErrorKind::InvalidInput, "Seek to a negative offset"),
                Errno::EIO,
            ),
            (other("something new"), Errno::EIO),
        ];
        for (e, want) in table {
            assert_eq!(from_io(&e), want, "{e}");
        }
        for m in BAD_VOLUME {
            assert_eq!(from_io(&other(m)), Errno::ENODEV, "{m}");
        }
        for m in CANNOT_FORMAT {
            assert_eq!(from_io(&other(m)), Errno::EINVAL, "{m}");
        }
    }
}
