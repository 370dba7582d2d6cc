//! The differential harness: the same operations on a backend and on [`MemFs`] of its profile,
//! compared result by result.
//!
//! [`run`] mounts `MemFs` (with the backend's [`Profile`]) and the backend, each at `/` of its
//! own `uvfs_vfs_core::Vfs`, applies every [`Op`] to both and compares every result: success or
//! errno, bytes read, positions, write counts, `stat` fields and listings (sorted sets of names
//! and types, with sizes) as far as the profile defines them (see
//! [`crate::profile`]'s "What a differential comparison looks at"). After the last operation it
//! remounts both and compares the whole tree, contents included, so lost data is caught too.
//!
//! A backend's property test is three lines (in a test file, with `#[test]` above the `fn`):
//!
//! ```
//! use proptest::prelude::*;
//! use uvfs_testkit::{diff, strategy, MemFs, Profile};
//!
//! proptest! {
//!     #![proptest_config(diff::proptest_config())]
//!     fn behaves_like_memfs(ops in strategy::ops(40)) {
//!         // Put the backend under test here (a fresh, formatted, unmounted filesystem).
//!         diff::run(&ops, Profile::Lfs2, &mut || Box::new(MemFs::with_profile(Profile::Lfs2)))?;
//!     }
//! }
//! # behaves_like_memfs();
//! ```
//!
//! Paths are resolved lexically by the harness before either side sees them: path syntax
//! (`.`, `..`, `//`, trailing slashes) is each backend's MicroPython counterpart's, and the
//! MicroPython oracle ([`crate::micropython`]) checks it; this harness checks what the backend
//! does with the places paths name.
//!
//! # What is not compared
//! Some behaviour differs between MicroPython's backends and is not defined by the contract; the
//! harness stays out of it rather than report noise:
//! - a file that is open is never opened again, removed, renamed, or inside a renamed or removed
//!   directory (FatFs has no file locking and littlefs keeps per-handle caches); such
//!   operations are skipped on both sides;
//! - the size of a file open for writing is not compared by `stat` or listings until it is closed
//!   (littlefs and FAT publish it at flush or close);
//! - inode numbers and times are never compared; `statvfs` is not compared (capacities differ).

#![allow(
    clippy::result_large_err,
    reason = "a Mismatch ends a run: it is built once, on the cold path, and the public API \
              returns it unboxed so `?` turns it into a proptest failure"
)]

use std::fmt;

use proptest::test_runner::{Config as ProptestConfig, TestCaseError};
use uvfs_os_api::{
    BoxedFilesystem, DirEntry, Errno, FileHandle, FileType, MountOptions, OpenMode, Result,
    SeekFrom,
};
use uvfs_vfs_core::path::resolve;
use uvfs_vfs_core::Vfs;

use crate::memfs::MemFs;
use crate::profile::{Profile, Rules};

/// One operation of a differential run, as a MicroPython program would call it through `os`.
///
/// File operations name a *slot*: the handles the run has opened so far, in order (closed ones
/// included, so stale handles are exercised), taken modulo their number. With no handle yet a
/// file operation is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `open(path, mode)`; a mode string that does not parse is compared as its errno.
    Open {
        /// The path, relative to the cwd or absolute.
        path: String,
        /// The mode string (`"r"`, `"w+"`, `"ab"`, ... or an invalid one).
        mode: String,
    },
    /// `write` of `len` bytes made from `seed` (see [`Op::data`]).
    Write {
        /// Which handle.
        slot: u8,
        /// How many bytes.
        len: u16,
        /// Which bytes.
        seed: u8,
    },
    /// `read` of up to `len` bytes.
    Read {
        /// Which handle.
        slot: u8,
        /// Buffer size.
        len: u16,
    },
    /// `seek`.
    Seek {
        /// Which handle.
        slot: u8,
        /// Where to.
        pos: SeekFrom,
    },
    /// `close`.
    Close {
        /// Which handle.
        slot: u8,
    },
    /// `truncate` to `len` bytes.
    Truncate {
        /// Which handle.
        slot: u8,
        /// New length.
        len: u32,
    },
    /// `flush`.
    Flush {
        /// Which handle.
        slot: u8,
    },
    /// `os.mkdir`.
    Mkdir {
        /// The path.
        path: String,
    },
    /// `os.remove`.
    Remove {
        /// The path.
        path: String,
    },
    /// `os.rmdir`.
    Rmdir {
        /// The path.
        path: String,
    },
    /// `os.rename`.
    Rename {
        /// The old path.
        from: String,
        /// The new path.
        to: String,
    },
    /// `os.stat`.
    Stat {
        /// The path.
        path: String,
    },
    /// `os.ilistdir`, compared as a set.
    Listdir {
        /// The path.
        path: String,
    },
    /// `os.chdir`.
    Chdir {
        /// The path.
        path: String,
    },
    /// `os.getcwd`.
    Getcwd,
    /// `os.sync`.
    Sync,
    /// `umount` then `mount` again (every handle becomes stale).
    Remount {
        /// Mount read-only this time.
        readonly: bool,
    },
}

impl Op {
    /// The same operation with every path replaced by `f(path)` (the differential harnesses
    /// resolve paths lexically this way before both sides see them).
    ///
    /// ```
    /// use uvfs_testkit::Op;
    /// let op = Op::Rename { from: "a/".into(), to: "./b".into() };
    /// let mapped = op.map_paths(|p| p.trim_matches(|c| c == '/' || c == '.').to_owned());
    /// assert_eq!(mapped, Op::Rename { from: "a".into(), to: "b".into() });
    /// ```
    pub fn map_paths(&self, f: impl Fn(&str) -> String) -> Op {
        match self {
            Op::Open { path, mode } => Op::Open {
                path: f(path),
                mode: mode.clone(),
            },
            Op::Mkdir { path } => Op::Mkdir { path: f(path) },
            Op::Remove { path } => Op::Remove { path: f(path) },
            Op::Rmdir { path } => Op::Rmdir { path: f(path) },
            Op::Rename { from, to } => Op::Rename {
                from: f(from),
                to: f(to),
            },
            Op::Stat { path } => Op::Stat { path: f(path) },
            Op::Listdir { path } => Op::Listdir { path: f(path) },
            Op::Chdir { path } => Op::Chdir { path: f(path) },
            other => other.clone(),
        }
    }

    /// The bytes a [`Op::Write`] of `len` bytes with `seed` writes.
    pub fn data(len: u16, seed: u8) -> Vec<u8> {
        (0..usize::from(len))
            .map(|i| seed.wrapping_mul(31).wrapping_add((i % 251) as u8))
            .collect()
    }
}

/// Where a backend and `MemFs` disagreed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Index of the operation in the sequence (`ops.len()` for the final tree comparison).
    pub index: usize,
    /// The operation, if the mismatch is in one.
    pub op: Option<Op>,
    /// What was compared (`"result"`, `"mount"`, `"final tree at /a: entries"`, ...).
    pub what: String,
    /// What `MemFs` gave.
    pub model: String,
    /// What the backend gave.
    pub backend: String,
    /// The profile `MemFs` followed.
    pub profile: Profile,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Some(op) => write!(f, "op #{} {op:?}", self.index)?,
            None => write!(f, "after op #{}", self.index)?,
        }
        write!(
            f,
            " ({}): MemFs({:?}) gave {}, the backend gave {}",
            self.what, self.profile, self.model, self.backend
        )
    }
}

impl std::error::Error for Mismatch {}

// `Mismatch` is a `std::error::Error`, so `?` turns it into a proptest `TestCaseError` whose
// message is the `Display` above.
const _: fn(Mismatch) -> TestCaseError = TestCaseError::from;

/// How much of a sequence a run exercised.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffStats {
    /// Operations applied to both sides and compared.
    pub compared: usize,
    /// Of those, how many succeeded (on both sides).
    pub succeeded: usize,
    /// Operations skipped (no handle yet, or touching an open file; see the module docs).
    pub skipped: usize,
}

/// A proptest configuration for differential tests: `PROPTEST_CASES` cases (default 64).
pub fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Runs `ops` on `MemFs::with_profile(profile)` and on a filesystem from `backend` (fresh,
/// formatted, not mounted), comparing every result; see the [module docs](self).
pub fn run(
    ops: &[Op],
    profile: Profile,
    backend: &mut dyn FnMut() -> BoxedFilesystem,
) -> std::result::Result<(), Mismatch> {
    run_counted(ops, profile, backend).map(|_| ())
}

/// [`run`], also telling how many operations were compared, succeeded and skipped.
pub fn run_counted(
    ops: &[Op],
    profile: Profile,
    backend: &mut dyn FnMut() -> BoxedFilesystem,
) -> std::result::Result<DiffStats, Mismatch> {
    let mut h = Harness {
        model: Vfs::new(),
        real: Vfs::new(),
        slots: Vec::new(),
        rules: profile.rules(),
        profile,
        index: 0,
        op: None,
        stats: DiffStats::default(),
    };
    let model_fs: BoxedFilesystem = Box::new(MemFs::with_profile(profile));
    let m = h.model.mount(model_fs, "/", MountOptions::default());
    let r = h.real.mount(backend(), "/", MountOptions::default());
    h.same("mount", &unit(m), &unit(r))?;
    for (index, op) in ops.iter().enumerate() {
        h.index = index;
        h.op = Some(op.clone());
        h.apply(op)?;
    }
    h.index = ops.len();
    h.op = None;
    h.finish()?;
    Ok(h.stats)
}

/// A result reduced to what is compared.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Res {
    Unit,
    Opened,
    Count(usize),
    Pos(u64),
    Bytes(Vec<u8>),
    Stat { mode: u32, size: Option<u64> },
    Entries(Vec<Entry>),
    Cwd(String),
    Err(Errno),
}

impl Res {
    fn is_ok(&self) -> bool {
        !matches!(self, Res::Err(_))
    }
}

/// A listing entry as compared: name, type, and the size where it is compared (`None` when
/// the profile leaves it undefined or the file is open for writing).
#[derive(Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    kind: FileType,
    size: Option<Option<u64>>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            FileType::File => "file",
            FileType::Dir => "dir",
        };
        write!(f, "{:?} {kind}", self.name)?;
        match self.size {
            Some(Some(n)) => write!(f, " size {n}"),
            Some(None) => write!(f, " no size"),
            None => Ok(()),
        }
    }
}

fn unit<T>(r: Result<T>) -> Res {
    match r {
        Ok(_) => Res::Unit,
        Err(e) => Res::Err(e.errno()),
    }
}

fn with<T>(r: Result<T>, f: impl FnOnce(T) -> Res) -> Res {
    match r {
        Ok(v) => f(v),
        Err(e) => Res::Err(e.errno()),
    }
}

struct Slot {
    model: FileHandle,
    real: FileHandle,
    /// The resolved absolute path it was opened with.
    path: String,
    writer: bool,
    live: bool,
}

struct Harness {
    model: Vfs,
    real: Vfs,
    slots: Vec<Slot>,
    rules: &'static Rules,
    profile: Profile,
    index: usize,
    op: Option<Op>,
    stats: DiffStats,
}

impl Harness {
    fn mismatch(&self, what: &str, model: String, backend: String) -> Mismatch {
        Mismatch {
            index: self.index,
            op: self.op.clone(),
            what: what.into(),
            model,
            backend,
            profile: self.profile,
        }
    }

    fn same(&self, what: &str, model: &Res, real: &Res) -> std::result::Result<(), Mismatch> {
        if model == real {
            Ok(())
        } else {
            Err(self.mismatch(what, format!("{model:?}"), format!("{real:?}")))
        }
    }

    /// Compares one operation's results and counts it.
    fn compare(&mut self, model: Res, real: Res) -> std::result::Result<(), Mismatch> {
        self.same("result", &model, &real)?;
        self.stats.compared += 1;
        if model.is_ok() {
            self.stats.succeeded += 1;
        }
        Ok(())
    }

    fn skip(&mut self) -> std::result::Result<(), Mismatch> {
        self.stats.skipped += 1;
        Ok(())
    }

    /// The absolute path `input` resolves to (both sides share the cwd, compared by `Getcwd`).
    fn resolved(&self, input: &str) -> Option<String> {
        resolve(input, &self.model.getcwd(), |p| p == "/")
            .ok()
            .map(|r| r.path)
    }

    /// Whether an open file lies at or below `input`.
    fn busy(&self, input: &str) -> bool {
        match self.resolved(input) {
            Some(p) => self
                .slots
                .iter()
                .any(|s| s.live && uvfs_os_api::path::is_within(&s.path, &p)),
            None => false,
        }
    }

    /// Whether a file open for writing sits exactly at absolute path `p`.
    fn dirty(&self, p: &str) -> bool {
        self.slots.iter().any(|s| s.live && s.writer && s.path == p)
    }

    fn slot(&self, slot: u8) -> Option<(FileHandle, FileHandle, usize)> {
        if self.slots.is_empty() {
            return None;
        }
        let i = usize::from(slot) % self.slots.len();
        self.slots.get(i).map(|s| (s.model, s.real, i))
    }

    fn stat_res(&self, abs: Option<&str>, r: Result<uvfs_os_api::Stat>) -> Res {
        with(r, |st| {
            let size = match st.kind() {
                FileType::File if abs.is_some_and(|p| self.dirty(p)) => None,
                FileType::File => Some(st.size),
                FileType::Dir if self.rules.dir_size_defined => Some(st.size),
                FileType::Dir => None,
            };
            Res::Stat {
                mode: self.rules.comparable_mode(st.mode),
                size,
            }
        })
    }

    fn entries_res(&self, dir: Option<&str>, r: Result<Vec<DirEntry>>) -> Res {
        with(r, |entries| {
            let mut out: Vec<_> = entries
                .iter()
                .map(|e| {
                    let abs = dir.map(|d| {
                        if d == "/" {
                            format!("/{}", e.name)
                        } else {
                            format!("{d}/{}", e.name)
                        }
                    });
                    let size = match e.kind {
                        FileType::File if abs.as_deref().is_some_and(|p| self.dirty(p)) => None,
                        FileType::Dir if self.rules.entry_size && !self.rules.dir_size_defined => {
                            None
                        }
                        _ => Some(e.size),
                    };
                    Entry {
                        name: e.name.as_str().to_owned(),
                        kind: e.kind,
                        size,
                    }
                })
                .collect();
            out.sort_by(|x, y| x.name.cmp(&y.name));
            Res::Entries(out)
        })
    }

    /// `input` resolved lexically against the shared cwd (trailing slash dropped), so both
    /// sides see a normalised path: how each backend reads `.`, `..`, `//` and trailing
    /// slashes is its MicroPython counterpart's, checked by [`crate::micropython`], not by
    /// this model. A path that does not resolve is passed as it is.
    fn canon(&self, input: &str) -> String {
        self.resolved(input).unwrap_or_else(|| input.to_owned())
    }

    fn apply(&mut self, op: &Op) -> std::result::Result<(), Mismatch> {
        let canon = op.map_paths(|p| self.canon(p));
        let op = &canon;
        match op {
            Op::Open { path, mode } => {
                let mode = match OpenMode::parse(mode) {
                    Ok(m) => m,
                    Err(e) => return self.compare(Res::Err(e.errno()), Res::Err(e.errno())),
                };
                let abs = self.resolved(path);
                if abs.as_deref().is_some_and(|p| self.busy(p)) {
                    return self.skip();
                }
                let m = self.model.open(path, mode);
                let r = self.real.open(path, mode);
                if let (Ok(model), Ok(real), Some(p)) = (&m, &r, &abs) {
                    self.slots.push(Slot {
                        model: *model,
                        real: *real,
                        path: p.clone(),
                        writer: mode.write,
                        live: true,
                    });
                }
                self.compare(with(m, |_| Res::Opened), with(r, |_| Res::Opened))
            }
            Op::Write { slot, len, seed } => {
                let Some((m, r, _)) = self.slot(*slot) else {
                    return self.skip();
                };
                let data = Op::data(*len, *seed);
                let a = with(self.model.write(m, &data), Res::Count);
                let b = with(self.real.write(r, &data), Res::Count);
                self.compare(a, b)
            }
            Op::Read { slot, len } => {
                let Some((m, r, _)) = self.slot(*slot) else {
                    return self.skip();
                };
                let mut buf_m = vec![0u8; usize::from(*len)];
                let mut buf_r = vec![0u8; usize::from(*len)];
                let a = with(self.model.read(m, &mut buf_m), |n| {
                    Res::Bytes(buf_m[..n.min(buf_m.len())].to_vec())
                });
                let b = with(self.real.read(r, &mut buf_r), |n| {
                    Res::Bytes(buf_r[..n.min(buf_r.len())].to_vec())
                });
                self.compare(a, b)
            }
            Op::Seek { slot, pos } => {
                let Some((m, r, _)) = self.slot(*slot) else {
                    return self.skip();
                };
                let a = with(self.model.seek(m, *pos), Res::Pos);
                let b = with(self.real.seek(r, *pos), Res::Pos);
                self.compare(a, b)
            }
            Op::Close { slot } => {
                let Some((m, r, i)) = self.slot(*slot) else {
                    return self.skip();
                };
                let a = unit(self.model.close(m));
                let b = unit(self.real.close(r));
                if let Some(s) = self.slots.get_mut(i) {
                    s.live = false;
                }
                self.compare(a, b)
            }
            Op::Truncate { slot, len } => {
                let Some((m, r, _)) = self.slot(*slot) else {
                    return self.skip();
                };
                let a = unit(self.model.truncate(m, u64::from(*len)));
                let b = unit(self.real.truncate(r, u64::from(*len)));
                self.compare(a, b)
            }
            Op::Flush { slot } => {
                let Some((m, r, _)) = self.slot(*slot) else {
                    return self.skip();
                };
                let a = unit(self.model.flush(m));
                let b = unit(self.real.flush(r));
                self.compare(a, b)
            }
            Op::Mkdir { path } => {
                let a = unit(self.model.mkdir(path));
                let b = unit(self.real.mkdir(path));
                self.compare(a, b)
            }
            Op::Remove { path } | Op::Rmdir { path } if self.busy(path) => self.skip(),
            Op::Remove { path } => {
                let a = unit(self.model.remove(path));
                let b = unit(self.real.remove(path));
                self.compare(a, b)
            }
            Op::Rmdir { path } => {
                let a = unit(self.model.rmdir(path));
                let b = unit(self.real.rmdir(path));
                self.compare(a, b)
            }
            Op::Rename { from, to } => {
                if self.busy(from) || self.busy(to) {
                    return self.skip();
                }
                let a = unit(self.model.rename(from, to));
                let b = unit(self.real.rename(from, to));
                self.compare(a, b)
            }
            Op::Stat { path } => {
                let abs = self.resolved(path);
                let a = self.model.stat(path);
                let b = self.real.stat(path);
                let (a, b) = (
                    self.stat_res(abs.as_deref(), a),
                    self.stat_res(abs.as_deref(), b),
                );
                self.compare(a, b)
            }
            Op::Listdir { path } => {
                let abs = self.resolved(path);
                let a = self.model.ilistdir_all(path);
                let b = self.real.ilistdir_all(path);
                let (a, b) = (
                    self.entries_res(abs.as_deref(), a),
                    self.entries_res(abs.as_deref(), b),
                );
                self.compare(a, b)
            }
            Op::Chdir { path } => {
                let a = unit(self.model.chdir(path));
                let b = unit(self.real.chdir(path));
                self.compare(a, b)
            }
            Op::Getcwd => {
                let (a, b) = (Res::Cwd(self.model.getcwd()), Res::Cwd(self.real.getcwd()));
                self.compare(a, b)
            }
            Op::Sync => {
                let a = unit(self.model.sync());
                let b = unit(self.real.sync());
                self.compare(a, b)
            }
            Op::Remount { readonly } => {
                let options = MountOptions {
                    readonly: *readonly,
                    mkfs: false,
                };
                for s in &mut self.slots {
                    s.live = false;
                }
                let a = remount(&mut self.model, options);
                let b = remount(&mut self.real, options);
                self.compare(a, b)
            }
        }
    }

    /// Closes what is open, remounts both read-write and compares the whole tree.
    fn finish(&mut self) -> std::result::Result<(), Mismatch> {
        for s in &mut self.slots {
            if s.live {
                let _ = self.model.close(s.model);
                let _ = self.real.close(s.real);
                s.live = false;
            }
        }
        let a = remount(&mut self.model, MountOptions::default());
        let b = remount(&mut self.real, MountOptions::default());
        self.same("final remount", &a, &b)?;
        if !a.is_ok() {
            return Ok(());
        }
        let mut pending = vec![(String::from("/"), 0usize)];
        let mut visited = 0usize;
        while let Some((dir, depth)) = pending.pop() {
            visited += 1;
            if depth > 32 || visited > 10_000 {
                return Err(self.mismatch(
                    "final tree",
                    "a bounded tree".into(),
                    format!("deeper than 32 levels or over 10000 directories at {dir}"),
                ));
            }
            let a = self.model.ilistdir_all(&dir);
            let b = self.real.ilistdir_all(&dir);
            let (ra, rb) = (
                self.entries_res(Some(&dir), a.clone()),
                self.entries_res(Some(&dir), b),
            );
            self.same(&format!("final tree at {dir}: entries"), &ra, &rb)?;
            for e in a.unwrap_or_default() {
                let child = if dir == "/" {
                    format!("/{}", e.name)
                } else {
                    format!("{dir}/{}", e.name)
                };
                match e.kind {
                    FileType::Dir => pending.push((child, depth + 1)),
                    FileType::File => {
                        let ca = read_all(&mut self.model, &child);
                        let cb = read_all(&mut self.real, &child);
                        self.same(&format!("final tree: contents of {child}"), &ca, &cb)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn remount(vfs: &mut Vfs, options: MountOptions) -> Res {
    match vfs.umount("/") {
        Ok(fs) => unit(vfs.mount(fs, "/", options)),
        Err(e) => Res::Err(e.errno()),
    }
}

fn read_all(vfs: &mut Vfs, path: &str) -> Res {
    let f = match vfs.open(path, OpenMode::READ) {
        Ok(f) => f,
        Err(e) => return Res::Err(e.errno()),
    };
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    let res = loop {
        match vfs.read(f, &mut buf) {
            Ok(0) => break Res::Unit,
            Ok(n) => out.extend_from_slice(&buf[..n.min(buf.len())]),
            Err(e) => break Res::Err(e.errno()),
        }
        if out.len() > 64 << 20 {
            break Res::Err(Errno::EFBIG);
        }
    };
    let closed = vfs.close(f);
    match (res, closed) {
        (Res::Unit, Ok(())) => Res::Bytes(out),
        (Res::Unit, Err(e)) => Res::Err(e.errno()),
        (other, _) => other,
    }
}

/// `Op: Arbitrary` for cargo-fuzz targets (feature `arbitrary`), over the same tiny alphabet and
/// ranges as [`strategy`](crate::strategy), so fuzz findings replay as `Op` lists.
#[cfg(feature = "arbitrary")]
#[cfg_attr(docsrs, doc(cfg(feature = "arbitrary")))]
impl<'a> arbitrary::Arbitrary<'a> for Op {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Op> {
        use crate::strategy::{COMPONENTS, INVALID_MODES, SLOTS, VALID_MODES};

        fn path(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<String> {
            if u.ratio(1u8, 13)? {
                return Ok(String::from("/"));
            }
            let mut out = String::new();
            if u.arbitrary::<bool>()? {
                out.push('/');
            }
            for i in 0..u.int_in_range(1u8..=3)? {
                if i > 0 {
                    out.push_str(if u.ratio(1u8, 7)? { "//" } else { "/" });
                }
                out.push_str(u.choose(&COMPONENTS)?);
            }
            if u.ratio(1u8, 10)? {
                out.push('/');
            }
            Ok(out)
        }
        fn slot(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<u8> {
            u.int_in_range(0..=SLOTS - 1)
        }

        Ok(match u.int_in_range(0u8..=16)? {
            0 => Op::Open {
                path: path(u)?,
                mode: String::from(if u.ratio(1u8, 13)? {
                    *u.choose(&INVALID_MODES)?
                } else {
                    *u.choose(&VALID_MODES)?
                }),
            },
            1 => Op::Write {
                slot: slot(u)?,
                len: u.int_in_range(0u16..=699)?,
                seed: u.arbitrary()?,
            },
            2 => Op::Read {
                slot: slot(u)?,
                len: u.int_in_range(0u16..=799)?,
            },
            3 => Op::Seek {
                slot: slot(u)?,
                pos: match u.int_in_range(0u8..=2)? {
                    0 => SeekFrom::Start(u.int_in_range(0u64..=2999)?),
                    1 => SeekFrom::Current(u.int_in_range(-600i64..=599)?),
                    _ => SeekFrom::End(u.int_in_range(-600i64..=599)?),
                },
            },
            4 => Op::Close { slot: slot(u)? },
            5 => Op::Truncate {
                slot: slot(u)?,
                len: u.int_in_range(0u32..=2999)?,
            },
            6 => Op::Flush { slot: slot(u)? },
            7 => Op::Mkdir { path: path(u)? },
            8 => Op::Remove { path: path(u)? },
            9 => Op::Rmdir { path: path(u)? },
            10 => Op::Rename {
                from: path(u)?,
                to: path(u)?,
            },
            11 => Op::Stat { path: path(u)? },
            12 => Op::Listdir { path: path(u)? },
            13 => Op::Chdir { path: path(u)? },
            14 => Op::Getcwd,
            15 => Op::Sync,
            _ => Op::Remount {
                readonly: u.ratio(1u8, 4)?,
            },
        })
    }
}

#[cfg(all(test, feature = "arbitrary"))]
mod arbitrary_tests {
    use super::Op;

    #[test]
    fn arbitrary_ops_replay() {
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 37 % 251) as u8).collect();
        let mut u = arbitrary::Unstructured::new(&bytes);
        let ops: Vec<Op> = (0..200)
            .map(|_| u.arbitrary::<Op>())
            .collect::<Result<_, _>>()
            .unwrap();
        let mut kinds: Vec<_> = ops
            .iter()
            .map(|op| {
                format!("{op:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        assert!(kinds.len() >= 12, "{kinds:?}");
        super::run(&ops, crate::Profile::Mem, &mut || {
            Box::new(crate::MemFs::new())
        })
        .unwrap();
    }
}
