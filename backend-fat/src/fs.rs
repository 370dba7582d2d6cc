//! [`VfsFat`]: the backend itself.
//!
//! # How the work is split with fatfs
//! fatfs 0.3's `FileSystem` is not `Send` (its options hold `&'static dyn` trait objects without
//! `Sync`) and its `File` borrows it, so neither can live inside a `Send` backend between calls.
//! VfsFat therefore builds a fatfs `FileSystem` on its cached device for each namespace change
//! (create, mkdir, remove, rename) and for `mkfs`, and drops it before returning. Everything
//! that reads, and the data path of open files, is VfsFat's own code over the same cache:
//! lookups and listings ([`crate::dir`]), cluster chains and allocation ([`crate::fat`]), and the
//! size, first cluster and time of a written file's directory entry. Open files are nodes keyed
//! by the position of their directory entry, shared by every handle on the same file, so two
//! handles see one size and one chain.

use std::collections::{HashMap, VecDeque};
use std::io;

use uvfs_os_api::{
    path, BlockDevice, DirEntry, DirHandle, Errno, Error, FileHandle, FileType, Filesystem,
    FixedTime, HandleSlab, Name, OpenMode, Result, SeekFrom, Stat, StatVfs, TimeSource, Timestamp,
    NAME_MAX,
};

use crate::boot::{FatType, Geometry};
use crate::check;
use crate::dir::{self, DirLoc, Flow, RawEntry};
use crate::disk::{Disk, DiskStats, Io};
use crate::errno;
use crate::fat::{self, Space};
use crate::format::FormatOptions;
use crate::mkfs;
use crate::time;
use crate::walk::{Seg, Segments};

/// Cache lines a new [`VfsFat`] gets: 32 sectors (16 KiB at 512-byte sectors).
pub const DEFAULT_CACHE_LINES: usize = 32;

/// What `stat` reports for the root directory, which has no directory entry: 2000-01-01, as
/// MicroPython does.
const ROOT_MTIME: i64 = Timestamp::EPOCH_2000;

/// The boot-sector geometry and identity of a mounted volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeInfo {
    /// FAT12, FAT16 or FAT32.
    pub fat_type: FatType,
    /// Bytes per sector (the device's block size).
    pub bytes_per_sector: u32,
    /// Sectors per cluster.
    pub sectors_per_cluster: u32,
    /// Reserved sectors before the first FAT.
    pub reserved_sectors: u32,
    /// Number of FATs.
    pub fats: u32,
    /// Root directory entries (0 on FAT32).
    pub root_entries: u32,
    /// Sectors in the volume.
    pub total_sectors: u32,
    /// Sectors per FAT.
    pub sectors_per_fat: u32,
    /// Data clusters.
    pub clusters: u32,
    /// The volume serial number.
    pub volume_id: u32,
}

/// An open file's shared state: one per directory entry, however many handles are open on it.
struct Node {
    first: u32,
    size: u32,
    /// The directory entry must be rewritten (size, first cluster, time).
    dirty: bool,
    refs: usize,
    /// Bumped whenever the chain is cut, so that every handle's cursor is dropped.
    generation: u64,
}

/// A position in a chain: the `index`-th cluster of the file is `cluster`.
#[derive(Copy, Clone)]
struct Cursor {
    generation: u64,
    index: u32,
    cluster: u32,
}

struct OpenFile {
    /// The node's key: the byte offset of the file's directory entry.
    key: u64,
    pos: u64,
    mode: OpenMode,
    cursor: Option<Cursor>,
}

struct Mounted {
    g: Geometry,
    readonly: bool,
    space: Space,
    nodes: HashMap<u64, Node>,
    files: HandleSlab<OpenFile, FileHandle>,
    dirs: HandleSlab<VecDeque<DirEntry>, DirHandle>,
}

/// What the last segment of a path names.
enum Target {
    /// The directory the walk stopped in, without an entry (FatFs's "no name"): a path of only
    /// separators (`/`, `//`), or one ending in a `.` or `..` the directory has no entry for
    /// (`/.`, `/..`, `/d/../..`).
    Dir,
    /// An entry of the directory; `dot` for its `.` or `..` entry.
    Entry { entry: RawEntry, dot: bool },
    /// Nothing by that (FAT-normalised) name.
    Missing { name: String },
}

/// A path walked up to its last segment.
struct Resolved {
    /// Every directory from the root to the one holding the target, both included.
    dirs: Vec<DirLoc>,
    /// The names leading from the root to the last of `dirs` (one fewer than `dirs`), as fatfs
    /// is given them.
    names: Vec<String>,
    /// The last segment's name, as fatfs is given it (`None` for [`Target::Dir`] and dot entries).
    name: Option<String>,
    target: Target,
}

impl Resolved {
    /// The directory holding the target.
    fn parent(&self) -> DirLoc {
        self.dirs.last().copied().unwrap_or(DirLoc::Root)
    }

    /// The path of [`Resolved::parent`] as fatfs is given it: no leading slash, `""` for the root.
    fn parent_path(&self) -> String {
        self.names.join("/")
    }

    /// The path of the target as fatfs is given it (only meaningful for named targets).
    fn fatfs_path(&self) -> String {
        let mut p = self.parent_path();
        if let Some(name) = &self.name {
            if !p.is_empty() {
                p.push('/');
            }
            p.push_str(name);
        }
        p
    }
}

/// MicroPython's `VfsFat`: a FAT12/16/32 volume on a block device, on the `fatfs` crate.
///
/// Construct it on a device ([`VfsFat::new`]), format it if needed ([`VfsFat::mkfs`], or
/// `mount(false, true)`), and use it through the [`Filesystem`] protocol. See the
/// [crate documentation](crate) for behaviour, errnos and the deviations from MicroPython.
pub struct VfsFat<D> {
    disk: Disk<D>,
    clock: Box<dyn TimeSource + Send>,
    format: FormatOptions,
    state: Option<Mounted>,
    /// FatFs's current directory (`None`: the root), set by `chdir`: it cannot be removed. Kept
    /// across `umount` and `mount`, as MicroPython's `VfsFat` keeps it; `mkfs` resets it.
    cwd: Option<DirLoc>,
}

fn fatfs_options() -> fatfs::FsOptions {
    fatfs::FsOptions::new().time_provider(&time::CLOCK)
}

impl<D: BlockDevice> VfsFat<D> {
    /// A FAT filesystem on `device` (not mounted). The device must have 512, 1024, 2048 or 4096
    /// byte blocks that are overwritten in place (for NOR flash, put a read-modify-write layer
    /// such as `uvfs_vfs_core::DiskOnFlash` between); otherwise `EINVAL` (and the device is
    /// dropped).
    pub fn new(device: D) -> Result<VfsFat<D>> {
        let bs = device.block_size();
        if !bs.is_power_of_two() || !(512..=4096).contains(&bs) {
            return Err(Errno::EINVAL.with_detail("FAT needs 512 to 4096-byte blocks"));
        }
        if device.needs_erase() {
            return Err(Errno::EINVAL.with_detail("FAT needs a device that overwrites in place"));
        }
        Ok(VfsFat {
            disk: Disk::new(device, DEFAULT_CACHE_LINES),
            clock: Box::new(FixedTime(Timestamp::from_secs(Timestamp::EPOCH_2000))),
            format: FormatOptions::new(),
            state: None,
            cwd: None,
        })
    }

    /// Uses `clock` for the modification times of new and written files and for the default
    /// volume id of `mkfs` (the default is a fixed 2000-01-01, MicroPython's epoch, so images
    /// are reproducible).
    pub fn with_time_source(mut self, clock: Box<dyn TimeSource + Send>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the clock (see [`VfsFat::with_time_source`]).
    pub fn set_time_source(&mut self, clock: Box<dyn TimeSource + Send>) {
        self.clock = clock;
    }

    /// Uses a sector cache of `lines` sectors (0 turns it off: every access fatfs and VfsFat
    /// make goes to the device as it is).
    pub fn with_cache_lines(mut self, lines: usize) -> Self {
        // A fresh filesystem has nothing cached, so nothing can fail here.
        let _ = self.disk.set_cache_lines(lines);
        self
    }

    /// The cache size in sectors (0: no cache).
    pub fn cache_lines(&self) -> usize {
        self.disk.cache_lines()
    }

    /// Changes the cache size, writing dirty sectors first.
    pub fn set_cache_lines(&mut self, lines: usize) -> Result<()> {
        self.disk.set_cache_lines(lines)
    }

    /// The layout `mount(_, mkfs = true)` formats with (default: MicroPython's).
    pub fn with_format_options(mut self, options: FormatOptions) -> Self {
        self.format = options;
        self
    }

    /// Device traffic so far (reads, writes, cache hits and misses).
    pub fn disk_stats(&self) -> DiskStats {
        self.disk.stats()
    }

    /// The device.
    pub fn device(&self) -> &D {
        self.disk.device()
    }

    /// The device back. A mounted volume is unmounted first (flushing everything); an error of
    /// that last flush is lost, so call [`Filesystem::umount`] first to see it.
    pub fn into_device(mut self) -> D {
        if self.state.is_some() {
            let _ = self.umount();
        }
        self.disk.into_device()
    }

    /// Formats the device with `options` (MicroPython's `VfsFat.mkfs`). `EBUSY` while mounted,
    /// `EINVAL` if the options cannot lay out a volume of this size.
    pub fn mkfs(&mut self, options: &FormatOptions) -> Result<()> {
        if self.state.is_some() {
            return Err(Errno::EBUSY.with_detail("unmount before mkfs"));
        }
        let now = self.clock.now();
        time::set_now(now);
        let (date, t) = time::to_fat(now);
        let default_id = (u32::from(date) << 16) | u32::from(t);
        // The whole device, whatever volume was found on it before.
        self.disk.set_volume(0, self.disk.device_sectors());
        let (ss, n) = (self.disk.sector_size(), self.disk.sectors());
        if options.is_micropython() {
            let plan = mkfs::plan(ss, n, options.get_volume_id().unwrap_or(default_id))?;
            self.disk.invalidate();
            self.disk.readonly = false;
            self.cwd = None;
            let zero = vec![0u8; ss as usize];
            for (first, count) in plan.zeros {
                for s in first..first + count {
                    self.disk.write_at(u64::from(s) * u64::from(ss), &zero)?;
                }
            }
            for (s, data) in &plan.sectors {
                self.disk.write_at(u64::from(*s) * u64::from(ss), data)?;
            }
            return self.disk.sync();
        }
        let opts = options.to_fatfs(ss, n, default_id)?;
        // fatfs picks the FAT type from the cluster count whatever it is asked for: lay the
        // volume out on a dry run first and check the result before touching the device.
        let mut dry = DryRun::default();
        fatfs::format_volume(&mut dry, opts.clone()).map_err(|e| errno::from_io(&e))?;
        // fatfs may lay out a volume with no usable cluster (tiny devices, huge clusters).
        let g = Geometry::parse(&dry.boot, ss, n)
            .map_err(|_| Errno::EINVAL.with_detail("no usable FAT volume fits these options"))?;
        if options.get_fat_type().is_some_and(|t| t != g.fat_type) {
            return Err(Errno::EINVAL.with_detail("the volume cannot have that FAT type"));
        }
        self.disk.invalidate();
        self.disk.readonly = false;
        self.cwd = None;
        fatfs::format_volume(self.disk.io(), opts).map_err(|e| errno::from_io(&e))?;
        self.disk.sync()
    }

    /// The volume on the device, as FatFs finds it: a FAT boot sector in sector 0, or else the
    /// first of the four primary partitions of a partition table there that holds one (what
    /// MicroPython's `mkfs` makes for FAT32). Later disk accesses are relative to the volume.
    fn find_volume(&mut self) -> Result<Geometry> {
        let ss = self.disk.sector_size();
        let device = self.disk.device_sectors();
        self.disk.set_volume(0, device);
        let mut sector = vec![0u8; ss as usize];
        self.disk.read_at(0, &mut sector)?;
        let whole = match Geometry::parse(&sector, ss, device) {
            Ok(g) => return Ok(g),
            Err(e) if e.errno() == Errno::ENODEV && sector[510..512] == [0x55, 0xAA] => e,
            Err(e) => return Err(e),
        };
        let mbr = sector.clone();
        for entry in mbr[446..510].chunks(16) {
            let start = u32::from_le_bytes([entry[8], entry[9], entry[10], entry[11]]);
            let size = u32::from_le_bytes([entry[12], entry[13], entry[14], entry[15]]);
            if entry[4] == 0
                || start == 0
                || size == 0
                || start.checked_add(size).is_none_or(|end| end > device)
            {
                continue;
            }
            self.disk
                .read_at(u64::from(start) * u64::from(ss), &mut sector)?;
            if let Ok(g) = Geometry::parse(&sector, ss, size) {
                self.disk.set_volume(start, size);
                return Ok(g);
            }
        }
        Err(whole)
    }

    fn mounted(&mut self) -> Result<&mut Mounted> {
        self.state.as_mut().ok_or(Errno::ENODEV.into())
    }

    /// The geometry and identity of the mounted volume.
    pub fn volume_info(&mut self) -> Result<VolumeInfo> {
        let g = &self.mounted()?.g;
        Ok(VolumeInfo {
            fat_type: g.fat_type,
            bytes_per_sector: g.bytes_per_sector,
            sectors_per_cluster: g.sectors_per_cluster,
            reserved_sectors: g.reserved_sectors,
            fats: g.fats,
            root_entries: g.root_entries,
            total_sectors: g.total_sectors,
            sectors_per_fat: g.sectors_per_fat,
            clusters: g.clusters,
            volume_id: g.volume_id,
        })
    }

    /// The mounted volume's FAT type.
    pub fn fat_type(&mut self) -> Result<FatType> {
        Ok(self.mounted()?.g.fat_type)
    }

    /// The volume label: the root directory's volume-label entry (what FatFs's `f_getlabel`,
    /// mtools and Windows show), else the boot sector's label field unless it is `NO NAME`;
    /// `None` when there is neither. Trailing spaces are removed.
    pub fn label(&mut self) -> Result<Option<String>> {
        let g = self.mounted()?.g.clone();
        let mut found = None;
        scan_labels(&mut self.disk, &g, &mut found)?;
        let trim = |b: &[u8]| {
            let s: String = b
                .iter()
                .map(|&c| if c < 0x80 { c as char } else { '\u{FFFD}' })
                .collect();
            s.trim_end_matches(' ').to_owned()
        };
        if let Some(raw) = found {
            return Ok(Some(trim(&raw)));
        }
        let bpb = trim(&g.label);
        Ok((!bpb.is_empty() && bpb != "NO NAME").then_some(bpb))
    }

    /// Checks the whole mounted volume the way fsck.fat's first pass does, without changing
    /// anything: every directory entry points into the volume, every chain stays inside it,
    /// ends, and is the only chain using its clusters. `EIO` names the first problem found.
    ///
    /// Mounting does not require this (VfsFat checks each chain and entry when it uses it, as
    /// FatFs does), so a volume with a lost cluster or a power cut's half-done rename still
    /// mounts; call it to find such damage. It reads every directory and the whole FAT once.
    pub fn check(&mut self) -> Result<()> {
        let g = self.mounted()?.g.clone();
        self.disk.flush()?;
        check::check(&mut self.disk, &g).map(drop)
    }

    /// Runs `f` on a fatfs filesystem over the cached device (writable mounts only), then
    /// refreshes the free-space bookkeeping fatfs may have changed.
    fn with_fatfs<R>(
        &mut self,
        f: impl FnOnce(&fatfs::FileSystem<Io<'_, D>>) -> io::Result<R>,
    ) -> Result<R> {
        time::set_now(self.clock.now());
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        let g = st.g.clone();
        if st.readonly {
            return Err(Error::bug("bug: fatfs asked to change a read-only mount"));
        }
        // fatfs keeps FSInfo's free count; it must start from the right one.
        fat::write_fs_info(&mut self.disk, &g, &mut st.space)?;
        let result = {
            let fs = fatfs::FileSystem::new(self.disk.io(), fatfs_options())
                .map_err(|e| errno::from_io(&e))?;
            let r = f(&fs).map_err(|e| errno::from_io(&e));
            let u = fs.unmount().map_err(|e| errno::from_io(&e));
            r.and_then(|v| u.map(|()| v))
        };
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        match fat::read_fs_info(&mut self.disk, &g)? {
            Some((free, hint)) => {
                st.space.free = free;
                st.space.hint = hint.unwrap_or(st.space.hint);
            }
            None => st.space.free = None,
        }
        result
    }

    /// Walks `p` as FatFs does (see [`crate::walk`]) with MicroPython's errnos: an intermediate
    /// segment that is missing or not a directory is `ENOENT`, a bad segment `EINVAL` once
    /// reached. `.` and `..` follow the directory's own entries; one that does not lead to the
    /// directory it should (damaged media) is `EIO`, as is a directory entry that leads back to
    /// a directory on the path.
    fn resolve(&mut self, p: &str) -> Result<Resolved> {
        let g = self.mounted()?.g.clone();
        let root = DirLoc::root(&g);
        let mut r = Resolved {
            dirs: vec![root],
            names: Vec::new(),
            name: None,
            target: Target::Dir,
        };
        for seg in Segments::new(p)? {
            let (seg, last) = seg?;
            let cur = r.parent();
            match seg {
                Seg::Dot | Seg::DotDot => {
                    let dotdot = seg == Seg::DotDot;
                    let Some(e) = dir::find_dot(&mut self.disk, &g, cur, dotdot)? else {
                        // No such entry (the root): FatFs stays where it is.
                        continue;
                    };
                    let to = dir::dot_target(&g, &e)?;
                    if last {
                        r.target = Target::Entry {
                            entry: e,
                            dot: true,
                        };
                        return Ok(r);
                    }
                    let n = r.dirs.len();
                    if !dotdot && to == cur {
                        continue;
                    }
                    if dotdot && n >= 2 && r.dirs[n - 2] == to {
                        r.dirs.pop();
                        r.names.pop();
                        continue;
                    }
                    if dotdot && n == 1 && to == cur {
                        continue;
                    }
                    return Err(fat::corrupt("dot entry leads elsewhere"));
                }
                Seg::Name(name) => match dir::find(&mut self.disk, &g, cur, name)? {
                    None if last => {
                        r.name = Some(name.to_owned());
                        r.target = Target::Missing {
                            name: name.to_owned(),
                        };
                        return Ok(r);
                    }
                    None => return Err(Errno::ENOENT.into()),
                    Some(e) if last => {
                        if e.is_dir()
                            && e.first_cluster != 0
                            && r.dirs.contains(&DirLoc::Chain(e.first_cluster))
                        {
                            return Err(fat::corrupt("directory loop"));
                        }
                        r.name = Some(name.to_owned());
                        r.target = Target::Entry {
                            entry: e,
                            dot: false,
                        };
                        return Ok(r);
                    }
                    Some(e) if e.is_dir() => {
                        let child = dir::child(&g, &e)?;
                        if r.dirs.contains(&child) {
                            return Err(fat::corrupt("directory loop"));
                        }
                        r.dirs.push(child);
                        r.names.push(name.to_owned());
                    }
                    Some(_) => return Err(Errno::ENOENT.into()),
                },
            }
        }
        Ok(r)
    }

    /// The directory `r` names, or `None` if it names a file or nothing.
    fn dir_of(&self, r: &Resolved) -> Result<Option<DirLoc>> {
        let g = &self.state.as_ref().ok_or(Error::from(Errno::ENODEV))?.g;
        Ok(match &r.target {
            Target::Dir => Some(r.parent()),
            Target::Entry { entry, dot: true } => Some(dir::dot_target(g, entry)?),
            Target::Entry { entry, .. } if entry.is_dir() => Some(dir::child(g, entry)?),
            Target::Entry { .. } | Target::Missing { .. } => None,
        })
    }

    /// `ENOSPC` unless `parent` can take the entries of a new `name` (long-name entries and the
    /// short one) and `extra` more clusters can be allocated. fatfs finds out too late: it
    /// allocates a new directory's cluster first, and a rename deletes the old entries first.
    fn check_room(&mut self, parent: DirLoc, name: &str, extra: u32) -> Result<()> {
        let g = self.mounted()?.g.clone();
        let needed = name.encode_utf16().count().div_ceil(13) as u64 + 1;
        let missing = dir::missing_slots(&mut self.disk, &g, parent, needed)?;
        if missing > 0 && parent == DirLoc::Root {
            return Err(Errno::ENOSPC.with_detail("root directory full"));
        }
        let clusters = (missing * 32).div_ceil(u64::from(g.cluster_size())) + u64::from(extra);
        if clusters == 0 {
            return Ok(());
        }
        let enough = match self.mounted()?.space.free {
            Some(f) => u64::from(f) >= clusters,
            None => fat::has_free(&mut self.disk, &g, clusters)?,
        };
        if !enough {
            return Err(Errno::ENOSPC.into());
        }
        Ok(())
    }

    /// `EIO` unless the chain from `first` (0: none) stays inside the volume and ends.
    fn check_chain(&mut self, first: u32) -> Result<()> {
        if first == 0 {
            return Ok(());
        }
        let g = self.mounted()?.g.clone();
        fat::walk(&mut self.disk, &g, first, |_| Ok(())).map(drop)
    }

    fn check_writable(&mut self) -> Result<()> {
        if self.mounted()?.readonly {
            return Err(Errno::EROFS.into());
        }
        Ok(())
    }

    fn node_open(&self, offset: u64) -> bool {
        self.state
            .as_ref()
            .is_some_and(|st| st.nodes.contains_key(&offset))
    }

    /// Writes back the directory entry of a dirty node.
    fn write_node(&mut self, key: u64) -> Result<()> {
        let stamp = time::to_fat(self.clock.now());
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        let Some(node) = st.nodes.get_mut(&key) else {
            return Err(Error::bug("bug: open file without its node"));
        };
        if !node.dirty {
            return Ok(());
        }
        dir::update_entry(
            &mut self.disk,
            &st.g,
            key,
            node.first,
            node.size,
            Some(stamp),
        )?;
        node.dirty = false;
        Ok(())
    }

    /// Flushes every dirty node, FSInfo and the cache, then syncs the device.
    fn sync_all(&mut self) -> Result<()> {
        let keys: Vec<u64> = match &self.state {
            Some(st) => st.nodes.keys().copied().collect(),
            None => return Err(Errno::ENODEV.into()),
        };
        let mut first_err = None;
        for key in keys {
            if let Err(e) = self.write_node(key) {
                first_err.get_or_insert(e);
            }
        }
        if let Some(st) = self.state.as_mut() {
            if !st.readonly {
                if let Err(e) = fat::write_fs_info(&mut self.disk, &st.g, &mut st.space) {
                    first_err.get_or_insert(e);
                }
            }
        }
        if let Err(e) = self.disk.sync() {
            first_err.get_or_insert(e);
        }
        first_err.map_or(Ok(()), Err)
    }

    /// The cluster holding byte `pos` of an open file (see [`locate`]).
    fn cluster_at(&mut self, fh: FileHandle, pos: u64, grow: bool) -> Result<Option<u32>> {
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        let file = st.files.get_mut(fh)?;
        let node = st
            .nodes
            .get_mut(&file.key)
            .ok_or(Error::bug("bug: open file without its node"))?;
        locate(&mut self.disk, &st.g, &mut st.space, file, node, pos, grow)
    }

    fn file_state(&mut self, fh: FileHandle) -> Result<(u64, OpenMode, u64, u32)> {
        let st = self.mounted()?;
        let file = st.files.get(fh)?;
        let node = st
            .nodes
            .get(&file.key)
            .ok_or(Error::bug("bug: open file without its node"))?;
        Ok((
            file.pos,
            file.mode,
            u64::from(node.size),
            st.g.cluster_size(),
        ))
    }

    /// Writes `data` at `pos` of an open file, growing it; returns how much was written
    /// (short only when the volume filled up).
    fn write_at(&mut self, fh: FileHandle, mut pos: u64, data: &[u8]) -> Result<usize> {
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        let file = st.files.get_mut(fh)?;
        let node = st
            .nodes
            .get_mut(&file.key)
            .ok_or(Error::bug("bug: open file without its node"))?;
        let cs = u64::from(st.g.cluster_size());
        let mut done = 0usize;
        while done < data.len() {
            let cluster = match locate(&mut self.disk, &st.g, &mut st.space, file, node, pos, true)
            {
                Ok(Some(c)) => c,
                Ok(None) => return Err(Error::bug("bug: growing a chain gave nothing")),
                Err(e) if e.errno() == Errno::ENOSPC && done > 0 => break,
                Err(e) => return Err(e),
            };
            let within = pos % cs;
            let n = ((cs - within) as usize).min(data.len() - done);
            let at = st.g.cluster_offset(cluster) + within;
            self.disk.write_at(at, &data[done..done + n])?;
            done += n;
            pos += n as u64;
            // At most u32::MAX: callers cap positions.
            node.size = node.size.max(pos as u32);
            node.dirty = true;
        }
        Ok(done)
    }

    /// Writes zeros from the end of the file up to `end`.
    fn zero_fill(&mut self, fh: FileHandle, size: u64, end: u64) -> Result<()> {
        const ZEROS: [u8; 4096] = [0; 4096];
        let mut at = size;
        while at < end {
            let n = ((end - at) as usize).min(ZEROS.len());
            let w = self.write_at(fh, at, &ZEROS[..n])?;
            if w == 0 {
                return Err(Errno::ENOSPC.into());
            }
            at += w as u64;
            if w < n {
                return Err(Errno::ENOSPC.into());
            }
        }
        Ok(())
    }

    /// Cuts an open file's chain to `len` bytes.
    fn shrink(&mut self, fh: FileHandle, len: u32) -> Result<()> {
        let keep = if len == 0 {
            None
        } else {
            match self.cluster_at(fh, u64::from(len) - 1, false)? {
                Some(c) => Some(c),
                None => return Err(fat::corrupt("file's chain is shorter than its size")),
            }
        };
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        let key = st.files.get(fh)?.key;
        let node = st
            .nodes
            .get_mut(&key)
            .ok_or(Error::bug("bug: open file without its node"))?;
        match keep {
            Some(last) => fat::cut_after(&mut self.disk, &st.g, &mut st.space, last)?,
            None if node.first != 0 => {
                fat::free_chain(&mut self.disk, &st.g, &mut st.space, node.first)?;
                node.first = 0;
            }
            None => {}
        }
        node.size = len;
        node.generation += 1;
        node.dirty = true;
        Ok(())
    }

    /// What `stat` and listings show for an entry: what its directory entry says, as FatFs's
    /// `f_stat` and `f_readdir` read it. An open file's entry is rewritten when it is flushed
    /// or closed (FatFs's `f_sync`), so until then it shows the size it had then.
    fn entry_stat(&self, e: &RawEntry) -> Stat {
        let size = if e.is_dir() { 0 } else { e.size };
        let t = time::from_fat(e.mdate, e.mtime);
        Stat {
            mode: if e.is_dir() { 0x4000 } else { 0x8000 },
            size: u64::from(size),
            atime: t,
            mtime: t,
            ctime: t,
            ..Stat::default()
        }
    }
}

/// The cluster holding byte `pos` of an open file, following (and moving) its cursor;
/// allocating the missing clusters if `grow`. `None` past the end of the chain.
fn locate<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    space: &mut Space,
    file: &mut OpenFile,
    node: &mut Node,
    pos: u64,
    grow: bool,
) -> Result<Option<u32>> {
    let cs = u64::from(g.cluster_size());
    let index = u32::try_from(pos / cs).map_err(|_| Error::from(Errno::EFBIG))?;
    if node.first == 0 {
        if !grow {
            return Ok(None);
        }
        node.first = fat::alloc(disk, g, space, None)?;
        node.dirty = true;
    }
    let mut cur = match file.cursor {
        Some(c) if c.generation == node.generation && c.index <= index => c,
        _ => Cursor {
            generation: node.generation,
            index: 0,
            cluster: node.first,
        },
    };
    while cur.index < index {
        let next = match fat::next(disk, g, cur.cluster)? {
            Some(n) => n,
            None if grow => {
                node.dirty = true;
                fat::alloc(disk, g, space, Some(cur.cluster))?
            }
            None => {
                file.cursor = Some(cur);
                return Ok(None);
            }
        };
        cur.index += 1;
        cur.cluster = next;
    }
    file.cursor = Some(cur);
    Ok(Some(cur.cluster))
}

/// A stream that keeps the first sector written to it and reads zeros: `format_volume` on it
/// shows the boot sector it would write.
#[derive(Default)]
struct DryRun {
    pos: u64,
    boot: Vec<u8>,
}

impl io::Read for DryRun {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        buf.fill(0);
        self.pos += buf.len() as u64;
        Ok(buf.len())
    }
}

impl io::Write for DryRun {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.pos < 4096 {
            let end = (self.pos + data.len() as u64).min(4096) as usize;
            if self.boot.len() < end {
                self.boot.resize(end, 0);
            }
            let start = self.pos as usize;
            self.boot[start..end].copy_from_slice(&data[..end - start]);
        }
        self.pos += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Seek for DryRun {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            io::SeekFrom::Start(p) => Some(p),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            io::SeekFrom::End(_) => None,
        }
        .ok_or(io::Error::new(
            io::ErrorKind::InvalidInput,
            "seek out of range",
        ))?;
        Ok(self.pos)
    }
}

/// Finds the root directory's volume-label entry.
fn scan_labels<D: BlockDevice>(
    disk: &mut Disk<D>,
    g: &Geometry,
    found: &mut Option<[u8; 11]>,
) -> Result<()> {
    // The directory reader skips label entries, so read the root's raw entries here.
    let root = DirLoc::root(g);
    let mut buf = [0u8; 32];
    let (start, len) = match root {
        DirLoc::Root => g.root_region(),
        DirLoc::Chain(c) => (g.cluster_offset(c), u64::from(g.cluster_size())),
    };
    let mut at = start;
    while at < start + len {
        disk.read_at(at, &mut buf)?;
        match buf[0] {
            0 => return Ok(()),
            0xE5 => {}
            _ if buf[11] & 0x0F != 0x0F && buf[11] & dir::ATTR_VOLUME != 0 => {
                let mut l = [0u8; 11];
                l.copy_from_slice(&buf[..11]);
                *found = Some(l);
                return Ok(());
            }
            _ => {}
        }
        at += 32;
    }
    Ok(())
}

impl<D: BlockDevice> Filesystem for VfsFat<D> {
    fn type_name(&self) -> &'static str {
        "VfsFat"
    }

    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        if self.state.is_some() {
            return Err(Errno::EBUSY.with_detail("already mounted"));
        }
        self.disk.invalidate();
        self.disk.readonly = readonly;
        let g = match self.find_volume() {
            Ok(g) => g,
            Err(e) if e.errno() == Errno::ENODEV && mkfs && !readonly => {
                let opts = self.format.clone();
                self.mkfs(&opts)?;
                self.find_volume()?
            }
            Err(e) => return Err(e),
        };
        // fatfs's own checks (boot sector, FSInfo), without writing anything.
        {
            let fs = fatfs::FileSystem::new(self.disk.io(), fatfs_options())
                .map_err(|e| errno::from_io(&e))?;
            drop(fs);
        }
        let free = fat::count_free(&mut self.disk, &g)?;
        let fs_info = fat::read_fs_info(&mut self.disk, &g)?;
        let space = Space {
            free: Some(free),
            hint: fs_info.and_then(|(_, h)| h).unwrap_or(2),
            // A wrong FSInfo count is corrected at the first sync of a writable mount.
            fs_info_stale: g.fat_type == FatType::Fat32
                && fs_info.is_none_or(|(f, _)| f != Some(free)),
        };
        self.state = Some(Mounted {
            g,
            readonly,
            space,
            nodes: HashMap::new(),
            files: HandleSlab::new(),
            dirs: HandleSlab::new(),
        });
        Ok(())
    }

    fn umount(&mut self) -> Result<()> {
        if self.state.is_none() {
            return Err(Errno::ENODEV.into());
        }
        let r = self.sync_all();
        self.state = None;
        self.disk.invalidate();
        r
    }

    fn open(&mut self, p: &str, mode: OpenMode) -> Result<FileHandle> {
        let readonly = self.mounted()?.readonly;
        if readonly && (mode.write || mode.create || mode.truncate) {
            return Err(Errno::EROFS.into());
        }
        let r = self.resolve(p)?;
        let entry = match &r.target {
            // FatFs refuses to open the directory a path stops in: `/`, `//`, `/.`.
            Target::Dir => return Err(Errno::EINVAL.with_detail("no file name")),
            Target::Entry { entry: e, .. } if e.is_dir() => {
                return Err(if mode.create {
                    Errno::EACCES
                } else {
                    Errno::ENOENT
                }
                .into())
            }
            Target::Entry { .. } if mode.exclusive => return Err(Errno::EEXIST.into()),
            Target::Entry { entry: e, .. } => {
                let e = e.clone();
                let g = &self.mounted()?.g;
                if e.first_cluster != 0 && !g.valid_cluster(e.first_cluster) {
                    return Err(fat::corrupt("file entry points outside the volume"));
                }
                // A chain that loops or leaves the volume is refused here, before any data
                // is read from it (the walk is bounded by the cluster count).
                let first = e.first_cluster;
                if !self.node_open(e.offset) {
                    self.check_chain(first)?;
                }
                e
            }
            Target::Missing { .. } if !mode.create => return Err(Errno::ENOENT.into()),
            Target::Missing { name } => {
                let name = name.clone();
                self.check_room(r.parent(), &name, 0)?;
                let parent = r.parent_path();
                let g = self.mounted()?.g.clone();
                let slot = dir::fatfs_slot(&mut self.disk, &g, r.parent(), &name)?;
                self.with_fatfs(|fs| {
                    let root = fs.root_dir();
                    let dir = if parent.is_empty() {
                        root
                    } else {
                        root.open_dir(&parent)?
                    };
                    dir.create_file(&name).map(drop)
                })?;
                dir::place_like_fatfs(&mut self.disk, &g, r.parent(), &name, slot)?;
                dir::find(&mut self.disk, &g, r.parent(), &name)?
                    .ok_or(Error::bug("bug: created file not found"))?
            }
        };
        let st = self.mounted()?;
        let node = st.nodes.entry(entry.offset).or_insert(Node {
            first: entry.first_cluster,
            size: entry.size,
            dirty: false,
            refs: 0,
            generation: 0,
        });
        node.refs += 1;
        // Append mode starts at the end, as FatFs's FA_OPEN_APPEND does.
        let pos = if mode.append { u64::from(node.size) } else { 0 };
        let fh = st.files.insert(OpenFile {
            key: entry.offset,
            pos,
            mode,
            cursor: None,
        });
        if mode.truncate {
            // FatFs's f_open with FA_CREATE_ALWAYS empties the directory entry at once.
            if let Err(e) = self
                .shrink(fh, 0)
                .and_then(|()| self.write_node(entry.offset))
            {
                let _ = self.close(fh);
                return Err(e);
            }
        }
        Ok(fh)
    }

    fn close(&mut self, fh: FileHandle) -> Result<()> {
        let st = self.mounted()?;
        let key = st.files.get(fh)?.key;
        let flushed = self.flush(fh);
        let st = self.mounted()?;
        st.files.remove(fh)?;
        if let Some(node) = st.nodes.get_mut(&key) {
            node.refs = node.refs.saturating_sub(1);
            if node.refs == 0 {
                st.nodes.remove(&key);
            }
        }
        flushed
    }

    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize> {
        let st = self.state.as_mut().ok_or(Error::from(Errno::ENODEV))?;
        let file = st.files.get_mut(fh)?;
        if !file.mode.read {
            // FatFs's f_read: FR_DENIED, which MicroPython reports as EACCES.
            return Err(Errno::EACCES.with_detail("file not open for reading"));
        }
        let node = st
            .nodes
            .get_mut(&file.key)
            .ok_or(Error::bug("bug: open file without its node"))?;
        let cs = u64::from(st.g.cluster_size());
        let mut pos = file.pos;
        let want = u64::from(node.size)
            .saturating_sub(pos)
            .min(buf.len() as u64) as usize;
        let mut done = 0;
        while done < want {
            let Some(cluster) =
                locate(&mut self.disk, &st.g, &mut st.space, file, node, pos, false)?
            else {
                return Err(fat::corrupt("file's chain is shorter than its size"));
            };
            let within = pos % cs;
            let n = ((cs - within) as usize).min(want - done);
            let at = st.g.cluster_offset(cluster) + within;
            self.disk.read_at(at, &mut buf[done..done + n])?;
            done += n;
            pos += n as u64;
            file.pos = pos;
        }
        Ok(done)
    }

    fn write(&mut self, fh: FileHandle, data: &[u8]) -> Result<usize> {
        let (pos, mode, size, _) = self.file_state(fh)?;
        if !mode.write {
            // FatFs's f_write: FR_DENIED, which MicroPython reports as EACCES.
            return Err(Errno::EACCES.with_detail("file not open for writing"));
        }
        if data.is_empty() {
            return Ok(0);
        }
        // Append mode only starts at the end (FatFs's FA_OPEN_APPEND; it has no O_APPEND):
        // after a seek a write goes at the position. A gap past the end reads as zeros here
        // (FatFs leaves whatever the clusters held).
        let max = u64::from(u32::MAX);
        if pos >= max {
            return Err(Errno::EFBIG.into());
        }
        let data = &data[..data.len().min((max - pos) as usize)];
        if pos > size {
            self.zero_fill(fh, size, pos)?;
        }
        let n = self.write_at(fh, pos, data)?;
        if n == 0 {
            return Err(Errno::ENOSPC.into());
        }
        self.mounted()?.files.get_mut(fh)?.pos = pos + n as u64;
        Ok(n)
    }

    /// FatFs's `f_lseek`: past the end, a file open for writing grows there at once (FatFs
    /// allocates the clusters; uvfs fills them with zeros, where FatFs leaves what they held),
    /// and a file open only for reading stops at its end. A position over 4 GiB - 1 is
    /// `EFBIG`; a negative one `EINVAL` (MicroPython hands FatFs a wrapped-around offset, which
    /// grows the file until the volume is full).
    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64> {
        let (pos, mode, size, _) = self.file_state(fh)?;
        let mut new = to.resolve(pos, size)?;
        // `tell()` (a seek by 0) moves nothing, also where a truncate left the position past
        // the end.
        if new > size && new != pos {
            if !mode.write {
                new = size;
            } else if new > u64::from(u32::MAX) {
                return Err(Errno::EFBIG.into());
            } else {
                self.zero_fill(fh, size, new)?;
            }
        }
        self.mounted()?.files.get_mut(fh)?.pos = new;
        Ok(new)
    }

    fn flush(&mut self, fh: FileHandle) -> Result<()> {
        let key = self.mounted()?.files.get(fh)?.key;
        self.write_node(key)?;
        let st = self.mounted()?;
        if !st.readonly {
            let g = st.g.clone();
            let mut space = std::mem::take(&mut st.space);
            let r = fat::write_fs_info(&mut self.disk, &g, &mut space);
            self.mounted()?.space = space;
            r?;
        }
        self.disk.sync()
    }

    fn truncate(&mut self, fh: FileHandle, len: u64) -> Result<()> {
        let (_, mode, size, _) = self.file_state(fh)?;
        if !mode.write {
            return Err(Errno::EACCES.with_detail("file not open for writing"));
        }
        if len > u64::from(u32::MAX) {
            return Err(Errno::EFBIG.into());
        }
        if len < size {
            // Fits: len < size <= u32::MAX.
            self.shrink(fh, len as u32)
        } else {
            self.zero_fill(fh, size, len)
        }
    }

    fn opendir(&mut self, p: &str) -> Result<DirHandle> {
        let r = self.resolve(p)?;
        let g = self.mounted()?.g.clone();
        let Some(loc) = self.dir_of(&r)? else {
            return Err(Errno::ENOENT.into());
        };
        let mut raw = Vec::new();
        dir::scan(&mut self.disk, &g, loc, |e| {
            if !e.is_dot() {
                raw.push(e);
            }
            Ok(Flow::Continue)
        })?;
        let entries = raw
            .iter()
            .map(|e| {
                let size = self.entry_stat(e).size;
                let name = e.name();
                DirEntry {
                    name: Name::from_bytes_lossy(name.as_bytes()),
                    kind: if e.is_dir() {
                        FileType::Dir
                    } else {
                        FileType::File
                    },
                    inode: 0,
                    size: Some(size),
                }
            })
            .collect();
        Ok(self.mounted()?.dirs.insert(entries))
    }

    fn readdir(&mut self, d: DirHandle) -> Result<Option<DirEntry>> {
        match self.mounted()?.dirs.get_mut(d)?.pop_front() {
            // A damaged entry whose name no path can reach (a `/` in a short name, control
            // bytes of a broken long name cut to nothing): reported, and the listing goes on.
            Some(e) if !path::is_component(e.name.as_str()) => {
                Err(Errno::EIO.with_detail("damaged directory entry: not a name"))
            }
            other => Ok(other),
        }
    }

    fn closedir(&mut self, d: DirHandle) -> Result<()> {
        self.mounted()?.dirs.remove(d).map(drop)
    }

    fn mkdir(&mut self, p: &str) -> Result<()> {
        self.check_writable()?;
        let r = self.resolve(p)?;
        let Target::Missing { name } = &r.target else {
            // An entry, or the directory the path stops in (`/`, `/.`).
            return Err(Errno::EEXIST.into());
        };
        let name = name.clone();
        self.check_room(r.parent(), &name, 1)?;
        let parent = r.parent_path();
        let g = self.mounted()?.g.clone();
        let slot = dir::fatfs_slot(&mut self.disk, &g, r.parent(), &name)?;
        self.with_fatfs(|fs| {
            let root = fs.root_dir();
            let dir = if parent.is_empty() {
                root
            } else {
                root.open_dir(&parent)?
            };
            dir.create_dir(&name).map(drop)
        })?;
        dir::place_like_fatfs(&mut self.disk, &g, r.parent(), &name, slot)?;
        let e = dir::find(&mut self.disk, &g, r.parent(), &name)?
            .ok_or(Error::bug("bug: new directory not found"))?;
        dir::fix_new_dir(
            &mut self.disk,
            &g,
            e.first_cluster,
            r.parent().dotdot_cluster(&g),
        )
    }

    fn remove(&mut self, p: &str) -> Result<()> {
        self.check_writable()?;
        let r = self.resolve(p)?;
        let path = r.fatfs_path();
        match r.target {
            Target::Dir => Err(Errno::EINVAL.with_detail("no file name")),
            Target::Missing { .. } => Err(Errno::ENOENT.into()),
            Target::Entry { entry, .. } if entry.is_dir() => Err(Errno::EISDIR.into()),
            Target::Entry { entry, .. } if self.node_open(entry.offset) => {
                Err(Errno::EBUSY.with_detail("file is open"))
            }
            Target::Entry { entry, .. } => {
                // fatfs frees the chain without checking it: check it first.
                self.check_chain(entry.first_cluster)?;
                self.with_fatfs(|fs| fs.root_dir().remove(&path))
            }
        }
    }

    fn rmdir(&mut self, p: &str) -> Result<()> {
        self.check_writable()?;
        let r = self.resolve(p)?;
        let path = r.fatfs_path();
        let g = self.mounted()?.g.clone();
        match r.target {
            Target::Dir => Err(Errno::EINVAL.with_detail("no directory name")),
            Target::Missing { .. } => Err(Errno::ENOENT.into()),
            Target::Entry { entry, .. } if !entry.is_dir() => Err(Errno::ENOTDIR.into()),
            Target::Entry { dot: true, .. } => {
                Err(Errno::EINVAL.with_detail("cannot remove `.` or `..`"))
            }
            Target::Entry { entry, .. } => {
                let loc = dir::child(&g, &entry)?;
                if self.cwd == Some(loc) {
                    return Err(Errno::EACCES.with_detail("the current directory"));
                }
                self.check_chain(entry.first_cluster)?;
                if !dir::is_empty(&mut self.disk, &g, loc)? {
                    return Err(Errno::EACCES.with_detail("directory not empty"));
                }
                self.with_fatfs(|fs| fs.root_dir().remove(&path))
            }
        }
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.check_writable()?;
        let src = self.resolve(from)?;
        let src_path = src.fatfs_path();
        let src_parent = src.parent();
        let src_entry = match src.target {
            Target::Dir => return Err(Errno::EINVAL.with_detail("no name to rename")),
            Target::Missing { .. } => return Err(Errno::ENOENT.into()),
            Target::Entry { dot: true, .. } => {
                return Err(Errno::EINVAL.with_detail("cannot rename `.` or `..`"))
            }
            Target::Entry { entry, .. } => entry,
        };
        let dst = self.resolve(to)?;
        let dst_path = dst.fatfs_path();
        let dst_name = match &dst.target {
            Target::Dir => return Err(Errno::EINVAL.with_detail("no name to rename to")),
            Target::Entry { entry, .. } if entry.offset == src_entry.offset => return Ok(()),
            // MicroPython unlinks an existing file target and retries; a directory (a dot entry
            // included) is EISDIR.
            Target::Entry { entry, .. } if entry.is_dir() => return Err(Errno::EISDIR.into()),
            Target::Entry { .. } | Target::Missing { .. } => dst
                .name
                .clone()
                .ok_or(Error::bug("bug: named target without a name"))?,
        };
        // Into its own subtree, however the names are spelt (FAT ignores case). MicroPython
        // does it, and the directory is lost in a loop.
        if src_entry.is_dir() && dst.dirs.contains(&DirLoc::Chain(src_entry.first_cluster)) {
            return Err(Errno::EINVAL.with_detail("cannot move a directory into itself"));
        }
        if self.node_open(src_entry.offset) {
            return Err(Errno::EBUSY.with_detail("file is open"));
        }
        if let Target::Entry {
            entry: existing, ..
        } = &dst.target
        {
            if self.node_open(existing.offset) {
                return Err(Errno::EBUSY.with_detail("target file is open"));
            }
            self.check_chain(existing.first_cluster)?;
            self.with_fatfs(|fs| fs.root_dir().remove(&dst_path))?;
        }
        // After a replaced file is gone: also checks the whole destination directory's chain,
        // which fatfs walks to its end.
        self.check_room(dst.parent(), &dst_name, 0)?;
        let g = self.mounted()?.g.clone();
        // FatFs registers the new name first (the old entry still in place), then deletes the
        // old one; fatfs does it the other way round.
        let slot = dir::fatfs_slot(&mut self.disk, &g, dst.parent(), &dst_name)?;
        self.with_fatfs(|fs| {
            let root = fs.root_dir();
            root.rename(&src_path, &root, &dst_path)
        })?;
        dir::place_like_fatfs(&mut self.disk, &g, dst.parent(), &dst_name, slot)?;
        // A directory that changed parents must point its `..` at the new one.
        if src_entry.is_dir() && dst.parent() != src_parent {
            let g = self.mounted()?.g.clone();
            let moved = dir::find(&mut self.disk, &g, dst.parent(), &dst_name)?
                .ok_or(Error::bug("bug: renamed directory not found"))?;
            dir::set_dotdot(
                &mut self.disk,
                &g,
                moved.first_cluster,
                dst.parent().dotdot_cluster(&g),
            )?;
        }
        Ok(())
    }

    fn stat(&mut self, p: &str) -> Result<Stat> {
        self.mounted()?;
        // MicroPython answers for exactly `/` itself (up to a NUL, where its string ends);
        // FatFs refuses every other spelling of the root (`//`, `/.`) as a path without a name.
        if p.split('\0').next() == Some("/") {
            return Ok(Stat {
                atime: ROOT_MTIME,
                mtime: ROOT_MTIME,
                ctime: ROOT_MTIME,
                ..Stat::DIR
            });
        }
        let r = self.resolve(p)?;
        match r.target {
            Target::Dir => Err(Errno::EINVAL.with_detail("no file name")),
            Target::Missing { .. } => Err(Errno::ENOENT.into()),
            Target::Entry { entry, .. } => Ok(self.entry_stat(&entry)),
        }
    }

    /// The volume's numbers, whatever `p` is (MicroPython's `VfsFat.statvfs` ignores it).
    fn statvfs(&mut self, _p: &str) -> Result<StatVfs> {
        let st = self.mounted()?;
        let g = st.g.clone();
        let free = match st.space.free {
            Some(f) => f,
            None => {
                let f = fat::count_free(&mut self.disk, &g)?;
                self.mounted()?.space.free = Some(f);
                f
            }
        };
        let cs = u64::from(g.cluster_size());
        Ok(StatVfs {
            bsize: cs,
            frsize: cs,
            blocks: u64::from(g.clusters),
            bfree: u64::from(free),
            bavail: u64::from(free),
            files: 0,
            ffree: 0,
            favail: 0,
            flag: 0,
            namemax: NAME_MAX as u64,
        })
    }

    /// FatFs's `f_chdir`: the directory `p` names (`/`, `//`, `/.`, `/d/..` included) becomes
    /// the current one, which `rmdir` refuses to remove (`EACCES`); a file or nothing is
    /// `ENOENT`.
    /// FatFs's current directory is a cluster: renaming it moves the cwd along.
    fn cwd_follows_renames(&self) -> bool {
        true
    }

    fn chdir(&mut self, p: &str) -> Result<()> {
        let r = self.resolve(p)?;
        let Some(loc) = self.dir_of(&r)? else {
            return Err(Errno::ENOENT.into());
        };
        let root = DirLoc::root(&self.mounted()?.g);
        self.cwd = (loc != root).then_some(loc);
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        self.sync_all()
    }
}
