//! How host errors become errnos, and which errno each refusal of the jail returns.
//!
//! # Host errors
//! `VfsPosix` is MicroPython's `VfsPosix`: its errnos are the host's. An [`io::Error`] that
//! carries a raw OS errno ([`io::Error::raw_os_error`]) becomes that errno unchanged, named or
//! not ([`Errno::from_code`] keeps numbers uvfs does not name). Nothing goes through
//! [`io::ErrorKind`], which folds distinct errnos together (`EACCES` and `EPERM` are both
//! `PermissionDenied`; `ENOSPC` and `EDQUOT` both `StorageFull`).
//!
//! | host error | errno | why |
//! |---|---|---|
//! | raw OS errno `n > 0` | `n` | the host's own answer, as MicroPython reports it |
//! | raw OS errno `n <= 0` | `EIO` (`bug: ...`) | cannot come from a system call |
//! | no raw errno, kind `PermissionDenied` | [`ESCAPE`] (`EACCES`) | cap-std's refusal of a path that leads outside the root (its only error without an errno) |
//! | no raw errno, kind `InvalidInput` | `EINVAL` | std's refusal of a path with a NUL byte or a length it cannot pass on; `VfsPosix` checks paths first, so this is a second line |
//! | no raw errno, any other kind | `EIO` | a library-made error with no errno; none is known to reach here |
//!
//! # Refusals of the jail (a `VfsPosix` with a root)
//! Each row is exercised by the crate's confinement tests (`tests/confinement.rs`).
//!
//! | attempt | errno |
//! |---|---|
//! | a path given to the backend directly with `..`, `.`, an empty component, a trailing `/`, no leading `/` or a NUL byte | `EINVAL` ([`uvfs_os_api::path::validate`]) |
//! | a component over 255 bytes | `ENAMETOOLONG` |
//! | `..` through the router (`uvfs_vfs_core::Vfs`) past the mount point | never reaches the backend: the router stops `..` at the mount point, so the path names something inside the root (`ENOENT` if it does not exist there) |
//! | an absolute path (`/etc/passwd`) | looked up inside the root: `ENOENT` unless the root has such a file |
//! | following a symlink whose target is absolute (`/`, `/etc`, even a path inside the root spelled absolutely) | [`ESCAPE`] (`EACCES`) |
//! | following a symlink whose target climbs out with `..` (to a sibling of the root) | [`ESCAPE`] (`EACCES`) |
//! | a chain of symlinks whose last link leads out | [`ESCAPE`] (`EACCES`) |
//! | a symlink loop | `ELOOP` (from the host, or cap-std's own count, which also reports `ELOOP`) |
//! | a directory replaced by a symlink to the outside between two calls | [`ESCAPE`] (`EACCES`) on every later call through it |
//! | `mkdir`, `open(..., "w")`, `rename` or `remove` through a symlinked directory that leads out | [`ESCAPE`] (`EACCES`) |
//! | `open(link, "w")` with `link` a (dangling) symlink to a path outside | [`ESCAPE`] (`EACCES`): nothing is created outside |
//! | `mkdir(link)`, with `link` a symlink (the link itself is never followed) | `EEXIST` |
//! | `remove(link)`, `rename(link, ...)`: the link itself, which is inside the root | allowed: they change the link, never its target |
//! | opening a FIFO, socket or device node found inside the root | [`SPECIAL_FILE`] (`EACCES`), before anything is opened: only regular files are opened (a FIFO would block, a device node would reach a raw device, and opening some devices acts on them); `"x"` gives `EEXIST` as for any existing name |
//! | a `/proc` "magic link" (`/proc/self/root`, `/proc/<pid>/fd/<n>`) when the root is inside `/proc` | `ELOOP` where Linux has `openat2` (`RESOLVE_NO_MAGICLINKS`), else [`ESCAPE`] (`EACCES`) (cap-std reads the link's text, an absolute path) |
//!
//! [`ESCAPE`] is `EACCES` rather than `EPERM` on purpose: the jail behaves like a directory
//! above the root that the program may not search, which is `EACCES` in POSIX's words ("search
//! permission is denied on a component of the path prefix"); cap-std itself reports the refusal
//! as `PermissionDenied`, whose text is `EACCES`'s; and in uvfs `EPERM` already means something
//! else at the same level (the router's "mount point in use" and "rename across mounts"), so a
//! jail refusal stays distinguishable from a router error.
//!
//! # Situations where MicroPython's backends differ
//! `VfsPosix` leaves these to the host, which on Linux gives testkit's `Profile::Posix`:
//! `open(dir, "w")` `EISDIR`, `remove(dir)` `EISDIR`, `rmdir(file)` `ENOTDIR`, `rmdir` of a
//! non-empty directory `ENOTEMPTY`, a file used as a directory `ENOTDIR`, `rename(file, dir)`
//! `EISDIR`, `rename(dir, file)` `ENOTDIR`, renaming a directory into its own subtree `EINVAL`.
//! uvfs's errno policy adds three that `VfsPosix` checks itself, before asking the host:
//! `open(dir, "r")` is `EISDIR` (MicroPython opens the directory), `open(existing, "x")` is
//! `EEXIST` (MicroPython does not check), and a read-only mount refuses every change with
//! `EROFS`, at `open` for any writing mode.

use std::io;

use uvfs_os_api::{Errno, Error};

/// The errno a path that leads outside the root returns: `EACCES` (see the
/// [module documentation](self) for why not `EPERM`).
pub const ESCAPE: Errno = Errno::EACCES;

/// The errno `open` returns for something inside the root that is neither a regular file nor a
/// directory (a FIFO, a socket, a device node): `EACCES`, the jail's refusal.
pub const SPECIAL_FILE: Errno = Errno::EACCES;

/// The errno of a host error (see the table in the [module documentation](self)).
///
/// ```
/// use std::io;
/// use uvfs_backend_posix::errno;
/// use uvfs_os_api::Errno;
///
/// let host = io::Error::from_raw_os_error(2);
/// assert_eq!(errno::from_io(&host), Errno::ENOENT);
/// // An unnamed errno is kept as it is.
/// assert_eq!(errno::from_io(&io::Error::from_raw_os_error(122)).errno().code(), 122);
/// ```
pub fn from_io(err: &io::Error) -> Error {
    match err.raw_os_error() {
        Some(code) if code > 0 => Error::new(Errno::from_code(code)),
        Some(_) => Error::bug("bug: the host reported a non-positive errno"),
        None => match err.kind() {
            io::ErrorKind::PermissionDenied => {
                ESCAPE.with_detail("the path leads outside the VfsPosix root")
            }
            io::ErrorKind::InvalidInput => Errno::EINVAL.with_detail("the host refused the path"),
            _ => Errno::EIO.with_detail("host error without an errno"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_errno_passes_through() {
        for &errno in Errno::ALL {
            let host = io::Error::from_raw_os_error(errno.code());
            assert_eq!(from_io(&host).errno(), errno, "{errno:?}");
        }
    }

    #[test]
    fn unnamed_errnos_pass_through() {
        // EDQUOT (122) and ESTALE (116) have no uvfs name; they must not become ENOSPC or EIO.
        for code in [116, 122, 133, 4095] {
            let host = io::Error::from_raw_os_error(code);
            assert_eq!(from_io(&host).errno().code(), code);
        }
    }

    #[test]
    fn permission_errnos_stay_distinct() {
        // Both are ErrorKind::PermissionDenied; a kind-based mapping would merge them.
        let eperm = io::Error::from_raw_os_error(1);
        let eacces = io::Error::from_raw_os_error(13);
        assert_eq!(eperm.kind(), eacces.kind());
        assert_eq!(from_io(&eperm), Errno::EPERM);
        assert_eq!(from_io(&eacces), Errno::EACCES);
    }

    #[test]
    fn non_positive_raw_errno_is_a_bug() {
        for code in [0, -1, i32::MIN] {
            let e = from_io(&io::Error::from_raw_os_error(code));
            assert_eq!(e, Errno::EIO);
            assert!(e.detail().is_some_and(|d| d.starts_with("bug:")));
        }
    }

    #[test]
    fn errors_without_errno() {
        // cap-std's escape refusal has exactly this shape (cap-primitives `escape_attempt`).
        let escape = io::Error::new(
            io::ErrorKind::PermissionDenied,
            "a path led outside of the filesystem",
        );
        assert_eq!(escape.raw_os_error(), None);
        assert_eq!(from_io(&escape), ESCAPE);
        assert_eq!(ESCAPE, Errno::EACCES);

        let nul = io::Error::new(io::ErrorKind::InvalidInput, "nul byte");
        assert_eq!(from_io(&nul), Errno::EINVAL);

        for kind in [
            io::ErrorKind::Other,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::WriteZero,
            io::ErrorKind::Unsupported,
        ] {
            assert_eq!(from_io(&io::Error::new(kind, "x")), Errno::EIO, "{kind:?}");
        }
    }

    #[test]
    fn real_escape_from_cap_std_is_escape() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink("/", root.join("up")).unwrap();
        let dir = cap_std::fs::Dir::open_ambient_dir(&root, cap_std::ambient_authority()).unwrap();
        let err = dir.metadata("up/etc").unwrap_err();
        assert_eq!(from_io(&err), ESCAPE);
        let err = dir.open("../root/x").unwrap_err();
        assert_eq!(from_io(&err), ESCAPE);
    }
}
