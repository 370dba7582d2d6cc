//! The router's overhead: the same operations on the same backend, called directly (through
//! the `Filesystem` trait object a router holds) and through `Vfs` (path resolution, mount
//! lookup, handle translation).
//!
//! ```text
//! cargo bench -p uvfs-benches --bench vfs -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Targets (ratio = time through `Vfs` / time direct, interleaved in the same run): at most
//! 1.03 on sequential and random I/O, at most 1.10 on metadata operations. `MemFs` is included
//! because it is the cheapest backend there is: the router's share is largest there.

use uvfs_benches::suites::{boxed, file_io, single_ops, small_files, Ids, Subj};
use uvfs_benches::{Case, Kind, Session, Target};

const SEQ_TARGET: f64 = 1.03;
const META_TARGET: f64 = 1.10;

fn main() {
    let session = Session::new("vfs");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "vfs");
        g.sample_size(20);
        let mut kinds = Kind::PER_BACKEND.to_vec();
        kinds.push(Kind::MemFs);
        for case in Case::all(&kinds) {
            let label = case.label();
            let direct_label = format!("{label}-direct");
            let vfs_label = format!("{label}-vfs");
            let direct = || boxed(case.volume());
            let routed = || boxed(case.volume()?.into_router("/mnt"));
            let subjects = [
                Subj {
                    label: &direct_label,
                    prefix: "",
                    make: &direct,
                },
                Subj {
                    label: &vfs_label,
                    prefix: "/mnt",
                    make: &routed,
                },
            ];
            let mut ids: Vec<Ids> = file_io(&mut g, &subjects, case.large_file(), &[4096]);
            let more = small_files(&mut g, &subjects, case.small_files().min(100));
            let single = single_ops(&mut g, &subjects);
            for (all, (m, s)) in ids.iter_mut().zip(more.into_iter().zip(single)) {
                all.extend(m);
                all.extend(s);
            }
            let (d, r) = (&ids[0], &ids[1]);
            for (key, routed_id) in r {
                let Some(direct_id) = d.get(key) else {
                    continue;
                };
                let sequential = key.starts_with("seq_") || key.starts_with("rand_");
                let (table, target) = if sequential {
                    ("Router overhead: sequential and random I/O", SEQ_TARGET)
                } else {
                    ("Router overhead: metadata", META_TARGET)
                };
                session.ratio(
                    table,
                    format!("{label} {key}"),
                    routed_id.clone(),
                    direct_id.clone(),
                    Target::AtMost(target),
                );
            }
        }
        g.finish();
    }
    session.finish(c);
}
