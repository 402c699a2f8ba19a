// main prints `main`, registers an atexit handler, and either returns 0 or, when argv[1] is
// `exit`, calls proc_exit(0) directly from three calls deep. A destructor and the atexit
// handler print their names: wasi-libc runs them after main returns, and proc_exit skips them.
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

// write(2) rather than stdio: nothing waits in a buffer that proc_exit would drop.
static void say(const char *line) {
    write(1, line, strlen(line));
}

static void at_exit(void) {
    say("atexit\n");
}

__attribute__((destructor)) static void destructor(void) {
    say("destructor\n");
}

static void exit_from(int depth) {
    if (depth == 0) {
        __wasi_proc_exit(0);
    }
    exit_from(depth - 1);
    say("unreachable: proc_exit returned\n");
}

int main(int argc, char **argv) {
    atexit(at_exit);
    say("main\n");
    if (argc > 1 && strcmp(argv[1], "exit") == 0) {
        exit_from(3);
    }
    return 0;
}
