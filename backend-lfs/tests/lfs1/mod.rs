//! littlefs v1 (`VfsLfs1`) integration tests (see each module for what belongs there).

/// Shared helpers: fresh volumes of several geometries, whole-file reads and writes, trees.
mod support;

/// Everyday behaviour: files, directories, rename, remove, seek/truncate, many open files,
/// remount, read-only mounts, errno mapping at the `Filesystem` boundary, statvfs, probe.
mod basic;

/// The MicroPython-made images of `testdata/micropython/lfs1/`: read per manifest; mkfs byte for
/// byte; the fixtures' histories replayed give the same listings and statvfs.
mod fixtures;

/// testkit's conformance suite (`Profile::Lfs1`) at 512 B and 4 KiB blocks.
mod conformance;

/// The MemFs-differential property test (`Profile::Lfs1`).
mod diff;

/// Power cuts at every write and erase of a mixed workload (`FaultyDevice` +
/// `sweep_power_cuts`), on flash-like and disk-like devices, with torn writes: mount always
/// succeeds, every file has its old or its new content, recovery then leaves a clean volume.
mod power;

/// Wear: erase counts per block over long create/delete cycles (the allocator wraps round the
/// whole device).
mod wear;

/// Damaged media: bit flips, zeroed blocks, tail and pointer loops, huge sizes, truncated and
/// mismatched devices, random bytes. Every call returns (an error or a value); none panics or
/// hangs.
mod corrupt;

/// Recovery from the states a power cut leaves (moved entries, orphans), cut at chosen
/// points: what read-only mounts see, what deorphan repairs, and the v1 format's empty-file
/// limitation.
mod recovery;

/// Bad blocks (programs that do not stick): metadata pairs and file blocks are relocated, the
/// references fixed, the tree intact (after upstream's `test_corrupt.sh`).
mod badblocks;

/// Paths as programs spell them (`//`, `.`, `..`, trailing slashes, files used as directories,
/// long names), every op, against a table measured with MicroPython's `VfsLfs1`.
mod paths;

/// Behaviour beyond paths measured with MicroPython's `VfsLfs1`: appends, truncating an empty
/// file.
mod measured;
