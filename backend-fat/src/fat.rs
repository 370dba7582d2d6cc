//! The file allocation table, read and written by VfsFat's own data path: entries, chains,
//! allocation, freeing, and the FAT32 FSInfo sector.
//!
//! Every cluster number read from the table is checked against the volume before it is used:
//! a value that names no data cluster is [`Entry::Invalid`], never a position on the device.

use uvfs_os_api::{BlockDevice, Errno, Error, Result};

use crate::boot::{FatType, Geometry};
use crate::disk::Disk;

/// What a FAT entry says about the cluster after its own.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// The cluster is free.
    Free,
    /// The chain continues at this (valid) cluster.
    Next(u32),
    /// The chain ends here.
    End,
    /// The cluster is marked bad.
    Bad,
    /// A value that names no cluster of this volume (0 and 1 excluded): corrupt.
    Invalid(u32),
}

/// The corruption error every broken chain reports.
pub(crate) fn corrupt(what: &'static str) -> Error {
    Errno::EIO.with_detail(what)
}

fn entry_offset(g: &Geometry, cluster: u32) -> u64 {
    let c = u64::from(cluster);
    match g.fat_type {
        FatType::Fat12 => c + c / 2,
        FatType::Fat16 => c * 2,
        FatType::Fat32 => c * 4,
    }
}

/// The raw value of `cluster`'s entry in the FAT that is read.
pub(crate) fn raw<D: BlockDevice>(disk: &mut Disk<D>, g: &Geometry, cluster: u32) -> Result<u32> {
    if cluster >= g.clusters + 2 {
        return Err(Error::bug("bug: FAT entry out of range"));
    }
    let at = g.fat_offset(g.read_fat()) + entry_offset(g, cluster);
    Ok(match g.fat_type {
        FatType::Fat12 => {
            let mut b = [0u8; 2];
            disk.read_at(at, &mut b)?;
            let v = u32::from(u16::from_le_bytes(b));
            if cluster & 1 == 0 {
                v & 0xFFF
            } else {
                v >> 4
            }
        }
        FatType::Fat16 => {
            let mut b = [0u8; 2];
            disk.read_at(at, &mut b)?;
            u32::from(u16::from_le_bytes(b))
        }
        FatType::Fat32 => {
            let mut b = [0u8; 4];
            disk.read_at(at, &mut b)?;
            u32::from_le_bytes(b) & 0x0FFF_FFFF
        }
    })
}

/// Decodes a raw entry value.
pub(crate) fn decode(g: &Geometry, value: u32) -> Entry {
    let (bad, end) = match g.fat_type {
        FatType::Fat12 => (0xFF7, 0xFF8),
        FatType::Fat16 => (0xFFF7, 0xFFF8),
        FatType::Fat32 => (0x0FFF_FFF7, 0x0FFF_FFF8),
    };
    match value {
        0 => Entry::Free,
        v if v == bad => Entry::Bad,
        v if v >= end => Entry::End,
        v if g.valid_cluster(v) => Entry::Next(v),
        v => Entry::Invalid(v),
    }
}

/// `cluster`'s entry.
pub(crate) fn get<D: BlockDevice>(disk: &mut Disk<D>, g: &Geometry, cluster: u32) -> Result<Entry> {
    Ok(decode(g, raw(disk, g, cluster)?))
}

/// Sets `cluster`'s entry in every FAT copy that is written.
fn set<D: BlockDevice>(disk: &mut Disk<D>, g: &Geometry, cluster: u32, value: u32) -> Result<()> {
    if !g.valid_cluster(cluster) {
        return Err(Error::bug("bug: FAT write to an invalid cluster"));
    }
    for copy in g.written_fats() {
        let at = g.fat_offset(copy) + entry_offset(g, cluster);
        match g.fat_type {
            FatType::Fat12 => {
                let mut b = [0u8; 2];
                disk.read_at(at, &mut b)?;
                let old = u16::from_le_bytes(b);
                let v = (value & 0xFFF) as u16;
                let new = if cluster & 1 == 0 {
                    (old & 0xF000) | v
                } else {
                    (old & 0x000F) | (v << 4)
                };
                disk.write_at(at, &new.to_le_bytes())?;
            }
            FatType::Fat16 => disk.write_at(at, &(value as u16).to_le_bytes())?,
            FatType::Fat32 => {
                let mut b = [0u8; 4];
                disk.read_at(at, &mut b)?;
                let high = u32::from_le_bytes(b) & 0xF000_0000;
                disk.write_at(at, &(high | (value & 0x0FFF_FFFF)).to_le_bytes())?;
            }
        }
    }
    Ok(())
}

fn end_value(g: &Geometry) -> u32 {
    match g.fat_type {
        FatType::Fat12 => 0xFFF,
        FatType::Fat16 => 0xFFFF,
        FatType::Fat32 => 0x0FFF_FFFF,
    }
}

/// Follows a chain from `first`, calling `visit` on each cluster, for at most the volume's
/// cluster count: a chain that does not end by then loops. Returns the number of clusters.
pub(crate) fn walk<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    first: u32,
    mut visit: impl FnMut(u32) -> Result<()>,
) -> Result<u32> {
    if !g.valid_cluster(first) {
        return Err(corrupt("first cluster outside the volume"));
    }
    let mut cluster = first;
    let mut count = 0u32;
    loop {
        visit(cluster)?;
        count += 1;
        if count > g.clusters {
            return Err(corrupt("cluster chain loops"));
        }
        match get(disk, g, cluster)? {
            Entry::End => return Ok(count),
            Entry::Next(n) => cluster = n,
            Entry::Free => return Err(corrupt("cluster chain runs into a free cluster")),
            Entry::Bad => return Err(corrupt("cluster chain runs into a bad cluster")),
            Entry::Invalid(_) => return Err(corrupt("cluster chain points outside the volume")),
        }
    }
}

/// The cluster after `cluster` in a chain VfsFat checked at mount (or built itself):
/// `None` at the end.
pub(crate) fn next<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    cluster: u32,
) -> Result<Option<u32>> {
    match get(disk, g, cluster)? {
        Entry::Next(n) => Ok(Some(n)),
        Entry::End => Ok(None),
        Entry::Free | Entry::Bad | Entry::Invalid(_) => {
            Err(corrupt("cluster chain broken while in use"))
        }
    }
}

/// Free-space bookkeeping of a mounted volume.
#[derive(Clone, Debug, Default)]
pub(crate) struct Space {
    /// Free clusters, when known.
    pub free: Option<u32>,
    /// Where the next search for a free cluster starts.
    pub hint: u32,
    /// FAT32: the FSInfo sector does not hold `free` and `hint` yet.
    pub fs_info_stale: bool,
}

/// Counts the free clusters.
pub(crate) fn count_free<D: BlockDevice>(disk: &mut Disk<D>, g: &Geometry) -> Result<u32> {
    let mut free = 0;
    for c in 2..g.clusters + 2 {
        if raw(disk, g, c)? == 0 {
            free += 1;
        }
    }
    Ok(free)
}

/// Whether at least `n` clusters are free (stops counting once they are found).
pub(crate) fn has_free<D: BlockDevice>(disk: &mut Disk<D>, g: &Geometry, n: u64) -> Result<bool> {
    let mut free = 0u64;
    for c in 2..g.clusters + 2 {
        if raw(disk, g, c)? == 0 {
            free += 1;
            if free >= n {
                return Ok(true);
            }
        }
    }
    Ok(free >= n)
}

/// Allocates a cluster, links it after `prev` (if any) and ends the chain there.
/// `ENOSPC` when the volume is full.
pub(crate) fn alloc<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    space: &mut Space,
    prev: Option<u32>,
) -> Result<u32> {
    if space.free == Some(0) {
        return Err(Errno::ENOSPC.into());
    }
    let start = if g.valid_cluster(space.hint) {
        space.hint
    } else {
        2
    };
    let mut c = start;
    let found = loop {
        if raw(disk, g, c)? == 0 {
            break c;
        }
        c += 1;
        if c == g.clusters + 2 {
            c = 2;
        }
        if c == start {
            space.free = Some(0);
            return Err(Errno::ENOSPC.into());
        }
    };
    set(disk, g, found, end_value(g))?;
    if let Some(p) = prev {
        set(disk, g, p, found)?;
    }
    space.hint = found + 1;
    space.free = space.free.map(|f| f.saturating_sub(1));
    space.fs_info_stale = true;
    Ok(found)
}

/// Frees the chain that starts at `first`; returns how many clusters it had. The whole chain is
/// checked first, so a broken one is left as it is (`EIO`).
pub(crate) fn free_chain<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    space: &mut Space,
    first: u32,
) -> Result<u32> {
    walk(disk, g, first, |_| Ok(()))?;
    let mut cluster = first;
    let mut n = 0u32;
    loop {
        let after = next(disk, g, cluster)?;
        set(disk, g, cluster, 0)?;
        n += 1;
        space.free = space.free.map(|f| f.saturating_add(1).min(g.clusters));
        space.fs_info_stale = true;
        match after {
            Some(c) if n < g.clusters => cluster = c,
            Some(_) => return Err(corrupt("cluster chain loops")),
            None => return Ok(n),
        }
    }
}

/// Ends the chain at `last` and frees what followed it.
pub(crate) fn cut_after<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    space: &mut Space,
    last: u32,
) -> Result<()> {
    if let Some(rest) = next(disk, g, last)? {
        walk(disk, g, rest, |_| Ok(()))?;
        set(disk, g, last, end_value(g))?;
        free_chain(disk, g, space, rest)?;
    }
    Ok(())
}

const FSI_LEAD: u32 = 0x4161_5252;
const FSI_STRUCT: u32 = 0x6141_7272;
const FSI_TRAIL: u32 = 0xAA55_0000;

/// FAT32: the free count and next-free hint the FSInfo sector holds, if its signatures are
/// right (`None` fields for "unknown").
pub(crate) fn read_fs_info<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
) -> Result<Option<(Option<u32>, Option<u32>)>> {
    if g.fat_type != FatType::Fat32 {
        return Ok(None);
    }
    let mut s = [0u8; 512];
    disk.read_at(
        u64::from(g.fs_info_sector) * u64::from(g.bytes_per_sector),
        &mut s,
    )?;
    let word = |at: usize| u32::from_le_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]]);
    if word(0) != FSI_LEAD || word(484) != FSI_STRUCT || word(508) != FSI_TRAIL {
        return Ok(None);
    }
    let known = |v: u32| (v != 0xFFFF_FFFF).then_some(v);
    Ok(Some((known(word(488)), known(word(492)))))
}

/// FAT32: writes `space` into the FSInfo sector if it is stale.
pub(crate) fn write_fs_info<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    space: &mut Space,
) -> Result<()> {
    if g.fat_type != FatType::Fat32 || !space.fs_info_stale {
        space.fs_info_stale = false;
        return Ok(());
    }
    let base = u64::from(g.fs_info_sector) * u64::from(g.bytes_per_sector);
    let free = match space.free {
        Some(f) => f,
        None => {
            let f = count_free(disk, g)?;
            space.free = Some(f);
            f
        }
    };
    let hint = if g.valid_cluster(space.hint) {
        space.hint
    } else {
        0xFFFF_FFFF
    };
    let mut s = [0u8; 512];
    disk.read_at(base, &mut s)?;
    s[0..4].copy_from_slice(&FSI_LEAD.to_le_bytes());
    s[484..488].copy_from_slice(&FSI_STRUCT.to_le_bytes());
    s[488..492].copy_from_slice(&free.to_le_bytes());
    s[492..496].copy_from_slice(&hint.to_le_bytes());
    s[508..512].copy_from_slice(&FSI_TRAIL.to_le_bytes());
    disk.write_at(base, &s)?;
    space.fs_info_stale = false;
    Ok(())
}
