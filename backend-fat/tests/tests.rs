//! Integration tests of `uvfs-backend-fat`, in one binary (one link on two-core CI).
//!
//! Interop tests run `fsck.fat` (package `dosfstools`) and mtools (package `mtools`): when a tool
//! is missing they fail under `CI` naming the package, and print why and return otherwise.

/// Shared helpers: RAM devices and images, whole-file reads and writes, tree walks, and the
/// external tools (`fsck.fat -n`, `mdir`, `mcopy`, `mkfs.fat`).
mod support;

/// testkit's conformance suite with `Profile::Fat`, on 512- and 4096-byte sectors, FAT12, FAT16
/// and FAT32, with and without the cache.
mod conformance;

/// testkit's MemFs-differential property test with `Profile::Fat`; every case ends with
/// `fsck.fat -n` on the image.
mod differential;

/// The MicroPython-made images of `testdata/micropython/fat/`, read exactly per their manifests.
mod fixtures;

/// Images uvfs writes pass `fsck.fat -n` and read identically with mtools; images made by
/// `mkfs.fat` + `mcopy` read identically in uvfs.
mod interop;

/// Damaged boot sectors, FATs and directory entries, and truncated images: errors, never
/// panics or hangs.
mod corrupt;

/// VfsFat-specific behaviour: mkfs layouts, labels, timestamps, many open files, read-only
/// mounts that never write, errnos, the cache option, `Send`.
mod behaviour;

/// Fuzz findings, each with its input under `tests/regressions/`.
mod fuzz;

/// `mkfs` with default options against MicroPython's `VfsFat.mkfs`, byte for byte: recorded
/// digests, and the `micropython` command at test time.
mod mkfs_identity;

/// Paths as MicroPython passes them (`//`, `\`, `.`, `..`, trailing slashes, control
/// characters, long names) against a table of MicroPython's answers, re-measured with the
/// `micropython` command when it is present.
mod paths;
