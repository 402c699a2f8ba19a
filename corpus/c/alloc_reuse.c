// A reactor exercising its own allocator across calls: `churn(n)` allocates and frees 64 KiB
// n times; `leak(n)` allocates 64 KiB n times and never frees, returning 1 if every allocation
// succeeded and 0 once one fails (memory.grow refused: the cap, or wasm32's 4 GiB).
// build: reactor
#include <stdlib.h>
#include <string.h>

#define BLOCK (64 * 1024)

// Every block escapes through this volatile pointer, so clang cannot elide malloc and free.
static char *volatile escaped;

__attribute__((export_name("churn"))) void churn(int times) {
    for (int i = 0; i < times; i++) {
        char *block = malloc(BLOCK);
        if (!block) {
            __builtin_trap();
        }
        escaped = block;
        memset(escaped, i, BLOCK);
        free(escaped);
    }
}

__attribute__((export_name("leak"))) int leak(int times) {
    for (int i = 0; i < times; i++) {
        char *block = malloc(BLOCK);
        if (!block) {
            return 0;
        }
        escaped = block;
        memset(escaped, i, BLOCK);
    }
    return 1;
}
