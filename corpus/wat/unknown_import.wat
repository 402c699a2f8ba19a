;; A command importing `fd_frobnicate`, which preview1 does not define: linking must fail.
(module
  (import "wasi_snapshot_preview1" "fd_frobnicate" (func $frobnicate (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $frobnicate (i32.const 1)))))
