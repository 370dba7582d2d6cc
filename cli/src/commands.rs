//! The subcommands.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;
use uvfs::os_api::{Errno, Error, FileType, Os, Stat};
use uvfs::vfs_core::detect::FsKind;

use crate::backends::Geometry;
use crate::errors::CliError;
use crate::image::{Target, Window};
use crate::volume::{EngineOpts, SettableClock, Volume};
use crate::walk::{self, join};
use crate::{progress, Command, EngineArgs, FormatArgs, Kind, WindowArgs};

/// Largest number of entries a walk visits before it calls the tree damaged (hostile images).
const WALK_LIMIT: usize = 1_000_000;

/// Writes a line to stdout; a closed pipe (`uvfs ls | head`) ends the program quietly.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{text}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

fn out_bytes(data: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(data).and_then(|_| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Reports damage found while walking, and remembers that there was some.
struct Damage {
    image: String,
    count: usize,
}

impl Damage {
    fn new(image: &Path) -> Damage {
        Damage {
            image: image.display().to_string(),
            count: 0,
        }
    }
    fn report(&mut self, path: &str, e: Error) {
        self.count += 1;
        eprintln!("uvfs: {}:{}: {}", self.image, path, e);
    }
    fn code(&self) -> ExitCode {
        if self.count == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

pub fn kind_of(k: Kind) -> FsKind {
    match k {
        Kind::Fat => FsKind::Fat,
        Kind::Lfs1 => FsKind::Lfs1,
        Kind::Lfs2 => FsKind::Lfs2,
        Kind::Kv => FsKind::Kv,
    }
}

fn window(w: &WindowArgs) -> Window {
    Window {
        offset: w.offset.unwrap_or(0),
        length: w.length,
    }
}

fn small(v: Option<u64>, what: &str) -> Result<Option<u32>, CliError> {
    v.map(|x| u32::try_from(x).map_err(|_| CliError::msg(format!("--{what} is too large"))))
        .transpose()
}

fn engine(e: &EngineArgs) -> Result<EngineOpts, CliError> {
    Ok(EngineOpts {
        read_size: small(e.read_size, "read-size")?,
        prog_size: small(e.prog_size, "prog-size")?,
        lookahead: small(e.lookahead, "lookahead")?,
    })
}

fn open(image: &Path, w: &WindowArgs, e: &EngineArgs, readonly: bool) -> Result<Volume, CliError> {
    Volume::open(image, &window(w), &engine(e)?, readonly)
}

/// Geometry for a new image from the format flags.
pub fn geometry(f: &FormatArgs) -> Result<(FsKind, Geometry), CliError> {
    let kind = kind_of(f.fs);
    let bs = match f.block_size {
        Some(b) => u32::try_from(b).map_err(|_| CliError::msg("--block-size is too large"))?,
        None => Geometry::default_block_size(kind),
    };
    if bs < 128 || !bs.is_power_of_two() {
        return Err(CliError::msg(format!(
            "--block-size {bs}: must be a power of two, at least 128"
        )));
    }
    if !f.size.is_multiple_of(u64::from(bs)) {
        return Err(CliError::msg(format!(
            "--size {} is not a whole number of {bs}-byte blocks",
            f.size
        )));
    }
    let count =
        u32::try_from(f.size / u64::from(bs)).map_err(|_| CliError::msg("--size is too large"))?;
    let mut geo = Geometry::defaults(kind, bs, count);
    let e = engine(&f.engine)?;
    geo.read_size = e.read_size.unwrap_or(geo.read_size);
    geo.prog_size = e.prog_size.unwrap_or(geo.prog_size);
    geo.lookahead = e.lookahead.unwrap_or(geo.lookahead);
    geo.label = f.label.clone();
    if let Some(w) = small(f.word_size, "word-size")? {
        geo.word_size = w;
    }
    geo.disk_version = match f.disk_version.as_deref() {
        None => None,
        Some("2.0") => Some(0x0002_0000),
        Some("2.1") => Some(0x0002_0001),
        Some(other) => {
            return Err(CliError::msg(format!(
                "--disk-version {other}: use 2.0 or 2.1"
            )))
        }
    };
    Ok((kind, geo))
}

fn fixed_mtime(flag: Option<i64>) -> Option<i64> {
    flag.or_else(|| {
        std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.trim().parse().ok())
    })
}

fn type_char(kind: FileType) -> char {
    match kind {
        FileType::Dir => 'd',
        FileType::File => '-',
    }
}

fn stat_json(path: &str, st: &Stat) -> serde_json::Value {
    json!({
        "path": path,
        "type": if st.kind() == FileType::Dir { "dir" } else { "file" },
        "size": st.size,
        "mtime": st.mtime,
        "stat": st.to_tuple(),
    })
}

fn iso_time(secs: i64) -> String {
    // Civil date from days since 1970 (proleptic Gregorian), UTC.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

pub fn run(cmd: Command) -> Result<ExitCode, CliError> {
    match cmd {
        Command::Mkfs { image, format } => {
            let (kind, geo) = geometry(&format)?;
            let v = Volume::create(
                &image,
                kind,
                geo,
                SettableClock::new(crate::volume::now_secs()),
            )?;
            v.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Pack {
            dir,
            image,
            format,
            mtime,
        } => pack(&dir, &image, &format, fixed_mtime(mtime)),
        Command::Unpack {
            image,
            dir,
            window,
            engine,
        } => unpack(&image, &dir, &window, &engine),
        Command::Ls {
            target,
            long,
            recursive,
            json,
            window,
            engine,
        } => ls(&target, long, recursive, json, &window, &engine),
        Command::Tree {
            target,
            window,
            engine,
        } => tree(&target, &window, &engine),
        Command::Cat {
            targets,
            window,
            engine,
        } => {
            for t in targets {
                let t = Target::parse_image(&t);
                let mut v = open(&t.image, &window, &engine, true)?;
                let data = walk::read_file(&mut v.os, &t.path)
                    .map_err(|e| CliError::at(&v.ctx(&t.path), e))?;
                out_bytes(&data);
                v.discard();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Cp {
            src,
            dst,
            recursive,
            window,
            engine,
        } => cp(&src, &dst, recursive, &window, &engine),
        Command::Mv {
            src,
            dst,
            window,
            engine,
        } => {
            let s = Target::parse_image(&src);
            let d = match Target::parse_existing(&dst) {
                Some(d) if d.image != s.image => {
                    return Err(CliError::at(
                        &d.display(),
                        Errno::EXDEV.with_detail("mv works inside one image"),
                    ))
                }
                Some(d) => d.path,
                None => dst.clone(),
            };
            let mut v = open(&s.image, &window, &engine, false)?;
            let to = match v.os.stat(&d) {
                Ok(st) if st.kind() == FileType::Dir => {
                    join(&d, s.path.rsplit('/').next().unwrap_or(""))
                }
                _ => d,
            };
            v.os.rename(&s.path, &to)
                .map_err(|e| CliError::at(&v.ctx(&s.path), e))?;
            v.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rm {
            targets,
            recursive,
            window,
            engine,
        } => {
            for t in targets {
                let t = Target::parse_image(&t);
                let mut v = open(&t.image, &window, &engine, false)?;
                remove(&mut v, &t.path, recursive)?;
                v.finish()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mkdir {
            targets,
            parents,
            window,
            engine,
        } => {
            for t in targets {
                let t = Target::parse_image(&t);
                let mut v = open(&t.image, &window, &engine, false)?;
                if parents {
                    let mut at = String::new();
                    for comp in t.path.split('/').filter(|c| !c.is_empty()) {
                        at.push('/');
                        at.push_str(comp);
                        match v.os.mkdir(&at) {
                            Ok(()) => {}
                            Err(e)
                                if e.errno() == Errno::EEXIST
                                    && v.os.stat(&at).map(|s| s.kind()) == Ok(FileType::Dir) => {}
                            Err(e) => return Err(CliError::at(&v.ctx(&at), e)),
                        }
                    }
                } else {
                    v.os.mkdir(&t.path)
                        .map_err(|e| CliError::at(&v.ctx(&t.path), e))?;
                }
                v.finish()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stat {
            target,
            json,
            window,
            engine,
        } => {
            let t = Target::parse_image(&target);
            let mut v = open(&t.image, &window, &engine, true)?;
            let st =
                v.os.stat(&t.path)
                    .map_err(|e| CliError::at(&v.ctx(&t.path), e))?;
            if json {
                out(&stat_json(&t.path, &st).to_string());
            } else {
                let tuple = st.to_tuple().map(|x| x.to_string()).join(", ");
                out(&format!("{}: ({tuple})", t.path));
                out(&format!(
                    "  type {}  size {}  mtime {} ({})",
                    if st.kind() == FileType::Dir {
                        "dir"
                    } else {
                        "file"
                    },
                    st.size,
                    st.mtime,
                    iso_time(st.mtime)
                ));
            }
            v.discard();
            Ok(ExitCode::SUCCESS)
        }
        Command::Df {
            image,
            json,
            window,
            engine,
        } => {
            let t = Target::parse_image(&image);
            let mut v = open(&t.image, &window, &engine, true)?;
            let s =
                v.os.statvfs("/")
                    .map_err(|e| CliError::at(&v.ctx("/"), e))?;
            let total = s.blocks * s.frsize;
            let free = s.bfree * s.frsize;
            if json {
                out(&json!({"image": t.image, "statvfs": s.to_tuple(), "total": total, "used": total - free.min(total), "free": free}).to_string());
            } else {
                out("Filesystem      Size      Used     Avail  Use%");
                let pct = ((total - free.min(total)) * 100)
                    .checked_div(total)
                    .unwrap_or(0);
                out(&format!(
                    "{:<10} {:>9} {:>9} {:>9} {:>4}%",
                    v.kind.name(),
                    total,
                    total - free.min(total),
                    free,
                    pct
                ));
            }
            v.discard();
            Ok(ExitCode::SUCCESS)
        }
        Command::Info {
            image,
            json,
            window,
            engine,
        } => info(&image, json, &window, &engine),
        Command::Check {
            image,
            window,
            engine,
        } => check(&image, &window, &engine),
        Command::Convert {
            input,
            output,
            to,
            size,
            block_size,
            window,
        } => convert(&input, &output, to, size, block_size, &window),
        Command::Shell(args) => crate::shell::run(args),
    }
}

fn remove(v: &mut Volume, path: &str, recursive: bool) -> Result<(), CliError> {
    let st = v.os.stat(path).map_err(|e| CliError::at(&v.ctx(path), e))?;
    if st.kind() == FileType::Dir {
        if !recursive {
            return Err(CliError::at(
                &v.ctx(path),
                Errno::EISDIR.with_detail("use rm -r for directories"),
            ));
        }
        let entries =
            walk::list(&mut v.os, path, false).map_err(|e| CliError::at(&v.ctx(path), e))?;
        for e in entries {
            remove(v, &join(path, e.name.as_str()), true)?;
        }
        if path != "/" {
            v.os.rmdir(path)
                .map_err(|e| CliError::at(&v.ctx(path), e))?;
        }
        Ok(())
    } else {
        v.os.remove(path).map_err(|e| CliError::at(&v.ctx(path), e))
    }
}

fn pack(
    dir: &Path,
    image: &Path,
    format: &FormatArgs,
    mtime: Option<i64>,
) -> Result<ExitCode, CliError> {
    if !dir.is_dir() {
        return Err(CliError::at(
            &dir.display().to_string(),
            Errno::ENOTDIR.into(),
        ));
    }
    let (kind, geo) = geometry(format)?;
    let clock = SettableClock::new(mtime.unwrap_or(0));
    let mut v = Volume::create(image, kind, geo, clock.clone())?;
    let bar = progress::bytes(progress::host_tree_size(dir), "pack");
    let result = walk::host_to_volume(&mut v.os, &clock, dir, "/", mtime, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    match result {
        Ok(_) => {
            v.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Err((ctx, e)) => {
            v.discard();
            Err(CliError::at(&format!("{}:{ctx}", image.display()), e))
        }
    }
}

fn unpack(image: &str, dir: &Path, w: &WindowArgs, e: &EngineArgs) -> Result<ExitCode, CliError> {
    let t = Target::parse_image(image);
    let mut v = open(&t.image, w, e, true)?;
    let mut damage = Damage::new(&t.image);
    let total =
        v.os.statvfs("/")
            .map(|s| (s.blocks - s.bfree.min(s.blocks)) * s.frsize)
            .unwrap_or(0);
    let bar = progress::bytes(total, "unpack");
    let result = walk::volume_to_host(
        &mut v.os,
        &t.path,
        dir,
        &mut |p, err| damage.report(p, err),
        &mut |n| bar.inc(n),
    );
    bar.finish_and_clear();
    v.discard();
    match result {
        Ok(_) => Ok(damage.code()),
        Err((ctx, err)) => Err(CliError::at(&ctx, err)),
    }
}

fn ls(
    target: &str,
    long: bool,
    recursive: bool,
    as_json: bool,
    w: &WindowArgs,
    e: &EngineArgs,
) -> Result<ExitCode, CliError> {
    let t = Target::parse_image(target);
    let mut v = open(&t.image, w, e, true)?;
    let st =
        v.os.stat(&t.path)
            .map_err(|err| CliError::at(&v.ctx(&t.path), err))?;
    let mut damage = Damage::new(&t.image);
    let mut rows = Vec::new();
    if st.kind() == FileType::File {
        let name = t.path.rsplit('/').next().unwrap_or("").to_string();
        rows.push((t.path.clone(), name, st.kind(), Some(st)));
    } else if recursive {
        for (path, entry) in walk::walk(&mut v.os, &t.path, WALK_LIMIT, &mut |p, err| {
            damage.report(p, err)
        }) {
            let st = if long || as_json {
                v.os.stat(&path).ok()
            } else {
                None
            };
            rows.push((path.clone(), path, entry.kind, st));
        }
    } else {
        let entries = walk::list(&mut v.os, &t.path, false)
            .map_err(|err| CliError::at(&v.ctx(&t.path), err))?;
        for entry in entries {
            let path = join(&t.path, entry.name.as_str());
            let st = if long || as_json {
                v.os.stat(&path).ok()
            } else {
                None
            };
            rows.push((path, entry.name.as_str().to_string(), entry.kind, st));
        }
    }
    if as_json {
        let items: Vec<_> = rows
            .iter()
            .map(|(path, name, kind, st)| {
                json!({
                    "path": path, "name": name,
                    "type": if *kind == FileType::Dir { "dir" } else { "file" },
                    "size": st.map(|s| s.size), "mtime": st.map(|s| s.mtime),
                })
            })
            .collect();
        out(&serde_json::Value::Array(items).to_string());
    } else {
        for (_, name, kind, st) in &rows {
            let shown = if *kind == FileType::Dir {
                format!("{name}/")
            } else {
                name.clone()
            };
            match (long, st) {
                (true, Some(s)) => out(&format!(
                    "{} {:>10} {} {shown}",
                    type_char(*kind),
                    s.size,
                    iso_time(s.mtime)
                )),
                _ => out(&shown),
            }
        }
    }
    v.discard();
    Ok(damage.code())
}

fn tree(target: &str, w: &WindowArgs, e: &EngineArgs) -> Result<ExitCode, CliError> {
    let t = Target::parse_image(target);
    let mut v = open(&t.image, w, e, true)?;
    let mut damage = Damage::new(&t.image);
    out(&t.path);
    let (mut dirs, mut files) = (0, 0);
    fn rec(
        v: &mut Volume,
        dir: &str,
        prefix: &str,
        depth: usize,
        damage: &mut Damage,
        counts: (&mut u64, &mut u64),
    ) {
        if depth > 256 {
            damage.report(dir, Errno::ELOOP.with_detail("directory tree too deep"));
            return;
        }
        let entries = match walk::list(&mut v.os, dir, true) {
            Ok(e) => e,
            Err(err) => return damage.report(dir, err),
        };
        let n = entries.len();
        let (dirs, files) = counts;
        for (i, e) in entries.iter().enumerate() {
            let last = i + 1 == n;
            out(&format!(
                "{prefix}{}{}",
                if last { "└── " } else { "├── " },
                e.name
            ));
            if e.kind == FileType::Dir {
                *dirs += 1;
                let p = format!("{prefix}{}", if last { "    " } else { "│   " });
                rec(
                    v,
                    &join(dir, e.name.as_str()),
                    &p,
                    depth + 1,
                    damage,
                    (&mut *dirs, &mut *files),
                );
            } else {
                *files += 1;
            }
        }
    }
    let path = t.path.clone();
    rec(&mut v, &path, "", 0, &mut damage, (&mut dirs, &mut files));
    out(&format!("\n{dirs} directories, {files} files"));
    v.discard();
    Ok(damage.code())
}

fn cp(
    src: &str,
    dst: &str,
    recursive: bool,
    w: &WindowArgs,
    e: &EngineArgs,
) -> Result<ExitCode, CliError> {
    let s = Target::parse_existing(src);
    let d = Target::parse_existing(dst).or_else(|| {
        // IMAGE:PATH whose image exists is required for a destination inside an image.
        dst.split_once(':')
            .filter(|(img, _)| Path::new(img).is_file())
            .map(|_| Target::parse_image(dst))
    });
    let base = |p: &str| {
        p.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    match (s, d) {
        (None, None) => Err(CliError::msg(format!(
            "cp: neither {src:?} nor {dst:?} is IMAGE:PATH with an existing image file"
        ))),
        (None, Some(d)) => {
            let host = PathBuf::from(src);
            let meta = std::fs::metadata(&host)
                .map_err(|err| CliError::at(src, crate::image::io_error(&err)))?;
            if meta.is_dir() && !recursive {
                return Err(CliError::at(
                    src,
                    Errno::EISDIR.with_detail("use cp -r for directories"),
                ));
            }
            let mut v = open(&d.image, w, e, false)?;
            let mut to = d.path.clone();
            if v.os.stat(&to).map(|s| s.kind()) == Ok(FileType::Dir) {
                let name = host
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                to = join(&to, &name);
            }
            let bar = progress::bytes(progress::host_tree_size(&host), "cp");
            let clock = v.clock.clone();
            let r = walk::host_to_volume(&mut v.os, &clock, &host, &to, None, &mut |n| bar.inc(n));
            bar.finish_and_clear();
            match r {
                Ok(_) => {
                    v.finish()?;
                    Ok(ExitCode::SUCCESS)
                }
                Err((ctx, err)) => {
                    let c = v.ctx(&ctx);
                    v.discard();
                    Err(CliError::at(&c, err))
                }
            }
        }
        (Some(s), None) => {
            let mut v = open(&s.image, w, e, true)?;
            let st =
                v.os.stat(&s.path)
                    .map_err(|err| CliError::at(&v.ctx(&s.path), err))?;
            if st.kind() == FileType::Dir && !recursive {
                return Err(CliError::at(
                    &v.ctx(&s.path),
                    Errno::EISDIR.with_detail("use cp -r for directories"),
                ));
            }
            let mut to = PathBuf::from(dst);
            if to.is_dir() {
                to = to.join(base(&s.path));
            }
            let mut damage = Damage::new(&s.image);
            let bar = progress::bytes(st.size, "cp");
            let r = walk::volume_to_host(
                &mut v.os,
                &s.path,
                &to,
                &mut |p, err| damage.report(p, err),
                &mut |n| bar.inc(n),
            );
            bar.finish_and_clear();
            v.discard();
            r.map_err(|(ctx, err)| CliError::at(&ctx, err))?;
            Ok(damage.code())
        }
        (Some(s), Some(d)) => {
            let same = s.image == d.image;
            let mut a = open(&s.image, w, e, !same)?;
            let st =
                a.os.stat(&s.path)
                    .map_err(|err| CliError::at(&a.ctx(&s.path), err))?;
            if st.kind() == FileType::Dir && !recursive {
                return Err(CliError::at(
                    &a.ctx(&s.path),
                    Errno::EISDIR.with_detail("use cp -r for directories"),
                ));
            }
            let mut damage = Damage::new(&d.image);
            let clock = a.clock.clone();
            if same {
                let mut to = d.path.clone();
                if a.os.stat(&to).map(|s| s.kind()) == Ok(FileType::Dir) {
                    to = join(&to, &base(&s.path));
                }
                if uvfs::os_api::path::is_within(&to, &s.path) {
                    return Err(CliError::at(
                        &a.ctx(&to),
                        Errno::EINVAL.with_detail("cannot copy a directory into itself"),
                    ));
                }
                // Copy through a second view of the same bytes: read from a snapshot.
                let mut snapshot = open(&s.image, w, e, true)?;
                let r = walk::volume_to_volume(
                    &mut snapshot.os,
                    &mut a.os,
                    &clock,
                    &s.path,
                    &to,
                    &mut |p, err| damage.report(p, err),
                    &mut |_| {},
                );
                snapshot.discard();
                r.map_err(|(ctx, err)| CliError::at(&a.ctx(&ctx), err))?;
                a.finish()?;
            } else {
                let mut b = open(&d.image, w, e, false)?;
                let mut to = d.path.clone();
                if b.os.stat(&to).map(|s| s.kind()) == Ok(FileType::Dir) {
                    to = join(&to, &base(&s.path));
                }
                let clock = b.clock.clone();
                let r = walk::volume_to_volume(
                    &mut a.os,
                    &mut b.os,
                    &clock,
                    &s.path,
                    &to,
                    &mut |p, err| damage.report(p, err),
                    &mut |_| {},
                );
                a.discard();
                r.map_err(|(ctx, err)| CliError::at(&b.ctx(&ctx), err))?;
                b.finish()?;
            }
            Ok(damage.code())
        }
    }
}

fn info(image: &str, as_json: bool, w: &WindowArgs, e: &EngineArgs) -> Result<ExitCode, CliError> {
    let t = Target::parse_image(image);
    let mut v = open(&t.image, w, e, true)?;
    let loaded = v
        .loaded
        .as_ref()
        .ok_or_else(|| CliError::msg("bug: volume without image"))?;
    let d = loaded.detected;
    let offset = loaded.offset;
    let file_len = loaded.file_bytes.len() as u64;
    let s =
        v.os.statvfs("/")
            .map_err(|err| CliError::at(&v.ctx("/"), err))?;
    let size = u64::from(v.geo.block_count) * u64::from(v.geo.block_size);
    let mut flags = format!(
        "--fs {} --size {} --block-size {}",
        d.kind.name(),
        size,
        d.block_size
    );
    if matches!(d.kind, FsKind::Lfs1 | FsKind::Lfs2) {
        flags.push_str(&format!(
            " --read-size {} --prog-size {} --lookahead {}",
            v.geo.read_size, v.geo.prog_size, v.geo.lookahead
        ));
    }
    if d.kind == FsKind::Kv {
        let mut dev = v.dev.clone();
        if let Ok(h) = uvfs_backend_kv::read_device_header(&mut dev) {
            flags.push_str(&format!(" --word-size {}", h.word_size));
        }
    }
    if d.kind == FsKind::Lfs2 {
        flags.push_str(&format!(
            " --disk-version {}.{}",
            d.version >> 16,
            d.version & 0xFFFF
        ));
    }
    let version = match d.kind {
        FsKind::Fat => format!("FAT{}", d.version),
        _ => format!("{}.{}", d.version >> 16, d.version & 0xFFFF),
    };
    if as_json {
        out(&json!({
            "image": t.image, "file_bytes": file_len, "offset": offset, "kind": d.kind.name(),
            "version": version, "block_size": d.block_size, "block_count": v.geo.block_count,
            "statvfs": s.to_tuple(), "recreate": flags,
        })
        .to_string());
    } else {
        out(&format!(
            "image:       {} ({file_len} bytes)",
            t.image.display()
        ));
        out(&format!(
            "filesystem:  {} (version {version})",
            d.kind.name()
        ));
        out(&format!("offset:      {offset}"));
        out(&format!(
            "geometry:    {} blocks of {} bytes ({size} bytes)",
            v.geo.block_count, d.block_size
        ));
        out(&format!(
            "usage:       {} of {} blocks free ({} bytes)",
            s.bfree,
            s.blocks,
            s.bfree * s.frsize
        ));
        out(&format!("recreate:    uvfs mkfs IMAGE {flags}"));
    }
    v.discard();
    Ok(ExitCode::SUCCESS)
}

fn check(image: &str, w: &WindowArgs, e: &EngineArgs) -> Result<ExitCode, CliError> {
    let t = Target::parse_image(image);
    let mut v = open(&t.image, w, e, true)?;
    let mut damage = Damage::new(&t.image);
    let entries = walk::walk(&mut v.os, &t.path, WALK_LIMIT, &mut |p, err| {
        damage.report(p, err)
    });
    let bar = progress::bytes(entries.len() as u64, "check");
    let (mut files, mut dirs, mut bytes) = (0u64, 0u64, 0u64);
    for (path, entry) in &entries {
        bar.inc(1);
        match v.os.stat(path) {
            Ok(st) if st.kind() != entry.kind => damage.report(
                path,
                Errno::EIO.with_detail("listing and stat disagree on the type"),
            ),
            Ok(_) => {}
            Err(err) => {
                damage.report(path, err);
                continue;
            }
        }
        if entry.kind == FileType::Dir {
            dirs += 1;
            continue;
        }
        match walk::read_file(&mut v.os, path) {
            Ok(data) => {
                files += 1;
                bytes += data.len() as u64;
                if let Some(size) = entry.size {
                    if size != data.len() as u64 {
                        damage.report(
                            path,
                            Errno::EIO.with_detail("listed size differs from the bytes read"),
                        );
                    }
                }
            }
            Err(err) => damage.report(path, err),
        }
    }
    bar.finish_and_clear();
    if let Err(err) = v.os.statvfs("/") {
        damage.report("/", err);
    }
    out(&format!(
        "{}: {} directories, {files} files, {bytes} bytes read, {} problems",
        t.image.display(),
        dirs,
        damage.count
    ));
    v.discard();
    Ok(damage.code())
}

fn convert(
    input: &str,
    output: &Path,
    to: Kind,
    size: Option<u64>,
    block_size: Option<u64>,
    w: &WindowArgs,
) -> Result<ExitCode, CliError> {
    let t = Target::parse_image(input);
    let mut src = open(&t.image, w, &EngineArgs::default(), true)?;
    let src_size = u64::from(src.geo.block_count) * u64::from(src.geo.block_size);
    // By default the new volume keeps the source's size and block size (a FAT sector or a
    // littlefs block), where the new kind can have it: small files stay as cheap as they were.
    let keep_block = match to {
        Kind::Fat => (512..=4096).contains(&src.geo.block_size),
        _ => true,
    };
    let block_size = block_size.or(keep_block.then_some(u64::from(src.geo.block_size)));
    let format = FormatArgs {
        fs: to,
        size: size.unwrap_or(src_size),
        block_size,
        engine: EngineArgs::default(),
        label: None,
        disk_version: None,
        word_size: None,
    };
    let (kind, geo) = geometry(&format)?;
    let clock = SettableClock::new(0);
    let mut dst = Volume::create(output, kind, geo, clock.clone())?;
    let mut damage = Damage::new(&t.image);
    let total = src
        .os
        .statvfs("/")
        .map(|s| (s.blocks - s.bfree.min(s.blocks)) * s.frsize)
        .unwrap_or(0);
    let bar = progress::bytes(total, "convert");
    let r = walk::volume_to_volume(
        &mut src.os,
        &mut dst.os,
        &clock,
        &t.path,
        "/",
        &mut |p, err| damage.report(p, err),
        &mut |n| bar.inc(n),
    );
    bar.finish_and_clear();
    src.discard();
    match r {
        Ok(_) => {
            dst.finish()?;
            Ok(damage.code())
        }
        Err((ctx, err)) => {
            let c = dst.ctx(&ctx);
            dst.discard();
            Err(CliError::at(&c, err))
        }
    }
}
