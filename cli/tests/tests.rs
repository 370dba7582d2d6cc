//! Tests that run the real `uvfs` binary in a fresh temporary directory per test.
//!
//! - `errors`: usage and error reporting that needs no backend.

mod util;

mod errors;
