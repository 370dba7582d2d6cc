//! The intermediate states of multi-commit operations, made by cutting the power at a chosen
//! write, then mounted read-only (resolved in memory, nothing written) and read-write (repaired
//! by deorphan at the first change).

use uvfs_backend_lfs::lfs1::{Lfs1Config, VfsLfs1};
use uvfs_os_api::Filesystem;
use uvfs_testkit::FaultyDevice;
use uvfs_vfs_core::RamDisk;

use super::support::{listing, pattern, read_file, write_file};

fn names(fs: &mut dyn Filesystem, p: &str) -> Vec<String> {
    listing(fs, p).unwrap().into_iter().map(|e| e.0).collect()
}

/// A volume prepared by `setup`, then `op` cut after `cut` writes and erases.
fn cut_during(
    setup: impl Fn(&mut dyn Filesystem),
    op: impl Fn(&mut dyn Filesystem) -> uvfs_os_api::Result<()>,
    cut: u64,
) -> (RamDisk, u64) {
    let mut fs = VfsLfs1::new(RamDisk::new_flash(512, 128), Lfs1Config::default());
    fs.mkfs().unwrap();
    fs.mount(false, false).unwrap();
    setup(&mut fs);
    fs.umount().unwrap();
    let base = fs.into_device().unwrap();
    // How many writes the operation makes.
    let mut dry = FaultyDevice::new(base.clone());
    let total = dry.count_writes(|d| {
        let mut fs = VfsLfs1::new(d, Lfs1Config::default());
        fs.mount(false, false).unwrap();
        op(&mut fs).unwrap();
        fs.umount().unwrap();
    });
    let mut dev = FaultyDevice::new(base);
    dev.cut_power_after(cut);
    {
        let mut fs = VfsLfs1::new(&mut dev, Lfs1Config::default());
        fs.mount(false, false).unwrap();
        let _ = op(&mut fs);
        let _ = fs.umount();
    }
    assert!(
        dev.power_is_cut(),
        "the cut at {cut} of {total} was not reached"
    );
    dev.restore_power();
    (dev.into_inner(), total)
}

fn setup_rename(fs: &mut dyn Filesystem) {
    fs.mkdir("/a").unwrap();
    fs.mkdir("/b").unwrap();
    write_file(fs, "/a/f", &pattern(1, 2000)).unwrap();
}

fn free(fs: &mut dyn Filesystem) -> u64 {
    fs.statvfs("/").unwrap().bfree
}

#[test]
fn rename_cut_after_the_destination_is_written() {
    // Commits: flag the source (erase + program), append the destination, remove the source.
    let (dev, total) = cut_during(setup_rename, |fs| fs.rename("/a/f", "/b/g"), 4);
    assert_eq!(total, 6);
    let image = dev.as_bytes().to_vec();
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(true, false).unwrap();
    // The flagged source is hidden by its clean twin; only the destination is seen.
    assert!(names(&mut fs, "/a").is_empty());
    assert_eq!(names(&mut fs, "/b"), ["g"]);
    assert_eq!(read_file(&mut fs, "/b/g").unwrap(), pattern(1, 2000));
    // statvfs counts the file's 4 blocks twice until deorphan, as C does.
    let before = free(&mut fs);
    fs.umount().unwrap();
    let dev = fs.into_device().unwrap();
    assert_eq!(
        dev.as_bytes(),
        &image[..],
        "a read-only mount repaired on the medium"
    );
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(false, false).unwrap();
    fs.mkdir("/c").unwrap(); // the first change runs deorphan
    assert_eq!(free(&mut fs), before + 4 - 2);
    fs.umount().unwrap();
    fs.mount(true, false).unwrap();
    assert!(names(&mut fs, "/a").is_empty());
    assert_eq!(names(&mut fs, "/b"), ["g"]);
}

#[test]
fn rename_cut_after_the_source_is_flagged() {
    let (dev, _) = cut_during(setup_rename, |fs| fs.rename("/a/f", "/b/g"), 2);
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(false, false).unwrap();
    // No twin: the flagged source stays visible; deorphan clears the flag.
    assert_eq!(names(&mut fs, "/a"), ["f"]);
    assert!(names(&mut fs, "/b").is_empty());
    fs.rename("/a/f", "/b/h").unwrap();
    assert_eq!(read_file(&mut fs, "/b/h").unwrap(), pattern(1, 2000));
    assert!(names(&mut fs, "/a").is_empty());
}

#[test]
fn rmdir_cut_before_the_list_is_fixed_leaves_an_orphan() {
    let setup = |fs: &mut dyn Filesystem| {
        fs.mkdir("/d").unwrap();
        fs.mkdir("/e").unwrap();
    };
    // Commits: the parent without the entry, then the threaded list's tail.
    let (dev, total) = cut_during(setup, |fs| fs.rmdir("/e"), 2);
    assert_eq!(total, 4);
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(true, false).unwrap();
    assert_eq!(names(&mut fs, "/"), ["d"]);
    let orphaned = free(&mut fs);
    fs.umount().unwrap();
    fs.mount(false, false).unwrap();
    write_file(&mut fs, "/x", b"").unwrap();
    assert_eq!(
        free(&mut fs),
        orphaned + 2,
        "the orphan's 2 blocks came back"
    );
    fs.rmdir("/d").unwrap();
    fs.remove("/x").unwrap();
    assert_eq!(free(&mut fs), 124);
}

#[test]
fn a_replaced_directory_is_unlinked_even_after_a_cut() {
    let setup = |fs: &mut dyn Filesystem| {
        fs.mkdir("/src").unwrap();
        write_file(fs, "/src/f", b"in src").unwrap();
        fs.mkdir("/dst").unwrap();
    };
    let op = |fs: &mut dyn Filesystem| fs.rename("/src", "/dst");
    let (_, total) = cut_during(setup, op, 0);
    for cut in 0..total {
        let (dev, _) = cut_during(setup, op, cut);
        let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
        fs.mount(false, false).unwrap();
        let top = names(&mut fs, "/");
        let moved = top == ["dst"];
        assert!(moved || top == ["src", "dst"], "cut {cut}: {top:?}");
        let inside = if moved { "/dst/f" } else { "/src/f" };
        assert_eq!(read_file(&mut fs, inside).unwrap(), b"in src", "cut {cut}");
        fs.mkdir("/z").unwrap();
        fs.rmdir("/z").unwrap();
        // After deorphan only live pairs are counted: root, superblock, one or two dirs, f.
        let want = 128 - 4 - if moved { 2 } else { 4 } - 1;
        assert_eq!(free(&mut fs), want, "cut {cut}");
    }
}

#[test]
fn a_flagged_empty_file_is_hidden_by_any_other_empty_file() {
    // The v1 format's limitation (spec §5.3, §14.5): the moved flag is resolved by comparing
    // data, and every empty file has the same data. A cross-directory rename of an empty file
    // cut after its first commit hides the file when another empty file exists.
    let setup = |fs: &mut dyn Filesystem| {
        setup_rename(fs);
        write_file(fs, "/a/empty", b"").unwrap();
    };
    let (dev, _) = cut_during(setup, |fs| fs.rename("/a/empty", "/b/e"), 2);
    let mut fs = VfsLfs1::new(dev.clone(), Lfs1Config::default());
    fs.mount(true, false).unwrap();
    assert_eq!(
        names(&mut fs, "/a"),
        ["f", "empty"],
        "no other empty file: still visible"
    );
    let setup2 = |fs: &mut dyn Filesystem| {
        setup(fs);
        write_file(fs, "/other_empty", b"").unwrap();
    };
    let (dev, _) = cut_during(setup2, |fs| fs.rename("/a/empty", "/b/e"), 2);
    let mut fs = VfsLfs1::new(dev, Lfs1Config::default());
    fs.mount(true, false).unwrap();
    assert_eq!(
        names(&mut fs, "/a"),
        ["f"],
        "hidden by /other_empty, as C littlefs hides it"
    );
    // Within one metadata block a rename is a single commit: no such window.
    let (_, total) = cut_during(setup2, |fs| fs.rename("/a/empty", "/a/e2"), 0);
    assert_eq!(total, 2);
}
