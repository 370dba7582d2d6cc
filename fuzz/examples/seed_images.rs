//! Writes images for the `mount_*` seed corpora, beside the MicroPython-made fixtures that
//! `seed.sh` copies: `seed_images DIR` makes `DIR/mount_kv/`, `DIR/mount_fat/` and
//! `DIR/mount_lfs2/`, one image per geometry the fixtures do not have, each holding small and
//! multi-block files, a directory, a renamed file, a removed file and an overwritten one.

use std::path::Path;

use uvfs_backend_fat::{FormatOptions, VfsFat};
use uvfs_backend_kv::{format_device, on_device};
use uvfs_backend_lfs::lfs2::{DiskVersion, Lfs2Config, VfsLfs2};
use uvfs_os_api::{Filesystem, FixedTime, OpenMode, Result, Timestamp};
use uvfs_testkit::SharedDevice;
use uvfs_vfs_core::RamDisk;

fn clock() -> Box<FixedTime> {
    Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)))
}

fn write(fs: &mut dyn Filesystem, path: &str, len: usize, seed: u8) -> Result<()> {
    let data: Vec<u8> = (0..len).map(|i| seed.wrapping_add(i as u8)).collect();
    let f = fs.open(path, OpenMode::WRITE)?;
    fs.write_all(f, &data)?;
    fs.close(f)
}

/// The same small tree on every filesystem (mounted read-write); `block` sizes the big file.
fn populate(fs: &mut dyn Filesystem, block: usize) -> Result<()> {
    write(fs, "/boot.py", 40, 1)?;
    write(fs, "/empty", 0, 0)?;
    fs.mkdir("/lib")?;
    fs.mkdir("/lib/sub")?;
    write(fs, "/lib/big.bin", block * 3 + 100, 2)?;
    write(fs, "/lib/sub/old", 300, 3)?;
    fs.rename("/lib/sub/old", "/lib/new")?;
    write(fs, "/gone", 500, 4)?;
    fs.remove("/gone")?;
    write(fs, "/boot.py", 20, 5)?;
    fs.umount()
}

fn kv(page: u32, word: u32, pages: u32) -> Result<Vec<u8>> {
    let mut disk = RamDisk::new(page, pages);
    disk.as_bytes_mut().fill(0xFF);
    let dev = SharedDevice::new(disk);
    format_device(Box::new(dev.clone()), page, word)?;
    let mut boxed = on_device(Box::new(dev.clone()), word, clock())?;
    let fs: &mut dyn Filesystem = &mut *boxed;
    fs.mount(false, false)?;
    populate(fs, page as usize)?;
    drop(boxed);
    Ok(dev.with(|d| d.as_bytes().to_vec()))
}

fn fat(sector: u32, sectors: u32, options: FormatOptions) -> Result<Vec<u8>> {
    let mut fs = VfsFat::new(RamDisk::new(sector, sectors))?.with_time_source(clock());
    fs.mkfs(&options)?;
    fs.mount(false, false)?;
    populate(&mut fs, 2048)?;
    Ok(fs.into_device().into_bytes())
}

fn lfs2(block: u32, blocks: u32, config: Lfs2Config) -> Result<Vec<u8>> {
    let mut fs = VfsLfs2::new(RamDisk::new_flash(block, blocks), config)?.with_time_source(clock());
    fs.mkfs()?;
    fs.mount(false, false)?;
    populate(&mut fs, block as usize)?;
    Ok(fs.into_device().into_bytes())
}

fn main() {
    let root = std::env::args_os()
        .nth(1)
        .unwrap_or_else(|| "corpus".into());
    let root = Path::new(&root);
    let small = Lfs2Config {
        read_size: 16,
        prog_size: 16,
        lookahead: 8,
        ..Lfs2Config::default()
    };
    let old = Lfs2Config {
        disk_version: DiskVersion::V2_0,
        mtime: false,
        ..Lfs2Config::default()
    };
    let images: Vec<(&str, String, Result<Vec<u8>>)> = vec![
        ("mount_kv", "kv-512-w1-32.img".into(), kv(512, 1, 32)),
        ("mount_kv", "kv-512-w4-64.img".into(), kv(512, 4, 64)),
        ("mount_kv", "kv-1024-w4-16.img".into(), kv(1024, 4, 16)),
        ("mount_kv", "kv-2048-w8-16.img".into(), kv(2048, 8, 16)),
        ("mount_kv", "kv-4096-w4-8.img".into(), kv(4096, 4, 8)),
        (
            "mount_fat",
            "fat-1024x256-2fats.img".into(),
            fat(1024, 256, FormatOptions::new().fats(2)),
        ),
        (
            "mount_fat",
            "fat-512x512-c2048.img".into(),
            fat(
                512,
                512,
                FormatOptions::new().cluster_size(2048).root_entries(64),
            ),
        ),
        (
            "mount_lfs2",
            "lfs2-128x512-small-caches.img".into(),
            lfs2(128, 512, small),
        ),
        (
            "mount_lfs2",
            "lfs2-1024x64-v2.0.img".into(),
            lfs2(1024, 64, old),
        ),
    ];
    let mut failed = false;
    for (target, name, image) in images {
        let dir = root.join(target);
        let written = image.and_then(|bytes| {
            std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(dir.join(&name), bytes))
                .map_err(|_| uvfs_os_api::Errno::EIO.with_detail("cannot write the image file"))
        });
        if let Err(e) = written {
            eprintln!("seed_images: {target}/{name}: {e}");
            failed = true;
        }
    }
    std::process::exit(i32::from(failed));
}
