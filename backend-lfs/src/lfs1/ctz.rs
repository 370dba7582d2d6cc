//! Files as CTZ skip-lists (spec §8): the block of index `n >= 1` starts with `ctz(n) + 1`
//! pointers, pointer `k` naming the block of index `n - 2^k`; the entry names the last block.
//!
//! Every walk here is bounded by the index it starts from (each step lowers it), and every
//! pointer read from the medium is checked to lie inside the device.

use uvfs_os_api::{BlockDevice, Result};

use super::bd::Bd;
use super::errno::{bug, corrupt};

/// The largest file littlefs v1 holds: 2³¹ − 1 bytes.
pub(crate) const FILE_MAX: u32 = 0x7FFF_FFFF;

/// Where the data of the block of index `n` starts: after its pointers.
pub(crate) fn data_start(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        4 * (n.trailing_zeros() + 1)
    }
}

/// The (index, offset in block) of byte `pos` of a file, for blocks of `block_size` bytes
/// (§8.2). The offset counts the pointers too.
pub(crate) fn index(block_size: u32, pos: u32) -> (u32, u32) {
    let b = u64::from(block_size - 8);
    let p = u64::from(pos);
    let i = p / b;
    if i == 0 {
        return (0, pos);
    }
    let index = (p - 4 * (u64::from((i - 1).count_ones()) + 2)) / b;
    let off = p - b * index - 4 * u64::from(index.count_ones());
    // index <= pos and off < block_size.
    (index as u32, off as u32)
}

/// The block of index `target` in the list whose last block `head` has index `last`.
pub(crate) fn find<D: BlockDevice>(
    bd: &mut Bd<D>,
    head: u32,
    last: u32,
    target: u32,
) -> Result<u32> {
    if target > last {
        return Err(bug("bug: CTZ lookup past the last block"));
    }
    if !bd.geo.valid(head) {
        return Err(corrupt("file head block outside the device"));
    }
    let mut current = last;
    let mut block = head;
    while current > target {
        let diff = current - target;
        let skip = (31 - diff.leading_zeros()).min(current.trailing_zeros());
        block = bd.read_u32(block, 4 * skip)?;
        if !bd.geo.valid(block) {
            return Err(corrupt("file block pointer outside the device"));
        }
        current -= 1 << skip;
    }
    Ok(block)
}

/// Calls `visit` with every block of the list whose last block `head` has index `last` (§8.4).
pub(crate) fn traverse<D: BlockDevice>(
    bd: &mut Bd<D>,
    head: u32,
    last: u32,
    visit: &mut dyn FnMut(u32),
) -> Result<()> {
    if !bd.geo.valid(head) {
        return Err(corrupt("file head block outside the device"));
    }
    let mut index = last;
    let mut block = head;
    visit(block);
    while index > 0 {
        if index.is_multiple_of(2) {
            let p0 = bd.read_u32(block, 0)?;
            let p1 = bd.read_u32(block, 4)?;
            if !bd.geo.valid(p0) || !bd.geo.valid(p1) {
                return Err(corrupt("file block pointer outside the device"));
            }
            visit(p0);
            visit(p1);
            block = p1;
            index -= 2;
        } else {
            let p0 = bd.read_u32(block, 0)?;
            if !bd.geo.valid(p0) {
                return Err(corrupt("file block pointer outside the device"));
            }
            visit(p0);
            block = p0;
            index -= 1;
        }
    }
    Ok(())
}

/// The index of the last block of a file of `size > 0` bytes.
pub(crate) fn last_index(block_size: u32, size: u32) -> u32 {
    index(block_size, size.saturating_sub(1)).0
}

/// Calls `visit` with every block of a file (none for an empty one).
pub(crate) fn traverse_file<D: BlockDevice>(
    bd: &mut Bd<D>,
    head: u32,
    size: u32,
    visit: &mut dyn FnMut(u32),
) -> Result<()> {
    if size == 0 {
        return Ok(());
    }
    if size > FILE_MAX {
        return Err(corrupt("file size over 2^31 - 1"));
    }
    let last = last_index(bd.geo.block_size, size);
    if last >= bd.geo.block_count {
        return Err(corrupt("file larger than the device"));
    }
    traverse(bd, head, last, visit)
}

/// The pointers a new block of index `n >= 1` starts with, given the block `prev` of index
/// `n - 1`: pointer 0 is `prev`, pointer `k` is pointer `k - 1` of the block pointer `k - 1`
/// names. Returns how many were written into `out`.
pub(crate) fn pointers<D: BlockDevice>(
    bd: &mut Bd<D>,
    prev: u32,
    n: u32,
    out: &mut [u32; 32],
) -> Result<usize> {
    if n == 0 {
        return Err(bug("bug: pointers for block 0"));
    }
    let count = n.trailing_zeros() as usize + 1;
    out[0] = prev;
    for k in 1..count {
        let p = bd.read_u32(out[k - 1], 4 * (k as u32 - 1))?;
        if !bd.geo.valid(p) {
            return Err(corrupt("file block pointer outside the device"));
        }
        out[k] = p;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_values_of_section_8_2() {
        let b = 512;
        for (pos, want) in [
            (0, (0, 0)),
            (511, (0, 511)),
            (512, (1, 4)),
            (1019, (1, 511)),
            (1020, (2, 8)),
            (32000, (63, 224)),
            (40959, (81, 123)),
        ] {
            assert_eq!(index(b, pos), want, "pos {pos}");
        }
        assert_eq!(last_index(512, 40960), 81);
        assert_eq!(last_index(512, 3000), 5);
        assert_eq!(index(512, 2999), (5, 471));
    }

    #[test]
    fn index_is_consistent_with_block_layout() {
        // Walk every byte position of a file at a small block size and check each maps to the
        // next slot after the previous one, pointers skipped.
        for bs in [104u32, 128, 512] {
            let (mut idx, mut off) = (0, 0);
            for pos in 1..40_000u32 {
                off += 1;
                if off == bs {
                    idx += 1;
                    off = data_start(idx);
                }
                assert_eq!(index(bs, pos), (idx, off), "bs {bs} pos {pos}");
            }
        }
        // The largest file maps inside a block.
        let (_, off) = index(104, FILE_MAX);
        assert!(off < 104);
    }

    #[test]
    fn pointer_counts() {
        let counts: [u32; 9] = [1, 2, 1, 3, 1, 2, 1, 4, 1];
        for (n, c) in (1..=9).zip(counts) {
            assert_eq!(data_start(n), 4 * c, "n {n}");
        }
        assert_eq!(data_start(16), 20);
        assert_eq!(data_start(64), 28);
    }
}
