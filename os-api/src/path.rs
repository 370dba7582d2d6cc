//! Helpers for the normalised paths backends receive (see [`Filesystem`](crate::Filesystem)).

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
