;; `_start` is exported as a global, not a function.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global (export "_start") i32 (i32.const 0)))
