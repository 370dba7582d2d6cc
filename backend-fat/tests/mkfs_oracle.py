# MicroPython's vfs.VfsFat.mkfs on zero-filled RAM devices, for tests/mkfs_identity.rs.
# argv: "sector_size:count" cases. One line per case:
#   "<ss> <n> ERR <errno>", or "<ss> <n> OK <t0> <t1> <written> <block>:<hex> ..." listing the
#   blocks that are not all zeros; t0 and t1 are time.time() before and after mkfs; <written>
#   is the blocks written, as first-last runs joined by commas.
import sys, time, vfs, binascii


class Dev:
    def __init__(s, bs, n):
        s.bs = bs
        s.n = n
        s.blk = {}
        s.written = set()
        s.zero = bytes(bs)

    def readblocks(s, b, buf, off=0):
        a = b * s.bs + off
        for i in range(len(buf)):
            p = a + i
            d = s.blk.get(p // s.bs)
            buf[i] = d[p % s.bs] if d else 0

    def writeblocks(s, b, buf, off=None):
        if off:
            raise OSError(22)
        for i in range(len(buf) // s.bs):
            s.written.add(b + i)
            d = bytes(buf[i * s.bs : (i + 1) * s.bs])
            if d == s.zero:
                s.blk.pop(b + i, None)  # the device starts zero-filled: keep only the rest
            else:
                s.blk[b + i] = d

    def ioctl(s, op, arg):
        if op == 4:
            return s.n
        if op == 5:
            return s.bs
        return 0


for case in sys.argv[1:]:
    bs, n = [int(x) for x in case.split(":")]
    d = Dev(bs, n)
    t0 = time.time()
    try:
        vfs.VfsFat.mkfs(d)
    except OSError as e:
        print(bs, n, "ERR", e.errno)
        continue
    t1 = time.time()
    runs = []
    for k in sorted(d.written):
        if runs and runs[-1][1] == k - 1:
            runs[-1][1] = k
        else:
            runs.append([k, k])
    out = [str(bs), str(n), "OK", str(t0), str(t1), ",".join("%d-%d" % (a, b) for a, b in runs)]
    for k in sorted(d.blk):
        out.append("%d:%s" % (k, binascii.hexlify(d.blk[k]).decode()))
    print(" ".join(out))
