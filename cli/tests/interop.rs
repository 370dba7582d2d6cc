//! Round trips between `uvfs` and the tools people use today: mtools and dosfstools for FAT,
//! littlefs-python for littlefs v2. Each direction compares whole trees, byte for byte.
//!
//! A missing tool fails the test under `CI` (naming the package to install) and skips it, with
//! a message, elsewhere.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::images::{host_tree, make_tree};
use crate::util::{text, Dir};

/// Whether `program --version`-style probing finds the tool; under `CI` a missing tool is a
/// failure that names the package.
fn have(program: &str, probe: &[&str], package: &str) -> bool {
    let found = Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is missing: install {package}"
        );
        eprintln!("skipping: {program} not found (install {package})");
    }
    found
}

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn have_mtools() -> bool {
    have("mcopy", &["-V"], "mtools")
}

fn have_dosfstools() -> bool {
    have("fsck.fat", &["--help"], "dosfstools") || have("mkfs.fat", &["--help"], "dosfstools")
}

fn have_littlefs_python() -> bool {
    have(
        "python3",
        &["-c", "import littlefs"],
        "littlefs-python (pip install littlefs-python)",
    )
}

/// `uvfs pack --fs fat` → `fsck.fat -n` finds nothing → `mcopy -s` extracts the same tree.
#[test]
fn fat_packed_by_uvfs_is_clean_and_unpacked_identically_by_mtools() {
    if !have_mtools() || !have_dosfstools() {
        return;
    }
    let d = Dir::new();
    make_tree(&d.path("src"));
    d.ok(&[
        "pack", "src", "fs.img", "--fs", "fat", "--size", "1M", "--label", "UVFS",
    ]);
    let fsck = Command::new("fsck.fat")
        .args(["-n", "-v", "fs.img"])
        .current_dir(d.root())
        .output()
        .unwrap();
    let report = text(&fsck.stdout);
    assert!(
        fsck.status.success(),
        "fsck.fat -n: {report}{}",
        text(&fsck.stderr)
    );
    assert!(!report.contains("differ"), "{report}");
    let listing = run(d.root(), "mdir", &["-/", "-b", "-i", "fs.img", "::"]);
    assert!(listing.contains("::/lib/sub/deep/data.bin"), "{listing}");
    fs::create_dir(d.path("out")).unwrap();
    run(
        d.root(),
        "mcopy",
        &["-s", "-n", "-i", "fs.img", "::*", "out"],
    );
    assert_eq!(host_tree(&d.path("src")), host_tree(&d.path("out")));
    let label = run(d.root(), "mlabel", &["-s", "-i", "fs.img", "::"]);
    assert!(label.contains("UVFS"), "{label}");
}

/// `mkfs.fat` + `mcopy -s` → `uvfs unpack` gives the same tree, and `uvfs check` is clean.
#[test]
fn fat_made_by_mkfs_fat_and_mcopy_unpacks_identically() {
    if !have_mtools() || !have_dosfstools() {
        return;
    }
    for (fat_bits, size_kib) in [("12", "1024"), ("16", "8192"), ("32", "40000")] {
        let d = Dir::new();
        make_tree(&d.path("src"));
        run(
            d.root(),
            "mkfs.fat",
            &[
                "-F", fat_bits, "-s", "1", "-C", "-i", "12345678", "fs.img", size_kib,
            ],
        );
        run(
            d.root(),
            "mcopy",
            &[
                "-s",
                "-i",
                "fs.img",
                "src/boot.py",
                "src/empty",
                "src/lib",
                "src/empty dir",
                "src/my notes.v1.txt",
                "::",
            ],
        );
        let info = d.ok(&["info", "fs.img"]);
        assert!(info.contains(&format!("version FAT{fat_bits}")), "{info}");
        d.ok(&["unpack", "fs.img", "out"]);
        assert_eq!(
            host_tree(&d.path("src")),
            host_tree(&d.path("out")),
            "FAT{fat_bits}"
        );
        assert!(d.ok(&["check", "fs.img"]).contains(" 0 problems"));
        // And uvfs's changes keep it clean for fsck.
        d.ok(&["rm", "-r", "fs.img:/lib/sub"]);
        d.ok(&["cp", "src/boot.py", "fs.img:/lib/again.py"]);
        run(d.root(), "fsck.fat", &["-n", "fs.img"]);
    }
}

/// `uvfs pack --fs lfs2` → littlefs-python extracts the same tree.
#[test]
fn lfs2_packed_by_uvfs_is_extracted_identically_by_littlefs_python() {
    if !have_littlefs_python() {
        return;
    }
    let d = Dir::new();
    make_tree(&d.path("src"));
    d.ok(&[
        "pack",
        "src",
        "fs.img",
        "--fs",
        "lfs2",
        "--size",
        "512K",
        "--block-size",
        "4K",
    ]);
    run(
        d.root(),
        "python3",
        &[
            "-m",
            "littlefs",
            "extract",
            "--block-size",
            "4096",
            "fs.img",
            "out",
        ],
    );
    assert_eq!(host_tree(&d.path("src")), host_tree(&d.path("out")));
}

/// littlefs-python creates an image → `uvfs unpack` gives the same tree; `uvfs` then changes
/// it, and littlefs-python still reads it.
#[test]
fn lfs2_made_by_littlefs_python_unpacks_identically() {
    if !have_littlefs_python() {
        return;
    }
    let d = Dir::new();
    make_tree(&d.path("src"));
    run(
        d.root(),
        "python3",
        &[
            "-m",
            "littlefs",
            "create",
            "--block-size",
            "4096",
            "--fs-size",
            "512KB",
            "src",
            "fs.img",
        ],
    );
    let info = d.ok(&["info", "fs.img"]);
    assert!(info.contains("filesystem:  lfs2"), "{info}");
    d.ok(&["unpack", "fs.img", "out"]);
    assert_eq!(host_tree(&d.path("src")), host_tree(&d.path("out")));
    d.ok(&["rm", "fs.img:/boot.py"]);
    d.ok(&["mkdir", "fs.img:/new"]);
    d.ok(&["cp", "src/lib/util.py", "fs.img:/new/util.py"]);
    run(
        d.root(),
        "python3",
        &[
            "-m",
            "littlefs",
            "extract",
            "--block-size",
            "4096",
            "fs.img",
            "again",
        ],
    );
    assert!(!d.path("again/boot.py").exists());
    assert_eq!(
        fs::read(d.path("again/new/util.py")).unwrap(),
        fs::read(d.path("src/lib/util.py")).unwrap()
    );
}
