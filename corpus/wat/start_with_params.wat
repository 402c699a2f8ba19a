;; `_start` takes a parameter, against the ABI's `() -> ()`; it exits with that value.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (param $code i32)
    (call $proc_exit (local.get $code))))
