// A command that also exports `bump`, which appends the next value to a global std::vector a
// constructor fills with {100} and returns it. wasm-ld gives a command's extra exports "command
// export" wrappers: each call runs the constructors, `bump`, then the destructors, so the vector
// the last destructors freed is built again and `bump` returns 101. But each constructor run also
// registers the vector's destructor with __cxa_atexit, and once wasi-libc's exit list (musl's)
// has run, it counts its first block as full: the next registration goes into a new block in
// front, and the next run, after that entry, walks the first block from its last slot, which was
// never filled, and calls a null function pointer. So the first `bump` returns 101, and every
// call after the destructors have run once (a second `bump`, or `bump` after `_start`) traps.
#include <cstdio>
#include <vector>

static std::vector<int> history{100};

__attribute__((export_name("bump"))) int bump() {
    history.push_back(history.back() + 1);
    return history.back();
}

int main() {
    std::printf("main sees %d\n", history.back());
    return 0;
}
