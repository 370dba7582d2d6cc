//! Per backend and geometry: small files (1000 × 256 B created, stat'ed, listed, deleted) and
//! the mount of a populated image, each with the device I/O it cost.
//!
//! ```text
//! cargo bench -p uvfs-benches --bench metadata -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The populated image holds 10 directories of 20 files of 256 B and a large file (1 MiB, or a
//! quarter of the volume for kv). kv volumes hold fewer than 1000 small files (see
//! `Case::small_files`).

use uvfs_benches::suites::{mount, small_files};
use uvfs_benches::{Case, Kind, Session};

fn main() {
    let session = Session::new("metadata");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "metadata");
        g.sample_size(10);
        for case in Case::all(Kind::PER_BACKEND) {
            let label = case.label();
            small_files(&mut g, &label, "", case.small_files(), &|| case.volume());
            mount(&mut g, &label, "", case.large_file(), &|| case.volume());
        }
        g.finish();
    }
    session.finish(c);
}
