//! Path resolution: never panics; results are normalised, idempotent, and `..` never leaves the
//! mount the walk is in.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use uvfs_os_api::path::{is_within, validate};
use uvfs_vfs_core::path::resolve;

#[derive(Arbitrary, Debug)]
struct Input {
    cwd: u8,
    path: String,
}

const CWDS: [&str; 5] = ["/", "/a", "/m", "/m/a", "/m/a/b"];
const MOUNTS: [&str; 2] = ["/m", "/m/a"];

fuzz_target!(|input: Input| {
    let cwd = CWDS[usize::from(input.cwd) % CWDS.len()];
    let at_mount = |p: &str| MOUNTS.contains(&p);
    if let Ok(r) = resolve(&input.path, cwd, at_mount) {
        assert!(validate(&r.path).is_ok(), "{:?}", r.path);
        assert_eq!(
            resolve(&r.path, "/", at_mount).map(|x| x.path).ok(),
            Some(r.path.clone())
        );
        if !input.path.starts_with('/') {
            if let Some(m) = MOUNTS
                .iter()
                .filter(|m| is_within(cwd, m))
                .max_by_key(|m| m.len())
            {
                assert!(is_within(&r.path, m));
            }
        }
    }
});
