#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod conformance;
pub mod diff;
mod faulty;
pub mod fixtures;
mod memfs;
pub mod micropython;
pub mod profile;
pub mod strategy;

pub use diff::{Mismatch, Op};
pub use faulty::{
    cut_points_from_env, sweep_power_cuts, CutCoverage, CutPoint, CutPoints, Faults, FaultyDevice,
    IoStats, SharedDevice, SweepOptions, CUT_POINTS_VAR,
};
pub use memfs::{MemFs, MEMFS_BLOCK_SIZE, MEMFS_DEFAULT_BLOCKS};
pub use profile::{Action, Append, Profile, Rules};
