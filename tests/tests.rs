//! Integration tests of the facade, one binary.
//!
//! - `system`: `System` as the whole `os` module (mounts, files, dupterm through the trait).
//! - `shared`: the std layer (`SharedSystem`, `File: Read + Write + Seek`, close on drop).
//! - `micropython`: uvfs against MicroPython's unix port on the same op sequences.

mod micropython;
mod shared;
mod system;
