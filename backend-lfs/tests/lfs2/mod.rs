//! littlefs v2 (`VfsLfs2`) integration tests.
