use uvfs_os_api::{BlockCount, BlockDevice, BlockIdx, Errno};
use uvfs_testkit::{sweep_power_cuts, CutPoint, FaultyDevice, IoStats, SharedDevice, SweepOptions};
use uvfs_vfs_core::RamDisk;

fn disk() -> FaultyDevice<RamDisk> {
    FaultyDevice::new(RamDisk::new(512, 8))
}

#[test]
fn counts_every_operation() {
    let mut dev = disk();
    let mut buf = [0u8; 700];
    dev.write(BlockIdx(0), 10, &[1; 700]).unwrap();
    dev.read(BlockIdx(0), 0, &mut buf).unwrap();
    dev.read(BlockIdx(1), 0, &mut buf[..5]).unwrap();
    dev.erase(BlockIdx(2), BlockCount(3)).unwrap();
    assert_eq!(
        dev.stats(),
        IoStats {
            reads: 2,
            writes: 1,
            erases: 1,
            bytes_read: 705,
            bytes_programmed: 700,
            bytes_erased: 1536,
            refused: 0,
        }
    );
    assert_eq!(dev.stats().mutations(), 2);
    // Out-of-range requests are the inner device's EINVAL and are not counted.
    assert_eq!(dev.write(BlockIdx(8), 0, &[1]).unwrap_err(), Errno::EINVAL);
    assert_eq!(dev.stats().writes, 1);
    let mut faults = dev.faults().clone();
    faults.reset_stats();
    assert_eq!(dev.stats(), IoStats::default());
}

#[test]
fn forwards_geometry_and_lifecycle() {
    let mut dev = FaultyDevice::new(RamDisk::new_flash(4096, 16));
    assert_eq!((dev.block_size(), dev.block_count()), (4096, 16));
    assert!(dev.needs_erase());
    dev.init().unwrap();
    dev.sync().unwrap();
    dev.deinit().unwrap();
    assert!(!disk().needs_erase());
}

#[test]
fn power_cut_refuses_and_drops_every_later_mutation() {
    let mut dev = disk();
    dev.cut_power_after(2);
    assert_eq!(dev.faults().mutations_until_cut(), Some(2));
    dev.write(BlockIdx(0), 0, b"one").unwrap();
    dev.erase(BlockIdx(5), BlockCount(1)).unwrap();
    assert!(!dev.power_is_cut());
    assert_eq!(dev.write(BlockIdx(1), 0, b"two").unwrap_err(), Errno::EIO);
    assert!(dev.power_is_cut());
    assert_eq!(dev.write(BlockIdx(2), 0, b"three").unwrap_err(), Errno::EIO);
    assert_eq!(
        dev.erase(BlockIdx(0), BlockCount(1)).unwrap_err(),
        Errno::EIO
    );
    assert_eq!(dev.sync().unwrap_err(), Errno::EIO);
    // Reads still work and show nothing of the refused writes.
    let mut buf = [9u8; 5];
    dev.read(BlockIdx(1), 0, &mut buf).unwrap();
    assert_eq!(buf, [0; 5]);
    assert_eq!(&dev.inner().as_bytes()[..3], b"one");
    assert_eq!(&dev.inner().as_bytes()[1024..1029], &[0; 5]);
    assert_eq!(dev.stats().writes, 1);
    assert_eq!(dev.stats().refused, 4);

    dev.restore_power();
    dev.write(BlockIdx(1), 0, b"two").unwrap();
    assert_eq!(&dev.inner().as_bytes()[512..515], b"two");
}

#[test]
fn cut_write_can_be_torn() {
    let mut dev = disk();
    dev.tear_cut_write_after(Some(3));
    dev.cut_power_after(0);
    assert_eq!(
        dev.write(BlockIdx(0), 510, b"abcdef").unwrap_err(),
        Errno::EIO
    );
    // Three bytes applied, across the block boundary; the rest not.
    assert_eq!(&dev.inner().as_bytes()[510..516], b"abc\0\0\0");
    assert_eq!(dev.stats().bytes_programmed, 3);
    // After the cut nothing more is torn in.
    assert_eq!(dev.write(BlockIdx(3), 0, b"xyz").unwrap_err(), Errno::EIO);
    assert_eq!(&dev.inner().as_bytes()[1536..1539], &[0; 3]);
}

#[test]
fn erase_at_the_cut_is_not_applied() {
    let mut dev = FaultyDevice::new(RamDisk::new_flash(512, 4));
    dev.write(BlockIdx(1), 0, &[0; 512]).unwrap();
    dev.tear_cut_write_after(Some(100));
    dev.cut_power_after(0);
    assert_eq!(
        dev.erase(BlockIdx(1), BlockCount(1)).unwrap_err(),
        Errno::EIO
    );
    assert!(dev.inner().as_bytes()[512..1024].iter().all(|&b| b == 0));
}

#[test]
fn bit_flips_lasting_and_on_read() {
    let mut dev = disk();
    dev.flip_bit(513, 3).unwrap();
    assert_eq!(dev.inner().as_bytes()[513], 0b1000);
    assert_eq!(dev.stats(), IoStats::default());
    assert_eq!(dev.flip_bit(1, 8).unwrap_err(), Errno::EINVAL);
    assert_eq!(dev.flip_bit(8 * 512, 0).unwrap_err(), Errno::EINVAL);

    let mut faults = dev.faults().clone();
    faults.flip_bit_on_read(1000, 0);
    let mut buf = [0u8; 600];
    dev.read(BlockIdx(1), 0, &mut buf).unwrap();
    assert_eq!(buf[1], 0b1000);
    assert_eq!(buf[1000 - 512], 1);
    assert_eq!(dev.inner().as_bytes()[1000], 0, "the medium is untouched");
    // A read that does not cover the address is clean.
    let mut small = [0u8; 4];
    dev.read(BlockIdx(0), 0, &mut small).unwrap();
    assert_eq!(small, [0; 4]);
    faults.clear_read_flips();
    dev.read(BlockIdx(1), 0, &mut buf).unwrap();
    assert_eq!(buf[1000 - 512], 0);
}

#[test]
fn failing_blocks_fail_every_read_that_touches_them() {
    let mut dev = disk();
    dev.fail_reads_of(BlockIdx(3));
    let mut buf = [0u8; 512];
    dev.read(BlockIdx(2), 0, &mut buf).unwrap();
    assert_eq!(dev.read(BlockIdx(3), 0, &mut buf).unwrap_err(), Errno::EIO);
    assert_eq!(
        dev.read(BlockIdx(2), 511, &mut buf[..2]).unwrap_err(),
        Errno::EIO
    );
    dev.read(BlockIdx(2), 510, &mut buf[..2]).unwrap();
    dev.read(BlockIdx(4), 0, &mut buf).unwrap();
    // Writes are not affected.
    dev.write(BlockIdx(3), 0, b"w").unwrap();
    let mut faults = dev.faults().clone();
    faults.heal_reads();
    dev.read(BlockIdx(3), 0, &mut buf[..1]).unwrap();
    assert_eq!(buf[0], b'w');
}

#[test]
fn flash_rules_catch_programming_without_erase() {
    let mut dev = FaultyDevice::new(RamDisk::new_flash(256, 4));
    dev.check_flash_rules(true);
    dev.write(BlockIdx(0), 0, &[0x0F]).unwrap();
    // Clearing more bits is allowed, setting one is not.
    dev.write(BlockIdx(0), 0, &[0x0E]).unwrap();
    let err = dev.write(BlockIdx(0), 0, &[0xF0]).unwrap_err();
    assert_eq!(err, Errno::EIO);
    assert!(err.detail().unwrap_or("").contains("flash rule"));
    assert_eq!(dev.inner().as_bytes()[0], 0x0E, "refused write not applied");
    dev.erase(BlockIdx(0), BlockCount(1)).unwrap();
    dev.write(BlockIdx(0), 0, &[0xF0]).unwrap();
    dev.check_flash_rules(false);
    dev.write(BlockIdx(0), 0, &[0xFF]).unwrap();
}

#[test]
fn faults_stay_controllable_after_handing_the_device_away() {
    let shared = SharedDevice::new(RamDisk::new(512, 4));
    let dev = FaultyDevice::new(shared.clone());
    let mut faults = dev.faults().clone();
    let mut owner: Box<dyn BlockDevice + Send> = Box::new(dev);
    owner.write(BlockIdx(0), 0, b"a").unwrap();
    faults.cut_power_after(0);
    assert_eq!(owner.write(BlockIdx(0), 0, b"b").unwrap_err(), Errno::EIO);
    assert_eq!(faults.stats().writes, 1);
    drop(owner);
    assert_eq!(shared.with(|d| d.as_bytes()[0]), b'a');
    assert_eq!(
        shared.try_unwrap().map(|d| d.as_bytes()[0]).ok(),
        Some(b'a')
    );
}

#[test]
fn share_gives_a_second_device_with_the_same_faults() {
    let dev = FaultyDevice::new(SharedDevice::new(RamDisk::new(512, 4)));
    let mut second = dev.share();
    second.cut_power_after(0);
    assert!(dev.faults().mutations_until_cut() == Some(0));
    assert_eq!(second.write(BlockIdx(0), 0, b"x").unwrap_err(), Errno::EIO);
    assert!(dev.power_is_cut());
    assert_eq!(dev.into_inner().with(|d| d.as_bytes()[0]), 0);
}

/// A toy "filesystem" update: data block first, then the commit block naming it.
fn commit_workload(dev: &mut FaultyDevice<RamDisk>) {
    let _ = dev.write(BlockIdx(1), 0, &[0xAB; 512]);
    let _ = dev.write(BlockIdx(0), 0, b"COMMIT");
}

fn commit_check(dev: &mut FaultyDevice<RamDisk>, _cut: CutPoint) -> Result<(), String> {
    let (mut head, mut data) = ([0u8; 6], [0u8; 512]);
    dev.read(BlockIdx(0), 0, &mut head)
        .map_err(|e| e.to_string())?;
    dev.read(BlockIdx(1), 0, &mut data)
        .map_err(|e| e.to_string())?;
    if &head == b"COMMIT" && data.iter().any(|&b| b != 0xAB) {
        return Err("commit record names data that is not all there".into());
    }
    Ok(())
}

#[test]
fn sweep_visits_every_cut_point() {
    let mut dev = disk();
    assert_eq!(
        dev.count_writes(|d| {
            let _ = d.write(BlockIdx(0), 0, b"x");
        }),
        1
    );
    let mut seen = Vec::new();
    let coverage = sweep_power_cuts(
        || RamDisk::new(512, 4),
        commit_workload,
        |dev, cut| {
            seen.push(cut);
            commit_check(dev, cut)
        },
        &SweepOptions::default(),
    )
    .unwrap();
    assert_eq!((coverage.covered, coverage.total), (2, 2));
    assert_eq!(seen.iter().map(|c| c.index).collect::<Vec<_>>(), [0, 1]);
    assert!(seen.iter().all(|c| c.total == 2 && c.torn_bytes.is_none()));
}

#[test]
fn sweep_reports_the_failing_cut_point() {
    // Wrong order: commit first. Cut 0 tears the commit record to "COM" (harmless); cut 1 tears
    // the data after it, which the check catches.
    let err = sweep_power_cuts(
        || RamDisk::new(512, 4),
        |dev| {
            let _ = dev.write(BlockIdx(0), 0, b"COMMIT");
            let _ = dev.write(BlockIdx(1), 0, &[0xAB; 512]);
        },
        commit_check,
        &SweepOptions {
            tear_bytes: Some(3),
            ..SweepOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.starts_with("cut 1/2: commit record"), "{err}");
}

#[test]
fn sweep_stride_and_limit() {
    let workload = |dev: &mut FaultyDevice<RamDisk>| {
        for i in 0..10 {
            let _ = dev.write(BlockIdx(i % 4), 0, &[i as u8]);
        }
    };
    let options = SweepOptions {
        stride: 3,
        ..SweepOptions::default()
    };
    let c = sweep_power_cuts(|| RamDisk::new(512, 4), workload, |_, _| Ok(()), &options).unwrap();
    assert_eq!((c.covered, c.total), (4, 10));
    let options = SweepOptions {
        max_points: Some(2),
        ..SweepOptions::default()
    };
    let c = sweep_power_cuts(|| RamDisk::new(512, 4), workload, |_, _| Ok(()), &options).unwrap();
    assert_eq!(c.to_string(), "covered 2 of 10 cut points");
}

#[test]
fn sweep_refuses_a_nondeterministic_workload() {
    let mut runs = 0;
    let err = sweep_power_cuts(
        || RamDisk::new(512, 4),
        |dev| {
            runs += 1;
            if runs == 1 {
                let _ = dev.write(BlockIdx(0), 0, b"a");
                let _ = dev.write(BlockIdx(0), 0, b"b");
            }
        },
        |_, _| Ok(()),
        &SweepOptions::default(),
    )
    .unwrap_err();
    assert!(err.contains("never reached"), "{err}");
}
