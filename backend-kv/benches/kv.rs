//! `VfsKv` throughput on a small partition (64 KiB: sixteen 4 KiB sectors, 4-byte words), and
//! the flash bytes it programs per byte of file data.
//!
//! ```text
//! cargo bench -p uvfs-backend-kv --bench kv
//! ```
//!
//! Throughput comes from criterion. Bytes programmed per byte of user data are counted by the
//! [`RamFlash`] under the filesystem, over a fixed run of each workload, and printed after the
//! benchmarks.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use uvfs_backend_kv::{RamFlash, VfsKv};
use uvfs_os_api::{Filesystem, OpenMode};

type Flash = RamFlash<4, 4096>;
const SECTORS: usize = 16;

fn volume() -> VfsKv<Flash> {
    let mut fs = VfsKv::new(Flash::new(SECTORS)).expect("geometry");
    fs.mount(false, true).expect("mkfs");
    fs
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

fn write_file(fs: &mut VfsKv<Flash>, path: &str, bytes: &[u8]) {
    let f = fs.open(path, OpenMode::WRITE).expect("open");
    let dynfs: &mut dyn Filesystem = fs;
    dynfs.write_all(f, bytes).expect("write");
    fs.close(f).expect("close");
}

fn read_file(fs: &mut VfsKv<Flash>, path: &str, buf: &mut [u8]) -> usize {
    let f = fs.open(path, OpenMode::READ).expect("open");
    let dynfs: &mut dyn Filesystem = fs;
    let n = dynfs.read_full(f, buf).expect("read");
    fs.close(f).expect("close");
    n
}

/// The workloads: a name, the file size, and what one iteration does.
const CONFIG: usize = 256;
const BLOB: usize = 16 * 1024;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("kv");

    group.throughput(Throughput::Bytes(CONFIG as u64));
    group.bench_function(BenchmarkId::new("rewrite", CONFIG), |b| {
        let mut fs = volume();
        let bytes = data(CONFIG, 1);
        b.iter(|| write_file(&mut fs, "/config.txt", black_box(&bytes)));
    });

    group.throughput(Throughput::Bytes(BLOB as u64));
    group.bench_function(BenchmarkId::new("rewrite", BLOB), |b| {
        let mut fs = volume();
        let bytes = data(BLOB, 2);
        b.iter(|| write_file(&mut fs, "/blob.bin", black_box(&bytes)));
    });

    group.bench_function(BenchmarkId::new("read", BLOB), |b| {
        let mut fs = volume();
        write_file(&mut fs, "/blob.bin", &data(BLOB, 3));
        let mut buf = vec![0u8; BLOB];
        b.iter(|| black_box(read_file(&mut fs, "/blob.bin", &mut buf)));
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function("mount_20_files", |b| {
        let mut fs = volume();
        for i in 0..20 {
            write_file(&mut fs, &format!("/f{i}"), &data(300, i as u8));
        }
        fs.umount().expect("umount");
        b.iter(|| {
            fs.mount(false, false).expect("mount");
            fs.umount().expect("umount");
        });
    });
    group.finish();
}

/// Flash bytes programmed per byte of file data over `rounds` rewrites of a `len`-byte file.
fn amplification(len: usize, rounds: usize) -> (f64, u64) {
    let mut fs = volume();
    let flash_before = fs.flash().map_or(0, |f| f.stats().bytes_written);
    for r in 0..rounds {
        write_file(&mut fs, "/file", &data(len, r as u8));
    }
    let stats = fs.flash().map(|f| f.stats()).unwrap_or_default();
    let written = stats.bytes_written - flash_before;
    (written as f64 / (len * rounds) as f64, stats.erases)
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();

    println!("\nflash bytes programmed per byte of file data (64 KiB partition, 4 KiB sectors):");
    println!("| workload | VfsKv | erases |");
    println!("|---|---|---|");
    for (name, len, rounds) in [
        ("rewrite 256 B x 500", CONFIG, 500),
        ("rewrite 16 KiB x 40", BLOB, 40),
    ] {
        let (ratio, erases) = amplification(len, rounds);
        println!("| {name} | {ratio:.2} | {erases} |");
    }
}
