//! Integration tests of the test kit (one binary; each module one topic).

/// The conformance suite on `MemFs` for every profile, and the runner's own behaviour
/// (skips, capability probes, failures, panics, the report).
mod conformance;
/// The differential harness: MemFs against itself, and catching profiles and backends that
/// differ.
mod diff;
/// Shared helpers: a `MemFs` wrapper with switchable misbehaviour.
mod support;
