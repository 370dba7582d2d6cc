//! Paths at the router: how a path a program writes reaches a backend, and lexical helpers.
//!
//! The router ([`Vfs`](crate::Vfs)) routes exactly as MicroPython's `mp_vfs_lookup_path`:
//!
//! 1. A path starting with `/`, or any path while the cwd is the virtual root, is matched against
//!    the mount points in table order (mount order, a filesystem at `/` last). A mount point
//!    matches when the path continues after it with `/` or ends there. The backend gets the rest
//!    **as spelled** (`/` for the mount point itself).
//! 2. `/` (and `""` at the virtual root) is the virtual root, even with a filesystem at `/`.
//! 3. A relative path while the cwd is inside a mount goes to that mount, joined to its cwd.
//! 4. Nothing else is resolved by the router: `.`, `..`, `//` and trailing slashes are each
//!    backend's to resolve as its engine does, so `..` never climbs out of a mount.
//!
//! | input | cwd | mounts | mount | backend gets | note |
//! |---|---|---|---|---|---|
//! | `/a/x.txt` | `/` | `/a` | `/a` | `/x.txt` | |
//! | `x.txt` | `/a/d` | `/a` | `/a` | `/d/x.txt` | joined to `/a`'s cwd `/d` |
//! | `a/x` | `/` | `/a` | `/a` | `/x` | cwd is the virtual root: as absolute |
//! | `..` | `/a/d` | `/a` | `/a` | `/d/..` | the backend resolves `..` |
//! | `/a//x/./` | any | `/a` | `/a` | `//x/./` | |
//! | `/a` or `/a/` | any | `/a` | `/a` | `/` | the mount point itself |
//! | `/ab` | any | `/a` | none | | `ENODEV` |
//! | `/./a` | any | `/a` | none | | `ENODEV` (no mount point `.`) |
//! | `/zz` | any | `/`, `/a` | `/` | `/zz` | |
//! | `/` | any | any | virtual root | | lists the mount points |
//!
//! [`resolve`] is a lexical resolver (cwd, `.`, `..`, mount roots) kept for tools and for the
//! MemFs differential harness; the router does not use it.

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
