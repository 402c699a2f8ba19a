// A reactor reading its WASI configuration: the constructor records GREETING's length (-1 when
// unset); `greeting_length()` returns it and `arg_count()` asks args_sizes_get for argc.
// build: reactor
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static volatile int greeting_len = -2;

__attribute__((constructor)) static void read_greeting(void) {
    const char *greeting = getenv("GREETING");
    greeting_len = greeting ? (int)strlen(greeting) : -1;
}

__attribute__((export_name("greeting_length"))) int greeting_length(void) {
    return greeting_len;
}

__attribute__((export_name("arg_count"))) int arg_count(void) {
    __wasi_size_t argc = 0, buf_size = 0;
    if (__wasi_args_sizes_get(&argc, &buf_size) != 0) {
        return -1;
    }
    return (int)argc;
}
