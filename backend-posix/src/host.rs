//! The two ways `VfsPosix` reaches the host: confined below a root directory (cap-std), or the
//! whole host filesystem (std, MicroPython's `VfsPosix()` with no root).
//!
//! Every function takes a path as the protocol gives it (normalised, absolute inside the
//! filesystem, already checked with `path::validate`) and returns host errors untouched; the
//! caller maps them with [`crate::errno::from_io`].

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use cap_std::fs::{Dir, MetadataExt as _, OpenOptionsExt as _};
use rustix::fs::{DirEntryExt as _, OFlags};
use uvfs_os_api::{FileType, OpenMode, Stat, StatVfs};

/// Where paths are looked up.
pub(crate) enum Host {
    /// Below this directory, never outside it: every lookup goes through cap-std, which uses
    /// `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` where Linux has it and resolves one
    /// component at a time with `O_NOFOLLOW` elsewhere.
    Jail(Dir),
    /// The host's whole filesystem, with its own path resolution: no confinement at all.
    Whole,
}

/// The jail-relative path of protocol path `p`: `"."` for the root, else `p` without its
/// leading `/`.
fn rel(p: &str) -> &Path {
    let rel = p.trim_start_matches('/');
    Path::new(if rel.is_empty() { "." } else { rel })
}

/// Flags added to every open in the jail: a FIFO must not block `open` (it is refused right
/// after, as every non-regular file is), and a terminal device must not become the process's
/// controlling terminal on the way.
fn jail_open_flags() -> i32 {
    // Both flags fit in 31 bits on every platform rustix supports.
    i32::try_from((OFlags::NONBLOCK | OFlags::NOCTTY).bits()).unwrap_or(0)
}

/// Flags to open something only to ask about its filesystem: `O_PATH` where the host has it
/// (Linux; no read permission needed, nothing is opened for I/O, and `openat2` takes no other
/// flag with it), else the jail's usual flags.
fn query_only_flags() -> i32 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        i32::try_from(OFlags::PATH.bits()).unwrap_or(0)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        jail_open_flags()
    }
}

impl Host {
    /// Whether lookups are confined.
    pub(crate) fn is_jail(&self) -> bool {
        matches!(self, Host::Jail(_))
    }

    /// Checks that the root can still be reached (at mount).
    pub(crate) fn check(&self) -> io::Result<()> {
        match self {
            Host::Jail(dir) => dir.dir_metadata().map(|_| ()),
            Host::Whole => fs::metadata("/").map(|_| ()),
        }
    }

    /// Opens a file with `mode` (not yet checked to be a regular file).
    pub(crate) fn open(&self, p: &str, mode: &OpenMode) -> io::Result<fs::File> {
        let create = mode.create && !mode.exclusive;
        let truncate = mode.truncate && !mode.append;
        match self {
            Host::Jail(dir) => {
                let mut o = cap_std::fs::OpenOptions::new();
                o.read(mode.read)
                    .write(mode.write)
                    .append(mode.append)
                    .create(create)
                    .create_new(mode.exclusive)
                    .truncate(truncate)
                    .custom_flags(jail_open_flags());
                Ok(dir.open_with(rel(p), &o)?.into_std())
            }
            Host::Whole => fs::OpenOptions::new()
                .read(mode.read)
                .write(mode.write)
                .append(mode.append)
                .create(create)
                .create_new(mode.exclusive)
                .truncate(truncate)
                .open(p),
        }
    }

    /// `mkdir`.
    pub(crate) fn create_dir(&self, p: &str) -> io::Result<()> {
        match self {
            Host::Jail(dir) => dir.create_dir(rel(p)),
            Host::Whole => fs::create_dir(p),
        }
    }

    /// `unlink`.
    pub(crate) fn remove_file(&self, p: &str) -> io::Result<()> {
        match self {
            Host::Jail(dir) => dir.remove_file(rel(p)),
            Host::Whole => fs::remove_file(p),
        }
    }

    /// `rmdir`.
    pub(crate) fn remove_dir(&self, p: &str) -> io::Result<()> {
        match self {
            Host::Jail(dir) => dir.remove_dir(rel(p)),
            Host::Whole => fs::remove_dir(p),
        }
    }

    /// `rename`.
    pub(crate) fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        match self {
            Host::Jail(dir) => dir.rename(rel(from), dir, rel(to)),
            Host::Whole => fs::rename(from, to),
        }
    }

    /// `stat` of protocol path `p` (following symlinks, inside the jail).
    pub(crate) fn stat(&self, p: &str) -> io::Result<Stat> {
        match self {
            Host::Jail(_) => self.stat_host(rel(p)),
            Host::Whole => self.stat_host(Path::new(p)),
        }
    }

    /// `stat` of a host path: relative to the jail's directory, or absolute.
    fn stat_host(&self, hp: &Path) -> io::Result<Stat> {
        match self {
            Host::Jail(dir) if hp == Path::new(".") => Ok(cap_stat(&dir.dir_metadata()?)),
            Host::Jail(dir) => Ok(cap_stat(&dir.metadata(hp)?)),
            Host::Whole => Ok(std_stat(&fs::metadata(hp)?)),
        }
    }

    /// `statvfs` of the filesystem holding `p`.
    pub(crate) fn statvfs(&self, p: &str) -> io::Result<StatVfs> {
        let st = match self {
            Host::Jail(dir) if rel(p) == Path::new(".") => rustix::fs::fstatvfs(dir)?,
            Host::Jail(dir) => {
                let mut o = cap_std::fs::OpenOptions::new();
                o.read(true).custom_flags(query_only_flags());
                rustix::fs::fstatvfs(dir.open_with(rel(p), &o)?)?
            }
            Host::Whole => rustix::fs::statvfs(p)?,
        };
        Ok(StatVfs {
            bsize: st.f_bsize,
            frsize: st.f_frsize,
            blocks: st.f_blocks,
            bfree: st.f_bfree,
            bavail: st.f_bavail,
            files: st.f_files,
            ffree: st.f_ffree,
            favail: st.f_favail,
            flag: st.f_flag.bits(),
            namemax: st.f_namemax,
        })
    }

    /// Starts a listing of directory `p`.
    pub(crate) fn read_dir(&self, p: &str) -> io::Result<Lister> {
        Ok(match self {
            Host::Jail(dir) => Lister {
                base: rel(p).to_path_buf(),
                iter: ListIter::Jail(dir.read_dir(rel(p))?),
            },
            Host::Whole => Lister {
                base: PathBuf::from(p),
                iter: ListIter::Whole(fs::read_dir(p)?),
            },
        })
    }

    /// Whether the symlink `name` in listing `l` leads (inside the jail) to a directory.
    /// A link that dangles, loops or leads out is not one.
    pub(crate) fn link_is_dir(&self, l: &Lister, name: &OsStr) -> bool {
        self.stat_host(&l.base.join(name))
            .is_ok_and(|st| st.kind() == FileType::Dir)
    }

    /// Makes every change to the filesystem holding the root durable.
    pub(crate) fn sync(&self) -> io::Result<()> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Host::Jail(dir) => {
                // The capability may be an `O_PATH` descriptor, which `syncfs` refuses; open
                // the same directory again (`"."` resolves to it, nothing else) for reading.
                let fd = rustix::fs::openat(
                    dir,
                    ".",
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    rustix::fs::Mode::empty(),
                )?;
                Ok(rustix::fs::syncfs(fd)?)
            }
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            Host::Jail(_) => {
                rustix::fs::sync();
                Ok(())
            }
            Host::Whole => {
                rustix::fs::sync();
                Ok(())
            }
        }
    }
}

/// One raw listing entry.
pub(crate) struct RawEntry {
    pub name: OsString,
    pub ino: u64,
    pub is_dir: bool,
    pub is_symlink: bool,
}

enum ListIter {
    Jail(cap_std::fs::ReadDir),
    Whole(fs::ReadDir),
}

/// An open directory listing.
pub(crate) struct Lister {
    /// The listed directory's host path, to look symlinks up.
    base: PathBuf,
    iter: ListIter,
}

impl Lister {
    /// The next entry other than `.` and `..`, or `None` at the end.
    pub(crate) fn next_entry(&mut self) -> Option<io::Result<RawEntry>> {
        loop {
            let raw = match &mut self.iter {
                ListIter::Jail(it) => it.next()?.and_then(|e| {
                    let ft = e.file_type()?;
                    Ok(RawEntry {
                        name: e.file_name(),
                        ino: e.ino(),
                        is_dir: ft.is_dir(),
                        is_symlink: ft.is_symlink(),
                    })
                }),
                ListIter::Whole(it) => it.next()?.and_then(|e| {
                    use std::os::unix::fs::DirEntryExt as _;
                    let ft = e.file_type()?;
                    Ok(RawEntry {
                        name: e.file_name(),
                        ino: e.ino(),
                        is_dir: ft.is_dir(),
                        is_symlink: ft.is_symlink(),
                    })
                }),
            };
            match &raw {
                Ok(e) if matches!(e.name.as_bytes(), b"." | b"..") => continue,
                _ => return Some(raw),
            }
        }
    }
}

fn cap_stat(m: &cap_std::fs::Metadata) -> Stat {
    Stat {
        mode: m.mode(),
        ino: m.ino(),
        dev: m.dev(),
        nlink: m.nlink(),
        uid: m.uid(),
        gid: m.gid(),
        size: m.size(),
        atime: m.atime(),
        mtime: m.mtime(),
        ctime: m.ctime(),
    }
}

fn std_stat(m: &fs::Metadata) -> Stat {
    use std::os::unix::fs::MetadataExt as _;
    Stat {
        mode: m.mode(),
        ino: m.ino(),
        dev: m.dev(),
        nlink: m.nlink(),
        uid: m.uid(),
        gid: m.gid(),
        size: m.size(),
        atime: m.atime(),
        mtime: m.mtime(),
        ctime: m.ctime(),
    }
}

/// The `Stat` of an open file.
pub(crate) fn file_stat(f: &fs::File) -> io::Result<Stat> {
    Ok(std_stat(&f.metadata()?))
}
