//! Integration tests of the test kit (one binary; each module one topic).

/// The conformance suite on `MemFs` for every profile, and the runner's own behaviour
/// (skips, capability probes, failures, panics, the report).
mod conformance;
/// The differential harness: MemFs against itself, and catching profiles and backends that
/// differ.
mod diff;
/// `FaultyDevice`: counters, power cuts, torn writes, bit flips, failing reads, flash rules,
/// shared control, and the power-cut sweep.
mod faulty;
/// `MemFs` on its own: mount states, paths, modes, profiles, capacity, read-only mounts.
mod memfs;
/// The proptest strategies: valid ops over the tiny alphabet, and coverage of every kind.
mod strategy;
/// Shared helpers: a `MemFs` wrapper with switchable misbehaviour.
mod support;
