# MicroPython's vfs.VfsFat as the oracle of tests/paths.rs: reads one case per line on stdin
# (JSON: {"cwd": path or null, "ops": [["stat", p], ["open", p, mode], ["rename", a, b], ...]}),
# runs it on a fresh volume holding /d (empty), /f ("x"), /n/g ("yy") and /n/s/, calling the
# VfsFat object directly (as uvfs's router calls a backend), and prints one line per case:
# each op's answer ("ok", "ok D", "ok F<size>", "ok <sorted names>", "E<errno>") joined by
# " ; ", then what changed in the tree ("+added -removed", directories with a trailing "/").
import vfs, json, sys


class RAM:
    def __init__(s, bs, n):
        s.bs = bs
        s.data = bytearray(bs * n)
        s.n = n

    def readblocks(s, b, buf, off=0):
        a = b * s.bs + off
        buf[:] = s.data[a : a + len(buf)]

    def writeblocks(s, b, buf, off=None):
        a = b * s.bs + (off or 0)
        s.data[a : a + len(buf)] = buf

    def ioctl(s, op, arg):
        if op == 4:
            return s.n
        if op == 5:
            return s.bs
        return 0


def short(name):
    if len(name) > 20 and name == name[0] * len(name):
        return "<%s*%d>" % (name[0], len(name))
    return name


def tree(fs, p="/"):
    out = []
    for e in fs.ilistdir(p):
        q = (p if p.endswith("/") else p + "/") + e[0]
        s = (p if p.endswith("/") else p + "/") + short(e[0])
        if e[1] == 0x4000:
            out.append(s + "/")
            out += tree(fs, q)
        else:
            out.append(s)
    return out


def one(fs, op):
    k = op[0]
    if k == "stat":
        r = fs.stat(op[1])
        return "ok D" if r[0] == 0x4000 else "ok F%d" % r[6]
    if k == "ls":
        return ("ok " + ",".join(sorted(short(e[0]) for e in fs.ilistdir(op[1])))).rstrip()
    if k == "open":
        fs.open(op[1], op[2]).close()
    elif k == "mkdir":
        fs.mkdir(op[1])
    elif k == "rmdir":
        fs.rmdir(op[1])
    elif k == "remove":
        fs.remove(op[1])
    elif k == "rename":
        fs.rename(op[1], op[2])
    elif k == "chdir":
        fs.chdir(op[1])
    elif k == "remount":
        fs.umount()
        fs.mount(False, False)
    return "ok"


def setup():
    d = RAM(512, 256)
    vfs.VfsFat.mkfs(d)
    fs = vfs.VfsFat(d)
    fs.mount(False, False)
    fs.mkdir("/d")
    f = fs.open("/f", "w")
    f.write("x")
    f.close()
    fs.mkdir("/n")
    f = fs.open("/n/g", "w")
    f.write("yy")
    f.close()
    fs.mkdir("/n/s")
    return fs


BASE = None
for line in sys.stdin:
    case = json.loads(line)
    fs = setup()
    if BASE is None:
        BASE = set(tree(fs))
    if case["cwd"] is not None:
        fs.chdir(case["cwd"])
    res = []
    for op in case["ops"]:
        try:
            res.append(one(fs, op))
        except OSError as e:
            res.append("E%d" % e.args[0])
    t = set(tree(fs))
    added = sorted(t - BASE)
    gone = sorted(BASE - t)
    out = " ; ".join(res)
    if added:
        out += " +" + ",".join(added)
    if gone:
        out += " -" + ",".join(gone)
    print(out)
