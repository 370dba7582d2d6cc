#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 10) and prints execs and findings per target.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"
status=0
for t in $(cargo +nightly fuzz list); do
    log="$(mktemp)"
    if cargo +nightly fuzz run "$t" --sanitizer none -- -max_total_time="$secs" -rss_limit_mb=2048 >"$log" 2>&1; then
        result="ok"
    else
        result="FINDING"
        status=1
    fi
    execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)"
    [ -n "$execs" ] || execs="$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')"
    printf '%-20s %-8s execs=%s\n' "$t" "$result" "${execs:-?}"
    [ "$result" = ok ] || tail -20 "$log"
    rm -f "$log"
done
exit "$status"
