use std::path::Path;
use std::process::Command;

use uvfs_backend_fat::{FatType, FormatOptions, VfsFat};
use uvfs_os_api::{FileType, Filesystem, OpenMode, SeekFrom};
use uvfs_vfs_core::RamDisk;

use crate::support::{
    assert_fsck_clean, have, listing, mtools, pattern, read_file, tree, write_file,
};

type Tree = Vec<(String, Option<Vec<u8>>)>;

/// A host directory's tree, in the shape of [`tree`].
fn host_tree(root: &Path, rel: &str) -> Tree {
    let mut names: Vec<_> = std::fs::read_dir(root.join(rel.trim_start_matches('/')))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let p = if rel == "/" {
            format!("/{name}")
        } else {
            format!("{rel}/{name}")
        };
        let host = root.join(p.trim_start_matches('/'));
        if host.is_dir() {
            out.push((p.clone(), None));
            out.extend(host_tree(root, &p));
        } else {
            out.push((p, Some(std::fs::read(host).unwrap())));
        }
    }
    out
}

/// Fills a mounted volume with the kinds of names and sizes MicroPython programs make, with
/// removals and renames along the way.
fn populate(fs: &mut dyn Filesystem, block: usize) {
    fs.mkdir("/docs").unwrap();
    fs.mkdir("/docs/sub").unwrap();
    fs.mkdir("/docs/sub/deep").unwrap();
    write_file(fs, "/empty.txt", b"").unwrap();
    write_file(fs, "/one.bin", b"1").unwrap();
    write_file(fs, "/block.bin", &pattern(1, block)).unwrap();
    write_file(fs, "/big.bin", &pattern(2, 40_960)).unwrap();
    write_file(fs, "/docs/Mixed Case Name.Text", b"mixed").unwrap();
    write_file(fs, "/docs/a.b.c.d", b"dots").unwrap();
    write_file(fs, "/docs/lower.txt", b"lower").unwrap();
    write_file(fs, "/docs/UPPER.TXT", b"upper").unwrap();
    write_file(fs, "/docs/sub/deep/nested.txt", &pattern(3, 123)).unwrap();
    let long = format!("/{}", "long_name_".repeat(25) + "12345");
    write_file(fs, &long, b"255 bytes of name").unwrap();
    write_file(fs, "/docs/\u{fc}n\u{ef}c\u{f6}d\u{e9}.txt", b"unicode").unwrap();
    write_file(fs, "/gone.bin", &pattern(4, 9000)).unwrap();
    fs.remove("/gone.bin").unwrap();
    write_file(fs, "/old.txt", b"moved").unwrap();
    fs.rename("/old.txt", "/docs/sub/new.txt").unwrap();
    fs.mkdir("/olddir").unwrap();
    write_file(fs, "/olddir/inside.txt", b"inside").unwrap();
    fs.rename("/olddir", "/docs/moved_dir").unwrap();
    fs.mkdir("/many").unwrap();
    for i in 0..40 {
        write_file(
            fs,
            &format!("/many/many_entry_{i:02}.dat"),
            &pattern(i, i as usize * 7),
        )
        .unwrap();
    }
    for i in 16..32 {
        fs.remove(&format!("/many/many_entry_{i:02}.dat")).unwrap();
    }
    // Patch, append, truncate.
    let f = fs
        .open("/big.bin", OpenMode::parse("r+b").unwrap())
        .unwrap();
    fs.seek(f, SeekFrom::Start(600)).unwrap();
    (fs as &mut dyn Filesystem)
        .write_all(f, &pattern(5, 100))
        .unwrap();
    fs.close(f).unwrap();
    let f = fs.open("/one.bin", OpenMode::APPEND).unwrap();
    (fs as &mut dyn Filesystem)
        .write_all(f, &pattern(6, 3000))
        .unwrap();
    fs.close(f).unwrap();
    let f = fs
        .open("/block.bin", OpenMode::parse("r+").unwrap())
        .unwrap();
    fs.truncate(f, 10).unwrap();
    fs.close(f).unwrap();
}

/// Writes a volume with uvfs, then checks it with fsck.fat and extracts it with mcopy.
fn uvfs_to_mtools(block_size: u32, blocks: u32, options: FormatOptions) {
    if !have("fsck.fat", "dosfstools") || !have("mcopy", "mtools") {
        return;
    }
    let mut fs = VfsFat::new(RamDisk::new(block_size, blocks)).unwrap();
    fs.mkfs(&options).unwrap();
    fs.mount(false, false).unwrap();
    populate(&mut fs, block_size as usize);
    let mine = tree(&mut fs, "/").unwrap();
    fs.umount().unwrap();
    let image = fs.into_device().into_bytes();
    assert_fsck_clean(&image);

    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img");
    std::fs::write(&img, &image).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    mtools(
        "mcopy",
        &img,
        &["-s", "-n", "-m", "::/", out.to_str().unwrap()],
    );
    assert_eq!(host_tree(&out, "/"), mine, "mcopy extracted something else");
    // mdir sees the same names in each directory.
    let listed = String::from_utf8(mtools("mdir", &img, &["-/", "-b", "::/"])).unwrap();
    let mut from_mdir: Vec<String> = listed
        .lines()
        .map(|l| l.trim_start_matches("::").trim_end_matches('/').to_owned())
        .collect();
    from_mdir.sort();
    let mut from_uvfs: Vec<String> = mine.iter().map(|(p, _)| p.clone()).collect();
    from_uvfs.sort();
    assert_eq!(from_mdir, from_uvfs);
}

#[test]
fn fat12_512_to_mtools() {
    uvfs_to_mtools(
        512,
        1024,
        FormatOptions::new().label("UVFS TEST").volume_id(7),
    );
}

#[test]
fn fat12_4096_to_mtools() {
    uvfs_to_mtools(4096, 200, FormatOptions::new());
}

#[test]
fn fat16_to_mtools() {
    uvfs_to_mtools(
        512,
        20_000,
        FormatOptions::new()
            .fat_type(FatType::Fat16)
            .cluster_size(1024)
            .fats(2),
    );
}

#[test]
fn fat32_to_mtools() {
    uvfs_to_mtools(512, 70_000, FormatOptions::new().fat_type(FatType::Fat32));
}

/// Builds an image with mkfs.fat and mcopy from a host tree, reads it with uvfs, changes it,
/// and checks the result with fsck.fat and mcopy again.
fn mtools_to_uvfs(fat_bits: u32, sector: u32, kib: u32) {
    if !have("mkfs.fat", "dosfstools") || !have("mcopy", "mtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("Sub Dir/deeper")).unwrap();
    std::fs::write(src.join("README.TXT"), b"readme").unwrap();
    std::fs::write(src.join("a much longer file name.text"), pattern(1, 5000)).unwrap();
    std::fs::write(src.join("Sub Dir/x.bin"), pattern(2, 70_000)).unwrap();
    std::fs::write(src.join("Sub Dir/deeper/empty"), b"").unwrap();
    std::fs::write(src.join("lower.c"), b"int x;").unwrap();
    let img = dir.path().join("img");
    let status = Command::new("mkfs.fat")
        .args([
            "-C",
            "-F",
            &fat_bits.to_string(),
            "-S",
            &sector.to_string(),
            "-i",
            "0A0B0C0D",
            "-n",
            "MKFSFAT",
        ])
        .arg(&img)
        .arg(kib.to_string())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let mut args = vec!["-s".to_owned()];
    for e in std::fs::read_dir(&src).unwrap() {
        args.push(e.unwrap().path().to_str().unwrap().to_owned());
    }
    args.push("::/".to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mtools("mcopy", &img, &args);

    let image = std::fs::read(&img).unwrap();
    let mut fs = VfsFat::new(RamDisk::from_image(image.clone(), sector)).unwrap();
    fs.mount(true, false).unwrap();
    assert_eq!(tree(&mut fs, "/").unwrap(), host_tree(&src, "/"));
    assert_eq!(fs.label().unwrap().as_deref(), Some("MKFSFAT"));
    assert_eq!(fs.volume_info().unwrap().volume_id, 0x0A0B_0C0D);
    assert_eq!(fs.stat("/Sub Dir/deeper").unwrap().kind(), FileType::Dir);
    assert_eq!(listing(&mut fs, "/Sub Dir").unwrap().len(), 2);
    fs.umount().unwrap();

    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/Sub Dir/deeper/new file.txt", b"from uvfs").unwrap();
    fs.remove("/README.TXT").unwrap();
    fs.rename("/lower.c", "/Sub Dir/renamed.c").unwrap();
    fs.rename("/Sub Dir/deeper", "/deeper moved").unwrap();
    assert_eq!(
        read_file(&mut fs, "/sub dir/X.BIN").unwrap(),
        pattern(2, 70_000)
    );
    let mine = tree(&mut fs, "/").unwrap();
    fs.umount().unwrap();
    let image = fs.into_device().into_bytes();
    assert_fsck_clean(&image);
    std::fs::write(&img, &image).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    mtools(
        "mcopy",
        &img,
        &["-s", "-n", "-m", "::/", out.to_str().unwrap()],
    );
    assert_eq!(host_tree(&out, "/"), mine);
}

#[test]
fn mkfs_fat12_to_uvfs() {
    mtools_to_uvfs(12, 512, 1024);
}

#[test]
fn mkfs_fat12_4096_to_uvfs() {
    mtools_to_uvfs(12, 4096, 4096);
}

#[test]
fn mkfs_fat16_to_uvfs() {
    mtools_to_uvfs(16, 512, 16 * 1024);
}

#[test]
fn mkfs_fat32_to_uvfs() {
    mtools_to_uvfs(32, 512, 40 * 1024);
}
