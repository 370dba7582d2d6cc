//! The router's mount table and path resolution against a model: mounts and unmounts of several
//! `MemFs` volumes at nested and neighbouring mount points, a cwd that moves between them, and
//! files and directories made through the router.
//!
//! The model (written here, independently of `vfs-core`) knows which volume owns each path (the
//! longest mount point by whole components), what is in each volume, and the cwd. Every result is
//! checked against it: success or the exact errno (`ENODEV` outside every mount, `EPERM` on the
//! virtual root, `EEXIST`/`EINVAL` at a mount point, `EROFS` on a read-only mount, ...), listings
//! (the owner's entries plus the mount points inside, without duplicates), `getcwd` (reset to `/`
//! when its mount goes away), that `umount` hands back the right volume with its files, and that
//! handles on an unmounted volume are stale (`EBADF`) from then on, even after a remount.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_os_api::{
    BoxedFilesystem, Errno, FileHandle, FileType, Filesystem, MountOptions, OpenMode, Result,
};
use uvfs_testkit::MemFs;
use uvfs_vfs_core::Vfs;

const MAX_ACTIONS: usize = 64;
const COMPONENTS: [&str; 3] = ["a", "b", "ab"];

/// A path over a tiny alphabet, spelled in one of several equivalent ways.
#[derive(Debug, Arbitrary)]
struct PathSpec {
    /// Up to three components (indices into `COMPONENTS`).
    parts: Vec<u8>,
    /// 0: absolute; 1: relative to the cwd; 2: absolute with `//` and `/./`; 3: with a
    /// trailing slash.
    spelling: u8,
}

impl PathSpec {
    fn components(&self) -> Vec<&'static str> {
        self.parts
            .iter()
            .take(3)
            .map(|&i| COMPONENTS[usize::from(i) % COMPONENTS.len()])
            .collect()
    }

    /// The string handed to the router.
    fn spell(&self) -> String {
        let parts = self.components();
        match self.spelling % 4 {
            0 => format!("/{}", parts.join("/")),
            1 if parts.is_empty() => ".".into(),
            1 => parts.join("/"),
            2 => format!("//{}", parts.join("/./")),
            _ => format!("/{}/", parts.join("/")),
        }
    }

    /// The normalised absolute path, computed by the model: relative spellings start at `cwd`.
    fn absolute(&self, cwd: &str) -> String {
        let parts = self.components();
        let mut out: Vec<&str> = Vec::new();
        if self.spelling % 4 == 1 {
            out.extend(cwd.split('/').filter(|c| !c.is_empty()));
        }
        out.extend(parts);
        format!("/{}", out.join("/"))
    }

    fn trailing_slash(&self) -> bool {
        self.spelling % 4 == 3 && !self.parts.is_empty()
    }
}

#[derive(Debug, Arbitrary)]
enum Action {
    /// Mount a new volume, or (`reuse`) one unmounted earlier.
    Mount {
        point: PathSpec,
        readonly: bool,
        reuse: Option<u8>,
    },
    Umount {
        point: PathSpec,
    },
    Chdir {
        path: PathSpec,
    },
    Mkdir {
        path: PathSpec,
    },
    /// Create the file `f<name>` in `dir`, write a byte and close it.
    Create {
        dir: PathSpec,
        name: u8,
    },
    /// Open `k<name>` in `dir` for writing and keep the handle.
    OpenKeep {
        dir: PathSpec,
        name: u8,
    },
    /// Write a byte through a kept handle (taken modulo the handles kept so far).
    Write {
        slot: u8,
    },
    Close {
        slot: u8,
    },
    Stat {
        path: PathSpec,
    },
    List {
        path: PathSpec,
    },
}

/// One volume's contents as the model sees them: backend paths.
#[derive(Clone, Debug, Default)]
struct Tree {
    dirs: BTreeSet<String>,
    files: BTreeSet<String>,
}

impl Tree {
    fn kind(&self, inner: &str) -> Option<FileType> {
        if inner == "/" || self.dirs.contains(inner) {
            Some(FileType::Dir)
        } else if self.files.contains(inner) {
            Some(FileType::File)
        } else {
            None
        }
    }

    fn children(&self, inner: &str) -> Vec<String> {
        self.dirs
            .iter()
            .chain(self.files.iter())
            .filter(|p| parent(p) == inner)
            .map(|p| name(p).to_owned())
            .collect()
    }
}

fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &p[..i],
    }
}

fn name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or("")
}

fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// `path` below `point` as a backend path, by whole components.
fn strip<'a>(path: &'a str, point: &str) -> Option<&'a str> {
    if point == "/" {
        return Some(path);
    }
    match path.strip_prefix(point) {
        Some("") => Some("/"),
        Some(rest) if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

struct MountRec {
    point: String,
    readonly: bool,
    volume: u32,
    /// Which mounting this is (handles opened during it die with it).
    instance: u32,
}

/// Where a path leads, as the model works it out.
enum Owner {
    VirtualRoot,
    Nowhere,
    Mounted { index: usize, inner: String },
}

#[derive(Default)]
struct Model {
    mounts: Vec<MountRec>,
    trees: BTreeMap<u32, Tree>,
    cwd: String,
    /// Volumes unmounted, in the order they came back.
    parked: Vec<u32>,
}

impl Model {
    fn owner(&self, path: &str) -> Owner {
        let best = self
            .mounts
            .iter()
            .enumerate()
            .filter_map(|(i, m)| strip(path, &m.point).map(|inner| (i, m.point.len(), inner)))
            .max_by_key(|&(_, len, _)| len);
        match best {
            Some((index, _, inner)) => Owner::Mounted {
                index,
                inner: inner.to_owned(),
            },
            None if path == "/" => Owner::VirtualRoot,
            None => Owner::Nowhere,
        }
    }

    fn tree(&self, index: usize) -> &Tree {
        static EMPTY: Tree = Tree {
            dirs: BTreeSet::new(),
            files: BTreeSet::new(),
        };
        self.trees.get(&self.mounts[index].volume).unwrap_or(&EMPTY)
    }

    fn tree_mut(&mut self, index: usize) -> &mut Tree {
        let v = self.mounts[index].volume;
        self.trees.entry(v).or_default()
    }

    /// What creating `inner` (a file or directory) in mount `index` runs into, if anything.
    fn create_error(&self, index: usize, inner: &str, dir: bool) -> Option<Errno> {
        let tree = self.tree(index);
        match tree.kind(parent(inner)) {
            None => return Some(Errno::ENOENT),
            Some(FileType::File) => return Some(Errno::ENOTDIR),
            Some(FileType::Dir) => {}
        }
        match tree.kind(inner) {
            Some(_) if dir => Some(Errno::EEXIST),
            Some(FileType::Dir) => Some(Errno::EISDIR),
            _ => None,
        }
    }
}

struct Kept {
    handle: FileHandle,
    instance: u32,
    closed: bool,
}

struct Run {
    vfs: Vfs,
    model: Model,
    parked: BTreeMap<u32, BoxedFilesystem>,
    kept: Vec<Kept>,
    next_volume: u32,
    next_instance: u32,
}

fn errno<T>(r: &Result<T>) -> Option<Errno> {
    r.as_ref().err().map(|e| e.errno())
}

fn check<T: std::fmt::Debug>(what: &str, got: &Result<T>, want: Option<Errno>) {
    assert_eq!(errno(got), want, "{what}: got {got:?}");
}

/// A fresh volume holding `/.id` with its number, unmounted.
fn volume(id: u32) -> BoxedFilesystem {
    let mut boxed: BoxedFilesystem = Box::new(MemFs::new());
    let fs: &mut dyn Filesystem = &mut *boxed;
    let made = (|| -> Result<()> {
        fs.mount(false, true)?;
        let f = fs.open("/.id", OpenMode::WRITE)?;
        fs.write_all(f, &id.to_le_bytes())?;
        fs.close(f)?;
        fs.umount()
    })();
    if let Err(e) = made {
        panic!("preparing volume {id}: {e}");
    }
    boxed
}

/// The number in a volume's `/.id` (mounting and unmounting it directly).
fn volume_id(fs: &mut dyn Filesystem) -> Option<u32> {
    fs.mount(true, false).ok()?;
    let mut buf = [0u8; 4];
    let got = fs.open("/.id", OpenMode::READ).ok().and_then(|f| {
        let n = fs.read_full(f, &mut buf).ok();
        let _ = fs.close(f);
        n
    });
    let _ = fs.umount();
    (got == Some(4)).then(|| u32::from_le_bytes(buf))
}

impl Run {
    fn apply(&mut self, action: &Action) {
        let cwd = self.model.cwd.clone();
        match action {
            Action::Mount {
                point,
                readonly,
                reuse,
            } => {
                let abs = point.absolute(&cwd);
                let taken = self.model.mounts.iter().any(|m| m.point == abs);
                let reused = match reuse {
                    Some(i) if !self.model.parked.is_empty() => {
                        let i = usize::from(*i) % self.model.parked.len();
                        Some(self.model.parked.remove(i))
                    }
                    _ => None,
                };
                let id = reused.unwrap_or_else(|| {
                    self.next_volume += 1;
                    self.model.trees.insert(
                        self.next_volume,
                        Tree {
                            dirs: BTreeSet::new(),
                            files: BTreeSet::from([String::from("/.id")]),
                        },
                    );
                    self.next_volume
                });
                let fs = match self.parked.remove(&id) {
                    Some(fs) => fs,
                    None => volume(id),
                };
                let options = MountOptions {
                    readonly: *readonly,
                    mkfs: false,
                };
                let got = self.vfs.mount(fs, &point.spell(), options);
                check(
                    &format!("mount at {:?}", point.spell()),
                    &got,
                    taken.then_some(Errno::EPERM),
                );
                if got.is_ok() {
                    self.next_instance += 1;
                    self.model.mounts.push(MountRec {
                        point: abs,
                        readonly: *readonly,
                        volume: id,
                        instance: self.next_instance,
                    });
                } else {
                    // The router dropped it: the volume and its files are gone.
                    self.model.trees.remove(&id);
                }
            }
            Action::Umount { point } => {
                let abs = point.absolute(&cwd);
                let index = self.model.mounts.iter().position(|m| m.point == abs);
                let got = self.vfs.umount(&point.spell());
                check(
                    &format!("umount {:?}", point.spell()),
                    &got.as_ref().map(|_| ()).map_err(|e| *e),
                    index.is_none().then_some(Errno::EINVAL),
                );
                if let (Ok(mut fs), Some(index)) = (got, index) {
                    if matches!(self.model.owner(&cwd), Owner::Mounted { index: i, .. } if i == index)
                    {
                        self.model.cwd = "/".into();
                    }
                    let rec = self.model.mounts.remove(index);
                    assert_eq!(
                        volume_id(&mut *fs),
                        Some(rec.volume),
                        "umount {abs:?} gave back another volume"
                    );
                    self.model.parked.push(rec.volume);
                    self.parked.insert(rec.volume, fs);
                }
            }
            Action::Chdir { path } => {
                let abs = path.absolute(&cwd);
                let want = match self.model.owner(&abs) {
                    Owner::VirtualRoot => None,
                    Owner::Nowhere => Some(Errno::ENODEV),
                    Owner::Mounted { index, inner } => match self.model.tree(index).kind(&inner) {
                        Some(FileType::Dir) => None,
                        Some(FileType::File) => Some(Errno::ENOTDIR),
                        None => Some(Errno::ENOENT),
                    },
                };
                let got = self.vfs.chdir(&path.spell());
                check(
                    &format!("chdir {:?} from {cwd:?}", path.spell()),
                    &got,
                    want,
                );
                if got.is_ok() {
                    self.model.cwd = abs;
                }
            }
            Action::Mkdir { path } => {
                let abs = path.absolute(&cwd);
                let want = match self.model.owner(&abs) {
                    Owner::VirtualRoot => Some(Errno::EPERM),
                    Owner::Nowhere => Some(Errno::ENODEV),
                    Owner::Mounted { inner, .. } if inner == "/" => Some(Errno::EEXIST),
                    Owner::Mounted { index, .. } if self.model.mounts[index].readonly => {
                        Some(Errno::EROFS)
                    }
                    Owner::Mounted { index, inner } => self.model.create_error(index, &inner, true),
                };
                let got = self.vfs.mkdir(&path.spell());
                check(&format!("mkdir {:?} in {cwd:?}", path.spell()), &got, want);
                if got.is_ok() {
                    if let Owner::Mounted { index, inner } = self.model.owner(&abs) {
                        self.model.tree_mut(index).dirs.insert(inner);
                    }
                }
            }
            Action::Create { dir, name } | Action::OpenKeep { dir, name } => {
                let keep = matches!(action, Action::OpenKeep { .. });
                let file = format!("{}{name}", if keep { "k" } else { "f" });
                let abs = join(&dir.absolute(&cwd), &file);
                let spelled = {
                    let d = dir.spell();
                    if d.ends_with('/') {
                        format!("{d}{file}")
                    } else {
                        format!("{d}/{file}")
                    }
                };
                let owner = self.model.owner(&abs);
                let want = match &owner {
                    Owner::VirtualRoot => Some(Errno::EPERM),
                    Owner::Nowhere => Some(Errno::ENODEV),
                    Owner::Mounted { index, .. } if self.model.mounts[*index].readonly => {
                        Some(Errno::EROFS)
                    }
                    Owner::Mounted { index, inner } => {
                        self.model.create_error(*index, inner, false)
                    }
                };
                let got = self.vfs.open(&spelled, OpenMode::WRITE);
                check(&format!("open {spelled:?} in {cwd:?}"), &got, want);
                if let (Ok(handle), Owner::Mounted { index, inner }) = (got, owner) {
                    self.model.tree_mut(index).files.insert(inner);
                    if keep {
                        self.kept.push(Kept {
                            handle,
                            instance: self.model.mounts[index].instance,
                            closed: false,
                        });
                    } else {
                        check("write", &self.vfs.write(handle, b"x"), None);
                        check("close", &self.vfs.close(handle), None);
                    }
                }
            }
            Action::Write { slot } | Action::Close { slot } => {
                if self.kept.is_empty() {
                    return;
                }
                let i = usize::from(*slot) % self.kept.len();
                let k = &self.kept[i];
                let live = !k.closed && self.model.mounts.iter().any(|m| m.instance == k.instance);
                let want = (!live).then_some(Errno::EBADF);
                if matches!(action, Action::Write { .. }) {
                    let got = self.vfs.write(k.handle, b"y");
                    check("write through a kept handle", &got, want);
                    if let Ok(n) = got {
                        assert_eq!(n, 1);
                    }
                } else {
                    let got = self.vfs.close(k.handle);
                    check("close a kept handle", &got, want);
                    self.kept[i].closed = true;
                }
            }
            Action::Stat { path } => {
                let abs = path.absolute(&cwd);
                let want = match self.model.owner(&abs) {
                    Owner::VirtualRoot => Ok(FileType::Dir),
                    Owner::Nowhere => Err(Errno::ENODEV),
                    Owner::Mounted { index, inner } => match self.model.tree(index).kind(&inner) {
                        Some(FileType::File) if path.trailing_slash() => Err(Errno::ENOTDIR),
                        Some(k) => Ok(k),
                        None => Err(Errno::ENOENT),
                    },
                };
                let got = self
                    .vfs
                    .stat(&path.spell())
                    .map(|s| s.kind())
                    .map_err(|e| e.errno());
                assert_eq!(got, want, "stat {:?} in {cwd:?}", path.spell());
            }
            Action::List { path } => {
                let abs = path.absolute(&cwd);
                let points: Vec<String> = self
                    .model
                    .mounts
                    .iter()
                    .filter(|m| m.point != "/" && parent(&m.point) == abs)
                    .map(|m| name(&m.point).to_owned())
                    .collect();
                let own = match self.model.owner(&abs) {
                    Owner::VirtualRoot => Ok(Vec::new()),
                    Owner::Nowhere => Err(Errno::ENODEV),
                    Owner::Mounted { index, inner } => {
                        let tree = self.model.tree(index);
                        match tree.kind(&inner) {
                            Some(FileType::Dir) => Ok(tree.children(&inner)),
                            Some(FileType::File) => Err(Errno::ENOTDIR),
                            None => Err(Errno::ENOENT),
                        }
                    }
                };
                let want = own.map(|mut names| {
                    names.extend(points);
                    names.sort();
                    names.dedup();
                    names
                });
                let got = self
                    .vfs
                    .listdir(&path.spell())
                    .map_err(|e| e.errno())
                    .map(|mut v| {
                        v.sort();
                        v
                    });
                assert_eq!(got, want, "listdir {:?} in {cwd:?}", path.spell());
            }
        }
        assert_eq!(self.vfs.getcwd(), self.model.cwd, "cwd after {action:?}");
        let points: Vec<String> = self.vfs.mounts().into_iter().map(|m| m.path).collect();
        let want: Vec<&str> = self.model.mounts.iter().map(|m| m.point.as_str()).collect();
        assert_eq!(points, want, "mount table after {action:?}");
    }
}

fuzz_target!(|actions: Vec<Action>| {
    let mut run = Run {
        vfs: Vfs::new(),
        model: Model {
            cwd: "/".into(),
            ..Model::default()
        },
        parked: BTreeMap::new(),
        kept: Vec::new(),
        next_volume: 0,
        next_instance: 0,
    };
    for action in actions.iter().take(MAX_ACTIONS) {
        run.apply(action);
    }
});
