;; A command whose `_start` calls proc_exit(256) directly: an exit status that does not fit in a byte.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.const 256))))
