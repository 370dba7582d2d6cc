#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod boot;
mod check;
mod dir;
mod disk;
mod errno;
mod fat;
mod format;
mod fs;
mod mkfs;
mod time;
mod walk;

pub use boot::FatType;
pub use disk::DiskStats;
pub use format::FormatOptions;
pub use fs::{VfsFat, VolumeInfo, DEFAULT_CACHE_LINES};
