#![doc = include_str!("../README.md")]
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

mod block;
mod errno;
mod fs;
#[cfg(feature = "alloc")]
mod handles;
mod impls;
#[cfg(feature = "alloc")]
mod os;
pub mod path;
mod stream;
mod time;
mod types;

pub use block::{check_range, BlockCount, BlockDevice, BlockIdx};
pub use errno::{Errno, Error, Result};
pub use fs::Filesystem;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use handles::{Handle, HandleSlab};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use os::{BoxedFilesystem, BoxedStream, MountInfo, MountOptions, Os, Uname};
pub use stream::{ReadStatus, Stream, WriteStatus};
pub use time::{EntropySource, FixedTime, TimeSource, Timestamp};
pub use types::{
    DirEntry, DirHandle, FileHandle, FileType, Name, OpenMode, SeekFrom, Stat, StatVfs, NAME_MAX,
};
