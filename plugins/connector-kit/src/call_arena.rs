//! [`CallArena`]: a global allocator for a component instance that lives
//! for one host call.
//!
//! The host instantiates a connector for every call and throws the whole
//! instance away after it, so the allocator never needs to give memory back
//! and never needs to merge free blocks. What it must do is be fast: a
//! `prepare` or `reconcile` batch allocates and frees tens of thousands of
//! small strings (every field name and value the host lowers in, every
//! record the connector builds), and with Rust's default WebAssembly
//! allocator (dlmalloc) about a third of a batch's time went to allocating
//! and freeing (`docs/performance.md`).
//!
//! Design (segregated free lists, no coalescing):
//! - a small request (at most [`LARGEST_SMALL`] bytes, alignment at most
//!   [`ALIGN`]) gets a block of the next power of two from 16 bytes up:
//!   popped from that size's free list, else carved from the current chunk;
//! - chunks of [`CHUNK`] bytes come from the system allocator; the tail of
//!   a chunk too short for a block is left unused;
//! - a freed small block goes onto its size's free list, so a long call
//!   that frees as much as it allocates (a `read-next` parsing a large
//!   page) reuses memory instead of growing;
//! - larger or more aligned requests go to the system allocator as they are.
//!
//! Invariants: every small block is [`ALIGN`]-aligned and its size is a
//! power of two of at least 16 bytes, so a free block can hold the free
//! list's link; a block's size is derived from the request's layout alone,
//! so `dealloc` and `realloc` find its list without a header.
//!
//! Install it in a connector's `lib.rs`:
//!
//! ```ignore
//! #[cfg(target_family = "wasm")]
//! #[global_allocator]
//! static ALLOCATOR: connector_kit::call_arena::CallArena = connector_kit::call_arena::CallArena::new();
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Alignment of every small block.
pub const ALIGN: usize = 16;
/// The largest request served from the size classes.
pub const LARGEST_SMALL: usize = 4096;
/// Bytes taken from the system allocator at a time for small blocks.
pub const CHUNK: usize = 64 << 10;
/// Size classes: 16, 32, ..., 4096 bytes.
const CLASSES: usize = (LARGEST_SMALL.trailing_zeros() - ALIGN.trailing_zeros() + 1) as usize;

/// The allocator's state: the free lists and the chunk being carved.
struct State {
    /// Head of each size class's free list (0: empty). A free block's
    /// first word holds the address of the next one.
    free: [usize; CLASSES],
    /// Next unused address of the current chunk.
    top: usize,
    /// End of the current chunk.
    end: usize,
}

/// A size-class allocator for single-threaded, short-lived instances
/// (see the module documentation).
pub struct CallArena {
    state: UnsafeCell<State>,
}

// SAFETY: a component instance runs on one thread (wasm32-wasip2 has no
// threads; a native test uses its own `CallArena` from one thread), so the
// state is never touched from two threads at once.
unsafe impl Sync for CallArena {}

impl Default for CallArena {
    fn default() -> Self {
        Self::new()
    }
}

impl CallArena {
    /// An allocator with no chunk yet.
    pub const fn new() -> Self {
        Self { state: UnsafeCell::new(State { free: [0; CLASSES], top: 0, end: 0 }) }
    }

    /// The size class of `layout`, or `None` for the system allocator.
    fn class_of(layout: Layout) -> Option<usize> {
        if layout.size() > LARGEST_SMALL || layout.align() > ALIGN {
            return None;
        }
        let block = layout.size().max(ALIGN).next_power_of_two();
        Some((block.trailing_zeros() - ALIGN.trailing_zeros()) as usize)
    }

    /// Bytes of a block of `class`.
    fn block_size(class: usize) -> usize {
        ALIGN << class
    }
}

// SAFETY: small blocks are carved from chunks the system allocator gave and
// never freed, at `ALIGN`-aligned addresses, each handed out once until it
// is freed (then only through its class's list); large requests are the
// system allocator's own.
unsafe impl GlobalAlloc for CallArena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = Self::class_of(layout) else {
            // SAFETY: forwarded as given.
            return unsafe { System.alloc(layout) };
        };
        // SAFETY: single-threaded (see `Sync`) and not re-entered: nothing
        // below calls back into this allocator.
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[class];
        if head != 0 {
            // SAFETY: `head` is a freed block of this class; its first word
            // is the next link, written by `dealloc`.
            state.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = Self::block_size(class);
        if state.end - state.top < size {
            // SAFETY: a non-zero size with a valid alignment.
            let chunk = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, ALIGN)) };
            if chunk.is_null() {
                return chunk;
            }
            state.top = chunk as usize;
            state.end = state.top + CHUNK;
        }
        let block = state.top;
        state.top += size;
        block as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = Self::class_of(layout) else {
            // SAFETY: it came from the system allocator with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        };
        // SAFETY: see `alloc`.
        let state = unsafe { &mut *self.state.get() };
        // SAFETY: a block of this class is at least 16 bytes and
        // `ALIGN`-aligned, room for the link.
        unsafe { *(ptr as *mut usize) = state.free[class] };
        state.free[class] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `realloc`'s contract: the alignment is valid and the new
        // size does not overflow when rounded up to it.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (Self::class_of(layout), Self::class_of(new_layout)) {
            // Still fits its block: nothing moves.
            (Some(old), Some(new)) if old == new => ptr,
            // SAFETY: both the system allocator's.
            (None, None) => unsafe { System.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: a fresh block, the bytes both hold copied, the
                // old one freed with its own layout.
                unsafe {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    moved
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One step of a random allocation history.
    #[derive(Debug, Clone)]
    enum Step {
        Alloc { size: usize, align_log2: u32 },
        Free(usize),
        Grow(usize, usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1usize..6000, 0u32..7).prop_map(|(size, align_log2)| Step::Alloc { size, align_log2 }),
            any::<usize>().prop_map(Step::Free),
            (any::<usize>(), 1usize..9000).prop_map(|(i, size)| Step::Grow(i, size)),
        ]
    }

    proptest! {
        /// Whatever the order of allocations, frees and reallocations,
        /// every live block is aligned as asked, overlaps no other, and
        /// keeps what was written into it (a reallocation keeps the bytes
        /// both sizes hold).
        #[test]
        fn live_blocks_are_aligned_disjoint_and_keep_their_bytes(steps in prop::collection::vec(step(), 1..400)) {
            let arena = CallArena::new();
            let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
            for (n, step) in steps.into_iter().enumerate() {
                let fill = (n % 251) as u8;
                match step {
                    Step::Alloc { size, align_log2 } => {
                        let layout = Layout::from_size_align(size, 1 << align_log2).expect("valid layout");
                        let ptr = unsafe { arena.alloc(layout) };
                        prop_assert!(!ptr.is_null());
                        prop_assert_eq!(ptr as usize % layout.align(), 0);
                        unsafe { std::ptr::write_bytes(ptr, fill, size) };
                        live.push((ptr, layout, fill));
                    }
                    Step::Free(i) if !live.is_empty() => {
                        let (ptr, layout, _) = live.swap_remove(i % live.len());
                        unsafe { arena.dealloc(ptr, layout) };
                    }
                    Step::Grow(i, size) if !live.is_empty() => {
                        let i = i % live.len();
                        let (ptr, layout, old_fill) = live[i];
                        let moved = unsafe { arena.realloc(ptr, layout, size) };
                        prop_assert!(!moved.is_null());
                        let kept = unsafe { std::slice::from_raw_parts(moved, layout.size().min(size)) };
                        prop_assert!(kept.iter().all(|b| *b == old_fill));
                        let layout = Layout::from_size_align(size, layout.align()).expect("valid layout");
                        unsafe { std::ptr::write_bytes(moved, fill, size) };
                        live[i] = (moved, layout, fill);
                    }
                    _ => {}
                }
                // Every live block still holds its own fill: none overlaps another.
                for (ptr, layout, fill) in &live {
                    let bytes = unsafe { std::slice::from_raw_parts(*ptr, layout.size()) };
                    prop_assert!(bytes.iter().all(|b| b == fill));
                }
            }
            for (ptr, layout, _) in live {
                unsafe { arena.dealloc(ptr, layout) };
            }
        }
    }

    #[test]
    fn a_freed_small_block_is_handed_out_again_for_the_same_size_class() {
        let arena = CallArena::new();
        let layout = Layout::from_size_align(24, 8).expect("valid layout");
        let first = unsafe { arena.alloc(layout) };
        unsafe { arena.dealloc(first, layout) };
        let again = unsafe { arena.alloc(Layout::from_size_align(32, 16).expect("valid layout")) };
        assert_eq!(first, again, "a 24-byte and a 32-byte request share the 32-byte class");
    }

    #[test]
    fn a_request_above_the_largest_class_goes_to_the_system_allocator() {
        assert_eq!(CallArena::class_of(Layout::from_size_align(LARGEST_SMALL + 1, 8).expect("layout")), None);
        assert_eq!(CallArena::class_of(Layout::from_size_align(64, 64).expect("layout")), None);
        assert_eq!(CallArena::class_of(Layout::from_size_align(1, 1).expect("layout")), Some(0));
        assert_eq!(CallArena::class_of(Layout::from_size_align(LARGEST_SMALL, 16).expect("layout")), Some(CLASSES - 1));
    }
}
