//! Walking trees inside a mounted volume and copying between a volume and the host.

use std::fs;
use std::path::Path;

use uvfs::os_api::{DirEntry, Errno, Error, FileType, OpenMode, Os, Result};

use crate::image::io_error;
use crate::volume::SettableClock;

/// Joins an image directory path and a name.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Lists a directory, sorted by name when `sorted` (else the filesystem's order).
pub fn list(os: &mut dyn Os, dir: &str, sorted: bool) -> Result<Vec<DirEntry>> {
    let mut entries = os.ilistdir_all(dir)?;
    if sorted {
        entries.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    }
    Ok(entries)
}

/// Every path below `root` (depth first, sorted), with its entry. Errors on the way are passed
/// to `damage` and the walk goes on. The walk is bounded by `limit` entries.
pub fn walk(
    os: &mut dyn Os,
    root: &str,
    limit: usize,
    damage: &mut dyn FnMut(&str, Error),
) -> Vec<(String, DirEntry)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_string()];
    while let Some(dir) = stack.pop() {
        let entries = match list(os, &dir, true) {
            Ok(e) => e,
            Err(e) => {
                damage(&dir, e);
                continue;
            }
        };
        let mut subdirs = Vec::new();
        for e in entries {
            if out.len() >= limit {
                damage(
                    &dir,
                    Errno::EIO.with_detail("too many entries: tree walk stopped"),
                );
                return out;
            }
            let p = join(&dir, e.name.as_str());
            if e.kind == FileType::Dir {
                subdirs.push(p.clone());
            }
            out.push((p, e));
        }
        stack.extend(subdirs.into_iter().rev());
    }
    out
}

/// Reads a whole file from the volume.
pub fn read_file(os: &mut dyn Os, path: &str) -> Result<Vec<u8>> {
    let f = os.open(path, OpenMode::parse("rb")?)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let result = loop {
        match os.read(f, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
    };
    let closed = os.close(f);
    result?;
    closed?;
    Ok(out)
}

/// Writes a whole file into the volume (replacing it).
pub fn write_file(os: &mut dyn Os, path: &str, data: &[u8]) -> Result<()> {
    let f = os.open(path, OpenMode::parse("wb")?)?;
    let mut rest = data;
    let result = loop {
        if rest.is_empty() {
            break Ok(());
        }
        match os.write(f, rest) {
            Ok(0) => break Err(Error::bug("bug: write accepted nothing")),
            Ok(n) => rest = &rest[n..],
            Err(e) => break Err(e),
        }
    };
    let closed = os.close(f);
    result?;
    closed
}

/// Whether a name read from an image is safe to create on the host: not empty, `.` or `..`,
/// and without separators or NUL.
pub fn safe_host_name(name: &str) -> bool {
    !(name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\\')
        || name.contains('\0'))
}

/// Host file mtime in seconds.
pub fn host_mtime(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Sets a host file's mtime (best effort; `unpack` keeps times).
pub fn set_host_mtime(path: &Path, secs: i64) {
    if secs <= 0 {
        return;
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
    if let Ok(f) = fs::File::options().write(true).open(path) {
        let _ = f.set_modified(t);
    }
}

/// Copies a host tree (file or directory) to `dst` in the volume. Names are visited sorted.
/// `fixed_mtime` replaces every host mtime (reproducible images). Returns files and bytes copied.
pub fn host_to_volume(
    os: &mut dyn Os,
    clock: &SettableClock,
    src: &Path,
    dst: &str,
    fixed_mtime: Option<i64>,
    progress: &mut dyn FnMut(u64),
) -> std::result::Result<(u64, u64), (String, Error)> {
    let meta = fs::symlink_metadata(src).map_err(|e| (src.display().to_string(), io_error(&e)))?;
    clock.set(fixed_mtime.unwrap_or_else(|| host_mtime(&meta)));
    if meta.is_dir() {
        match os.mkdir(dst) {
            Ok(()) => {}
            Err(e) if e.errno() == Errno::EEXIST && dst == "/" => {}
            Err(e) if e.errno() == Errno::EEXIST || e.errno() == Errno::EPERM => {
                if os.stat(dst).map(|s| s.kind()) != Ok(FileType::Dir) {
                    return Err((dst.to_string(), e));
                }
            }
            Err(e) => return Err((dst.to_string(), e)),
        }
        let mut names: Vec<_> = fs::read_dir(src)
            .map_err(|e| (src.display().to_string(), io_error(&e)))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        names.sort();
        let (mut files, mut bytes) = (0, 0);
        for name in names {
            let Some(n) = name.to_str() else {
                return Err((
                    src.join(&name).display().to_string(),
                    Errno::EINVAL.with_detail("name is not UTF-8"),
                ));
            };
            let (f, b) = host_to_volume(
                os,
                clock,
                &src.join(n),
                &join(dst, n),
                fixed_mtime,
                progress,
            )?;
            files += f;
            bytes += b;
        }
        Ok((files, bytes))
    } else if meta.is_file() {
        let data = fs::read(src).map_err(|e| (src.display().to_string(), io_error(&e)))?;
        write_file(os, dst, &data).map_err(|e| (dst.to_string(), e))?;
        progress(data.len() as u64);
        Ok((1, data.len() as u64))
    } else {
        // Symlinks and special files are not copied into images.
        Ok((0, 0))
    }
}

/// Copies `src` (file or directory) from the volume to the host path `dst`, keeping mtimes.
/// Unsafe names and read errors are passed to `damage` and skipped.
pub fn volume_to_host(
    os: &mut dyn Os,
    src: &str,
    dst: &Path,
    damage: &mut dyn FnMut(&str, Error),
    progress: &mut dyn FnMut(u64),
) -> std::result::Result<(u64, u64), (String, Error)> {
    let st = os.stat(src).map_err(|e| (src.to_string(), e))?;
    // Never write through a symlink already in the destination: it could point anywhere.
    let existing = fs::symlink_metadata(dst).ok();
    if existing
        .as_ref()
        .is_some_and(|m| m.file_type().is_symlink())
    {
        return Err((
            dst.display().to_string(),
            Errno::EEXIST.with_detail("a symlink is in the way; refusing to write through it"),
        ));
    }
    if st.kind() == FileType::File {
        let data = read_file(os, src).map_err(|e| (src.to_string(), e))?;
        fs::write(dst, &data).map_err(|e| (dst.display().to_string(), io_error(&e)))?;
        set_host_mtime(dst, st.mtime);
        progress(data.len() as u64);
        return Ok((1, data.len() as u64));
    }
    match fs::create_dir(dst) {
        Ok(()) => {}
        Err(e)
            if e.kind() == std::io::ErrorKind::AlreadyExists
                && existing.as_ref().is_some_and(|m| m.is_dir()) => {}
        Err(e) => return Err((dst.display().to_string(), io_error(&e))),
    }
    let (mut files, mut bytes) = (0, 0);
    let entries = list(os, src, true).map_err(|e| (src.to_string(), e))?;
    for e in entries {
        let name = e.name.as_str();
        let from = join(src, name);
        if !safe_host_name(name) {
            damage(&from, Errno::EINVAL.with_detail("unsafe name refused"));
            continue;
        }
        match volume_to_host(os, &from, &dst.join(name), damage, progress) {
            Ok((f, b)) => {
                files += f;
                bytes += b;
            }
            Err((ctx, err)) => damage(&ctx, err),
        }
    }
    set_host_mtime(dst, st.mtime);
    Ok((files, bytes))
}

/// Copies a tree inside or between volumes (`src` in `a`, `dst` in `b`).
pub fn volume_to_volume(
    a: &mut dyn Os,
    b: &mut dyn Os,
    clock: &SettableClock,
    src: &str,
    dst: &str,
    damage: &mut dyn FnMut(&str, Error),
    progress: &mut dyn FnMut(u64),
) -> std::result::Result<(u64, u64), (String, Error)> {
    let st = a.stat(src).map_err(|e| (src.to_string(), e))?;
    clock.set(st.mtime);
    if st.kind() == FileType::File {
        let data = read_file(a, src).map_err(|e| (src.to_string(), e))?;
        write_file(b, dst, &data).map_err(|e| (dst.to_string(), e))?;
        progress(data.len() as u64);
        return Ok((1, data.len() as u64));
    }
    if dst != "/" {
        match b.mkdir(dst) {
            Ok(()) => {}
            Err(e) if e.errno() == Errno::EEXIST => {}
            Err(e) => return Err((dst.to_string(), e)),
        }
    }
    let (mut files, mut bytes) = (0, 0);
    let entries = list(a, src, true).map_err(|e| (src.to_string(), e))?;
    for e in entries {
        let name = e.name.as_str();
        match volume_to_volume(
            a,
            b,
            clock,
            &join(src, name),
            &join(dst, name),
            damage,
            progress,
        ) {
            Ok((f, n)) => {
                files += f;
                bytes += n;
            }
            Err((ctx, err)) if err.errno() == Errno::ENOSPC => return Err((ctx, err)),
            Err((ctx, err)) => damage(&ctx, err),
        }
    }
    Ok((files, bytes))
}
