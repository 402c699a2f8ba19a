;; A command importing WASI from both namespaces: fd_write from `wasi_snapshot_preview1` and
;; proc_exit from `wasi_unstable` (snapshot 0). `_start` prints `both` and exits with 3 through
;; the unstable proc_exit. A runtime offers one namespace, or each namespace separately, or
;; both: which it links is its answer (no runtime is obliged to offer `wasi_unstable`).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "both\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 3))))
