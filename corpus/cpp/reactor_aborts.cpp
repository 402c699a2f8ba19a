// A reactor whose exports end in std::abort, which wasi-libc implements as `unreachable`.
// `abort_now` calls it directly; `at(i)` reads a global std::vector {10, 20, 30} (filled by a
// constructor) with `at`. Compiled without exceptions, libc++ 16 turns the out_of_range that `at`
// would throw into a plain std::abort, with no message.
// build: reactor
#include <cstdlib>
#include <vector>

static std::vector<int> tens{10, 20, 30};

__attribute__((export_name("abort_now"))) void abort_now() {
    std::abort();
}

__attribute__((export_name("at"))) int at(int index) {
    return tens.at(index);
}
