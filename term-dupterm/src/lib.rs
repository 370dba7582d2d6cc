#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The front page links the std streams, which a no_std build does not have.
#![cfg_attr(not(feature = "std"), allow(rustdoc::broken_intra_doc_links))]

extern crate alloc;

#[cfg(feature = "std")]
mod errno;
mod event;
#[cfg(feature = "std")]
mod pipe;
mod slot;
#[cfg(feature = "std")]
mod std_streams;
mod terminal;

pub use event::{DetachReason, Event, Overflow};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use pipe::{pipe, PipeEnd};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use std_streams::FromTcp;
#[cfg(all(feature = "std", unix))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "std", unix))))]
pub use std_streams::FromUnix;
pub use terminal::{Terminal, DEFAULT_INPUT_CAPACITY, DEFAULT_OUTPUT_CAPACITY, MAX_SLOTS};
