//! [`FromBlocking`]: any blocking `embedded-storage` NOR flash as the async flash
//! `sequential-storage` drives, and the executor that drives it.

use core::fmt;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_storage::nor_flash::{
    ErrorType, MultiwriteNorFlash, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use embedded_storage_async::nor_flash as nor_async;
use uvfs_os_api::{Error, Result};

/// The error of a [`FromBlocking`] flash: the wrapped flash's own error, or a change refused
/// because the volume is mounted read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashError<E> {
    /// The flash reported this error.
    Flash(E),
    /// A write or erase was attempted while the adapter was read-only.
    ReadOnly,
}

impl<E: NorFlashError> NorFlashError for FlashError<E> {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            FlashError::Flash(e) => e.kind(),
            FlashError::ReadOnly => NorFlashErrorKind::Other,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for FlashError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlashError::Flash(e) => write!(f, "flash error: {e:?}"),
            FlashError::ReadOnly => f.write_str("flash is read-only"),
        }
    }
}

/// Adapts a blocking `embedded_storage::nor_flash::NorFlash` to the async
/// `embedded_storage_async::nor_flash::NorFlash` that `sequential-storage` is written against.
///
/// Every operation completes before its future is first polled, so the futures never pend and
/// [`VfsKv`](crate::VfsKv) drives them with a poll loop that needs no runtime, no timer and no
/// `unsafe`. The adapter can be switched read-only, which turns every write and erase into
/// [`FlashError::ReadOnly`]: a read-only mount cannot change the flash even when
/// `sequential-storage` would like to repair something it found.
///
/// The geometry constants are the wrapped flash's: `READ_SIZE`, `WRITE_SIZE` and `ERASE_SIZE`.
#[derive(Debug)]
pub struct FromBlocking<F> {
    flash: F,
    readonly: bool,
}

impl<F> FromBlocking<F> {
    /// Wraps `flash`, writable.
    pub const fn new(flash: F) -> Self {
        FromBlocking {
            flash,
            readonly: false,
        }
    }

    /// Refuses (or again allows) writes and erases.
    pub fn set_readonly(&mut self, readonly: bool) {
        self.readonly = readonly;
    }

    /// Whether writes and erases are refused.
    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// The wrapped flash.
    pub fn inner(&self) -> &F {
        &self.flash
    }

    /// The wrapped flash, mutably. Writing through it behind `sequential-storage`'s back makes
    /// its caches wrong; [`VfsKv`](crate::VfsKv) only does so while unmounted.
    pub fn inner_mut(&mut self) -> &mut F {
        &mut self.flash
    }

    /// The flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    fn writable<E>(&self) -> core::result::Result<(), FlashError<E>> {
        if self.readonly {
            Err(FlashError::ReadOnly)
        } else {
            Ok(())
        }
    }
}

impl<F: ErrorType> ErrorType for FromBlocking<F> {
    type Error = FlashError<F::Error>;
}

impl<F: ReadNorFlash> nor_async::ReadNorFlash for FromBlocking<F> {
    const READ_SIZE: usize = F::READ_SIZE;

    async fn read(
        &mut self,
        offset: u32,
        bytes: &mut [u8],
    ) -> core::result::Result<(), Self::Error> {
        self.flash.read(offset, bytes).map_err(FlashError::Flash)
    }

    fn capacity(&self) -> usize {
        self.flash.capacity()
    }
}

impl<F: NorFlash> nor_async::NorFlash for FromBlocking<F> {
    const WRITE_SIZE: usize = F::WRITE_SIZE;
    const ERASE_SIZE: usize = F::ERASE_SIZE;

    async fn erase(&mut self, from: u32, to: u32) -> core::result::Result<(), Self::Error> {
        self.writable()?;
        self.flash.erase(from, to).map_err(FlashError::Flash)
    }

    async fn write(&mut self, offset: u32, bytes: &[u8]) -> core::result::Result<(), Self::Error> {
        self.writable()?;
        self.flash.write(offset, bytes).map_err(FlashError::Flash)
    }
}

impl<F: MultiwriteNorFlash> nor_async::MultiwriteNorFlash for FromBlocking<F> {}

/// How many times [`block_on`] polls before calling a future stuck. Futures over
/// [`FromBlocking`] finish at the first poll; the margin only covers an engine that yields
/// cooperatively between steps.
const MAX_POLLS: u32 = 1 << 16;

/// Runs a future over [`FromBlocking`] to completion on the current thread.
///
/// This is the whole executor: no runtime, no allocation, no `unsafe` (the waker is
/// `Waker::noop`, since nothing ever needs waking). `EIO` if the future is still pending after
/// many polls, which would mean a flash operation that does not complete synchronously.
pub(crate) fn block_on<T>(future: impl Future<Output = T>) -> Result<T> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..MAX_POLLS {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return Ok(value);
        }
    }
    Err(Error::bug("bug: a flash operation did not complete"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_ready_futures() {
        assert_eq!(block_on(async { 7 }).unwrap(), 7);
    }

    #[test]
    fn block_on_gives_up_on_stuck_futures() {
        let stuck = core::future::pending::<()>();
        assert_eq!(block_on(stuck).unwrap_err(), uvfs_os_api::Errno::EIO);
    }

    #[test]
    fn block_on_polls_again_after_a_yield() {
        let mut yielded = false;
        let fut = core::future::poll_fn(move |_| {
            if yielded {
                Poll::Ready(3)
            } else {
                yielded = true;
                Poll::Pending
            }
        });
        assert_eq!(block_on(fut).unwrap(), 3);
    }
}
