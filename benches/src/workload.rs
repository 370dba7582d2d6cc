//! The workloads, written once against [`Subject`]: whatever is being measured (a uvfs backend
//! called directly, the same backend through the [`Vfs`] router, or a raw engine) runs exactly
//! the same sequence of calls with the same bytes.

use std::fmt;

use uvfs::os_api::{BoxedFilesystem, DirHandle, FileHandle};
use uvfs::{OpenMode, SeekFrom, Vfs};

/// Why a workload failed: the subject's error, as text (the workloads compare engines whose
/// errors have different types).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl From<uvfs::Error> for Failure {
    fn from(e: uvfs::Error) -> Self {
        Failure(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(format!("io: {e}"))
    }
}

impl From<littlefs2::io::Error> for Failure {
    fn from(e: littlefs2::io::Error) -> Self {
        Failure(format!("littlefs2: error {}", e.code()))
    }
}

/// A workload's result.
pub type Outcome<T> = std::result::Result<T, Failure>;

/// Fails with `what` unless `ok`: the workloads check what they read, so a timing never
/// measures work that silently did not happen.
pub fn ensure(ok: bool, what: impl FnOnce() -> String) -> Outcome<()> {
    if ok {
        Ok(())
    } else {
        Err(Failure(what()))
    }
}

/// What a workload needs from a filesystem. Each method is one whole operation (open, the
/// calls, close), so engines whose files borrow the filesystem (fatfs, the littlefs2 crate)
/// implement it as naturally as handle-based ones.
pub trait Subject {
    /// Creates or truncates `path` and writes `data` in calls of at most `chunk` bytes, then
    /// closes it.
    fn write_file(&mut self, path: &str, data: &[u8], chunk: usize) -> Outcome<()>;

    /// Reads `path` to its end in calls of `buf.len()` bytes; returns the bytes read.
    fn read_file(&mut self, path: &str, buf: &mut [u8]) -> Outcome<u64>;

    /// Opens `path` once and fills `buf` from each offset in `offsets` (seek, then read until
    /// `buf` is full); `buf` holds the last one's bytes.
    fn read_at(&mut self, path: &str, offsets: &[u64], buf: &mut [u8]) -> Outcome<()>;

    /// `stat(path)`'s size.
    fn stat_size(&mut self, path: &str) -> Outcome<u64>;

    /// Opens existing file `path` for reading and closes it.
    fn open_close(&mut self, path: &str) -> Outcome<()>;

    /// The number of entries in directory `dir` (without `.` and `..`).
    fn count_entries(&mut self, dir: &str) -> Outcome<usize>;

    /// Removes file `path`.
    fn remove(&mut self, path: &str) -> Outcome<()>;

    /// Creates directory `path`.
    fn mkdir(&mut self, path: &str) -> Outcome<()>;
}

/// Deterministic, incompressible-looking bytes (a linear congruential sequence): the same for
/// every subject.
///
/// ```
/// let a = uvfs_benches::pattern(1000, 7);
/// assert_eq!(a, uvfs_benches::pattern(1000, 7));
/// assert_ne!(a, uvfs_benches::pattern(1000, 8));
/// ```
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

/// `count` pseudo-random offsets of `unit`-aligned reads of `unit` bytes inside a file of
/// `file_size` bytes (a fixed sequence, the same for every subject).
///
/// ```
/// let offs = uvfs_benches::random_offsets(1 << 20, 4096, 64, 1);
/// assert_eq!(offs.len(), 64);
/// assert!(offs.iter().all(|o| o % 4096 == 0 && o + 4096 <= 1 << 20));
/// ```
pub fn random_offsets(file_size: u64, unit: u64, count: usize, seed: u64) -> Vec<u64> {
    let slots = (file_size / unit.max(1)).max(1);
    let mut x = seed ^ 0x2545_F491_4F6C_DD1D;
    (0..count)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) % slots * unit
        })
        .collect()
}

/// Writes `data` to `path` in `chunk`-byte calls, then reads it back whole and compares: the
/// setup step of the read benchmarks.
pub fn write_verified<S: Subject + ?Sized>(
    s: &mut S,
    path: &str,
    data: &[u8],
    chunk: usize,
) -> Outcome<()> {
    s.write_file(path, data, chunk)?;
    verify_file(s, path, data)
}

/// Reads `path` whole and compares it with `expected`.
pub fn verify_file<S: Subject + ?Sized>(s: &mut S, path: &str, expected: &[u8]) -> Outcome<()> {
    ensure(s.stat_size(path)? == expected.len() as u64, || {
        format!("{path}: wrong size after writing")
    })?;
    let mut back = vec![0u8; expected.len()];
    s.read_at(path, &[0], &mut back)?;
    ensure(back == expected, || format!("{path}: content differs"))
}

/// Reads `path` to its end in `buf`-sized calls and checks the length: one iteration of the
/// sequential-read benchmarks.
pub fn read_expecting<S: Subject + ?Sized>(
    s: &mut S,
    path: &str,
    buf: &mut [u8],
    len: u64,
) -> Outcome<()> {
    let n = s.read_file(path, buf)?;
    ensure(n == len, || {
        format!("{path}: read {n} bytes, expected {len}")
    })
}

/// The small-files workload: create `count` files of `size` bytes in one directory, stat each,
/// list the directory, delete each. The directory is created by [`SmallFiles::prepare`].
#[derive(Clone, Debug)]
pub struct SmallFiles {
    /// The directory the files go in.
    pub dir: String,
    /// One path per file.
    pub paths: Vec<String>,
    /// Every file's content.
    pub data: Vec<u8>,
}

impl SmallFiles {
    /// `count` files of `size` bytes in `{prefix}/small` (`prefix` is `""` on a backend, the
    /// mount point through a router).
    pub fn new(prefix: &str, count: usize, size: usize) -> SmallFiles {
        let dir = format!("{prefix}/small");
        SmallFiles {
            paths: (0..count).map(|i| format!("{dir}/f{i:04}.bin")).collect(),
            dir,
            data: pattern(size, 0x5EED),
        }
    }

    /// Creates the directory.
    pub fn prepare<S: Subject + ?Sized>(&self, s: &mut S) -> Outcome<()> {
        s.mkdir(&self.dir)
    }

    /// Creates every file.
    pub fn create<S: Subject + ?Sized>(&self, s: &mut S) -> Outcome<()> {
        for p in &self.paths {
            s.write_file(p, &self.data, self.data.len())?;
        }
        Ok(())
    }

    /// Stats every file and checks its size.
    pub fn stat_all<S: Subject + ?Sized>(&self, s: &mut S) -> Outcome<()> {
        for p in &self.paths {
            let size = s.stat_size(p)?;
            ensure(size == self.data.len() as u64, || {
                format!("{p}: size {size}")
            })?;
        }
        Ok(())
    }

    /// Lists the directory and checks the count.
    pub fn list<S: Subject + ?Sized>(&self, s: &mut S) -> Outcome<()> {
        let n = s.count_entries(&self.dir)?;
        ensure(n == self.paths.len(), || {
            format!("{}: {n} entries, expected {}", self.dir, self.paths.len())
        })
    }

    /// Removes every file.
    pub fn delete<S: Subject + ?Sized>(&self, s: &mut S) -> Outcome<()> {
        for p in &self.paths {
            s.remove(p)?;
        }
        Ok(())
    }

    /// One whole cycle: create, stat each, list, delete. The filesystem ends as it started.
    pub fn cycle<S: Subject + ?Sized>(&self, s: &mut S) -> Outcome<()> {
        self.create(s)?;
        self.stat_all(s)?;
        self.list(s)?;
        self.delete(s)?;
        ensure(s.count_entries(&self.dir)? == 0, || {
            format!("{}: not empty after deleting", self.dir)
        })
    }
}

/// Populates a volume for the mount benchmarks: `dirs` directories of `files` small files
/// (`size` bytes) under `prefix`, plus one file of `big` bytes.
pub fn populate<S: Subject + ?Sized>(
    s: &mut S,
    prefix: &str,
    dirs: usize,
    files: usize,
    size: usize,
    big: usize,
) -> Outcome<()> {
    for d in 0..dirs {
        let dir = format!("{prefix}/d{d:02}");
        s.mkdir(&dir)?;
        for f in 0..files {
            let data = pattern(size, (d * files + f) as u64);
            s.write_file(&format!("{dir}/f{f:03}.txt"), &data, size.max(1))?;
        }
    }
    if big > 0 {
        s.write_file(&format!("{prefix}/big.bin"), &pattern(big, 99), 4096)?;
    }
    Ok(())
}

// ---- uvfs subjects -------------------------------------------------------------------------

/// Generates the [`Subject`] methods for a type with `Filesystem`-shaped file calls (`open`,
/// `read`, `write`, `seek`, `close`, `stat`, `remove`, `mkdir`), which `dyn Filesystem` and
/// `Vfs` both have; only listing differs.
macro_rules! file_calls {
    () => {
        fn write_file(&mut self, path: &str, data: &[u8], chunk: usize) -> Outcome<()> {
            let f = self.open(path, OpenMode::WRITE)?;
            let written = (|| {
                for piece in data.chunks(chunk.max(1)) {
                    let mut rest = piece;
                    while !rest.is_empty() {
                        let n = self.write(f, rest)?;
                        ensure(n > 0, || format!("{path}: write took nothing"))?;
                        rest = &rest[n..];
                    }
                }
                Ok::<(), Failure>(())
            })();
            let closed = self.close(f);
            written?;
            Ok(closed?)
        }

        fn read_file(&mut self, path: &str, buf: &mut [u8]) -> Outcome<u64> {
            let f = self.open(path, OpenMode::READ)?;
            let mut total = 0u64;
            let read = loop {
                match self.read(f, buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => total += n as u64,
                    Err(e) => break Err(e),
                }
            };
            let closed = self.close(f);
            read?;
            closed?;
            Ok(total)
        }

        fn read_at(&mut self, path: &str, offsets: &[u64], buf: &mut [u8]) -> Outcome<()> {
            let f = self.open(path, OpenMode::READ)?;
            let read = (|| {
                for &off in offsets {
                    self.seek(f, SeekFrom::Start(off))?;
                    let mut done = 0;
                    while done < buf.len() {
                        let n = self.read(f, &mut buf[done..])?;
                        ensure(n > 0, || {
                            format!("{path}: end of file at {}", off + done as u64)
                        })?;
                        done += n;
                    }
                }
                Ok::<(), Failure>(())
            })();
            let closed = self.close(f);
            read?;
            Ok(closed?)
        }

        fn stat_size(&mut self, path: &str) -> Outcome<u64> {
            Ok(self.stat(path)?.size)
        }

        fn open_close(&mut self, path: &str) -> Outcome<()> {
            let f = self.open(path, OpenMode::READ)?;
            Ok(self.close(f)?)
        }

        fn remove(&mut self, path: &str) -> Outcome<()> {
            Ok(UvfsCalls::remove_path(self, path)?)
        }

        fn mkdir(&mut self, path: &str) -> Outcome<()> {
            Ok(UvfsCalls::mkdir_path(self, path)?)
        }
    };
}

/// The file calls of a backend trait object and of the router, under one name. `remove` and
/// `mkdir` are renamed: on `BoxedFilesystem` those names would find the `Subject` methods first.
trait UvfsCalls {
    fn remove_path(&mut self, path: &str) -> uvfs::Result<()>;
    fn mkdir_path(&mut self, path: &str) -> uvfs::Result<()>;
    fn open(&mut self, path: &str, mode: OpenMode) -> uvfs::Result<FileHandle>;
    fn read(&mut self, f: FileHandle, buf: &mut [u8]) -> uvfs::Result<usize>;
    fn write(&mut self, f: FileHandle, data: &[u8]) -> uvfs::Result<usize>;
    fn seek(&mut self, f: FileHandle, pos: SeekFrom) -> uvfs::Result<u64>;
    fn close(&mut self, f: FileHandle) -> uvfs::Result<()>;
    fn stat(&mut self, path: &str) -> uvfs::Result<uvfs::Stat>;
}

impl UvfsCalls for BoxedFilesystem {
    fn remove_path(&mut self, path: &str) -> uvfs::Result<()> {
        (**self).remove(path)
    }
    fn mkdir_path(&mut self, path: &str) -> uvfs::Result<()> {
        (**self).mkdir(path)
    }
    fn open(&mut self, path: &str, mode: OpenMode) -> uvfs::Result<FileHandle> {
        (**self).open(path, mode)
    }
    fn read(&mut self, f: FileHandle, buf: &mut [u8]) -> uvfs::Result<usize> {
        (**self).read(f, buf)
    }
    fn write(&mut self, f: FileHandle, data: &[u8]) -> uvfs::Result<usize> {
        (**self).write(f, data)
    }
    fn seek(&mut self, f: FileHandle, pos: SeekFrom) -> uvfs::Result<u64> {
        (**self).seek(f, pos)
    }
    fn close(&mut self, f: FileHandle) -> uvfs::Result<()> {
        (**self).close(f)
    }
    fn stat(&mut self, path: &str) -> uvfs::Result<uvfs::Stat> {
        (**self).stat(path)
    }
}

impl UvfsCalls for Vfs {
    fn remove_path(&mut self, path: &str) -> uvfs::Result<()> {
        Vfs::remove(self, path)
    }
    fn mkdir_path(&mut self, path: &str) -> uvfs::Result<()> {
        Vfs::mkdir(self, path)
    }
    fn open(&mut self, path: &str, mode: OpenMode) -> uvfs::Result<FileHandle> {
        Vfs::open(self, path, mode)
    }
    fn read(&mut self, f: FileHandle, buf: &mut [u8]) -> uvfs::Result<usize> {
        Vfs::read(self, f, buf)
    }
    fn write(&mut self, f: FileHandle, data: &[u8]) -> uvfs::Result<usize> {
        Vfs::write(self, f, data)
    }
    fn seek(&mut self, f: FileHandle, pos: SeekFrom) -> uvfs::Result<u64> {
        Vfs::seek(self, f, pos)
    }
    fn close(&mut self, f: FileHandle) -> uvfs::Result<()> {
        Vfs::close(self, f)
    }
    fn stat(&mut self, path: &str) -> uvfs::Result<uvfs::Stat> {
        Vfs::stat(self, path)
    }
}

/// A backend called directly, through the `Filesystem` trait object a router would hold.
impl Subject for BoxedFilesystem {
    file_calls!();

    fn count_entries(&mut self, dir: &str) -> Outcome<usize> {
        let d: DirHandle = (**self).opendir(dir)?;
        let mut n = 0;
        let listed = loop {
            match (**self).readdir(d) {
                Ok(Some(_)) => n += 1,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let closed = (**self).closedir(d);
        listed?;
        closed?;
        Ok(n)
    }
}

/// The router: paths include the mount point.
impl Subject for Vfs {
    file_calls!();

    fn count_entries(&mut self, dir: &str) -> Outcome<usize> {
        let d = self.ilistdir(dir)?;
        let mut n = 0;
        let listed = loop {
            match self.readdir(d) {
                Ok(Some(_)) => n += 1,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let closed = self.closedir(d);
        listed?;
        closed?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uvfs::MountOptions;
    use uvfs_testkit::MemFs;

    fn memfs() -> BoxedFilesystem {
        let mut fs: BoxedFilesystem = Box::new(MemFs::new().with_capacity(4096));
        fs.mount(false, true).unwrap();
        fs
    }

    #[test]
    fn small_files_cycle_leaves_the_directory_empty() {
        let mut fs = memfs();
        let w = SmallFiles::new("", 20, 256);
        w.prepare(&mut fs).unwrap();
        w.cycle(&mut fs).unwrap();
        w.cycle(&mut fs).unwrap();
        assert_eq!(fs.count_entries("/small").unwrap(), 0);
    }

    #[test]
    fn router_and_backend_see_the_same_bytes() {
        let mut vfs = Vfs::new();
        let mut fs = memfs();
        fs.umount().unwrap();
        vfs.mount(fs, "/m", MountOptions::default()).unwrap();
        let data = pattern(10_000, 3);
        write_verified(&mut vfs, "/m/a.bin", &data, 512).unwrap();
        let mut buf = [0u8; 4096];
        read_expecting(&mut vfs, "/m/a.bin", &mut buf, 10_000).unwrap();
        vfs.read_at("/m/a.bin", &[4096], &mut buf).unwrap();
        assert_eq!(&buf[..], &data[4096..8192]);
        let err = vfs.read_at("/m/a.bin", &[8192], &mut buf).unwrap_err();
        assert!(err.0.contains("end of file"), "{err}");
        assert!(read_expecting(&mut vfs, "/m/a.bin", &mut buf, 9_999).is_err());
    }

    #[test]
    fn populate_makes_what_it_says() {
        let mut fs = memfs();
        populate(&mut fs, "", 3, 4, 100, 5000).unwrap();
        assert_eq!(fs.count_entries("/").unwrap(), 4);
        assert_eq!(fs.count_entries("/d02").unwrap(), 4);
        assert_eq!(fs.stat_size("/big.bin").unwrap(), 5000);
    }
}
