//! Scenarios about the namespace: directories, names, listings, errnos, renames.

use uvfs_os_api::{BoxedFilesystem, Errno, FileType, Filesystem};

use super::modes::{A, AP, R, RP, W, WP, X, XP};
use super::{exists, list, long_name, names, read_file, write_file, Cx, Need, Outcome, Scenario};
use crate::profile::Action;

pub(crate) static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "vfs_basic",
        needs: &[Need::Directories],
        run: vfs_basic,
    },
    Scenario {
        name: "vfs_lfs_error",
        needs: &[Need::Directories],
        run: vfs_lfs_error,
    },
    Scenario {
        name: "vfs_rename",
        needs: &[Need::Directories],
        run: vfs_rename,
    },
    Scenario {
        name: "vfs_deep_tree",
        needs: &[Need::Directories],
        run: vfs_deep_tree,
    },
    Scenario {
        name: "vfs_long_names",
        needs: &[Need::Directories, Need::LongNames],
        run: vfs_long_names,
    },
    Scenario {
        name: "vfs_many_entries",
        needs: &[],
        run: vfs_many_entries,
    },
    Scenario {
        name: "vfs_lfs_ilistdir",
        needs: &[Need::Directories],
        run: vfs_lfs_ilistdir,
    },
];

fn vfs_basic(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let rules = cx.rules;
    ensure!(!fs.type_name().is_empty(), "empty type_name");
    ok!(fs.mount(false, false));
    let root = ok!(fs.stat("/"));
    ensure_eq!(rules.comparable_mode(root.mode), 0x4000);
    ensure_eq!(ok!(names(&mut *fs, "/")), Vec::<String>::new());

    ok!(write_file(&mut *fs, "/test.txt", b"hello world"));
    let st = ok!(fs.stat("/test.txt"));
    ensure_eq!(rules.comparable_mode(st.mode), 0x8000);
    ensure_eq!(st.kind(), FileType::File);
    ensure_eq!(st.size, 11);
    ensure_eq!(ok!(read_file(&mut *fs, "/test.txt")), b"hello world");

    ok!(fs.mkdir("/dir"));
    let st = ok!(fs.stat("/dir"));
    ensure_eq!(st.kind(), FileType::Dir);
    ensure_eq!(rules.comparable_mode(st.mode), 0x4000);
    if rules.dir_size_defined {
        ensure_eq!(st.size, 0);
    }
    ensure_eq!(ok!(names(&mut *fs, "/")), ["dir", "test.txt"]);
    ok!(write_file(&mut *fs, "/dir/inner", b"x"));
    ensure_eq!(ok!(names(&mut *fs, "/dir")), ["inner"]);

    ok!(fs.rename("/test.txt", "/dir/moved.txt"));
    fails!(fs.stat("/test.txt"), Errno::ENOENT);
    ensure_eq!(ok!(read_file(&mut *fs, "/dir/moved.txt")), b"hello world");
    ensure_eq!(ok!(names(&mut *fs, "/dir")), ["inner", "moved.txt"]);

    ok!(fs.remove("/dir/moved.txt"));
    ok!(fs.remove("/dir/inner"));
    ensure_eq!(ok!(names(&mut *fs, "/dir")), Vec::<String>::new());
    ok!(fs.rmdir("/dir"));
    fails!(fs.stat("/dir"), Errno::ENOENT);
    ensure_eq!(ok!(names(&mut *fs, "/")), Vec::<String>::new());

    ok!(fs.sync());
    ok!(fs.statvfs("/"));
    ok!(fs.umount());
    Ok(())
}

/// micropython-measured.md §2, row by row, with the profile's errnos.
fn vfs_lfs_error(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let r = cx.rules;
    ok!(fs.mount(false, false));
    ok!(fs.mkdir("/d"));
    ok!(write_file(&mut *fs, "/f", b"x"));
    ok!(fs.mkdir("/full"));
    ok!(write_file(&mut *fs, "/full/x", b"y"));
    ok!(fs.mkdir("/empty"));

    // mkdir
    fails!(fs.mkdir("/d"), Errno::EEXIST);
    fails!(fs.mkdir("/f"), Errno::EEXIST);
    fails!(fs.mkdir("/missing/x"), Errno::ENOENT);
    fails!(fs.mkdir("/f/x"), r.not_dir_component);

    // open
    fails!(fs.open("/f", X), Errno::EEXIST);
    fails!(fs.open("/f", XP), Errno::EEXIST);
    fails!(fs.open("/d", R), r.open_dir);
    fails!(fs.open("/d", RP), r.open_dir);
    fails!(fs.open("/d", W), r.open_dir_create);
    fails!(fs.open("/d", WP), r.open_dir_create);
    fails!(fs.open("/d", A), r.open_dir_create);
    fails!(fs.open("/d", AP), r.open_dir_create);
    fails!(fs.open("/d", X), r.open_dir_exclusive);
    fails!(fs.open("/missing", R), Errno::ENOENT);
    fails!(fs.open("/missing", RP), Errno::ENOENT);
    fails!(fs.open("/missing/x", W), Errno::ENOENT);
    fails!(fs.open("/f/x", R), r.not_dir_component);
    fails!(fs.open("/f/x", W), r.not_dir_component);
    ensure!(
        !ok!(exists(&mut *fs, "/missing")),
        "a failed open created /missing"
    );

    // stat, ilistdir
    fails!(fs.stat("/missing"), Errno::ENOENT);
    fails!(fs.stat("/missing/x"), Errno::ENOENT);
    fails!(fs.stat("/f/x"), r.not_dir_component);
    fails!(fs.opendir("/f"), r.opendir_file);
    fails!(fs.opendir("/missing"), Errno::ENOENT);
    fails!(fs.opendir("/f/x"), r.not_dir_component);

    // remove, rmdir
    fails!(fs.remove("/missing"), Errno::ENOENT);
    fails!(fs.rmdir("/missing"), Errno::ENOENT);
    fails!(fs.remove("/f/x"), r.not_dir_component);
    fails!(fs.rmdir("/f/x"), r.not_dir_component);
    let remove_full = match r.remove_dir {
        Action::Fail(e) => e,
        Action::Allow => r.rmdir_not_empty,
    };
    fails!(fs.remove("/full"), remove_full);
    fails!(fs.rmdir("/full"), r.rmdir_not_empty);
    ensure_eq!(ok!(read_file(&mut *fs, "/full/x")), b"y");
    match r.remove_dir {
        Action::Fail(e) => {
            fails!(fs.remove("/empty"), e);
            ensure!(
                ok!(exists(&mut *fs, "/empty")),
                "refused remove deleted /empty"
            );
        }
        Action::Allow => {
            ok!(fs.remove("/empty"));
            fails!(fs.stat("/empty"), Errno::ENOENT);
        }
    }
    match r.rmdir_file {
        Action::Fail(e) => {
            fails!(fs.rmdir("/f"), e);
            ensure_eq!(ok!(read_file(&mut *fs, "/f")), b"x");
        }
        Action::Allow => {
            ok!(fs.rmdir("/f"));
            fails!(fs.stat("/f"), Errno::ENOENT);
        }
    }
    ok!(fs.umount());
    Ok(())
}

fn vfs_rename(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let r = cx.rules;
    ok!(fs.mount(false, false));

    // file to a new name
    ok!(write_file(&mut *fs, "/a", b"A"));
    ok!(fs.rename("/a", "/b"));
    fails!(fs.stat("/a"), Errno::ENOENT);
    ensure_eq!(ok!(read_file(&mut *fs, "/b")), b"A");

    // file over file: replaces
    ok!(write_file(&mut *fs, "/c", b"C"));
    ok!(fs.rename("/b", "/c"));
    fails!(fs.stat("/b"), Errno::ENOENT);
    ensure_eq!(ok!(read_file(&mut *fs, "/c")), b"A");
    ensure_eq!(ok!(names(&mut *fs, "/")), ["c"]);

    // file over directory
    ok!(fs.mkdir("/d"));
    fails!(fs.rename("/c", "/d"), r.rename_file_over_dir);
    ensure_eq!(ok!(read_file(&mut *fs, "/c")), b"A");
    ensure_eq!(ok!(fs.stat("/d")).kind(), FileType::Dir);

    // directory over empty directory
    ok!(fs.mkdir("/e"));
    match r.rename_dir_over_empty_dir {
        Action::Allow => {
            ok!(fs.rename("/d", "/e"));
            fails!(fs.stat("/d"), Errno::ENOENT);
            ensure_eq!(ok!(fs.stat("/e")).kind(), FileType::Dir);
        }
        Action::Fail(e) => {
            fails!(fs.rename("/d", "/e"), e);
            ensure_eq!(ok!(fs.stat("/d")).kind(), FileType::Dir);
            ok!(fs.rmdir("/d"));
        }
    }
    ok!(fs.rmdir("/e"));

    // directory over non-empty directory
    ok!(fs.mkdir("/full"));
    ok!(write_file(&mut *fs, "/full/x", b"X"));
    ok!(fs.mkdir("/src"));
    ok!(write_file(&mut *fs, "/src/s", b"S"));
    fails!(fs.rename("/src", "/full"), r.rename_dir_over_nonempty_dir);
    ensure_eq!(ok!(read_file(&mut *fs, "/full/x")), b"X");
    ensure_eq!(ok!(read_file(&mut *fs, "/src/s")), b"S");

    // missing source, missing destination parent, file as destination parent
    fails!(fs.rename("/missing", "/z"), Errno::ENOENT);
    fails!(fs.rename("/src", "/missing/z"), Errno::ENOENT);
    fails!(fs.rename("/src", "/c/z"), r.not_dir_component);
    fails!(fs.rename("/c/z", "/y"), r.not_dir_component);
    ensure_eq!(ok!(read_file(&mut *fs, "/src/s")), b"S");

    // a directory moves with its contents
    ok!(fs.mkdir("/src/sub"));
    ok!(write_file(&mut *fs, "/src/sub/g", b"G"));
    ok!(fs.rename("/src", "/full/moved"));
    fails!(fs.stat("/src"), Errno::ENOENT);
    ensure_eq!(ok!(read_file(&mut *fs, "/full/moved/s")), b"S");
    ensure_eq!(ok!(read_file(&mut *fs, "/full/moved/sub/g")), b"G");
    ensure_eq!(ok!(names(&mut *fs, "/full")), ["moved", "x"]);

    // a file into another directory
    ok!(fs.rename("/full/x", "/full/moved/sub/x2"));
    ensure_eq!(ok!(names(&mut *fs, "/full/moved/sub")), ["g", "x2"]);

    // directory over file (last: it may replace /c)
    ok!(fs.mkdir("/dir"));
    match r.rename_dir_over_file {
        Action::Allow => {
            ok!(fs.rename("/dir", "/c"));
            fails!(fs.stat("/dir"), Errno::ENOENT);
            ensure_eq!(ok!(fs.stat("/c")).kind(), FileType::Dir);
        }
        Action::Fail(e) => {
            fails!(fs.rename("/dir", "/c"), e);
            ensure_eq!(ok!(read_file(&mut *fs, "/c")), b"A");
            ensure_eq!(ok!(fs.stat("/dir")).kind(), FileType::Dir);
        }
    }
    ok!(fs.umount());
    Ok(())
}

fn vfs_deep_tree(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let depth = cx.caps().tree_depth.max(1);
    ok!(fs.mount(false, false));
    let mut levels = Vec::new();
    let mut path = String::new();
    for i in 0..depth {
        path.push_str(&format!("/d{i}"));
        ok!(fs.mkdir(&path));
        levels.push(path.clone());
    }
    let leaf = format!("{path}/leaf");
    ok!(write_file(&mut *fs, &leaf, b"deep"));
    for (i, level) in levels.iter().enumerate() {
        ensure_eq!(ok!(fs.stat(level)).kind(), FileType::Dir);
        let want = if i + 1 < depth {
            format!("d{}", i + 1)
        } else {
            String::from("leaf")
        };
        ensure_eq!(ok!(names(&mut *fs, level)), [want]);
    }
    ensure_eq!(ok!(read_file(&mut *fs, &leaf)), b"deep");

    // Rename the top: everything below follows.
    ok!(fs.rename("/d0", "/top"));
    let moved: Vec<String> = levels
        .iter()
        .map(|l| l.replacen("/d0", "/top", 1))
        .collect();
    let moved_leaf = leaf.replacen("/d0", "/top", 1);
    ensure_eq!(ok!(read_file(&mut *fs, &moved_leaf)), b"deep");
    fails!(fs.stat(&leaf), Errno::ENOENT);

    // A non-empty level refuses rmdir; then remove bottom-up.
    if let Some(top) = moved.first() {
        fails!(fs.rmdir(top), cx.rules.rmdir_not_empty);
    }
    ok!(fs.remove(&moved_leaf));
    for level in moved.iter().rev() {
        ok!(fs.rmdir(level));
    }
    ensure_eq!(ok!(names(&mut *fs, "/")), Vec::<String>::new());
    ok!(fs.umount());
    Ok(())
}

fn vfs_long_names(mut fs: BoxedFilesystem, _cx: &mut Cx<'_>) -> Outcome {
    ok!(fs.mount(false, false));
    let file = long_name('n');
    ok!(write_file(&mut *fs, &file, b"long"));
    ensure_eq!(ok!(read_file(&mut *fs, &file)), b"long");
    ensure_eq!(ok!(fs.stat(&file)).size, 4);
    let listed = ok!(names(&mut *fs, "/"));
    ensure_eq!(listed.len(), 1);
    ensure_eq!(listed[0].len(), 255);
    ensure_eq!(format!("/{}", listed[0]), file);

    let dir = long_name('d');
    ok!(fs.mkdir(&dir));
    let inner = format!("{dir}{}", long_name('f'));
    ok!(write_file(&mut *fs, &inner, b"inner"));
    ensure_eq!(ok!(read_file(&mut *fs, &inner)), b"inner");
    let renamed = long_name('m');
    ok!(fs.rename(&file, &renamed));
    ensure_eq!(ok!(read_file(&mut *fs, &renamed)), b"long");

    for name in [
        "/with space.txt",
        "/\u{fc}n\u{ef}c\u{f6}d\u{e9}.txt",
        "/a",
        "/x.y.z",
    ] {
        ok!(write_file(&mut *fs, name, name.as_bytes()));
        ensure_eq!(ok!(read_file(&mut *fs, name)), name.as_bytes());
    }
    let listed = ok!(names(&mut *fs, "/"));
    for name in [
        "with space.txt",
        "\u{fc}n\u{ef}c\u{f6}d\u{e9}.txt",
        "a",
        "x.y.z",
    ] {
        ensure!(
            listed.iter().any(|n| n == name),
            "{name:?} missing from {listed:?}"
        );
    }
    ok!(fs.remove(&inner));
    ok!(fs.rmdir(&dir));
    ok!(fs.remove(&renamed));
    ok!(fs.umount());
    Ok(())
}

fn vfs_many_entries(mut fs: BoxedFilesystem, _cx: &mut Cx<'_>) -> Outcome {
    const N: usize = 40;
    ok!(fs.mount(false, false));
    let name = |i: usize| format!("/file{i:02}.txt");
    for i in 0..N {
        ok!(write_file(&mut *fs, &name(i), &vec![b'a'; i * 10]));
    }
    let entries = ok!(list(&mut *fs, "/"));
    ensure_eq!(entries.len(), N);
    for (i, e) in entries.iter().enumerate() {
        ensure_eq!(format!("/{}", e.name), name(i));
        ensure_eq!(e.kind, FileType::File);
    }
    for i in (0..N).step_by(2) {
        ok!(fs.remove(&name(i)));
    }
    let left = ok!(names(&mut *fs, "/"));
    let want: Vec<String> = (1..N).step_by(2).map(|i| name(i)[1..].to_owned()).collect();
    ensure_eq!(left, want);
    for i in (0..N).step_by(2) {
        ok!(write_file(&mut *fs, &name(i), b"again"));
    }
    ensure_eq!(ok!(list(&mut *fs, "/")).len(), N);
    for i in 0..N {
        let want = if i % 2 == 0 {
            b"again".to_vec()
        } else {
            vec![b'a'; i * 10]
        };
        ensure_eq!(ok!(read_file(&mut *fs, &name(i))), want);
    }
    ok!(fs.umount());
    Ok(())
}

fn vfs_lfs_ilistdir(mut fs: BoxedFilesystem, cx: &mut Cx<'_>) -> Outcome {
    let r = cx.rules;
    let inodes = cx.caps().inodes;
    ok!(fs.mount(false, false));
    let d = ok!(fs.opendir("/"));
    ensure_eq!(ok!(fs.readdir(d)), None);
    ensure_eq!(ok!(fs.readdir(d)), None);
    ok!(fs.closedir(d));

    ok!(write_file(&mut *fs, "/zero", b""));
    ok!(write_file(&mut *fs, "/one", b"1"));
    ok!(write_file(&mut *fs, "/big", &[7; 600]));
    ok!(fs.mkdir("/sub"));
    ok!(write_file(&mut *fs, "/sub/inner", b"in"));

    let entries = ok!(list(&mut *fs, "/"));
    let got: Vec<(&str, FileType)> = entries.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    ensure_eq!(
        got,
        [
            ("big", FileType::File),
            ("one", FileType::File),
            ("sub", FileType::Dir),
            ("zero", FileType::File),
        ]
    );
    for e in &entries {
        let size = match (e.kind, e.name.as_str()) {
            (FileType::Dir, _) => 0,
            (_, "big") => 600,
            (_, "one") => 1,
            _ => 0,
        };
        match (r.entry_size, e.kind) {
            (false, _) => ensure_eq!(e.size, None),
            (true, FileType::Dir) if !r.dir_size_defined => {
                ensure!(e.size.is_some(), "{e:?} has no size")
            }
            (true, _) => ensure_eq!(e.size, Some(size)),
        }
        if inodes {
            ensure!(e.inode != 0, "{e:?} has inode 0");
        } else {
            ensure_eq!(e.inode, 0);
        }
    }
    ensure_eq!(ok!(names(&mut *fs, "/sub")), ["inner"]);

    // Two listings at once, read alternately.
    let a = ok!(fs.opendir("/"));
    let b = ok!(fs.opendir("/sub"));
    let (mut from_a, mut from_b) = (Vec::new(), Vec::new());
    for _ in 0..8 {
        if let Some(e) = ok!(fs.readdir(a)) {
            from_a.push(e.name.as_str().to_owned());
        }
        if let Some(e) = ok!(fs.readdir(b)) {
            from_b.push(e.name.as_str().to_owned());
        }
    }
    from_a.sort();
    ensure_eq!(from_a, ["big", "one", "sub", "zero"]);
    ensure_eq!(from_b, ["inner"]);
    ok!(fs.closedir(a));
    ok!(fs.closedir(b));
    fails!(fs.readdir(a), Errno::EBADF);
    fails!(fs.closedir(a), Errno::EBADF);
    ok!(fs.umount());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = super::SCENARIOS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), super::SCENARIOS.len());
    }
}
