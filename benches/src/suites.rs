//! The benchmark suites every subject runs: the same ids, workloads and I/O accounting whether
//! the subject is a backend, the router in front of it, or a raw engine. Each suite takes one
//! subject or several; several are also timed interleaved (see [`Group::bench_sides`]), which
//! is what their ratios use.

use std::collections::BTreeMap;

use crate::report::{Group, Metered, Per, Side};
use crate::workload::{
    pattern, populate, random_offsets, read_expecting, write_verified, Outcome, SmallFiles, Subject,
};

/// The call sizes of the sequential benchmarks: 512 B, 4 KiB and 64 KiB.
pub const CHUNKS: [usize; 3] = [512, 4096, 65536];

/// Random reads per iteration of `rand_read_4k` (one open, then seek + read each).
pub const RANDOM_READS: usize = 32;

/// `512B`, `4KiB`, `64KiB`.
pub fn size_label(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{}MiB", bytes >> 20)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{}KiB", bytes >> 10)
    } else {
        format!("{bytes}B")
    }
}

/// Benchmark ids a suite registered for one subject, by short key (`seq_write_512B`,
/// `stat_each`, ...), so callers can declare ratios between two subjects' runs of the same
/// workload.
pub type Ids = BTreeMap<String, String>;

/// A subject of the file suites: anything the workloads run on whose device I/O is counted.
pub trait Sub: Subject + Metered {}

impl<T: Subject + Metered> Sub for T {}

/// The boxed subjects' type.
pub type DynSub = dyn Sub + 'static;

/// The boxed mount states' type.
pub type DynRemount = dyn Remount + 'static;

/// Makes a fresh subject of the file suites.
pub type MakeSub<'a> = &'a dyn Fn() -> Outcome<Box<dyn Sub>>;

/// Boxes a factory's result for the suites.
///
/// ```
/// use uvfs_benches::suites::boxed;
/// use uvfs_benches::{Case, Kind};
///
/// let case = Case::all(&[Kind::MemFs])[0];
/// let make = || boxed(case.volume());
/// assert!(make().is_ok());
/// ```
pub fn boxed<S: Sub + 'static>(s: Outcome<S>) -> Outcome<Box<dyn Sub>> {
    s.map(|s| Box::new(s) as Box<dyn Sub>)
}

/// One subject of a suite: its benchmark label, the path prefix its files live under (the mount
/// point for a router, `""` otherwise) and its factory.
#[derive(Clone, Copy)]
pub struct Subj<'a> {
    /// The benchmark parameter's first part (`lfs2-4096x2048`, `littlefs2-4096x2048`).
    pub label: &'a str,
    /// Prefix of every path.
    pub prefix: &'a str,
    /// A fresh, mounted subject.
    pub make: MakeSub<'a>,
}

/// Sequential write (alternating between two contents, so no layer can skip a write that
/// changes nothing) and read of a `size`-byte file in each of `chunks`, and [`RANDOM_READS`]
/// random 4 KiB reads of it: benchmarks `seq_write`, `seq_read` (parameter `{label}-{chunk}`)
/// and `rand_read_4k` (parameter `label`). Returns each subject's ids.
pub fn file_io(
    g: &mut Group<'_>,
    subjects: &[Subj<'_>],
    size: usize,
    chunks: &[usize],
) -> Vec<Ids> {
    let mut ids = vec![Ids::new(); subjects.len()];
    let paths: Vec<String> = subjects
        .iter()
        .map(|s| format!("{}/big.bin", s.prefix))
        .collect();
    let data = pattern(size, 1);
    let other = pattern(size, 2);
    let (data, other) = (&data, &other);
    for &chunk in chunks {
        let c = size_label(chunk);
        let sides = subjects
            .iter()
            .zip(&paths)
            .map(|(sub, path)| {
                let mut flip = false;
                Side::new(
                    format!("{}-{c}", sub.label),
                    sub.make,
                    move |s: &mut DynSub| {
                        flip = !flip;
                        s.write_file(path, if flip { other } else { data }, chunk)
                    },
                )
            })
            .collect();
        let per = Per::bytes(
            size as u64,
            format!("{} written in {c} calls", size_label(size)),
        );
        record(
            &mut ids,
            &format!("seq_write_{c}"),
            g.bench_sides("seq_write", per, sides),
        );
    }
    let written = |sub: &Subj<'_>, path: &str| {
        let mut s = (sub.make)()?;
        write_verified(&mut *s, path, data, 4096)?;
        Ok(s)
    };
    for &chunk in chunks {
        let c = size_label(chunk);
        let sides = subjects
            .iter()
            .zip(&paths)
            .map(|(sub, path)| {
                let mut buf = vec![0u8; chunk];
                Side::new(
                    format!("{}-{c}", sub.label),
                    move || written(sub, path),
                    move |s: &mut DynSub| read_expecting(s, path, &mut buf, size as u64),
                )
            })
            .collect();
        let per = Per::bytes(
            size as u64,
            format!("{} read in {c} calls", size_label(size)),
        );
        record(
            &mut ids,
            &format!("seq_read_{c}"),
            g.bench_sides("seq_read", per, sides),
        );
    }
    let offsets = random_offsets(size as u64, 4096, RANDOM_READS, 7);
    let offsets = &offsets;
    let sides = subjects
        .iter()
        .zip(&paths)
        .map(|(sub, path)| {
            let mut buf = vec![0u8; 4096];
            Side::new(
                sub.label,
                move || written(sub, path),
                move |s: &mut DynSub| s.read_at(path, offsets, &mut buf),
            )
        })
        .collect();
    let per = Per::bytes(
        (RANDOM_READS * 4096) as u64,
        format!("{RANDOM_READS} random 4 KiB reads"),
    );
    record(
        &mut ids,
        "rand_read_4k",
        g.bench_sides("rand_read_4k", per, sides),
    );
    ids
}

fn record(ids: &mut [Ids], key: &str, got: Vec<String>) {
    for (map, id) in ids.iter_mut().zip(got) {
        map.insert(key.to_string(), id);
    }
}

/// The small-files benchmarks with `count` files of 256 bytes under `{prefix}/small`:
/// `small_cycle` (create, stat each, list, delete: one iteration leaves the volume as it was),
/// `stat_each` (stat every file) and `list` (list the directory), with parameter `label`.
pub fn small_files(g: &mut Group<'_>, subjects: &[Subj<'_>], count: usize) -> Vec<Ids> {
    let mut ids = vec![Ids::new(); subjects.len()];
    let works: Vec<SmallFiles> = subjects
        .iter()
        .map(|s| SmallFiles::new(s.prefix, count, 256))
        .collect();
    let n = count as u64;
    // One side per subject: its volume prepared (with the files made first if `create`),
    // then `op` timed on it.
    let sides = |create: bool, op: fn(&SmallFiles, &mut DynSub) -> Outcome<()>| {
        subjects
            .iter()
            .zip(&works)
            .map(move |(sub, w)| {
                Side::new(
                    sub.label,
                    move || {
                        let mut s = (sub.make)()?;
                        w.prepare(&mut *s)?;
                        if create {
                            w.create(&mut *s)?;
                        }
                        Ok(s)
                    },
                    move |s: &mut DynSub| op(w, s),
                )
            })
            .collect()
    };
    let per = Per::elements(n, "file (create + stat + 1/n list + delete)").passes(1);
    record(
        &mut ids,
        "small_cycle",
        g.bench_sides("small_cycle", per, sides(false, |w, s| w.cycle(s))),
    );
    record(
        &mut ids,
        "stat_each",
        g.bench_sides(
            "stat_each",
            Per::elements(n, "stat"),
            sides(true, |w, s| w.stat_all(s)),
        ),
    );
    let per = Per::elements(1, format!("listing of {count} entries"));
    let sides = sides(true, |w, s| w.list(s));
    record(&mut ids, "list", g.bench_sides("list", per, sides));
    ids
}

/// The cheapest metadata calls on an existing file `{prefix}/d/file.txt`: `stat` (one stat)
/// and `open_close` (open for reading, close), with parameter `label`.
pub fn single_ops(g: &mut Group<'_>, subjects: &[Subj<'_>]) -> Vec<Ids> {
    let mut ids = vec![Ids::new(); subjects.len()];
    let paths: Vec<(String, String)> = subjects
        .iter()
        .map(|s| {
            (
                format!("{}/d", s.prefix),
                format!("{}/d/file.txt", s.prefix),
            )
        })
        .collect();
    let setup = |sub: &Subj<'_>, dir: &str, path: &str| {
        let mut s = (sub.make)()?;
        s.mkdir(dir)?;
        s.write_file(path, &pattern(100, 1), 100)?;
        Ok(s)
    };
    let sides = subjects
        .iter()
        .zip(&paths)
        .map(|(sub, (dir, path))| {
            Side::new(
                sub.label,
                move || setup(sub, dir, path),
                move |s: &mut DynSub| {
                    let n = s.stat_size(path)?;
                    crate::ensure(n == 100, || format!("{path}: size {n}"))
                },
            )
        })
        .collect();
    let per = Per::elements(1, "stat").passes(100);
    record(&mut ids, "stat", g.bench_sides("stat", per, sides));
    let sides = subjects
        .iter()
        .zip(&paths)
        .map(|(sub, (dir, path))| {
            Side::new(
                sub.label,
                move || setup(sub, dir, path),
                move |s: &mut DynSub| s.open_close(path),
            )
        })
        .collect();
    let per = Per::elements(1, "open + close").passes(100);
    record(
        &mut ids,
        "open_close",
        g.bench_sides("open_close", per, sides),
    );
    ids
}

/// A state the mount benchmark can unmount and mount again.
pub trait Remount: Metered {
    /// Unmounts (where the engine has an unmount) and mounts again.
    fn remount(&mut self) -> Outcome<()>;
}

/// Makes a populated state for the mount benchmark.
pub type MakeRemount<'a> = &'a dyn Fn() -> Outcome<Box<dyn Remount>>;

/// The shape of the populated image of the mount benchmark: 10 directories of 20 files of 256
/// bytes, and one large file.
pub const POPULATED: (usize, usize, usize) = (10, 20, 256);

/// Fills `s` as [`POPULATED`] says, with a `big`-byte large file, under `prefix`.
pub fn populate_for_mount<S: Subject + ?Sized>(s: &mut S, prefix: &str, big: usize) -> Outcome<()> {
    let (dirs, files, size) = POPULATED;
    populate(s, prefix, dirs, files, size, big)
}

/// `mount` with parameter `label` for each `(label, make)`: remount a volume `make` returns
/// already populated (see [`populate_for_mount`]).
pub fn mount(g: &mut Group<'_>, subjects: &[(&str, MakeRemount<'_>)]) -> Vec<Ids> {
    let sides = subjects
        .iter()
        .map(|&(label, make)| Side::new(label, make, |s: &mut DynRemount| s.remount()))
        .collect();
    let per = Per::elements(1, "remount").passes(10);
    g.bench_sides("mount", per, sides)
        .into_iter()
        .map(|id| Ids::from([("mount".to_string(), id)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_labelled_in_binary_units() {
        assert_eq!(size_label(512), "512B");
        assert_eq!(size_label(4096), "4KiB");
        assert_eq!(size_label(65536), "64KiB");
        assert_eq!(size_label(1 << 20), "1MiB");
        assert_eq!(size_label(1000), "1000B");
    }
}
