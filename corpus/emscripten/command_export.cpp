// An Emscripten command (em++ -sSTANDALONE_WASM) that also exports `bump`, `greeting_first` and
// `reuse_probe`. Emscripten gives a command's extra exports no "command export" wrapper: they are
// plain functions on the instance, and only `_start` runs the constructors. `_start` runs them (a
// global std::string of 31 characters, whose buffer is a 32-byte heap block, and a counter set to
// 100), then main, which prints the string and returns 3, then exit(3): the atexit list runs the
// string's destructor, which frees the buffer, stdout is flushed and proc_exit(3) ends the run.
// After `_start` the instance still works: `bump` counts on from 100, and the string still points
// at its freed buffer. `reuse_probe` mallocs 32 bytes, fills them with 'X' and returns the
// string's first byte: 88 ('X') shows that malloc handed the freed buffer out again.
// Called instead of `_start`, nothing has run the constructors: `bump` counts from 0 and the
// string is empty (-1).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <emscripten.h>

static std::string greeting("global std::string, on the heap");
static int counter;

struct StartAt100 {
    StartAt100() { counter = 100; }
} start_at_100;

// Keeps the probe's block alive and its stores observable.
static char *volatile probe_block;

extern "C" {

EMSCRIPTEN_KEEPALIVE int bump() {
    return ++counter;
}

EMSCRIPTEN_KEEPALIVE int greeting_first() {
    return greeting.empty() ? -1 : static_cast<unsigned char>(greeting[0]);
}

EMSCRIPTEN_KEEPALIVE int reuse_probe() {
    char *block = static_cast<char *>(std::malloc(32));
    probe_block = block;
    std::memset(block, 'X', 31);
    block[31] = '\0';
    return greeting_first();
}

}

int main() {
    std::printf("main: %s (%d)\n", greeting.c_str(), counter);
    return 3;
}
