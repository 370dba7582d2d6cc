//! Regressions from `fuzz/fuzz_targets/mount_fat.rs`, each with the input that found it
//! (gzipped under `tests/regressions/`).

use std::io::Read;

use flate2::read::GzDecoder;
use uvfs_backend_fat::VfsFat;
use uvfs_os_api::{path, Errno, FileType, Filesystem};
use uvfs_vfs_core::RamDisk;

fn image(name: &str) -> Vec<u8> {
    let file = format!("{}/tests/regressions/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    GzDecoder::new(std::fs::File::open(&file).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Lists every directory reachable from `/`, returning the names listed and how many entries
/// were refused with `EIO`. Panics if any other error comes or a listed name is not a path
/// component.
fn walk(fs: &mut dyn Filesystem) -> (Vec<String>, usize) {
    let (mut names, mut refused) = (Vec::new(), 0);
    let mut dirs = vec!["/".to_string()];
    while let Some(dir) = dirs.pop() {
        let Ok(d) = fs.opendir(&dir) else { continue };
        loop {
            match fs.readdir(d) {
                Ok(Some(e)) => {
                    let name = e.name.as_str().to_string();
                    assert!(path::is_component(&name), "{dir}: listed {name:?}");
                    let p = if dir == "/" {
                        format!("/{name}")
                    } else {
                        format!("{dir}/{name}")
                    };
                    if e.kind == FileType::Dir && dirs.len() < 64 {
                        dirs.push(p.clone());
                    }
                    names.push(p);
                }
                Ok(None) => break,
                Err(err) => {
                    assert_eq!(err.errno(), Errno::EIO, "{dir}: {err}");
                    refused += 1;
                    // The listing goes on after a refused entry.
                    if refused > 10_000 {
                        panic!("{dir}: listing does not end");
                    }
                }
            }
        }
        fs.closedir(d).unwrap();
    }
    (names, refused)
}

/// Finding 3 of RELIABILITY.md: a damaged long-name entry in `/many` of the `fat-small-512x256`
/// fixture (one fuzzer mutation) was listed with a NUL and control characters, a name no path
/// can reach. A long name now ends at its first NUL, as FatFs reads it, and an entry whose name
/// is still not a path component is `EIO` while the rest of the directory lists.
#[test]
fn damaged_long_name_with_a_nul_is_not_listed() {
    let mut fs = VfsFat::new(RamDisk::from_image(image("crash-a591124b.img.gz"), 512)).unwrap();
    fs.mount(true, false).unwrap();
    let (names, _refused) = walk(&mut fs);
    assert!(names.iter().any(|n| n.starts_with("/many/")), "{names:?}");
}

/// Finding 3 (second input, `fuzz/regressions/mount_fat/crash-4c76…`): a damaged *short* name
/// in `/alpha` of `fat-4k-200`, `"+,-./012.345"`, holds a `/`: joined into a path it named
/// something else. Made here from the fixture: the short name of `hundred_k.bin` is overwritten,
/// so its long name's checksum no longer matches and the short name is what remains. It is
/// `EIO` now, and the other entries still list.
#[test]
fn damaged_short_name_with_a_slash_is_refused() {
    let fixture = uvfs_testkit::fixtures::micropython("fat/fat-4k-200.img");
    let mut bytes = std::fs::read(fixture).unwrap();
    let at = bytes
        .windows(11)
        .position(|w| w == b"HUNDRE~1BIN")
        .expect("the short name of /alpha/hundred_k.bin");
    bytes[at..at + 11].copy_from_slice(b"+,-./012345");
    let mut fs = VfsFat::new(RamDisk::from_image(bytes, 4096)).unwrap();
    fs.mount(true, false).unwrap();
    let (names, refused) = walk(&mut fs);
    assert_eq!(refused, 1, "the damaged entry was listed: {names:?}");
    assert!(names.contains(&"/alpha/beta".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("hundred")), "{names:?}");
}
