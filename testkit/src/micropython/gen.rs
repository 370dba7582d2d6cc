//! Seeded random sequences: a small colliding set of names under one mount, spelled in every
//! way MicroPython's paths can be (relative, absolute, `.`, `..`, doubled and trailing slashes,
//! a 50-byte name, a file used as a directory), with files opened in every mode.

use super::{FsSpec, Sequence, Step};

/// SplitMix64: a small seeded generator, the same sequence on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u32) -> bool {
        self.below(100) < pct as usize
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const MOUNT: &str = "/t";

fn long_name() -> String {
    "n".repeat(50)
}

/// A path to something under the mount, in one of its spellings.
fn path(rng: &mut Rng) -> String {
    let names = ["a", "b", "d", "e", "f"];
    let long = long_name();
    let mut comps: Vec<String> = Vec::new();
    let depth = if rng.chance(60) { 1 } else { 2 };
    for _ in 0..depth {
        if rng.chance(6) {
            comps.push(long.clone());
        } else {
            comps.push((*rng.pick(&names)).to_string());
        }
    }
    let body = comps.join("/");
    let prefix = *rng.pick(&[
        "", "", "", "", "./", "/t/", "/t/", "/t//", "/t/./", "../", "d/../", "/t/d/../",
    ]);
    let mut p = format!("{prefix}{body}");
    match rng.below(100) {
        0..=11 => p.push('/'),
        12..=13 => p.push_str("//"),
        14..=15 => p.push_str("/."),
        16 => p.push_str("/.."),
        _ => {}
    }
    p
}

/// A path that is often a directory: the mount, `.`, `..`, `/`, or [`path`].
fn dir_path(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=9 => ".".into(),
        10..=14 => "..".into(),
        15..=24 => MOUNT.into(),
        25..=27 => "/t/".into(),
        28..=31 => "/".into(),
        32..=33 => "".into(),
        _ => path(rng),
    }
}

fn text(rng: &mut Rng) -> String {
    let len = *rng.pick(&[0usize, 1, 3, 10, 100, 511, 513, 700, 1500]);
    let base = (b'a' + rng.below(26) as u8) as char;
    (0..len)
        .map(|i| {
            if i % 37 == 36 {
                '\n'
            } else {
                char::from(base as u8 + (i % 7) as u8)
            }
        })
        .collect()
}

const MODES: [&str; 14] = [
    "r", "w", "a", "x", "r+", "w+", "a+", "rb", "wb", "ab", "xb", "r+b", "w+b", "a+b",
];

fn file_step(rng: &mut Rng, opens: usize) -> Step {
    // Recent opens are the likely targets.
    let slot = opens - 1 - rng.below(opens.min(3));
    match rng.below(100) {
        0..=39 => Step::Write(slot, text(rng)),
        40..=59 => Step::Read(slot, *rng.pick(&[-1i64, 0, 1, 7, 100, 600])),
        60..=69 => Step::Seek(
            slot,
            *rng.pick(&[0i64, 1, 10, 600, -1, -5]),
            *rng.pick(&[0u8, 0, 1, 2]),
        ),
        70..=74 => Step::Tell(slot),
        75..=77 => Step::Flush(slot),
        _ => Step::Close(slot),
    }
}

fn fs_step(rng: &mut Rng) -> Step {
    match rng.below(100) {
        0..=13 => Step::Mkdir(path(rng)),
        14..=21 => Step::Rmdir(path(rng)),
        22..=30 => Step::Remove(path(rng)),
        31..=39 => Step::Rename(path(rng), path(rng)),
        40..=51 => Step::Stat(if rng.chance(15) {
            dir_path(rng)
        } else {
            path(rng)
        }),
        52..=57 => Step::Listdir(dir_path(rng)),
        58..=60 => Step::Ilistdir(dir_path(rng)),
        61..=66 => Step::Chdir(dir_path(rng)),
        67..=69 => Step::Getcwd,
        70 => Step::Statvfs(dir_path(rng)),
        _ => Step::Open(path(rng), (*rng.pick(&MODES)).to_string()),
    }
}

/// A sequence of `len` steps on one filesystem mounted at `/t` (the first two steps mount it
/// and change into it, and count towards `len`).
///
/// ```
/// use uvfs_testkit::micropython::{generate, FsSpec};
/// let a = generate(1, &FsSpec::lfs2(512, 64), 40);
/// assert_eq!(a, generate(1, &FsSpec::lfs2(512, 64), 40));
/// assert_eq!(a.steps.len(), 40);
/// ```
pub fn generate(seed: u64, fs: &FsSpec, len: usize) -> Sequence {
    let mut rng = Rng::new(seed);
    let mut steps = vec![
        Step::Mount(0, MOUNT.into(), false),
        Step::Chdir(MOUNT.into()),
    ];
    let mut opens = 0;
    while steps.len() < len {
        let step = if opens > 0 && rng.chance(35) {
            file_step(&mut rng, opens)
        } else {
            fs_step(&mut rng)
        };
        if matches!(step, Step::Open(..)) {
            opens += 1;
        }
        steps.push(step);
    }
    Sequence {
        fs: vec![fs.clone()],
        steps,
    }
}

/// A sequence exercising the router: `specs` mounted and unmounted at `/t`, `/u`, `/t/n`
/// (nested) and `/`, read-only at times, with the cwd inside mounts that go away, cross-mount
/// renames and listings of `/` and of mount points.
pub fn generate_router(seed: u64, specs: &[FsSpec], len: usize) -> Sequence {
    let mut rng = Rng::new(seed);
    let points = ["/t", "/u", "/t/n", "/"];
    let mut mounted: Vec<(usize, &str)> = Vec::new();
    let mut tainted: Vec<usize> = Vec::new();
    let mut steps = vec![Step::Mount(0, "/t".into(), false)];
    mounted.push((0, "/t"));
    let mut opens = 0;
    let spell = |rng: &mut Rng, p: &str| -> String {
        match rng.below(6) {
            0 if p != "/" => format!("{p}/"),
            1 if p != "/" => p.trim_start_matches('/').to_string(),
            _ => p.to_string(),
        }
    };
    while steps.len() < len {
        let r = rng.below(100);
        let step = if r < 8 {
            // Mount a filesystem that is not mounted, somewhere. The generator follows
            // MicroPython's rules to know which filesystems stay free: a mount point in use, or
            // inside a mount other than `/`, is refused. A second filesystem at `/` is mounted by
            // MicroPython but refused by uvfs: that one is never mounted again (MicroPython would
            // then hold one object at two mount points, which uvfs's ownership cannot).
            let free: Vec<usize> = (0..specs.len())
                .filter(|i| !mounted.iter().any(|(m, _)| m == i) && !tainted.contains(i))
                .collect();
            if free.is_empty() {
                continue;
            }
            let i = *rng.pick(&free);
            let p = *rng.pick(&points);
            let inside = |q: &str| {
                q != "/" && (p == q || p.strip_prefix(q).is_some_and(|r| r.starts_with('/')))
            };
            if p == "/" && mounted.iter().any(|(_, q)| *q == "/") {
                tainted.push(i);
            } else if !mounted.iter().any(|(_, q)| *q == p || inside(q)) {
                mounted.push((i, p));
            }
            Step::Mount(i, p.into(), rng.chance(30))
        } else if r < 13 {
            let p = *rng.pick(&points);
            let spelled = spell(&mut rng, p);
            // Only the exact mount point unmounts (MicroPython compares strings).
            if spelled == p {
                mounted.retain(|(_, q)| *q != p);
            }
            Step::Umount(spelled)
        } else if r < 20 {
            let p = *rng.pick(&points);
            Step::Chdir(spell(&mut rng, p))
        } else if r < 26 {
            let p = *rng.pick(&points);
            Step::Listdir(spell(&mut rng, p))
        } else if r < 30 {
            let p = *rng.pick(&points);
            Step::Stat(spell(&mut rng, p))
        } else if r < 34 {
            let a = format!(
                "{}/{}",
                rng.pick(&["/t", "/u", "/t/n", ""]),
                rng.pick(&["a", "d"])
            );
            let b = format!(
                "{}/{}",
                rng.pick(&["/t", "/u", "/t/n", ""]),
                rng.pick(&["a", "d", "c"])
            );
            Step::Rename(a, b)
        } else if opens > 0 && r < 50 {
            file_step(&mut rng, opens)
        } else {
            let s = fs_step(&mut rng);
            // Re-aim paths at the mounts.
            match s {
                Step::Open(p, m) => {
                    opens += 1;
                    let base = *rng.pick(&["/t/", "/u/", "/t/n/", "", "/"]);
                    Step::Open(format!("{base}{}", p.trim_start_matches("/t/")), m)
                }
                Step::Mkdir(p) => {
                    let base = *rng.pick(&["/t/", "/u/", "/t/n/", "", "/"]);
                    Step::Mkdir(format!("{base}{}", p.trim_start_matches("/t/")))
                }
                other => other,
            }
        };
        steps.push(step);
    }
    Sequence {
        fs: specs.to_vec(),
        steps,
    }
}

/// The path shapes of [`path_matrix`], relative to the mount (`/t`): over a file `f`, a
/// directory `d` (holding a directory `e` and a file `g`) and a missing `m`.
pub const MATRIX_PATHS: [&str; 33] = [
    "/f",
    "/f/",
    "/f//",
    "/f/.",
    "/f/..",
    "/f/x",
    "/f/x/..",
    "/d",
    "/d/",
    "/d/.",
    "/d/..",
    "/d/../f",
    "/d/../f/",
    "/m",
    "/m/",
    "/m/x",
    "/m/..",
    "/m/../f",
    "/m/../m2",
    "/d/m",
    "/d/m/",
    "/..",
    "/../f",
    "/../m",
    "/d/../../f",
    "//f",
    "/./f",
    "/./m",
    "/d/e/..",
    "/d/e/../../f",
    "/",
    "//",
    "/.",
];

/// The steps that make the hand-written cases' starting tree at `/t`: `/f` (1 byte), `/d`,
/// `/d/e` and `/d/g` (2 bytes); they use slots 0 and 1.
fn small_tree() -> Vec<Step> {
    vec![
        Step::Mount(0, MOUNT.into(), false),
        Step::Mkdir("/t/d".into()),
        Step::Mkdir("/t/d/e".into()),
        Step::Open("/t/f".into(), "w".into()),
        Step::Write(0, "x".into()),
        Step::Close(0),
        Step::Open("/t/d/g".into(), "w".into()),
        Step::Write(1, "yy".into()),
        Step::Close(1),
    ]
}

/// Hand-written cases: every op of the `os` module on every path shape of [`MATRIX_PATHS`],
/// each in a sequence of its own on a fresh filesystem mounted at `/t` holding `/f`, `/d`,
/// `/d/e` and `/d/g`, followed by a listing of the mount so that a change shows. Paths are
/// tried both absolute (`/t/f/`) and relative to `/t/d` (`../f/`).
pub fn path_matrix(fs: &FsSpec) -> Vec<Sequence> {
    let mut out = Vec::new();
    let setup = small_tree;
    let ops: [fn(String) -> Step; 15] = [
        Step::Stat,
        |p| Step::Open(p, "r".into()),
        |p| Step::Open(p, "w".into()),
        |p| Step::Open(p, "x".into()),
        |p| Step::Open(p, "a".into()),
        |p| Step::Open(p, "r+".into()),
        Step::Mkdir,
        Step::Remove,
        Step::Rmdir,
        |p| Step::Rename(p, "/t/z".into()),
        |p| Step::Rename("/t/d/g".into(), p),
        |p| Step::Rename("/t/d/e".into(), p),
        Step::Ilistdir,
        Step::Chdir,
        Step::Statvfs,
    ];
    for op in ops {
        for p in MATRIX_PATHS {
            for relative in [false, true] {
                let mut steps = setup();
                let path = if relative {
                    steps.push(Step::Chdir("/t/d".into()));
                    format!("..{p}")
                } else {
                    format!("{MOUNT}{p}")
                };
                steps.push(op(path));
                steps.push(Step::Getcwd);
                steps.push(Step::Ilistdir("/t".into()));
                steps.push(Step::Ilistdir("/t/d".into()));
                out.push(Sequence {
                    fs: vec![fs.clone()],
                    steps,
                });
            }
        }
    }
    out
}

/// The situations of [`crate::profile`]'s table, each a sequence of its own on a fresh
/// filesystem at `/t` holding `/f` (1 byte), `/d`, `/d/e` and `/d/g` (2 bytes), with plainly
/// spelled paths: which errno each backend gives for a directory opened as a file, a file used
/// as a directory, removing the wrong kind, renaming over each kind, reading a file opened for
/// writing, where appending writes. Run against MicroPython and against `MemFs` with the
/// backend's profile, they check the profile tables.
pub fn profile_cases(fs: &FsSpec) -> Vec<Sequence> {
    let setup = small_tree;
    let mut cases: Vec<Vec<Step>> = Vec::new();
    for mode in ["r", "r+", "w", "a", "w+", "a+", "x"] {
        cases.push(vec![Step::Open("/t/d".into(), mode.into())]);
        cases.push(vec![Step::Open("/t/f/x".into(), mode.into())]);
    }
    cases.extend([
        vec![Step::Ilistdir("/t/f".into())],
        vec![Step::Stat("/t/f/x".into())],
        vec![Step::Mkdir("/t/d".into())],
        vec![Step::Mkdir("/t/m/x".into())],
        vec![Step::Mkdir("/t/f/x".into())],
        vec![Step::Remove("/t/d/e".into())],
        vec![Step::Remove("/t/m".into())],
        vec![Step::Rmdir("/t/f".into())],
        vec![Step::Rmdir("/t/d".into())],
        vec![Step::Rmdir("/t/m".into())],
        vec![Step::Rename("/t/d/g".into(), "/t/f".into())],
        vec![Step::Rename("/t/f".into(), "/t/d".into())],
        vec![Step::Rename("/t/d".into(), "/t/f".into())],
        vec![Step::Rename("/t/d/e".into(), "/t/m".into())],
        vec![
            Step::Mkdir("/t/n".into()),
            Step::Rename("/t/d".into(), "/t/n".into()),
        ],
        vec![Step::Rename("/t/d/e".into(), "/t/d".into())],
        vec![Step::Rename("/t/m".into(), "/t/z".into())],
        vec![Step::Rename("/t/f".into(), "/t/m/z".into())],
        vec![Step::Chdir("/t/f".into())],
        vec![Step::Chdir("/t/m".into())],
        vec![Step::Open("/t/m".into(), "r".into())],
        vec![Step::Open("/t/f".into(), "x".into())],
        vec![Step::Open("/t/f".into(), "w".into()), Step::Read(2, 1)],
        vec![Step::Open("/t/f".into(), "a".into()), Step::Read(2, 1)],
        vec![
            Step::Open("/t/f".into(), "r".into()),
            Step::Write(2, "z".into()),
        ],
        vec![Step::Open("/t/f".into(), "a".into()), Step::Tell(2)],
        vec![Step::Open("/t/f".into(), "a+".into()), Step::Tell(2)],
        vec![
            Step::Open("/t/f".into(), "a".into()),
            Step::Seek(2, 10, 0),
            Step::Write(2, "z".into()),
            Step::Tell(2),
        ],
        vec![
            Step::Open("/t/f".into(), "a+".into()),
            Step::Seek(2, 0, 0),
            Step::Write(2, "z".into()),
            Step::Tell(2),
        ],
        vec![Step::Stat("/t/d".into()), Step::Stat("/t/f".into())],
        vec![Step::Ilistdir("/t".into()), Step::Ilistdir("/t/d".into())],
    ]);
    cases
        .into_iter()
        .map(|case| {
            let mut steps = setup();
            steps.extend(case);
            // Sizes in listings are those of closed files (FatFs updates its directory entry
            // at flush and close): close what the case opened (slot 2), then list.
            steps.push(Step::Close(2));
            steps.push(Step::Ilistdir("/t".into()));
            steps.push(Step::Ilistdir("/t/d".into()));
            Sequence {
                fs: vec![fs.clone()],
                steps,
            }
        })
        .collect()
}
