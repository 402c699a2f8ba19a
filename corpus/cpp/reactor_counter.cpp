// A counter kept in a std::vector that a global object's constructor fills with {100};
// wasi-libc's `_initialize` runs the C++ constructors, and `bump` appends the next value and
// returns it. Without `_initialize` the vector is still empty (zero-initialised) and the count
// starts from 0.
// build: reactor
#include <vector>

class Counter {
public:
    Counter() : values_{100} {}

    int bump() {
        values_.push_back(values_.empty() ? 1 : values_.back() + 1);
        return values_.back();
    }

private:
    std::vector<int> values_;
};

static Counter counter;

__attribute__((export_name("bump"))) int bump() {
    return counter.bump();
}
