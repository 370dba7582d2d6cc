//! Path resolution: how a path a program writes becomes a mount and a backend path.
//!
//! The router resolves every path itself, lexically, before any backend sees it; backends get
//! normalised absolute paths (see [`Filesystem`](uvfs_os_api::Filesystem)).
//!
//! 1. A relative path starts at the cwd, an absolute one at `/`.
//! 2. Empty components (`//`) and `.` are dropped.
//! 3. `..` goes up one level, **except at the root of a mount**, where it stays: as in
//!    MicroPython, `..` never climbs out of a mounted filesystem (`chdir("../b")` from `/a`, where
//!    `/a` is a mount point, looks for `b` inside `/a`). At `/` it stays at `/`.
//! 4. A trailing slash is remembered (for `open`, which refuses it) and stripped.
//! 5. The mount is the one whose mount point is the longest prefix of the result, by whole
//!    components (`/ab` is not inside `/a`). The backend gets the rest, with a leading `/`.
//!
//! | input | cwd | mounts | mount chosen | backend path | errno |
//! |---|---|---|---|---|---|
//! | `/a/x.txt` | `/` | `/a` | `/a` | `/x.txt` | |
//! | `x.txt` | `/a/d` | `/a` | `/a` | `/d/x.txt` | |
//! | `..` | `/a/d` | `/a` | `/a` | `/` | |
//! | `../b` | `/a` | `/a`, `/b` | `/a` | `/b` | (ENOENT unless `/a` has `b`) |
//! | `/a/../b` | `/` | `/a`, `/b` | `/a` | `/b` | (as above) |
//! | `//a///x/./` | `/` | `/a` | `/a` | `/x` | |
//! | `/ab` | `/` | `/a` | none | | ENODEV |
//! | `/a/b/c` | `/` | `/a`, `/a/b` | `/a/b` | `/c` | |
//! | `/` | any | none at `/` | virtual root | | (listing shows mount points) |
//! | `/zz` | any | `/` | `/` | `/zz` | |
//! | `""` | any | any | | | ENOENT |
//! | a component over 255 bytes | | | | | ENAMETOOLONG |
//! | a NUL byte | | | | | EINVAL |

use alloc::string::String;
use alloc::vec::Vec;

use uvfs_os_api::{Errno, Result, NAME_MAX};

/// A path after lexical resolution: absolute, normalised, and whether the input ended in `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The normalised absolute path (`/` or `/a/b`).
    pub path: String,
    /// The input ended with a slash (and was not the root).
    pub trailing_slash: bool,
}

/// Resolves `input` against `cwd` (itself normalised and absolute). `is_mount_root(p)` says
/// whether `p` is a mount point, where `..` stops.
///
/// ```
/// use uvfs_vfs_core::path::resolve;
/// let mounts = ["/a", "/b"];
/// let at_mount = |p: &str| mounts.contains(&p);
/// assert_eq!(resolve("../b", "/a", at_mount).unwrap().path, "/a/b");
/// assert_eq!(resolve("..", "/a/d", at_mount).unwrap().path, "/a");
/// assert_eq!(resolve("/x/../y/", "/", at_mount).unwrap().path, "/y");
/// assert!(resolve("d/", "/", at_mount).unwrap().trailing_slash);
/// ```
pub fn resolve(input: &str, cwd: &str, is_mount_root: impl Fn(&str) -> bool) -> Result<Resolved> {
    if input.is_empty() {
        return Err(Errno::ENOENT.into());
    }
    if input.contains('\0') {
        return Err(Errno::EINVAL.with_detail("path contains NUL"));
    }
    let mut out = String::with_capacity(cwd.len() + input.len() + 1);
    if input.starts_with('/') {
        out.push('/');
    } else {
        out.push_str(cwd);
    }
    for comp in input.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if out != "/" && !is_mount_root(&out) {
                    let cut = out.rfind('/').unwrap_or(0);
                    out.truncate(cut.max(1));
                }
            }
            name => {
                if name.len() > NAME_MAX {
                    return Err(Errno::ENAMETOOLONG.into());
                }
                if !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(name);
            }
        }
    }
    let trailing_slash = out != "/" && input.ends_with('/');
    Ok(Resolved {
        path: out,
        trailing_slash,
    })
}

/// Normalises a mount point: absolute (relative ones start at `cwd`), `.`/`//` removed, no
/// trailing slash. `..` is refused with `EINVAL`, so a mount point is always spelled plainly.
pub fn normalize_mount_point(input: &str, cwd: &str) -> Result<String> {
    if input.split('/').any(|c| c == "..") {
        return Err(Errno::EINVAL.with_detail("mount point contains .."));
    }
    Ok(resolve(input, cwd, |_| false)?.path)
}

/// The part of `path` below `mount_point` as a backend path (`/` for the mount point itself), or
/// `None` if `path` is not inside it.
pub fn strip_mount<'a>(path: &'a str, mount_point: &str) -> Option<&'a str> {
    if mount_point == "/" {
        return Some(path);
    }
    let rest = path.strip_prefix(mount_point)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// The parent of a normalised path and its last component, for listing mount points.
pub(crate) fn parent_and_name(path: &str) -> Option<(&str, &str)> {
    uvfs_os_api::path::split_last(path)
}

/// Splits a normalised path into owned components (tests and tools).
pub fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(input: &str, cwd: &str) -> Result<String> {
        resolve(input, cwd, |p| p == "/a" || p == "/a/b").map(|r| r.path)
    }

    #[test]
    fn table() {
        assert_eq!(r("/a/x.txt", "/").unwrap(), "/a/x.txt");
        assert_eq!(r("x.txt", "/a/d").unwrap(), "/a/d/x.txt");
        assert_eq!(r("..", "/a/d").unwrap(), "/a");
        assert_eq!(r("../b", "/a").unwrap(), "/a/b");
        assert_eq!(r("..", "/a/b").unwrap(), "/a/b");
        assert_eq!(r("//a///x/./", "/").unwrap(), "/a/x");
        assert_eq!(r("../../..", "/").unwrap(), "/");
        assert_eq!(r("/z/..", "/").unwrap(), "/");
        assert_eq!(r("", "/").unwrap_err(), Errno::ENOENT);
        assert_eq!(r("a\0", "/").unwrap_err(), Errno::EINVAL);
        assert_eq!(r(&"n".repeat(256), "/").unwrap_err(), Errno::ENAMETOOLONG);
        assert_eq!(r(&"n".repeat(255), "/").unwrap().len(), 256);
    }

    #[test]
    fn strip() {
        assert_eq!(strip_mount("/a/x", "/a"), Some("/x"));
        assert_eq!(strip_mount("/a", "/a"), Some("/"));
        assert_eq!(strip_mount("/ab", "/a"), None);
        assert_eq!(strip_mount("/ab", "/"), Some("/ab"));
    }

    #[test]
    fn mount_points() {
        assert_eq!(normalize_mount_point("/b/", "/").unwrap(), "/b");
        assert_eq!(normalize_mount_point("b", "/").unwrap(), "/b");
        assert_eq!(normalize_mount_point("/", "/").unwrap(), "/");
        assert_eq!(
            normalize_mount_point("/a/../b", "/").unwrap_err(),
            Errno::EINVAL
        );
    }
}
