// A reactor printing through stdio: `say()` printf's `said` with no newline, `flush()` calls
// fflush. wasi-libc line-buffers stdout (whatever fd 1 is, as observed on every runtime), and a
// reactor never runs the exit-time flush, so text without a newline shows only when flushed.
// build: reactor
#include <stdio.h>

__attribute__((export_name("say"))) void say(void) {
    printf("said");
}

__attribute__((export_name("flush"))) void flush(void) {
    fflush(stdout);
}
