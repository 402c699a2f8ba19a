// A counter set to 100 by a constructor, which wasi-libc's _initialize runs; `bump` returns the
// incremented value. Without _initialize the counter starts at 0.
// build: reactor

// volatile: otherwise clang evaluates the constructor at compile time and stores 100 in the data
// segment, and skipping _initialize would change nothing.
static volatile int counter;

__attribute__((constructor)) static void start_at_100(void) {
    counter = 100;
}

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}
