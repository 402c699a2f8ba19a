// Strings across the memory boundary, with the module's own allocator: `alloc`/`dealloc` are
// wasi-libc's malloc/free; `greet(ptr, len)` returns "hello, NAME #N" (N counts calls) as
// `ptr << 32 | len` in memory the host frees with `dealloc`; `chars(ptr, len)` counts the
// Unicode scalar values of its UTF-8 argument (its lead bytes; C does not validate).
// build: reactor
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int calls;

__attribute__((export_name("alloc"))) void *alloc(size_t len) {
    return malloc(len ? len : 1);
}

__attribute__((export_name("dealloc"))) void dealloc(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

__attribute__((export_name("greet"))) uint64_t greet(const char *name, size_t len) {
    calls++;
    size_t room = len + sizeof("hello,  #") + 11;
    char *out = malloc(room);
    int written = snprintf(out, room, "hello, %.*s #%d", (int)len, name, calls);
    return ((uint64_t)(uintptr_t)out << 32) | (uint32_t)written;
}

__attribute__((export_name("chars"))) int chars(const unsigned char *text, size_t len) {
    int count = 0;
    for (size_t i = 0; i < len; i++) {
        if ((text[i] & 0xC0) != 0x80) {
            count++;
        }
    }
    return count;
}
