//! `uvfs shell`: an interactive shell over the `Os` API.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use uvfs::os_api::{Errno, Error, FileType, MountOptions, Os};
use uvfs::vfs_core::detect::FsKind;
use uvfs::{RamDisk, System};

use crate::backends::{self, Geometry};
use crate::errors::CliError;
use crate::image::{self, Loaded, SharedRam, Window};
use crate::volume::{now_secs, SettableClock};
use crate::walk::{self, join};

/// Arguments of `uvfs shell`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  uvfs shell                                     RAM littlefs v2 volume at /
  uvfs shell --mount /flash=lfs2:fs.img --mount /host=posix:./dir:ro
  uvfs shell --mount /=fat:sd.img -c 'ls /; cat /boot.py'")]
pub struct ShellArgs {
    /// Mount POINT=KIND:SOURCE[:ro], repeatable. KIND is fat, lfs1, lfs2, kv (SOURCE an image
    /// file) or posix (SOURCE a host directory). Without any, a RAM littlefs v2 volume is at /.
    #[arg(long = "mount", value_name = "POINT=KIND:SOURCE[:ro]")]
    mounts: Vec<String>,
    /// Run these commands (separated by `;`) and exit.
    #[arg(short = 'c', value_name = "COMMANDS")]
    commands: Option<String>,
    /// Duplicate the terminal to a TCP client: tcp:127.0.0.1:PORT.
    #[arg(long, value_name = "tcp:ADDR:PORT")]
    dupterm: Option<String>,
}

/// An image mounted in the shell, to write back on umount, sync and exit.
struct MountedImage {
    point: String,
    path: PathBuf,
    loaded: Loaded,
    dev: SharedRam,
    readonly: bool,
}

struct Shell {
    os: System,
    images: Vec<MountedImage>,
    clock: SettableClock,
    failed: bool,
    /// With `--dupterm`: output is also written to the terminal's slots.
    duplicated: bool,
}

fn split_args(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for ch in line.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

const HELP: &str = "\
commands:
  ls [-l] [PATH]      list a directory          cd PATH        change directory
  pwd                 print the cwd             cat PATH...    print files
  cp SRC DST          copy a file               mv SRC DST     rename
  rm PATH...          remove files              mkdir PATH...  make directories
  rmdir PATH...       remove directories        stat PATH      os.stat
  df [PATH]           os.statvfs                write PATH TEXT  write TEXT to a file
  mount KIND:SOURCE POINT [ro]                  umount POINT
  uname               os.uname                  urandom N      N random bytes, hex
  sync                os.sync (and save images) help           this text
  exit                leave (images are saved)";

impl Shell {
    fn say(&mut self, text: &str) {
        crate::commands::out(text);
        if self.duplicated {
            let line = format!("{}\r\n", text.replace('\n', "\r\n"));
            self.os.terminal().write(line.as_bytes());
        }
    }

    fn err(&mut self, what: &str, e: Error) {
        self.failed = true;
        eprintln!("{what}: {e}");
        if self.duplicated {
            let line = format!("{what}: {e}\r\n");
            self.os.terminal().write(line.as_bytes());
        }
    }

    fn mount_spec(&mut self, spec: &str, point: &str, readonly: bool) -> Result<(), CliError> {
        let (kind, source) = spec
            .split_once(':')
            .ok_or_else(|| CliError::msg(format!("mount: {spec:?} is not KIND:SOURCE")))?;
        let (source, readonly) = match source.strip_suffix(":ro") {
            Some(s) => (s, true),
            None => (source, readonly),
        };
        let opts = MountOptions {
            readonly,
            mkfs: false,
        };
        if kind == "posix" {
            let fs =
                backends::posix(source, self.clock.clone()).map_err(|e| CliError::at(source, e))?;
            return self
                .os
                .mount(fs, point, opts)
                .map_err(|e| CliError::at(point, e));
        }
        let want = match kind {
            "fat" => FsKind::Fat,
            "lfs1" => FsKind::Lfs1,
            "lfs2" => FsKind::Lfs2,
            "kv" => FsKind::Kv,
            other => {
                return Err(CliError::msg(format!(
                    "mount: unknown kind {other:?} (fat, lfs1, lfs2, kv, posix)"
                )))
            }
        };
        let path = PathBuf::from(source);
        let loaded = image::load(&path, &Window::default()).map_err(|e| CliError::at(source, e))?;
        let d = loaded.detected;
        if d.kind != want {
            return Err(CliError::at(
                source,
                Errno::EINVAL.with_detail(if d.kind == FsKind::Fat {
                    "image holds FAT"
                } else {
                    "image holds another kind"
                }),
            ));
        }
        let bytes = loaded.volume_bytes();
        let count = u32::try_from(bytes.len() as u64 / u64::from(d.block_size.max(1))).unwrap_or(0);
        let mut disk = RamDisk::from_image(bytes, d.block_size);
        disk.set_flash(d.kind != FsKind::Fat);
        let dev = SharedRam::new(disk);
        let geo = Geometry::defaults(d.kind, d.block_size, count);
        let fs = backends::filesystem(d.kind, dev.clone(), &geo, self.clock.clone())
            .map_err(|e| CliError::at(source, e))?;
        self.os
            .mount(fs, point, opts)
            .map_err(|e| CliError::at(point, e))?;
        let point = self
            .os
            .mounts()
            .last()
            .map(|m| m.path.clone())
            .unwrap_or_default();
        self.images.push(MountedImage {
            point,
            path,
            loaded,
            dev,
            readonly,
        });
        Ok(())
    }

    fn save(&mut self, index: usize) -> Result<(), CliError> {
        let img = &self.images[index];
        if img.readonly {
            return Ok(());
        }
        let bytes = img.dev.bytes();
        img.loaded
            .store(&img.path, &bytes)
            .map_err(|e| CliError::at(&img.path.display().to_string(), e))
    }

    fn save_all(&mut self) {
        let _ = self.os.sync();
        for i in 0..self.images.len() {
            if let Err(e) = self.save(i) {
                self.failed = true;
                eprintln!("uvfs: {e}");
            }
        }
    }

    /// Runs one command line; false means "exit".
    fn exec(&mut self, line: &str) -> bool {
        let args = split_args(line);
        let Some((cmd, rest)) = args.split_first() else {
            return true;
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        self.clock.set(now_secs());
        match (cmd.as_str(), rest.as_slice()) {
            ("exit" | "quit", _) => return false,
            ("help", _) => self.say(HELP),
            ("pwd", []) => {
                let cwd = self.os.getcwd();
                self.say(&cwd);
            }
            ("cd", [p]) => {
                if let Err(e) = self.os.chdir(p) {
                    self.err(&format!("cd: {p}"), e);
                }
            }
            ("cd", []) => {
                let _ = self.os.chdir("/");
            }
            ("ls", args) => {
                let long = args.contains(&"-l");
                let paths: Vec<&str> = args.iter().copied().filter(|a| *a != "-l").collect();
                let path = paths.first().copied().unwrap_or(".");
                match self.os.ilistdir_all(path) {
                    Ok(entries) => {
                        for e in entries {
                            let name = e.name.as_str();
                            if long {
                                let size =
                                    self.os.stat(&join(path, name)).map(|s| s.size).unwrap_or(0);
                                let t = if e.kind == FileType::Dir { 'd' } else { '-' };
                                self.say(&format!("{t} {size:>10} {name}"));
                            } else if e.kind == FileType::Dir {
                                self.say(&format!("{name}/"));
                            } else {
                                self.say(name);
                            }
                        }
                    }
                    Err(e) => self.err(&format!("ls: {path}"), e),
                }
            }
            ("cat", paths) if !paths.is_empty() => {
                for p in paths {
                    match walk::read_file(&mut self.os, p) {
                        Ok(data) => self.say(String::from_utf8_lossy(&data).trim_end_matches('\n')),
                        Err(e) => self.err(&format!("cat: {p}"), e),
                    }
                }
            }
            ("write", [p, text @ ..]) => {
                let mut data = text.join(" ");
                data.push('\n');
                if let Err(e) = walk::write_file(&mut self.os, p, data.as_bytes()) {
                    self.err(&format!("write: {p}"), e);
                }
            }
            ("cp", [a, b]) => {
                let to = match self.os.stat(b) {
                    Ok(st) if st.kind() == FileType::Dir => {
                        join(b, a.rsplit('/').next().unwrap_or(a))
                    }
                    _ => (*b).to_string(),
                };
                let r = walk::read_file(&mut self.os, a)
                    .and_then(|d| walk::write_file(&mut self.os, &to, &d));
                if let Err(e) = r {
                    self.err(&format!("cp: {a}"), e);
                }
            }
            ("mv", [a, b]) => {
                if let Err(e) = self.os.rename(a, b) {
                    self.err(&format!("mv: {a}"), e);
                }
            }
            ("rm", paths) if !paths.is_empty() => {
                for p in paths {
                    if let Err(e) = self.os.remove(p) {
                        self.err(&format!("rm: {p}"), e);
                    }
                }
            }
            ("mkdir", paths) if !paths.is_empty() => {
                for p in paths {
                    if let Err(e) = self.os.mkdir(p) {
                        self.err(&format!("mkdir: {p}"), e);
                    }
                }
            }
            ("rmdir", paths) if !paths.is_empty() => {
                for p in paths {
                    if let Err(e) = self.os.rmdir(p) {
                        self.err(&format!("rmdir: {p}"), e);
                    }
                }
            }
            ("stat", [p]) => match self.os.stat(p) {
                Ok(st) => {
                    let t = st.to_tuple().map(|x| x.to_string()).join(", ");
                    self.say(&format!("({t})"));
                }
                Err(e) => self.err(&format!("stat: {p}"), e),
            },
            ("df", args) => {
                let p = args.first().copied().unwrap_or(".");
                match self.os.statvfs(p) {
                    Ok(s) => {
                        let t = s.to_tuple().map(|x| x.to_string()).join(", ");
                        self.say(&format!("({t})"));
                        self.say(&format!(
                            "{} of {} bytes free",
                            s.bfree * s.frsize,
                            s.blocks * s.frsize
                        ));
                    }
                    Err(e) => self.err(&format!("df: {p}"), e),
                }
            }
            ("mount", []) => {
                for m in self.os.mounts() {
                    let ro = if m.readonly { " (readonly)" } else { "" };
                    self.say(&format!("{} on {}{ro}", m.type_name, m.path));
                }
            }
            ("mount", [spec, point, flags @ ..]) => {
                let ro = flags.contains(&"ro");
                if let Err(e) = self.mount_spec(spec, point, ro) {
                    self.failed = true;
                    eprintln!("mount: {e}");
                }
            }
            ("umount", [point]) => {
                // The shell takes `umount flash/` or a relative spelling; the router wants the
                // mount point exactly as its table has it.
                let norm = uvfs::vfs_core::path::normalize_mount_point(point, &self.os.getcwd())
                    .unwrap_or_else(|_| (*point).to_owned());
                let index = self.images.iter().position(|i| i.point == norm);
                match self.os.umount(&norm) {
                    Ok(_) => {
                        if let Some(i) = index {
                            if let Err(e) = self.save(i) {
                                self.failed = true;
                                eprintln!("umount: {e}");
                            }
                            self.images.remove(i);
                        }
                    }
                    Err(e) => self.err(&format!("umount: {point}"), e),
                }
            }
            ("uname", []) => {
                let u = self.os.uname();
                let line = format!(
                    "(sysname='{}', nodename='{}', release='{}', version='{}', machine='{}')",
                    u.sysname, u.nodename, u.release, u.version, u.machine
                );
                self.say(&line);
            }
            ("urandom", [n]) => match n.parse::<usize>() {
                Ok(n) if n <= 1 << 20 => {
                    let mut buf = vec![0u8; n];
                    match self.os.urandom(&mut buf) {
                        Ok(()) => {
                            let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
                            self.say(&hex);
                        }
                        Err(e) => self.err("urandom", e),
                    }
                }
                _ => self.err(
                    "urandom",
                    Errno::EINVAL.with_detail("N must be 0..=1048576"),
                ),
            },
            ("sync", []) => self.save_all(),
            (other, _) => {
                self.failed = true;
                eprintln!("{other}: unknown command or wrong arguments (try help)");
            }
        }
        true
    }
}

pub fn run(args: ShellArgs) -> Result<ExitCode, CliError> {
    let clock = SettableClock::new(now_secs());
    let mut shell = Shell {
        os: System::new(),
        images: Vec::new(),
        clock: clock.clone(),
        failed: false,
        duplicated: false,
    };
    if args.mounts.is_empty() {
        let geo = Geometry::defaults(FsKind::Lfs2, 4096, 64);
        let dev = SharedRam::new(RamDisk::new_flash(4096, 64));
        backends::mkfs(FsKind::Lfs2, dev.clone(), &geo, clock.clone())
            .map_err(|e| CliError::at("ram", e))?;
        let fs = backends::filesystem(FsKind::Lfs2, dev, &geo, clock.clone())
            .map_err(|e| CliError::at("ram", e))?;
        shell
            .os
            .mount(fs, "/", MountOptions::default())
            .map_err(|e| CliError::at("/", e))?;
    }
    for spec in &args.mounts {
        let (point, rest) = spec.split_once('=').ok_or_else(|| {
            CliError::msg(format!("--mount {spec:?}: expected POINT=KIND:SOURCE[:ro]"))
        })?;
        shell.mount_spec(rest, point, false)?;
    }
    let listener = match &args.dupterm {
        Some(spec) => Some(listen(spec)?),
        None => None,
    };
    shell.duplicated = listener.is_some();
    if let Some(cmds) = &args.commands {
        for line in cmds.split(';') {
            if !shell.exec(line.trim()) {
                break;
            }
        }
    } else if let Some(listener) = listener {
        serve_duplicated(&mut shell, listener);
    } else if std::io::stdin().is_terminal() {
        let mut editor =
            rustyline::DefaultEditor::new().map_err(|e| CliError::msg(format!("shell: {e}")))?;
        let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".uvfs_history"));
        if let Some(h) = &history {
            let _ = editor.load_history(h);
        }
        loop {
            let prompt = format!("uvfs:{}> ", shell.os.getcwd());
            match editor.readline(&prompt) {
                Ok(line) => {
                    let _ = editor.add_history_entry(line.as_str());
                    if !shell.exec(&line) {
                        break;
                    }
                }
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(_) => break,
            }
        }
        if let Some(h) = &history {
            let _ = editor.save_history(h);
        }
    } else {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if !shell.exec(line.trim()) {
                break;
            }
        }
    }
    shell.save_all();
    Ok(if shell.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Binds `tcp:ADDR:PORT` and says where it listens (port 0 picks a free one).
fn listen(spec: &str) -> Result<std::net::TcpListener, CliError> {
    let addr = spec
        .strip_prefix("tcp:")
        .ok_or_else(|| CliError::msg(format!("--dupterm {spec}: expected tcp:ADDR:PORT")))?;
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| CliError::at(&format!("--dupterm {addr}"), image::io_error(&e)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| CliError::at(addr, image::io_error(&e)))?;
    if let Ok(local) = listener.local_addr() {
        eprintln!("dupterm: listening on {local}");
    }
    Ok(listener)
}

/// The shell loop with the terminal duplicated to a TCP client: lines come from stdin or from
/// the client (whose keystrokes are echoed back), output goes to both. Ends on `exit` from
/// either side, or when stdin is closed and no client is attached.
fn serve_duplicated(shell: &mut Shell, listener: std::net::TcpListener) {
    use std::sync::mpsc;
    use uvfs::dupterm::{Event, FromTcp};

    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdin_open = true;
    let mut attached = false;
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let mut busy = false;
        if !attached {
            if let Ok((stream, peer)) = listener.accept() {
                if let Ok(s) = FromTcp::new(stream) {
                    if shell.os.dupterm(Some(Box::new(s)), 0).is_ok() {
                        attached = true;
                        eprintln!("dupterm: {peer} attached");
                        let prompt = format!("uvfs:{}> ", shell.os.getcwd());
                        shell.os.terminal().write(prompt.as_bytes());
                    }
                }
            }
        }
        match rx.try_recv() {
            Ok(line) => {
                busy = true;
                if !shell.exec(line.trim()) {
                    return;
                }
            }
            Err(mpsc::TryRecvError::Disconnected) => stdin_open = false,
            Err(mpsc::TryRecvError::Empty) => {}
        }
        let n = shell.os.terminal().poll_input(&mut buf);
        for &byte in &buf[..n] {
            busy = true;
            match byte {
                b'\r' | b'\n' => {
                    shell.os.terminal().write(b"\r\n");
                    let line = String::from_utf8_lossy(&std::mem::take(&mut pending)).into_owned();
                    if !line.trim().is_empty() && !shell.exec(line.trim()) {
                        return;
                    }
                    let prompt = format!("uvfs:{}> ", shell.os.getcwd());
                    shell.os.terminal().write(prompt.as_bytes());
                }
                0x7f | 0x08 => {
                    if pending.pop().is_some() {
                        shell.os.terminal().write(b"\x08 \x08");
                    }
                }
                b => {
                    pending.push(b);
                    shell.os.terminal().write(&[b]);
                }
            }
        }
        while let Some(event) = shell.os.terminal().next_event() {
            match event {
                Event::Interrupt { .. } => {
                    pending.clear();
                    shell.os.terminal().write(b"^C\r\n");
                }
                Event::Detached { .. } => {
                    attached = false;
                    eprintln!("dupterm: client detached");
                }
            }
        }
        if !stdin_open && !attached {
            return;
        }
        if !busy {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
