//! Kv volumes as images: on uvfs block devices (what the CLI uses), recognised by vfs-core's
//! detection, and damaged images that must give errors, never panics.

use uvfs_backend_kv::{
    format_device, on_device, read_device_header, RamFlash, VfsKv, DEVICE_PAGE_SIZES,
    DEVICE_WORD_SIZES, MAGIC, MAGIC_OFFSET,
};
use uvfs_os_api::{BlockDevice, Errno, Filesystem, FixedTime, Timestamp};
use uvfs_vfs_core::detect::{detect_bytes, FsKind};
use uvfs_vfs_core::RamDisk;

use crate::support::{pattern, read_file, write_file};

fn clock() -> Box<FixedTime> {
    Box::new(FixedTime(Timestamp::from_secs(1_700_000_000)))
}

/// A `RamDisk` shared with the filesystem, so the test can look at its bytes afterwards.
#[derive(Clone)]
struct Shared(std::sync::Arc<std::sync::Mutex<RamDisk>>);

impl Shared {
    fn new(disk: RamDisk) -> Shared {
        Shared(std::sync::Arc::new(std::sync::Mutex::new(disk)))
    }
    fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().as_bytes().to_vec()
    }
}

impl BlockDevice for Shared {
    fn block_size(&self) -> u32 {
        self.0.lock().unwrap().block_size()
    }
    fn block_count(&self) -> u32 {
        self.0.lock().unwrap().block_count()
    }
    fn needs_erase(&self) -> bool {
        self.0.lock().unwrap().needs_erase()
    }
    fn read(
        &mut self,
        b: uvfs_os_api::BlockIdx,
        o: u32,
        buf: &mut [u8],
    ) -> uvfs_os_api::Result<()> {
        self.0.lock().unwrap().read(b, o, buf)
    }
    fn write(&mut self, b: uvfs_os_api::BlockIdx, o: u32, d: &[u8]) -> uvfs_os_api::Result<()> {
        self.0.lock().unwrap().write(b, o, d)
    }
    fn erase(
        &mut self,
        b: uvfs_os_api::BlockIdx,
        c: uvfs_os_api::BlockCount,
    ) -> uvfs_os_api::Result<()> {
        self.0.lock().unwrap().erase(b, c)
    }
}

#[test]
fn images_on_block_devices_round_trip_and_are_detected() {
    for flash_like in [false, true] {
        let disk = if flash_like {
            RamDisk::new_flash(1024, 16)
        } else {
            RamDisk::new(1024, 16)
        };
        let dev = Shared::new(disk);
        format_device(Box::new(dev.clone()), 1024, 8).unwrap();
        let mut fs = on_device(Box::new(dev.clone()), 1, clock()).unwrap();
        fs.mount(false, false).unwrap();
        fs.mkdir("/etc").unwrap();
        write_file(&mut *fs, "/etc/net.cfg", &pattern(3, 5_000)).unwrap();
        fs.umount().unwrap();

        let image = dev.bytes();
        assert_eq!(&image[MAGIC_OFFSET..MAGIC_OFFSET + MAGIC.len()], MAGIC);
        let found = detect_bytes(&image).expect("vfs-core detects the kv volume");
        assert_eq!(found.kind, FsKind::Kv);
        assert_eq!(
            (found.block_size, found.block_count, found.version),
            (1024, Some(16), 1)
        );
        let header = read_device_header(&mut dev.clone()).unwrap();
        assert_eq!(
            header.word_size, 8,
            "the header's word size wins over the argument"
        );

        // The same bytes, as a flash of the matching geometry on the device side.
        let mut fs = VfsKv::new(RamFlash::<8, 1024>::from_image(image).unwrap()).unwrap();
        fs.mount(true, false).unwrap();
        assert_eq!(
            read_file(&mut fs, "/etc/net.cfg").unwrap(),
            pattern(3, 5_000)
        );
        fs.umount().unwrap();
    }
}

#[test]
fn blank_devices_format_on_mount_with_the_given_geometry() {
    let dev = Shared::new(RamDisk::new(4096, 4));
    let mut fs = on_device(Box::new(dev.clone()), 4, clock()).unwrap();
    assert_eq!(fs.mount(false, false).unwrap_err(), Errno::ENODEV);
    fs.mount(false, true).unwrap();
    fs.umount().unwrap();
    let h = read_device_header(&mut dev.clone()).unwrap();
    assert_eq!((h.page_size, h.page_count, h.word_size), (4096, 4, 4));
}

#[test]
fn every_supported_geometry_formats_and_mounts() {
    for &page in DEVICE_PAGE_SIZES {
        for &word in DEVICE_WORD_SIZES {
            let dev = Shared::new(RamDisk::new(page, 3));
            format_device(Box::new(dev.clone()), page, word)
                .unwrap_or_else(|e| panic!("{page}/{word}: {e}"));
            let mut fs = on_device(Box::new(dev), 1, clock()).unwrap();
            fs.mount(false, false).unwrap();
            write_file(&mut *fs, "/x", b"y").unwrap();
            assert_eq!(read_file(&mut *fs, "/x").unwrap(), b"y", "{page}/{word}");
            fs.umount().unwrap();
        }
    }
    let dev = Shared::new(RamDisk::new(1024, 8));
    assert_eq!(
        format_device(Box::new(dev.clone()), 1000, 4).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        format_device(Box::new(dev.clone()), 1024, 3).unwrap_err(),
        Errno::EINVAL
    );
    assert_eq!(
        format_device(Box::new(Shared::new(RamDisk::new(1024, 2))), 1024, 4).unwrap_err(),
        Errno::EINVAL
    );
}

/// A deterministic byte stream for damaging images.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Reads everything a mounted volume lists; errors are fine, panics are not.
fn walk(fs: &mut dyn Filesystem, dir: &str, depth: usize) {
    let Ok(h) = fs.opendir(dir) else { return };
    let mut names = Vec::new();
    while let Ok(Some(e)) = fs.readdir(h) {
        names.push((e.name.as_str().to_string(), e.kind));
    }
    let _ = fs.closedir(h);
    for (name, kind) in names {
        let path = if dir == "/" {
            format!("/{name}")
        } else {
            format!("{dir}/{name}")
        };
        let _ = fs.stat(&path);
        if kind == uvfs_os_api::FileType::Dir && depth < 8 {
            walk(fs, &path, depth + 1);
        } else {
            let _ = read_file(fs, &path);
        }
    }
}

#[test]
fn damaged_images_give_errors_not_panics() {
    let mut fs = VfsKv::new(RamFlash::<4, 512>::new(24)).unwrap();
    fs.mount(false, true).unwrap();
    fs.mkdir("/d").unwrap();
    for i in 0..6u8 {
        write_file(
            &mut fs,
            &format!("/d/f{i}"),
            &pattern(i, 150 * usize::from(i)),
        )
        .unwrap();
    }
    write_file(&mut fs, "/big", &pattern(9, 2_000)).unwrap();
    fs.umount().unwrap();
    let good = fs.into_flash().unwrap().into_bytes();

    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut mounted = 0;
    for round in 0..300 {
        let mut image = good.clone();
        // Damage the map (the header is checked by its CRC): flip bytes, or scribble a run.
        let n = 1 + (xorshift(&mut seed) % 8) as usize;
        for _ in 0..n {
            let at = 512 + (xorshift(&mut seed) as usize % (image.len() - 512));
            if round % 3 == 0 {
                let run = (xorshift(&mut seed) % 64) as usize;
                let end = (at + run).min(image.len());
                for b in &mut image[at..end] {
                    *b = xorshift(&mut seed) as u8;
                }
            } else {
                image[at] ^= 1 << (xorshift(&mut seed) % 8);
            }
        }
        let readonly = round % 2 == 0;
        let mut fs = VfsKv::new(RamFlash::<4, 512>::from_image(image).unwrap()).unwrap();
        if fs.mount(readonly, false).is_ok() {
            mounted += 1;
            walk(&mut fs, "/", 0);
            if !readonly {
                let _ = write_file(&mut fs, "/new", b"after damage");
                let _ = fs.rename("/big", "/d/big");
            }
            let _ = fs.umount();
        }
    }
    assert!(mounted > 100, "only {mounted} damaged images mounted");

    // Random garbage behind a valid header.
    for _ in 0..50 {
        let mut image = good.clone();
        for b in &mut image[512..] {
            *b = xorshift(&mut seed) as u8;
        }
        let mut fs = VfsKv::new(RamFlash::<4, 512>::from_image(image).unwrap()).unwrap();
        if fs.mount(false, false).is_ok() {
            walk(&mut fs, "/", 0);
            let _ = fs.umount();
        }
    }
}
