// A reactor whose exports trap in the ways compiled C does: `divide` (i32.div_s: division by
// zero), `load` (a load from any address: 0 is ordinary memory in wasm, the top of the 4 GiB
// space is out of bounds) and `depth` (recursion without bound overflows the stack).
// build: reactor

__attribute__((export_name("divide"))) int divide(int a, int b) {
    return a / b;
}

__attribute__((export_name("load"))) int load(int address) {
    return *(volatile int *)address;
}

// Each call keeps a 1 KiB volatile frame on C's 64 KiB shadow stack, indexed by `n` so that
// clang cannot shrink it to the one element a constant index would touch, nor turn the
// recursion into a loop. The shadow stack then runs out after about 64 calls: far below any
// runtime's own call-depth limit, which a 16-byte frame (about 4000 calls) reached first on some
// runtimes and not on others from run to run.
__attribute__((export_name("depth"))) int depth(int n) {
    volatile int frame[256];
    frame[n & 255] = n;
    if (frame[n & 255] < 0) {
        return 0;
    }
    return depth(frame[n & 255] + 1) + 1;
}
