//! Integration tests of `uvfs-backend-lfs`, one binary. Each engine has its own module tree:
//! `lfs1/` for the pure-Rust littlefs v1, `lfs2/` for littlefs v2 on the C engine.

#[cfg(feature = "lfs1")]
mod lfs1;
#[cfg(feature = "lfs2")]
mod lfs2;
