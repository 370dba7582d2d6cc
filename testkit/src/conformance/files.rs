//! Scenarios about file contents: open modes, reads, writes, seeks, truncation, many files.

use uvfs_os_api::{BoxedFilesystem, Errno, FileHandle, Filesystem, SeekFrom};

use super::modes::{A, AP, R, RP, W, WP, X};
use super::mount::truncate_errno;
use super::{pattern, read_file, write_file, Cx, Need, Outcome, Scenario};
use crate::profile::Append;

pub(crate) static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "vfs_fat_fileio1",
        needs: &[],
        run: vfs_fat_fileio1,
    },
    Scenario {
        name: "vfs_truncate",
        needs: &[Need::Truncate],
        run: vfs_truncate,
    },
    Scenario {
        name: "vfs_large_file",
        needs: &[],
        run: vfs_large_file,
    },
    Scenario {
        name: "vfs_lfs_file",
        needs: &[],
        run: vfs_lfs_file,
    },
];

/// Reads from the position to the end of the file.
fn read_rest(fs: &mut dyn Filesystem, f: FileHandle) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 333];
    loop {
        let n = ok!(fs.read(f, &mut buf));
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
        ensure!(out.len() <= 16 << 20, "read does not reach the end");
    }
}

/// Reads exactly `len` bytes (fewer only at the end of the file).
fn read_n(fs: &mut dyn Filesystem, f: FileHandle, len: usize) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; len];
    let n = ok!(fs.read_full(f, &mut out));
    out.truncate(n);
    Ok(out)
}

fn tell(fs: &mut dyn Filesystem, f: FileHandle) -> Result<u64, String> {
    Ok(ok!(fs.seek(f, SeekFrom::Current(0))))
}

fn vfs_fat_fileio1(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    ok!(fs.mount(false, false));
    let fs: &mut dyn Filesystem = &mut *fs;

    // "w" then "r"
    ok!(write_file(fs, "/f", b"hello"));
    let f = ok!(fs.open("/f", R));
    ensure_eq!(read_n(fs, f, 5)?, b"hello");
    let mut buf = [0u8; 4];
    ensure_eq!(ok!(fs.read(f, &mut buf)), 0);
    ensure_eq!(ok!(fs.read(f, &mut buf)), 0);
    fails!(fs.write(f, b"no"), cx.rules.write_read_only);
    fails!(
        fs.truncate(f, 0),
        truncate_errno(cx, cx.rules.write_read_only)
    );
    ok!(fs.close(f));

    // "a" appends; reading through it is refused, except where MicroPython reads
    let f = ok!(fs.open("/f", A));
    ok!(fs.write_all(f, b" world"));
    match cx.rules.read_write_only {
        Some(errno) => fails!(fs.read(f, &mut buf), errno),
        None => {
            ok!(fs.read(f, &mut buf));
        }
    }
    ok!(fs.close(f));
    ensure_eq!(ok!(read_file(fs, "/f")), b"hello world");

    // "a+" appends from wherever the position is (FatFs: writes at the position), and reads
    let f = ok!(fs.open("/f", AP));
    ok!(fs.seek(f, SeekFrom::Start(0)));
    ok!(fs.write_all(f, b"!"));
    let (at, after): (u64, &[u8]) = match cx.rules.append {
        Append::AtPosition => (1, b"!ello world"),
        Append::End | Append::EndFromBefore => (12, b"hello world!"),
    };
    ensure_eq!(tell(fs, f)?, at);
    ok!(fs.seek(f, SeekFrom::Start(0)));
    ensure_eq!(read_rest(fs, f)?, after);
    ok!(fs.close(f));

    // "x"
    fails!(fs.open("/f", X), Errno::EEXIST);
    let f = ok!(fs.open("/new", X));
    ok!(fs.write_all(f, b"n"));
    ok!(fs.close(f));
    ensure_eq!(ok!(read_file(fs, "/new")), b"n");

    // "r+" overwrites in place, needs the file
    ok!(write_file(fs, "/f", b"hello world!"));
    fails!(fs.open("/missing", RP), Errno::ENOENT);
    let f = ok!(fs.open("/f", RP));
    ok!(fs.write_all(f, b"J"));
    ensure_eq!(tell(fs, f)?, 1);
    ensure_eq!(read_n(fs, f, 4)?, b"ello");
    ok!(fs.close(f));
    ensure_eq!(ok!(read_file(fs, "/f")), b"Jello world!");

    // "w" truncates
    let f = ok!(fs.open("/f", W));
    match cx.rules.read_write_only {
        Some(errno) => fails!(fs.read(f, &mut buf), errno),
        None => ensure_eq!(ok!(fs.read(f, &mut buf)), 0),
    }
    ok!(fs.close(f));
    ensure_eq!(ok!(fs.stat("/f")).size, 0);

    // "w+": write, seek around, read
    let f = ok!(fs.open("/f", WP));
    ensure_eq!(ok!(fs.write(f, b"")), 0);
    ok!(fs.write_all(f, b"abcdef"));
    ensure_eq!(ok!(fs.seek(f, SeekFrom::Start(0))), 0);
    ensure_eq!(read_n(fs, f, 3)?, b"abc");
    ensure_eq!(ok!(fs.seek(f, SeekFrom::End(-2))), 4);
    ensure_eq!(read_n(fs, f, 10)?, b"ef");
    ensure_eq!(ok!(fs.seek(f, SeekFrom::Current(-1))), 5);
    ensure_eq!(read_n(fs, f, 10)?, b"f");
    fails!(fs.seek(f, SeekFrom::Current(-7)), Errno::EINVAL);
    fails!(fs.seek(f, SeekFrom::End(-100)), Errno::EINVAL);
    ensure_eq!(tell(fs, f)?, 6);
    ok!(fs.flush(f));
    ok!(fs.close(f));
    ensure_eq!(ok!(fs.stat("/f")).size, 6);

    // Seeking past the end, then writing, leaves zeros in the gap.
    let f = ok!(fs.open("/g", WP));
    ok!(fs.write_all(f, b"ab"));
    ensure_eq!(ok!(fs.seek(f, SeekFrom::Start(10))), 10);
    ok!(fs.write_all(f, b"cd"));
    ensure_eq!(tell(fs, f)?, 12);
    ok!(fs.seek(f, SeekFrom::Start(0)));
    ensure_eq!(read_rest(fs, f)?, b"ab\0\0\0\0\0\0\0\0cd");
    ok!(fs.close(f));
    ensure_eq!(ok!(fs.stat("/g")).size, 12);

    // Past the end for reading: end of file (FatFs stops the position there).
    let f = ok!(fs.open("/g", R));
    let past = if cx.rules.seek_like_fatfs { 12 } else { 100 };
    ensure_eq!(ok!(fs.seek(f, SeekFrom::Start(100))), past);
    ensure_eq!(ok!(fs.read(f, &mut buf)), 0);
    ensure_eq!(ok!(fs.seek(f, SeekFrom::End(-2))), 10);
    ensure_eq!(read_n(fs, f, 2)?, b"cd");
    ok!(fs.flush(f));
    ok!(fs.close(f));

    fails!(fs.open("/missing", R), Errno::ENOENT);
    fails!(fs.open("/nodir/x", W), Errno::ENOENT);
    ok!(fs.umount());
    Ok(())
}

fn vfs_truncate(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    ok!(fs.mount(false, false));
    let fs: &mut dyn Filesystem = &mut *fs;
    let data = pattern(3, 100);
    let f = ok!(fs.open("/t", WP));
    ok!(fs.write_all(f, &data));
    ok!(fs.truncate(f, 40));
    ensure_eq!(tell(fs, f)?, 100);
    ok!(fs.flush(f));
    ensure_eq!(ok!(fs.stat("/t")).size, 40);
    ok!(fs.seek(f, SeekFrom::Start(0)));
    ensure_eq!(read_rest(fs, f)?, &data[..40]);

    ok!(fs.truncate(f, 60));
    ensure_eq!(tell(fs, f)?, 40);
    ok!(fs.seek(f, SeekFrom::Start(0)));
    let mut want = data[..40].to_vec();
    want.resize(60, 0);
    ensure_eq!(read_rest(fs, f)?, want);
    ok!(fs.truncate(f, 0));
    ok!(fs.close(f));
    ensure_eq!(ok!(fs.stat("/t")).size, 0);

    ok!(write_file(fs, "/t", b"keep"));
    let f = ok!(fs.open("/t", R));
    fails!(fs.truncate(f, 1), cx.rules.write_read_only);
    ok!(fs.close(f));
    ensure_eq!(ok!(read_file(fs, "/t")), b"keep");
    ok!(fs.umount());
    Ok(())
}

fn vfs_large_file(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let size = usize::try_from(cx.caps().large_file_size)
        .unwrap_or(usize::MAX)
        .max(4096);
    let truncate = cx.caps().truncate.is_yes();
    ok!(fs.mount(false, false));
    let fs: &mut dyn Filesystem = &mut *fs;
    let mut data = pattern(1, size);

    // Write in odd chunk sizes.
    let f = ok!(fs.open("/big", W));
    let chunks = [1usize, 7, 512, 1000, 4096, 333];
    let (mut done, mut i) = (0, 0);
    while done < size {
        let n = chunks[i % chunks.len()].min(size - done);
        ok!(fs.write_all(f, &data[done..done + n]));
        done += n;
        i += 1;
    }
    ok!(fs.close(f));
    ensure_eq!(ok!(fs.stat("/big")).size, size as u64);
    ensure!(
        ok!(read_file(fs, "/big")) == data,
        "large file read back differs"
    );

    // Patch the middle.
    let patch = pattern(2, 100);
    let at = size / 2 - 50;
    let f = ok!(fs.open("/big", RP));
    ok!(fs.seek(f, SeekFrom::Start(at as u64)));
    ok!(fs.write_all(f, &patch));
    ok!(fs.close(f));
    data[at..at + 100].copy_from_slice(&patch);
    ensure!(ok!(read_file(fs, "/big")) == data, "patched file differs");

    // Random access reads.
    let f = ok!(fs.open("/big", R));
    ok!(fs.seek(f, SeekFrom::End(-10)));
    ensure_eq!(read_n(fs, f, 10)?, &data[size - 10..]);
    let third = size / 3;
    ok!(fs.seek(f, SeekFrom::Start(third as u64)));
    ensure!(
        read_n(fs, f, 1000)? == data[third..third + 1000],
        "read at {third} differs"
    );
    ok!(fs.close(f));

    // Append.
    let tail = pattern(4, 1000);
    let f = ok!(fs.open("/big", A));
    ok!(fs.write_all(f, &tail));
    ok!(fs.close(f));
    data.extend_from_slice(&tail);
    ensure_eq!(ok!(fs.stat("/big")).size, data.len() as u64);
    ensure!(ok!(read_file(fs, "/big")) == data, "appended file differs");

    if truncate {
        let half = size / 2;
        let f = ok!(fs.open("/big", RP));
        ok!(fs.truncate(f, half as u64));
        ok!(fs.close(f));
        ensure_eq!(ok!(fs.stat("/big")).size, half as u64);
        ensure!(
            ok!(read_file(fs, "/big")) == data[..half],
            "truncated file differs"
        );
    }
    ok!(fs.remove("/big"));
    fails!(fs.stat("/big"), Errno::ENOENT);
    ok!(fs.umount());
    Ok(())
}

fn vfs_lfs_file(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let n = cx.caps().open_files.max(2);
    ok!(fs.mount(false, false));
    let fs: &mut dyn Filesystem = &mut *fs;
    let name = |i: usize| format!("/f{i}");
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(ok!(fs.open(&name(i), W)));
    }
    let mut expected = vec![Vec::new(); n];
    for round in 0..8u64 {
        for (i, &f) in handles.iter().enumerate() {
            let chunk = pattern(round * 1000 + i as u64, 37 + i * 3);
            ok!(fs.write_all(f, &chunk));
            expected[i].extend_from_slice(&chunk);
        }
    }
    for &f in handles.iter().rev() {
        ok!(fs.close(f));
    }
    for (i, want) in expected.iter().enumerate() {
        ensure!(ok!(read_file(fs, &name(i))) == *want, "{} differs", name(i));
    }

    // All open for reading, read alternately.
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(ok!(fs.open(&name(i), R)));
    }
    let mut got = vec![Vec::new(); n];
    loop {
        let mut progress = false;
        for (i, &f) in handles.iter().enumerate() {
            let chunk = read_n(fs, f, 50)?;
            progress |= !chunk.is_empty();
            got[i].extend_from_slice(&chunk);
        }
        if !progress {
            break;
        }
    }
    for &f in &handles {
        ok!(fs.close(f));
    }
    ensure!(got == expected, "interleaved reads differ");

    // Two readers of one file keep their own positions.
    let a = ok!(fs.open(&name(0), R));
    let b = ok!(fs.open(&name(0), R));
    ensure_eq!(read_n(fs, a, 10)?, &expected[0][..10]);
    ensure_eq!(read_n(fs, b, 20)?, &expected[0][..20]);
    ensure_eq!(read_n(fs, a, 10)?, &expected[0][10..20]);
    ok!(fs.close(a));
    ensure_eq!(read_n(fs, b, 5)?, &expected[0][20..25]);
    ok!(fs.close(b));
    ok!(fs.umount());
    Ok(())
}
