// A command that also exports `bump`, a counter a constructor sets to 100. wasm-ld gives a
// command's extra exports "command export" wrappers: each call runs the constructors, the
// function, then the destructors, so every `bump` starts again from 100 — with or without `_start`.
#include <stdio.h>

static volatile int counter;

__attribute__((constructor)) static void start_at_100(void) {
    counter = 100;
}

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}

int main(void) {
    printf("main sees %d\n", counter);
    return 0;
}
