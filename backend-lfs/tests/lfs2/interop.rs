//! Interoperability with an independent littlefs v2 implementation, littlefs-python (PyPI
//! `littlefs-python`, littlefs 2.11), through the committed script `lfs2_tool.py`:
//! - images uvfs writes (disk versions 2.0 and 2.1, two geometries) read back in
//!   littlefs-python with the same tree, contents and mtime attributes, to the nanosecond;
//! - images littlefs-python writes (both versions) read in uvfs with the same tree, contents
//!   and `stat` times; uvfs then writes to them, and littlefs-python still reads them, at the
//!   same disk version.
//!
//! Without littlefs-python these tests fail when `CI` is set (naming the package) and are
//! skipped with a message otherwise.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uvfs_backend_lfs::lfs2::{DiskVersion, Lfs2Config, VfsLfs2};
use uvfs_os_api::{FileType, Filesystem, OpenMode, SeekFrom};
use uvfs_vfs_core::RamDisk;

use crate::lfs2::support::{pattern, read_file, tree, write_file, Clock, Node};

const TOOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lfs2/lfs2_tool.py");

/// Whether littlefs-python can be used; panics under CI if it cannot.
fn have_littlefs_python() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import littlefs"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("littlefs-python is missing: install the PyPI package littlefs-python (pip install littlefs-python)");
        }
        eprintln!(
            "skipping: python3 with littlefs-python (pip install littlefs-python) is not installed"
        );
    }
    ok
}

#[derive(Copy, Clone, Debug)]
struct Geo {
    block_size: u32,
    block_count: u32,
    read_size: u32,
    prog_size: u32,
    lookahead: u32,
}

const GEOMETRIES: [Geo; 2] = [
    Geo {
        block_size: 512,
        block_count: 256,
        read_size: 32,
        prog_size: 32,
        lookahead: 32,
    },
    Geo {
        block_size: 4096,
        block_count: 64,
        read_size: 16,
        prog_size: 64,
        lookahead: 16,
    },
];

impl Geo {
    fn json(&self) -> Value {
        json!({
            "block_size": self.block_size,
            "block_count": self.block_count,
            "read_size": self.read_size,
            "prog_size": self.prog_size,
            "lookahead": self.lookahead,
        })
    }

    fn config(&self, disk_version: DiskVersion) -> Lfs2Config {
        Lfs2Config {
            read_size: self.read_size,
            prog_size: self.prog_size,
            lookahead: self.lookahead,
            mtime: true,
            disk_version,
        }
    }
}

fn run_tool(cmd: &str, image: &Path, params: &Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    let arg = dir.path().join("params.json");
    std::fs::write(&arg, params.to_string()).unwrap();
    let out = Command::new("python3")
        .arg(TOOL)
        .arg(cmd)
        .arg(image)
        .arg(&arg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lfs2_tool.py {cmd} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// littlefs-python's view of `image`.
fn dump(image: &[u8], geo: &Geo) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.bin");
    std::fs::write(&path, image).unwrap();
    serde_json::from_str(&run_tool("dump", &path, &geo.json())).unwrap()
}

/// An image littlefs-python writes from `spec`.
fn make(spec: &Value) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.bin");
    run_tool("make", &path, spec);
    std::fs::read(&path).unwrap()
}

/// What a tree should hold: content (`None` for a directory) and the mtime attribute in ns.
type Model = BTreeMap<String, (Option<Vec<u8>>, Option<u64>)>;

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks littlefs-python's dump against the model.
fn check_dump(what: &str, dumped: &Value, model: &Model) {
    let mut got = BTreeMap::new();
    for e in dumped["tree"].as_array().unwrap() {
        got.insert(e["path"].as_str().unwrap().to_string(), e.clone());
    }
    let want: Vec<&String> = model.keys().collect();
    assert_eq!(got.keys().collect::<Vec<_>>(), want, "{what}: paths");
    for (p, (data, mtime)) in model {
        let e = &got[p];
        match data {
            None => assert_eq!(e["type"], "dir", "{what}: {p}"),
            Some(d) => {
                assert_eq!(e["type"], "file", "{what}: {p}");
                assert_eq!(e["size"].as_u64().unwrap(), d.len() as u64, "{what}: {p}");
                assert_eq!(e["sha256"].as_str().unwrap(), sha256(d), "{what}: {p}");
            }
        }
        assert_eq!(e["mtime_ns"].as_u64(), *mtime, "{what}: mtime of {p}");
    }
}

/// Checks uvfs's view of a mounted volume against the model.
fn check_uvfs(what: &str, fs: &mut dyn Filesystem, model: &Model) {
    let t = tree(fs).unwrap();
    assert_eq!(
        t.keys().collect::<Vec<_>>(),
        model.keys().collect::<Vec<_>>(),
        "{what}: paths"
    );
    for (p, (data, mtime)) in model {
        match (data, &t[p]) {
            (None, Node::Dir) => {}
            (Some(d), Node::File(got)) => assert!(got == d, "{what}: content of {p}"),
            (want, got) => panic!("{what}: {p}: {want:?} vs {got:?}"),
        }
        let st = fs.stat(p).unwrap();
        let secs = mtime.map_or(0, |ns| (ns / 1_000_000_000) as i64);
        assert_eq!(st.mtime, secs, "{what}: stat mtime of {p}");
        let kind = if data.is_some() {
            FileType::File
        } else {
            FileType::Dir
        };
        assert_eq!(st.kind(), kind, "{what}: {p}");
    }
}

/// The MicroPython-style scenario of the fixtures (scenario A), done by uvfs, with the model
/// of what it leaves.
fn uvfs_scenario(fs: &mut VfsLfs2<RamDisk>, clock: &Clock, bs: usize) -> Model {
    let mut model = Model::new();
    let mut secs = 1_800_000_000;
    let ns = |s: i64| Some(s as u64 * 1_000_000_000 + 123_456_789);
    let mut tick = |clock: &Clock| {
        secs += 7;
        clock.set(secs);
        secs
    };
    for d in [
        "/docs",
        "/docs/sub",
        "/docs/sub/deep",
        "/empty_dir",
        "/many",
    ] {
        fs.mkdir(d).unwrap();
        model.insert(d.into(), (None, None));
    }
    let long = format!("/{}", "L".repeat(255));
    let files: Vec<(String, usize)> = vec![
        ("/empty.txt".into(), 0),
        ("/one.bin".into(), 1),
        ("/block.bin".into(), bs),
        ("/two_blocks.bin".into(), 2 * bs - 4),
        ("/big.bin".into(), 40_960),
        ("/docs/readme.txt".into(), 700),
        ("/docs/sub/deep/nested.txt".into(), 123),
        ("/docs/café_ünïcödé_日本.txt".into(), 14),
        (long, 50),
        ("/to_delete.txt".into(), 900),
        ("/old_name.txt".into(), 321),
        ("/overwrite.txt".into(), 2000),
        ("/patched.bin".into(), 1500),
    ];
    for (i, (p, len)) in files.iter().enumerate() {
        let t = tick(clock);
        let data = pattern(i as u64, *len);
        write_file(fs, p, &data).unwrap();
        model.insert(p.clone(), (Some(data), ns(t)));
    }
    fs.remove("/to_delete.txt").unwrap();
    model.remove("/to_delete.txt");
    fs.rename("/old_name.txt", "/docs/new_name.txt").unwrap();
    let moved = model.remove("/old_name.txt").unwrap();
    model.insert("/docs/new_name.txt".into(), moved);
    let t = tick(clock);
    let short = pattern(99, 300);
    write_file(fs, "/overwrite.txt", &short).unwrap();
    model.insert("/overwrite.txt".into(), (Some(short), ns(t)));
    let mut log = Vec::new();
    let mut last = 0;
    for i in 0..3 {
        last = tick(clock);
        let chunk = pattern(200 + i, 250);
        let f = fs.open("/append.log", OpenMode::APPEND).unwrap();
        (fs as &mut dyn Filesystem).write_all(f, &chunk).unwrap();
        fs.close(f).unwrap();
        log.extend_from_slice(&chunk);
    }
    model.insert("/append.log".into(), (Some(log), ns(last)));
    let t = tick(clock);
    let f = fs
        .open("/patched.bin", OpenMode::parse("r+b").unwrap())
        .unwrap();
    fs.seek(f, SeekFrom::Start(600)).unwrap();
    let patch = pattern(300, 100);
    (fs as &mut dyn Filesystem).write_all(f, &patch).unwrap();
    fs.close(f).unwrap();
    if let Some((Some(d), m)) = model.get_mut("/patched.bin") {
        d[600..700].copy_from_slice(&patch);
        *m = ns(t);
    }
    for i in 0..40u64 {
        let p = format!("/many/many_entry_{i:02}.dat");
        let t = tick(clock);
        let data = pattern(400 + i, 7 * i as usize);
        write_file(fs, &p, &data).unwrap();
        model.insert(p, (Some(data), ns(t)));
    }
    for i in 16..32 {
        let p = format!("/many/many_entry_{i:02}.dat");
        fs.remove(&p).unwrap();
        model.remove(&p);
    }
    fs.mkdir("/olddir").unwrap();
    let t = tick(clock);
    let inside = pattern(500, 77);
    write_file(fs, "/olddir/inside.txt", &inside).unwrap();
    fs.rename("/olddir", "/docs/moved_dir").unwrap();
    model.insert("/docs/moved_dir".into(), (None, None));
    model.insert("/docs/moved_dir/inside.txt".into(), (Some(inside), ns(t)));
    model
}

#[test]
fn littlefs_python_reads_what_uvfs_writes() {
    if !have_littlefs_python() {
        return;
    }
    for geo in GEOMETRIES {
        for version in [DiskVersion::V2_0, DiskVersion::V2_1] {
            let what = format!("{geo:?} {version}");
            let clock = Clock::at(0);
            let dev = RamDisk::new_flash(geo.block_size, geo.block_count);
            let mut fs = VfsLfs2::new(dev, geo.config(version))
                .unwrap()
                .with_time_source(Box::new(clock.clone()));
            fs.mkfs().unwrap();
            fs.mount(false, false).unwrap();
            let model = uvfs_scenario(&mut fs, &clock, geo.block_size as usize);
            check_uvfs(&what, &mut fs, &model);
            fs.umount().unwrap();
            let dumped = dump(fs.device().as_bytes(), &geo);
            assert_eq!(
                dumped["disk_version"].as_u64().unwrap(),
                u64::from(version.raw()),
                "{what}"
            );
            assert_eq!(
                dumped["block_count"].as_u64().unwrap(),
                u64::from(geo.block_count)
            );
            check_dump(&what, &dumped, &model);
        }
    }
}

/// A tree for littlefs-python to write: nested directories, files of many sizes (with and
/// without an mtime attribute), a rename and a removal.
fn python_spec(geo: &Geo, version: DiskVersion) -> (Value, Model) {
    let mut entries = Vec::new();
    let mut model = Model::new();
    for d in ["/a", "/a/b", "/a/b/c", "/empty", "/lib"] {
        entries.push(json!({"path": d, "type": "dir"}));
        model.insert(d.into(), (None, None));
    }
    let sizes = [
        0usize, 1, 63, 64, 65, 511, 512, 513, 4095, 4096, 4097, 12_345, 70_000,
    ];
    for (i, len) in sizes.iter().enumerate() {
        let p = match i % 3 {
            0 => format!("/f{i}.bin"),
            1 => format!("/a/b/f{i}.bin"),
            _ => format!("/a/b/c/f{i}.bin"),
        };
        let data = pattern(1000 + i as u64, *len);
        let mtime = (i % 4 != 3).then(|| 1_700_000_000_000_000_000u64 + i as u64 * 1_000_000_007);
        entries.push(json!({"path": p, "type": "file", "hex": hex(&data), "mtime_ns": mtime}));
        model.insert(p, (Some(data), mtime));
    }
    let name = format!("/lib/{}", "ü".repeat(127)); // 254 bytes of UTF-8
    let data = b"print('hello')\n".to_vec();
    entries.push(json!({"path": name, "type": "file", "hex": hex(&data), "mtime_ns": 1_650_000_000_999_999_999u64}));
    model.insert(name, (Some(data), Some(1_650_000_000_999_999_999)));
    entries.push(json!({"op": "rename", "path": "/f0.bin", "to": "/lib/renamed.bin"}));
    let moved = model.remove("/f0.bin").unwrap();
    model.insert("/lib/renamed.bin".into(), moved);
    entries.push(json!({"op": "remove", "path": "/a/b/f1.bin"}));
    model.remove("/a/b/f1.bin");
    let mut spec = geo.json();
    spec["disk_version"] = json!(version.raw());
    spec["entries"] = Value::Array(entries);
    (spec, model)
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn uvfs_reads_and_extends_what_littlefs_python_writes() {
    if !have_littlefs_python() {
        return;
    }
    for geo in GEOMETRIES {
        for version in [DiskVersion::V2_0, DiskVersion::V2_1] {
            let what = format!("{geo:?} {version}");
            let (spec, mut model) = python_spec(&geo, version);
            let image = make(&spec);
            let mut disk = RamDisk::from_image(image, geo.block_size);
            disk.set_flash(true);
            // uvfs's own mkfs default must not matter: the image's version is kept.
            let clock = Clock::at(1_910_000_000);
            let mut fs = VfsLfs2::new(disk, geo.config(DiskVersion::V2_1))
                .unwrap()
                .with_time_source(Box::new(clock.clone()));
            fs.mount(true, false).unwrap();
            assert_eq!(fs.disk_version().unwrap(), version, "{what}");
            check_uvfs(&what, &mut fs, &model);
            fs.umount().unwrap();

            // Write to it: append, replace, create, remove, rename.
            fs.mount(false, false).unwrap();
            let extra = pattern(77, 5000);
            let f = fs.open("/a/b/c/f2.bin", OpenMode::APPEND).unwrap();
            (&mut fs as &mut dyn Filesystem)
                .write_all(f, &extra)
                .unwrap();
            fs.close(f).unwrap();
            let ns = Some(1_910_000_000 * 1_000_000_000 + 123_456_789);
            if let Some((Some(d), m)) = model.get_mut("/a/b/c/f2.bin") {
                d.extend_from_slice(&extra);
                *m = ns;
            }
            let fresh = pattern(78, 9000);
            write_file(&mut fs, "/uvfs.bin", &fresh).unwrap();
            model.insert("/uvfs.bin".into(), (Some(fresh), ns));
            fs.remove("/a/b/f4.bin").unwrap();
            model.remove("/a/b/f4.bin");
            fs.rename("/empty", "/lib/empty").unwrap();
            model.remove("/empty");
            model.insert("/lib/empty".into(), (None, None));
            fs.umount().unwrap();
            fs.mount(true, false).unwrap();
            assert_eq!(fs.disk_version().unwrap(), version, "{what}: after writes");
            check_uvfs(&what, &mut fs, &model);
            assert_eq!(read_file(&mut fs, "/uvfs.bin").unwrap().len(), 9000);
            fs.umount().unwrap();
            let dumped = dump(fs.device().as_bytes(), &geo);
            assert_eq!(
                dumped["disk_version"].as_u64().unwrap(),
                u64::from(version.raw()),
                "{what}: littlefs-python sees the version unchanged after uvfs wrote"
            );
            check_dump(&what, &dumped, &model);
        }
    }
}
