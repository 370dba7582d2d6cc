//! A small id-addressed table (the engine's registries of pins and cursors).

use alloc::vec::Vec;

/// Values addressed by a `usize` id that stays valid until removed.
#[derive(Debug)]
pub(crate) struct Table<T> {
    slots: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Table<T> {
    pub(crate) fn insert(&mut self, value: T) -> usize {
        if let Some(id) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(id) {
                *slot = Some(value);
                return id;
            }
        }
        self.slots.push(Some(value));
        self.slots.len() - 1
    }

    pub(crate) fn remove(&mut self, id: usize) -> Option<T> {
        let v = self.slots.get_mut(id)?.take();
        if v.is_some() {
            self.free.push(id);
        }
        v
    }

    pub(crate) fn get(&self, id: usize) -> Option<&T> {
        self.slots.get(id)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: usize) -> Option<&mut T> {
        self.slots.get_mut(id)?.as_mut()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    pub(crate) fn iter_ids(&self) -> impl Iterator<Item = (usize, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.as_ref()?)))
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_reused_after_removal() {
        let mut t = Table::default();
        let a = t.insert(1);
        let b = t.insert(2);
        assert_eq!(t.remove(a), Some(1));
        assert_eq!(t.remove(a), None);
        let c = t.insert(3);
        assert_eq!(c, a);
        assert_eq!(t.get(b), Some(&2));
        *t.get_mut(c).unwrap() = 4;
        assert_eq!(t.iter().copied().collect::<Vec<_>>(), [4, 2]);
        t.iter_mut().for_each(|v| *v += 1);
        assert_eq!(t.get(c), Some(&5));
    }
}
