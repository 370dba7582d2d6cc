//! The MicroPython-made images in `testdata/micropython/`: every reading command sees exactly
//! what the manifest says, and `convert` migrates each one (LFS1 → LFS2 included) with every
//! file's SHA-256 intact.

use std::fs;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::util::Dir;

fn fixtures() -> Vec<(PathBuf, serde_json::Value)> {
    let root = uvfs_testkit::fixtures::micropython_dir();
    let mut out = Vec::new();
    for kind in ["fat", "lfs1", "lfs2"] {
        let mut names: Vec<_> = fs::read_dir(root.join(kind))
            .unwrap_or_else(|e| panic!("{}: {e}", root.join(kind).display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "img"))
            .collect();
        names.sort();
        for img in names {
            let manifest = fs::read_to_string(img.with_extension("json")).unwrap();
            out.push((img, serde_json::from_str(&manifest).unwrap()));
        }
    }
    assert_eq!(out.len(), 9, "fixture images");
    out
}

fn hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The manifest's files: path → (size, sha256).
fn manifest_files(m: &serde_json::Value) -> Vec<(String, u64, String)> {
    let mut files: Vec<_> = m["tree"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "file")
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["size"].as_u64().unwrap(),
                e["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn reading_commands_match_the_manifests() {
    for (img, m) in fixtures() {
        let d = Dir::new();
        let name = img.file_name().unwrap().to_str().unwrap().to_string();
        fs::copy(&img, d.path(&name)).unwrap();
        let info: serde_json::Value =
            serde_json::from_str(&d.ok(&["info", "--json", &name])).unwrap();
        assert_eq!(info["kind"], m["kind"], "{name}");
        assert_eq!(info["block_size"], m["block_size"], "{name}");
        assert_eq!(info["statvfs"], m["statvfs"], "{name}");

        let listing: serde_json::Value =
            serde_json::from_str(&d.ok(&["ls", "-R", "--json", &name])).unwrap();
        let mut got: Vec<(String, String)> = listing
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, String)> = m["tree"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["path"] != "/")
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        want.sort();
        assert_eq!(got, want, "{name}");

        for (path, size, sha) in manifest_files(&m) {
            let out = d.run(&["cat", &format!("{name}:{path}")]);
            assert!(out.status.success(), "{name}:{path}");
            assert_eq!(out.stdout.len() as u64, size, "{name}:{path}");
            assert_eq!(hex(&out.stdout), sha, "{name}:{path}");
        }
        let check = d.ok(&["check", &name]);
        assert!(check.contains(" 0 problems"), "{name}: {check}");
        // Reading never changes the image.
        assert_eq!(
            fs::read(d.path(&name)).unwrap(),
            fs::read(&img).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn convert_migrates_every_fixture_to_lfs2_and_fat() {
    for (img, m) in fixtures() {
        for to in ["lfs2", "fat"] {
            let d = Dir::new();
            let name = img.file_name().unwrap().to_str().unwrap().to_string();
            fs::copy(&img, d.path(&name)).unwrap();
            // FAT needs 512-byte sectors and room for its tables: give it 1 MiB.
            let mut args = vec!["convert", name.as_str(), "out.img", "--to", to];
            if to == "fat" {
                args.extend(["--size", "1M", "--block-size", "512"]);
            }
            d.ok(&args);
            for (path, size, sha) in manifest_files(&m) {
                let out = d.run(&["cat", &format!("out.img:{path}")]);
                assert!(out.status.success(), "{name} → {to}: {path}");
                assert_eq!(out.stdout.len() as u64, size, "{name} → {to}: {path}");
                assert_eq!(hex(&out.stdout), sha, "{name} → {to}: {path}");
            }
        }
    }
}
