#!/usr/bin/env bash
# The uvfs CLI against the tools people use today, on one generated tree, timed as whole
# processes, with ratios measured in the same run.
#
#   scripts/bench-peers.sh [RUNS]        (default RUNS=7; the median of RUNS runs is reported)
#
# Pairs (uvfs / peer):
#   FAT  pack:   uvfs pack --fs fat            vs  mkfs.fat -C + mcopy -s    (dosfstools, mtools)
#   FAT  unpack: uvfs unpack                   vs  mcopy -s                  (mtools)
#   LFS2 pack:   uvfs pack --fs lfs2           vs  littlefs-python create
#   LFS2 unpack: uvfs unpack                   vs  littlefs-python extract
# and, for scale, `cp -r` of the same tree on the same filesystem.
#
# The tree (generated deterministically, fixed mtimes): 200 small files (64 B to 4 KiB) in 10
# directories and three 1 MiB files. Every unpacked tree is compared with the source (diff -r),
# and each tool's image is also unpacked by the other side, so the timings compare real,
# interoperable work. Images are 8 MiB: FAT with 512-byte sectors, LFS2 with 4 KiB blocks.
#
# Environment: CARGO_TARGET_DIR (where the release `uvfs` is built), WORK (scratch directory,
# default a fresh one under /dev/shm or $TMPDIR), UVFS (use this binary instead of building).
# This script is for humans and BENCHMARKS.md, not for CI.
set -euo pipefail

RUNS=${1:-7}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "bench-peers: '$1' not found (install $2)" >&2; exit 1; }
}
need mkfs.fat dosfstools
need mcopy mtools
need python3 python3
need littlefs-python "littlefs-python (pip install littlefs-python)"
need bc bc
need fsck.fat dosfstools
python3 -c 'import littlefs' 2>/dev/null || { echo "bench-peers: python module littlefs missing (pip install littlefs-python)" >&2; exit 1; }

if [ -z "${UVFS:-}" ]; then
    echo "building uvfs (release)..." >&2
    (cd "$ROOT" && cargo build --release -q -p uvfs-cli)
    TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
    UVFS=$TARGET/release/uvfs
fi
[ -x "$UVFS" ] || { echo "bench-peers: no uvfs binary at $UVFS" >&2; exit 1; }

if [ -z "${WORK:-}" ]; then
    base=/dev/shm
    [ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
    WORK=$(mktemp -d "$base/uvfs-peers.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
SRC=$WORK/src
SIZE_MIB=8

# ---- the tree -----------------------------------------------------------------------------
python3 - "$SRC" <<'EOF'
import os, random, sys
root = sys.argv[1]
rng = random.Random(20240601)
os.makedirs(root, exist_ok=True)
for d in range(10):
    dpath = os.path.join(root, f"dir{d:02d}")
    os.makedirs(dpath, exist_ok=True)
    for f in range(20):
        size = rng.randint(64, 4096)
        with open(os.path.join(dpath, f"file{f:02d}.txt"), "wb") as fh:
            fh.write(rng.randbytes(size))
for i in range(3):
    with open(os.path.join(root, f"blob{i}.bin"), "wb") as fh:
        fh.write(rng.randbytes(1 << 20))
EOF
find "$SRC" -exec touch -h -d @1700000000 {} +
FILES=$(find "$SRC" -type f | wc -l)
DIRS=$(find "$SRC" -mindepth 1 -type d | wc -l)
BYTES=$(du -sb "$SRC" | cut -f1)

# ---- the commands -------------------------------------------------------------------------
# Each command is a shell function named WHO_FS_OP; before each timed run, its output (the image
# for a pack, the unpacked trees otherwise) is removed, untimed.
IMG=$WORK/img
OUT=$WORK/out

uvfs_fat_pack()    { "$UVFS" pack "$SRC" "$IMG.uvfs.fat" --fs fat --size ${SIZE_MIB}M --mtime 1700000000 >/dev/null; }
peer_fat_pack()    { mkfs.fat -C -S 512 "$IMG.peer.fat" $((SIZE_MIB * 1024)) >/dev/null
                     mcopy -s -m -i "$IMG.peer.fat" "$SRC"/* ::/; }
uvfs_fat_unpack()  { "$UVFS" unpack "$IMG.uvfs.fat" "$OUT.uvfs.fat" >/dev/null; }
peer_fat_unpack()  { mkdir -p "$OUT.peer.fat"; mcopy -s -m -n -i "$IMG.peer.fat" '::/*' "$OUT.peer.fat/"; }
uvfs_lfs2_pack()   { "$UVFS" pack "$SRC" "$IMG.uvfs.lfs2" --fs lfs2 --size ${SIZE_MIB}M --block-size 4096 --mtime 1700000000 >/dev/null; }
peer_lfs2_pack()   { littlefs-python create "$SRC" "$IMG.peer.lfs2" --block-size 4096 --fs-size ${SIZE_MIB}MB >/dev/null; }
uvfs_lfs2_unpack() { "$UVFS" unpack "$IMG.uvfs.lfs2" "$OUT.uvfs.lfs2" >/dev/null; }
peer_lfs2_unpack() { littlefs-python extract "$IMG.peer.lfs2" "$OUT.peer.lfs2" --block-size 4096 >/dev/null; }
cp_tree()          { cp -r "$SRC" "$OUT.cp"; }

# The image each unpack reads must exist: pack once, untimed.
prepare_images() {
    rm -f "$IMG".*
    uvfs_fat_pack; peer_fat_pack; uvfs_lfs2_pack; peer_lfs2_pack
}

# time_cmd NAME: runs it once under bash's `time` and appends the wall seconds to TIMES[NAME]
# and the CPU seconds (user + system, children included) to CPU[NAME].
declare -A TIMES CPU
time_cmd() {
    local name=$1 who fs op t
    IFS=_ read -r who fs op <<<"$name"
    [ "$op" = pack ] && rm -f "$IMG.$who.$fs"
    rm -rf "$OUT".*
    t=$( { TIMEFORMAT='%3R %3U %3S'; time "$name" >/dev/null; } 2>&1 | tail -1 )
    read -r real user sys <<<"$t"
    TIMES[$name]="${TIMES[$name]:-} $real"
    CPU[$name]="${CPU[$name]:-} $(echo "$user + $sys" | bc -l)"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else print (a[m]+a[m+1])/2}'; }

prepare_images
# One untimed warm-up round (page cache, Python imports).
for c in uvfs_fat_pack peer_fat_pack uvfs_lfs2_pack peer_lfs2_pack uvfs_fat_unpack peer_fat_unpack uvfs_lfs2_unpack peer_lfs2_unpack cp_tree; do
    time_cmd "$c"
done
TIMES=(); CPU=()
for _ in $(seq "$RUNS"); do
    for c in uvfs_fat_pack peer_fat_pack uvfs_lfs2_pack peer_lfs2_pack; do time_cmd "$c"; done
    for c in uvfs_fat_unpack peer_fat_unpack uvfs_lfs2_unpack peer_lfs2_unpack cp_tree; do time_cmd "$c"; done
done

# ---- verification (after the last timed run, so every image and tree is the last one) ---
fail=0
check_tree() { # DIR WHAT
    if diff -r "$SRC" "$1" >/dev/null; then echo "  identical: $2"; else echo "  DIFFERENT: $2" >&2; fail=1; fi
}
echo "verification:"
prepare_images
rm -rf "$OUT".*
uvfs_fat_unpack; peer_fat_unpack; uvfs_lfs2_unpack; peer_lfs2_unpack
check_tree "$OUT.uvfs.fat" "uvfs unpack of uvfs's FAT image"
check_tree "$OUT.peer.fat" "mcopy of mkfs.fat+mcopy's FAT image"
check_tree "$OUT.uvfs.lfs2" "uvfs unpack of uvfs's LFS2 image"
check_tree "$OUT.peer.lfs2" "littlefs-python extract of its own LFS2 image"
rm -rf "$OUT".*
"$UVFS" unpack "$IMG.peer.fat" "$OUT.x1" >/dev/null && check_tree "$OUT.x1" "uvfs unpack of mkfs.fat+mcopy's image"
mkdir -p "$OUT.x2" && mcopy -s -n -i "$IMG.uvfs.fat" '::/*' "$OUT.x2/" && check_tree "$OUT.x2" "mcopy of uvfs's FAT image"
"$UVFS" unpack "$IMG.peer.lfs2" "$OUT.x3" >/dev/null && check_tree "$OUT.x3" "uvfs unpack of littlefs-python's image"
littlefs-python extract "$IMG.uvfs.lfs2" "$OUT.x4" --block-size 4096 >/dev/null && check_tree "$OUT.x4" "littlefs-python extract of uvfs's image"
fsck.fat -n "$IMG.uvfs.fat" >/dev/null && echo "  fsck.fat -n: uvfs's FAT image is clean" || { echo "  fsck.fat -n complains about uvfs's FAT image" >&2; fail=1; }

# ---- report --------------------------------------------------------------------------------
m() { echo "${TIMES[$1]}" | median; }
mc() { echo "${CPU[$1]}" | median; }
ratio() { echo "scale=3; $1 / $2" | bc -l | sed 's/^\./0./'; }
ms() { printf '%.1f' "$(echo "$1 * 1000" | bc -l)"; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo
echo "## uvfs CLI vs peers"
echo
echo "Machine: $(nproc) cores (nproc), $cpu, $(rustc -V 2>/dev/null || echo rustc unknown), $("$UVFS" --version)," \
     "mkfs.fat $(dpkg-query -W -f '${Version}' dosfstools 2>/dev/null || echo '?'), $(mcopy --version 2>&1 | head -1)," \
     "littlefs-python $(python3 -c 'import littlefs; print(littlefs.__version__)'); load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Tree: $FILES files in $DIRS directories, $BYTES bytes; images ${SIZE_MIB} MiB; scratch on $(df -P "$WORK" | awk 'NR==2 {print $1}');" \
     "median of $RUNS interleaved runs, whole-process wall time."
echo
echo "Wall = elapsed time (the targets); CPU = user + system time of the process, which load from"
echo "other processes inflates far less than wall time."
echo
echo "| operation | uvfs | peer | uvfs wall | peer wall | wall ratio (uvfs/peer) | target | met | uvfs CPU | peer CPU | CPU ratio |"
echo "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|"
row() { # LABEL UVFS_FN PEER_FN UVFS_LABEL PEER_LABEL TARGET
    local a b r met ca cb
    a=$(m "$2"); b=$(m "$3"); r=$(ratio "$a" "$b")
    ca=$(mc "$2"); cb=$(mc "$3")
    if [ "$(echo "$r <= $6" | bc -l)" = 1 ]; then met=yes; else met="**no**"; fi
    echo "| $1 | $4 | $5 | $(ms "$a") ms | $(ms "$b") ms | $r | ≤ $6 | $met | $(ms "$ca") ms | $(ms "$cb") ms | $(ratio "$ca" "$cb") |"
}
row "FAT pack"    uvfs_fat_pack    peer_fat_pack    "uvfs pack --fs fat"  "mkfs.fat -C + mcopy -s"  1.0
row "FAT unpack"  uvfs_fat_unpack  peer_fat_unpack  "uvfs unpack"         "mcopy -s"                1.0
row "LFS2 pack"   uvfs_lfs2_pack   peer_lfs2_pack   "uvfs pack --fs lfs2" "littlefs-python create"  0.1
row "LFS2 unpack" uvfs_lfs2_unpack peer_lfs2_unpack "uvfs unpack"         "littlefs-python extract" 0.1
echo
echo "For scale: \`cp -r\` of the tree $(ms "$(m cp_tree)") ms;" \
     "FAT pack / cp -r $(ratio "$(m uvfs_fat_pack)" "$(m cp_tree)"), mkfs.fat+mcopy / cp -r $(ratio "$(m peer_fat_pack)" "$(m cp_tree)")."
exit $fail
