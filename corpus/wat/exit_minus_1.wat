;; A command whose `_start` calls proc_exit(-1) directly: an exit status that is u32::MAX read as a signed i32.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.const -1))))
