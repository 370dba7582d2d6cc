//! A tour of the `os` API: a littlefs v2 "flash" and a FAT "SD card" on RAM devices and a RAM
//! filesystem, mounted in one router; files, listings, errors, the std layer.
//!
//! Run with `cargo run --example tour`.

use std::io::{Read, Write};

use uvfs::fat::{FormatOptions, VfsFat};
use uvfs::lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs::os_api::{MountOptions, OpenMode};
use uvfs::vfs_core::SystemClock;
use uvfs::{Errno, Os, RamDisk, SharedSystem, System};
use uvfs_testkit::MemFs;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut os = System::new();
    // MicroPython: vfs.mount(vfs.VfsLfs2(bdev), "/flash"), formatting a blank device.
    // Modification times come from a `TimeSource`: here the host's clock.
    let flash = VfsLfs2::new(RamDisk::new_flash(4096, 64), Lfs2Config::default())?
        .with_time_source(Box::new(SystemClock));
    let mkfs = MountOptions {
        readonly: false,
        mkfs: true,
    };
    os.mount(Box::new(flash), "/flash", mkfs)?;
    let mut sd = VfsFat::new(RamDisk::new(512, 4096))?;
    sd.mkfs(&FormatOptions::new().label("SDCARD"))?;
    os.mount(Box::new(sd), "/sd", MountOptions::default())?;
    os.mount(Box::new(MemFs::new()), "/ram", MountOptions::default())?;
    println!("uname: {:?}", os.uname());
    println!(
        "mounts: {:?}",
        os.mounts()
            .iter()
            .map(|m| m.path.as_str())
            .collect::<Vec<_>>()
    );

    os.chdir("/flash")?;
    os.mkdir("lib")?;
    let f = os.open("boot.py", OpenMode::parse("w")?)?;
    os.write(f, b"import machine\n")?;
    os.close(f)?;
    println!("cwd {}: {:?}", os.getcwd(), os.listdir(".")?);
    println!("stat boot.py: {:?}", os.stat("boot.py")?.to_tuple());
    println!("statvfs /flash: {:?}", os.statvfs("/flash")?.to_tuple());
    println!("statvfs /sd:    {:?}", os.statvfs("/sd")?.to_tuple());
    for entry in os.ilistdir_all("/")? {
        println!(
            "ilistdir /: ({:?}, {:#x}, {})",
            entry.name,
            entry.kind.mode_bits(),
            entry.inode
        );
    }

    // Errors are errnos, printed the way MicroPython prints OSError.
    let e = os.rename("/flash/boot.py", "/sd/boot.py").unwrap_err();
    assert_eq!(e, Errno::EPERM);
    println!("rename across mounts: {e}");
    println!("stat /nowhere: {}", os.stat("/nowhere").unwrap_err());
    println!("open mode \"rw\": {}", OpenMode::parse("rw").unwrap_err());

    let mut random = [0u8; 8];
    os.urandom(&mut random)?;
    println!("urandom(8): {random:02x?}");

    // The std layer: files that are Read + Write + Seek and close on drop.
    let shared = SharedSystem::new(os);
    shared.open("/ram/log.txt", "a")?.write_all(b"booted\n")?;
    let mut text = String::new();
    shared
        .open("/ram/log.txt", "r")?
        .read_to_string(&mut text)?;
    print!("/ram/log.txt: {text}");
    Ok(())
}
