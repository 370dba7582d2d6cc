#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod cache;
pub mod detect;
mod disk;
mod mount;
mod nor;
pub mod path;
mod rmw;
#[cfg(feature = "std")]
mod std_impls;

pub use cache::{BlockCache, CacheStats};
pub use disk::RamDisk;
pub use mount::{UnameFields, Vfs};
pub use nor::FromNorFlash;
pub use rmw::DiskOnFlash;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use std_impls::{FileDisk, OsEntropy, SystemClock};
