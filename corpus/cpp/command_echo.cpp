// Prints its arguments (argv[0] included) and GREETING if set, then returns EXIT_CODE (default
// 0) from main: the same wasi-libc `_start` as C's turns a nonzero return into proc_exit.
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        std::string line = "argv[" + std::to_string(i) + "]=" + argv[i];
        std::printf("%s\n", line.c_str());
    }
    if (const char *greeting = std::getenv("GREETING")) {
        std::printf("GREETING=%s\n", greeting);
    }
    const char *code = std::getenv("EXIT_CODE");
    return code ? std::atoi(code) : 0;
}
