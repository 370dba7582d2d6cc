//! The conformance suite: one set of scenarios every backend runs.
//!
//! [`run`] takes a [`Config`] (the backend's [`Profile`] and [`Capabilities`]) and a factory that
//! makes a fresh, empty, **formatted but not mounted** filesystem; every scenario gets its own
//! filesystem from it and mounts it itself. The [`Report`] lists what passed, what was skipped
//! and what failed; [`Report::assert_ok`] turns failures into a test failure.
//!
//! ```
//! use uvfs_testkit::conformance::{self, Config};
//! use uvfs_testkit::{MemFs, Profile};
//!
//! let report = conformance::run(&Config::new(Profile::Lfs2), &mut || {
//!     Box::new(MemFs::with_profile(Profile::Lfs2))
//! });
//! report.assert_ok();
//! assert_eq!(report.failed.len(), 0);
//! ```
//!
//! # Scenarios
//! Scenarios are named after the MicroPython test they mirror where there is one
//! (`tests/extmod/vfs_*.py`); [`scenario_names`] lists them all.
//!
//! | scenario | what it checks |
//! |---|---|
//! | `vfs_basic` | every `Filesystem` function once: create, read, stat, list, mkdir, rename, remove, rmdir, sync, statvfs |
//! | `vfs_fat_fileio1` | every open mode (`r`, `r+`, `w`, `w+`, `a`, `a+`, `x`), read/write/seek, EOF, seeking past the end, `EBADF` on the wrong access |
//! | `vfs_truncate` | cutting and zero-extending, position kept, `EBADF` on a read-only handle |
//! | `vfs_large_file` | a large file (`Capabilities::large_file_size`) in odd chunks; patch, append, truncate |
//! | `vfs_lfs_file` | many files open at once (`Capabilities::open_files`), interleaved writes and reads; two readers of one file |
//! | `vfs_lfs_error` | the errno table of `micropython-measured.md` §2 for the profile |
//! | `vfs_rename` | every rename case (file/dir onto missing/file/empty dir/full dir) per profile |
//! | `vfs_deep_tree` | a tree `Capabilities::tree_depth` levels deep: create, list, rename its top, remove |
//! | `vfs_long_names` | 255-byte names for files and directories, spaces and non-ASCII |
//! | `vfs_many_entries` | a directory of 40 entries: list, remove half, list again |
//! | `vfs_lfs_ilistdir` | `ilistdir` entries: types, sizes and inodes per profile, no `.`/`..`, two listings at once |
//! | `vfs_lfs_mount` | mount twice refused, data survives `umount` + `mount`, `mkfs` keeps a valid volume |
//! | `vfs_readonly` | a populated volume mounted read-only: reads work, every change `EROFS` |
//! | `vfs_unmounted` | every call `ENODEV` before `mount` and after `umount`; old handles `EBADF` after remount |
//! | `vfs_handles` | closed, stale, made-up and foreign handles `EBADF`; closing twice |
//! | `vfs_statvfs` | `statvfs` fields; free space shrinks and grows with data |
//! | `vfs_lfs_mtime` | modification times kept (non-zero, not going back) or all 0, per capability |
//! | `vfs_posix_paths` | through a `Vfs` router: relative paths, `.`, `..`, `//`, trailing `/`, 256-byte names `ENAMETOOLONG`, `rename(x, x)`, rename into own subtree |
//!
//! # Skips
//! A scenario is skipped only when (a) it is named in [`Config::skip`] with a reason, which the
//! report repeats, or (b) it needs something the [`Capabilities`] declare unsupported
//! ([`Support::No`]) **and** a probe confirms the backend refuses it with the declared errno. A
//! probe that gets another result is a failure. Nothing is skipped silently.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use uvfs_os_api::{BoxedFilesystem, DirEntry, Errno, Error, Filesystem, OpenMode, Result};

use crate::profile::{Profile, Rules};

/// Unwraps a `Result<T, Error>` or returns a failure naming the expression and the line.
macro_rules! ok {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => {
                return Err(format!(
                    "{}:{}: `{}` failed: {}",
                    file!(),
                    line!(),
                    stringify!($e),
                    err
                ))
            }
        }
    };
}

/// Checks that a `Result<T, Error>` is the error `errno`.
macro_rules! fails {
    ($e:expr, $errno:expr) => {{
        let want: uvfs_os_api::Errno = $errno;
        match $e {
            Ok(_) => {
                return Err(format!(
                    "{}:{}: `{}` succeeded; expected {}",
                    file!(),
                    line!(),
                    stringify!($e),
                    want
                ))
            }
            Err(err) if err.errno() == want => {}
            Err(err) => {
                return Err(format!(
                    "{}:{}: `{}` gave {}; expected {}",
                    file!(),
                    line!(),
                    stringify!($e),
                    err,
                    want
                ))
            }
        }
    }};
}

/// Checks a condition, or fails with a formatted message.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!("{}:{}: {}", file!(), line!(), format!($($fmt)+)));
        }
    };
}

/// Checks two values are equal, or fails showing both.
macro_rules! ensure_eq {
    ($a:expr, $b:expr) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(format!(
                "{}:{}: `{}` is {:?}, expected {:?}",
                file!(),
                line!(),
                stringify!($a),
                a,
                b
            ));
        }
    }};
}

mod files;
mod mount;
mod tree;

/// Whether a backend supports something, and if not, the errno it documents for it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Support {
    /// Supported: the scenarios that need it run.
    Yes,
    /// Not supported: the backend refuses it with this errno. Scenarios that need it are
    /// skipped after a probe confirms the errno.
    No(Errno),
}

impl Support {
    /// Whether it is supported.
    pub fn is_yes(self) -> bool {
        self == Support::Yes
    }
}

/// What the backend under test can do. [`Config::new`] fills in defaults from the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Size of the file `vfs_large_file` writes (default 64 KiB). Make the device big enough.
    pub large_file_size: u64,
    /// Files `vfs_lfs_file` keeps open at once (default 16).
    pub open_files: usize,
    /// Levels of `vfs_deep_tree` (default 8).
    pub tree_depth: usize,
    /// Directories (`mkdir`). Probe when unsupported: `mkdir("/probe")`.
    pub directories: Support,
    /// Read-only mounts. Probe when unsupported: `mount(readonly = true)`.
    pub readonly_mount: Support,
    /// `truncate`. Probe when unsupported: `truncate` of a file opened `"w"`.
    pub truncate: Support,
    /// 255-byte names. Probe when unsupported: `open("/nnn…", "w")` with a 255-byte name.
    pub long_names: Support,
    /// Modification times are kept (`stat` times non-zero and not going back); when false they
    /// must all be 0. Default: the profile's [`Rules::mtime`].
    pub mtime: bool,
    /// Inode numbers are real (non-zero); when false they must be 0. Default: the profile's
    /// [`Rules::inodes`].
    pub inodes: bool,
    /// `statvfs` free space shrinks when data is written and grows when it is removed (false for
    /// a host filesystem, where other programs change it). Default: true except for
    /// [`Profile::Posix`].
    pub statvfs_tracks_usage: bool,
}

/// What [`run`] runs: the profile whose errnos the backend returns, its capabilities, and
/// scenarios to leave out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The backend family whose errnos are expected.
    pub profile: Profile,
    /// What the backend can do.
    pub caps: Capabilities,
    /// Scenarios not to run, each with the reason the report repeats: `(scenario, reason)`.
    /// A name that matches no scenario is reported as a failure.
    pub skip: Vec<(String, String)>,
    /// If not empty, run only these scenarios (the others are reported as skipped).
    pub only: Vec<String>,
}

impl Config {
    /// Defaults for `profile`: everything supported, 64 KiB large file, 16 open files, 8 levels,
    /// mtime and inodes as the profile's [`Rules`] say.
    pub fn new(profile: Profile) -> Config {
        let rules = profile.rules();
        Config {
            profile,
            caps: Capabilities {
                large_file_size: 64 * 1024,
                open_files: 16,
                tree_depth: 8,
                directories: Support::Yes,
                readonly_mount: Support::Yes,
                truncate: Support::Yes,
                long_names: Support::Yes,
                mtime: rules.mtime,
                inodes: rules.inodes,
                statvfs_tracks_usage: profile != Profile::Posix,
            },
            skip: Vec::new(),
            only: Vec::new(),
        }
    }

    /// Adds a scenario to the skip list, with the reason.
    pub fn skip(mut self, scenario: &str, reason: &str) -> Config {
        self.skip.push((scenario.into(), reason.into()));
        self
    }

    /// Runs only `scenario` (call again to add more).
    pub fn only(mut self, scenario: &str) -> Config {
        self.only.push(scenario.into());
        self
    }
}

/// A scenario that was not run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The scenario.
    pub scenario: String,
    /// Why: the skip-list reason, or the unsupported capability and the errno its probe got.
    pub reason: String,
}

/// A scenario that failed, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The scenario (or `"config"` for a bad skip list).
    pub scenario: String,
    /// What went wrong: the failing call, its line, what it gave and what was expected; or the
    /// panic message.
    pub message: String,
}

/// The outcome of [`run`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The profile the backend was held to.
    pub profile: Profile,
    /// Scenarios that passed.
    pub passed: Vec<&'static str>,
    /// Scenarios not run, with reasons.
    pub skipped: Vec<Skipped>,
    /// Scenarios that failed, with messages.
    pub failed: Vec<Failure>,
}

impl Report {
    /// Whether nothing failed.
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// Panics listing every failure (and the skips) if anything failed.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!("conformance ({:?}): {self:#}", self.profile);
        }
    }
}

/// `N passed, N failed, N skipped`; the alternate form (`{:#}`) adds one line per failure and
/// per skip.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed.len(),
            self.failed.len(),
            self.skipped.len()
        )?;
        if f.alternate() {
            for fail in &self.failed {
                write!(f, "\n  FAILED {}: {}", fail.scenario, fail.message)?;
            }
            for skip in &self.skipped {
                write!(f, "\n  skipped {}: {}", skip.scenario, skip.reason)?;
            }
        }
        Ok(())
    }
}

/// What scenarios see besides their filesystem.
pub(crate) struct Cx<'a> {
    pub cfg: &'a Config,
    pub rules: &'static Rules,
    factory: &'a mut dyn FnMut() -> BoxedFilesystem,
}

impl Cx<'_> {
    /// Another fresh, formatted, unmounted filesystem from the factory.
    pub fn fresh(&mut self) -> BoxedFilesystem {
        (self.factory)()
    }

    pub fn caps(&self) -> &Capabilities {
        &self.cfg.caps
    }
}

/// A scenario's result: `Err` carries the failure message.
pub(crate) type Outcome = std::result::Result<(), String>;

/// Something a scenario needs that a backend may lack.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    Directories,
    ReadonlyMount,
    Truncate,
    LongNames,
}

impl Need {
    fn support(self, caps: &Capabilities) -> Support {
        match self {
            Need::Directories => caps.directories,
            Need::ReadonlyMount => caps.readonly_mount,
            Need::Truncate => caps.truncate,
            Need::LongNames => caps.long_names,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Need::Directories => "directories",
            Need::ReadonlyMount => "readonly_mount",
            Need::Truncate => "truncate",
            Need::LongNames => "long_names",
        }
    }

    /// Checks that `fs` refuses this need with `errno`.
    fn probe(self, mut fs: BoxedFilesystem, errno: Errno) -> Outcome {
        if self == Need::ReadonlyMount {
            fails!(fs.mount(true, false), errno);
            return Ok(());
        }
        ok!(fs.mount(false, false));
        match self {
            Need::Directories => fails!(fs.mkdir("/probe"), errno),
            Need::Truncate => {
                let f = ok!(fs.open("/probe", OpenMode::WRITE));
                fails!(fs.truncate(f, 0), errno);
                ok!(fs.close(f));
            }
            Need::LongNames => fails!(fs.open(&long_name('n'), OpenMode::WRITE), errno),
            Need::ReadonlyMount => {}
        }
        ok!(fs.umount());
        Ok(())
    }
}

pub(crate) struct Scenario {
    pub name: &'static str,
    pub needs: &'static [Need],
    pub run: fn(BoxedFilesystem, &mut Cx<'_>) -> Outcome,
}

fn scenarios() -> Vec<&'static Scenario> {
    tree::SCENARIOS
        .iter()
        .chain(files::SCENARIOS)
        .chain(mount::SCENARIOS)
        .collect()
}

/// The names of every scenario, in the order [`run`] runs them.
pub fn scenario_names() -> Vec<&'static str> {
    scenarios().iter().map(|s| s.name).collect()
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        String::from("panicked")
    }
}

/// Runs `f`, turning a panic into a failure message.
fn guarded(f: impl FnOnce() -> Outcome) -> Outcome {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(outcome) => outcome,
        Err(payload) => Err(panic_message(payload.as_ref())),
    }
}

/// Runs the conformance suite.
///
/// `factory` must return a fresh, empty, formatted but **not mounted** filesystem each time it
/// is called (several times per scenario at most). A scenario that panics (or whose factory
/// panics) is reported as failed; the others still run.
pub fn run(config: &Config, factory: &mut dyn FnMut() -> BoxedFilesystem) -> Report {
    let all = scenarios();
    let mut report = Report {
        profile: config.profile,
        passed: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
    };
    for name in config.skip.iter().map(|(n, _)| n).chain(config.only.iter()) {
        if !all.iter().any(|s| s.name == name) {
            report.failed.push(Failure {
                scenario: "config".into(),
                message: format!("no scenario is named {name:?}"),
            });
        }
    }
    let mut cx = Cx {
        cfg: config,
        rules: config.profile.rules(),
        factory,
    };
    'scenarios: for s in all.iter().copied() {
        if let Some((_, reason)) = config.skip.iter().find(|(n, _)| n == s.name) {
            report.skipped.push(Skipped {
                scenario: s.name.into(),
                reason: format!("in the skip list: {reason}"),
            });
            continue;
        }
        if !config.only.is_empty() && !config.only.iter().any(|n| n == s.name) {
            report.skipped.push(Skipped {
                scenario: s.name.into(),
                reason: "not selected by Config::only".into(),
            });
            continue;
        }
        for &need in s.needs {
            if let Support::No(errno) = need.support(&config.caps) {
                let probed = guarded(|| need.probe(cx.fresh(), errno));
                match probed {
                    Ok(()) => report.skipped.push(Skipped {
                        scenario: s.name.into(),
                        reason: format!(
                            "{} unsupported; the probe got the documented {errno}",
                            need.name()
                        ),
                    }),
                    Err(msg) => report.failed.push(Failure {
                        scenario: s.name.into(),
                        message: format!(
                            "{} is declared unsupported with {errno}, but the probe failed: {msg}",
                            need.name()
                        ),
                    }),
                }
                continue 'scenarios;
            }
        }
        match guarded(|| {
            let fs = cx.fresh();
            (s.run)(fs, &mut cx)
        }) {
            Ok(()) => report.passed.push(s.name),
            Err(message) => report.failed.push(Failure {
                scenario: s.name.into(),
                message,
            }),
        }
    }
    report
}

// ---- helpers shared by the scenarios -------------------------------------------------------

/// Mode constants, so scenarios need no parsing.
pub(crate) mod modes {
    use uvfs_os_api::OpenMode;

    pub const R: OpenMode = OpenMode::READ;
    pub const RP: OpenMode = OpenMode {
        write: true,
        ..OpenMode::READ
    };
    pub const W: OpenMode = OpenMode::WRITE;
    pub const WP: OpenMode = OpenMode {
        read: true,
        ..OpenMode::WRITE
    };
    pub const A: OpenMode = OpenMode::APPEND;
    pub const AP: OpenMode = OpenMode {
        read: true,
        ..OpenMode::APPEND
    };
    pub const X: OpenMode = OpenMode::CREATE_NEW;
    pub const XP: OpenMode = OpenMode {
        read: true,
        ..OpenMode::CREATE_NEW
    };
}

/// `"/"` followed by a 255-byte name of `c`.
pub(crate) fn long_name(c: char) -> String {
    let mut s = String::from("/");
    s.extend(std::iter::repeat_n(c, 255));
    s
}

/// Deterministic pseudo-random bytes (xorshift), different for each `seed`.
pub(crate) fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Writes all of `data` to a new or truncated file.
pub(crate) fn write_file(fs: &mut dyn Filesystem, path: &str, data: &[u8]) -> Result<()> {
    let f = fs.open(path, OpenMode::WRITE)?;
    let written = fs.write_all(f, data);
    let closed = fs.close(f);
    written.and(closed)
}

/// Reads a whole file.
pub(crate) fn read_file(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<u8>> {
    let f = fs.open(path, OpenMode::READ)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 700];
    let read = loop {
        match fs.read(f, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
        if out.len() > 64 << 20 {
            break Err(Errno::EFBIG.with_detail("file keeps growing while read"));
        }
    };
    let closed = fs.close(f);
    read.and(closed).map(|()| out)
}

/// A whole listing, sorted by name.
pub(crate) fn list(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<DirEntry>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    let listed = loop {
        match fs.readdir(d) {
            Ok(Some(e)) => out.push(e),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
        if out.len() > 100_000 {
            break Err(Error::bug("listing does not end"));
        }
    };
    let closed = fs.closedir(d);
    listed.and(closed)?;
    out.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    Ok(out)
}

/// The names in a listing, sorted.
pub(crate) fn names(fs: &mut dyn Filesystem, path: &str) -> Result<Vec<String>> {
    Ok(list(fs, path)?
        .iter()
        .map(|e| e.name.as_str().to_owned())
        .collect())
}

/// Whether `path` exists (any errno other than `ENOENT` is an error).
pub(crate) fn exists(fs: &mut dyn Filesystem, path: &str) -> Result<bool> {
    match fs.stat(path) {
        Ok(_) => Ok(true),
        Err(e) if e.errno() == Errno::ENOENT => Ok(false),
        Err(e) => Err(e),
    }
}
