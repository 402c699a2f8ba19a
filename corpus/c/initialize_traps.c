// A reactor whose constructor traps (`__builtin_trap`), so `_initialize` traps before the
// counter is set; `bump` counts from 0.
// build: reactor

static volatile int counter;

__attribute__((constructor)) static void fail(void) {
    __builtin_trap();
}

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}
