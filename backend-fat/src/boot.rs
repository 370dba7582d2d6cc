//! The boot sector, read and checked by VfsFat itself before fatfs sees it.
//!
//! fatfs 0.3 validates the BIOS parameter block with unchecked arithmetic (a huge sectors-per-FAT
//! overflows in its own checks) and does not compare the volume with the device. [`Geometry::parse`]
//! reads every field through checked readers, does the arithmetic in `u64`, and refuses anything
//! fatfs could trip over, so that fatfs only ever mounts volumes whose numbers are consistent.

use uvfs_os_api::{Errno, Error, Result};

/// The three FAT variants, by the width of a FAT entry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FatType {
    /// 12-bit entries, fewer than 4085 clusters.
    Fat12,
    /// 16-bit entries, 4085 to 65524 clusters.
    Fat16,
    /// 28-bit entries, 65525 clusters or more.
    Fat32,
}

impl FatType {
    /// The variant a volume of `clusters` data clusters has (Microsoft's rule, which fatfs uses).
    pub const fn from_clusters(clusters: u32) -> FatType {
        if clusters < 4085 {
            FatType::Fat12
        } else if clusters < 65525 {
            FatType::Fat16
        } else {
            FatType::Fat32
        }
    }

    /// `"FAT12"`, `"FAT16"` or `"FAT32"`.
    pub const fn name(self) -> &'static str {
        match self {
            FatType::Fat12 => "FAT12",
            FatType::Fat16 => "FAT16",
            FatType::Fat32 => "FAT32",
        }
    }

    pub(crate) fn to_fatfs(self) -> fatfs::FatType {
        match self {
            FatType::Fat12 => fatfs::FatType::Fat12,
            FatType::Fat16 => fatfs::FatType::Fat16,
            FatType::Fat32 => fatfs::FatType::Fat32,
        }
    }
}

/// Largest cluster count VfsFat accepts on FAT32: below the reserved values 0x0FFFFFF7...
const FAT32_MAX_CLUSTERS: u64 = 0x0FFF_FFF4;

/// A short boot sector or a field outside it: "not a FAT volume".
fn no_fs(what: &'static str) -> Error {
    Errno::ENODEV.with_detail(what)
}

/// Reads little-endian fields of a sector by offset, failing (not panicking) past its end.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> Result<[u8; N]> {
        self.0
            .get(at..at + N)
            .and_then(|s| s.try_into().ok())
            .ok_or(no_fs("boot sector too short"))
    }
    fn u8(&self, at: usize) -> Result<u8> {
        Ok(self.bytes::<1>(at)?[0])
    }
    fn u16(&self, at: usize) -> Result<u16> {
        Ok(u16::from_le_bytes(self.bytes(at)?))
    }
    fn u32(&self, at: usize) -> Result<u32> {
        Ok(u32::from_le_bytes(self.bytes(at)?))
    }
}

/// The layout of a mounted volume, from its boot sector, with every derived number checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub fat_type: FatType,
    pub bytes_per_sector: u32,
    pub sectors_per_cluster: u32,
    pub reserved_sectors: u32,
    pub fats: u32,
    pub root_entries: u32,
    pub total_sectors: u32,
    pub sectors_per_fat: u32,
    /// FAT32: the root directory's first cluster.
    pub root_cluster: u32,
    /// FAT32: the FSInfo sector (0 on FAT12/16).
    pub fs_info_sector: u32,
    /// The FAT copy fatfs reads (`None`: all copies are mirrored and copy 0 is read).
    pub active_fat: Option<u32>,
    pub first_root_sector: u32,
    pub root_sectors: u32,
    pub first_data_sector: u32,
    /// Data clusters; valid cluster numbers are `2..clusters + 2`.
    pub clusters: u32,
    pub volume_id: u32,
    pub label: [u8; 11],
}

impl Geometry {
    /// Parses and checks the first sector of a device of `device_sectors` sectors of
    /// `device_sector_size` bytes.
    ///
    /// `ENODEV` when it is not a FAT volume fatfs can mount (as MicroPython reports FatFs's
    /// `FR_NO_FILESYSTEM`); `EIO` when the volume is larger than the device.
    pub fn parse(sector: &[u8], device_sector_size: u32, device_sectors: u32) -> Result<Geometry> {
        let f = Fields(sector);
        if f.bytes::<2>(510)? != [0x55, 0xAA] {
            return Err(no_fs("no boot sector signature"));
        }
        let bps = u32::from(f.u16(11)?);
        if !bps.is_power_of_two() || !(512..=4096).contains(&bps) {
            return Err(no_fs("bad bytes per sector"));
        }
        if bps != device_sector_size {
            return Err(no_fs("sector size differs from the device's block size"));
        }
        let spc = u32::from(f.u8(13)?);
        if !spc.is_power_of_two() || spc > 128 {
            return Err(no_fs("bad sectors per cluster"));
        }
        let reserved = u32::from(f.u16(14)?);
        if reserved == 0 {
            return Err(no_fs("no reserved sectors"));
        }
        let fats = u32::from(f.u8(16)?);
        if !(1..=2).contains(&fats) {
            return Err(no_fs("bad number of FATs"));
        }
        let root_entries = u32::from(f.u16(17)?);
        let total16 = u32::from(f.u16(19)?);
        let spf16 = u32::from(f.u16(22)?);
        let total32 = f.u32(32)?;
        let is_fat32 = spf16 == 0;
        let (spf, root_cluster, fs_info, active_fat, ext) = if is_fat32 {
            let spf32 = f.u32(36)?;
            let ext_flags = f.u16(40)?;
            if f.u16(42)? != 0 {
                return Err(no_fs("unknown FAT32 version"));
            }
            let active = if ext_flags & 0x80 != 0 {
                Some(u32::from(ext_flags & 0x0F))
            } else {
                None
            };
            (spf32, f.u32(44)?, u32::from(f.u16(48)?), active, 64)
        } else {
            (spf16, 0, 0, None, 36)
        };
        if spf == 0 {
            return Err(no_fs("no sectors per FAT"));
        }
        if active_fat.is_some_and(|a| a >= fats) {
            return Err(no_fs("active FAT out of range"));
        }
        let total = match (total16, total32) {
            (0, 0) => return Err(no_fs("no total sector count")),
            (t, 0) if !is_fat32 => t,
            (0, t) => t,
            _ => return Err(no_fs("both total sector counts set")),
        };
        if is_fat32 && root_entries != 0 {
            return Err(no_fs("FAT32 with a fixed root directory"));
        }
        if !is_fat32 && (root_entries == 0 || (root_entries * 32) % bps != 0) {
            return Err(no_fs("bad root directory size"));
        }
        let root_sectors = root_entries * 32 / bps;
        let fat_sectors = u64::from(fats) * u64::from(spf);
        let first_data = u64::from(reserved) + fat_sectors + u64::from(root_sectors);
        if first_data >= u64::from(total) {
            return Err(no_fs("no room for data clusters"));
        }
        let clusters = (u64::from(total) - first_data) / u64::from(spc);
        if clusters == 0 {
            return Err(no_fs("no data clusters"));
        }
        if is_fat32 && clusters > FAT32_MAX_CLUSTERS {
            return Err(no_fs("too many clusters"));
        }
        // Checked above: fits in u32 (at most the total sector count).
        let clusters = clusters as u32;
        let fat_type = FatType::from_clusters(clusters);
        if (fat_type == FatType::Fat32) != is_fat32 {
            return Err(no_fs("FAT type does not match the cluster count"));
        }
        // Every entry a cluster number can name must lie inside one FAT, and fatfs computes the
        // FAT's size in bits in u32.
        let fat_bytes = u64::from(spf) * u64::from(bps);
        let last = u64::from(clusters) + 1;
        let needed = match fat_type {
            FatType::Fat12 => last * 3 / 2 + 2,
            FatType::Fat16 => (last + 1) * 2,
            FatType::Fat32 => (last + 1) * 4,
        };
        if fat_bytes < needed {
            return Err(no_fs("FAT too small for the cluster count"));
        }
        if fat_bytes
            .checked_mul(8)
            .is_none_or(|bits| bits > u64::from(u32::MAX))
        {
            return Err(no_fs("FAT too large for fatfs"));
        }
        if is_fat32 {
            if !(2..=last).contains(&u64::from(root_cluster)) {
                return Err(no_fs("FAT32 root cluster out of range"));
            }
            let backup = u32::from(f.u16(50)?);
            if fs_info == 0 || fs_info >= reserved || backup >= reserved {
                return Err(no_fs(
                    "FSInfo or backup boot sector outside the reserved area",
                ));
            }
        }
        if total > device_sectors {
            return Err(Errno::EIO.with_detail("volume larger than the device (truncated image?)"));
        }
        let (volume_id, label) = if f.u8(ext + 2)? == 0x29 {
            (f.u32(ext + 3)?, f.bytes::<11>(ext + 7)?)
        } else {
            (0, *b"NO NAME    ")
        };
        // Fits: first_data < total <= u32::MAX.
        let first_data = first_data as u32;
        Ok(Geometry {
            fat_type,
            bytes_per_sector: bps,
            sectors_per_cluster: spc,
            reserved_sectors: reserved,
            fats,
            root_entries,
            total_sectors: total,
            sectors_per_fat: spf,
            root_cluster,
            fs_info_sector: fs_info,
            active_fat,
            first_root_sector: first_data - root_sectors,
            root_sectors,
            first_data_sector: first_data,
            clusters,
            volume_id,
            label,
        })
    }

    /// Bytes per cluster.
    pub fn cluster_size(&self) -> u32 {
        self.sectors_per_cluster * self.bytes_per_sector
    }

    /// Whether `cluster` names a data cluster.
    pub fn valid_cluster(&self, cluster: u32) -> bool {
        cluster >= 2 && cluster - 2 < self.clusters
    }

    /// Byte offset of a valid data cluster.
    pub fn cluster_offset(&self, cluster: u32) -> u64 {
        let index = u64::from(cluster.saturating_sub(2));
        (u64::from(self.first_data_sector) + index * u64::from(self.sectors_per_cluster))
            * u64::from(self.bytes_per_sector)
    }

    /// Byte offset of FAT copy `copy`.
    pub fn fat_offset(&self, copy: u32) -> u64 {
        (u64::from(self.reserved_sectors) + u64::from(copy) * u64::from(self.sectors_per_fat))
            * u64::from(self.bytes_per_sector)
    }

    /// The FAT copy that is read.
    pub fn read_fat(&self) -> u32 {
        self.active_fat.unwrap_or(0)
    }

    /// The FAT copies every change is written to.
    pub fn written_fats(&self) -> core::ops::Range<u32> {
        match self.active_fat {
            Some(a) => a..a + 1,
            None => 0..self.fats,
        }
    }

    /// Byte offset and length of the FAT12/16 root directory region.
    pub fn root_region(&self) -> (u64, u64) {
        let bps = u64::from(self.bytes_per_sector);
        (
            u64::from(self.first_root_sector) * bps,
            u64::from(self.root_sectors) * bps,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FAT12 boot sector like MicroPython's for 512 B x 256.
    fn fat12() -> Vec<u8> {
        let mut s = vec![0u8; 512];
        s[0..3].copy_from_slice(&[0xEB, 0xFE, 0x90]);
        s[11..13].copy_from_slice(&512u16.to_le_bytes());
        s[13] = 1;
        s[14..16].copy_from_slice(&1u16.to_le_bytes());
        s[16] = 1;
        s[17..19].copy_from_slice(&512u16.to_le_bytes());
        s[19..21].copy_from_slice(&256u16.to_le_bytes());
        s[21] = 0xF8;
        s[22..24].copy_from_slice(&1u16.to_le_bytes());
        s[38] = 0x29;
        s[39..43].copy_from_slice(&0x1234_5678u32.to_le_bytes());
        s[43..54].copy_from_slice(b"NO NAME    ");
        s[510] = 0x55;
        s[511] = 0xAA;
        s
    }

    #[test]
    fn micropython_geometry() {
        let g = Geometry::parse(&fat12(), 512, 256).unwrap();
        assert_eq!(g.fat_type, FatType::Fat12);
        assert_eq!(g.clusters, 222);
        assert_eq!(g.first_root_sector, 2);
        assert_eq!(g.first_data_sector, 34);
        assert_eq!(g.cluster_offset(2), 34 * 512);
        assert!(g.valid_cluster(223) && !g.valid_cluster(224) && !g.valid_cluster(1));
        assert_eq!(g.volume_id, 0x1234_5678);
    }

    #[test]
    fn damaged_fields_are_refused() {
        let cases: [(usize, &[u8]); 9] = [
            (510, &[0, 0]),
            (11, &[0, 0]),
            (11, &[0, 3]),
            (13, &[3]),
            (14, &[0, 0]),
            (16, &[0]),
            (17, &[0, 0]),
            (19, &[0, 0]),
            (22, &[0xFF, 0xFF]),
        ];
        for (at, bytes) in cases {
            let mut s = fat12();
            s[at..at + bytes.len()].copy_from_slice(bytes);
            let e = Geometry::parse(&s, 512, 256).unwrap_err();
            assert_eq!(e.errno(), Errno::ENODEV, "field at {at}");
        }
        assert_eq!(Geometry::parse(&fat12(), 512, 100).unwrap_err(), Errno::EIO);
        assert_eq!(
            Geometry::parse(&fat12(), 4096, 256).unwrap_err(),
            Errno::ENODEV
        );
        assert_eq!(
            Geometry::parse(&fat12()[..100], 512, 256).unwrap_err(),
            Errno::ENODEV
        );
    }

    #[test]
    fn huge_fat32_numbers_do_not_overflow() {
        let mut s = fat12();
        s[22..24].copy_from_slice(&0u16.to_le_bytes());
        s[19..21].copy_from_slice(&0u16.to_le_bytes());
        s[17..19].copy_from_slice(&0u16.to_le_bytes());
        s[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
        s[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        s[16] = 2;
        assert_eq!(
            Geometry::parse(&s, 512, u32::MAX).unwrap_err(),
            Errno::ENODEV
        );
    }
}
