//! Integration tests of `uvfs-backend-posix`, in one binary (one link on two-core CI).
//!
//! Every test works in its own temporary directory and never touches anything else.

/// Shared fixtures: a temporary directory holding the jail's root and a sentinel directory
/// beside it, whose fingerprint proves nothing outside the root was read or changed.
mod support;

/// What `VfsPosix` does on the host, call by call: MicroPython's Posix errnos, `ilistdir`
/// 3-tuples with inodes, `stat` and `statvfs` from the host, read-only mounts, `root=None`.
mod behaviour;

/// Attempts to get out of the jail, which must all fail with their documented errno while the
/// root's contents stay usable and the sentinel stays untouched.
mod confinement;

/// testkit's conformance suite, with `Profile::Posix`.
mod conformance;

/// testkit's MemFs-differential property test, with `Profile::Posix`.
mod differential;
