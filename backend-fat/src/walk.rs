//! How FatFs reads a path, as MicroPython's `VfsFat` shows it (measured with MicroPython's unix
//! port calling the `VfsFat` object directly; see `tests/paths.rs`):
//!
//! - The path ends at its first control character (below U+0020, NUL included): the rest is
//!   ignored (`/f\x01zz` is `/f`).
//! - `/` and `\` both separate segments, and a run of them counts as one. Leading separators
//!   start at the root. A path that is nothing but separators names the root itself.
//! - Segments are read one at a time, each just before it is looked up, so an error in a later
//!   segment only shows once the earlier ones resolved (`/missing/a*b` is `ENOENT`,
//!   `/a*b/x` is `EINVAL`).
//! - A path that ends in a separator after a segment has one more, empty, segment: `EINVAL` when
//!   it is reached (`/d/` is `EINVAL` for a directory `d`, `ENOENT` for a file or nothing).
//! - `.` and `..` are looked up as the directory entries of those names (see
//!   [`crate::dir::find_dot`]); where there is none (the root), they stay where they are.
//! - Other segments: over 255 bytes, with one of `"*:<>?|` or DEL, or empty once trailing dots
//!   and spaces are dropped (`...`, `. `) is `EINVAL`; trailing dots and spaces are dropped
//!   (`/f. .` is `/f`), leading spaces are kept.

use uvfs_os_api::{Errno, Result, NAME_MAX};

/// One segment of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// A name, trailing dots and spaces removed.
    Name(&'a str),
}

fn is_sep(c: char) -> bool {
    c == '/' || c == '\\'
}

/// Whether fatfs (which creates VfsFat's entries) takes `c` in a long name. The ASCII ones FatFs
/// refuses are refused first (see [`segment`]); fatfs additionally refuses characters outside the
/// Basic Multilingual Plane.
fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('\u{80}'..='\u{FFFF}').contains(&c)
        || "$%'-_@~`!(){}.+,;=[]^#& ".contains(c)
}

/// Reads one segment.
pub(crate) fn segment(seg: &str) -> Result<Seg<'_>> {
    match seg {
        "." => return Ok(Seg::Dot),
        ".." => return Ok(Seg::DotDot),
        _ => {}
    }
    if seg.len() > NAME_MAX {
        return Err(Errno::EINVAL.with_detail("name over 255 bytes"));
    }
    let name = seg.trim_end_matches(['.', ' ']);
    if name.is_empty() || !name.chars().all(valid_char) {
        return Err(Errno::EINVAL.with_detail("invalid FAT name"));
    }
    Ok(Seg::Name(name))
}

/// The segments of a path, each with whether it is the last; see the module documentation.
pub(crate) struct Segments<'a> {
    rest: Option<&'a str>,
}

impl<'a> Segments<'a> {
    /// The segments of `path`. `EINVAL` for a relative path (one that does not start with a
    /// separator once cut at its first control character): the protocol only passes absolute
    /// ones (FatFs would start at its current directory).
    pub fn new(path: &'a str) -> Result<Segments<'a>> {
        let end = path.find(|c: char| c < ' ').unwrap_or(path.len());
        let path = &path[..end];
        if !path.starts_with(is_sep) {
            return Err(Errno::EINVAL.with_detail("path is not absolute"));
        }
        let body = path.trim_start_matches(is_sep);
        Ok(Segments {
            rest: (!body.is_empty()).then_some(body),
        })
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<(Seg<'a>, bool)>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest?;
        let (seg, after) = match rest.find(is_sep) {
            Some(i) => (&rest[..i], Some(rest[i..].trim_start_matches(is_sep))),
            None => (rest, None),
        };
        self.rest = after;
        Some(segment(seg).map(|s| (s, after.is_none())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Result<Vec<(Seg<'_>, bool)>> {
        Segments::new(p)?.collect()
    }

    #[test]
    fn splits_like_fatfs() {
        use Seg::*;
        assert_eq!(segs("/").unwrap(), []);
        assert_eq!(segs("//\\").unwrap(), []);
        assert_eq!(segs("/a").unwrap(), [(Name("a"), true)]);
        assert_eq!(segs("//a\\\\b/").map_err(|e| e.errno()), Err(Errno::EINVAL));
        let mut it = Segments::new("/a//b/").unwrap();
        assert_eq!(it.next().unwrap().unwrap(), (Name("a"), false));
        assert_eq!(it.next().unwrap().unwrap(), (Name("b"), false));
        assert_eq!(it.next().unwrap().unwrap_err().errno(), Errno::EINVAL);
        assert!(it.next().is_none());
        assert_eq!(
            segs("/./../a. .").unwrap(),
            [(Dot, false), (DotDot, false), (Name("a"), true)]
        );
        assert_eq!(segs("/f\u{1}/zz").unwrap(), [(Name("f"), true)]);
        assert_eq!(segs("/f\0zz").unwrap(), [(Name("f"), true)]);
        assert_eq!(segs("/\u{1}").unwrap(), []);
        assert_eq!(segs("/ a").unwrap(), [(Name(" a"), true)]);
        for rel in ["", "a", "\0/a", ".", "a/b"] {
            assert_eq!(
                Segments::new(rel).err().map(|e| e.errno()),
                Some(Errno::EINVAL)
            );
        }
    }

    #[test]
    fn bad_segments_are_einval() {
        for bad in [
            "...", ". ", ".. ", " .", " ", "a*b", "a:b", "a?", "a<", "a>", "a|", "a\"", "a\u{7F}",
        ] {
            assert_eq!(segment(bad).unwrap_err().errno(), Errno::EINVAL, "{bad:?}");
        }
        assert_eq!(
            segment(&"a".repeat(255)).unwrap(),
            Seg::Name(&"a".repeat(255))
        );
        assert!(segment(&"a".repeat(256)).is_err());
        // Counted before trailing dots are dropped, in bytes.
        assert!(segment(&format!("{}{}", "a".repeat(250), ".".repeat(6))).is_err());
        assert!(segment(&"é".repeat(127)).is_ok());
        assert!(segment(&"é".repeat(128)).is_err());
    }
}
