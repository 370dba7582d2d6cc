//! Integration tests of uvfs-backend-fat.
