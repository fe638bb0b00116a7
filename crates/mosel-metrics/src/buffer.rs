//! Large scratch buffers.
//!
//! A fresh buffer of tens of megabytes costs more to touch for the first time
//! (one page fault per 4 KiB page) than to fill. On Linux, buffers of at
//! least [`HUGE`] bytes are advised to use transparent huge pages (as numpy
//! does for its arrays), which cuts the number of faults by 512.

/// Buffers of at least this many bytes get the huge-page advice.
const HUGE: usize = 4 << 20;

/// A vector of `len` zeros (`T` is a number type, allocated zeroed by the
/// allocator and so not yet touched).
pub(crate) fn zeroed<T: Copy + Default>(len: usize) -> Vec<T> {
    let mut v = vec![T::default(); len];
    advise_huge_pages(&mut v);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(v: &mut [T]) {
    const PAGE: usize = 4096;
    let bytes = std::mem::size_of_val(v);
    if bytes < HUGE {
        return;
    }
    let start = v.as_mut_ptr() as usize;
    let first = start.next_multiple_of(PAGE);
    let len = (start + bytes - first) / PAGE * PAGE;
    // SAFETY: the range lies inside `v`'s allocation and is page-aligned;
    // MADV_HUGEPAGE only changes how the kernel backs these pages (their
    // contents stay the same), and a failure is harmless, so it is ignored.
    unsafe {
        libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_: &mut [T]) {}

#[cfg(test)]
mod tests {
    #[test]
    fn buffers_are_zeroed() {
        for n in [0, 10, 1 << 20] {
            let v: Vec<u64> = super::zeroed(n);
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|&x| x == 0));
        }
    }
}
