//! Large buffers backed by 2 MiB pages: reading a 100 MB log fills hundreds of megabytes of
//! events, each page touched once. With 4 KiB pages the page faults were a quarter of the
//! reader's time; with 2 MiB pages there are 512 times fewer. Where transparent huge pages are
//! off (or the advice is refused) nothing changes but the speed.

/// Below this a buffer is left alone: the advice would cost more than the faults it saves.
const WORTH_IT: usize = 8 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// Asks the kernel to back the spare capacity and contents of `buf` with huge pages.
pub fn advise_huge<T>(buf: &mut Vec<T>) {
    let bytes = buf.capacity().saturating_mul(std::mem::size_of::<T>());
    if bytes < WORTH_IT {
        return;
    }
    let start = buf.as_mut_ptr() as usize;
    // Only whole huge pages inside the allocation: the advice applies to the range given.
    let first = start.next_multiple_of(HUGE_PAGE);
    let end = (start + bytes) & !(HUGE_PAGE - 1);
    if end <= first {
        return;
    }
    // SAFETY: madvise only changes how the kernel backs these pages, never their contents; the
    // range lies inside the vector's own allocation, which outlives the call. Its result is
    // ignored on purpose: a refusal leaves the memory as it was.
    unsafe {
        libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
    }
}
