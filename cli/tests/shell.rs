use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{text, Dir};

#[test]
fn shell_commands_on_a_posix_mount() {
    let d = Dir::new();
    std::fs::create_dir(d.path("host")).unwrap();
    std::fs::write(d.path("host/hello.txt"), "hi there\n").unwrap();
    let out = d.ok(&[
        "shell",
        "--mount",
        "/h=posix:host",
        "-c",
        "cd /h; pwd; ls; cat hello.txt; mkdir sub; write sub/n.txt one two; mv sub/n.txt sub/m.txt; ls sub; stat sub/m.txt; mount",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "/h");
    assert_eq!(lines[1], "hello.txt");
    assert_eq!(lines[2], "hi there");
    assert_eq!(lines[3], "m.txt");
    assert!(
        lines[4].starts_with("(") && lines[4].contains(", 8, "),
        "{}",
        lines[4]
    );
    assert_eq!(lines[5], "VfsPosix on /h");
    assert_eq!(
        std::fs::read_to_string(d.path("host/sub/m.txt")).unwrap(),
        "one two\n"
    );
}

#[test]
fn shell_errors_are_reported_and_set_the_exit_status() {
    let d = Dir::new();
    std::fs::create_dir(d.path("host")).unwrap();
    let err = d.fails(&[
        "shell",
        "--mount",
        "/h=posix:host",
        "-c",
        "cat /h/missing; uname",
    ]);
    assert!(err.contains("cat: /h/missing: [Errno 2] ENOENT"), "{err}");
    let err = d.fails(&["shell", "--mount", "/h=posix:host:ro", "-c", "mkdir /h/x"]);
    assert!(err.contains("[Errno 30] EROFS"), "{err}");
    assert!(!d.path("host/x").exists());
}

/// A TCP client on 127.0.0.1 receives the duplicated output, and its keystrokes run commands.
#[test]
fn dupterm_tcp_client_sees_output_and_types_commands() {
    let d = Dir::new();
    std::fs::create_dir(d.path("host")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_uvfs"))
        .args([
            "shell",
            "--mount",
            "/h=posix:host",
            "--dupterm",
            "tcp:127.0.0.1:0",
        ])
        .current_dir(d.root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("dupterm: listening on ")
        .expect(&line)
        .to_string();
    let mut client = TcpStream::connect(&addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    client
        .write_all(b"write /h/from_tcp.txt typed remotely\r")
        .unwrap();
    client.write_all(b"cat /h/from_tcp.txt\r").unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&seen).contains("typed remotely\r\n") && Instant::now() < deadline {
        let mut buf = [0u8; 512];
        if let Ok(n) = client.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
    }
    // A command typed on the local stdin is duplicated to the client too.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"pwd\n").unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&seen).contains("/\r\n") && Instant::now() < deadline {
        let mut buf = [0u8; 512];
        if let Ok(n) = client.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
    }
    client.write_all(b"exit\r").unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    let all = text(&seen);
    assert!(all.contains("typed remotely\r\n"), "client saw: {all:?}");
    assert!(all.contains("/\r\n"), "client saw: {all:?}");
    assert_eq!(
        std::fs::read_to_string(d.path("host/from_tcp.txt")).unwrap(),
        "typed remotely\n"
    );
    assert!(status.success());
}

/// With no mounts the shell starts on a RAM littlefs v2 volume at `/`, and every os command
/// works on it.
#[test]
fn shell_default_is_a_ram_lfs2_volume() {
    let d = Dir::new();
    let out = d.ok(&[
        "shell",
        "-c",
        "mount; pwd; mkdir /d; write /d/a.txt hello; cp /d/a.txt /b.txt; mv /b.txt /c.txt; cat /c.txt; ls; rm /c.txt; rm /d/a.txt; rmdir /d; ls; urandom 4; sync; uname",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "VfsLfs2 on /");
    assert_eq!(lines[1], "/");
    assert_eq!(lines[2], "hello");
    assert_eq!(&lines[3..5], ["c.txt", "d/"]);
    assert_eq!(lines[5].len(), 8, "urandom 4 prints 8 hex digits: {out}");
    assert!(lines[5].chars().all(|c| c.is_ascii_hexdigit()));
    assert!(lines[6].starts_with("(sysname="), "{out}");
}

/// Images mounted in the shell are changed in RAM and saved on exit; read-only ones never.
#[test]
fn shell_saves_mounted_images_on_exit() {
    let d = Dir::new();
    d.ok(&["mkfs", "fat.img", "--fs", "fat", "--size", "256K"]);
    d.ok(&["mkfs", "lfs.img", "--fs", "lfs2", "--size", "128K"]);
    let before = std::fs::read(d.path("lfs.img")).unwrap();
    d.ok(&[
        "shell",
        "--mount",
        "/sd=fat:fat.img",
        "--mount",
        "/flash=lfs2:lfs.img:ro",
        "-c",
        "write /sd/boot.py print(1); ls /sd; ls /flash",
    ]);
    assert_eq!(d.ok(&["cat", "fat.img:/boot.py"]), "print(1)\n");
    assert_eq!(std::fs::read(d.path("lfs.img")).unwrap(), before);
    let err = d.fails(&[
        "shell",
        "--mount",
        "/flash=lfs2:lfs.img:ro",
        "-c",
        "mkdir /flash/x",
    ]);
    assert!(err.contains("[Errno 30] EROFS"), "{err}");
}
