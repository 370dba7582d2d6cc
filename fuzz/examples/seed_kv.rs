//! Writes kv volumes for the `mount_kv` seed corpus: `seed_kv DIR` makes one image per geometry
//! (page and word size), each holding inline and chunked files, a directory, a renamed file, a
//! removed file and an overwritten one. Run by `seed.sh`.

use std::path::PathBuf;

use uvfs_backend_kv::{format_device, on_device};
use uvfs_os_api::{Filesystem, FixedTime, OpenMode, Result, Timestamp};
use uvfs_testkit::SharedDevice;
use uvfs_vfs_core::RamDisk;

fn write(fs: &mut dyn Filesystem, path: &str, len: usize, seed: u8) -> Result<()> {
    let data: Vec<u8> = (0..len).map(|i| seed.wrapping_add(i as u8)).collect();
    let f = fs.open(path, OpenMode::WRITE)?;
    fs.write_all(f, &data)?;
    fs.close(f)
}

/// A volume of `pages` pages of `page` bytes with `word`-byte words, with a few files.
fn image(page: u32, word: u32, pages: u32) -> Result<Vec<u8>> {
    let mut disk = RamDisk::new(page, pages);
    disk.as_bytes_mut().fill(0xFF);
    let dev = SharedDevice::new(disk);
    format_device(Box::new(dev.clone()), page, word)?;
    let clock = Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)));
    let mut boxed = on_device(Box::new(dev.clone()), word, clock)?;
    let fs: &mut dyn Filesystem = &mut *boxed;
    fs.mount(false, false)?;
    write(fs, "/boot.py", 40, 1)?;
    write(fs, "/empty", 0, 0)?;
    fs.mkdir("/lib")?;
    write(fs, "/lib/big.bin", page as usize * 2 + 100, 2)?;
    write(fs, "/lib/old", 300, 3)?;
    fs.rename("/lib/old", "/lib/new")?;
    write(fs, "/gone", 500, 4)?;
    fs.remove("/gone")?;
    write(fs, "/boot.py", 20, 5)?;
    fs.umount()?;
    drop(boxed);
    Ok(dev.with(|d| d.as_bytes().to_vec()))
}

fn main() {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .unwrap_or_else(|| "corpus/mount_kv".into())
        .into();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("seed_kv: {}: {e}", dir.display());
        std::process::exit(1);
    }
    let mut failed = false;
    for (page, word, pages) in [
        (512, 1, 32),
        (512, 4, 64),
        (1024, 4, 16),
        (2048, 8, 16),
        (4096, 4, 8),
    ] {
        let name = format!("kv-{page}-w{word}-{pages}.img");
        match image(page, word, pages) {
            Ok(bytes) => {
                if let Err(e) = std::fs::write(dir.join(&name), bytes) {
                    eprintln!("seed_kv: {name}: {e}");
                    failed = true;
                }
            }
            Err(e) => {
                eprintln!("seed_kv: {name}: {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
