//! The MicroPython-made images in `testdata/micropython/lfs2/`: each mounts with the constructor
//! arguments its manifest records and reads exactly as the manifest says (tree, types, sizes,
//! SHA-256, `stat` tuples and mtimes, `ilistdir` tuples in order, absent paths, `statvfs`), a
//! read-only walk leaves the bytes untouched, and a read-write session keeps the rest intact.

use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};
use uvfs_backend_lfs::lfs2::{DiskVersion, Lfs2Config, VfsLfs2};
use uvfs_os_api::{Errno, FileType, Filesystem};
use uvfs_vfs_core::RamDisk;

use crate::lfs2::support::{pattern, read_file, tree, write_file, Clock, Node};

fn fixtures_dir() -> PathBuf {
    uvfs_testkit::fixtures::micropython("lfs2")
}

struct Fixture {
    name: String,
    image: Vec<u8>,
    manifest: Value,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("testdata/micropython/lfs2 is there") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "img") {
            let manifest: Value =
                serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap())
                    .unwrap();
            out.push(Fixture {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                image: std::fs::read(&path).unwrap(),
                manifest,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(out.len(), 3, "the three LFS2 fixtures");
    out
}

fn u32_of(v: &Value) -> u32 {
    u32::try_from(v.as_u64().unwrap()).unwrap()
}

impl Fixture {
    fn config(&self) -> Lfs2Config {
        let kw = &self.manifest["constructor_kwargs"];
        Lfs2Config {
            read_size: u32_of(&kw["readsize"]),
            prog_size: u32_of(&kw["progsize"]),
            lookahead: u32_of(&kw["lookahead"]),
            mtime: kw["mtime"].as_bool().unwrap(),
            disk_version: DiskVersion::default(),
        }
    }

    fn device(&self) -> RamDisk {
        let bs = u32_of(&self.manifest["block_size"]);
        let mut disk = RamDisk::from_image(self.image.clone(), bs);
        disk.set_flash(true);
        assert_eq!(disk.as_bytes().len(), self.image.len());
        disk
    }

    fn fs(&self) -> VfsLfs2<RamDisk> {
        VfsLfs2::new(self.device(), self.config()).unwrap()
    }
}

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a mounted fixture against its manifest.
fn check_manifest(fx: &Fixture, fs: &mut dyn Filesystem) {
    let m = &fx.manifest;
    let name = &fx.name;
    let mut files = 0;
    for node in m["tree"].as_array().unwrap() {
        let p = node["path"].as_str().unwrap();
        let st = fs
            .stat(p)
            .unwrap_or_else(|e| panic!("{name}: stat {p}: {e}"));
        let want: Vec<i64> = node["stat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let got = st.to_tuple();
        match node["type"].as_str().unwrap() {
            "file" => {
                files += 1;
                assert_eq!(got.as_slice(), want.as_slice(), "{name}: stat {p}");
                let data = read_file(fs, p).unwrap();
                assert_eq!(
                    data.len() as u64,
                    node["size"].as_u64().unwrap(),
                    "{name}: {p}"
                );
                assert_eq!(
                    sha256(&data),
                    node["sha256"].as_str().unwrap(),
                    "{name}: {p}"
                );
            }
            "dir" => {
                // A directory's st_size in MicroPython is whatever the stack held (littlefs
                // sets no size for directories: the manifests show 32757); uvfs reports 0.
                assert_eq!(st.kind(), FileType::Dir, "{name}: {p}");
                assert_eq!(got[6], 0, "{name}: {p}");
                let mut w = want.clone();
                w[6] = 0;
                assert_eq!(got.as_slice(), w.as_slice(), "{name}: stat {p}");
            }
            other => panic!("{name}: type {other}"),
        }
        assert_eq!(
            st.mtime,
            node["mtime"].as_i64().unwrap(),
            "{name}: mtime {p}"
        );
    }
    for (dir, listing) in m["listings"].as_object().unwrap() {
        let h = fs.opendir(dir).unwrap();
        let mut got = Vec::new();
        while let Some(e) = fs.readdir(h).unwrap() {
            got.push(serde_json::json!([
                e.name.as_str(),
                e.kind.mode_bits(),
                e.inode,
                e.size.unwrap()
            ]));
        }
        fs.closedir(h).unwrap();
        assert_eq!(
            &Value::Array(got),
            listing,
            "{name}: ilistdir({dir}), in MicroPython's order"
        );
    }
    for p in m["absent"].as_array().unwrap() {
        let p = p.as_str().unwrap();
        assert_eq!(fs.stat(p).unwrap_err(), Errno::ENOENT, "{name}: {p}");
    }
    let want: Vec<u64> = m["statvfs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(
        fs.statvfs("/").unwrap().to_tuple().as_slice(),
        want.as_slice(),
        "{name}: statvfs"
    );
    let tree_files = tree(fs)
        .unwrap()
        .values()
        .filter(|n| matches!(n, Node::File(_)))
        .count();
    assert_eq!(
        tree_files, files,
        "{name}: the walk finds the manifest's files"
    );
}

#[test]
fn every_fixture_reads_as_its_manifest_says() {
    for fx in fixtures() {
        let mut fs = fx.fs();
        fs.mount(true, false)
            .unwrap_or_else(|e| panic!("{}: mount: {e}", fx.name));
        assert_eq!(fs.disk_version().unwrap(), DiskVersion::V2_1, "{}", fx.name);
        check_manifest(&fx, &mut fs);
        fs.umount().unwrap();
        assert!(
            fs.device().as_bytes() == fx.image.as_slice(),
            "{}: a read-only walk changed the image",
            fx.name
        );
        // Read-write mounts read the same.
        fs.mount(false, false).unwrap();
        check_manifest(&fx, &mut fs);
        fs.umount().unwrap();
    }
}

#[test]
fn fixture_engine_configuration_matches_the_manifest() {
    for fx in fixtures() {
        let g = fx.fs().geometry();
        let e = &fx.manifest["engine"];
        assert_eq!(g.read_size, u32_of(&e["read_size"]), "{}", fx.name);
        assert_eq!(g.prog_size, u32_of(&e["prog_size"]), "{}", fx.name);
        assert_eq!(g.cache_size, u32_of(&e["cache_size"]), "{}", fx.name);
        assert_eq!(
            g.lookahead_size,
            u32_of(&e["lookahead_size_bytes"]),
            "{}",
            fx.name
        );
        assert_eq!(
            i64::from(g.block_cycles),
            e["block_cycles"].as_i64().unwrap()
        );
        assert_eq!(
            u64::from(g.block_size),
            fx.manifest["block_size"].as_u64().unwrap()
        );
        assert_eq!(
            u64::from(g.block_count),
            fx.manifest["block_count"].as_u64().unwrap()
        );
        assert_eq!(e["mtime_attr_type"].as_u64().unwrap(), 1);
    }
}

#[test]
fn writing_to_a_fixture_keeps_the_rest() {
    for fx in fixtures() {
        let clock = Clock::at(1_900_000_000);
        let mut fs = fx.fs().with_time_source(Box::new(clock));
        fs.mount(false, false).unwrap();
        let before = tree(&mut fs).unwrap();
        let data = pattern(7, 3000);
        write_file(&mut fs, "/uvfs-new.bin", &data).unwrap();
        fs.mkdir("/uvfs-dir").unwrap();
        fs.umount().unwrap();
        fs.mount(true, false).unwrap();
        let mut after = tree(&mut fs).unwrap();
        assert_eq!(
            after.remove("/uvfs-new.bin"),
            Some(Node::File(data)),
            "{}",
            fx.name
        );
        assert_eq!(after.remove("/uvfs-dir"), Some(Node::Dir), "{}", fx.name);
        assert_eq!(after, before, "{}", fx.name);
        let mtime = fs.stat("/uvfs-new.bin").unwrap().mtime;
        let want = if fx.config().mtime { 1_900_000_000 } else { 0 };
        assert_eq!(mtime, want, "{}", fx.name);
        assert_eq!(fs.disk_version().unwrap(), DiskVersion::V2_1);
        fs.umount().unwrap();
    }
}

#[test]
fn fixture_mtimes_are_little_endian_nanoseconds() {
    // The bytes behind `stat` (read through attribute 1) are 8-byte little-endian nanoseconds
    // since 1970: the image holds such values for the manifest's mtime, and no big-endian or
    // seconds-only encoding of it.
    let fx = fixtures()
        .into_iter()
        .find(|f| f.name == "lfs2-small-512x256.img")
        .unwrap();
    let secs = fx.manifest["tree"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|n| n["mtime"].as_u64().filter(|&m| m != 0))
        .unwrap();
    let le = fx
        .image
        .windows(8)
        .filter(|w| u64::from_le_bytes((*w).try_into().unwrap()) / 1_000_000_000 == secs)
        .count();
    assert!(
        le >= 40,
        "only {le} little-endian nanosecond stamps of {secs}"
    );
    let be = fx
        .image
        .windows(8)
        .filter(|w| u64::from_be_bytes((*w).try_into().unwrap()) / 1_000_000_000 == secs)
        .count();
    assert_eq!(be, 0);
}
