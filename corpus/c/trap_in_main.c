// main prints a line, then traps with __builtin_trap (wasm `unreachable`): a trap, not an exit.
#include <unistd.h>

int main(void) {
    write(1, "before trap\n", 12);
    __builtin_trap();
}
