//! Every image subcommand on real image files, once per filesystem kind.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::util::{text, Dir};

/// The kinds under test and the `--fs`/`--size`/`--block-size` flags of a roomy image of each.
pub const KINDS: &[(&str, &[&str])] = &[
    (
        "fat",
        &["--fs", "fat", "--size", "512K", "--block-size", "512"],
    ),
    (
        "lfs2",
        &["--fs", "lfs2", "--size", "256K", "--block-size", "4K"],
    ),
    (
        "kv",
        &["--fs", "kv", "--size", "256K", "--block-size", "4K"],
    ),
];

/// Flags for a roomy image of `kind`.
fn flags(kind: &str) -> Vec<&'static str> {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, f)| f.to_vec())
        .unwrap_or_else(|| panic!("unknown kind {kind}"))
}

/// Whether `kind` keeps file mtimes (littlefs v1 keeps none).
fn keeps_mtime(kind: &str) -> bool {
    kind != "lfs1"
}

/// A host tree with nested directories, an empty file, a binary file of several blocks and
/// names with spaces and dots.
pub fn make_tree(root: &Path) {
    fs::create_dir_all(root.join("lib/sub/deep")).unwrap();
    fs::create_dir_all(root.join("empty dir")).unwrap();
    fs::write(root.join("boot.py"), "print('boot')\n").unwrap();
    fs::write(root.join("empty"), "").unwrap();
    fs::write(
        root.join("lib/util.py"),
        "def f():\n    return 1\n".repeat(20),
    )
    .unwrap();
    fs::write(root.join("lib/sub/deep/data.bin"), pattern(3, 20_000)).unwrap();
    fs::write(root.join("my notes.v1.txt"), "spaces and dots\n").unwrap();
}

/// `len` bytes that depend on `seed` and position.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(u32::from(seed)) as u8
        })
        .collect()
}

/// Every file and directory below `root`: relative path → `None` for a directory, the bytes
/// for a file.
pub fn host_tree(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn rec(root: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                rec(root, &p, out);
            } else {
                out.insert(rel, Some(fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    rec(root, root, &mut out);
    out
}

fn mtime_of(p: &Path) -> i64 {
    fs::metadata(p)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// `pack` then `unpack` gives the same tree; `pack` twice with `--mtime` gives the same bytes,
/// and `SOURCE_DATE_EPOCH` does the same as `--mtime`.
#[test]
fn pack_unpack_round_trip_is_exact_and_reproducible() {
    for (kind, _) in KINDS {
        let d = Dir::new();
        make_tree(&d.path("src"));
        let mut args = vec!["pack", "src", "a.img", "--mtime", "1700000000"];
        args.extend(flags(kind));
        d.ok(&args);
        args[2] = "b.img";
        d.ok(&args);
        let a = fs::read(d.path("a.img")).unwrap();
        assert_eq!(
            a,
            fs::read(d.path("b.img")).unwrap(),
            "{kind}: pack is not reproducible"
        );

        let mut env_args = vec!["pack", "src", "c.img"];
        env_args.extend(flags(kind));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_uvfs"))
            .args(&env_args)
            .current_dir(d.root())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            a,
            fs::read(d.path("c.img")).unwrap(),
            "{kind}: SOURCE_DATE_EPOCH"
        );

        d.ok(&["unpack", "a.img", "out"]);
        assert_eq!(
            host_tree(&d.path("src")),
            host_tree(&d.path("out")),
            "{kind}"
        );
        if keeps_mtime(kind) {
            assert_eq!(
                mtime_of(&d.path("out/lib/sub/deep/data.bin")),
                1_700_000_000,
                "{kind}"
            );
        }
    }
}

/// `ls`, `ls -l -R`, `ls --json`, `tree`, `cat`, `stat --json`, `df --json`, `info --json`.
#[test]
fn reading_commands_show_the_tree() {
    for (kind, _) in KINDS {
        let d = Dir::new();
        make_tree(&d.path("src"));
        let mut args = vec!["pack", "src", "fs.img", "--mtime", "1700000000"];
        args.extend(flags(kind));
        d.ok(&args);

        let ls = d.ok(&["ls", "fs.img"]);
        let mut names: Vec<&str> = ls.lines().collect();
        names.sort();
        assert_eq!(
            names,
            ["boot.py", "empty", "empty dir/", "lib/", "my notes.v1.txt"],
            "{kind}"
        );
        let long = d.ok(&["ls", "-l", "-R", "fs.img"]);
        assert!(
            long.lines().any(|l| l.starts_with('-')
                && l.contains(" 20000 ")
                && l.ends_with("/lib/sub/deep/data.bin")),
            "{kind}: {long}"
        );
        let listing = json(&d.ok(&["ls", "--json", "fs.img:/lib"]));
        let items = listing.as_array().unwrap();
        assert!(
            items
                .iter()
                .any(|i| i["name"] == "util.py" && i["type"] == "file" && i["size"] == 440),
            "{kind}: {listing}"
        );
        let tree = d.ok(&["tree", "fs.img"]);
        assert!(tree.contains("└── data.bin"), "{kind}: {tree}");
        assert!(
            tree.trim_end().ends_with("4 directories, 5 files"),
            "{kind}: {tree}"
        );

        let out = d.run(&["cat", "fs.img:/lib/sub/deep/data.bin"]);
        assert!(out.status.success());
        assert_eq!(out.stdout, pattern(3, 20_000), "{kind}");

        let st = json(&d.ok(&["stat", "--json", "fs.img:/boot.py"]));
        assert_eq!(st["type"], "file");
        assert_eq!(st["size"], 14);
        assert_eq!(st["stat"][0], 0x8000);
        if keeps_mtime(kind) {
            assert_eq!(st["mtime"], 1_700_000_000, "{kind}");
        }
        let dir = json(&d.ok(&["stat", "--json", "fs.img:/lib"]));
        assert_eq!(dir["type"], "dir");

        let df = json(&d.ok(&["df", "--json", "fs.img"]));
        let total = df["total"].as_u64().unwrap();
        let used = df["used"].as_u64().unwrap();
        assert!(total > 0 && used > 20_000 && used < total, "{kind}: {df}");

        let info = json(&d.ok(&["info", "--json", "fs.img"]));
        assert_eq!(info["kind"], *kind);
        assert_eq!(info["offset"], 0);
        // The flags `info` prints recreate an image of the same geometry.
        let recreate = info["recreate"].as_str().unwrap().to_string();
        let mut again = vec!["mkfs", "again.img"];
        again.extend(recreate.split(' '));
        d.ok(&again);
        let info2 = json(&d.ok(&["info", "--json", "again.img"]));
        for field in ["kind", "block_size", "block_count", "version"] {
            assert_eq!(info[field], info2[field], "{kind}: {field}");
        }
        assert_eq!(info2["recreate"], info["recreate"], "{kind}");
    }
}

/// `cp` in every direction, `mv`, `rm`, `rm -r`, `mkdir`, `mkdir -p`, and the errors of each.
#[test]
fn changing_commands_work_and_report_errors() {
    for (kind, _) in KINDS {
        let d = Dir::new();
        make_tree(&d.path("src"));
        let mut args = vec!["mkfs", "fs.img"];
        args.extend(flags(kind));
        d.ok(&args);
        let img = |p: &str| format!("fs.img:{p}");

        // host → image: a file, into a directory, and a tree (-r).
        d.ok(&["cp", "src/boot.py", &img("/boot.py")]);
        d.ok(&["mkdir", &img("/lib")]);
        d.ok(&["cp", "src/lib/util.py", &img("/lib")]);
        let err = d.fails(&["cp", "src/lib", &img("/copy")]);
        assert!(err.contains("[Errno 21] EISDIR"), "{kind}: {err}");
        d.ok(&["cp", "-r", "src/lib", &img("/copy")]);
        let out = d.run(&["cat", &img("/copy/sub/deep/data.bin")]);
        assert_eq!(out.stdout, pattern(3, 20_000), "{kind}");
        // image → host, image → image (same image and another one).
        d.ok(&["cp", &img("/lib/util.py"), "util.py"]);
        assert_eq!(
            fs::read(d.path("util.py")).unwrap(),
            fs::read(d.path("src/lib/util.py")).unwrap()
        );
        d.ok(&["cp", "-r", &img("/copy"), "copied"]);
        assert_eq!(host_tree(&d.path("src/lib")), host_tree(&d.path("copied")));
        d.ok(&["cp", &img("/boot.py"), &img("/boot2.py")]);
        let mut args = vec!["mkfs", "other.img"];
        args.extend(flags(kind));
        d.ok(&args);
        d.ok(&["cp", "-r", &img("/copy"), "other.img:/"]);
        assert_eq!(
            d.ok(&["ls", "other.img:/copy"]).lines().count(),
            2,
            "{kind}"
        );
        let err = d.fails(&["cp", "-r", &img("/copy"), &img("/copy/sub")]);
        assert!(err.contains("[Errno 22] EINVAL"), "{kind}: {err}");

        // mv within the image; onto a directory moves into it.
        d.ok(&["mv", &img("/boot2.py"), "/lib"]);
        d.ok(&["mv", &img("/lib/boot2.py"), "/lib/renamed.py"]);
        assert_eq!(d.ok(&["cat", &img("/lib/renamed.py")]), "print('boot')\n");
        let err = d.fails(&["mv", &img("/nope"), "/x"]);
        assert_eq!(err.trim(), "uvfs: fs.img:/nope: [Errno 2] ENOENT", "{kind}");

        // mkdir -p and its errors.
        d.ok(&["mkdir", "-p", &img("/a/b/c")]);
        d.ok(&["mkdir", "-p", &img("/a/b/c")]);
        let err = d.fails(&["mkdir", &img("/a")]);
        assert!(err.contains("[Errno 17] EEXIST"), "{kind}: {err}");
        let err = d.fails(&["mkdir", &img("/missing/x")]);
        assert!(err.contains("[Errno 2] ENOENT"), "{kind}: {err}");

        // rm and rm -r.
        let err = d.fails(&["rm", &img("/a")]);
        assert!(err.contains("[Errno 21] EISDIR"), "{kind}: {err}");
        d.ok(&["rm", "-r", &img("/a"), &img("/copy")]);
        d.ok(&["rm", &img("/lib/renamed.py")]);
        let err = d.fails(&["rm", &img("/lib/renamed.py")]);
        assert!(err.contains("[Errno 2] ENOENT"), "{kind}: {err}");
        let mut names: Vec<String> = d.ok(&["ls", "fs.img"]).lines().map(String::from).collect();
        names.sort();
        assert_eq!(names, ["boot.py", "lib/"], "{kind}");
        assert!(d.ok(&["check", "fs.img"]).contains(" 0 problems"), "{kind}");
    }
}

/// A file too big for the image: ENOSPC in the standard shape, and the image file is left
/// exactly as it was (still consistent).
#[test]
fn image_full_is_enospc_and_leaves_the_image_as_it_was() {
    for (kind, _) in KINDS {
        let d = Dir::new();
        let mut args = vec!["mkfs", "fs.img"];
        args.extend(flags(kind));
        d.ok(&args);
        d.ok(&["mkdir", "fs.img:/keep"]);
        let before = fs::read(d.path("fs.img")).unwrap();
        fs::write(d.path("big.bin"), pattern(9, 2 << 20)).unwrap();
        let err = d.fails(&["cp", "big.bin", "fs.img:/keep/big.bin"]);
        assert_eq!(
            err.trim(),
            "uvfs: fs.img:/keep/big.bin: [Errno 28] ENOSPC",
            "{kind}"
        );
        assert_eq!(fs::read(d.path("fs.img")).unwrap(), before, "{kind}");
        assert!(d.ok(&["check", "fs.img"]).contains(" 0 problems"), "{kind}");
        let err = d.fails(&["pack", "big.bin", "new.img", "--fs", kind]);
        assert!(err.contains("ENOTDIR"), "{kind}: {err}");
        assert!(!d.path("new.img").exists());
    }
}

/// `convert` between every pair of kinds keeps the tree.
#[test]
fn convert_between_kinds_keeps_the_tree() {
    for (from, _) in KINDS {
        for (to, _) in KINDS {
            let d = Dir::new();
            make_tree(&d.path("src"));
            let mut args = vec!["pack", "src", "in.img", "--mtime", "1700000000"];
            args.extend(flags(from));
            d.ok(&args);
            let to_flags = flags(to);
            d.ok(&[
                "convert",
                "in.img",
                "out.img",
                "--to",
                to,
                "--size",
                to_flags[3],
            ]);
            let info = json(&d.ok(&["info", "--json", "out.img"]));
            assert_eq!(info["kind"], *to);
            d.ok(&["unpack", "out.img", "out"]);
            assert_eq!(
                host_tree(&d.path("src")),
                host_tree(&d.path("out")),
                "{from} → {to}"
            );
        }
    }
}

/// A volume inside a larger dump: found without `--offset` (also one block after the start,
/// where a littlefs superblock could pass for "block 1" of a volume at 0), addressed with it,
/// and changed in place without touching the bytes around it.
#[test]
fn volume_inside_a_dump_is_found_and_changed_in_place() {
    for (kind, _) in KINDS {
        for prefix in [4usize << 10, 64 << 10] {
            let d = Dir::new();
            make_tree(&d.path("src"));
            let mut args = vec!["pack", "src", "fs.img", "--mtime", "1700000000"];
            args.extend(flags(kind));
            d.ok(&args);
            let volume = fs::read(d.path("fs.img")).unwrap();
            let mut dump = vec![0xA5u8; prefix];
            dump.extend_from_slice(&volume);
            dump.extend(vec![0x5Au8; 12 << 10]);
            fs::write(d.path("flash.bin"), &dump).unwrap();

            let info = json(&d.ok(&["info", "--json", "flash.bin"]));
            assert_eq!(info["offset"], prefix, "{kind}: {info}");
            assert_eq!(info["kind"], *kind);
            assert_eq!(d.ok(&["cat", "flash.bin:/boot.py"]), "print('boot')\n");
            let offset = format!("{}K", prefix >> 10);
            let explicit = d.ok(&["ls", "flash.bin", "--offset", &offset]);
            assert_eq!(explicit, d.ok(&["ls", "fs.img"]), "{kind}");
            let err = d.fails(&["ls", "flash.bin", "--offset", "1K", "--length", "2K"]);
            assert!(err.contains("ENODEV"), "{kind}: {err}");

            d.ok(&[
                "cp",
                "src/boot.py",
                "flash.bin:/boot2.py",
                "--offset",
                &offset,
            ]);
            let after = fs::read(d.path("flash.bin")).unwrap();
            assert_eq!(after.len(), dump.len());
            assert_eq!(
                after[..prefix],
                dump[..prefix],
                "{kind}: bytes before changed"
            );
            let tail = prefix + volume.len();
            assert_eq!(after[tail..], dump[tail..], "{kind}: bytes after changed");
            assert_eq!(d.ok(&["cat", "flash.bin:/boot2.py"]), "print('boot')\n");
        }
    }
}

/// `unpack` never writes outside the destination, even through a symlink already there.
#[test]
fn unpack_never_writes_through_a_symlink_in_the_destination() {
    for (kind, _) in KINDS {
        let d = Dir::new();
        make_tree(&d.path("src"));
        let mut args = vec!["pack", "src", "fs.img"];
        args.extend(flags(kind));
        d.ok(&args);
        fs::create_dir(d.path("outside")).unwrap();
        fs::create_dir(d.path("out")).unwrap();
        std::os::unix::fs::symlink(d.path("outside"), d.path("out/lib")).unwrap();
        std::os::unix::fs::symlink(d.path("outside/boot.py"), d.path("out/boot.py")).unwrap();
        let out = d.run(&["unpack", "fs.img", "out"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{kind}: damage must set the exit status"
        );
        let err = text(&out.stderr);
        assert!(err.contains("out/lib: [Errno 17] EEXIST"), "{kind}: {err}");
        assert!(
            err.contains("out/boot.py: [Errno 17] EEXIST"),
            "{kind}: {err}"
        );
        assert_eq!(
            fs::read_dir(d.path("outside")).unwrap().count(),
            0,
            "{kind}"
        );
        // Everything else was unpacked.
        assert_eq!(
            fs::read(d.path("out/my notes.v1.txt")).unwrap(),
            b"spaces and dots\n"
        );
    }
}

/// `check` passes a good image, and on damaged ones reports and exits 1, never panicking.
#[test]
fn check_reports_damage_without_panicking() {
    for (kind, _) in KINDS {
        let d = Dir::new();
        make_tree(&d.path("src"));
        let mut args = vec!["pack", "src", "fs.img"];
        args.extend(flags(kind));
        d.ok(&args);
        let good = fs::read(d.path("fs.img")).unwrap();
        let summary = d.ok(&["check", "fs.img"]);
        assert!(
            summary.contains("4 directories, 5 files, 20470 bytes read, 0 problems"),
            "{kind}: {summary}"
        );
        // Damage at many places: every run must end with 0 or 1, never a panic (101).
        let step = (good.len() / 24).max(1);
        let mut detected = 0;
        for (i, at) in (0..good.len()).step_by(step).enumerate() {
            let mut bad = good.clone();
            let end = (at + 700).min(bad.len());
            for (j, b) in bad[at..end].iter_mut().enumerate() {
                *b ^= (j as u8).wrapping_mul(37) | 1;
            }
            let name = format!("bad{i}.img");
            fs::write(d.path(&name), &bad).unwrap();
            let out = d.run(&["check", &name]);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0) | Some(1)),
                "{kind}: check of damage at {at} ended with {code:?}\n{}",
                text(&out.stderr)
            );
            if code == Some(1) {
                detected += 1;
                assert!(text(&out.stderr).starts_with("uvfs: "), "{kind}");
            }
        }
        // Damage to the volume's metadata at least is always found.
        assert!(
            detected > 0,
            "{kind}: no damage detected in any of 24 damaged images"
        );
    }
}

/// Filling a small image with small files in the shell: writes fail with ENOSPC once it is
/// full, and every file written before survives, readable, in the saved image.
#[test]
fn filling_an_image_keeps_every_file_written_before() {
    for (kind, size) in [
        ("fat", "64K"),
        ("lfs1", "32K"),
        ("lfs2", "16K"),
        ("kv", "16K"),
    ] {
        let d = Dir::new();
        let bs = if matches!(kind, "fat" | "lfs1") {
            "512"
        } else {
            "4K"
        };
        d.ok(&[
            "mkfs",
            "fs.img",
            "--fs",
            kind,
            "--size",
            size,
            "--block-size",
            bs,
        ]);
        let body = "x".repeat(100);
        let cmds: Vec<String> = (0..150)
            .map(|i| format!("write /f/c{i}.txt {body}"))
            .collect();
        let mount = format!("/f={kind}:fs.img");
        let script = cmds.join("; ");
        let out = d.run(&["shell", "--mount", &mount, "-c", &script]);
        let err = text(&out.stderr);
        let failed: Vec<&str> = err.lines().filter(|l| l.starts_with("write: ")).collect();
        assert!(!failed.is_empty(), "{kind}: 150 files fit in {size}");
        assert!(
            failed.iter().all(|l| l.contains("[Errno 28] ENOSPC")),
            "{kind}: {err}"
        );
        let check = d.ok(&["check", "fs.img"]);
        assert!(check.contains(" 0 problems"), "{kind}: {check}");
        let full: Vec<String> = (0..150)
            .map(|i| format!("c{i}.txt"))
            .filter(|n| {
                !failed
                    .iter()
                    .any(|l| l.starts_with(&format!("write: /f/{n}:")))
            })
            .collect();
        assert!(full.len() > 10, "{kind}: only {} files fit", full.len());
        d.ok(&["unpack", "fs.img", "out"]);
        for n in &full {
            let got = fs::read_to_string(d.path("out").join(n)).unwrap();
            assert_eq!(got, format!("{body}\n"), "{kind}: {n}");
        }
    }
}
