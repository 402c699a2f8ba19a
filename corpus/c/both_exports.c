// A command (wasi-libc's `_start` runs main, which prints `main`) that also exports a function
// named `_initialize` (prints `initialize`): both entry points, which the ABI calls an error.
#include <unistd.h>

__attribute__((export_name("_initialize"))) void initialize(void) {
    write(1, "initialize\n", 11);
}

int main(void) {
    write(1, "main\n", 5);
    return 0;
}
