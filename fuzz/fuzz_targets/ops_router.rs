//! Arbitrary operation sequences on `MemFs` reached *through a second router*, compared with a
//! plain `MemFs` of the same profile by `uvfs_testkit::diff::run`.
//!
//! The backend under test is `Routed`: a `Filesystem` whose every call goes to an inner
//! `uvfs_vfs_core::Vfs` where the `MemFs` is mounted at `/mnt`, next to decoy mounts at `/mn`
//! and `/mntx` (so a prefix match that is not by whole components would send calls to the wrong
//! filesystem). The inner router's resolution, prefix stripping, handle mapping, read-only
//! enforcement, listings and umount/mount must be invisible: any mismatch is a router bug.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_os_api::{
    BoxedFilesystem, DirEntry, DirHandle, Errno, Error, FileHandle, Filesystem, MountOptions,
    OpenMode, Result, SeekFrom, Stat, StatVfs,
};
use uvfs_testkit::{diff, MemFs, Op, Profile};
use uvfs_vfs_core::Vfs;

/// At most this many operations per input.
const MAX_OPS: usize = 64;
/// Where the filesystem under test sits in the inner router.
const POINT: &str = "/mnt";

struct Routed {
    vfs: Vfs,
    /// The filesystem while it is not mounted in `vfs`.
    parked: Option<BoxedFilesystem>,
    /// Whether the profile's cwd follows a rename of it (answered for the filesystem inside).
    cwd_follows_renames: bool,
}

impl Routed {
    fn new(profile: Profile) -> Routed {
        let mut vfs = Vfs::new();
        for decoy in ["/mn", "/mntx"] {
            let fs: BoxedFilesystem = Box::new(MemFs::with_profile(profile));
            if let Err(e) = vfs.mount(fs, decoy, MountOptions::default()) {
                panic!("mounting a decoy at {decoy}: {e}");
            }
        }
        Routed {
            vfs,
            parked: Some(Box::new(MemFs::with_profile(profile))),
            cwd_follows_renames: profile.rules().cwd_follows_renames,
        }
    }

    /// The inner router's path for a backend path (`/` is the mount point itself).
    fn inner(path: &str) -> String {
        if path == "/" {
            POINT.into()
        } else {
            format!("{POINT}{path}")
        }
    }
}

impl Filesystem for Routed {
    fn type_name(&self) -> &'static str {
        "Routed"
    }

    fn mount(&mut self, readonly: bool, mkfs: bool) -> Result<()> {
        let fs = self.parked.take().ok_or(Error::from(Errno::EPERM))?;
        // The router gives a filesystem back only through `umount`; if mounting fails the
        // `MemFs` is gone, and the harness sees the error.
        self.vfs.mount(fs, POINT, MountOptions { readonly, mkfs })
    }

    fn umount(&mut self) -> Result<()> {
        let fs = self.vfs.umount(POINT)?;
        self.parked = Some(fs);
        Ok(())
    }

    fn open(&mut self, path: &str, mode: OpenMode) -> Result<FileHandle> {
        self.vfs.open(&Self::inner(path), mode)
    }

    fn close(&mut self, file: FileHandle) -> Result<()> {
        self.vfs.close(file)
    }

    fn read(&mut self, file: FileHandle, buf: &mut [u8]) -> Result<usize> {
        self.vfs.read(file, buf)
    }

    fn write(&mut self, file: FileHandle, data: &[u8]) -> Result<usize> {
        self.vfs.write(file, data)
    }

    fn seek(&mut self, file: FileHandle, pos: SeekFrom) -> Result<u64> {
        self.vfs.seek(file, pos)
    }

    fn flush(&mut self, file: FileHandle) -> Result<()> {
        self.vfs.flush(file)
    }

    fn truncate(&mut self, file: FileHandle, len: u64) -> Result<()> {
        self.vfs.truncate(file, len)
    }

    fn opendir(&mut self, path: &str) -> Result<DirHandle> {
        self.vfs.ilistdir(&Self::inner(path))
    }

    fn readdir(&mut self, dir: DirHandle) -> Result<Option<DirEntry>> {
        self.vfs.readdir(dir)
    }

    fn closedir(&mut self, dir: DirHandle) -> Result<()> {
        self.vfs.closedir(dir)
    }

    fn mkdir(&mut self, path: &str) -> Result<()> {
        self.vfs.mkdir(&Self::inner(path))
    }

    fn remove(&mut self, path: &str) -> Result<()> {
        self.vfs.remove(&Self::inner(path))
    }

    fn rmdir(&mut self, path: &str) -> Result<()> {
        self.vfs.rmdir(&Self::inner(path))
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.vfs.rename(&Self::inner(from), &Self::inner(to))
    }

    fn stat(&mut self, path: &str) -> Result<Stat> {
        self.vfs.stat(&Self::inner(path))
    }

    fn chdir(&mut self, path: &str) -> Result<()> {
        self.vfs.chdir(&Self::inner(path))
    }

    fn cwd_follows_renames(&self) -> bool {
        self.cwd_follows_renames
    }

    fn statvfs(&mut self, path: &str) -> Result<StatVfs> {
        self.vfs.statvfs(&Self::inner(path))
    }

    fn sync(&mut self) -> Result<()> {
        self.vfs.sync()
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    profile: u8,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let profile = Profile::ALL[usize::from(input.profile) % Profile::ALL.len()];
    let ops = &input.ops[..input.ops.len().min(MAX_OPS)];
    let mut backend = || -> BoxedFilesystem { Box::new(Routed::new(profile)) };
    if let Err(m) = diff::run(ops, profile, &mut backend) {
        panic!("MemFs through a second router differs from MemFs: {m}\nops: {ops:#?}");
    }
});
