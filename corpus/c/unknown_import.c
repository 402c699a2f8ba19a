// A command importing `fd_frobnicate` from wasi_snapshot_preview1, which preview1 does not
// define: linking must fail before main runs.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_frobnicate")))
int fd_frobnicate(int fd);

int main(void) {
    return fd_frobnicate(1);
}
