use crate::util::Dir;

#[test]
fn help_lists_every_subcommand_with_examples() {
    let d = Dir::new();
    let help = d.ok(&["--help"]);
    for cmd in [
        "mkfs", "pack", "unpack", "ls", "tree", "cat", "cp", "mv", "rm", "mkdir", "stat", "df",
        "info", "check", "convert", "shell",
    ] {
        assert!(help.contains(cmd), "--help lacks {cmd}:\n{help}");
    }
    assert!(help.contains("Examples:"));
}

#[test]
fn missing_image_is_enoent_in_the_standard_shape() {
    let d = Dir::new();
    let err = d.fails(&["info", "missing.img"]);
    assert_eq!(err.trim(), "uvfs: missing.img: [Errno 2] ENOENT");
}

#[test]
fn unrecognised_image_is_enodev() {
    let d = Dir::new();
    std::fs::write(d.path("zeros.img"), vec![0u8; 65536]).unwrap();
    let err = d.fails(&["ls", "zeros.img"]);
    assert!(
        err.starts_with("uvfs: zeros.img: [Errno 19] ENODEV"),
        "{err}"
    );
}

#[test]
fn bad_offsets_and_sizes_are_refused() {
    let d = Dir::new();
    std::fs::write(d.path("small.img"), vec![0u8; 4096]).unwrap();
    let err = d.fails(&["ls", "small.img", "--offset", "8K"]);
    assert!(err.contains("[Errno 22] EINVAL"), "{err}");
    let err = d.fails(&["ls", "small.img", "--offset", "1K", "--length", "4K"]);
    assert!(err.contains("[Errno 22] EINVAL"), "{err}");
    let err = d.fails(&["ls", "small.img", "--offset", "12Q"]);
    assert!(err.contains("not a size"), "{err}");
    let err = d.fails(&["mkfs", "x.img", "--fs", "fat", "--size", "1000"]);
    assert!(err.contains("whole number"), "{err}");
    let err = d.fails(&["mkfs", "x.img", "--fs", "lfs2", "--block-size", "100"]);
    assert!(err.contains("power of two"), "{err}");
    assert!(!d.path("x.img").exists());
}
