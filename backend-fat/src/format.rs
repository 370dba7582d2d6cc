//! `mkfs` options, and the layout fatfs's `format_volume` is given when they are not
//! MicroPython's defaults (the defaults are written byte for byte by [`crate::mkfs`]).
//!
//! MicroPython's `VfsFat.mkfs` calls FatFs's `f_mkfs` with `FM_FAT | FM_SFD`: no partition table,
//! FAT12 or FAT16 only, one FAT, 512 root directory entries, one reserved sector, media `0xF8`,
//! and FatFs's automatic cluster size. [`layout`] reproduces that choice (from FatFs's documented
//! behaviour): the cluster size starts from a table indexed by the volume size in units of 4096
//! sectors (1, 2, 4, ... 64 sectors per cluster) and doubles while FAT16 would have too many
//! clusters, or FAT16 too few (then the volume is FAT12).
//!
//! Where MicroPython gives up (FAT16 cannot hold the volume with clusters of at most 32 KiB,
//! i.e. above about 2 GiB), uvfs makes FAT32 with fatfs's own cluster-size table instead.

use uvfs_os_api::{Errno, Result};

use crate::boot::FatType;

/// How [`VfsFat::mkfs`](crate::VfsFat::mkfs) lays out a new volume. The defaults are
/// MicroPython's.
///
/// ```
/// use uvfs_backend_fat::{FatType, FormatOptions};
/// let opts = FormatOptions::new()
///     .label("MYBOARD")
///     .volume_id(0x1234_5678)
///     .fat_type(FatType::Fat16)
///     .cluster_size(2048);
/// assert_eq!(opts.get_label(), Some("MYBOARD"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormatOptions {
    label: Option<String>,
    volume_id: Option<u32>,
    fat_type: Option<FatType>,
    cluster_size: Option<u32>,
    fats: Option<u8>,
    root_entries: Option<u16>,
}

impl FormatOptions {
    /// MicroPython's image, byte for byte: no label, a volume id from the time source's clock
    /// (as FatFs takes it from `get_fattime`), FAT12/16 as FatFs chooses, one FAT, 512 root
    /// entries, and FAT32 in a partition where FAT16 cannot hold the volume.
    pub fn new() -> FormatOptions {
        FormatOptions::default()
    }

    /// A volume label: up to 11 ASCII characters, stored in upper case; not `"*+,./:;<=>?[\]|`.
    /// Written to the boot sector and as the root directory's volume-label entry.
    pub fn label(mut self, label: &str) -> FormatOptions {
        self.label = Some(label.to_owned());
        self
    }

    /// A fixed volume serial number, for reproducible images.
    pub fn volume_id(mut self, id: u32) -> FormatOptions {
        self.volume_id = Some(id);
        self
    }

    /// Forces the FAT type; `mkfs` fails with `EINVAL` if the volume cannot have it.
    pub fn fat_type(mut self, fat_type: FatType) -> FormatOptions {
        self.fat_type = Some(fat_type);
        self
    }

    /// Forces the cluster size in bytes: a power of two, at least the sector size, at most
    /// 64 KiB (sizes above 32 KiB are not understood by every system).
    pub fn cluster_size(mut self, bytes: u32) -> FormatOptions {
        self.cluster_size = Some(bytes);
        self
    }

    /// Number of FATs, 1 (MicroPython's) or 2.
    pub fn fats(mut self, fats: u8) -> FormatOptions {
        self.fats = Some(fats);
        self
    }

    /// FAT12/16 root directory entries (default 512); a multiple of the entries per sector.
    pub fn root_entries(mut self, entries: u16) -> FormatOptions {
        self.root_entries = Some(entries);
        self
    }

    /// The label set, if any.
    pub fn get_label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The FAT type forced, if any.
    pub fn get_fat_type(&self) -> Option<FatType> {
        self.fat_type
    }

    /// The volume id set, if any.
    pub fn get_volume_id(&self) -> Option<u32> {
        self.volume_id
    }

    /// Whether only the volume id (if anything) differs from [`FormatOptions::new`]: then `mkfs`
    /// writes MicroPython's image byte for byte.
    pub(crate) fn is_micropython(&self) -> bool {
        self.label.is_none()
            && self.fat_type.is_none()
            && self.cluster_size.is_none()
            && self.fats.is_none()
            && self.root_entries.is_none()
    }

    /// The label as the 11 bytes of a FAT label field.
    fn label_bytes(&self) -> Result<Option<[u8; 11]>> {
        let Some(label) = &self.label else {
            return Ok(None);
        };
        let bad =
            |c: char| !c.is_ascii() || c.is_ascii_control() || "\"*+,./:;<=>?[\\]|".contains(c);
        if label.is_empty() || label.len() > 11 || label.chars().any(bad) {
            return Err(Errno::EINVAL.with_detail("invalid volume label"));
        }
        let mut out = [b' '; 11];
        for (slot, b) in out.iter_mut().zip(label.bytes()) {
            *slot = b.to_ascii_uppercase();
        }
        Ok(Some(out))
    }

    /// The fatfs options for a device of `sectors` sectors of `sector_size` bytes;
    /// `default_id` is used when no volume id was set.
    pub(crate) fn to_fatfs(
        &self,
        sector_size: u32,
        sectors: u32,
        default_id: u32,
    ) -> Result<fatfs::FormatVolumeOptions> {
        let fats = self.fats.unwrap_or(1);
        if !(1..=2).contains(&fats) {
            return Err(Errno::EINVAL.with_detail("FAT count must be 1 or 2"));
        }
        let root_entries = self.root_entries.unwrap_or(512);
        if root_entries == 0 || (u32::from(root_entries) * 32) % sector_size != 0 {
            return Err(Errno::EINVAL.with_detail("root entries must fill whole sectors"));
        }
        let (fat_type, cluster) = match (self.fat_type, self.cluster_size) {
            (t, Some(c)) => {
                if !c.is_power_of_two() || c < sector_size || c > 65536 || c / sector_size > 128 {
                    return Err(Errno::EINVAL.with_detail("invalid cluster size"));
                }
                (t, Some(c))
            }
            (Some(FatType::Fat32), None) => (Some(FatType::Fat32), None),
            (t, None) => match layout(
                sector_size,
                sectors,
                u32::from(root_entries),
                u32::from(fats),
            ) {
                Some((chosen, spc)) if t.is_none_or(|t| t == chosen) => {
                    (Some(chosen), Some(spc * sector_size))
                }
                Some(_) => (t, None),
                None => (t.or(Some(FatType::Fat32)), None),
            },
        };
        // In range: the device was checked to have 512..=4096-byte blocks.
        let mut o = fatfs::FormatVolumeOptions::new()
            .bytes_per_sector(sector_size as u16)
            .total_sectors(sectors)
            .fats(fats)
            .max_root_dir_entries(root_entries)
            .media(0xF8)
            .sectors_per_track(63)
            .heads(255)
            .drive_num(0x80)
            .volume_id(self.volume_id.unwrap_or(default_id));
        if let Some(t) = fat_type {
            o = o.fat_type(t.to_fatfs());
        }
        if let Some(c) = cluster {
            o = o.bytes_per_cluster(c);
        }
        if let Some(l) = self.label_bytes()? {
            o = o.volume_label(l);
        }
        Ok(o)
    }
}

/// Most FAT12 clusters FatFs makes (it counts 4085 as FAT12; fatfs and Microsoft as FAT16, so
/// uvfs never makes exactly that many).
const MAX_FAT12: u32 = 0xFF5;
const MAX_FAT16: u32 = 0xFFF5;

/// FatFs's FAT12/16 choice for a volume of `sectors` sectors: the FAT type and sectors per
/// cluster, or `None` if FAT16 would need clusters larger than 32 KiB (or the volume is too small).
pub(crate) fn layout(
    sector_size: u32,
    sectors: u32,
    root_entries: u32,
    fats: u32,
) -> Option<(FatType, u32)> {
    let root_sectors = root_entries * 32 / sector_size;
    let max_spc = (32 * 1024 / sector_size).max(1);
    let mut spc = {
        let n = sectors / 4096;
        let mut spc = 1;
        for bound in [1, 4, 16, 64, 256, 512] {
            if bound <= n {
                spc <<= 1;
            }
        }
        spc
    };
    loop {
        let estimate = sectors / spc;
        let fat_type = if estimate > MAX_FAT12 {
            FatType::Fat16
        } else {
            FatType::Fat12
        };
        let fat_bytes = match fat_type {
            FatType::Fat16 => estimate * 2 + 4,
            _ => (estimate * 3).div_ceil(2) + 3,
        };
        let fat_sectors = fat_bytes.div_ceil(sector_size);
        let data_start = 1 + fat_sectors * fats + root_sectors;
        if sectors < data_start + spc * 16 {
            return None;
        }
        let clusters = (sectors - data_start) / spc;
        match fat_type {
            FatType::Fat16 if clusters > MAX_FAT16 || clusters <= MAX_FAT12 => {
                if spc * 2 > max_spc {
                    return None;
                }
                spc *= 2;
            }
            FatType::Fat12 if clusters >= MAX_FAT12 => return None,
            _ => return Some((fat_type, spc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micropython_fixture_layouts() {
        assert_eq!(layout(512, 256, 512, 1), Some((FatType::Fat12, 1)));
        assert_eq!(layout(4096, 200, 512, 1), Some((FatType::Fat12, 1)));
    }

    #[test]
    fn sizes_pick_growing_clusters() {
        // 8 MiB: FatFs's table says 4 sectors, too few clusters for FAT16, so FAT12 with 8.
        assert_eq!(layout(512, 16 * 1024, 512, 1), Some((FatType::Fat12, 8)));
        // 64 MiB: FAT16 with 8 sectors per cluster.
        assert_eq!(layout(512, 128 * 1024, 512, 1), Some((FatType::Fat16, 8)));
        // 1 GiB at 512 B: 32 KiB clusters, FAT16.
        assert_eq!(
            layout(512, 2 * 1024 * 1024, 512, 1),
            Some((FatType::Fat16, 64))
        );
        // 4 GiB does not fit FAT16 with 32 KiB clusters: FAT32.
        assert_eq!(layout(512, 8 * 1024 * 1024, 512, 1), None);
    }

    #[test]
    fn labels_are_checked() {
        assert!(FormatOptions::new()
            .label("ok")
            .label_bytes()
            .unwrap()
            .is_some());
        assert_eq!(
            FormatOptions::new().label("ok").label_bytes().unwrap(),
            Some(*b"OK         ")
        );
        for bad in ["", "twelve chars", "a.b", "\u{e9}"] {
            assert_eq!(
                FormatOptions::new().label(bad).label_bytes().unwrap_err(),
                Errno::EINVAL
            );
        }
    }
}
