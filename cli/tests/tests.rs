//! Tests that run the real `uvfs` binary in a fresh temporary directory per test.
//!
//! - `errors`: usage and error reporting that needs no backend.
//! - `shell`: `uvfs shell` on host mounts, and `--dupterm` with a real TCP client.
//! - `images`: every image subcommand on real image files, once per filesystem kind.
//! - `interop`: round trips with the reference tools (mtools, dosfstools, littlefs-python).
//! - `fixtures`: the MicroPython-made images of `testdata/micropython/`, read and converted.

mod util;

mod errors;
mod fixtures;
mod images;
mod interop;
mod shell;
