//! Running a sequence through a uvfs [`Vfs`], with the results encoded as the runner encodes
//! MicroPython's.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uvfs_os_api::{BoxedFilesystem, Error, FileHandle, FileType, MountOptions, OpenMode, SeekFrom};
use uvfs_vfs_core::Vfs;

use super::oracle::posix_roots;
use super::{
    FsSpec, Kind, Outcome, Sequence, Step, NOTE_GAP, NOTE_MOUNTED_READONLY, NOTE_RENAME,
    NOTE_RENAME_ONTO_ITSELF, NOTE_RENAME_REFUSED, NOTE_RENAME_WITH_OPEN_FILES, NOTE_SECOND_HANDLE,
    NOTE_UMOUNT_CLOSED_FILES,
};

/// A filesystem made for a sequence (already formatted, not mounted) and, for RAM devices, a
/// way to read the device's bytes once it is unmounted.
pub struct Backend {
    /// The filesystem.
    pub fs: BoxedFilesystem,
    /// The device's bytes (`None` for Posix).
    pub image: Option<Box<dyn Fn() -> Vec<u8>>>,
}

fn err(e: Error) -> Value {
    json!(["err", e.errno().code()])
}

fn ok(v: Value) -> Value {
    json!(["ok", v])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

fn read_to_end(vfs: &mut Vfs, f: FileHandle, limit: Option<usize>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let want = limit.map_or(buf.len(), |l| (l - out.len()).min(buf.len()));
        if want == 0 {
            return Ok(out);
        }
        let n = vfs.read(f, &mut buf[..want])?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn write_all(vfs: &mut Vfs, f: FileHandle, mut data: &[u8]) -> Result<usize, Error> {
    let total = data.len();
    while !data.is_empty() {
        let n = vfs.write(f, data)?;
        if n == 0 {
            return Err(uvfs_os_api::Errno::EIO.into());
        }
        data = &data[n..];
    }
    Ok(total)
}

fn tree(vfs: &mut Vfs, out: &mut Vec<Value>, path: &str, depth: usize) {
    if depth > 8 {
        out.push(json!([path, "deep"]));
        return;
    }
    let entries = match vfs.ilistdir_all(path) {
        Ok(e) => e,
        Err(e) => {
            out.push(json!([path, "err", e.errno().code()]));
            return;
        }
    };
    for e in entries {
        let full = join(path, e.name.as_str());
        if e.kind == FileType::Dir {
            out.push(json!([full, "dir"]));
            tree(vfs, out, &full, depth + 1);
        } else {
            let data = vfs.open(&full, OpenMode::READ).and_then(|f| {
                let data = read_to_end(vfs, f, None);
                let closed = vfs.close(f);
                let data = data?;
                closed.map(|_| data)
            });
            match data {
                Ok(d) => out.push(json!([full, "file", d.len(), hex(&Sha256::digest(&d))])),
                Err(e) => out.push(json!([full, "err", e.errno().code()])),
            }
        }
    }
}

struct Run {
    vfs: Vfs,
    pool: Vec<Option<BoxedFilesystem>>,
    /// Mount point as the router reports it, and the pool index mounted there.
    mounted: Vec<(String, usize)>,
    files: Vec<Option<FileHandle>>,
    /// Where each slot's file is (lexically normalised), for [`NOTE_SECOND_HANDLE`].
    places: Vec<Option<String>>,
    /// Notes of the step being run.
    notes: Vec<&'static str>,
    /// Whether to note writes past the end (FAT: see [`NOTE_GAP`]).
    probe_gaps: bool,
}

impl Run {
    fn slot(&self, slot: usize) -> Option<FileHandle> {
        self.files.get(slot).copied().flatten()
    }

    /// Whether `f`'s position is past its end (the position is put back).
    fn past_end(&mut self, f: FileHandle) -> bool {
        let v = &mut self.vfs;
        let (Ok(pos), Ok(end)) = (v.seek(f, SeekFrom::Current(0)), v.seek(f, SeekFrom::End(0)))
        else {
            return false;
        };
        let _ = v.seek(f, SeekFrom::Start(pos));
        pos > end
    }

    fn step(&mut self, step: &Step) -> Value {
        let vfs = &mut self.vfs;
        let unit = |r: Result<(), Error>| r.map_or_else(err, |_| ok(Value::Null));
        match step {
            Step::Mount(i, point, readonly) => {
                if *readonly {
                    self.notes.push(NOTE_MOUNTED_READONLY);
                }
                // A refused mount leaves the filesystem free, as in MicroPython.
                if let Err(e) = vfs.check_mount_point(point) {
                    return err(e);
                }
                let Some(fs) = self.pool.get_mut(*i).and_then(Option::take) else {
                    return json!(["err", "busy"]);
                };
                let before: Vec<String> = vfs.mounts().into_iter().map(|m| m.path).collect();
                let options = MountOptions {
                    readonly: *readonly,
                    mkfs: false,
                };
                match vfs.mount(fs, point, options) {
                    Ok(()) => {
                        let after = vfs.mounts();
                        if let Some(m) = after.iter().find(|m| !before.contains(&m.path)) {
                            self.mounted.push((m.path.clone(), *i));
                        }
                        ok(Value::Null)
                    }
                    Err(e) => err(e),
                }
            }
            Step::Umount(point) => {
                let before: Vec<String> = vfs.mounts().into_iter().map(|m| m.path).collect();
                let open_before = vfs.open_files();
                match vfs.umount(point) {
                    Ok(fs) => {
                        if vfs.open_files() < open_before {
                            self.notes.push(NOTE_UMOUNT_CLOSED_FILES);
                        }
                        let after: Vec<String> = vfs.mounts().into_iter().map(|m| m.path).collect();
                        if let Some(gone) = before.iter().find(|p| !after.contains(p)) {
                            if let Some(at) = self.mounted.iter().position(|(p, _)| p == gone) {
                                let (_, i) = self.mounted.remove(at);
                                self.pool[i] = Some(fs);
                            }
                        }
                        ok(Value::Null)
                    }
                    Err(e) => err(e),
                }
            }
            Step::Chdir(p) => unit(vfs.chdir(p)),
            Step::Getcwd => ok(json!(vfs.getcwd())),
            Step::Mkdir(p) => unit(vfs.mkdir(p)),
            Step::Rmdir(p) => unit(vfs.rmdir(p)),
            Step::Remove(p) => unit(vfs.remove(p)),
            Step::Rename(a, b) => {
                let open = vfs.open_files();
                let r = vfs.rename(a, b);
                self.notes.push(NOTE_RENAME);
                if open > 0 {
                    self.notes.push(NOTE_RENAME_WITH_OPEN_FILES);
                }
                if r.is_err() {
                    self.notes.push(NOTE_RENAME_REFUSED);
                }
                if r.is_ok() && vfs.stat(a).is_ok() {
                    self.notes.push(NOTE_RENAME_ONTO_ITSELF);
                }
                unit(r)
            }
            Step::Stat(p) => match vfs.stat(p) {
                // A directory's size is whatever littlefs left in its info (MicroPython shows
                // it raw): only a file's size is compared.
                Ok(st) if st.kind() == FileType::Dir => ok(json!([st.mode, null])),
                Ok(st) => ok(json!([st.mode, st.size])),
                Err(e) => err(e),
            },
            Step::Listdir(p) => match vfs.listdir(p) {
                Ok(names) => ok(json!(names)),
                Err(e) => err(e),
            },
            Step::Ilistdir(p) => match vfs.ilistdir_all(p) {
                Ok(entries) => ok(Value::Array(
                    entries
                        .iter()
                        .map(|e| {
                            let mut t = vec![json!(e.name.as_str()), json!(e.kind.mode_bits())];
                            if let Some(size) = e.size {
                                t.push(json!(size));
                            }
                            Value::Array(t)
                        })
                        .collect(),
                )),
                Err(e) => err(e),
            },
            Step::Statvfs(p) => match vfs.statvfs(p) {
                Ok(s) => ok(json!(s.to_tuple())),
                Err(e) => err(e),
            },
            Step::Open(p, mode) => {
                // Where the file is, lexically: a second handle on one file is noted.
                let cwd = vfs.getcwd();
                let place = uvfs_os_api::path::normalize(&uvfs_os_api::path::join(
                    if p.starts_with('/') { "/" } else { &cwd },
                    p,
                ))
                .map(|n| n.path)
                .ok();
                let r = OpenMode::parse(mode).and_then(|m| vfs.open(p, m));
                match r {
                    Ok(f) => {
                        let shared = place.is_some()
                            && self
                                .places
                                .iter()
                                .zip(&self.files)
                                .any(|(q, h)| h.is_some() && *q == place);
                        if shared {
                            self.notes.push(NOTE_SECOND_HANDLE);
                        }
                        self.files.push(Some(f));
                        self.places.push(place);
                        ok(json!(self.files.len() - 1))
                    }
                    Err(e) => {
                        self.files.push(None);
                        self.places.push(None);
                        err(e)
                    }
                }
            }
            Step::Write(s, text) => match self.slot(*s) {
                None => json!(["err", "noslot"]),
                Some(f) => {
                    // A write that leaves a gap. Only asked on FAT, whose seek changes
                    // nothing (littlefs's flushes a pending write, which would change the
                    // image).
                    if self.probe_gaps && !text.is_empty() && self.past_end(f) {
                        self.notes.push(NOTE_GAP);
                    }
                    match write_all(&mut self.vfs, f, text.as_bytes()) {
                        Ok(n) => ok(json!(n)),
                        Err(e) => err(e),
                    }
                }
            },
            Step::Read(s, n) => match self.slot(*s) {
                None => json!(["err", "noslot"]),
                Some(f) => {
                    let limit = usize::try_from(*n).ok();
                    match read_to_end(&mut self.vfs, f, limit) {
                        Ok(d) => ok(json!(hex(&d))),
                        Err(e) => err(e),
                    }
                }
            },
            Step::Seek(s, off, whence) => match self.slot(*s) {
                None => json!(["err", "noslot"]),
                Some(f) => {
                    let pos = match whence {
                        0 => match u64::try_from(*off) {
                            Ok(o) => SeekFrom::Start(o),
                            Err(_) => return json!(["err", 22]),
                        },
                        1 => SeekFrom::Current(*off),
                        _ => SeekFrom::End(*off),
                    };
                    // FAT grows a file at a seek past its end: note the gap (see NOTE_GAP).
                    let end = if self.probe_gaps {
                        let v = &mut self.vfs;
                        let here = v.seek(f, SeekFrom::Current(0));
                        let end = v.seek(f, SeekFrom::End(0));
                        if let Ok(here) = here {
                            let _ = v.seek(f, SeekFrom::Start(here));
                        }
                        end.ok()
                    } else {
                        None
                    };
                    match self.vfs.seek(f, pos) {
                        Ok(p) => {
                            if end.is_some_and(|end| p > end) {
                                self.notes.push(NOTE_GAP);
                            }
                            ok(json!(p))
                        }
                        Err(e) => err(e),
                    }
                }
            },
            Step::Tell(s) => match self.slot(*s) {
                None => json!(["err", "noslot"]),
                Some(f) => match self.vfs.seek(f, SeekFrom::Current(0)) {
                    Ok(p) => ok(json!(p)),
                    Err(e) => err(e),
                },
            },
            Step::Flush(s) => match self.slot(*s) {
                None => json!(["err", "noslot"]),
                Some(f) => unit(self.vfs.flush(f)),
            },
            Step::Close(s) => match self.slot(*s) {
                None => json!(["err", "noslot"]),
                Some(f) => {
                    self.files[*s] = None;
                    unit(self.vfs.close(f))
                }
            },
        }
    }
}

/// Runs `seq` through a fresh [`Vfs`]. `make` builds each filesystem of the sequence (formatted,
/// not mounted); Posix filesystems get a fresh directory under `scratch`.
pub fn run_uvfs(
    seq: &Sequence,
    scratch: &Path,
    tag: &str,
    make: &mut dyn FnMut(&FsSpec, Option<PathBuf>) -> Backend,
) -> Result<Outcome, String> {
    let roots = posix_roots(seq, scratch, tag)?;
    let mut pool = Vec::new();
    let mut images = Vec::new();
    for (spec, root) in seq.fs.iter().zip(&roots) {
        let b = make(spec, root.as_ref().map(PathBuf::from));
        pool.push(Some(b.fs));
        images.push(b.image);
    }
    let mut run = Run {
        vfs: Vfs::new(),
        pool,
        mounted: Vec::new(),
        files: Vec::new(),
        places: Vec::new(),
        notes: Vec::new(),
        probe_gaps: seq.fs.iter().any(|f| f.kind == Kind::Fat),
    };
    let mut notes = Vec::new();
    let mut results = Vec::with_capacity(seq.steps.len());
    for (i, s) in seq.steps.iter().enumerate() {
        results.push(run.step(s));
        notes.extend(run.notes.drain(..).map(|n| (i, n)));
    }
    let mut closing = Vec::new();
    for slot in 0..run.files.len() {
        if let Some(f) = run.files[slot].take() {
            closing.push(match run.vfs.close(f) {
                Ok(()) => ok(Value::Null),
                Err(e) => err(e),
            });
        }
    }
    let _ = run.vfs.chdir("/");
    let mut t = Vec::new();
    tree(&mut run.vfs, &mut t, "/", 0);
    for m in run.vfs.mounts() {
        let _ = run.vfs.umount(&m.path);
    }
    let images = images
        .iter()
        .map(|i| match i {
            Some(read) => json!(hex(&Sha256::digest(read()))),
            None => Value::Null,
        })
        .collect();
    Ok(Outcome {
        results,
        closing,
        tree: t,
        images,
        notes,
    })
}
