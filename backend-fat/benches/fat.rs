//! VfsFat throughput against raw fatfs: sequential writes and reads in 512 B and 4 KiB chunks,
//! and small-file creation, for (a) VfsFat with its sector cache, (b) VfsFat with the cache off,
//! (c) fatfs on a `std::io::Cursor<Vec<u8>>` (the engine alone, in memory).
//!
//! A second set (`slow_device`) puts 2 µs of latency on every device request (a RAM disk for
//! VfsFat, the `Cursor` for fatfs), as an SD card over SPI or a flash chip has: that is where
//! the cache earns its keep, since fatfs alone makes a request per FAT entry and per
//! directory-entry field.
//!
//! `cargo bench -p uvfs-backend-fat --bench fat`

use std::hint::black_box;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use uvfs_backend_fat::{FormatOptions, VfsFat};
use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Filesystem, OpenMode};
use uvfs_vfs_core::RamDisk;

/// 4 MiB volumes: FAT12 with 2 KiB clusters, as MicroPython formats them.
const SECTORS: u32 = 8192;
const FILE: usize = 256 * 1024;
const SMALL_FILES: usize = 50;

/// A formatted, mounted VfsFat on `dev` with `lines` cache lines.
fn vfsfat_on<D: BlockDevice>(dev: D, lines: usize) -> VfsFat<D> {
    let mut fs = VfsFat::new(dev).unwrap().with_cache_lines(lines);
    fs.mkfs(&FormatOptions::new()).unwrap();
    fs.mount(false, false).unwrap();
    fs
}

fn vfsfat(lines: usize) -> VfsFat<RamDisk> {
    vfsfat_on(RamDisk::new(512, SECTORS), lines)
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

fn write_vfsfat(fs: &mut dyn Filesystem, chunk: usize, data: &[u8]) {
    let f = fs.open("/bench.bin", OpenMode::WRITE).unwrap();
    for c in data.chunks(chunk) {
        fs.write_all(f, c).unwrap();
    }
    fs.close(f).unwrap();
}

fn write_raw<T: Read + Write + Seek>(io: T, chunk: usize, data: &[u8]) {
    let fs = fatfs::FileSystem::new(io, fatfs::FsOptions::new()).unwrap();
    let mut f = fs.root_dir().create_file("bench.bin").unwrap();
    for c in data.chunks(chunk) {
        f.write_all(c).unwrap();
    }
    f.flush().unwrap();
}

/// Creates `SMALL_FILES` files of `body` in the root.
fn small_vfsfat(fs: &mut dyn Filesystem, body: &[u8]) {
    for i in 0..SMALL_FILES {
        let f = fs
            .open(&format!("/file_{i:03}.txt"), OpenMode::WRITE)
            .unwrap();
        fs.write(f, body).unwrap();
        fs.close(f).unwrap();
    }
}

/// The same files through raw fatfs.
fn small_raw<T: Read + Write + Seek>(io: T, body: &[u8]) {
    let fs = fatfs::FileSystem::new(io, fatfs::FsOptions::new()).unwrap();
    for i in 0..SMALL_FILES {
        let mut f = fs
            .root_dir()
            .create_file(&format!("file_{i:03}.txt"))
            .unwrap();
        f.write_all(body).unwrap();
        f.flush().unwrap();
    }
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
                |mut img| write_raw(Cursor::new(&mut img[..]), chunk, &data),
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
        write_raw(Cursor::new(&mut img[..]), 4096, &data);
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
                |mut fs| small_vfsfat(&mut fs, &body),
                BatchSize::LargeInput,
            )
        });
    }
    g.bench_function("raw_fatfs_cursor", |b| {
        b.iter_batched(
            raw,
            |mut img| small_raw(Cursor::new(&mut img[..]), &body),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Busy-waits the device latency.
fn delay() {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_micros(2) {
        std::hint::spin_loop();
    }
}

/// A RAM disk with a latency per request.
struct SlowDisk(RamDisk);

impl BlockDevice for SlowDisk {
    fn block_size(&self) -> u32 {
        self.0.block_size()
    }
    fn block_count(&self) -> u32 {
        self.0.block_count()
    }
    fn needs_erase(&self) -> bool {
        false
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> uvfs_os_api::Result<()> {
        delay();
        self.0.read(block, offset, buf)
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> uvfs_os_api::Result<()> {
        delay();
        self.0.write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> uvfs_os_api::Result<()> {
        self.0.erase(block, count)
    }
}

/// A `Cursor` with the same latency per read and write call.
struct SlowCursor<'a>(Cursor<&'a mut [u8]>);

impl Read for SlowCursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        delay();
        self.0.read(buf)
    }
}

impl Write for SlowCursor<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        delay();
        self.0.write(data)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for SlowCursor<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.0.seek(to)
    }
}

fn slow_device(c: &mut Criterion) {
    const SLOW_FILE: usize = 64 * 1024;
    let data: Vec<u8> = (0..SLOW_FILE).map(|i| (i * 7 % 251) as u8).collect();
    let body = [0x5Au8; 100];
    let slow_fs = |lines: usize| vfsfat_on(SlowDisk(RamDisk::new(512, SECTORS)), lines);
    let mut g = c.benchmark_group("slow_device_write_512");
    g.throughput(Throughput::Bytes(SLOW_FILE as u64));
    g.sample_size(10);
    for (name, lines) in [("vfsfat_cached", 32usize), ("vfsfat_uncached", 0)] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || slow_fs(lines),
                |mut fs| write_vfsfat(&mut fs, 512, &data),
                BatchSize::LargeInput,
            )
        });
    }
    g.bench_function("raw_fatfs_cursor", |b| {
        b.iter_batched(
            raw,
            |mut img| write_raw(SlowCursor(Cursor::new(&mut img[..])), 512, &data),
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("slow_device_small_file_create");
    g.throughput(Throughput::Elements(SMALL_FILES as u64));
    g.sample_size(10);
    for (name, lines) in [("vfsfat_cached", 32usize), ("vfsfat_uncached", 0)] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || slow_fs(lines),
                |mut fs| small_vfsfat(&mut fs, &body),
                BatchSize::LargeInput,
            )
        });
    }
    g.bench_function("raw_fatfs_cursor", |b| {
        b.iter_batched(
            raw,
            |mut img| small_raw(SlowCursor(Cursor::new(&mut img[..])), &body),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, sequential, small_files, slow_device);
criterion_main!(benches);
