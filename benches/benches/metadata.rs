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

use uvfs_benches::suites::{boxed, mount, populate_for_mount, small_files, Remount, Subj};
use uvfs_benches::{Case, Kind, Outcome, Session};

fn main() {
    let session = Session::new("metadata");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "metadata");
        g.sample_size(10);
        for case in Case::all(Kind::PER_BACKEND) {
            let label = case.label();
            let make = || boxed(case.volume());
            let subject = Subj {
                label: &label,
                prefix: "",
                make: &make,
            };
            small_files(&mut g, &[subject], case.small_files());
            let populated = || -> Outcome<Box<dyn Remount>> {
                let mut v = case.volume()?;
                populate_for_mount(&mut v, "", case.large_file())?;
                Ok(Box::new(v))
            };
            mount(&mut g, &[(&label, &populated)]);
        }
        g.finish();
    }
    session.finish(c);
}
