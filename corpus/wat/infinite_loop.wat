;; A command whose `_start` never returns: the harness's deadline must end it.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever
      (br $forever))))
