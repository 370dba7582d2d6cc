#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 10) and prints, per target: the result, executions,
# coverage, corpus size and any new finding (crash, hang, leak or OOM input under artifacts/).
# Exit status 1 if any target found something.
#
# Environment: FUZZ_TIMEOUT (seconds one input may take before it counts as a hang, default 10),
# FUZZ_RSS_MB (memory limit, default 2048), FUZZ_FLAGS (cargo-fuzz flags, default
# "--sanitizer none --no-cfg-fuzzing": sequential-storage prints page states under cfg(fuzzing)),
# FUZZ_TARGETS (space-separated subset to run, default every target), FUZZ_KEEP_GOING=1 (libFuzzer
# fork mode: a crash, hang or OOM is saved and fuzzing goes on until SECONDS are up, so a
# campaign is not cut short by a known finding).
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"
timeout="${FUZZ_TIMEOUT:-10}"
rss="${FUZZ_RSS_MB:-2048}"
read -r -a flags <<<"${FUZZ_FLAGS:---sanitizer none --no-cfg-fuzzing}"
keep_going=()
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi
targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
# One build for every target, so no run below waits for the compiler.
if ! build_log="$(cargo +nightly fuzz build "${flags[@]}" 2>&1)"; then
    printf '%s\n' "$build_log"
    exit 1
fi
status=0
printf '%-14s %-8s %12s %8s %8s  %s\n' target result execs cov corpus findings
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before="$(ls "artifacts/$t")"
    log="$(mktemp)"
    result=ok
    if ! cargo +nightly fuzz run "${flags[@]}" "$t" -- -max_total_time="$secs" \
        -timeout="$timeout" -rss_limit_mb="$rss" -print_final_stats=1 "${keep_going[@]}" >"$log" 2>&1; then
        result=FINDING
        status=1
    fi
    execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)"
    [ -n "$execs" ] || execs="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
    cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)"
    corpus="$(find "corpus/$t" -type f | wc -l)"
    new="$(comm -13 <(printf '%s\n' "$before") <(ls "artifacts/$t") | sed "s|^|artifacts/$t/|" | tr '\n' ' ')"
    if [ -n "$new" ] && [ "$result" = ok ]; then
        result=FINDING
        status=1
    fi
    printf '%-14s %-8s %12s %8s %8s  %s\n' "$t" "$result" "${execs:-?}" "${cov:-?}" "$corpus" "${new:--}"
    if [ "$result" != ok ]; then
        # The message, not the input's Debug dump (an image is megabytes of it).
        grep -E -A4 "panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer" "$log" | cut -c1-300 | head -20 || true
        grep -E -A1 "^Reproduce with:" "$log" | tail -1 || true
    fi
    rm -f "$log"
done
exit "$status"
