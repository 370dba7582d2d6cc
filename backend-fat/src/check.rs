//! [`VfsFat::check`](crate::VfsFat::check): the whole-volume metadata check.
//!
//! It walks the whole tree: every directory entry's first cluster must name a data cluster (a
//! directory's must not be 0), every chain must stay inside the volume and end, and no cluster
//! may belong to two chains (a cross-link lets freeing one file free another's data). The walk
//! visits each cluster once (a bitmap), so its cost is bounded by the volume's size: one pass over
//! the FAT and every directory.

use uvfs_os_api::{BlockDevice, Result};

use crate::boot::Geometry;
use crate::dir::{self, DirLoc, Flow};
use crate::disk::Disk;
use crate::fat::{self, corrupt};

/// What the check found on a sound volume.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Census {
    pub dirs: u32,
    pub files: u32,
    pub used_clusters: u32,
}

/// Checks the tree (see the module documentation); `EIO` naming the first problem found.
pub(crate) fn check<D: BlockDevice>(disk: &mut Disk<D>, g: &Geometry) -> Result<Census> {
    let mut seen = vec![0u64; (g.clusters as usize + 2).div_ceil(64)];
    let mut census = Census::default();
    let mut claim = |c: u32| -> Result<()> {
        let (word, bit) = (c as usize / 64, c % 64);
        let w = seen
            .get_mut(word)
            .ok_or(corrupt("cluster outside the volume"))?;
        if *w & (1 << bit) != 0 {
            return Err(corrupt(
                "a cluster belongs to two chains (cross-link or loop)",
            ));
        }
        *w |= 1 << bit;
        Ok(())
    };
    let root = DirLoc::root(g);
    if let DirLoc::Chain(c) = root {
        census.used_clusters += fat::walk(disk, g, c, &mut claim)?;
    }
    let mut pending = vec![root];
    while let Some(d) = pending.pop() {
        census.dirs += 1;
        let mut children = Vec::new();
        let mut files = Vec::new();
        dir::scan(disk, g, d, |e| {
            if e.is_dot() {
                return Ok(Flow::Continue);
            }
            if e.is_dir() {
                children.push(dir::child(g, &e)?);
            } else if e.first_cluster != 0 {
                if !g.valid_cluster(e.first_cluster) {
                    return Err(corrupt("file entry points outside the volume"));
                }
                files.push(e.first_cluster);
            } else {
                census.files += 1;
            }
            Ok(Flow::Continue)
        })?;
        for first in files {
            census.files += 1;
            census.used_clusters += fat::walk(disk, g, first, &mut claim)?;
        }
        for child in children {
            if let DirLoc::Chain(c) = child {
                census.used_clusters += fat::walk(disk, g, c, &mut claim)?;
            }
            pending.push(child);
        }
    }
    Ok(census)
}
