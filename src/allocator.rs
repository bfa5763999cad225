//! The binary's global allocator: mimalloc, called without its alignment path when
//! the alignment asked for is one every mimalloc block already has.
//!
//! The `mimalloc` crate's allocator passes every request to `mi_malloc_aligned`,
//! which checks the alignment and the block's address before taking the same free
//! block `mi_malloc` takes. Nearly every allocation pave makes (strings, vectors of
//! pointers, map nodes) asks for at most the alignment of a pointer, which every
//! mimalloc block has: block sizes are whole words and each page's first block is
//! aligned to 16 bytes. That check was about 20 instructions of each of 1.3 million
//! allocations in a `build --dry-run` at 200 × 3 (README, Benchmark). A larger
//! alignment still goes to the aligned functions: a 24-byte block, for one, is only
//! 8-byte aligned.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every block `mi_malloc` returns has (`MI_INTPTR_SIZE`).
const WORD: usize = std::mem::size_of::<usize>();

pub(crate) struct Mimalloc;

// SAFETY: every function hands the request to mimalloc, which returns blocks of at
// least `layout.size()` bytes, aligned to `WORD` by `mi_malloc`/`mi_realloc`/
// `mi_zalloc` (used only when `layout.align() <= WORD`) or to `layout.align()` by the
// `_aligned` variants; `dealloc` frees what one of them returned with `mi_free`, which
// takes a block of either kind.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: see the impl.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl; a block keeps its alignment through `mi_realloc`
        // only because the alignment asked for is one every block has.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size from 1 to 600 bytes (and some large ones) at every alignment from 1
    /// to 4096: the block is aligned, holds its bytes through a `realloc` to a larger
    /// and a smaller size, and `alloc_zeroed` is zero. A threshold of 16 instead of a
    /// word would fail here (a 24-byte block is 8-byte aligned).
    #[test]
    fn every_block_has_the_alignment_asked_for_and_keeps_its_bytes() {
        let allocator = Mimalloc;
        let sizes = (1..=600).chain([1000, 4096, 10_000, 70_000, 1_100_000]);
        for size in sizes {
            for align in (0..=12).map(|shift| 1usize << shift) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: the layout has a non-zero size; each block is freed once,
                // with the layout it has at that point.
                unsafe {
                    let zeroed = allocator.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0, "zeroed {size} bytes at {align}");
                    assert!(
                        std::slice::from_raw_parts(zeroed, size)
                            .iter()
                            .all(|&b| b == 0)
                    );
                    allocator.dealloc(zeroed, layout);

                    let block = allocator.alloc(layout);
                    assert_eq!(block as usize % align, 0, "{size} bytes at {align}");
                    for i in 0..size {
                        *block.add(i) = (i % 251) as u8;
                    }
                    let grown = allocator.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "grown {size} bytes at {align}");
                    let grown_layout = Layout::from_size_align(size * 3, align).unwrap();
                    let shrunk = allocator.realloc(grown, grown_layout, size.div_ceil(2));
                    assert_eq!(shrunk as usize % align, 0, "shrunk {size} bytes at {align}");
                    for i in 0..size.div_ceil(2) {
                        assert_eq!(*shrunk.add(i), (i % 251) as u8, "byte {i} of {size}");
                    }
                    let shrunk_layout = Layout::from_size_align(size.div_ceil(2), align).unwrap();
                    allocator.dealloc(shrunk, shrunk_layout);
                }
            }
        }
    }
}
