//! Integration tests of uvfs-vfs-core, one binary.
//!
//! - `paths`: property tests of path resolution (random `.`, `..`, `//`, trailing `/`).
//! - `devices`: RamDisk, FileDisk windows, BlockCache against an uncached twin, FromNorFlash,
//!   and detection of every fixture image.
//! - `router`: MicroPython's mount-table scenarios (spec table §1) on mounted `MemFs`es.

mod devices;
mod paths;
mod router;
