//! The lookahead allocator (spec §9): a window of `lookahead` blocks over the device, one bit
//! per block, refilled by a traversal of everything in use each time the window moves on.
//!
//! The window only moves forward and wraps round the device, so blocks are handed out across
//! the whole device rather than from its start (v1's only wear spreading). The countdown `ack`
//! is reset to the block count whenever an operation makes progress; once a whole device's worth
//! of slots has been examined since then the allocator gives up with `ENOSPC`. Because a window
//! never grows past `ack`, no slot is offered twice between two acknowledgements, which is what
//! protects blocks handed out but not yet referenced by any metadata.
//!
//! C littlefs starts the first window of every mount at block 0, so a device that is remounted
//! often wears its first blocks faster. uvfs starts it at a block derived from the root's
//! revision (which changes with every commit to the root), so successive mounts start in
//! different places; within a mount the allocator is the same.

use alloc::vec;
use alloc::vec::Vec;

/// The allocator's state, in RAM only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Alloc {
    /// First block of the window.
    off: u32,
    /// Slots in the window.
    size: u32,
    /// Next slot to examine.
    i: u32,
    /// Slots that may still be examined before `ENOSPC`.
    ack: u32,
    /// One bit per slot of the window: set = in use.
    bits: Vec<u32>,
}

/// What the allocator needs from the caller next.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// This block is free.
    Block(u32),
    /// The window is used up: refill it (see [`Alloc::advance`]) and ask again.
    Refill,
    /// A whole device has been examined since the last acknowledgement.
    NoSpace,
}

impl Alloc {
    /// The state at mount: an empty window at block 0, so the first allocation scans from 0.
    pub(crate) fn new(lookahead: u32) -> Alloc {
        Alloc {
            off: 0,
            size: 0,
            i: 0,
            ack: 0,
            bits: vec![0; (lookahead / 32) as usize],
        }
    }

    /// Starts the first window of a mount at `block` instead of 0 (uvfs spreads wear across
    /// remounts; C littlefs always starts at 0).
    pub(crate) fn start_at(&mut self, block: u32, block_count: u32) {
        self.off = block % block_count.max(1);
        self.size = 0;
        self.i = 0;
    }

    /// The state format uses: the first window (from block 0) taken as all free, no scan.
    pub(crate) fn for_format(lookahead: u32, block_count: u32) -> Alloc {
        let mut a = Alloc::new(lookahead);
        a.size = lookahead.min(block_count);
        a.ack = block_count;
        a
    }

    fn lookahead(&self) -> u32 {
        self.bits.len() as u32 * 32
    }

    /// Progress was made: a whole device may be examined again before `ENOSPC`.
    pub(crate) fn ack(&mut self, block_count: u32) {
        self.ack = block_count;
    }

    /// Examines the next slots of the window.
    pub(crate) fn next(&mut self, block_count: u32) -> Next {
        while self.i < self.size {
            let i = self.i;
            self.i += 1;
            self.ack = self.ack.saturating_sub(1);
            if self.bits[(i / 32) as usize] & (1 << (i % 32)) == 0 {
                let block = (u64::from(self.off) + u64::from(i)) % u64::from(block_count);
                // Below block_count, a u32.
                return Next::Block(block as u32);
            }
        }
        if self.ack == 0 {
            Next::NoSpace
        } else {
            Next::Refill
        }
    }

    /// Moves the window on (`off += size`, `size = min(lookahead, ack)`) and clears it; the
    /// caller then marks every block in use with [`Window::mark`].
    pub(crate) fn advance(&mut self, block_count: u32) -> Window {
        self.off = ((u64::from(self.off) + u64::from(self.size)) % u64::from(block_count)) as u32;
        self.size = self.lookahead().min(self.ack).min(block_count);
        self.i = 0;
        self.bits.fill(0);
        Window {
            off: self.off,
            size: self.size,
            block_count,
            bits: core::mem::take(&mut self.bits),
        }
    }

    /// Takes back the bitmap [`advance`](Alloc::advance) lent out, now filled.
    pub(crate) fn install(&mut self, window: Window) {
        self.bits = window.bits;
    }

    /// Forgets the window (after an error during a refill, say): the next allocation refills.
    pub(crate) fn reset(&mut self) {
        self.size = 0;
        self.i = 0;
        self.bits.fill(0);
    }
}

/// A window being refilled: the bitmap, lent out while a traversal marks it.
pub(crate) struct Window {
    off: u32,
    size: u32,
    block_count: u32,
    bits: Vec<u32>,
}

impl Window {
    /// Marks `block` in use if it falls inside the window.
    pub(crate) fn mark(&mut self, block: u32) {
        if block >= self.block_count {
            return;
        }
        let rel = (u64::from(block) + u64::from(self.block_count) - u64::from(self.off))
            % u64::from(self.block_count);
        if rel < u64::from(self.size) {
            let rel = rel as usize;
            if let Some(w) = self.bits.get_mut(rel / 32) {
                *w |= 1 << (rel % 32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Allocates with `used` blocks in use, refilling as the engine does.
    fn alloc(a: &mut Alloc, count: u32, used: &[u32]) -> Option<u32> {
        loop {
            match a.next(count) {
                Next::Block(b) => return Some(b),
                Next::NoSpace => return None,
                Next::Refill => {
                    let mut w = a.advance(count);
                    for &b in used {
                        w.mark(b);
                    }
                    a.install(w);
                }
            }
        }
    }

    #[test]
    fn format_window_hands_out_0_1_2_3() {
        let mut a = Alloc::for_format(32, 64);
        let got: Vec<u32> = (0..4).map(|_| alloc(&mut a, 64, &[]).unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3]);
    }

    #[test]
    fn scans_from_0_after_mount_and_skips_used_blocks() {
        let mut a = Alloc::new(32);
        a.ack(100);
        assert_eq!(alloc(&mut a, 100, &[0, 1, 2, 3, 5]), Some(4));
        assert_eq!(alloc(&mut a, 100, &[0, 1, 2, 3, 5]), Some(6));
    }

    #[test]
    fn the_window_wraps_round_the_device() {
        // 100 blocks, 32-block window: the window moves 0, 32, 64, 96 (+ wrap) and blocks
        // freed behind it are reused only when it comes round again.
        let mut a = Alloc::new(32);
        let used = [0u32, 1];
        let mut seen = Vec::new();
        for _ in 0..300 {
            a.ack(100);
            seen.push(alloc(&mut a, 100, &used).unwrap());
        }
        for b in 2..100 {
            assert!(seen.contains(&b), "block {b} never handed out");
        }
        assert!(!seen.contains(&0) && !seen.contains(&1));
        // Consecutive allocations walk forward.
        assert_eq!(&seen[..5], &[2, 3, 4, 5, 6]);
    }

    #[test]
    fn no_space_after_a_whole_device_without_progress() {
        let mut a = Alloc::new(32);
        a.ack(10);
        let used: Vec<u32> = (0..10).filter(|&b| b != 7).collect();
        assert_eq!(alloc(&mut a, 10, &used), Some(7));
        // Block 7 was handed out and not marked by the traversal: within one acknowledgement
        // it is never offered again.
        assert_eq!(alloc(&mut a, 10, &used), None);
        a.ack(10);
        assert_eq!(alloc(&mut a, 10, &used), Some(7));
    }

    #[test]
    fn window_marks_only_inside() {
        let mut a = Alloc::new(32);
        a.ack(50);
        a.size = 40; // pretend a window [0, 40) was used up
        a.i = 40;
        let mut w = a.advance(50); // [40, 50) then wraps to [0, 22)
        assert_eq!((w.off, w.size), (40, 32));
        w.mark(45);
        w.mark(3);
        w.mark(30); // outside
        w.mark(99); // not a block
        a.install(w);
        let bits = a.bits[0];
        assert_eq!(bits, (1 << 5) | (1 << 13));
    }
}
