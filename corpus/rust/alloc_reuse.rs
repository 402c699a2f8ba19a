//! A cdylib exercising Rust's global allocator across calls: `churn(n)` allocates and frees
//! 64 KiB n times; `leak(n)` allocates 64 KiB n times and never frees, returning 1 if every
//! allocation succeeded and 0 once one fails (`try_reserve` reports it instead of aborting).
// build: reactor

const BLOCK: usize = 64 * 1024;

#[no_mangle]
pub extern "C" fn churn(times: i32) {
    for i in 0..times {
        let block = vec![i as u8; BLOCK];
        std::hint::black_box(&block);
    }
}

#[no_mangle]
pub extern "C" fn leak(times: i32) -> i32 {
    for i in 0..times {
        let mut block: Vec<u8> = Vec::new();
        if block.try_reserve_exact(BLOCK).is_err() {
            return 0;
        }
        block.resize(BLOCK, i as u8);
        std::mem::forget(block);
    }
    1
}
