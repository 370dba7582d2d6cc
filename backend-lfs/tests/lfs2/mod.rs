//! littlefs v2 (`VfsLfs2`) integration tests, one module per topic.

/// Shared helpers: RAM filesystems, a settable clock, file and tree helpers.
mod support;

/// Everyday behaviour and MicroPython's measured errnos (`micropython-measured.md` §2, §3),
/// uvfs's stricter choices, modification times, configuration, the router's cwd.
mod basic;

/// testkit's conformance suite with `Profile::Lfs2`, on two geometries.
mod conformance;

/// The MemFs-differential property test (`PROPTEST_CASES`).
mod diff;

/// The MicroPython-made images in `testdata/micropython/lfs2/`, against their manifests.
mod fixtures;

/// Interoperability with littlefs-python (`lfs2_tool.py`), both directions, both disk
/// versions.
mod interop;

/// Power cuts at writes and erases of a mixed workload (`FaultyDevice`), with and without torn
/// writes (`UVFS_LFS2_POWER_FULL=1` for every point).
mod power;

/// Damaged media: blank and random devices, bit flips, garbage blocks, a looping metadata
/// chain, the work budget (`UVFS_LFS2_CORRUPT_CASES`).
mod corrupt;

/// Fuzz findings, each with its input (`regressions/*.img.gz`) and what failed and why.
mod regressions;
