//! Backend profiles: which errno each MicroPython backend returns for the same situation.
//!
//! A [`Profile`] names a backend family; its [`Rules`] are one small table of choices that
//! [`MemFs`](crate::MemFs) follows (so it can stand in for that backend as a reference model) and
//! that the [conformance suite](crate::conformance) asserts.
//!
//! The values come from `micropython-measured.md` §2 (MicroPython v1.29, RAM devices), with the
//! lead's errno policy applied (uvfs does better on the §4 quirks: `open(existing, "x")` is
//! `EEXIST` everywhere, Posix `open(dir, "r")` is `EISDIR`, `rename(x, x)` is a no-op and renaming
//! a directory into its own subtree is `EINVAL`, both decided by the router). Rows the
//! measurements do not cover were read from the reference engines and MicroPython's glue code;
//! the "source" column says which.
//!
//! | situation | `Fat` | `Lfs1` | `Lfs2` | `Posix` | `Mem` | source |
//! |---|---|---|---|---|---|---|
//! | `open(dir, "r")`, `"r+"` | `ENOENT` | `EISDIR` | `EISDIR` | `EISDIR` | `EISDIR` | §2 (`r`); FatFs `f_open` (`r+`) |
//! | `open(dir, "w")`, `"a"`, `"w+"`, `"a+"` | `EACCES` | `EISDIR` | `EISDIR` | `EISDIR` | `EISDIR` | §2 (`w`); FatFs/littlefs `open` |
//! | `open(dir, "x")` | `EACCES` | `EISDIR` | `EEXIST` | `EEXIST` | `EEXIST` | FatFs `f_open`, littlefs v1/v2 `file_open` check order |
//! | a file used as a directory (`f/x`) | `ENOENT` | `ENOTDIR` | `ENOTDIR` | `ENOTDIR` | `ENOTDIR` | §2 |
//! | `ilistdir(file)` | `ENOENT` | `ENOTDIR` | `ENOTDIR` | `ENOTDIR` | `ENOTDIR` | FatFs `f_opendir`; littlefs-v1 spec §14.4 |
//! | `remove(dir)` | `EISDIR` | removes it if empty | removes it if empty | `EISDIR` | `EISDIR` | §2 |
//! | `rmdir(file)` | `ENOTDIR` | removes the file | removes the file | `ENOTDIR` | `ENOTDIR` | §2 |
//! | `rmdir(non-empty)` | `EACCES` | `ENOTEMPTY` | `ENOTEMPTY` | `ENOTEMPTY` | `ENOTEMPTY` | §2 |
//! | `rename(file, file)` | replaces | replaces | replaces | replaces | replaces | §2 |
//! | `rename(file, dir)` | `EISDIR` | `EISDIR` | `EISDIR` | `EISDIR` | `EISDIR` | §2 |
//! | `rename(dir, empty dir)` | `EISDIR` | replaces | replaces | replaces | replaces | §2 |
//! | `rename(dir, non-empty dir)` | `EISDIR` | `ENOTEMPTY` | `ENOTEMPTY` | `ENOTEMPTY` | `ENOTEMPTY` | MicroPython `vfs_fat.c`; littlefs `rename`; POSIX |
//! | `rename(dir, file)` | replaces | `EISDIR` | `ENOTDIR` | `ENOTDIR` | `ENOTDIR` | MicroPython `vfs_fat.c` (unlinks a file target, retries); littlefs-v1 spec §14.4; littlefs ≥ 2.6 `rename` |
//! | `ilistdir` entry size | `Some(len)`, dirs `Some(0)` | same | same, dirs undefined | `None` (3-tuple) | `Some(len)`, dirs `Some(0)` | §2 |
//! | `stat` size of a directory | 0 | 0 | undefined (engine value) | undefined (host) | 0 | §2 |
//! | `stat` mode | `0x4000`/`0x8000` | same | same | with permission bits | `0x4000`/`0x8000` | §2 |
//! | inode numbers | 0 | 0 | 0 | host inode | 0 | §2 |
//! | mtime kept | yes | no (times are 0) | yes (`mtime=True`, the default) | yes | yes | §3; littlefs-v1 spec §14.3 |
//! | `read` of a file opened `"w"`/`"a"` | `EACCES` | `EBADF` | reads | `EBADF` | `EBADF` | MicroPython oracle |
//! | position after `open(.., "a")` | the end | 0 | 0 | 0 | the end | MicroPython oracle |
//! | `"a"` write after a seek | at the position | at the end, or past it | at the end, or past it | at the end | at the end | MicroPython oracle (FatFs leaves stale bytes in a gap; uvfs writes zeros) |
//! | `write` through a file opened `"r"` | `EACCES` | `EBADF` | `EBADF` (MicroPython drops the write) | `EBADF` | `EBADF` | MicroPython oracle |
//! | `seek` past the end | grows a file open for writing (zeros in uvfs), stops at the end if reading | kept | kept | kept | kept | MicroPython oracle |
//! | `rmdir` of the current directory | `EACCES` | removes it | removes it | removes it | removes it | MicroPython oracle |
//!
//! Every profile: `mkdir` of an existing name is `EEXIST`, a missing parent is `ENOENT`,
//! `open(existing file, "x")` is `EEXIST`, a missing file is `ENOENT`.
//!
//! # What a differential comparison looks at
//! [`Rules::dir_size_defined`], [`Rules::entry_size`] and [`Rules::mode_has_permissions`] say which
//! fields of `stat` and `ilistdir` are comparable between a backend and [`MemFs`](crate::MemFs)
//! for the profile: names, types and file sizes always; directory sizes only where defined; the
//! whole mode only without permission bits (else its type bits `mode & 0xF000`). Inode numbers
//! and times are never compared across implementations (they depend on the engine and the clock);
//! the conformance suite checks them against [`Rules::inodes`] and [`Rules::mtime`] instead.

use uvfs_os_api::Errno;

/// Where a write through a file opened for appending (`"a"`, `"a+"`) goes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Append {
    /// Always at the end (`O_APPEND`: the host).
    End,
    /// At the end from a position before it; at the position after a seek past the end, the
    /// gap reading as zeros (littlefs).
    EndFromBefore,
    /// At the position, like any write: appending only starts at the end (FatFs's
    /// `FA_OPEN_APPEND`; the gap after a seek past the end reads as zeros in uvfs).
    AtPosition,
}

/// A backend family whose errnos [`MemFs`](crate::MemFs) reproduces and the conformance suite
/// expects.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// `VfsFat` (FatFs in MicroPython).
    Fat,
    /// `VfsLfs1` (littlefs v1).
    Lfs1,
    /// `VfsLfs2` (littlefs v2).
    Lfs2,
    /// `VfsPosix` (the host filesystem).
    Posix,
    /// uvfs's own default for new backends: Posix-like errnos, sizes in listings, no inodes.
    Mem,
}

impl Profile {
    /// Every profile, in declaration order.
    pub const ALL: [Profile; 5] = [
        Profile::Fat,
        Profile::Lfs1,
        Profile::Lfs2,
        Profile::Posix,
        Profile::Mem,
    ];

    /// The profile's table of choices.
    ///
    /// ```
    /// use uvfs_os_api::Errno;
    /// use uvfs_testkit::{Action, Profile};
    /// assert_eq!(Profile::Fat.rules().rmdir_not_empty, Errno::EACCES);
    /// assert_eq!(Profile::Lfs2.rules().rmdir_file, Action::Allow);
    /// ```
    pub const fn rules(self) -> &'static Rules {
        match self {
            Profile::Fat => &Rules::FAT,
            Profile::Lfs1 => &Rules::LFS1,
            Profile::Lfs2 => &Rules::LFS2,
            Profile::Posix => &Rules::POSIX,
            Profile::Mem => &Rules::MEM,
        }
    }
}

/// What a backend does in a situation where backends differ: go ahead, or fail with an errno.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The operation goes ahead (`rmdir(file)` removes the file, a rename replaces the target,
    /// ...). Where it still cannot (a non-empty directory), the errno is the profile's
    /// "not empty" one.
    Allow,
    /// The operation fails with this errno and changes nothing.
    Fail(Errno),
}

/// One profile's choices: errnos where backends differ, and the shape of `stat` and `ilistdir`.
///
/// See the [module documentation](self) for the table of values and where each comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rules {
    /// `open(dir)` with a mode that does not create (`"r"`, `"r+"`).
    pub open_dir: Errno,
    /// `open(dir)` with a creating, non-exclusive mode (`"w"`, `"a"`, with or without `+`).
    pub open_dir_create: Errno,
    /// `open(dir, "x")`.
    pub open_dir_exclusive: Errno,
    /// A file used as an intermediate path component (`open("f/x")`, `mkdir("f/x")`, ...).
    pub not_dir_component: Errno,
    /// `ilistdir` of a file.
    pub opendir_file: Errno,
    /// `remove` of a directory: [`Action::Allow`] removes it when empty (else
    /// [`rmdir_not_empty`](Rules::rmdir_not_empty)).
    pub remove_dir: Action,
    /// `rmdir` of a file: [`Action::Allow`] removes the file.
    pub rmdir_file: Action,
    /// `rmdir` (or an allowed `remove`) of a non-empty directory.
    pub rmdir_not_empty: Errno,
    /// `rename(dir, existing empty dir)`: [`Action::Allow`] replaces the empty directory.
    pub rename_dir_over_empty_dir: Action,
    /// `rename(dir, existing non-empty dir)`.
    pub rename_dir_over_nonempty_dir: Errno,
    /// `rename(dir, existing file)`: [`Action::Allow`] replaces the file.
    pub rename_dir_over_file: Action,
    /// `rename(file, existing dir)`.
    pub rename_file_over_dir: Errno,
    /// `stat(dir).size` and a directory's `ilistdir` size are defined (0). When false they are
    /// engine or host values and must not be compared.
    pub dir_size_defined: bool,
    /// `ilistdir` entries carry a size (`Some(len)`; MicroPython's 4-tuple). When false they are
    /// `None` (MicroPython's Posix 3-tuple).
    pub entry_size: bool,
    /// `stat().mode` may carry permission bits besides `0x4000`/`0x8000`; compare `mode & 0xF000`.
    pub mode_has_permissions: bool,
    /// `stat().ino` and `ilistdir` inodes are real (non-zero) numbers; when false they are 0.
    pub inodes: bool,
    /// Modification times are stored (`stat` fields 7-9 non-zero); when false they are 0.
    pub mtime: bool,
    /// Reading through a file opened only for writing: `None` reads (littlefs v2 under
    /// MicroPython), else the errno.
    pub read_write_only: Option<Errno>,
    /// A file opened for appending starts at its end (`tell()` is the size; FatFs); else at 0.
    pub append_starts_at_end: bool,
    /// Where a write through a file opened for appending goes.
    pub append: Append,
    /// Writing (or truncating) through a file opened only for reading.
    pub write_read_only: Errno,
    /// `rmdir` of the current directory: `Some(errno)` where the engine refuses it (FatFs).
    pub rmdir_cwd: Option<Errno>,
    /// `rename(x, x)` replaces the target, itself (littlefs v1): a non-empty directory answers
    /// [`rename_dir_over_nonempty_dir`](Rules::rename_dir_over_nonempty_dir); else it is a
    /// no-op (littlefs v1 deletes `x` there, which uvfs does not follow).
    pub rename_onto_itself_replaces: bool,
    /// `rename(dir, dir/below)` (refused with `EINVAL`) looks at an existing target first, so a
    /// non-empty directory or a file there answers as for any rename (littlefs); else the
    /// subtree is refused first (the kernel).
    pub rename_target_before_subtree: bool,
    /// The current directory follows a rename of it (FatFs and the host keep a directory;
    /// littlefs's wrappers keep a string). See `Filesystem::cwd_follows_renames`.
    pub cwd_follows_renames: bool,
    /// A seek past the end grows a file open for writing at once (zeros) and stops at the end
    /// of one open only for reading (FatFs's `f_lseek`); else the position is kept and only a
    /// write fills the gap.
    pub seek_like_fatfs: bool,
    /// `rename` resolves both parents before it looks the source up (the kernel's order: a
    /// target below a file is `ENOTDIR` even when the source is missing).
    pub rename_target_parent_first: bool,
    /// `chdir` into something that is not a directory: `ENOENT` (littlefs's wrapper, FatFs),
    /// `ENOTDIR` (the host).
    pub chdir_not_dir: Errno,
}

impl Rules {
    /// `VfsFat`.
    pub const FAT: Rules = Rules {
        open_dir: Errno::ENOENT,
        open_dir_create: Errno::EACCES,
        open_dir_exclusive: Errno::EACCES,
        not_dir_component: Errno::ENOENT,
        opendir_file: Errno::ENOENT,
        remove_dir: Action::Fail(Errno::EISDIR),
        rmdir_file: Action::Fail(Errno::ENOTDIR),
        rmdir_not_empty: Errno::EACCES,
        rename_dir_over_empty_dir: Action::Fail(Errno::EISDIR),
        rename_dir_over_nonempty_dir: Errno::EISDIR,
        rename_dir_over_file: Action::Allow,
        rename_file_over_dir: Errno::EISDIR,
        dir_size_defined: true,
        entry_size: true,
        mode_has_permissions: false,
        inodes: false,
        mtime: true,
        read_write_only: Some(Errno::EACCES),
        append_starts_at_end: true,
        append: Append::AtPosition,
        write_read_only: Errno::EACCES,
        rmdir_cwd: Some(Errno::EACCES),
        rename_target_parent_first: false,
        chdir_not_dir: Errno::ENOENT,
        seek_like_fatfs: true,
        rename_onto_itself_replaces: false,
        rename_target_before_subtree: true,
        cwd_follows_renames: true,
    };

    /// `VfsLfs1`.
    pub const LFS1: Rules = Rules {
        open_dir: Errno::EISDIR,
        open_dir_create: Errno::EISDIR,
        open_dir_exclusive: Errno::EISDIR,
        not_dir_component: Errno::ENOTDIR,
        opendir_file: Errno::ENOTDIR,
        remove_dir: Action::Allow,
        rmdir_file: Action::Allow,
        rmdir_not_empty: Errno::ENOTEMPTY,
        rename_dir_over_empty_dir: Action::Allow,
        rename_dir_over_nonempty_dir: Errno::ENOTEMPTY,
        rename_dir_over_file: Action::Fail(Errno::EISDIR),
        rename_file_over_dir: Errno::EISDIR,
        dir_size_defined: true,
        entry_size: true,
        mode_has_permissions: false,
        inodes: false,
        mtime: false,
        read_write_only: Some(Errno::EBADF),
        append_starts_at_end: false,
        append: Append::EndFromBefore,
        write_read_only: Errno::EBADF,
        rmdir_cwd: None,
        rename_target_parent_first: false,
        chdir_not_dir: Errno::ENOENT,
        seek_like_fatfs: false,
        rename_onto_itself_replaces: true,
        rename_target_before_subtree: true,
        cwd_follows_renames: false,
    };

    /// `VfsLfs2`.
    pub const LFS2: Rules = Rules {
        open_dir: Errno::EISDIR,
        open_dir_create: Errno::EISDIR,
        open_dir_exclusive: Errno::EEXIST,
        not_dir_component: Errno::ENOTDIR,
        opendir_file: Errno::ENOTDIR,
        remove_dir: Action::Allow,
        rmdir_file: Action::Allow,
        rmdir_not_empty: Errno::ENOTEMPTY,
        rename_dir_over_empty_dir: Action::Allow,
        rename_dir_over_nonempty_dir: Errno::ENOTEMPTY,
        rename_dir_over_file: Action::Fail(Errno::ENOTDIR),
        rename_file_over_dir: Errno::EISDIR,
        dir_size_defined: false,
        entry_size: true,
        mode_has_permissions: false,
        inodes: false,
        mtime: true,
        read_write_only: None,
        append_starts_at_end: false,
        append: Append::EndFromBefore,
        write_read_only: Errno::EBADF,
        rmdir_cwd: None,
        rename_target_parent_first: false,
        chdir_not_dir: Errno::ENOENT,
        seek_like_fatfs: false,
        rename_onto_itself_replaces: false,
        rename_target_before_subtree: true,
        cwd_follows_renames: false,
    };

    /// `VfsPosix`.
    pub const POSIX: Rules = Rules {
        open_dir: Errno::EISDIR,
        open_dir_create: Errno::EISDIR,
        open_dir_exclusive: Errno::EEXIST,
        not_dir_component: Errno::ENOTDIR,
        opendir_file: Errno::ENOTDIR,
        remove_dir: Action::Fail(Errno::EISDIR),
        rmdir_file: Action::Fail(Errno::ENOTDIR),
        rmdir_not_empty: Errno::ENOTEMPTY,
        rename_dir_over_empty_dir: Action::Allow,
        rename_dir_over_nonempty_dir: Errno::ENOTEMPTY,
        rename_dir_over_file: Action::Fail(Errno::ENOTDIR),
        rename_file_over_dir: Errno::EISDIR,
        dir_size_defined: false,
        entry_size: false,
        mode_has_permissions: true,
        inodes: true,
        mtime: true,
        read_write_only: Some(Errno::EBADF),
        append_starts_at_end: false,
        append: Append::End,
        write_read_only: Errno::EBADF,
        rmdir_cwd: None,
        rename_target_parent_first: true,
        chdir_not_dir: Errno::ENOTDIR,
        seek_like_fatfs: false,
        rename_onto_itself_replaces: false,
        rename_target_before_subtree: false,
        cwd_follows_renames: true,
    };

    /// uvfs's default (`MemFs`'s own): Posix errnos, with sizes in listings and no inodes.
    pub const MEM: Rules = Rules {
        dir_size_defined: true,
        entry_size: true,
        mode_has_permissions: false,
        inodes: false,
        append_starts_at_end: true,
        chdir_not_dir: Errno::ENOENT,
        rename_target_parent_first: false,
        cwd_follows_renames: false,
        ..Rules::POSIX
    };

    /// The errno an operation that the rule `action` refuses returns, or `None` if it proceeds.
    pub const fn refusal(action: Action) -> Option<Errno> {
        match action {
            Action::Allow => None,
            Action::Fail(e) => Some(e),
        }
    }

    /// `mode` as this profile lets it be compared: the type bits only where permission bits
    /// may be present.
    ///
    /// ```
    /// use uvfs_testkit::Profile;
    /// assert_eq!(Profile::Posix.rules().comparable_mode(0o100644), 0x8000);
    /// assert_eq!(Profile::Fat.rules().comparable_mode(0x8000), 0x8000);
    /// ```
    pub const fn comparable_mode(&self, mode: u32) -> u32 {
        if self.mode_has_permissions {
            mode & 0xF000
        } else {
            mode
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_rows() {
        // The rows of micropython-measured.md §2 that differ between backends.
        let fat = Profile::Fat.rules();
        let lfs2 = Profile::Lfs2.rules();
        let posix = Profile::Posix.rules();
        assert_eq!(fat.open_dir, Errno::ENOENT);
        assert_eq!(fat.open_dir_create, Errno::EACCES);
        assert_eq!(lfs2.open_dir, Errno::EISDIR);
        assert_eq!(fat.not_dir_component, Errno::ENOENT);
        assert_eq!(lfs2.not_dir_component, Errno::ENOTDIR);
        assert_eq!(fat.remove_dir, Action::Fail(Errno::EISDIR));
        assert_eq!(lfs2.remove_dir, Action::Allow);
        assert_eq!(posix.rmdir_file, Action::Fail(Errno::ENOTDIR));
        assert_eq!(fat.rename_dir_over_empty_dir, Action::Fail(Errno::EISDIR));
        assert_eq!(posix.rename_dir_over_empty_dir, Action::Allow);
        assert!(!lfs2.dir_size_defined && fat.dir_size_defined);
        assert!(!posix.entry_size && posix.inodes && posix.mode_has_permissions);
        assert!(!Profile::Lfs1.rules().mtime);
    }

    #[test]
    fn mem_is_posix_errnos() {
        let (m, p) = (Rules::MEM, Rules::POSIX);
        assert_eq!(m.open_dir, p.open_dir);
        assert_eq!(m.rmdir_not_empty, p.rmdir_not_empty);
        assert_eq!(m.rename_dir_over_file, p.rename_dir_over_file);
        assert!(m.entry_size && m.dir_size_defined && !m.inodes);
    }
}
