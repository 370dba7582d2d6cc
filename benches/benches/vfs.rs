//! The router's overhead: the same operations on the same backend, called directly (through
//! the `Filesystem` trait object a router holds) and through `Vfs` (path resolution, mount
//! lookup, handle translation).
//!
//! ```text
//! cargo bench -p uvfs-benches --bench vfs -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Targets (ratio = time through `Vfs` / time direct, same run): at most 1.03 on sequential
//! I/O, at most 1.10 on metadata operations. `MemFs` is included because it is the cheapest
//! backend there is: the router's share is largest there.

use uvfs::OpenMode;
use uvfs_benches::suites::{file_io, small_files, Ids};
use uvfs_benches::{ensure, pattern, Case, Kind, Outcome, Per, Session, Subject, Target};

const SEQ_TARGET: f64 = 1.03;
const META_TARGET: f64 = 1.10;

/// One `stat` and one open + close of an existing file, the cheapest metadata calls.
fn single_ops<S: Subject + uvfs_benches::Metered + Opener>(
    g: &mut uvfs_benches::Group<'_>,
    label: &str,
    prefix: &str,
    make: &dyn Fn() -> Outcome<S>,
) -> Ids {
    let path = format!("{prefix}/d/file.txt");
    let dir = format!("{prefix}/d");
    let setup = || {
        let mut s = make()?;
        s.mkdir(&dir)?;
        s.write_file(&path, &pattern(100, 1), 100)?;
        Ok(s)
    };
    let mut ids = Ids::new();
    let id = g.bench(
        "stat",
        label,
        Per::elements(1, "stat").passes(100),
        setup,
        |s| {
            let n = s.stat_size(&path)?;
            ensure(n == 100, || format!("{path}: size {n}"))
        },
    );
    ids.insert("stat".into(), id);
    let id = g.bench(
        "open_close",
        label,
        Per::elements(1, "open + close").passes(100),
        setup,
        |s| s.open_close(&path),
    );
    ids.insert("open_close".into(), id);
    ids
}

/// Opening and closing without reading, which `Subject` has no call for.
trait Opener {
    fn open_close(&mut self, path: &str) -> Outcome<()>;
}

impl Opener for uvfs_benches::Volume {
    fn open_close(&mut self, path: &str) -> Outcome<()> {
        let f = self.fs.open(path, OpenMode::READ)?;
        Ok(self.fs.close(f)?)
    }
}

impl Opener for uvfs_benches::Routed {
    fn open_close(&mut self, path: &str) -> Outcome<()> {
        let f = self.vfs.open(path, OpenMode::READ)?;
        Ok(self.vfs.close(f)?)
    }
}

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
            let size = case.large_file();
            let count = case.small_files().min(100);
            let direct_label = format!("{label}-direct");
            let vfs_label = format!("{label}-vfs");
            let direct = || case.volume();
            let routed = || case.volume()?.into_router("/mnt");
            let mut d = file_io(&mut g, &direct_label, "", size, &[4096], &direct);
            let mut r = file_io(&mut g, &vfs_label, "/mnt", size, &[4096], &routed);
            d.extend(small_files(&mut g, &direct_label, "", count, &direct));
            r.extend(small_files(&mut g, &vfs_label, "/mnt", count, &routed));
            d.extend(single_ops(&mut g, &direct_label, "", &direct));
            r.extend(single_ops(&mut g, &vfs_label, "/mnt", &routed));
            for (key, routed_id) in &r {
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
