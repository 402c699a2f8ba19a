// An Emscripten reactor (em++ -sSTANDALONE_WASM --no-entry): its `_initialize` runs the C++
// constructors, with no guard against a second call. A constructor sets `counter` to 100 and
// counts its own runs in `ctor_runs`; `bump` increments the counter and returns it, `runs`
// returns how many times the constructors ran. Both are volatile so that the optimiser cannot
// turn the constructor into static data. Without `_initialize` the counter starts from 0 and
// `runs` is 0; a second `_initialize` sets the counter back to 100 and makes `runs` 2.
// build: reactor
#include <emscripten.h>

static volatile int counter;
static volatile int ctor_runs;

__attribute__((constructor)) static void start_at_100() {
    counter = 100;
    ctor_runs = ctor_runs + 1;
}

extern "C" {

EMSCRIPTEN_KEEPALIVE int bump() {
    counter = counter + 1;
    return counter;
}

EMSCRIPTEN_KEEPALIVE int runs() {
    return ctor_runs;
}

}
