//! Shared helpers for the uvfs benchmarks.
