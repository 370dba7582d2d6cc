//! `VfsLfs2` against the `littlefs2` crate's own safe API on the same C engine, the same
//! geometry (512-byte blocks x 1024, read/prog 32, cache 128, lookahead 32 bytes, block cycles
//! 100) and the same workloads, both on RAM:
//! - `small_files`: format, mount, write 64 files of 700 bytes, read them back, unmount;
//! - `big_file`: format, mount, write 192 KiB in 4 KiB chunks, read it back in 4 KiB chunks.
//!
//! `cargo bench -p uvfs-backend-lfs --bench lfs2`; the ratio `VfsLfs2 / littlefs2` of the times
//! is the cost of uvfs's layer (run-time geometry, handles, work budget, block-sized engine
//! calls) and, with `mtime=True` (MicroPython's default, which the littlefs2 crate does not
//! do), of the attribute written with every file; `VfsLfs2-no-mtime` leaves that out.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use littlefs2::consts::{U128, U4};
use littlefs2::driver::Storage;
use littlefs2::fs::{Allocation, Filesystem as Lfs2Fs};
use littlefs2::path::Path;
use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{Filesystem, OpenMode};
use uvfs_vfs_core::RamDisk;

const BS: usize = 512;
const BC: usize = 1024;
const SMALL: usize = 64;
const SMALL_LEN: usize = 700;
const BIG: usize = 192 * 1024;
const CHUNK: usize = 4096;

/// RAM for the littlefs2 crate: erase sets 0xFF, as on flash (and as `RamDisk::new_flash`).
struct Ram(Vec<u8>);

impl Storage for Ram {
    const READ_SIZE: usize = 32;
    const WRITE_SIZE: usize = 32;
    const BLOCK_SIZE: usize = BS;
    const BLOCK_COUNT: usize = BC;
    const BLOCK_CYCLES: isize = 100;
    type CACHE_SIZE = U128;
    type LOOKAHEAD_SIZE = U4; // 4 x 8 bytes = MicroPython's lookahead=32

    fn read(&mut self, off: usize, buf: &mut [u8]) -> littlefs2::io::Result<usize> {
        buf.copy_from_slice(&self.0[off..off + buf.len()]);
        Ok(buf.len())
    }
    fn write(&mut self, off: usize, data: &[u8]) -> littlefs2::io::Result<usize> {
        self.0[off..off + data.len()].copy_from_slice(data);
        Ok(data.len())
    }
    fn erase(&mut self, off: usize, len: usize) -> littlefs2::io::Result<usize> {
        self.0[off..off + len].fill(0xff);
        Ok(len)
    }
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

fn name(i: usize) -> String {
    format!("f{i:03}\0")
}

fn lfs2_small() {
    let mut ram = Ram(vec![0xff; BS * BC]);
    Lfs2Fs::format(&mut ram).unwrap();
    let mut alloc = Allocation::new();
    let fs = Lfs2Fs::mount(&mut alloc, &mut ram).unwrap();
    let content = data(SMALL_LEN, 1);
    for i in 0..SMALL {
        let n = name(i);
        fs.write(Path::from_str_with_nul(&n).unwrap(), &content)
            .unwrap();
    }
    let mut buf = vec![0u8; SMALL_LEN];
    for i in 0..SMALL {
        let n = name(i);
        let got = fs
            .open_file_and_then(Path::from_str_with_nul(&n).unwrap(), |f| f.read(&mut buf))
            .unwrap();
        assert_eq!(got, SMALL_LEN);
    }
}

fn lfs2_big() {
    let mut ram = Ram(vec![0xff; BS * BC]);
    Lfs2Fs::format(&mut ram).unwrap();
    let mut alloc = Allocation::new();
    let fs = Lfs2Fs::mount(&mut alloc, &mut ram).unwrap();
    let chunk = data(CHUNK, 2);
    let path = Path::from_str_with_nul("big\0").unwrap();
    fs.create_file_and_then(path, |f| {
        for _ in 0..BIG / CHUNK {
            f.write(&chunk)?;
        }
        Ok(())
    })
    .unwrap();
    let mut buf = vec![0u8; CHUNK];
    let total = fs
        .open_file_and_then(path, |f| {
            let mut total = 0;
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    return Ok(total);
                }
                total += n;
            }
        })
        .unwrap();
    assert_eq!(total, BIG);
}

fn uvfs(mtime: bool) -> VfsLfs2<RamDisk> {
    let cfg = Lfs2Config {
        mtime,
        ..Lfs2Config::default()
    };
    let mut fs = VfsLfs2::new(RamDisk::new_flash(BS as u32, BC as u32), cfg).unwrap();
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    fs
}

fn uvfs_small(mtime: bool) {
    let mut fs = uvfs(mtime);
    let content = data(SMALL_LEN, 1);
    for i in 0..SMALL {
        let f = fs.open(&format!("/f{i:03}"), OpenMode::WRITE).unwrap();
        fs.write(f, &content).unwrap();
        fs.close(f).unwrap();
    }
    let mut buf = vec![0u8; SMALL_LEN];
    for i in 0..SMALL {
        let f = fs.open(&format!("/f{i:03}"), OpenMode::READ).unwrap();
        assert_eq!(fs.read(f, &mut buf).unwrap(), SMALL_LEN);
        fs.close(f).unwrap();
    }
    fs.umount().unwrap();
}

fn uvfs_big(mtime: bool) {
    let mut fs = uvfs(mtime);
    let chunk = data(CHUNK, 2);
    let f = fs.open("/big", OpenMode::WRITE).unwrap();
    for _ in 0..BIG / CHUNK {
        assert_eq!(fs.write(f, &chunk).unwrap(), CHUNK);
    }
    fs.close(f).unwrap();
    let f = fs.open("/big", OpenMode::READ).unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0;
    loop {
        let n = fs.read(f, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    fs.close(f).unwrap();
    assert_eq!(total, BIG);
    fs.umount().unwrap();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lfs2_small_files");
    g.throughput(Throughput::Bytes((SMALL * SMALL_LEN * 2) as u64));
    g.bench_function(BenchmarkId::new("littlefs2", "64x700"), |b| {
        b.iter(lfs2_small)
    });
    g.bench_function(BenchmarkId::new("VfsLfs2", "64x700"), |b| {
        b.iter(|| uvfs_small(true))
    });
    g.bench_function(BenchmarkId::new("VfsLfs2-no-mtime", "64x700"), |b| {
        b.iter(|| uvfs_small(false))
    });
    g.finish();
    let mut g = c.benchmark_group("lfs2_big_file");
    g.throughput(Throughput::Bytes((BIG * 2) as u64));
    g.bench_function(BenchmarkId::new("littlefs2", "192KiB"), |b| {
        b.iter(lfs2_big)
    });
    g.bench_function(BenchmarkId::new("VfsLfs2", "192KiB"), |b| {
        b.iter(|| uvfs_big(true))
    });
    g.bench_function(BenchmarkId::new("VfsLfs2-no-mtime", "192KiB"), |b| {
        b.iter(|| uvfs_big(false))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
