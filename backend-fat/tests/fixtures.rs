use serde_json::Value;
use sha2::{Digest, Sha256};
use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
use uvfs_os_api::{Errno, FileType, Filesystem};
use uvfs_vfs_core::RamDisk;

use crate::support::{assert_errno, fixtures, read_file};

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Mounts fixture `name` read-only and checks everything its manifest records.
fn check_fixture(name: &str) {
    let dir = fixtures().join("fat");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    let image = std::fs::read(dir.join(format!("{name}.img"))).unwrap();
    assert_eq!(image.len() as u64, u(&manifest["image_bytes"]));
    let bs = u(&manifest["block_size"]) as u32;
    let mut fs = VfsFat::new(RamDisk::from_image(image.clone(), bs)).unwrap();
    fs.mount(true, false).unwrap();

    let e = &manifest["engine"];
    let info = fs.volume_info().unwrap();
    let fat_type = match e["fat_type"].as_str().unwrap() {
        "FAT12" => FatType::Fat12,
        "FAT16" => FatType::Fat16,
        _ => FatType::Fat32,
    };
    assert_eq!(info.fat_type, fat_type);
    assert_eq!(u64::from(info.bytes_per_sector), u(&e["bytes_per_sector"]));
    assert_eq!(
        u64::from(info.sectors_per_cluster),
        u(&e["sectors_per_cluster"])
    );
    assert_eq!(u64::from(info.reserved_sectors), u(&e["reserved_sectors"]));
    assert_eq!(u64::from(info.fats), u(&e["fats"]));
    assert_eq!(u64::from(info.root_entries), u(&e["root_entries"]));
    assert_eq!(u64::from(info.total_sectors), u(&e["total_sectors"]));
    assert_eq!(u64::from(info.sectors_per_fat), u(&e["sectors_per_fat"]));
    assert_eq!(u64::from(info.clusters), u(&e["data_clusters"]));

    let want: Vec<u64> = manifest["statvfs"]
        .as_array()
        .unwrap()
        .iter()
        .map(u)
        .collect();
    assert_eq!(
        fs.statvfs("/").unwrap().to_tuple().to_vec(),
        want,
        "{name}: statvfs"
    );

    for node in manifest["tree"].as_array().unwrap() {
        let path = node["path"].as_str().unwrap();
        let st = fs.stat(path).unwrap();
        let want: Vec<i64> = node["stat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(st.to_tuple().to_vec(), want, "{name}: stat {path}");
        assert_eq!(
            st.mtime,
            node["mtime"].as_i64().unwrap(),
            "{name}: mtime {path}"
        );
        if node["type"] == "file" {
            let data = read_file(&mut fs, path).unwrap();
            assert_eq!(data.len() as u64, u(&node["size"]), "{name}: size {path}");
            let sum = format!("{:x}", Sha256::digest(&data));
            assert_eq!(
                sum,
                node["sha256"].as_str().unwrap(),
                "{name}: sha256 {path}"
            );
        } else {
            assert_eq!(st.kind(), FileType::Dir);
        }
    }

    for (path, entries) in manifest["listings"].as_object().unwrap() {
        let d = fs.opendir(path).unwrap();
        let mut got = Vec::new();
        while let Some(e) = fs.readdir(d).unwrap() {
            got.push((
                e.name.as_str().to_owned(),
                u64::from(e.kind.mode_bits()),
                e.inode,
                e.size.unwrap(),
            ));
        }
        fs.closedir(d).unwrap();
        let want: Vec<(String, u64, u64, u64)> = entries
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t[0].as_str().unwrap().to_owned(),
                    u(&t[1]),
                    u(&t[2]),
                    u(&t[3]),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}: listing of {path} (in directory order)");
    }

    for path in manifest["absent"].as_array().unwrap() {
        assert_errno(fs.stat(path.as_str().unwrap()), Errno::ENOENT);
    }

    assert_eq!(
        fs.disk_stats().device_writes,
        0,
        "{name}: a read-only mount wrote"
    );
    fs.umount().unwrap();
    assert_eq!(
        fs.into_device().into_bytes(),
        image,
        "{name}: the image changed"
    );
}

#[test]
fn small_512x256() {
    check_fixture("fat-small-512x256");
}

#[test]
fn four_k_sectors_200() {
    check_fixture("fat-4k-200");
}

#[test]
fn empty_512x256() {
    check_fixture("fat-empty-512x256");
}

/// Every fixture in the directory has a test above.
#[test]
fn every_fixture_is_checked() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("fat"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".img").map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["fat-4k-200", "fat-empty-512x256", "fat-small-512x256"]
    );
}

/// MicroPython's `mkfs` on the fixtures' geometries gives the same layout as uvfs's, and with
/// the same volume serial number the same boot sector; the empty volume is the same image.
#[test]
fn mkfs_matches_micropython_geometry() {
    for (name, bs, blocks) in [
        ("fat-empty-512x256", 512u32, 256u32),
        ("fat-4k-200", 4096, 200),
    ] {
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(fixtures().join("fat").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let theirs = std::fs::read(fixtures().join("fat").join(format!("{name}.img"))).unwrap();
        let serial = u32::from_le_bytes(theirs[39..43].try_into().unwrap());
        let mut fs = VfsFat::new(RamDisk::new(bs, blocks)).unwrap();
        fs.mkfs(&FormatOptions::new().volume_id(serial)).unwrap();
        fs.mount(false, false).unwrap();
        let info = fs.volume_info().unwrap();
        let e = &manifest["engine"];
        assert_eq!(
            u64::from(info.sectors_per_cluster),
            u(&e["sectors_per_cluster"]),
            "{name}"
        );
        assert_eq!(
            u64::from(info.reserved_sectors),
            u(&e["reserved_sectors"]),
            "{name}"
        );
        assert_eq!(u64::from(info.fats), u(&e["fats"]), "{name}");
        assert_eq!(
            u64::from(info.root_entries),
            u(&e["root_entries"]),
            "{name}"
        );
        assert_eq!(
            u64::from(info.sectors_per_fat),
            u(&e["sectors_per_fat"]),
            "{name}"
        );
        assert_eq!(u64::from(info.clusters), u(&e["data_clusters"]), "{name}");
        assert_eq!(info.fat_type, FatType::Fat12);
        // And the image's own boot sector, every byte of it.
        fs.umount().unwrap();
        let mine = fs.into_device().into_bytes();
        assert_eq!(
            mine[..bs as usize],
            theirs[..bs as usize],
            "{name}: boot sector"
        );
        if name == "fat-empty-512x256" {
            assert!(mine == theirs, "{name}: the images differ");
        }
    }
}
