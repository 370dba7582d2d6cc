//! Paths as MicroPython's VFS passes them to a backend (`//`, `\`, `.`, `..`, trailing
//! slashes, files used as directories, missing intermediates, `..` above the root, control
//! characters, names around 255 bytes), answered as MicroPython's `vfs.VfsFat` answers them.
//!
//! Every case starts on a fresh volume holding `/d/` (empty), `/f` (`"x"`), `/n/g` (`"yy"`) and
//! `/n/s/`, optionally `chdir`s, runs its ops and is summed up in one line: each op's answer
//! (`ok`, `ok D`, `ok F<size>`, `ok <sorted names>` for a listing, `E<errno>`) joined by
//! `" ; "`, then what changed in the tree (`+added -removed`, directories end in `/`).
//!
//! The table (`paths_table.rs`) holds MicroPython's answer for every case, measured by
//! `paths_measure.py` (which runs `paths_runner.py` under the `micropython` command).
//! [`uvfs_matches_the_table`] checks uvfs against it, allowing only [`DEVIATIONS`];
//! [`micropython_still_answers_the_table`] runs the table through MicroPython again at test
//! time (skipped when the command is missing, failing under `CI=true`).

use std::io::Write;
use std::process::{Command, Stdio};

use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
use uvfs_os_api::{FileType, Filesystem, OpenMode, Result};
use uvfs_testkit::micropython::Oracle;
use uvfs_vfs_core::RamDisk;

#[path = "paths_table.rs"]
mod table;

/// One operation, on the `VfsFat` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Stat(&'static str),
    Ls(&'static str),
    Open(&'static str, &'static str),
    Mkdir(&'static str),
    Rmdir(&'static str),
    Remove(&'static str),
    Rename(&'static str, &'static str),
    Chdir(&'static str),
    /// `umount` then `mount`.
    Remount,
}

/// A case: `chdir(cwd)` first if given, then `ops`; `mp` is MicroPython's answer.
#[derive(Debug)]
pub struct Case {
    cwd: Option<&'static str>,
    ops: &'static [Op],
    mp: &'static str,
}

pub const fn case(cwd: Option<&'static str>, ops: &'static [Op], mp: &'static str) -> Case {
    Case { cwd, ops, mp }
}

/// Where uvfs answers otherwise on purpose: (cwd, ops, uvfs's answer, why).
#[allow(clippy::type_complexity)]
const DEVIATIONS: &[(Option<&str>, &[Op], &str, &str)] = {
    use Op::*;
    const LOOP: &str = "moving a directory into its own subtree: MicroPython does it and the \
                        directory is lost in a loop; uvfs refuses with EINVAL";
    const CASE: &str = "case-only rename: fatfs finds the same entry, uvfs leaves the name";
    const REL: &str = "a relative path (never passed by the router): FatFs starts at its \
                       current directory, uvfs refuses with EINVAL";
    &[
        (None, &[Rename("/d", "/d/x")], "E22", LOOP),
        (None, &[Rename("/d", "/d/new")], "E22", LOOP),
        (None, &[Rename("/d", "/d/../d/x")], "E22", LOOP),
        (None, &[Rename("/n", "/n/g")], "E22", LOOP),
        (None, &[Rename("/n", "/n/s/x")], "E22", LOOP),
        (None, &[Rename("/f", "/F")], "ok", CASE),
        (None, &[Rename("/n/g", "/n/s/../G")], "ok", CASE),
        (Some("/n"), &[Stat("g")], "E22", REL),
        (Some("/n"), &[Stat("")], "E22", REL),
        (None, &[Stat("f")], "E22", REL),
        (None, &[Mkdir("x")], "E22", REL),
        (None, &[Stat("\0")], "E22", REL),
    ]
};

fn expand(s: &str) -> String {
    // `<c*n>`: the character c, n times.
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let parsed = tail.find('>').and_then(|j| {
            let inner = &tail[..j];
            let mut chars = inner.chars();
            let c = chars.next()?;
            let n: usize = chars.as_str().strip_prefix('*')?.parse().ok()?;
            Some((c, n, j))
        });
        match parsed {
            Some((c, n, j)) => {
                out.extend(std::iter::repeat_n(c, n));
                rest = &tail[j + 1..];
            }
            None => {
                out.push('<');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn short(name: &str) -> String {
    let mut chars = name.chars();
    let n = name.chars().count();
    match chars.next() {
        Some(c) if n > 20 && name.chars().all(|d| d == c) => format!("<{c}*{n}>"),
        _ => name.to_owned(),
    }
}

/// The case's volume: MicroPython's FAT12 layout on 128 KiB (as the runner makes it).
fn setup() -> VfsFat<RamDisk> {
    setup_on(256, &FormatOptions::new())
}

/// A FAT32 volume (whose root is a cluster chain, and whose `..` entries say 0 for it).
fn setup_fat32() -> VfsFat<RamDisk> {
    setup_on(
        70_000,
        &FormatOptions::new()
            .fat_type(FatType::Fat32)
            .cluster_size(512),
    )
}

fn setup_on(blocks: u32, options: &FormatOptions) -> VfsFat<RamDisk> {
    let mut fs = VfsFat::new(RamDisk::new(512, blocks)).unwrap();
    fs.mkfs(options).unwrap();
    fs.mount(false, false).unwrap();
    fs.mkdir("/d").unwrap();
    write(&mut fs, "/f", b"x");
    fs.mkdir("/n").unwrap();
    write(&mut fs, "/n/g", b"yy");
    fs.mkdir("/n/s").unwrap();
    fs
}

fn write(fs: &mut VfsFat<RamDisk>, path: &str, data: &[u8]) {
    let f = fs.open(path, OpenMode::WRITE).unwrap();
    fs.write(f, data).unwrap();
    fs.close(f).unwrap();
}

fn listing(fs: &mut VfsFat<RamDisk>, path: &str) -> Result<Vec<(String, FileType)>> {
    let d = fs.opendir(path)?;
    let mut out = Vec::new();
    loop {
        match fs.readdir(d) {
            Ok(Some(e)) => out.push((e.name.as_str().to_owned(), e.kind)),
            Ok(None) => break,
            Err(e) => {
                let _ = fs.closedir(d);
                return Err(e);
            }
        }
    }
    fs.closedir(d)?;
    Ok(out)
}

fn tree(fs: &mut VfsFat<RamDisk>, dir: &str, out: &mut Vec<String>) {
    for (name, kind) in listing(fs, dir).unwrap() {
        let full = format!("{}/{name}", dir.trim_end_matches('/'));
        let shown = format!("{}/{}", dir.trim_end_matches('/'), short(&name));
        if kind == FileType::Dir {
            out.push(format!("{shown}/"));
            tree(fs, &full, out);
        } else {
            out.push(shown);
        }
    }
}

fn one(fs: &mut VfsFat<RamDisk>, op: Op) -> Result<String> {
    match op {
        Op::Stat(p) => {
            let st = fs.stat(&expand(p))?;
            Ok(if st.kind() == FileType::Dir {
                "ok D".to_owned()
            } else {
                format!("ok F{}", st.size)
            })
        }
        Op::Ls(p) => {
            let mut names: Vec<String> = listing(fs, &expand(p))?
                .into_iter()
                .map(|(n, _)| short(&n))
                .collect();
            names.sort();
            Ok(format!("ok {}", names.join(",")).trim_end().to_owned())
        }
        Op::Open(p, mode) => {
            let f = fs.open(&expand(p), OpenMode::parse(mode)?)?;
            fs.close(f)?;
            Ok("ok".to_owned())
        }
        Op::Mkdir(p) => fs.mkdir(&expand(p)).map(|()| "ok".to_owned()),
        Op::Rmdir(p) => fs.rmdir(&expand(p)).map(|()| "ok".to_owned()),
        Op::Remove(p) => fs.remove(&expand(p)).map(|()| "ok".to_owned()),
        Op::Rename(a, b) => fs.rename(&expand(a), &expand(b)).map(|()| "ok".to_owned()),
        Op::Chdir(p) => fs.chdir(&expand(p)).map(|()| "ok".to_owned()),
        Op::Remount => {
            fs.umount()?;
            fs.mount(false, false).map(|()| "ok".to_owned())
        }
    }
}

/// The case's line, run through uvfs's `VfsFat`.
fn run_uvfs(case: &Case) -> String {
    run_uvfs_on(case, setup())
}

fn run_uvfs_on(case: &Case, mut fs: VfsFat<RamDisk>) -> String {
    let mut base = Vec::new();
    tree(&mut fs, "/", &mut base);
    if let Some(cwd) = case.cwd {
        fs.chdir(cwd).unwrap();
    }
    let answers: Vec<String> = case
        .ops
        .iter()
        .map(|&op| one(&mut fs, op).unwrap_or_else(|e| format!("E{}", e.errno().code())))
        .collect();
    let mut now = Vec::new();
    tree(&mut fs, "/", &mut now);
    let mut added: Vec<&String> = now.iter().filter(|p| !base.contains(p)).collect();
    let mut gone: Vec<&String> = base.iter().filter(|p| !now.contains(p)).collect();
    added.sort();
    gone.sort();
    let mut line = answers.join(" ; ");
    if !added.is_empty() {
        line.push_str(" +");
        line.push_str(
            &added
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    if !gone.is_empty() {
        line.push_str(" -");
        line.push_str(
            &gone
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    // The volume must stay consistent whatever the path was. Known exception, not about paths:
    // fatfs gives a name starting with a dot (`.a`) the 8.3 alias `.A`, which fsck.fat
    // refuses (FatFs drops leading dots from aliases).
    let dot_name = added.iter().any(|p| p.contains("/."));
    let image = {
        fs.umount().unwrap();
        fs.into_device().into_bytes()
    };
    if !dot_name {
        crate::support::assert_fsck_clean(&image);
    }
    line
}

fn deviation(case: &Case) -> Option<(&'static str, &'static str)> {
    DEVIATIONS
        .iter()
        .find(|(cwd, ops, _, _)| *cwd == case.cwd && *ops == case.ops)
        .map(|&(_, _, uvfs, why)| (uvfs, why))
}

#[test]
fn uvfs_matches_the_table() {
    let mut wrong = Vec::new();
    for case in table::CASES {
        let want = deviation(case).map_or(case.mp, |(uvfs, _)| uvfs);
        let got = run_uvfs(case);
        if got != want {
            wrong.push(format!(
                "cwd {:?} {:?}: uvfs {got:?}, want {want:?} (MicroPython {:?})",
                case.cwd, case.ops, case.mp
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        table::CASES.len(),
        wrong.join("\n")
    );
}

/// The same walks on FAT32: every case that only reads (on one volume), and every case about
/// the current directory (each on a fresh volume).
#[test]
fn fat32_answers_the_same() {
    let mut wrong = Vec::new();
    let mut shared = setup_fat32();
    for case in table::CASES {
        let want = deviation(case).map_or(case.mp, |(uvfs, _)| uvfs);
        let reads = case.cwd.is_none()
            && case
                .ops
                .iter()
                .all(|op| matches!(op, Op::Stat(_) | Op::Ls(_)));
        let cwd = case.cwd.is_some() || case.ops.iter().any(|op| matches!(op, Op::Chdir(_)));
        let got = if reads {
            case.ops
                .iter()
                .map(|&op| {
                    one(&mut shared, op).unwrap_or_else(|e| format!("E{}", e.errno().code()))
                })
                .collect::<Vec<_>>()
                .join(" ; ")
        } else if cwd {
            run_uvfs_on(case, setup_fat32())
        } else {
            continue;
        };
        if got != want {
            wrong.push(format!(
                "cwd {:?} {:?}: uvfs {got:?}, want {want:?}",
                case.cwd, case.ops
            ));
        }
    }
    assert!(wrong.is_empty(), "FAT32:\n{}", wrong.join("\n"));
}

#[test]
fn every_deviation_is_in_the_table() {
    for (cwd, ops, _, why) in DEVIATIONS {
        let found = table::CASES.iter().find(|c| c.cwd == *cwd && c.ops == *ops);
        assert!(found.is_some(), "{cwd:?} {ops:?} ({why}) is not a case");
    }
}

/// A JSON string (the runner reads one JSON case per line).
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn case_json(case: &Case) -> String {
    let ops: Vec<String> = case
        .ops
        .iter()
        .map(|op| {
            let args: Vec<String> = match *op {
                Op::Stat(p) => vec!["stat".into(), expand(p)],
                Op::Ls(p) => vec!["ls".into(), expand(p)],
                Op::Open(p, m) => vec!["open".into(), expand(p), m.into()],
                Op::Mkdir(p) => vec!["mkdir".into(), expand(p)],
                Op::Rmdir(p) => vec!["rmdir".into(), expand(p)],
                Op::Remove(p) => vec!["remove".into(), expand(p)],
                Op::Rename(a, b) => vec!["rename".into(), expand(a), expand(b)],
                Op::Chdir(p) => vec!["chdir".into(), expand(p)],
                Op::Remount => vec!["remount".into()],
            };
            let args: Vec<String> = args.iter().map(|a| json_str(a)).collect();
            format!("[{}]", args.join(","))
        })
        .collect();
    format!(
        "{{\"cwd\":{},\"ops\":[{}]}}",
        case.cwd.map_or("null".to_owned(), json_str),
        ops.join(",")
    )
}

#[test]
fn micropython_still_answers_the_table() {
    if Oracle::for_tests().is_none() {
        return;
    }
    let command = std::env::var_os("UVFS_MICROPYTHON").unwrap_or_else(|| "micropython".into());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("paths_runner.py");
    std::fs::write(&script, include_str!("paths_runner.py")).unwrap();
    let input: String = table::CASES.iter().map(|c| case_json(c) + "\n").collect();
    let mut child = Command::new(command)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), table::CASES.len(), "{text}");
    let wrong: Vec<String> = table::CASES
        .iter()
        .zip(&lines)
        .filter(|(c, l)| c.mp != **l)
        .map(|(c, l)| {
            format!(
                "cwd {:?} {:?}: MicroPython now {l:?}, table {:?}",
                c.cwd, c.ops, c.mp
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "the table is stale:\n{}",
        wrong.join("\n")
    );
}

/// Random spellings from the characters that matter to FatFs, through every path-taking op on
/// one volume: errnos only, never a panic, and a volume `check` and `fsck.fat` accept.
#[test]
fn random_spellings_never_panic() {
    const ALPHABET: &[&str] = &[
        "/", "/", "\\", ".", "..", "d", "f", "n", "s", "g", "x", " ", "\u{1}", "\0", "é", "*", ":",
    ];
    let mut fs = setup();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let path = |next: &mut dyn FnMut(usize) -> usize| {
        let len = next(9);
        let mut p = String::from(if next(8) == 0 { "\\" } else { "/" });
        for _ in 0..len {
            p.push_str(ALPHABET[next(ALPHABET.len())]);
        }
        p
    };
    let mut ok = 0;
    for _ in 0..3000 {
        let a = path(&mut next);
        let b = path(&mut next);
        let r = match next(10) {
            0 => fs.stat(&a).map(drop),
            1 => fs.opendir(&a).and_then(|d| fs.closedir(d)),
            2 => OpenMode::parse(["r", "w", "x", "a"][next(4)])
                .and_then(|m| fs.open(&a, m))
                .and_then(|f| fs.close(f)),
            3 => fs.mkdir(&a),
            4 => fs.rmdir(&a),
            5 => fs.remove(&a),
            6 => fs.rename(&a, &b),
            7 => fs.chdir(&a),
            8 => fs.statvfs(&a).map(drop),
            _ => fs.mkdir(&b),
        };
        ok += usize::from(r.is_ok());
    }
    eprintln!("{ok} of 3000 random ops succeeded");
    fs.check().unwrap();
    let mut names = Vec::new();
    tree(&mut fs, "/", &mut names);
    fs.umount().unwrap();
    let image = fs.into_device().into_bytes();
    // See run_uvfs_on: fatfs's alias for a name with a leading dot.
    if !names.iter().any(|p| p.contains("/.")) {
        crate::support::assert_fsck_clean(&image);
    }
}
