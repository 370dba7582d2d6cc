//! littlefs v1 (`VfsLfs1`) in pure safe Rust: on-disk version 1.1, as C littlefs 1.7 and
//! MicroPython's `VfsLfs1` write it.
//!
//! littlefs v1 and v2 C code share symbol names and cannot be linked into one program, so uvfs
//! implements v1 itself, from the format description in `shared/spec/littlefs-v1.md`. Images
//! it writes are read by C littlefs 1.7 and the other way round (see the `lfs1-oracle` crate).
//!
//! # Layers
//! | module | what |
//! |---|---|
//! | `bd` | block I/O: read cache, aligned programs, a cache of validated metadata blocks |
//! | `meta` | metadata pairs: fetch (CRC, revisions), entries, writing a revision |
//! | `ctz` | files as CTZ skip-lists: offsets, lookups, traversal |
//! | `alloc` | the lookahead allocator |
//! | `engine` | traversal, lookups, directory changes, deorphan, open-file registries |
//! | `file` | open files: copy-on-write sessions, sync |
//! | `fs` | [`VfsLfs1`]: the `Filesystem` protocol |
//!
//! # Power loss
//! Every metadata commit rewrites one block of a pair and is atomic; file data are
//! copy-on-write and become visible with the commit of their entry at `flush`/`close`. After a
//! power cut at any write, mount succeeds and every file has its old or its new content.
//! Recovery (deorphan: orphaned pairs, desynced tails, moved entries) runs before the first
//! change of a writable mount. **A read-only mount never writes**: lookups resolve moved
//! entries on the fly (a moved entry with a twin is hidden) and orphans are unreachable from the
//! tree, so nothing needs repairing to read; the medium is left untouched.
//!
//! # RAM
//! A read cache of `read_size` bytes, a lookahead bitmap of `lookahead / 8` bytes, up to four
//! cached metadata blocks, a block-sized buffer while a metadata block is rewritten, and one
//! `prog_size` buffer per open file that is writing.

#![forbid(unsafe_code)]

mod alloc;
mod bd;
mod config;
mod crc;
mod ctz;
mod engine;
mod errno;
mod file;
mod fs;
mod le;
mod meta;
mod table;

pub use config::{Lfs1Config, MIN_BLOCK_SIZE};
pub use errno::ECORRUPT;
pub use fs::{probe, Lfs1Info, VfsLfs1};
pub use meta::{DISK_VERSION, MAGIC};
