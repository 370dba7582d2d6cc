//! Integration tests of the oracle, one binary (see each module for what belongs there).

/// Helpers: volumes of both engines, whole-file I/O, trees, a scripted population.
mod support;

/// Images written by uvfs's `VfsLfs1` read by C littlefs 1.7 and the other way round, at
/// several geometries; mkfs byte for byte; the fixtures read by C; states cut by power loss
/// read alike.
mod interop;

/// The same random operation sequences on `VfsLfs1` and on C littlefs 1.7, every result,
/// errno, listing (in on-disk order) and free-block count compared.
mod diff;
