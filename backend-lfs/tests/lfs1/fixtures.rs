//! The MicroPython-made images of `testdata/micropython/lfs1/` (littlefs 1.7.2 through `VfsLfs1`):
//! every one mounts read-only and reads exactly per its manifest (tree, listing order = on-disk
//! order, sizes, SHA-256, stat tuples, statvfs, absent paths) without a byte changing; `mkfs`
//! reproduces the freshly formatted image byte for byte; and replaying a fixture's history
//! gives the listings and statvfs MicroPython reported.

use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};
use uvfs_backend_lfs::lfs1::{probe, Lfs1Config, VfsLfs1, DISK_VERSION};
use uvfs_os_api::{Errno, Filesystem, OpenMode, SeekFrom};
use uvfs_vfs_core::RamDisk;

use super::support::{listing, pattern, read_file, write_file};

fn dir() -> PathBuf {
    uvfs_testkit::fixtures::micropython("lfs1")
}

fn manifests() -> Vec<(String, Value, Vec<u8>)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir())
        .expect("testdata/micropython/lfs1 is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    for p in names {
        let m: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let img = std::fs::read(dir().join(m["image"].as_str().unwrap())).unwrap();
        out.push((
            p.file_name().unwrap().to_string_lossy().into_owned(),
            m,
            img,
        ));
    }
    assert!(
        out.len() >= 3,
        "expected the three lfs1 fixtures, found {}",
        out.len()
    );
    out
}

fn config_of(m: &Value) -> Lfs1Config {
    let k = &m["constructor_kwargs"];
    Lfs1Config {
        read_size: k["readsize"].as_u64().unwrap() as u32,
        prog_size: k["progsize"].as_u64().unwrap() as u32,
        lookahead: k["lookahead"].as_u64().unwrap() as u32,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

/// Checks a mounted volume against a manifest's tree, listings, absent paths and statvfs.
fn check_against(fs: &mut dyn Filesystem, m: &Value, name: &str, contents: bool) {
    let st = fs.statvfs("/").unwrap();
    assert_eq!(
        st.to_tuple().to_vec(),
        u64s(&m["statvfs"]),
        "{name}: statvfs"
    );
    for node in m["tree"].as_array().unwrap() {
        let p = node["path"].as_str().unwrap();
        let s = fs
            .stat(p)
            .unwrap_or_else(|e| panic!("{name}: stat {p}: {e}"));
        let want: Vec<i64> = node["stat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        assert_eq!(s.to_tuple().to_vec(), want, "{name}: stat {p}");
        if node["type"] == "file" && contents {
            let data = read_file(fs, p).unwrap();
            assert_eq!(
                data.len() as u64,
                node["size"].as_u64().unwrap(),
                "{name}: {p}"
            );
            assert_eq!(
                hex(&Sha256::digest(&data)),
                node["sha256"].as_str().unwrap(),
                "{name}: sha256 of {p}"
            );
        }
    }
    for (dir, entries) in m["listings"].as_object().unwrap() {
        let got = listing(fs, dir).unwrap();
        let want: Vec<(String, bool, u64)> = entries
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let e = e.as_array().unwrap();
                assert_eq!(e[2].as_u64(), Some(0), "inode");
                (
                    e[0].as_str().unwrap().to_string(),
                    e[1].as_u64().unwrap() == 0x4000,
                    e[3].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}: listing of {dir} (on-disk order)");
    }
    for p in m["absent"].as_array().unwrap() {
        let p = p.as_str().unwrap();
        assert_eq!(
            fs.stat(p).unwrap_err(),
            Errno::ENOENT,
            "{name}: {p} is gone"
        );
    }
}

#[test]
fn every_image_reads_per_its_manifest() {
    for (name, m, img) in manifests() {
        let bs = m["block_size"].as_u64().unwrap() as u32;
        let disk = RamDisk::from_image(img.clone(), bs);
        let mut fs = VfsLfs1::new(disk, config_of(&m));
        fs.mount(true, false).unwrap();
        assert_eq!(fs.disk_version().unwrap(), DISK_VERSION);
        check_against(&mut fs, &m, &name, true);
        // Other read and program sizes read the same image.
        fs.umount().unwrap();
        let disk = fs.into_device().unwrap();
        assert_eq!(
            disk.as_bytes(),
            &img[..],
            "{name}: a read-only walk changed the image"
        );
        let mut fs = VfsLfs1::new(
            disk,
            Lfs1Config {
                read_size: 4,
                prog_size: 16,
                lookahead: 128,
            },
        );
        fs.mount(true, false).unwrap();
        check_against(&mut fs, &m, &name, true);
        fs.umount().unwrap();
        let mut disk = fs.into_device().unwrap();
        assert_eq!(disk.as_bytes(), &img[..]);
        let info = probe(&mut disk).unwrap();
        assert_eq!(
            (info.block_size, info.block_count, info.version),
            (bs, m["block_count"].as_u64().unwrap() as u32, DISK_VERSION),
            "{name}: probe"
        );
    }
}

#[test]
fn a_writable_mount_changes_nothing_until_a_change() {
    // Deorphan on an image without orphans or moves must not write either.
    for (name, m, img) in manifests() {
        let bs = m["block_size"].as_u64().unwrap() as u32;
        let mut fs = VfsLfs1::new(RamDisk::from_image(img.clone(), bs), config_of(&m));
        fs.mount(false, false).unwrap();
        check_against(&mut fs, &m, &name, true);
        // Refused changes run deorphan (which must find nothing to repair) and write nothing.
        if let Some(node) = m["tree"].as_array().unwrap().get(1) {
            let first_dir = node["path"].as_str().unwrap();
            assert_eq!(fs.mkdir(first_dir).unwrap_err(), Errno::EEXIST, "{name}");
            assert_eq!(fs.rmdir(first_dir).unwrap_err(), Errno::ENOTEMPTY, "{name}");
        } else {
            assert_eq!(fs.rmdir("/nothing").unwrap_err(), Errno::ENOENT, "{name}");
        }
        fs.umount().unwrap();
        assert_eq!(fs.into_device().unwrap().as_bytes(), &img[..], "{name}");
    }
}

#[test]
fn mkfs_writes_the_empty_image_byte_for_byte() {
    let img = std::fs::read(dir().join("lfs1-empty-512x64.img")).unwrap();
    let mut fs = VfsLfs1::new(RamDisk::new_flash(512, 64), Lfs1Config::default());
    fs.mkfs().unwrap();
    let disk = fs.into_device().unwrap();
    assert_eq!(disk.as_bytes().len(), img.len());
    for (b, (got, want)) in disk.as_bytes().chunks(512).zip(img.chunks(512)).enumerate() {
        assert_eq!(got, want, "block {b} differs from MicroPython's mkfs");
    }
}

#[test]
fn mkfs_on_a_zeroed_disk_gives_the_revisions_of_the_spec() {
    // §6.2: on a zero-filled device whose erase does nothing, revisions 3 (block 0), 2 (block
    // 1) and 2 (root, block 3); bytes after each CRC are 0xFF up to the program unit.
    let mut fs = VfsLfs1::new(RamDisk::new(512, 64), Lfs1Config::default());
    fs.mkfs().unwrap();
    let disk = fs.into_device().unwrap();
    let b = disk.as_bytes();
    let rev = |blk: usize| u32::from_le_bytes(b[blk * 512..blk * 512 + 4].try_into().unwrap());
    assert_eq!((rev(0), rev(1), rev(3)), (3, 2, 2));
    assert!(
        b[2 * 512..3 * 512].iter().all(|&x| x == 0),
        "block 2 untouched"
    );
    assert!(b[0x34..0x40].iter().all(|&x| x == 0xFF));
    assert!(b[0x40..0x200].iter().all(|&x| x == 0));
    let mut fs = VfsLfs1::new(disk, Lfs1Config::default());
    fs.mount(false, false).unwrap();
    assert_eq!(listing(&mut fs, "/").unwrap(), vec![]);
    assert_eq!(fs.statvfs("/").unwrap().bfree, 60);
}

/// Replays a manifest's history (data made up, lengths as recorded) on a fresh volume.
fn replay(m: &Value) -> VfsLfs1<RamDisk> {
    let bs = m["block_size"].as_u64().unwrap() as u32;
    let bc = m["block_count"].as_u64().unwrap() as u32;
    let mut fs = VfsLfs1::new(RamDisk::new_flash(bs, bc), config_of(m));
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    for (i, step) in m["history"].as_array().unwrap().iter().enumerate() {
        let s = step.as_array().unwrap();
        let op = s[0].as_str().unwrap();
        let p = s[1].as_str().unwrap();
        let len = |k: usize| s[k].as_u64().unwrap() as usize;
        let r = match op {
            "mkdir" => fs.mkdir(p),
            "rmdir" => fs.rmdir(p),
            "remove" => fs.remove(p),
            "rename" => fs.rename(p, s[2].as_str().unwrap()),
            "write" => write_file(&mut fs, p, &pattern(i as u64, len(2))),
            "append" => {
                let f = fs.open(p, OpenMode::APPEND).unwrap();
                let r = (&mut fs as &mut dyn Filesystem).write_all(f, &pattern(i as u64, len(2)));
                r.and(fs.close(f))
            }
            "patch" => {
                let f = fs.open(p, OpenMode::parse("r+b").unwrap()).unwrap();
                fs.seek(f, SeekFrom::Start(len(2) as u64)).unwrap();
                let r = (&mut fs as &mut dyn Filesystem).write_all(f, &pattern(i as u64, len(3)));
                r.and(fs.close(f))
            }
            other => panic!("unknown history step {other}"),
        };
        r.unwrap_or_else(|e| panic!("step {i} {s:?}: {e}"));
    }
    fs
}

#[test]
fn replayed_histories_list_and_count_like_micropython() {
    for (name, m, _) in manifests() {
        let mut fs = replay(&m);
        check_against(&mut fs, &m, &name, false);
        fs.umount().unwrap();
        // And again after a remount.
        fs.mount(true, false).unwrap();
        check_against(&mut fs, &m, &name, false);
    }
}
