//! [`HandleSlab`]: the table of open files or directories every backend keeps.

use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::errno::{Errno, Error, Result};
use crate::types::{DirHandle, FileHandle};

/// A handle type the slab can issue: [`FileHandle`] or [`DirHandle`].
pub trait Handle: Copy + sealed::Sealed {
    /// Builds the handle.
    fn make(index: u32, generation: u32) -> Self;
    /// The slot index.
    fn slot(self) -> u32;
    /// The generation.
    fn gen(self) -> u32;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::FileHandle {}
    impl Sealed for crate::DirHandle {}
}

impl Handle for FileHandle {
    fn make(index: u32, generation: u32) -> Self {
        FileHandle::new(index, generation)
    }
    fn slot(self) -> u32 {
        self.index()
    }
    fn gen(self) -> u32 {
        self.generation()
    }
}

impl Handle for DirHandle {
    fn make(index: u32, generation: u32) -> Self {
        DirHandle::new(index, generation)
    }
    fn slot(self) -> u32 {
        self.index()
    }
    fn gen(self) -> u32 {
        self.generation()
    }
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// A slab of open objects addressed by generation-checked handles.
///
/// A handle whose slot was freed (stale), or that another slab issued (foreign: each slab starts
/// its generations at a different point), is refused with `EBADF`.
///
/// ```
/// use uvfs_os_api::{Errno, FileHandle, HandleSlab};
/// let mut open: HandleSlab<&str, FileHandle> = HandleSlab::new();
/// let a = open.insert("a");
/// assert_eq!(*open.get(a).unwrap(), "a");
/// assert_eq!(open.remove(a).unwrap(), "a");
/// assert_eq!(open.get(a).unwrap_err(), Errno::EBADF);
/// let b = open.insert("b"); // reuses the slot with a new generation
/// assert_eq!(open.get(a).unwrap_err(), Errno::EBADF);
/// assert_eq!(*open.get(b).unwrap(), "b");
/// ```
pub struct HandleSlab<T, H: Handle> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    base: u32,
    live: usize,
    _handle: PhantomData<H>,
}

#[cfg(target_has_atomic = "32")]
fn next_base() -> u32 {
    use core::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
        .wrapping_mul(0x9E37_79B9)
}

#[cfg(not(target_has_atomic = "32"))]
fn next_base() -> u32 {
    0x9E37_79B9
}

impl<T, H: Handle> Default for HandleSlab<T, H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, H: Handle> HandleSlab<T, H> {
    /// An empty slab.
    pub fn new() -> Self {
        HandleSlab {
            slots: Vec::new(),
            free: Vec::new(),
            base: next_base(),
            live: 0,
            _handle: PhantomData,
        }
    }

    /// Stores `value` and returns its handle.
    pub fn insert(&mut self, value: T) -> H {
        self.live += 1;
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index as usize) {
                slot.value = Some(value);
                return H::make(index, slot.generation);
            }
        }
        let index = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.slots.push(Slot {
            generation: self.base,
            value: Some(value),
        });
        H::make(index, self.base)
    }

    fn slot(&self, handle: H) -> Result<&Slot<T>> {
        match self.slots.get(handle.slot() as usize) {
            Some(slot) if slot.generation == handle.gen() && slot.value.is_some() => Ok(slot),
            _ => Err(Error::from(Errno::EBADF)),
        }
    }

    /// The object behind `handle`; `EBADF` if it is stale or foreign.
    pub fn get(&self, handle: H) -> Result<&T> {
        self.slot(handle)?.value.as_ref().ok_or(Errno::EBADF.into())
    }

    /// The object behind `handle`, mutably; `EBADF` if it is stale or foreign.
    pub fn get_mut(&mut self, handle: H) -> Result<&mut T> {
        self.slot(handle)?;
        self.slots
            .get_mut(handle.slot() as usize)
            .and_then(|s| s.value.as_mut())
            .ok_or(Errno::EBADF.into())
    }

    /// Takes the object out; its handle becomes stale.
    pub fn remove(&mut self, handle: H) -> Result<T> {
        self.slot(handle)?;
        let index = handle.slot();
        let slot = self
            .slots
            .get_mut(index as usize)
            .ok_or(Error::from(Errno::EBADF))?;
        let value = slot.value.take().ok_or(Error::from(Errno::EBADF))?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index);
        self.live -= 1;
        Ok(value)
    }

    /// Number of live objects.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether nothing is open.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Handles and objects, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (H, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            let v = s.value.as_ref()?;
            Some((H::make(u32::try_from(i).ok()?, s.generation), v))
        })
    }

    /// Handles and objects, mutably, in slot order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (H, &mut T)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, s)| {
            let v = s.value.as_mut()?;
            Some((H::make(u32::try_from(i).ok()?, s.generation), v))
        })
    }

    /// The handles of every live object (to close them all, say).
    pub fn handles(&self) -> Vec<H> {
        self.iter().map(|(h, _)| h).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn foreign_handles_are_refused() {
        let mut a: HandleSlab<u8, FileHandle> = HandleSlab::new();
        let mut b: HandleSlab<u8, FileHandle> = HandleSlab::new();
        let ha = a.insert(1);
        let _hb = b.insert(2);
        assert_eq!(b.get(ha).unwrap_err(), Errno::EBADF);
        assert_eq!(a.len(), 1);
    }

    #[test]
    fn many_handles_stay_distinct() {
        let mut s: HandleSlab<u32, DirHandle> = HandleSlab::new();
        let hs: Vec<_> = (0..100).map(|i| s.insert(i)).collect();
        for (i, h) in hs.iter().enumerate() {
            assert_eq!(*s.get(*h).unwrap(), i as u32);
        }
        for h in &hs[..50] {
            s.remove(*h).unwrap();
        }
        assert_eq!(s.len(), 50);
        assert_eq!(s.iter().count(), 50);
        assert_eq!(s.remove(hs[0]).unwrap_err(), Errno::EBADF);
    }
}
