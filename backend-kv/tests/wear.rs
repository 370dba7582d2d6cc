//! Wear levelling: `sequential-storage` fills and erases its pages in a ring, moving live items
//! out of the page it is about to erase, so every page is erased about as often, static data
//! included.

use uvfs_backend_kv::{RamFlash, VfsKv};
use uvfs_os_api::Filesystem;

use crate::support::{pattern, read_file, write_file};

#[test]
fn erase_counts_stay_balanced_over_a_long_rewrite_cycle() {
    // 8 sectors of 1 KiB: the header page and 7 map pages.
    let mut fs = VfsKv::new(RamFlash::<4, 1024>::new(8)).unwrap();
    fs.mount(false, true).unwrap();
    // Cold data that never changes, and a calibration table rewritten now and then.
    write_file(&mut fs, "/static.bin", &pattern(1, 1_200)).unwrap();
    fs.umount().unwrap();
    let mut flash = fs.into_flash().unwrap();
    flash.reset_stats();
    let mut fs = VfsKv::new(flash).unwrap();
    fs.mount(false, false).unwrap();

    let rounds = 2_000u32;
    let mut user_bytes = 0u64;
    for round in 0..rounds {
        let cfg = pattern(round as u8, 64 + (round % 5) as usize * 20);
        write_file(&mut fs, "/config.txt", &cfg).unwrap();
        user_bytes += cfg.len() as u64;
        if round % 50 == 0 {
            let cal = pattern(round as u8 ^ 0x55, 700);
            write_file(&mut fs, "/cal.bin", &cal).unwrap();
            user_bytes += cal.len() as u64;
        }
    }
    assert_eq!(
        read_file(&mut fs, "/static.bin").unwrap(),
        pattern(1, 1_200)
    );
    fs.umount().unwrap();
    let flash = fs.into_flash().unwrap();

    let counts = &flash.erase_counts()[1..]; // the header page is never erased after mkfs
    assert_eq!(flash.erase_counts()[0], 0);
    let (min, max) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
    let stats = flash.stats();
    println!(
        "{rounds} rewrites: erase counts per map page {counts:?} (spread {}), \
         {} bytes programmed for {user_bytes} bytes of file data ({:.2}x)",
        max - min,
        stats.bytes_written,
        stats.bytes_written as f64 / user_bytes as f64
    );
    assert!(
        min > 50,
        "the cycle was too short to say anything: {counts:?}"
    );
    assert!(max - min <= 1, "erase counts drifted apart: {counts:?}");
}
