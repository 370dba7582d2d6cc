//! Fuzz findings against `VfsLfs2`, each with the input that found it (checked in gzipped under
//! `regressions/`, byte for byte what `fuzz/regressions/mount_lfs2/` holds) and a comment on
//! what failed and why.
//!
//! The inputs are MicroPython's `lfs2-4k-16-64` fixture damaged by the `mount_lfs2` fuzz
//! target (4 KiB blocks × 64; read size 16, program size 64, lookahead 16, as the target
//! mounts 4 KiB images).

use std::io::Read;

use flate2::read::GzDecoder;
use uvfs_backend_lfs::lfs2::{Lfs2Config, VfsLfs2};
use uvfs_os_api::{path, Errno, FileType, Filesystem};
use uvfs_vfs_core::RamDisk;

const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lfs2/regressions");

/// The input `name` (`regressions/NAME.img.gz`), decompressed.
fn image(name: &str) -> Vec<u8> {
    let path = format!("{REGRESSIONS}/{name}.img.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    GzDecoder::new(file).read_to_end(&mut out).unwrap();
    assert_eq!(out.len(), 256 * 1024, "{path}");
    out
}

/// `VfsLfs2` on a flash-like RAM device holding `bytes`, configured as the fuzz target does
/// for 4 KiB blocks.
fn on(bytes: Vec<u8>) -> VfsLfs2<RamDisk> {
    let mut disk = RamDisk::from_image(bytes, 4096);
    disk.set_flash(true);
    let cfg = Lfs2Config {
        read_size: 16,
        prog_size: 64,
        lookahead: 16,
        ..Lfs2Config::default()
    };
    VfsLfs2::new(disk, cfg).unwrap()
}

/// Lists `dir` to its end: the names listed and how many entries were `EIO`. Any other error,
/// or a name that is not a path component, fails the test.
fn list_checked(fs: &mut dyn Filesystem, dir: &str) -> (Vec<(String, FileType)>, usize) {
    let h = fs.opendir(dir).unwrap();
    let (mut listed, mut damaged) = (Vec::new(), 0);
    for _ in 0..10_000 {
        match fs.readdir(h) {
            Ok(Some(e)) => {
                let name = e.name.as_str();
                assert!(
                    path::is_component(name),
                    "listing {dir:?} yielded the name {name:?}"
                );
                listed.push((name.to_string(), e.kind));
            }
            Ok(None) => {
                fs.closedir(h).unwrap();
                return (listed, damaged);
            }
            Err(e) => {
                assert_eq!(e, Errno::EIO, "listing {dir:?}: {e}");
                damaged += 1;
            }
        }
    }
    panic!("listing {dir:?} does not end");
}

/// Finding 6 (`mount_lfs2`, campaign 4, fork mode; fuzz input
/// `crash-38e52f702db92e90ae6d23f126811f3c810ff851`): listing `/alpha/beta` of this image
/// yielded the name `"/"` ten times. The directory's metadata is damaged so that littlefs reads
/// `/` as the name of its entries; passed on, a caller joining it gets `/alpha/beta//`, which
/// names the directory itself (a walker descends into it for ever). `readdir` now returns
/// `EIO` for each such entry, as the `Filesystem` contract says (`path::is_component`), and the
/// listing goes on to its end.
#[test]
fn mount_lfs2_a_damaged_entry_named_slash_is_eio() {
    let mut fs = on(image("slash-name"));
    for readonly in [true, false] {
        fs.mount(readonly, false).unwrap();
        let (listed, damaged) = list_checked(&mut fs, "/alpha/beta");
        assert!(
            damaged > 0,
            "/alpha/beta listed {listed:?} without a damaged entry: the regression is not exercised"
        );
        // The rest of the tree lists as MicroPython wrote it, every name a component.
        let (root, none) = list_checked(&mut fs, "/");
        assert_eq!(none, 0);
        assert_eq!(root.len(), 9, "{root:?}");
        let (alpha, none) = list_checked(&mut fs, "/alpha");
        assert_eq!(none, 0);
        let alpha: Vec<&str> = alpha.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            alpha.contains(&"beta") && alpha.contains(&"hundred_k.bin"),
            "{alpha:?}"
        );
        fs.umount().unwrap();
    }
}
