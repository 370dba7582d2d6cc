#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

#[cfg(feature = "std")]
mod shared;
mod system;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use shared::{errno_of, to_io, File, PathError, SharedSystem};
pub use system::System;

pub use uvfs_os_api as os_api;
pub use uvfs_os_api::{
    BlockDevice, DirEntry, Errno, Error, FileType, Filesystem, MountOptions, OpenMode, Os, Result,
    SeekFrom, Stat, StatVfs,
};
pub use uvfs_vfs_core as vfs_core;
pub use uvfs_vfs_core::{BlockCache, RamDisk, Vfs};

/// `VfsFat` and friends (feature `fat`).
#[cfg(feature = "fat")]
#[cfg_attr(docsrs, doc(cfg(feature = "fat")))]
pub use uvfs_backend_fat as fat;
/// `VfsKv` (feature `kv`).
#[cfg(feature = "kv")]
#[cfg_attr(docsrs, doc(cfg(feature = "kv")))]
pub use uvfs_backend_kv as kv;
/// `VfsLfs1`/`VfsLfs2` (features `lfs1`, `lfs2`).
#[cfg(any(feature = "lfs1", feature = "lfs2"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "lfs1", feature = "lfs2"))))]
pub use uvfs_backend_lfs as lfs;
/// `VfsPosix` (feature `posix`).
#[cfg(feature = "posix")]
#[cfg_attr(docsrs, doc(cfg(feature = "posix")))]
pub use uvfs_backend_posix as posix;
/// `os.dupterm`'s terminal (feature `dupterm`).
#[cfg(feature = "dupterm")]
#[cfg_attr(docsrs, doc(cfg(feature = "dupterm")))]
pub use uvfs_term_dupterm as dupterm;
