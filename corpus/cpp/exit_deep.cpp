// Two global objects print when constructed and when destroyed; main prints `main`, registers an
// atexit handler, constructs a function-local static, and either returns 0 or, when argv[1] is
// `exit`, calls proc_exit(0) from three calls deep. After a return wasi-libc runs everything
// registered with atexit/__cxa_atexit newest first: the local static, the handler, then the
// globals in reverse order of construction. proc_exit skips them all.
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <wasi/api.h>

// write(2) rather than stdio: nothing waits in a buffer that proc_exit would drop.
static void say(const char *line) {
    write(1, line, std::strlen(line));
}

class Noisy {
public:
    Noisy(const char *constructed, const char *destroyed) : destroyed_(destroyed) {
        say(constructed);
    }
    ~Noisy() {
        say(destroyed_);
    }

private:
    const char *destroyed_;
};

static Noisy first("first constructed\n", "first destroyed\n");
static Noisy second("second constructed\n", "second destroyed\n");

static void at_exit() {
    say("atexit\n");
}

static void exit_from(int depth) {
    if (depth == 0) {
        __wasi_proc_exit(0);
    }
    exit_from(depth - 1);
    say("unreachable: proc_exit returned\n");
}

int main(int argc, char **argv) {
    say("main\n");
    std::atexit(at_exit);
    static Noisy local("local constructed\n", "local destroyed\n");
    if (argc > 1 && std::strcmp(argv[1], "exit") == 0) {
        exit_from(3);
    }
    return 0;
}
