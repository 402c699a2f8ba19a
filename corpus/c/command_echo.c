// Prints its arguments (argv[0] included) and GREETING if set, then returns EXIT_CODE
// (default 0) from main: wasi-libc's _start turns a nonzero return into proc_exit.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    const char *greeting = getenv("GREETING");
    if (greeting) {
        printf("GREETING=%s\n", greeting);
    }
    const char *code = getenv("EXIT_CODE");
    return code ? atoi(code) : 0;
}
