;; `_start` returns a value (7), against the ABI's `() -> ()`.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (result i32)
    (i32.const 7)))
