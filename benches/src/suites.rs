//! The benchmark suites every subject runs: the same ids, workloads and I/O accounting whether
//! the subject is a backend, the router in front of it, or a raw engine.

use std::collections::BTreeMap;

use crate::report::{Group, Metered, Per};
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

/// Benchmark ids a suite registered, by short key (`seq_write_512B`, `stat_each`, ...), so
/// callers can declare ratios between two subjects' runs of the same workload.
pub type Ids = BTreeMap<String, String>;

/// A subject that can be unmounted and mounted again (the mount benchmark).
pub trait Remount {
    /// Unmounts and mounts again.
    fn remount(&mut self) -> Outcome<()>;
}

/// Sequential write and read of a `size`-byte file in each of [`CHUNKS`], and
/// [`RANDOM_READS`] random 4 KiB reads of it, as benchmarks `seq_write`, `seq_read` and
/// `rand_read_4k` with parameter `{label}-{chunk}`. Paths start with `prefix` (the mount point
/// for a router, `""` otherwise); `make` gives a fresh subject for each benchmark.
pub fn file_io<S: Subject + Metered>(
    g: &mut Group<'_>,
    label: &str,
    prefix: &str,
    size: usize,
    chunks: &[usize],
    make: &dyn Fn() -> Outcome<S>,
) -> Ids {
    let mut ids = Ids::new();
    let path = format!("{prefix}/big.bin");
    let data = pattern(size, 1);
    for &chunk in chunks {
        let c = size_label(chunk);
        let unit = format!("{} written in {c} calls", size_label(size));
        let id = g.bench(
            "seq_write",
            &format!("{label}-{c}"),
            Per::bytes(size as u64, unit),
            make,
            |s| s.write_file(&path, &data, chunk),
        );
        ids.insert(format!("seq_write_{c}"), id);
    }
    for &chunk in chunks {
        let c = size_label(chunk);
        let unit = format!("{} read in {c} calls", size_label(size));
        let mut buf = vec![0u8; chunk];
        let id = g.bench(
            "seq_read",
            &format!("{label}-{c}"),
            Per::bytes(size as u64, unit),
            || {
                let mut s = make()?;
                write_verified(&mut s, &path, &data, 4096)?;
                Ok(s)
            },
            |s| read_expecting(s, &path, &mut buf, size as u64),
        );
        ids.insert(format!("seq_read_{c}"), id);
    }
    let offsets = random_offsets(size as u64, 4096, RANDOM_READS, 7);
    let mut buf = vec![0u8; 4096];
    let id = g.bench(
        "rand_read_4k",
        label,
        Per::bytes(
            (RANDOM_READS * 4096) as u64,
            format!("{RANDOM_READS} random 4 KiB reads"),
        ),
        || {
            let mut s = make()?;
            write_verified(&mut s, &path, &data, 4096)?;
            Ok(s)
        },
        |s| s.read_at(&path, &offsets, &mut buf),
    );
    ids.insert("rand_read_4k".into(), id);
    ids
}

/// The small-files benchmarks with `count` files of 256 bytes under `{prefix}/small`:
/// `small_cycle` (create, stat each, list, delete: one iteration leaves the volume as it was),
/// `stat_each` (stat every file) and `list` (list the directory), with parameter `label`.
pub fn small_files<S: Subject + Metered>(
    g: &mut Group<'_>,
    label: &str,
    prefix: &str,
    count: usize,
    make: &dyn Fn() -> Outcome<S>,
) -> Ids {
    let mut ids = Ids::new();
    let w = SmallFiles::new(prefix, count, 256);
    let n = count as u64;
    let id = g.bench(
        "small_cycle",
        label,
        Per::elements(n, "file (create + stat + 1/n list + delete)").passes(1),
        || {
            let mut s = make()?;
            w.prepare(&mut s)?;
            Ok(s)
        },
        |s| w.cycle(s),
    );
    ids.insert("small_cycle".into(), id);
    let populated = || {
        let mut s = make()?;
        w.prepare(&mut s)?;
        w.create(&mut s)?;
        Ok(s)
    };
    let id = g.bench(
        "stat_each",
        label,
        Per::elements(n, "stat"),
        populated,
        |s| w.stat_all(s),
    );
    ids.insert("stat_each".into(), id);
    let id = g.bench(
        "list",
        label,
        Per::elements(1, format!("listing of {count} entries")),
        populated,
        |s| w.list(s),
    );
    ids.insert("list".into(), id);
    ids
}

/// The shape of the populated image of the mount benchmark: 10 directories of 20 files of 256
/// bytes, and one large file.
pub const POPULATED: (usize, usize, usize) = (10, 20, 256);

/// `mount` with parameter `label`: unmount and mount again a volume populated with
/// [`POPULATED`] and a `big`-byte file.
pub fn mount<S: Subject + Metered + Remount>(
    g: &mut Group<'_>,
    label: &str,
    prefix: &str,
    big: usize,
    make: &dyn Fn() -> Outcome<S>,
) -> Ids {
    let (dirs, files, size) = POPULATED;
    let id = g.bench(
        "mount",
        label,
        Per::elements(1, "unmount + mount").passes(10),
        || {
            let mut s = make()?;
            populate(&mut s, prefix, dirs, files, size, big)?;
            Ok(s)
        },
        |s| s.remount(),
    );
    Ids::from([("mount".to_string(), id)])
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
