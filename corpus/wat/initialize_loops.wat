;; A reactor whose `_initialize` loops forever: the harness's deadline must end it.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_initialize")
    (loop $forever
      (br $forever))))
