//! Path helpers: checking and resolving the paths backends receive (see
//! [`Filesystem`](crate::Filesystem)), and the normalised form lexical backends work with.

#[cfg(feature = "alloc")]
use alloc::string::String;

use crate::errno::{Errno, Result};
use crate::types::NAME_MAX;

/// Checks that `path` is a normalised absolute path as the protocol promises backends.
///
/// `EINVAL` for a relative path, an empty, `.` or `..` component, a trailing slash or a NUL;
/// `ENAMETOOLONG` for a component over [`NAME_MAX`] bytes.
///
/// ```
/// use uvfs_os_api::{path, Errno};
/// assert!(path::validate("/").is_ok());
/// assert!(path::validate("/a/b").is_ok());
/// for bad in ["", "a", "/a/", "//a", "/a/./b", "/..", "/a\0"] {
///     assert_eq!(path::validate(bad).unwrap_err(), Errno::EINVAL, "{bad:?}");
/// }
/// ```
pub fn validate(path: &str) -> Result<()> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Errno::EINVAL.with_detail("path is not absolute"));
    };
    if rest.is_empty() {
        return Ok(());
    }
    for comp in rest.split('/') {
        if comp.is_empty() || comp == "." || comp == ".." || comp.contains('\0') {
            return Err(Errno::EINVAL.with_detail("path is not normalised"));
        }
        if comp.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG.into());
        }
    }
    Ok(())
}

/// Whether `name` can be one component of a path: not empty, `.` or `..`, without `/` or NUL,
/// at most [`NAME_MAX`] bytes. Every name a backend lists must be one (see
/// [`Filesystem::readdir`](crate::Filesystem::readdir)); a name read from damaged media that is
/// not is reported as `EIO` rather than listed, since no path could reach it (and one with a
/// `/` would name something else).
///
/// ```
/// use uvfs_os_api::path;
/// assert!(path::is_component("boot.py"));
/// for bad in ["", ".", "..", "a/b", "/", "a\0b"] {
///     assert!(!path::is_component(bad), "{bad:?}");
/// }
/// ```
pub fn is_component(name: &str) -> bool {
    !(name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\0')
        || name.len() > NAME_MAX)
}

/// The components of a normalised path (none for the root).
///
/// ```
/// use uvfs_os_api::path;
/// assert_eq!(path::components("/a/b").collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(path::components("/").count(), 0);
/// ```
pub fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty())
}

/// Splits a normalised path into its parent and its last component;
/// `None` for the root.
///
/// ```
/// use uvfs_os_api::path;
/// assert_eq!(path::split_last("/a/b"), Some(("/a", "b")));
/// assert_eq!(path::split_last("/a"), Some(("/", "a")));
/// assert_eq!(path::split_last("/"), None);
/// ```
pub fn split_last(path: &str) -> Option<(&str, &str)> {
    let trimmed = path.trim_end_matches('/');
    let idx = trimmed.rfind('/')?;
    let name = &trimmed[idx + 1..];
    if name.is_empty() {
        return None;
    }
    let parent = if idx == 0 { "/" } else { &trimmed[..idx] };
    Some((parent, name))
}

/// Whether normalised path `inner` is `outer` or lies below it (`/a/b` is inside `/a`, `/ab` is not).
///
/// ```
/// use uvfs_os_api::path;
/// assert!(path::is_within("/a/b", "/a"));
/// assert!(path::is_within("/a", "/a"));
/// assert!(!path::is_within("/ab", "/a"));
/// assert!(path::is_within("/x", "/"));
/// ```
pub fn is_within(inner: &str, outer: &str) -> bool {
    if outer == "/" {
        return inner.starts_with('/');
    }
    match inner.strip_prefix(outer) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// A path resolved lexically by [`normalize`].
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    /// `/` or `/a/b`: no empty, `.` or `..` component, no trailing slash.
    pub path: String,
    /// The input ended in `/` after a name (`"/d/"`), which only a directory may do.
    pub trailing_slash: bool,
}

/// Resolves an absolute backend path lexically: empty and `.` components are dropped, `..`
/// removes the component before it (and stays at the root). For backends with no path rules of
/// their own (an in-memory or key-value store); engines with rules follow their engine.
///
/// `EINVAL` for a relative path or a NUL, `ENAMETOOLONG` for a component over [`NAME_MAX`].
///
/// ```
/// use uvfs_os_api::{path, Errno};
/// let n = path::normalize("/a//./b/../c/").unwrap();
/// assert_eq!((n.path.as_str(), n.trailing_slash), ("/a/c", true));
/// assert_eq!(path::normalize("/..").unwrap().path, "/");
/// assert_eq!(path::normalize("a").unwrap_err(), Errno::EINVAL);
/// ```
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub fn normalize(path: &str) -> Result<Normalized> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Errno::EINVAL.with_detail("path is not absolute"));
    };
    if path.contains('\0') {
        return Err(Errno::EINVAL.with_detail("path contains NUL"));
    }
    let mut out = String::with_capacity(path.len());
    let mut last_was_name = false;
    for comp in rest.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
                last_was_name = false;
            }
            name => {
                if name.len() > NAME_MAX {
                    return Err(Errno::ENAMETOOLONG.into());
                }
                out.push('/');
                out.push_str(name);
                last_was_name = true;
            }
        }
    }
    let trailing_slash = last_was_name && path.ends_with('/');
    if out.is_empty() {
        out.push('/');
    }
    Ok(Normalized {
        path: out,
        trailing_slash,
    })
}

/// Joins a relative path to a normalised directory as MicroPython's littlefs wrapper does:
/// `"/"` + path at the root, `dir + "/" + path` elsewhere; the result is resolved by the
/// backend like any absolute path.
///
/// ```
/// use uvfs_os_api::path;
/// assert_eq!(path::join("/", "a/../b"), "/a/../b");
/// assert_eq!(path::join("/d", "x/"), "/d/x/");
/// assert_eq!(path::join("/d", ""), "/d/");
/// ```
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub fn join(dir: &str, relative: &str) -> String {
    let mut out = String::with_capacity(dir.len() + relative.len() + 1);
    out.push_str(dir);
    if !out.ends_with('/') {
        out.push('/');
    }
    out.push_str(relative);
    out
}
