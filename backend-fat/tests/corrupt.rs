//! Every test here mounts a damaged image and uses it; a panic or a hang fails the test.
//!
//! `UVFS_FAT_DAMAGE_ROUNDS` (default 300) sets how many randomly damaged images
//! `random_metadata_damage` tries (a third of them FAT32).

use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
use uvfs_os_api::{Errno, Filesystem, OpenMode};
use uvfs_vfs_core::RamDisk;

use crate::support::{pattern, read_file, tree, write_file};

/// A FAT12 (or FAT32) image holding a directory and three files, and its layout.
#[derive(Clone)]
struct Image {
    bytes: Vec<u8>,
    sector: usize,
    fat: usize,
    root: usize,
    data: usize,
    cluster: usize,
    fat_type: FatType,
}

fn image(fat32: bool) -> Image {
    let (blocks, opts) = if fat32 {
        (70_000, FormatOptions::new().fat_type(FatType::Fat32))
    } else {
        (512, FormatOptions::new())
    };
    let mut fs = VfsFat::new(RamDisk::new(512, blocks)).unwrap();
    fs.mkfs(&opts).unwrap();
    fs.mount(false, false).unwrap();
    fs.mkdir("/DIR").unwrap();
    write_file(&mut fs, "/DIR/INNER.TXT", &pattern(1, 1500)).unwrap();
    write_file(&mut fs, "/FILE1.BIN", &pattern(2, 2000)).unwrap();
    write_file(&mut fs, "/FILE2.BIN", &pattern(3, 700)).unwrap();
    let info = fs.volume_info().unwrap();
    fs.umount().unwrap();
    let bytes = fs.into_device().into_bytes();
    let sector = info.bytes_per_sector as usize;
    let fat = info.reserved_sectors as usize * sector;
    let root = fat + (info.fats * info.sectors_per_fat) as usize * sector;
    let data = root + info.root_entries as usize * 32;
    Image {
        bytes,
        sector,
        fat,
        root,
        data,
        cluster: info.sectors_per_cluster as usize * sector,
        fat_type: info.fat_type,
    }
}

impl Image {
    /// Byte offset of the short-name entry `name` (11 bytes) in the root directory.
    fn entry(&self, name: &[u8; 11]) -> usize {
        let (start, len) = match self.fat_type {
            FatType::Fat32 => (self.data, self.cluster),
            _ => (self.root, self.data - self.root),
        };
        (start..start + len)
            .step_by(32)
            .find(|&at| &self.bytes[at..at + 11] == name && self.bytes[at + 11] & 0x0F != 0x0F)
            .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(name)))
    }

    fn first_cluster(&self, entry: usize) -> u32 {
        let b = &self.bytes;
        let lo = u32::from(u16::from_le_bytes([b[entry + 26], b[entry + 27]]));
        let hi = u32::from(u16::from_le_bytes([b[entry + 20], b[entry + 21]]));
        if self.fat_type == FatType::Fat32 {
            hi << 16 | lo
        } else {
            lo
        }
    }

    fn set_first_cluster(&mut self, entry: usize, c: u32) {
        self.bytes[entry + 26..entry + 28].copy_from_slice(&(c as u16).to_le_bytes());
        if self.fat_type == FatType::Fat32 {
            self.bytes[entry + 20..entry + 22].copy_from_slice(&((c >> 16) as u16).to_le_bytes());
        }
    }

    fn set_fat(&mut self, cluster: u32, value: u32) {
        let b = &mut self.bytes;
        match self.fat_type {
            FatType::Fat12 => {
                let at = self.fat + cluster as usize * 3 / 2;
                let old = u16::from_le_bytes([b[at], b[at + 1]]);
                let v = (value & 0xFFF) as u16;
                let new = if cluster & 1 == 0 {
                    (old & 0xF000) | v
                } else {
                    (old & 0xF) | (v << 4)
                };
                b[at..at + 2].copy_from_slice(&new.to_le_bytes());
            }
            FatType::Fat16 => {
                let at = self.fat + cluster as usize * 2;
                b[at..at + 2].copy_from_slice(&(value as u16).to_le_bytes());
            }
            FatType::Fat32 => {
                let at = self.fat + cluster as usize * 4;
                b[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
        }
    }

    fn mount(&self, readonly: bool) -> (VfsFat<RamDisk>, uvfs_os_api::Result<()>) {
        let mut fs =
            VfsFat::new(RamDisk::from_image(self.bytes.clone(), self.sector as u32)).unwrap();
        let r = fs.mount(readonly, false);
        (fs, r)
    }

    /// The volume mounts, its whole-volume check finds the damage, `damaged` (a file or a
    /// directory) gives `EIO`, `intact` still reads, and using everything never panics.
    #[track_caller]
    fn damaged(&self, damaged: &str, intact: &str) {
        for ro in [true, false] {
            let (mut fs, r) = self.mount(ro);
            r.expect("a volume with damaged metadata mounts");
            assert_eq!(
                fs.check().unwrap_err(),
                Errno::EIO,
                "check() missed the damage"
            );
            let e = match fs.stat(damaged) {
                // A directory's chain matters past its end marker only when it grows.
                Ok(st) if st.kind() == uvfs_os_api::FileType::Dir => {
                    match crate::support::listing(&mut fs, damaged) {
                        Err(e) => Err(e),
                        Ok(_) if ro => Err(Errno::EIO.into()),
                        Ok(_) => write_file(
                            &mut fs,
                            &format!("{damaged}/A NEW FILE WITH A LONG NAME"),
                            b"x",
                        ),
                    }
                }
                Ok(_) => read_file(&mut fs, damaged).map(drop),
                Err(e) => Err(e),
            };
            assert_eq!(e.unwrap_err(), Errno::EIO, "{damaged} (read-only: {ro})");
            assert!(read_file(&mut fs, intact).is_ok(), "{intact} unreadable");
            if !ro {
                exercise(&mut fs);
            }
        }
    }

    /// Mounting fails with `errno`, read-only and read-write.
    #[track_caller]
    fn refused(&self, errno: Errno) {
        for ro in [true, false] {
            let (_, r) = self.mount(ro);
            let e = r.expect_err("a damaged volume mounted");
            assert_eq!(e.errno(), errno, "{e}");
        }
    }
}

/// Uses a mounted volume every way; errors are fine, panics and hangs are not.
fn exercise(fs: &mut VfsFat<RamDisk>) {
    let _ = tree(fs, "/");
    let _ = fs.statvfs("/");
    let _ = fs.label();
    let _ = read_file(fs, "/FILE1.BIN");
    let _ = write_file(fs, "/NEW.TXT", &pattern(9, 3000));
    let _ = fs.mkdir("/NEWDIR");
    let _ = write_file(fs, "/NEWDIR/X", b"x");
    let _ = fs.rename("/FILE2.BIN", "/DIR/MOVED.BIN");
    let _ = fs.remove("/FILE1.BIN");
    if let Ok(f) = fs.open("/DIR/INNER.TXT", OpenMode::parse("r+").unwrap()) {
        let _ = fs.truncate(f, 10);
        let _ = fs.close(f);
    }
    let _ = tree(fs, "/");
    let _ = fs.umount();
}

#[test]
fn the_undamaged_image_mounts() {
    for fat32 in [false, true] {
        let img = image(fat32);
        let (mut fs, r) = img.mount(false);
        r.unwrap();
        assert_eq!(
            read_file(&mut fs, "/DIR/INNER.TXT").unwrap(),
            pattern(1, 1500)
        );
        exercise(&mut fs);
    }
}

/// Mounts `clean` with `patches` applied (offset, byte) and exercises it. FAT12 images are
/// copied and mounted read-write too; the 35 MB FAT32 image is patched in place in `disk`,
/// mounted read-only (which never writes) and restored.
fn try_damage(clean: &Image, disk: &mut Option<RamDisk>, patches: &[(usize, u8)]) -> bool {
    let mut mounted = false;
    if clean.fat_type != FatType::Fat32 {
        let mut img = clean.clone();
        for &(at, v) in patches {
            img.bytes[at] = v;
        }
        let (mut fs, r) = img.mount(false);
        if r.is_ok() {
            mounted = true;
            exercise(&mut fs);
        }
    }
    let mut dev = disk
        .take()
        .unwrap_or_else(|| RamDisk::from_image(clean.bytes.clone(), clean.sector as u32));
    for &(at, v) in patches {
        dev.as_bytes_mut()[at] = v;
    }
    let mut fs = VfsFat::new(dev).unwrap();
    if fs.mount(true, false).is_ok() {
        mounted = true;
        let _ = tree(&mut fs, "/");
        let _ = fs.statvfs("/");
        let _ = fs.label();
        let _ = fs.umount();
    }
    assert_eq!(fs.disk_stats().device_writes, 0, "a read-only mount wrote");
    let mut dev = fs.into_device();
    for &(at, _) in patches {
        dev.as_bytes_mut()[at] = clean.bytes[at];
    }
    *disk = Some(dev);
    mounted
}

#[test]
fn boot_sector_bytes_zeroed_or_huge() {
    for fat32 in [false, true] {
        let clean = image(fat32);
        let mut disk = None;
        let mut mounted = 0;
        // FAT32 mounts walk 65 525 clusters; fewer values keep the test quick.
        let values: &[u8] = if fat32 {
            &[0x00, 0xFF]
        } else {
            &[0x00, 0xFF, 0x80, 0x01]
        };
        for at in 0..96 {
            for &value in values {
                mounted += usize::from(try_damage(&clean, &mut disk, &[(at, value)]));
            }
        }
        // Fields like the media byte or the heads count do not matter; many others do.
        assert!(mounted > 0 && mounted < 96 * values.len(), "{mounted}");
        let mut img = clean.clone();
        img.bytes[510] = 0;
        img.refused(Errno::ENODEV);
        let mut img = clean.clone();
        img.bytes[..512].fill(0);
        img.refused(Errno::ENODEV);
        // Sectors per FAT so large the FAT would not fit the device.
        let mut img = clean.clone();
        if fat32 {
            img.bytes[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        } else {
            img.bytes[22..24].copy_from_slice(&u16::MAX.to_le_bytes());
        }
        img.refused(Errno::ENODEV);
    }
}

#[test]
fn truncated_images_are_refused() {
    for fat32 in [false, true] {
        let clean = image(fat32);
        for keep in [
            clean.bytes.len() / 2,
            clean.bytes.len() - clean.sector,
            4 * clean.sector,
        ] {
            let mut img = clean.clone();
            img.bytes.truncate(keep);
            img.refused(Errno::EIO);
        }
        let mut img = clean.clone();
        img.bytes.truncate(clean.sector);
        img.refused(Errno::EIO);
    }
}

#[test]
fn fat_chain_loops() {
    for fat32 in [false, true] {
        let clean = image(fat32);
        // A file whose chain comes back to its first cluster.
        let mut img = clean.clone();
        let e = img.entry(b"FILE1   BIN");
        let first = img.first_cluster(e);
        img.set_fat(first + 2, first);
        img.damaged("/FILE1.BIN", "/FILE2.BIN");
        // A cluster that points at itself.
        let mut img = clean.clone();
        img.set_fat(first, first);
        img.damaged("/FILE1.BIN", "/DIR/INNER.TXT");
        // A directory whose chain loops.
        let mut img = clean.clone();
        let d = img.entry(b"DIR        ");
        let dc = img.first_cluster(d);
        img.set_fat(dc, dc);
        img.damaged("/DIR", "/FILE1.BIN");
        // Two files sharing a cluster (cross-link): both read, only check() sees it.
        let mut img = clean.clone();
        let f2 = img.entry(b"FILE2   BIN");
        img.set_first_cluster(f2, first + 1);
        let (mut fs, r) = img.mount(false);
        r.unwrap();
        assert_eq!(fs.check().unwrap_err(), Errno::EIO);
        assert_eq!(read_file(&mut fs, "/FILE1.BIN").unwrap(), pattern(2, 2000));
        exercise(&mut fs);
    }
}

#[test]
fn out_of_range_clusters_in_the_fat() {
    for fat32 in [false, true] {
        let clean = image(fat32);
        let e = clean.entry(b"FILE1   BIN");
        let first = clean.first_cluster(e);
        let huge = if fat32 { 0x0FFF_FFF0 } else { 0xFF0 };
        for bad in [1, huge, 60_000, 0xFF6] {
            let mut img = clean.clone();
            img.set_fat(first + 1, bad);
            img.damaged("/FILE1.BIN", "/FILE2.BIN");
        }
        // A chain that runs into a free cluster.
        let mut img = clean.clone();
        img.set_fat(first + 1, 0);
        img.damaged("/FILE1.BIN", "/FILE2.BIN");
        // The same in a directory's chain.
        let mut img = clean.clone();
        let d = img.entry(b"DIR        ");
        let dc = img.first_cluster(d);
        img.set_fat(dc, 1);
        img.damaged("/DIR", "/FILE2.BIN");
    }
}

#[test]
fn directory_entries_pointing_anywhere() {
    for fat32 in [false, true] {
        let clean = image(fat32);
        let huge = if fat32 { u32::MAX } else { 0xFFFF };
        for (name, path) in [(b"DIR        ", "/DIR"), (b"FILE1   BIN", "/FILE1.BIN")] {
            for c in [1, 2 + 10_000_000, huge, 0xFFF8] {
                let mut img = clean.clone();
                let e = img.entry(name);
                img.set_first_cluster(e, c);
                img.damaged(path, "/FILE2.BIN");
            }
        }
        // A directory entry with no cluster at all.
        let mut img = clean.clone();
        let e = img.entry(b"DIR        ");
        img.set_first_cluster(e, 0);
        img.damaged("/DIR", "/FILE2.BIN");
        // A file whose size is larger than its chain: reading it is EIO.
        let mut img = clean.clone();
        let e = img.entry(b"FILE2   BIN");
        img.bytes[e + 28..e + 32].copy_from_slice(&100_000u32.to_le_bytes());
        let (mut fs, r) = img.mount(true);
        r.unwrap();
        assert_eq!(read_file(&mut fs, "/FILE2.BIN").unwrap_err(), Errno::EIO);
        // A file entry marked as a directory: its "directory" is file data, read as entries.
        let mut img = clean.clone();
        let e = img.entry(b"FILE1   BIN");
        img.bytes[e + 11] |= 0x10;
        let (mut fs, r) = img.mount(false);
        if r.is_ok() {
            exercise(&mut fs);
        }
    }
}

/// Random damage to the metadata (boot sector, FAT, root directory, first directory cluster):
/// every result is an error or a working volume.
#[test]
fn random_metadata_damage() {
    let rounds: u64 = std::env::var("UVFS_FAT_DAMAGE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for fat32 in [false, true] {
        let clean = image(fat32);
        let meta_end = clean.data + 2 * clean.cluster;
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut disk = None;
        let rounds = if fat32 { rounds.div_ceil(3) } else { rounds };
        for _ in 0..rounds {
            let patches: Vec<(usize, u8)> = (0..1 + next() % 8)
                .map(|_| ((next() % meta_end as u64) as usize, next() as u8))
                .collect();
            try_damage(&clean, &mut disk, &patches);
        }
    }
}

/// A power cut at every device write of a session of changes: the next mount succeeds (never a
/// panic), and a file the session never touched reads back intact. FAT is not crash-safe: a cut
/// can leave lost clusters or, mid-rename, two entries sharing a chain; those show as `EIO` on
/// what they touch and in `check()`, and fsck.fat repairs them.
#[test]
fn power_cuts_during_changes() {
    use uvfs_testkit::{sweep_power_cuts, SweepOptions};

    let keep = pattern(7, 1300);
    let base = {
        let mut fs = VfsFat::new(RamDisk::new(512, 512)).unwrap();
        fs.mkfs(&FormatOptions::new()).unwrap();
        fs.mount(false, false).unwrap();
        write_file(&mut fs, "/keep.txt", &keep).unwrap();
        fs.mkdir("/dir").unwrap();
        write_file(&mut fs, "/dir/old.txt", b"old").unwrap();
        fs.umount().unwrap();
        fs.into_device().into_bytes()
    };
    let workload = |dev: &mut uvfs_testkit::FaultyDevice<RamDisk>| {
        let Ok(fs) = VfsFat::new(dev) else { return };
        let mut fs = fs.with_cache_lines(4);
        if fs.mount(false, false).is_err() {
            return;
        }
        let _ = write_file(&mut fs, "/new file.bin", &pattern(8, 3000));
        let _ = fs.mkdir("/dir/sub");
        let _ = fs.rename("/new file.bin", "/dir/sub/moved.bin");
        let _ = fs.remove("/dir/old.txt");
        let _ = write_file(&mut fs, "/dir/sub/moved.bin", b"shorter");
        let _ = fs.rename("/dir/sub", "/sub");
        let _ = fs.umount();
    };
    for tear in [None, Some(100)] {
        let (mut mounted, mut refused) = (0u32, 0u32);
        let coverage = sweep_power_cuts(
            || RamDisk::from_image(base.clone(), 512),
            workload,
            |dev, _cut| {
                let mut fs = VfsFat::new(&mut *dev).map_err(|e| e.to_string())?;
                match fs.mount(false, false) {
                    Ok(()) => {
                        mounted += 1;
                        if tear.is_none()
                            && read_file(&mut fs, "/keep.txt").map_err(|e| e.to_string())? != keep
                        {
                            return Err("an untouched file changed".into());
                        }
                        let _ = tree(&mut fs, "/");
                        let _ = fs.umount();
                    }
                    Err(e) if e.errno() == Errno::EIO || e.errno() == Errno::ENODEV => refused += 1,
                    Err(e) => return Err(format!("mount failed with {e}")),
                }
                Ok(())
            },
            &SweepOptions {
                tear_bytes: tear,
                ..SweepOptions::default()
            },
        )
        .unwrap();
        assert!(coverage.covered > 10, "{coverage}");
        assert_eq!(
            refused, 0,
            "{coverage}: {mounted} mounted, {refused} refused"
        );
        eprintln!("power cuts (tear {tear:?}): {coverage}; {mounted} mounted, {refused} refused");
    }
}
