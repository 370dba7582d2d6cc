//! MicroPython's `VfsFat.mkfs`, byte for byte.
//!
//! MicroPython formats with FatFs's `f_mkfs`, first with `FM_FAT | FM_SFD` (FAT12 or FAT16, no
//! partition table) and, when that gives up, with `FM_FAT32` (a partition table and a FAT32
//! volume in it). This module lays out the same volume from FatFs's documented behaviour and the
//! images MicroPython v1.29's unix port writes (measured on zero-filled devices of 512 to 4096
//! byte sectors; see `tests/mkfs_identity.rs`):
//!
//! - FAT12/16: one reserved sector, one FAT, 512 root entries, media `0xF8`. The cluster size
//!   starts from the volume size in units of 4096 sectors (1 sector per cluster below 1, 2 from
//!   1, 4 from 4, 8 from 16, 16 from 64, 32 from 256, 64 from 512) and doubles, up to 128 sectors,
//!   while the volume would have more than 65525 clusters, or a FAT16-sized estimate ends up with
//!   4085 clusters or fewer. The FAT type follows the estimate `sectors / cluster`: FAT12 when it
//!   is at most 4085.
//! - FAT32 (when FAT16 would need more than 128 sectors per cluster): a master boot record with
//!   one partition (type `0x0C`) from sector 63 to the end; in it 32 reserved sectors (FSInfo at
//!   1, backup boot sector at 6 and backup FSInfo at 7), one FAT, the root directory in cluster 2.
//!   The cluster size starts from the partition size in units of 128 Ki sectors (1 below 1,
//!   doubling at 1, 2, 4, 8, 16 and 32: at most 64 sectors).
//! - Every boot sector: jump `EB FE 90`, OEM name `MSDOS5.0`, 63 sectors per track, 255 heads,
//!   drive number `0x80`, label `NO NAME`, no boot code, the volume serial number FatFs takes
//!   from its clock (the packed FAT date and time, date in the high half).
//! - Too small (fewer than 16 data clusters) for either: `EIO`, as MicroPython reports FatFs's
//!   `FR_MKFS_ABORTED`.
//!
//! One deviation: where FatFs would make a FAT16 volume of exactly 65525 clusters (FAT32 by
//! Microsoft's rule, so fatfs could not mount it) uvfs doubles the cluster size once more.
//!
//! Only the sectors FatFs writes are written: the boot sectors and FSInfo, the FATs and the root
//! directory (zero-filled past their first bytes), and the partition table sector.

use uvfs_os_api::{Errno, Result};

use crate::boot::FatType;

const MAX_FAT12: u32 = 0xFF5;
const MAX_FAT16: u32 = 0xFFF5;
const MAX_FAT32: u32 = 0x0FFF_FFF5;
/// Root directory entries of a FAT12/16 volume.
const ROOT_ENTRIES: u32 = 512;
/// Where FatFs puts the partition of a FAT32 volume it formats with a partition table.
const PARTITION_START: u32 = 63;
const SECTORS_PER_TRACK: u32 = 63;
const HEADS: u32 = 255;

/// A volume to write: sectors with contents, and runs of sectors to fill with zeros.
#[derive(Debug)]
pub(crate) struct Plan {
    /// `(sector, contents)`: whole sectors.
    pub sectors: Vec<(u32, Vec<u8>)>,
    /// `(first sector, count)`: zero-filled (the parts of the FATs and root directory past
    /// their first sector).
    pub zeros: Vec<(u32, u32)>,
}

/// FatFs's FAT12/16 layout for `sectors`: FAT type, sectors per cluster and sectors per FAT, or
/// `None` when it gives up.
fn fat16_layout(ss: u32, sectors: u32) -> Option<(FatType, u32, u32)> {
    let root_sectors = ROOT_ENTRIES * 32 / ss;
    let units = sectors / 4096;
    let mut spc = [1, 4, 16, 64, 256, 512]
        .iter()
        .filter(|&&b| b <= units)
        .fold(1u32, |s, _| s * 2);
    loop {
        let estimate = sectors / spc;
        let (fat_type, fat_bytes) = if estimate > MAX_FAT12 {
            (FatType::Fat16, u64::from(estimate) * 2 + 4)
        } else {
            (FatType::Fat12, (u64::from(estimate) * 3).div_ceil(2) + 3)
        };
        let fat_sectors = fat_bytes.div_ceil(u64::from(ss)) as u32;
        let data_start = 1 + fat_sectors + root_sectors;
        if u64::from(sectors) < u64::from(data_start) + u64::from(spc) * 16 {
            return None;
        }
        let clusters = (sectors - data_start) / spc;
        // FatFs keeps exactly 65525 clusters as FAT16; Microsoft's rule (and fatfs, which VfsFat
        // mounts with) reads that many as FAT32, so uvfs takes the next cluster size there.
        let grow = match fat_type {
            FatType::Fat16 => clusters >= MAX_FAT16 || clusters <= MAX_FAT12,
            _ if clusters > MAX_FAT12 => return None,
            _ => false,
        };
        if !grow {
            return Some((fat_type, spc, fat_sectors));
        }
        if spc * 2 > 128 {
            return None;
        }
        spc *= 2;
    }
}

/// FatFs's FAT32 layout for a partition of `sectors`: sectors per cluster and per FAT, and the
/// number of clusters.
fn fat32_layout(ss: u32, sectors: u32) -> Option<(u32, u32, u32)> {
    let units = sectors / 0x2_0000;
    let mut spc = [1, 2, 4, 8, 16, 32]
        .iter()
        .filter(|&&b| b <= units)
        .fold(1u32, |s, _| s * 2);
    let mut halved = false;
    loop {
        let estimate = sectors / spc;
        let fat_sectors = (u64::from(estimate) * 4 + 8).div_ceil(u64::from(ss)) as u32;
        let data_start = 32 + fat_sectors;
        if u64::from(sectors) < u64::from(data_start) + u64::from(spc) * 16 {
            return None;
        }
        let clusters = (sectors - data_start) / spc;
        if clusters <= MAX_FAT16 {
            // Too few clusters: FatFs halves the cluster size once.
            if halved || spc == 1 {
                return None;
            }
            halved = true;
            spc /= 2;
            continue;
        }
        if clusters > MAX_FAT32 {
            return None;
        }
        return Some((spc, fat_sectors, clusters));
    }
}

fn put16(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// The boot sector fields every FatFs volume has.
fn boot_common(ss: u32, spc: u32, reserved: u32, root: u32, sectors: u32, hidden: u32) -> Vec<u8> {
    let mut b = vec![0u8; ss as usize];
    b[..3].copy_from_slice(&[0xEB, 0xFE, 0x90]);
    b[3..11].copy_from_slice(b"MSDOS5.0");
    put16(&mut b, 11, ss);
    b[13] = spc as u8;
    put16(&mut b, 14, reserved);
    b[16] = 1; // FATs
    put16(&mut b, 17, root);
    if sectors < 0x1_0000 {
        put16(&mut b, 19, sectors);
    } else {
        put32(&mut b, 32, sectors);
    }
    b[21] = 0xF8;
    put16(&mut b, 24, SECTORS_PER_TRACK);
    put16(&mut b, 26, HEADS);
    put32(&mut b, 28, hidden);
    b[510] = 0x55;
    b[511] = 0xAA;
    b
}

/// Extended boot signature, serial, label and type string at `at` (36 on FAT12/16, 64 on FAT32).
fn boot_ext(b: &mut [u8], at: usize, serial: u32, type_name: &[u8; 8]) {
    b[at] = 0x80;
    b[at + 2] = 0x29;
    put32(b, at + 3, serial);
    b[at + 7..at + 18].copy_from_slice(b"NO NAME    ");
    b[at + 18..at + 26].copy_from_slice(type_name);
}

/// The CHS bytes of a partition table entry.
fn chs(cylinder: u32, head: u32, sector: u32) -> [u8; 3] {
    [
        head as u8,
        (sector as u8 & 0x3F) | ((cylinder >> 2) as u8 & 0xC0),
        cylinder as u8,
    ]
}

/// MicroPython's `VfsFat.mkfs` on a device of `sectors` sectors of `ss` bytes, with volume
/// serial number `serial`. `EIO` where MicroPython fails.
pub(crate) fn plan(ss: u32, sectors: u32, serial: u32) -> Result<Plan> {
    if let Some((fat_type, spc, fat_sectors)) = fat16_layout(ss, sectors) {
        let mut boot = boot_common(ss, spc, 1, ROOT_ENTRIES, sectors, 0);
        put16(&mut boot, 22, fat_sectors);
        boot_ext(&mut boot, 36, serial, b"FAT     ");
        let mut fat = vec![0u8; ss as usize];
        let head: &[u8] = match fat_type {
            FatType::Fat12 => &[0xF8, 0xFF, 0xFF],
            _ => &[0xF8, 0xFF, 0xFF, 0xFF],
        };
        fat[..head.len()].copy_from_slice(head);
        let root_sectors = ROOT_ENTRIES * 32 / ss;
        return Ok(Plan {
            sectors: vec![(0, boot), (1, fat)],
            zeros: vec![(2, fat_sectors - 1 + root_sectors)],
        });
    }
    let too_small = || Errno::EIO.with_detail("FatFs cannot lay out a FAT volume of this size");
    let part = sectors.checked_sub(PARTITION_START).ok_or_else(too_small)?;
    let (spc, fat_sectors, clusters) = fat32_layout(ss, part).ok_or_else(too_small)?;
    let mut mbr = vec![0u8; ss as usize];
    let cyl_end = sectors / (HEADS * SECTORS_PER_TRACK);
    mbr[446 + 1..446 + 4].copy_from_slice(&chs(0, 1, 1));
    mbr[446 + 4] = 0x0C; // FAT32, LBA
    mbr[446 + 5..446 + 8].copy_from_slice(&chs(cyl_end, HEADS - 1, SECTORS_PER_TRACK));
    put32(&mut mbr, 446 + 8, PARTITION_START);
    put32(&mut mbr, 446 + 12, part);
    mbr[510] = 0x55;
    mbr[511] = 0xAA;

    let mut boot = boot_common(ss, spc, 32, 0, part, PARTITION_START);
    put32(&mut boot, 36, fat_sectors);
    put32(&mut boot, 44, 2); // root directory cluster
    put16(&mut boot, 48, 1); // FSInfo sector
    put16(&mut boot, 50, 6); // backup boot sector
    boot_ext(&mut boot, 64, serial, b"FAT32   ");
    let mut info = vec![0u8; ss as usize];
    put32(&mut info, 0, 0x4161_5252);
    put32(&mut info, 484, 0x6141_7272);
    put32(&mut info, 488, clusters - 1);
    put32(&mut info, 492, 2);
    info[510] = 0x55;
    info[511] = 0xAA;
    let mut fat = vec![0u8; ss as usize];
    fat[..12].copy_from_slice(&[
        0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,
    ]);
    let v = PARTITION_START;
    Ok(Plan {
        sectors: vec![
            (0, mbr),
            (v, boot.clone()),
            (v + 1, info.clone()),
            (v + 6, boot),
            (v + 7, info),
            (v + 32, fat),
        ],
        // The rest of the FAT and the root directory's cluster.
        zeros: vec![(v + 33, fat_sectors - 1 + spc)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(fat16_layout(512, 256), Some((FatType::Fat12, 1, 1)));
        assert_eq!(fat16_layout(512, 49), None);
        assert!(fat16_layout(512, 50).is_some());
        assert_eq!(
            fat16_layout(512, 4_194_304),
            Some((FatType::Fat16, 128, 129))
        );
        assert_eq!(fat16_layout(512, 8_388_608), None);
        assert_eq!(fat32_layout(512, 8_388_608 - 63), Some((64, 1025, 131_054)));
    }
}
