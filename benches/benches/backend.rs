//! Per backend and geometry: sequential write and read of a large file in 512 B, 4 KiB and
//! 64 KiB calls, and random 4 KiB reads of it, each with the device I/O it cost.
//!
//! ```text
//! cargo bench -p uvfs-benches --bench backend -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Every backend of `Kind::PER_BACKEND` runs at each of its geometries (see `Case`); the file
//! is 1 MiB, or a quarter of the volume where that is smaller (kv).

use uvfs_benches::suites::{file_io, CHUNKS};
use uvfs_benches::{Case, Kind, Session};

fn main() {
    let session = Session::new("backend");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "backend");
        g.sample_size(10);
        for case in Case::all(Kind::PER_BACKEND) {
            file_io(
                &mut g,
                &case.label(),
                "",
                case.large_file(),
                &CHUNKS,
                &|| case.volume(),
            );
        }
        g.finish();
    }
    session.finish(c);
}
