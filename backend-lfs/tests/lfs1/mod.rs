//! littlefs v1 (`VfsLfs1`) integration tests.
