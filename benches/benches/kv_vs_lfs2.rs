//! `VfsKv` against `VfsLfs2` on the same small partition: 64 KiB of flash in 4 KiB erase
//! sectors (16), the size of a configuration partition, both on a counting RAM flash, both with
//! their defaults (LFS2: MicroPython's 32/32/32 geometry, mtime on). Throughput, and the flash
//! bytes programmed and erased per byte of user data (the I/O table's `programmed/data` and
//! `erased/data` columns).
//!
//! ```text
//! cargo bench -p uvfs-benches --bench kv_vs_lfs2 -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! Workloads (one iteration each, the two sides timed interleaved):
//! - `update_{64B,1KiB}`: [`UPDATES`] whole-file rewrites (open for writing, one write, close)
//!   cycling over [`KEYS`] existing files, each rewrite with content different from the file's
//!   previous one: the config-store pattern. The I/O count averages over enough iterations to
//!   write at least twice the partition, so it includes the compactions (kv) and block
//!   reclaims (littlefs) a full partition forces;
//! - `blob_8KiB`: rewriting one 8 KiB file (a certificate, a calibration table);
//! - `read_{64B,1KiB}`: reading the [`KEYS`] files back, each checked.
//!
//! Ratio = kv time / LFS2 time (no target: the issue asks for the comparison, not a winner).

use uvfs_benches::suites::{boxed, size_label, DynSub};
use uvfs_benches::{ensure, pattern, Case, Geometry, Kind, Outcome, Per, Session, Side, Target};

/// The partition: 16 erase sectors of 4 KiB.
const PARTITION: Geometry = Geometry::new(4096, 16);
/// Files of the update and read workloads.
const KEYS: usize = 8;
/// Rewrites per iteration of an update workload.
const UPDATES: usize = 64;
/// Value sizes of the update and read workloads.
const VALUES: [usize; 2] = [64, 1024];
/// The large file of the blob workload.
const BLOB: usize = 8192;
/// Each update workload's I/O count covers at least this many bytes of user data.
const IO_SPAN: usize = 2 * PARTITION.bytes() as usize;

const TABLE: &str = "kv / LFS2 on a 64 KiB partition (4 KiB sectors)";

/// The files and the three contents they cycle through.
struct Values {
    paths: Vec<String>,
    contents: [Vec<u8>; 3],
}

impl Values {
    fn new(size: usize) -> Values {
        Values {
            paths: (0..KEYS).map(|k| format!("/cfg{k}.bin")).collect(),
            contents: [1, 2, 3].map(|seed| pattern(size, seed * 1000 + size as u64)),
        }
    }

    /// The content of rewrite number `n` (of file `n % KEYS`): successive rewrites of one file
    /// differ, so no layer can skip one.
    fn content(&self, n: usize) -> &[u8] {
        &self.contents[(n / KEYS) % 3]
    }

    /// A fresh volume of `case` with every file written once (content 0).
    fn volume(&self, case: Case) -> Outcome<Box<DynSub>> {
        let mut s = boxed(case.volume())?;
        for p in &self.paths {
            s.write_file(p, &self.contents[0], self.contents[0].len())?;
        }
        Ok(s)
    }

    /// [`UPDATES`] rewrites from rewrite number `*next` on.
    fn update(&self, s: &mut DynSub, next: &mut usize) -> Outcome<()> {
        for _ in 0..UPDATES {
            let data = self.content(*next);
            s.write_file(&self.paths[*next % KEYS], data, data.len())?;
            *next += 1;
        }
        Ok(())
    }

    /// Reads every file back and checks it holds content 0.
    fn read_all(&self, s: &mut DynSub, buf: &mut [u8]) -> Outcome<()> {
        let expected = &self.contents[0];
        for p in &self.paths {
            s.read_at(p, &[0], buf)?;
            ensure(buf == expected.as_slice(), || {
                format!("{p}: content differs")
            })?;
        }
        Ok(())
    }
}

fn cases() -> [Case; 2] {
    [Kind::Kv, Kind::Lfs2].map(|kind| Case {
        kind,
        geometry: Some(PARTITION),
    })
}

fn main() {
    let session = Session::new("kv_vs_lfs2");
    let mut c = Session::criterion();
    {
        let mut g = session.group(&mut c, "kv_vs_lfs2");
        g.sample_size(10);
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        for size in VALUES {
            let values = Values::new(size);
            let values = &values;
            let s = size_label(size);
            let sides = cases()
                .into_iter()
                .map(|case| {
                    let mut next = KEYS;
                    Side::new(
                        case.label(),
                        move || values.volume(case),
                        move |st: &mut DynSub| values.update(st, &mut next),
                    )
                })
                .collect();
            let user = UPDATES * size;
            let per = Per::bytes(user as u64, format!("{UPDATES} rewrites of a {s} file"))
                .passes(IO_SPAN.div_ceil(user).max(2) as u32);
            rows.push((
                format!("update_{s}"),
                g.bench_sides(&format!("update_{s}"), per, sides),
            ));
        }
        let blob = [pattern(BLOB, 41), pattern(BLOB, 42)];
        let blob = &blob;
        let sides = cases()
            .into_iter()
            .map(|case| {
                let mut flip = false;
                Side::new(
                    case.label(),
                    move || boxed(case.volume()),
                    move |st: &mut DynSub| {
                        flip = !flip;
                        st.write_file("/blob.bin", &blob[usize::from(flip)], 4096)
                    },
                )
            })
            .collect();
        let per = Per::bytes(BLOB as u64, "8 KiB file rewritten in 4 KiB calls").passes(8);
        rows.push(("blob_8KiB".into(), g.bench_sides("blob_8KiB", per, sides)));
        for size in VALUES {
            let values = Values::new(size);
            let values = &values;
            let s = size_label(size);
            let sides = cases()
                .into_iter()
                .map(|case| {
                    let mut buf = vec![0u8; size];
                    Side::new(
                        case.label(),
                        move || values.volume(case),
                        move |st: &mut DynSub| values.read_all(st, &mut buf),
                    )
                })
                .collect();
            let per = Per::bytes((KEYS * size) as u64, format!("{KEYS} files of {s} read"));
            rows.push((
                format!("read_{s}"),
                g.bench_sides(&format!("read_{s}"), per, sides),
            ));
        }
        for (what, ids) in rows {
            if let [kv, lfs2] = ids.as_slice() {
                session.ratio(TABLE, what, kv.clone(), lfs2.clone(), Target::None);
            }
        }
        g.finish();
    }
    session.finish(c);
}
