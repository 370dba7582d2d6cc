//! Errno values and the error type every uvfs call returns.
//!
//! [`Errno`] is a newtype over the raw number, not an enum: a host (the Posix backend) can
//! report any errno, and an unknown value must reach the caller intact. The named constants
//! carry MicroPython's numbers, which are Linux's.

use core::fmt;

/// An errno number, as MicroPython's `OSError.errno` carries it.
///
/// ```
/// use uvfs_os_api::Errno;
/// assert_eq!(Errno::ENOENT.code(), 2);
/// assert_eq!(Errno::ENOENT.name(), Some("ENOENT"));
/// assert_eq!(format!("{}", Errno::ENOENT), "[Errno 2] ENOENT");
/// // Numbers uvfs does not name still round-trip.
/// assert_eq!(Errno::from_code(200).code(), 200);
/// assert_eq!(Errno::from_code(200).name(), None);
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(i32);

macro_rules! errnos {
    ($($name:ident = $code:literal: $doc:literal,)*) => {
        impl Errno {
            $(
                #[doc = $doc]
                pub const $name: Errno = Errno($code);
            )*

            /// The symbolic name (`"ENOENT"`), or `None` for a number uvfs does not name.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($code => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// Every errno uvfs names, in numeric order.
            pub const ALL: &'static [Errno] = &[$(Errno::$name,)*];
        }
    };
}

errnos! {
    EPERM = 1: "Operation not permitted (also: a mount point already in use, a rename across mounts).",
    ENOENT = 2: "No such file or directory.",
    EIO = 5: "I/O error (also: corrupt media, internal bugs reported instead of panicking).",
    ENXIO = 6: "No such device or address.",
    EBADF = 9: "Bad file handle: closed, stale, foreign, or opened without the needed access.",
    EAGAIN = 11: "Try again.",
    ENOMEM = 12: "Out of memory.",
    EACCES = 13: "Permission denied.",
    EBUSY = 16: "Device or resource busy.",
    EEXIST = 17: "File exists.",
    EXDEV = 18: "Cross-device link.",
    ENODEV = 19: "No such device: nothing is mounted at that path.",
    ENOTDIR = 20: "Not a directory.",
    EISDIR = 21: "Is a directory.",
    EINVAL = 22: "Invalid argument.",
    ENFILE = 23: "Too many open files in the system.",
    EMFILE = 24: "Too many open files.",
    EFBIG = 27: "File too large.",
    ENOSPC = 28: "No space left on device.",
    ESPIPE = 29: "Illegal seek.",
    EROFS = 30: "Read-only file system.",
    EMLINK = 31: "Too many links.",
    ENAMETOOLONG = 36: "File name too long.",
    ENOSYS = 38: "Function not implemented.",
    ENOTEMPTY = 39: "Directory not empty.",
    ELOOP = 40: "Too many symbolic links.",
    ENODATA = 61: "No data available (littlefs: attribute missing).",
    EBADMSG = 74: "Bad message.",
    EOVERFLOW = 75: "Value too large for defined data type.",
    EILSEQ = 84: "Illegal byte sequence (littlefs reports corruption with this number).",
    EOPNOTSUPP = 95: "Operation not supported.",
    EADDRINUSE = 98: "Address already in use.",
    ECONNABORTED = 103: "Connection aborted.",
    ECONNRESET = 104: "Connection reset by peer.",
    ENOBUFS = 105: "No buffer space available.",
    ENOTCONN = 107: "Not connected.",
    ETIMEDOUT = 110: "Timed out.",
    ECONNREFUSED = 111: "Connection refused.",
    EHOSTUNREACH = 113: "No route to host.",
    EALREADY = 114: "Operation already in progress.",
    EINPROGRESS = 115: "Operation in progress.",
}

impl Errno {
    /// Wraps a raw errno number (positive, as in `OSError.errno`).
    pub const fn from_code(code: i32) -> Errno {
        Errno(code)
    }

    /// The raw number.
    pub const fn code(self) -> i32 {
        self.0
    }

    /// Attaches a static detail message, making an [`Error`].
    pub const fn with_detail(self, detail: &'static str) -> Error {
        Error {
            errno: self,
            detail: Some(detail),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

/// Prints like MicroPython's `OSError`: `[Errno 2] ENOENT`, or `[Errno 200]` for an unnamed number.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "[Errno {}] {name}", self.0),
            None => write!(f, "[Errno {}]", self.0),
        }
    }
}

/// The error of every uvfs call: an [`Errno`] and an optional static detail.
///
/// Small, `Copy` and free of allocation. Paths are added at the edges (the std layer and the CLI),
/// not here.
///
/// ```
/// use uvfs_os_api::{Errno, Error};
/// let e = Error::from(Errno::EEXIST);
/// assert_eq!(e.to_string(), "[Errno 17] EEXIST");
/// let e = Errno::EIO.with_detail("superblock checksum");
/// assert_eq!(e.to_string(), "[Errno 5] EIO: superblock checksum");
/// assert_eq!(e, Errno::EIO); // compares by errno
/// ```
#[derive(Copy, Clone, Debug)]
pub struct Error {
    errno: Errno,
    detail: Option<&'static str>,
}

impl Error {
    /// An error with only an errno.
    pub const fn new(errno: Errno) -> Error {
        Error {
            errno,
            detail: None,
        }
    }

    /// An internal "cannot happen" state, reported as `EIO` with a `bug: ...` detail instead of a
    /// panic.
    pub const fn bug(detail: &'static str) -> Error {
        Error {
            errno: Errno::EIO,
            detail: Some(detail),
        }
    }

    /// The errno.
    pub const fn errno(&self) -> Errno {
        self.errno
    }

    /// The detail message, if any.
    pub const fn detail(&self) -> Option<&'static str> {
        self.detail
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::new(errno)
    }
}

/// Errors compare by errno only: the detail is for people.
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        self.errno == other.errno
    }
}

impl Eq for Error {}

impl PartialEq<Errno> for Error {
    fn eq(&self, other: &Errno) -> bool {
        self.errno == *other
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.errno),
            None => write!(f, "{}", self.errno),
        }
    }
}

impl core::error::Error for Error {}

/// The result type of every uvfs call.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn names_match_micropython_numbers() {
        let expected = [
            (1, "EPERM"),
            (2, "ENOENT"),
            (5, "EIO"),
            (9, "EBADF"),
            (11, "EAGAIN"),
            (12, "ENOMEM"),
            (13, "EACCES"),
            (17, "EEXIST"),
            (18, "EXDEV"),
            (19, "ENODEV"),
            (20, "ENOTDIR"),
            (21, "EISDIR"),
            (22, "EINVAL"),
            (27, "EFBIG"),
            (28, "ENOSPC"),
            (30, "EROFS"),
            (36, "ENAMETOOLONG"),
            (39, "ENOTEMPTY"),
        ];
        for (code, name) in expected {
            assert_eq!(Errno::from_code(code).name(), Some(name));
        }
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in Errno::ALL.windows(2) {
            assert!(
                pair[0].code() < pair[1].code(),
                "{:?} {:?}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn unknown_round_trips() {
        let e = Errno::from_code(4242);
        assert_eq!(e.code(), 4242);
        assert_eq!(format!("{e}"), "[Errno 4242]");
        assert_eq!(format!("{e:?}"), "Errno(4242)");
    }
}
