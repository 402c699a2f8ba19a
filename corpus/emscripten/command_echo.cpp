// An Emscripten command (em++ -sSTANDALONE_WASM) that prints its arguments (argv[0] included)
// and GREETING if set, then returns EXIT_CODE (default 0) from main. Emscripten's `_start` does
// not return when main does: it calls exit(r), which runs the atexit list, flushes stdio and calls
// proc_exit(r) for every r, 0 included, so even a main that returns 0 ends in `exited 0`.
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        std::printf("argv[%d]=%s\n", i, argv[i]);
    }
    if (const char *greeting = std::getenv("GREETING")) {
        std::printf("GREETING=%s\n", greeting);
    }
    const char *code = std::getenv("EXIT_CODE");
    return code ? std::atoi(code) : 0;
}
