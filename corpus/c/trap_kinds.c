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

// The volatile local keeps clang from turning the recursion into a loop; the stack (64 KiB)
// overflows long before `frame` could wrap to a negative value.
__attribute__((export_name("depth"))) int depth(int n) {
    volatile int frame = n;
    if (frame < 0) {
        return 0;
    }
    return depth(frame + 1) + 1;
}
