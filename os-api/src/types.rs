//! The values that cross the filesystem protocol: handles, modes, names, entries, stats.

use core::fmt;

use crate::errno::{Errno, Result};

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            index: u32,
            generation: u32,
        }

        impl $name {
            /// Makes a handle from a slot index and the slot's generation (for backend authors).
            pub const fn new(index: u32, generation: u32) -> Self {
                Self { index, generation }
            }

            /// The slot index the backend chose.
            pub const fn index(self) -> u32 {
                self.index
            }

            /// The generation of the slot when the handle was issued.
            pub const fn generation(self) -> u32 {
                self.generation
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({}#{})"), self.index, self.generation)
            }
        }
    };
}

handle! {
    /// An open file: a small `Copy` id issued by the filesystem that opened it.
    ///
    /// A closed, stale or foreign handle makes every call return `EBADF`; it never panics.
    FileHandle
}

handle! {
    /// An open directory listing (`ilistdir`): a small `Copy` id issued by the filesystem.
    DirHandle
}

/// Kind of a directory entry, with MicroPython's `ilistdir` type numbers.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A regular file, type `0x8000`.
    File,
    /// A directory, type `0x4000`.
    Dir,
}

impl FileType {
    /// MicroPython's number: `0x4000` for a directory, `0x8000` for a file.
    pub const fn mode_bits(self) -> u32 {
        match self {
            FileType::Dir => 0x4000,
            FileType::File => 0x8000,
        }
    }
}

/// The longest name a [`Name`] holds, in bytes (MicroPython's `f_namemax`).
pub const NAME_MAX: usize = 255;

/// A file name of at most [`NAME_MAX`] bytes of UTF-8, stored inline (no allocation).
#[derive(Clone, Copy)]
pub struct Name {
    len: u8,
    bytes: [u8; NAME_MAX],
}

impl Name {
    /// Copies `name`; `ENAMETOOLONG` if it is longer than [`NAME_MAX`] bytes.
    ///
    /// ```
    /// use uvfs_os_api::{Errno, Name};
    /// assert_eq!(Name::new("boot.py").unwrap().as_str(), "boot.py");
    /// assert_eq!(Name::new(&"x".repeat(256)).unwrap_err(), Errno::ENAMETOOLONG);
    /// ```
    pub fn new(name: &str) -> Result<Name> {
        let len = u8::try_from(name.len()).map_err(|_| Errno::ENAMETOOLONG)?;
        let mut bytes = [0; NAME_MAX];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(Name { len, bytes })
    }

    /// Decodes a name read from media: invalid UTF-8 becomes U+FFFD, and a name that would
    /// not fit is cut at a character boundary. Never fails.
    ///
    /// ```
    /// use uvfs_os_api::Name;
    /// assert_eq!(Name::from_bytes_lossy(b"a\xffb").as_str(), "a\u{fffd}b");
    /// ```
    pub fn from_bytes_lossy(raw: &[u8]) -> Name {
        let mut out = Name {
            len: 0,
            bytes: [0; NAME_MAX],
        };
        for chunk in raw.utf8_chunks() {
            if !out.push_str(chunk.valid()) {
                break;
            }
            if !chunk.invalid().is_empty() && !out.push_str("\u{fffd}") {
                break;
            }
        }
        out
    }

    /// Appends whole characters of `s` while they fit; false if something was cut.
    fn push_str(&mut self, s: &str) -> bool {
        for ch in s.chars() {
            let mut buf = [0; 4];
            let enc = ch.encode_utf8(&mut buf);
            let len = usize::from(self.len);
            if len + enc.len() > NAME_MAX {
                return false;
            }
            self.bytes[len..len + enc.len()].copy_from_slice(enc.as_bytes());
            // Fits: len + enc.len() <= 255.
            self.len += enc.len() as u8;
        }
        true
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Both constructors only ever store whole UTF-8 characters.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `ilistdir` entry: `(name, type, inode[, size])`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name (never `.` or `..`).
    pub name: Name,
    /// File or directory.
    pub kind: FileType,
    /// Inode number, 0 where the filesystem has none.
    pub inode: u64,
    /// Size in bytes where the filesystem reports it (`None` gives MicroPython's 3-tuple).
    pub size: Option<u64>,
}

/// What `os.stat` returns: MicroPython's 10-tuple, with names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Stat {
    /// `st_mode`: `0x4000` (directory) or `0x8000` (file), plus permission bits where the host has them.
    pub mode: u32,
    /// `st_ino`, 0 where the filesystem has none.
    pub ino: u64,
    /// `st_dev`.
    pub dev: u64,
    /// `st_nlink`.
    pub nlink: u64,
    /// `st_uid`.
    pub uid: u32,
    /// `st_gid`.
    pub gid: u32,
    /// `st_size` in bytes.
    pub size: u64,
    /// `st_atime`, seconds since 1970-01-01 UTC.
    pub atime: i64,
    /// `st_mtime`, seconds since 1970-01-01 UTC.
    pub mtime: i64,
    /// `st_ctime`, seconds since 1970-01-01 UTC.
    pub ctime: i64,
}

impl Stat {
    /// A bare directory stat, as MicroPython reports mount points: `(0x4000, 0, ..., 0)`.
    pub const DIR: Stat = Stat {
        mode: 0x4000,
        ino: 0,
        dev: 0,
        nlink: 0,
        uid: 0,
        gid: 0,
        size: 0,
        atime: 0,
        mtime: 0,
        ctime: 0,
    };

    /// File or directory, from the mode bits (`0x4000` means directory).
    pub const fn kind(&self) -> FileType {
        if self.mode & 0xF000 == 0x4000 {
            FileType::Dir
        } else {
            FileType::File
        }
    }

    /// The 10-tuple in MicroPython's order.
    pub fn to_tuple(&self) -> [i64; 10] {
        let w = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        [
            i64::from(self.mode),
            w(self.ino),
            w(self.dev),
            w(self.nlink),
            i64::from(self.uid),
            i64::from(self.gid),
            w(self.size),
            self.atime,
            self.mtime,
            self.ctime,
        ]
    }
}

/// What `os.statvfs` returns: MicroPython's 10-tuple, with names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StatVfs {
    /// `f_bsize`.
    pub bsize: u64,
    /// `f_frsize`.
    pub frsize: u64,
    /// `f_blocks`, in `frsize` units.
    pub blocks: u64,
    /// `f_bfree`.
    pub bfree: u64,
    /// `f_bavail`.
    pub bavail: u64,
    /// `f_files` (0 where the filesystem has no inode table).
    pub files: u64,
    /// `f_ffree`.
    pub ffree: u64,
    /// `f_favail`.
    pub favail: u64,
    /// `f_flag`.
    pub flag: u64,
    /// `f_namemax`.
    pub namemax: u64,
}

impl StatVfs {
    /// The 10-tuple in MicroPython's order.
    pub fn to_tuple(&self) -> [u64; 10] {
        [
            self.bsize,
            self.frsize,
            self.blocks,
            self.bfree,
            self.bavail,
            self.files,
            self.ffree,
            self.favail,
            self.flag,
            self.namemax,
        ]
    }
}

/// Where a seek is measured from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SeekFrom {
    /// From the start of the file.
    Start(u64),
    /// From the current position.
    Current(i64),
    /// From the end of the file.
    End(i64),
}

impl SeekFrom {
    /// The absolute position this seek lands on, given the current position and file size;
    /// `EINVAL` for a position before the start or past `u64::MAX`.
    pub fn resolve(self, current: u64, size: u64) -> Result<u64> {
        let (base, delta) = match self {
            SeekFrom::Start(pos) => return Ok(pos),
            SeekFrom::Current(d) => (current, d),
            SeekFrom::End(d) => (size, d),
        };
        base.checked_add_signed(delta).ok_or(Errno::EINVAL.into())
    }
}

/// A file's open mode, parsed from a MicroPython mode string.
///
/// MicroPython accepts `r`, `w`, `a`, `x`, optionally with `+`, and `b` or `t`. Unlike MicroPython,
/// uvfs refuses unknown letters and conflicting ones (`"rw"`) with `EINVAL` rather than guessing.
///
/// ```
/// use uvfs_os_api::{Errno, OpenMode};
/// let m = OpenMode::parse("r+b").unwrap();
/// assert!(m.read && m.write && !m.create && !m.truncate && m.binary);
/// let m = OpenMode::parse("a").unwrap();
/// assert!(m.write && m.append && m.create && !m.read);
/// assert_eq!(OpenMode::parse("rw").unwrap_err(), Errno::EINVAL);
/// assert_eq!(OpenMode::parse("q").unwrap_err(), Errno::EINVAL);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct OpenMode {
    /// Reads allowed.
    pub read: bool,
    /// Writes allowed.
    pub write: bool,
    /// Every write goes to the end of the file.
    pub append: bool,
    /// Create the file if it does not exist.
    pub create: bool,
    /// Fail with `EEXIST` if it exists (`x`).
    pub exclusive: bool,
    /// Cut the file to zero length on open (`w`).
    pub truncate: bool,
    /// Binary (`b`) rather than text; only the caller's view changes.
    pub binary: bool,
}

impl OpenMode {
    /// `"r"`: read an existing file.
    pub const READ: OpenMode = OpenMode {
        read: true,
        write: false,
        append: false,
        create: false,
        exclusive: false,
        truncate: false,
        binary: false,
    };
    /// `"w"`: create or truncate, write only.
    pub const WRITE: OpenMode = OpenMode {
        read: false,
        write: true,
        append: false,
        create: true,
        exclusive: false,
        truncate: true,
        binary: false,
    };
    /// `"a"`: create if missing, append.
    pub const APPEND: OpenMode = OpenMode {
        read: false,
        write: true,
        append: true,
        create: true,
        exclusive: false,
        truncate: false,
        binary: false,
    };
    /// `"x"`: create a new file, `EEXIST` if it exists.
    pub const CREATE_NEW: OpenMode = OpenMode {
        read: false,
        write: true,
        append: false,
        create: true,
        exclusive: true,
        truncate: false,
        binary: false,
    };

    /// Parses a MicroPython mode string (`"r"`, `"wb"`, `"r+b"`, `"ab+"`, `"x"`, ...).
    ///
    /// `EINVAL` for an empty string, an unknown letter, a repeated letter, two of `rwax`, or both
    /// `b` and `t`.
    pub fn parse(mode: &str) -> Result<OpenMode> {
        let mut base = None;
        let (mut plus, mut b, mut t) = (false, false, false);
        for ch in mode.bytes() {
            let seen = match ch {
                b'r' | b'w' | b'a' | b'x' => base.replace(ch).is_some(),
                b'+' => core::mem::replace(&mut plus, true),
                b'b' => core::mem::replace(&mut b, true),
                b't' => core::mem::replace(&mut t, true),
                _ => return Err(Errno::EINVAL.with_detail("invalid mode")),
            };
            if seen {
                return Err(Errno::EINVAL.with_detail("invalid mode"));
            }
        }
        if b && t {
            return Err(Errno::EINVAL.with_detail("invalid mode"));
        }
        let mut m = match base {
            Some(b'r') => OpenMode::READ,
            Some(b'w') => OpenMode::WRITE,
            Some(b'a') => OpenMode::APPEND,
            Some(b'x') => OpenMode::CREATE_NEW,
            _ => return Err(Errno::EINVAL.with_detail("invalid mode")),
        };
        if plus {
            m.read = true;
            m.write = true;
        }
        m.binary = b;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_valid_mode_parses() {
        for base in ["r", "w", "a", "x"] {
            for plus in ["", "+"] {
                for bt in ["", "b", "t"] {
                    let s = [base, plus, bt];
                    let mut buf = [0u8; 3];
                    let mut n = 0;
                    for part in s {
                        buf[n..n + part.len()].copy_from_slice(part.as_bytes());
                        n += part.len();
                    }
                    let text = core::str::from_utf8(&buf[..n]).unwrap();
                    let m = OpenMode::parse(text).unwrap();
                    assert_eq!(m.read, base == "r" || plus == "+", "{text}");
                    assert!(m.write || base == "r", "{text}");
                    assert_eq!(m.binary, bt == "b", "{text}");
                }
            }
        }
    }

    #[test]
    fn bad_modes_are_einval() {
        for bad in ["", "rw", "rr", "r++", "bt", "rbt", "q", "+", "b", "R"] {
            assert_eq!(OpenMode::parse(bad).unwrap_err(), Errno::EINVAL, "{bad}");
        }
    }

    #[test]
    fn seek_resolution() {
        assert_eq!(SeekFrom::Start(5).resolve(1, 2), Ok(5));
        assert_eq!(SeekFrom::Current(-1).resolve(1, 2), Ok(0));
        assert_eq!(
            SeekFrom::Current(-2).resolve(1, 2).unwrap_err(),
            Errno::EINVAL
        );
        assert_eq!(SeekFrom::End(3).resolve(1, 2), Ok(5));
        assert_eq!(
            SeekFrom::End(i64::MIN).resolve(0, 0).unwrap_err(),
            Errno::EINVAL
        );
    }

    #[test]
    fn lossy_names_are_cut_on_char_boundaries() {
        let long = [0xE2u8, 0x82, 0xAC].repeat(100); // 100 euro signs, 300 bytes
        let name = Name::from_bytes_lossy(&long);
        assert_eq!(name.as_str().len(), 255);
        assert_eq!(name.as_str().chars().count(), 85);
    }

    #[test]
    fn stat_tuple_order() {
        let s = Stat {
            mode: 0x8000,
            size: 7,
            mtime: 9,
            ..Stat::default()
        };
        assert_eq!(s.to_tuple(), [0x8000, 0, 0, 0, 0, 0, 7, 0, 9, 0]);
        assert_eq!(s.kind(), FileType::File);
        assert_eq!(Stat::DIR.kind(), FileType::Dir);
    }
}
