//! Path resolution as littlefs 2.11 does it (MicroPython 1.28's `VfsLfs2`), over the 2.9 engine
//! uvfs links (`littlefs2-sys` 0.4, the newest on crates.io).
//!
//! littlefs 2.10 changed how paths are read; measured with MicroPython's `micropython` command
//! (see `testkit::micropython::path_matrix`):
//!
//! | path (`f` a file, `d` a directory, `m` missing) | 2.9 | 2.11 (MicroPython) |
//! |---|---|---|
//! | `/f/`, `/f//`, `/f/.`, `/f/x/..` | `/f` | `ENOTDIR` |
//! | `/..`, `/../f`, `/d/../../f` | the root, `/f` | `EINVAL` |
//! | `open("/m/", "w")`, `rename(file, "/m/")` | creates `m` | `ENOTDIR` |
//! | `/m/..`, `/f/..`, `/d/./..` | the root | the root (a name cancelled by a later `..` is never looked up; `.` does not count) |
//!
//! [`walk`] reads a path with 2.11's rules, looking each component up through the engine, and
//! gives back a normalised path that 2.9 reads the same way. Normalised paths (the common case)
//! skip the walk.

use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{path, BlockDevice, Errno, FileType, Result};

use super::engine::Engine;

/// Where a path leads.
#[derive(Debug)]
pub(crate) enum Walked {
    /// Something that exists: its normalised path (`/` for the root).
    Found { path: String },
    /// A missing last component under an existing directory: the normalised path it would have
    /// and whether the path ended in `/` (only a directory may be made there).
    Missing { path: String, trailing: bool },
}

impl Walked {
    /// The normalised path.
    pub(crate) fn path(&self) -> &str {
        match self {
            Walked::Found { path, .. } | Walked::Missing { path, .. } => path,
        }
    }

    /// The path of something that must exist: `ENOENT` if it does not.
    pub(crate) fn existing(&self) -> Result<&str> {
        match self {
            Walked::Found { path, .. } => Ok(path),
            Walked::Missing { .. } => Err(Errno::ENOENT.into()),
        }
    }
}

/// Whether littlefs 2.9 reads `p` exactly as 2.11 does without help: absolute, no empty, `.` or
/// `..` component, no trailing slash.
pub(crate) fn plain(p: &str) -> bool {
    path::validate(p).is_ok()
}

/// Reads `p` (not [`plain`]) as littlefs 2.11 does. Errors: `ENOTDIR` when a file is followed by
/// anything (a slash, `.`, a name), `EINVAL` for a `..` above the root, `ENOENT` for a missing
/// directory on the way.
pub(crate) fn walk<D: BlockDevice>(engine: &mut Engine<D>, p: &str) -> Result<Walked> {
    // Each component with whether a `/` follows it.
    let mut comps: Vec<(&str, bool)> = Vec::new();
    let bytes = p.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'/' {
            if i > start {
                comps.push((&p[start..i], true));
            }
            start = i + 1;
        }
    }
    if start < p.len() {
        comps.push((&p[start..], false));
    }
    let mut clean = String::with_capacity(p.len());
    let mut dir = true;
    let mut i = 0;
    while i < comps.len() {
        if !dir {
            return Err(Errno::ENOTDIR.into());
        }
        let (name, slash) = comps[i];
        if name == "." {
            i += 1;
            continue;
        }
        if name == ".." {
            return Err(Errno::EINVAL.with_detail("path goes above the root"));
        }
        // A name that a later `..` cancels is skipped unread (`.` does not count).
        let mut depth = 1usize;
        let mut skip_to = None;
        for (j, &(later, _)) in comps.iter().enumerate().skip(i + 1) {
            match later {
                ".." => {
                    depth -= 1;
                    if depth == 0 {
                        skip_to = Some(j + 1);
                        break;
                    }
                }
                "." => {}
                _ => depth += 1,
            }
        }
        if let Some(next) = skip_to {
            i = next;
            continue;
        }
        clean.push('/');
        clean.push_str(name);
        match engine.stat(&clean) {
            Ok(info) => {
                dir = info.kind == FileType::Dir;
                if slash && !dir {
                    return Err(Errno::ENOTDIR.into());
                }
            }
            Err(e) if e.errno() == Errno::ENOENT => {
                if i + 1 < comps.len() {
                    // `/m/x` or `/m/.`: a missing directory on the way.
                    return Err(Errno::ENOENT.into());
                }
                return Ok(Walked::Missing {
                    path: clean,
                    trailing: slash,
                });
            }
            Err(e) => return Err(e),
        }
        i += 1;
    }
    if clean.is_empty() {
        clean.push('/');
    }
    Ok(Walked::Found { path: clean })
}
