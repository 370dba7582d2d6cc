//! littlefs v1 in pure Rust (being written).
