//! uvfs's pure-Rust `VfsLfs1` against the reference C littlefs 1.7, on the same RAM image, the
//! same geometry (4 KiB x 256 blocks, MicroPython's read/prog/lookahead of 32) and the same
//! workload, both through the `Filesystem` protocol:
//!
//! - `seq_write`: one 256 KiB file written in 4 KiB chunks on a fresh volume, then closed;
//! - `seq_read`: that file read back in 4 KiB chunks;
//! - `small_files`: 40 files of 100 bytes created in a directory, each stat'ed, the directory
//!   listed, every file removed;
//! - `mount`: mounting and unmounting a volume holding the scripted tree of the tests.
//!
//! Every iteration starts from a copy of the image made outside the timing, and the engine is
//! dropped outside it too.
//!
//! Run: `cargo bench --manifest-path lfs1-oracle/Cargo.toml --features bench --bench lfs1` (add
//! `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lfs1_oracle::{CConfig, CLfs1, Image};
use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::{Filesystem, OpenMode};
use uvfs_vfs_core::RamDisk;

const BS: u32 = 4096;
const COUNT: u32 = 256;
const FILE: usize = 256 * 1024;
const CHUNK: usize = 4096;

fn blank() -> Image {
    let mut c = CLfs1::new(Image::erased(BS, COUNT), CConfig::default());
    c.format().unwrap();
    c.into_image()
}

fn uvfs(img: &Image) -> Box<dyn Filesystem> {
    let mut d = RamDisk::from_image(img.bytes.clone(), img.block_size);
    d.set_flash(true);
    Box::new(VfsLfs1::new(d, Lfs1Config::default()))
}

fn c(img: &Image) -> Box<dyn Filesystem> {
    Box::new(CLfs1::new(img.clone(), CConfig::default()))
}

type Make = fn(&Image) -> Box<dyn Filesystem>;
const ENGINES: [(&str, Make); 2] = [("uvfs", uvfs), ("c", c)];

fn mounted(make: Make, img: &Image) -> Box<dyn Filesystem> {
    let mut fs = make(img);
    fs.mount(false, false).unwrap();
    fs
}

fn data() -> Vec<u8> {
    (0..FILE).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn write_big(fs: &mut dyn Filesystem, data: &[u8]) {
    let f = fs.open("/big", OpenMode::WRITE).unwrap();
    for chunk in data.chunks(CHUNK) {
        fs.write_all(f, chunk).unwrap();
    }
    fs.close(f).unwrap();
}

fn with_big() -> Image {
    let mut fs = CLfs1::new(blank(), CConfig::default());
    fs.mount(false, false).unwrap();
    write_big(&mut fs, &data());
    fs.into_image()
}

fn small_files(fs: &mut dyn Filesystem) {
    fs.mkdir("/d").unwrap();
    let body = [0x5Au8; 100];
    for i in 0..40 {
        let f = fs.open(&format!("/d/f{i:02}"), OpenMode::WRITE).unwrap();
        fs.write_all(f, &body).unwrap();
        fs.close(f).unwrap();
    }
    for i in 0..40 {
        black_box(fs.stat(&format!("/d/f{i:02}")).unwrap());
    }
    let d = fs.opendir("/d").unwrap();
    while let Some(e) = fs.readdir(d).unwrap() {
        black_box(e);
    }
    fs.closedir(d).unwrap();
    for i in 0..40 {
        fs.remove(&format!("/d/f{i:02}")).unwrap();
    }
    fs.rmdir("/d").unwrap();
}

fn populated() -> Image {
    let mut fs = CLfs1::new(blank(), CConfig::default());
    fs.mount(false, false).unwrap();
    for d in 0..8 {
        fs.mkdir(&format!("/dir{d}")).unwrap();
        for f in 0..12 {
            let p = format!("/dir{d}/file{f}");
            let fs: &mut dyn Filesystem = &mut fs;
            let h = fs.open(&p, OpenMode::WRITE).unwrap();
            fs.write_all(h, &vec![d as u8; 300 + f * 500]).unwrap();
            fs.close(h).unwrap();
        }
    }
    fs.into_image()
}

fn bench(cr: &mut Criterion) {
    let empty = blank();
    let big = with_big();
    let tree = populated();
    let payload = data();

    let mut g = cr.benchmark_group("seq_write");
    g.throughput(criterion::Throughput::Bytes(FILE as u64));
    for (name, make) in ENGINES {
        g.bench_function(name, |b| {
            b.iter_batched(
                || mounted(make, &empty),
                |mut fs| {
                    write_big(&mut *fs, &payload);
                    fs
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = cr.benchmark_group("seq_read");
    g.throughput(criterion::Throughput::Bytes(FILE as u64));
    for (name, make) in ENGINES {
        g.bench_function(name, |b| {
            b.iter_batched(
                || mounted(make, &big),
                |mut fs| {
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
                    assert_eq!(total, FILE);
                    fs
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = cr.benchmark_group("small_files");
    for (name, make) in ENGINES {
        g.bench_function(name, |b| {
            b.iter_batched(
                || mounted(make, &empty),
                |mut fs| {
                    small_files(&mut *fs);
                    fs
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = cr.benchmark_group("mount");
    for (name, make) in ENGINES {
        g.bench_function(name, |b| {
            b.iter_batched(
                || make(&tree),
                |mut fs| {
                    fs.mount(false, false).unwrap();
                    black_box(fs.stat("/dir7/file11").unwrap());
                    fs.umount().unwrap();
                    fs
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
