#![doc = include_str!("../README.md")]
#![no_std]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

#[cfg(feature = "lfs1")]
#[cfg_attr(docsrs, doc(cfg(feature = "lfs1")))]
pub mod lfs1;
#[cfg(feature = "lfs2")]
#[cfg_attr(docsrs, doc(cfg(feature = "lfs2")))]
pub mod lfs2;
