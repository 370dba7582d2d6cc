//! Integration tests of the test kit (one binary; each module one topic).

/// The conformance suite on `MemFs` for every profile, and the runner's own behaviour
/// (skips, failures, panics).
mod conformance;
/// The differential harness: MemFs against itself, and catching profiles and backends that
/// differ.
mod diff;
