//! OpenMode::parse never panics, and whatever it accepts is a consistent mode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvfs_os_api::OpenMode;

fuzz_target!(|mode: &str| {
    if let Ok(m) = OpenMode::parse(mode) {
        assert!(m.read || m.write);
        assert!(!m.append || m.write);
        assert!(!m.truncate || m.write);
        assert!(!m.exclusive || m.create);
        assert!(mode.len() <= 4);
    }
});
