use proptest::prelude::*;
use uvfs_os_api::path::{is_within, validate};
use uvfs_vfs_core::path::resolve;

fn component() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![".", "..", "", "a", "b", "ab"])
}

fn raw_path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(component(), 0..8),
        any::<bool>(),
    )
        .prop_map(|(abs, comps, trailing)| {
            let mut s = if abs {
                String::from("/")
            } else {
                String::new()
            };
            s.push_str(&comps.join("/"));
            if trailing {
                s.push('/');
            }
            s
        })
}

fn cwd() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["/", "/a", "/a/b", "/m", "/m/a", "/m/a/b", "/ab"])
        .prop_map(String::from)
}

const MOUNTS: [&str; 2] = ["/m", "/m/a"];

fn at_mount(p: &str) -> bool {
    MOUNTS.contains(&p)
}

/// `PROPTEST_CASES` cases (default 512). Two tests reject absolute or empty inputs (about half
/// of them), so the reject budget grows with the case count: proptest's fixed default of 1024
/// aborted those tests with "Too many global rejects" at 5000 cases.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        max_global_rejects: cases.saturating_mul(4).max(1024),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn resolved_paths_are_normalised(input in raw_path(), cwd in cwd()) {
        if let Ok(r) = resolve(&input, &cwd, at_mount) {
            prop_assert!(validate(&r.path).is_ok(), "{input:?} from {cwd:?} gave {:?}", r.path);
        } else {
            prop_assert!(input.is_empty());
        }
    }

    #[test]
    fn resolution_is_idempotent(input in raw_path(), cwd in cwd()) {
        if let Ok(r) = resolve(&input, &cwd, at_mount) {
            let again = resolve(&r.path, "/", at_mount).unwrap();
            prop_assert_eq!(again.path, r.path);
        }
    }

    #[test]
    fn dotdot_never_leaves_the_cwd_mount(input in raw_path(), cwd in cwd()) {
        prop_assume!(!input.starts_with('/'));
        if let Ok(r) = resolve(&input, &cwd, at_mount) {
            // The innermost mount containing the cwd also contains the result.
            let owner = MOUNTS.iter().filter(|m| is_within(&cwd, m)).max_by_key(|m| m.len());
            if let Some(m) = owner {
                prop_assert!(is_within(&r.path, m), "{input:?} from {cwd:?} left {m} for {:?}", r.path);
            }
        }
    }

    #[test]
    fn without_mounts_relative_is_cwd_joined(input in raw_path(), cwd in cwd()) {
        prop_assume!(!input.is_empty() && !input.starts_with('/'));
        let rel = resolve(&input, &cwd, |_| false).unwrap();
        let joined = resolve(&format!("{cwd}/{input}"), "/", |_| false).unwrap();
        prop_assert_eq!(rel.path, joined.path);
    }

    #[test]
    fn trailing_slash_is_reported(input in raw_path(), cwd in cwd()) {
        if let Ok(r) = resolve(&input, &cwd, at_mount) {
            prop_assert_eq!(r.trailing_slash, input.ends_with('/') && r.path != "/");
        }
    }
}
