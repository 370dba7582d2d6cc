//! How std I/O errors become errnos (the std stream adapters' only "engine").
//!
//! | `std::io` outcome | what the stream reports |
//! |---|---|
//! | `Ok(0)` from `read` on a non-empty buffer | [`ReadStatus::Eof`](uvfs_os_api::ReadStatus::Eof) |
//! | `ErrorKind::WouldBlock` | `NotReady` (no data yet / no room yet), not an error |
//! | `ErrorKind::Interrupted` | retried a few times, then `NotReady` |
//! | an error carrying an OS errno | that errno unchanged (`ECONNRESET` 104, `EPIPE` 32, ...), as MicroPython's sockets raise it |
//! | an error without an OS errno | `EIO` with the detail "I/O error without an OS errno" |
//!
//! Errors are never mapped through `io::ErrorKind`, which loses the number.

use uvfs_os_api::{Errno, Error};

/// The errno of a std I/O error.
pub(crate) fn from_io(e: &std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(code) => Error::new(Errno::from_code(code)),
        None => Errno::EIO.with_detail("I/O error without an OS errno"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn os_errnos_pass_through_unchanged() {
        for code in [1, 5, 11, 32, 104, 107, 110, 111, 200] {
            let e = from_io(&io::Error::from_raw_os_error(code));
            assert_eq!(e.errno().code(), code);
            assert_eq!(e.detail(), None);
        }
    }

    #[test]
    fn errors_without_an_os_errno_are_eio() {
        let e = from_io(&io::Error::new(io::ErrorKind::WriteZero, "x"));
        assert_eq!(e, Errno::EIO);
        assert_eq!(e.detail(), Some("I/O error without an OS errno"));
    }
}
