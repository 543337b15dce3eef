//! Memory the allocator holds free, given back to the system.
//!
//! glibc's malloc keeps what a thread freed in that thread's arena, and
//! returns pages to the system only from the top of a heap. A load decodes
//! its pages on the runner's worker threads and frees them there, so each
//! worker's arena stayed as large as the most it ever held: 28 MiB each at
//! 100 000 lifecycles, unused (`docs/performance.md`). `malloc_trim(0)`
//! returns the free pages of every arena. The runner calls it on a blocking
//! thread (`Effect::GiveBackMemory`) after a load and after a large change
//! read; it locks each arena in turn while it walks its free chunks.
//!
//! This is the crate's one `unsafe` call (`tests/architecture.rs` keeps it
//! so); elsewhere, or with the `mimalloc` allocator, nothing is done.

/// Gives the allocator's free pages back to the system; whether any were.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
#[expect(unsafe_code, reason = "malloc_trim, glibc's call to return free pages")]
pub fn give_back() -> bool {
    // SAFETY: malloc_trim takes no pointer and has no precondition; it
    // works on glibc's own free lists under their locks.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Gives the allocator's free pages back to the system; whether any were.
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc"))))]
pub fn give_back() -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
    fn freed_memory_goes_back_to_the_system() {
        // Many small blocks freed below one that stays: glibc cannot give
        // them back from the top of its heap, malloc_trim can.
        let blocks: Vec<Vec<u8>> = (0..20_000_u32)
            .map(|i| vec![u8::try_from(i % 251).unwrap_or(0); 1000])
            .collect();
        let keep = vec![1_u8; 1000];
        drop(blocks);
        assert!(super::give_back(), "20 MB freed and nothing given back");
        assert_eq!(keep[999], 1);
    }
}
