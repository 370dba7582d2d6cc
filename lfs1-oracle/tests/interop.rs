//! Interop with the reference C littlefs 1.7, both ways.

use lfs1_oracle::{CLfs1, Image};
use uvfs_os_api::{Errno, Filesystem};
use uvfs_vfs_core::RamDisk;

use super::support::{
    c_on, listing, pattern, populate, read_file, to_image, tree, uvfs_on, write_file, Geo, GEOS,
};

/// Builds the scripted tree with uvfs, then checks C reads the same tree and free count, and
/// that C's changes read back in uvfs.
#[test]
fn uvfs_images_read_by_c() {
    for g in GEOS {
        for erase in [Some(0xFF), None] {
            let blank = Image {
                bytes: vec![
                    if erase.is_some() { 0xFF } else { 0 };
                    (g.block_size * g.block_count) as usize
                ],
                block_size: g.block_size,
                erase_value: erase,
            };
            let mut u = uvfs_on(&blank, &g);
            u.mkfs().unwrap();
            u.mount(false, false).unwrap();
            populate(&mut u, g.block_size, 1).unwrap();
            let want = tree(&mut u).unwrap();
            let free = u.statvfs("/").unwrap().bfree;
            u.umount().unwrap();
            let img = to_image(&u.into_device().unwrap(), erase);

            let mut c = c_on(&img, &g);
            c.mount(false, false).unwrap();
            assert_eq!(tree(&mut c).unwrap(), want, "{g:?} {erase:?}: C's view");
            assert_eq!(c.statvfs("/").unwrap().bfree, free, "{g:?}: free blocks");
            // C changes the image; uvfs reads C's changes.
            write_file(&mut c, "/by_c", &pattern(77, 3 * g.block_size as usize)).unwrap();
            c.rename("/docs/new_name", "/many/from_docs").unwrap();
            c.remove("/big").unwrap();
            c.mkdir("/c_dir").unwrap();
            let want2 = tree(&mut c).unwrap();
            let free2 = c.statvfs("/").unwrap().bfree;
            c.umount().unwrap();
            let img = c.into_image();
            let mut u = uvfs_on(&img, &g);
            u.mount(true, false).unwrap();
            assert_eq!(
                tree(&mut u).unwrap(),
                want2,
                "{g:?}: uvfs reads C's changes"
            );
            assert_eq!(u.statvfs("/").unwrap().bfree, free2);
        }
    }
}

#[test]
fn c_images_read_by_uvfs() {
    for g in GEOS {
        let mut c = CLfs1::new(Image::erased(g.block_size, g.block_count), g.c());
        c.format().unwrap();
        c.mount(false, false).unwrap();
        populate(&mut c, g.block_size, 2).unwrap();
        let want = tree(&mut c).unwrap();
        let free = c.statvfs("/").unwrap().bfree;
        c.umount().unwrap();
        let img = c.into_image();
        let mut u = uvfs_on(&img, &g);
        u.mount(true, false).unwrap();
        assert_eq!(tree(&mut u).unwrap(), want, "{g:?}: uvfs's view");
        assert_eq!(u.statvfs("/").unwrap().bfree, free);
        u.umount().unwrap();
        // uvfs changes C's image; C reads them.
        u.mount(false, false).unwrap();
        write_file(&mut u, "/by_uvfs", &pattern(5, 5000)).unwrap();
        u.rename("/many", "/docs/many").unwrap();
        u.remove("/two_blocks").unwrap();
        let want2 = tree(&mut u).unwrap();
        u.umount().unwrap();
        let img = to_image(&u.into_device().unwrap(), Some(0xFF));
        let mut c = c_on(&img, &g);
        c.mount(false, false).unwrap();
        assert_eq!(
            tree(&mut c).unwrap(),
            want2,
            "{g:?}: C reads uvfs's changes"
        );
    }
}

#[test]
fn both_engines_format_the_same_bytes() {
    for g in GEOS {
        for erase in [Some(0xFF), None] {
            let fill = if erase.is_some() { 0xFF } else { 0x00 };
            let blank = Image {
                bytes: vec![fill; (g.block_size * g.block_count) as usize],
                block_size: g.block_size,
                erase_value: erase,
            };
            let mut c = c_on(&blank, &g);
            c.format().unwrap();
            let c_img = c.into_image();
            let mut u = uvfs_on(&blank, &g);
            u.mkfs().unwrap();
            let u_img = to_image(&u.into_device().unwrap(), erase);
            assert!(c_img == u_img, "{g:?} {erase:?}: mkfs images differ");
        }
    }
}

#[test]
fn the_micropython_fixtures_read_alike() {
    let dir = uvfs_testkit::fixtures::micropython("lfs1");
    let cases = [
        (
            "lfs1-small-512x256.img",
            Geo {
                block_size: 512,
                block_count: 256,
                read_size: 32,
                prog_size: 32,
                lookahead: 32,
            },
        ),
        (
            "lfs1-4k-16-64.img",
            Geo {
                block_size: 4096,
                block_count: 64,
                read_size: 16,
                prog_size: 64,
                lookahead: 64,
            },
        ),
        (
            "lfs1-empty-512x64.img",
            Geo {
                block_size: 512,
                block_count: 64,
                read_size: 32,
                prog_size: 32,
                lookahead: 32,
            },
        ),
    ];
    for (name, g) in cases {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let img = Image {
            bytes,
            block_size: g.block_size,
            erase_value: Some(0xFF),
        };
        let mut c = c_on(&img, &g);
        c.mount(false, false).unwrap();
        let mut u = uvfs_on(&img, &g);
        u.mount(true, false).unwrap();
        assert_eq!(tree(&mut u).unwrap(), tree(&mut c).unwrap(), "{name}");
        assert_eq!(u.statvfs("/").unwrap(), c.statvfs("/").unwrap(), "{name}");
    }
}

#[test]
fn errnos_match_c_on_the_same_image() {
    let g = GEOS[0];
    let mut c = CLfs1::new(Image::erased(g.block_size, g.block_count), g.c());
    c.format().unwrap();
    c.mount(false, false).unwrap();
    populate(&mut c, g.block_size, 3).unwrap();
    c.umount().unwrap();
    let img = c.into_image();
    type Call = fn(&mut dyn Filesystem) -> uvfs_os_api::Result<()>;
    let calls: &[(&str, Call)] = &[
        ("mkdir existing", |fs| fs.mkdir("/docs")),
        ("mkdir missing parent", |fs| fs.mkdir("/nope/x")),
        ("mkdir through a file", |fs| fs.mkdir("/one/x")),
        ("open dir", |fs| {
            fs.open("/docs", uvfs_os_api::OpenMode::READ).map(drop)
        }),
        ("open dir w", |fs| {
            fs.open("/docs", uvfs_os_api::OpenMode::WRITE).map(drop)
        }),
        ("open dir x", |fs| {
            fs.open("/docs", uvfs_os_api::OpenMode::CREATE_NEW)
                .map(drop)
        }),
        ("open x existing", |fs| {
            fs.open("/one", uvfs_os_api::OpenMode::CREATE_NEW).map(drop)
        }),
        ("open missing", |fs| {
            fs.open("/nope", uvfs_os_api::OpenMode::READ).map(drop)
        }),
        ("open through a file", |fs| {
            fs.open("/one/x", uvfs_os_api::OpenMode::READ).map(drop)
        }),
        ("opendir a file", |fs| fs.opendir("/one").map(drop)),
        ("remove non-empty", |fs| fs.remove("/docs")),
        ("remove missing", |fs| fs.remove("/nope")),
        ("stat through a file", |fs| fs.stat("/one/x").map(drop)),
        ("rename missing", |fs| fs.rename("/nope", "/x")),
        ("rename file onto dir", |fs| fs.rename("/one", "/empty_dir")),
        ("rename dir onto non-empty dir", |fs| {
            fs.rename("/empty_dir", "/docs")
        }),
        ("rename dir onto file", |fs| fs.rename("/empty_dir", "/one")),
        ("rename into missing dir", |fs| {
            fs.rename("/block", "/nope/x")
        }),
        ("rmdir a file", |fs| fs.rmdir("/block")),
        ("remove an empty dir", |fs| fs.remove("/empty_dir")),
    ];
    for (what, call) in calls {
        let mut c = c_on(&img, &g);
        c.mount(false, false).unwrap();
        let mut u = uvfs_on(&img, &g);
        u.mount(false, false).unwrap();
        let (a, b) = (call(&mut u), call(&mut c));
        assert_eq!(
            a.err().map(|e| e.errno()),
            b.err().map(|e| e.errno()),
            "{what}"
        );
        // The trees agree afterwards too (C leaves moved flags on failed renames; they are
        // invisible here since no empty file is renamed).
        assert_eq!(
            tree(&mut u).unwrap(),
            tree(&mut c).unwrap(),
            "{what}: trees"
        );
    }
    let mut u = uvfs_on(&img, &g);
    u.mount(false, false).unwrap();
    assert_eq!(listing(&mut u, "/one").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(read_file(&mut u, "/one").unwrap().len(), 1);
}

#[test]
fn power_cut_states_read_alike() {
    // uvfs's writes are cut at many points of a workload; C and uvfs then see the same tree
    // on each image (moved entries, orphans and half-written blocks included), and after C
    // changes the image (running its deorphan) uvfs still reads C's tree.
    let g = GEOS[0];
    let mut base = uvfs_on(&Image::erased(g.block_size, 96), &g);
    base.mkfs().unwrap();
    base.mount(false, false).unwrap();
    write_file(&mut base, "/keep", &pattern(1, 700)).unwrap();
    base.mkdir("/d").unwrap();
    base.umount().unwrap();
    let base: RamDisk = base.into_device().unwrap();
    let workload = |fs: &mut dyn Filesystem| -> uvfs_os_api::Result<()> {
        write_file(fs, "/a", &pattern(2, 1500))?;
        fs.rename("/a", "/d/a")?;
        fs.mkdir("/e")?;
        write_file(fs, "/e/f", &pattern(3, 600))?;
        fs.rename("/e", "/d/e")?;
        write_file(fs, "/keep", &pattern(4, 2000))?;
        fs.remove("/d/a")?;
        fs.rename("/keep", "/d/e/keep")?;
        fs.rmdir("/d/e").err();
        fs.remove("/d/e/f")?;
        fs.mkdir("/x")?;
        fs.rmdir("/x")?;
        Ok(())
    };
    let mut dry = uvfs_testkit::FaultyDevice::new(base.clone());
    let total = dry.count_writes(|d| {
        let mut fs = uvfs_backend_lfs::lfs1::VfsLfs1::new(d, g.uvfs());
        fs.mount(false, false).unwrap();
        workload(&mut fs).unwrap();
        fs.umount().unwrap();
    });
    let mut points = 0;
    for cut in (0..total).step_by(3) {
        for tear in [None, Some(20)] {
            let mut dev = uvfs_testkit::FaultyDevice::new(base.clone());
            dev.tear_cut_write_after(tear);
            dev.cut_power_after(cut);
            {
                let mut fs = uvfs_backend_lfs::lfs1::VfsLfs1::new(&mut dev, g.uvfs());
                fs.mount(false, false).unwrap();
                let _ = workload(&mut fs);
                let _ = fs.umount();
            }
            dev.restore_power();
            let img = to_image(dev.inner(), Some(0xFF));
            let mut u = uvfs_on(&img, &g);
            u.mount(true, false).unwrap();
            let mut c = c_on(&img, &g);
            c.mount(false, false).unwrap();
            let seen = tree(&mut u).unwrap();
            assert_eq!(tree(&mut c).unwrap(), seen, "cut {cut} tear {tear:?}");
            c.mkdir("/after").unwrap();
            let c_tree = tree(&mut c).unwrap();
            c.umount().unwrap();
            let mut u = uvfs_on(&c.into_image(), &g);
            u.mount(false, false).unwrap();
            assert_eq!(
                tree(&mut u).unwrap(),
                c_tree,
                "cut {cut}: after C's recovery"
            );
            points += 1;
        }
    }
    println!("{points} cut images read alike by C and uvfs ({total} writes in the workload)");
}
