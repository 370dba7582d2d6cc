//! Integration tests of `uvfs-backend-kv`, one binary (see each module for what belongs there).

/// Shared helpers: volumes of several geometries, whole-file reads and writes.
mod support;

/// Everyday behaviour: files (inline and chunked), directories, rename, remount, read-only
/// mounts, many open files, space accounting, errno mapping at the `Filesystem` boundary.
mod basic;

/// testkit's conformance suite on two geometries.
mod conformance;

/// The MemFs-differential property test.
mod diff;

/// Power cuts at every flash write and erase, with and without torn writes: atomic file
/// commits and renames, acknowledged data survives.
mod power;

/// `sequential-storage` issue 136 (an acknowledged store lost after a reboot): the upstream
/// reproduction, and the same scenario through `VfsKv`.
mod issue136;

/// Wear: erase counts per sector over a long rewrite cycle.
mod wear;

/// Images and block devices: `on_device`, `format_device`, detection by vfs-core, damaged
/// images.
mod images;

/// Regressions from the cargo-fuzz targets (`fuzz/`): one test per finding, with its input.
mod fuzz;
