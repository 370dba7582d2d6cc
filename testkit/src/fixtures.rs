//! The images MicroPython made, kept in the repository under `testdata/micropython/`
//! (`fat/`, `lfs1/`, `lfs2/`, each `NAME.img` with its manifest `NAME.json`; the folder's
//! README describes both). Every crate's tests find them here, so a fresh clone has them.

use std::path::PathBuf;

/// `testdata/micropython/` in the repository.
///
/// ```
/// let dir = uvfs_testkit::fixtures::micropython_dir();
/// assert!(dir.join("lfs2/lfs2-empty-512x64.img").is_file());
/// ```
pub fn micropython_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/micropython"
    ))
}

/// One file under `testdata/micropython/`, such as `"fat/fat-4k-200.img"`.
pub fn micropython(relative: &str) -> PathBuf {
    micropython_dir().join(relative)
}
