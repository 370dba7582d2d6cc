//! VfsFat throughput against raw fatfs: sequential writes and reads in 512 B and 4 KiB chunks,
//! and small-file creation, for (a) VfsFat with its sector cache, (b) VfsFat with the cache off,
//! (c) fatfs on a `std::io::Cursor<Vec<u8>>` (the engine alone, in memory).
//!
//! `cargo bench -p uvfs-backend-fat --bench fat`

use std::hint::black_box;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use uvfs_backend_fat::{FormatOptions, VfsFat};
use uvfs_os_api::{Filesystem, OpenMode};
use uvfs_vfs_core::RamDisk;

/// 4 MiB volumes: FAT12 with 2 KiB clusters, as MicroPython formats them.
const SECTORS: u32 = 8192;
const FILE: usize = 256 * 1024;
const SMALL_FILES: usize = 50;

fn vfsfat(lines: usize) -> VfsFat<RamDisk> {
    let mut fs = VfsFat::new(RamDisk::new(512, SECTORS))
        .unwrap()
        .with_cache_lines(lines);
    fs.mkfs(&FormatOptions::new()).unwrap();
    fs.mount(false, false).unwrap();
    fs
}

fn raw() -> Vec<u8> {
    let mut img = vec![0u8; SECTORS as usize * 512];
    let opts = fatfs::FormatVolumeOptions::new()
        .fats(1)
        .max_root_dir_entries(512)
        .bytes_per_cluster(2048)
        .fat_type(fatfs::FatType::Fat12);
    fatfs::format_volume(Cursor::new(&mut img[..]), opts).unwrap();
    img
}

fn data() -> Vec<u8> {
    (0..FILE).map(|i| (i * 7 % 251) as u8).collect()
}

fn write_vfsfat(fs: &mut VfsFat<RamDisk>, chunk: usize, data: &[u8]) {
    let f = fs.open("/bench.bin", OpenMode::WRITE).unwrap();
    for c in data.chunks(chunk) {
        (fs as &mut dyn Filesystem).write_all(f, c).unwrap();
    }
    fs.close(f).unwrap();
}

fn write_raw(img: &mut [u8], chunk: usize, data: &[u8]) {
    let fs = fatfs::FileSystem::new(Cursor::new(img), fatfs::FsOptions::new()).unwrap();
    let mut f = fs.root_dir().create_file("bench.bin").unwrap();
    for c in data.chunks(chunk) {
        f.write_all(c).unwrap();
    }
    f.flush().unwrap();
}

fn sequential(c: &mut Criterion) {
    let data = data();
    for chunk in [512usize, 4096] {
        let mut g = c.benchmark_group(format!("seq_write_{chunk}"));
        g.throughput(Throughput::Bytes(FILE as u64));
        g.sample_size(20);
        for (name, lines) in [("vfsfat_cached", 32usize), ("vfsfat_uncached", 0)] {
            g.bench_function(name, |b| {
                b.iter_batched(
                    || vfsfat(lines),
                    |mut fs| write_vfsfat(&mut fs, chunk, &data),
                    BatchSize::LargeInput,
                )
            });
        }
        g.bench_function("raw_fatfs_cursor", |b| {
            b.iter_batched(
                raw,
                |mut img| write_raw(&mut img, chunk, &data),
                BatchSize::LargeInput,
            )
        });
        g.finish();

        let mut g = c.benchmark_group(format!("seq_read_{chunk}"));
        g.throughput(Throughput::Bytes(FILE as u64));
        g.sample_size(20);
        for (name, lines) in [("vfsfat_cached", 32usize), ("vfsfat_uncached", 0)] {
            let mut fs = vfsfat(lines);
            write_vfsfat(&mut fs, 4096, &data);
            let mut buf = vec![0u8; chunk];
            g.bench_function(name, |b| {
                b.iter(|| {
                    let f = fs.open("/bench.bin", OpenMode::READ).unwrap();
                    while fs.read(f, &mut buf).unwrap() > 0 {
                        black_box(&buf);
                    }
                    fs.close(f).unwrap();
                })
            });
        }
        let mut img = raw();
        write_raw(&mut img, 4096, &data);
        let mut buf = vec![0u8; chunk];
        g.bench_function("raw_fatfs_cursor", |b| {
            b.iter(|| {
                let fs = fatfs::FileSystem::new(Cursor::new(&mut img[..]), fatfs::FsOptions::new())
                    .unwrap();
                let mut f = fs.root_dir().open_file("bench.bin").unwrap();
                f.seek(SeekFrom::Start(0)).unwrap();
                while f.read(&mut buf).unwrap() > 0 {
                    black_box(&buf);
                }
            })
        });
        g.finish();
    }
}

fn small_files(c: &mut Criterion) {
    let mut g = c.benchmark_group("small_file_create");
    g.throughput(Throughput::Elements(SMALL_FILES as u64));
    g.sample_size(20);
    let body = [0x5Au8; 100];
    for (name, lines) in [("vfsfat_cached", 32usize), ("vfsfat_uncached", 0)] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || vfsfat(lines),
                |mut fs| {
                    for i in 0..SMALL_FILES {
                        let f = fs
                            .open(&format!("/file_{i:03}.txt"), OpenMode::WRITE)
                            .unwrap();
                        fs.write(f, &body).unwrap();
                        fs.close(f).unwrap();
                    }
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.bench_function("raw_fatfs_cursor", |b| {
        b.iter_batched(
            raw,
            |mut img| {
                let fs = fatfs::FileSystem::new(Cursor::new(&mut img[..]), fatfs::FsOptions::new())
                    .unwrap();
                for i in 0..SMALL_FILES {
                    let mut f = fs
                        .root_dir()
                        .create_file(&format!("file_{i:03}.txt"))
                        .unwrap();
                    f.write_all(&body).unwrap();
                    f.flush().unwrap();
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, sequential, small_files);
criterion_main!(benches);
