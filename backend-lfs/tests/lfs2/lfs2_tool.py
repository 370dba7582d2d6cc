#!/usr/bin/env python3
"""littlefs-python as an independent littlefs v2 implementation for uvfs's interop tests.

    lfs2_tool.py dump IMAGE GEOMETRY_JSON      print the image's tree as JSON
    lfs2_tool.py make IMAGE SPEC_JSON          write a new image from a spec

GEOMETRY_JSON / SPEC_JSON are JSON objects with block_size, block_count, read_size,
prog_size, lookahead (bytes); `make` also takes disk_version (e.g. 0x20000, 0 = newest) and
entries: [{"path", "type": "dir"|"file", "hex": data, "mtime_ns": int or null}] applied in
order. `dump` prints {"disk_version", "block_size", "block_count", "name_max", "tree": [...]},
each tree entry {"path", "type", "size", "sha256", "mtime_ns"} (mtime_ns: attribute 1 as a
little-endian integer when it is 8 bytes long, else null), depth first in littlefs's order.
`dump` never writes: the image file is compared before and after.
"""

import hashlib
import json
import sys

from littlefs import lfs, UserContext
from littlefs.errors import LittleFSError

MTIME_ATTR = 1


def config(ctx, g, disk_version=0):
    cache = min(g["block_size"], 4 * max(g["read_size"], g["prog_size"]))
    return lfs.LFSConfig(
        context=ctx,
        block_size=g["block_size"],
        block_count=g["block_count"],
        read_size=g["read_size"],
        prog_size=g["prog_size"],
        cache_size=cache,
        lookahead_size=g["lookahead"],
        block_cycles=100,
        disk_version=disk_version,
    )


def mtime_of(fs, path):
    try:
        raw = lfs.getattr(fs, path, MTIME_ATTR)
    except LittleFSError:
        return None
    if len(raw) != 8:
        return None
    return int.from_bytes(raw, "little")


def walk(fs, path, out):
    names = []
    dh = lfs.dir_open(fs, path)
    while True:
        st = lfs.dir_read(fs, dh)
        if st is None:
            break
        if st.name in (".", ".."):
            continue
        names.append(st)
    lfs.dir_close(fs, dh)
    for st in names:
        child = path.rstrip("/") + "/" + st.name
        if st.type == lfs.LFSStat.TYPE_DIR:
            out.append({"path": child, "type": "dir", "mtime_ns": mtime_of(fs, child)})
            walk(fs, child, out)
        else:
            fh = lfs.file_open(fs, child, "rb")
            data = b""
            while True:
                chunk = lfs.file_read(fs, fh, 4096)
                if not chunk:
                    break
                data += chunk
            lfs.file_close(fs, fh)
            out.append(
                {
                    "path": child,
                    "type": "file",
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "mtime_ns": mtime_of(fs, child),
                }
            )


def dump(image_path, g):
    with open(image_path, "rb") as f:
        before = f.read()
    ctx = UserContext(buffer=bytearray(before))
    cfg = config(ctx, g)
    fs = lfs.LFSFilesystem()
    lfs.mount(fs, cfg)
    info = lfs.fs_stat(fs)
    tree = []
    walk(fs, "/", tree)
    lfs.unmount(fs)
    if bytes(ctx.buffer) != before:
        raise SystemExit("littlefs-python changed the image while reading it")
    print(
        json.dumps(
            {
                "disk_version": info.disk_version,
                "block_size": info.block_size,
                "block_count": info.block_count,
                "name_max": info.name_max,
                "tree": tree,
            }
        )
    )


def make(image_path, spec):
    size = spec["block_size"] * spec["block_count"]
    ctx = UserContext(buffsize=size)
    cfg = config(ctx, spec, spec.get("disk_version", 0))
    fs = lfs.LFSFilesystem()
    lfs.format(fs, cfg)
    lfs.mount(fs, cfg)
    for e in spec["entries"]:
        op = e.get("op", "create")
        if op == "remove":
            lfs.remove(fs, e["path"])
            continue
        if op == "rename":
            lfs.rename(fs, e["path"], e["to"])
            continue
        if e["type"] == "dir":
            lfs.mkdir(fs, e["path"])
        else:
            fh = lfs.file_open(fs, e["path"], "wb")
            data = bytes.fromhex(e["hex"])
            done = 0
            while done < len(data):
                done += lfs.file_write(fs, fh, data[done : done + 1000])
            lfs.file_close(fs, fh)
        if e.get("mtime_ns") is not None:
            lfs.setattr(fs, e["path"], MTIME_ATTR, int(e["mtime_ns"]).to_bytes(8, "little"))
    lfs.unmount(fs)
    with open(image_path, "wb") as f:
        f.write(bytes(ctx.buffer))


def main():
    cmd, image, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(arg) as f:
        params = json.load(f)
    if cmd == "dump":
        dump(image, params)
    elif cmd == "make":
        make(image, params)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
