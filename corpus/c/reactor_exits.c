// A reactor whose constructor calls exit(N) when EXIT_IN_INIT=N is set, and whose export
// `quit(code)` calls exit(code); `bump` counts from 100 (set by the constructor).
// build: reactor
#include <stdlib.h>

static volatile int counter;

__attribute__((constructor)) static void start_at_100(void) {
    const char *code = getenv("EXIT_IN_INIT");
    if (code) {
        exit(atoi(code));
    }
    counter = 100;
}

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}

__attribute__((export_name("quit"))) void quit(int code) {
    exit(code);
}
