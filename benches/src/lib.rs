#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod backends;
mod clock;
mod io;
mod nor;
pub mod raw;
mod report;
pub mod suites;
mod workload;

pub use backends::{scratch_dir, Case, Geometry, Kind, Routed, Volume, KV_PAGE, KV_WORD};
pub use clock::{BenchClock, ClockKind, ClockStart};
pub use io::{Counting, IoCost, IoCount, IoMeter};
pub use nor::{SimNor, SimNorError};
pub use report::{
    criterion_dir, fmt_ns, machine, median_ns, Group, Metered, Per, Session, Side, Target,
};
pub use workload::{
    ensure, pattern, populate, random_offsets, read_expecting, verify_file, write_verified,
    Failure, Outcome, SmallFiles, Subject,
};
