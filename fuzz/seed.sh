#!/usr/bin/env bash
# Fills corpus/<target>/ with seeds: the MicroPython-made fixture images from ../testdata/micropython
# (FAT, LFS1, LFS2; for `detect` and the `mount_*` targets), images of other geometries written
# by uvfs itself (`examples/seed_images.rs`: kv, FAT, LFS2), and the mode strings for
# `open_mode`. Corpus dirs are not committed.
set -euo pipefail
cd "$(dirname "$0")"
fixtures="${FIXTURES:-../testdata/micropython}"
if [ ! -d "$fixtures" ]; then
    echo "seed.sh: no fixtures at $fixtures (set FIXTURES)" >&2
    exit 1
fi
targets="$(cargo +nightly fuzz list)"
has() { grep -qx "$1" <<<"$targets"; }
copy() { # copy TARGET FILES...
    local t="$1"; shift
    has "$t" || return 0
    mkdir -p "corpus/$t"
    cp "$@" "corpus/$t/"
}
copy detect "$fixtures"/*/*.img
for kind in fat lfs1 lfs2; do
    copy "mount_$kind" "$fixtures/$kind"/*.img
done

cargo +nightly run -q --release --example seed_images -- corpus
if has detect; then
    for kind in kv fat lfs2; do
        cp "corpus/mount_$kind"/*.img corpus/detect/
    done
fi

if has open_mode; then
    mkdir -p corpus/open_mode
    for m in r w a x r+ w+ a+ x+ rb wb ab xb rb+ r+b wb+ ab+ xb+ rt wt at rw q ""; do
        printf '%s' "$m" >"corpus/open_mode/mode-$(printf '%s' "$m" | od -An -tx1 | tr -d ' \n')"
    done
fi

for d in corpus/*/; do
    printf '%-16s %4d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
