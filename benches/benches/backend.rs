//! Per backend and geometry: sequential write and read of a large file in 512 B, 4 KiB and
//! 64 KiB calls, and random 4 KiB reads of it, each with the device I/O it cost.
//!
//! ```text
//! cargo bench -p uvfs-benches --bench backend -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Every backend of `Kind::PER_BACKEND` runs at each of its geometries (see `Case`); the file
//! is 1 MiB, or a quarter of the volume where that is smaller (kv).

use uvfs_benches::suites::{boxed, file_io, Subj, CHUNKS};
use uvfs_benches::{Case, Kind, Session};

fn main() {
    let session = Session::new("backend");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "backend");
        g.sample_size(10);
        for case in Case::all(Kind::PER_BACKEND) {
            let label = case.label();
            let make = || boxed(case.volume());
            let subject = Subj {
                label: &label,
                prefix: "",
                make: &make,
            };
            file_io(&mut g, &[subject], case.large_file(), &CHUNKS);
        }
        g.finish();
    }
    session.finish(c);
}
